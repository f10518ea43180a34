"""Role resolution from the roles file and the identity token's claims, and
the refusal of data-changing functions without an analyst."""

from __future__ import annotations

from pathlib import Path

import pytest

from swp_data import access
from swp_data.access import roles
from swp_data.access.roles import RolesError
from swp_data.store import datasets

ROOT = Path(__file__).resolve().parents[2]

ROLES = """
[analyst]
emails = ["Analyst@Wolverhampton.gov.uk"]
domains = []
[viewer]
emails = ["someone@gmail.com"]
domains = ["wolverhampton.gov.uk", "@WestMidlands.Police.uk"]
[contact]
text = "the community safety team, cst@example.gov.uk"
"""


@pytest.fixture
def table() -> roles.RoleTable:
    return roles.parse(ROLES)


@pytest.mark.parametrize(
    ("email", "role"),
    [
        ("analyst@wolverhampton.gov.uk", "analyst"),  # listed under both (address and domain): analyst wins
        ("ANALYST@WOLVERHAMPTON.GOV.UK", "analyst"),  # case-insensitive
        ("  analyst@wolverhampton.gov.uk ", None),  # compared only as sent: spaces are not an address
        ("jo.bloggs@wolverhampton.gov.uk", "viewer"),  # whole domain
        ("Jo.Bloggs@WOLVERHAMPTON.gov.uk", "viewer"),
        ("pc.smith@westmidlands.police.uk", "viewer"),  # "@domain" in the file means the domain
        ("someone@gmail.com", "viewer"),  # one address of a domain not listed
        ("someone.else@gmail.com", None),
        ("x@evil-wolverhampton.gov.uk", None),  # the domain must match exactly
        ("x@sub.wolverhampton.gov.uk", None),  # a subdomain is another domain
        ("x@wolverhampton.gov.uk.evil.com", None),
        ("wolverhampton.gov.uk", None),  # not an address
        ("@wolverhampton.gov.uk", None),
        ("x@", None),
    ],
)
def test_role_of(table, email, role):
    assert table.role_of(email) == role


def test_decide_lets_in_a_listed_verified_address(table):
    d = roles.decide({"sub": "a1", "email": "Jo.Bloggs@wolverhampton.gov.uk", "email_verified": True}, table)
    assert d.actor == access.Actor(who="Jo.Bloggs@wolverhampton.gov.uk", role="viewer", via="oidc")  # as sent
    assert d.reason == ""
    # no email_verified claim at all (Entra ID does not send it): the address is used as sent
    d = roles.decide({"email": "analyst@wolverhampton.gov.uk"}, table)
    assert d.actor is not None and d.actor.is_analyst


@pytest.mark.parametrize("verified", [False, "false", "False", 0, "0", "no", None, "true", 1, "yes"])
def test_decide_refuses_an_unverified_address(table, verified):
    d = roles.decide({"email": "analyst@wolverhampton.gov.uk", "email_verified": verified}, table)
    assert d.actor is None
    assert d.reason == "your identity provider has not verified the address analyst@wolverhampton.gov.uk"


def test_decide_refuses_an_unlisted_address_and_a_missing_one(table):
    d = roles.decide({"email": "x@evil-wolverhampton.gov.uk", "email_verified": True}, table)
    assert d.actor is None and d.reason == "x@evil-wolverhampton.gov.uk is not on the list of people with access"
    d = roles.decide({"sub": "a1", "preferred_username": "jo@wolverhampton.gov.uk"}, table)
    assert d.actor is None and d.reason == "your sign-in did not send an email address (the 'email' claim)"


def test_decide_with_another_claim(table, monkeypatch):
    monkeypatch.setenv("SWP_EMAIL_CLAIM", "preferred_username")
    d = roles.decide({"preferred_username": "jo@wolverhampton.gov.uk", "email": "other@gmail.com"}, table)
    assert d.actor is not None and d.actor.who == "jo@wolverhampton.gov.uk" and d.actor.role == "viewer"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[analyst\nemails = []", "roles.toml: not valid TOML"),
        (
            '[admin]\nemails = ["a@b.uk"]',
            "roles.toml: unknown section [admin] (expected [analyst], [viewer], [contact], [note_taker])",
        ),
        ('analyst = "a@b.uk"', "roles.toml: [analyst] must be a table with emails and domains"),
        ('[viewer]\nemails = "a@b.uk"', "roles.toml: [viewer] emails must be a list of strings"),
        ("[viewer]\ndomains = [1]", "roles.toml: [viewer] domains must be a list of strings"),
        ('[viewer]\nemail = ["a@b.uk"]', "roles.toml: [viewer] has an unknown key 'email' (expected emails, domains)"),
        ('[analyst]\nemails = ["wolverhampton.gov.uk"]', "roles.toml: [analyst] emails: 'wolverhampton.gov.uk' is not"),
        ('[viewer]\ndomains = ["*.gov.uk"]', "roles.toml: [viewer] domains: '*.gov.uk' is not a domain"),
        ('[viewer]\ndomains = ["jo@b.uk"]', "roles.toml: [viewer] domains: 'jo@b.uk' is not a domain"),
        ("[contact]\ntext = 3", 'roles.toml: [contact] must be a table with text = "..."'),
    ],
)
def test_malformed_roles_files_are_refused_in_one_line(text, message):
    with pytest.raises(RolesError) as e:
        roles.parse(text, "roles.toml")
    assert str(e.value).startswith(message)
    assert "\n" not in str(e.value)


def test_load_from_swp_roles_and_a_missing_file(tmp_path, monkeypatch):
    f = tmp_path / "r.toml"
    f.write_text(ROLES, encoding="utf-8")
    monkeypatch.setenv("SWP_ROLES", str(f))
    assert roles.roles_path() == f
    assert roles.load().role_of("analyst@wolverhampton.gov.uk") == "analyst"
    monkeypatch.setenv("SWP_ROLES", str(tmp_path / "none.toml"))
    with pytest.raises(RolesError) as e:
        roles.load()
    assert str(e.value) == ("none.toml: the roles file is missing (set SWP_ROLES or create .streamlit/roles.toml)")
    monkeypatch.delenv("SWP_ROLES")
    assert roles.roles_path() == ROOT / ".streamlit" / "roles.toml"


def test_a_changed_roles_file_takes_effect_at_once(tmp_path, monkeypatch):
    f = tmp_path / "roles.toml"
    f.write_text(ROLES, encoding="utf-8")
    monkeypatch.setenv("SWP_ROLES", str(f))
    assert roles.load().role_of("jo@wolverhampton.gov.uk") == "viewer"
    assert roles.load() is roles.load()  # unchanged: not parsed again
    f.write_text(ROLES.replace('"wolverhampton.gov.uk", ', ""), encoding="utf-8")
    assert roles.load().role_of("jo@wolverhampton.gov.uk") is None
    f.write_text("[viewer\n", encoding="utf-8")
    with pytest.raises(RolesError, match="not valid TOML"):
        roles.load()
    f.unlink()
    with pytest.raises(RolesError, match="the roles file is missing"):
        roles.load()


def test_the_example_roles_file_parses_and_the_real_one_is_ignored_by_git():
    t = roles.load(ROOT / ".streamlit" / "roles.example.toml")
    assert t.role_of("analyst@example.gov.uk") == "analyst"
    assert t.role_of("someone@example.gov.uk") == "viewer"
    assert t.role_of("someone@evil-example.gov.uk") is None
    gitignore = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".streamlit/roles.toml" in gitignore and ".streamlit/secrets.toml" in gitignore


def test_contact_from_the_environment_or_the_file(table, monkeypatch):
    monkeypatch.delenv("SWP_CONTACT", raising=False)
    assert roles.contact(table) == "the community safety team, cst@example.gov.uk"
    assert roles.contact(roles.parse("")) == roles.DEFAULT_CONTACT
    monkeypatch.setenv("SWP_CONTACT", "the analyst, 01902 000000")
    assert roles.contact(table) == "the analyst, 01902 000000"


def test_session_expiry_by_token_issue_time(monkeypatch):
    monkeypatch.delenv("SWP_SESSION_HOURS", raising=False)
    assert roles.session_hours() == 12
    signed_in = 1_700_000_000
    claims = {"email": "a@b.uk", "iat": signed_in, "exp": signed_in + 3600}
    first_seen = signed_in + 11 * 3600  # a new tab opened later does not restart the clock
    assert not roles.expired(claims, first_seen, now=signed_in + 12 * 3600 - 1)
    assert roles.expired(claims, first_seen, now=signed_in + 12 * 3600)
    # no iat: counted from when the session first saw the person
    assert not roles.expired({"email": "a@b.uk"}, first_seen, now=signed_in + 12 * 3600)
    assert roles.expired({"email": "a@b.uk"}, first_seen, now=first_seen + 12 * 3600)
    monkeypatch.setenv("SWP_SESSION_HOURS", "0.5")
    assert roles.expired(claims, first_seen, now=signed_in + 1800)
    for bad in ("soon", "0", "-1"):
        monkeypatch.setenv("SWP_SESSION_HOURS", bad)
        with pytest.raises(access.InputError, match="SWP_SESSION_HOURS must be"):
            roles.session_hours()


# --------------------------------------------------------------------------- refusals
def test_require_analyst_refuses_a_viewer_and_nobody(monkeypatch):
    monkeypatch.setenv("SWP_MODE", "partnership")
    viewer = access.Actor(who="jo@wolverhampton.gov.uk", role="viewer", via="oidc")
    with access.acting_as(None), pytest.raises(access.NotAuthorised) as e:
        access.require_analyst("importing files")
    assert str(e.value) == "importing files needs an analyst's sign-in; nobody is signed in"
    with access.acting_as(viewer), pytest.raises(access.NotAuthorised) as e:
        access.require_analyst("deleting a dataset")
    assert str(e.value) == "deleting a dataset needs an analyst; jo@wolverhampton.gov.uk is signed in as viewer"


@pytest.mark.parametrize("mode", ["partnership", "public"])
def test_data_changing_functions_refuse_without_an_analyst(store_path, monkeypatch, mode):
    """Whatever page calls them: import, delete, any write; the store is unchanged."""
    from swp_data import config, store
    from swp_data.sources import imports

    monkeypatch.setenv("SWP_MODE", mode)
    with store.reading() as con:
        before = con.execute("SELECT count(*) FROM dataset").fetchone()[0]
    csv = config.data_dir() / "police_uk" / "csv" / "2012-01-west-midlands-street-wolverhampton.csv"
    viewer = access.Actor(who="jo@wolverhampton.gov.uk", role="viewer", via="oidc")
    for actor in (None, viewer):
        with access.acting_as(actor):
            with pytest.raises(access.NotAuthorised):
                imports.import_paths([csv])
            with pytest.raises(access.NotAuthorised):
                datasets.delete_dataset("reference:lsoa21")
            with pytest.raises(access.NotAuthorised), store.transaction() as con:  # Impact Area edits write here
                con.execute("DELETE FROM dataset")
    with store.reading() as con:
        assert con.execute("SELECT count(*) FROM dataset").fetchone()[0] == before


def test_callbacks_in_a_new_thread_use_the_resolver(monkeypatch):
    """Streamlit runs a widget's callback in a new thread before the app sets the
    acting person: the resolver works it out; an explicit None stays nobody."""
    import threading

    monkeypatch.setenv("SWP_MODE", "partnership")
    analyst = access.Actor(who="ana@example.gov.uk", role="analyst", via="oidc")
    seen: list = []

    def in_new_thread():
        t = threading.Thread(target=lambda: seen.append(access.current()))
        t.start()
        t.join()
        return seen.pop()

    access.set_actor(analyst)  # this thread only
    try:
        assert access.current() == analyst
        assert in_new_thread() is None  # not inherited, and no resolver
        access.set_resolver(lambda: analyst)
        assert in_new_thread() == analyst
        with access.acting_as(None):
            assert access.current() is None  # set to nobody: the resolver is not asked
    finally:
        access.set_resolver(None)
        access.set_actor(None)


@pytest.mark.parametrize(
    "email",
    [
        "analyst@wolverhampton.gov.u\u212a",  # KELVIN SIGN: lower-cases to "k"
        "analyst@wolverhampton.gov.\uff55k",  # full-width u
        "evil@evil.com@wolverhampton.gov.uk",  # two @: the last domain is listed
        "analyst@wolverhampton.gov.uk ",  # trailing space
        " analyst@wolverhampton.gov.uk",
        "analyst@wolverhampton.gov.uk\n",
        "ANALYST@WOLVERHAMPTON.GOV.U\u212a",
    ],
)
def test_look_alike_and_double_at_addresses_are_refused(table, email):
    assert roles.comparable(email) is None
    assert table.role_of(email) is None
    d = roles.decide({"email": email, "email_verified": True}, table)
    assert d.actor is None and d.email == email


def test_plain_addresses_are_compared_and_recorded_as_sent(table):
    assert roles.comparable("Analyst@Wolverhampton.GOV.uk") == "analyst@wolverhampton.gov.uk"
    d = roles.decide({"email": "Analyst@Wolverhampton.GOV.uk", "email_verified": True}, table)
    assert d.actor is not None and d.actor.is_analyst and d.actor.who == "Analyst@Wolverhampton.GOV.uk"
    # a non-ASCII address already in normal form and lower case is compared exactly (and is not listed here)
    assert roles.comparable("jörg@wolverhampton.gov.uk") == "jörg@wolverhampton.gov.uk"
    assert roles.decide({"email": "jörg@wolverhampton.gov.uk"}, table).actor.role == "viewer"
    assert roles.comparable("JÖRG@wolverhampton.gov.uk") is None  # changed by case folding
    cyrillic = "an\u0430lyst@wolverhampton.gov.uk"  # compared exactly: not the listed analyst
    assert roles.comparable(cyrillic) == cyrillic and table.role_of(cyrillic) == "viewer"


def test_email_verified_exactly_true(table):
    assert roles.decide({"email": "analyst@wolverhampton.gov.uk", "email_verified": True}, table).actor is not None


def test_revoked_sign_ins_stay_out_until_they_would_have_expired():
    claims = {"sub": "s1", "iat": 1000, "email": "a@b.uk"}
    assert not roles.revoked(claims, 2000.0)
    roles.revoke(claims, 2000.0, hours=1)
    assert roles.revoked(claims, 2001.0) and roles.revoked(dict(claims), 5599.0)  # a copy of the cookie
    assert not roles.revoked(claims, 5600.0)
    assert not roles.revoked({**claims, "iat": 3000}, 2001.0)  # a new sign-in
    assert not roles.revoked({**claims, "sub": "s2"}, 2001.0)
