"""My usage: own figures only, and an anonymised average that never reveals a single resident."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
import support

from chargeboard import memo, my_usage
from chargeboard import store as store_module
from chargeboard.ingest import ingest_file
from chargeboard.scope import CHARGER_OWNER, RESIDENT, Scope

TODAY = date(2025, 3, 20)


def rec(sid, user, kwh, start=datetime(2025, 3, 5, 10), station="chg-1", tag=None, minutes=600):
    return support.zaptec_record(sid, station=station, serial=f"ZAP-{station}", station_name=f"Station {station}",
                                 user_id=user, user_name=f"Name {user}", email=f"{user}@example.org",
                                 tag=tag or f"Tag {user}", start=start, kwh=kwh, minutes=minutes)


def load(store, feeds, records):
    ingest_file(store, feeds.zaptec(records, "mine.json"), installation="Test")
    return store


def me(user="u-1"):
    return Scope(user, RESIDENT, user_ids=(user,))


def test_own_figures(store, feeds):
    load(store, feeds, [rec("a", "u-1", 10), rec("b", "u-1", 2.5, datetime(2025, 1, 10, 10)),
                        rec("c", "u-1", 4, datetime(2024, 12, 1, 10)), rec("d", "u-2", 99)])
    usage = my_usage.my_usage(store, me(), TODAY)
    assert (usage.month_kwh, usage.month_sessions) == (Decimal("10.000"), 1)
    assert (usage.year_kwh, usage.year_sessions) == (Decimal("12.500"), 2)
    assert usage.monthly["month"].iloc[-1] == date(2025, 3, 1) and len(usage.monthly) == 12
    assert set(usage.sessions["session_id"]) == {"a", "b", "c"}
    assert list(usage.tags["tag"]) == ["Tag u-1"]
    assert my_usage.monthly_title(usage) == "You charged most in March 2025: 10 kWh"


def test_the_kwh_tiles_are_ready_before_the_sessions_and_costs_are_read(store, feeds):
    """The page draws its kWh tiles first: the sessions, tags, average and the pricing of the costs
    are read when the page reaches them, once, and kept with the result."""
    load(store, feeds, [rec("a", "u-1", 10), rec("d", "u-2", 99)])
    usage = my_usage.my_usage(store, me(), TODAY)
    assert usage.month_kwh == Decimal("10.000")
    assert not {"sessions", "tags", "average", "money"} & set(vars(usage))  # nothing slower read yet
    sessions = usage.sessions
    assert usage.sessions is sessions and set(sessions["session_id"]) == {"a"}  # read once, kept
    assert usage.money is None  # no tariff yet


def test_charger_owner_sees_only_own_usage_not_their_stations(store, feeds):
    load(store, feeds, [rec("a", "u-1", 10), rec("d", "u-2", 99)])
    owner = Scope("per", CHARGER_OWNER, user_ids=("u-1",), station_ids=("chg-1",))
    usage = my_usage.my_usage(store, owner, TODAY)
    assert usage.month_kwh == Decimal("10.000") and set(usage.sessions["session_id"]) == {"a"}


FEBRUARY = datetime(2025, 2, 10, 10)  # the last complete month on TODAY


@pytest.mark.parametrize("active", [1, 2, 4])
def test_average_hidden_below_five_residents(store, feeds, active):
    load(store, feeds, [rec(f"s{i}", f"u-{i}", 10 * i, FEBRUARY) for i in range(1, active + 1)])
    avg = my_usage.installation_average(store, me(), TODAY)
    assert avg.month_residents == active
    assert avg.month_avg_kwh is None and avg.year_avg_kwh is None
    text = my_usage.comparison_text(my_usage.my_usage(store, me(), TODAY))
    assert "at least 5 residents" in text and "20" not in text


def _five_residents_and_strangers(store, feeds):
    # Five residents: 10, 20, 30, 40 and 50 kWh in February; an open-charging session (no user) is not
    # a resident; a sixth resident in ANOTHER installation does not count.
    load(store, feeds, [*(rec(f"s{i}", f"u-{i}", 10 * i, FEBRUARY) for i in range(1, 6)),
                        support.zaptec_record("g", station="chg-1", serial="ZAP-chg-1", user_id=None,
                                              user_name=None, email=None, tag=None,
                                              start=FEBRUARY, minutes=600, kwh=50)])
    ingest_file(store, feeds.zaptec([rec("o1", "u-9", 100, FEBRUARY, station="chg-9")], "other.json"),
                installation="Other")


def test_average_shown_from_five_and_reveals_only_aggregates(store, feeds):
    _five_residents_and_strangers(store, feeds)
    avg = my_usage.installation_average(store, me(), TODAY)
    assert (avg.month, avg.month_residents, avg.month_avg_kwh) == (date(2025, 2, 1), 5, Decimal("30.0"))
    assert (avg.year_residents, avg.year_avg_kwh) == (5, Decimal("30.0"))
    text = my_usage.comparison_text(my_usage.my_usage(store, me(), TODAY))
    assert text.startswith("In February 2025 you charged 10 kWh; the average resident 30 kWh (5 residents")
    # The query's whole answer: one row, four numbers; no id, name, tag or single figure.
    sql, params = store._bind("my_usage_installation_average", me(), {
        "month_from": datetime(2025, 2, 1), "year_from": datetime(2025, 1, 1),
        "local_to": datetime(2025, 3, 1), "min_residents": 5})
    with store.cursor() as cur:
        result = cur.execute(sql, params)
        columns = [d[0] for d in result.description]
        rows = result.fetchall()
    assert columns == ["month_residents", "month_avg_kwh", "year_residents", "year_avg_kwh"]
    assert len(rows) == 1
    flat = " ".join(str(v) for v in rows[0])
    for secret in ("u-2", "u-3", "Name", "Tag", "20", "40", "50"):
        assert secret not in flat


def test_average_uses_complete_months_so_two_visits_cannot_be_differenced(store, feeds):
    """A neighbour charges between two visits in the running month: if the average moved, its
    change times the number of residents would be that neighbour's session."""
    _five_residents_and_strangers(store, feeds)
    before = my_usage.installation_average(store, me(), TODAY)
    ingest_file(store, feeds.zaptec([rec("late", "u-3", 17.25, datetime(2025, 3, 19, 10))], "later.json"),
                installation="Test")
    after = my_usage.installation_average(store, me(), TODAY)
    assert after == before
    # Also when this month's charging alone would reach five residents: still the complete month.
    ingest_file(store, feeds.zaptec([rec(f"m{i}", f"u-{i}", 3, datetime(2025, 3, 18, 10)) for i in range(1, 6)],
                                    "march.json"), installation="Test")
    assert my_usage.installation_average(store, me(), TODAY) == before
    # In January no month of the year is complete yet: only last December is compared.
    january = my_usage.installation_average(store, me(), date(2025, 1, 20))
    assert (january.month, january.year_residents, january.year_avg_kwh) == (date(2024, 12, 1), 0, None)


def test_average_is_the_one_query_reading_beyond_scope():
    beyond = [p.stem for p in sorted(store_module.settings.QUERIES_DIR.rglob("*.sql"))
              if "scoped_sessions(true" in p.read_text(encoding="utf-8").replace(" ", "").lower()]
    assert beyond == ["my_usage_installation_average"]


def test_resident_without_link_sees_nothing(store, feeds):
    load(store, feeds, [rec("a", "u-1", 10)])
    usage = my_usage.my_usage(store, Scope("new", RESIDENT), TODAY)
    assert not usage.linked and usage.sessions.empty and usage.month_kwh == 0
    assert usage.average.month_avg_kwh is None
    assert usage.money is None  # SEAM: no chargeboard.statements.own_costs yet


def test_own_excel_export(store, feeds):
    load(store, feeds, [rec("a", "u-1", 10), rec("b", "u-1", 2.5, datetime(2025, 3, 7, 10)), rec("d", "u-2", 99)])
    usage = my_usage.my_usage(store, me(), TODAY)
    data, name = my_usage.export_workbook(store, me(), usage)
    assert name.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    rows = list(book["My sessions"].iter_rows(values_only=True))
    assert rows[0][0] == "Start" and len(rows) == 4  # header, 2 sessions, totals
    assert rows[-1][6] == pytest.approx(12.5)
    assert all("u-2" not in str(v) and "99" not in str(v) for row in rows for v in row)
    with store.cursor() as cur:
        assert cur.execute("SELECT what, username FROM exports").fetchall() == [("my usage", "u-1")]


def test_the_pages_workbook_is_built_once_per_reader_and_data_not_on_every_run(store, feeds):
    load(store, feeds, [rec("a", "u-1", 10), rec("d", "u-2", 99)])
    memo.enable()
    try:
        first, name = my_usage.page_workbook(store, me(), TODAY)
        assert my_usage.page_workbook(store, me(), TODAY)[0] is first  # kept between runs
        other = my_usage.page_workbook(store, me("u-2"), TODAY)[0]
        assert other is not first and "99" in str(_sheet_rows(other))  # never another reader's
        load(store, feeds, [rec("b", "u-1", 2.5, datetime(2025, 3, 7, 10))])
        again = my_usage.page_workbook(store, me(), TODAY)[0]
        assert again is not first and len(_sheet_rows(again)) == len(_sheet_rows(first)) + 1  # new data: built again
    finally:
        memo.enable(False)
    with store.cursor() as cur:  # built for the page, logged only when downloaded
        assert cur.execute("SELECT count(*) FROM exports").fetchone()[0] == 0


def _sheet_rows(data: bytes) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(data))["My sessions"].iter_rows(values_only=True))


def test_own_excel_export_has_each_sessions_cost_from_the_statements_pricing(store, feeds):
    """(The statement's amount is the one right one: catches a resident's line rounded on its own
    instead of allocated from the column's total, which the earlier "16.67 or 16.66" let through.)"""
    from chargeboard import statements, tariffs  # noqa: PLC0415

    load(store, feeds, [rec("a", "u-1", 10), rec("b", "u-1", 2.5, datetime(2025, 3, 7, 10)), rec("d", "u-2", 99)])
    tariffs.add_version(store, "styret", date(2025, 1, 1), "1.3333", monthly_fee="49")
    usage = my_usage.my_usage(store, me(), TODAY)
    book = openpyxl.load_workbook(io.BytesIO(my_usage.export_workbook(store, me(), usage, log=False)[0]))
    rows = list(book["My sessions"].iter_rows(values_only=True))
    assert rows[0][7] == "Cost (NOK)"
    # 10 kWh and 2.5 kWh at 1.3333 (one price all day): 13.333 -> 13.33 and 3.33325 -> 3.33
    assert sorted(r[7] for r in rows[1:-1]) == [pytest.approx(3.33), pytest.approx(13.33)]
    assert rows[-1][7] == pytest.approx(16.66)
    # the same as the statement of those days prices them
    march = statements.build_statements(store, me(), statements.StatementRequest(date(2025, 3, 1), TODAY))
    # The energy column's total, 16.66625 + 131.9967 (u-2's 99 kWh) = 148.66295, is rounded once to
    # 148.66 and the one øre left over after rounding down goes to the larger remainder (u-2's .67 over
    # u-1's .625): 16.66, not the 16.67 that rounding u-1's line on its own gives.
    assert march.lines[0].energy_cost == Decimal("16.66")
    assert abs(march.lines[0].raw["energy_cost"] - Decimal("16.66625")) < Decimal("1e-9")


def test_own_excel_export_without_tariff_leaves_cost_blank(store, feeds):
    load(store, feeds, [rec("a", "u-1", 10)])
    usage = my_usage.my_usage(store, me(), TODAY)
    book = openpyxl.load_workbook(io.BytesIO(my_usage.export_workbook(store, me(), usage, log=False)[0]))
    rows = list(book["My sessions"].iter_rows(values_only=True))
    assert rows[1][7] is None and rows[-1][7] is None


def test_own_sessions_show_their_cost_as_the_statement_prices_them(tmp_path):
    from costs_support import make_store, session  # noqa: PLC0415

    from chargeboard import statements, tariffs  # noqa: PLC0415

    store = make_store(tmp_path, [
        session("day", "kari", "ST1", "2026-01-05T10:00:00", "2026-01-05T12:00:00", 10.0),
        session("night", "kari", "ST1", "2026-01-06T22:00:00", "2026-01-06T23:00:00", 5.0),
        session("ola", "ola", "ST1", "2026-01-05T10:00:00", "2026-01-05T12:00:00", 7.0),  # same start, not hers
    ])
    tariffs.add_version(store, "styret", date(2026, 1, 1), "2.00", monthly_fee="49",
                        bands=[{"from_hour": 22, "to_hour": 6, "price": "1.00"}])
    kari = Scope("kari", RESIDENT, user_ids=("u-kari",))
    usage = my_usage.my_usage(store, kari, date(2026, 1, 31))
    costs = dict(zip(usage.sessions["session_id"],
                     my_usage.session_costs(store, kari, usage.sessions), strict=True))
    assert costs == {"day": Decimal("20.00"), "night": Decimal("5.00")}  # 10 kWh × 2.00; 5 kWh × the night's 1.00
    statement = statements.build_statements(store, kari, statements.StatementRequest(date(2026, 1, 1),
                                                                                      date(2026, 1, 31)))
    assert sum(costs.values()) == statement.lines[0].energy_cost  # the fee (49) stays on the statement
    store.close()


def test_an_earlier_year_is_offered_and_read_as_of_its_last_day(store, feeds):
    load(store, feeds, [rec("a", "u-1", 10), rec("c", "u-1", 4, datetime(2024, 12, 1, 10)),
                        rec("b", "u-1", 3, datetime(2024, 6, 2, 10)), rec("d", "u-2", 99, datetime(2023, 5, 1, 10))])
    assert my_usage.usage_years(store, me(), TODAY) == [2025, 2024]  # not u-2's 2023
    assert my_usage.usage_years(store, me("u-9"), TODAY) == [2025]  # this year even without charging
    usage = my_usage.my_usage(store, me(), TODAY, year=2024)
    assert usage.today == date(2024, 12, 31)
    assert (usage.month_kwh, usage.month_sessions) == (Decimal("4.000"), 1)
    assert (usage.year_kwh, usage.year_sessions) == (Decimal("7.000"), 2)
    assert list(usage.monthly["month"]) == [date(2024, m, 1) for m in range(1, 13)]
    assert set(usage.sessions["session_id"]) == {"b", "c"}
    assert my_usage.my_usage(store, me(), TODAY, year=2025).year_kwh == Decimal("10.000")


def test_the_page_offers_the_years_with_own_charging(app_env):
    from test_app import fresh, log_in, settle

    kari = next(login for login in support.LOGINS if login.username == "kari")
    at = settle(log_in(fresh(), kari.username, kari.password))
    at.switch_page("pages/my_usage.py").run()
    assert not at.exception, at.exception
    year = at.selectbox(key="my_usage_year")
    this_year = date.today().year
    assert year.options == [str(this_year), "2025"] and year.value == this_year
    year.select(2025).run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value.replace("\xa0", " ") for m in at.metric}
    assert metrics["Year 2025"] == "28.7 kWh" and metrics["December 2025"] == "0.0 kWh", metrics
    assert len(at.dataframe) >= 1 and len(at.dataframe[0].value) == 3
