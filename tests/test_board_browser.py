"""Browser tests of the board dashboard and My usage, on the demo co-op, in Debian's chromium.

They also take screenshots: dashboard.png, dashboard_present.png, my_usage.png (1400 px wide) and
my_usage_phone.png (390 px wide) — into docs/screenshots/ with `make screenshots`
(CHARGEBOARD_SCREENSHOTS=docs/screenshots), else into a temporary folder, so a test run
never changes the work tree.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
import support
from browser_support import assert_not_sent, choose, launch_server, log_in, metric_value, one, page_text, wait_idle

from chargeboard import formats, reconciliation
from chargeboard.scope import system_scope
from chargeboard.store import Store
from chargeboard_demo import generator as demo

ROOT = Path(__file__).resolve().parents[1]
SHOTS = Path(os.environ.get("CHARGEBOARD_SCREENSHOTS") or tempfile.mkdtemp(prefix="chargeboard-shots-"))
CHART = "[data-testid='stPlotlyChart'] .main-svg"


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """The app serving the demo co-op (`python -m chargeboard_demo`), with the test accounts: kari, ola and
    per are linked by e-mail to the demo's Kari Nordmann, Ola Hansen and Per Olsen."""
    folder = tmp_path_factory.mktemp("demo-app")
    db = folder / "demo.duckdb"
    subprocess.run([sys.executable, "-m", "chargeboard_demo", "--db", str(db), "--force"], cwd=ROOT,
                   env={**os.environ, "CHARGEBOARD_TODAY": support.TODAY},  # the day the server lives on
                   check=True, capture_output=True)
    # The demo has two installations: each account names its own, as the demo's own accounts do.
    homes = {"kari": demo.DEMO_IDENTITIES["kari"].installation, "ola": demo.DEMO_IDENTITIES["ola"].installation,
             "per": demo.DEMO_IDENTITIES["per"].installation}
    auth = support.write_accounts(folder / "auth.yaml", [
        replace(login, installations=(homes[login.username],)) if login.username in homes else login
        for login in support.LOGINS])
    # What the reconciliation page opens on (every installation, the last months with readings), worked
    # out by the reconciliation's own functions before the server owns the store file.
    store = Store(db)
    try:
        covered = reconciliation.months_with_readings(store, None, date.fromisoformat(support.TODAY))
        total = reconciliation.all_installations_rows(reconciliation.reconcile_all(store, system_scope(), *covered))[-1]
    finally:
        store.close()
    server = launch_server(support.test_env(db, auth, folder / "no-cookie-key"), folder / "server.log")
    server.meter_shown = formats.kwh(total["meter_kwh"], lang="en").replace("\xa0", " ")
    yield server
    server.stop()


def _page(browser, width: int, height: int = 2200):
    context = browser.new_context(viewport={"width": width, "height": height})
    return context, context.new_page()


def _charts_drawn(page, count: int) -> None:
    page.wait_for_function(f"document.querySelectorAll(\"{CHART}\").length >= {count}", timeout=20_000)


def test_board_dashboard_renders_every_chart_in_present_mode(browser, demo_app):
    context, page = _page(browser, 1400)
    try:
        log_in(page, demo_app.url, support.STYRET)
        one(page.get_by_role("heading", name="Board dashboard"))  # the system owner lands here
        _charts_drawn(page, 3)
        for label in ("Energy (kWh)", "Sessions", "Active users", "kWh per session", "Station utilisation (%)"):
            assert page.locator("[data-testid='stMetricLabel']", has_text=label).count() >= 1
        text = page_text(page)
        assert "was the busiest month" in text and "was occupied most" in text and "Most sessions start" in text
        assert page.locator("[data-testid='stException']").count() == 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)

        page.get_by_text("Present mode").click()
        wait_idle(page)
        _charts_drawn(page, 3)
        assert "present=true" in page.url
        assert not page.locator("[data-testid='stSidebar']").is_visible()
        # Large KPI values on a projector (the body rule once shrank them to body size) ...
        sizes = page.locator("[data-testid='stMetricValue']").evaluate_all(
            "els => els.map(e => parseFloat(getComputedStyle(e.querySelector('p') || e).fontSize))")
        assert len(sizes) >= 5 and min(sizes) >= 56, sizes
        # ... labels that wrap, never cut with an ellipsis ...
        cut = page.locator("[data-testid='stMetricLabel']").evaluate_all(
            "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)")
        assert cut == [], cut
        # ... and chart text of at least 16 px, with dark ticks.
        ticks = page.locator(f"{CHART} .xtick text, {CHART} .ytick text").evaluate_all(
            "els => els.map(e => [parseFloat(e.style.fontSize), e.style.fill])")
        assert ticks and min(size for size, _ in ticks) >= 16, ticks
        assert {fill for _, fill in ticks} == {"rgb(51, 51, 51)"}, ticks
        titles = page.locator(f"{CHART} .gtitle").evaluate_all("els => els.map(e => e.textContent)")
        assert len(titles) >= 3 and all(t.strip() for t in titles), titles
        # Every chart carries a PNG download in its toolbar (Plotly's "Download plot as a png").
        page.locator("[data-testid='stPlotlyChart']").first.hover()
        buttons = page.locator("[data-testid='stPlotlyChart'] .modebar-btn").evaluate_all(
            "els => els.map(e => e.getAttribute('data-title') || e.getAttribute('title') || '')")
        assert any("png" in b.lower() for b in buttons), buttons
        page.screenshot(path=str(SHOTS / "dashboard_present.png"), full_page=True)
    finally:
        context.close()


def test_resident_lands_on_my_usage_and_sees_no_other_resident(browser, demo_app):
    context, page = _page(browser, 1400)
    try:
        log_in(page, demo_app.url, support.RESIDENT)
        one(page.get_by_role("heading", name="My usage"))
        _charts_drawn(page, 1)
        text = page_text(page)
        assert "kWh" in text and "average resident" in text
        others = [r.full_name for r in demo.RESIDENTS if r.full_name != "Kari Nordmann"]
        for name in others:
            assert name not in text, f"{name} shown to kari"
        assert_not_sent(page, others)  # nor in her sessions table's data (drawn on a canvas)
        nav = page.locator("[data-testid='stSidebar']").inner_text()
        assert "Board dashboard" not in nav and "Data quality" not in nav
        assert page.locator("[data-testid='stException']").count() == 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "my_usage.png"), full_page=True)
    finally:
        context.close()


def test_my_usage_fits_a_phone(browser, demo_app):
    context, page = _page(browser, 390, 844)
    try:
        log_in(page, demo_app.url, support.RESIDENT)
        _charts_drawn(page, 1)
        overflow = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollWidth")
        assert overflow <= 390 + 2, f"My usage is {overflow}px wide on a 390px screen"
        page.screenshot(path=str(SHOTS / "my_usage_phone.png"), full_page=True)
    finally:
        context.close()


def test_phone_menu_closes_after_choosing_a_page(browser, demo_app):
    context, page = _page(browser, 390, 844)
    collapsed = "document.querySelector(\"[data-testid='stSidebar']\").dataset.collapsed === '{}'"
    try:
        log_in(page, demo_app.url, support.RESIDENT)
        sidebar = page.locator("[data-testid='stSidebar']")
        assert sidebar.get_attribute("data-collapsed") == "true"  # a phone starts with the menu closed
        page.locator("[data-testid='stExpandSidebarButton']").first.click()
        page.wait_for_function(collapsed.format("false"), timeout=20_000)
        sidebar.get_by_text("Charge history").click()
        one(page.get_by_role("heading", name="Charge history"), timeout=60_000)
        # The menu closed by itself (Streamlit's page links leave it open over the page).
        page.wait_for_function(collapsed.format("true"), timeout=20_000)
        # ... and is gone once its closing slide ends (the attribute is set as the slide begins: a
        # width read at once was 2.5 px under load)
        page.wait_for_function("document.querySelector(\"[data-testid='stSidebar']\")"
                               ".getBoundingClientRect().width === 0", timeout=5_000)
        wait_idle(page, 60_000)
        assert page.locator("[data-testid='stException']").count() == 0
    finally:
        context.close()


def test_reconciliation_opens_on_months_with_readings(browser, demo_app):
    context, page = _page(browser, 1400, 1400)
    try:
        log_in(page, demo_app.url, support.STYRET)
        # Through the menu: a login at a direct address can land on the first page (reported to the lead).
        page.locator("[data-testid='stSidebar']").get_by_text("Meter reconciliation").click()
        try:
            one(page.get_by_role("heading", name="Meter reconciliation"), timeout=60_000)
        except AssertionError as error:  # say where the login landed instead
            raise AssertionError(f"{page.url}: {page_text(page)[:400]}") from error
        wait_idle(page, 60_000)
        assert "last complete months with meter readings" in page_text(page)
        # the meter's kWh of those months (catches any figure passing: the earlier check took all but "—")
        assert metric_value(page, "Meter, all installations") == demo_app.meter_shown != "—"
        assert page.locator("[data-testid='stException']").count() == 0
    finally:
        context.close()


def test_data_quality_page_for_the_system_owner(browser, demo_app):
    context, page = _page(browser, 1400, 1200)
    try:
        log_in(page, demo_app.url, support.STYRET)
        page.locator("[data-testid='stSidebar']").get_by_text("Data quality").click()
        wait_idle(page)
        text = page_text(page)
        assert "A tag used by several users: 1" in text and "Overlapping sessions on one station: 0" in text
        page.get_by_role("tab", name="Offline and unreliable time").click()
        assert page.get_by_text("Record a corrected date", exact=True).is_visible()
        assert page.locator("[data-testid='stException']").count() == 0
    finally:
        context.close()


def test_reports_and_history_on_the_demo_for_the_system_owner(browser, demo_app):
    """The demo's charge report and history draw without errors (and give the README its pictures)."""
    context, page = _page(browser, 1400, 1600)
    try:
        log_in(page, demo_app.url, support.STYRET)
        page.locator("[data-testid='stSidebar']").get_by_text("Charge reports").click()
        one(page.get_by_role("heading", name="Charge reports"))
        _charts_drawn(page, 1)
        assert "charged the most" in page_text(page)
        assert page.locator("[data-testid='stException']").count() == 0
        page.screenshot(path=str(SHOTS / "reports.png"))
        page.locator("[data-testid='stSidebar']").get_by_text("Charge history").click()
        one(page.get_by_role("heading", name="Charge history"))
        page.locator("[data-testid='stDataFrame'] canvas").first.wait_for()
        wait_idle(page)
        assert page.get_by_role("button", name="Download this history (Excel)").count() == 1
        assert page.locator("[data-testid='stException']").count() == 0
        page.screenshot(path=str(SHOTS / "history.png"))
    finally:
        context.close()


def test_capacity_and_peaks_on_the_demo_for_the_system_owner(browser, demo_app):
    """The demo's peak month: the chargers' hourly load with the peak hours marked, the level, the step
    and the cost attributed to charging, under the demo tariff's rule (and the README's picture)."""
    context, page = _page(browser, 1400, 1800)
    try:
        log_in(page, demo_app.url, support.STYRET)
        page.locator("[data-testid='stSidebar']").get_by_text("Capacity and peaks").click()
        one(page.get_by_role("heading", name="Capacity and peaks"))
        peak = demo.peak_month(date.fromisoformat(support.TODAY) - timedelta(days=1))
        choose(page, "Month", formats.month_long(peak, lang="en"))
        wait_idle(page)
        _charts_drawn(page, 1)
        text = page_text(page)
        assert "Attributed to charging" in text and "The peak hours that set the cost" in text
        assert "Mean of the 3 highest hours on 3 different days" in text  # the demo tariff's rule
        assert page.locator("[data-testid='stException']").count() == 0
        page.screenshot(path=str(SHOTS / "capacity.png"))
    finally:
        context.close()


def test_dwellings_and_billing_on_the_demo_for_the_system_owner(browser, demo_app):
    """The demo co-op's register and the Billing page with the run the demo closed, the files and the
    e-mail step (and the README's pictures)."""
    context, page = _page(browser, 1400, 2400)
    try:
        log_in(page, demo_app.url, support.STYRET)
        page.locator("[data-testid='stSidebar']").get_by_text("Dwellings").click()
        one(page.get_by_role("heading", name="Dwellings"))
        wait_idle(page)
        text = page_text(page)
        assert "Register on" in text and "Sessions with no dwelling" in text  # (the table itself is a canvas)
        page.locator("[data-testid='stDataFrame'] [data-testid='data-grid-canvas']").first.wait_for()
        page.wait_for_timeout(500)  # the grid paints its rows after its canvas appears
        assert page.locator("[data-testid='stException']").count() == 0
        page.screenshot(path=str(SHOTS / "dwellings.png"))
        page.locator("[data-testid='stSidebar']").get_by_text("Billing").click()
        one(page.get_by_role("heading", name="Billing"))
        wait_idle(page)
        text = page_text(page)
        assert "2. Billing runs" in text and "3. Files for whoever collects the money" in text
        assert "4. E-mail the statements" in text
        assert page.locator("[data-testid='stException']").count() == 0
        page.screenshot(path=str(SHOTS / "billing.png"), full_page=True)
    finally:
        context.close()
