"""Billing runs (issue 30, items 2 and 3): statements per dwelling and closed periods, on a real store.

The fixture co-op ("Borettslaget"): one installation, a flat price of 1.37 kr/kWh and a fixed fee of
25 kr a month (VAT 25 % inside both), three dwellings:

- H0101: a couple (Kari from 2020, Ola from 2021) sharing the RFID tag `tag-couple`: Kari pays.
- H0102: sold on 2026-01-16 by Per to Eva; Per's feed user belongs to it until then, Eva's after; the
  parking-space station `st-p7` belongs to it until the sale, then moves (with the space) to H0201.
- H0201: Nils, his feed user, and `st-p7` from 2026-01-16.

Guests on the shared station `st-shared` with no user or tag belong to no dwelling: listed, never billed.
An offline charger uploads sessions of a billed month late; a session's updated copy changes its energy.
Each expectation is computed here independently from the sessions, the register and the tariff.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from chargeboard import cli, tariffs
from chargeboard.billing import billing_settings, files, model, overview, runs
from chargeboard.billing import dwelling_statements as ds_module
from chargeboard.billing.dwelling_statements import BillingError
from chargeboard.scope import CHARGER_OWNER, RESIDENT, Scope, system_scope
from chargeboard.statements import allocate
from chargeboard.store import Store

OSLO = ZoneInfo("Europe/Oslo")
PRICE = Decimal("1.37")
FEE = Decimal("25")
VAT = Decimal("0.25")
OWNER = system_scope()
DEC, JAN, FEB = (date(2025, 12, 1), date(2025, 12, 31)), (date(2026, 1, 1), date(2026, 1, 31)), \
    (date(2026, 2, 1), date(2026, 2, 28))


# -- the register and the sessions, as plain data the expectations are computed from ---------------------

@dataclass(frozen=True)
class Session:
    sid: str
    station: str
    user: str | None
    tag: str | None
    start: datetime      # local
    wh: int


@dataclass
class Coop:
    owners: list[tuple[int, int, str, date, date | None]]          # owner, dwelling, name, from, until
    members: list[tuple[int, str, str, date, date | None]]         # dwelling, kind, member, from, until
    numbers: dict[int, str]


def coop(sale: date = date(2026, 1, 16), ola_from: date = date(2021, 5, 1)) -> Coop:
    return Coop(
        owners=[(1, 1, "Kari", date(2020, 1, 1), None), (2, 1, "Ola", ola_from, None),
                (3, 2, "Per", date(2015, 1, 1), sale), (4, 2, "Eva", sale, None),
                (5, 3, "Nils", date(2018, 1, 1), None)],
        members=[(1, "tag", "tag-couple", date(2020, 1, 1), None),
                 (2, "user", "per", date(2015, 1, 1), sale), (2, "user", "eva", sale, None),
                 (2, "station", "st-p7", date(2015, 1, 1), sale), (3, "station", "st-p7", sale, None),
                 (3, "user", "nils", date(2018, 1, 1), None)],
        numbers={1: "H0101", 2: "H0102", 3: "H0201"})


def sessions_of(month_start: date, tag: str) -> list[Session]:
    """A month's charging: the couple (two users, one tag), Per/Eva, Nils, a guest on the parking space's
    station and guests on the shared one."""
    out = []
    for i, day in enumerate(range(1, 28, 3)):
        start = datetime(month_start.year, month_start.month, day, 18, 10)
        out += [Session(f"{tag}-k{i}", "st-shared", "kari", "tag-couple", start, 7_123 + i * 37),
                Session(f"{tag}-o{i}", "st-shared", "ola", "tag-couple", start + timedelta(minutes=5), 5_011 + i),
                Session(f"{tag}-p{i}", "st-shared", "per", None, start + timedelta(minutes=7), 9_876 - i * 13),
                Session(f"{tag}-e{i}", "st-shared", "eva", None, start + timedelta(minutes=9), 4_321 + i * 7),
                Session(f"{tag}-n{i}", "st-shared", "nils", None, start + timedelta(minutes=11), 12_345 + i),
                Session(f"{tag}-g{i}", "st-p7", None, None, start + timedelta(minutes=13), 3_333 + i * 3),
                Session(f"{tag}-x{i}", "st-shared", None, None, start + timedelta(minutes=15), 2_222 + i)]
    return out


KEPT: list[Store] = []  # every store stays referenced: a new one never reuses a closed one's id(), which
                        # statements' per-session cache keys on (with the data version)


def open_store(path: Path, c: Coop) -> Store:
    store = Store(path)
    KEPT.append(store)
    tariffs.add_version(store, "styret", date(2024, 1, 1), str(PRICE), monthly_fee=str(FEE))
    with store.transaction() as cur:
        cur.execute("INSERT INTO installations (installation_id, name, time_zone) VALUES ('i', 'Borettslaget', "
                    "'Europe/Oslo') ON CONFLICT DO NOTHING")
        for dwelling_id, number in c.numbers.items():
            cur.execute("INSERT INTO dwellings (dwelling_id, installation_id, number, share_number, created_by) "
                        "VALUES (?, 'i', ?, ?, 'test')", [dwelling_id, number, f"{dwelling_id:03d}"])
        for owner_id, dwelling_id, name, valid_from, until in c.owners:
            cur.execute("INSERT INTO dwelling_owners (owner_id, dwelling_id, name, valid_from, valid_until) "
                        "VALUES (?, ?, ?, ?, ?)", [owner_id, dwelling_id, name, valid_from, until])
        for dwelling_id, kind, member, valid_from, until in c.members:
            cur.execute("INSERT INTO dwelling_members VALUES (?, ?, ?, ?, ?)",
                        [dwelling_id, kind, member, valid_from, until])
    return store


def insert(store: Store, sessions: list[Session]) -> None:
    with store.transaction() as cur:
        for s in sessions:
            local_end = s.start + timedelta(minutes=40)
            cur.execute(
                "INSERT INTO sessions (session_id, installation_id, station_id, user_id, tag, started_at, ended_at, "
                "registered_at, started_local, registered_local, energy_kwh, offline, time_unreliable, void, "
                "source_file, import_id, dated_by_registration, ended_local) VALUES (?, 'i', ?, ?, ?, ?, ?, ?, ?, "
                "NULL, ?, false, false, false, 'f', 1, false, ?)",
                [s.sid, s.station, s.user, s.tag, s.start.replace(tzinfo=OSLO), local_end.replace(tzinfo=OSLO),
                 local_end.replace(tzinfo=OSLO), s.start, Decimal(s.wh) / 1000, local_end])


def update_energy(store: Store, sid: str, wh: int) -> None:
    """The cloud's updated copy of a session (the ingest keeps the newer copy under the same id)."""
    with store.transaction() as cur:
        cur.execute("UPDATE sessions SET energy_kwh = ? WHERE session_id = ?", [Decimal(wh) / 1000, sid])


# -- the independent computation -------------------------------------------------------------------------

def dwelling_of(c: Coop, s: Session) -> int | None:
    day = s.start.date()
    for kind, value in (("tag", s.tag), ("user", s.user), ("station", s.station)):
        for dwelling_id, k, member, valid_from, until in c.members:
            if k == kind and member == value and valid_from <= day and (until is None or day < until):
                return dwelling_id
    return None


def payer(c: Coop, dwelling_id: int, day: date) -> int | None:
    owners = [(valid_from, owner_id) for owner_id, d, _n, valid_from, until in c.owners
              if d == dwelling_id and valid_from <= day and (until is None or day < until)]
    return min(owners)[1] if owners else None


def expected_period(c: Coop, sessions: list[Session], period: tuple[date, date], rule: str, *,
                    fees: bool = True) -> dict:
    """(dwelling, payer) -> [Wh, exact amount, exact VAT] for a period's sessions and fees."""
    out: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    months: set[tuple[int, date]] = set()
    for s in sessions:
        day = s.start.date()
        if not period[0] <= day <= period[1] or (d := dwelling_of(c, s)) is None:
            continue
        cost = Decimal(s.wh) / 1000 * PRICE
        line = out[(d, payer(c, d, period[1] if rule == "owner_at_end" else day))]
        line[0] += s.wh
        line[1] += cost
        line[2] += cost * VAT / (1 + VAT)
        months.add((d, day.replace(day=1)))
    for d, month in months if fees else ():
        last = min((month + timedelta(days=32)).replace(day=1) - timedelta(days=1), period[1])
        line = out[(d, payer(c, d, period[1] if rule == "owner_at_end" else last))]
        line[1] += FEE
        line[2] += FEE * VAT / (1 + VAT)
    return out


def run_lines(store: Store, run_id: int, *, dated: bool = False) -> dict[tuple, list]:
    """(dwelling, payer, kind[, first day]) -> [Wh, amount, VAT] of a run's lines."""
    out: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for x in model.load(store, run_id).lines:
        line = out[(x.dwelling_id, x.payer.owner_id if x.payer else None, x.kind, *((x.day_from,) if dated else ()))]
        line[0] += x.energy_wh
        line[1] += x.amount
        line[2] += x.vat
    return out


KINDS = ("period", "late", "correction", "carried_in")


def rounded_like_a_run(exact: dict[tuple, list]) -> dict[tuple, tuple[int, Decimal, Decimal]]:
    """The run's rounding: each column once over all lines (largest remainder; ties to the earlier line in
    the run's order: dwelling, kind, first day, payer)."""
    keys = sorted(exact, key=lambda k: (k[0], KINDS.index(k[2]) if len(k) > 2 else 0, k[3:], k[1] or 0))
    amounts = allocate([exact[k][1] for k in keys], Decimal("0.01"))
    vats = allocate([exact[k][2] for k in keys], Decimal("0.01"))
    return {k: (exact[k][0], a, v) for k, a, v in zip(keys, amounts, vats, strict=True)}


def billed_rows(store: Store) -> list[tuple]:
    return [r for x in runs.runs(store, OWNER) for r in runs.billed_sessions(store, OWNER, x.run_id)]


# -- the fixture co-op over three months -----------------------------------------------------------------

def test_statements_per_dwelling_price_as_statements_and_list_no_dwelling(store, tmp_path):
    c = coop()
    store.close()
    store = open_store(tmp_path / "s.duckdb", c)
    jan = sessions_of(JAN[0], "jan")
    insert(store, jan)
    result = ds_module.dwelling_statements(store, OWNER, *JAN, "by_ownership")
    expected = rounded_like_a_run(expected_period(c, jan, JAN, "by_ownership"))
    got = {(x.dwelling_id, x.payer_owner_id): (x.energy_wh, x.amount, x.vat) for x in result.lines
           if x.dwelling_id is not None}
    assert got == expected
    # the couple's sessions (two users, one tag) are one dwelling's, paid by Kari (the earlier owner)
    assert (1, 1) in got and (1, 2) not in got
    # the sale: Per pays his own days, Eva hers; st-p7's guests go with the parking space
    assert (2, 3) in got and (2, 4) in got
    nowhere = [x for x in result.lines if x.dwelling_id is None]
    assert len(nowhere) == 1 and nowhere[0].sessions == sum(1 for s in jan if dwelling_of(c, s) is None) == 18
    # each column rounded once: the lines add up to the exact total rounded once
    exact = sum((v[1] for v in expected_period(c, jan, JAN, "by_ownership").values()), Decimal(0))
    assert result.total == exact.quantize(Decimal("0.01"), ROUND_HALF_UP)
    with pytest.raises(BillingError):
        ds_module.dwelling_statements(store, Scope("kari", RESIDENT, user_ids=("kari",)), *JAN)
    store.close()


def test_three_months_with_a_sale_a_late_upload_and_an_updated_copy(tmp_path):
    c = coop()
    store = open_store(tmp_path / "s.duckdb", c)
    dec, jan, feb = sessions_of(DEC[0], "dec"), sessions_of(JAN[0], "jan"), sessions_of(FEB[0], "feb")
    late_dec = [s for s in dec if s.start.day > 20]          # the offline charger's December, uploaded in February
    insert(store, [s for s in dec if s not in late_dec])
    r_dec = runs.close(store, OWNER, *DEC, payer_rule="owner_at_end", by="styret")
    insert(store, jan)
    r_jan = runs.close(store, OWNER, *JAN, payer_rule="owner_at_end", by="styret")
    with pytest.raises(BillingError, match="overlaps run"):
        runs.close(store, OWNER, date(2026, 1, 31), date(2026, 2, 10), payer_rule="owner_at_end", by="styret")
    insert(store, feb + late_dec)
    update_energy(store, "jan-p0", 20_000)                   # an updated copy of a billed session
    r_feb = runs.close(store, OWNER, *FEB, payer_rule="owner_at_end", by="styret")

    # January under owner_at_end: Eva (the owner on the 31st) pays H0102's whole month
    jan_lines = run_lines(store, r_jan)
    assert {k for k in jan_lines if k[0] == 2} == {(2, 4, "period")}
    exp_jan = rounded_like_a_run(expected_period(c, jan, JAN, "owner_at_end"))
    assert {k[:2]: tuple(v) for k, v in jan_lines.items()} == exp_jan
    # February: its own period, December's late sessions (paid by December's payer: Per, the seller,
    # never the buyer) dated with December's dates, and the correction of the updated copy
    feb_run = model.load(store, r_feb)
    late = [x for x in feb_run.lines if x.kind == "late"]
    assert late and all((x.day_from, x.day_to) == DEC for x in late)
    assert {x.payer.owner_id for x in late if x.dwelling_id == 2} == {3}
    exact = {(*k, "period"): v for k, v in expected_period(c, feb, FEB, "owner_at_end").items()}
    # (late sessions carry no fee: December's fee was billed with December, whose dwellings all charged then)
    exact.update({(*k, "late"): v for k, v in expected_period(c, late_dec, DEC, "owner_at_end", fees=False).items()})
    p0 = next(s for s in jan if s.sid == "jan-p0")
    exact[(2, 4, "correction")] = [20_000 - p0.wh, Decimal(20_000 - p0.wh) / 1000 * PRICE,
                                   Decimal(20_000 - p0.wh) / 1000 * PRICE * VAT / (1 + VAT)]
    got = {k: tuple(v) for k, v in run_lines(store, r_feb).items()}
    assert got == rounded_like_a_run(exact)

    # every session billed exactly once (one non-correction row), and the runs' Wh add up to the sessions'
    rows = billed_rows(store)
    counted = [*dec, *jan, *feb]
    first = defaultdict(int)
    wh = defaultdict(int)
    for sid, _i, _d, _dw, _p, energy, _raw, _vat, kind, _late in rows:
        first[sid] += kind != "correction"
        wh[sid] += energy
    assert set(first) == {s.sid for s in counted} and set(first.values()) == {1}
    assert all(wh[s.sid] == (20_000 if s.sid == "jan-p0" else s.wh) for s in counted)
    nowhere = [r for r in rows if r[3] is None]
    assert len(nowhere) == sum(1 for s in counted if dwelling_of(c, s) is None)  # listed, never dropped
    # the parking space's station: H0102's before the sale, H0201's (Nils) from the 16th
    guests = {r[2]: (r[3], r[4]) for r in rows if r[0].startswith("jan-g")}
    assert {v for d, v in guests.items() if d < date(2026, 1, 16)} == {(2, 4)}   # (owner at end: Eva)
    assert {v for d, v in guests.items() if d >= date(2026, 1, 16)} == {(3, 5)}
    assert runs.summary(store, OWNER, r_dec)["no_dwelling"]["sessions"] == sum(
        1 for s in dec if s not in late_dec and dwelling_of(c, s) is None)
    # closing again with nothing new: no late, no correction
    r_mar = runs.close(store, OWNER, date(2026, 3, 1), date(2026, 3, 31), payer_rule="owner_at_end", by="styret")
    assert model.load(store, r_mar).lines == ()
    store.close()


def test_minimum_amount_carries_over_and_comes_back(tmp_path):
    c = coop()
    store = open_store(tmp_path / "s.duckdb", c)
    small = [Session("dec-small", "st-shared", "nils", None, datetime(2025, 12, 3, 12), 1_000)]
    insert(store, small)
    r1 = runs.close(store, OWNER, *DEC, payer_rule="owner_at_end", minimum_amount="100", by="styret")
    assert model.load(store, r1).lines == ()
    expected = (Decimal("1.37") + FEE).quantize(Decimal("0.01"))
    assert [(r[1], r[3], r[5]) for r in runs.ledger(store, OWNER)] == [(3, expected, None)]
    insert(store, [Session("jan-small", "st-shared", "nils", None, datetime(2026, 1, 3, 12), 2_000)])
    r2 = runs.close(store, OWNER, *JAN, payer_rule="owner_at_end", minimum_amount="100", by="styret")
    # still under 100: carried again, the first entry taken by the second run
    ledger = runs.ledger(store, OWNER)
    assert [(r[0], r[3], r[5]) for r in ledger] == [(r1, expected, r2), (r2, expected + Decimal("2.74") + FEE, None)]
    insert(store, [Session("feb-big", "st-shared", "nils", None, datetime(2026, 2, 3, 12), 60_000)])
    r3 = runs.close(store, OWNER, *FEB, payer_rule="owner_at_end", minimum_amount="100", by="styret")
    lines = model.load(store, r3).lines
    assert [x.kind for x in lines] == ["period", "carried_in"]
    assert lines[1].amount == ledger[1][3] and (lines[1].day_from, lines[1].day_to) == JAN
    assert sum(x.amount for x in lines) == (Decimal("1.37") * 63 + 3 * FEE).quantize(Decimal("0.01"))
    assert runs.ledger(store, OWNER)[-1][5] == r3
    store.close()


def test_a_small_amount_of_two_payers_is_billed_not_carried_as_one(tmp_path):
    """By ownership, the seller's and the buyer's small amounts are two payers': carrying them as one
    carry-over would move one's charging onto the other, so the dwelling is billed and the run says why."""
    store = open_store(tmp_path / "s.duckdb", coop())
    insert(store, [Session("jan-per", "st-shared", "per", None, datetime(2026, 1, 3, 12), 1_000),
                   Session("jan-eva", "st-shared", "eva", None, datetime(2026, 1, 20, 12), 1_000),
                   Session("jan-nils", "st-shared", "nils", None, datetime(2026, 1, 20, 12), 1_000)])
    run_id = runs.close(store, OWNER, *JAN, payer_rule="by_ownership", minimum_amount=100, by="styret")
    lines = model.load(store, run_id).lines
    assert {(x.dwelling_id, x.payer.owner_id) for x in lines} == {(2, 3), (2, 4)}
    assert [(r[1], r[2]) for r in runs.ledger(store, OWNER)] == [(3, 5)]
    assert runs.summary(store, OWNER, run_id)["under_minimum_but_several_payers"] == [2]
    store.close()


def test_a_month_charged_only_late_brings_its_fee_with_the_late_line(tmp_path):
    store = open_store(tmp_path / "s.duckdb", coop())
    insert(store, [Session("dec-kari", "st-shared", "kari", "tag-couple", datetime(2025, 12, 3, 12), 1_000)])
    runs.close(store, OWNER, *DEC, payer_rule="owner_at_end", by="styret")
    insert(store, [Session("dec-nils", "st-shared", "nils", None, datetime(2025, 12, 30, 12), 2_000),  # only late
                   Session("dec-kari2", "st-shared", "kari", "tag-couple", datetime(2025, 12, 4, 12), 1_000)])
    r2 = runs.close(store, OWNER, *JAN, payer_rule="owner_at_end", by="styret")
    late = {x.dwelling_id: x.amount for x in model.load(store, r2).lines if x.kind == "late"}
    assert late == {1: Decimal("1.37"), 3: Decimal("2.74") + FEE}   # H0101's December fee was billed already
    store.close()


def test_reopen_makes_a_correction_run_of_the_differences_only(tmp_path):
    c = coop()
    store = open_store(tmp_path / "s.duckdb", c)
    jan = sessions_of(JAN[0], "jan")
    insert(store, jan)
    r1 = runs.close(store, OWNER, *JAN, payer_rule="by_ownership", by="styret")
    nothing = runs.reopen(store, OWNER, r1, by="styret")
    assert model.load(store, nothing).lines == () and model.load(store, nothing).corrects_run == r1
    # the register was wrong: Nils's user belonged to H0102 from the 20th (his lodger's); and a session grew
    with store.transaction() as cur:
        cur.execute("UPDATE dwelling_members SET valid_until = DATE '2026-01-20' WHERE member_id = 'nils'")
        cur.execute("INSERT INTO dwelling_members VALUES (2, 'user', 'nils', DATE '2026-01-20', NULL)")
    update_energy(store, "jan-k0", 8_000)
    r2 = runs.reopen(store, OWNER, r1, by="styret")
    corr = model.load(store, r2)
    assert corr.kind == "correction" and (corr.period_from, corr.period_to) == JAN
    moved = [s for s in jan if s.user == "nils" and s.start.day >= 20]
    moved_cost = sum((Decimal(s.wh) / 1000 * PRICE for s in moved), Decimal(0))
    k0 = next(s for s in jan if s.sid == "jan-k0")
    exact = {(1, 1, "correction"): [8_000 - k0.wh, Decimal(8_000 - k0.wh) / 1000 * PRICE, Decimal(0)],
             (2, 4, "correction"): [sum(s.wh for s in moved), moved_cost, Decimal(0)],
             (3, 5, "correction"): [-sum(s.wh for s in moved), -moved_cost, Decimal(0)]}
    # Nils's dwelling keeps January (it charged before the 20th); H0102 charged in January already: no new fee
    for v in exact.values():
        v[2] = v[1] * VAT / (1 + VAT)
    assert {k: tuple(v) for k, v in run_lines(store, r2).items()} == rounded_like_a_run(exact)
    # reopened again: nothing more to correct; the log names both
    assert model.load(store, runs.reopen(store, OWNER, r1, by="styret")).lines == ()
    events = store.cursor().execute("SELECT run_id, action FROM billing_run_events ORDER BY happened_at").fetchall()
    assert (r1, "reopen") in events and (r2, "reopen") in events
    # the sessions' rows over all runs add up to them now, in the dwelling they belong to now
    per = defaultdict(int)
    for row in billed_rows(store):
        if row[0] in {s.sid for s in moved}:
            per[row[3]] += row[5]
    assert per[3] == 0 and per[2] == sum(s.wh for s in moved)
    # a moved session's later update is corrected where it is billed now (H0102, Eva), not where it was first
    update_energy(store, moved[0].sid, moved[0].wh + 500)
    r3 = runs.close(store, OWNER, *FEB, payer_rule="by_ownership", by="styret")
    assert [(x.dwelling_id, x.payer.owner_id, x.kind, x.energy_wh) for x in model.load(store, r3).lines] == \
        [(2, 4, "correction", 500)]
    store.close()


def test_a_resident_can_neither_close_nor_read_runs(tmp_path):
    store = open_store(tmp_path / "s.duckdb", coop())
    insert(store, sessions_of(JAN[0], "jan"))
    run_id = runs.close(store, OWNER, *JAN, payer_rule="owner_at_end", by="styret")
    for who in (Scope("kari", RESIDENT, user_ids=("kari",)), Scope("per", CHARGER_OWNER, station_ids=("st-p7",))):
        for call, args in ((runs.close, (*FEB,)), (runs.reopen, (run_id,)), (runs.runs, ()), (runs.load, (run_id,)),
                           (runs.summary, (run_id,)), (runs.billed_sessions, (run_id,)), (runs.ledger, ()),
                           (ds_module.dwelling_statements, (*JAN,))):
            with pytest.raises(BillingError, match="only the system owner"):
                call(store, who, *args)
    assert [x.run_id for x in runs.runs(store, OWNER)] == [run_id]  # nothing was closed or reopened
    store.close()


def test_a_formula_prices_the_lines_and_its_vat_component_is_their_vat(tmp_path):
    """From February a formula version (spot + VAT, minus strømstøtte): a line's amount is its sessions' formula
    cost and its VAT the formula's VAT component (not amount x 0.25 / 1.25: the support carries none)."""
    c = coop()
    store = open_store(tmp_path / "s.duckdb", c)
    tariffs.add_version(store, "styret", FEB[0], "0", formula={
        "kind": "formula", "price_area": "NO1", "spot": True, "vat_rate": "0.25",
        "support": {"share": "0.90", "threshold_by_year": {"2026": "0.77"}}})
    first = datetime(2026, 1, 31, 23, tzinfo=UTC)
    with store.transaction() as cur:
        for h in range(28 * 24 + 2):
            cur.execute("INSERT INTO spot_prices (area, starts_at, ends_at, nok_per_kwh) VALUES ('NO1', ?, ?, 1.77)",
                        [first + timedelta(hours=h), first + timedelta(hours=h + 1)])
    feb = sessions_of(FEB[0], "feb")
    insert(store, feb)
    run_id = runs.close(store, OWNER, *FEB, payer_rule="by_ownership", by="styret")
    per_kwh, vat_per_kwh = Decimal("1.77") * Decimal("1.25") - Decimal("0.9") * Decimal("1.00") * Decimal("1.25"), \
        Decimal("1.77") * Decimal("0.25")
    exact: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for s in feb:
        if (d := dwelling_of(c, s)) is not None:
            line = exact[(d, payer(c, d, s.start.date()), "period")]
            line[0] += s.wh
            line[1] += Decimal(s.wh) / 1000 * per_kwh
            line[2] += Decimal(s.wh) / 1000 * vat_per_kwh
    assert {k: tuple(v) for k, v in run_lines(store, run_id).items()} == rounded_like_a_run(exact)
    assert json_kinds(runs.summary(store, OWNER, run_id)) == {"formula"}
    assert runs.summary(store, OWNER, run_id)["price_sources"][0]["area"] == "NO1"
    store.close()


def json_kinds(summary: dict) -> set[str]:
    return {v["kind"] for v in summary["tariff_versions"]}


# -- property: random ownership dates and late arrivals ----------------------------------------------------

@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck),
          phases=[Phase.explicit, Phase.reuse, Phase.generate])  # (shrinking a store's three runs takes minutes)
@given(sale_day=st.integers(0, 89), ola_day=st.integers(0, 89), rule=st.sampled_from(runs.PAYER_RULES),
       late=st.sets(st.integers(0, 125), max_size=30), later=st.booleans(), minimum=st.sampled_from([0, 100, 400]),
       grown=st.sets(st.integers(0, 125), max_size=6))
def test_every_session_billed_once_and_amounts_add_up(sale_day, ola_day, rule, late, later, minimum, grown):
    """Random sale and co-owner dates, offline uploads before January's or February's close, and updated
    copies (1 kWh more) of sessions dated before February, arriving before February's close."""
    sale = DEC[0] + timedelta(days=sale_day)
    c = coop(sale=sale, ola_from=DEC[0] + timedelta(days=ola_day))
    dec, jan, feb = sessions_of(DEC[0], "dec"), sessions_of(JAN[0], "jan"), sessions_of(FEB[0], "feb")
    everything = dec + jan + feb
    arrives_late = {everything[i].sid for i in late if everything[i].start.date() < FEB[0]}
    grown_ids = {everything[i].sid for i in grown if everything[i].start.date() < FEB[0]}
    now = [replace(s, wh=s.wh + 1000) if s.sid in grown_ids else s for s in everything]
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "s.duckdb", c)
        try:
            closed: list[tuple[int, tuple[date, date]]] = []
            pending = [s for s in everything if s.sid in arrives_late]
            for period, month in ((DEC, dec), (JAN, jan), (FEB, feb)):
                insert(store, [s for s in month if s.sid not in arrives_late])
                if later and period is FEB or not later and period is JAN:
                    insert(store, pending)   # the offline charger's upload, before this close
                    pending = []
                if period is FEB:
                    for sid in grown_ids:    # the cloud's updated copies
                        update_energy(store, sid, next(s.wh for s in now if s.sid == sid))
                closed.append((runs.close(store, OWNER, *period, payer_rule=rule, minimum_amount=minimum,
                                          by="styret"), period))
            rows = billed_rows(store)
            once = defaultdict(int)
            wh = defaultdict(int)
            for sid, _i, _d, _dw, _p, energy, _raw, _vat, kind, _late in rows:
                once[sid] += kind != "correction"
                wh[sid] += energy
            assert set(once) == {s.sid for s in everything} and set(once.values()) == {1}
            assert all(wh[s.sid] == s.wh for s in now)                             # no Wh lost or doubled
            # money: each run's lines + what it carried out - what it carried in = its exact amounts rounded once
            ledger = runs.ledger(store, OWNER)
            for run_id, _period in closed:
                lines = model.load(store, run_id).lines
                carried_out = sum((r[3] for r in ledger if r[0] == run_id), Decimal(0))
                carried_in = sum((r[3] for r in ledger if r[5] == run_id), Decimal(0))  # (billed, or carried again)
                own = [r for r in runs.billed_sessions(store, OWNER, run_id) if r[3] is not None]
                fees = store.cursor().execute("SELECT coalesce(sum(fee), 0) FROM billing_run_fees WHERE run_id = ?",
                                              [run_id]).fetchone()[0]
                exact = sum((r[6] for r in own), Decimal(0)) + fees
                assert sum((x.amount for x in lines), Decimal(0)) + carried_out - carried_in == \
                    exact.quantize(Decimal("0.01"), ROUND_HALF_UP)
            # the ledger: every carried amount is taken by the next run or still open, once
            assert all(r[5] is None or r[5] > r[0] for r in ledger)
            # independently, to the øre (no minimum: nothing carried): each run's lines from the sessions
            # present when it closed, the register and the tariff; late ones paid as their own period was
            if minimum == 0:
                uploaded_before = JAN if not later else FEB
                for run_id, period in closed:
                    present = [s for s in everything if s.sid not in arrives_late or period >= uploaded_before]
                    exact = {(*k, "period", period[0]): v
                             for k, v in expected_period(c, present, period, rule).items()}
                    if period == uploaded_before:
                        for _own_run, own in closed:
                            if own[0] < period[0]:
                                mine = [s for s in (now if period is FEB else everything) if s.sid in arrives_late]
                                exact.update({(*k, "late", own[0]): v for k, v in
                                              expected_period(c, mine, own, rule, fees=False).items()})
                                # the month's fee where the dwelling charged only late (none billed yet)
                                billed_months = {(dwelling_of(c, s), s.start.date().replace(day=1))
                                                 for s in everything if s.sid not in arrives_late}
                                for d in {dwelling_of(c, s) for s in mine if own[0] <= s.start.date() <= own[1]}:
                                    if d is not None and (d, own[0]) not in billed_months:
                                        line = exact.setdefault((d, payer(c, d, own[1]), "late", own[0]),
                                                                [0, Decimal(0), Decimal(0)])
                                        line[1] += FEE
                                        line[2] += FEE * VAT / (1 + VAT)
                    if period is FEB:  # the updated copies billed before: 1 kWh more each, to whoever paid them
                        for _own_run, own in closed[:2]:
                            delta = [replace(s, wh=1000) for s in everything if s.sid in grown_ids
                                     and not (later and s.sid in arrives_late)]
                            exact.update({(*k, "correction", own[0]): v for k, v in
                                          expected_period(c, delta, own, rule, fees=False).items()})
                    assert {k: tuple(v) for k, v in run_lines(store, run_id, dated=True).items()} == \
                        rounded_like_a_run(exact)
        finally:
            store.close()


# -- the command line ----------------------------------------------------------------------------------------

def test_cli_close_runs_show_reopen(tmp_path, capsys):
    db = tmp_path / "s.duckdb"
    store = open_store(db, coop())
    insert(store, sessions_of(JAN[0], "jan"))
    store.close()
    assert cli.main(["billing", "close", "--from", "2026-01-01", "--to", "2026-01-31", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "run 1" in out
    assert cli.main(["billing", "runs", "--db", str(db)]) == 0
    assert "run 1 (regular) 1 Jan 2026–31 Jan 2026: 3 lines" in capsys.readouterr().out
    assert cli.main(["billing", "show", "--run", "1", "--db", str(db)]) == 0
    shown = capsys.readouterr().out
    assert "H0101" in shown and "Kari" in shown and "no dwelling" in shown.lower()
    assert cli.main(["billing", "close", "--from", "2026-01-15", "--to", "2026-02-15", "--db", str(db)]) == 2
    assert "overlaps run 1" in capsys.readouterr().err
    assert cli.main(["billing", "reopen", "--run", "1", "--db", str(db)]) == 0
    assert "run 2" in capsys.readouterr().out
    assert cli.main(["billing", "show", "--run", "9", "--db", str(db)]) == 2


def test_handed_over_to_a_serving_app(tmp_path):
    """While the app owns the store, close, runs, show and reopen run inside it (real processes)."""
    from test_handover import one_error_line, run_cli, serving  # noqa: PLC0415 — its helpers

    db = tmp_path / "served.duckdb"
    open_store(db, coop())
    KEPT[-1].close()
    with serving(db) as (store, _log):
        insert(store, sessions_of(JAN[0], "jan"))
        done = run_cli("billing", "close", "--from", "2026-01-01", "--to", "2026-01-31", "--rule", "by_ownership",
                       "--minimum", "10", "--db", str(db))
        assert done.returncode == 0, done.stderr
        assert "the app is serving this store" in done.stderr and done.stdout.startswith("run 1 closed: ")
        assert model.load(store, 1).payer_rule == "by_ownership" and model.load(store, 1).minimum_amount == 10
        done = run_cli("billing", "show", "--run", "1", "--db", str(db), "--lang", "nb")
        assert done.returncode == 0 and "ingen bolig: 18 økter" in done.stdout
        done = run_cli("billing", "reopen", "--run", "1", "--db", str(db))
        assert done.returncode == 0 and done.stdout.startswith("run 2 closed: correction of run 1, 0 lines")
        assert run_cli("billing", "runs", "--db", str(db)).stdout.startswith("run 2 (correction)")
        assert one_error_line(run_cli("billing", "close", "--from", "2026-01-05", "--to", "2026-01-06",
                                      "--db", str(db))).startswith("error: the period overlaps run 1")
        assert one_error_line(run_cli("billing", "show", "--run", "7", "--db", str(db))) == "error: no billing run 7"


def test_a_closed_runs_files_keep_the_register_as_it_was_at_the_close(tmp_path):
    c = coop()
    store = open_store(tmp_path / "s.duckdb", c)
    insert(store, sessions_of(date(2025, 12, 1), "dec"))
    run_id = runs.close(store, OWNER, *DEC, payer_rule="owner_at_end", by="styret")
    before = files.manager_csv(model.load(store, run_id), "nb")
    assert "Kari" in before.decode("utf-8-sig")
    with store.transaction() as cur:  # the register changes after the close
        cur.execute("UPDATE dwelling_owners SET name = 'Kari Nordmann-Hansen', customer_number = '9999' "
                    "WHERE owner_id = 1")
        cur.execute("UPDATE dwellings SET number = 'H9999', share_number = '999' WHERE dwelling_id = 1")
    assert files.manager_csv(model.load(store, run_id), "nb") == before
    store.close()


def test_a_runs_line_texts_are_the_coops_words_kept_at_the_close(tmp_path, monkeypatch):
    monkeypatch.setenv("CHARGEBOARD_AUTH", str(tmp_path / "no-accounts.yaml"))  # no file: the co-op speaks nb
    c = coop()
    store = open_store(tmp_path / "s.duckdb", c)
    insert(store, sessions_of(date(2025, 12, 1), "dec") + sessions_of(date(2026, 1, 1), "jan"))
    r_dec = runs.close(store, OWNER, *DEC, payer_rule="owner_at_end", by="styret")
    assert {x.text for x in model.load(store, r_dec).lines} == {"Lading 01.12.2025–31.12.2025"}
    billing_settings.save(store, OWNER, "styret", line_text="Elbillading {period}")
    r_jan = runs.close(store, OWNER, *JAN, payer_rule="owner_at_end", by="styret")
    assert {x.text for x in model.load(store, r_jan).lines} == {"Elbillading 01.01.2026–31.01.2026"}
    assert "Lading 01.12.2025–31.12.2025" in files.manager_csv(model.load(store, r_dec), "nb").decode("utf-8-sig")
    store.close()


def test_the_close_preview_is_the_system_owners_alone(tmp_path):

    c = coop()
    store = open_store(tmp_path / "s.duckdb", c)
    insert(store, sessions_of(date(2025, 12, 1), "dec"))
    frame, nowhere, total, _currency = overview.preview(store, OWNER, *DEC, "owner_at_end")
    assert len(frame) == 3 and nowhere > 0 and total > 0
    linked = Scope("kari", RESIDENT, user_ids=("kari",))
    with pytest.raises(BillingError, match="only the system owner"):
        overview.preview(store, linked, *DEC, "owner_at_end")
    store.close()


def test_the_close_preview_of_a_closed_period_says_which_run_closed_it(tmp_path):
    c = coop()
    store = open_store(tmp_path / "s.duckdb", c)
    insert(store, sessions_of(date(2025, 12, 1), "dec"))
    run_id = runs.close(store, OWNER, *DEC, payer_rule="owner_at_end", by="styret")
    with pytest.raises(BillingError, match=f"overlaps run {run_id}"):
        overview.preview(store, OWNER, date(2025, 12, 15), date(2026, 1, 15), "owner_at_end")
    frame, _nowhere, _total, _currency = overview.preview(store, OWNER, *JAN, "owner_at_end")
    assert len(frame) == 0  # January is open (and empty)
    store.close()
