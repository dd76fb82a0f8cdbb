"""Streaming, formula-safe .xlsx writer used by every export.

Why a small hand-written writer and not a library
-------------------------------------------------
Measured with ``bench/bench_excel.py`` (100,000 rows x 8 mixed columns, 2-core machine,
median; the generator that makes the rows is included in every figure):

* openpyxl 3.1.5, write-only mode: 8.5 s. Too slow by 4x.
* XlsxWriter 3.3.1, direct API, ``constant_memory``, type-specific ``write_*`` calls:
  3.5 s. Well kept, but misses the 2 s target, and the time is its per-cell Python
  work, which cannot be tuned away from the outside.
* PyExcelerate 0.13.0: 3.3 s, and it needs the whole sheet as a list (72 MiB extra
  at 100k rows, growing with the rows), so it cannot stream a cursor; it also writes
  any string starting with "=" as a live formula.
* rustpy-xlsxwriter 0.8.0 (Rust): 0.8 s, but a young single-maintainer project with
  a very wide surface; not vetted, and not worth a compiled dependency here.
* This module: 0.9 s (1.9 s for 200k rows), 0.6 MiB extra memory at any size, no new
  dependency. Its files are ~30% larger than XlsxWriter's (deflate level 1, inline
  strings), which buys about 0.4 s per 100k rows.

An export needs very little of the format: one table per sheet, a bold frozen header,
an auto-filter, a handful of number formats, and a bold totals row. That fits in a
worksheet XML written row by row straight into a deflate stream inside the zip (no
temporary file, no shared-strings table: every string is an inline string), plus a
fixed ``styles.xml`` and a few fixed package parts. The whole writer is this file;
``tests/test_excel.py`` reads every feature back with openpyxl. Checked by hand in
LibreOffice Calc 7.4 (headless conversion): dates, formats, filter, bold cells and
escapes come out as intended. Not yet opened in Microsoft Excel itself.

Cells
-----
* ``text``: an inline string (``t="inlineStr"``), never a formula, whatever it holds.
  Values that are not ``str`` are written as ``str(value)``. The column carries the
  Text number format (``@``), so what a user types into it later stays text too.
* ``int`` / ``kwh`` / ``hours`` / ``percent`` / ``money``: numbers, with the formats
  ``#,##0``, ``#,##0.000``, ``#,##0.00``, ``0.0%`` and ``#,##0.00`` (Excel shows the group and
  decimal marks of the reader's own Excel: 7 148,000 in a Norwegian one). NaN and infinities (which Excel
  cannot hold) become empty cells; integers beyond 2**53 (which a double cannot hold
  exactly) are written as text. ``hours`` also accepts a ``timedelta``. A ``str`` in a
  number column is written as (neutralised) text, so a feed's "n/a" cannot break an
  export.
* ``datetime`` / ``date``: real Excel dates (serial numbers with the active language's date
  format, ``formats.excel_date_format``: 24.11.2026 21:20 / 24 Nov 2026 21:20) from
  naive local ``datetime``/``date`` values (a datetime in a ``date`` column keeps its
  time of day; only the display drops it). A tz-aware datetime raises ``ValueError``:
  the caller must first convert to the installation's local time and drop the zone
  (Excel has no time zones). Dates before 1900-03-01, which Excel cannot show as
  dates, are written as ISO text.
* ``None`` (and pandas' NaT) gives an empty cell; so does an empty string.

Formula injection (OWASP ASVS 5.0, requirement 1.2.10)
------------------------------------------------------
Two layers:

1. No value ever becomes a formula: this writer has no code path that emits ``<f>``;
   every string is a typed string cell, so Excel never evaluates it on open.
2. A text value whose first character is ``= + - @``, tab, carriage return or NUL is
   prefixed with a single quote, as ASVS prescribes for spreadsheet exports. We chose
   the literal quote over the ``quotePrefix`` style because the style is lost as soon
   as the sheet is saved as CSV, copied into another tool, or the cell is edited, and
   the literal quote is not: ``=HYPERLINK(...)`` from a user name reads
   ``'=HYPERLINK(...)`` everywhere. The price is that the quote is visible and part
   of the value (openpyxl reads ``"'=1+1"``), which is what ASVS asks for.

Text is also made safe for XML and for Excel: characters XML 1.0 forbids (controls
other than tab/newline, lone surrogates, U+FFFE/U+FFFF) are replaced by U+FFFD, so a
NUL in a user name cannot break an export; CR and CRLF become a newline; text that
looks like an OOXML escape (``_x0041_``) is escaped (``_x005F_x0041_``) so Excel
shows it as written instead of decoding it; strings longer than Excel's 32,767
characters are cut. Sheet names are checked (1-31 characters, none of ``[]:*?/\\``,
no leading/trailing apostrophe, not "History", unique ignoring case).

Printing
--------
Every sheet prints on A4, one page wide (``fitToWidth=1, fitToHeight=0``: as many pages down as the
rows need), landscape when its columns are wider than a portrait page (``PORTRAIT_MAX_WIDTH``),
with its header row repeated on every page (print titles) and a print area covering exactly the
heading, header, data and totals, so nothing past the table (an overflowing text, a stray column)
can add a page. Header and footer: the installation, report and period given as ``page_header``
(left, centre, right) and "Page x of y". The About sheet's name and headers, the footer and
the date formats are in the active language (chargeboard.i18n); the caller's texts are its own. A sheet may carry ``heading`` lines above its table (e.g.
the resident and the period of a statement). The About sheet's values wrap within their column.

Streaming
---------
``rows`` is iterated once, 500 rows are formatted at a time and pushed through the
zip's deflate stream, so memory stays flat whatever the row count. ``TooManyRows``
is raised as soon as a sheet would pass Excel's row limit (the totals row, when
there is one, takes one of the rows). On any error a path target is deleted; a
file-object target is left holding an unusable partial file.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from numbers import Integral, Real
from typing import BinaryIO

from chargeboard import formats
from chargeboard.i18n import _

__all__ = ["Column", "Sheet", "MAX_DATA_ROWS", "TooManyRows", "write_workbook"]

MAX_DATA_ROWS = 1_048_575  # Excel has 1,048,576 rows; one is the header.
MAX_COLUMNS = 16_384
MAX_TEXT = 32_767  # characters Excel keeps in one cell
_ZIP_ENTRY_LIMIT = zipfile.ZIP64_LIMIT  # a sheet past 2 GiB of XML needs Zip64: refuse it
_COMPRESS_LEVEL = 1  # deflate level: 1 is ~3x faster than 6 for ~25% larger files

# kind -> (numFmtId, format code if custom, default width); the date formats follow the
# active language (_number_formats), the numbers' marks the reader's Excel.
_KINDS: dict[str, tuple[int, str | None, float]] = {
    "text": (49, None, 24.0),  # 49 is the built-in "@" (Text)
    "int": (3, None, 10.0),  # built-in "#,##0"
    "kwh": (164, formats.excel_number_format(3), 12.0),
    "hours": (4, None, 10.0),  # built-in "#,##0.00"
    "percent": (165, "0.0%", 10.0),
    "money": (4, None, 13.0),  # built-in "#,##0.00"
    "datetime": (166, "", 17.0),  # formats.excel_date_format(with_time=True)
    "date": (167, "", 11.0),  # formats.excel_date_format()
}
_KINDS["wrapped"] = (49, None, 60.0)  # text that wraps within its column (About's values)
_KIND_ORDER = tuple(_KINDS)
# Widths (in Excel's character units) that fit across a portrait A4 page with default margins;
# a wider sheet prints landscape (and is then scaled to one page wide, if need be).
PORTRAIT_MAX_WIDTH = 95.0
_DANGER_START = frozenset("=+-@\t\r\x00")
_SAFE_INT = 2**53
_EPOCH_ORDINAL = _dt.date(1899, 12, 30).toordinal()  # Excel serial 0 (1900 date system)
_FIRST_DATE_ORDINAL = _dt.date(1900, 3, 1).toordinal()  # before this Excel's 1900 bug bites
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")

# Anything that needs more than "write it as is": a risky first character, edge
# whitespace (needs xml:space), XML specials, illegal or control characters, an
# OOXML escape look-alike. Everything else takes the fast path.
_NEEDS_WORK = re.compile(r"^[=+\-@\s\x00]|\s$|[&<>\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_OOXML_ESCAPE = re.compile(r"_x[0-9A-Fa-f]{4}_")


class TooManyRows(Exception):
    """A sheet has more data rows than Excel can hold."""


@dataclass(frozen=True)
class Column:
    title: str
    kind: str  # one of _KINDS
    width: float | None = None  # None: a default for the kind, widened for the title

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"column {self.title!r}: unknown kind {self.kind!r}; one of {', '.join(_KINDS)}")

    @property
    def effective_width(self) -> float:
        if self.width is not None:
            return float(self.width)
        return max(_KINDS[self.kind][2], min(len(self.title) + 3, 60.0))


@dataclass
class Sheet:
    name: str
    columns: Sequence[Column]
    rows: Iterable[Sequence]  # iterated once; may stream from a cursor
    totals: Sequence | None = None  # same length as columns; None cells blank; bold
    heading: Sequence[str] = ()  # lines above the table (bold), then a blank row, then the header
    # rows below the totals, after one blank row (a statement's "By component" block), written by the
    # same columns' rules (a text in a number or date column stays text); not in the auto-filter
    after: Sequence[Sequence] = ()


def write_workbook(
    target: str | os.PathLike | BinaryIO,
    sheets: Sequence[Sheet],
    about: Sequence[tuple[str, str]],
    *,
    max_data_rows: int | None = None,
    page_header: Sequence[str] = (),
) -> int:
    """Write ``sheets`` plus a final "About" sheet (field, value) to ``target``.

    ``target`` is a path or a writable binary file object (e.g. ``io.BytesIO``).
    Returns the number of data rows written (headers, totals and About not counted).
    Raises ``TooManyRows`` when a sheet passes ``max_data_rows`` (default
    ``MAX_DATA_ROWS``), ``ValueError`` for a bad sheet name, a row of the wrong length
    or a tz-aware datetime, ``TypeError`` for a value a column cannot hold.
    ``page_header``: up to three texts printed at the top of every page (left, centre, right),
    e.g. installation, report and period.
    """
    limit = MAX_DATA_ROWS if max_data_rows is None else max_data_rows
    about_sheet = Sheet(
        about_sheet_name(),
        [Column(_("Field"), "text", 28), Column(_("Value"), "wrapped", 64)],
        [(field, value) for field, value in about],
    )
    plan = [(sheet, True) for sheet in sheets] + [(about_sheet, False)]
    _check_plan([sheet for sheet, _ in plan])

    is_path = isinstance(target, (str, os.PathLike))
    written = 0
    try:
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=_COMPRESS_LEVEL) as zf:
            placed: list[_Placed] = []
            header_footer = _header_footer(page_header)
            for index, (sheet, is_data) in enumerate(plan, start=1):
                with zf.open(_zip_info(f"xl/worksheets/sheet{index}.xml"), "w") as out:
                    done = _write_sheet(out, sheet, limit if is_data else MAX_DATA_ROWS, autofilter=is_data,
                                        selected=index == 1, header_footer=header_footer)
                placed.append(done)
                if is_data:
                    written += done.rows
            names = [sheet.name for sheet, _ in plan]
            for name, text in _package_parts(names, placed).items():
                zf.writestr(_zip_info(name), text)
    except BaseException:
        if is_path:
            try:
                os.unlink(target)
            except OSError:
                pass
        raise
    return written


def about_sheet_name() -> str:
    """The last sheet's name in the active language ("About" / "Om"): no other sheet may take it."""
    return _("About")


# --- checks -------------------------------------------------------------------------


def _check_plan(sheets: Sequence[Sheet]) -> None:
    seen: set[str] = set()
    for sheet in sheets:
        _check_sheet_name(sheet.name)
        if sheet.name.lower() in seen:
            raise ValueError(f"duplicate sheet name {sheet.name!r} (Excel ignores case; "
                             f"{about_sheet_name()!r} is reserved)")
        seen.add(sheet.name.lower())
        if not 1 <= len(sheet.columns) <= MAX_COLUMNS:
            raise ValueError(f"sheet {sheet.name!r}: needs 1 to {MAX_COLUMNS} columns")
        if sheet.totals is not None and len(sheet.totals) != len(sheet.columns):
            raise ValueError(
                f"sheet {sheet.name!r}: totals has {len(sheet.totals)} cells for {len(sheet.columns)} columns"
            )


def _check_sheet_name(name: str) -> None:
    if not isinstance(name, str) or not 1 <= len(name) <= 31:
        raise ValueError(f"sheet name {name!r}: must be 1 to 31 characters")
    if _BAD_SHEET_CHARS.search(name) or _ILLEGAL_XML.search(name):
        raise ValueError(f"sheet name {name!r}: must not contain any of []:*?/\\ or control characters")
    if name.startswith("'") or name.endswith("'"):
        raise ValueError(f"sheet name {name!r}: must not begin or end with an apostrophe")
    if name.lower() == "history":
        raise ValueError("sheet name 'History' is reserved by Excel")


# --- cells --------------------------------------------------------------------------


def _style(kind: str, bold: bool) -> int:
    return 1 + 2 * _KIND_ORDER.index(kind) + bold


def _text_content(value: str) -> tuple[str, bool]:
    """Neutralised, XML-escaped text and whether it needs xml:space="preserve"."""
    risky = value[:1] in _DANGER_START
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _ILLEGAL_XML.sub("\ufffd", value)
    if risky or value[:1] in _DANGER_START:
        value = "'" + value
    if len(value) > MAX_TEXT:
        value = value[:MAX_TEXT]
    value = _OOXML_ESCAPE.sub(r"_x005F\g<0>", value)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value, value[:1].isspace() or value[-1:].isspace()


def _text_xml(value: str, ref: str, style: int) -> str:
    if not value:
        return ""
    if _NEEDS_WORK.search(value) is None and len(value) <= MAX_TEXT:
        return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t>{value}</t></is></c>'
    text, preserve = _text_content(value)
    space = ' xml:space="preserve"' if preserve else ""
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _is_missing(value) -> bool:
    """NaN, NaT, pandas NA: values that are not equal to themselves (or cannot say)."""
    try:
        return bool(value != value)
    except Exception:  # noqa: BLE001 - pandas NA refuses bool(), Decimal sNaN refuses comparison
        return True


def _text_cell(style: int, title: str):
    needs_work = _NEEDS_WORK.search

    def cell(value, ref: str) -> str:
        if type(value) is str and value and needs_work(value) is None and len(value) <= MAX_TEXT:  # fast path
            return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t>{value}</t></is></c>'
        if type(value) is not str:
            if _is_missing(value):
                return ""
            value = str(value)
        return _text_xml(value, ref, style)

    return cell


def _number_cell(style: int, title: str, kind: str):
    text_style = _style("text", style % 2 == 0)  # same boldness, text format

    def slow(value, ref: str) -> str:
        if isinstance(value, str):
            return _text_xml(value, ref, text_style)
        if _is_missing(value):
            return ""
        if isinstance(value, _dt.timedelta) and kind == "hours":
            value = value.total_seconds() / 3600
        elif isinstance(value, Integral):  # bool, numpy integers
            value = int(value)
        elif isinstance(value, (Real, Decimal)):
            value = float(value)
        else:
            raise TypeError(f"column {title!r} ({kind}): cannot write {type(value).__name__} {value!r}")
        return cell(value, ref)

    def cell(value, ref: str) -> str:
        kind_of = type(value)
        if kind_of is float:
            if value - value == 0.0:  # finite
                return f'<c r="{ref}" s="{style}"><v>{value!r}</v></c>'
            return ""
        if kind_of is int:
            if -_SAFE_INT <= value <= _SAFE_INT:
                return f'<c r="{ref}" s="{style}"><v>{value}</v></c>'
            return _text_xml(str(value), ref, text_style)
        return slow(value, ref)

    return cell


def _date_cell(style: int, title: str):
    text_style = _style("text", style % 2 == 0)

    def cell(value, ref: str) -> str:
        if isinstance(value, _dt.datetime):
            if value.tzinfo is not None:
                raise ValueError(
                    f"column {title!r}: tz-aware datetime {value!r}; convert to the installation's "
                    "local time and drop the zone before exporting"
                )
            if type(value) is not _dt.datetime and _is_missing(value):  # pandas NaT
                return ""
            ordinal = value.toordinal()
            serial = (
                ordinal
                - _EPOCH_ORDINAL
                + (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
            )
        elif isinstance(value, _dt.date):
            ordinal = value.toordinal()
            serial = ordinal - _EPOCH_ORDINAL
        elif isinstance(value, str):
            return _text_xml(value, ref, text_style)
        elif _is_missing(value):
            return ""
        else:
            raise TypeError(f"column {title!r}: cannot write {type(value).__name__} {value!r} as a date")
        if ordinal < _FIRST_DATE_ORDINAL:
            return _text_xml(value.isoformat(), ref, text_style)
        return f'<c r="{ref}" s="{style}"><v>{serial!r}</v></c>'

    return cell


def _cell_writers(columns: Sequence[Column], bold: bool) -> list:
    writers = []
    for column in columns:
        style = _style(column.kind, bold)
        if column.kind in ("text", "wrapped"):
            writers.append(_text_cell(style, column.title))
        elif column.kind in ("datetime", "date"):
            writers.append(_date_cell(style, column.title))
        else:
            writers.append(_number_cell(style, column.title, column.kind))
    return writers


def _col_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- sheets -------------------------------------------------------------------------

_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_BATCH = 500


@dataclass(frozen=True)
class _Placed:
    """Where a written sheet's parts landed (for the workbook's defined names)."""
    rows: int                # data rows
    header_row: int          # 1-based row of the column titles
    filter_ref: str | None   # auto-filter range (header and data)
    print_ref: str           # heading to totals


def _header_footer(parts: Sequence[str]) -> str:
    """<headerFooter>: parts left/centre/right on top, "Page x of y" below. '&' is a code there: doubled."""
    codes = ("&L", "&C", "&R")
    top = "".join(code + str(part).replace("&", "&&") for code, part in zip(codes, parts, strict=False) if part)
    head = f"<oddHeader>{_attr(top)}</oddHeader>" if top else ""
    page = _("Page {page} of {pages}").replace("&", "&&").format(page="&P", pages="&N")
    return f"<headerFooter>{head}<oddFooter>{_attr('&C' + page)}</oddFooter></headerFooter>"


def _write_sheet(out, sheet: Sheet, limit: int, *, autofilter: bool, selected: bool,
                 header_footer: str = "") -> _Placed:
    """Stream one worksheet: heading lines, header row, data, totals, then its print settings."""
    columns = list(sheet.columns)
    ncols = len(columns)
    letters = [_col_letter(i) for i in range(ncols)]
    heading = [str(line) for line in sheet.heading]
    top = len(heading) + 1 if heading else 0  # rows above the header: the heading and one blank row
    head_r = top + 1
    limit -= top
    if sheet.totals is not None:
        limit -= 1  # the totals row needs a row of its own
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{column.effective_width:.2f}" customWidth="1"/>'
        for i, column in enumerate(columns, start=1)
    )
    selected_attr = ' tabSelected="1"' if selected else ""
    header_cells = "".join(
        _text_xml(str(c.title), f"{letters[i]}{head_r}", _style("text", True)) for i, c in enumerate(columns)
    )
    heading_rows = "".join(
        f'<row r="{i}">{_text_xml(line, f"A{i}", _style("text", True))}</row>' for i, line in enumerate(heading, 1)
    )
    out.write(
        (
            f'{_XML_HEAD}<worksheet xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
            '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
            f'<sheetViews><sheetView{selected_attr} workbookViewId="0">'
            f'<pane ySplit="{head_r}" topLeftCell="A{head_r + 1}" activePane="bottomLeft" state="frozen"/>'
            f'<selection pane="bottomLeft" activeCell="A{head_r + 1}" sqref="A{head_r + 1}"/>'
            f"</sheetView></sheetViews><cols>{cols}</cols><sheetData>"
            f'{heading_rows}<row r="{head_r}">{header_cells}</row>'
        ).encode()
    )

    writers = _cell_writers(columns, bold=False)
    size = 0
    count = 0
    batch: list[str] = []
    for row in sheet.rows:
        count += 1
        if count > limit:
            raise TooManyRows(
                f"sheet {sheet.name!r} has more than {limit:,} data rows, more than Excel can hold; "
                "narrow the filter or export as CSV instead"
            )
        if len(row) != ncols:
            raise ValueError(f"sheet {sheet.name!r}, data row {count}: {len(row)} values for {ncols} columns")
        r = str(count + head_r)
        cells = "".join(
            [write(v, col + r) for write, col, v in zip(writers, letters, row, strict=True) if v is not None]
        )
        batch.append(f'<row r="{r}">{cells}</row>')
        if len(batch) >= _BATCH:
            size += _flush(out, batch, sheet.name)

    last = count + head_r
    if sheet.totals is not None:
        r = str(last + 1)
        bold_writers = _cell_writers(columns, bold=True)
        cells = "".join(
            [w(v, col + r) for w, col, v in zip(bold_writers, letters, sheet.totals, strict=True) if v is not None]
        )
        batch.append(f'<row r="{r}">{cells}</row>')
    below = last + (1 if sheet.totals is not None else 0) + 1  # (the blank row before the block)
    for row in sheet.after:
        if len(row) != ncols:
            raise ValueError(f"sheet {sheet.name!r}, a row below the table: {len(row)} values for {ncols} columns")
        below += 1
        cells = "".join([w(v, col + str(below)) for w, col, v in zip(writers, letters, row, strict=True)
                         if v is not None])
        batch.append(f'<row r="{below}">{cells}</row>')
    batch.append("</sheetData>")
    ref = f"A{head_r}:{letters[-1]}{last}"
    if autofilter:
        batch.append(f'<autoFilter ref="{ref}"/>')
    width = sum(column.effective_width for column in columns)
    orientation = "landscape" if width > PORTRAIT_MAX_WIDTH else "portrait"
    batch.append('<printOptions gridLines="0"/>'
                 '<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
                 f'<pageSetup paperSize="9" orientation="{orientation}" fitToWidth="1" fitToHeight="0"/>'
                 f"{header_footer}</worksheet>")
    _flush(out, batch, sheet.name, size)
    print_last = below if sheet.after else last + (1 if sheet.totals is not None else 0)
    return _Placed(count, head_r, ref if autofilter else None, f"A1:{letters[-1]}{print_last}")


def _flush(out, batch: list[str], name: str, size: int = 0) -> int:
    data = "".join(batch).encode("utf-8")
    batch.clear()
    if size + len(data) > _ZIP_ENTRY_LIMIT:
        raise TooManyRows(f"sheet {name!r} is too large for an .xlsx file (over 2 GiB of cells); export as CSV instead")
    out.write(data)
    return len(data)


# --- package ------------------------------------------------------------------------


def _zip_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # reproducible output
    info.compress_type = zipfile.ZIP_DEFLATED
    # An entry given as a ZipInfo ignores ZipFile(compresslevel=...); Python 3.13 renamed
    # the attribute from _compresslevel to compress_level.
    setattr(info, "compress_level" if hasattr(info, "compress_level") else "_compresslevel", _COMPRESS_LEVEL)
    info.external_attr = 0o644 << 16
    return info


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _number_formats() -> dict[int, str]:
    """The custom number formats (id -> code), the dates in the active language's shape."""
    codes = {fid: code for fid, code, _width in _KINDS.values() if code is not None}
    codes[_KINDS["datetime"][0]] = formats.excel_date_format(with_time=True)
    codes[_KINDS["date"][0]] = formats.excel_date_format()
    return codes


def _styles_xml() -> str:
    custom = _number_formats()
    numfmts = "".join(f'<numFmt numFmtId="{fid}" formatCode="{_attr(code)}"/>' for fid, code in custom.items())
    count = len(custom)
    xfs = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>']
    for kind in _KIND_ORDER:
        fid = _KINDS[kind][0]
        wrap = ' applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>' if kind == "wrapped" else "/>"
        xfs.append(f'<xf numFmtId="{fid}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"{wrap}')
        xfs.append(
            f'<xf numFmtId="{fid}" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"'
            f"{wrap}"
        )
    return (
        f'{_XML_HEAD}<styleSheet xmlns="{_NS_MAIN}">'
        f'<numFmts count="{count}">{numfmts}</numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


def _package_parts(names: list[str], placed: list[_Placed]) -> dict[str, str]:
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{sheet_type}"/>'
        for i in range(1, len(names) + 1)
    )
    content_types = (
        f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{overrides}</Types>"
    )
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    root_rels = (
        f'{_XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    sheet_rels = "".join(
        f'<Relationship Id="rId{i}" Type="{rel}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(names) + 1)
    )
    workbook_rels = (
        f'{_XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'{sheet_rels}<Relationship Id="rId{len(names) + 1}" Type="{rel}/styles" Target="styles.xml"/>'
        "</Relationships>"
    )
    sheets = "".join(
        f'<sheet name="{_attr(name)}" sheetId="{i}" r:id="rId{i}"/>' for i, name in enumerate(names, start=1)
    )
    defined = "".join(
        (
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"{_attr(_absolute_ref(names[i], p.filter_ref))}</definedName>"
            if p.filter_ref is not None
            else ""
        )
        + f'<definedName name="_xlnm.Print_Area" localSheetId="{i}">{_attr(_absolute_ref(names[i], p.print_ref))}'
        "</definedName>"
        f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
        f"{_attr(_quoted(names[i]))}!${p.header_row}:${p.header_row}</definedName>"
        for i, p in enumerate(placed)
    )
    workbook = (
        f'{_XML_HEAD}<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
        '<bookViews><workbookView activeTab="0"/></bookViews>'
        f"<sheets>{sheets}</sheets>" + (f"<definedNames>{defined}</definedNames>" if defined else "") + "</workbook>"
    )
    return {
        "[Content_Types].xml": content_types,
        "_rels/.rels": root_rels,
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": workbook_rels,
        "xl/styles.xml": _styles_xml(),
    }


def _absolute_ref(sheet_name: str, ref: str) -> str:
    first, last = ref.split(":")
    absolute = ":".join("$" + re.sub(r"(\d+)$", r"$\1", part) for part in (first, last))
    return _quoted(sheet_name) + "!" + absolute


def _quoted(sheet_name: str) -> str:
    return "'" + sheet_name.replace("'", "''") + "'"
