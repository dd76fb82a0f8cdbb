"""The app in Norwegian and in English, in a real browser (issue 11, items 1–4).

One server for the module; each person logs in once. A Norwegian board member (styret) walks
the pages and sees no English; an English-speaking resident of the same co-op (ola) sees no
Norwegian; numbers and dates are written as each language writes them; no glyph is drawn
from a font chromium may lack; a resident's CSV in Norwegian opens as Norwegian Excel wants it;
and the language a person picks is kept with the account across a logout.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import support
from browser_support import launch_server, log_in, metric_value, one, page_text, sent_to, wait_idle

from chargeboard import accounts, i18n, statements, tariffs
from chargeboard.store import Store

SLOW = 60_000  # ms: the machine running the suite may be shared and slow; waits are on page state
SHOTS = Path("/tmp/i18nui/shots")

# Words only the other language's interface uses (case-sensitive, whole words). Feed data (station
# and people names, "Garasje", "Brikke") and Streamlit's icon ligatures ("history") are not on them.
ENGLISH_WORDS = ("Sessions", "Session", "Download", "Energy", "Charging", "Log out", "Statements", "This month",
                 "Last month", "User", "Report", "Month", "Total", "the", "with", "and", "Choose")
NORWEGIAN_WORDS = ("Ladeøkter", "ladeøkter", "ladeøkt", "Logg ut", "måned", "Last ned", "Energi", "Bruker",
                   "og", "ikke", "Totalt", "Periode")

# nb: 7 148 / 28,700 / 01.03.2025; en: 7,148 / 28.700 / 1 Mar 2025.
NB_NUMBER = re.compile(r"^\d{1,3}( \d{3})*(,\d+)?( kWh| kr| %)?$")
EN_NUMBER = re.compile(r"^\d{1,3}(,\d{3})*(\.\d+)?( kWh|%)?$")
NB_DATE = re.compile(r"\b\d{2}\.\d{2}\.\d{4}\b")
EN_DATE = re.compile(r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}\b")
# Characters the page may draw: Latin-1 and the punctuation we write. An emoji or a rare symbol
# would be an empty box where chromium has no font for it.
# (Directional isolates and zero-width marks are formatting, not glyphs: Streamlit writes some.)
DRAWABLE = re.compile(r"^[\t\n\r\x20-\x7e\xa0-\xff–—·…×«»’‘“”•→−\u202f\u2009\u200b-\u200f\u2066-\u2069]*$")

Q1 = "period_dates=2025-01-01&period_dates=2025-03-31"


def plain(text: str) -> str:
    """Spaces as a reader sees them (Babel writes no-break and narrow no-break spaces)."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def words_of_the_other_language(text: str, words) -> list[str]:
    return [w for w in words if re.search(rf"(?<![\wæøåÆØÅ]){re.escape(w)}(?![\wæøåÆØÅ])", text)]


def undrawable(text: str) -> set[str]:
    return {c for c in text if not DRAWABLE.match(c)}


@pytest.fixture(scope="module")
def bilingual_app(coop_db, tmp_path_factory):
    """The co-op with styret and kari reading Norwegian, ola and per English."""
    folder = tmp_path_factory.mktemp("bilingual")
    auth = support.write_accounts(folder / "auth.yaml")
    for username in ("styret", "kari"):
        accounts.set_language(username, "nb", auth)
    db = folder / "coop.duckdb"
    shutil.copyfile(coop_db, db)
    store = Store(db)
    try:  # a tariff over the co-op's months: statements with money in them
        tariffs.add_version(store, "styret", date(2024, 1, 1), "1.85", monthly_fee="25")
    finally:
        store.close()
    server = launch_server(support.test_env(db, auth, folder / "no-cookie-key"), folder / "server.log")
    yield server
    server.stop()


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _open(page, url: str) -> str:
    page.goto(url)
    wait_idle(page, SLOW)
    page.wait_for_selector("h1", timeout=SLOW)
    # The sidebar is drawn (not its placeholders) once its logout button is there.
    page.get_by_role("button", name=re.compile("^(Log out|Logg ut)$")).first.wait_for(timeout=SLOW)
    wait_idle(page, SLOW)
    return plain(page_text(page))


def _check_language(text: str, where: str, foreign_words) -> None:
    found = words_of_the_other_language(text, foreign_words)
    assert not found, f"{where}: words of the other language on the page: {found}"
    assert not undrawable(text), f"{where}: characters chromium may have no font for: {undrawable(text)}"


def test_a_norwegian_board_member_reads_every_page_in_norwegian(browser, bilingual_app):
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    page = context.new_page()
    try:
        log_in(page, bilingual_app.url, support.STYRET)
        pages = {"": "", "history": f"?period=Egendefinert&{Q1}", "reports": f"?period=Egendefinert&{Q1}",
                 "data_quality": "", "reconciliation": "", "capacity": "", "statements": f"?period=Egendefinert&{Q1}",
                 "tariffs": "", "data_sources": "", "accounts": ""}
        for name, query in pages.items():
            # The board dashboard is where the login lands (the app's first page: no path of its own).
            text = _open(page, f"{bilingual_app.url}/{name}{query}") if name else plain(page_text(page))
            _shot(page, f"nb-{name or 'dashboard'}")
            # Streamlit's own file uploader speaks English ("Drag and drop files here"): not ours.
            shown = text.replace("Drag and drop files here", "").replace("Browse files", "")
            _check_language(shown, name, ENGLISH_WORDS)
            if name == "history":
                energy = plain(metric_value(page, "Energi"))
                assert NB_NUMBER.match(energy) and energy.endswith(" kWh") and "," in energy, energy
                # The table is drawn on a canvas: its cells travel as the Styler's display text.
                assert b"14,200" in sent_to(page) and b"2,00" in sent_to(page)
                assert "Ladehistorikk" in text and "Logget inn som" in text
            if not name:
                assert "Styrets oversikt" in text and NB_DATE.search(text), "the period's dates as 01.12.2025"
            if name == "statements":  # money as Norwegians write it: 1 234,50 kr
                assert re.search(r"\b\d{1,3}( \d{3})*,\d{2} kr\b", text), "an amount as 1 234,50 kr"
    finally:
        context.close()


def test_an_english_resident_of_the_same_coop_reads_english(browser, bilingual_app):
    context = browser.new_context(viewport={"width": 1280, "height": 1600})
    page = context.new_page()
    try:
        log_in(page, bilingual_app.url, support.RESIDENT2)  # ola, English
        for name, query in {"": "", "history": "", "statements": f"?period=Custom&{Q1}"}.items():
            # My usage is where a resident's login lands (the first page: no path of its own).
            text = _open(page, f"{bilingual_app.url}/{name}{query}") if name else plain(page_text(page))
            _shot(page, f"en-{name or 'my_usage'}")
            _check_language(text, name, NORWEGIAN_WORDS)
            if name == "history":
                energy = metric_value(page, "Energy")
                assert EN_NUMBER.match(plain(energy).removesuffix(" kWh")), energy
                assert EN_DATE.search(text), "the period's dates as 1 Jan 2026"
    finally:
        context.close()


def test_a_norwegian_residents_csv_opens_in_norwegian_excel(browser, bilingual_app):
    context = browser.new_context(viewport={"width": 1280, "height": 1600}, accept_downloads=True)
    page = context.new_page()
    try:
        log_in(page, bilingual_app.url, support.RESIDENT)  # kari, Norwegian
        _open(page, f"{bilingual_app.url}/statements?period=Egendefinert&{Q1}")
        with page.expect_download() as download:
            one(page.get_by_role("button", name="Last ned som CSV")).click()
        data = Path(download.value.path()).read_bytes()
    finally:
        context.close()
    assert data.startswith("\ufeff".encode()), "UTF-8 with a byte-order mark"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    header, *lines = rows
    with i18n.language("nb"):  # the headers are the Norwegian titles of the statements' columns
        titles = {key: i18n._(title) for key, title, _kind in statements.CSV_COLUMNS}
    assert header[:4] == [titles["user_id"], titles["name"], titles["email"], titles["sessions"]]
    assert header[0] != "user_id" and titles["energy_kwh"] in header
    by_key = {key: header.index(title) for key, title in titles.items()}
    mine = [line for line in lines if line[by_key["user_id"]] == support.KARI.user_id]
    assert len(mine) == 1
    kari = {key: mine[0][index] for key, index in by_key.items()}
    assert kari["name"] == support.KARI.name and kari["sessions"] == "3"
    expected = sum(Decimal(str(support.COOP_KWH[s])) for s in support.COOP_VISIBLE["kari"])
    assert kari["energy_kwh"] == f"{expected:.3f}".replace(".", ",")  # decimal comma: 28,700


def test_the_language_picked_is_kept_after_logout(browser, bilingual_app):
    owner = replace(support.OWNER)  # per starts in English
    context = browser.new_context(viewport={"width": 1280, "height": 1400})
    page = context.new_page()
    try:
        log_in(page, bilingual_app.url, owner)
        sidebar = page.locator("[data-testid='stSidebar']")
        assert "Log out" in sidebar.inner_text()
        one(page.get_by_role("combobox", name="Språk / Language")).click()
        one(page.get_by_role("option", name="Norsk (bokmål)")).click()
        one(page.get_by_role("button", name="Logg ut"), SLOW)
        wait_idle(page)
        assert "Mine ladestasjoner" in page_text(page)  # a charger owner's dashboard, in Norwegian
        page.get_by_role("button", name="Logg ut").click()
        one(page.get_by_role("textbox", name="Username"), SLOW)  # the browser's language: English
        log_in(page, bilingual_app.url, owner)
        assert "Logget inn som" in sidebar.inner_text()
    finally:
        context.close()


def test_help_buttons_are_named_in_the_readers_language(browser, bilingual_app):
    """A screen reader reads a help button's name: Streamlit names it "Help for <label>" in English."""
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    page = context.new_page()
    try:
        log_in(page, bilingual_app.url, support.STYRET)  # reads Norwegian
        _open(page, f"{bilingual_app.url}/accounts")
        page.locator("[data-testid='stTooltipIcon'] button").first.wait_for(timeout=SLOW)
        names = page.locator("[data-testid='stTooltipIcon'] button").evaluate_all(
            "buttons => buttons.map(b => b.getAttribute('aria-label'))")
        assert names and not [n for n in names if n.startswith("Help")], names
        assert "Hjelp til Språk" in names, names  # the language picker of a new account
        # A help button that appears later (the page reruns) is named too.
        page.get_by_role("button", name=re.compile("^Legg til konto$")).click()
        wait_idle(page, SLOW)
        page.wait_for_timeout(300)
        names = page.locator("[data-testid='stTooltipIcon'] button").evaluate_all(
            "buttons => buttons.map(b => b.getAttribute('aria-label'))")
        assert not [n for n in names if n.startswith("Help")], names
    finally:
        context.close()
