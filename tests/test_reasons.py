"""Rejection reasons are stored in English ("kind — details") and shown in the reader's language
(issue 27, item 8c): every kind the ingest can write is in chargeboard/reasons.py's registry (a kind
added later without a translation fails here), and the upload summary, the command line, the
Data quality page and its downloads show the kind translated, the details as stored."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import support

from chargeboard import datasources, i18n, quality, reasons, settings
from chargeboard.ingest import ingest_file

ROOT = settings.PROJECT_ROOT
SQL_COMMENT = re.compile(r"--[^\n]*")
# 'kind — ' || details, or a whole reason in a CASE that makes one (THEN 'missing energy').
SQL_KIND = re.compile(r"'([a-z][^'\n]*?) — ")
SQL_WHOLE = re.compile(r"\bTHEN\s+'([a-z][^'\n]*)'")
# "kind — {details}" in Python (a quote that opens a string, not an apostrophe in one), and a
# meter reading's whole reason (MeterError("missing meter id")).
PY_KIND = re.compile(r"""(?<![\w'"])f?(["'])([a-z][^"'\n{}]*?) — """)
PY_COMMENT = re.compile(r"(^\s*|  )#[^\n]*", re.MULTILINE)
PY_WHOLE = re.compile(r"""MeterError\(f?["']([a-z][^"'\n{}]*)["']\)""")


def kinds_in_the_code() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted((ROOT / "queries").rglob("*.sql")):
        text = SQL_COMMENT.sub("", path.read_text(encoding="utf-8"))
        for match in SQL_KIND.finditer(text):
            found.setdefault(match.group(1), path.name)
        if re.search(r"\breason\b", text):
            for match in SQL_WHOLE.finditer(text):
                found.setdefault(reasons.kind_of(match.group(1)), path.name)
    for path in sorted((ROOT / "chargeboard").rglob("*.py")):
        if path.name == "reasons.py":  # its docstring's example
            continue
        text = PY_COMMENT.sub("", path.read_text(encoding="utf-8"))
        for match in PY_KIND.finditer(text):
            found.setdefault(match.group(2), path.name)
        for match in PY_WHOLE.finditer(text):
            found.setdefault(match.group(1), path.name)
    return found


def test_every_reason_kind_in_the_code_is_in_the_registry():
    found = kinds_in_the_code()
    # the search finds what it must (else a changed layout would let every new kind through)
    assert {"missing session id", "end before start", "malformed CSV line", "register went backwards",
            "missing meter id"} <= set(found)
    missing = {kind: where for kind, where in found.items() if kind not in reasons.KINDS}
    assert not missing, f"add these reason kinds to chargeboard/reasons.py (and translate them): {missing}"


def test_every_registered_kind_has_a_norwegian_translation():
    with i18n.language("nb"):
        untranslated = [kind for kind in reasons.KINDS if i18n._(kind) == kind]
    assert not untranslated


def test_a_stored_reason_is_shown_with_its_kind_translated_and_its_details_kept():
    stored = "end before start — 2025-03-01T10:00 is before 2025-03-01T11:00"
    assert reasons.shown(stored) == stored  # English
    with i18n.language("nb"):
        assert reasons.shown(stored) == "slutt før start — 2025-03-01T10:00 is before 2025-03-01T11:00"
        assert reasons.shown("missing energy") == "mangler energi"
        assert reasons.shown("a kind from elsewhere — x") == "a kind from elsewhere — x"
        assert reasons.shown(None) == reasons.shown(float("nan")) == ""


@pytest.fixture
def rejecting(store, feeds):
    good = support.zaptec_record("r1", start=datetime(2025, 3, 1, 10))
    bad = support.zaptec_record("r2", kwh="lots")
    return feeds.zaptec([good, bad], name="march.json")


def test_the_summary_the_upload_and_data_quality_show_reasons_in_norwegian(store, rejecting):
    with i18n.language("nb"):
        upload = datasources.load_upload(store, "march.json", rejecting.open("rb"), rejecting.stat().st_size)
        lines = "\n".join(upload.summary.lines())
        assert "avvist: 1 × energi kan ikke leses" in lines and "unparseable" not in lines
        assert upload.rejected["reason"].iloc[0].startswith("energi kan ikke leses — ")
        shown = quality.rejected_shown(store).rows["reason"]
        assert list(shown) == [upload.rejected["reason"].iloc[0]]
        assert "energi kan ikke leses — " in quality.rejected_csv(store, "excel-nb").decode("utf-8")
    with i18n.language("en"):
        assert quality.rejected_shown(store).rows["reason"].iloc[0].startswith("unparseable energy — ")
    stored = store.cursor().execute("SELECT reason FROM rejected_rows").fetchall()
    assert [r[0].split(" — ")[0] for r in stored] == ["unparseable energy"]  # the store keeps English


def test_how_a_spreadsheets_csv_was_read_is_said_in_norwegian(store, feeds, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(b"session_id;station_id;started_at;ended_at;energy_kwh\r\n"
                     b"x1;chg-a1;01.03.2025 10:00;01.03.2025 11:00;7,5\r\n")
    with i18n.language("nb"):
        lines = ingest_file(store, path, installation="Testlaget").lines()
    read_as = next(line for line in lines if "lest som" in line)
    assert "semikolonseparert" in read_as and "desimalkomma" in read_as and "datoer som dag.måned.år" in read_as
