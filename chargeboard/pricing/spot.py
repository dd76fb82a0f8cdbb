"""Spot prices per price area and interval: files in, a daily fetch, what the pricing engine asks.

Two formats (README, "Spot prices"):

* the public Norwegian price API's day files (hvakosterstrommen.no,
  ``/api/v1/prices/YYYY/MM-DD_NOx.json``): a JSON array of ``{NOK_per_kWh, EUR_per_kWh, EXR,
  time_start, time_end}``, times ISO 8601 with their offset, 60-minute intervals (15-minute ones from
  1 October 2025). Prices EXCLUDING VAT. The area is the file name's (``..._NO1.json``) or ``area``.
* ENTSO-E day-ahead XML (``Publication_MarketDocument``): TimeSeries / Period (timeInterval,
  resolution PT60M or PT15M) / Point (position, price.amount) in EUR per MWh. Curve type A03: a missing
  position repeats the price before it; A01 (or none): every position is given. The area is the
  in_Domain's EIC code. The file has no exchange rate: it is loaded only with one given (``eur_nok``,
  NOK per EUR), never guessed.

Every price row is checked: its interval is 15 or 60 minutes and starts on a multiple of that (UTC),
its price is a number within [MIN_NOK, MAX_NOK] NOK per kWh, and the file gives the interval one price
only (an hour the file also has quarter hours for is rejected: the quarter hours are kept). A row that fails is a rejected row (rejected_rows: file, record or position, reason). One
transaction per file; loading a file again changes nothing; a later file's price for a stored
interval replaces it (so a corrected file can be loaded). Prices are kept to 6 decimals of NOK.
"""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

from chargeboard import formats, reasons, settings
from chargeboard import schedule as background
from chargeboard.cloud_http import CloudError, CloudSession
from chargeboard.i18n import _, ngettext
from chargeboard.pricing.formula import PRICE_AREAS
from chargeboard.store import Store, query_text

AREAS = PRICE_AREAS
DEFAULT_API_URL = "https://www.hvakosterstrommen.no"
# ENTSO-E's EIC codes of the Norwegian bidding zones (as entsoe-py's mappings and ENTSO-E's list).
EIC_AREAS = {"10YNO-1--------2": "NO1", "10YNO-2--------T": "NO2", "10YNO-3--------J": "NO3",
             "10YNO-4--------9": "NO4", "10Y1001A1001A48H": "NO5"}
MIN_NOK, MAX_NOK = Decimal("-10"), Decimal("100")  # NOK per kWh excl. VAT: a typo or unit guard
MINUTES = (15, 60)
RESOLUTIONS = {"PT15M": 15, "PT60M": 60, "PT1H": 60}
PLACES = Decimal("0.000001")
MAX_FETCH_DAYS = 366
RAW_SHOWN_CHARS = 300
FIRST_DAY = date(2000, 1, 1)


class PriceFileError(ValueError):
    """A whole file (or fetch) that cannot be loaded; nothing of it was stored. One line, naming the file."""


@dataclass(frozen=True)
class PriceRow:
    position: int        # record number (JSON) or running point number (XML), 1-based
    location: str        # the same, for a person: "record 3", "TimeSeries 1, Period 1, position 7"
    raw: str
    starts_at: datetime  # UTC
    ends_at: datetime
    nok: Decimal
    eur: Decimal | None
    exr: Decimal | None


@dataclass
class ParsedFile:
    name: str
    format: str          # 'spot-json' or 'entsoe-xml'
    area: str
    content_sha256: str
    file_bytes: int
    records: int = 0
    rows: list[PriceRow] = field(default_factory=list)
    rejected: list[tuple[int, str, str, str]] = field(default_factory=list)  # (position, location, raw, reason)


@dataclass
class PriceSummary:
    """What one file (or one fetched day) came to."""

    file: str
    format: str
    area: str
    import_id: int
    records: int = 0
    new: int = 0
    unchanged: int = 0
    replaced: int = 0
    rejected: int = 0
    rejected_by_reason: list[tuple[str, int]] = field(default_factory=list)
    first: datetime | None = None
    last: datetime | None = None

    def lines(self) -> list[str]:
        out = [_("{file}: spot prices {area} ({format}), {records} → {new} new, {unchanged} unchanged, "
                 "{replaced} replaced, {rejected} rejected", file=self.file, area=self.area, format=self.format,
                 records=ngettext("{n} record", "{n} records", self.records), new=self.new,
                 unchanged=self.unchanged, replaced=self.replaced, rejected=self.rejected)]
        out += ["  " + _("rejected: {n} × {reason}", n=n, reason=reasons.shown(reason))
                for reason, n in self.rejected_by_reason]
        return out

    @property
    def needs_attention(self) -> bool:
        return bool(self.rejected)


class RowError(ValueError):
    """One price row that cannot be stored; the message is its reason (its kind, then " — " and the details)."""


# -- checking one row -----------------------------------------------------------------------------

def _short(value: object, limit: int = 40) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[:limit] + "…"


def _instant(value: object, what: str) -> datetime:
    if not isinstance(value, str):
        raise RowError(f"unparseable price time — {what} {_short(value)}")
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise RowError(f"unparseable price time — {what} {_short(value)!r}") from None
    if moment.tzinfo is None:
        raise RowError(f"unparseable price time — {what} {_short(value)!r} has no offset")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise RowError(f"unparseable price time — {what} {_short(value)!r}") from None


def _interval(starts_at: datetime, ends_at: datetime) -> None:
    minutes = (ends_at - starts_at).total_seconds() / 60
    if minutes not in MINUTES:
        raise RowError(f"price interval not 15 or 60 minutes — {starts_at:%Y-%m-%d %H:%M}–{ends_at:%H:%M} UTC "
                       f"is {minutes:g} minutes")
    if starts_at.second or starts_at.microsecond or starts_at.minute % int(minutes):
        raise RowError(f"price interval not aligned — {int(minutes)} minutes from {starts_at:%Y-%m-%d %H:%M:%S} UTC")
    if starts_at.date() < FIRST_DAY:
        raise RowError(f"unparseable price time — {starts_at:%Y-%m-%d} is before 2000")


def _number(value: object, what: str, *, required: bool) -> Decimal | None:
    if value is None:
        if required:
            raise RowError(f"missing price — no {what}")
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise RowError(f"unparseable price — {what} {_short(value)}")
    try:
        number = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise RowError(f"unparseable price — {what} {_short(value)!r}") from None
    if not number.is_finite():
        raise RowError(f"unparseable price — {what} {_short(value)!r}")
    return number


def _rounded(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(PLACES, rounding=ROUND_HALF_EVEN)


def _nok_in_range(nok: Decimal) -> Decimal:
    if not MIN_NOK <= nok <= MAX_NOK:
        raise RowError(f"price out of range — {nok.normalize():f} NOK/kWh is outside {MIN_NOK}..{MAX_NOK}")
    return _rounded(nok)


def _check_file(parsed: ParsedFile) -> None:
    """The rows the file itself contradicts: one interval with different prices (every copy is
    rejected: which is right cannot be told); an hour the file also gives quarter hours for (an
    ENTSO-E document may hold both resolutions: the quarter hours are kept)."""
    by_interval: dict[tuple[datetime, datetime], list[PriceRow]] = {}
    for row in parsed.rows:
        by_interval.setdefault((row.starts_at, row.ends_at), []).append(row)
    kept: list[PriceRow] = []
    for (start, _end), copies in sorted(by_interval.items()):
        if len({c.nok for c in copies}) > 1:
            where = ", ".join(c.location for c in copies)
            for c in copies:
                parsed.rejected.append((c.position, c.location, c.raw,
                                        f"conflicting price in the file — {start:%Y-%m-%d %H:%M} UTC has "
                                        f"{len(copies)} different prices ({where})"))
            continue
        kept.append(copies[0])  # identical copies count once
    quarters = {row.starts_at: row for row in kept if row.ends_at - row.starts_at == timedelta(minutes=15)}
    clean: list[PriceRow] = []
    for row in kept:
        if row.ends_at - row.starts_at > timedelta(minutes=15):
            finer = next((quarters[q] for q in (row.starts_at + timedelta(minutes=15 * i) for i in range(4))
                          if q in quarters), None)
            if finer is not None:
                parsed.rejected.append((row.position, row.location, row.raw,
                                        f"overlapping price interval — the hour from {row.starts_at:%Y-%m-%d %H:%M} "
                                        f"UTC; the file also has quarter hours for it ({finer.location})"))
                continue
        clean.append(row)
    parsed.rows = clean


# -- the price API's JSON ---------------------------------------------------------------------------

AREA_IN_NAME = re.compile(r"_(NO[1-5])\.json$", re.IGNORECASE)


def area_from_name(name: str) -> str | None:
    match = AREA_IN_NAME.search(Path(name).name)
    return match.group(1).upper() if match else None


def _area(found: str | None, given: str | None, shown: str, where: str) -> str:
    if given is not None and given not in AREAS:
        raise PriceFileError(_("{file}: unknown price area {area} (one of {areas})", file=shown, area=given,
                               areas=", ".join(AREAS)))
    if found and given and found != given:
        raise PriceFileError(_("{file}: {where} says price area {found}, but {given} was given", file=shown,
                               where=where, found=found, given=given))
    area = found or given
    if area is None:
        raise PriceFileError(_("{file}: which price area? Name the file …_NO1.json as the price API does, or "
                               "give the area (--area NO1)", file=shown))
    return area


def parse_api_json(data: bytes, shown: str, area: str | None = None) -> ParsedFile:
    """A day file of the price API; area from the file name (…_NO1.json), else the one given."""
    area = _area(area_from_name(shown), area, shown, _("the file name"))
    parsed = ParsedFile(shown, "spot-json", area, hashlib.sha256(data).hexdigest(), len(data))
    try:
        records = json.loads(data.decode("utf-8-sig"), parse_float=Decimal)
    except UnicodeDecodeError:
        raise PriceFileError(_("{file}: not UTF-8 text", file=shown)) from None
    except ValueError as error:
        raise PriceFileError(_("{file}: not JSON ({reason})", file=shown, reason=error)) from None
    if not isinstance(records, list):
        raise PriceFileError(_("{file}: not a price API day file (a JSON array of prices)", file=shown))
    for number, record in enumerate(records, start=1):
        parsed.records += 1
        location = f"record {number}"
        raw = json.dumps(record, default=str)[:RAW_SHOWN_CHARS]
        try:
            if not isinstance(record, dict):
                raise RowError(f"record is not an object — {_short(record)}")
            starts_at = _instant(record.get("time_start"), "time_start")
            ends_at = _instant(record.get("time_end"), "time_end")
            _interval(starts_at, ends_at)
            nok = _nok_in_range(_number(record.get("NOK_per_kWh"), "NOK_per_kWh", required=True))
            eur = _rounded(_number(record.get("EUR_per_kWh"), "EUR_per_kWh", required=False))
            exr = _rounded(_number(record.get("EXR"), "EXR", required=False))
        except RowError as error:
            parsed.rejected.append((number, location, raw, str(error)))
            continue
        parsed.rows.append(PriceRow(number, location, raw, starts_at, ends_at, nok, eur, exr))
    _check_file(parsed)
    return parsed


# -- ENTSO-E XML -----------------------------------------------------------------------------------

def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(node: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in node if _local(c.tag) == name), None)


def _text(node: ET.Element | None, name: str) -> str | None:
    child = _child(node, name) if node is not None else None
    return child.text.strip() if child is not None and child.text else None


def parse_entsoe_xml(data: bytes, shown: str, area: str | None = None, eur_nok: Decimal | None = None) -> ParsedFile:
    """ENTSO-E day-ahead prices (EUR/MWh); NOK per kWh = price / 1000 × eur_nok, which must be given."""
    try:
        root = ET.fromstring(data)  # noqa: S314 — expat >= 2.4.1 refuses entity expansion bombs
    except ET.ParseError as error:
        raise PriceFileError(_("{file}: not well-formed XML ({reason})", file=shown, reason=error)) from None
    if _local(root.tag) != "Publication_MarketDocument":
        raise PriceFileError(_("{file}: not an ENTSO-E Publication_MarketDocument (found {tag})", file=shown,
                               tag=_local(root.tag)))
    series = [c for c in root if _local(c.tag) == "TimeSeries"]
    if not series:
        raise PriceFileError(_("{file}: no TimeSeries (no prices)", file=shown))
    domains = {_text(s, "in_Domain.mRID") for s in series}
    if len(domains) != 1:
        raise PriceFileError(_("{file}: prices of several areas ({codes}); load one area per file", file=shown,
                               codes=", ".join(sorted(str(d) for d in domains))))
    code = domains.pop()
    if code not in EIC_AREAS:
        raise PriceFileError(_("{file}: in_Domain {code} is not a Norwegian price area's EIC code", file=shown,
                               code=code))
    found_area = _area(EIC_AREAS[code], area, shown, "in_Domain " + code)
    if eur_nok is None:
        raise PriceFileError(_("{file}: ENTSO-E prices are in EUR per MWh and the file has no exchange rate; "
                               "give the rate in NOK per EUR (--eur-nok 11.50), e.g. Norges Bank's of the day",
                               file=shown))
    if not eur_nok.is_finite() or eur_nok <= 0:
        raise PriceFileError(_("{file}: the exchange rate must be a positive number of NOK per EUR", file=shown))
    parsed = ParsedFile(shown, "entsoe-xml", found_area, hashlib.sha256(data).hexdigest(), len(data))
    running = 0
    for s_no, ts in enumerate(series, start=1):
        currency, unit = _text(ts, "currency_Unit.name"), _text(ts, "price_Measure_Unit.name")
        if currency != "EUR" or (unit or "").upper() != "MWH":
            raise PriceFileError(_("{file}: TimeSeries {n}: prices in {currency} per {unit}; only EUR per MWh is "
                                   "read", file=shown, n=s_no, currency=currency, unit=unit))
        curve = _text(ts, "curveType") or "A01"
        if curve not in ("A01", "A03"):
            raise PriceFileError(_("{file}: TimeSeries {n}: curve type {curve} is not read (A01 or A03)", file=shown,
                                   n=s_no, curve=curve))
        for p_no, period in enumerate((c for c in ts if _local(c.tag) == "Period"), start=1):
            where = f"TimeSeries {s_no}, Period {p_no}"
            interval = _child(period, "timeInterval")
            resolution = _text(period, "resolution")
            if resolution not in RESOLUTIONS:
                raise PriceFileError(_("{file}: {where}: resolution {resolution} is not read (PT60M or PT15M)",
                                       file=shown, where=where, resolution=resolution))
            try:
                start = _instant(_text(interval, "start"), "start")
                end = _instant(_text(interval, "end"), "end")
            except RowError as error:
                raise PriceFileError(f"{shown}: {where}: {error}") from None
            step = timedelta(minutes=RESOLUTIONS[resolution])
            slots = int((end - start) / step)
            if slots <= 0 or start + slots * step != end:
                raise PriceFileError(_("{file}: {where}: the timeInterval is not a whole number of {resolution}",
                                       file=shown, where=where, resolution=resolution))
            given: dict[int, tuple[int, str, str, Decimal]] = {}
            for point in (c for c in period if _local(c.tag) == "Point"):
                running += 1
                parsed.records += 1
                raw = ET.tostring(point, encoding="unicode")[:RAW_SHOWN_CHARS]
                position_text, amount_text = _text(point, "position"), _text(point, "price.amount")
                location = f"{where}, position {position_text}"
                try:
                    try:
                        position = int(position_text or "")
                    except ValueError:
                        raise RowError(f"price position out of range — {_short(position_text or '')!r}") from None
                    if not 1 <= position <= slots:
                        raise RowError(f"price position out of range — {position} of 1..{slots}")
                    amount = _number(amount_text, "price.amount", required=True)
                    if position in given and given[position][3] != amount:
                        raise RowError(f"conflicting price in the file — position {position} has "
                                       f"{given[position][3]} and {amount} EUR/MWh")
                except RowError as error:
                    parsed.rejected.append((running, location, raw, str(error)))
                    continue
                given.setdefault(position, (running, location, raw, amount))
            previous = None
            for position in range(1, slots + 1):
                if position in given:
                    previous = given[position]
                    number, location, raw, amount = previous
                elif curve == "A03" and previous is not None:  # a missing position repeats the price before it
                    number, location, raw, amount = previous
                    location = f"{where}, position {position} (as position {previous[1].rsplit(' ', 1)[-1]})"
                else:
                    continue  # a gap: no price, none guessed
                starts_at = start + (position - 1) * step
                try:
                    _interval(starts_at, starts_at + step)
                    eur = amount / 1000
                    nok = _nok_in_range(eur * eur_nok)
                except RowError as error:
                    parsed.rejected.append((number, location, raw, str(error)))
                    continue
                parsed.rows.append(PriceRow(number, location, raw, starts_at, starts_at + step, nok, _rounded(eur),
                                            _rounded(eur_nok)))
    _check_file(parsed)
    return parsed


def parse_file(data: bytes, shown: str, area: str | None = None, eur_nok: Decimal | None = None) -> ParsedFile:
    """A price file by its content: JSON (the price API) or XML (ENTSO-E)."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<":
        return parse_entsoe_xml(data, shown, area, eur_nok)
    if head in (b"[", b"{"):
        return parse_api_json(data, shown, area)
    raise PriceFileError(_("{file}: neither a price API day file (JSON) nor ENTSO-E XML", file=shown))


# -- storing ---------------------------------------------------------------------------------------

def _store_parsed(cur, parsed: ParsedFile, imported_by: str | None, started_at: datetime) -> PriceSummary:
    """One parsed file into the store on `cur` (inside the caller's transaction)."""
    import_id = cur.execute(query_text("next_import_id")).fetchone()[0]
    summary = PriceSummary(parsed.name, parsed.format, parsed.area, import_id, records=parsed.records)
    new_rows: list[PriceRow] = []
    replaced_starts: list[datetime] = []
    if parsed.rows:
        first, last = parsed.rows[0].starts_at, parsed.rows[-1].ends_at
        summary.first, summary.last = first, last
        stored = cur.execute(query_text("spot_prices_overlapping"),
                             {"area": parsed.area, "from": first, "to": last}).fetchall()
        stored = [(s.astimezone(UTC), e.astimezone(UTC), Decimal(n), eur, exr) for s, e, n, eur, exr in stored]
        at = 0
        for row in parsed.rows:  # both in time order: walk the stored ones alongside
            while at < len(stored) and stored[at][1] <= row.starts_at:
                at += 1
            overlapping = []
            probe = at
            while probe < len(stored) and stored[probe][0] < row.ends_at:
                overlapping.append(stored[probe])
                probe += 1
            if len(overlapping) == 1 and overlapping[0][:3] == (row.starts_at, row.ends_at, row.nok):
                summary.unchanged += 1
                continue
            if overlapping:
                summary.replaced += 1
                replaced_starts += [o[0] for o in overlapping]
            else:
                summary.new += 1
            new_rows.append(row)
    if replaced_starts:
        cur.execute(query_text("spot_prices_delete"), {"area": parsed.area, "starts": sorted(set(replaced_starts))})
    if new_rows:
        cur.execute(query_text("spot_prices_insert"), {
            "area": parsed.area, "import_id": import_id,
            "starts": [r.starts_at for r in new_rows], "ends": [r.ends_at for r in new_rows],
            "nok": [str(r.nok) for r in new_rows],
            "eur": [None if r.eur is None else str(r.eur) for r in new_rows],
            "exr": [None if r.exr is None else str(r.exr) for r in new_rows]})
    if parsed.rejected:
        cur.executemany(query_text("spot_rejected_insert"), [
            {"import_id": import_id, "position": position, "location": location, "raw": raw, "reason": reason}
            for position, location, raw, reason in sorted(parsed.rejected)])
    summary.rejected = len(parsed.rejected)
    cur.execute(query_text("spot_import_insert"), {
        "import_id": import_id, "file_name": Path(parsed.name).name, "content_sha256": parsed.content_sha256,
        "file_bytes": parsed.file_bytes, "format": parsed.format, "started_at": started_at,
        "records": parsed.records, "new_rows": summary.new, "unchanged_rows": summary.unchanged,
        "replaced_rows": summary.replaced, "rejected_rows": summary.rejected, "imported_by": imported_by})
    summary.rejected_by_reason = [tuple(r) for r in cur.execute(query_text("spot_rejected_by_reason"),
                                                                {"import_id": import_id}).fetchall()]
    return summary


def parse_rate(text: str | Decimal | None) -> Decimal | None:
    """--eur-nok: NOK per EUR (a decimal point or comma); None when not given."""
    if text is None or text == "":
        return None
    try:
        rate = Decimal(str(text).strip().replace(",", "."))
    except InvalidOperation:
        raise PriceFileError(_("the exchange rate '{rate}' is not a number (NOK per EUR, e.g. 11.50)",
                               rate=str(text))) from None
    if not rate.is_finite() or rate <= 0:
        raise PriceFileError(_("the exchange rate must be a positive number of NOK per EUR"))
    return rate


def import_file(store: Store, path: Path | str, *, area: str | None = None, eur_nok: Decimal | str | None = None,
                imported_by: str | None = None, display_name: str | None = None) -> PriceSummary:
    """One price file (JSON or XML) in one transaction. Raises PriceFileError (nothing stored)."""
    path = Path(path)
    shown = display_name or str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise PriceFileError(_("{file}: cannot be read ({reason})", file=shown, reason=error.strerror or error)) from None
    return import_bytes(store, data, shown, area=area, eur_nok=eur_nok, imported_by=imported_by)


def import_bytes(store: Store, data: bytes, shown: str, *, area: str | None = None,
                 eur_nok: Decimal | str | None = None, imported_by: str | None = None) -> PriceSummary:
    """A price file's bytes (an upload) in one transaction. Raises PriceFileError (nothing stored)."""
    started_at = datetime.now(UTC)
    parsed = parse_file(data, shown, area, parse_rate(eur_nok))
    with store.transaction() as cur:
        return _store_parsed(cur, parsed, imported_by, started_at)


def import_files(store: Store, paths, area: str | None = None, *, eur_nok: Decimal | str | None = None,
                 imported_by: str | None = None, display_names=None) -> list[PriceSummary | PriceFileError]:
    """Each file in its own transaction: its summary, or the PriceFileError that kept it out."""
    names = list(display_names or [None] * len(paths))
    out: list[PriceSummary | PriceFileError] = []
    for path, name in zip(paths, names, strict=True):
        try:
            out.append(import_file(store, path, area=area, eur_nok=eur_nok, imported_by=imported_by,
                                   display_name=name))
        except PriceFileError as error:
            out.append(error)
    return out


# -- what the pricing engine and the page ask -----------------------------------------------------

def day_bounds(day: date, time_zone: str) -> tuple[datetime, datetime]:
    """A local day as [start, end) in UTC (23 or 25 hours on DST days)."""
    zone = ZoneInfo(time_zone)
    start = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
    following = day + timedelta(days=1)
    return start, datetime(following.year, following.month, following.day, tzinfo=zone).astimezone(UTC)


def missing_days(store: Store, area: str, local_from: date, local_to: date,
                 time_zone: str = settings.DEFAULT_TIME_ZONE) -> list[date]:
    """The local days in [local_from, local_to) not wholly covered by the area's prices."""
    if local_to <= local_from:
        return []
    start, _end = day_bounds(local_from, time_zone)
    _start, end = day_bounds(local_to - timedelta(days=1), time_zone)
    rows = store.rows("spot_prices_between", area=area, **{"from": start, "to": end})
    covered: dict[date, float] = {}
    zone = ZoneInfo(time_zone)
    for starts_at, ends_at, _nok in rows:
        day = starts_at.astimezone(zone).date()
        covered[day] = covered.get(day, 0.0) + (ends_at - starts_at).total_seconds()
    missing = []
    day = local_from
    while day < local_to:
        first, last = day_bounds(day, time_zone)
        if covered.get(day, 0.0) < (last - first).total_seconds():
            missing.append(day)
        day += timedelta(days=1)
    return missing


@dataclass(frozen=True)
class Coverage:
    area: str
    first_day: date
    last_day: date
    intervals: int
    resolution: str   # "60 min", "15 min" or "15/60 min"


def coverage(store: Store, time_zone: str = settings.DEFAULT_TIME_ZONE) -> list[Coverage]:
    """Per area: the first and last local day with prices, how many intervals, their length."""
    return [Coverage(area, first, last, int(n), "/".join(str(m) for m in minutes) + " min")
            for area, first, last, n, minutes in store.rows("spot_coverage", time_zone=time_zone)]


def prices_between(store: Store, area: str, starts_at: datetime, ends_at: datetime) -> list[tuple]:
    """The area's (starts_at, ends_at, nok_per_kwh) with a start in [starts_at, ends_at), in time order."""
    return store.rows("spot_prices_between", area=area, **{"from": starts_at, "to": ends_at})


def freshness_line(store: Store, area: str, time_zone: str = settings.DEFAULT_TIME_ZONE) -> str | None:
    """"Spot prices NO1 up to 08.12.2026, fetched 07.12.2026 13:05" (None: no prices of the area)."""
    found = next((c for c in coverage(store, time_zone) if c.area == area), None)
    return None if found is None else _freshness_of(store, found, time_zone)


def _freshness_of(store: Store, found: Coverage, time_zone: str) -> str:
    area = found.area
    fetched = store.one("price_fetch_last_success", area=area)
    if fetched and fetched[0] is not None:
        return _("Spot prices {area} up to {day}, fetched {moment}", area=area, day=formats.day(found.last_day),
                 moment=formats.moment(fetched[0], time_zone))
    return _("Spot prices {area} up to {day}", area=area, day=formats.day(found.last_day))


# -- fetching from the price API -----------------------------------------------------------------

@dataclass
class FetchOutcome:
    area: str
    day_from: date
    day_to: date
    summaries: list[PriceSummary] = field(default_factory=list)
    unpublished: list[date] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def totals(self) -> dict[str, int]:
        return {key: sum(getattr(s, key) for s in self.summaries)
                for key in ("new", "unchanged", "replaced", "rejected")}

    def lines(self) -> list[str]:
        if self.error:
            return [_("Fetching spot prices {area} {first}–{last} failed, nothing was stored: {error}", area=self.area,
                      first=formats.day(self.day_from), last=formats.day(self.day_to), error=self.error)]
        t = self.totals()
        out = [_("Spot prices {area} {first}–{last}: {days} stored → {new} new, {unchanged} unchanged, "
                 "{replaced} replaced, {rejected} rejected", area=self.area, first=formats.day(self.day_from),
                 last=formats.day(self.day_to), days=ngettext("{n} day", "{n} days", len(self.summaries)), **t)]
        if self.unpublished:
            out.append("  " + _("not published yet: {days}", days=", ".join(formats.day(d) for d in self.unpublished)))
        for summary in self.summaries:
            if summary.rejected:
                out += ["  " + line for line in summary.lines()]
        return out


def day_path(day: date, area: str) -> str:
    return f"/api/v1/prices/{day:%Y}/{day:%m-%d}_{area}.json"


def fetch(store: Store, area: str, date_from: date, date_to: date, api_url: str = DEFAULT_API_URL, *,
          fetched_by: str | None = None, today: date | None = None, time_zone: str = settings.DEFAULT_TIME_ZONE,
          retries: int | None = None, backoff: float | None = None, started_at: datetime | None = None) -> FetchOutcome:
    """Download the day files date_from..date_to (included), then store them all in one transaction.
    A 404 for a day after today is "not published yet"; for today or before, the fetch fails. Any
    failure stores nothing. Every fetch is logged (price_fetches; started_at: when, the clock's by default)."""
    started_at = started_at or datetime.now(UTC)
    outcome = FetchOutcome(area, date_from, date_to)
    api_url = (api_url or DEFAULT_API_URL).rstrip("/")
    today = today or settings.fixed_today() or datetime.now(ZoneInfo(time_zone)).date()
    try:
        if area not in AREAS:
            raise PriceFileError(_("unknown price area {area} (one of {areas})", area=area, areas=", ".join(AREAS)))
        if date_to < date_from:
            raise PriceFileError(_("--to {last} is before --from {first}", last=date_to, first=date_from))
        if (date_to - date_from).days >= MAX_FETCH_DAYS:
            raise PriceFileError(_("at most {n} days at a time", n=MAX_FETCH_DAYS))
        if not re.match(r"https?://", api_url):
            raise PriceFileError(_("the price API address must start with http:// or https:// ({url})", url=api_url))
        downloaded: list[ParsedFile] = []
        session = CloudSession("price API", api_url, lambda _s: "", retries=retries, backoff=backoff,
                               per_second=5.0)
        try:
            day = date_from
            while day <= date_to:
                path = day_path(day, area)
                response = session.send("GET", path, authorized=False)
                if response.status_code == 404 and day > today:
                    outcome.unpublished.append(day)
                elif response.status_code >= 400:
                    raise PriceFileError(_("{url} answered {status}", url=api_url + path, status=response.status_code)
                                         + (" " + _("(the day should have been published)")
                                            if response.status_code == 404 else ""))
                else:
                    downloaded.append(parse_api_json(response.content, path.rsplit("/", 2)[-2] + "/" +
                                                     path.rsplit("/", 1)[-1], area))
                day += timedelta(days=1)
        finally:
            session.close()
        with store.transaction() as cur:
            outcome.summaries = [_store_parsed(cur, parsed, fetched_by, started_at) for parsed in downloaded]
            _log_fetch(cur, outcome, api_url, started_at, fetched_by)
    except (PriceFileError, CloudError) as error:
        outcome.summaries = []
        outcome.error = str(error)
        with store.transaction() as cur:
            _log_fetch(cur, outcome, api_url, started_at, fetched_by)
    return outcome


def _log_fetch(cur, outcome: FetchOutcome, api_url: str, started_at: datetime, fetched_by: str | None) -> None:
    t = outcome.totals()
    cur.execute(query_text("price_fetch_log"), {
        "area": outcome.area, "day_from": outcome.day_from, "day_to": outcome.day_to, "api_url": api_url,
        "started_at": started_at, "fetched_by": fetched_by, "days_stored": len(outcome.summaries),
        "days_unpublished": len(outcome.unpublished), "new_rows": t["new"], "unchanged_rows": t["unchanged"],
        "replaced_rows": t["replaced"], "rejected_rows": t["rejected"], "error": outcome.error})


def fetch_log(store: Store, limit: int = 50):
    return store.df("price_fetches_recent", limit=limit)


# -- the daily fetch inside the app ----------------------------------------------------------------

SCHEDULE_HOUR = 14          # local: the next day's prices are out after Nord Pool's noon auction (~13:00)
SCHEDULE_LOOKBACK_DAYS = 7  # days before today a scheduled fetch fills in when they are missing
SCHEDULE_RETRY = timedelta(hours=1)
SCHEDULER_TICK_SECONDS = 600.0


@dataclass(frozen=True)
class Schedule:
    area: str
    enabled: bool
    api_url: str
    updated_at: datetime | None = None
    updated_by: str | None = None


def schedule(store: Store) -> Schedule | None:
    row = store.one("price_fetch_settings_of")
    return Schedule(*row) if row else None


def set_schedule(store: Store, area: str, enabled: bool, api_url: str | None, updated_by: str) -> None:
    """The daily fetch's setting (the system owner's, on the Tariffs page)."""
    api_url = (api_url or DEFAULT_API_URL).strip().rstrip("/")
    if area not in AREAS:
        raise PriceFileError(_("unknown price area {area} (one of {areas})", area=area, areas=", ".join(AREAS)))
    if not re.match(r"https?://", api_url):
        raise PriceFileError(_("the price API address must start with http:// or https:// ({url})", url=api_url))
    store.execute("price_fetch_settings_set", area=area, enabled=bool(enabled), api_url=api_url,
                  updated_by=updated_by)


def scheduled_fetch(store: Store, now: datetime | None = None,
                    time_zone: str = settings.DEFAULT_TIME_ZONE) -> FetchOutcome | None:
    """One tick of the daily fetch: when it is on and a day from a week ago to today (from 14:00:
    tomorrow) lacks prices, fetch from the first such day, at most once an hour. None: nothing to do."""
    setting = schedule(store)
    if setting is None or not setting.enabled:
        return None
    now = now or datetime.now(UTC)
    local = now.astimezone(ZoneInfo(time_zone))
    last = local.date() + timedelta(days=1 if local.hour >= SCHEDULE_HOUR else 0)
    missing = missing_days(store, setting.area, local.date() - timedelta(days=SCHEDULE_LOOKBACK_DAYS),
                           last + timedelta(days=1), time_zone)
    if not missing:
        return None
    tried = store.one("price_fetch_last_attempt", area=setting.area)
    if tried and tried[0] is not None and now - tried[0] < SCHEDULE_RETRY:
        return None
    return fetch(store, setting.area, missing[0], last, setting.api_url, fetched_by="(schedule)",
                 today=local.date(), time_zone=time_zone, started_at=now)


# One thread per open store (as the cloud sync's): every tick, scheduled_fetch (each fetch is logged).
_schedule = background.Schedule("chargeboard-prices", "CHARGEBOARD_PRICE_TICK", SCHEDULER_TICK_SECONDS,
                                lambda store, _stopped: scheduled_fetch(store))
start_scheduler, stop_scheduler = _schedule.start, _schedule.stop


# -- the Tariffs page's section ---------------------------------------------------------------------

@dataclass(frozen=True)
class Overview:
    coverage: list[Coverage]
    freshness: list[str]
    schedule: Schedule | None


def overview(store: Store, time_zone: str = settings.DEFAULT_TIME_ZONE) -> Overview:
    """What the Tariffs page shows of the spot prices: coverage per area, a freshness line per area,
    the daily fetch's setting."""
    found = coverage(store, time_zone)
    lines = [_freshness_of(store, c, time_zone) for c in found]  # (the coverage read once, not once per area)
    return Overview(found, lines, schedule(store))


def import_uploads(store: Store, files: list[tuple[str, bytes]], area: str | None, eur_nok: str | None,
                   imported_by: str) -> list[tuple[bool, list[str]]]:
    """Uploaded price files, each in its own transaction: (loaded, the lines to show) per file."""
    out = []
    for name, data in files:
        try:
            summary = import_bytes(store, data, name, area=area or None, eur_nok=eur_nok or None,
                                   imported_by=imported_by)
        except PriceFileError as error:
            out.append((False, [str(error)]))
        else:
            out.append((not summary.needs_attention, summary.lines()))
    return out
