"""The three modes in the app (AppTest): local, public, and partnership with
the signed-in person's claims in ``at.user`` (the real sign-in flow against an
OpenID provider is in tests/e2e/test_auth_e2e.py)."""

from __future__ import annotations

import ast
import base64
import getpass
import html
import json
import re
import time
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from swp_data import access, fmt, store
from swp_data.analysis import public as public_site
from swp_data.places import engagement_analysis
from swp_data.store import audit

from .conftest import APP, no_errors, open_page

ROLES = """
[analyst]
emails = ["ana.lyst@example.gov.uk"]
[viewer]
domains = ["example.gov.uk", "example.police.uk"]
[contact]
text = "the community safety team <cst@example.gov.uk>"
"""
ANALYST = {"sub": "a1", "email": "Ana.Lyst@example.gov.uk", "email_verified": True, "name": "Ana Lyst"}
VIEWER = {"sub": "v1", "email": "pc.view@example.police.uk", "email_verified": True}
DATA = "pages/data.py"
IA = "pages/impact_areas.py"


@pytest.fixture(autouse=True)
def _no_navigation_rerun():
    """Unlike the page tests (conftest.py), let navigation.ensure_navigation rerun
    through app.py: without it AppTest runs a switched-to page alone, without
    app.py's sign-in gate (a real server does the same on a first visit to a
    page's URL, which is why every page calls it first). No test here clicks
    a button, which that rerun would drop."""
    yield


@pytest.fixture(autouse=True)
def _error_details_back():
    """The mode sets client.showErrorDetails process-wide: put the default back."""
    yield
    st.set_option("client.showErrorDetails", "full")


@pytest.fixture
def roles_file(tmp_path, monkeypatch):
    f = tmp_path / "roles.toml"
    f.write_text(ROLES, encoding="utf-8")
    monkeypatch.setenv("SWP_ROLES", str(f))
    monkeypatch.setenv("SWP_MODE", "partnership")
    monkeypatch.delenv("SWP_CONTACT", raising=False)
    monkeypatch.delenv("SWP_SESSION_HOURS", raising=False)
    return f


def signed_in(user: dict | None, page: str | None = None, *, auth: bool = True) -> AppTest:
    """The app as a person with these claims sees it (``None``: not signed in)."""
    at = AppTest.from_file(APP, default_timeout=60)
    if auth:
        at.secrets["auth"] = {"client_id": "test", "client_secret": "test", "cookie_secret": "test"}
    claims = {"is_logged_in": False} if user is None else {"is_logged_in": True, "iat": int(time.time()), **user}
    at.user = claims
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    return at


def _nav_pages(at: AppTest) -> list[str]:
    """The script paths the navigation serves (AppTest refuses to switch to any other)."""
    with pytest.raises(ValueError, match="Known pages") as e:
        at.switch_page("ui/gateway.py")  # a module that is no page
    known = ast.literal_eval(str(e.value).split("Known pages: ")[1].rstrip("."))
    return [p.rsplit("/", 1)[-1] for p in known]


def _shows_only_the_refusal(at: AppTest, heading: str) -> str:
    no_errors(at)
    assert [t.value for t in at.title] == ["Safer Wolverhampton Insight"]
    assert [s.value for s in at.subheader] == [heading]
    # nothing else: no figures, tables, charts, filters or navigation
    assert not at.metric and not at.dataframe and not at.get("plotly_chart")
    assert not at.sidebar.radio and not at.sidebar.selectbox
    return " ".join(m.value for m in at.markdown)


# --------------------------------------------------------------------------- local
def test_local_mode_no_sign_in_and_the_os_user_is_the_analyst(store_path, monkeypatch):
    monkeypatch.delenv("SWP_MODE", raising=False)
    at = open_page()
    no_errors(at)
    assert f"Local mode: no sign-in; you are {fmt.md(getpass.getuser())} (analyst)." in [
        c.value for c in at.sidebar.caption
    ]
    assert "data.py" in _nav_pages(at)
    assert not [b for b in at.sidebar.button if b.key == "auth_sign_out"]
    assert st.get_option("client.showErrorDetails") == "full"


# --------------------------------------------------------------------------- public
def test_public_mode_no_data_page_no_switch_no_editing(store_path, monkeypatch):
    monkeypatch.setenv("SWP_MODE", "public")
    at = open_page()
    no_errors(at)
    assert "data.py" not in _nav_pages(at) and "overview.py" in _nav_pages(at)
    assert len(at.sidebar.toggle) == 0  # no public-mode switch
    assert any(c.value.startswith("Public site:") for c in at.sidebar.caption)
    assert st.get_option("client.showErrorDetails") == "none"
    assert access.current() is None
    at = open_page(IA)
    no_errors(at)
    assert [r.key for r in at.radio if r.key == "ia_mode"] == []
    assert not at.get("file_uploader")
    assert not [b for b in at.button if b.key in ("ia_demo_load", "ia_save", "ia_import", "ia_rename", "ia_delete")]


def test_public_mode_suppresses_small_survey_counts(demo_store_path, monkeypatch):
    """Engagement: an answer given 1 to 4 times in a ward is blank in the chart, always, in public mode."""
    with store.reading() as con:
        sv = engagement_analysis.survey_by_ward(con)
    dk = sv[sv["answer"] == "Don't know"]
    small = set(dk.loc[(dk["responses"] > 0) & (dk["responses"] < 5), "ward_name"])
    assert small

    def bars(at) -> dict:
        spec = json.loads(next(c.proto.spec for c in at.get("plotly_chart") if "Wilson" in c.proto.spec))
        bar = spec["data"][0]
        x = bar["x"]
        if isinstance(x, dict):  # plotly's typed array
            x = np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"]).tolist()
        return {w: (None if v is None or v != v else v) for w, v in zip(bar["y"], x, strict=True)}

    monkeypatch.setenv("SWP_MODE", "public")
    at = open_page("pages/engagement.py", en_answer="Don't know")
    no_errors(at)
    assert any(c.value.startswith("Public mode: where an answer was given 1 to 4 times") for c in at.caption)
    shown = bars(at)
    assert all(shown[w] is None for w in small)
    monkeypatch.setenv("SWP_MODE", "local")
    at = open_page("pages/engagement.py", en_answer="Don't know")
    no_errors(at)
    assert not any(c.value.startswith("Public mode") for c in at.caption)
    assert all(bars(at)[w] is not None for w in small)


# --------------------------------------------------------------------------- partnership
def test_not_signed_in_gets_only_the_sign_in_page(store_path, roles_file):
    at = signed_in(None)
    text = _shows_only_the_refusal(at, "Sign in")
    assert "organisation" in text
    assert [b.key for b in at.button] == ["auth_sign_in"]
    assert st.get_option("client.showErrorDetails") == "none"


def test_analyst_has_the_data_page_and_its_audit_trail(store_path, roles_file):
    analyst = access.Actor(who="ana.lyst@example.gov.uk", role="analyst", via="oidc")
    with access.acting_as(analyst), store.transaction() as con:
        audit.record(con, "import", dataset_id="police_uk:2012-01", rows=1234, fingerprint="abc", detail="first")
    time.sleep(1.1)  # a later second: newest first by time
    with access.acting_as(access.os_actor()), store.transaction() as con:
        audit.record(con, "delete", dataset_id="demo:partner", rows=-5, detail="second")
    at = signed_in(ANALYST, DATA)
    no_errors(at)
    assert at.title[0].value == "Data"
    assert "Signed in as Ana\\.Lyst\\@example\\.gov\\.uk (analyst)." in [c.value for c in at.sidebar.caption]
    assert [b.key for b in at.sidebar.button if b.key == "auth_sign_out"] == ["auth_sign_out"]
    assert "Audit trail" in [s.value for s in at.subheader]
    trail = next(d.value for d in at.dataframe if "fingerprint" in d.value.columns)
    assert list(trail["action"]) == ["delete", "import"]
    assert list(trail["who"]) == [getpass.getuser(), "ana.lyst@example.gov.uk"]
    assert list(trail["via"]) == ["os", "oidc"]
    assert trail["rows"].tolist() == [-5, 1234]
    assert at.get("file_uploader")  # the import control is there for analysts


def test_viewer_has_no_data_page_and_no_editing(store_path, roles_file):
    at = signed_in(VIEWER)
    no_errors(at)
    assert "The city at a glance" in [s.value for s in at.subheader]  # the Overview, not a refusal
    assert "Signed in as pc\\.view\\@example\\.police\\.uk (viewer)." in [c.value for c in at.sidebar.caption]
    pages = _nav_pages(at)
    assert "data.py" not in pages and "trends.py" in pages
    at.switch_page("pages/performance.py")
    at.run()
    no_errors(at)
    assert at.title[0].value == "Performance"
    assert not at.get("file_uploader")  # no template upload for the meeting pack
    at.switch_page(IA)
    at.run()
    no_errors(at)
    assert [r.key for r in at.radio if r.key == "ia_mode"] == []
    assert not at.get("file_uploader")
    assert not [b for b in at.button if b.key == "ia_demo_load"]


@pytest.mark.parametrize(
    ("user", "reason"),
    [
        ({"sub": "x1", "email": "someone@evil-example.gov.uk", "email_verified": True}, "is not on the list"),
        ({"sub": "x2", "email": "someone@sub.example.gov.uk"}, "is not on the list"),
        ({"sub": "x3", "email": "ana.lyst@example.gov.uk", "email_verified": False}, "has not verified the address"),
        ({"sub": "x4", "preferred_username": "ana.lyst@example.gov.uk"}, "did not send an email address"),
    ],
)
def test_signed_in_but_not_authorised(store_path, roles_file, user, reason):
    at = signed_in(user)
    text = _shows_only_the_refusal(at, "You are signed in, but not authorised to use this app")
    assert reason in text.replace("\\", "")
    assert "the community safety team &lt;cst@example.gov.uk&gt;" in text.replace("\\", "")
    assert [b.key for b in at.button] == ["auth_sign_out_refused"]


def test_hostile_address_and_contact_are_shown_as_text(store_path, roles_file, monkeypatch):
    monkeypatch.setenv("SWP_CONTACT", "[the analyst](javascript:alert(1)) <b>now</b>")
    at = signed_in({"sub": "x9", "email": "o'neill<img src=x onerror=alert(1)>@evil.example"})
    text = _shows_only_the_refusal(at, "You are signed in, but not authorised to use this app")
    assert "o'neill&lt;img src\\=x onerror\\=alert\\(1\\)&gt;\\@evil\\.example is not a plain email address" in text
    contact = "contact \\[the analyst\\]\\(javascript:alert\\(1\\)\\) &lt;b&gt;now&lt;\\/b&gt;."
    assert contact in text.replace("\\:", ":")
    assert "<img" not in text and "<b>" not in text


def test_contact_from_the_environment(store_path, roles_file, monkeypatch):
    monkeypatch.setenv("SWP_CONTACT", "Jo on 01902 555555")
    at = signed_in({"sub": "x1", "email": "nobody@gmail.com"})
    assert "contact Jo on 01902 555555" in _shows_only_the_refusal(
        at, "You are signed in, but not authorised to use this app"
    )


def test_session_ends_after_the_configured_hours(store_path, roles_file, monkeypatch):
    monkeypatch.setenv("SWP_SESSION_HOURS", "12")
    at = signed_in({**ANALYST, "iat": int(time.time()) - 12 * 3600 - 5, "exp": int(time.time()) - 9 * 3600})
    text = _shows_only_the_refusal(at, "Your session has ended")
    assert "Sign-ins last 12 hours" in text
    assert [b.key for b in at.button] == ["auth_sign_in", "auth_sign_out_refused"]
    at = signed_in({**ANALYST, "iat": int(time.time()) - 11 * 3600})
    no_errors(at)
    assert [s.value for s in at.subheader] != ["Your session has ended"]


@pytest.mark.parametrize(
    ("setup", "text"),
    [
        ("missing", "roles.toml: the roles file is missing"),
        ("malformed", "roles.toml: unknown section [admins]"),
    ],
)
def test_a_missing_or_malformed_roles_file_lets_nobody_in(store_path, roles_file, setup, text):
    if setup == "missing":
        roles_file.unlink()
    else:
        roles_file.write_text('[admins]\nemails = ["ana.lyst@example.gov.uk"]\n', encoding="utf-8")
    at = signed_in(ANALYST)
    shown = _shows_only_the_refusal(at, "Sign-in is not available").replace("\\", "")
    assert text in shown and "so nobody is let in" in shown
    assert str(roles_file.parent) not in shown  # no server path


def test_no_auth_section_lets_nobody_in(store_path, roles_file):
    at = signed_in(ANALYST, auth=False)
    shown = _shows_only_the_refusal(at, "Sign-in is not available")
    assert "Sign-in is not configured on this server" in shown


def test_a_bad_mode_is_a_page_not_a_traceback(store_path, monkeypatch):
    monkeypatch.setenv("SWP_MODE", "open")
    at = open_page()
    shown = html.unescape(_shows_only_the_refusal(at, "This server is not set up correctly").replace("\\", ""))
    assert "SWP_MODE must be one of local, partnership, public, not 'open'" in shown
    assert public_site.NOTE not in shown


# --------------------------------------------------------------------------- every page
def _runs_before_the_gate(stmt: ast.stmt) -> bool:
    """A top-level statement that does work (calls something) before the page header."""
    if isinstance(stmt, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.ClassDef):
        return False
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):  # docstring
        return False
    return any(isinstance(n, ast.Call) for n in ast.walk(stmt))


APP_PAGES = sorted(set(re.findall(r'st\.Page\("pages/(\w+\.py)"', Path(APP).read_text(encoding="utf-8"))))


def test_app_pages_are_found():
    assert {"overview.py", "data.py", "trends.py"} <= set(APP_PAGES)


@pytest.mark.parametrize("path", APP_PAGES)
def test_every_page_goes_through_app_py_first(path):
    """A first visit straight to a page's URL runs the page file alone (Streamlit's
    legacy pages/ folder), without app.py's sign-in gate: the page must call
    furniture.page_header (which reruns through app.py) before anything else."""
    tree = ast.parse((Path(APP).parent / "pages" / path).read_text(encoding="utf-8"))
    for stmt in tree.body:
        if _runs_before_the_gate(stmt):
            call = stmt.value if isinstance(stmt, ast.Expr) else None
            assert isinstance(call, ast.Call) and ast.unparse(call.func) in (
                "furniture.page_header",
                "navigation.ensure_navigation",
            ), f"{path}: line {stmt.lineno} runs before furniture.page_header"
            return
    pytest.fail(f"{path} never calls furniture.page_header")


def test_sign_out_ends_the_sign_in_on_the_server(store_path, roles_file):
    """After sign-out (roles.revoke, which the Sign out button calls before
    st.logout), a copy of the cookie (the same claims, the same iat) is not let in."""
    from swp_data.access import roles

    claims = {"is_logged_in": True, "iat": int(time.time()) - 5, **VIEWER}
    at = signed_in({k: v for k, v in claims.items() if k != "is_logged_in"})
    assert [c.value for c in at.sidebar.caption if c.value.startswith("Signed in as")]
    roles.revoke(claims, time.time(), 12)
    copied = AppTest.from_file(APP, default_timeout=60)
    copied.secrets["auth"] = {"client_id": "test", "client_secret": "test", "cookie_secret": "test"}
    copied.user = claims
    copied.run()
    _shows_only_the_refusal(copied, "You have signed out")
    # a new sign-in (a new iat) is let in
    again = signed_in({**VIEWER, "iat": int(time.time()) + 1})
    no_errors(again)
    assert [c.value for c in again.sidebar.caption if c.value.startswith("Signed in as")]
