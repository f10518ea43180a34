"""A local stand-in for the police.uk API (tests and bench only; never the real service).

It answers on a loopback port like https://data.police.uk/api, from real
records: by default the June 2018 Wolverhampton responses of the bundle
(``police_uk/api/2018-06``, 2,463 unique records):

* ``GET /api/crimes-street-dates``: ``[{"date": "YYYY-MM", "stop-and-search": []}, ...]``, newest first;
* ``GET /api/crime-last-updated``: ``{"date": "YYYY-MM-DD"}``;
* ``POST /api/crimes-street/all-crime`` (form ``poly=lat,lng:lat,lng:...&date=YYYY-MM``;
  GET with the same query also works): the month's records whose point lies
  inside the polygon or on its edge (so a record on a split line comes back
  from both halves, as police.uk's overlapping polygons do); HTTP 503 with an
  empty body when more than ``record_limit`` records are inside (police.uk's
  limit is 10,000); 404 for a month it does not have; 400 for a bad polygon.

Faults for tests, consumed one per street request from ``faults`` (a list):
``"429"`` (with Retry-After: 0), ``"429-long"`` (Retry-After: 3600), ``"500"``, ``"503-busy"`` (with Retry-After),
``"slow"`` (waits ``slow_seconds`` before answering), ``"malformed"`` (cut
JSON), ``"object"`` (a JSON object, not a list), ``"drop"`` (closes the connection without an answer), ``"html"`` (a
proxy's login page with status 200). ``month_faults`` maps a month to a fault
applied to every request for it from its ``after``-th on (``(fault, after)``).
Every request is logged in ``log`` (path, date, number of polygon points,
User-Agent, status, records).

Run by hand: ``python tests/policeuk_standin.py [--port 8765] [--months 36]``.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import shapely

from swp_data import config

JUNE_2018 = "2018-06"


def june_2018_records(data_dir: Path | None = None) -> list[dict]:
    """The bundle's real June 2018 API records, unique by id (first copy, files in name order)."""
    folder = (data_dir or config.data_dir()) / "police_uk" / "api" / JUNE_2018
    seen: dict = {}
    for f in sorted(folder.glob("*.json")):
        for rec in json.loads(f.read_text()):
            seen.setdefault(rec["id"], rec)
    return list(seen.values())


def synthetic_months(n: int = 36, last: str = "2026-09", base: list[dict] | None = None) -> dict[str, list[dict]]:
    """``n`` city-sized months ending at ``last``: the June 2018 records with
    the month (and outcome date) changed and ids made unique per month, a
    few records more or fewer each month (about 2,500 a month). Synthetic: for
    the bench and tests only, never shown as real."""
    base = base or june_2018_records()
    y, m = int(last[:4]), int(last[5:7])
    months = []
    for _ in range(n):
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    out = {}
    for k, month in enumerate(sorted(months)):
        extra = (k * 37) % 120 - 40  # -40 .. +79 records
        recs = base + base[: max(0, extra)] if extra > 0 else base[: len(base) + extra]
        rows = []
        for j, r in enumerate(recs):
            r = dict(r)
            r["id"] = 900_000_000 + k * 100_000 + j
            r["month"] = month
            if isinstance(r.get("outcome_status"), dict):
                r["outcome_status"] = {**r["outcome_status"], "date": month}
            if r.get("persistent_id"):
                r["persistent_id"] = f"{r['persistent_id'][:48]}{k:04d}{j:012d}"
            rows.append(r)
        out[month] = rows
    return out


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """A client that gave up (a test's short timeout) is expected: no traceback on stderr."""
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class _Month:
    def __init__(self, records: list[dict]):
        self.records = records
        self.lon = np.array([float(r["location"]["longitude"]) for r in records])
        self.lat = np.array([float(r["location"]["latitude"]) for r in records])


class StandIn:
    """The stand-in server; ``with StandIn() as api: api.url`` (``.../api``)."""

    def __init__(self, months: dict[str, list[dict]] | None = None, last_updated: str = "2026-10-01"):
        self.months = {m: _Month(r) for m, r in (months or {JUNE_2018: june_2018_records()}).items()}
        self.last_updated = last_updated
        self.record_limit = 10_000
        # Degrees around the polygon that still count as inside (0: exact).
        # police.uk returns a crime for every query polygon it falls in; a
        # margin makes records near a split line come back from both halves.
        self.edge_margin = 0.0
        self.faults: list[str] = []
        self.month_faults: dict[str, tuple[str, int]] = {}
        self.slow_seconds = 2.0
        self.log: list[dict] = []
        self.lock = threading.Lock()
        self._street_by_month: dict[str, int] = {}
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------
    def start(self, port: int = 0) -> StandIn:
        stand = self

        class Handler(_Handler):
            standin = stand

        self.server = _Server(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, name="policeuk-standin", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/api"

    def street_requests(self, month: str | None = None) -> list[dict]:
        with self.lock:
            return [e for e in self.log if e["path"].startswith("/crimes-street/") and month in (None, e["date"])]

    # -- answers -----------------------------------------------------------------------
    def inside(self, month: str, ring: list[tuple[float, float]]) -> list[dict]:
        mo = self.months[month]
        poly = shapely.Polygon(ring)
        if self.edge_margin:
            poly = poly.buffer(self.edge_margin)
        hit = shapely.intersects_xy(poly, mo.lon, mo.lat)  # inside or on the edge
        return [mo.records[i] for i in np.flatnonzero(hit)]

    def next_fault(self, month: str | None) -> str | None:
        with self.lock:
            if month is not None:
                k = self._street_by_month.get(month, 0) + 1
                self._street_by_month[month] = k
                fault = self.month_faults.get(month)
                if fault and k >= fault[1]:
                    return fault[0]
            return self.faults.pop(0) if self.faults else None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    standin: StandIn

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        self._answer(parsed.path, urllib.parse.parse_qs(parsed.query))

    def do_POST(self) -> None:
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace")
        self._answer(urllib.parse.urlsplit(self.path).path, urllib.parse.parse_qs(body))

    def _send(self, status: int, body: bytes, ctype: str = "application/json", headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _answer(self, path: str, params: dict) -> None:
        s = self.standin
        path = path.removeprefix("/api")
        entry = {
            "method": self.command,
            "query": urllib.parse.urlsplit(self.path).query,
            "path": path,
            "date": None,
            "points": 0,
            "ua": self.headers.get("User-Agent"),
            "status": 200,
        }
        with s.lock:
            s.log.append(entry)
        if path == "/crimes-street-dates":
            data = [{"date": m, "stop-and-search": []} for m in sorted(s.months, reverse=True)]
            return self._send(200, json.dumps(data).encode())
        if path == "/crime-last-updated":
            return self._send(200, json.dumps({"date": s.last_updated}).encode())
        if not path.startswith("/crimes-street/"):
            entry["status"] = 404
            return self._send(404, b'{"error": "not found"}')
        month = (params.get("date") or [""])[0]
        entry["date"] = month
        fault = s.next_fault(month)
        if fault == "drop":
            entry["status"] = "dropped"
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(2)
            return
        if fault == "slow":
            time.sleep(s.slow_seconds)
        if fault == "429":
            entry["status"] = 429
            return self._send(429, b"", headers={"Retry-After": "0"})
        if fault == "500":
            entry["status"] = 500
            return self._send(500, b"Internal Server Error", ctype="text/plain")
        if fault == "429-long":
            entry["status"] = 429
            return self._send(429, b"", headers={"Retry-After": "3600"})
        if fault == "503-busy":
            entry["status"] = 503
            return self._send(503, b"", headers={"Retry-After": "0"})
        if fault == "object":
            entry["status"] = "object"
            return self._send(200, b'{"error": "Service temporarily limited"}')
        if fault == "html":
            entry["status"] = "html"
            page = b"<!DOCTYPE html><html><body><h1>Proxy login</h1><form>...</form></body></html>"
            return self._send(200, page, ctype="text/html; charset=utf-8")
        try:
            pairs = [p.split(",") for p in (params.get("poly") or [""])[0].split(":")]
            ring = [(float(lng), float(lat)) for lat, lng in pairs]
            if len(ring) < 3:
                raise ValueError
        except ValueError:
            entry["status"] = 400
            return self._send(400, b'{"error": "bad poly"}')
        entry["points"] = len(ring)
        if month not in s.months:
            entry["status"] = 404
            return self._send(404, b"")
        found = s.inside(month, ring)
        entry["records"] = len(found)
        if len(found) > s.record_limit:
            entry["status"] = 503
            return self._send(503, b"")
        body = json.dumps(found).encode()
        if fault == "malformed":
            entry["status"] = "malformed"
            body = body[: max(1, len(body) // 2)]
        return self._send(200, body)


if __name__ == "__main__":  # pragma: no cover - by hand
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--months", type=int, default=0, help="serve this many synthetic months instead of June 2018")
    ap.add_argument("--limit", type=int, default=10_000)
    a = ap.parse_args()
    api = StandIn(synthetic_months(a.months) if a.months else None)
    api.record_limit = a.limit
    api.start(a.port)
    print(f"police.uk stand-in at {api.url} (Ctrl-C to stop)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        api.stop()
