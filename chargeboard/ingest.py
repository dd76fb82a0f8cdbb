"""Loading charge-session feeds into the store.

One file is one transaction: it lands whole or not at all, so a process killed half-way
leaves the store as it was, and running the command again completes it. Every record
ends up somewhere: a new session, a duplicate of one already stored, an update of one
already stored, an older copy of one already stored (left as it is), a copy a newer copy in the
same file won over, or a rejected row with its position and reason. Which copy of a session is
kept never depends on the order files are loaded in (session_copy_rank in schema.sql).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import re
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np

from chargeboard import csv_dialect, settings
from chargeboard.store import Store, StoreWriteFailed, query_text, refresh_session_months, refresh_session_overlaps
from chargeboard.summary import ImportSummary, IngestError

FORMATS = ("auto", "zaptec-json", "csv", "meter-csv", "meter-intervals-csv")
CSV_REQUIRED = ("session_id", "station_id", "started_at", "ended_at", "energy_kwh")
CSV_COLUMNS = CSV_REQUIRED + (
    "station_name", "user_id", "user_name", "user_email", "tag",
    "offline", "time_unreliable", "registered_at",
)
PROGRESS_MIN_BYTES = 10_000_000
# How many of a file's sessions with conflicting copies the summary names.
CONFLICTS_NAMED = 10
JSON_OBJECT_BYTES = 16 << 20
# DuckDB's own memory while a large file loads (Python's is small: the file is never read into it).
INGEST_MEMORY_LIMIT = "600MB"
# A file up to this size loads as fast under the store's own limit, so the limit is left alone: a
# sync or upload of a few weeks does not take a serving app's memory up by 220-290 MB (BENCHMARKS.md:
# 11-58 MB files within 0.5 s of their time under 600 MB, 220-290 MB less on the 10M store).
INGEST_LIMIT_ABOVE_BYTES = 64 << 20
CSV_NUMBER_COLUMNS = ("energy_kwh",)
CSV_DATE_COLUMNS = ("started_at", "ended_at", "registered_at")


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "installation"


def detect_format(path: Path) -> str:
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        head = head[:len(head) // 2 * 2].decode("utf-16", "replace").encode()
    head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"{", b"["):
        return "zaptec-json"
    first_line = re.split(rb"[\r\n]", head, maxsplit=1)[0].decode("utf-8", "replace").lower()
    if "session_id" in first_line:
        return "csv"
    if "meter_id" in first_line:
        names = [c.strip().strip('"').strip() for c in re.split(r"[,;]", first_line)]
        # meter_id, from, to, kwh: interval readings (issue 29); meter_id, read_at, register_kwh: a register
        return "meter-intervals-csv" if all(c in names for c in ("from", "to", "kwh")) \
            and "register_kwh" not in names else "meter-csv"
    raise IngestError(f"{path}: unknown format — neither a Zaptec JSON feed nor a CSV with a session_id column")


def _records_query(path: Path, fmt: str) -> str:
    """Which query reads this file's records: CSV, Zaptec pages, or a bare list of records."""
    if fmt == "csv":
        return "session_csv_records"
    with open(path, "rb") as handle:
        head = handle.read(1 << 16)
    # A page names "Data" before any record's "Id"; a bare record has no "Data".
    data_at, id_at = head.find(b'"Data"'), head.find(b'"Id"')
    is_pages = data_at != -1 and (id_at == -1 or data_at < id_at)
    return "zaptec_json_page_records" if is_pages else "zaptec_json_records"


def _json_encoding(path: Path) -> str | None:
    """The encoding of a JSON file the reader cannot take as it is (it reads UTF-8 without a
    byte-order mark): "utf-8-sig" or "utf-16" (both with a byte-order mark), else None."""
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else None


def _check_csv_header(path: Path, shown: str) -> None:
    # errors="replace": a file that is not UTF-8 must fail as a clear IngestError from the
    # reader below, not as a UnicodeDecodeError here.
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        header = [h.strip() for h in next(csv.reader(handle), [])]
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        raise IngestError(f"{shown}: line 1: the CSV header lacks column(s) {', '.join(missing)}")
    # Two columns of one name: which one holds the value cannot be told.
    twice = [c for c in CSV_COLUMNS if [h.lower() for h in header].count(c) > 1]
    if twice:
        raise IngestError(f"{shown}: line 1: the CSV header names column(s) {', '.join(twice)} more than once")


class Progress:
    """A one-line progress bar on stderr, for files large enough to wait for."""

    def __init__(self, label: str, enabled: bool):
        self.label, self.enabled, self._last = label, enabled, ""

    def show(self, step: str, fraction: float) -> None:
        if not self.enabled:
            return
        width = 30
        filled = int(width * max(0.0, min(1.0, fraction)))
        line = f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {fraction:4.0%} {step:<12}"
        if line != self._last:
            sys.stderr.write(line)
            sys.stderr.flush()
            self._last = line

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


_BLANK_LINE = re.compile(rb"\n(?=\r?\n)")


@dataclass
class _CsvLines:
    """What hashing a CSV finds out for the fast reader: the lines that start no record, and the
    first fault its reading cannot be trusted with (the file is then read line by line instead:
    csv_dialect.rewrite)."""
    without_record: list[int] = field(default_factory=list)
    fault: str | None = None


def _sha256(path: Path, progress: Progress, csv_lines: _CsvLines | None = None) -> tuple[str, int]:
    """The file's digest and size. For a CSV, also notes the numbers of the lines that start no
    record: blank lines (the CSV reader skips them without a word) and the lines that go on a
    quoted field begun on an earlier line. Both are needed to give each record its line. And
    notes what the reader would get wrong: an unterminated or stray quote (the quote count is
    then off), a NUL byte, U+FFFD (text already damaged), a line ended by CR alone."""
    digest, size, done = hashlib.sha256(), path.stat().st_size, 0
    newlines, tail, quotes, cr_at_end = 0, b"", 0, False
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
            done += len(chunk)
            progress.show("hashing", 0.1 * done / max(size, 1))
            if csv_lines is not None:
                window = tail + chunk  # a blank line may straddle two chunks
                if b"\n\n" in window or b"\n\r\n" in window:
                    before = newlines - tail.count(b"\n")
                    for match in _BLANK_LINE.finditer(window):
                        end = match.start() + (1 if window[match.start() + 1:match.start() + 2] == b"\n" else 2)
                        if end >= len(tail):  # not already found in the previous chunk
                            csv_lines.without_record.append(before + window.count(b"\n", 0, match.start() + 1) + 1)
                if b'"' in chunk or quotes % 2:
                    csv_lines.without_record.extend(_lines_inside_quotes(chunk, newlines, quotes))
                    quotes += chunk.count(b'"')
                    if csv_lines.fault is None and _has_stray_quote(chunk):
                        csv_lines.fault = "a quote inside a field"
                if csv_lines.fault is None:
                    csv_lines.fault = _fault_in(chunk, cr_at_end)
                cr_at_end = chunk.endswith(b"\r")
                newlines += chunk.count(b"\n")
                tail = window[-2:]
    if csv_lines is not None:
        if quotes % 2 and csv_lines.fault is None:
            csv_lines.fault = "an unterminated quote"
        csv_lines.without_record[:] = sorted(set(csv_lines.without_record))  # a blank line inside quotes is both
    return digest.hexdigest(), size


def _fault_in(chunk: bytes, cr_before: bool) -> str | None:
    """What in this chunk the fast reader gets wrong or would store as it is."""
    # Single bytes first: `in` finds one at memchr speed; a 1M-row file pays about 0.05 s in all.
    if b"\0" in chunk:
        return "a NUL byte"
    if b"\xef" in chunk and b"\xef\xbf\xbd" in chunk:
        return "U+FFFD"
    if cr_before and not chunk.startswith(b"\n"):
        return "a line ended by CR alone"
    if b"\r" in chunk and chunk.count(b"\r") - chunk.count(b"\r\n") - chunk.endswith(b"\r"):
        return "a line ended by CR alone"
    return None


_FIELD_EDGE = (ord(","), ord("\n"), ord("\r"), ord('"'))  # what may stand next to a quote


def _has_stray_quote(chunk: bytes) -> bool:
    """Whether a quote stands inside a field (`Ba"y`, `"x"y`): with neither a separator, a line
    end nor another quote on either side. Vectorised, like _lines_inside_quotes: comparisons,
    not a lookup table (4x slower on uint8 indices). A quote first or last in the chunk is its
    own neighbour there, so counts as at an edge."""
    data = np.frombuffer(chunk, dtype=np.uint8)
    at = np.flatnonzero(data == ord('"'))
    if not len(at):
        return False
    before, after = data[np.maximum(at - 1, 0)], data[np.minimum(at + 1, len(data) - 1)]
    at_edge = np.zeros(len(at), dtype=bool)
    for byte in _FIELD_EDGE:
        at_edge |= (before == byte) | (after == byte)
    return not at_edge.all()


def _lines_inside_quotes(chunk: bytes, newlines_before: int, quotes_before: int) -> list[int]:
    """The numbers of the lines that begin inside a quoted field: after a newline preceded by an odd
    number of quotes in the file (a doubled quote inside a field counts twice and changes nothing).
    Vectorised: a file may quote every field of a million rows."""
    data = np.frombuffer(chunk, dtype=np.uint8)
    newline_at = np.flatnonzero(data == ord("\n"))
    if not len(newline_at):
        return []
    quotes_at_newline = np.cumsum(data == ord('"'))[newline_at] + quotes_before
    inside = np.flatnonzero(quotes_at_newline % 2 == 1)
    return (inside + newlines_before + 2).tolist()  # the line after the file's (k+1)-th newline


def _run_with_progress(cur: duckdb.DuckDBPyConnection, sql: str, params: dict,
                       progress: Progress, step: str, lo: float, hi: float) -> None:
    """Run one long statement; a side thread turns DuckDB's query progress into the bar."""
    if not progress.enabled:
        cur.execute(sql, params)
        return
    finished = threading.Event()

    def watch() -> None:
        while not finished.wait(0.2):
            try:
                pct = cur.query_progress()
            except duckdb.Error:
                pct = -1
            if pct >= 0:
                progress.show(step, lo + (hi - lo) * pct / 100)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        cur.execute(sql, params)
    finally:
        finished.set()
        watcher.join()
    progress.show(step, hi)


def ensure_installation(cur, name: str | None, time_zone: str | None) -> tuple[str, str]:
    name = name or settings.DEFAULT_INSTALLATION
    installation_id = slug(name)
    cur.execute(query_text("ensure_installation"),
                {"installation_id": installation_id, "name": name,
                 "time_zone": time_zone or settings.DEFAULT_TIME_ZONE})
    row = cur.execute(query_text("installation_by_id"), {"installation_id": installation_id}).fetchone()
    return row[0], row[2]


def _repeat_of(cur, earlier: tuple, import_id: int, shown: str, fmt: str, installation_id: str,
               content_sha256: str, file_bytes: int, started_at: datetime) -> ImportSummary:
    """A file byte-for-byte identical to one loaded before: every record is already stored
    (or was rejected then), so only the import is logged. Re-loading an old file never
    reverts the corrections a newer file brought."""
    earlier_id, records, rejected, older, conflicting = earlier
    cur.execute(query_text("copy_rejected_rows"), {"import_id": import_id, "earlier_import_id": earlier_id})
    # What was older then is older now (a store only gets newer copies); a copy that was new then
    # may be older now, but it changes nothing either, and is counted a duplicate.
    summary = ImportSummary(file=shown, format=fmt, import_id=import_id, installation_id=installation_id,
                            records=records, duplicate=records - rejected - older - conflicting,
                            older=older, conflicting=conflicting, rejected=rejected)
    cur.execute(query_text("insert_import"), {
        "import_id": import_id, "file_name": Path(shown).name, "content_sha256": content_sha256,
        "file_bytes": file_bytes, "format": fmt, "installation_id": installation_id,
        "started_at": started_at, "records": records, "new_rows": 0,
        "duplicate_rows": summary.duplicate, "updated_rows": 0, "rejected_rows": rejected,
        "older_rows": older, "conflicting_rows": conflicting,
    })
    summary.rejected_by_reason = list(cur.execute(query_text("rejected_by_reason"), {"import_id": import_id}).fetchall())
    return summary


def ingest_file(store: Store, path: Path | str, *, fmt: str = "auto", installation: str | None = None,
                time_zone: str | None = None, display_name: str | None = None,
                show_progress: bool | None = None) -> ImportSummary:
    """Load one feed file in one transaction and return what happened to its records."""
    path = Path(path)
    shown = display_name or str(path)
    if not path.is_file():
        raise IngestError(f"{shown}: no such file")
    if fmt not in FORMATS:
        raise IngestError(f"{shown}: unknown format {fmt!r} (use one of {', '.join(FORMATS)})")
    try:
        resolved = detect_format(path) if fmt == "auto" else fmt
        dialect = csv_dialect.Dialect()
        if resolved == "csv":
            dialect = csv_dialect.detect(path, "session_id", CSV_NUMBER_COLUMNS, CSV_DATE_COLUMNS)
    except IngestError as error:
        raise IngestError(str(error).replace(str(path), shown)) from None
    except csv_dialect.DialectError as error:
        raise IngestError(f"{shown}: cannot tell how the CSV was saved — {error}") from None
    except OSError as error:
        raise IngestError(f"{shown}: cannot be read — {error.strerror or error}") from None
    if resolved == "meter-csv":
        from chargeboard import meters  # noqa: PLC0415 — meters imports this module

        return meters.ingest_meter_file(store, path, display_name=shown, installation=installation)
    if resolved == "meter-intervals-csv":
        from chargeboard.pricing import intervals  # noqa: PLC0415 — as meters above

        return intervals.ingest_interval_file(store, path, display_name=shown, installation=installation)
    if resolved == "zaptec-json" and (encoding := _json_encoding(path)):
        # With a byte-order mark (UTF-8's or UTF-16's): read a UTF-8 copy without one.
        copy = _canonical_copy_path(path, ".json")
        try:
            csv_dialect.transcode(path, encoding, copy)
            return _ingest(store, path, copy, resolved, installation, time_zone, shown, show_progress,
                           "UTF-16" if encoding == "utf-16" else "UTF-8 with BOM")
        except UnicodeError as error:  # e.g. a UTF-16 file cut at an odd byte
            raise IngestError(f"{shown}: cannot be read as {encoding.upper()} — {error}") from None
        finally:
            copy.unlink(missing_ok=True)
    if dialect.is_canonical:
        if resolved == "csv":
            _check_csv_header(path, shown)
        try:
            return _ingest(store, path, path, resolved, installation, time_zone, shown, show_progress, None)
        except _ReadCarefully:
            pass  # the fast reader cannot be trusted with this file (nothing was stored): read it line by line
    # Saved by a spreadsheet (`;`, decimal comma, Windows-1252, dd.mm.yyyy), or with a fault the
    # fast reader gets wrong: read a canonical copy, written next to the file (a folder the app's
    # store may read) or else in /tmp, with each record's line, and the lines that could not be read.
    canonical = _canonical_copy_path(path)
    try:
        rewritten = csv_dialect.rewrite(path, dialect, canonical,
                                        installation_time_zone(store, installation, time_zone),
                                        CSV_NUMBER_COLUMNS, CSV_DATE_COLUMNS)
    except csv_dialect.DialectError as error:
        canonical.unlink(missing_ok=True)
        raise IngestError(f"{shown}: cannot be read as {dialect.description()} — {error}") from None
    except OSError as error:
        canonical.unlink(missing_ok=True)
        if error.filename == str(canonical):  # the copy could not be written (a full disk): not the feed's fault
            raise IngestError(f"{canonical}: {error.strerror or error}; {shown} was not loaded "
                              f"(its converted copy goes there)") from None
        raise IngestError(f"{shown}: cannot be read — {error.strerror or error}") from None
    try:
        _check_csv_header(canonical, shown)
        mixed = len(rewritten.encodings) > 1
        read_as = dialect.description(rewritten.encodings) if mixed or not dialect.is_canonical else None
        return _ingest(store, path, canonical, resolved, installation, time_zone, shown, show_progress,
                       read_as, rewritten.rejected)
    finally:
        canonical.unlink(missing_ok=True)


def installation_time_zone(store: Store, installation: str | None, time_zone: str | None) -> str:
    """The time zone a file's local times are in: the installation's, or the one it will get."""
    row = store.one("installation_by_id", installation_id=slug(installation or settings.DEFAULT_INSTALLATION))
    return row[2] if row else (time_zone or settings.DEFAULT_TIME_ZONE)


def _canonical_copy_path(path: Path, suffix: str = ".csv") -> Path:
    for folder in (path.resolve().parent, Path(tempfile.gettempdir())):
        try:
            handle = tempfile.NamedTemporaryFile(dir=folder, prefix=".chargeboard-", suffix=suffix, delete=False)
        except OSError:
            continue
        handle.close()
        return Path(handle.name)
    raise IngestError(f"{path}: no folder to write a converted copy in")


def _ingest(store: Store, path: Path, read_path: Path, resolved: str, installation: str | None,
            time_zone: str | None, shown: str, show_progress: bool | None, read_as: str | None,
            rejected_lines: list[tuple[int, str, str]] = ()) -> ImportSummary:
    """Load `path` (its records read from `read_path`, the same file or its canonical copy, whose
    unreadable records are `rejected_lines`)."""
    size = path.stat().st_size
    if show_progress is None:
        show_progress = size >= PROGRESS_MIN_BYTES
    progress = Progress(Path(shown).name, show_progress)
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    # A canonical copy numbers its records itself (csv_dialect.LINE_COLUMN).
    csv_lines = _CsvLines() if resolved == "csv" and read_path == path else None
    # A file no earlier import had the size of cannot repeat one: hash it on a thread of its
    # own while DuckDB reads it. Otherwise the digest comes first: a repeated file is a no-op.
    digest = _Digest(path, shown, progress, csv_lines,
                     alongside=not store.one("import_with_same_size", file_bytes=size)[0])
    records_query = _records_query(read_path, resolved)
    # A JSON value larger than the reader's maximum object size fails the read; the reader
    # holds buffers of that size per thread, so a limit the size of the file (a 569 MB feed)
    # cost 2 GB and 4x the time. Records and pages are small: the file-sized limit is only
    # for a file that is one huge value (a single page of every record), tried after the first.
    limits = (JSON_OBJECT_BYTES, max(JSON_OBJECT_BYTES, size + 1)) if resolved == "zaptec-json" else (None,)
    for max_object_bytes in limits:
        try:
            try:
                summary = _load(store, read_path, resolved, records_query, installation, time_zone, shown,
                                progress, digest, started_at, csv_lines, rejected_lines, max_object_bytes)
            except _NotAllObjects:
                summary = _load(store, read_path, resolved, f"{records_query}_with_non_objects", installation,
                                time_zone, shown, progress, digest, started_at, csv_lines, rejected_lines,
                                max_object_bytes)
        except _ObjectTooLarge:
            continue
        break
    summary.read_as = read_as
    progress.show("done", 1.0)
    progress.done()
    summary.seconds = time.perf_counter() - started
    return summary


def _as_set_before(reported: str) -> str:
    """A memory limit as DuckDB reports it, to set it again: the report is cut to one decimal
    ("2.7 GiB" for 2.79), so the middle of that tenth, or each file would shrink it a little."""
    match = re.fullmatch(r"(\d+\.\d) (\w+)", reported)
    return f"{float(match[1]) + 0.05:.2f} {match[2]}" if match else reported


def ingest_memory_limit(file_bytes: int) -> str | None:
    """The DuckDB memory limit a file of this size loads under (None: the store's own)."""
    return INGEST_MEMORY_LIMIT if file_bytes > INGEST_LIMIT_ABOVE_BYTES else None


@contextlib.contextmanager
def _memory_capped(store: Store, file_bytes: int) -> Iterator[None]:
    """DuckDB's memory limit set to INGEST_MEMORY_LIMIT while a large file loads: past it, the staged
    rows and the joins spill to the store's temporary folder, so memory stays flat as files grow
    (an operator's larger limit is lowered; the store's default of 300 MB, which keeps the pages'
    queries small, is raised so the file's one copy is not spilled). The limit is the database's, not one
    connection's: used inside the store's one write transaction, and set on a cursor of its
    own (a failed statement leaves the transaction's cursor refusing everything)."""
    limit = ingest_memory_limit(file_bytes)
    if limit is None:
        yield
        return
    with contextlib.closing(store.cursor()) as cur:
        before = _as_set_before(cur.execute("SELECT current_setting('memory_limit')").fetchone()[0])
        cur.execute("SET memory_limit = $limit", {"limit": limit})
        try:
            yield
        finally:
            cur.execute("SET memory_limit = $limit", {"limit": before})


class _Digest:
    """The file's SHA-256 and size (for a CSV also its blank lines), computed now or, with
    `alongside`, on a thread while DuckDB reads the file (hashlib releases the GIL)."""

    def __init__(self, path: Path, shown: str, progress: Progress, csv_lines: _CsvLines | None, *,
                 alongside: bool):
        self.alongside, self._shown = alongside, shown
        self._value: tuple[str, int] | None = None
        self._error: OSError | None = None
        # Two threads must not draw one progress bar: the hash shows none when alongside.
        args = (path, Progress("", False) if alongside else progress, csv_lines)
        self._thread = threading.Thread(target=self._run, args=args, daemon=True)
        self._thread.start()
        if not alongside:
            self.result()

    def _run(self, path: Path, progress: Progress, csv_lines: _CsvLines | None) -> None:
        try:
            self._value = _sha256(path, progress, csv_lines)
        except OSError as error:
            self._error = error

    def result(self) -> tuple[str, int]:
        self._thread.join()
        if self._error is not None:
            raise IngestError(f"{self._shown}: cannot be read — {self._error.strerror or self._error}")
        return self._value


def _store_write_failed(store: Store, error: Exception) -> bool:
    """Whether DuckDB failed writing the store's own files (the store, its WAL, its spill folder)."""
    text = str(error)
    return (isinstance(error, duckdb.IOException | duckdb.TransactionException)
            and ("Could not write" in text or "No space left" in text or "Failed to commit" in text)
            and str(store.path.parent) in text)


def _write_reason(first_line: str) -> str:
    return "no space left on device" if "No space left on device" in first_line else first_line


class _ObjectTooLarge(Exception):
    """One JSON value is larger than the reader's maximum object size: read again with more."""


class _NotAllObjects(Exception):
    """A value in the JSON feed's list of records is not an object: read each value as JSON."""


class _ReadCarefully(Exception):
    """The fast CSV reader cannot be trusted with this file: read it line by line instead."""


def _load(store: Store, read_path: Path, resolved: str, records_query: str, installation: str | None,
          time_zone: str | None, shown: str, progress: Progress, digest: _Digest,
          started_at: datetime, csv_lines: _CsvLines | None, rejected_lines: list[tuple[int, str, str]],
          max_object_bytes: int | None) -> ImportSummary:
    """The file's one transaction: read, check, classify and store its records."""
    # Both parts are constant files of queries/, never input: one pass reads and checks.
    staged_sql = (f"CREATE OR REPLACE TEMP TABLE staged AS WITH staged_raw AS ({query_text(records_query)}), "
                  f"{query_text('validate_staged_sessions')}")
    try:
        with store.transaction() as cur, _memory_capped(store, read_path.stat().st_size):
            installation_id, tz = ensure_installation(cur, installation, time_zone)
            import_id = cur.execute(query_text("next_import_id")).fetchone()[0]
            earlier = None
            if not digest.alongside:
                content_sha256, file_bytes = digest.result()
                earlier = cur.execute(query_text("import_with_same_content"), {
                    "content_sha256": content_sha256, "installation_id": installation_id}).fetchone()
            if earlier:
                return _repeat_of(cur, earlier, import_id, shown, resolved, installation_id,
                                  content_sha256, file_bytes, started_at)
            if csv_lines is not None and csv_lines.fault and not digest.alongside:
                raise _ReadCarefully  # known before the fast read: spare it
            # The file was made no later than now: a reliable clock's start more than a day
            # after this is impossible (validate_staged_sessions.sql).
            params = {"path": str(read_path.resolve()), "max_kw": settings.MAX_CHARGER_KW,
                      "margin": settings.POWER_MARGIN, "slack_kwh": settings.POWER_SLACK_KWH,
                      "installation_id": installation_id, "file_time": started_at}
            if max_object_bytes is not None:
                params["max_object_bytes"] = max_object_bytes
            _run_with_progress(cur, staged_sql, params, progress, "reading", 0.1, 0.7)
            content_sha256, file_bytes = digest.result()  # and the CSV's blank lines and faults
            if csv_lines is not None and (csv_lines.fault or cur.execute(query_text("csv_read_faults")).fetchone()[0]):
                raise _ReadCarefully
            if csv_lines is not None and (csv_lines.without_record or
                                          cur.execute(query_text("malformed_csv_line_count")).fetchone()[0]):
                # The reader numbered rows as it yielded them; give each its line in the file.
                cur.execute(query_text("renumber_csv_lines"), {"lines_without_record": csv_lines.without_record})
            # The staged rows are the one copy of the file; what follows reads them and builds
            # only small tables (repeated ids, sessions already stored).
            cur.execute(query_text("repeated_session_ids"))
            cur.execute(query_text("incoming_sessions"))
            cur.execute(query_text("stored_session_status"), {"installation_id": installation_id})
            progress.show("storing", 0.8)
            months, overlaps_since = cur.execute(query_text("sessions_changed_by_ingest"), {
                "installation_id": installation_id, "import_id": None}).fetchone()  # those it replaces
            cur.execute(query_text("delete_updated_sessions"), {"installation_id": installation_id})
            cur.execute(query_text("insert_incoming_sessions"),
                        {"source_file": Path(shown).name, "import_id": import_id,
                         "installation_id": installation_id, "time_zone": tz})
            stored_months, stored_since = cur.execute(query_text("sessions_changed_by_ingest"), {
                "installation_id": installation_id, "import_id": import_id}).fetchone()
            refresh_session_months(cur, installation_id, sorted(set(months + stored_months)))
            refresh_session_overlaps(cur, overlaps_since + stored_since)
            serials_kept = cur.execute(query_text("stations_keeping_their_serial")).fetchall()
            cur.execute(query_text("upsert_stations_from_incoming"), {"installation_id": installation_id})
            cur.execute(query_text("upsert_users_from_incoming"))
            cur.execute(query_text("insert_rejected_from_staged"), {"import_id": import_id})
            malformed = 0
            if resolved == "csv":
                malformed = cur.execute(query_text("malformed_csv_line_count")).fetchone()[0]
                cur.execute(query_text("insert_rejected_csv_lines"), {"import_id": import_id})
            if rejected_lines:
                lines, raws, reasons = (list(column) for column in zip(*rejected_lines, strict=True))
                cur.execute(query_text("insert_rejected_lines"),
                            {"import_id": import_id, "lines": lines, "raws": raws, "reasons": reasons})
                malformed += len(rejected_lines)
            records, rejected, in_file_dups, conflicting, new, duplicate, updated, older = cur.execute(
                query_text("staged_summary")).fetchone()
            rejected += malformed
            summary = ImportSummary(
                file=shown, format=resolved, import_id=import_id, installation_id=installation_id,
                records=records + malformed, new=new, duplicate=duplicate + in_file_dups,
                updated=updated, older=older, conflicting=conflicting, rejected=rejected,
                serials_kept=[tuple(row) for row in serials_kept],
            )
            if conflicting:
                named = cur.execute(query_text("in_file_conflicts"), {"limit": CONFLICTS_NAMED}).fetchall()
                summary.conflicts = [(session_id, location, copies) for session_id, location, copies, _ in named]
                summary.conflicting_sessions = named[0][3]
            cur.execute(query_text("insert_import"), {
                "import_id": import_id, "file_name": Path(shown).name, "content_sha256": content_sha256,
                "file_bytes": file_bytes, "format": resolved, "installation_id": installation_id,
                "started_at": started_at, "records": summary.records, "new_rows": new,
                "duplicate_rows": summary.duplicate, "updated_rows": updated, "rejected_rows": rejected,
                "older_rows": older, "conflicting_rows": conflicting,
            })
            summary.rejected_by_reason = [
                (r, n) for r, n in cur.execute(query_text("rejected_by_reason"), {"import_id": import_id}).fetchall()
            ]
            cur.execute(query_text("drop_ingest_temp_tables"))
    except StoreWriteFailed as error:
        progress.done()
        raise IngestError(f"{error.path}: {error.reason}; {shown} was not loaded (nothing of it was stored)") from None
    except duckdb.Error as error:
        if max_object_bytes is not None and max_object_bytes < read_path.stat().st_size \
                and "maximum_object_size" in str(error):
            raise _ObjectTooLarge from None
        if resolved == "zaptec-json" and "Expected OBJECT" in str(error) and not records_query.endswith("objects"):
            raise _NotAllObjects from None  # e.g. [{...}, 5, {...}]: the typed read refuses the file
        if csv_lines is not None and (digest.result() and csv_lines.fault):
            raise _ReadCarefully from None  # e.g. "Error when sniffing file" for an unterminated quote
        progress.done()
        first_line = str(error).strip().splitlines()[0]
        if _store_write_failed(store, error):  # the store's disk, not the feed: name the store
            raise IngestError(f"{store.path}: {_write_reason(first_line)}; {shown} was not loaded "
                              f"(nothing of it was stored)") from None
        raise IngestError(f"{shown}: could not be read as {resolved} — {first_line}") from None
    return summary
