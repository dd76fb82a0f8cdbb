"""Tariffs: validity periods, time-of-use bands hour by hour, append-only versions."""

from __future__ import annotations

import csv
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from costs_support import OSLO, make_store, session

from chargeboard import i18n, ingest, statements, tariffs
from chargeboard.scope import system_scope


def cost_of(store, date_from, date_to, as_of=None) -> dict[str, Decimal]:
    st = statements.build_statements(store, system_scope(),
                                     statements.StatementRequest(date_from, date_to, as_of=as_of))
    return {x.name: x.raw["energy_cost"] for x in st.lines}


def test_price_change_inside_a_sessions_month(tmp_path):
    store = make_store(tmp_path, [
        session("a", "kari", "ST1", "2026-06-10T18:00:00", "2026-06-10T20:00:00", 10.0),
        session("b", "kari", "ST1", "2026-06-20T18:00:00", "2026-06-20T20:00:00", 10.0),
        # crosses midnight into the new price: priced hour by hour (evenly, no details)
        session("c", "ola", "ST2", "2026-06-14T23:00:00", "2026-06-15T01:00:00", 8.0),
    ])
    tariffs.add_version(store, "styret", date(2026, 1, 1), "1.00")
    tariffs.add_version(store, "styret", date(2026, 6, 15), "2.00")
    costs = cost_of(store, date(2026, 6, 1), date(2026, 6, 30))
    assert costs["Kari Nordmann"] == Decimal("30")
    assert costs["Ola Hansen"] == Decimal("12")  # 4 kWh at 1.00 + 4 kWh at 2.00


def test_time_of_use_hour_by_hour_from_energy_details(tmp_path):
    store = make_store(tmp_path, [
        session("d", "kari", "ST1", "2026-03-02T21:00:00", "2026-03-02T23:00:00", 10.0,
                details=[("2026-03-02T21:00:00", 3.0), ("2026-03-02T22:00:00", 7.0)]),
        session("e", "ola", "ST2", "2026-03-02T21:00:00", "2026-03-02T23:00:00", 10.0),  # the same, no details
    ])
    tariffs.add_version(store, "styret", date(2026, 1, 1), "2.00",
                        bands=[{"from_hour": 22, "to_hour": 6, "price": "0.50"}])
    costs = cost_of(store, date(2026, 3, 1), date(2026, 3, 31))
    assert costs["Kari Nordmann"] == Decimal("9.5")    # 3 x 2.00 + 7 x 0.50
    assert costs["Ola Hansen"] == Decimal("12.5")      # spread evenly: 5 x 2.00 + 5 x 0.50


def test_details_scaled_to_the_sessions_kwh_and_dst(tmp_path):
    # the night DST starts (2026-03-29 02:00 -> 03:00): 01:00-04:00 local is 2 real hours
    store = make_store(tmp_path, [
        session("f", "kari", "ST1", "2026-03-29T01:00:00", "2026-03-29T04:00:00", 6.0),
    ])
    tariffs.add_version(store, "styret", date(2026, 1, 1), "1.00",
                        bands=[{"from_hour": 3, "to_hour": 4, "price": "3.00"}])
    # 01:00-02:00 (1 h) at 1.00 and 03:00-04:00 (1 h) at 3.00: 3 kWh each
    assert cost_of(store, date(2026, 3, 29), date(2026, 3, 29))["Kari Nordmann"] == Decimal("12")


def test_append_only_versions_keep_past_statements(tmp_path):
    store = make_store(tmp_path, [session("g", "kari", "ST1", "2026-02-01T10:00:00", "2026-02-01T12:00:00", 10.0)])
    first = datetime(2026, 3, 1, tzinfo=UTC)
    tariffs.add_version(store, "styret", date(2026, 1, 1), "1.50", monthly_fee="49", created_at=first)
    tariffs.add_version(store, "kasserer", date(2026, 1, 1), "1.80", created_at=first + timedelta(days=30))
    assert cost_of(store, date(2026, 2, 1), date(2026, 2, 28), as_of=first + timedelta(days=1))["Kari Nordmann"] == 15
    assert cost_of(store, date(2026, 2, 1), date(2026, 2, 28))["Kari Nordmann"] == 18
    history = tariffs.history_rows(store)
    assert [r["entered"].rsplit(" by ", 1)[1] for r in history] == ["kasserer", "styret"]
    st = statements.build_statements(store, system_scope(), statements.StatementRequest(date(2026, 2, 1),
                                                                                        date(2026, 2, 28)))
    assert any("changed after the period ended" in n and "kasserer" in n for n in st.notes)
    # withdrawing a period: no price, the kWh are reported unpriced
    tariffs.add_version(store, "styret", date(2026, 1, 1), "0", withdrawn=True)
    st = statements.build_statements(store, system_scope(), statements.StatementRequest(date(2026, 2, 1),
                                                                                        date(2026, 2, 28)))
    assert st.lines[0].energy_cost == 0 and any("not priced" in n for n in st.notes)


def test_bad_tariffs_refused(tmp_path):
    store = make_store(tmp_path, [])
    with pytest.raises(tariffs.TariffError, match="overlap"):
        tariffs.add_version(store, "styret", date(2026, 1, 1), "1", bands=[
            {"from_hour": 22, "to_hour": 6, "price": "0.5"}, {"from_hour": 5, "to_hour": 7, "price": "1"}])
    with pytest.raises(tariffs.TariffError):
        tariffs.add_version(store, "styret", date(2026, 1, 1), "-1")
    with pytest.raises(tariffs.TariffError, match="currency"):
        tariffs.add_version(store, "styret", date(2026, 1, 1), "1", currency="kroner")
    assert tariffs.minor_unit("NOK") == Decimal("0.01") and tariffs.minor_unit("ISK") == Decimal(1)


def test_csv_sessions_priced_evenly(tmp_path):
    path = tmp_path / "f.csv"
    with open(path, "w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["session_id", "station_id", "user_id", "user_name", "started_at", "ended_at", "energy_kwh"])
        w.writerow(["x", "ST1", "u1", "Eva", "2026-04-01T05:00:00+02:00", "2026-04-01T07:00:00+02:00", "4.000"])
    store = make_store(tmp_path, [])
    ingest.ingest_file(store, path, installation="Garage A")
    tariffs.add_version(store, "styret", date(2026, 1, 1), "2", bands=[{"from_hour": 22, "to_hour": 6, "price": "1"}])
    assert cost_of(store, date(2026, 4, 1), date(2026, 4, 1))["Eva"] == Decimal("6")


def test_tariff_history_reads_as_words_not_json(tmp_path):
    store = make_store(tmp_path, [session("g", "kari", "ST1", "2026-02-01T10:00:00", "2026-02-01T12:00:00", 10.0)])
    tariffs.add_version(store, "styret", date(2026, 1, 1), "1.85", monthly_fee="49",
                        bands=[{"from_hour": 22, "to_hour": 6, "price": "1.10"}], standby_share="equal",
                        created_at=datetime(2026, 1, 2, 9, 30, tzinfo=UTC))
    tariffs.add_version(store, "styret", date(2026, 3, 1), "0", withdrawn=True)
    withdrawn, first = tariffs.history_rows(store)
    assert first["change"] == "1.85\u00a0NOK/kWh, cheaper hours 22:00–06:00 1.10\u00a0NOK/kWh"
    assert first["monthly_fee"] == "NOK\u00a049.00" and first["standby_shared"] == "equally per active resident"
    assert first["note"] == "" and first["entered"] == "2 Jan 2026 09:30 UTC by styret"
    assert withdrawn["change"] == "withdraws the period from this date"
    with i18n.language("nb"):  # the same versions as a Norwegian reads them
        withdrawn, first = tariffs.history_rows(store)
    assert first["change"] == "1,85\u00a0kr/kWh, billigere timer 22:00–06:00 1,10\u00a0kr/kWh"
    assert first["monthly_fee"] == "49,00\u00a0kr" and first["standby_shared"] == "likt per aktiv beboer"
    assert first["entered"] == "02.01.2026 09:30 UTC av styret"
    assert withdrawn["change"] == "fjerner perioden fra denne datoen"
    text = " ".join(str(v) for row in (first, withdrawn) for v in row.values())
    assert "None" not in text and "{" not in text and "from_hour" not in text


def _reference_costs(sessions, versions) -> dict[str, tuple[Fraction, Fraction, dict]]:
    """Each session's cost, unpriced kWh and Wh per price, the slow way: its Wh spread evenly over its
    real time to the Wh (the first t of the session holds round-half-up(Wh x t / duration) of them, so
    a piece from a to b holds that at b minus that at a), each clock hour at the price of its local
    date's price period and local hour."""
    def price_at(local: datetime):
        fitting = [v for v in versions if v[0] <= local.date()]
        if not fitting:
            return None
        _from, base, bands = max(fitting, key=lambda v: v[0])
        for band in bands:
            lo, hi = band["from_hour"], band["to_hour"]
            if (lo <= local.hour < hi) if lo < hi else (local.hour >= lo or local.hour < hi):
                return Fraction(band["price"])
        return Fraction(base)

    def micros(delta: timedelta) -> int:
        return (delta.days * 86400 + delta.seconds) * 10**6 + delta.microseconds

    costs = {}
    for sid, start_local, end_local, kwh in sessions:
        start = start_local.replace(tzinfo=OSLO).astimezone(UTC)
        end = end_local.replace(tzinfo=OSLO).astimezone(UTC)
        wh, duration = round(Decimal(str(kwh)) * 1000), micros(end - start)
        until = lambda at: (2 * wh * micros(at - start) + duration) // (2 * duration)  # noqa: E731, B023
        cost = unpriced = Fraction(0)
        by_price: dict = {}
        if end <= start:
            pieces = [(start, wh)]
        else:
            pieces, at = [], start
            while at < end:  # Oslo's offsets are whole hours: its clock hours are UTC hours
                nxt = min(at.replace(minute=0, second=0) + timedelta(hours=1), end)
                pieces.append((at, until(nxt) - until(at)))
                at = nxt
        for at, part in pieces:
            price = price_at(at.astimezone(OSLO).replace(tzinfo=None))
            if price is None:
                unpriced += Fraction(part, 1000)
            else:
                cost += Fraction(part, 1000) * price
            if part:
                by_price[price] = by_price.get(price, 0) + part
        costs[sid] = (cost, unpriced, by_price)
    return costs


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_every_session_costs_what_its_hours_cost(tmp_path, seed):
    """Whichever way the query prices a session (one price, the closed form, hour by hour; and
    which sessions it even considers for the slower ways), the amount is that of its hours. Random
    sessions around the DST change of 2026-03-29, across price periods that start mid-window,
    some flat, some with bands, and some sessions before the first priced day."""
    rng = random.Random(seed)
    band_sets = [[], [], [{"from_hour": 22, "to_hour": 6, "price": "0.80"}],
                 [{"from_hour": 16, "to_hour": 20, "price": "2.50"}, {"from_hour": 0, "to_hour": 5, "price": "0.90"}]]
    versions = [(date(2026, 3, 26), "1.50", rng.choice(band_sets)), (date(2026, 3, 29), "1.20", rng.choice(band_sets)),
                (date(2026, 4, 1), "2.00", rng.choice(band_sets))]
    sessions = []
    for n in range(80):
        start = datetime(2026, 3, 24) + timedelta(minutes=rng.randrange(0, 10 * 24 * 60))
        if start.date() == date(2026, 3, 29) and start.hour == 2:  # 02:00-03:00 does not exist that night
            start += timedelta(hours=1)
        end = start + timedelta(minutes=rng.choice([0, rng.randrange(1, 60), rng.randrange(60, 600),
                                                    rng.randrange(600, 3000)]))
        if end.date() == date(2026, 3, 29) and end.hour == 2:
            end += timedelta(hours=1)
        hours = (end - start).total_seconds() / 3600  # (its wall-clock length; at most an hour off the real one)
        sessions.append((f"s{seed}-{n}", start, end, round(rng.uniform(0.001, 0.1 + min(40.0, 10 * hours)), 3)))
    store = make_store(tmp_path, [session(sid, rng.choice(["kari", "ola", "per"]), rng.choice(["ST1", "ST2"]),
                                          start.isoformat(), end.isoformat(), kwh)
                                  for sid, start, end, kwh in sessions])
    for valid_from, price, bands in versions:
        tariffs.add_version(store, "styret", valid_from, price, bands=bands or None)
    rows = store.rows("statement_user_costs", system_scope(), local_from=datetime(2026, 3, 1),
                      local_to=datetime(2026, 5, 1), as_of=datetime.now(UTC), per_session=True,
                      formula_from=[], formula_to=[])
    priced = {r[9]: (Fraction(r[4]), Fraction(r[5])) for r in rows}
    parts = {r[9]: r[13] for r in rows}
    expected = _reference_costs(sessions, versions)
    assert priced.keys() == expected.keys()
    for sid, (cost, unpriced, by_price) in expected.items():
        assert priced[sid] == (cost, unpriced), (sid, float(priced[sid][0]), float(cost))
        # the Wh at each price that the statement's split by hours prints: the same pieces (none for a
        # session of one price: all its Wh at its cost / its kWh, or unpriced)
        got: dict = {}
        for part in parts[sid]:
            price = None if part["price"] is None else Fraction(part["price"])
            got[price] = got.get(price, 0) + part["wh"]
        if not parts[sid] and len(by_price) == 1:
            (price, wh), = by_price.items()
            got = {None if price is None else cost / Fraction(wh, 1000): wh}
        assert {k: v for k, v in got.items() if v} == by_price, sid


def _per_session(store, local_from, local_to) -> dict[str, tuple[Decimal, Decimal]]:
    rows = store.rows("statement_user_costs", system_scope(), local_from=local_from, local_to=local_to,
                      as_of=datetime.now(UTC), per_session=True, formula_from=[], formula_to=[])
    return {r[9]: (r[4], r[5]) for r in rows}


def test_sessions_on_days_no_price_period_covers_are_unpriced(tmp_path):
    """A session on a day no price period covers (before the first one, or any day in a store with no
    tariff yet) counts as unpriced kWh, whole, unless it runs into a priced day."""
    store = make_store(tmp_path, [
        session("before", "kari", "ST1", "2026-01-10T10:00:00", "2026-01-10T12:00:00", 4.0),
        # from the last unpriced evening into the first priced hours: half of it priced
        session("into", "ola", "ST2", "2026-01-31T23:00:00", "2026-02-01T01:00:00", 8.0),
        session("priced", "kari", "ST1", "2026-02-10T10:00:00", "2026-02-10T12:00:00", 10.0),
        session("days", "ola", "ST2", "2026-01-30T10:00:00", "2026-02-02T10:00:00", 12.0),
    ])
    assert _per_session(store, datetime(2026, 1, 1), datetime(2026, 3, 1)) == {  # no tariff yet: all unpriced
        sid: (Decimal(0), Decimal(kwh)) for sid, kwh in (("before", 4), ("into", 8), ("priced", 10), ("days", 12))}
    tariffs.add_version(store, "styret", date(2026, 2, 1), "1.50")
    assert _per_session(store, datetime(2026, 1, 1), datetime(2026, 3, 1)) == {
        "before": (Decimal(0), Decimal(4)), "into": (Decimal(6), Decimal(4)), "priced": (Decimal(15), Decimal(0)),
        "days": (Decimal("8.5005"), Decimal("6.333"))}  # 72 h evenly, to the Wh: 38 h unpriced, 34 h 5.667 kWh at 1.50


def test_a_period_with_no_tariff_says_so_once(tmp_path):
    store = make_store(tmp_path, [session("a", "kari", "ST1", "2026-02-01T10:00:00", "2026-02-01T12:00:00", 10.0)])
    with_sessions = statements.build_statements(store, system_scope(), statements.StatementRequest(date(2026, 2, 1),
                                                                                                  date(2026, 2, 28)))
    assert with_sessions.notes == ["10.000\u00a0kWh fell on days with no tariff and are not priced: add a price period."]
    without = statements.build_statements(store, system_scope(), statements.StatementRequest(date(2026, 5, 1),
                                                                                            date(2026, 5, 31)))
    assert without.notes == ["No tariff covers this period: the energy costs are 0. Enter a price on the Tariffs page."]
