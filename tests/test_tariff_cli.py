"""`python -m chargeboard tariff set|list|cost-price` (issue 29 item 2): the same versions the Tariffs
page adds, from a JSON file whose every error names the file and the field; invoice months for
cost-price tariffs; all of it handed over to a serving app. Real store files, real processes."""

from __future__ import annotations

import contextlib
import getpass
import io
import json
from datetime import date
from decimal import Decimal

import duckdb
import pytest
from test_handover import one_error_line, run_cli, serving

from chargeboard import cli, i18n, tariffs
from chargeboard.pricing import formula, tariff_entry
from chargeboard.store import Store

FORMULA = {
    "kind": "formula", "price_area": "NO1", "spot": True, "markup_per_kwh": "0.05",
    "grid": {"day": "0.36", "night": "0.26", "night_hours": [22, 6], "weekend_is_night": True, "holiday_is_night": True,
             "winter_months": [1, 2, 3], "winter_day": "0.41", "winter_night": "0.31"},
    "consumption_tax": [{"from": "2025-01-01", "per_kwh": "0.0979"}, {"from": "2025-04-01", "per_kwh": "0.1693"}],
    "enova_fee": [{"from": "2024-01-01", "per_kwh": "0.01"}],
    "vat_rate": "0.25",
    "support": {"share": "0.90", "threshold_by_year": {"2025": "0.75", "2026": "0.77"}},
    "norgespris": {"from": "2025-10-01", "per_kwh": "0.40"},
    "capacity": {"rule": "top3_days", "share_with_residents": False,
                 "steps": [{"from_kw": "0", "to_kw": "2", "per_month": "150"}, {"from_kw": "2", "per_month": "250"}]},
}
VERSION = {"valid_from": "2026-01-01", "formula": FORMULA, "monthly_fee": "49", "currency": "NOK",
           "standby_share": "equal", "rest_share": "off", "note": "the co-op's bill", "withdrawn": False}
WORDS_EN = ("Spot NO1 + 5.00 øre markup + grid 36.00/26.00 øre (night 22–06, weekends and holidays) (winter months "
            "1, 2, 3: 41.00/31.00 øre) + consumption tax + Enova + 25 % VAT − strømstøtte 90 % above 77.00 øre; "
            "Norgespris 40.00 øre from 1 Oct 2025; capacity part: mean of the top 3 hours on 3 days, 2 steps")


def run(db, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        code = cli.main(["tariff", *args, "--db", str(db)], stdout=out, stderr=err)
    except SystemExit as exit_:  # argparse refuses bad arguments this way
        code = exit_.code
    return code, plain(out.getvalue()), plain(err.getvalue())


def plain(text: str) -> str:
    """Numbers and units are joined by no-break spaces; compared here as spaces."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def write(tmp_path, data, name="tariff.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def stored(db) -> list[tuple]:
    with contextlib.closing(duckdb.connect(str(db), read_only=True)) as con:
        return con.execute("SELECT version, valid_from, price_per_kwh, bands, monthly_fee, standby_share, created_by, "
                           "formula FROM tariffs ORDER BY version").fetchall()


def test_set_stores_a_formula_version_and_list_says_it_in_words(tmp_path):
    db = tmp_path / "t.duckdb"
    code, out, err = run(db, "set", str(write(tmp_path, VERSION)))
    assert (code, err) == (0, "")
    assert out == f"tariff version 1 from 2026-01-01: {WORDS_EN}\n"
    [(version, valid_from, price, bands, fee, standby, who, stored_formula)] = stored(db)
    assert (version, valid_from, price, bands, fee, standby, who) == (1, date(2026, 1, 1), 0, None, 49, "equal",
                                                                      getpass.getuser())
    assert formula.parse(stored_formula) == formula.parse(FORMULA)
    # the price periods read it back as the formula
    with contextlib.closing(Store(db)) as store:
        [period] = tariffs.periods(store)
    assert period.formula == formula.parse(FORMULA) and period.price_per_kwh == 0 and period.bands == ()

    # a flat price with cheaper hours, as the page's first form enters it
    flat = {"valid_from": "2026-03-01", "price_per_kwh": "1.45", "bands": [{"from_hour": 22, "to_hour": 6,
                                                                            "price": "0.95"}]}
    code, out, _err = run(db, "set", str(write(tmp_path, flat, "flat.json")))
    assert code == 0 and out.startswith("tariff version 2 from 2026-03-01: 1.45 NOK/kWh, cheaper hours 22:00–06:00")
    cost = {"valid_from": "2026-04-01", "formula": {"kind": "cost_price"}}
    assert run(db, "set", str(write(tmp_path, cost, "cost.json")))[0] == 0

    code, out, err = run(db, "list")
    assert code == 0
    lines = out.splitlines()
    assert [line.split("\t")[:3] for line in lines] == [
        ["3", "2026-04-01", "Cost price from the co-op's invoices"],
        ["2", "2026-03-01", "1.45 NOK/kWh, cheaper hours 22:00–06:00 0.95 NOK/kWh"],
        ["1", "2026-01-01", WORDS_EN]]
    assert "monthly fee NOK 49.00" in lines[2] and "the co-op's bill" in lines[2]
    # in Norwegian
    code, out, _ = run(db, "list", "--lang", "nb")
    assert "Spot NO1 + 5,00 øre påslag" in out and "Kostpris fra borettslagets fakturaer" in out


def test_an_empty_history_says_so(tmp_path):
    code, out, err = run(tmp_path / "t.duckdb", "list")
    assert (code, out, err) == (0, "", "no tariff versions yet\n")


BAD = [
    ("{\"valid_from\": \"2026-01-01\",", "line 1, column 29: not valid JSON"),
    ([1, 2], "a tariff version is one JSON object"),
    ({"valid_from": "1.1.2026", "price_per_kwh": "1"}, "valid_from: not a date (YYYY-MM-DD): '1.1.2026'"),
    ({"price_per_kwh": "1"}, "valid_from: not a date"),
    ({"valid_from": "2026-01-01"}, "price_per_kwh: missing: give price_per_kwh (a flat price) or formula"),
    ({"valid_from": "2026-01-01", "price_per_kwh": "1", "formula": FORMULA}, "formula: give either price_per_kwh "
                                                                               "or formula, not both"),
    ({"valid_from": "2026-01-01", "price_per_kwh": "abc"}, "price_per_kwh: price per kWh is not a number"),
    ({"valid_from": "2026-01-01", "price_per_kwh": "1", "bands": [{"from_hour": 22, "to_hour": 6}]},
     "bands: missing price"),
    ({"valid_from": "2026-01-01", "price_per_kwh": "1", "monthly_fee": "-4"}, "monthly_fee: monthly fee must be"),
    ({"valid_from": "2026-01-01", "price_per_kwh": "1", "currency": "kroner"}, "currency: a three-letter code"),
    ({"valid_from": "2026-01-01", "price_per_kwh": "1", "standby_share": "half"}, "standby_share: one of off, equal"),
    ({"valid_from": "2026-01-01", "price_per_kwh": "1", "withdrawn": "yes"}, "withdrawn: must be true or false"),
    ({"valid_from": "2026-01-01", "price_per_kwh": "1", "valid_to": "2026-02-01"}, "unknown field(s) valid_to"),
    ({"valid_from": "2026-01-01", "formula": {**FORMULA, "vat_rate": "25"}},
     "formula: vat_rate is a share (0.25 for 25 %), not '25'"),
    ({"valid_from": "2026-01-01", "formula": {**FORMULA, "price_area": "NO7"}}, "formula: price_area must be one of"),
    ({"valid_from": "2026-01-01", "formula": {key: v for key, v in FORMULA.items() if key != "price_area"}},
     "formula: a spot price needs a price_area"),
    ({"valid_from": "2026-01-01", "formula": FORMULA, "bands": [{"from_hour": 1, "to_hour": 2, "price": "1"}]},
     "bands: a formula version has no bands"),
]


@pytest.mark.parametrize(("content", "message"), BAD)
def test_each_error_names_the_file_and_the_field_and_stores_nothing(tmp_path, content, message):
    db = tmp_path / "t.duckdb"
    path = write(tmp_path, content, "bad tariff.json")
    code, out, err = run(db, "set", str(path))
    assert code == 2 and out == ""
    assert err.startswith(f"error: {path}: ") and message in err, err
    assert len(err.splitlines()) == 1
    assert stored(db) == []


def test_a_missing_or_unreadable_file(tmp_path):
    db = tmp_path / "t.duckdb"
    code, _out, err = run(db, "set", str(tmp_path / "nope.json"))
    assert code == 2 and err == f"error: {tmp_path / 'nope.json'}: no such file\n"
    path = tmp_path / "latin1.json"
    path.write_bytes('{"note": "bl\xe5"}'.encode("latin-1"))
    code, _out, err = run(db, "set", str(path))
    assert code == 2 and err == f"error: {path}: not UTF-8 text\n"


def test_cost_price_months(tmp_path, coop_db, auth_file, capsys):
    db = tmp_path / "coop.duckdb"  # a copy: the module's co-op store is shared
    db.write_bytes(coop_db.read_bytes())
    code, out, err = run(db, "cost-price", "--installation", "testlaget", "--month", "2026-01", "--meter", "707057500",
                         "--amount", "12345.67", "--kwh", "5432.1")
    assert (code, err) == (0, ""), err
    assert out == "testlaget 2026-01, meter 707057500: NOK 12,345.67 for 5,432.100 kWh (2.2727 per kWh) entered\n"
    # a second meter, and a corrected first one: the newest entry of a meter counts
    assert run(db, "cost-price", "--installation", "testlaget", "--month", "2026-01", "--meter", "M2",
               "--amount", "100", "--kwh", "100")[0] == 0
    assert run(db, "cost-price", "--installation", "testlaget", "--month", "2026-01", "--meter", "707057500",
               "--amount", "10000", "--kwh", "5000")[0] == 0
    with contextlib.closing(Store(db)) as store:
        [row] = tariff_entry.cost_price_rows(store)
    assert row["month"] == date(2026, 1, 1) and row["meters"] == "707057500, M2"
    assert (row["amount"], row["kwh"]) == (Decimal("10100.00"), Decimal("5100.000"))
    assert row["price_per_kwh"] == Decimal("1.980392")  # 10100 / 5100, 6 decimals
    with contextlib.closing(duckdb.connect(str(db), read_only=True)) as con:
        assert con.execute("SELECT count(*), min(entered_by) FROM cost_prices").fetchone() == (3, getpass.getuser())

    for args, message in [
        (("--installation", "nowhere"), "error: installation: no installation 'nowhere' (known: testlaget)"),
        (("--amount", "12,3,4"), "error: amount: not a number: '12,3,4'"),
        (("--amount", "1.234"), "error: amount: takes at most 2 decimals"),
        (("--kwh", "0"), "error: kwh: must be a number above 0"),
        (("--meter", " "), "error: meter: give the meter's id"),
    ]:
        options = {"--installation": "testlaget", "--month": "2026-02", "--meter": "M1", "--amount": "10",
                   "--kwh": "5", **dict(zip(args[::2], args[1::2], strict=True))}
        code, out, err = run(db, "cost-price", *[x for pair in options.items() for x in pair])
        assert code == 2 and err.startswith(message), err
    code, _out, err = run(db, "cost-price", "--installation", "testlaget", "--month", "2026-13", "--meter", "M1",
                          "--amount", "1", "--kwh", "1")
    assert code == 2 and "--month: not a month (YYYY-MM): '2026-13'" in capsys.readouterr().err
    with contextlib.closing(duckdb.connect(str(db), read_only=True)) as con:
        assert con.execute("SELECT count(*) FROM cost_prices").fetchone() == (3,)


def test_handed_over_to_a_serving_app(tmp_path, coop_db):
    """While the app owns the store, set, list and cost-price run inside it, with the same output."""
    db = tmp_path / "served.duckdb"
    db.write_bytes(coop_db.read_bytes())
    path = write(tmp_path, VERSION)
    with serving(db) as (store, log):
        done = run_cli("tariff", "set", str(path), "--db", str(db))
        assert done.returncode == 0, done.stderr
        assert "the app is serving this store" in done.stderr
        assert plain(done.stdout) == f"tariff version 1 from 2026-01-01: {WORDS_EN}\n"
        assert [p.formula for p in tariffs.periods(store)] == [formula.parse(FORMULA)]

        done = run_cli("tariff", "list", "--db", str(db), "--lang", "nb")
        assert done.returncode == 0 and plain(done.stdout).startswith("1\t2026-01-01\tSpot NO1 + 5,00 øre påslag")

        done = run_cli("tariff", "cost-price", "--installation", "testlaget", "--month", "2026-02", "--meter", "M1",
                       "--amount", "250.50", "--kwh", "100", "--db", str(db))
        assert done.returncode == 0, done.stderr
        assert [r["price_per_kwh"] for r in tariff_entry.cost_price_rows(store)] == [Decimal("2.505000")]

        bad = write(tmp_path, {**VERSION, "monthly_fee": "x"}, "bad.json")
        done = run_cli("tariff", "set", str(bad), "--db", str(db))
        assert one_error_line(done) == f"error: {bad}: monthly_fee: monthly fee is not a number: 'x'"
        assert len(tariffs.history_rows(store)) == 1
    with i18n.language("en"):
        assert "Traceback" not in log.getvalue()
