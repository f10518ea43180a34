"""Browser tests: Playwright driving Debian's chromium against `streamlit run`
on a free loopback port, with a private copy of the demo store.

Screenshots go to tests/e2e/artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "e2e" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(src, workdir: Path, env: dict | None = None) -> dict:
    """`streamlit run app.py` on a free port against a copy of store ``src``
    (``env``: more environment variables, e.g. SWP_MODE)."""
    from geo.assets import ensure_static

    ensure_static(ROOT)  # as `make run` does (python -m swp_data ensure)
    store = workdir / "swp.duckdb"
    shutil.copy(src, store)
    port = _free_port()
    env = {**os.environ, "SWP_STORE": str(store), **(env or {})}
    log_path = workdir / "streamlit.log"
    log = open(log_path, "w")  # noqa: SIM115 - the server writes to it until stopped
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return {"url": url, "store": store, "proc": proc, "log": log}
        except OSError:
            time.sleep(0.3)
    proc.kill()
    log.close()
    pytest.fail(f"streamlit did not start: {log_path.read_text()[-2000:]}")


def stop_server(srv: dict) -> None:
    srv["proc"].terminate()
    try:
        srv["proc"].wait(10)
    except subprocess.TimeoutExpired:
        srv["proc"].kill()
    srv["log"].close()


@pytest.fixture(scope="session")
def server(tmp_path_factory, request):
    """The app on a copy of the demo store (or of the store named by E2E_STORE,
    to try the pages on other data)."""
    src = os.environ.get("E2E_STORE") or request.getfixturevalue("demo_store")
    srv = start_server(src, tmp_path_factory.mktemp("e2e"))
    yield srv
    stop_server(srv)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
    yield b
    b.close()
    pw.stop()


class PageErrors:
    def __init__(self):
        self.errors: list[str] = []


@pytest.fixture
def page(browser, server):
    """A fresh page; JavaScript errors on it fail the test."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000})
    pg = ctx.new_page()
    errs = PageErrors()
    pg.on("pageerror", lambda e: errs.errors.append(str(e)))
    pg.set_default_timeout(30_000)
    pg.base_url = server["url"]  # type: ignore[attr-defined]
    pg.js_errors = errs  # type: ignore[attr-defined]
    yield pg
    ctx.close()
    assert not errs.errors, f"JavaScript errors: {errs.errors}"


def wait_idle(pg, settle: float = 0.5) -> None:
    """Wait until Streamlit has finished running the script."""
    pg.wait_for_selector('[data-testid="stApp"]', state="attached")
    time.sleep(settle)
    deadline = time.time() + 60
    while time.time() < deadline:
        if (
            pg.locator('[data-testid="stStatusWidget"]').count() == 0
            and pg.locator('[data-testid="stSpinner"]').count() == 0
        ):
            time.sleep(0.3)
            if pg.locator('[data-testid="stStatusWidget"]').count() == 0:
                return
        time.sleep(0.25)


def goto(pg, path: str = "") -> None:
    pg.goto(pg.base_url + "/" + path)
    wait_idle(pg, 1.0)


def assert_no_exception(pg) -> None:
    exc = pg.locator('[data-testid="stException"]')
    assert exc.count() == 0, exc.first.inner_text()[:1000]


def shot(pg, name: str) -> None:
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def choose(pg, label: str, option: str) -> None:
    """Pick an option of a selectbox by its label."""
    box = pg.get_by_role("combobox", name=label, exact=True).first
    box.click()
    box.fill(option)  # long lists are virtualised: filter so the option is rendered
    pg.get_by_role("option", name=option, exact=True).first.click()
    wait_idle(pg)


def click_map(pg, index: int = 0) -> None:
    """Click the middle of a folium map (inside its iframe) on a polygon."""
    frame_el = pg.locator('iframe[src*="streamlit_folium"]').nth(index)
    frame_el.wait_for(state="visible")
    frame = frame_el.content_frame
    # Polygons are drawn on a canvas (prefer_canvas) once Leaflet has loaded.
    frame.locator(".leaflet-container canvas, .leaflet-container path.leaflet-interactive").first.wait_for(
        state="attached", timeout=30_000
    )
    box = frame_el.bounding_box()
    pg.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    wait_idle(pg, 1.5)
