"""The dwelling register (issue 30, item 1): dwellings, their owners and their members, with dates.

A dwelling (leilighet / seksjon) belongs to one installation and has a number unique there, a section
number and a share number (andelsnummer). Its owners (name, e-mail, customer number at the business
manager, language) and its members (the feed users, RFID tags and stations that belong to it) are
dated [valid_from, valid_until): valid_until is the first day no longer, None = still. Dates are the
installation's local dates. A session belongs to the dwelling `dwelling_of(...)` (schema.sql) names on
its statement day: its RFID tag first, then its feed user, then its station; a member is in one
dwelling a day, which every change here checks. Every change is logged in dwelling_changes (who, what).

The usual cases:
* a couple sharing a tag: one dwelling, the tag as its member, two owners;
* a sale: `transfer(store, by, dwelling_id, [NewOwner(...)], day)` ends the owners of that day and adds
  the new ones from it, in one transaction; the members (the tag, the parking space's station) stay;
* a station that belongs to a parking space sold with the flat: the station is a member of the dwelling.

Sessions that belong to no dwelling are listed (`unassigned`), never dropped. The register's CSV
(`import_csv`, README "The dwelling register as CSV") is read in the Norwegian-Excel dialect as every
CSV here; a file with a bad row stores nothing and names each bad row's line and reason.
"""

from __future__ import annotations

import csv
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd

from chargeboard import csv_dialect, periods, reasons
from chargeboard.i18n import _
from chargeboard.scope import Scope
from chargeboard.store import Store, query_text

KINDS = ("tag", "user", "station")  # dwelling_of's order: an RFID tag first, then the feed user, then the station
LANGUAGES = ("nb", "en")
EMAIL = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\"]+$")
MAX_TEXT = 200
CSV_COLUMNS = ("installation", "dwelling", "section", "share", "note", "owner_name", "owner_email",
               "customer_number", "language", "owner_from", "owner_until", "member_kind", "member_id",
               "member_from", "member_until")
CSV_REQUIRED = ("installation", "dwelling")
CSV_DATES = ("owner_from", "owner_until", "member_from", "member_until")
# The columns of queries/billing/dwelling_unassigned_sessions.sql, in its order.
UNASSIGNED_COLUMNS = ("installation_id", "installation", "station_id", "station_name", "user_id", "user_name", "tag",
                      "sessions", "energy_kwh", "first_day", "last_day")


class DwellingError(ValueError):
    """A change of the register that cannot be made: its kind, then the details (chargeboard/reasons.py)."""

    def shown(self) -> list[str]:
        """The reason in the reader's language: its kind translated, the details as given."""
        return [reasons.shown(str(self))]


class DwellingImportError(DwellingError):
    """A register CSV that was not stored: every bad row, each "file: line N: reason"."""

    def __init__(self, problems: list[str], places: list[str] | None = None):
        super().__init__("\n".join(problems))
        self.problems = problems
        self._places = places or [""] * len(problems)  # each problem's "file: line N: ", kept apart from its reason

    def shown(self) -> list[str]:
        return [place + reasons.shown(problem.removeprefix(place)) for place, problem in zip(
            self._places, self.problems, strict=True)]


@dataclass(frozen=True)
class NewOwner:
    """An owner to add: what the board knows of them."""
    name: str
    email: str | None = None
    customer_number: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Owner:
    owner_id: int
    dwelling_id: int
    name: str
    email: str | None
    customer_number: str | None
    language: str | None
    valid_from: date
    valid_until: date | None

    def on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day < self.valid_until)


@dataclass(frozen=True)
class Member:
    dwelling_id: int
    kind: str
    member_id: str
    valid_from: date
    valid_until: date | None

    def on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day < self.valid_until)


@dataclass
class Dwelling:
    dwelling_id: int
    installation_id: str
    installation: str
    time_zone: str
    number: str
    section_number: str | None
    share_number: str | None
    note: str | None
    owners: list[Owner] = field(default_factory=list)    # current ones (list) or every one (history)
    members: list[Member] = field(default_factory=list)


@dataclass
class History:
    """One dwelling with every owner and member it has had, and its logged changes."""
    dwelling: Dwelling
    changes: list[tuple[datetime, str, str, str]]  # (when, who, action, detail)


@dataclass
class Unassigned:
    """The sessions of a period that belong to no dwelling: how many, their kWh, and per
    installation, station, feed user and tag (a DataFrame of dwelling_unassigned_sessions.sql)."""
    day_from: date
    day_to: date
    sessions: int
    energy_kwh: Decimal
    rows: pd.DataFrame


@dataclass
class ImportResult:
    file: str
    rows: int = 0
    dwellings_added: int = 0
    dwellings_changed: int = 0
    owners_added: int = 0
    owners_changed: int = 0
    members_added: int = 0
    members_changed: int = 0
    unchanged: int = 0

    def line(self) -> str:
        return _("{file}: {rows} rows; dwellings {dwellings_added} added, {dwellings_changed} changed; owners "
                 "{owners_added} added, {owners_changed} changed; members {members_added} added, {members_changed} "
                 "changed; {unchanged} unchanged", **vars(self))


# -- checking what is given ------------------------------------------------------------------------------

def _text(value: object, what: str, *, required: bool = False) -> str | None:
    text = "" if value is None else str(value).strip()
    if not text:
        if required:
            raise DwellingError(f"missing value — {what}")
        return None
    if len(text) > MAX_TEXT or any(ord(c) < 32 for c in text):
        raise DwellingError(f"text too long or not one line — {what}")
    return text


def parse_day(value: date | str | None, what: str, *, required: bool = False) -> date | None:
    """A date from a date, ISO 8601 (2026-03-01) or day.month.year (01.03.2026, as Norwegian Excel saves it)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = (value or "").strip()
    if not text:
        if required:
            raise DwellingError(f"missing date — {what}")
        return None
    match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    try:
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
        return date.fromisoformat(text)
    except ValueError:
        raise DwellingError(f"unparseable date — {what} {text[:40]!r}") from None


def check_email(value: str | None) -> str | None:
    """An owner's e-mail, lower-cased; None when none is given."""
    text = _text(value, "e-mail")
    if text is None:
        return None
    if not EMAIL.match(text):
        raise DwellingError(f"invalid e-mail address — {text!r}")
    return text.lower()


def check_language(value: str | None) -> str | None:
    text = _text(value, "language")
    if text is None:
        return None
    if text.lower() not in LANGUAGES:
        raise DwellingError(f"unknown language — {text!r}; nb or en")
    return text.lower()


def check_kind(value: str | None) -> str:
    text = (_text(value, "member kind", required=True) or "").lower()
    if text == "rfid":
        text = "tag"
    if text not in KINDS:
        raise DwellingError(f"unknown member kind — {value!r}; user, tag or station")
    return text


def _dates(valid_from: date, valid_until: date | None) -> None:
    if valid_until is not None and valid_until <= valid_from:
        raise DwellingError(f"end not after start — {valid_until} is not after {valid_from}")


def _shown(day: date | None) -> str:
    return day.isoformat() if day else "…"


# -- the store -----------------------------------------------------------------------------------------

def _installation(cur, key: str | None) -> tuple[str, str, str]:
    text = _text(key, "installation", required=True)
    row = cur.execute(query_text("dwelling_installation"), {"key": text}).fetchone()
    if not row:
        raise DwellingError(f"unknown installation — {text!r}")
    return row


def _log(cur, by: str, dwelling_id: int | None, action: str, detail: str) -> None:
    cur.execute(query_text("dwelling_change_log"), {"changed_by": by, "dwelling_id": dwelling_id,
                                                    "action": action, "detail": detail})


def _dwelling_row(cur, dwelling_id: int) -> tuple:
    row = cur.execute(query_text("dwelling_by_id"), {"dwelling_id": dwelling_id}).fetchone()
    if not row:
        raise DwellingError(f"unknown dwelling — {dwelling_id}")
    return row


def _owner(row: tuple) -> Owner:
    return Owner(*row)


def _member(row: tuple) -> Member:
    return Member(*row)


def find(store: Store, installation: str, number: str) -> int:
    """The id of dwelling `number` of an installation (its id or name)."""
    with store.transaction(changes_data=False) as cur:
        return _find(cur, installation, number)


def _find(cur, installation: str | None, number: str | None) -> int:
    installation_id = _installation(cur, installation)[0]
    text = _text(number, "dwelling number", required=True)
    row = cur.execute(query_text("dwelling_by_number"), {"installation_id": installation_id, "number": text}).fetchone()
    if not row:
        raise DwellingError(f"unknown dwelling — {text!r} in {installation!r}")
    return row[0]


def add_dwelling(store: Store, by: str, installation: str, number: str, section_number: str | None = None,
                 share_number: str | None = None, note: str | None = None) -> int:
    """A new dwelling of an installation (its id or name); its id. The number is unique in the installation."""
    with store.transaction() as cur:
        return _add_dwelling(cur, by, installation, number, section_number, share_number, note)


def _add_dwelling(cur, by, installation, number, section_number, share_number, note) -> int:
    installation_id, name, _zone = _installation(cur, installation)
    number = _text(number, "dwelling number", required=True)
    if cur.execute(query_text("dwelling_by_number"), {"installation_id": installation_id, "number": number}).fetchone():
        raise DwellingError(f"dwelling number taken — {number!r} in {name}")
    values = {"section_number": _text(section_number, "section number"),
              "share_number": _text(share_number, "share number"), "note": _text(note, "note")}
    dwelling_id = cur.execute(query_text("dwelling_insert"), {"installation_id": installation_id, "number": number,
                                                             "created_by": by, **values}).fetchone()[0]
    _log(cur, by, dwelling_id, "add", f"{number} in {name}; section {values['section_number'] or '–'}, "
                                     f"share {values['share_number'] or '–'}")
    return dwelling_id


KEEP = object()  # set_dwelling: leave this field as it is


def set_dwelling(store: Store, by: str, dwelling_id: int, *, number=KEEP, section_number=KEEP,
                 share_number=KEEP, note=KEEP) -> bool:
    """Change a dwelling's number, section number, share number or note (KEEP: as it is; None or "": none).
    True when something changed."""
    with store.transaction() as cur:
        return _set_dwelling(cur, by, dwelling_id, number=number, section_number=section_number,
                             share_number=share_number, note=note)


def _set_dwelling(cur, by, dwelling_id, *, number=KEEP, section_number=KEEP, share_number=KEEP, note=KEEP) -> bool:
    row = _dwelling_row(cur, dwelling_id)
    old = {"number": row[4], "section_number": row[5], "share_number": row[6], "note": row[7]}
    new = dict(old)
    for key, value, what in (("number", number, "dwelling number"), ("section_number", section_number,
                             "section number"), ("share_number", share_number, "share number"),
                             ("note", note, "note")):
        if value is not KEEP:
            new[key] = _text(value, what, required=key == "number")
    if new == old:
        return False
    if new["number"] != old["number"] and cur.execute(query_text("dwelling_by_number"), {
            "installation_id": row[1], "number": new["number"]}).fetchone():
        raise DwellingError(f"dwelling number taken — {new['number']!r} in {row[2]}")
    cur.execute(query_text("dwelling_update"), {"dwelling_id": dwelling_id, **new})
    _log(cur, by, dwelling_id, "set", "; ".join(f"{k}: {old[k] or '–'} → {new[k] or '–'}" for k in new
                                                if new[k] != old[k]))
    return True


def add_owner(store: Store, by: str, dwelling_id: int, owner: NewOwner, valid_from: date | str,
              valid_until: date | str | None = None) -> int:
    """An owner of the dwelling from valid_from (until valid_until, the first day no longer); its id.
    Several owners at once are allowed (a couple)."""
    with store.transaction() as cur:
        return _add_owner(cur, by, dwelling_id, owner, valid_from, valid_until)


def _checked_owner(owner: NewOwner) -> dict:
    return {"name": _text(owner.name, "owner name", required=True), "email": check_email(owner.email),
            "customer_number": _text(owner.customer_number, "customer number"),
            "language": check_language(owner.language)}


def _add_owner(cur, by, dwelling_id, owner: NewOwner, valid_from, valid_until) -> int:
    _dwelling_row(cur, dwelling_id)
    values = _checked_owner(owner)
    start = parse_day(valid_from, "owner from", required=True)
    end = parse_day(valid_until, "owner until")
    _dates(start, end)
    owner_id = cur.execute(query_text("dwelling_owner_insert"), {
        "dwelling_id": dwelling_id, **values, "valid_from": start, "valid_until": end}).fetchone()[0]
    _log(cur, by, dwelling_id, "owner add", f"owner {owner_id} {values['name']} <{values['email'] or '–'}> "
                                           f"from {_shown(start)} until {_shown(end)}")
    return owner_id


def end_owner(store: Store, by: str, owner_id: int, valid_until: date | str) -> None:
    """The owner owns the dwelling no more from valid_until (the first day no longer)."""
    with store.transaction() as cur:
        _end_owner(cur, by, owner_id, parse_day(valid_until, "owner until", required=True))


def _end_owner(cur, by: str, owner_id: int, until: date) -> None:
    row = cur.execute(query_text("dwelling_owner_by_id"), {"owner_id": owner_id}).fetchone()
    if not row:
        raise DwellingError(f"unknown owner — {owner_id}")
    owner = _owner(row)
    _dates(owner.valid_from, until)
    if owner.valid_until is not None and owner.valid_until <= until:
        raise DwellingError(f"owner already ended — {owner.name} until {owner.valid_until}")
    cur.execute(query_text("dwelling_owner_update"), {
        "owner_id": owner_id, "name": owner.name, "email": owner.email, "customer_number": owner.customer_number,
        "language": owner.language, "valid_from": owner.valid_from, "valid_until": until})
    _log(cur, by, owner.dwelling_id, "owner end", f"owner {owner_id} {owner.name} until {until}")


def transfer(store: Store, by: str, dwelling_id: int, new_owners: Iterable[NewOwner], day: date | str) -> list[int]:
    """A sale: the owners of `day` (and later) own the dwelling no more from `day`, the new owners own it from
    `day`, in one transaction. The members (the tag, the parking space's station) stay. The new owners' ids."""
    new_owners = list(new_owners)
    if not new_owners:
        raise DwellingError("missing value — a sale needs the new owner's name")
    start = parse_day(day, "sale date", required=True)
    with store.transaction() as cur:
        _dwelling_row(cur, dwelling_id)
        owners = [_owner(r) for r in cur.execute(query_text("dwelling_owners_of"), {"dwelling_id": dwelling_id}).fetchall()]
        later = [o for o in owners if o.valid_from >= start]
        if later:
            raise DwellingError(f"owner dated on or after the sale — {later[0].name} from {later[0].valid_from}; "
                                "end or correct that owner first")
        for owner in owners:
            if owner.valid_until is None or owner.valid_until > start:
                _end_owner(cur, by, owner.owner_id, start)
        added = [_add_owner(cur, by, dwelling_id, owner, start, None) for owner in new_owners]
        _log(cur, by, dwelling_id, "transfer", f"sold on {start}: " + ", ".join(o.name for o in new_owners))
        return added


def add_member(store: Store, by: str, dwelling_id: int, kind: str, member_id: str, valid_from: date | str,
               valid_until: date | str | None = None) -> None:
    """A feed user, RFID tag or station belongs to the dwelling from valid_from (until valid_until). Refused when
    it belongs to another dwelling (or this one) on one of those days."""
    with store.transaction() as cur:
        _add_member(cur, by, dwelling_id, kind, member_id, valid_from, valid_until)


def _overlap_check(cur, row: tuple, kind: str, member_id: str, start: date, end: date | None,
                   except_from: date | None) -> None:
    clash = cur.execute(query_text("dwelling_member_overlaps"), {
        "installation_id": row[1], "kind": kind, "member_id": member_id, "valid_from": start, "valid_until": end,
        "dwelling_id": row[0], "except_from": except_from}).fetchone()
    if clash:
        raise DwellingError(f"member in two dwellings — {kind} {member_id!r} belongs to dwelling {clash[0]} from "
                            f"{_shown(clash[1])} until {_shown(clash[2])}; a {kind} is in one dwelling a day: "
                            "end it there first")


def _add_member(cur, by, dwelling_id, kind, member_id, valid_from, valid_until) -> None:
    row = _dwelling_row(cur, dwelling_id)
    kind = check_kind(kind)
    member_id = _text(member_id, "member id", required=True)
    start = parse_day(valid_from, "member from", required=True)
    end = parse_day(valid_until, "member until")
    _dates(start, end)
    _overlap_check(cur, row, kind, member_id, start, end, None)
    cur.execute(query_text("dwelling_member_insert"), {"dwelling_id": dwelling_id, "kind": kind,
                                                       "member_id": member_id, "valid_from": start,
                                                       "valid_until": end})
    _log(cur, by, dwelling_id, "member add", f"{kind} {member_id} from {_shown(start)} until {_shown(end)}")


def end_member(store: Store, by: str, dwelling_id: int, kind: str, member_id: str, valid_until: date | str) -> None:
    """The member belongs to the dwelling no more from valid_until: its membership that is open that day ends."""
    with store.transaction() as cur:
        _end_member(cur, by, dwelling_id, kind, member_id, valid_until)


def _end_member(cur, by, dwelling_id, kind, member_id, valid_until) -> None:
    _dwelling_row(cur, dwelling_id)
    kind = check_kind(kind)
    member_id = _text(member_id, "member id", required=True)
    until = parse_day(valid_until, "member until", required=True)
    rows = [_member(r) for r in cur.execute(query_text("dwelling_members_of"), {"dwelling_id": dwelling_id}).fetchall()]
    open_ones = [m for m in rows if m.kind == kind and m.member_id == member_id and m.valid_from < until
                 and (m.valid_until is None or m.valid_until > until)]
    if not open_ones:
        raise DwellingError(f"member not attached — {kind} {member_id!r} does not belong to the dwelling on {until}")
    member = open_ones[0]
    cur.execute(query_text("dwelling_member_set_until"), {"dwelling_id": dwelling_id, "kind": kind,
                                                          "member_id": member_id, "valid_from": member.valid_from,
                                                          "valid_until": until})
    _log(cur, by, dwelling_id, "member end", f"{kind} {member_id} until {until}")


# -- reading -------------------------------------------------------------------------------------------

def installations(store: Store) -> list[tuple[str, str, str]]:
    """(id, name, time zone) of every installation."""
    return store.rows("dwelling_installations")


def _dwelling(row: tuple) -> Dwelling:
    return Dwelling(*row)


def register(store: Store, installation: str | None = None, day: date | None = None) -> list[Dwelling]:
    """The dwellings (of one installation, its id or name; None: every one), each with its owners and members
    on `day` (None: today in the installation's calendar)."""
    with store.transaction(changes_data=False) as cur:
        installation_id = _installation(cur, installation)[0] if installation else None
        dwellings = [_dwelling(r) for r in cur.execute(query_text("dwelling_list"),
                                                       {"installation_id": installation_id}).fetchall()]
        owners = [_owner(r) for r in cur.execute(query_text("dwelling_owners_all"),
                                                 {"installation_id": installation_id}).fetchall()]
        members = [_member(r) for r in cur.execute(query_text("dwelling_members_all"),
                                                   {"installation_id": installation_id}).fetchall()]
    for dwelling in dwellings:
        today = day or periods.local_today(dwelling.time_zone)
        dwelling.owners = [o for o in owners if o.dwelling_id == dwelling.dwelling_id and o.on(today)]
        dwelling.members = [m for m in members if m.dwelling_id == dwelling.dwelling_id and m.on(today)]
    return dwellings


def history(store: Store, dwelling_id: int) -> History:
    """A dwelling with every owner and member it has had (dated) and its logged changes."""
    with store.transaction(changes_data=False) as cur:
        dwelling = _dwelling(_dwelling_row(cur, dwelling_id))
        dwelling.owners = [_owner(r) for r in cur.execute(query_text("dwelling_owners_of"),
                                                          {"dwelling_id": dwelling_id}).fetchall()]
        dwelling.members = [_member(r) for r in cur.execute(query_text("dwelling_members_of"),
                                                            {"dwelling_id": dwelling_id}).fetchall()]
        changes = cur.execute(query_text("dwelling_changes_of"), {"dwelling_id": dwelling_id}).fetchall()
    return History(dwelling, changes)


def feed_members(store: Store, scope: Scope, installation_id: str) -> list[tuple[str, str, str]]:
    """(kind, id, name to show) of the feed users, RFID tags and stations the installation's sessions name."""
    return store.rows("dwelling_feed_members", scope, installation_id=installation_id)


def unassigned(store: Store, scope: Scope, day_from: date, day_to: date, installation: str | None = None) -> Unassigned:
    """The counted sessions of [day_from, day_to] (local dates, dated as statements date them) that belong to no
    dwelling: listed, never dropped. The system owner's view: anyone else is refused."""
    if not scope.see_all:
        raise DwellingError("not allowed — the dwelling register is the system owner's")
    if day_to < day_from:
        raise DwellingError(f"end not after start — {day_to} is before {day_from}")
    installation_id = None
    if installation:
        with store.transaction(changes_data=False) as cur:
            installation_id = _installation(cur, installation)[0]
    rows = store.rows("dwelling_unassigned_sessions", scope, installation_id=installation_id,
                      local_from=datetime.combine(day_from, datetime.min.time()),
                      local_to=datetime.combine(day_to + timedelta(days=1), datetime.min.time()))
    return Unassigned(day_from, day_to, sum(r[7] for r in rows), sum((r[8] for r in rows), Decimal(0)),
                      pd.DataFrame(rows, columns=list(UNASSIGNED_COLUMNS)))


# -- the register as CSV -------------------------------------------------------------------------------

def _read_csv(path: Path, shown: str) -> tuple[list[str], Iterator[list[str]]]:
    try:
        dialect = csv_dialect.detect(path, "dwelling", (), CSV_DATES)
        text = path.read_text(encoding=dialect.encoding)
    except csv_dialect.DialectError as error:
        raise DwellingImportError([f"{shown}: cannot tell how the CSV was saved — {error}"]) from None
    except UnicodeDecodeError:
        raise DwellingImportError([f"{shown}: not {dialect.encoding} text"]) from None
    except OSError as error:
        raise DwellingImportError([f"{shown}: cannot be read — {error.strerror or error}"]) from None
    lines = text.splitlines(keepends=True)
    reader = csv.reader(lines, delimiter=dialect.delimiter)
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except csv.Error as error:
        raise DwellingImportError([f"{shown}: line 1: the header cannot be read — {error}"]) from None
    missing = [c for c in CSV_REQUIRED if c not in header]
    unknown = [c for c in header if c and c not in CSV_COLUMNS]
    if missing or unknown:
        raise DwellingImportError([f"{shown}: line 1: " + "; ".join(
            ([f"the header lacks column(s) {', '.join(missing)}"] if missing else [])
            + ([f"unknown column(s) {', '.join(unknown)}"] if unknown else []))])
    return header, reader


def import_csv(store: Store, by: str, path: Path | str, display_name: str | None = None) -> ImportResult:
    """Read the register's CSV (README "The dwelling register as CSV") in one transaction: every row is
    checked against the register as the rows before it left it; a file with any bad row stores nothing
    (DwellingImportError naming each bad row's file, line and reason). Importing the same file again changes
    nothing."""
    path = Path(path)
    shown = display_name or str(path)
    header, reader = _read_csv(path, shown)
    result = ImportResult(Path(shown).name)
    problems: list[str] = []
    places: list[str] = []
    with store.transaction() as cur:  # a bad row: the exception rolls every row back
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                places.append(f"{shown}: line {reader.line_num}: ")
                problems.append(f"{places[-1]}malformed CSV line — {error}")
                continue
            if not any(cell.strip() for cell in row):
                continue
            result.rows += 1
            try:
                if len(row) != len(header):
                    raise DwellingError(f"malformed CSV line — {len(row)} fields for {len(header)} columns")
                _import_row(cur, by, dict(zip(header, row, strict=True)), result)
            except DwellingError as error:
                places.append(f"{shown}: line {reader.line_num}: ")
                problems.append(f"{places[-1]}{error}")
        if problems:
            raise DwellingImportError(problems, places)
    return result


def import_upload(store: Store, by: str, name: str, data: bytes) -> ImportResult:
    """import_csv of an uploaded file (its name as the reader knows it, its bytes)."""
    with tempfile.TemporaryDirectory(prefix="chargeboard-dwellings-") as folder:
        path = Path(folder) / "register.csv"
        path.write_bytes(data)
        return import_csv(store, by, path, Path(name).name or "register.csv")


def _import_row(cur, by: str, cells: dict[str, str], result: ImportResult) -> None:
    def cell(name: str) -> str:
        return (cells.get(name) or "").strip()

    installation_id, _name, _zone = _installation(cur, cell("installation"))
    number = _text(cell("dwelling"), "dwelling number", required=True)
    found = cur.execute(query_text("dwelling_by_number"), {"installation_id": installation_id,
                                                          "number": number}).fetchone()
    changed = False
    if found is None:
        dwelling_id = _add_dwelling(cur, by, installation_id, number, cell("section"), cell("share"), cell("note"))
        result.dwellings_added += 1
        changed = True
    else:
        dwelling_id = found[0]
        given = {key: cell(column) for key, column in (("section_number", "section"), ("share_number", "share"),
                                                        ("note", "note")) if cell(column)}
        if _set_dwelling(cur, by, dwelling_id, **given):
            result.dwellings_changed += 1
            changed = True
    if any(cell(c) for c in ("owner_name", "owner_email", "customer_number", "language", "owner_from",
                             "owner_until")):
        changed |= _import_owner(cur, by, dwelling_id, cell, result)
    if any(cell(c) for c in ("member_kind", "member_id", "member_from", "member_until")):
        changed |= _import_member(cur, by, dwelling_id, cell, result)
    if not changed:
        result.unchanged += 1


def _import_owner(cur, by: str, dwelling_id: int, cell, result: ImportResult) -> bool:
    """An owner row: the owner of that name from that day is added, or brought to what the row says."""
    owner = NewOwner(cell("owner_name"), cell("owner_email"), cell("customer_number"), cell("language"))
    values = _checked_owner(owner)
    start = parse_day(cell("owner_from"), "owner_from", required=True)
    end = parse_day(cell("owner_until"), "owner_until")
    _dates(start, end)
    same = [_owner(r) for r in cur.execute(query_text("dwelling_owners_of"), {"dwelling_id": dwelling_id}).fetchall()
            if r[2] == values["name"] and r[6] == start]
    if not same:
        _add_owner(cur, by, dwelling_id, owner, start, end)
        result.owners_added += 1
        return True
    old = same[0]
    wanted = {**values, "valid_from": start, "valid_until": end}
    now = {"name": old.name, "email": old.email, "customer_number": old.customer_number, "language": old.language,
           "valid_from": old.valid_from, "valid_until": old.valid_until}
    if wanted == now:
        return False
    cur.execute(query_text("dwelling_owner_update"), {"owner_id": old.owner_id, **wanted})
    _log(cur, by, dwelling_id, "owner set", f"owner {old.owner_id} {old.name}: " + "; ".join(
        f"{k}: {now[k] or '–'} → {wanted[k] or '–'}" for k in wanted if wanted[k] != now[k]))
    result.owners_changed += 1
    return True


def _import_member(cur, by: str, dwelling_id: int, cell, result: ImportResult) -> bool:
    """A member row: that membership from that day is added, or its end brought to what the row says."""
    kind = check_kind(cell("member_kind"))
    member_id = _text(cell("member_id"), "member id", required=True)
    start = parse_day(cell("member_from"), "member_from", required=True)
    end = parse_day(cell("member_until"), "member_until")
    _dates(start, end)
    row = _dwelling_row(cur, dwelling_id)
    same = [m for m in (_member(r) for r in cur.execute(query_text("dwelling_members_of"),
                                                        {"dwelling_id": dwelling_id}).fetchall())
            if m.kind == kind and m.member_id == member_id and m.valid_from == start]
    if not same:
        _add_member(cur, by, dwelling_id, kind, member_id, start, end)
        result.members_added += 1
        return True
    if same[0].valid_until == end:
        return False
    _overlap_check(cur, row, kind, member_id, start, end, start)
    cur.execute(query_text("dwelling_member_set_until"), {"dwelling_id": dwelling_id, "kind": kind,
                                                          "member_id": member_id, "valid_from": start,
                                                          "valid_until": end})
    _log(cur, by, dwelling_id, "member set", f"{kind} {member_id} from {start}: until {_shown(same[0].valid_until)} "
                                            f"→ {_shown(end)}")
    result.members_changed += 1
    return True
