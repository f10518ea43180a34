"""The reverse proxy of docs/deploy.md, as written there: nginx (when
installed) with TLS in front of `streamlit run`. A session's websocket goes
through it with a browser's Origin, and a request with a sign-in-sized cookie
is let through (nginx's default header buffers would refuse it)."""

from __future__ import annotations

import re
import shutil
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
