"""The real sign-in flow in chromium: `oidc-provider-mock` (a real OpenID
Connect provider made for tests) on a loopback port, the app in partnership
mode with ``[auth]`` in a secrets file outside the repository
(``--secrets.files``), and the roles file named by ``SWP_ROLES``.

Both URLs use ``localhost`` (the sign-in cookies are per host); plain http
needs ``AUTHLIB_INSECURE_TRANSPORT=1``. The provider's page has one button per
predefined user (``button[name=sub][value=...]``). Also: the public site
(``SWP_MODE=public``) in its own server.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from swp_data import config
from tests.e2e.axe_helpers import violations
from tests.e2e.conftest import ARTIFACTS, _free_port, assert_no_exception, goto, shot, wait_idle

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
USERS = {
    "alice": {"sub": "alice", "email": "Ana.Lyst@example.gov.uk", "email_verified": True, "name": "Ana Lyst"},
    "victor": {"sub": "victor", "email": "pc.view@example.police.uk", "email_verified": True},
    "sam": {"sub": "sam", "email": "sam@evil-example.gov.uk", "email_verified": True},
}
ROLES = """
[analyst]
emails = ["ana.lyst@example.gov.uk"]
[viewer]
domains = ["example.gov.uk", "example.police.uk"]
[contact]
text = "the community safety team, cst@example.gov.uk"
"""
NAV_PAGES = [
    "Overview",
    "Performance",
    "Trends",
    "Crime map",
    "Outcomes",
    "Deprivation",
    "Impact Areas",
    "Neighbourhood clusters",
    "Engagement",
    "Action plan",  # signed-in roles only (not the public site)
    "Compare",
    "Meetings",
]


def _wait_http(url: str, proc: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.time() + 90
    while time.time() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    proc.kill()
    pytest.fail(f"{what} did not start: {log.read_text()[-2000:]}")


def _start(cmd: list[str], env: dict, workdir: Path, name: str, health: str) -> tuple[subprocess.Popen, object]:
    log_path = workdir / f"{name}.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed by _stop
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    _wait_http(health, proc, log_path, name)
    return proc, log


def _stop(proc: subprocess.Popen, log) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def _streamlit(port: int, env: dict, workdir: Path, extra: list[str] = ()):
    from geo.assets import ensure_static

    ensure_static(ROOT)
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true"]
    cmd += ["--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    return _start(cmd + list(extra), env, workdir, "streamlit", f"http://127.0.0.1:{port}/_stcore/health")


SEEDED = "a target changed before this test"


def _seed_audit(path: Path) -> None:
    """One earlier change by another analyst, for the trail on the Data page."""
    from swp_data import access
    from swp_data import store as st_store
    from swp_data.store import audit

    other = access.Actor(who="earlier.analyst@example.gov.uk", role="analyst", via="oidc")
    with access.acting_as(other), st_store.transaction(path) as con:
        audit.record(con, "target", detail=SEEDED)


@contextlib.contextmanager
def _partnership(work: Path, demo_store: Path, **env_extra: str):
    """The provider and the app in partnership mode: the app's base URL, its store, the provider's URL."""
    store = work / "swp.duckdb"
    shutil.copy(demo_store, store)
    _seed_audit(store)
    idp_port, app_port = _free_port(), _free_port()
    idp_cmd = [str(Path(sys.executable).parent / "oidc-provider-mock"), "-p", str(idp_port)]
    for claims in USERS.values():
        idp_cmd += ["--user-claims", json.dumps(claims)]
    idp = _start(
        idp_cmd, dict(os.environ), work, "oidc", f"http://localhost:{idp_port}/.well-known/openid-configuration"
    )
    secrets = work / "secrets.toml"  # outside the repository, as on a server
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://localhost:{app_port}/oauth2callback"\n'
        f'cookie_secret = "{os.urandom(16).hex()}"\n'
        'client_id = "swp-e2e"\n'
        'client_secret = "swp-e2e-secret"\n'
        f'server_metadata_url = "http://localhost:{idp_port}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    roles = work / "roles.toml"
    roles.write_text(ROLES, encoding="utf-8")
    env = {
        **os.environ,
        "SWP_STORE": str(store),
        "SWP_MODE": "partnership",
        "SWP_ROLES": str(roles),
        "AUTHLIB_INSECURE_TRANSPORT": "1",
        **env_extra,
    }
    env.pop("SWP_CONTACT", None)
    try:
        app = _streamlit(app_port, env, work, ["--secrets.files", str(secrets)])
    except BaseException:
        _stop(*idp)
        raise
    try:
        yield {"url": f"http://localhost:{app_port}", "store": store, "idp": f"http://localhost:{idp_port}"}
    finally:
        _stop(*app)
        _stop(*idp)


@pytest.fixture(scope="module")
def partnership(tmp_path_factory, demo_store):
    with _partnership(tmp_path_factory.mktemp("auth-e2e"), demo_store) as srv:
        yield srv


@pytest.fixture
def ctx(browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    c = browser.new_context(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
    yield c
    c.close()


def _page(ctx, base: str):
    pg = ctx.new_page()
    pg.set_default_timeout(30_000)
    pg.base_url = base
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.js_errors = errors
    return pg


def sign_in(pg, user: str) -> None:
    goto(pg)
    pg.get_by_role("heading", name="Sign in").wait_for()
    pg.get_by_role("button", name="Sign in").click()
    pg.locator(f"button[name=sub][value={user}]").click()  # the provider's page
    pg.wait_for_url(pg.base_url + "/**")
    wait_idle(pg, 1.5)


def sidebar(pg):
    return pg.locator('[data-testid="stSidebar"]')


def nav_links(pg) -> list[str]:
    texts = pg.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
    return [t.strip().splitlines()[-1] for t in texts]  # after the icon's name


def _small_csv(tmp: Path, rows: int = 30) -> Path:
    """The first rows of a real police.uk file from the bundle."""
    src = config.data_dir() / "police_uk" / "csv" / "2012-01-west-midlands-street-wolverhampton.csv"
    lines = src.read_text(encoding="utf-8").splitlines()[: rows + 1]
    out = tmp / "2012-01-west-midlands-street.csv"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


# --------------------------------------------------------------------------- partnership
def test_a_first_visit_to_the_data_page_gets_the_sign_in_page(partnership, ctx):
    """The first request of the server process is the deep link (the legacy pages/ folder path)."""
    pg = _page(ctx, partnership["url"])
    goto(pg, "data")
    pg.get_by_role("heading", name="Sign in").wait_for()
    assert pg.get_by_role("heading", name="Import files").count() == 0
    assert pg.locator('[data-testid="stFileUploader"]').count() == 0
    assert nav_links(pg) == []
    assert_no_exception(pg)
    shot(pg, "auth-sign-in")


def test_analyst_signs_in_imports_sees_the_audit_trail_and_signs_out(partnership, ctx, tmp_path):
    pg = _page(ctx, partnership["url"])
    sign_in(pg, "alice")
    sidebar(pg).get_by_text("Signed in as ana.lyst@example.gov.uk (analyst).").wait_for()
    assert nav_links(pg) == [*NAV_PAGES, "Data"]
    goto(pg, "data")
    pg.get_by_role("heading", name="Data", exact=True).wait_for()
    pg.locator('[data-testid="stFileUploader"] input[type=file]').set_input_files(str(_small_csv(tmp_path)))
    wait_idle(pg, 1.0)
    pg.get_by_role("button", name="Import", exact=True).click()
    wait_idle(pg, 2.0)
    pg.get_by_text("Imported 1 file(s)").wait_for(timeout=60_000)
    assert_no_exception(pg)
    wait_idle(pg, 1.5)  # the page reruns after the import
    pg.get_by_role("heading", name="Audit trail").wait_for()
    shot(pg, "auth-analyst-data")
    from swp_data import store
    from swp_data.store import audit

    grid = pg.locator('[data-testid="stDataFrame"]').filter(has_text="earlier.analyst@example.gov.uk")
    assert grid.count() == 1 and SEEDED in (grid.text_content() or "")  # the grid's accessible table
    with store.reading(partnership["store"]) as con:
        trail = audit.entries(con)
    assert list(trail["who"][:2]) == ["Ana.Lyst@example.gov.uk", "earlier.analyst@example.gov.uk"]  # as sent
    assert trail.iloc[0]["action"] == "import" and trail.iloc[0]["via"] == "oidc"
    assert trail.iloc[0]["rows"] > 0 and trail.iloc[0]["fingerprint"]
    grid = pg.locator('[data-testid="stDataFrame"]').filter(has_text="ana.lyst@example.gov.uk")
    assert grid.count() == 1
    # sign out from the sidebar: the provider's end-session page, then the app asks to sign in again
    copied = ctx.cookies()  # what someone who copied the cookie would hold
    sidebar(pg).get_by_role("button", name="Sign out").click()
    pg.wait_for_url(partnership["idp"] + "/**")
    goto(pg)
    pg.get_by_role("heading", name="Sign in").wait_for()
    assert nav_links(pg) == []
    # the copied cookie no longer lets anyone in: the sign-in ended on the server
    other = ctx.browser.new_context(viewport={"width": 1500, "height": 1000})
    try:
        other.add_cookies(copied)
        thief = _page(other, partnership["url"])
        goto(thief)
        thief.get_by_role("heading", name="You have signed out").wait_for()
        assert nav_links(thief) == []
        assert thief.get_by_text("Ana.Lyst").count() == 0
    finally:
        other.close()


def test_analyst_deletes_a_dataset(partnership, ctx):
    """The delete button runs in a callback, before app.py's gate in that run: it
    must still act as the signed-in analyst."""
    from swp_data import store

    with store.reading(partnership["store"]) as con:
        before = {r[0] for r in con.execute("SELECT dataset_id FROM dataset").fetchall()}
    pg = _page(ctx, partnership["url"])
    sign_in(pg, "alice")
    goto(pg, "data")
    pg.get_by_role("heading", name="Delete a dataset").wait_for()
    pg.get_by_role("button", name="Delete…").click()
    wait_idle(pg, 1.0)
    pg.get_by_role("button", name="Yes, delete").click()
    wait_idle(pg, 2.0)
    assert_no_exception(pg)
    pg.get_by_text("Deleted ").first.wait_for()
    assert pg.get_by_text("Cannot delete").count() == 0
    with store.reading(partnership["store"]) as con:
        after = {r[0] for r in con.execute("SELECT dataset_id FROM dataset").fetchall()}
    assert len(before - after) == 1


def test_viewer_has_no_data_page_and_no_upload_anywhere(partnership, ctx):
    pg = _page(ctx, partnership["url"])
    sign_in(pg, "victor")
    sidebar(pg).get_by_text("Signed in as pc.view@example.police.uk (viewer).").wait_for()
    assert nav_links(pg) == NAV_PAGES
    # the direct link: not served (Streamlit's "page not found" and the Overview)
    goto(pg, "data")
    pg.get_by_text("Page not found").first.wait_for()
    pg.get_by_role("heading", name="The city at a glance").wait_for(timeout=90_000)
    assert pg.get_by_role("heading", name="Import files").count() == 0
    assert pg.get_by_role("heading", name="Data", exact=True).count() == 0
    shot(pg, "auth-viewer-data-refused")
    found: list[str] = []
    for name in NAV_PAGES:
        goto(pg)
        sidebar(pg).get_by_role("link", name=name, exact=True).click()
        wait_idle(pg, 2.0)
        assert_no_exception(pg)
        assert pg.locator('[data-testid="stFileUploader"]').count() == 0, name
        assert pg.get_by_role("button", name="Load the demo priority areas").count() == 0, name
        found += [f"{name}: {line}" for line in violations(pg)]  # axe-core, partnership mode (a viewer)
    assert not found, "accessibility violations (partnership mode, viewer):\n" + "\n".join(found)
    assert not pg.js_errors


def test_unlisted_address_is_refused_and_sees_no_data(partnership, ctx):
    pg = _page(ctx, partnership["url"])
    sign_in(pg, "sam")
    pg.get_by_role("heading", name="You are signed in, but not authorised to use this app").wait_for()
    body = pg.locator('[data-testid="stMain"]').inner_text()
    assert "sam@evil-example.gov.uk is not on the list of people with access" in body
    assert "contact the community safety team, cst@example.gov.uk" in body
    assert nav_links(pg) == []
    for testid in ("stMetric", "stDataFrame", "stPlotlyChart", "stFileUploader", "stSelectbox"):
        assert pg.locator(f'[data-testid="{testid}"]').count() == 0, testid
    goto(pg, "trends")
    pg.get_by_role("heading", name="You are signed in, but not authorised to use this app").wait_for()
    assert pg.locator('[data-testid="stPlotlyChart"]').count() == 0
    shot(pg, "auth-refused")
    pg.get_by_role("button", name="Sign out").click()
    pg.wait_for_url(partnership["idp"] + "/**")


def test_a_sign_in_ends_after_the_configured_time(tmp_path, demo_store, ctx):
    """SWP_SESSION_HOURS counts from the identity token's issue time (iat): a new
    session in the same browser (a reload) does not restart the clock."""
    hours = 40 / 3600  # 40 seconds: long enough for a cold first page on a busy machine
    with _partnership(tmp_path, demo_store, SWP_SESSION_HOURS=f"{hours:.6f}") as srv:
        pg = _page(ctx, srv["url"])
        sign_in(pg, "alice")
        started = time.time()
        sidebar(pg).get_by_text("Signed in as ana.lyst@example.gov.uk (analyst).").wait_for()
        time.sleep(max(0.0, started + 41 - time.time()))
        goto(pg, "trends")  # a new session: the cookie is still there, the sign-in is too old
        pg.get_by_role("heading", name="Your session has ended").wait_for()
        assert nav_links(pg) == []
        assert pg.locator('[data-testid="stPlotlyChart"]').count() == 0
        shot(pg, "auth-session-ended")
        pg.get_by_role("button", name="Sign in again").click()
        pg.locator("button[name=sub][value=alice]").click()
        pg.wait_for_url(pg.base_url + "/**")
        wait_idle(pg, 1.5)
        sidebar(pg).get_by_text("Signed in as ana.lyst@example.gov.uk (analyst).").wait_for()
        assert "Data" in nav_links(pg)


# --------------------------------------------------------------------------- public
@pytest.fixture(scope="module")
def public_site(tmp_path_factory, demo_store):
    work = tmp_path_factory.mktemp("public-e2e")
    store = work / "swp.duckdb"
    shutil.copy(demo_store, store)
    port = _free_port()
    env = {**os.environ, "SWP_STORE": str(store), "SWP_MODE": "public"}
    app = _streamlit(port, env, work)
    yield {"url": f"http://localhost:{port}", "store": store}
    _stop(*app)


def test_public_site_no_switch_no_data_page_suppressed_downloads(public_site, ctx):
    pg = _page(ctx, public_site["url"])
    goto(pg, "data")
    # the first request of this server: the default page (no "page not found" on this path), never the Data page
    pg.get_by_role("heading", name="The city at a glance").wait_for(timeout=90_000)
    assert pg.get_by_role("heading", name="Import files").count() == 0
    assert "Data" not in nav_links(pg)
    sb = sidebar(pg)
    sb.get_by_text("Public site:").wait_for()
    assert sb.locator('[data-testid="stCheckbox"], [data-testid="stToggle"]').count() == 0
    assert sb.get_by_text("Public mode").count() == 0
    # the engagement survey by ward: small counts blank on the page and in the CSV
    sb.get_by_role("link", name="Engagement", exact=True).click()
    wait_idle(pg, 2.0)
    assert_no_exception(pg)
    pg.get_by_text("Public mode: where an answer was given 1 to 4 times").wait_for()
    pg.locator('[data-testid="stRadio"] label').filter(has_text="t know").first.click()
    wait_idle(pg, 1.5)
    button = pg.locator(".st-key-en_survey_dl button")
    with pg.expect_download() as dl:
        button.click()
    text = Path(dl.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO("\n".join(li for li in text.splitlines() if not li.startswith("#")))))
    suppressed = [r for r in rows if r["suppressed"] == "True"]
    assert suppressed, "the demo survey has small ward counts"
    assert {r["answer"] for r in rows} == {"Don't know"}
    assert all(r["responses"] == "" and r["share"] == "" for r in suppressed)
    assert all(r["responses"] != "" for r in rows if r["suppressed"] == "False")
    assert all(float(r["responses"]) == 0 or float(r["responses"]) >= 5 for r in rows if r["suppressed"] == "False")
    shot(pg, "public-engagement")
