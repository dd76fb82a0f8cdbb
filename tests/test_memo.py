"""Results kept between page runs (chargeboard.memo): never across scopes, never across data versions."""

from __future__ import annotations

import gc
import threading
import time
import weakref
from datetime import date

import pytest
import support

from chargeboard import history, memo
from chargeboard.history import SessionFilter
from chargeboard.ingest import ingest_file
from chargeboard.scope import Scope, system_scope


@pytest.fixture
def memo_on():
    memo.enable()
    yield
    memo.enable(False)


def _filter() -> SessionFilter:
    return SessionFilter(date(2024, 1, 1), date(2026, 12, 31))


def test_kept_per_scope_and_dropped_when_the_data_changes(coop_store, memo_on, feeds, tmp_path):
    owner, kari = system_scope(), Scope("kari", "resident", user_ids=("u-kari",))
    everyone = history.history_view(coop_store, owner, _filter())
    assert history.history_view(coop_store, owner, _filter()) is everyone  # kept
    hers = history.history_view(coop_store, kari, _filter())
    assert hers is not everyone and hers.totals.sessions < everyone.totals.sessions  # never another scope's
    ingest_file(coop_store, feeds.zaptec([support.zaptec_record("new-1", station="chg-a1")], name="more.json"),
                installation="Testlaget")
    after = history.history_view(coop_store, owner, _filter())
    assert after is not everyone and after.totals.sessions == everyone.totals.sessions + 1


def test_off_unless_the_app_turns_it_on(coop_store):
    first = history.history_view(coop_store, system_scope(), _filter())
    assert history.history_view(coop_store, system_scope(), _filter()) is not first


def test_a_call_without_a_scope_is_refused(coop_store, memo_on):
    with pytest.raises(TypeError, match="Scope"):
        history.history_view(coop_store, None, _filter())


def test_a_logged_download_keeps_what_every_page_kept(coop_store, memo_on):
    """Logging an export is a write, but of nothing a page shows: were it a change of data, every
    download would empty every user's kept results (and the Statements page's prepared PDFs)."""
    owner = system_scope()
    everyone = history.history_view(coop_store, owner, _filter())
    version = coop_store.data_version()
    coop_store.log_export(owner, "Charge history", "chargeboard_history.xlsx", everyone.totals.sessions)
    assert coop_store.rows("exports_log")[0][4:] == ("Charge history", "chargeboard_history.xlsx",
                                                     everyone.totals.sessions)  # it is logged
    assert coop_store.data_version() == version
    assert history.history_view(coop_store, owner, _filter()) is everyone


def test_a_chart_is_kept_with_its_report_and_drawn_again_for_a_new_one(coop_store, memo_on, feeds):
    from chargeboard import i18n, reports  # noqa: PLC0415

    owner, kari = system_scope(), Scope("kari", "resident", user_ids=("u-kari",))
    request = reports.ReportRequest(_filter(), "station")
    report = reports.build_report(coop_store, owner, request)
    chart = reports.entity_chart(report)
    assert reports.entity_chart(report) is chart  # the same report: the same figure, not built again
    hers = reports.entity_chart(reports.build_report(coop_store, kari, request))
    assert hers is not chart and list(hers.data[0].y) != list(chart.data[0].y)  # another scope's report: its own figure
    with i18n.language("nb"):
        assert reports.entity_chart(report) is not chart  # written in the reader's language
    ingest_file(coop_store, feeds.zaptec([support.zaptec_record("new-1", station="chg-a1")], name="more.json"),
                installation="Testlaget")
    after = reports.build_report(coop_store, owner, request)
    assert after is not report and reports.entity_chart(after) is not chart


def test_the_pages_workbooks_are_kept_and_built_again_when_data_lands(coop_store, memo_on, feeds):
    from chargeboard import exports, reports  # noqa: PLC0415

    owner = system_scope()
    history_file = exports.page_history_workbook(coop_store, owner, _filter())
    report_file = exports.page_report_workbook(coop_store, owner, reports.ReportRequest(_filter(), "user"))
    assert exports.page_history_workbook(coop_store, owner, _filter()) is history_file
    assert exports.page_report_workbook(coop_store, owner, reports.ReportRequest(_filter(), "user")) is report_file
    assert coop_store.rows("exports_log") == []  # built with the page, logged only when downloaded
    ingest_file(coop_store, feeds.zaptec([support.zaptec_record("new-1", station="chg-a1")], name="more.json"),
                installation="Testlaget")
    again = exports.page_history_workbook(coop_store, owner, _filter())
    assert again is not history_file and again.rows == history_file.rows + 1


def _slow_counted(fail_first: bool = False):
    calls = []

    @memo.per_data_version()
    def priced(store, scope, year):
        calls.append(year)
        time.sleep(0.3)  # long enough for every other reader to ask while it runs
        if fail_first and len(calls) == 1:
            raise RuntimeError("the first computation fails")
        return object()

    return priced, calls


def _at_once(fn, readers: int) -> list:
    start = threading.Barrier(readers)
    results: list = [None] * readers

    def read(i):
        start.wait()
        try:
            results[i] = fn()
        except RuntimeError as error:
            results[i] = error

    threads = [threading.Thread(target=read, args=(i,)) for i in range(readers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_readers_who_ask_at_once_wait_for_one_computation(coop_store, memo_on):
    """When data lands, the residents who open My usage in the same seconds each needed every
    resident's year priced: computed once, and the others wait for it (not once each, on 2 cores)."""
    priced, calls = _slow_counted()
    results = _at_once(lambda: priced(coop_store, system_scope(), 2026), 4)
    assert calls == [2026]
    assert all(r is results[0] for r in results)
    assert priced(coop_store, system_scope(), 2025) is not results[0] and calls == [2026, 2025]  # another key: its own


def test_when_the_computation_fails_a_waiting_reader_computes_it_again(coop_store, memo_on):
    priced, calls = _slow_counted(fail_first=True)
    results = _at_once(lambda: priced(coop_store, system_scope(), 2026), 4)
    failed = [r for r in results if isinstance(r, RuntimeError)]
    assert len(failed) == 1 and len(calls) == 2  # the one that failed, then one for all the others
    kept = [r for r in results if not isinstance(r, RuntimeError)]
    assert len(kept) == 3 and all(r is kept[0] for r in kept)


class _Result:
    """A stand-in for a page's result (weakly referable, like the dataclasses the pages keep)."""


def test_results_of_older_data_are_freed_once_newer_ones_are_kept(coop_store, memo_on, feeds):
    """A result of data that has since changed can never be asked for again: it is dropped when the
    first result of the new data is kept, not left to age out of the cache (server memory at 10M)."""
    @memo.per_data_version()
    def priced(store, scope, year):
        return _Result()

    before = weakref.ref(priced(coop_store, system_scope(), 2026))
    other = weakref.ref(priced(coop_store, system_scope(), 2025))
    gc.collect()
    assert before() is not None and other() is not None  # kept while the data stays
    ingest_file(coop_store, feeds.zaptec([support.zaptec_record("new-2", station="chg-a1")], name="more2.json"),
                installation="Testlaget")
    after = priced(coop_store, system_scope(), 2026)
    gc.collect()
    assert before() is None and other() is None  # both of the old data, whichever argument
    assert priced(coop_store, system_scope(), 2026) is after


def test_a_chart_kept_for_its_source_does_not_keep_the_source(coop_store, memo_on):
    @memo.per_source()
    def chart(source):
        return ("chart of", id(source))

    source = _Result()
    drawn = chart(source)
    assert chart(source) is drawn  # kept while its source lives
    gone = weakref.ref(source)
    del source
    gc.collect()
    assert gone() is None
    assert chart(_Result()) is not drawn  # a new source (even at the same address) gets its own chart
