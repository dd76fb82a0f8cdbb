"""The app in a real browser against a real server: what AppTest cannot show.

* On a freshly started server, a direct request for a page file runs it without app.py
  (stack-facts.md, trap 1): every URL must still show only the login form.
* The remember-me cookie, the canvas-drawn table and the filter widgets as a person uses them.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import support
import yaml
from browser_support import (
    assert_not_sent,
    choose,
    log_in,
    metric_value,
    one,
    options_of,
    page_text,
    sent_to,
    wait_idle,
    wait_table_rows,
)

from chargeboard import web

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    yield opened
    context.close()


def page_paths() -> list[str]:
    """"/", "/history" and every page file's URL path (st.Page's default: the file's stem)."""
    stems = {Path(p.file).stem for p in web.PAGES} | {p.stem for p in (ROOT / "pages").glob("*.py")}
    return ["/", "/history", *sorted(f"/{stem}" for stem in stems - {"history"})]


def assert_login_form_only(page, where: str) -> None:
    assert page.get_by_role("textbox", name="Username").is_visible(), where
    assert page.get_by_role("textbox", name="Password").is_visible(), where
    assert page.locator("[data-testid='stDataFrame']").count() == 0, where
    assert page.locator("[data-testid='stMetric']").count() == 0, where
    text = page_text(page)
    for name in support.FEED_NAMES:
        assert name not in text, (where, name)
    # nor in any table or chart data the page was sent (since its last action, e.g. logging out)
    assert_not_sent(page, support.FEED_NAMES, since_last_request=True)
    assert "Logged in as" not in text, where


def test_fresh_server_shows_only_the_login_form_at_every_url(browser, start_server, auth_template, tmp_path):
    db = support.build_coop_db(tmp_path / "fresh")
    server = start_server(support.test_env(db, auth_template, tmp_path / "no-cookie-key"), name="fresh")
    context = browser.new_context()
    try:
        paths = page_paths()
        # Page URLs first: before any session has run st.navigation, they run the page files
        # themselves. The tabs load side by side; each is its own session.
        tabs = {}
        for path in [*paths[1:], paths[0]]:
            tabs[path] = context.new_page()
            tabs[path].goto(server.url + path, wait_until="commit")
        for path, tab in tabs.items():
            # Whatever the page draws first: the login form, or what must never be there.
            tab.wait_for_selector("input[aria-label='Username'], [data-testid='stDataFrame'], "
                                  "[data-testid='stMetric'], [data-testid='stException']", timeout=30_000)
            wait_idle(tab)
            assert_login_form_only(tab, path)
    finally:
        context.close()
    log = server.log_text()
    assert "Traceback" not in log, log


def _all_time(page) -> None:
    """On the history page (not a page shown on the way, with its own Period), period "All time"."""
    one(page.get_by_role("heading", name="Charge history"))
    wait_idle(page)
    choose(page, "Period", "All time")
    page.locator("[data-testid='stDataFrame']").first.wait_for()


def test_resident_sees_only_own_sessions(page, served_app):
    log_in(page, served_app.url + "/history", support.RESIDENT)
    assert "Logged in as Kari Nordmann" in page_text(page)
    assert page.get_by_role("textbox", name="Password").count() == 0  # the login form is gone
    _all_time(page)
    assert metric_value(page, "Sessions") == str(len(support.COOP_VISIBLE["kari"]))
    kwh = sum(Decimal(str(support.COOP_KWH[s])) for s in support.COOP_VISIBLE["kari"])
    assert metric_value(page, "Energy") == f"{kwh:,.3f} kWh"
    assert page.locator("[data-testid='stDataFrame']").count() == 1
    assert wait_table_rows(page, len(support.COOP_VISIBLE["kari"])) == len(support.COOP_VISIBLE["kari"])
    # Table cells are drawn on a canvas: what the page was sent is where a name would be.
    assert support.KARI.tag.encode() in sent_to(page)  # her own rows did travel
    assert_not_sent(page, [n for p in (support.OLA, support.PER, support.EVE) for n in (p.name, p.tag, p.user_id)])
    text = page_text(page)
    for person in (support.OLA, support.PER, support.EVE):
        assert person.name not in text and person.tag not in text
    # The filters offer hers alone.
    assert options_of(page, "User") == [support.KARI.name]
    assert options_of(page, "RFID tag") == [support.KARI.tag]


def test_system_owner_station_filter_narrows_table_and_totals(page, served_app):
    log_in(page, served_app.url + "/history", support.STYRET)
    _all_time(page)
    everything = support.COOP_VISIBLE["styret"]
    assert metric_value(page, "Sessions") == str(len(everything))
    assert wait_table_rows(page, len(everything)) == len(everything)

    choose(page, "Charging station", "Garasje A1 · ZAP-A1")  # a station by its name and serial
    on_a1 = {s for s in everything if support.COOP_STATION[s] == "chg-a1"}
    page.wait_for_function(
        "n => [...document.querySelectorAll(\"[data-testid='stMetricValue']\")].some(e => e.innerText.trim() === n)",
        arg=str(len(on_a1)))
    assert metric_value(page, "Sessions") == str(len(on_a1))
    kwh = sum(Decimal(str(support.COOP_KWH[s])) for s in on_a1)
    assert metric_value(page, "Energy") == f"{kwh:,.3f} kWh"
    assert wait_table_rows(page, len(on_a1)) == len(on_a1)


def test_remembered_login_logout_and_a_removed_account(browser, start_server, auth_template, tmp_path):
    # Its own server and accounts file: the test removes an account.
    db = support.build_coop_db(tmp_path / "cookie")
    auth = tmp_path / "auth.yaml"
    auth.write_bytes(auth_template.read_bytes())
    server = start_server(support.test_env(db, auth, tmp_path / "no-cookie-key"), name="cookie")
    context = browser.new_context()
    try:
        first = context.new_page()
        log_in(first, server.url + "/", support.RESIDENT2)
        second = context.new_page()  # a new session of the same browser: the cookie logs it in
        second.goto(server.url + "/history")
        second.get_by_text("Logged in as Ola Hansen").wait_for()
        wait_idle(second)
        assert second.get_by_role("textbox", name="Password").count() == 0

        second.get_by_role("button", name="Log out").click()  # the login form at once, no data
        second.get_by_role("textbox", name="Password").wait_for()
        wait_idle(second)
        assert_login_form_only(second, "after logout")
        third = context.new_page()  # the cookie is gone too
        third.goto(server.url + "/history")
        third.get_by_role("textbox", name="Password").wait_for()
        wait_idle(third)
        assert_login_form_only(third, "new tab after logout")

        # Remembered by the cookie, then removed from auth.yaml: a new visit asks for a login.
        log_in(third, server.url + "/history", support.RESIDENT2)
        config = yaml.safe_load(auth.read_text(encoding="utf-8"))
        del config["credentials"]["usernames"][support.RESIDENT2.username]
        auth.write_text(yaml.safe_dump(config), encoding="utf-8")
        fourth = context.new_page()
        fourth.goto(server.url + "/history")
        fourth.wait_for_selector("input[aria-label='Username'], [data-testid='stException']")
        wait_idle(fourth)
        assert fourth.locator("[data-testid='stException']").count() == 0, page_text(fourth)
        assert_login_form_only(fourth, "removed account")
        log_in(fourth, server.url + "/history", support.RESIDENT)  # someone else can still log in
        assert "Logged in as Kari Nordmann" in page_text(fourth)
    finally:
        context.close()
    assert "Traceback" not in server.log_text()


def test_fresh_server_offers_no_page_names_before_login(browser, start_server, auth_template, tmp_path):
    db = support.build_coop_db(tmp_path / "names")
    server = start_server(support.test_env(db, auth_template, tmp_path / "no-cookie-key"), name="names")
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.goto(server.url + "/history")
        tab.get_by_role("textbox", name="Username").wait_for()
        wait_idle(tab)
        links = tab.locator("[data-testid='stSidebarNavLink']").all_inner_texts()
        assert links == [], links
        shown = page_text(tab)
        assert not [p.title for p in web.PAGES if p.title in shown], shown
    finally:
        context.close()
