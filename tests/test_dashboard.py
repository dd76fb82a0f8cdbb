"""Board dashboard: KPIs, comparisons, trend, utilisation and heatmap on a fixture with known answers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from board_fixture import MARCH, RECORDS, load, record

from chargeboard import dashboard, theme
from chargeboard.scope import CHARGER_OWNER, system_scope
from chargeboard.scope import Scope as ScopeCls

OWNER = system_scope()


@pytest.fixture
def board(store, feeds):
    return load(store, feeds)


def test_hours_in():
    assert dashboard.hours_in(*MARCH) == 744


def test_kpis_and_comparisons(board):
    k = dashboard.kpi_comparison(board, OWNER, dashboard.DashboardRequest(*MARCH))
    now = k.current
    assert (now.sessions, now.energy_kwh, now.active_users, now.stations) == (3, Decimal("22.500"), 2, 2)
    assert now.kwh_per_session == Decimal("7.500")
    assert now.occupied_hours == pytest.approx(4.0)
    assert now.utilisation == pytest.approx(4 / (2 * 744))
    # March is compared with February (the calendar month before), not "29 Jan – 28 Feb"
    assert (k.previous.date_from, k.previous.date_to) == (date(2025, 2, 1), date(2025, 2, 28))
    assert (k.previous.sessions, k.previous.energy_kwh, k.previous.active_users) == (1, Decimal("10.000"), 1)
    assert (k.last_year.sessions, k.last_year.energy_kwh) == (1, Decimal("4.000"))
    assert k.change("energy_kwh") == pytest.approx(1.25)
    assert k.change("sessions") == pytest.approx(2.0)
    assert k.change("utilisation") == pytest.approx(4 / 1488 - 1 / (2 * 28 * 24))
    assert dashboard.format_change("energy_kwh", k.change("energy_kwh")) == "+125 %"
    assert dashboard.format_kpi("utilisation", now.utilisation) == "0.3"
    # The data starts on 5 March 2024 (the clock-reset session of 2000 is no start): March 2024 is only
    # partly covered, so no "+463 %" against it, but the reason.
    assert k.first_data == date(2024, 3, 5)
    assert k.change("energy_kwh", "last_year") is None
    assert k.partial_note("last_year") == "partial data: data only from 5 Mar 2024"
    assert k.partial_note("previous") is None


def test_partial_current_period_and_a_period_not_over(board):
    request = dashboard.DashboardRequest(date(2024, 1, 1), date(2024, 12, 31))  # data from 5 March 2024
    k = dashboard.kpi_comparison(board, OWNER, request, today=date(2025, 4, 1))
    assert k.change("energy_kwh") is None and k.partial_note("previous") == "partial data: no data for 2023"
    running = dashboard.DashboardRequest(date(2025, 3, 1), date(2025, 3, 31))
    k = dashboard.kpi_comparison(board, OWNER, running, today=date(2025, 3, 20))
    assert k.partial_note("previous") == "partial data: March 2025 is not over yet"


def test_no_minus_zero():
    assert dashboard.format_change("energy_kwh", -0.004) == "0 %"
    assert dashboard.format_change("energy_kwh", 0.004) == "0 %"
    assert dashboard.format_change("utilisation", -0.0004) == "0.0 pp"
    assert dashboard.format_change("energy_kwh", -0.006) == "-1 %"
    assert dashboard.format_change("sessions", None) is None


def test_attribution_by_registration_counts_the_offline_session(board):
    k = dashboard.kpis_for(board, OWNER, dashboard.DashboardRequest(*MARCH, attribute_by="registered"), *MARCH)
    assert (k.sessions, k.energy_kwh) == (4, Decimal("28.500"))
    with pytest.raises(ValueError):
        dashboard.DashboardRequest(*MARCH, attribute_by="end").params()


def test_scope_limits_the_dashboard(board):
    owner = ScopeCls("per", CHARGER_OWNER, station_ids=("chg-2",))
    k = dashboard.kpis_for(board, owner, dashboard.DashboardRequest(*MARCH), *MARCH)
    assert (k.sessions, k.energy_kwh, k.stations) == (1, Decimal("5.000"), 1)


def test_charger_owner_board_counts_own_stations_and_shows_own_charging_elsewhere_apart(board):
    # u-1 owns chg-2 and charges at chg-1 (someone else's): the board counts chg-2 only.
    owner = ScopeCls("u1", CHARGER_OWNER, user_ids=("u-1",), station_ids=("chg-2",))
    view = dashboard.dashboard_view(board, owner, dashboard.DashboardRequest(*MARCH))
    now = view.kpis.current
    assert (now.sessions, now.energy_kwh, now.stations) == (1, Decimal("5.000"), 1)
    assert list(view.utilisation["station"]) == ["Station chg-2"]
    elsewhere = view.elsewhere
    assert (elsewhere.sessions, elsewhere.energy_kwh) == (2, Decimal("17.500"))
    assert elsewhere.stations == {"chg-1": "Station chg-1"}
    # Someone owning every station they charged at has no "elsewhere" section.
    only_own = ScopeCls("u2", CHARGER_OWNER, user_ids=("u-2",), station_ids=("chg-2",))
    assert dashboard.dashboard_view(board, only_own, dashboard.DashboardRequest(*MARCH)).elsewhere is None


def test_own_charging_elsewhere_names_the_stations_of_the_period_only(store, feeds):
    # u-1 owns chg-2; charged at chg-1 in February and March and at chg-3 in January only.
    load(store, feeds, [*RECORDS, record("j1", "chg-3", "u-1", datetime(2025, 1, 5, 10), 60, 3.0)])
    owner = ScopeCls("u1", CHARGER_OWNER, user_ids=("u-1",), station_ids=("chg-2",))

    def elsewhere(first, last):
        return dashboard.own_charging_elsewhere(store, owner, dashboard.DashboardRequest(first, last))

    march = elsewhere(*MARCH)
    assert march.stations == {"chg-1": "Station chg-1"}  # not chg-3, used in January
    assert (march.sessions, march.energy_kwh) == (2, Decimal("17.500"))
    january = elsewhere(date(2025, 1, 1), date(2025, 1, 31))
    assert january.stations == {"chg-3": "Station chg-3"}
    assert (january.sessions, january.energy_kwh) == (1, Decimal("3.000"))
    assert set(elsewhere(date(2025, 1, 1), date(2025, 3, 31)).stations) == {"chg-1", "chg-3"}
    assert elsewhere(date(2024, 1, 1), date(2024, 12, 31)) is None  # no own charging elsewhere that year


def test_monthly_trend_with_year_over_year(board):
    trend = dashboard.monthly_trend(board, OWNER, dashboard.DashboardRequest(*MARCH))
    assert len(trend) == 12 and trend["month"].iloc[0] == date(2024, 4, 1) and trend["month"].iloc[-1] == date(2025, 3, 1)
    march = trend.iloc[-1]
    assert (march["energy_kwh"], march["sessions"], march["last_year_kwh"]) == (Decimal("22.500"), 3, Decimal("4.000"))
    assert trend.iloc[-2]["energy_kwh"] == Decimal("10.000")
    assert dashboard.trend_title(trend).startswith("March 2025 was the busiest month: 22 kWh")
    assert dashboard.trend_title(trend).endswith("· 12 months +862 % on the year before")  # 38.5 (x1 dated June 2024 included) vs 4 kWh
    # The data starts 5 March 2024, inside the year before (April 2023 – March 2024): no percentage.
    assert dashboard.trend_title(trend, date(2024, 3, 5)).endswith("· the year before has data only from 5 Mar 2024")
    fig = dashboard.trend_chart(trend)
    assert fig.data[0].marker.color == theme.ENERGY and fig.layout.yaxis.title.text == "Energy (kWh)"


def test_station_utilisation(board):
    data = dashboard.station_utilisation(board, OWNER, dashboard.DashboardRequest(*MARCH))
    got = dict(zip(data["station"], data["utilisation"], strict=True))
    assert got == pytest.approx({"Station chg-1": 3 / 744, "Station chg-2": 1 / 744})
    assert dashboard.utilisation_title(data).startswith("Station chg-1 was occupied most: 0% of hours")
    assert dashboard.utilisation_chart(data).layout.xaxis.title.text == "Share of hours occupied (%)"


def test_start_heatmap(board):
    grid = dashboard.start_heatmap(board, OWNER, dashboard.DashboardRequest(*MARCH))
    assert grid.shape == (7, 24) and int(grid.to_numpy().sum()) == 3
    assert grid.loc[1, 11] == 1 and grid.loc[1, 9] == 1 and grid.loc[2, 17] == 1  # local time (UTC+1)
    assert dashboard.heatmap_title(grid).startswith("Most sessions start on Mondays")


def test_empty_scope_and_no_meter_seam(board):
    nobody = ScopeCls("x", CHARGER_OWNER)
    view = dashboard.dashboard_view(board, nobody, dashboard.DashboardRequest(*MARCH))
    assert view.is_empty and view.kpis.current.utilisation is None
    assert view.balance is None  # not the system owner, and no meter
    assert dashboard.trend_title(view.trend) == "No charging in these 12 months"


def test_chart_config_offers_png_download():
    config = theme.plotly_config("monthly-trend")
    assert config["toImageButtonOptions"]["format"] == "png"
    assert config["toImageButtonOptions"]["filename"] == "chargeboard-monthly-trend"


def test_the_utilisation_chart_shows_the_busiest_stations_of_a_large_installation():
    """Thousands of stations drew a chart tens of thousands of pixels tall: the chart shows the
    busiest, the caption says how many of how many, and the title still speaks of them all."""
    import pandas as pd  # noqa: PLC0415

    many = pd.DataFrame({"station": [f"Station {n:04d}" for n in range(2024)],
                         "utilisation": [1 - n / 4000 for n in range(2024)],
                         "occupied_hours": [100.0] * 2024, "sessions": [5] * 2024})
    figure = dashboard.utilisation_chart(many)
    assert len(figure.data[0].y) == dashboard.UTILISATION_BARS
    assert set(figure.data[0].y) == {f"Station {n:04d}" for n in range(dashboard.UTILISATION_BARS)}  # the busiest
    assert figure.layout.height < 1500
    assert dashboard.utilisation_note(many) == ("The 30 most occupied of 2,024 stations. Every station's charging "
                                                "time is in Charge reports, by charging station.")
    assert dashboard.utilisation_note(many.head(12)) is None
    assert "Station 0000" in dashboard.utilisation_title(many) and "on average" in dashboard.utilisation_title(many)
