"""The app in Streamlit's AppTest: login per role, the pages each role is offered, the guard,
and the refusal to start without a real cookie key.

Every test runs on the co-op store (conftest `app_env`); the app's cached store is released
around each test. AppTest cannot show what a fresh server does with a direct URL (trap 1 in
stack-facts.md): tests/test_browser.py does that; here the guard is run on page files directly.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import pytest
import support
import yaml
from streamlit.testing.v1 import AppTest

from chargeboard import i18n, web
from chargeboard.scope import RESIDENT, ROLES, SYSTEM_OWNER

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
TIMEOUT = 60
LOGIN_BY_ROLE = {login.role: login for login in support.LOGINS}
RESTRICTED_PAGE = "tests/app_pages/restricted_page.py"
REFUSED = "This page is not available to your role."


def fresh(script: str = APP) -> AppTest:
    return AppTest.from_file(script, default_timeout=TIMEOUT).run()


def said(text: str, lang: str = "en", **values) -> str:
    """A text of the app as a reader of `lang` sees it (the catalogs' translation)."""
    with i18n.language(lang):
        return i18n._(text, **values)


def has_login_form(at: AppTest, lang: str = "en") -> bool:
    return {said("Username", lang), said("Password", lang)} <= {t.label for t in at.text_input}


def log_in(at: AppTest, username: str, password: str, lang: str = "en") -> AppTest:
    """Fill the login form's Username/Password and click its submit button (the form in `lang`:
    the browser's language, else the store's default; AppTest's browser names none)."""
    assert has_login_form(at, lang), "no login form"
    next(t for t in at.text_input if t.label == said("Username", lang)).input(username)
    next(t for t in at.text_input if t.label == said("Password", lang)).input(password)
    next(b for b in at.button if b.label == said("Login", lang)).click()
    return at.run()


def settle(at: AppTest) -> AppTest:
    """The run after a login. The run of the click still draws the form above the page; in a
    browser the cookie component's answer reruns the script at once (AppTest runs no
    components). Note AppTest then runs the page file itself, as a fresh server would."""
    return at.run()


def page_as(login, page: str) -> AppTest:
    """Logged in as `login` and on pages/<page>.py, which ran without an exception."""
    at = settle(log_in(fresh(), login.username, login.password))
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def texts(node) -> str:
    """Everything a run (or one of its blocks, e.g. at.main) wrote as text: markdown, titles,
    captions, alerts, metrics."""
    parts = []
    for kind in ("markdown", "title", "header", "subheader", "caption", "error", "warning", "info",
                 "success", "text"):
        parts += [str(e.value) for e in getattr(node, kind)]
    parts += [f"{m.label} {m.value}" for m in node.metric]
    return "\n".join(parts)


def no_data(at: AppTest) -> None:
    """No table, no metric and no feed user's name in the main area (the sidebar names the
    logged-in account itself)."""
    assert len(at.dataframe) == 0 and len(at.metric) == 0 and len(at.table) == 0
    shown = texts(at.main)
    for name in support.FEED_NAMES:
        assert name not in shown
    if not any("Logged in as" in str(c.value) for c in at.sidebar.caption):
        sidebar = texts(at.sidebar)
        assert not any(name in sidebar for name in support.FEED_NAMES)


def offered_scripts(at: AppTest) -> set[str]:
    """The pages st.navigation registered in the last run (AppTest keeps them privately)."""
    return {Path(str(info["script_path"])).resolve().relative_to(ROOT).as_posix()
            for info in at._registered_pages.values() if info.get("script_path")}


def history_all_time(at: AppTest) -> AppTest:
    at.switch_page("pages/history.py").run()
    assert not at.exception, at.exception
    at.selectbox(key="period").select("All time").run()
    assert not at.exception, at.exception
    return at


# -- login per role ----------------------------------------------------------------------------------

def test_before_login_only_the_login_form(app_env):
    at = fresh()
    assert not at.exception
    assert has_login_form(at)
    no_data(at)
    assert "Logged in as" not in "\n".join(str(c.value) for c in at.sidebar.caption)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_logs_in_and_is_offered_its_pages(app_env, role):
    login = LOGIN_BY_ROLE[role]
    at = log_in(fresh(), login.username, login.password)
    assert not at.exception, at.exception
    assert len(at.error) == 0, [e.value for e in at.error]
    expected = {p.file for p in web.PAGES if role in p.roles}
    assert offered_scripts(at) == expected
    settle(at)
    assert not at.exception, at.exception
    assert not has_login_form(at)
    caption = "\n".join(str(c.value) for c in at.sidebar.caption)
    assert f"Logged in as **{login.name}**" in caption
    assert "pages/history.py" in expected
    if role != SYSTEM_OWNER:
        assert not any(set(p.roles) == {SYSTEM_OWNER} and p.file in expected for p in web.PAGES)


@pytest.mark.parametrize("role", ROLES)
def test_history_shows_each_role_exactly_its_sessions(app_env, role):
    login = LOGIN_BY_ROLE[role]
    at = history_all_time(log_in(fresh(), login.username, login.password))
    expected = support.COOP_VISIBLE[login.username]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Sessions"] == str(len(expected))
    table = at.dataframe[0].value
    assert len(table) == len(expected)
    names = {p.user_id: p.name for p in support.PEOPLE}
    expected_names = {names[support.COOP_USER[s]] for s in expected if support.COOP_USER[s]}
    assert set(table["user_name"].dropna()) - {"—"} == expected_names  # "—": open charging, no user
    shown = texts(at) + "\n" + table.to_string()
    for name in set(support.FEED_NAMES) - expected_names:
        assert name not in shown


@pytest.mark.parametrize("password", ["wrong-password", ""])
def test_wrong_password_shows_an_error_and_no_data(app_env, password):
    at = log_in(fresh(), support.RESIDENT.username, password)
    assert not at.exception
    if password:
        assert any("incorrect" in str(e.value) for e in at.error)
    assert has_login_form(at)
    no_data(at)


def test_unknown_user_shows_an_error_and_no_data(app_env):
    at = log_in(fresh(), "mallory", "mallory-passord")
    assert any("incorrect" in str(e.value) for e in at.error)
    no_data(at)


# -- the guard ---------------------------------------------------------------------------------------

def test_resident_cannot_switch_to_a_page_not_offered(app_env):
    restricted = [p for p in web.PAGES if RESIDENT not in p.roles]
    if not restricted:
        pytest.skip("every page in web.PAGES is offered to residents; the guard is tested on a registered page")
    at = log_in(fresh(), support.RESIDENT.username, support.RESIDENT.password)
    for page in restricted:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page.file)


def _restricted_pages() -> list[tuple[str, str]]:
    return [(page.file, role) for page in web.PAGES for role in ROLES if role not in page.roles]


@pytest.mark.parametrize(("page_file", "role"), _restricted_pages())
def test_page_requested_directly_refuses_roles_it_is_not_offered_to(app_env, page_file, role):
    # As on a fresh server, where /<page> runs the page file itself: the guard logs in and refuses.
    login = LOGIN_BY_ROLE[role]
    at = fresh(str(ROOT / page_file))
    assert has_login_form(at)
    no_data(at)
    at = log_in(at, login.username, login.password)
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [REFUSED]
    no_data(at)


@pytest.fixture
def restricted_page(monkeypatch):
    """A system-owner-only page registered in web.PAGES for this test only."""
    spec = web.PageSpec(RESTRICTED_PAGE, "Restricted", "🔒", (SYSTEM_OWNER,))
    monkeypatch.setattr(web, "PAGES", (*web.PAGES, spec))
    return spec


@pytest.mark.parametrize("role", ROLES)
def test_guard_on_a_registered_restricted_page(app_env, restricted_page, role):
    login = LOGIN_BY_ROLE[role]
    at = log_in(fresh(str(ROOT / RESTRICTED_PAGE)), login.username, login.password)
    assert not at.exception, at.exception
    if role == SYSTEM_OWNER:
        assert "SECRET CONTENT for styret" in texts(at)
        assert len(at.error) == 0
    else:
        assert [e.value for e in at.error] == [REFUSED]
        assert "SECRET" not in texts(at)
        assert "Restricted test page" not in texts(at)


def test_guard_refuses_a_page_missing_from_the_registry(app_env, restricted_page, monkeypatch):
    monkeypatch.setattr(web, "PAGES", tuple(p for p in web.PAGES if p != restricted_page))
    at = log_in(fresh(str(ROOT / RESTRICTED_PAGE)), support.STYRET.username, support.STYRET.password)
    assert [e.value for e in at.error] == [REFUSED]
    assert "SECRET" not in texts(at)


def test_restricted_page_in_navigation_only_for_its_roles(app_env, restricted_page):
    for role in ROLES:
        login = LOGIN_BY_ROLE[role]
        at = log_in(fresh(), login.username, login.password)
        assert (RESTRICTED_PAGE in offered_scripts(at)) == (role == SYSTEM_OWNER), role


def _first_statement(path: Path) -> ast.stmt:
    """The first statement after the docstring and the imports."""
    body = ast.parse(path.read_text(encoding="utf-8")).body
    return next(s for s in body if not isinstance(s, ast.Import | ast.ImportFrom)
                and not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)))


def test_page_specs_name_existing_files_and_known_roles():
    assert len({p.file for p in web.PAGES}) == len(web.PAGES)
    for page in web.PAGES:
        path = ROOT / page.file
        assert path.is_file(), page.file
        assert page.roles and set(page.roles) <= set(ROLES), page
        assert ast.unparse(_first_statement(path)) == "scope = guard(__file__)", \
            f"{page.file}: the guard must be the page's first statement"


def test_every_page_file_is_guarded():
    # A file in pages/ can be requested directly on a fresh server even when no PageSpec names it.
    for path in sorted((ROOT / "pages").glob("*.py")):
        assert ast.unparse(_first_statement(path)) == "scope = guard(__file__)", path.name


def test_every_role_lands_on_a_page_it_is_offered(app_env):
    for role in ROLES:
        login = LOGIN_BY_ROLE[role]
        at = log_in(fresh(), login.username, login.password)
        assert not at.exception, (role, at.exception)
        assert REFUSED not in [e.value for e in at.error]


def test_a_page_past_the_stores_memory_limit_says_which_setting_mends_it(app_env, monkeypatch):
    """Every store runs under a DuckDB memory limit (settings.memory_limit()); a page whose query needs more
    says so and names the setting, instead of Streamlit's bare "an error occurred"."""
    monkeypatch.setenv("CHARGEBOARD_MEMORY_LIMIT", "1MB")  # the store opens, its pages' queries do not fit
    login = LOGIN_BY_ROLE[SYSTEM_OWNER]
    at = log_in(fresh(), login.username, login.password)
    assert not at.exception, at.exception
    shown = [e.value for e in at.error]
    assert any("CHARGEBOARD_MEMORY_LIMIT" in text and "(1MB)" in text and "Error id" in text for text in shown), shown


# -- the cookie key ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "message"), [
    (None, "No cookie key"),
    ("", "No cookie key"),
    ("too-short-key", "shorter than 32 bytes"),
    ("some_key", "well-known default"),
    ("SOME_KEY", "well-known default"),
])
def test_app_refuses_to_start_without_a_real_cookie_key(app_env, monkeypatch, key, message):
    if key is None:
        monkeypatch.delenv("CHARGEBOARD_COOKIE_KEY")
    else:
        monkeypatch.setenv("CHARGEBOARD_COOKIE_KEY", key)
    at = fresh()
    assert not at.exception, at.exception
    errors = [str(e.value) for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("Chargeboard cannot start") and message in errors[0]
    assert not has_login_form(at)
    no_data(at)


def test_key_from_the_secret_file_is_used(app_env, monkeypatch, tmp_path):
    monkeypatch.delenv("CHARGEBOARD_COOKIE_KEY")
    secret = tmp_path / "cookie-key"
    secret.write_text(support.COOKIE_KEY + "\n", encoding="utf-8")
    monkeypatch.setenv("CHARGEBOARD_SECRET_FILE", str(secret))
    at = fresh()
    assert has_login_form(at) and len(at.error) == 0
    short = replace(support.STYRET)  # the login still works with the file's key
    at = settle(log_in(at, short.username, short.password))
    assert not has_login_form(at)


def test_account_removed_while_logged_in_loses_access(app_env):
    at = history_all_time(log_in(fresh(), support.RESIDENT.username, support.RESIDENT.password))
    assert len(at.dataframe) == 1
    auth = Path(app_env["CHARGEBOARD_AUTH"])
    config = yaml.safe_load(auth.read_text(encoding="utf-8"))
    del config["credentials"]["usernames"][support.RESIDENT.username]
    auth.write_text(yaml.safe_dump(config), encoding="utf-8")
    at.run()
    assert not at.exception, at.exception
    no_data(at)
    assert not any("Logged in as" in str(c.value) for c in at.sidebar.caption)
    assert has_login_form(at)


def test_log_out_returns_to_the_login_form_at_once(app_env):
    at = history_all_time(log_in(fresh(), support.RESIDENT.username, support.RESIDENT.password))
    assert len(at.dataframe) == 1
    logout = next(b for b in at.sidebar.button if b.label == "Log out")
    logout.click().run()
    assert not at.exception, at.exception
    assert has_login_form(at)
    no_data(at)  # not even in the run of the click
    assert not any("Logged in as" in str(c.value) for c in at.sidebar.caption)
    at = log_in(at, support.RESIDENT2.username, support.RESIDENT2.password)  # the next person
    assert "Logged in as **Ola Hansen**" in "\n".join(str(c.value) for c in at.sidebar.caption)


def test_data_sources_tables_lead_with_names_and_counts_and_end_with_ids(app_env):
    """At 1366 px the right-hand columns are cut off: names and counts first, internal ids last."""
    at = page_as(LOGIN_BY_ROLE[SYSTEM_OWNER], "data_sources")
    orders = {tuple(sorted(d.value.columns)): list(d.proto.column_order) for d in at.dataframe}
    installations = next(o for cols, o in orders.items() if "time_zone" in cols)
    assert installations[0] == "name" and installations[-1] == "installation_id"
    log = next(o for cols, o in orders.items() if "new_rows" in cols)
    assert log[:3] == ["connection", "started_at", "new_rows"] and log[-1] == "run_id"
    assert log.index("rejected_rows") < log.index("cloud_id") < log.index("import_id")
