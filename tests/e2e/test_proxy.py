"""The reverse proxy of docs/deploy.md, as written there: nginx (when
installed) with TLS in front of `streamlit run`. A session's websocket goes
through it with a browser's Origin, and a request with a sign-in-sized cookie
is let through (nginx's default header buffers would refuse it)."""

from __future__ import annotations

import re
import shutil
import time
import urllib.error
import urllib.request

import pytest

from bench import proxy
from bench.stclient import Session, start_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def proxied(demo_store, tmp_path_factory):
    if not proxy.available():
        pytest.skip("nginx is not installed (apt-get install nginx-light): the proxy config is not tried")
    d = tmp_path_factory.mktemp("proxy")
    store = d / "swp.duckdb"
    shutil.copy(demo_store, store)
    srv = start_server(store)
    px = proxy.start_proxy(srv.url, d)
    yield px.url, px.http_port
    px.stop()
    srv.stop()


def _insecure():
    import ssl

    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def test_a_session_runs_through_the_proxy_with_a_browser_origin(proxied):
    url, _ = proxied
    with Session(url, origin=url) as s:
        run = s.run("", timeout=120)
    assert run.errors == []
    assert run.metrics()["All crime and ASB (DEMO)"]


def test_a_sign_in_sized_cookie_passes_and_plain_http_redirects(proxied):
    url, http_port = proxied
    req = urllib.request.Request(url + "/_stcore/health", headers={"Cookie": "_streamlit_user=" + "x" * 20_000})
    with urllib.request.urlopen(req, context=_insecure(), timeout=30) as r:
        assert r.status == 200
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.build_opener(_NoRedirect).open(f"http://localhost:{http_port}/", timeout=30)
    assert e.value.code == 301 and e.value.headers["Location"] == "https://localhost/"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _stream_answers(https_url: str, host: str, origin: str) -> bool:
    """Open the app's websocket through the proxy as a browser on ``host``
    would (Host and Origin naming it; the connection itself goes to loopback)
    and ask for a run: whether the app answers."""
    import socket

    from streamlit.proto.BackMsg_pb2 import BackMsg
    from websockets.exceptions import ConnectionClosed, InvalidStatus
    from websockets.sync.client import connect

    port = int(https_url.rsplit(":", 1)[1])
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    msg = BackMsg()
    msg.rerun_script.page_name = ""
    try:
        with connect(
            f"wss://{host}:{port}/_stcore/stream",
            sock=sock,
            ssl=_insecure(),
            server_hostname=host,
            subprotocols=["streamlit"],
            origin=origin,
            open_timeout=30,
        ) as ws:
            ws.send(msg.SerializeToString())
            return bool(ws.recv(timeout=60))
    except (ConnectionClosed, InvalidStatus):  # refused: closed, or 403 before the upgrade
        return False


def test_the_websocket_of_a_site_on_its_own_name_and_port_is_accepted_and_other_origins_refused(proxied):
    """The app accepts a websocket whose Origin matches the Host it receives:
    the proxy must pass the browser's Host on with its port."""
    url, _ = proxied
    port = url.rsplit(":", 1)[1]
    assert _stream_answers(url, "insight.test", f"https://insight.test:{port}")
    assert not _stream_answers(url, "insight.test", "https://elsewhere.test")


def test_streamlit_front_end_is_served_by_the_proxy(proxied):
    """The front end's files come from nginx (its `expires max` header), not
    the app process, with their types; the page that loads them still comes
    from the app. (A browser through the proxy: bench/bench_browser.py.)"""
    url, _ = proxied
    with urllib.request.urlopen(url + "/", context=_insecure(), timeout=30) as r:
        index = r.read().decode()
    assets = re.findall(r'(?:src|href)="\.?/?(static/[^"]+)"', index)
    assert assets, index[:500]
    for path in assets[:3]:
        with urllib.request.urlopen(f"{url}/{path}", context=_insecure(), timeout=30) as r:
            assert r.status == 200 and r.read()
            if path.endswith(".js"):  # a module script loads only with a JavaScript type
                assert r.headers["Content-Type"] == "application/javascript"
            assert r.headers["Expires"] == "Thu, 31 Dec 2037 23:55:55 GMT"  # nginx's `expires max`


def test_metrics_are_blocked_and_no_other_site_may_frame_the_app(proxied):
    url, _ = proxied
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(url + "/_stcore/metrics", context=_insecure(), timeout=30)
    assert e.value.code == 404
    with urllib.request.urlopen(url + "/", context=_insecure(), timeout=30) as r:
        assert r.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
        assert r.headers["X-Frame-Options"] == "SAMEORIGIN"
    with urllib.request.urlopen(url + "/_stcore/health", context=_insecure(), timeout=30) as r:
        assert r.headers["Content-Security-Policy"] == "frame-ancestors 'self'"  # every answer


def test_metrics_are_served_by_the_app_itself(demo_store, tmp_path):
    """What the block hides: the app answers /_stcore/metrics on loopback."""
    store = tmp_path / "swp.duckdb"
    shutil.copy(demo_store, store)
    srv = start_server(store)
    try:
        with urllib.request.urlopen(srv.url + "/_stcore/metrics", timeout=30) as r:
            assert r.status == 200
    finally:
        srv.stop()


def test_connections_beyond_the_limit_are_refused(demo_store, tmp_path):
    """The block's limit_conn, with 2 in place of 100: two open pages (websockets) from one
    address are served, a third is refused with 429 until one closes."""
    import socket

    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    if not proxy.available():
        pytest.skip("nginx is not installed")
    store = tmp_path / "swp.duckdb"
    shutil.copy(demo_store, store)
    srv = start_server(store)
    px = proxy.start_proxy(
        srv.url, tmp_path, replace={"limit_conn swp_per_address 100;": "limit_conn swp_per_address 2;"}
    )
    port = int(px.url.rsplit(":", 1)[1])

    def page():
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        return connect(
            f"wss://localhost:{port}/_stcore/stream",
            sock=sock,
            ssl=_insecure(),
            server_hostname="localhost",
            subprotocols=["streamlit"],
            origin=f"https://localhost:{port}",
            open_timeout=30,
        )

    try:
        first, second = page(), page()
        with pytest.raises(InvalidStatus) as e:
            page()
        assert e.value.response.status_code == 429
        first.close()
        time.sleep(0.5)
        third = page()  # a place is free again
        third.close()
        second.close()
    finally:
        px.stop()
        srv.stop()
