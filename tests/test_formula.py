"""The tariff formula (chargeboard/pricing/formula.py): reading it, its errors, and each component's
price for one interval, checked against the rules written out by hand (issue 29, FORMULA.md)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st

from chargeboard.pricing import formula
from chargeboard.pricing.formula import FormulaError, component_prices, norwegian_holidays, parse

OSLO = ZoneInfo("Europe/Oslo")
D = Decimal

FULL = {
    "kind": "formula", "price_area": "NO1", "spot": True, "markup_per_kwh": "0.0500",
    "grid": {"day": "0.3600", "night": "0.2600", "night_hours": [22, 6], "weekend_is_night": True,
             "holiday_is_night": True, "winter_months": [1, 2, 3], "winter_day": "0.4100", "winter_night": "0.3100"},
    "consumption_tax": [{"from": "2025-04-01", "per_kwh": "0.1693"}, {"from": "2025-01-01", "per_kwh": "0.0979"}],
    "enova_fee": [{"from": "2024-01-01", "per_kwh": "0.0100"}],
    "vat_rate": "0.25",
    "support": {"share": "0.90", "threshold_by_year": {"2024": "0.73", "2025": "0.75", "2026": "0.77"}},
    "norgespris": {"from": "2026-10-01", "per_kwh": "0.40"},
    "capacity": {"rule": "top3_days", "share_with_residents": True,
                 "steps": [{"from_kw": "0", "to_kw": "2", "per_month": "150"},
                           {"from_kw": "2", "to_kw": "5", "per_month": "250"},
                           {"from_kw": "5", "per_month": "415"}]},
}


def local(text: str) -> datetime:
    """An aware instant from an Oslo wall-clock time."""
    return datetime.fromisoformat(text).replace(tzinfo=OSLO).astimezone(UTC)


def with_(**changes) -> dict:
    data = copy.deepcopy(FULL)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


# -- reading and writing ----------------------------------------------------------------------------

def test_parse_and_as_json_round_trip():
    parsed = parse(FULL)
    assert parse(parsed.as_json()) == parsed
    assert parse(json.dumps(parsed.as_json())) == parsed  # from JSON text as stored in the column
    summer_prices = parse({"kind": "formula", "grid": {"day": "0.3", "winter_day": "0.4"}})
    assert parse(summer_prices.as_json()) == summer_prices  # winter prices kept even before months are set
    assert parsed.consumption_tax[0].valid_from == date(2025, 1, 1)  # steps sorted by date
    assert parsed.capacity.steps[-1].to_kw is None
    assert parsed.as_json()["grid"]["winter_night"] == "0.3100"
    assert parse({"kind": "cost_price"}).as_json() == {"kind": "cost_price"}
    assert parse({"kind": "formula"}).as_json() == {"kind": "formula"}
    assert parse(FULL).components() == ("spot", "norgespris", "markup", "grid", "tax", "enova", "vat", "support")


def test_a_decimal_comma_is_read_as_a_point():
    assert parse(with_(markup_per_kwh="0,05")).markup == D("0.05")


@pytest.mark.parametrize(("changes", "field"), [
    ({"price_area": "NO9"}, "price_area"),
    ({"price_area": None}, "price_area"),                      # spot without a price area
    ({"vat_rate": "25"}, "vat_rate"),
    ({"markup_per_kwh": "-0.01"}, "markup_per_kwh"),
    ({"markup_per_kwh": "abc"}, "markup_per_kwh"),
    ({"markup_per_kwh": "0.0000001"}, "markup_per_kwh"),       # more than 6 decimals
    ({"kind": "flat"}, "kind"),
    ({"spot": "yes"}, "spot"),
    ({"surcharge": "1"}, "surcharge"),                         # unknown key
    ({"consumption_tax": [{"from": "2025-13-01", "per_kwh": "0.1"}]}, "consumption_tax[0].from"),
    ({"consumption_tax": [{"from": "1.1.2025", "per_kwh": "0.1"}]}, "consumption_tax[0].from"),
    ({"enova_fee": [{"from": "2024-01-01", "per_kwh": "x"}]}, "enova_fee[0].per_kwh"),
    ({"enova_fee": [{"from": "2024-01-01", "per_kwh": "0.01"}, {"from": "2024-01-01", "per_kwh": "0.02"}]},
     "enova_fee"),
    ({"enova_fee": {"from": "2024-01-01"}}, "enova_fee"),
    ({"norgespris": {"from": "oct 2025", "per_kwh": "0.40"}}, "norgespris.from"),
    ({"grid": {"day": "0.36", "night": "0.26", "night_hours": [22, 24]}}, "grid.night_hours[1]"),
    ({"grid": {"day": "0.36", "night": "0.26", "night_hours": [22]}}, "grid.night_hours"),
    ({"grid": {"day": "0.36", "night": "0.26", "night_hours": [6, 6]}}, "grid.night_hours"),
    ({"grid": {"night": "0.26"}}, "grid.day"),
    ({"grid": {"day": "0.36", "winter_months": [0]}}, "grid.winter_months"),
    ({"support": {"share": "90"}}, "support.share"),
    ({"support": {"share": "0.9", "threshold_by_year": {"twenty": "0.75"}}}, "support.threshold_by_year"),
    ({"support": {"share": "0.9", "threshold_by_year": {"2025": "-1"}}}, "support.threshold_by_year.2025"),
    ({"capacity": {"rule": "top5", "steps": FULL["capacity"]["steps"]}}, "capacity.rule"),
    ({"capacity": {"rule": "max_hour", "steps": []}}, "capacity.steps"),
    ({"capacity": {"rule": "max_hour", "steps": [{"from_kw": "0", "to_kw": "2", "per_month": "150"},
                                                  {"from_kw": "1", "to_kw": "5", "per_month": "250"}]}},
     "capacity.steps"),                                        # overlapping
    ({"capacity": {"rule": "max_hour", "steps": [{"from_kw": "0", "to_kw": "2", "per_month": "150"},
                                                  {"from_kw": "3", "to_kw": "5", "per_month": "250"}]}},
     "capacity.steps"),                                        # a gap
    ({"capacity": {"rule": "max_hour", "steps": [{"from_kw": "0", "per_month": "150"},
                                                  {"from_kw": "2", "per_month": "250"}]}},
     "capacity.steps"),                                        # an open step before another
    ({"capacity": {"rule": "max_hour", "steps": [{"from_kw": "2", "to_kw": "1", "per_month": "150"}]}},
     "capacity.steps[0]"),                                     # ends before it starts
    ({"capacity": {"rule": "max_hour", "steps": [{"from_kw": "0", "to_kw": "2"}]}}, "capacity.steps[0].per_month"),
    ({"capacity": {"rule": "max_hour", "steps": FULL["capacity"]["steps"], "share_with_residents": "no"}},
     "capacity.share_with_residents"),
])
def test_every_error_names_the_field(changes, field):
    with pytest.raises(FormulaError, match=field.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        parse(with_(**changes))


def test_errors_of_the_whole_formula():
    with pytest.raises(FormulaError, match="not valid JSON"):
        parse("{kind: formula")
    with pytest.raises(FormulaError, match="formula must be an object"):
        parse("[1, 2]")
    with pytest.raises(FormulaError, match="strømstøtte is computed on the spot price"):
        parse({"kind": "formula", "support": {"share": "0.9"}})
    with pytest.raises(FormulaError, match="cost-price tariff takes no other components: spot"):
        parse({"kind": "cost_price", "spot": True})


# -- the grid's rules --------------------------------------------------------------------------------

GRID = parse({"kind": "formula", "grid": {"day": "0.36", "night": "0.26", "night_hours": [22, 6],
                                           "weekend_is_night": True, "holiday_is_night": True}})


def grid_at(text: str, f=GRID) -> Decimal:
    return component_prices(f, local(text), "Europe/Oslo", D("1"))["grid"]


@pytest.mark.parametrize(("when", "price"), [
    ("2026-05-12T21:59", "0.36"),   # a Tuesday evening
    ("2026-05-12T22:00", "0.26"),   # night from 22:00 local
    ("2026-05-13T05:59", "0.26"),
    ("2026-05-13T06:00", "0.36"),   # day again at 06:00
    ("2026-05-16T12:00", "0.26"),   # a Saturday
    ("2026-05-17T12:00", "0.26"),   # 17 May (a Sunday in 2026, so also the weekend)
    ("2027-05-17T12:00", "0.26"),   # 17 May 2027 is a Monday: the holiday alone
    ("2026-04-06T12:00", "0.26"),   # Easter Monday 2026
    ("2026-04-02T12:00", "0.26"),   # Maundy Thursday
    ("2026-04-07T12:00", "0.36"),   # the Tuesday after
    ("2026-05-14T12:00", "0.26"),   # Ascension Day 2026
    ("2026-12-24T12:00", "0.36"),   # Christmas Eve is not a public holiday
])
def test_night_weekend_and_holiday(when, price):
    assert grid_at(when) == D(price)


def test_weekend_and_holiday_are_day_unless_asked():
    plain = parse({"kind": "formula", "grid": {"day": "0.36", "night": "0.26"}})
    assert grid_at("2026-05-16T12:00", plain) == D("0.36")   # Saturday
    assert grid_at("2027-05-17T12:00", plain) == D("0.36")   # 17 May on a Monday
    assert grid_at("2026-05-16T23:00", plain) == D("0.26")   # the night band still applies
    weekend_only = parse({"kind": "formula", "grid": {"day": "0.36", "night": "0.26", "weekend_is_night": True}})
    assert grid_at("2027-05-17T12:00", weekend_only) == D("0.36")
    assert grid_at("2027-05-15T12:00", weekend_only) == D("0.26")


def test_a_night_band_that_does_not_wrap_midnight():
    early = parse({"kind": "formula", "grid": {"day": "0.36", "night": "0.26", "night_hours": [0, 6]}})
    assert grid_at("2026-05-12T23:00", early) == D("0.36")
    assert grid_at("2026-05-13T00:00", early) == D("0.26")
    assert grid_at("2026-05-13T06:00", early) == D("0.36")


def test_winter_months_have_their_own_prices_and_the_local_time_decides():
    f = parse(FULL)
    assert grid_at("2026-03-31T12:00", f) == D("0.41")       # March: winter day
    assert grid_at("2026-03-31T23:00", f) == D("0.31")       # winter night
    assert grid_at("2026-04-01T00:30", f) == D("0.26")       # 31 March 22:30 UTC is April in Oslo
    assert grid_at("2026-04-01T12:00", f) == D("0.36")
    only_day = parse({"kind": "formula", "grid": {"day": "0.36", "night": "0.26", "winter_months": [1],
                                                  "winter_day": "0.50"}})
    assert grid_at("2026-01-13T12:00", only_day) == D("0.50")
    assert grid_at("2026-01-13T23:00", only_day) == D("0.26")  # no winter night price: the night price


def test_dst_the_local_hour_decides():
    # 2026-10-25: clocks go back at 03:00; 00:00 and 01:00 UTC are 02:00 local twice -> night
    f = GRID
    for utc_hour in (0, 1):
        assert component_prices(f, datetime(2026, 10, 25, utc_hour, tzinfo=UTC), "Europe/Oslo", None)["grid"] == D("0.26")
    # 05:00 UTC on a winter Wednesday is 06:00 local: day
    assert component_prices(f, datetime(2026, 11, 4, 5, tzinfo=UTC), "Europe/Oslo", None)["grid"] == D("0.36")
    assert component_prices(f, datetime(2026, 11, 4, 4, 45, tzinfo=UTC), "Europe/Oslo", None)["grid"] == D("0.26")


# -- steps, VAT, strømstøtte, Norgespris -------------------------------------------------------------

def test_steps_apply_from_their_local_date():
    f = parse(FULL)
    before = component_prices(f, local("2025-03-31T23:59"), "Europe/Oslo", D("0.5"))
    after = component_prices(f, local("2025-04-01T00:00"), "Europe/Oslo", D("0.5"))
    assert (before["tax"], after["tax"]) == (D("0.0979"), D("0.1693"))
    assert component_prices(f, local("2024-12-31T12:00"), "Europe/Oslo", D("0.5"))["tax"] == 0  # before any step
    assert component_prices(f, local("2023-12-31T12:00"), "Europe/Oslo", D("0.5"))["enova"] == 0
    assert after["enova"] == D("0.0100")


def test_vat_and_strømstøtte_by_hand():
    f = parse(FULL)
    # a Tuesday in June 2026, 12:00: day grid, threshold 0.77
    prices = component_prices(f, local("2026-06-09T12:00"), "Europe/Oslo", D("1.2345"))
    assert prices["spot"] == D("1.2345") and prices["norgespris"] == 0
    base = D("1.2345") + D("0.05") + D("0.36") + D("0.1693") + D("0.01")
    assert prices["vat"] == D("0.25") * base
    assert prices["support"] == -D("0.90") * (D("1.2345") - D("0.77")) * D("1.25")
    assert prices["cost_price"] == 0
    assert set(prices) == set(formula.COMPONENTS)
    # 2025's threshold in 2025
    in_2025 = component_prices(f, local("2025-06-10T12:00"), "Europe/Oslo", D("1.00"))
    assert in_2025["support"] == -D("0.90") * D("0.25") * D("1.25")


def test_strømstøtte_is_zero_at_or_under_the_threshold_and_without_one():
    f = parse(FULL)
    for spot in ("0.77", "0.50", "-0.10", "0"):
        assert component_prices(f, local("2026-06-09T12:00"), "Europe/Oslo", D(spot))["support"] == 0
    assert component_prices(f, local("2023-06-09T12:00"), "Europe/Oslo", D("3"))["support"] == 0  # no 2023 threshold
    no_vat = parse(with_(vat_rate="0", norgespris=None))
    prices = component_prices(no_vat, local("2026-06-09T12:00"), "Europe/Oslo", D("1.77"))
    assert prices["support"] == -D("0.90") and prices["vat"] == 0


@examples(max_examples=200, deadline=None)
@given(spot=st.decimals(min_value=-1, max_value=20, places=6), day=st.dates(date(2024, 1, 1), date(2026, 12, 31)),
       hour=st.integers(0, 23))
def test_strømstøtte_is_never_positive(spot, day, hour):
    f = parse(with_(norgespris=None))
    when = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
    prices = component_prices(f, when, "Europe/Oslo", spot)
    assert prices["support"] <= 0
    threshold = f.support_thresholds[when.astimezone(OSLO).year]
    assert (prices["support"] == 0) == (spot <= threshold)


def test_norgespris_replaces_spot_and_support_from_its_date():
    f = parse(FULL)  # Norgespris from 2026-10-01
    before = component_prices(f, local("2026-09-30T23:00"), "Europe/Oslo", D("2.00"))
    assert before["spot"] == D("2.00") and before["norgespris"] == 0 and before["support"] < 0
    after = component_prices(f, local("2026-10-01T00:00"), "Europe/Oslo", D("2.00"))
    assert after["spot"] == 0 and after["norgespris"] == D("0.40") and after["support"] == 0
    assert after["vat"] == D("0.25") * (D("0.40") + D("0.05") + D("0.26") + D("0.1693") + D("0.01"))
    # no spot price is needed under Norgespris
    assert component_prices(f, local("2026-10-02T12:00"), "Europe/Oslo", None)["norgespris"] == D("0.40")
    assert f.needs_spot_on(date(2026, 9, 30)) and not f.needs_spot_on(date(2026, 10, 1))


def test_norgespris_ends_after_its_last_day():
    data = copy.deepcopy(FULL)
    data["norgespris"]["until"] = "2026-12-31"  # the scheme's last day
    f = parse(data)
    assert parse(json.dumps(f.as_json())) == f and f.norgespris_until == date(2026, 12, 31)
    last = component_prices(f, local("2026-12-31T23:45"), "Europe/Oslo", D("2.00"))
    assert last["norgespris"] == D("0.40") and last["spot"] == 0
    after = component_prices(f, local("2027-01-01T00:00"), "Europe/Oslo", D("2.00"))
    assert after["norgespris"] == 0 and after["spot"] == D("2.00")
    assert f.needs_spot_on(date(2027, 1, 1)) and not f.needs_spot_on(date(2026, 12, 31))
    from chargeboard.pricing.describe import describe_formula  # noqa: PLC0415

    assert "Norgespris 40.00\u00a0øre from 1 Oct 2026 to 31 Dec 2026" in describe_formula(f)
    data["norgespris"]["until"] = "2026-09-30"
    with pytest.raises(FormulaError, match="norgespris.until"):
        parse(data)


def test_a_missing_price_is_none_not_a_guess():
    f = parse(FULL)
    assert component_prices(f, local("2026-06-09T12:00"), "Europe/Oslo", None) is None
    cost = parse({"kind": "cost_price"})
    assert component_prices(cost, local("2026-06-09T12:00"), "Europe/Oslo", None) is None
    assert component_prices(cost, local("2026-06-09T12:00"), "Europe/Oslo", None, D("1.8734")) == {"cost_price": D("1.8734")}
    # without spot in the formula nothing is missing
    fixed = parse({"kind": "formula", "markup_per_kwh": "1.10"})
    assert component_prices(fixed, local("2026-06-09T12:00"), "Europe/Oslo", None)["markup"] == D("1.10")


# -- holidays ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("year", "easter"), [(2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)),
                                              (2026, date(2026, 4, 5)), (2027, date(2027, 3, 28))])
def test_holidays_of_several_years(year, easter):
    days = norwegian_holidays(year)
    assert easter in days
    assert len(days) == (11 if year == 2027 else 12)  # 2027: Whit Monday is 17 May
    assert {date(year, 1, 1), date(year, 5, 1), date(year, 5, 17), date(year, 12, 25), date(year, 12, 26)} <= days
    fixed = {date(year, m, d) for m, d in ((1, 1), (5, 1), (5, 17), (12, 25), (12, 26))}
    moved = {date.fromordinal(easter.toordinal() + k) for k in (-3, -2, 0, 1, 39, 49, 50)}
    assert days == fixed | moved


def test_holidays_2026_by_name():
    days = norwegian_holidays(2026)
    for day in ("2026-04-02", "2026-04-03", "2026-04-05", "2026-04-06", "2026-05-14", "2026-05-24", "2026-05-25"):
        assert date.fromisoformat(day) in days
    assert date(2026, 12, 24) not in days and date(2026, 12, 31) not in days
