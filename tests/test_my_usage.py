"""My usage: own figures only, and an anonymised average that never reveals a single resident."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
import support

from chargeboard import my_usage
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


def test_charger_owner_sees_only_own_usage_not_their_stations(store, feeds):
    load(store, feeds, [rec("a", "u-1", 10), rec("d", "u-2", 99)])
    owner = Scope("per", CHARGER_OWNER, user_ids=("u-1",), station_ids=("chg-1",))
    usage = my_usage.my_usage(store, owner, TODAY)
    assert usage.month_kwh == Decimal("10.000") and set(usage.sessions["session_id"]) == {"a"}


@pytest.mark.parametrize("active", [1, 2])
def test_average_hidden_below_three_residents(store, feeds, active):
    load(store, feeds, [rec(f"s{i}", f"u-{i}", 10 * i) for i in range(1, active + 1)])
    avg = my_usage.installation_average(store, me(), TODAY)
    assert avg.month_avg_kwh is None and avg.year_avg_kwh is None
    text = my_usage.comparison_text(my_usage.my_usage(store, me(), TODAY))
    assert "at least 3 residents" in text and "20" not in text


def test_average_shown_from_three_and_reveals_only_aggregates(store, feeds):
    # Three residents: 10, 20 and 60 kWh in March; an open-charging session (no user) is not a resident;
    # a fourth resident in ANOTHER installation does not count.
    load(store, feeds, [rec("s1", "u-1", 10), rec("s2", "u-2", 20), rec("s3", "u-3", 60),
                        support.zaptec_record("g", station="chg-1", serial="ZAP-chg-1", user_id=None,
                                              user_name=None, email=None, tag=None,
                                              start=datetime(2025, 3, 6, 10), minutes=600, kwh=50)])
    ingest_file(store, feeds.zaptec([rec("o1", "u-9", 100, station="chg-9")], "other.json"), installation="Other")
    avg = my_usage.installation_average(store, me(), TODAY)
    assert (avg.month_residents, avg.month_avg_kwh) == (3, Decimal("30.0"))
    assert (avg.year_residents, avg.year_avg_kwh) == (3, Decimal("30.0"))
    # The query's whole answer: one row, four numbers; no id, name, tag or single figure.
    sql, params = store._bind("my_usage_installation_average", me(), {
        "month_from": datetime(2025, 3, 1), "year_from": datetime(2025, 1, 1),
        "local_to": datetime(2025, 3, 21), "min_residents": 3})
    with store.cursor() as cur:
        result = cur.execute(sql, params)
        columns = [d[0] for d in result.description]
        rows = result.fetchall()
    assert columns == ["month_residents", "month_avg_kwh", "year_residents", "year_avg_kwh"]
    assert len(rows) == 1
    flat = " ".join(str(v) for v in rows[0])
    for secret in ("u-2", "u-3", "Name", "Tag", "20", "60"):
        assert secret not in flat


def test_average_is_the_one_query_reading_beyond_scope():
    beyond = [p.stem for p in sorted(store_module.settings.QUERIES_DIR.glob("*.sql"))
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
                     my_usage.session_costs(store, kari, usage.sessions, usage.money.currency), strict=True))
    assert costs == {"day": Decimal("20.00"), "night": Decimal("5.00")}  # 10 kWh × 2.00; 5 kWh × the night's 1.00
    statement = statements.build_statements(store, kari, statements.StatementRequest(date(2026, 1, 1),
                                                                                      date(2026, 1, 31)))
    assert sum(costs.values()) == statement.lines[0].energy_cost  # the fee (49) stays on the statement
    store.close()
