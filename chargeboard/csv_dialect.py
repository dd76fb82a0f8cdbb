"""CSV as people's spreadsheets save it: which separator, decimal mark, text encoding and date
format a file uses, detected from its header and first rows.

Norwegian Excel saves "CSV" with `;` between fields, a decimal comma (`23,418`), in Windows-1252
(or UTF-8, with or without a byte-order mark), and dates as `dd.mm.yyyy hh:mm` in local time.
The ingest reads the canonical form (UTF-8, `,`, `.`, ISO 8601); a file in another form is
rewritten line for line into it first (line numbers stay the same), and the import summary says
how it was read. A file whose form cannot be told (say, both decimal marks) is one clear line.
"""

from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from chargeboard.i18n import N_

SAMPLE_BYTES = 1 << 20
DAY_FIRST = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T](\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?\s*$")
DECIMAL_COMMA = re.compile(r"^\s*-?\d+,\d+\s*$")
DECIMAL_POINT = re.compile(r"^\s*-?\d+\.\d+\s*$")
UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}")


class DialectError(ValueError):
    """The file's form cannot be told; the message says why."""


@dataclass(frozen=True)
class Dialect:
    encoding: str = "utf-8"        # utf-8, utf-8-sig (with a byte-order mark) or windows-1252
    delimiter: str = ","
    decimal_comma: bool = False
    day_first_dates: bool = False  # dd.mm.yyyy hh:mm, the installation's local time

    @property
    def is_canonical(self) -> bool:
        return (self.encoding in ("utf-8", "utf-8-sig") and self.delimiter == ","
                and not self.decimal_comma and not self.day_first_dates)

    def description(self) -> str:
        """How the file was read, for the import summary: English parts, each translated where the
        summary is shown (summary.ImportSummary.lines)."""
        return ", ".join([
            N_("semicolon-separated") if self.delimiter == ";" else N_("comma-separated"),
            N_("decimal comma") if self.decimal_comma else N_("decimal point"),
            {"utf-8": "UTF-8", "utf-8-sig": N_("UTF-8 with BOM"), "windows-1252": "Windows-1252"}[self.encoding],
            N_("day.month.year dates") if self.day_first_dates else N_("ISO 8601 dates"),
        ])


def _decode_sample(raw: bytes, complete: bool) -> tuple[str, str]:
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", raw[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    cut = raw if complete else raw[:raw.rfind(b"\n") + 1] or raw  # no character split at the end
    try:
        return "utf-8", cut.decode("utf-8")
    except UnicodeDecodeError:
        if UTF8_MULTIBYTE.search(cut):  # UTF-8 text with a broken line: the reader rejects that line
            return "utf-8", cut.decode("utf-8", errors="replace")
    try:
        return "windows-1252", cut.decode("windows-1252")
    except UnicodeDecodeError:
        raise DialectError("neither UTF-8 nor Windows-1252 text") from None


def _readable_rows(lines: list[str], delimiter: str) -> list[list[str]]:
    """The rows of the sample; a line the csv module refuses (a field over 128 KiB) is left to
    the reader, which rejects it with its line number."""
    reader, rows = csv.reader(lines, delimiter=delimiter), []
    while True:
        try:
            rows.append(next(reader))
        except StopIteration:
            return rows
        except csv.Error:
            continue


def detect(path: Path, key_column: str, number_columns: tuple[str, ...],
           date_columns: tuple[str, ...]) -> Dialect:
    """The dialect of a CSV whose header names `key_column`, judged from its first megabyte."""
    with open(path, "rb") as handle:
        raw = handle.read(SAMPLE_BYTES + 1)
    encoding, text = _decode_sample(raw[:SAMPLE_BYTES], len(raw) <= SAMPLE_BYTES)
    lines = text.splitlines()
    header = lines[0] if lines else ""
    by_semicolon = [c.strip().lower() for c in header.split(";")]
    delimiter = ";" if key_column in by_semicolon else ","
    rows = _readable_rows(lines[:2000], delimiter)
    names = [c.strip().lower() for c in rows[0]] if rows else []
    values = {name: [row[i] for row in rows[1:] if i < len(row) and row[i].strip()]
              for i, name in enumerate(names)}
    # A decimal comma only in a semicolon-separated file: in a comma-separated one, "23,418" is a
    # value the ingest rejects with its reason, not a sign of how the file was saved.
    numbers = [v for name in number_columns for v in values.get(name, [])] if delimiter == ";" else []
    commas = sum(bool(DECIMAL_COMMA.match(v)) for v in numbers)
    points = sum(bool(DECIMAL_POINT.match(v)) for v in numbers)
    if commas and points:
        raise DialectError(f"both decimal marks in {', '.join(number_columns)} — "
                           f"{commas} value(s) with a comma and {points} with a point; save the file with one")
    dates = [v for name in date_columns for v in values.get(name, [])]
    return Dialect(encoding, delimiter, decimal_comma=bool(commas),
                   day_first_dates=any(DAY_FIRST.match(v) for v in dates))


def local_iso(text: str, time_zone: str) -> str:
    """`dd.mm.yyyy hh:mm` (local time of the installation) as ISO 8601 with its offset; any other
    text is returned as it is, for the ingest to read (ISO 8601) or reject with its reason."""
    match = DAY_FIRST.match(text or "")
    if not match:
        return text
    day, month, year, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=ZoneInfo(time_zone))
    except ValueError:
        return text  # 31.02.2025: left for the ingest to reject as unparseable
    return moment.isoformat()


def rewrite(path: Path, dialect: Dialect, out: Path, time_zone: str,
            number_columns: tuple[str, ...], date_columns: tuple[str, ...]) -> None:
    """Write the file in the canonical form, line for line (a blank line stays a blank line, a
    line with the wrong number of fields keeps its count, so the reader still rejects it)."""
    with open(path, encoding=dialect.encoding, errors="replace", newline="") as source, \
            open(out, "w", encoding="utf-8", newline="") as target:
        reader = csv.reader(source, delimiter=dialect.delimiter)
        writer = csv.writer(target, lineterminator="\n")
        header = next(reader, [])
        writer.writerow(header)
        names = [c.strip().lower() for c in header]
        numbers = [i for i, n in enumerate(names) if n in number_columns] if dialect.decimal_comma else []
        dates = [i for i, n in enumerate(names) if n in date_columns] if dialect.day_first_dates else []
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as error:  # e.g. a field over 128 KiB: the file cannot be rewritten
                raise DialectError(f"line {reader.line_num}: {error}") from None
            for i in numbers:
                if i < len(row) and DECIMAL_COMMA.match(row[i]):
                    row[i] = row[i].replace(",", ".")
            for i in dates:
                if i < len(row):
                    row[i] = local_iso(row[i], time_zone)
            writer.writerow(row)
