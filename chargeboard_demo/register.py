"""The demo co-op's dwelling register (issue 30): one dwelling per household, as the board would keep it
in a spreadsheet and import it (`python -m chargeboard dwelling import`, README "The dwelling register as
CSV"). `write_register(out_dir, end)` writes ``dwellings.csv`` as Norwegian Excel saves it (`;`, UTF-8 with
a byte-order mark, CRLF, dates as dd.mm.yyyy); the same `end` gives the same bytes.

Solbakken borettslag is a housing co-op: its dwellings have share numbers (andelsnummer), no section
numbers (those are a sameie's), so the section column is empty. Garage A's households live in building A
(dwellings A101, A102 … four a floor), Garage B's in building B. Every resident household owns one dwelling;
its members are its residents' feed users and their cars' RFID tags, from the day the chargers came (the
history's first day). The cases the issue names:

* **a couple sharing a tag** (Ingrid and Lars Berg): one dwelling, two owners (Ingrid first, so she pays),
  both feed users and the one tag as members;
* **a flat sold mid-way through the last full month** (SOLD_BY's, on the 15th): the seller owns it until the
  sale day, the buyer (BUYER) from it; the seller's feed user leaves the dwelling on that day, while the
  car's tag stays a member (it moves with the flat to the new owner: the sessions it starts from the sale
  on are the buyer's, though the cloud still names the seller's account);
* **a station that belongs to a parking space sold with the flat**: PARKING_STATION (the seller's own
  space) is a member of that dwelling before and after the sale;
* **a replaced tag** (Ola, who reads English): the old tag until the day it was replaced, the new one from it.

Sessions of no dwelling remain: the open-charging sessions (guests, and the visitors of the last two full
months on the shared stations: generator.VISITORS_PER_MONTH), which carry no user and no tag, except a
guest's on the parking space's station.

Standard library only (as generator.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from chargeboard import files
from chargeboard_demo import generator as demo

REGISTER_FILE = "dwellings.csv"
COLUMNS = ("installation", "dwelling", "section", "share", "note", "owner_name", "owner_email",
           "customer_number", "language", "owner_from", "owner_until", "member_kind", "member_id",
           "member_from", "member_until")
FLATS_A_FLOOR = 4
BUILDINGS = {demo.GARAGE_A: "A", demo.GARAGE_B: "B"}
COUPLE = demo.SHARED_TAG_USERS            # (first owner, second owner)
COUPLE_EMAIL = "lars.berg@example.no"     # Lars gave the business manager his private address
SOLD_BY = "Erlend Karlsen"                # sells his flat in the middle of the last full month
BUYER = ("Jonas Lien", "jonas.lien@example.no", "nb")
PARKING_STATION = "ZAP100010"             # Garage A – plass 10, the sold flat's own parking space
ENGLISH = {demo.TAG_REPLACED_USER}        # owners who read English (Ola); the rest Norwegian
CUSTOMER_BASE = 700000                    # customer number at the business manager: base + share number
EXTRA_CUSTOMERS = {COUPLE[1]: "700240", BUYER[0]: "700241"}


@dataclass(frozen=True)
class Row:
    installation: str
    dwelling: str
    section: str = ""
    share: str = ""
    note: str = ""
    owner_name: str = ""
    owner_email: str = ""
    customer_number: str = ""
    language: str = ""
    owner_from: dt.date | None = None
    owner_until: dt.date | None = None
    member_kind: str = ""
    member_id: str = ""
    member_from: dt.date | None = None
    member_until: dt.date | None = None


last_full_month = demo.last_full_month


def billed_month(end: dt.date) -> tuple[dt.date, dt.date]:
    """The month before the last full month: the demo's closed billing run."""
    first, _last = last_full_month(end)
    last = first - dt.timedelta(days=1)
    return last.replace(day=1), last


def sale_day(end: dt.date) -> dt.date:
    """The day the flat changes hands: the 15th of the last full month."""
    return last_full_month(end)[0].replace(day=15)


def households() -> list[tuple[str, tuple[demo.Resident, ...]]]:
    """(dwelling number, its residents) in register order: building A's, then B's, in the residents'
    order, a couple as one household."""
    out = []
    for installation, building in BUILDINGS.items():
        people = [r for r in demo.RESIDENTS if r.installation == installation and r.full_name != COUPLE[1]]
        for k, resident in enumerate(people):
            number = f"{building}{k // FLATS_A_FLOOR + 1}{k % FLATS_A_FLOOR + 1:02d}"
            together = (resident, demo.RESIDENT_BY_NAME[COUPLE[1]]) if resident.full_name == COUPLE[0] else (resident,)
            out.append((number, together))
    return out


def dwelling_of(full_name: str) -> str:
    """The number of the dwelling a resident's household owns."""
    return next(number for number, people in households() if any(p.full_name == full_name for p in people))


def _owner_from(index: int, first: dt.date) -> dt.date:
    """When a household moved in: some years before the chargers came (made up, fixed by its place)."""
    return dt.date(first.year - 2 - (index * 7) % 14, 1 + (index * 5) % 12, 1)


def rows(end: dt.date) -> list[Row]:
    """The register's rows for a history ending on `end`."""
    first, _ = demo.history_window(end)
    sold = sale_day(end)
    replaced = first + dt.timedelta(days=demo.TAG_REPLACEMENT_DAY)
    parking = demo.STATION_BY_DEVICE[PARKING_STATION]
    out: list[Row] = []
    count = len(households())
    for index, (number, people) in enumerate(households()):
        head = people[0]
        installation = head.installation
        share = str((index * 17) % count + 1)  # andelsnummer: 1..39, not in the flats' order
        note = ""
        if len(people) > 1:
            note = "Par som deler én brikke"
        elif head.full_name == SOLD_BY:
            note = (f"Solgt {sold:%d.%m.%Y}: brikken og parkeringsplass {parking.number} med lader følger "
                    "leiligheten til ny eier")
        moved_in = _owner_from(index, first)
        for k, person in enumerate(people):
            out.append(Row(
                installation, number, share=share if k == 0 else "", note=note if k == 0 else "",
                owner_name=person.full_name,
                owner_email=COUPLE_EMAIL if person.full_name == COUPLE[1] else person.email,
                customer_number=EXTRA_CUSTOMERS.get(person.full_name, str(CUSTOMER_BASE + int(share))),
                language="en" if person.full_name in ENGLISH else "nb",
                owner_from=moved_in if k == 0 else moved_in.replace(year=moved_in.year + 1),
                owner_until=sold if person.full_name == SOLD_BY else None))
        if head.full_name == SOLD_BY:
            out.append(Row(installation, number, owner_name=BUYER[0], owner_email=BUYER[1],
                           customer_number=EXTRA_CUSTOMERS[BUYER[0]], language=BUYER[2], owner_from=sold))
        for person in people:
            out.append(Row(installation, number, member_kind="user", member_id=person.user_id, member_from=first,
                           member_until=sold if person.full_name == SOLD_BY else None))
        for tag in demo.tags_of(head.full_name):
            since, until = first, None
            if tag == demo.REPLACED_TAG_OLD:
                until = replaced
            elif tag == demo.REPLACED_TAG_NEW:
                since = replaced
            out.append(Row(installation, number, member_kind="tag", member_id=tag, member_from=since,
                           member_until=until))
        if head.full_name == SOLD_BY:
            out.append(Row(installation, number, member_kind="station", member_id=parking.charger_id,
                           member_from=first))
    return out


def _cell(value: object) -> str:
    if isinstance(value, dt.date):
        return f"{value:%d.%m.%Y}"
    return "" if value is None else str(value)


def register_text(end: dt.date) -> str:
    """The register's CSV as Norwegian Excel saves it (without the byte-order mark)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows(end):
        writer.writerow([_cell(getattr(row, column)) for column in COLUMNS])
    return buf.getvalue()


def write_register(out_dir: Path, end: dt.date) -> Path:
    """Write ``dwellings.csv`` into `out_dir` (UTF-8 with a byte-order mark); same `end`, same bytes."""
    path = Path(out_dir) / REGISTER_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    files.write_atomically(path, b"\xef\xbb\xbf" + register_text(end).encode("utf-8"))
    return path
