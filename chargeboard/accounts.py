"""Login accounts (the accounts file), their logins, and how each one maps to the sessions it may see.

The accounts file (YAML, `settings.auth_path()`: next to the store unless $CHARGEBOARD_AUTH says
otherwise) is the one place for both links: a resident's account is tied to the feed's users by
e-mail address within the account's installations; a charger owner's account lists its stations
(by the feed's station id or the charger's serial).

Every change goes through this module, from the command line (`python -m chargeboard user`) and
from the app's Accounts page alike. Beside the accounts file live, with the same 0600 mode:
  <stem>.lock           the fcntl lock every change (and every login's bookkeeping) holds
  <stem>.logins.json    failed-login counters per username and per client; attempts in flight and
                        locks per username (bounded: MAX_ENTRIES entries, old ones pruned)
  <stem>.changes.jsonl  the append-only record of every change: who, when, what
Each of them, and their folder, must be this user's alone (chargeboard.private_files): a file another
user owns or may write is refused, never read. A save writes a new 0600 file and replaces the old one
atomically (temporary file + os.replace), whatever mode the old one had.

Logins are revocable: each account carries `session_version`; the app puts it into the login
cookie and remembers it for the browser session, and refuses either once it differs. Logout,
a password change, a role change and removal all bump it (removal by removing the account).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hmac
import json
import logging
import math
import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import bcrypt
import yaml

from chargeboard import i18n, private_files, settings
from chargeboard.i18n import N_, _, ngettext
from chargeboard.scope import (
    CHARGER_OWNER,
    LEVELS,
    OPEN_END,
    RESIDENT,
    ROLE_TITLES,
    ROLES,
    SYSTEM_OWNER,
    DwellingDays,
    DwellingGrant,
    Scope,
    system_scope,
)

# libyaml's loader when PyYAML was built with it: the same safe loading, read on every run of every page.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

log = logging.getLogger("chargeboard.logins")

MAX_FAILURES = 10              # failed logins of a username before its lock (a client is only slowed down)
FAILURE_WINDOW = 15 * 60       # failures older than this are forgotten
LOCK_SECONDS = 15 * 60
MAX_DELAY = 30.0               # seconds: the growing delay stops growing here
PENDING_SECONDS = 120          # an attempt reserved but never ended (its process died) counts this long
# What an anonymous visitor can make the server keep: the throttle file holds at most MAX_ENTRIES
# usernames and clients, each with at most MAX_KEPT_ATTEMPTS failures and as many attempts in flight.
MAX_ENTRIES = 1_000
MAX_KEPT_ATTEMPTS = 32
MAX_USERNAME = 64              # characters
MAX_CLIENT = 64                # characters of a client's address
MAX_PASSWORD_BYTES = 72        # bcrypt reads no further (and bcrypt 5 refuses more)
MAX_NAME = 100                 # an account's display name, characters
MAX_EMAIL = 254                # an e-mail address, characters (RFC 5321)
# bcrypt's cost: 2^12 rounds, ~0.3 s of CPU a hash or check here; what makes a stolen accounts file slow to
# crack. A check uses the cost written in the stored hash, so this applies to hashes made from now on.
PASSWORD_ROUNDS = 12
EMPTY_CONFIG = {"cookie": {"name": "chargeboard_auth", "expiry_days": 14}, "credentials": {"usernames": {}}}
HEADER = ("# Chargeboard login accounts. Passwords are bcrypt hashes only: manage them on the Accounts\n"
          "# page or with `python -m chargeboard user add|passwd|role|remove|list`.\n")


@functools.cache
def _no_account_hash() -> bytes:
    """A bcrypt hash no password matches: an unknown username costs the time of a wrong password."""
    return bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt(rounds=PASSWORD_ROUNDS))


class AccountError(ValueError):
    """A change or lookup that cannot be done; the message is one line for the user."""


class AccountsFileError(AccountError):
    """The accounts file is missing, unreadable or malformed."""


class AccountsFileRefused(AccountsFileError):
    """The accounts file, a file beside it or their folder is not this user's alone."""


class LoginRefused(AccountError):
    """A login that did not succeed: wrong credentials, or locked after too many failures."""

    def __init__(self, message: str, *, locked: bool = False):
        super().__init__(message)
        self.locked = locked


@dataclass(frozen=True)
class Account:
    username: str
    name: str
    email: str
    role: str
    stations: tuple[str, ...] = field(default=())
    installations: tuple[str, ...] = field(default=())
    session_version: int = 0
    language: str = i18n.DEFAULT_LANGUAGE  # what the app speaks to this account (nb or en)


# -- the files ---------------------------------------------------------------------------------

def _beside(path: Path, suffix: str) -> Path:
    return path.with_name(path.stem + suffix)


def logins_path(path: Path) -> Path:
    return _beside(path, ".logins.json")


def changes_path(path: Path) -> Path:
    return _beside(path, ".changes.jsonl")


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Serialise every change to the accounts file and its companions (app and CLI alike)."""
    private_files.make_private_folder(path.parent)
    try:
        fd = private_files.open_fd(_beside(path, ".lock"), os.O_RDWR, create=True)
    except private_files.NotPrivate as error:
        raise AccountsFileRefused(str(error)) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _write_atomically(path: Path, text: str, *, durable: bool = True) -> None:
    """A new 0600 file in place of the old (private_files.write_atomically). Not `durable`: no fsync
    (the login throttle, written twice a login under the lock every login waits on; a crash may lose
    its last seconds)."""
    try:
        private_files.write_atomically(path, text, durable=durable)
    except private_files.NotPrivate as error:
        raise AccountsFileRefused(str(error)) from None


def _read_private(path: Path) -> str:
    """A file beside the accounts file, read once checked (FileNotFoundError when there is none)."""
    try:
        return private_files.read_text(path)
    except private_files.NotPrivate as error:
        raise AccountsFileRefused(str(error)) from None


def load_config(path: Path | None = None) -> dict:
    """The accounts file as a dict; AccountsFileError (one line) when missing or malformed."""
    path = Path(path or settings.auth_path())
    try:
        text = _read_private(path)  # its folder is checked even when the file is missing
    except FileNotFoundError:
        raise AccountsFileError(f"{path}: no accounts file (create the system owner with "
                                "`python -m chargeboard user add NAME --role system_owner`)") from None
    except (OSError, UnicodeDecodeError) as error:
        raise AccountsFileError(f"{path}: cannot read the accounts file: {error}") from None
    try:
        config = yaml.load(text, Loader=_YAML_LOADER) or {}  # noqa: S506 — a safe loader, in C when there is one
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        reason = getattr(error, "problem", None) or "not valid YAML"
        raise AccountsFileError(f"{path}{where}: {reason}") from None
    if not isinstance(config, dict):
        raise AccountsFileError(f"{path}: the accounts file must be a mapping with credentials: usernames:")
    credentials = config.setdefault("credentials", {}) or {}
    if not isinstance(credentials, dict):
        raise AccountsFileError(f"{path}: credentials must be a mapping")
    config["credentials"] = credentials
    users = credentials.get("usernames") or {}
    if not isinstance(users, dict) or not all(isinstance(e, dict) for e in users.values()):
        raise AccountsFileError(f"{path}: credentials: usernames must map each username to its entry")
    credentials["usernames"] = {str(u): e for u, e in users.items()}
    if not isinstance(config.get("cookie") or {}, dict):
        raise AccountsFileError(f"{path}: cookie must be a mapping")
    try:
        accounts(config)
    except AccountError as error:
        raise AccountsFileError(f"{path}: {error}") from None
    return config


def _save(config: dict, path: Path) -> None:
    # Keep the file's leading comment: it tells the next reader how accounts are linked.
    header = HEADER
    if path.exists():
        lines = _read_private(path).splitlines(keepends=True)
        header = "".join(lines[: next((i for i, x in enumerate(lines) if not x.startswith("#")), len(lines))])
    _write_atomically(path, header + yaml.safe_dump(config, sort_keys=False, allow_unicode=True))


def write_new_file(path: Path, header: str = HEADER) -> None:
    """An accounts file with no accounts (0600), replacing what was there; its record starts anew."""
    with _locked(path):
        config = json.loads(json.dumps(EMPTY_CONFIG))
        _write_atomically(path, header + yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
        changes_path(path).unlink(missing_ok=True)
        logins_path(path).unlink(missing_ok=True)


def _record(path: Path, by: str, action: str, account: str, detail: str = "") -> None:
    """Append one change to the record (held lock; the file is 0600 and only ever appended)."""
    entry = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "by": by, "action": action,
             "account": account, "detail": detail}
    try:
        private_files.append_text(changes_path(path), json.dumps(entry, ensure_ascii=False) + "\n")
    except private_files.NotPrivate as error:
        raise AccountsFileRefused(str(error)) from None


def changes(path: Path | None = None, limit: int = 200) -> list[dict]:
    """The newest `limit` recorded changes, newest first."""
    record = changes_path(Path(path or settings.auth_path()))
    try:
        text = _read_private(record)
    except FileNotFoundError:
        return []
    entries = []
    for line in text.splitlines()[-limit:]:
        with contextlib.suppress(ValueError):
            entries.append(json.loads(line))
    return entries[::-1]


# The record keeps its entries in English (the command line's and the log's words); they are
# translated when shown (change_shown). The fixed words of the record, as msgids:
_CHANGE_ACTIONS = {"add": N_("add"), "language": N_("language"), "default language": N_("default language"),
                   "password": N_("password"), "role": N_("role"), "remove": N_("remove"), "logout": N_("log out"),
                   "lock": N_("lock"), "unlock": N_("unlock")}
_CHANGE_WORDS = frozenset({N_("(command line)"), N_("(login throttle)"), N_("(all new accounts)"),
                           N_("password changed; logged out everywhere"), N_("removed; logged out everywhere"),
                           N_("logged out everywhere"), N_("login lock lifted")})
_ROLE_SET = re.compile(r"role set to (\w+); logged out everywhere")
_FAILED_LOGINS = re.compile(r"(\d+) failed logins")


def _role_shown(role: str) -> str:
    return _(ROLE_TITLES[role]) if role in ROLE_TITLES else role


def change_shown(entry: dict) -> dict:
    """One entry of the record in the reader's language: its action and fixed words translated,
    roles and languages by their titles, names and links as recorded."""
    def words(text: object) -> object:
        return _(text) if text in _CHANGE_WORDS else text

    shown = {**entry, "by": words(entry.get("by")), "account": words(entry.get("account"))}
    action, detail = entry.get("action"), entry.get("detail")
    shown["action"] = _(_CHANGE_ACTIONS[action]) if action in _CHANGE_ACTIONS else action
    if not isinstance(detail, str):
        return shown
    if found := _ROLE_SET.fullmatch(detail):
        detail = _("role set to {role}; logged out everywhere", role=_role_shown(found.group(1)))
    elif found := _FAILED_LOGINS.fullmatch(detail):
        failures = int(found.group(1))
        detail = ngettext("{n} failed login", "{n} failed logins", failures, n=failures)
    elif action in ("language", "default language") and detail in i18n.LANGUAGES:
        detail = i18n.LANGUAGES[detail]
    elif action == "add":  # "<role>; stations: …, installations: …"
        role, separator, links = detail.partition("; ")
        detail = _role_shown(role) + separator + links
    else:
        detail = words(detail)
    shown["detail"] = detail
    return shown


def _change(path: Path | None, by: str, action: str, account: str, detail: str,
            apply: Callable[[dict], None], *, create: bool = False, whole_file: bool = False) -> None:
    """Load, apply, save and record one change under the lock, so no change is lost. `apply`
    gets the accounts (username -> entry), or the whole file's dict when `whole_file`."""
    path = Path(path or settings.auth_path())
    with _locked(path):
        if create and not path.exists():
            config = json.loads(json.dumps(EMPTY_CONFIG))
        else:
            config = load_config(path)
        apply(config if whole_file else config["credentials"]["usernames"])
        _save(config, path)
        _record(path, by, action, account, detail)


# -- accounts --------------------------------------------------------------------------------

def default_language(config: dict) -> str:
    """The store-wide language of new accounts (the accounts file's `default_language`)."""
    return i18n.normal_language(config.get("default_language"), fallback=i18n.DEFAULT_LANGUAGE)


def _account(username: str, entry: dict, language: str = i18n.DEFAULT_LANGUAGE) -> Account:
    roles = entry.get("roles") or []
    if not isinstance(roles, list) or len(roles) != 1 or roles[0] not in ROLES:
        raise AccountError(f"account {username!r}: roles must be one of {', '.join(ROLES)}")
    if not isinstance(entry.get("password"), str):
        raise AccountError(f"account {username!r}: no password hash")
    return Account(
        username=username,
        name=str(entry.get("name") or username),
        email=normal_email(entry.get("email")),
        role=roles[0],
        stations=tuple(str(s) for s in entry.get("stations") or ()),
        installations=tuple(str(i) for i in entry.get("installations") or ()),
        session_version=int(entry.get("session_version") or 0),
        language=i18n.normal_language(entry.get("language"), fallback=language),
    )


def normal_email(email: object) -> str:
    return str(email or "").strip().lower()


def accounts(config: dict) -> dict[str, Account]:
    language = default_language(config)
    return {u: _account(u, e, language) for u, e in config["credentials"]["usernames"].items()}


def list_accounts(path: Path | None = None) -> list[Account]:
    return sorted(accounts(load_config(path)).values(), key=lambda a: (ROLES.index(a.role), a.username))


def find_account(username: str, path: Path | None = None) -> Account:
    found = accounts(load_config(path)).get(username)
    if found is None:
        raise AccountError(f"no account named {username!r} in {path or settings.auth_path()}")
    return found


def has_system_owner(path: Path | None = None) -> bool:
    return any(a.role == SYSTEM_OWNER for a in accounts(load_config(path)).values())


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise AccountError(_("a password needs at least 8 characters"))
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        raise AccountError(_("A password is at most {limit} bytes long.", limit=MAX_PASSWORD_BYTES))
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=PASSWORD_ROUNDS)).decode()


def new_password() -> str:
    """A one-time password for a new account: 16 characters, shown once."""
    return secrets.token_urlsafe(12)


def _existing(users: dict, username: str) -> dict:
    if username not in users:
        raise AccountError(_("no account named {username}", username=repr(username)))
    return users[username]


def _first_version() -> int:
    """A new account's session version: the time in microseconds. A removed account's versions were its own
    start plus one a change, far below this, so a cookie of a removed account never names a version of an
    account added again under its username (nor does a cookie of an earlier accounts file)."""
    return time.time_ns() // 1_000


def _bump(entry: dict) -> None:
    entry["session_version"] = int(entry.get("session_version") or 0) + 1


def normal_username(typed: str) -> str:
    """A username as it is stored and compared: trimmed and in lower case ("Ola " is "ola")."""
    return str(typed or "").strip().lower()


def _check_username(username: str) -> str:
    # The login form compares usernames in lower case: store them so (a typed "Ola" is "ola"), plain.
    username = normal_username(username)
    if not username:
        raise AccountError(_("enter a username"))
    if any(c.isspace() for c in username) or len(username) > MAX_USERNAME:
        raise AccountError(_("a username has no spaces and at most {limit} characters", limit=MAX_USERNAME))
    return username


def _check_name_and_email(name: str, email: str) -> None:
    if len(name) > MAX_NAME:
        raise AccountError(_("a name is at most {limit} characters", limit=MAX_NAME))
    if len(email.strip()) > MAX_EMAIL:
        raise AccountError(_("an e-mail address is at most {limit} characters", limit=MAX_EMAIL))


def add_user(username: str, *, name: str, email: str, role: str, password: str,
             stations: list[str] | None = None, installations: list[str] | None = None,
             language: str | None = None, path: Path | None = None, by: str = "(command line)") -> None:
    username = _check_username(username)
    _check_name_and_email(name, email)
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if role == RESIDENT and not normal_email(email):
        raise AccountError(_("a resident needs the e-mail address the charger cloud knows them by"))
    entry = {"name": name or username, "email": email.strip(), "password": hash_password(password),
             "roles": [role], "session_version": _first_version()}
    if stations:
        entry["stations"] = list(stations)
    if installations:
        entry["installations"] = list(installations)
    if language is not None:
        entry["language"] = _check_language(language)

    def apply(config: dict) -> None:
        users = config["credentials"]["usernames"]
        if username in users:
            raise AccountError(_("account {username} exists already (use 'user passwd')", username=repr(username)))
        entry.setdefault("language", default_language(config))  # new accounts get the store's default
        users[username] = entry

    links = ", ".join(f"{k}: {', '.join(v)}" for k, v in (("stations", stations), ("installations", installations)) if v)
    _change(path, by, "add", username, f"{role}{'; ' + links if links else ''}", apply, create=True, whole_file=True)


def _check_language(language: str) -> str:
    if language not in i18n.LANGUAGES:
        raise AccountError(f"language must be one of {', '.join(i18n.LANGUAGES)}")
    return language


def set_language(username: str, language: str, path: Path | None = None, by: str | None = None) -> None:
    """The language the app speaks to an account (its owner changes it; no login ends)."""
    language = _check_language(language)

    def apply(users: dict) -> None:
        _existing(users, username)["language"] = language

    _change(path, by or username, "language", username, language, apply)


def set_default_language(language: str, path: Path | None = None, by: str = "(command line)") -> None:
    """The store-wide language of accounts created from now on."""
    language = _check_language(language)

    def apply(config: dict) -> None:
        config["default_language"] = language

    _change(path, by, "default language", "(all new accounts)", language, apply, whole_file=True)


def create_first_system_owner(username: str, *, name: str, email: str, password: str,
                              path: Path | None = None, by: str = "(setup token)") -> None:
    """The first start: a system owner, only while there is none (checked under the lock)."""
    username = _check_username(username)
    _check_name_and_email(name, email)
    entry = {"name": name or username, "email": email.strip(), "password": hash_password(password),
             "roles": [SYSTEM_OWNER], "session_version": _first_version()}

    def apply(users: dict) -> None:
        if any(accounts({"credentials": {"usernames": users}})[u].role == SYSTEM_OWNER for u in users):
            raise AccountError(_("a system owner exists already"))
        if username in users:
            raise AccountError(_("account {username} exists already", username=repr(username)))
        users[username] = entry

    _change(path, by, "add", username, SYSTEM_OWNER, apply, create=True)


def set_password(username: str, password: str, path: Path | None = None, by: str = "(command line)") -> None:
    hashed = hash_password(password)

    def apply(users: dict) -> None:
        entry = _existing(users, username)
        entry["password"] = hashed
        _bump(entry)

    _change(path, by, "password", username, "password changed; logged out everywhere", apply)


def change_own_password(username: str, current: str, new: str, path: Path | None = None, *,
                        client: str = "unknown", delay_unit: float = 0.3) -> None:
    """The current password is checked as a login's is (check_login: the same delays, counts and
    lock per username), so this form is no way round the login's throttle."""
    try:
        check_login(username, current, client, delay_unit=delay_unit, path=path)
    except LoginRefused as refused:
        if refused.locked:
            raise
        raise AccountError(_("the current password is not right")) from None
    set_password(username, new, path, by=username)


def find_account_hash(username: str, path: Path | None = None) -> str:
    return _existing(load_config(path)["credentials"]["usernames"], username)["password"]


def set_role(username: str, role: str, path: Path | None = None, by: str = "(command line)") -> None:
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")

    def apply(users: dict) -> None:
        entry = _existing(users, username)
        old = (entry.get("roles") or ["?"])[0]
        if old == SYSTEM_OWNER and role != SYSTEM_OWNER and _system_owners(users) == {username}:
            raise AccountError(_("{username} is the only system owner; add another one first", username=repr(username)))
        entry["roles"] = [role]
        _bump(entry)

    _change(path, by, "role", username, f"role set to {role}; logged out everywhere", apply)


def _system_owners(users: dict) -> set[str]:
    return {u for u, e in users.items() if (e.get("roles") or [None])[0] == SYSTEM_OWNER}


def remove_user(username: str, path: Path | None = None, by: str = "(command line)") -> None:
    def apply(users: dict) -> None:
        _existing(users, username)
        if _system_owners(users) == {username}:
            raise AccountError(_("{username} is the only system owner; add another one first", username=repr(username)))
        del users[username]

    _change(path, by, "remove", username, "removed; logged out everywhere", apply)


def end_sessions(username: str, path: Path | None = None) -> None:
    """Logout: every cookie and browser session of the account stops working at once."""
    def apply(users: dict) -> None:
        if username in users:
            _bump(users[username])

    _change(path, username, "logout", username, "logged out everywhere", apply)


# -- logins: checked, throttled, locked -------------------------------------------------------

_THROTTLE_FIELDS = {"failures": list, "pending": dict, "locked_until": int | float}


def _read_logins(path: Path) -> dict:
    try:
        state = json.loads(_read_private(logins_path(path)))
    except AccountsFileRefused:
        raise  # (a ValueError too) another user's counters: refused, never read as "no failures"
    except (FileNotFoundError, ValueError):
        return {}
    if not isinstance(state, dict):
        return {}
    # Only what this module writes, of the right types: a damaged file costs its damaged parts, never the login.
    return {k: {f: v for f, v in e.items() if f in _THROTTLE_FIELDS and isinstance(v, _THROTTLE_FIELDS[f])}
            for k, e in state.items() if isinstance(e, dict)}


def _write_logins(path: Path, state: dict, now: float) -> None:
    _prune(state, now)
    _write_atomically(logins_path(path), json.dumps(state, separators=(",", ":")), durable=False)


def _keys(username: str, client: str) -> tuple[str, str]:
    return f"user:{username}", f"client:{client}"


def _recent(entry: dict, now: float) -> list[float]:
    return [t for t in entry.get("failures", []) if isinstance(t, int | float) and now - t < FAILURE_WINDOW]


def _in_flight(entry: dict, now: float) -> dict[str, float]:
    pending = entry.get("pending", {})
    return {k: t for k, t in pending.items() if isinstance(t, int | float) and now - t < PENDING_SECONDS} \
        if isinstance(pending, dict) else {}


def _attempts(entry: dict, now: float) -> int:
    """Recent failures and attempts still being checked: what the next attempt is counted after."""
    return len(_recent(entry, now)) + len(_in_flight(entry, now))


def _locked_until(entry: dict) -> float:
    until = entry.get("locked_until", 0)
    return until if isinstance(until, int | float) else 0


def _prune(state: dict, now: float) -> None:
    """Forget what no longer counts (old failures, attempts that never came back, ended locks) and
    keep the file bounded: at most MAX_ENTRIES entries, locks first, then attempts being checked (so
    a flood of new names cannot push them out), then the most recent."""
    for key in list(state):
        entry = state[key] if isinstance(state[key], dict) else {}
        kept = {"failures": [round(t, 2) for t in _recent(entry, now)][-MAX_KEPT_ATTEMPTS:],
                "pending": dict(sorted(_in_flight(entry, now).items(), key=lambda p: p[1])[-MAX_KEPT_ATTEMPTS:])}
        if _locked_until(entry) > now:
            kept["locked_until"] = _locked_until(entry)
        kept = {k: v for k, v in kept.items() if v}
        if kept:
            state[key] = kept
        else:
            del state[key]
    if len(state) > MAX_ENTRIES:
        def worth_keeping(item: tuple[str, dict]) -> tuple[bool, bool, float]:
            entry = item[1]
            return ("locked_until" in entry, "pending" in entry,
                    max([*entry.get("failures", []), *entry.get("pending", {}).values(), 0]))
        keep = dict(sorted(state.items(), key=worth_keeping, reverse=True)[:MAX_ENTRIES])
        for key in list(state):
            if key not in keep:
                del state[key]


def _shown(username: str) -> str:
    """A username as the log shows it: an anonymous visitor's text, cut short."""
    return repr(username if len(username) <= MAX_USERNAME else username[:MAX_USERNAME] + "…")


def _locked_message(remaining: float) -> str:
    # Whole minutes, rounded up: every attempt refused within one minute reads the same.
    return _("Too many failed logins: try again in {minutes} minutes.", minutes=max(1, math.ceil(remaining / 60)))


def check_login(username: str, password: str, client: str, *, delay_unit: float = 0.3,
                path: Path | None = None, sleep: Callable[[float], None] = time.sleep,
                clock: Callable[[], float] = time.time) -> Account:
    """The account for a right username and password, else LoginRefused.

    Per username: MAX_FAILURES failures within FAILURE_WINDOW lock it for LOCK_SECONDS. Each attempt is
    reserved (counted) under the file lock before its password is checked, so parallel attempts (threads
    or processes) get at most MAX_FAILURES checks; the others, and every attempt during a lock, get the
    same answer whatever the password. Per client: failures only slow it down (never a lock, so a
    shared address cannot lock out another username's right password). The delay before a check is
    delay_unit × 2^n, up to MAX_DELAY: n is the username's recent failures and attempts in flight, or
    the client's recent failures, whichever is more.
    `clock` is the time (tests move it)."""
    path = Path(path or settings.auth_path())
    username = normal_username(username)
    client = (client or "unknown")[:MAX_CLIENT]
    if len(password.encode()) > MAX_PASSWORD_BYTES:  # no password can be that long: nothing to check or count
        raise LoginRefused(_("A password is at most {limit} bytes long.", limit=MAX_PASSWORD_BYTES))
    possible = 0 < len(username) <= MAX_USERNAME  # no account has a longer name: only the client is counted
    user_key, client_key = _keys(username if possible else "", client)
    keys = (user_key, client_key) if possible else (client_key,)
    attempt = secrets.token_hex(8)
    with _locked(path):
        state = _read_logins(path)
        now = clock()
        user = state.get(user_key, {}) if possible else {}
        remaining = _locked_until(user) - now
        if remaining <= 0 and _attempts(user, now) >= MAX_FAILURES:
            remaining = LOCK_SECONDS  # as many attempts are being checked as may be: the lock is coming
        if remaining <= 0:
            # A username's attempts in flight count (parallel guesses at one account); a client's do not:
            # many honest visitors may share one address and log in at once.
            before = max(_attempts(user, now), len(_recent(state.get(client_key, {}), now)))
            if possible:
                state.setdefault(user_key, {}).setdefault("pending", {})[attempt] = now
                _write_logins(path, state, now)
    if remaining > 0:
        log.warning("login refused (locked) for user %s from client %s", _shown(username), client)
        raise LoginRefused(_locked_message(remaining), locked=True)
    entry, matches = None, False
    try:
        if before and delay_unit > 0:
            sleep(min(delay_unit * 2 ** before, MAX_DELAY))
        if possible:
            entry = load_config(path)["credentials"]["usernames"].get(username)
        stored = entry.get("password", "").encode() if entry else _no_account_hash()
        try:
            matches = bcrypt.checkpw(password.encode(), stored) and entry is not None
        except ValueError:  # not a bcrypt hash
            matches = False
    finally:  # an error in the check still ends the reservation (as a failure)
        outcome = _record_attempt(path, username, client, keys, attempt, matches, clock)
    if outcome is not None:
        raise LoginRefused(outcome, locked=True)
    if matches:
        return find_account(username, path)
    raise LoginRefused(_("Username or password is incorrect."))


def _record_attempt(path: Path, username: str, client: str, keys: tuple[str, ...], attempt: str,
                    matches: bool, clock: Callable[[], float]) -> str | None:
    """End a reserved attempt: a failure is counted (and may lock the username); a success clears the
    username's failures. Returns the locked answer for a success during a lock (set while it was checked)."""
    with _locked(path):
        state = _read_logins(path)
        now = clock()
        user_key = keys[0] if len(keys) == 2 else None
        if user_key is not None:
            state.get(user_key, {}).get("pending", {}).pop(attempt, None)
        if matches and user_key is not None:
            remaining = _locked_until(state.get(user_key, {})) - now
            if remaining > 0:
                _write_logins(path, state, now)
                return _locked_message(remaining)
            # Not the client's: one good account must not clear its guesses.
            state.get(user_key, {}).pop("failures", None)
        elif not matches:
            for key in keys:
                entry = state.setdefault(key, {})
                entry["failures"] = [*_recent(entry, now), now]
            log.warning("login failed for user %s from client %s (%s)", _shown(username), client,
                        ", ".join(f"{k}: {len(state[k]['failures'])} recent failures" for k in keys))
            user = state.get(user_key, {}) if user_key else {}
            if len(user.get("failures", [])) >= MAX_FAILURES and _locked_until(user) <= now:
                user["locked_until"] = now + LOCK_SECONDS
                user["failures"] = []
                log.warning("login locked for %d minutes: %s", LOCK_SECONDS // 60, user_key)
                _record(path, "(login throttle)", "lock", user_key, f"{MAX_FAILURES} failed logins")
        _write_logins(path, state, now)
    return None


@dataclass(frozen=True)
class LoginLock:
    key: str          # "user:NAME" (a client is never locked, only slowed down)
    locked_until: datetime

    @property
    def username(self) -> str:
        return self.key.partition(":")[2]


def login_locks(path: Path | None = None) -> list[LoginLock]:
    path = Path(path or settings.auth_path())
    now = time.time()
    return [LoginLock(k, datetime.fromtimestamp(_locked_until(e), UTC))
            for k, e in sorted(_read_logins(path).items()) if isinstance(e, dict) and _locked_until(e) > now]


def lift_lock(key: str, path: Path | None = None, by: str = "(command line)") -> None:
    path = Path(path or settings.auth_path())
    with _locked(path):
        state = _read_logins(path)
        if key not in state:
            raise AccountError(_("no login lock for {key}", key=repr(key)))
        del state[key]
        _write_logins(path, state, time.time())
        _record(path, by, "unlock", key, "login lock lifted")


# -- the first start -------------------------------------------------------------------------

def new_setup_token() -> str:
    return secrets.token_urlsafe(24)


def token_matches(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.strip().encode())


# -- scope -----------------------------------------------------------------------------------

def scope_for(account: Account, store) -> Scope:
    """The one function that turns an identity into what it may see.

    A resident (or a charger owner's own charging) is linked to the feed users with the
    account's e-mail who charged in the account's installations (by id or name). An account
    naming no installation counts every installation only while the store has just one; in a
    store of several it links no one until the board names its installations.

    A resident is also linked to the dwellings whose owner rows (the register, issue 30) carry the
    account's e-mail, in the same installations, for each owner row's own dates: it sees a
    dwelling's charging on the days it owned it (Scope.dwelling_grants; the sessions: in_scope)."""
    if account.role == SYSTEM_OWNER:
        return Scope(account.username, SYSTEM_OWNER, see_all=True, display_name=account.name)
    user_ids: tuple[str, ...] = ()
    dwelling_grants: tuple[DwellingGrant, ...] = ()
    dwelling_days: tuple[DwellingDays, ...] = ()
    email = account.email.strip().lower() if account.email else ""
    if email:
        any_installation = not account.installations and len(store.rows("installations_all")) <= 1
        user_ids = tuple(r[0] for r in store.rows("user_ids_by_email", system_scope(), email=email,
                                                  installations=list(account.installations),
                                                  any_installation=any_installation))
        if account.role == RESIDENT:
            dwelling_grants, dwelling_days = _dwelling_links(store, email, account.installations, any_installation)
    station_ids: tuple[str, ...] = ()
    if account.role == CHARGER_OWNER and account.stations:
        station_ids = tuple(r[0] for r in store.rows("station_ids_by_key", keys=list(account.stations)))
    return Scope(account.username, account.role, user_ids=user_ids, station_ids=station_ids, display_name=account.name,
                 dwelling_grants=dwelling_grants, dwelling_days=dwelling_days)


def _dwelling_links(store, email: str, installations: tuple[str, ...], any_installation: bool
                    ) -> tuple[tuple[DwellingGrant, ...], tuple[DwellingDays, ...]]:
    """The dwellings an e-mail owns (or owned) and, in the SQL's terms, the sessions that shows: every
    membership of every dwelling of those installations (a session belongs to its tag's dwelling first,
    then its user's, then its station's), split into the days the e-mail owned that dwelling and not."""
    grants = tuple(DwellingGrant(int(d), int(o), inst, str(number), start, until)
                   for d, o, inst, number, start, until in store.rows(
                       "scope_dwelling_owners", email=email, installations=list(installations),
                       any_installation=any_installation))
    if not grants:
        return (), ()
    days: set[DwellingDays] = set()
    for dwelling_id, inst, kind, member_id, start, until in store.rows(
            "scope_dwelling_memberships", installation_ids=sorted({g.installation_id for g in grants})):
        until = until or OPEN_END
        owned = sorted((max(start, g.valid_from), min(until, g.valid_until or OPEN_END))
                       for g in grants if g.dwelling_id == dwelling_id)
        cut = start
        for first, after in owned:
            if first >= after or after <= cut:
                continue
            first = max(first, cut)
            if cut < first:
                days.add(DwellingDays(inst, LEVELS[kind], member_id, cut, first, mine=False))
            days.add(DwellingDays(inst, LEVELS[kind], member_id, first, after, mine=True))
            cut = after
        if cut < until:
            days.add(DwellingDays(inst, LEVELS[kind], member_id, cut, until, mine=False))
    return grants, tuple(sorted(days))
