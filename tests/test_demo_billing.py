"""The demo co-op bills dwellings (issue 30): the register the demo writes (chargeboard_demo/register.py) is
imported during the build, with the issue's cases, the billing settings are saved, one month is closed and the
last full month is left for the board. The demo is built once for the module (`python -m chargeboard_demo`,
on the tests' pinned day), as `make run` builds it."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import support

from chargeboard import accounts, my_usage, onboarding, statements
from chargeboard.billing import billing_settings, dwellings, kid, model, runs
from chargeboard.scope import system_scope
from chargeboard.store import Store
from chargeboard_demo import billing as demo_billing
from chargeboard_demo import generator as demo
from chargeboard_demo import register

ROOT = Path(__file__).resolve().parents[1]
END = dt.date.fromisoformat(support.TODAY) - dt.timedelta(days=1)  # the demo's last day on the pinned day
OWNER = system_scope()
CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(store file, feeds folder, seconds the build took) of the demo built on the pinned day."""
    folder = tmp_path_factory.mktemp("demo-billing")
    db, out = folder / "demo.duckdb", folder / "feeds"
    env = {k: v for k, v in os.environ.items() if k not in ("CHARGEBOARD_AUTH", "CHARGEBOARD_DB")}
    started = time.monotonic()  # (its accounts go beside the store: demo.auth.yaml)
    done = subprocess.run([sys.executable, "-m", "chargeboard_demo", "--db", str(db), "--out", str(out), "--force"],
                          cwd=ROOT, env={**env, "CHARGEBOARD_TODAY": support.TODAY}, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return db, out, time.monotonic() - started, done.stdout


@pytest.fixture(scope="module")
def store(built):
    opened = Store(built[0])
    yield opened
    opened.close()


def _dwelling(store: Store, full_name: str) -> dwellings.History:
    number = register.dwelling_of(full_name)
    installation = demo.RESIDENT_BY_NAME[full_name].installation
    return dwellings.history(store, dwellings.find(store, installation, number))


def test_the_months_follow_the_end():
    assert END == dt.date(2026, 1, 14)
    assert register.last_full_month(END) == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    assert register.billed_month(END) == (dt.date(2025, 11, 1), dt.date(2025, 11, 30))
    assert register.sale_day(END) == dt.date(2025, 12, 15)
    assert register.last_full_month(dt.date(2026, 2, 28)) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert register.billed_month(dt.date(2026, 2, 27)) == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))


def test_the_register_csv_is_written_as_norwegian_excel_saves_it_and_always_the_same(built):
    _db, out, _seconds, _output = built
    data = (out / register.REGISTER_FILE).read_bytes()
    assert data == b"\xef\xbb\xbf" + register.register_text(END).encode("utf-8")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == ";".join(dwellings.CSV_COLUMNS) == ";".join(register.COLUMNS)
    assert text.count("\r\n") == len(register.rows(END)) + 1
    assert "15.12.2025" in text and "2025-12-15" not in text  # day.month.year dates
    code = ("import datetime, sys; from chargeboard_demo import register; "
            "sys.stdout.buffer.write(register.register_text(datetime.date(2026, 1, 14)).encode())")
    again = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": "4321"}).stdout
    assert again == register.register_text(END).encode("utf-8")


def test_the_register_is_imported_one_dwelling_a_household(store, built):
    households = register.households()
    assert len(households) == len(demo.RESIDENTS) - 1 == 39  # the couple is one household
    rows = register.rows(END)
    listed = dwellings.register(store, None, register.last_full_month(END)[1])
    assert len(listed) == len(households)
    assert Counter(d.installation for d in listed) == {demo.GARAGE_A: 21, demo.GARAGE_B: 18}
    owners = sum(len(dwellings.history(store, d.dwelling_id).dwelling.owners) for d in listed)
    members = sum(len(dwellings.history(store, d.dwelling_id).dwelling.members) for d in listed)
    assert owners == sum(bool(r.owner_name) for r in rows) == 41
    assert members == sum(bool(r.member_kind) for r in rows) == 91
    assert "dwellings 39 added, 0 changed; owners 41 added, 0 changed; members 91 added" in built[3]
    # every resident's feed user and every tag of the demo belongs to a dwelling
    ids = {(m.kind, m.member_id) for d in listed for m in dwellings.history(store, d.dwelling_id).dwelling.members}
    assert {r.user_id for r in demo.RESIDENTS} <= {i for k, i in ids if k == "user"}
    assert set(demo.TAGS) == {i for k, i in ids if k == "tag"}
    # owners: names, e-mails of example.org / example.no, customer numbers, nb but for Ola
    every = [o for d in listed for o in dwellings.history(store, d.dwelling_id).dwelling.owners]
    assert all(o.name and o.customer_number and o.customer_number.isdigit() for o in every)
    assert len({o.customer_number for o in every}) == len(every)
    assert {o.email.split("@")[1] for o in every} == {"example.org", "example.no"}
    assert [o.name for o in every if o.language == "en"] == ["Ola Hansen"]
    assert all(d.share_number and not d.section_number for d in listed)  # a borettslag: share numbers
    assert len({d.share_number for d in listed}) == len(listed)


def test_importing_the_register_again_changes_nothing(store, built):
    result = dwellings.import_csv(store, "test", built[1] / register.REGISTER_FILE)
    assert (result.dwellings_added, result.owners_added, result.members_added) == (0, 0, 0)
    assert (result.dwellings_changed, result.owners_changed, result.members_changed) == (0, 0, 0)
    assert result.unchanged == result.rows == len(register.rows(END))


def test_a_couple_sharing_a_tag(store):
    couple = _dwelling(store, "Ingrid Berg").dwelling
    assert couple.number == register.dwelling_of("Lars Berg")
    assert [o.name for o in couple.owners] == ["Ingrid Berg", "Lars Berg"]
    assert couple.owners[0].valid_from < couple.owners[1].valid_from  # Ingrid first: she pays
    assert all(o.valid_until is None for o in couple.owners)
    assert {(m.kind, m.member_id) for m in couple.members} == {
        ("tag", demo.SHARED_TAG), ("user", demo.DEMO_IDENTITIES["ingrid"].user_id),
        ("user", demo.DEMO_IDENTITIES["lars"].user_id)}


def test_a_flat_sold_in_the_last_full_month_with_its_tag_and_parking_space(store):
    sold = _dwelling(store, register.SOLD_BY)
    day = register.sale_day(END)
    first, last = register.last_full_month(END)
    assert first < day < last
    assert [(o.name, o.valid_from > dt.date(2000, 1, 1), o.valid_until) for o in sold.dwelling.owners] == [
        (register.SOLD_BY, True, day), (register.BUYER[0], True, None)]
    assert sold.dwelling.owners[1].valid_from == day and sold.dwelling.owners[1].email == register.BUYER[1]
    members = {(m.kind, m.member_id): (m.valid_from, m.valid_until) for m in sold.dwelling.members}
    seller = demo.RESIDENT_BY_NAME[register.SOLD_BY]
    assert members[("user", seller.user_id)][1] == day       # the seller's feed user leaves with him
    (tag,) = demo.tags_of(register.SOLD_BY)
    assert members[("tag", tag)][1] is None                  # the tag moves with the flat to the new owner
    station = demo.STATION_BY_DEVICE[register.PARKING_STATION]
    assert members[("station", station.charger_id)][1] is None  # the parking space's station stays too
    assert station.installation == seller.installation
    assert any(action == "owner add" and register.BUYER[0] in detail for _w, _b, action, detail in sold.changes)


def test_a_replaced_tag_and_the_english_reading_owner(store):
    ola = _dwelling(store, "Ola Hansen").dwelling
    first, _ = demo.history_window(END)
    replaced = first + dt.timedelta(days=demo.TAG_REPLACEMENT_DAY)
    tags = {m.member_id: (m.valid_from, m.valid_until) for m in ola.members if m.kind == "tag"}
    assert tags == {demo.REPLACED_TAG_OLD: (first, replaced), demo.REPLACED_TAG_NEW: (replaced, None)}
    assert [o.language for o in ola.owners] == ["en"]


def test_billing_settings_of_the_demo(store):
    saved = billing_settings.read(store)
    assert saved.account_number == kid.account_digits(demo_billing.ACCOUNT_NUMBER) == "15061234567"
    assert kid.is_valid_account_number(saved.account_number)
    assert kid.mod11_check(saved.account_number[:10]) == saved.account_number[-1]
    assert (saved.kid_method, saved.minimum_amount, saved.payer_rule) == ("mod10", Decimal("100.00"), "owner_at_end")


def test_one_closed_run_for_the_month_before_the_last_full_month(store):
    heads = runs.runs(store, OWNER)
    assert [(h.run_id, h.kind, h.period_from, h.period_to) for h in heads] == [
        (1, "regular", *register.billed_month(END))]
    run = model.load(store, 1)
    assert run.minimum_amount == Decimal("100.00") and run.payer_rule == "owner_at_end"
    billed = runs.billed_sessions(store, OWNER, 1)
    first, last = register.billed_month(END)
    fees = store.rows("billing_billed_fees_between", day_from=first, day_to=last)
    said = runs.summary(store, OWNER, 1)
    carried = sum((Decimal(c["amount"]) for c in said["carried_over"]), Decimal(0))
    # the run's total (plus any amount carried over under the minimum) is its sessions' billed costs plus the
    # months' fixed fees, rounded once
    exact = sum((Decimal(b[6]) for b in billed if b[3] is not None), Decimal(0)) + sum((f[3] for f in fees),
                                                                                      Decimal(0))
    assert run.total + carried == exact.quantize(CENT, ROUND_HALF_UP)
    assert run.total > 0 and len(run.lines) >= 30
    # each dwelling's kWh is its sessions' Wh exactly, and its amount its sessions' cost and fee to the øre
    wh, cost = defaultdict(int), defaultdict(Decimal)
    for b in billed:
        if b[3] is not None:
            wh[b[3]] += b[5]
            cost[b[3]] += Decimal(b[6])
    for f in fees:
        cost[f[0]] += f[3]
    lines = defaultdict(list)
    for x in run.lines:
        lines[x.dwelling_id].append(x)
    for dwelling_id, own in lines.items():
        assert sum(x.energy_wh for x in own) == wh[dwelling_id]
        assert abs(sum(x.amount for x in own) - cost[dwelling_id]) < CENT
    assert all(x.payer is not None for x in run.lines)  # every dwelling has an owner that month
    # the sessions of no dwelling are listed, billed to no one
    nowhere = [b for b in billed if b[3] is None]
    assert said["no_dwelling"]["sessions"] == len(nowhere) >= 2 * demo.VISITORS_PER_MONTH


def test_the_sessions_of_no_dwelling_are_listed_for_the_last_full_month(store):
    first, last = register.last_full_month(END)
    found = dwellings.unassigned(store, OWNER, first, last)
    assert found.sessions >= 2 * demo.VISITORS_PER_MONTH and found.energy_kwh > 0
    assert set(found.rows["user_id"].fillna("")) == {""} and set(found.rows["tag"].fillna("")) == {""}
    for installation in demo.INSTALLATION_NAMES:  # the page opens on one installation: each has some
        assert dwellings.unassigned(store, OWNER, first, last, installation).sessions >= demo.VISITORS_PER_MONTH


def test_the_demo_residents_are_linked_to_their_dwellings(store, built):
    auth = built[0].with_name(built[0].stem + ".auth.yaml")
    today = dt.date.fromisoformat(support.TODAY)
    for username, name in (("kari", "Kari Nordmann"), ("ola", "Ola Hansen")):
        scope = accounts.scope_for(accounts.find_account(username, auth), store)
        assert scope.dwelling_numbers() == (register.dwelling_of(name),)
        assert scope.sees_dwelling(_dwelling(store, name).dwelling.dwelling_id, *register.billed_month(END))
        usage = my_usage.my_usage(store, scope, today)
        assert my_usage.dwelling_text(usage).startswith(f"Dwelling {register.dwelling_of(name)}:")
        assert usage.year_sessions + usage.month_sessions > 0 or usage.monthly["sessions"].sum() > 0


def test_the_board_can_close_the_last_full_month_and_the_buyer_pays_for_the_sold_flat(built, tmp_path):
    db = tmp_path / "copy.duckdb"
    shutil.copyfile(built[0], db)
    copy = Store(db)
    try:
        first, last = register.last_full_month(END)
        run_id = runs.close(copy, OWNER, first, last, payer_rule="owner_at_end", minimum_amount=100, by="test")
        run = model.load(copy, run_id)
        number = register.dwelling_of(register.SOLD_BY)
        sold = [x for x in run.lines if x.dwelling_number == number]
        assert sold and {x.payer.name for x in sold} == {register.BUYER[0]}  # the owner at the month's end
        assert sum(x.sessions for x in sold) > 0
    finally:
        copy.close()
    db2 = tmp_path / "copy2.duckdb"
    shutil.copyfile(built[0], db2)
    copy = Store(db2)
    try:
        run = model.load(copy, runs.close(copy, OWNER, first, last, payer_rule="by_ownership", by="test"))
        sold = [x for x in run.lines if x.dwelling_number == register.dwelling_of(register.SOLD_BY)]
        assert {x.payer.name for x in sold} == {register.SOLD_BY, register.BUYER[0]}  # each pays his own days
    finally:
        copy.close()


def test_the_demo_build_stays_fast(built):
    assert built[2] < 60, f"the demo build took {built[2]:.1f} s"


def test_the_app_shows_the_demo_residents_dwelling_and_the_boards_no_dwelling_list(built, tmp_path, monkeypatch):
    """In the app (AppTest) on a copy of the demo store: Kari's My usage names her dwelling; the board's
    Dwellings page opens on sessions of no dwelling in the last month, its Billing page shows the closed run
    and previews the open month."""
    from conftest import release_app_store  # noqa: PLC0415
    from test_app import page_as, texts  # noqa: PLC0415

    db = tmp_path / "demo.duckdb"
    shutil.copyfile(built[0], db)
    auth = support.write_accounts(tmp_path / "auth.yaml", [
        replace(login, installations=(demo.DEMO_IDENTITIES["kari"].installation,))
        if login.username == "kari" else login for login in support.LOGINS])
    for name, value in support.test_env(db, auth, tmp_path / "no-cookie-key").items():
        monkeypatch.setenv(name, value)
    release_app_store()
    try:
        at = page_as(support.RESIDENT, "my_usage")
        assert f"Dwelling {register.dwelling_of('Kari Nordmann')}:" in texts(at.main)
        at = page_as(support.STYRET, "dwellings")
        shown = {m.label: m.value for m in at.metric}
        assert int(shown["Sessions with no dwelling"]) >= demo.VISITORS_PER_MONTH, shown
        assert not at.exception
        # the Billing page: the closed run to show, and the last full month (its default) open to close
        at = page_as(support.STYRET, "billing")
        assert "No billing run yet" not in texts(at.main)
        assert next(s for s in at.selectbox if s.label == "Run").options == ["Run 1: 1 Nov 2025 – 30 Nov 2025"]
        shown = {m.label: m.value for m in at.metric}
        assert int(shown["Dwellings to bill"]) >= 30, shown
    finally:
        release_app_store()


def test_the_demo_co_op_has_done_every_step_of_the_first_run_checklist(built, store):
    """The demo is a co-op in use: its board's dashboard shows no getting-started box."""
    steps = onboarding.checklist(store, system_scope(), auth_path=built[0].with_name("demo.auth.yaml"))
    assert [s.key for s in steps if not s.done] == []
    assert statements.issuer(store).name == "Solbakken borettslag"
