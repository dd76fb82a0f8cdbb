"""Who may see which sessions.

A Scope is what one logged-in identity may see. It is built in exactly one place
(`scope_for`) and applied in exactly one place (the `in_scope` macro in schema.sql, read
through `scoped_sessions` and its siblings, whose arguments come from `Scope.sql_params`).
It is frozen and hashable, so it can be — and must be — an argument of every cached function.

A resident also sees the charging of the dwellings they own (issue 30), on the days they own
them: `dwelling_grants` says which dwellings and days (the billing code filters a dwelling's
statement lines with it), `dwelling_days` says which sessions that is, in the terms the SQL
checks (schema.sql, in_scope).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from chargeboard.i18n import N_, _

RESIDENT = "resident"
CHARGER_OWNER = "charger_owner"
SYSTEM_OWNER = "system_owner"
ROLES = (RESIDENT, CHARGER_OWNER, SYSTEM_OWNER)
# English msgids; role_title gives the reader's (Zaptec's own Norwegian: bruker, eier, systemeier).
ROLE_TITLES = {RESIDENT: N_("Resident"), CHARGER_OWNER: N_("Charger owner"), SYSTEM_OWNER: N_("System owner")}


def role_title(role: str) -> str:
    return _(ROLE_TITLES[role])


# The day after the last a date range can hold: an open end (valid_until NULL) in the SQL's terms.
OPEN_END = date(9999, 12, 31)


@dataclass(frozen=True)
class DwellingGrant:
    """The account owns dwelling `dwelling_id` (as owner row `owner_id`) on [valid_from, valid_until);
    valid_until None = still. `number` is the dwelling's number (leilighetsnummer), for the reader."""
    dwelling_id: int
    owner_id: int
    installation_id: str
    number: str
    valid_from: date
    valid_until: date | None = None

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day < self.valid_until)


# A membership's level: which of a session's keys it matches, and in what order they decide (schema.sql dwelling_of).
LEVELS = {"tag": 0, "user": 1, "station": 2}


@dataclass(frozen=True, order=True)
class DwellingDays:
    """Days [valid_from, valid_until) (OPEN_END = still) on which member `member_id` (of kind LEVELS[level])
    belonged to a dwelling of the installation; `mine`: a dwelling the account owned on those days."""
    installation_id: str
    level: int
    member_id: str
    valid_from: date
    valid_until: date
    mine: bool

    def sql(self) -> dict:
        return {"installation_id": self.installation_id, "member_id": self.member_id, "level": self.level,
                "valid_from": self.valid_from, "valid_until": self.valid_until, "other": 0 if self.mine else 1}


# Always first in the list, so its type is known even when empty; it matches no session.
_NO_DAYS = DwellingDays("", 0, "", date(1, 1, 1), date(1, 1, 1), False).sql()


@dataclass(frozen=True)
class Scope:
    username: str
    role: str
    see_all: bool = False
    user_ids: tuple[str, ...] = ()
    station_ids: tuple[str, ...] = ()
    display_name: str = ""
    # Issue 30: the dwellings owned and, in the SQL's terms, the sessions that makes visible: every
    # membership of every dwelling of those installations, split where the account's ownership starts
    # and ends (a session belongs to its tag's dwelling first, then its user's, then its station's).
    dwelling_grants: tuple[DwellingGrant, ...] = ()
    dwelling_days: tuple[DwellingDays, ...] = ()

    def sql_params(self) -> dict:
        return {
            "see_all": self.see_all,
            "user_ids": list(self.user_ids),
            "station_ids": list(self.station_ids),
            "dwellings": {
                "member_ids": sorted({d.member_id for d in self.dwelling_days if d.mine}),
                "days": [_NO_DAYS, *(d.sql() for d in self.dwelling_days)],
            },
        }

    @property
    def linked(self) -> bool:
        """Linked to any charging of its own: a feed user or a dwelling."""
        return bool(self.user_ids or self.dwelling_grants)

    def own(self) -> Scope:
        """The caller's own charging only: their feed users and dwellings (My usage), never the
        sessions on a charger owner's stations nor everyone's for a system owner."""
        return replace(self, see_all=False, station_ids=())

    def sees_dwelling(self, dwelling_id: int, day_from: date, day_to: date) -> bool:
        """Whether the caller may see dwelling `dwelling_id`'s charging on every day of [day_from, day_to]
        (both included): the system owner always; a resident when owning it on each of those days
        (a statement or run line of the dwelling is shown only then)."""
        if self.see_all:
            return True
        day = day_from
        for grant in sorted((g for g in self.dwelling_grants if g.dwelling_id == dwelling_id),
                            key=lambda g: g.valid_from):
            if grant.valid_from > day:
                return False
            if grant.valid_until is None or grant.valid_until > day_to:
                return True
            day = max(day, grant.valid_until)
        return False

    @property
    def owner_ids(self) -> frozenset[int]:
        """The register's owner rows that are the caller (a run line's payer_owner_id is theirs when in it)."""
        return frozenset(g.owner_id for g in self.dwelling_grants)

    def dwelling_numbers(self) -> tuple[str, ...]:
        """The numbers of the dwellings the caller owns (or owned), for the reader; sorted, once each."""
        return tuple(sorted({g.number for g in self.dwelling_grants}))

    @property
    def is_system_owner(self) -> bool:
        return self.role == SYSTEM_OWNER


def system_scope() -> Scope:
    """The command line's scope when no --as is given: the system owner's."""
    return Scope(username="(command line)", role=SYSTEM_OWNER, see_all=True, display_name="command line")
