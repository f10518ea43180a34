"""fetch against hostile servers: a drip-feeding answer, redirects to another
host, answers nested too deeply or of the wrong types, a month with far too
many records, and the deadline of a whole run. A small local server each."""

from __future__ import annotations

import http.server
import json
import threading
import time

import pytest

from swp_data.sources import fetch

RING = [[(-2.2, 52.55), (-2.0, 52.55), (-2.0, 52.65), (-2.2, 52.65), (-2.2, 52.55)]]


def _record(i: int, month: str = "2024-01", **over) -> dict:
    rec = {
        "id": 1000 + i,
        "persistent_id": f"p{i}",
        "category": "burglary",
        "month": month,
        "location_type": "Force",
        "location": {"latitude": "52.58", "longitude": "-2.12", "street": {"id": 1, "name": "On or near X"}},
        "context": "",
        "outcome_status": None,
        "location_subtype": "",
    }
    rec.update(over)
    return rec


class Server:
    """Answers by path with a function (handler) -> None; logs (method, path, body)."""

    def __init__(self, routes: dict, host: str = "127.0.0.1"):
        self.routes = routes
        self.log: list[tuple[str, str, bytes]] = []
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _go(self, method):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                outer.log.append((method, self.path, body))
                fn = outer.routes.get(self.path.split("?")[0])
                if fn is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                fn(self)

            def do_GET(self):
                self._go("GET")

            def do_POST(self):
                self._go("POST")

        self.httpd = http.server.ThreadingHTTPServer((host, 0), H)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://{host}:{self.port}/api"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _json(data, code: int = 200):
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()

    def answer(h):
        h.send_response(code)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(raw)))
        h.end_headers()
        h.wfile.write(raw)

    return answer


def _redirect(location: str, code: int = 307):
    def answer(h):
        h.send_response(code)
        h.send_header("Location", location)
        h.send_header("Content-Length", "0")
        h.end_headers()

    return answer


@pytest.fixture
def server():
    made = []

    def make(routes, host="127.0.0.1"):
        s = Server(routes, host)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def _client(url, **kw):
    opts = {"backoff": 0.01, "max_wait": 0.05, "timeout": (2.0, 2.0), "tries": 1}
    opts.update(kw)
    return fetch.Client(url, **opts)


def test_a_dripping_answer_is_cut_off_at_the_request_deadline(server):
    body = json.dumps([{"date": "2024-01", "stop-and-search": []}]).encode()

    def drip(h):
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        for b in body:  # one byte every 0.2 s: within the read timeout each time, ~9 s in all
            h.wfile.write(bytes([b]))
            h.wfile.flush()
            time.sleep(0.2)

    s = server({"/api/crimes-street-dates": drip})
    c = _client(s.url)
    c.request_deadline = 1.0
    with pytest.raises(fetch.FetchError) as e:
        c.dates()
    assert str(e.value) == (
        "police.uk API (crimes-street-dates): no complete answer within 1 s, 1 try; nothing was changed for it"
    )


def test_a_run_past_its_deadline_stops_with_one_line(server):
    s = server({"/api/crimes-street-dates": _json([{"date": "2024-01"}])})
    c = _client(s.url)
    assert c.dates() == ["2024-01"]
    c.run_deadline = time.monotonic() - 1
    with pytest.raises(fetch.FetchError, match=r"the update ran for more than 30 minutes; stopped"):
        c.dates()
    assert len(s.log) == 1  # no request after the deadline


def test_a_post_is_never_redirected_and_its_body_never_re_sent(server):
    other = server({"/api/crimes-street/all-crime": _json([_record(1)])}, host="localhost")
    s = server({"/api/crimes-street/all-crime": _redirect(other.url + "/crimes-street/all-crime")})
    with pytest.raises(fetch.FetchError) as e:
        _client(s.url).street_month("2024-01", RING)
    assert "redirected the request to localhost" in str(e.value) and "not followed" in str(e.value)
    assert other.log == []
    assert len(s.log) == 1 and b"poly=" in s.log[0][2]
    # even to the same host: a POST body is not sent again
    same = server({"/api/crimes-street/all-crime": _redirect("/api/elsewhere")})
    with pytest.raises(fetch.FetchError, match="not followed"):
        _client(same.url).street_month("2024-01", RING)
    assert [m for m, *_ in same.log] == ["POST"]


def test_a_get_follows_a_redirect_on_the_same_host_only(server):
    other = server({"/api/crimes-street-dates": _json([{"date": "2020-01"}])}, host="localhost")
    s = server(
        {
            "/api/crimes-street-dates": _redirect("/api/v2/dates", 302),
            "/api/v2/dates": _json([{"date": "2024-02"}]),
            "/api/crime-last-updated": _redirect(other.url + "/crimes-street-dates", 302),
        }
    )
    c = _client(s.url)
    assert c.dates() == ["2024-02"]
    with pytest.raises(fetch.FetchError, match="redirected the request to localhost"):
        c.last_updated()
    assert other.log == []


@pytest.mark.parametrize(
    ("path", "answer", "message"),
    [
        ("/api/crimes-street-dates", b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
        ("/api/crimes-street-dates", [{"date": 5}], "not a list of {date: YYYY-MM}"),
        ("/api/crimes-street-dates", [["2024-01"]], "not a list of {date: YYYY-MM}"),
        ("/api/crimes-street-dates", {"date": "2024-01"}, "not a list of {date: YYYY-MM}"),
        ("/api/crime-last-updated", [1, 2], "no date like 2024-01-01"),
    ],
)
def test_deep_or_mistyped_answers_are_one_line(server, path, answer, message):
    s = server({path: _json(answer)})
    c = _client(s.url)
    with pytest.raises(fetch.FetchError) as e:
        c.dates() if "dates" in path else c.last_updated()
    assert message in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize(
    ("over", "problem"),
    [
        ({"location": "52.58,-2.12"}, "location has no latitude/longitude"),
        ({"category": 7}, "no category"),
        ({"month": ["2024-01"]}, "record 1"),
        ({"id": {"x": 1}}, "record 1"),
    ],
)
def test_mistyped_records_are_one_line(server, over, problem):
    s = server({"/api/crimes-street/all-crime": _json([_record(1, **over)])})
    with pytest.raises(fetch.FetchError) as e:
        _client(s.url).street_month("2024-01", RING)
    assert problem in str(e.value) and str(e.value).startswith("Jan 2024") and "\n" not in str(e.value)


def test_the_month_cap_is_checked_as_parts_arrive(server, monkeypatch):
    """The area is split (503): the first part alone passes the cap, so the second
    part is never asked for."""
    monkeypatch.setattr(fetch, "MAX_MONTH_RECORDS", 3)
    answers = iter([None, [_record(i) for i in range(4)], [_record(10 + i) for i in range(2)]])

    def part(h):
        a = next(answers)
        if a is None:
            h.send_response(503)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        _json(a)(h)

    s = server({"/api/crimes-street/all-crime": part})
    with pytest.raises(fetch.FetchError, match="more than 3 records for the city in one month"):
        _client(s.url).street_month("2024-01", RING)
    assert len(s.log) == 2  # the refused whole, the first half: the second half never asked for
    monkeypatch.setattr(fetch, "MAX_MONTH_RECORDS", 4)
    answers = iter([[_record(i) for i in range(4)]])
    got, _, _ = _client(s.url).street_month("2024-01", RING)
    assert len(got) == 4  # at the cap: kept
