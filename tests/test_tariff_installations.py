"""Formula versions per installation (issue 29 item 2): an installation's chain is the co-op-wide versions
plus its own, by valid_from. Two installations in different price areas (NO1, NO4) with formulas of their
own and one with none (the co-op-wide flat price): each session priced with its own installation's spot
prices and components, to the øre against a computation by hand; a co-op-wide version after an
installation's own; the JSON and the command line; the Tariffs page's form (AppTest)."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import support
from test_app import page_as, texts
from test_formula_pricing import add_spot, load, record
from test_tariff_cli import plain, run, write

from chargeboard import ingest, meters, statements, tariffs, web
from chargeboard.pricing import capacity, tariff_entry
from chargeboard.scope import system_scope
from chargeboard.store import Store

OSLO = ZoneInfo("Europe/Oslo")
HOUR = timedelta(hours=1)
EAST = {"kind": "formula", "price_area": "NO1", "spot": True, "markup_per_kwh": "0.05", "vat_rate": "0.25",
        "capacity": {"rule": "max_hour", "steps": [{"from_kw": "0", "per_month": "100"}]}}
NORTH = {"kind": "formula", "price_area": "NO4", "spot": True, "vat_rate": "0",
         "grid": {"day": "0.30", "night": "0.20", "night_hours": [22, 6], "weekend_is_night": False,
                  "holiday_is_night": False}}
# (installation, station, user) of each feed; the installation ids are the names in lower case
SITES = (("East", "STE", "kari"), ("North", "STN", "ola"), ("West", "STW", "per"))


def local(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=OSLO)


def build(tmp_path) -> Store:
    """Each installation: one session of 4 kWh, 10:00–12:00 local (2 kWh in each hour), on 10 and 20 March 2026."""
    store = Store(tmp_path / "inst.duckdb")
    for name, station, who in SITES:
        records = []
        for day in (date(2026, 3, 10), date(2026, 3, 20)):
            r = record(f"{station}-{day.day}", who, local(day, 10), local(day, 12), 4000)
            r["ChargerId"] = r["DeviceId"] = station
            records.append(r)
        feed = tmp_path / f"{name}.json"
        feed.write_text(json.dumps(records), encoding="utf-8")
        assert ingest.ingest_file(store, feed, installation=name).rejected == 0
    for day in (date(2026, 3, 10), date(2026, 3, 20)):
        add_spot(store, "NO1", {local(day, 10): (HOUR, Decimal("0.8123")), local(day, 11): (HOUR, Decimal("1.2345"))})
        add_spot(store, "NO4", {local(day, 10): (HOUR, Decimal("0.1111")), local(day, 11): (HOUR, Decimal("0.2222"))})
    tariffs.add_version(store, "styret", date(2026, 1, 1), "1.50", monthly_fee="0")
    tariffs.add_version(store, "styret", date(2026, 3, 1), "0", formula=EAST, installation_id="east")
    tariffs.add_version(store, "styret", date(2026, 3, 1), "0", formula=NORTH, installation_id="north")
    return store


def month_statement(store: Store, first: date, last: date) -> statements.Statements:
    return statements.build_statements(store, system_scope(), statements.StatementRequest(first, last))


def by_name(st: statements.Statements) -> dict[str, statements.StatementLine]:
    return {x.name: x for x in st.lines}


def test_each_installation_is_priced_by_its_own_chain_to_the_ore(tmp_path):
    store = build(tmp_path)
    st = month_statement(store, date(2026, 3, 10), date(2026, 3, 10))
    lines = by_name(st)
    # East (NO1): 2 kWh at 0.8123 + 2 kWh at 1.2345 = 4.0936 → 4.09; markup 4 x 0.05 = 0.20;
    # VAT 25 % of 4.2936 = 1.0734 → 1.07
    east = lines["Kari Nordmann"]
    assert {c: east.components[c] for c in ("spot", "markup", "vat", "grid")} == {
        "spot": Decimal("4.09"), "markup": Decimal("0.20"), "vat": Decimal("1.07"), "grid": Decimal("0.00")}
    assert east.energy_cost == Decimal("5.36")
    # North (NO4): 2 x 0.1111 + 2 x 0.2222 = 0.6666 → 0.67; grid by day 4 x 0.30 = 1.20; no VAT
    north = lines["Ola Hansen"]
    assert {c: north.components[c] for c in ("spot", "markup", "vat", "grid")} == {
        "spot": Decimal("0.67"), "markup": Decimal("0.00"), "vat": Decimal("0.00"), "grid": Decimal("1.20")}
    assert north.energy_cost == Decimal("1.87")
    # West has no version of its own: the co-op-wide flat 1.50 on a day the others' formulas price
    west = lines["Per Olsen"]
    assert west.components[statements.energy.FLAT] == Decimal("6.00") and west.energy_cost == Decimal("6.00")
    assert not any(west.components[c] for c in ("spot", "markup", "vat", "grid"))
    assert st.totals["energy_cost"] == Decimal("13.23")
    assert sorted(p.version for p in st.periods_used) == [1, 2, 3]
    assert plain(statements.tariff_line(next(p for p in st.periods_used if p.version == 2))).startswith(
        "Version 2, from 1 Mar 2026, for East: Spot NO1 + 5.00 øre markup")
    # the statement's sessions add up to its lines, and each session is its line here
    sessions = statements.session_costs(store, system_scope(), st)
    assert sum((s.cost for user in sessions.values() for s in user), Decimal(0)) == Decimal("13.23")
    assert {user: [s.cost for s in rows] for user, rows in sessions.items()} == {
        "u-kari": [Decimal("5.36")], "u-ola": [Decimal("1.87")], "u-per": [Decimal("6.00")]}
    # and My usage's per-session prices agree
    prices, _currency = statements.session_prices(store, system_scope(), date(2026, 3, 10), date(2026, 3, 10))
    assert prices == {"STE-10": Decimal("5.37"), "STN-10": Decimal("1.87"), "STW-10": Decimal("6.00")}


def test_the_chains(tmp_path):
    store = build(tmp_path)
    assert [p.version for p in tariffs.periods(store)] == [1]  # the co-op-wide chain only
    chains = tariffs.installation_chains(store)
    assert sorted(chains) == ["east", "north"]
    assert [(p.version, p.valid_from, p.valid_to) for p in chains["east"]] == [
        (1, date(2026, 1, 1), date(2026, 3, 1)), (2, date(2026, 3, 1), date(9999, 12, 31))]
    # the capacity rule is the installation's formula's
    assert capacity.rule_of_tariff(store, date(2026, 3, 1), "east")[::2] == ("max_hour", 2)
    assert capacity.rule_of_tariff(store, date(2026, 3, 1), "west")[2] is None
    assert capacity.rule_of_tariff(store, date(2026, 3, 1))[2] is None
    # an installation's own withdrawn version gives the date back to the co-op-wide chain
    tariffs.add_version(store, "styret", date(2026, 3, 1), "0", withdrawn=True, installation_id="north")
    assert sorted(tariffs.installation_chains(store)) == ["east"]


def test_a_co_op_wide_version_after_an_installations_own_takes_over_from_its_date(tmp_path):
    store = build(tmp_path)
    before = by_name(month_statement(store, date(2026, 3, 20), date(2026, 3, 20)))
    assert before["Kari Nordmann"].energy_cost == Decimal("5.36")
    tariffs.add_version(store, "styret", date(2026, 3, 15), "2.00")
    st = month_statement(store, date(2026, 3, 1), date(2026, 3, 31))
    lines = by_name(st)
    # the 10th by each one's formula, the 20th at the co-op-wide 2.00 (4 kWh = 8.00)
    assert lines["Kari Nordmann"].energy_cost == Decimal("5.36") + Decimal("8.00")
    assert lines["Ola Hansen"].energy_cost == Decimal("1.87") + Decimal("8.00")
    assert lines["Per Olsen"].energy_cost == Decimal("6.00") + Decimal("8.00")
    assert st.totals["energy_cost"] == Decimal("37.23")
    assert [(p.version, p.valid_from, p.valid_to) for p in tariffs.installation_chains(store)["east"]] == [
        (1, date(2026, 1, 1), date(2026, 3, 1)), (2, date(2026, 3, 1), date(2026, 3, 15)),
        (4, date(2026, 3, 15), date(9999, 12, 31))]
    # as of before that version, the 20th is still the formula's (the versions are kept)
    as_of = datetime.now(UTC) - timedelta(microseconds=1)
    for row in store.rows("tariff_history"):
        if row[0] == 4:
            as_of = row[10] - timedelta(microseconds=1)
    then = statements.build_statements(store, system_scope(), statements.StatementRequest(
        date(2026, 3, 20), date(2026, 3, 20), as_of=as_of))
    assert by_name(then)["Kari Nordmann"].energy_cost == Decimal("5.36")


def test_only_a_known_installations_formula_version(tmp_path):
    store = build(tmp_path)
    for kwargs, message in (
            ({"formula": EAST, "installation_id": "south"}, "there is no installation 'south'"),
            ({"installation_id": "east"}, "only a formula version can be one installation's own"),
            ({"formula": EAST, "installation_id": "east", "monthly_fee": "49"}, "takes no monthly fee")):
        try:
            tariffs.add_version(store, "styret", date(2026, 4, 1), "1.00", **kwargs)
        except tariffs.TariffError as error:
            assert message in str(error)
        else:
            raise AssertionError(f"stored {kwargs}")
    assert len(tariffs.history_rows(store)) == 3


def test_the_json_file_and_the_command_line(tmp_path):
    store = build(tmp_path)
    db = store.path
    store.close()
    version = {"valid_from": "2026-05-01", "installation": "North", "formula": NORTH, "note": "new grid prices"}
    code, out, err = run(db, "set", str(write(tmp_path, version, "north.json")))
    assert (code, err) == (0, "")
    assert out.startswith("tariff version 4 from 2026-05-01 for North: Spot NO4")
    for bad, reason in (
            ({**version, "installation": "Sør"}, "installation: no installation 'Sør' (known: east, "
                                                   "north, west)"),
            ({"valid_from": "2026-05-01", "installation": "east", "price_per_kwh": "1.2"},
             "installation: only a formula version can be one installation's own"),
            ({**version, "monthly_fee": "49"}, "monthly_fee: an installation's own version takes no "
                                                "monthly fee")):
        path = write(tmp_path, bad, "north.json")
        code, out, err = run(db, "set", str(path))
        assert code == 2 and out == "" and err.startswith(f"error: {path}: {reason}"), err
    code, out, _err = run(db, "list")
    lines = [line.split("\t") for line in out.splitlines()]
    assert [f[:2] + [f[3]] for f in lines] == [["4", "2026-05-01", "North"], ["3", "2026-03-01", "North"],
                                               ["2", "2026-03-01", "East"], ["1", "2026-01-01", "co-op-wide"]]
    with contextlib.closing(Store(db)) as again:
        assert again.one("tariff_history")[13] == "north"
        added = tariff_entry.add_version_json(again, "styret", {**version, "valid_from": "2026-06-01",
                                                                "installation": "east"}, "x.json")
        assert plain(added.line()).startswith("tariff version 5 from 2026-06-01 for East: Spot NO4")


def test_the_tariffs_page_enters_a_formula_for_one_installation(own_store_env):
    at = page_as(support.STYRET, "tariffs")
    store = web.app_store()
    choices = tariff_entry.installation_choices(store)
    target = next(iter(choices))
    select = at.selectbox(key="formula_installation")
    assert select.value is None and select.options[0] == "co-op-wide (every installation)"
    select.set_value(target).run()
    at.selectbox(key="formula_area").set_value("NO4")
    at.text_input(key="formula_grid_day").input("0.30")
    at.text_input(key="formula_grid_night").input("0.20")
    assert at.text_input(key="formula_fee").disabled  # (the fee is the co-op-wide versions')
    next(b for b in at.button if b.label == "Save formula version").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert f"Saved as version 1 for {choices[target]}: Spot NO4" in texts(at), texts(at)
    assert tariffs.periods(store) == [] and tariffs.has_tariff(store)  # nothing co-op-wide, yet a tariff
    [period] = tariffs.installation_chains(store)[target]
    assert period.formula.price_area == "NO4" and period.monthly_fee == 0
    history = at.dataframe[-1].value.to_dict("records")
    assert [(r["version"], r["installation"]) for r in history] == [(1, choices[target])]
    in_force = at.dataframe[0].value.to_dict("records")
    assert [(r["installation"], r["version"]) for r in in_force] == [(choices[target], 1)]


def test_the_shared_standby_of_an_installation_is_priced_by_its_own_chain(tmp_path):
    """As test_formula_pricing's standby test, with the formula Garage A's own and a co-op-wide flat 1.00 beside
    it: the standby costs the month's mean of Garage A's formula (1.875 kr/kWh), not the flat price."""
    start = datetime(2026, 1, 5, 18, tzinfo=OSLO)
    store = load(tmp_path, [record("a", "kari", start, start + HOUR, 1000),
                            record("b", "ola", start + timedelta(days=1), start + timedelta(days=1, hours=1), 3000)])
    tariffs.add_version(store, "styret", date(2026, 1, 1), "1.00", standby_share="equal")
    tariffs.add_version(store, "styret", date(2026, 1, 1), "0", installation_id="garage-a",
                        formula={"kind": "formula", "price_area": "NO1", "spot": True, "vat_rate": "0.25"})
    first = datetime(2025, 12, 31, 23, tzinfo=UTC)
    add_spot(store, "NO1", {first + timedelta(hours=h): (HOUR, Decimal(1 + h % 2)) for h in range(31 * 24)})
    meters.register_meter(store, "M", "Garage A")
    for at, kwh in (("2026-01-01T00:00:00", "0"), ("2026-02-01T00:00:00", "30")):
        meters.add_reading(store, "styret", "M", datetime.fromisoformat(at), kwh)
    st_ = month_statement(store, date(2026, 1, 1), date(2026, 1, 31))
    assert st_.request.standby_share == "equal"  # the co-op-wide version's rule
    assert st_.shared_kwh["standby"] > 0
    raw = sum((x.raw["standby_share"] for x in st_.lines), Decimal(0))
    assert raw == st_.shared_kwh["standby"] * Decimal("1.875")
    assert "flat" not in st_.components  # every session is Garage A's, priced by its formula
    store.close()
