"""Which copy of a session the store keeps (README, "Which copy of a session is kept"), with a real
store and real feed files: a void whose replacement is named is final, otherwise the copy the cloud
registered (else ended) later wins, and ties are decided by the content — so loading the same
exports in any order gives the same store. The sync's side of it is in test_sync.py."""

from __future__ import annotations

import contextlib
import tempfile
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support import csv_row, write_zaptec, zaptec_record

from chargeboard import i18n
from chargeboard.ingest import ingest_file
from chargeboard.store import Store
from chargeboard.summary import ImportSummary

START = datetime(2025, 3, 1, 10)


def counted_kwh(store: Store) -> Decimal:
    with contextlib.closing(store.cursor()) as cur:
        return cur.execute("SELECT coalesce(sum(energy_kwh), 0) FROM sessions WHERE NOT void").fetchone()[0]


def summed_kwh(store: Store) -> Decimal:
    with contextlib.closing(store.cursor()) as cur:
        return cur.execute("SELECT coalesce(sum(energy_kwh), 0) FROM session_months").fetchone()[0]


def adds_up(summary) -> bool:
    return summary.records == (summary.new + summary.duplicate + summary.updated + summary.older
                               + summary.conflicting + summary.rejected)


# -- a voided session never comes back ----------------------------------------------------------

def _original() -> dict:
    return zaptec_record("s-1", start=START, kwh=20.0, registered=START + timedelta(hours=1, minutes=5))


def _voided() -> list[dict]:
    """The cloud's later word: s-1 void (its replacement named, the same registration time), and s-1b."""
    return [dict(_original(), CommitMetadata=1 | 4 | 32, ReplacedBySessionId="s-1b"),
            zaptec_record("s-1b", start=START, kwh=18.5, registered=START + timedelta(hours=1, minutes=5))]


def test_an_older_export_loaded_after_the_void_does_not_bring_the_session_back(store, feeds):
    other = zaptec_record("s-2", start=START + timedelta(days=1), kwh=3.0)
    ingest_file(store, feeds.zaptec([_original(), other], "january.json"))
    ingest_file(store, feeds.zaptec(_voided(), "february.json"))
    assert counted_kwh(store) == Decimal("21.500")  # s-1b and s-2; s-1 is void
    # The January export again, saved another way (not the same bytes), with one session more.
    later = zaptec_record("s-3", start=START + timedelta(days=2), kwh=1.0)
    summary = ingest_file(store, feeds.zaptec([_original(), other, later], "january-again.json", shape="list"))
    assert counted_kwh(store) == summed_kwh(store) == Decimal("22.500")  # not 42.5: s-1 stays void
    assert (summary.new, summary.duplicate, summary.updated, summary.older) == (1, 1, 0, 1)
    assert adds_up(summary)
    assert "  1 older copy ignored (the store holds a newer one)" in summary.lines()
    with contextlib.closing(store.cursor()) as cur:
        assert cur.execute("SELECT void, replaced_by FROM sessions WHERE session_id = 's-1'").fetchone() == \
            (True, "s-1b")
        assert cur.execute("SELECT older_rows, conflicting_rows FROM imports WHERE import_id = $id",
                           {"id": summary.import_id}).fetchone() == (1, 0)


def test_a_copy_registered_later_replaces_the_stored_one_and_an_earlier_one_does_not(store, feeds):
    first = zaptec_record("s-1", start=START, kwh=5.0, registered=START + timedelta(hours=2))
    ingest_file(store, feeds.zaptec([first], "first.json"))
    earlier = dict(first, Energy=9.0, EndDateTime="2025-03-01T11:30:00.000")
    stale = ingest_file(store, feeds.zaptec([earlier], "earlier.json"))
    assert (stale.updated, stale.older) == (0, 1)
    assert counted_kwh(store) == Decimal("5.000")
    newer = dict(first, Energy=7.0, EndDateTime="2025-03-01T12:30:00.000")
    fresh = ingest_file(store, feeds.zaptec([newer], "newer.json"))
    assert (fresh.updated, fresh.older) == (1, 0)
    assert counted_kwh(store) == summed_kwh(store) == Decimal("7.000")



def test_an_older_export_does_not_undo_a_station_or_user_renamed_since(store, feeds):
    old = zaptec_record("s-1", start=START, station_name="Plass 1", user_name="Kari Old")
    new = dict(old, DeviceName="Plass 1 (ladd om)", UserFullName="Kari Nordmann",
               EndDateTime="2025-03-01T12:00:00.000")
    ingest_file(store, feeds.zaptec([new], "new.json"))
    summary = ingest_file(store, feeds.zaptec([old], "old.json"))
    assert summary.older == 1
    with contextlib.closing(store.cursor()) as cur:
        assert cur.execute("SELECT name FROM stations").fetchall() == [("Plass 1 (ladd om)",)]
        assert cur.execute("SELECT name FROM users").fetchall() == [("Kari Nordmann",)]

# -- copies of one session in one file ----------------------------------------------------------

def test_differing_copies_in_one_file_are_conflicts_naming_the_copy_kept(store, feeds):
    newest = zaptec_record("s-1", start=START, kwh=9.5, registered=START + timedelta(hours=3))
    records = [zaptec_record("s-2", start=START, kwh=1.0, station="chg-2"),
               newest,                                                              # record 2: kept
               zaptec_record("s-1", start=START, kwh=5.0, registered=START + timedelta(hours=1)),
               zaptec_record("s-2", start=START, kwh=1.0, station="chg-2"),         # the same again
               zaptec_record("s-1", start=START, kwh=6.0, registered=START + timedelta(hours=2))]
    summary = ingest_file(store, feeds.zaptec(records, "copies.json", shape="list"))
    assert (summary.records, summary.new, summary.duplicate, summary.conflicting) == (5, 2, 1, 2)
    assert adds_up(summary)
    assert summary.conflicts == [("s-1", "record 2", 2)]
    assert summary.needs_attention
    lines = summary.lines()
    assert "  2 conflicting copies ignored (the file holds a newer copy of the same session)" in lines
    assert "    s-1: the copy at record 2 was kept, 2 different copies ignored" in lines
    with contextlib.closing(store.cursor()) as cur:
        assert cur.execute("SELECT energy_kwh FROM sessions WHERE session_id = 's-1'").fetchone()[0] == \
            Decimal("9.500")


def test_a_csv_names_the_line_of_the_copy_kept(store, feeds):
    rows = [csv_row("c-1", kwh="5.000", registered_at="2025-03-01T12:00:00+01:00"),
            csv_row("c-1", kwh="4.000", registered_at="2025-03-01T13:00:00+01:00"),  # line 3: newer
            csv_row("c-2", start="2025-03-02T10:00:00+01:00", end="2025-03-02T11:00:00+01:00")]
    summary = ingest_file(store, feeds.csv(rows, "copies.csv"))
    assert (summary.new, summary.duplicate, summary.conflicting) == (2, 0, 1)
    assert summary.conflicts == [("c-1", "line 3", 1)]
    assert "    c-1: the copy at line 3 was kept, 1 different copy ignored" in summary.lines()


def test_identical_copies_in_one_file_stay_duplicates(store, feeds):
    record = zaptec_record("s-1", start=START)
    summary = ingest_file(store, feeds.zaptec([record, dict(record), dict(record)], "same.json"))
    assert (summary.new, summary.duplicate, summary.conflicting, summary.conflicts) == (1, 2, 0, [])
    assert not summary.needs_attention



def test_the_summary_names_the_first_conflicts_and_counts_the_rest_in_either_language():
    summary = ImportSummary(file="f.csv", format="csv", import_id=1, installation_id="x", records=30, new=14,
                            conflicting=16, conflicts=[(f"c-{i}", f"line {i + 2}", 1) for i in range(10)],
                            conflicting_sessions=12)
    assert summary.lines()[-1] == "    … and 2 more sessions"
    with i18n.language("nb"):
        lines = summary.lines()
    assert "  16 motstridende kopier ignorert (filen har en nyere kopi av samme ladeøkt)" in lines
    assert "    c-0: kopien i line 2 ble beholdt, 1 annen kopi ignorert" in lines
    assert lines[-1] == "    … og 2 ladeøkter til"

# -- any order of loading gives the same store --------------------------------------------------

def _copy(session_id: str, kwh: float, registered_after: int | None, void: str, station: str) -> dict:
    """One copy of a session as some export says it: the same start, more or less energy, registered
    some minutes after its hour (None: no registration time), void or not."""
    extra = {}
    if void == "void":
        extra["CommitMetadata"] = 1 | 4 | 32
    elif void == "replaced":
        extra.update(CommitMetadata=1 | 4 | 32, ReplacedBySessionId=f"{session_id}-new")
    registered = None if registered_after is None else START + timedelta(minutes=60 + registered_after)
    record = zaptec_record(session_id, start=START, kwh=kwh, station=station, registered=registered, **extra)
    if registered is None:
        record["EndDateTime"] = None
    return record


COPIES = st.builds(_copy, st.sampled_from(["a", "b", "a-new"]), st.sampled_from([2.0, 2.5, 40.0]),
                   st.sampled_from([None, 0, 5]), st.sampled_from(["no", "void", "replaced"]),
                   st.sampled_from(["chg-1", "chg-2"]))
EXPORTS = st.lists(st.lists(COPIES, min_size=1, max_size=4), min_size=3, max_size=3)
# The bug this rule fixed: a session voided (its replacement named) by the second export came back
# as counted when the first export's copy was loaded after it.
VOIDED_THEN_OLDER = [[_copy("a", 40.0, 0, "no", "chg-1")],
                     [_copy("a", 40.0, 0, "replaced", "chg-1"), _copy("a-new", 2.5, 0, "no", "chg-1")],
                     [_copy("a", 40.0, 0, "no", "chg-1"), _copy("b", 2.0, None, "no", "chg-2")]]


def _store_after(folder: Path, exports: list[list[dict]], order: list[int]) -> tuple[list, list]:
    store = Store(folder / "store.duckdb")
    try:
        for n in order:
            ingest_file(store, write_zaptec(folder / f"export-{n}.json", exports[n]), installation="Garasjen")
        with contextlib.closing(store.cursor()) as cur:
            sessions = cur.execute("SELECT * EXCLUDE (source_file, import_id) FROM sessions ORDER BY ALL").fetchall()
            months = cur.execute("SELECT * FROM session_months ORDER BY ALL").fetchall()
        return sessions, months
    finally:
        store.close()


# Few examples: each loads three files into two stores (some 2 s on a busy machine).
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(exports=VOIDED_THEN_OLDER, order=[0, 2, 1])
@given(exports=EXPORTS, order=st.permutations(range(3)))
def test_any_order_of_loading_overlapping_exports_gives_the_same_store(exports, order):
    with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as other:
        assert _store_after(Path(one), exports, list(order)) == _store_after(Path(other), exports, [0, 1, 2])
