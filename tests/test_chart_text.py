"""Chart text is text (issue 8, item 8): names from a feed reach plotly escaped, so a station,
user or tag called `<a href="http://x">click</a>` is drawn as those characters, never as a live
link or styled text (plotly renders <a href>, <b>, <br>, <span style> in every string it draws)."""

from __future__ import annotations

import json
from datetime import date, datetime

import plotly.io as pio
import pytest
from support import zaptec_record

from chargeboard import dashboard, reports, theme
from chargeboard.history import SessionFilter
from chargeboard.ingest import ingest_file
from chargeboard.scope import system_scope

LINK = '<a href="http://x">click</a>'
BOLD = "<b>x</b>"
STYLED = '<span style="font-size:80px">Big</span><br>'
MARCH = (date(2025, 3, 1), date(2025, 3, 31))


@pytest.fixture
def hostile(store, feeds):
    records = [
        zaptec_record("s1", station="chg-1", station_name=LINK, user_id="u-1", user_name=BOLD, tag=STYLED,
                      start=datetime(2025, 3, 3, 10), kwh=9.0),
        zaptec_record("s2", station="chg-2", station_name=STYLED, user_id="u-2", user_name=LINK, tag=BOLD,
                      start=datetime(2025, 3, 4, 10), kwh=4.0),
        zaptec_record("s3", station="chg-3", station_name=BOLD, user_id="u-3", user_name=STYLED, tag=LINK,
                      start=datetime(2025, 3, 5, 10), kwh=2.0),
    ]
    ingest_file(store, feeds.zaptec(records))
    return store


def figures(store) -> dict[str, object]:
    scope, month = system_scope(), SessionFilter(*MARCH)
    made = {}
    for by in reports.GROUPINGS:
        report = reports.build_report(store, scope, reports.ReportRequest(month, by=by))
        made[f"report-{by}"] = reports.entity_chart(report)
        made[f"monthly-{by}"] = reports.monthly_chart(report)
    request = dashboard.DashboardRequest(*MARCH)
    made["utilisation"] = dashboard.utilisation_chart(dashboard.station_utilisation(store, scope, request))
    return made


def test_feed_names_reach_plotly_as_escaped_text(hostile):
    for key, fig in figures(hostile).items():
        text = pio.to_json(fig)
        decoded = json.dumps(json.loads(text), ensure_ascii=False)  # undo JSON's \u002f etc.
        for markup in ("<a ", "</a>", "<b>", "</b>", "<span", "<br>"):
            assert markup not in decoded, (key, markup)
        assert "&lt;" in decoded, key  # the names are there, as text


def test_each_kind_of_name_is_shown_as_typed(hostile):
    made = figures(hostile)
    station_fig = made["report-station"]
    assert set(station_fig.data[0].y) == {theme.as_text(n) for n in (LINK, STYLED, BOLD)}
    assert "&lt;a href=\"http://x\"&gt;click&lt;/a&gt; charged the most" in station_fig.layout.title.text
    legend = {trace.name for trace in made["monthly-user"].data}
    assert legend == {theme.as_text(n) for n in (LINK, STYLED, BOLD)}
    assert all("%{fullData.name}" in t.hovertemplate for t in made["monthly-user"].data)
    assert set(made["utilisation"].data[0].y) == {theme.as_text(n) for n in (LINK, STYLED, BOLD)}


def test_as_text_leaves_numbers_and_dates_alone():
    import numpy as np  # noqa: PLC0415

    numbers = np.array([1.5, 2.5])
    assert theme.as_text(numbers) is numbers
    assert theme.as_text(("a&b", 3)) == ("a&amp;b", 3)
    assert list(theme.as_text(np.array([["<i>", 1]], dtype=object))[0]) == ["&lt;i&gt;", 1]
