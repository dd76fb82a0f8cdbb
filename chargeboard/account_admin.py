"""What the Accounts page shows and does (system owner): the accounts, pickers filled from the
store, and each change through chargeboard.accounts — the same functions as
`python -m chargeboard user`, so a change takes effect at once (logins are revocable)."""

from __future__ import annotations

from dataclasses import dataclass

from chargeboard import accounts, i18n
from chargeboard.i18n import _
from chargeboard.scope import Scope, role_title


@dataclass(frozen=True)
class Choices:
    emails: dict[str, str]         # feed e-mail -> "name — installations"
    stations: dict[str, str]       # the charger's serial (or the feed's station id) -> label
    installations: dict[str, str]  # installation id -> name


def choices(store, scope: Scope) -> Choices:
    emails = {email: f"{email} — {name or '?'} ({installations})"
              for email, name, installations in store.rows("feed_user_emails", scope)}
    stations = {device_id or station_id: f"{label} · {device_id or station_id} ({installation})"
                for station_id, label, device_id, installation, _installation_id in store.rows("stations_in_scope", scope)}
    installations = {i: name for i, name, _zone in store.rows("installations_all")}
    return Choices(emails, stations, installations)


def account_rows() -> list[dict]:
    """The accounts as the page lists them: never a password hash."""
    return [{"username": a.username, "name": a.name, "role": role_title(a.role), "e-mail": a.email,
             "stations": ", ".join(a.stations), "installations": ", ".join(a.installations) or _("(all, if one)"),
             "language": i18n.LANGUAGES[a.language]}
            for a in accounts.list_accounts()]


def add_account(by: str, username: str, *, name: str, role: str, email: str, stations: list[str],
                installations: list[str], language: str | None = None) -> str:
    """Add a resident or charger owner with a one-time password, returned to be shown once.
    `language` None: the store's default for new accounts."""
    password = accounts.new_password()
    accounts.add_user(username, name=name, email=email, role=role, password=password,
                      stations=stations, installations=installations, language=language, by=by)
    return password


def lock_rows() -> list[dict]:
    return [{"lock": lock.key, "who": lock.username, "until": lock.locked_until}
            for lock in accounts.login_locks()]


def store_default_language() -> str:
    """The language new accounts get (the accounts file's default_language)."""
    return accounts.default_language(accounts.load_config())
