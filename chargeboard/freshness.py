"""How fresh the data is: one line for every page and every export's About sheet.

"synced 12 minutes ago" when the newest data came from a charger-cloud sync, "last import
3 days ago" when it came from a file; and a warning when a connection's last sync failed
or its last success is older than two of its intervals. Only the system owner is shown
the cloud's error text; everyone else is told the newest sessions may be missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from chargeboard.i18n import _, ngettext
from chargeboard.scope import Scope
from chargeboard.store import Store

TITLES = {"zaptec": "Zaptec", "easee": "Easee"}


@dataclass(frozen=True)
class Freshness:
    text: str
    warning: str | None = None

    def line(self) -> str:
        return self.text + (f" — {self.warning}" if self.warning else "")


def ago(moment: datetime, now: datetime) -> str:
    return _("{duration} ago", duration=duration(moment, now)) if not _just_now(moment, now) else _("just now")


def _just_now(moment: datetime, now: datetime) -> bool:
    return (now - moment).total_seconds() < 90


def duration(moment: datetime, now: datetime) -> str:
    """How long since `moment`: "12 minutes", "3 hours", "2 days"."""
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds >= 2 * 86400:
        return ngettext("{n} day", "{n} days", seconds // 86400)
    if seconds >= 2 * 3600:
        return ngettext("{n} hour", "{n} hours", seconds // 3600)
    return ngettext("{n} minute", "{n} minutes", seconds // 60)


def _utc(value) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


def data_freshness(store: Store, scope: Scope | None = None, now: datetime | None = None) -> Freshness:
    now = now or datetime.now(UTC)
    last_import, last_sync = (_utc(v) for v in store.one("freshness_last_loads"))
    if last_sync is not None and (last_import is None or last_sync >= last_import):
        text = _("Data synced {ago}", ago=ago(last_sync, now))
    elif last_import is not None:
        text = _("Data: last import {ago}", ago=ago(last_import, now))
    else:
        text = _("No data loaded yet")
    detailed = scope is None or scope.see_all
    problems = []
    for _id, provider, label, interval, created, error, started, success in store.rows("freshness_connections"):
        title = TITLES.get(provider, provider)
        expected = timedelta(minutes=int(interval))
        if error and started is not None:
            problems.append(_("the last {connection} sync failed {ago}: {error}", connection=label,
                              ago=ago(_utc(started), now), error=error) if detailed
                            else _("the last {connection} sync failed", connection=title))
        elif now - (_utc(success) or _utc(created)) > 2 * expected:
            who = label if detailed else title
            problems.append(_("no successful {connection} sync for {duration} (expected every {minutes} minutes)",
                              connection=who, duration=duration(_utc(success), now), minutes=int(interval))
                            if success else
                            _("no successful {connection} sync yet (expected every {minutes} minutes)",
                              connection=who, minutes=int(interval)))
    if not problems:
        return Freshness(text)
    advice = "" if detailed else " " + _("The newest sessions may be missing.")
    said = "; ".join(problems)
    return Freshness(text, said[0].upper() + said[1:] + "." + advice)
