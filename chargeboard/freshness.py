"""How fresh the data is: one line for every page and every export's About sheet.

"synced 12 minutes ago" when the newest data came from a charger-cloud sync, "last import
3 days ago" when it came from a file; and a warning when a connection's last sync failed
or its last success is older than two of its intervals. Only the system owner is shown
the cloud's error text; everyone else is told the newest sessions may be missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

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
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 90:
        return "just now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= 2 * size or unit == "minute":
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"  # unreachable: the loop returns at "minute"


def _utc(value) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


def data_freshness(store: Store, scope: Scope | None = None, now: datetime | None = None) -> Freshness:
    now = now or datetime.now(UTC)
    last_import, last_sync = (_utc(v) for v in store.one("freshness_last_loads"))
    if last_sync is not None and (last_import is None or last_sync >= last_import):
        text = f"Data synced {ago(last_sync, now)}"
    elif last_import is not None:
        text = f"Data: last import {ago(last_import, now)}"
    else:
        text = "No data loaded yet"
    detailed = scope is None or scope.see_all
    problems = []
    for _, provider, label, interval, created, error, started, success in store.rows("freshness_connections"):
        title = TITLES.get(provider, provider)
        expected = timedelta(minutes=int(interval))
        if error and started is not None:
            problems.append(f"the last {label} sync failed {ago(_utc(started), now)}: {error}" if detailed
                            else f"the last {title} sync failed")
        elif now - (_utc(success) or _utc(created)) > 2 * expected:
            since = f"for {ago(_utc(success), now).removesuffix(' ago')}" if success else "yet"
            problems.append(f"no successful {label if detailed else title} sync {since} (expected every "
                            f"{int(interval)} minutes)")
    if not problems:
        return Freshness(text)
    advice = "" if detailed else " The newest sessions may be missing."
    said = "; ".join(problems)
    return Freshness(text, said[0].upper() + said[1:] + "." + advice)
