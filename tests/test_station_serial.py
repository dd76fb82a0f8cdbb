"""A station's serial changes only by an explicit, logged act: a feed naming another serial for a
stored station is reported, not applied (a charger owner's scope names stations by serial)."""

from __future__ import annotations

import contextlib
import io

from support import csv_row

from chargeboard import accounts, cli
from chargeboard.ingest import ingest_file
from chargeboard.scope import CHARGER_OWNER
from chargeboard.store import Store


def serial(store, station_id: str):
    return store.cursor().execute("SELECT device_id FROM stations WHERE station_id = ?", [station_id]).fetchone()[0]


def test_a_csv_row_keeps_the_stored_serial_reports_it_and_set_serial_changes_it_logged(coop_store, feeds, db_path):
    owner = accounts.Account("per", "Per", "", CHARGER_OWNER, stations=("ZAP-A1",))
    assert accounts.scope_for(owner, coop_store).station_ids == ("chg-a1",)
    # The generic CSV has no serial column: its station id stands in, which used to replace ZAP-A1.
    summary = ingest_file(coop_store, feeds.csv([csv_row("c-new", station="chg-a1", start="2025-04-01T10:00:00+02:00",
                                                         end="2025-04-01T11:00:00+02:00")]),
                          installation="Testlaget")
    assert summary.new == 1
    assert serial(coop_store, "chg-a1") == "ZAP-A1"
    assert accounts.scope_for(owner, coop_store).station_ids == ("chg-a1",)  # still in Per's scope
    [note] = [line for line in summary.lines() if "keeps its serial" in line]
    assert "chg-a1" in note and "ZAP-A1" in note and "set-serial" in note
    assert summary.serials_kept == [("chg-a1", "ZAP-A1", "chg-a1")]

    coop_store.close()
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["station", "set-serial", "chg-a1", "ZAP-A9", "--db", str(db_path)], stdout=out, stderr=err) == 0, \
        err.getvalue()
    assert "ZAP-A1 → ZAP-A9" in out.getvalue()
    with contextlib.closing(Store(db_path)) as store:
        assert serial(store, "chg-a1") == "ZAP-A9"
        logged = store.cursor().execute(
            "SELECT station_id, old_serial, new_serial, changed_by FROM station_serial_changes").fetchall()
        assert logged == [("chg-a1", "ZAP-A1", "ZAP-A9", "(command line)")]
    err = io.StringIO()
    assert cli.main(["station", "set-serial", "no-such", "X", "--db", str(db_path)], stdout=io.StringIO(),
                    stderr=err) == 2
    assert "no station 'no-such'" in err.getvalue()
