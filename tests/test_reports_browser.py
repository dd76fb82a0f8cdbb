"""The Charge reports page in a real browser (issue 3): switch the grouping, download the
Excel report and read it back; a resident's file holds only her own rows."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import openpyxl
import pytest
import support
from browser_support import assert_not_sent, choose, log_in, one, page_text, sent_to, wait_idle

from chargeboard import accounts, exports, i18n
from chargeboard.i18n import _

TAG = {p.user_id: p.tag for p in support.PEOPLE}
KEY = {
    "station": lambda sid: support.COOP_STATION[sid],
    "user": lambda sid: support.COOP_USER[sid] or "",
    "rfid": lambda sid: TAG.get(support.COOP_USER[sid], ""),
}
BUTTON = {"station": "Charging station", "user": "User", "rfid": "RFID tag"}


def expected(by, sessions):
    sums = defaultdict(Decimal)
    for sid in sessions:
        sums[KEY[by](sid)] += Decimal(str(support.COOP_KWH[sid]))
    return {k: f"{v:.3f}" for k, v in sums.items()}


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    yield opened
    context.close()


def open_reports(page, url, login):
    log_in(page, url + "/reports", login)
    one(page.get_by_role("heading", name="Charge reports"))  # the login run's copy may linger
    wait_idle(page)
    choose(page, "Period", "All time")
    page.locator("[data-testid='stDataFrame']").first.wait_for()


def group_by(page, by):
    control = page.get_by_role("radiogroup", name="Consumption by")
    control.get_by_role("radio", name=BUTTON[by], exact=True).click()
    wait_idle(page)
    assert control.get_by_role("radio", name=BUTTON[by], exact=True).get_attribute("aria-checked") == "true"


def download(page, tmp_path, name):
    wait_idle(page)  # as a person would: click once the page has settled
    with page.expect_download() as info:
        page.get_by_role("button", name="Download report (Excel)").click()
    download_ = info.value
    target = tmp_path / name
    download_.save_as(target)
    return download_.suggested_filename, openpyxl.load_workbook(target)


def report_rows(book):
    rows = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))[:-1]
    return {(r[0] or ""): f"{r[4]:.3f}" for r in rows}


def test_system_owner_switches_grouping_and_downloads(page, served_app, tmp_path, auth_template):
    open_reports(page, served_app.url, support.STYRET)
    reader = accounts.find_account(support.STYRET.username, auth_template).language  # the file's in theirs
    everything = support.COOP_VISIBLE["styret"]
    for by in ("user", "rfid", "station"):
        group_by(page, by)
        name, book = download(page, tmp_path, f"{by}.xlsx")
        assert name.startswith("chargeboard_testlaget_report-by-" + by) and name.endswith(".xlsx"), name
        with i18n.language(reader):
            assert book.worksheets[0].title == _(exports.SHEET_BY[by])
        assert report_rows(book) == expected(by, everything), by


def test_resident_downloads_only_own_rows(page, served_app, tmp_path):
    open_reports(page, served_app.url, support.RESIDENT)
    group_by(page, "user")
    _, book = download(page, tmp_path, "kari.xlsx")
    assert report_rows(book) == expected("user", support.COOP_VISIBLE["kari"])
    group_by(page, "station")
    _, book = download(page, tmp_path, "kari-stations.xlsx")
    assert report_rows(book) == expected("station", support.COOP_VISIBLE["kari"])
    cells = {c for s in book.worksheets for r in s.iter_rows(values_only=True) for c in r}
    text = page_text(page)
    assert support.KARI.name.encode() in sent_to(page)  # her own report rows did travel
    assert_not_sent(page, [p.name for p in (support.OLA, support.PER, support.EVE)])  # the tables' data
    for person in (support.OLA, support.PER, support.EVE):
        assert person.name not in text
        assert not any(isinstance(c, str) and person.name in c for c in cells)
