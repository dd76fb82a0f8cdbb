"""`python -m chargeboard report` (issue 3): CSV per grouping keyed by the feed's own ids,
--as scope, errors, empty periods and the Excel output."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import support

from chargeboard import cli

ROOT = Path(__file__).resolve().parents[1]
TAG = {p.user_id: p.tag for p in support.PEOPLE}


def run(db, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        code = cli.main(["report", "--db", str(db), *args], stdout=out, stderr=err)
    except SystemExit as exit_:  # argparse refuses bad arguments this way
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


def run_process(db, *args, env=None):
    return subprocess.run([sys.executable, "-m", "chargeboard", "report", "--db", str(db), *args], cwd=ROOT,
                          env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=120)


def expected(by, sessions):
    sums = defaultdict(lambda: [0, Decimal(0)])
    for sid in sessions:
        user = support.COOP_USER[sid]
        key = {"station": support.COOP_STATION[sid], "user": user or "", "rfid": TAG.get(user, "")}[by]
        sums[key][0] += 1
        sums[key][1] += Decimal(str(support.COOP_KWH[sid]))
    return {k: (n, f"{kwh:.3f}") for k, (n, kwh) in sums.items()}


def parse(text):
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def db(coop_db, auth_file):
    return coop_db


@pytest.mark.parametrize("by", ["station", "user", "rfid"])
def test_csv_per_grouping(db, by):
    code, out, err = run(db, "--by", by, "--from", "2025-01-01", "--to", "2025-12-31")
    assert code == 0, err
    header = out.splitlines()[0].split(",")
    assert "sessions" in header and "energy_kwh" in header and header[0] == "key"
    rows = parse(out)
    for row in rows:
        assert re.fullmatch(r"\d+\.\d{3}", row["energy_kwh"]), row
    assert {r["key"]: (int(r["sessions"]), r["energy_kwh"]) for r in rows} == expected(by, support.COOP_VISIBLE["styret"])


def test_as_resident_gives_only_own_rows(db):
    code, out, err = run(db, "--by", "user", "--from", "2025-01-01", "--to", "2025-12-31", "--as", "kari")
    assert code == 0, err
    assert {r["key"]: (int(r["sessions"]), r["energy_kwh"]) for r in parse(out)} == \
        expected("user", support.COOP_VISIBLE["kari"])
    code, out, _ = run(db, "--by", "station", "--from", "2025-01-01", "--to", "2025-12-31", "--as", "per")
    assert {r["key"]: (int(r["sessions"]), r["energy_kwh"]) for r in parse(out)} == \
        expected("station", support.COOP_VISIBLE["per"])


def test_unknown_account_fails_clearly(db):
    result = run_process(db, "--by", "user", "--from", "2025-01-01", "--to", "2025-12-31", "--as", "nobody",
                         env={"CHARGEBOARD_AUTH": os.environ["CHARGEBOARD_AUTH"]})
    assert result.returncode != 0
    assert "nobody" in result.stderr and "no account" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("dates", [("2025-13-01", "2025-12-31"), ("2025-01-01", "31.12.2025"),
                                   ("2025-02-01", "2025-01-01")])
def test_bad_dates_fail(db, dates):
    code, out, err = run(db, "--by", "station", "--from", dates[0], "--to", dates[1])
    assert code != 0
    assert out == ""


def test_empty_period_gives_header_only(db):
    code, out, err = run(db, "--by", "station", "--from", "2024-01-01", "--to", "2024-01-31")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("key,")


def test_xlsx_out(db, tmp_path):
    target = tmp_path / "report.xlsx"
    result = run_process(db, "--by", "rfid", "--from", "2025-01-01", "--to", "2025-12-31", "--format", "xlsx",
                         "--out", str(target))
    assert result.returncode == 0, result.stderr
    book = openpyxl.load_workbook(target)
    assert book.sheetnames[0] == "By rfid tag" and "About" in book.sheetnames
    rows = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))[:-1]
    assert {(r[0] or ""): f"{r[4]:.3f}" for r in rows} == \
        {k: kwh for k, (_, kwh) in expected("rfid", support.COOP_VISIBLE["styret"]).items()}


def test_xlsx_without_out_is_refused(db):
    code, _, err = run(db, "--by", "rfid", "--from", "2025-01-01", "--to", "2025-12-31", "--format", "xlsx")
    assert code != 0 and "--out" in err


def test_norwegian_csv_for_norwegian_excel_end_to_end(db, tmp_path):
    """`--lang nb --csv-dialect excel-nb`: what Norwegian Excel opens as columns, from the real process."""
    target = tmp_path / "rapport.csv"
    result = subprocess.run([sys.executable, "-m", "chargeboard", "--lang", "nb", "report", "--db", str(db),
                             "--by", "station", "--from", "2025-01-01", "--to", "2025-12-31",
                             "--csv-dialect", "excel-nb", "--out", str(target)],
                            cwd=ROOT, env=os.environ, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert list(rows[0])[:4] == ["Nøkkel", "Navn", "Ladeøkter", "Energi (kWh)"]
    assert {r["Nøkkel"]: (int(r["Ladeøkter"]), r["Energi (kWh)"].replace(",", ".")) for r in rows} == \
        expected("station", support.COOP_VISIBLE["styret"])
    assert all(re.fullmatch(r"\d+,\d{3}", r["Energi (kWh)"]) for r in rows)


def test_lang_after_the_command_and_messages_in_norwegian(db, tmp_path):
    target = tmp_path / "rapport.xlsx"
    code, _out, err = run(db, "--by", "rfid", "--from", "2025-01-01", "--to", "2025-12-31", "--format", "xlsx",
                          "--out", str(target), "--lang", "nb")
    assert code == 0, err
    assert err.startswith(f"skrev {target}: ") and " rader, " in err and "\u00a0kWh" in err
    assert openpyxl.load_workbook(target).sheetnames == ["Per RFID-brikke", "Per måned", "Om"]
    code, _out, err = run(db, "--by", "rfid", "--from", "2025-01-01", "--to", "2025-12-31", "--format", "xlsx",
                          "--lang", "nb")
    assert code == 2 and err.strip() == "feil: --format xlsx trenger --out FIL"
    code, out, err = run(db, "--by", "rfid", "--from", "2025-01-01", "--to", "2025-12-31", "--lang", "nb")
    assert code == 0 and out.startswith("key,name,sessions,energy_kwh")  # rfc4180 stays machine-readable


def test_excel_en_dialect(db):
    code, out, err = run(db, "--by", "user", "--from", "2025-01-01", "--to", "2025-12-31", "--csv-dialect", "excel-en")
    assert code == 0, err
    assert out.startswith("\ufeffKey,Name,Sessions,Energy (kWh)") and out.endswith("\r\n")
    code, _out, _err = run(db, "--by", "user", "--from", "2025-01-01", "--to", "2025-12-31", "--csv-dialect", "tsv")
    assert code == 2


@pytest.mark.parametrize(("dates", "said"), [(("0001-01-01", "0001-12-31"), "before the first day"),
                                             (("0001-01-01", "9998-12-31"), "before the first day"),
                                             (("1900-01-01", "9998-12-31"), "at most 100 years")])
def test_an_extreme_board_pack_period_is_one_line_not_an_overflow(db, tmp_path, dates, said):
    err = io.StringIO()
    code = cli.main(["board-pack", "--db", str(db), "--from", dates[0], "--to", dates[1],
                     "--out", str(tmp_path / "pack.pdf")], stdout=io.StringIO(), stderr=err)
    assert code == 2
    [line] = err.getvalue().splitlines()
    assert line.startswith("error: ") and said in line and "unexpected" not in line
    assert not (tmp_path / "pack.pdf").exists()
