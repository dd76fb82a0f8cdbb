"""CSV as people's spreadsheets save it: which separator, decimal mark, text encoding and date
format a file uses, detected from its header and first rows.

Norwegian Excel saves "CSV" with `;` between fields, a decimal comma (`23,418`), in Windows-1252
(or UTF-8, with or without a byte-order mark), and dates as `dd.mm.yyyy hh:mm` in local time.
The ingest reads the canonical form (UTF-8, `,`, `.`, ISO 8601); a file in another form is
rewritten into it first, each record with the line of the file it starts on, and the import summary
says how it was read. A file whose form cannot be told (say, both decimal marks) is one clear line.

The same rewrite is the careful read of a canonical file in which the fast reader cannot be trusted
(an unterminated quote, a NUL byte, bare CR line ends, lines in two encodings): it reads each line
as UTF-8 or else Windows-1252, and a record it cannot read is a rejected line with its reason,
never dropped.
"""

from __future__ import annotations

import codecs
import csv
import errno
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from chargeboard.i18n import N_

SAMPLE_BYTES = 1 << 20
DAY_FIRST = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T](\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?\s*$")
DECIMAL_COMMA = re.compile(r"^\s*-?\d+,\d+\s*$")
DECIMAL_POINT = re.compile(r"^\s*-?\d+\.\d+\s*$")
UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}")
# The column of a rewritten copy that holds the line of the file each record starts on.
LINE_COLUMN = "chargeboard_line"
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")  # a line ends in CRLF, LF or CR alone (old Mac)
_BLOCK = 1 << 20


class DialectError(ValueError):
    """The file's form cannot be told; the message says why."""


@dataclass(frozen=True)
class Dialect:
    encoding: str = "utf-8"        # utf-8, utf-8-sig (with a byte-order mark), utf-16 (with one) or windows-1252
    delimiter: str = ","
    decimal_comma: bool = False
    day_first_dates: bool = False  # dd.mm.yyyy hh:mm, the installation's local time

    @property
    def is_canonical(self) -> bool:
        return (self.encoding in ("utf-8", "utf-8-sig") and self.delimiter == ","
                and not self.decimal_comma and not self.day_first_dates)

    def description(self, encodings: set[str] | frozenset[str] = frozenset()) -> str:
        """How the file was read, for the import summary (`encodings`: those its lines were read in):
        English parts, each translated where the summary is shown (summary.ImportSummary.lines)."""
        encoding = {"utf-8": "UTF-8", "utf-8-sig": N_("UTF-8 with BOM"), "utf-16": "UTF-16",
                    "windows-1252": "Windows-1252"}[self.encoding]
        if {"utf-8", "windows-1252"} <= set(encodings):
            encoding = N_("lines in UTF-8 and in Windows-1252")
        return ", ".join([
            N_("semicolon-separated") if self.delimiter == ";" else N_("comma-separated"),
            N_("decimal comma") if self.decimal_comma else N_("decimal point"),
            encoding,
            N_("day.month.year dates") if self.day_first_dates else N_("ISO 8601 dates"),
        ])


def _decode_sample(raw: bytes, complete: bool) -> tuple[str, str]:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", raw[:len(raw) // 2 * 2].decode("utf-16", errors="replace")
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
    """The rows of the sample, each line on its own: a quote that never closes must not take the
    lines after it into one field. A line the csv module refuses (a field over 128 KiB) is left
    to the reader, which rejects it with its line number."""
    rows = []
    for line in lines:
        try:
            rows.append(next(csv.reader([line], delimiter=delimiter), []))
        except csv.Error:
            continue
    return rows


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


class LocalTimeError(ValueError):
    """A local clock time that names no single instant; the message is a rejection reason."""


def checked_local_iso(text: str, time_zone: str, column: str) -> str:
    """local_iso, but a time the installation's clock never showed (the spring-forward gap) or
    showed twice (the autumn hour) is a LocalTimeError naming the reading(s), not a guess: a
    session placed in the wrong hour would be priced and reported in that hour."""
    match = DAY_FIRST.match(text or "")
    if not match:
        return text
    day, month, year, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    try:
        zone = ZoneInfo(time_zone)
        first = datetime(year, month, day, hour, minute, second, tzinfo=zone)
    except ValueError:
        return text  # 31.02.2025: left for the ingest to reject as unparseable
    second_reading = first.replace(fold=1)
    if first.utcoffset() == second_reading.utcoffset():
        return first.isoformat()
    shown = text.strip()
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != first.replace(tzinfo=None):
        raise LocalTimeError(f"local time in the daylight-saving gap — {column} {shown} never happened in "
                             f"{time_zone}: the clocks skipped that hour")
    raise LocalTimeError(f"ambiguous local time — {column} {shown} happened twice in {time_zone}: "
                         f"{first.isoformat()} or {second_reading.isoformat()}; write the time with its offset")


@dataclass
class Rewritten:
    """What the rewrite found: the records it could not read, and the encodings of the lines."""
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (line, its text, reason)
    encodings: set[str] = field(default_factory=set)


class _Lines:
    """The file's lines as text for csv.reader, numbered from 1, read a block at a time: a block
    that is clean UTF-8 (the common case) is split by C code; any other block line by line, each
    line as UTF-8 or else Windows-1252 (a file that mixes them is read right), a line ending in
    CR, LF or CRLF. Notes what makes a line unreadable (`problems`, by line)."""

    def __init__(self, handle):
        self.handle = handle
        self.encodings: set[str] = set()
        self.problems: dict[int, str] = {}
        self._blocks: list[tuple[int, int]] = []  # (lines before the block, its offset), to read on from a line

    def from_line(self, line: int) -> Iterator[str]:
        """The lines from `line` on."""
        before, offset = max([(b, o) for b, o in self._blocks if b < line], default=(0, 0))
        return self._read(before, offset, skip=line - 1 - before)

    def _read(self, before: int, offset: int, skip: int) -> Iterator[str]:
        self.handle.seek(offset)
        while raw := self.handle.read(_BLOCK):
            raw += self.handle.readline()  # a block ends at a line end (a CR-only file: at its end)
            if not self._blocks or self._blocks[-1][1] < offset:
                self._blocks.append((before, offset))
            offset += len(raw)
            lines = self._clean_block(raw, before)
            if lines is None:
                lines = self._lines_of(raw, before)
                count = len(lines)
            else:
                count = raw.count(b"\n") + (not raw.endswith(b"\n"))
            lines = iter(lines)
            for _ in range(min(skip, count)):
                next(lines)
            skip -= min(skip, count)
            before += count
            yield from lines

    def _clean_block(self, raw: bytes, before: int) -> io.StringIO | None:
        """The block's lines when it is UTF-8 with nothing to note, else None."""
        if b"\0" in raw or (b"\r" in raw and raw.count(b"\r") != raw.count(b"\r\n")):
            return None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if "\ufffd" in text:
            return None
        if not raw.isascii():
            self.encodings.add("utf-8")
        if before == 0 and text.startswith("\ufeff"):
            text = text[1:]
        return io.StringIO(text, newline="")

    def _lines_of(self, raw: bytes, before: int) -> list[str]:
        lines = []
        for number, piece in enumerate(_LINE.findall(raw), start=before + 1):
            if number == 1 and piece.startswith(codecs.BOM_UTF8):
                piece = piece[len(codecs.BOM_UTF8):]
            try:
                text = piece.decode("utf-8")
                if not piece.isascii():
                    self.encodings.add("utf-8")
            except UnicodeDecodeError:
                try:
                    text = piece.decode("windows-1252")
                    self.encodings.add("windows-1252")
                except UnicodeDecodeError:  # 0x81, 0x8d, 0x8f, 0x90, 0x9d: no character in either
                    text = piece.decode("windows-1252", errors="replace")
                    self.problems[number] = f"unreadable text — line {number} is neither UTF-8 nor Windows-1252"
            if "\x00" in text:
                self.problems.setdefault(number, f"unreadable text — line {number} holds a NUL byte")
            elif "\ufffd" in text:
                self.problems.setdefault(number, f"unreadable text — line {number} holds U+FFFD, a character "
                                                 "lost when the file was converted before")
            lines.append(text)
        return lines

    def problem_in(self, first: int, last: int) -> str | None:
        if not self.problems:
            return None
        return next((self.problems[n] for n in range(first, last + 1) if n in self.problems), None)

    def texts(self, wanted: set[int]) -> dict[int, str]:
        """The text of these lines (another pass: only when some record was rejected)."""
        found = {}
        for number, text in enumerate(self.from_line(1), start=1):
            if number in wanted:
                found[number] = text
                if len(found) == len(wanted):
                    break
        return found


def rewrite(path: Path, dialect: Dialect, out: Path, time_zone: str,
            number_columns: tuple[str, ...], date_columns: tuple[str, ...]) -> Rewritten:
    """Write the file in the canonical form, each record with the line it starts on (LINE_COLUMN).
    A record that cannot be read — a quote that never closes, the wrong number of fields, text in
    no known encoding, a local time that names no single instant — is not written: it is in the
    result, with its line and reason. Raises DialectError only when the header cannot be read;
    an OSError writing the copy (a full disk) names the copy, not the feed."""
    try:
        if dialect.encoding == "utf-16":  # read as UTF-8 from a copy: the lines are then bytes like the others
            utf8 = out.with_name(out.name + ".utf8")
            try:
                transcode(path, "utf-16", utf8)
                return _rewrite(utf8, dialect, out, time_zone, number_columns, date_columns)
            except UnicodeError as error:  # e.g. cut at an odd byte
                raise DialectError(f"not UTF-16 text — {error}") from None
            finally:
                utf8.unlink(missing_ok=True)
        return _rewrite(path, dialect, out, time_zone, number_columns, date_columns)
    except OSError as error:  # a write's error names no file; a full disk is the copy's, not the feed's
        if error.filename is None and error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise OSError(error.errno, error.strerror, str(out)) from None
        raise


def transcode(path: Path, encoding: str, out: Path) -> None:
    """The file as UTF-8 (without a byte-order mark), line ends kept."""
    with open(path, encoding=encoding, newline="") as source, open(out, "w", encoding="utf-8", newline="") as target:
        while text := source.read(1 << 20):
            target.write(text)


def _rewrite(path: Path, dialect: Dialect, out: Path, time_zone: str,
             number_columns: tuple[str, ...], date_columns: tuple[str, ...]) -> Rewritten:
    rejected: list[tuple[int, int, str]] = []  # first line, last line, reason
    with open(path, "rb") as source, open(out, "w", encoding="utf-8", newline="") as target:
        lines = _Lines(source)
        reader = csv.reader(lines.from_line(1), delimiter=dialect.delimiter, strict=True)
        lines_before = 0  # the lines before the reader's first (it counts its own from 1)
        writer = csv.writer(target, lineterminator="\n")
        try:
            header = next(reader, [])
        except csv.Error as error:
            raise DialectError(f"line 1: {error}") from None
        if lines.problem_in(1, reader.line_num):
            raise DialectError(f"line 1: {lines.problem_in(1, reader.line_num).split(' — ', 1)[1]}")
        header = [c.strip() for c in header]
        writer.writerow([*header, LINE_COLUMN])
        width = len(header)
        names = [c.lower() for c in header]
        numbers = [i for i, n in enumerate(names) if n in number_columns] if dialect.decimal_comma else []
        dates = [(i, header[i]) for i, n in enumerate(names) if n in date_columns] if dialect.day_first_dates else []
        while True:
            first = lines_before + reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                last = lines_before + reader.line_num
                if "unexpected end" in str(error) or (last > first and "field limit" in str(error)):
                    # A quote opened on `first` runs to the end of the file (or past any sane field):
                    # reject that line alone and read the lines after it on their own.
                    rejected.append((first, first, f"unterminated quote — the quoted field opened on line {first} "
                                                   "never closes"))
                    if last > first:
                        reader = csv.reader(lines.from_line(first + 1), delimiter=dialect.delimiter, strict=True)
                        lines_before = first
                else:
                    rejected.append((first, last, f"malformed CSV line — {error}"))
                continue
            last = lines_before + reader.line_num
            if not row:
                continue  # a blank line
            if problem := lines.problem_in(first, last):
                rejected.append((first, last, problem))
                continue
            if len(row) > width and not any(v.strip() for v in row[width:]):
                row = row[:width]  # separators at the end of the line: no field, nothing lost
            if len(row) != width:
                rejected.append((first, last, f"malformed CSV line — Expected Number of Columns: {width} "
                                              f"Found: {len(row)}"))
                continue
            for i in numbers:
                if DECIMAL_COMMA.match(row[i]):
                    row[i] = row[i].replace(",", ".")
            try:
                for i, column in dates:
                    row[i] = checked_local_iso(row[i], time_zone, column)
            except LocalTimeError as error:
                rejected.append((first, last, str(error)))
                continue
            writer.writerow([*row, first])
        texts = lines.texts({n for first, last, _ in rejected for n in range(first, last + 1)}) if rejected else {}
        return Rewritten(
            rejected=[(first, "".join(texts.get(n, "") for n in range(first, last + 1)).rstrip("\r\n"), reason)
                      for first, last, reason in rejected],
            encodings=lines.encodings)
