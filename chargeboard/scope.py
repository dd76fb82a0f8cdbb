"""Who may see which sessions.

A Scope is what one logged-in identity may see. It is built in exactly one place
(`scope_for`) and applied in exactly one place (the `scoped_sessions` macro in
schema.sql, whose arguments come from `Scope.sql_params`). It is frozen and hashable,
so it can be — and must be — an argument of every cached function.
"""

from __future__ import annotations

from dataclasses import dataclass

from chargeboard.i18n import N_, _

RESIDENT = "resident"
CHARGER_OWNER = "charger_owner"
SYSTEM_OWNER = "system_owner"
ROLES = (RESIDENT, CHARGER_OWNER, SYSTEM_OWNER)
# English msgids; role_title gives the reader's (Zaptec's own Norwegian: bruker, eier, systemeier).
ROLE_TITLES = {RESIDENT: N_("Resident"), CHARGER_OWNER: N_("Charger owner"), SYSTEM_OWNER: N_("System owner")}


def role_title(role: str) -> str:
    return _(ROLE_TITLES[role])


@dataclass(frozen=True)
class Scope:
    username: str
    role: str
    see_all: bool = False
    user_ids: tuple[str, ...] = ()
    station_ids: tuple[str, ...] = ()
    display_name: str = ""

    def sql_params(self) -> dict:
        return {
            "see_all": self.see_all,
            "user_ids": list(self.user_ids),
            "station_ids": list(self.station_ids),
        }

    @property
    def is_system_owner(self) -> bool:
        return self.role == SYSTEM_OWNER


def system_scope() -> Scope:
    """The command line's scope when no --as is given: the system owner's."""
    return Scope(username="(command line)", role=SYSTEM_OWNER, see_all=True, display_name="command line")
