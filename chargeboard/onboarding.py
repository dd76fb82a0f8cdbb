"""The first-run checklist (issue 31, item 3): what a system owner does to set up a new store, in order,
each step ticked by what the store (or the accounts file) already holds, and linked to the page that does it.

    installation -> charging data -> price -> co-op details -> meter readings -> residents -> dwellings
    -> billing settings

The system owner's alone: every other role gets an empty list. No step is ticked by hand: a step is
done when its data is there (queries/onboarding/onboarding_progress.sql; the tariff by
chargeboard.tariffs.has_tariff; residents from the accounts file), so it ticks itself however it was
done (a page, the command line, the cloud's sync). The one thing stored is whether a system owner hid
the landing page's box (onboarding_settings, for the whole store).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chargeboard import accounts, settings, tariffs
from chargeboard.i18n import N_, _
from chargeboard.scope import RESIDENT, Scope
from chargeboard.store import Store


@dataclass(frozen=True)
class Step:
    key: str
    title: str   # in the reader's language
    done: bool
    page: str    # the page that does it: a file of web.PAGES ("pages/tariffs.py")
    what: str    # what to do, one plain sentence in the reader's language


# (key, title, page, what to do): the order is the order to do them in.
STEPS = (
    ("installation", N_("Add your charging site"), "pages/data_sources.py",
     N_("Give the charging site a name on Data sources, under Installations (loading a file also adds one).")),
    ("data", N_("Load the charging history"), "pages/data_sources.py",
     N_("Upload a charge-history file from the chargers, or connect the charger cloud so it comes in by itself.")),
    ("tariff", N_("Set the price"), "pages/tariffs.py",
     N_("Enter what a kWh costs, and any monthly fee, from the date it applies.")),
    ("coop_details", N_("Enter the co-op's name and address"), "pages/statements.py",
     N_("Give the co-op's name and address, printed at the top of every statement.")),
    ("meter_readings", N_("Enter a meter reading"), "pages/reconciliation.py",
     N_("Enter a reading of the electricity meter, so the chargers' figures can be checked against it.")),
    ("residents", N_("Add the residents"), "pages/accounts.py",
     N_("Give each resident a login, so they can see their own charging.")),
    ("dwellings", N_("List the dwellings"), "pages/dwellings.py",
     N_("Add each flat and who owns it, so each statement goes to the right owner.")),
    ("billing_settings", N_("Enter the bank account"), "pages/billing.py",
     N_("Save the co-op's bank account number on Billing; it is printed on the payment details.")),
)


def _residents(auth_path: Path | None) -> bool:
    try:
        config = accounts.load_config(auth_path or settings.auth_path())
    except accounts.AccountsFileError:  # none yet, or unreadable: nobody added
        return False
    return any(a.role == RESIDENT for a in accounts.accounts(config).values())


def checklist(store: Store, scope: Scope, auth_path: Path | None = None) -> list[Step]:
    """The steps in order, each with whether it is done. The system owner's only: [] for anyone else.
    `auth_path`: the accounts file (default: the app's, settings.auth_path())."""
    if not scope.is_system_owner:
        return []
    (installation, data, coop_details, meter_readings, dwellings,
     billing_settings) = store.one("onboarding_progress", scope)
    done = {"installation": installation, "data": data, "tariff": tariffs.has_tariff(store),
            "coop_details": coop_details, "meter_readings": meter_readings, "residents": _residents(auth_path),
            "dwellings": dwellings, "billing_settings": billing_settings}
    return [Step(key, _(title), bool(done[key]), page, _(what)) for key, title, page, what in STEPS]


def done_count(steps: list[Step]) -> int:
    return sum(step.done for step in steps)


def heading(steps: list[Step]) -> str:
    """"Getting started: 3 of 8 done"."""
    return _("Getting started: {done} of {total} done", done=done_count(steps), total=len(steps))


def box_hidden(store: Store) -> bool:
    """Whether a system owner hid the landing page's box (for the whole store, every system owner)."""
    row = store.one("onboarding_box_hidden")
    return bool(row and row[0])


class NotYours(PermissionError):
    """Only the system owner hides or shows the checklist."""


def set_box_hidden(store: Store, scope: Scope, hidden: bool) -> None:
    """Hide the landing page's box (or show it again), for this store: a setting kept in the store, so it
    stays hidden at the next login and for the other system owners; the list stays on Data sources."""
    if not scope.is_system_owner:
        raise NotYours(_("only the system owner hides or shows the getting-started list"))
    store.execute("onboarding_box_hidden_set", box_hidden=bool(hidden), updated_by=scope.username)


def box_shown(steps: list[Step], hidden: bool) -> bool:
    """Whether the landing page shows the box: some step left (for the system owner), and not hidden."""
    return bool(steps) and not hidden and done_count(steps) < len(steps)


@dataclass(frozen=True)
class Checklist:
    """What a page draws: the steps ([] for anyone but the system owner), the heading, and whether the
    landing page's box was hidden."""
    steps: list[Step]
    heading: str
    hidden: bool

    @property
    def box_shown(self) -> bool:
        return box_shown(self.steps, self.hidden)


def view(store: Store, scope: Scope, auth_path: Path | None = None) -> Checklist:
    """The checklist as the landing page and Data sources show it (one call for a page)."""
    steps = checklist(store, scope, auth_path)
    return Checklist(steps, heading(steps), box_hidden(store) if steps else False)
