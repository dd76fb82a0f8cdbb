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
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
import streamlit_authenticator as stauth

from chargeboard import accounts, inbox, secrets, settings
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
    PageSpec("pages/history.py", "Charge history", "🗂️", ALL_ROLES),
)

_scope_of_this_run: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("scope", default=None)


@st.cache_resource(show_spinner="Opening the store…")
def app_store() -> Store:
    """The process's one Store (shared by design: it holds no user data), and the worker
    that loads feeds handed over by the command line while the app serves."""
    db = settings.db_path()
    folder = settings.inbox_dir(db)
    store = open_store(db, wait_seconds=120, allowed_dirs=[folder])
    inbox.start_worker(store, folder)
    return store


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


def _login() -> Scope:
    try:
        config = accounts.load_config()
        authenticator = _authenticator(config)
    except secrets.SecretError as error:
        st.error(f"Chargeboard cannot start: {error}")
        st.stop()
    authenticator.login(location="main", key="login", fields={"Form name": "Chargeboard — log in"})
    status = st.session_state.get("authentication_status")
    if status is False:
        st.error("Username or password is incorrect.")
    if not status:
        st.stop()
    username = st.session_state["username"]
    account = accounts.accounts(config).get(username)
    if account is None:  # removed from auth.yaml while logged in
        authenticator.logout(location="unrendered")
        st.stop()
    try:
        store = app_store()
    except StoreLocked:
        st.warning("The store is busy loading a feed; try again in a moment.")
        st.stop()
    scope = accounts.scope_for(account, store)
    with st.sidebar:
        st.caption(f"Logged in as **{account.name}** · {ROLE_TITLES[account.role]}")
        authenticator.logout("Log out", location="sidebar", key="logout")
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
    return scope


def page_spec(page_file: str) -> PageSpec | None:
    relative = Path(page_file).resolve().relative_to(settings.PROJECT_ROOT).as_posix()
    return next((p for p in PAGES if p.file == relative), None)


def pages_for(scope: Scope) -> list[PageSpec]:
    return [p for p in PAGES if scope.role in p.roles]


def run_navigation(scope: Scope) -> None:
    """app.py's part: navigation of the role's pages, run with the scope already known."""
    navigation = st.navigation([
        st.Page(str(settings.PROJECT_ROOT / p.file), title=p.title, icon=p.icon) for p in pages_for(scope)
    ])
    token = _scope_of_this_run.set(scope)
    try:
        navigation.run()
    finally:
        _scope_of_this_run.reset(token)


def store() -> Store:
    return app_store()
