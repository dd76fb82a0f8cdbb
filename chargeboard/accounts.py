"""Login accounts (auth.yaml) and how each one maps to the sessions it may see.

auth.yaml is the one obvious place for both links: a resident's account is tied to the
feed's users by e-mail address; a charger owner's account lists its stations (by the
feed's station id or the charger's serial).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import bcrypt
import yaml

from chargeboard import settings
from chargeboard.scope import CHARGER_OWNER, RESIDENT, ROLES, SYSTEM_OWNER, Scope


class AccountError(ValueError):
    pass


@dataclass(frozen=True)
class Account:
    username: str
    name: str
    email: str
    role: str
    stations: tuple[str, ...] = field(default=())


def load_config(path: Path | None = None) -> dict:
    path = path or settings.auth_path()
    with open(path, encoding="utf-8") as handle:
        config = yaml.safe_load(handle) or {}
    config.setdefault("credentials", {}).setdefault("usernames", {})
    config["credentials"]["usernames"] = config["credentials"]["usernames"] or {}
    return config


def _account(username: str, entry: dict) -> Account:
    roles = entry.get("roles") or []
    if len(roles) != 1 or roles[0] not in ROLES:
        raise AccountError(f"account {username!r}: roles must be one of {', '.join(ROLES)}")
    return Account(
        username=username,
        name=entry.get("name") or username,
        email=(entry.get("email") or "").strip().lower(),
        role=roles[0],
        stations=tuple(str(s) for s in entry.get("stations") or ()),
    )


def accounts(config: dict) -> dict[str, Account]:
    return {u: _account(u, e) for u, e in config["credentials"]["usernames"].items()}


def find_account(username: str, path: Path | None = None) -> Account:
    found = accounts(load_config(path)).get(username)
    if found is None:
        raise AccountError(f"no account named {username!r} in {path or settings.auth_path()}")
    return found


def scope_for(account: Account, store) -> Scope:
    """The one function that turns an identity into what it may see."""
    if account.role == SYSTEM_OWNER:
        return Scope(account.username, SYSTEM_OWNER, see_all=True, display_name=account.name)
    user_ids = tuple(r[0] for r in store.rows("user_ids_by_email", email=account.email)) if account.email else ()
    station_ids: tuple[str, ...] = ()
    if account.role == CHARGER_OWNER and account.stations:
        station_ids = tuple(r[0] for r in store.rows("station_ids_by_key", keys=list(account.stations)))
    return Scope(account.username, account.role, user_ids=user_ids, station_ids=station_ids, display_name=account.name)


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise AccountError("a password needs at least 8 characters")
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=12)).decode()


def _save(config: dict, path: Path) -> None:
    # Keep the file's leading comment: it tells the next reader how accounts are linked.
    header = ""
    if path.exists():
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        header = "".join(line for line in lines[: next((i for i, x in enumerate(lines) if not x.startswith("#")), 0)])
    tmp = path.with_suffix(".tmp")
    tmp.write_text(header + yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    tmp.replace(path)


def add_user(username: str, *, name: str, email: str, role: str, password: str,
             stations: list[str] | None = None, path: Path | None = None) -> None:
    path = path or settings.auth_path()
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if role == RESIDENT and not email:
        raise AccountError("a resident needs the e-mail address the charger cloud knows them by")
    config = load_config(path)
    users = config["credentials"]["usernames"]
    if username in users:
        raise AccountError(f"account {username!r} exists already (use 'user passwd')")
    entry = {"name": name, "email": email, "password": hash_password(password), "roles": [role]}
    if stations:
        entry["stations"] = list(stations)
    users[username] = entry
    _save(config, path)


def set_password(username: str, password: str, path: Path | None = None) -> None:
    path = path or settings.auth_path()
    config = load_config(path)
    users = config["credentials"]["usernames"]
    if username not in users:
        raise AccountError(f"no account named {username!r}")
    users[username]["password"] = hash_password(password)
    _save(config, path)
