"""What every page shares: the store, the login, and the one access guard.

Every file in pages/ begins with `scope = guard(__file__)`. On a freshly started server
Streamlit can run a page file directly, without app.py (stack-facts.md, trap 1), so the
guard does the whole login itself when app.py has not; it then checks the page is one
the role is offered, and returns the Scope every query of the page takes.
"""

from __future__ import annotations

import contextvars
import copy
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities import LoginError

from chargeboard import accounts, cli, freshness, handover, secrets, settings, sync
from chargeboard.scope import CHARGER_OWNER, RESIDENT, ROLE_TITLES, SYSTEM_OWNER, Scope
from chargeboard.store import Store, StoreLocked, open_store

ALL_ROLES = (RESIDENT, CHARGER_OWNER, SYSTEM_OWNER)


@dataclass(frozen=True)
class PageSpec:
    file: str          # path under the project root
    title: str
    icon: str
    roles: tuple[str, ...]


# The one list of pages and who is offered each. A page not offered to a role is neither
# in its navigation nor shown to it when requested directly.
PAGES = (
    # The first page offered to a role is where it lands: residents (and charger owners) on My usage,
    # the system owner on the board dashboard.
    PageSpec("pages/my_usage.py", "My usage", ":material/person:", (RESIDENT, CHARGER_OWNER)),
    PageSpec("pages/dashboard.py", "Board dashboard", ":material/monitoring:", (CHARGER_OWNER, SYSTEM_OWNER)),
    PageSpec("pages/history.py", "Charge history", ":material/history:", ALL_ROLES),
    PageSpec("pages/reports.py", "Charge reports", ":material/bar_chart:", ALL_ROLES),
    PageSpec("pages/data_quality.py", "Data quality", ":material/fact_check:", (SYSTEM_OWNER,)),
    PageSpec("pages/reconciliation.py", "Meter reconciliation", ":material/balance:", (SYSTEM_OWNER,)),
    PageSpec("pages/statements.py", "Statements", ":material/receipt_long:", ALL_ROLES),
    PageSpec("pages/tariffs.py", "Tariffs", ":material/sell:", (SYSTEM_OWNER,)),
    PageSpec("pages/data_sources.py", "Data sources", ":material/cloud_sync:", (SYSTEM_OWNER,)),
)

_scope_of_this_run: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("scope", default=None)


def _release_store(store: Store) -> None:
    """When the cached store is dropped (st.cache_resource.clear), close it: that also ends
    its hand-over server, so two servers never answer one spool folder."""
    sync.stop_scheduler(store)  # no sync may still be running on it
    store.close()


@st.cache_resource(show_spinner="Opening the store…", on_release=_release_store)
def app_store() -> Store:
    """The process's one Store (shared by design: it holds no user data), and the server
    that runs commands handed over by the command line while the app serves."""
    global _handover_problem  # noqa: PLW0603 — set once, with the cached store
    db = settings.db_path()
    try:
        spool = handover.open_spool(settings.inbox_dir(db), create=True)
    except (handover.SpoolRefused, OSError) as error:  # serve the pages; hand nothing over
        spool, _handover_problem = None, f"commands cannot be handed to the app: {error}"
        print(f"chargeboard: {_handover_problem}", file=sys.stderr, flush=True)
    # The store's SQL may read files from the spool folder and the clouds' landing folder only.
    try:
        store = open_store(db, wait_seconds=120, allowed_dirs=[*([spool.path] if spool else []), sync.landing_dir(db)])
    except BaseException:
        if spool is not None:
            spool.close()
        raise
    if spool is not None:
        handover.start_server(store, spool, cli.HANDED_OVER)
        _handover_problem = None
    sync.start_scheduler(store)  # charger-cloud connections, each on its own interval
    return store


_handover_problem: str | None = None


def _store_notices(scope: Scope) -> None:
    """On every page: a store that is no longer the file at its path; to the system owner,
    a spool folder the app refused."""
    try:
        detached = app_store().detached()
    except StoreLocked:
        return
    if detached:
        st.error(f"Chargeboard: {detached}.")
    if _handover_problem and scope.role == SYSTEM_OWNER:
        st.warning(f"Chargeboard: {_handover_problem}")


def _authenticator(config: dict) -> stauth.Authenticate:
    cookie = config.get("cookie") or {}
    return stauth.Authenticate(
        copy.deepcopy(config["credentials"]),  # the library writes into what it is given
        cookie.get("name", "chargeboard_auth"),
        secrets.cookie_key(),
        float(cookie.get("expiry_days", 14)),
        auto_hash=False,
        login_sleep_time=float(os.environ.get("CHARGEBOARD_LOGIN_SLEEP", "0.3")),
    )


_LOGOUT_REQUESTED = "chargeboard_logout_requested"
_LOGIN_FIELDS = {"Form name": "Chargeboard — log in"}


def _request_logout() -> None:
    # A callback runs before the next run: that run logs out before anything is drawn.
    st.session_state[_LOGOUT_REQUESTED] = True


def _login() -> Scope:
    try:
        config = accounts.load_config()
        authenticator = _authenticator(config)
    except secrets.SecretError as error:
        st.error(f"Chargeboard cannot start: {error}")
        st.stop()
    if st.session_state.pop(_LOGOUT_REQUESTED, False):
        authenticator.logout(location="unrendered")  # forgets the login and deletes the cookie
    try:
        authenticator.login(location="main", key="login", fields=_LOGIN_FIELDS)
    except LoginError:
        # A remembered login (cookie) of an account since removed from auth.yaml: ignore the
        # cookie in this session (the library's own flag) and ask for a login.
        st.session_state["logout"] = True
        authenticator.login(location="main", key="login", fields=_LOGIN_FIELDS)
    status = st.session_state.get("authentication_status")
    if status is False:
        st.error("Username or password is incorrect.")
    if not status:
        st.stop()
    username = st.session_state["username"]
    account = accounts.accounts(config).get(username)
    if account is None:  # removed from auth.yaml while logged in
        authenticator.logout(location="unrendered")
        st.rerun()  # to the login form, not a blank page
    try:
        store = app_store()
    except StoreLocked:
        st.warning("The store is busy loading a feed; try again in a moment.")
        st.stop()
    scope = accounts.scope_for(account, store)
    with st.sidebar:
        st.caption(f"Logged in as **{account.name}** · {ROLE_TITLES[account.role]}")
        # Not the library's own button: its key "logout" is also the library's session-state
        # flag (setting it then fails), and it logs out only after this run drew the page.
        st.button("Log out", key="chargeboard_logout", on_click=_request_logout)
        fresh = freshness.data_freshness(store, scope)  # how fresh the data is, on every page
        if fresh.warning:
            st.warning(fresh.line(), icon=":material/sync_problem:")
        else:
            st.caption(fresh.text)
    return scope


def guard(page_file: str | None = None) -> Scope:
    """The access guard: login (once per run) and the page's role check. Returns the Scope."""
    scope = _scope_of_this_run.get()
    if scope is None:
        scope = _login()
    if page_file is not None:
        spec = page_spec(page_file)
        if spec is None or scope.role not in spec.roles:
            st.error("This page is not available to your role.")
            st.stop()
        _store_notices(scope)
    return scope


def page_spec(page_file: str) -> PageSpec | None:
    relative = Path(page_file).resolve().relative_to(settings.PROJECT_ROOT).as_posix()
    return next((p for p in PAGES if p.file == relative), None)


def pages_for(scope: Scope) -> list[PageSpec]:
    return [p for p in PAGES if scope.role in p.roles]


# A page a role reads under another name: a charger owner's dashboard is about his own stations.
ROLE_PAGE_TITLES = {(CHARGER_OWNER, "pages/dashboard.py"): "My charging stations"}

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


def title_for(spec: PageSpec, role: str) -> str:
    return ROLE_PAGE_TITLES.get((role, spec.file), spec.title)


def run_navigation(scope: Scope) -> None:
    """app.py's part: navigation of the role's pages, run with the scope already known.
    The menu is drawn here from PAGES (config.toml hides Streamlit's own), so no page name
    is shown before a login or to a role it is not offered to. Each page has a fixed address
    (url_path, from its file name), so a reload or a bookmark opens the same page."""
    pages = [st.Page(str(settings.PROJECT_ROOT / p.file), title=title_for(p, scope.role), icon=p.icon,
                     url_path=Path(p.file).stem) for p in pages_for(scope)]
    navigation = st.navigation(pages, position="hidden")
    with st.sidebar:
        for page in pages:
            st.page_link(page)
        st.html(_CLOSE_MENU_ON_PHONE, unsafe_allow_javascript=True)
    token = _scope_of_this_run.set(scope)
    try:
        navigation.run()
    finally:
        _scope_of_this_run.reset(token)


def store() -> Store:
    return app_store()
