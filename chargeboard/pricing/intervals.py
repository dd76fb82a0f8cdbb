"""A meter's interval readings: kWh per hour or per quarter hour, as Elhub and HAN readers export.

The CSV has the columns ``meter_id, from, to, kwh`` and optionally ``installation`` (as the meter
CSV: a new meter is tied to the installation named there, else to the ingest's ``--installation``,
else to the store's only installation). ``from`` and ``to`` are ISO 8601; without an offset they
are the installation's local time (``dd.mm.yyyy hh:mm`` too, as Norwegian Excel saves it, with
``;`` and a decimal comma). An interval is 15 or 60 minutes and starts on the quarter hour (an
hour on the hour). On the autumn night the clock shows 02:00-03:00 twice: write such times with
their offset (as Elhub does); without one, a repeated local time is read as the one that follows
the meter's previous interval in the file, else as the one that makes a 15 or 60 minute interval.

As every feed: one transaction per file; a row that fails is a rejected row with its line and
reason; an interval stored with the same kWh counts once (duplicate); a different kWh for a stored
interval replaces it (counted as updated); an interval that overlaps another of a different
length (an hour over a stored quarter) is rejected, so no energy is counted twice.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

from chargeboard import csv_dialect, meters
from chargeboard.meters import MeterError
from chargeboard.store import Store, query_text
from chargeboard.summary import METER_INTERVALS, ImportSummary

FORMAT = "meter-intervals-csv"
REQUIRED = ("meter_id", "from", "to", "kwh")
OPTIONAL = ("installation",)
MINUTES = (15, 60)
MAX_KWH = Decimal("99999999999.999")
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
QUARTER = timedelta(minutes=15)


@dataclass(frozen=True)
class Interval:
    starts_at: datetime  # aware, UTC
    ends_at: datetime
    kwh: Decimal


def is_interval_header(names: list[str]) -> bool:
    """Whether a meter CSV's header (names lower-cased and stripped) is the interval form."""
    return all(c in names for c in REQUIRED) and "register_kwh" not in names


def _short(text: str | None, limit: int = 40) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[:limit] + "…"


def candidates(text: str, time_zone: str, column: str) -> list[datetime]:
    """The instants (UTC) a time may name: one, or two for a local time the clock showed twice.
    Raises MeterError for text that is no time, or a local time in the spring-forward gap."""
    text = (text or "").strip()
    try:
        if match := csv_dialect.DAY_FIRST.match(text):  # dd.mm.yyyy hh:mm, Norwegian Excel: local time
            day, month, year, hour, minute, second = (int(g) if g else 0 for g in match.groups())
            value = datetime(year, month, day, hour, minute, second)
        else:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        if column == "from":
            raise MeterError(f"unparseable from — {_short(text)!r}") from None
        raise MeterError(f"unparseable to — {_short(text)!r}") from None
    if value.tzinfo is not None:
        try:
            return [value.astimezone(UTC)]
        except OverflowError:
            raise MeterError(f"interval out of range — {_short(text)!r}") from None
    zone = ZoneInfo(time_zone)
    try:
        first, second = value.replace(tzinfo=zone), value.replace(tzinfo=zone, fold=1)
        if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != value:
            raise MeterError(f"local time in the daylight-saving gap — {column} {text} never happened in "
                             f"{time_zone}: the clocks skipped that hour")
        found = [first.astimezone(UTC)]
    except OverflowError:
        raise MeterError(f"interval out of range — {_short(text)!r}") from None
    if second.utcoffset() != first.utcoffset():
        found.append(second.astimezone(UTC))
    return found


def parse_interval(from_text: str, to_text: str, time_zone: str, previous_end: datetime | None = None,
                   file_time: datetime | None = None) -> tuple[datetime, datetime]:
    """[from, to) in UTC, checked: 15 or 60 minutes, on the quarter hour (an hour on the hour)."""
    starts = candidates(from_text, time_zone, "from")
    ends = candidates(to_text, time_zone, "to")
    valid = [(s, e) for s in starts for e in ends if e - s in (timedelta(minutes=m) for m in MINUTES)]
    if previous_end is not None and len(starts) > 1 and any(s == previous_end for s, _e in valid):
        valid = [(s, e) for s, e in valid if s == previous_end]
    if not valid:
        minutes = (ends[0] - starts[0]).total_seconds() / 60
        raise MeterError(f"interval not 15 or 60 minutes — from {_short(from_text)} to {_short(to_text)} is "
                         f"{minutes:g} minutes (on the night the clocks go back, write the times with their offset)")
    start, end = valid[0]
    if file_time is not None and not (EARLIEST <= start and end <= file_time + timedelta(days=1)):
        raise MeterError(f"interval out of range — {_short(from_text)} is before 2000 or more than a day after "
                         "the file was made")
    local = start.astimezone(ZoneInfo(time_zone))
    if local.second or local.microsecond or local.minute % 15 or (end - start == timedelta(hours=1) and local.minute):
        raise MeterError(f"interval not on the quarter hour — from {_short(from_text)} (a quarter starts at "
                         ":00, :15, :30 or :45, an hour at :00)")
    return start, end


def parse_kwh(text: str) -> Decimal:
    try:
        value = Decimal((text or "").strip().replace(",", "."))
    except InvalidOperation:
        raise MeterError(f"unparseable kWh — {_short(text)!r}") from None
    if not value.is_finite():
        raise MeterError(f"unparseable kWh — {_short(text)!r}")
    if value < 0:
        raise MeterError(f"negative kWh — {_short(text)} kWh")
    if value > MAX_KWH:
        raise MeterError(f"kWh out of range — {_short(text)} kWh")
    if value != value.quantize(Decimal("0.001")):
        raise MeterError(f"kWh finer than 1 Wh — {_short(text)} kWh")
    return value.quantize(Decimal("0.001"))


def check_interval(stored: dict[datetime, Interval], new: Interval) -> str:
    """'new', 'duplicate' or 'updated' for an interval against a meter's intervals (by start);
    raises MeterError when it overlaps one of another start or length."""
    old = stored.get(new.starts_at)
    if old is not None and old.ends_at == new.ends_at:
        return "duplicate" if old.kwh == new.kwh else "updated"
    # Every interval starts on the quarter hour and lasts at most an hour: one that overlaps
    # [start, end) starts at most 45 minutes before it, and before its end.
    at = new.starts_at - 3 * QUARTER
    while at < new.ends_at:
        other = stored.get(at)
        if other is not None and other.starts_at < new.ends_at and other.ends_at > new.starts_at:
            raise MeterError(f"overlapping interval — {new.starts_at:%Y-%m-%d %H:%M}–{new.ends_at:%H:%M} UTC overlaps "
                             f"the stored {other.starts_at:%Y-%m-%d %H:%M}–{other.ends_at:%H:%M} UTC")
        at += QUARTER
    return "new"


def stored_intervals(cur, meter_id: str) -> dict[datetime, Interval]:
    rows = cur.execute(query_text("meter_intervals_of"), {"meter_id": meter_id}).fetchall()
    return {r[0].astimezone(UTC): Interval(r[0].astimezone(UTC), r[1].astimezone(UTC), Decimal(r[2])) for r in rows}


def ingest_interval_file(store: Store, path: Path | str, *, display_name: str | None = None,
                         installation: str | None = None) -> ImportSummary:
    """Load one interval-reading CSV in one transaction."""
    path = Path(path)
    shown = display_name or str(path)
    started, started_at = time.perf_counter(), datetime.now(UTC)
    opened = meters.open_csv(path, shown, "meter interval CSV", REQUIRED, OPTIONAL, ("kwh",), ("from", "to"))
    content_sha256, file_bytes, dialect, lines, reader, col = (
        opened.content_sha256, opened.file_bytes, opened.dialect, opened.lines, opened.reader, opened.columns)
    header = opened.header
    raw_limit = meters.RAW_SHOWN_CHARS
    with store.transaction() as cur:
        import_id = cur.execute(query_text("next_import_id")).fetchone()[0]
        summary = ImportSummary(file=shown, format=FORMAT, import_id=import_id, installation_id=None,
                                noun=METER_INTERVALS, read_as=None if dialect.is_canonical else dialect.description())
        known: dict[str, dict[datetime, Interval]] = {}
        previous_end: dict[str, datetime] = {}
        changed: dict[tuple[str, datetime], Interval] = {}
        homes: set[str] = set()
        homes_of: dict[tuple[str, str | None], tuple[str, str]] = {}
        rejected: list[tuple[int, str, str]] = []
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                summary.records += 1
                line_no = reader.line_num
                raw = lines[line_no - 1] if 0 < line_no <= len(lines) else ""
                rejected.append((line_no, raw.rstrip("\r\n")[:raw_limit], f"malformed CSV line — {error}"))
                continue
            line_no = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            summary.records += 1
            raw = dialect.delimiter.join(row)[:raw_limit]
            try:
                if len(row) != len(header):
                    raise MeterError(f"malformed CSV line — {len(row)} fields for {len(header)} columns")
                meter_id = row[col["meter_id"]].strip()
                if not meter_id:
                    raise MeterError("missing meter id")
                named = row[col["installation"]].strip() if "installation" in col else None
                if (meter_id, named) not in homes_of:  # (a file holds thousands of one meter's intervals)
                    homes_of[(meter_id, named)] = meters._meter_home(cur, meter_id, named, installation)
                installation_id, tz = homes_of[(meter_id, named)]
                start, end = parse_interval(row[col["from"]], row[col["to"]], tz, previous_end.get(meter_id),
                                            started_at)
                interval = Interval(start, end, parse_kwh(row[col["kwh"]]))
                if meter_id not in known:
                    known[meter_id] = stored_intervals(cur, meter_id)
                outcome = check_interval(known[meter_id], interval)
            except MeterError as error:
                rejected.append((line_no, raw, str(error)))
                continue
            homes.add(installation_id)
            previous_end[meter_id] = end
            if outcome == "duplicate":
                summary.duplicate += 1
                continue
            key = (meter_id, start)
            if outcome == "updated" and key not in changed:
                summary.updated += 1
            elif outcome == "new":
                summary.new += 1
            known[meter_id][start] = interval
            changed[key] = interval
        if changed:
            cur.execute(query_text("meter_interval_upsert"), {
                "meter_ids": [meter_id for meter_id, _start in changed],
                "starts_at": [i.starts_at for i in changed.values()], "ends_at": [i.ends_at for i in changed.values()],
                "kwh": [str(i.kwh) for i in changed.values()], "import_id": import_id})
        if rejected:
            cur.executemany(query_text("meter_insert_rejected"), [
                {"import_id": import_id, "position": n, "location": f"line {n}", "raw": raw, "reason": reason}
                for n, raw, reason in rejected])
        summary.rejected = len(rejected)
        summary.installation_id = next(iter(homes)) if len(homes) == 1 else None
        cur.execute(query_text("insert_import"), {
            "import_id": import_id, "file_name": Path(shown).name, "content_sha256": content_sha256,
            "file_bytes": file_bytes, "format": FORMAT, "installation_id": summary.installation_id,
            "started_at": started_at, "records": summary.records, "new_rows": summary.new,
            "duplicate_rows": summary.duplicate, "updated_rows": summary.updated, "rejected_rows": summary.rejected,
            "older_rows": 0, "conflicting_rows": 0,
        })
        summary.rejected_by_reason = list(cur.execute(query_text("rejected_by_reason"),
                                                      {"import_id": import_id}).fetchall())
    summary.seconds = time.perf_counter() - started
    return summary
