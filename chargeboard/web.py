"""What every page shares: the store, the login, and the one access guard.

Every file in pages/ begins with `scope = guard(__file__)`. On a freshly started server
Streamlit can run a page file directly, without app.py (stack-facts.md, trap 1), so the
guard does the whole login itself when app.py has not; it then checks the page is one
the role is offered, and returns the Scope every query of the page takes. A page run that way
runs app.py's navigation itself (the role's menu, then the page), so it looks as any other.
"""

from __future__ import annotations

import contextvars
import importlib
import json
import logging
import os
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import jwt
import streamlit as st

from chargeboard import (
    accounts,
    cli,
    datasources,
    formats,
    freshness,
    handover,
    i18n,
    memo,
    private_files,
    secrets,
    settings,
    sync,
    warm,
)
from chargeboard.i18n import N_, _
from chargeboard.pricing import spot as spot_prices
from chargeboard.scope import CHARGER_OWNER, RESIDENT, SYSTEM_OWNER, Scope, role_title
from chargeboard.store import Store, StoreError, StoreLocked, StoreOutOfMemory, open_store

ALL_ROLES = (RESIDENT, CHARGER_OWNER, SYSTEM_OWNER)


@dataclass(frozen=True)
class PageSpec:
    file: str          # path under the project root
    title: str         # an English msgid (N_), translated where drawn (title_for)
    icon: str
    roles: tuple[str, ...]


# The one list of pages and who is offered each. A page not offered to a role is neither
# in its navigation nor shown to it when requested directly.
PAGES = (
    # The first page offered to a role is where it lands: residents (and charger owners) on My usage,
    # the system owner on the board dashboard.
    PageSpec("pages/my_usage.py", N_("My usage"), ":material/person:", (RESIDENT, CHARGER_OWNER)),
    PageSpec("pages/dashboard.py", N_("Board dashboard"), ":material/monitoring:", (CHARGER_OWNER, SYSTEM_OWNER)),
    PageSpec("pages/history.py", N_("Charge history"), ":material/history:", ALL_ROLES),
    PageSpec("pages/reports.py", N_("Charge reports"), ":material/bar_chart:", ALL_ROLES),
    PageSpec("pages/data_quality.py", N_("Data quality"), ":material/fact_check:", (SYSTEM_OWNER,)),
    PageSpec("pages/reconciliation.py", N_("Meter reconciliation"), ":material/balance:", (SYSTEM_OWNER,)),
    PageSpec("pages/capacity.py", N_("Capacity and peaks"), ":material/speed:", (SYSTEM_OWNER,)),
    PageSpec("pages/statements.py", N_("Statements"), ":material/receipt_long:", ALL_ROLES),
    PageSpec("pages/billing.py", N_("Billing"), ":material/payments:", (SYSTEM_OWNER,)),
    PageSpec("pages/tariffs.py", N_("Tariffs"), ":material/sell:", (SYSTEM_OWNER,)),
    PageSpec("pages/dwellings.py", N_("Dwellings"), ":material/apartment:", (SYSTEM_OWNER,)),
    PageSpec("pages/data_sources.py", N_("Data sources"), ":material/cloud_sync:", (SYSTEM_OWNER,)),
    PageSpec("pages/accounts.py", N_("Accounts"), ":material/manage_accounts:", (SYSTEM_OWNER,)),
)

_scope_of_this_run: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("scope", default=None)


def _release_store(store: Store) -> None:
    """When the cached store is dropped (st.cache_resource.clear), close it: that also ends
    its hand-over server, so two servers never answer one spool folder."""
    sync.stop_scheduler(store)  # no sync may still be running on it
    spot_prices.stop_scheduler(store)  # nor a price fetch
    warm.stop(store)  # nor a computation ahead
    memo.enable(False)  # nothing kept for a store that is gone
    store.close()


@st.cache_resource(show_spinner=False, on_release=_release_store)  # (the reader's spinner, translated: _login)
def app_store() -> Store:
    """The process's one Store (shared by design: it holds no user data), and the server
    that runs commands handed over by the command line while the app serves."""
    global _handover_problem  # noqa: PLW0603 — set once, with the cached store
    db = settings.db_path()
    try:
        spool = handover.open_spool(settings.inbox_dir(db), create=True)
    except (handover.SpoolRefused, OSError) as error:  # serve the pages; hand nothing over
        spool, _handover_problem = None, str(error)
        print(f"chargeboard: commands cannot be handed to the app: {error}", file=sys.stderr, flush=True)
    # The store's SQL may read files from the spool folder and the clouds' landing folder only.
    try:
        try:
            landing = sync.landing_dir(db)
        except private_files.NotPrivate as error:
            raise StoreError(str(error)) from None
        store = open_store(db, wait_seconds=120, allowed_dirs=[*([spool.path] if spool else []), landing])
    except BaseException:
        if spool is not None:
            spool.close()
        raise
    datasources.remove_leftover_uploads(db)  # like the hand-over's jobs: an app killed mid-load left them
    if spool is not None:
        handover.start_server(store, spool, cli.HANDED_OVER)
        _handover_problem = None
    sync.start_scheduler(store)  # charger-cloud connections, each on its own interval
    spot_prices.start_scheduler(store)  # the daily spot-price fetch, when the Tariffs page turned it on
    memo.enable()  # pages' results kept per scope and data version (chargeboard.memo)
    warm.start(store, settings.auth_path())  # the landing pages' shared results, ahead of the logins
    return store


_handover_problem: str | None = None  # why the spool folder was refused (the system's words)


def _store_notices(scope: Scope) -> None:
    """On every page: a store that is no longer the file at its path; to the system owner,
    a spool folder the app refused."""
    try:
        detached = app_store().detached()
    except StoreLocked:
        return
    if detached:  # (the store's own words are English, for the command line and the log)
        st.error(_("Chargeboard: the store file {path} was replaced or deleted while the app was serving; "
                   "nothing more is written to it; restart the app.", path=app_store().path))
    if _handover_problem and scope.role == SYSTEM_OWNER:
        st.warning(_("Chargeboard: commands cannot be handed to the app: {error}", error=_handover_problem))


_LOGIN = "chargeboard_login"  # session state: (username, session_version) of this browser session
_LOGOUT_REQUESTED = "chargeboard_logout_requested"
# The page (and its filters) a visitor asked for before logging in: the login's own run stops
# before st.navigation knows the page, so after the login the navigation switches to it once.
_WANTED_PAGE = "chargeboard_wanted_page"
_COOKIE_TO_WRITE = "chargeboard_cookie_to_write"  # the login cookie this browser session set (see _login)
_FORM_NAME = N_("Chargeboard — log in")
log = logging.getLogger("chargeboard.web")


@dataclass(frozen=True)
class CookieJar:
    """Writes and deletes the login cookie from the browser's side (it is set from JavaScript,
    stack-facts trap 14); reading and checking it is done on the server. One small script in the
    sidebar, not the library's cookie component: the component answers every run with the
    browser's cookies, and each answer reran the whole page (twice on every login)."""
    cookie_name: str
    cookie_expiry_days: float
    slot: Any = None  # where the script goes (a placeholder drawn in every run)

    def _script(self, assignment: str) -> None:
        # json.dumps makes each value a JS string literal; "<" escaped so no value can end the script.
        (self.slot or st.sidebar).html(f"<script>document.cookie = {json.dumps(assignment).replace('<', chr(92) + 'u003c')};</script>",
                        unsafe_allow_javascript=True)

    def set(self, token: str) -> None:
        expires = (datetime.now(UTC) + timedelta(days=self.cookie_expiry_days)).strftime("%a, %d %b %Y %H:%M:%S GMT")
        self._script(f"{self.cookie_name}={token}; expires={expires}; path=/; SameSite=Strict")

    def delete(self) -> None:
        self._script(f"{self.cookie_name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/; SameSite=Strict")


def _cookie_jar(config: dict, slot: Any = None) -> CookieJar:
    cookie = config.get("cookie") or {}
    return CookieJar(cookie.get("name", "chargeboard_auth"), float(cookie.get("expiry_days", 14)), slot)


def _cookie_token(account: accounts.Account, key: str, days: float) -> str:
    """The login cookie: an HS256 JWT of the username and the account's session version, so a
    logout, password change, role change or removal makes every copy of it worthless."""
    expires = datetime.now(UTC) + timedelta(days=days)
    return jwt.encode({"username": account.username, "ver": account.session_version, "exp": expires},
                      key, algorithm="HS256")


def _account_from_cookie(config: dict, key: str) -> accounts.Account | None:
    name = (config.get("cookie") or {}).get("name", "chargeboard_auth")
    return account_from_token(config, key, st.context.cookies.get(name))


def account_from_token(config: dict, key: str, token: str | None) -> accounts.Account | None:
    """The account a login cookie names, checked on the server: signature (HS256 only, so
    `alg: none` and others fail), expiry, an existing account, its current session version.
    Anything else (garbage, forged, expired, stale, unknown) is no login."""
    if not token:
        return None
    try:
        claims = jwt.decode(token, key, algorithms=["HS256"], options={"require": ["exp", "username", "ver"]})
    except Exception:  # noqa: BLE001 — every malformed or forged cookie means the same: log in again
        log.info("login cookie refused (malformed, forged or expired)")
        return None
    account = accounts.accounts(config).get(str(claims["username"]))
    if account is None or claims["ver"] != account.session_version:
        return None
    return account


# The client of every connection whose address the sender may have chosen (see client_address).
UNVERIFIED_FORWARDED = "forwarded-unverified"


def client_address(configured: list[str] | None, forwarded_for: list[str], peer: object) -> str:
    """Who "a client" is for the login throttle.

    `configured`: the values of the header CHARGEBOARD_CLIENT_HEADER names (None when it names none).
    Its last entry is the one the proxy appended itself; every earlier one is the visitor's own word.
    Else the connection's address (`peer`, st.context.ip_address: None from this machine). But
    Streamlit's server (uvicorn) replaces that address by an X-Forwarded-For entry on connections from
    127.0.0.1, whoever wrote the header: a connection carrying one that we were not told to trust
    counts as one client, UNVERIFIED_FORWARDED, whatever it names."""
    if configured:
        last = ",".join(configured).split(",")[-1].strip()
        if last:
            return last[: accounts.MAX_CLIENT]
    if forwarded_for:
        return UNVERIFIED_FORWARDED
    return peer if isinstance(peer, str) and peer else "unknown"  # (no address in AppTest)


def _client() -> str:
    header = os.environ.get("CHARGEBOARD_CLIENT_HEADER", "").strip()
    configured = st.context.headers.get_all(header) if header else None
    return client_address(configured, st.context.headers.get_all("X-Forwarded-For"), st.context.ip_address)


def _requested_page() -> str:
    """The last part of the address's path ("reports" of http://host/reports), "" for the root."""
    return urlparse(st.context.url or "").path.rstrip("/").rsplit("/", 1)[-1]


def _address_filters() -> dict[str, list[str]]:
    """The address's query parameters with every value of a repeated one (a date range is two
    `period_dates`): to_dict() keeps only the last, which would turn a range into one day."""
    return {key: st.query_params.get_all(key) for key in st.query_params}


def _request_logout() -> None:
    # A callback runs before the next run: that run logs out before anything is drawn.
    st.session_state[_LOGOUT_REQUESTED] = True


_MEDIA_FILES = "chargeboard_media_files"


def _media_files_of_this_session():
    """Streamlit's media file manager (downloads and images at /media/<hash>) and this session's id;
    (None, None) where there is no server runtime (AppTest). Its bookkeeping has no public API."""
    from streamlit.runtime import Runtime  # noqa: PLC0415
    from streamlit.runtime.scriptrunner import get_script_run_ctx  # noqa: PLC0415

    ctx = get_script_run_ctx()
    if not Runtime.exists() or ctx is None:
        return None, None
    return Runtime.instance().media_file_mgr, ctx.session_id


def _remember_media_files() -> None:
    """At the end of a page's run: the files it serves, for _drop_media_files."""
    manager, session_id = _media_files_of_this_session()
    if manager is not None:
        with manager._lock:
            st.session_state[_MEDIA_FILES] = set(manager._files_by_session_and_coord.get(session_id, {}).values())


def _drop_media_files() -> None:
    """At logout: the last page's downloads stop answering now. Streamlit only marks a file nobody
    shows, and deletes it at some later run of anyone's, so an export's URL kept working for anyone
    who had it. A file another session shows too (the same bytes) stays for that session."""
    files = st.session_state.pop(_MEDIA_FILES, set())
    manager, _session_id = _media_files_of_this_session()
    if manager is None or not files:
        return
    with manager._lock:  # this run has already let go of this session's files (Streamlit does at its start)
        shown = {f for refs in manager._files_by_session_and_coord.values() for f in refs.values()}
        for file_id in files - shown:
            if file_id in manager._file_metadata:
                manager._delete_file(file_id)


def _forget(jar: CookieJar) -> None:
    _drop_media_files()
    st.session_state.pop(_LOGIN, None)
    written_here = st.session_state.pop(_COOKIE_TO_WRITE, None)
    if jar.cookie_name in st.context.cookies or written_here:
        jar.delete()


_MAX_TOKEN = 64  # characters of the setup token field (a token is 32)


@st.cache_resource
def _setup_token() -> dict:
    """The one-time token of a first start, printed on the server's console (never on the page)."""
    token = accounts.new_setup_token()
    print(f"Chargeboard has no system owner yet. Setup token for the first visitor: {token}",
          file=sys.stderr, flush=True)
    return {"token": token}


def _first_start(path: Path) -> None:
    """No system owner yet: whoever has the console's setup token creates one. The form is gone
    once a system owner exists."""
    expected = _setup_token()["token"]
    st.title(_("Chargeboard — create the system owner"))
    st.info(_("This store has no accounts yet. Paste the setup token printed on the server's console, "
              "or run `python -m chargeboard user add NAME --role system_owner` on the server."))
    with st.form("first_start"):
        token = st.text_input(_("Setup token"), type="password", max_chars=_MAX_TOKEN)
        username = st.text_input(_("Username (lower case)"), max_chars=accounts.MAX_USERNAME)
        name = st.text_input(_("Name"), max_chars=accounts.MAX_NAME)
        email = st.text_input(_("E-mail"), max_chars=accounts.MAX_EMAIL)
        password = st.text_input(_("New password"), type="password", max_chars=accounts.MAX_PASSWORD_BYTES)
        repeated = st.text_input(_("Repeat the password"), type="password", max_chars=accounts.MAX_PASSWORD_BYTES)
        submitted = st.form_submit_button(_("Create the system owner"))
    if not submitted:
        st.stop()
    if not accounts.token_matches(expected, token):
        st.error(_("That is not the setup token printed on the server's console."))
        st.stop()
    if password != repeated:
        st.error(_("The two passwords differ."))
        st.stop()
    try:
        accounts.create_first_system_owner(username, name=name, email=email, password=password, path=path)
    except accounts.AccountError as error:
        st.error(str(error))
        st.stop()
    _setup_token.clear()  # single use
    st.session_state["chargeboard_setup_done"] = username
    st.rerun()


# What the first page after a login needs, loaded while the visitor types (the form is already
# on screen): the store, and the feature modules the pages import (reportlab alone is ~0.3 s).
_WARM_MODULES = ("chargeboard.dashboard", "chargeboard.board_pack", "chargeboard.my_usage", "chargeboard.history",
                 "chargeboard.reports", "chargeboard.widgets", "chargeboard.statements")


def _warm_up() -> None:
    try:
        app_store()
    except StoreError:  # busy, or refused: the login run says so
        return
    for module in _WARM_MODULES:
        importlib.import_module(module)


def _login_form(path: Path, form: Any) -> accounts.Account:
    with form.container(), st.form("login"):
        st.subheader(_(_FORM_NAME))
        if done := st.session_state.get("chargeboard_setup_done"):
            st.success(_("System owner {username} created: log in.", username=done))
        # The browser keeps to these lengths; check_login refuses longer text from any other sender.
        username = st.text_input(_("Username"), autocomplete="off", max_chars=accounts.MAX_USERNAME)
        password = st.text_input(_("Password"), type="password", autocomplete="off",
                                 max_chars=accounts.MAX_PASSWORD_BYTES)
        submitted = st.form_submit_button(_("Login"))
    if not submitted or not username:
        _warm_up()
        st.stop()
    try:
        account = accounts.check_login(username, password, _client(), path=path,
                                       delay_unit=float(os.environ.get("CHARGEBOARD_LOGIN_SLEEP", "0.3")))
    except accounts.LoginRefused as refused:
        st.error(str(refused))
        st.stop()
    form.empty()  # the page is drawn in this very run, without the form above it
    st.session_state.pop("chargeboard_setup_done", None)
    return account


def _login() -> Scope:
    # Placeholders for the login form and the cookie script, drawn in every run (empty after the
    # login): every element after them keeps its place from the login's run to the next, so a
    # page drawn in the login's own run keeps its state (an open tab, say) on the first click.
    form_slot, cookie_slot = st.empty(), st.sidebar.empty()
    path = settings.auth_path()
    try:
        config, config_error = accounts.load_config(path), None
    except accounts.AccountsFileError as error:
        config, config_error = None, error
    # Until we know who it is, speak the browser's language; a browser that names none of ours
    # reads the store's default.
    i18n.activate(i18n.from_accept_language(
        st.context.headers.get("Accept-Language"),
        fallback=accounts.default_language(config) if config is not None else i18n.DEFAULT_LANGUAGE))
    try:
        key = secrets.cookie_key()
    except secrets.SecretError as error:
        st.error(_("Chargeboard cannot start: {error}", error=error))
        st.stop()
    # A file that is there but cannot be used, or one refused (another user's, or in a folder others
    # may write): never the first start's form, which would write beside it.
    if config_error is not None and (path.exists() or isinstance(config_error, accounts.AccountsFileRefused)):
        st.error(_("Chargeboard cannot start: {error}", error=config_error))
        st.stop()
    if config is None or not any(a.role == SYSTEM_OWNER for a in accounts.accounts(config).values()):
        _first_start(path)
    jar = _cookie_jar(config, cookie_slot)
    if st.session_state.pop(_LOGOUT_REQUESTED, False):
        if login := st.session_state.get(_LOGIN):
            accounts.end_sessions(login[0], path)  # every tab and cookie of the account, at once
        _forget(jar)
        config = accounts.load_config(path)
    account = None
    if login := st.session_state.get(_LOGIN):
        account = accounts.accounts(config).get(login[0])
        if account is None or account.session_version != login[1]:  # removed, changed or logged out
            account = None
            _forget(jar)
    if account is None:
        account = _account_from_cookie(config, key)
    if account is None:
        if _WANTED_PAGE not in st.session_state:
            st.session_state[_WANTED_PAGE] = (_requested_page(), _address_filters())
        account = _login_form(path, form_slot)
        st.session_state[_COOKIE_TO_WRITE] = _cookie_token(account, key, jar.cookie_expiry_days)
    if token := st.session_state.get(_COOKIE_TO_WRITE):
        # Written again in every run of a session that logged in with the form: a run that ends at
        # once (a click, a page switch) can drop the login run's script before the browser ran it,
        # and a reload would then find no cookie.
        jar.set(token)
    st.session_state[_LOGIN] = (account.username, account.session_version)
    i18n.activate(account.language)  # every text of this run, in the account's language
    try:
        with st.spinner(_("Opening the store…")):  # (drawn only if it takes over half a second)
            store = app_store()
    except StoreLocked:
        st.warning(_("The store is busy loading a feed; try again in a moment."))
        st.stop()
    except StoreError as error:  # refused (not this user's alone) or unreadable: one line, no traceback
        st.error(_("Chargeboard cannot start: {error}", error=error))
        st.stop()
    scope = accounts.scope_for(account, store)
    with st.sidebar:
        st.caption(_("Logged in as **{name}** · {role}", name=formats.text_in_markdown(account.name),
                     role=role_title(account.role)))
        # Not the library's own button: its key "logout" is also the library's session-state
        # flag (setting it then fails), and it logs out only after this run drew the page.
        st.button(_("Log out"), key="chargeboard_logout", on_click=_request_logout)
        fresh = freshness.data_freshness(store, scope)  # how fresh the data is, on every page
        if fresh.warning:
            st.warning(fresh.line(), icon=":material/sync_problem:")
        else:
            st.caption(fresh.text)
        _language_picker(account, path)
        _own_password_form(account, path, jar, key)
    return scope


def _language_picker(account: accounts.Account, path: Path) -> None:
    """Each person chooses the language the app speaks to them; it is kept with the account."""
    codes = list(i18n.LANGUAGES)
    chosen = st.selectbox("Språk / Language", codes, index=codes.index(account.language),
                          format_func=i18n.LANGUAGES.__getitem__, key="chargeboard_language")
    if chosen != account.language:
        accounts.set_language(account.username, chosen, path)
        st.rerun()


def _own_password_form(account: accounts.Account, path: Path, jar: CookieJar, key: str) -> None:
    """Everyone changes their own password here. Every other login of the account ends; this
    browser session stays logged in with the new version (and a new cookie)."""
    with st.expander(_("Change my password")), st.form("own_password", clear_on_submit=True):
        current = st.text_input(_("Current password"), type="password", max_chars=accounts.MAX_PASSWORD_BYTES)
        new = st.text_input(_("New password"), type="password", max_chars=accounts.MAX_PASSWORD_BYTES)
        repeated = st.text_input(_("Repeat the new password"), type="password", max_chars=accounts.MAX_PASSWORD_BYTES)
        submitted = st.form_submit_button(_("Change password"))
    if not submitted:
        return
    if new != repeated:
        st.sidebar.error(_("The two new passwords differ."))
        return
    try:
        accounts.change_own_password(account.username, current, new, path, client=_client(),
                                     delay_unit=float(os.environ.get("CHARGEBOARD_LOGIN_SLEEP", "0.3")))
    except accounts.AccountError as error:
        st.sidebar.error(str(error))
        return
    changed = accounts.find_account(account.username, path)
    st.session_state[_LOGIN] = (changed.username, changed.session_version)
    st.session_state[_COOKIE_TO_WRITE] = _cookie_token(changed, key, jar.cookie_expiry_days)
    jar.set(st.session_state[_COOKIE_TO_WRITE])
    st.sidebar.success(_("Password changed; your other logins have ended."))


def _login_or_error_line() -> Scope:
    """The login; an unexpected error in it shows one line with an id, never a traceback."""
    try:
        return _login()
    except Exception:
        error_id = uuid.uuid4().hex[:8]
        log.exception("login failed with error id %s", error_id)
        st.error(_("Chargeboard could not log you in (error id {error_id}); the server's log has the details.",
                   error_id=error_id))
        st.stop()
        raise  # not reached: st.stop() ends the run


def configure_page() -> None:
    """The browser tab's title and the wide layout: app.py's first call, and a directly run page's."""
    st.set_page_config(page_title="Chargeboard", page_icon=":material/bolt:", layout="wide")


def guard(page_file: str | None = None) -> Scope:
    """The access guard: login (once per run) and the page's role check. Returns the Scope."""
    scope = _scope_of_this_run.get()
    run_directly = scope is None and page_file is not None  # without app.py (trap 1)
    if run_directly:
        configure_page()
    if scope is None:
        scope = _login_or_error_line()
    if page_file is not None:
        spec = page_spec(page_file)
        if spec is None or scope.role not in spec.roles:
            st.error(_("This page is not available to your role."))
            st.stop()
        if run_directly:
            _run_as_app(page_file, scope)
        _store_notices(scope)
    return scope


def _run_as_app(page_file: str, scope: Scope) -> None:
    """A page file run by itself (a freshly started server's first request for /<page>, before
    any session called st.navigation): run app.py's navigation instead, with this page and the
    address's filters as the page wanted, so the role's menu is there. The navigation runs the
    page (its guard then finds the scope of the run); this outer run of the file ends here."""
    st.session_state[_WANTED_PAGE] = (Path(page_file).stem, _address_filters())
    run_navigation(scope)
    st.stop()


def page_spec(page_file: str) -> PageSpec | None:
    relative = Path(page_file).resolve().relative_to(settings.PROJECT_ROOT).as_posix()
    return next((p for p in PAGES if p.file == relative), None)


def pages_for(scope: Scope) -> list[PageSpec]:
    return [p for p in PAGES if scope.role in p.roles]


# A page a role reads under another name: a charger owner's dashboard is about his own stations.
ROLE_PAGE_TITLES = {(CHARGER_OWNER, "pages/dashboard.py"): N_("My charging stations")}

# On a phone the sidebar lies over the page: close it once a page is chosen in it. A constant
# script of ours (no input in it); Streamlit's own page menu does the same, its page links do not.
_CLOSE_MENU_ON_PHONE = """<script>
(() => {
  if (window.chargeboardMenuCloses) return;
  window.chargeboardMenuCloses = true;
  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-testid='stSidebar'] [data-testid='stPageLink-NavLink']");
    if (!link || !window.matchMedia("(max-width: 767.98px)").matches) return;
    const close = document.querySelector("[data-testid='stSidebarCollapseButton'] button");
    if (close) setTimeout(() => close.click(), 0);
  }, true);
})();
</script>"""


# Streamlit names each help button (the "?" of a widget's help=) "Help for <label>" (or "Help") in English
# whatever the page's language: a screen reader reads that out. This script gives them the reader's words,
# now and as buttons appear. Constant code; the words come from our catalogs as JSON string literals.
_HELP_BUTTON_WORDS = """<script>
(() => {
  window.chargeboardHelpWords = %s;
  const translate = () => {
    const words = window.chargeboardHelpWords;
    for (const button of document.querySelectorAll("[data-testid='stTooltipIcon'] button[aria-label]")) {
      const label = button.getAttribute("aria-label");
      if (label !== button.dataset.chargeboardShown) button.dataset.chargeboardOriginal = label;
      const original = button.dataset.chargeboardOriginal;
      const shown = original === "Help" ? words.help
        : original.startsWith("Help for ") ? words.helpFor.split("{label}").join(original.slice(9)) : original;
      button.dataset.chargeboardShown = shown;
      if (label !== shown) button.setAttribute("aria-label", shown);
    }
  };
  translate();
  if (window.chargeboardHelpObserver) return;
  window.chargeboardHelpObserver = new MutationObserver(translate);
  window.chargeboardHelpObserver.observe(document.body, {childList: true, subtree: true,
                                                         attributeFilter: ["aria-label"]});
})();
</script>"""


def help_button_words_script() -> str:
    """The script that names the help buttons in the reader's language (see _HELP_BUTTON_WORDS)."""
    words = json.dumps({"help": _("Help"), "helpFor": _("Help for {label}", label="{label}")}, ensure_ascii=False)
    return _HELP_BUTTON_WORDS % words.replace("<", "\\u003c")


def title_for(spec: PageSpec, role: str) -> str:
    """The page's title for the role, in the reader's language."""
    return _(ROLE_PAGE_TITLES.get((role, spec.file), spec.title))


_LANDING = "landing"  # the root's page: its own name is never an address (a default page has none)


def run_navigation(scope: Scope) -> None:
    """app.py's part: navigation of the role's pages, run with the scope already known.
    The menu is drawn here from PAGES (config.toml hides Streamlit's own), so no page name
    is shown before a login or to a role it is not offered to. Each page has a fixed address
    (url_path, from its file name), so a reload or a bookmark opens the same page."""
    def page(spec: PageSpec, url_path: str, default: bool = False) -> st.Page:
        return st.Page(str(settings.PROJECT_ROOT / spec.file), title=title_for(spec, scope.role), icon=spec.icon,
                       url_path=url_path, default=default)

    specs = pages_for(scope)
    pages = [page(spec, Path(spec.file).stem) for spec in specs]
    # Streamlit serves its default page at the root only (its url_path becomes ""), so the role's
    # landing page, were it the default, would answer its own address (/dashboard, /my_usage) with
    # "Page not found". The root runs the same file as a page of its own instead.
    landing = page(specs[0], _LANDING, default=True)
    navigation = st.navigation([landing, *pages], position="hidden")
    wanted = st.session_state.pop(_WANTED_PAGE, None)
    if wanted:  # just logged in: open the page the address asked for, with its filters
        target = next((p for p in [landing, *pages] if p.url_path == wanted[0]), None)
        if target is not None and navigation.url_path != target.url_path:
            st.switch_page(target, query_params=wanted[1] or None)
    with st.sidebar:
        for shown in pages:  # at the root, the landing page's link is the one shown as current
            st.page_link(landing if shown is pages[0] and navigation is landing else shown)
        st.html(_CLOSE_MENU_ON_PHONE, unsafe_allow_javascript=True)
        st.html(help_button_words_script(), unsafe_allow_javascript=True)
    token = _scope_of_this_run.set(scope)
    try:
        navigation.run()
    except StoreOutOfMemory:  # the one failure an operator's setting mends: say which, not "an error occurred"
        error_id = uuid.uuid4().hex[:8]
        log.exception("a page ran out of the store's memory limit; error id %s", error_id)
        st.error(_("This page needs more memory than Chargeboard may use for its store ({limit}). Whoever runs "
                   "the server can raise CHARGEBOARD_MEMORY_LIMIT (README: Scale). Error id {error_id}.",
                   limit=settings.memory_limit(), error_id=error_id))
    finally:
        _remember_media_files()
        _scope_of_this_run.reset(token)


def store() -> Store:
    return app_store()
