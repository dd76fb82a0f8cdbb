"""The Data sources page in a real browser: upload four files, see the summaries and the rejected
rows, then the history; connect a charger cloud (a local fake) and sync it; no password in the page."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta

import cloud_fake
import pytest
import support
from browser_support import launch_server, log_in, metric_value, one, page_text, wait_idle
from cloud_fake import FakeCloud

from chargeboard import accounts


@pytest.fixture(scope="module")
def cloud():
    fake = FakeCloud().start()
    fake.zaptec_sessions["inst-1"] = [
        # within the default backfill of two years before today
        support.zaptec_record(f"sky-{i}", station="chg-1", serial="ZAP-001",
                              start=datetime.now() - timedelta(days=10 + i), kwh=3) for i in range(3)]
    yield fake
    fake.stop()


def _empty_store_server(tmp_path_factory, auth_template):
    folder = tmp_path_factory.mktemp("sources")
    auth = folder / "auth.yaml"
    shutil.copyfile(auth_template, auth)
    # The summaries below are asserted in English: the account reads the app in English (issue 11).
    accounts.set_language(support.STYRET.username, "en", auth)
    env = {**support.test_env(folder / "empty.duckdb", auth, folder / "no-cookie-key"),
           "CHARGEBOARD_SYNC_KEY_FILE": str(folder / "sync-key"), "CHARGEBOARD_SYNC_BACKOFF": "0.01",
           "CHARGEBOARD_SYNC_TICK": "3600"}  # "Sync now" in this test, not the schedule
    return launch_server(env, folder / "server.log")


@pytest.fixture
def server(auth_template, tmp_path_factory):
    # One store per test: the sync test counts "3 new" into an empty store, which the uploads
    # of the test before would not leave it.
    started = _empty_store_server(tmp_path_factory, auth_template)
    yield started
    started.stop()
    assert "Traceback" not in started.log_text()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def open_data_sources(page, server) -> None:
    log_in(page, server.url + "/data_sources", support.STYRET)
    one(page.get_by_role("heading", name="Data sources"))
    wait_idle(page)


def test_upload_four_files_and_see_them_in_the_history(page, server, tmp_path):
    zaptec = support.write_zaptec(tmp_path / "march.json", [
        support.zaptec_record("up-1", start=datetime(2025, 3, 1, 10), kwh=5),
        support.zaptec_record("up-2", start=datetime(2025, 3, 2, 10), kwh=6),
        support.zaptec_record("up-bad", kwh="lots")])
    generic = support.write_csv(tmp_path / "other-make.csv", [
        support.csv_row("c-1", kwh="7.5"), support.csv_row("c-2", start="2025-03-03T10:00:00+01:00",
                                                           end="2025-03-03T11:00:00+01:00", kwh="2.25")])
    meters = tmp_path / "meters.csv"
    meters.write_text("meter_id,read_at,register_kwh,installation\n"
                      "M-1,2025-03-01T00:00:00+01:00,1000.0,default-installation\n"
                      "M-1,2025-04-01T00:00:00+02:00,1400.5,default-installation\n", encoding="utf-8")
    broken = tmp_path / "broken.txt"
    broken.write_text("hello, this is not a feed\n", encoding="utf-8")

    open_data_sources(page, server)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        [str(zaptec), str(generic), str(meters), str(broken)])
    page.get_by_text("broken.txt").wait_for()  # listed once all four are uploaded
    wait_idle(page)
    page.get_by_role("button", name="Load files").click()
    page.wait_for_selector("text=broken.txt: unknown format", timeout=60_000)
    wait_idle(page)
    text = page_text(page)
    assert "march.json: 3 records (zaptec-json)" in text and "2 new, 0 duplicate, 0 updated, 1 rejected" in text
    assert "other-make.csv: 2 records (csv)" in text and "2 new, 0 duplicate, 0 updated, 0 rejected" in text
    assert "meters.csv: 2 meter readings" in text
    assert "broken.txt: unknown format" in text
    assert "Rejected rows of march.json" in text
    assert "rejected: 1 × " in text  # the reason, as the command line says it
    upload_tab = page.locator("[data-testid='stTabPanel']").first  # the rejected rows' table is drawn in the tab
    assert upload_tab.locator("[data-testid='stDataFrame']").count() == 1
    assert "Data: last import just now" in page.locator("[data-testid='stSidebar']").inner_text()

    page.goto(server.url + "/history")
    one(page.get_by_role("heading", name="Charge history"))
    wait_idle(page)
    from browser_support import choose  # noqa: PLC0415

    choose(page, "Period", "All time")
    assert metric_value(page, "Sessions") == "4"
    assert metric_value(page, "Energy") == "20.750 kWh"


def test_connect_a_charger_cloud_test_it_and_sync_now(page, server, cloud):
    open_data_sources(page, server)
    one(page.get_by_role("tab", name="Charger clouds")).click()
    page.get_by_role("textbox", name="API address (leave empty for the real cloud)").fill(cloud.url)
    page.get_by_role("textbox", name="Username (e-mail)").fill(cloud_fake.USERNAME)
    page.get_by_role("textbox", name="Password").fill("wrong-password")
    page.get_by_role("button", name="Test connection").click()
    page.wait_for_selector("text=The login did not work", timeout=30_000)
    assert "Nothing was saved" in page_text(page)

    page.get_by_role("textbox", name="API address (leave empty for the real cloud)").fill(cloud.url)
    page.get_by_role("textbox", name="Username (e-mail)").fill(cloud_fake.USERNAME)
    page.get_by_role("textbox", name="Password").fill(cloud_fake.PASSWORD)
    page.get_by_role("button", name="Save connection").click()
    page.wait_for_selector("text=The login worked", timeout=30_000)
    wait_idle(page)
    page.get_by_role("button", name="Sync now").click()
    page.wait_for_selector("text=3 sessions → 3 new", timeout=60_000)
    wait_idle(page)
    html = page.content()
    page.reload()  # the sidebar was drawn before the sync in that run
    page.wait_for_selector("[data-testid='stSidebar'] >> text=Data synced just now", timeout=30_000)
    assert cloud_fake.PASSWORD not in html and "wrong-password" not in html
