"""Bookmarkable views (issue 10, item 3) in a real browser, on the co-op store: the page and its
filters live in the address; a reload and a fresh browser open the same view; the same address
opened by a resident shows only her own data (ids she may not see are dropped, never widening)."""

from __future__ import annotations

import time
from decimal import Decimal
from urllib.parse import urlencode

import pytest
import support
from browser_support import assert_not_sent, choose, log_in, metric_value, one, page_text, wait_idle

from chargeboard import web

# Q1 2025, station Garasje B1, users Kari and Ola (and one nobody may see), all sessions; the history page.
HISTORY_VIEW = "/history?" + urlencode({
    "period": "Custom", "period_dates": ["2025-01-01", "2025-03-31"], "installation": "Testlaget",
    "station": "Garasje B1 · ZAP-B1", "user": [support.KARI.name, support.OLA.name, "Nobody Known"]}, doseq=True)
ON_B1 = {"k2", "k3", "o2"}  # Kari's and Ola's counted sessions on B1 in Q1 2025


@pytest.fixture
def context(browser):
    opened = browser.new_context(viewport={"width": 1400, "height": 1100})
    yield opened
    opened.close()


def selected(page, label: str) -> list[str]:
    """The chips a multiselect shows as chosen."""
    box = page.locator("[data-testid='stMultiSelect']").filter(has=page.get_by_text(label, exact=True))
    return [t.strip() for t in box.locator("[data-tag] span[title]").all_inner_texts()]


def settled(read, expected, seconds: float = 20.0):
    """What `read()` shows once it equals `expected`, or what it shows at the deadline:
    a chip list is drawn in the browser a moment after the run that chose it."""
    deadline = time.monotonic() + seconds
    value = read()
    while value != expected and time.monotonic() < deadline:
        time.sleep(0.2)
        value = read()
    return value


def picked_dates(page) -> tuple[str, str]:
    """The custom period's two dates as shown (digits only, year first as the format says)."""
    def digits(end: str) -> str:
        group = one(page.get_by_role("group", name=f"From – to (both days included) {end} date"))
        return "".join(c for c in group.inner_text() if c.isdigit())
    return digits("start"), digits("end")


def kwh(sessions) -> str:
    return f"{sum(Decimal(str(support.COOP_KWH[s])) for s in sessions):,.3f} kWh"


def assert_history_view(page, users: list[str], sessions: set[str]) -> None:
    one(page.get_by_role("heading", name="Charge history"))
    wait_idle(page)
    # The page may still be drawing its filters after the login's run: wait for them, not a time.
    page.locator("[data-testid='stMetricValue']").first.wait_for(timeout=20_000)
    assert picked_dates(page) == ("20250101", "20250331")
    assert settled(lambda: selected(page, "Installation"), ["Testlaget"]) == ["Testlaget"]
    assert settled(lambda: selected(page, "Charging station"), ["Garasje B1 · ZAP-B1"]) == ["Garasje B1 · ZAP-B1"]
    assert settled(lambda: selected(page, "User"), users) == users
    assert metric_value(page, "Sessions") == str(len(sessions))
    assert metric_value(page, "Energy") == kwh(sessions)


def test_history_view_survives_reload_and_opens_the_same_in_a_fresh_browser(browser, context, served_app):
    page = context.new_page()
    log_in(page, served_app.url + HISTORY_VIEW, support.STYRET)
    assert_history_view(page, [support.KARI.name, support.OLA.name], ON_B1)
    assert "Nobody" not in page.url  # an unknown value is dropped from the view and the address

    page.reload()
    page.wait_for_selector("[data-testid='stSidebar'] >> text=Logged in as", timeout=20_000)
    assert "/history?" in page.url
    assert_history_view(page, [support.KARI.name, support.OLA.name], ON_B1)

    other = browser.new_context(viewport={"width": 1400, "height": 1100})
    try:
        fresh = other.new_page()
        log_in(fresh, served_app.url + HISTORY_VIEW, support.STYRET)
        assert_history_view(fresh, [support.KARI.name, support.OLA.name], ON_B1)
    finally:
        other.close()


def test_the_same_address_opened_by_a_resident_shows_only_her_own_data(context, served_app):
    page = context.new_page()
    log_in(page, served_app.url + HISTORY_VIEW, support.RESIDENT)
    mine = ON_B1 & support.COOP_VISIBLE["kari"]
    assert_history_view(page, [support.KARI.name], mine)
    assert "Ola" not in page.url


def test_a_changed_filter_goes_into_the_address(context, served_app):
    page = context.new_page()
    log_in(page, served_app.url + "/reports?period=Custom&period_dates=2025-01-01&period_dates=2025-03-31&by=User", support.STYRET)
    one(page.get_by_role("heading", name="Charge reports"))
    wait_idle(page)
    control = page.get_by_role("radiogroup", name="Consumption by")
    assert control.get_by_role("radio", name="User", exact=True).get_attribute("aria-checked") == "true"
    control.get_by_role("radio", name="RFID tag", exact=True).click()
    wait_idle(page)
    page.wait_for_function("() => new URLSearchParams(location.search).get('by') === 'rfid'")
    wait_idle(page)  # the run the click started has finished (a reload in the middle of it can stall)
    page.reload()
    page.wait_for_selector("[data-testid='stSidebar'] >> text=Logged in as", timeout=20_000)
    one(page.get_by_role("heading", name="Charge reports"))
    wait_idle(page)
    control = page.get_by_role("radiogroup", name="Consumption by")
    assert control.get_by_role("radio", name="RFID tag", exact=True).get_attribute("aria-checked") == "true"
    assert picked_dates(page) == ("20250101", "20250331")


def test_offline_filter_on_the_history(context, served_app):
    page = context.new_page()
    log_in(page, served_app.url + "/history?period=Custom&period_dates=2025-01-01&period_dates=2025-03-31&status=Charged+offline+(OFFLINE)",
           support.STYRET)
    one(page.get_by_role("heading", name="Charge history"))
    wait_idle(page)
    assert metric_value(page, "Sessions") == "1"  # k3, the one session charged offline
    assert metric_value(page, "Energy") == kwh({"k3"})


def test_charger_owner_sees_his_stations_and_his_own_charging_elsewhere_apart(context, served_app):
    # Per owns Garasje A1 and A2; he charged once himself, on B1 (someone else's station).
    page = context.new_page()
    log_in(page, served_app.url + "/", support.OWNER)  # through the menu: a direct address runs the page without it (trap 1)
    links = page.locator("[data-testid='stSidebar'] [data-testid='stPageLink-NavLink']")
    links.filter(has_text="My charging stations").first.wait_for()
    assert "Board dashboard" not in " ".join(links.all_inner_texts())
    links.filter(has_text="My charging stations").first.click()
    one(page.get_by_role("heading", name="My charging stations"))  # titled for him, not "Board dashboard"
    wait_idle(page)
    choose(page, "Period", "Last year")
    one(page.get_by_role("heading", name="Your charging stations"))
    one(page.get_by_role("heading", name="Your own charging at other stations"))
    on_his = {s for s in support.NON_VOID if support.COOP_STATION[s] in ("chg-a1", "chg-a2")}
    sessions = page.locator("[data-testid='stMetric']").filter(
        has=page.locator("[data-testid='stMetricLabel']", has_text="Sessions"))
    values = [v.strip() for v in sessions.locator("[data-testid='stMetricValue']").all_inner_texts()]
    assert values == [str(len(on_his)), "1"], values  # his stations (p1 not among them), then p1 elsewhere
    assert "At Garasje B1; not counted above." in page.locator("[data-testid='stMain']").inner_text()


def test_a_page_address_opened_before_the_login_opens_that_page_after_it(context, served_app):
    # The login's own run stops before the navigation knows the page; the navigation then
    # switches to the page (and filters) the address asked for, with the role's menu.
    page = context.new_page()
    log_in(page, served_app.url + "/reports?by=User", support.STYRET)
    one(page.get_by_role("heading", name="Charge reports"))
    page.locator("[data-testid='stSidebar'] [data-testid='stPageLink-NavLink']").filter(
        has_text="Data quality").first.wait_for()
    assert "/reports" in page.url and "by=user" in page.url  # an old bookmark's shown text, kept as its code


MENU_LINK = "[data-testid='stSidebar'] [data-testid='stPageLink-NavLink']"


def test_a_page_asked_for_first_on_a_fresh_server_has_the_menu_and_its_filters(browser, start_server,
                                                                              auth_template, tmp_path):
    # Trap 1: before any session ran st.navigation, /history runs pages/history.py without app.py.
    # The guard then runs the navigation itself: the role's menu is there and the address's filters
    # apply. A resident asking for a page not hers, on the same fresh server, still sees nothing.
    db = support.build_coop_db(tmp_path / "fresh")
    server = start_server(support.test_env(db, auth_template, tmp_path / "no-cookie-key"), name="fresh-nav")
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    other = browser.new_context(viewport={"width": 1400, "height": 1100})
    try:
        owner, resident = context.new_page(), other.new_page()
        for tab, path in ((owner, HISTORY_VIEW), (resident, "/data_quality")):
            tab.goto(server.url + path)
            one(tab.get_by_role("textbox", name="Username"), timeout=30_000)
        # The resident logs in first, while the server is still fresh.
        one(resident.get_by_role("textbox", name="Username")).fill(support.RESIDENT.username)
        resident.get_by_role("textbox", name="Password").fill(support.RESIDENT.password)
        resident.get_by_role("button", name="Login").click()
        one(resident.get_by_text("This page is not available to your role."))
        wait_idle(resident)
        assert "Data quality" not in resident.locator("[data-testid='stMain']").inner_text()
        assert_not_sent(resident, [p.name for p in (support.OLA, support.PER, support.EVE)])

        one(owner.get_by_role("textbox", name="Username")).fill(support.STYRET.username)
        owner.get_by_role("textbox", name="Password").fill(support.STYRET.password)
        owner.get_by_role("button", name="Login").click()
        owner.wait_for_selector("[data-testid='stSidebar'] >> text=Logged in as", timeout=30_000)
        assert_history_view(owner, [support.KARI.name, support.OLA.name], ON_B1)
        menu = [t.strip().splitlines()[-1] for t in owner.locator(MENU_LINK).all_inner_texts()]  # after the icon
        assert menu == [web.title_for(p, support.STYRET.role) for p in web.PAGES if support.STYRET.role in p.roles]
        assert "/history?" in owner.url
        # The menu works: another page opens through it.
        owner.locator(MENU_LINK).filter(has_text="Data quality").first.click()
        one(owner.get_by_role("heading", name="Data quality"))
        wait_idle(owner)
        assert "/data_quality" in owner.url and "Logged in as" in page_text(owner)
    finally:
        context.close()
        other.close()
    assert "Traceback" not in server.log_text()


def test_a_link_made_in_norwegian_opens_the_same_view_in_english(context, served_app):
    # Addresses keep codes (?period=last-quarter&by=rfid); one bookmarked when they kept the shown
    # text, in the other language, opens the same view and is rewritten to the codes.
    page = context.new_page()
    log_in(page, served_app.url + "/reports?period=Egendefinert&period_dates=2025-01-01&period_dates=2025-03-31"
           "&by=RFID-brikke", support.STYRET)  # styret reads English
    one(page.get_by_role("heading", name="Charge reports"))
    wait_idle(page)
    control = page.get_by_role("radiogroup", name="Consumption by")
    assert control.get_by_role("radio", name="RFID tag", exact=True).get_attribute("aria-checked") == "true"
    assert picked_dates(page) == ("20250101", "20250331")
    page.wait_for_function("() => new URLSearchParams(location.search).get('by') === 'rfid'"
                           " && new URLSearchParams(location.search).get('period') === 'custom'")
