"""Electricity-meter readings: the meter CSV feed and readings entered in the app.

A meter reading is a cumulative register (kWh) at an instant. The CSV has the columns
``meter_id, read_at, register_kwh`` and two optional ones:

* ``installation``: the installation (its name or id) the meter belongs to. A meter is tied
  to its installation the first time it is seen and keeps that tie; later files need not
  repeat it. Without the column, the ``installation`` argument (the ingest's
  ``--installation``) is used; without either, a meter already known keeps its tie, and a
  store with exactly one installation ties new meters to it. Otherwise the row is rejected.
* ``replacement``: ``true`` marks the first reading of a new meter (the register restarts).
  Enter the old meter's last reading as an ordinary row at the same instant to keep the
  consumption up to the swap.

``read_at`` is ISO 8601; without an offset it is the installation's local time.
Validation as for sessions: one transaction per file; a row that fails is kept in
``rejected_rows`` with its line number and reason; an identical reading counts once
(duplicate); a register below the reading before it (or above the one after it) is rejected
unless marked as a replacement.
"""

from __future__ import annotations

import csv
import hashlib
import time
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

from chargeboard import csv_dialect
from chargeboard.store import Store, query_text
from chargeboard.summary import ImportSummary, IngestError

REQUIRED = ("meter_id", "read_at", "register_kwh")
OPTIONAL = ("installation", "replacement")
TRUE_WORDS = {"true", "yes", "1", "y", "x", "ja"}
FALSE_WORDS = {"false", "no", "0", "n", "", "nei"}
MAX_REGISTER_KWH = Decimal("99999999999.999")
EARLIEST_READING = datetime(2000, 1, 1, tzinfo=UTC)
RAW_SHOWN_CHARS = 1000  # a rejected line is kept for a person to read, not a 128 KiB field whole


class MeterError(ValueError):
    """A reading (or a whole file) that cannot be stored; the message says why."""


@dataclass(frozen=True)
class Reading:
    read_at: datetime          # aware
    register_kwh: Decimal
    replacement: bool = False
    source: str = ""

    @property
    def key(self) -> tuple:
        return (self.read_at, self.replacement)


# -- parsing ----------------------------------------------------------------------------

def parse_bool(text: str | None) -> bool:
    word = (text or "").strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise MeterError(f"replacement is not true/false — {text!r}")


def parse_read_at(text: str, time_zone: str, file_time: datetime | None = None) -> datetime:
    """An instant from ISO 8601 (local time of the installation when it has no offset). With
    file_time (when the file was made), a time before 2000 or more than a day after it is
    out of range: no meter was read then."""
    try:
        # dd.mm.yyyy hh:mm (as Norwegian Excel saves it) is the installation's local time too
        value = datetime.fromisoformat(csv_dialect.local_iso((text or "").strip(), time_zone).replace("Z", "+00:00"))
        if value.tzinfo is None:  # local wall-clock time of the installation (DST: first occurrence)
            value = value.replace(tzinfo=ZoneInfo(time_zone))
        value = value.astimezone(UTC)
    except ValueError:
        raise MeterError(f"unparseable read_at — {_short(text)!r}") from None
    except OverflowError:  # year 1 or 9999 moved across the date line
        raise MeterError(f"read_at out of range — {_short(text)!r}") from None
    if file_time is not None and not (EARLIEST_READING <= value <= file_time + timedelta(days=1)):
        raise MeterError(f"read_at out of range — {_short(text)!r} is before 2000 or more than a day after "
                         "the file was made")
    return value


def _short(text: str | None, limit: int = 40) -> str:
    """A value as a reason quotes it: a huge one is cut, not copied into every message."""
    text = (text or "").strip()
    return text if len(text) <= limit else text[:limit] + "…"


def parse_register(text: str) -> Decimal:
    try:
        value = Decimal((text or "").strip().replace(",", "."))
    except InvalidOperation:
        raise MeterError(f"unparseable register_kwh — {_short(text)!r}") from None
    if not value.is_finite():
        raise MeterError(f"unparseable register_kwh — {_short(text)!r}")
    if value < 0 or value > MAX_REGISTER_KWH:
        raise MeterError(f"register out of range — {_short(text)} kWh")
    if value != value.quantize(Decimal("0.001")):
        raise MeterError(f"register finer than 1 Wh — {_short(text)} kWh")
    return value.quantize(Decimal("0.001"))


# -- validation against a meter's readings ------------------------------------------------

def check_reading(readings: list[Reading], new: Reading) -> str:
    """'new' or 'duplicate' for a reading that fits the meter's (sorted) readings;
    raises MeterError when it does not."""
    for old in readings:
        if old.read_at == new.read_at and old.replacement == new.replacement:
            if old.register_kwh == new.register_kwh:
                return "duplicate"
            raise MeterError(f"conflicting reading — {new.register_kwh} kWh at {new.read_at:%Y-%m-%d %H:%M} UTC, "
                             f"but {old.register_kwh} kWh is stored for that instant")
    keys = [r.key for r in readings]
    at = bisect_right(keys, new.key)
    before = readings[at - 1] if at > 0 else None
    after = readings[at] if at < len(readings) else None
    if before is not None and not new.replacement and new.register_kwh < before.register_kwh:
        raise MeterError(f"register went backwards — {new.register_kwh} kWh at {new.read_at:%Y-%m-%d %H:%M} UTC "
                         f"is below {before.register_kwh} kWh read at {before.read_at:%Y-%m-%d %H:%M} UTC; "
                         "mark the row as a meter replacement if the meter was changed")
    if after is not None and not after.replacement and after.register_kwh < new.register_kwh:
        raise MeterError(f"register went backwards — {new.register_kwh} kWh at {new.read_at:%Y-%m-%d %H:%M} UTC "
                         f"is above {after.register_kwh} kWh read later, at {after.read_at:%Y-%m-%d %H:%M} UTC")
    return "new"


def insert_sorted(readings: list[Reading], new: Reading) -> None:
    readings.insert(bisect_right([r.key for r in readings], new.key), new)


def stored_readings(cur_or_store, meter_id: str) -> list[Reading]:
    if isinstance(cur_or_store, Store):
        rows = cur_or_store.rows("meter_readings_of", meter_id=meter_id)
    else:
        rows = cur_or_store.execute(query_text("meter_readings_of"), {"meter_id": meter_id}).fetchall()
    return [Reading(r[0].astimezone(UTC), Decimal(r[1]), bool(r[2]), r[3]) for r in rows]


# -- meters and installations -------------------------------------------------------------

def _installation(cur, key: str) -> tuple[str, str, str]:
    row = cur.execute(query_text("meter_installation_lookup"), {"key": key.strip()}).fetchone()
    if not row:
        raise MeterError(f"unknown installation — {key!r}")
    return row


def _meter_home(cur, meter_id: str, named: str | None, fallback: str | None) -> tuple[str, str]:
    """(installation_id, time_zone) of a meter, tying a new meter to its installation."""
    known = cur.execute(query_text("meter_by_id"), {"meter_id": meter_id}).fetchone()
    wanted = named or None
    if known:
        if wanted:
            inst = _installation(cur, wanted)
            if inst[0] != known[1]:
                raise MeterError(f"meter belongs to another installation — {meter_id} is tied to {known[2]!r}, "
                                 f"not {wanted!r}")
        return known[1], known[3]
    wanted = wanted or fallback
    if wanted:
        inst = _installation(cur, wanted)
    else:
        every = cur.execute(query_text("installations_all")).fetchall()
        if len(every) != 1:
            raise MeterError(f"unknown meter — {meter_id}: say which installation it belongs to "
                             "(an installation column, or --installation)")
        inst = every[0]
    cur.execute(query_text("meter_register"), {"meter_id": meter_id, "installation_id": inst[0]})
    return inst[0], inst[2]


def register_meter(store: Store, meter_id: str, installation: str) -> str:
    """Tie a meter to an installation (name or id); returns the installation id."""
    with store.transaction() as cur:
        installation_id, _ = _meter_home(cur, meter_id.strip(), installation, None)
    return installation_id


def meter_list(store: Store):
    return store.df("meter_list")


# -- the CSV feed ---------------------------------------------------------------------------

def _sha256(path: Path) -> tuple[str, int]:
    data = path.read_bytes()
    return hashlib.sha256(data).hexdigest(), len(data)


@dataclass(frozen=True)
class OpenedCsv:
    content_sha256: str
    file_bytes: int
    dialect: csv_dialect.Dialect
    lines: list[str]                # the file's lines as read (a rejected row keeps its line)
    header: list[str]               # its column names, lower case
    reader: Iterator[list[str]]     # the rows after the header
    columns: dict[str, int]         # column name -> index, for the required and optional ones present


def open_csv(path: Path, shown: str, what: str, required: tuple[str, ...], optional: tuple[str, ...],
             numbers: tuple[str, ...], dates: tuple[str, ...]) -> OpenedCsv:
    """A meter CSV (readings or intervals) read as its dialect says and its header checked; IngestError
    naming the file (and line 1) for a file that cannot be read or lacks a required column."""
    try:
        content_sha256, file_bytes = _sha256(path)
        dialect = csv_dialect.detect(path, "meter_id", numbers, dates)
        text = path.read_text(encoding=dialect.encoding)
    except UnicodeDecodeError:
        raise IngestError(f"{shown}: not {dialect.description().split(', ')[2]} text") from None
    except csv_dialect.DialectError as error:
        raise IngestError(f"{shown}: cannot tell how the CSV was saved — {error}") from None
    except OSError as error:
        raise IngestError(f"{shown}: cannot be read — {error.strerror or error}") from None
    lines = text.splitlines(keepends=True)
    reader = csv.reader(lines, delimiter=dialect.delimiter)
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except csv.Error as error:
        raise IngestError(f"{shown}: line 1: the {what} header cannot be read — {error}") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise IngestError(f"{shown}: line 1: the {what} header lacks column(s) {', '.join(missing)}")
    return OpenedCsv(content_sha256, file_bytes, dialect, lines, header, reader,
                     {name: header.index(name) for name in required + optional if name in header})


def ingest_meter_file(store: Store, path: Path | str, *, display_name: str | None = None,
                      installation: str | None = None) -> ImportSummary:
    """Load one meter-reading CSV in one transaction."""
    path = Path(path)
    shown = display_name or str(path)
    started, started_at = time.perf_counter(), datetime.now(UTC)
    opened = open_csv(path, shown, "meter CSV", REQUIRED, OPTIONAL, ("register_kwh",), ("read_at",))
    content_sha256, file_bytes, dialect, lines, reader, col = (
        opened.content_sha256, opened.file_bytes, opened.dialect, opened.lines, opened.reader, opened.columns)
    header = opened.header
    with store.transaction() as cur:
        import_id = cur.execute(query_text("next_import_id")).fetchone()[0]
        summary = ImportSummary(file=shown, format="meter-csv", import_id=import_id, installation_id=None,
                                noun="meter readings",
                                read_as=None if dialect.is_canonical else dialect.description())
        known: dict[str, list[Reading]] = {}
        homes: set[str] = set()
        rejected: list[tuple[int, str, str]] = []
        to_insert: list[dict] = []
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as error:  # e.g. a field over the csv module's 128 KiB limit
                summary.records += 1
                line_no = reader.line_num
                raw = lines[line_no - 1] if 0 < line_no <= len(lines) else ""
                rejected.append((line_no, raw.rstrip("\r\n")[:RAW_SHOWN_CHARS], f"malformed CSV line — {error}"))
                continue
            line_no = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            summary.records += 1
            raw = dialect.delimiter.join(row)[:RAW_SHOWN_CHARS]
            try:
                if len(row) != len(header):
                    raise MeterError(f"malformed CSV line — {len(row)} fields for {len(header)} columns")
                meter_id = row[col["meter_id"]].strip()
                if not meter_id:
                    raise MeterError("missing meter id")
                named = row[col["installation"]].strip() if "installation" in col else None
                installation_id, tz = _meter_home(cur, meter_id, named, installation)
                reading = Reading(parse_read_at(row[col["read_at"]], tz, started_at),
                                  parse_register(row[col["register_kwh"]]),
                                  parse_bool(row[col["replacement"]]) if "replacement" in col else False,
                                  Path(shown).name)
                if meter_id not in known:
                    known[meter_id] = stored_readings(cur, meter_id)
                outcome = check_reading(known[meter_id], reading)
            except MeterError as error:
                rejected.append((line_no, raw, str(error)))
                continue
            homes.add(installation_id)
            if outcome == "duplicate":
                summary.duplicate += 1
                continue
            insert_sorted(known[meter_id], reading)
            summary.new += 1
            to_insert.append({"meter_id": meter_id, "read_at": reading.read_at, "register_kwh": reading.register_kwh,
                              "replacement": reading.replacement, "source": reading.source,
                              "import_id": import_id, "entered_by": None})
        if to_insert:
            cur.executemany(query_text("meter_insert_reading"), to_insert)
        if rejected:
            cur.executemany(query_text("meter_insert_rejected"), [
                {"import_id": import_id, "position": n, "location": f"line {n}", "raw": raw, "reason": reason}
                for n, raw, reason in rejected])
        summary.rejected = len(rejected)
        summary.installation_id = next(iter(homes)) if len(homes) == 1 else None
        cur.execute(query_text("insert_import"), {
            "import_id": import_id, "file_name": Path(shown).name, "content_sha256": content_sha256,
            "file_bytes": file_bytes, "format": "meter-csv", "installation_id": summary.installation_id,
            "started_at": started_at, "records": summary.records, "new_rows": summary.new,
            "duplicate_rows": summary.duplicate, "updated_rows": 0, "rejected_rows": summary.rejected,
            "older_rows": 0, "conflicting_rows": 0,
        })
        summary.rejected_by_reason = list(cur.execute(query_text("rejected_by_reason"),
                                                      {"import_id": import_id}).fetchall())
    summary.seconds = time.perf_counter() - started
    return summary


# -- a reading entered in the app ---------------------------------------------------------------

def add_reading(store: Store, username: str, meter_id: str, read_at: datetime, register_kwh: Decimal | str,
                replacement: bool = False, installation: str | None = None) -> str:
    """Store one reading entered by the system owner; 'new' or 'duplicate'. Raises MeterError."""
    meter_id = (meter_id or "").strip()
    if not meter_id:
        raise MeterError("missing meter id")
    register = parse_register(str(register_kwh))
    with store.transaction() as cur:
        _, tz = _meter_home(cur, meter_id, installation, None)
        if read_at.tzinfo is None:
            read_at = read_at.replace(tzinfo=ZoneInfo(tz))
        reading = Reading(read_at.astimezone(UTC), register, replacement, "entered in the app")
        outcome = check_reading(stored_readings(cur, meter_id), reading)
        if outcome == "new":
            cur.execute(query_text("meter_insert_reading"), {
                "meter_id": meter_id, "read_at": reading.read_at, "register_kwh": register,
                "replacement": replacement, "source": reading.source, "import_id": None, "entered_by": username})
    return outcome
