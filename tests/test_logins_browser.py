"""Logins in a real browser against one real server (shared by this module): the cookie the
browser really holds is replayed after logout, a password change, removal and a role change;
forged and malformed cookies; the Accounts page adds a resident who logs in and sees only her
own sessions, and removing her logs her out at once; who the client is (X-Forwarded-For is not
believed, the proxy header counts by its last entry); sixteen sessions' parallel attempts.

Each test makes its own accounts (the server's accounts file is this module's), so the tests do
not depend on each other's order.
"""

from __future__ import annotations

import json
import shutil
import time

import pytest
import support
from browser_support import choose, launch_server, log_in, metric_value, one, page_text, wait_idle
from forged_cookies import FORGED, control, version_of

from chargeboard import accounts
from chargeboard.scope import RESIDENT, SYSTEM_OWNER

COOKIE = "chargeboard_test"  # support.write_accounts' cookie name
SLOW = 60_000  # ms: the machine running the suite may be shared and slow; waits are on page state
PROXY_HEADER = "X-Chargeboard-Client"  # the server's CHARGEBOARD_CLIENT_HEADER


@pytest.fixture(scope="module")
def server(coop_db, auth_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("logins")
    auth = folder / "auth.yaml"
    shutil.copyfile(auth_template, auth)
    # The proxy's header is named (as behind a reverse proxy): X-Forwarded-For is then a visitor's own word.
    env = {**support.test_env(coop_db, auth, folder / "no-cookie-key"), "CHARGEBOARD_CLIENT_HEADER": PROXY_HEADER}
    started = launch_server(env, folder / "server.log", timeout=120)
    started.auth = auth
    yield started
    started.stop()
    # No test here makes the app fail: any traceback in its log is a bug (catches one passing because
    # the log also holds an error id, as the earlier "no traceback or an error id" let through).
    assert "Traceback" not in started.log_text(), started.log_text()


@pytest.fixture
def context(browser):
    opened = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield opened
    opened.close()


def new_account(server, username: str, role: str = RESIDENT) -> support.Login:
    login = support.Login(username, f"{username}-passord-1", f"Test {username}", role, support.KARI.email)
    accounts.add_user(login.username, name=login.name, email=login.email, role=role, password=login.password,
                      path=server.auth)
    return login


def login_cookie(context, timeout: float = 20.0) -> str:
    """The login cookie as the browser holds it (set from JavaScript just after the login)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for cookie in context.cookies():
            if cookie["name"] == COOKIE:
                return cookie["value"]
        time.sleep(0.1)
    raise AssertionError("the browser got no login cookie")


def visit_with_cookie(browser, server, value: str):
    other = browser.new_context()
    other.add_cookies([{"name": COOKIE, "value": value, "url": server.url}])
    page = other.new_page()
    page.goto(server.url + "/history")
    page.get_by_role("textbox", name="Username").or_(page.get_by_text("Logged in as")).first.wait_for(timeout=SLOW)
    wait_idle(page, SLOW)
    return other, page


def assert_login_form_and_nothing_else(page, where: str) -> None:
    one(page.get_by_role("textbox", name="Username"), SLOW)  # a rerun's stale copy may linger a moment
    text = page_text(page)
    assert "Logged in as" not in text, where
    for leak in ("Traceback", "File \"", "/work/", ".py", "site-packages"):
        assert leak not in text, (where, leak, text)
    assert page.locator("[data-testid='stException']").count() == 0, where


def next_run_asks_for_login(page) -> None:
    """Anything the visitor does next (here: the Charge history link) runs the script again."""
    page.locator("[data-testid='stSidebar']").get_by_text("Charge history").filter(visible=True).first.click(timeout=60_000)
    one(page.get_by_role("textbox", name="Username"), SLOW)
    wait_idle(page, SLOW)
    assert_login_form_and_nothing_else(page, "the next run")


# -- replay --------------------------------------------------------------------------------

def test_a_valid_cookie_logs_in(browser, server, context):
    # The control for the tests below: the browser's own cookie works in a new browser.
    login = new_account(server, "valid")
    log_in(context.new_page(), server.url + "/", login)
    other, page = visit_with_cookie(browser, server, login_cookie(context))
    try:
        assert f"Logged in as {login.name}" in page_text(page)
    finally:
        other.close()


@pytest.mark.parametrize("event", ["logout", "password", "removal", "demotion"])
def test_cookie_replay_after_the_login_was_revoked(browser, server, context, event):
    login = new_account(server, f"replay{event}", SYSTEM_OWNER if event == "demotion" else RESIDENT)
    first = context.new_page()
    log_in(first, server.url + "/", login)
    cookie = login_cookie(context)
    second = context.new_page()  # a second tab of the same browser, logged in by the cookie
    second.goto(server.url + "/history")
    second.get_by_text(f"Logged in as {login.name}").first.wait_for(timeout=SLOW)
    wait_idle(second, SLOW)
    if event == "logout":
        first.get_by_role("button", name="Log out").click()
        first.get_by_role("textbox", name="Password").first.wait_for(timeout=SLOW)
    elif event == "password":
        accounts.set_password(login.username, "a-new-password-1", server.auth)
    elif event == "removal":
        accounts.remove_user(login.username, server.auth)
    else:
        accounts.set_role(login.username, RESIDENT, server.auth)
    next_run_asks_for_login(second)  # every session of the account is out at once
    other, page = visit_with_cookie(browser, server, cookie)  # the copied cookie is worthless
    try:
        assert_login_form_and_nothing_else(page, f"cookie replayed after {event}")
    finally:
        other.close()


# -- forged and malformed cookies -------------------------------------------------------------

# Every forgery is checked against the cookie check itself (test_logins); these travel the whole way,
# from a visitor's browser to the page it is shown.
IN_THE_BROWSER = ("alg none", "wrong key", "expired", "garbage with dots")


def test_forged_and_malformed_cookies_show_the_login_form(browser, server):
    for name in IN_THE_BROWSER:
        other, page = visit_with_cookie(browser, server, FORGED[name](version_of(server.auth)))
        try:
            assert_login_form_and_nothing_else(page, name)
        finally:
            other.close()
    # The control: the same claims signed with the server's key do log in.
    other, page = visit_with_cookie(browser, server, control(version_of(server.auth)))
    try:
        assert "Logged in as Styret" in page_text(page)
    finally:
        other.close()


# -- the Accounts page ----------------------------------------------------------------------------

def pick(page, label: str, option: str) -> None:
    """Pick an option of a selectbox inside a form (browser_support.choose's Escape would clear
    a selectbox that starts empty)."""
    from playwright.sync_api import expect  # noqa: PLC0415

    box = one(page.get_by_role("combobox", name=label, exact=True))
    box.click()
    box.fill(option)  # typing filters the options to this one; Enter takes it
    one(page.get_by_role("option", name=option, exact=True))
    page.keyboard.press("Enter")
    expect(box).to_have_value(option)


def test_a_resident_added_on_the_accounts_page_logs_in_and_is_out_once_removed(browser, server, context):
    board = context.new_page()
    log_in(board, server.url + "/", support.STYRET)
    board.locator("[data-testid='stSidebar']").get_by_text("Accounts", exact=True).first.click()
    board.get_by_role("heading", name="Accounts").first.wait_for(timeout=SLOW)
    wait_idle(board, SLOW)
    board.get_by_role("textbox", name="Username (lower case)").fill("nina")
    board.get_by_role("textbox", name="Name", exact=True).fill("Nina Nordmann")
    pick(board, "E-mail in the charger feed", f"{support.KARI.email} — {support.KARI.name} (Testlaget)")
    board.get_by_role("button", name="Add account").click()
    shown = one(board.get_by_text("one-time password"), timeout=60_000).inner_text()
    password = shown.split("(shown only now): ")[1].strip().strip("`")
    wait_idle(board, SLOW)

    resident = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        nina = resident.new_page()
        log_in(nina, server.url + "/", support.Login("nina", password, "Nina Nordmann", RESIDENT, ""))
        nina.locator("[data-testid='stSidebar']").get_by_text("Charge history").first.click()
        nina.get_by_role("combobox", name="Period", exact=True).wait_for(timeout=SLOW)
        wait_idle(nina, SLOW)
        choose(nina, "Period", "All time")
        assert metric_value(nina, "Sessions") == str(len(support.COOP_VISIBLE["kari"]))  # Kari's, by e-mail

        pick(board, "Account", "nina")
        board.get_by_role("button", name="Remove account").click()
        board.get_by_text("Removed nina").first.wait_for(timeout=SLOW)
        next_run_asks_for_login(nina)
    finally:
        resident.close()
    assert "nina" not in {a.username for a in accounts.list_accounts(server.auth)}
    assert [(c["by"], c["action"]) for c in accounts.changes(server.auth)[:2]] == [("styret", "remove"),
                                                                                   ("styret", "add")]


# -- who the client is ------------------------------------------------------------------------

def fail_a_login(browser, server, headers: dict[str, str], username: str) -> None:
    visitor = browser.new_context(extra_http_headers=headers)
    try:
        page = visitor.new_page()
        page.goto(server.url + "/")
        wait_idle(page, SLOW)
        one(page.get_by_role("textbox", name="Username"), SLOW).fill(username)
        page.get_by_role("textbox", name="Password").fill("not-the-password")
        page.get_by_role("button", name="Login").click()
        one(page.get_by_text("Username or password is incorrect."), SLOW)
    finally:
        visitor.close()


def test_the_client_is_the_proxy_headers_last_entry_never_x_forwarded_for(browser, server):
    """Streamlit's server takes X-Forwarded-For's word on connections from 127.0.0.1 (as the browser's
    are here): rotating it must not make new clients. The configured header counts by its last entry."""
    throttle = accounts.logins_path(server.auth)

    def clients() -> set[str]:
        kept = json.loads(throttle.read_text(encoding="utf-8")) if throttle.exists() else {}
        return {k for k in kept if k.startswith("client:")}

    before = clients()
    for i in range(3):
        fail_a_login(browser, server, {"X-Forwarded-For": f"203.0.113.{i + 1}"}, f"rotating{i}")
    assert clients() - before == {"client:forwarded-unverified"}
    fail_a_login(browser, server, {PROXY_HEADER: "198.51.100.66, 198.51.100.9"}, "proxied")
    assert clients() - before == {"client:forwarded-unverified", "client:198.51.100.9"}


# -- parallel attempts --------------------------------------------------------------------------

def test_sixteen_sessions_submitting_at_once_get_at_most_ten_checks(browser, server, monkeypatch):
    """Sixteen browser sessions send a wrong password for one username at once. Each attempt is counted
    before its check, so at most ten are checked; the others are told the username is locked, and so
    is the right password after them."""
    monkeypatch.setattr(accounts, "PASSWORD_ROUNDS", 12)  # a check takes as long as in production (~0.3 s)
    login = new_account(server, "parallel")
    visitor = browser.new_context(viewport={"width": 1000, "height": 700})
    try:
        pages = [visitor.new_page() for _ in range(16)]
        for page in pages:
            page.goto(server.url + "/")
        for page in pages:
            wait_idle(page, SLOW)
            one(page.get_by_role("textbox", name="Username"), SLOW).fill(login.username)
            page.get_by_role("textbox", name="Password").fill("not-the-password")
        for page in pages:
            page.get_by_role("button", name="Login").click(no_wait_after=True)
        answers = []
        for page in pages:
            answer = page.get_by_text("Username or password is incorrect.").or_(page.get_by_text("Too many failed logins"))
            answers.append(one(answer, SLOW).inner_text())
        checked = [a for a in answers if "incorrect" in a]
        locked = sorted(set(answers) - set(checked))
        assert len(checked) <= accounts.MAX_FAILURES and len(locked) == 1, answers
        last = pages[0]
        last.get_by_role("textbox", name="Password").fill(login.password)
        last.get_by_role("button", name="Login").click()
        wait_idle(last, SLOW)
        assert one(last.get_by_text("Too many failed logins"), SLOW).inner_text() == locked[0]
        assert "Logged in as" not in page_text(last)
    finally:
        visitor.close()
