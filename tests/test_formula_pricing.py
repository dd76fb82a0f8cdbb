"""Statements priced by the tariff formula (issue 29): each session's energy in 15-minute price intervals,
each component's exact amount, compared with an independent computation written here (its own split of
a session into quarters, its own arithmetic of the formula; not chargeboard.pricing.formula)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from costs_support import USERS
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from chargeboard import ingest, statements, tariffs
from chargeboard.scope import system_scope
from chargeboard.store import Store

OSLO = ZoneInfo("Europe/Oslo")
Q = timedelta(minutes=15)
ORE = Decimal("0.01")
COMPONENTS = ("spot", "norgespris", "markup", "grid", "tax", "enova", "vat", "support", "cost_price")
# Norwegian public holidays of the years the tests use (by hand, from the calendar)
HOLIDAYS = {date(2025, 12, 25), date(2025, 12, 26), date(2026, 1, 1), date(2026, 4, 2), date(2026, 4, 3),
            date(2026, 4, 5), date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 14), date(2026, 5, 17),
            date(2026, 5, 24), date(2026, 5, 25), date(2026, 12, 25), date(2026, 12, 26)}


# -- writing sessions and prices -------------------------------------------------------------------------

def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000")


def record(sid: str, who: str | None, start: datetime, end: datetime, wh: int, details=None,
           registered: datetime | None = None) -> dict:
    user = USERS.get(who) if who else None
    return {"Id": sid, "ChargerId": "ST1", "DeviceId": "ST1", "DeviceName": "Plass ST1",
            "UserId": user[0] if user else None, "UserFullName": user[1] if user else None,
            "UserEmail": user[2] if user else None, "TokenName": None,
            "StartDateTime": utc(start), "EndDateTime": utc(registered or end), "CommitEndDateTime": utc(end),
            "Energy": wh / 1000, "CommitMetadata": 1 if registered else 5, "ReplacedBySessionId": None,
            "ExternalId": None, "ChargerFirmwareVersion": "1", "SignedSession": None,
            "EnergyDetails": [{"Timestamp": utc(t), "Energy": e} for t, e in details] if details else None}


def load(tmp_path, records: list[dict], name: str = "f.duckdb") -> Store:
    store = Store(tmp_path / name)
    feed = tmp_path / f"{name}.json"
    feed.write_text(json.dumps(records), encoding="utf-8")
    assert ingest.ingest_file(store, feed, installation="Garage A").rejected == 0
    return store


def add_spot(store: Store, area: str, prices: dict[datetime, tuple[timedelta, Decimal]]) -> None:
    with store.transaction() as cur:
        for start, (length, price) in prices.items():
            cur.execute("INSERT INTO spot_prices (area, starts_at, ends_at, nok_per_kwh) VALUES (?, ?, ?, ?)",
                        [area, start, start + length, price])


# -- the independent computation ---------------------------------------------------------------------------

def wh_until(wh: int, elapsed: int, duration: int) -> int:
    return (2 * wh * elapsed + duration) // (2 * duration)


def floor_quarter(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


def us(delta: timedelta) -> int:
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def quarters_of(s: dict) -> dict[datetime, int]:
    """A session's whole Wh by quarter start (UTC), by this test's own reading of the rules."""
    wh, out = s["wh"], {}
    if s.get("registered"):  # an unreliable clock: evenly over the quarters of its dating (registration) day
        day = s["registered"].astimezone(OSLO).date()
        first = datetime.combine(day, datetime.min.time(), OSLO).astimezone(UTC)
        n = int((datetime.combine(day + timedelta(days=1), datetime.min.time(), OSLO).astimezone(UTC) - first) / Q)
        for j in range(n):
            out[first + j * Q] = wh_until(wh, j + 1, n) - wh_until(wh, j, n)
        return out
    if s.get("details"):
        energies = [e for _t, e in s["details"]]
        total, n = sum(energies), len(energies)
        running = []
        for i in range(1, n + 1):
            if i == n:
                running.append(wh)
            elif total > 0:
                x = wh * sum(energies[:i]) / total
                running.append(int(x + 0.5))  # half away from zero (all positive)
            else:
                running.append(wh_until(wh, i, n))
        for i, (hour, _e) in enumerate(s["details"]):
            hour_wh = running[i] - (running[i - 1] if i else 0)
            base = hour.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
            for j in range(4):
                out[base + j * Q] = out.get(base + j * Q, 0) + wh_until(hour_wh, j + 1, 4) - wh_until(hour_wh, j, 4)
        return out
    start, end = s["start"].astimezone(UTC), s["end"].astimezone(UTC)
    duration = us(end - start)
    if duration <= 0:
        return {floor_quarter(start): wh}
    q = floor_quarter(start)
    while q < end:
        out[q] = (wh_until(wh, us(min(q + Q, end) - start), duration)
                  - wh_until(wh, us(max(q, start) - start), duration))
        q += Q
    return out


def step_on(steps: list[tuple[date, Decimal]], day: date) -> Decimal:
    return max((s for s in steps if s[0] <= day), default=(None, Decimal(0)))[1]


def reference_prices(f: dict, start: datetime, spot: Decimal | None) -> dict[str, Decimal] | None:
    """The formula's price per kWh of each component for the quarter starting at `start` (UTC)."""
    local = start.astimezone(OSLO)
    day = local.date()
    out = dict.fromkeys(COMPONENTS, Decimal(0))
    norgespris = f.get("norgespris")
    fixed = norgespris and day >= date.fromisoformat(norgespris["from"])
    if fixed:
        out["norgespris"] = Decimal(norgespris["per_kwh"])
    elif f.get("spot"):
        if spot is None:
            return None
        out["spot"] = spot
    out["markup"] = Decimal(f.get("markup_per_kwh", "0"))
    if "grid" in f:
        g = f["grid"]
        lo, hi = g["night_hours"]
        night = (local.hour >= lo or local.hour < hi) if lo > hi else lo <= local.hour < hi
        night = night or (g["weekend_is_night"] and local.isoweekday() in (6, 7)) \
            or (g["holiday_is_night"] and day in HOLIDAYS)
        price = Decimal(g["night"] if night else g["day"])
        if local.month in g.get("winter_months", []):
            price = Decimal(g["winter_night"] if night else g["winter_day"])
        out["grid"] = price
    out["tax"] = step_on([(date.fromisoformat(x["from"]), Decimal(x["per_kwh"])) for x in f.get("consumption_tax", [])],
                         day)
    out["enova"] = step_on([(date.fromisoformat(x["from"]), Decimal(x["per_kwh"])) for x in f.get("enova_fee", [])], day)
    vat = Decimal(f.get("vat_rate", "0"))
    out["vat"] = vat * (out["spot"] + out["norgespris"] + out["markup"] + out["grid"] + out["tax"] + out["enova"])
    support = f.get("support")
    if support and not fixed and str(day.year) in support["threshold_by_year"]:
        over = spot - Decimal(support["threshold_by_year"][str(day.year)])
        if over > 0:
            out["support"] = -Decimal(support["share"]) * over * (1 + vat)
    return out


def spot_of(prices: dict[datetime, tuple[timedelta, Decimal]], q: datetime) -> Decimal | None:
    for start, (length, price) in prices.items():
        if start <= q < start + length:
            return price
    return None


def reference(sessions: list[dict], f: dict, spot: dict) -> dict[str, dict]:
    """Per user: exact amount of each component, kWh, unpriced kWh."""
    out: dict[str, dict] = {}
    for s in sessions:
        line = out.setdefault(s["user"], {"amounts": dict.fromkeys(COMPONENTS, Decimal(0)), "wh": 0, "unpriced_wh": 0})
        line["wh"] += s["wh"]
        for q, wh in quarters_of(s).items():
            prices = reference_prices(f, q, spot_of(spot, q))
            if prices is None:
                line["unpriced_wh"] += wh
                continue
            for c in COMPONENTS:
                line["amounts"][c] += Decimal(wh) * prices[c] / 1000
    return out


# -- the property ---------------------------------------------------------------------------------------

WINDOWS = [datetime(2026, 3, 27, tzinfo=OSLO), datetime(2026, 10, 23, tzinfo=OSLO),
           datetime(2025, 12, 29, tzinfo=OSLO), datetime(2026, 1, 29, tzinfo=OSLO)]  # DST x2, year end, month end
DAYS = 5  # each window's statement: 5 local days


@st.composite
def formulas(draw) -> dict:
    f: dict = {"kind": "formula", "price_area": "NO1", "spot": True}
    if draw(st.booleans()):
        f["markup_per_kwh"] = str(draw(st.integers(0, 9999)) / Decimal(10000))
    if draw(st.booleans()):
        f["grid"] = {"day": "0.3612", "night": "0.2604", "night_hours": draw(st.sampled_from([[22, 6], [0, 6]])),
                     "weekend_is_night": draw(st.booleans()), "holiday_is_night": draw(st.booleans())}
        if draw(st.booleans()):
            f["grid"].update(winter_months=[1, 2, 3, 12], winter_day="0.4133", winter_night="0.3127")
    if draw(st.booleans()):
        f["consumption_tax"] = [{"from": "2025-01-01", "per_kwh": "0.0979"}, {"from": "2026-01-01", "per_kwh": "0.0713"},
                                {"from": "2026-03-29", "per_kwh": "0.1693"}]
    if draw(st.booleans()):
        f["enova_fee"] = [{"from": "2024-01-01", "per_kwh": "0.0100"}]
    f["vat_rate"] = draw(st.sampled_from(["0", "0.25"]))
    if draw(st.booleans()):
        f["support"] = {"share": "0.90", "threshold_by_year": {"2025": "0.75", "2026": "0.77"}}
    if draw(st.booleans()):
        f["norgespris"] = {"from": draw(st.sampled_from(["2025-12-31", "2026-01-30", "2026-03-29", "2026-10-25"])),
                           "per_kwh": "0.40"}
    return f


@st.composite
def cases(draw):
    window = draw(st.sampled_from(WINDOWS))
    start_utc = window.astimezone(UTC)
    hours = int((datetime.combine(window.date() + timedelta(days=DAYS + 2), datetime.min.time(), OSLO)
                 - window) / timedelta(hours=1))
    spot: dict[datetime, tuple[timedelta, Decimal]] = {}
    gap_from = draw(st.integers(0, hours))
    gap_len = draw(st.sampled_from([0, 0, 1, 5, 30]))
    # hourly prices only (the engine then prices whole hours) or some hours in quarters (then quarters)
    some_quarters = draw(st.booleans())
    for h in range(hours):
        at = start_utc + timedelta(hours=h)
        if gap_from <= h < gap_from + gap_len:
            continue
        price = Decimal(draw(st.integers(-500, 30000))) / 10000  # negative prices happen
        if some_quarters and draw(st.integers(0, 3)) == 0:  # this hour in quarters (one of them may be missing)
            skip = draw(st.integers(0, 8))
            for j in range(4):
                if j != skip:
                    spot[at + j * Q] = (Q, price + Decimal(j) / 1000)
        else:
            spot[at] = (timedelta(hours=1), price)
    sessions = []
    for i in range(draw(st.integers(1, 8))):
        start = window + timedelta(minutes=draw(st.integers(0, DAYS * 24 * 60 - 1)), seconds=draw(st.integers(0, 59)))
        start = start.astimezone(UTC).astimezone(OSLO)  # (a real instant, also on DST days)
        if start.date() >= window.date() + timedelta(days=DAYS):
            start -= timedelta(hours=3)
        length = timedelta(minutes=draw(st.integers(0, 20 * 60)), seconds=draw(st.integers(0, 59)))
        end = start + length
        wh = draw(st.integers(0, min(60000, int(20000 * length / timedelta(hours=1)))))  # ≤ 20 kW
        s = {"id": f"s{i}", "user": draw(st.sampled_from(["kari", "ola", "per"])), "start": start, "end": end, "wh": wh}
        kind = draw(st.sampled_from(["even", "even", "details", "unreliable"]))
        if kind == "details":
            first = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
            n = max(1, int((end.astimezone(UTC) - first) / timedelta(hours=1)) + 1)
            s["details"] = [(first + timedelta(hours=k), draw(st.integers(0, 40)) / 8) for k in range(n)]
        elif kind == "unreliable":
            s["registered"] = window + timedelta(hours=draw(st.integers(0, DAYS * 24 - 1)))
        sessions.append(s)
    return window.date(), spot, sessions


def _rounded_ok(raw: list[Decimal], got: list[Decimal]) -> bool:
    """Each amount its exact value rounded down or up to the øre, and all of them the exact total rounded once."""
    for r, g in zip(raw, got, strict=True):
        floor = (r / ORE).to_integral_value(ROUND_FLOOR) * ORE
        if g not in (floor, floor + ORE):
            return False
    return sum(got, Decimal(0)) == sum(raw, Decimal(0)).quantize(ORE, ROUND_HALF_UP)


@settings(max_examples=40, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(case=cases(), f=formulas())
def test_statements_equal_an_independent_computation_of_the_formula(tmp_path_factory, case, f):
    first, spot, sessions = case
    tmp = tmp_path_factory.mktemp("formula")
    store = load(tmp, [record(s["id"], s["user"], s["start"], s["end"], s["wh"], s.get("details"), s.get("registered"))
                       for s in sessions])
    try:
        tariffs.add_version(store, "styret", date(2025, 1, 1), "0", formula=f)
        add_spot(store, "NO1", spot)
        st_ = statements.build_statements(store, system_scope(),
                                          statements.StatementRequest(first, first + timedelta(days=DAYS - 1)))
        expected = reference(sessions, f, spot)
        lines = {x.user_id: x for x in st_.lines}
        assert {USERS[u][0] for u in expected} == set(lines)
        for who, want in expected.items():
            line = lines[USERS[who][0]]
            assert line.energy_kwh == Decimal(want["wh"]) / 1000
            assert line.unpriced_kwh == Decimal(want["unpriced_wh"]) / 1000, (who, want)
            for c in COMPONENTS:
                assert line.raw_components.get(c, Decimal(0)) == want["amounts"][c], (who, c)
            assert line.raw_components.get("support", Decimal(0)) <= 0
            # the components add up to the energy cost, rounded once each
            assert line.energy_cost == sum(line.components.values(), Decimal(0))
        for c in st_.components:
            raw = [x.raw_components.get(c, Decimal(0)) for x in st_.lines]
            assert _rounded_ok(raw, [x.components[c] for x in st_.lines]), c
            assert st_.component_totals[c] == sum((x.components[c] for x in st_.lines), Decimal(0))
        assert st_.totals["energy_cost"] == sum(st_.component_totals.values(), Decimal(0))
        if any(w["unpriced_wh"] for w in expected.values()):
            assert any("Spot prices for NO1 are missing" in n for n in st_.notes)
        # the sessions add up to their line, per component and in all
        _st, by_user = statements.with_session_costs(store, system_scope(), st_)
        for line in st_.lines:
            assert sum((s.cost for s in by_user[line.user_id]), Decimal(0)) == line.energy_cost
            for c in st_.components:
                assert sum((s.components[c] for s in by_user[line.user_id]), Decimal(0)) == line.components[c]
    finally:
        store.close()


def test_support_is_zero_where_spot_is_at_or_under_the_threshold_and_never_positive(tmp_path):
    """One session over four hours, spot 0.50 / 0.77 (= threshold) / 1.77 / -0.10: support only in the third,
    -0.90 x 1.00 x 1.25 per kWh."""
    start = datetime(2026, 2, 10, 10, tzinfo=OSLO)
    store = load(tmp_path, [record("a", "kari", start, start + timedelta(hours=4), 4000)])
    f = {"kind": "formula", "price_area": "NO1", "spot": True, "vat_rate": "0.25",
         "support": {"share": "0.90", "threshold_by_year": {"2026": "0.77"}}}
    tariffs.add_version(store, "styret", date(2026, 1, 1), "0", formula=f)
    add_spot(store, "NO1", {start.astimezone(UTC) + timedelta(hours=h): (timedelta(hours=1), Decimal(p))
                            for h, p in enumerate(["0.50", "0.77", "1.77", "-0.10"])})
    line = statements.build_statements(store, system_scope(), statements.StatementRequest(
        date(2026, 2, 1), date(2026, 2, 28))).lines[0]
    assert line.raw_components["support"] == Decimal("-1.125")
    assert line.raw_components["spot"] == Decimal("0.50") + Decimal("0.77") + Decimal("1.77") - Decimal("0.10")
    assert line.raw_components["vat"] == line.raw_components["spot"] * Decimal("0.25")
    assert line.component_kwh["support"] == Decimal("1")
    store.close()


# -- examples ---------------------------------------------------------------------------------------------

FULL = {"kind": "formula", "price_area": "NO1", "spot": True, "markup_per_kwh": "0.05",
        "grid": {"day": "0.36", "night": "0.26", "night_hours": [22, 6], "weekend_is_night": True,
                 "holiday_is_night": True},
        "consumption_tax": [{"from": "2026-01-01", "per_kwh": "0.0713"}],
        "enova_fee": [{"from": "2024-01-01", "per_kwh": "0.01"}], "vat_rate": "0.25",
        "support": {"share": "0.90", "threshold_by_year": {"2026": "0.77"}}}


def test_a_residents_month_by_hand(tmp_path):
    """Kari charges twice in January 2026 (a Tuesday evening and a Saturday noon), an hourly spot price of
    1.00 then 2.00 kr. By hand, per kWh: day grid 0.36, Saturday at the night price 0.26; VAT 25 % of the
    rest; support 0.9 x (spot - 0.77) x 1.25."""
    tue = datetime(2026, 1, 6, 18, tzinfo=OSLO)  # 2 kWh: 1 at 18-19 (spot 1.00), 1 at 19-20 (2.00)
    sat = datetime(2026, 1, 10, 12, tzinfo=OSLO)  # 1 kWh at 12-13 (spot 1.00)
    store = load(tmp_path, [record("t", "kari", tue, tue + timedelta(hours=2), 2000),
                            record("s", "kari", sat, sat + timedelta(hours=1), 1000)])
    tariffs.add_version(store, "styret", date(2026, 1, 1), "0", formula=FULL, monthly_fee="49")
    add_spot(store, "NO1", {tue.astimezone(UTC): (timedelta(hours=1), Decimal("1.00")),
                            (tue + timedelta(hours=1)).astimezone(UTC): (timedelta(hours=1), Decimal("2.00")),
                            sat.astimezone(UTC): (timedelta(hours=1), Decimal("1.00"))})
    st_ = statements.build_statements(store, system_scope(), statements.StatementRequest(date(2026, 1, 1),
                                                                                           date(2026, 1, 31)))
    (kari,) = st_.lines
    assert kari.components == {"spot": Decimal("4.00"), "markup": Decimal("0.15"), "grid": Decimal("0.98"),
                               "tax": Decimal("0.21"), "enova": Decimal("0.03"),
                               # 0.25 x (4.00 + 0.15 + 0.98 + 0.2139 + 0.03) = 1.343475
                               "vat": Decimal("1.34"),
                               # -0.9 x 1.25 x (0.23 + 1.23 + 0.23) = -1.90125
                               "support": Decimal("-1.90")}
    assert kari.energy_cost == Decimal("4.81") and kari.fixed_fee == Decimal("49.00")
    assert st_.components == ("spot", "markup", "grid", "tax", "enova", "vat", "support")
    assert any("came from" in n for n in st_.notes)
    store.close()


def test_the_cost_price_kind_prices_each_month_from_its_invoices(tmp_path):
    """January: two meters, 1000 kr / 800 kWh and 250.50 kr / 201 kWh -> 1250.50 / 1001 = 1.249251 kr/kWh;
    a newer entry of meter A replaces its first. February has no invoices: unpriced, and the note says so."""
    jan = datetime(2026, 1, 31, 23, tzinfo=OSLO)   # runs past midnight into February: by the quarter's month
    store = load(tmp_path, [record("a", "kari", jan, jan + timedelta(hours=2), 2000)])
    tariffs.add_version(store, "styret", date(2026, 1, 1), "0", formula={"kind": "cost_price"})
    with store.transaction() as cur:
        for meter, amount, kwh in (("A", "9.99", "1"), ("A", "1000.00", "800"), ("B", "250.50", "201")):
            cur.execute("INSERT INTO cost_prices (installation_id, month, meter_id, amount, kwh, entered_by) "
                        "VALUES ('garage-a', DATE '2026-01-01', ?, ?, ?, 'styret')", [meter, amount, kwh])
    st_ = statements.build_statements(store, system_scope(), statements.StatementRequest(date(2026, 1, 1),
                                                                                           date(2026, 1, 31)))
    (kari,) = st_.lines
    assert kari.raw_components["cost_price"] == Decimal("1.249251")  # 1 kWh in January
    assert kari.unpriced_kwh == Decimal("1")                         # 1 kWh in February
    assert any("February 2026" in n or "Feb 2026" in n for n in st_.notes), st_.notes
    store.close()


def _mixed_store(tmp_path) -> Store:
    """Flat 1.00 kr/kWh until 15 January, the formula (spot 0.50, VAT 25 %) from then; a session crossing
    midnight into the formula period is priced whole by the flat version of its day."""
    rows = [record("f1", "kari", datetime(2026, 1, 10, 18, tzinfo=OSLO), datetime(2026, 1, 10, 19, tzinfo=OSLO), 3333),
            record("f2", "ola", datetime(2026, 1, 14, 23, tzinfo=OSLO), datetime(2026, 1, 15, 1, tzinfo=OSLO), 2000),
            record("g1", "kari", datetime(2026, 1, 20, 18, tzinfo=OSLO), datetime(2026, 1, 20, 19, tzinfo=OSLO), 1111),
            record("g2", "ola", datetime(2026, 1, 21, 18, tzinfo=OSLO), datetime(2026, 1, 21, 19, tzinfo=OSLO), 1111),
            record("g3", "per", datetime(2026, 1, 22, 18, tzinfo=OSLO), datetime(2026, 1, 22, 19, tzinfo=OSLO), 1111)]
    store = load(tmp_path, rows)
    tariffs.add_version(store, "styret", date(2025, 1, 1), "1.00")
    tariffs.add_version(store, "styret", date(2026, 1, 15), "0",
                        formula={"kind": "formula", "price_area": "NO1", "spot": True, "vat_rate": "0.25"})
    start = datetime(2026, 1, 14, 23, tzinfo=UTC)
    add_spot(store, "NO1", {start + timedelta(hours=h): (timedelta(hours=1), Decimal("0.5003")) for h in range(24 * 10)})
    return store


def test_flat_and_formula_versions_in_one_period(tmp_path):
    store = _mixed_store(tmp_path)
    st_ = statements.build_statements(store, system_scope(), statements.StatementRequest(date(2026, 1, 1),
                                                                                           date(2026, 1, 31)))
    assert st_.components == ("spot", "vat", "flat")
    lines = {x.user_id: x for x in st_.lines}
    assert lines["u-ola"].raw_components["flat"] == Decimal("2.000")  # both hours at the flat price of its day
    assert lines["u-kari"].raw_components["flat"] == Decimal("3.333")
    assert lines["u-kari"].raw_components["spot"] == Decimal("1.111") * Decimal("0.5003")
    for x in st_.lines:
        assert x.energy_cost == sum(x.components.values(), Decimal(0))
        assert x.unpriced_kwh == 0
    assert (lines["u-per"].sessions, lines["u-ola"].sessions) == (1, 2)
    # three equal formula amounts of 0.5558333 kr: rounded once over the residents, they add up
    assert st_.component_totals["spot"] == (Decimal("3.333") * Decimal("0.5003")).quantize(ORE, ROUND_HALF_UP)
    # with no formula version, the same sessions' flat statement is as before
    _st, sessions = statements.with_session_costs(store, system_scope(), st_)
    assert [s.session_id for s in sessions["u-ola"]] == ["f2", "g2"]
    assert sessions["u-ola"][0].components["flat"] == Decimal("2.00")
    store.close()


def test_csv_and_workbook_show_the_components_adding_up(tmp_path):
    store = _mixed_store(tmp_path)
    scope = system_scope()
    st_ = statements.build_statements(store, scope, statements.StatementRequest(date(2026, 1, 1), date(2026, 1, 31)))
    text, _name = statements.csv_text(store, scope, st_, log=False)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    header = list(rows[0])
    components = ["spot", "norgespris", "markup", "grid", "tax", "enova", "vat", "support", "cost_price", "flat"]
    assert header[-11:] == [*components, "capacity_share"]
    for row in rows:
        assert sum(Decimal(row[c]) for c in components) == Decimal(row["energy_cost"]), row
    body, total = rows[:-1], rows[-1]
    for c in header[-11:]:
        assert sum(Decimal(r[c]) for r in body) == Decimal(total[c])
    data, _name = statements.workbook(store, scope, st_, log=False)
    book = openpyxl.load_workbook(io.BytesIO(data))
    summary = list(book["Summary"].iter_rows(values_only=True))
    titles = summary[0]
    assert "Spot price" in titles and "VAT" in titles and "Flat price" in titles
    at = {t: i for i, t in enumerate(titles)}
    for row in summary[1:]:
        parts = [Decimal(str(row[at[t]])) for t in ("Spot price", "VAT", "Flat price")]
        assert sum(parts) == Decimal(str(row[at["Energy cost"]])), row
    for line in st_.lines:
        sheet = next(ws for ws in book.worksheets if ws.title.startswith(line.name[:20]))
        cells = list(sheet.iter_rows(values_only=True))
        head = next(i for i, r in enumerate(cells) if r[0] == "By component")
        block = []
        for r in cells[head + 2:]:
            if r[0] is None or r[0] == "":
                break
            block.append(r)
        assert cells[head + 1][0] == "Component"
        *parts, total_row = block
        assert [r[0] for r in parts] == ["Spot price", "VAT", "Flat price"] and total_row[0] == "Energy cost"
        assert sum(Decimal(str(r[3])) for r in parts) == Decimal(str(total_row[3])) == line.energy_cost
        assert [Decimal(str(r[2])) for r in parts] == [line.component_kwh.get(c, 0) for c in st_.components]
    store.close()


@pytest.mark.parametrize("unit", ["hour", "quarter"])
def test_missing_spot_prices_leave_kwh_unpriced_and_the_note_names_the_days(tmp_path, unit):
    start = datetime(2026, 3, 28, 23, tzinfo=OSLO)   # runs into the DST day
    store = load(tmp_path, [record("a", "kari", start, start + timedelta(hours=2), 2000)])
    tariffs.add_version(store, "styret", date(2026, 1, 1), "0",
                        formula={"kind": "formula", "price_area": "NO2", "spot": True})
    length = timedelta(hours=1) if unit == "hour" else Q
    add_spot(store, "NO2", {start.astimezone(UTC) + k * length: (length, Decimal("1")) for k in range(1 if unit == "hour"
                                                                                                     else 4)})
    st_ = statements.build_statements(store, system_scope(), statements.StatementRequest(date(2026, 3, 1),
                                                                                           date(2026, 3, 31)))
    (kari,) = st_.lines
    assert kari.unpriced_kwh == Decimal("1") and kari.raw_components["spot"] == Decimal("1")
    assert any("NO2" in n and "29" in n and "missing" in n for n in st_.notes), st_.notes
    store.close()


def test_the_pdf_prints_the_components_adding_up_to_the_energy_cost(tmp_path):
    from pypdf import PdfReader  # noqa: PLC0415

    from chargeboard import pdf  # noqa: PLC0415

    store = _mixed_store(tmp_path)
    scope = system_scope()
    st_ = statements.build_statements(store, scope, statements.StatementRequest(date(2026, 1, 1), date(2026, 1, 31)))
    kari = next(x for x in st_.lines if x.user_id == "u-kari")
    data, _name = pdf.statements_pdf(store, scope, st_, user_id="u-kari", log=False)
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())
    assert "By component" in text
    for title, amount in (("Spot price", kari.components["spot"]), ("VAT", kari.components["vat"]),
                          ("Flat price", kari.components["flat"]), ("Energy cost", kari.energy_cost)):
        assert f"{title} " in text and statements.money_text(amount, "NOK") in text.split(title, 1)[1][:40], title
    assert kari.components["spot"] + kari.components["vat"] + kari.components["flat"] == kari.energy_cost
    assert "What the lines mean" in text and "Spot price: the market price" in " ".join(text.split())
    store.close()


def test_a_session_running_past_the_price_table_is_priced_by_a_longer_one(tmp_path):
    """Dated 31 January, charging 0.1 kWh an hour for 50 hours: the price table of a day past the
    period's end is too short, so the quarters it reaches are priced too: none is left unpriced."""
    start = datetime(2026, 1, 31, 20, tzinfo=OSLO)
    store = load(tmp_path, [record("long", "kari", start, start + timedelta(hours=50), 5000)])
    tariffs.add_version(store, "styret", date(2026, 1, 1), "0",
                        formula={"kind": "formula", "price_area": "NO1", "spot": True})
    add_spot(store, "NO1", {start.astimezone(UTC) + timedelta(hours=h): (timedelta(hours=1), Decimal(h))
                            for h in range(50)})
    (kari,) = statements.build_statements(store, system_scope(), statements.StatementRequest(
        date(2026, 1, 1), date(2026, 1, 31))).lines
    assert kari.unpriced_kwh == 0
    assert kari.raw_components["spot"] == sum(Decimal(h) for h in range(50)) * Decimal("0.1")
    store.close()


def test_a_flat_statement_has_its_energy_cost_in_the_flat_csv_column(tmp_path):
    start = datetime(2026, 1, 5, 18, tzinfo=OSLO)
    store = load(tmp_path, [record("a", "kari", start, start + timedelta(hours=1), 1234)])
    tariffs.add_version(store, "styret", date(2025, 1, 1), "1.50")
    st_ = statements.build_statements(store, system_scope(), statements.StatementRequest(date(2026, 1, 1),
                                                                                           date(2026, 1, 31)))
    assert st_.components == () and st_.lines[0].components == {}
    text, _name = statements.csv_text(store, system_scope(), st_, log=False)
    row = next(csv.DictReader(io.StringIO(text, newline="")))
    assert row["flat"] == row["energy_cost"] == "1.85" and row["spot"] == "0.00"
    store.close()


@pytest.fixture
def formula_app_env(tmp_path, auth_template, monkeypatch):
    """The app on the test co-op's store with a formula tariff (spot, VAT) and a month of spot prices."""
    import support  # noqa: PLC0415
    from conftest import serve_in_app  # noqa: PLC0415

    db = support.build_coop_db(tmp_path)
    store = Store(db)
    try:
        tariffs.add_version(store, "styret", date(2024, 1, 1), "1.25")
        tariffs.add_version(store, "styret", date(2025, 2, 1), "0",
                            formula={"kind": "formula", "price_area": "NO1", "spot": True, "vat_rate": "0.25"})
        first = datetime(2025, 1, 31, 23, tzinfo=UTC)
        add_spot(store, "NO1", {first + timedelta(hours=h): (timedelta(hours=1), Decimal("0.8") + Decimal(h % 24) / 100)
                                for h in range(24 * 60)})
    finally:
        store.close()
    yield from serve_in_app(db, auth_template, tmp_path, monkeypatch)


def test_the_statements_page_shows_the_components(formula_app_env):
    import support  # noqa: PLC0415
    from test_app import page_as  # noqa: PLC0415

    at = page_as(support.STYRET, "statements")
    next(s for s in at.selectbox if s.label == "Period").set_value("Custom").run()
    next(d for d in at.date_input if d.label.startswith("From")).set_value((date(2025, 1, 1), date(2025, 3, 31))).run()
    assert not at.exception, at.exception
    frame = at.dataframe[0].value
    assert {"component_spot", "component_vat", "component_flat"} <= set(frame.columns)
    assert frame["component_spot"].sum() > 0 and frame["component_flat"].sum() > 0
    for _i, row in frame.iterrows():
        parts = Decimal(str(row["component_spot"])) + Decimal(str(row["component_vat"])) \
            + Decimal(str(row["component_flat"]))
        assert abs(parts - Decimal(str(row["energy_cost"]))) < Decimal("0.001"), row
    assert any("came from" in i.value for i in at.info), [i.value for i in at.info]
    # what each line means, in plain words, for whoever reads the statement
    explained = next(e for e in at.expander if e.label == "What the lines mean")
    text = " ".join(m.value for m in explained.markdown)
    assert "**Spot price**: the market price" in text and "**VAT**: 25 % VAT" in text and "**Flat price**" in text


def test_the_price_table_is_in_whole_hours_only_when_every_hour_has_one_price(tmp_path):
    from chargeboard.pricing import energy, formula  # noqa: PLC0415

    store = load(tmp_path, [])
    start = datetime(2026, 3, 28, 23, tzinfo=UTC)
    hourly = {start + timedelta(hours=h): (timedelta(hours=1), Decimal(h)) for h in range(48)}
    add_spot(store, "NO1", hourly)
    f = formula.parse({"kind": "formula", "price_area": "NO1", "spot": True, "vat_rate": "0.25"})
    table = energy.price_table(store, f, "Europe/Oslo", start, start + timedelta(days=2), None)
    assert table.step_minutes == 60 and len(table.quarters) == 48
    add_spot(store, "NO1", {start + timedelta(days=2): (Q, Decimal(1))})
    table = energy.price_table(store, f, "Europe/Oslo", start, start + timedelta(days=2, hours=1), None)
    assert table.step_minutes == 15 and len(table.quarters) == 49 * 4
    store.close()


def test_shared_standby_in_a_formula_month_is_priced_at_the_months_mean_price(tmp_path):
    """Spot 1.00 and 2.00 kr in turns, VAT 25 %: the month's mean is 1.875 kr/kWh, what the shared standby
    costs (as a flat month's at its day-average price)."""
    from chargeboard import meters  # noqa: PLC0415

    start = datetime(2026, 1, 5, 18, tzinfo=OSLO)
    store = load(tmp_path, [record("a", "kari", start, start + timedelta(hours=1), 1000),
                            record("b", "ola", start + timedelta(days=1), start + timedelta(days=1, hours=1), 3000)])
    tariffs.add_version(store, "styret", date(2026, 1, 1), "0",
                        formula={"kind": "formula", "price_area": "NO1", "spot": True, "vat_rate": "0.25"})
    first = datetime(2025, 12, 31, 23, tzinfo=UTC)
    add_spot(store, "NO1", {first + timedelta(hours=h): (timedelta(hours=1), Decimal(1 + h % 2)) for h in range(31 * 24)})
    meters.register_meter(store, "M", "Garage A")
    for at, kwh in (("2026-01-01T00:00:00", "0"), ("2026-02-01T00:00:00", "30")):
        meters.add_reading(store, "styret", "M", datetime.fromisoformat(at), kwh)
    st_ = statements.build_statements(store, system_scope(), statements.StatementRequest(
        date(2026, 1, 1), date(2026, 1, 31), standby_share="equal"))
    assert st_.shared_kwh["standby"] > 0
    raw = sum((x.raw["standby_share"] for x in st_.lines), Decimal(0))
    assert raw == st_.shared_kwh["standby"] * Decimal("1.875")
    assert st_.totals["standby_share"] == raw.quantize(ORE, ROUND_HALF_UP)
    store.close()
