"""Bookmarks are language-neutral (issue 27, item 8g): a choice whose label is translated (the
period preset, the report's grouping, the dating, the offline filter) is kept in the address by a
code (?period=last-quarter&by=rfid), so a link opened by a reader of the other language opens the
same view; addresses bookmarked when they kept the shown text, in either language
(?period=Forrige+kvartal, ?by=User), still open it."""

from __future__ import annotations

import pytest
import support
from test_app import fresh, log_in, settle

from chargeboard import history, periods, reports, widgets
from chargeboard.i18n import _


def logged_in_on(page: str, login=support.STYRET, **query) -> object:
    at = fresh()
    at = settle(log_in(at, login.username, login.password))
    at.switch_page(page)
    for name, value in query.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_chosen_period_goes_into_the_address_as_a_code(app_env):
    at = logged_in_on("pages/history.py")
    at.selectbox(key="period").select("Last quarter").run()
    assert at.query_params["period"] == ["last-quarter"] or at.query_params["period"] == "last-quarter"


@pytest.mark.parametrize("written", ["last-quarter", "Last quarter", "Forrige kvartal"])
def test_a_period_in_the_address_opens_in_any_reader_language(app_env, written):
    at = logged_in_on("pages/history.py", period=written)
    assert at.selectbox(key="period").value == "Last quarter"


@pytest.mark.parametrize(("by", "dating"), [("rfid", "registered"), ("RFID tag", "date the charger cloud registered it"),
                                            ("RFID-brikke", None)])
def test_the_reports_grouping_and_dating_from_the_address(app_env, by, dating):
    query = {"by": by, **({"dating": dating} if dating else {})}
    at = logged_in_on("pages/reports.py", **query)
    assert at.button_group(key="by").value == "rfid"
    assert at.radio(key="dating").value == ("registered" if dating else "start")


def test_old_and_new_values_are_read_back_for_every_translated_choice():
    for option in periods.PRESETS:
        code = widgets.address_code(option)
        assert code.isascii() and " " not in code
        for text in (code, option, _(option)):
            assert widgets._from_address(text, periods.PRESETS, _) == option
    assert widgets._from_address("Forrige kvartal", periods.PRESETS, _) == "Last quarter"
    assert widgets._from_address("Bruker", list(reports.GROUPINGS), lambda k: _(reports.GROUPINGS[k])) == "user"
    assert widgets._from_address("Tomorrow", periods.PRESETS, _) is None
    statuses = list(history.STATUS_FILTERS)
    from chargeboard import i18n  # noqa: PLC0415
    with i18n.language("nb"):
        norwegian = history.status_filter_label("offline")
    assert widgets._from_address(norwegian, statuses, history.status_filter_label) == "offline"
    assert widgets._from_address("offline", statuses, history.status_filter_label) == "offline"
