"""PDF statements and the board pack, read back: text (pypdf), page counts, rendered pages (pdftoppm)."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from costs_support import add_sessions, make_store, session
from PIL import Image
from pypdf import PdfReader

from chargeboard import board_pack, cli, dashboard, exports, i18n, meters, pdf, statements, tariffs
from chargeboard.history import SessionFilter
from chargeboard.reports import ReportRequest, build_report
from chargeboard.scope import Scope, system_scope

KARI = Scope("kari", "resident", user_ids=("u-kari",), display_name="Kari Nordmann")
JAN = statements.StatementRequest(date(2026, 1, 1), date(2026, 1, 31))
OTHERS = ("Ola Hansen", "Per Olsen", "Open charging")


@pytest.fixture
def store(tmp_path):
    s = make_store(tmp_path, [
        session("k1", "kari", "ST1", "2026-01-05T18:00:00", "2026-01-05T19:00:00", 1.0),
        session("o1", "ola", "ST1", "2026-01-06T18:00:00", "2026-01-06T19:00:00", 1.0),
        session("p1", "per", "ST2", "2026-01-07T18:00:00", "2026-01-07T19:00:00", 1.0),
        session("k2", "kari", "ST2", "2026-01-20T21:00:00", "2026-01-21T02:00:00", 3.0),  # 1 h day, 4 h night
        session("g1", None, "ST2", "2026-01-21T10:00:00", "2026-01-21T11:00:00", 2.0),
        # many sessions for Ola in February, so his statement runs over more than one page
        *[session(f"o-feb-{d}", "ola", "ST1", f"2026-02-{d:02d}T07:00:00", f"2026-02-{d:02d}T09:00:00", 7.5)
          for d in range(1, 29)] * 1,
        *[session(f"o-feb-b-{d}", "ola", "ST2", f"2026-02-{d:02d}T19:00:00", f"2026-02-{d:02d}T23:30:00", 11.25)
          for d in range(1, 29)],
    ])
    tariffs.add_version(s, "styret", date(2025, 1, 1), "1.3333", monthly_fee="10.005",
                        bands=[{"from_hour": 22, "to_hour": 6, "price": "0.5"}], standby_share="equal")
    meters.register_meter(s, "M", "Garage A")
    for at, kwh in (("2026-01-01T00:00:00", "0"), ("2026-03-01T00:00:00", "900")):
        meters.add_reading(s, "styret", "M", datetime.fromisoformat(at), kwh)
    statements.set_issuer(s, system_scope(), "Borettslaget Ærlige Øster Å", "Åsveien 1\n0150 Oslo", "styret")
    yield s
    s.close()


def text_of(data: bytes) -> tuple[list[str], int]:
    """Each page's text, whitespace collapsed (table cells come out one a line), and the page count."""
    reader = PdfReader(io.BytesIO(data))
    return [" ".join(page.extract_text().split()) for page in reader.pages], len(reader.pages)


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def test_resident_statement_holds_every_session_and_the_statements_own_numbers(store):
    st = statements.build_statements(store, KARI, JAN)
    kari = st.lines[0]
    data, name = pdf.statements_pdf(store, KARI, st, log=False)
    pages, count = text_of(data)
    text = "\n".join(pages)
    assert count == 1 and name == "chargeboard_statement_kari-nordmann_2026-01-01_2026-01-31.pdf"
    assert "Borettslaget Ærlige Øster Å" in text and "Åsveien 1" in text and "0150 Oslo" in text
    assert "Kari Nordmann" in text and "Period: 1 Jan 2026–31 Jan 2026" in text  # English by default
    # every session: local date and time, station, kWh, and its price; they add up to the energy cost
    sessions = statements.session_costs(store, KARI, st)["u-kari"]
    assert [s.session_id for s in sessions] == ["k1", "k2"]
    for s in sessions:
        assert f"{s.energy_kwh:.3f}" in text and money(s.cost) in text
    assert "5 Jan 2026 18:00 Plass ST1" in text and "20 Jan 2026 21:00 Plass ST2" in text
    assert sum(s.cost for s in sessions) == kari.energy_cost
    # the day/night split, the fee, the standby share, the total: the statement's own figures
    assert "hours 22–06" in text and "2.400 kWh at 0.50 NOK/kWh" in text and "1.600 kWh at 1.3333 NOK/kWh" in text
    assert money(kari.fixed_fee) in text and money(kari.standby_share) in text
    assert kari.standby_share > 0 and f"Total to pay NOK {money(kari.total)}" in text
    assert "Version 1, from 1 Jan 2025" in text and "rounded once" in text and "Page 1 of 1" in text
    # and nobody else's name
    assert not any(other in text for other in OTHERS)


def norwegian(amount: Decimal) -> str:
    """282,45 — written out here, not by chargeboard.formats, so a wrong format fails."""
    whole, cents = f"{amount:.2f}".split(".")
    return f"{int(whole):,}".replace(",", " ") + "," + cents


def test_resident_statement_in_norwegian_has_norwegian_labels_amounts_and_dates(store):
    with i18n.language("nb"):
        st = statements.build_statements(store, KARI, JAN)
        data, _name = pdf.statements_pdf(store, KARI, st, log=False)
    kari = st.lines[0]
    text = "\n".join(text_of(data)[0])
    assert "Ladeavregning" in text and "Periode: 01.01.2026–31.01.2026" in text and "Til Kari Nordmann" in text
    sessions = statements.session_costs(store, KARI, st)["u-kari"]
    for s, when in zip(sessions, ("05.01.2026 18:00", "20.01.2026 21:00"), strict=True):
        assert f"{when} Plass ST" in text and f"{s.energy_kwh:.3f}".replace(".", ",") in text
        assert norwegian(s.cost) in text
    assert "herav timer 22–06" in text and "2,400 kWh à 0,50 kr/kWh" in text and "øvrige timer" in text
    assert "Fastledd per måned 1 måned med lading" in text and "2 ladeøkter, 4,000 kWh" in text
    assert f"Totalt å betale {norwegian(kari.total)} kr" in text
    assert "Versjon 1, fra 01.01.2025" in text and "Avrunding" in text and "Side 1 av 1" in text
    assert not any(english in text for english in ("Charging statement", "Total to pay", "Page 1", "Period:", " of "))
    assert i18n.current() == "en"  # the block's language ends with it


def test_all_statements_in_one_pdf_each_numbered_on_its_own(store):
    feb = statements.build_statements(store, system_scope(), statements.StatementRequest(
        date(2026, 1, 1), date(2026, 2, 28)))
    data, name = pdf.statements_pdf(store, system_scope(), feb, log=False)
    pages, count = text_of(data)
    assert name.startswith("chargeboard_statement_all_")
    by_name = {line.name: [i for i, p in enumerate(pages) if f"· {line.name}" in p] for line in feb.lines}
    ola = feb.lines[1]
    assert ola.name == "Ola Hansen" and ola.sessions == 57 and len(by_name["Ola Hansen"]) == 2
    assert count == sum(len(v) for v in by_name.values()) == 5  # Kari 1, Ola 2, Per 1, open charging 1
    first, second = by_name["Ola Hansen"]
    assert "Page 1 of 2" in pages[first] and "Page 2 of 2" in pages[second]
    assert "Date (local time)" in pages[second]  # the sessions' header is repeated on the next page
    ola_text = pages[first] + pages[second]
    assert f"Total to pay NOK {money(ola.total)}" in ola_text
    assert ola_text.count("Plass ST") == 57
    assert all(p.strip() for p in pages)


def test_zip_holds_one_pdf_per_statement(store):
    st = statements.build_statements(store, system_scope(), JAN)
    data, name = pdf.statements_zip(store, system_scope(), st, log=False)
    assert name.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert names == [f"chargeboard_statement_{who}_2026-01-01_2026-01-31.pdf"
                         for who in ("kari-nordmann", "ola-hansen", "per-olsen", "open-charging-no-user")]
        kari = "\n".join(text_of(zf.read(names[0]))[0])
    assert "Kari Nordmann" in kari and not any(other in kari for other in OTHERS)


def test_a_resident_cannot_print_another_residents_statement(store):
    st = statements.build_statements(store, KARI, JAN)
    with pytest.raises(statements.StatementError):
        pdf.statements_pdf(store, KARI, st, user_id="u-ola", log=False)


def test_download_is_logged(store):
    st = statements.build_statements(store, KARI, JAN)
    pdf.statements_pdf(store, KARI, st)
    assert ("kari", "Statements (PDF)") in [(r[0], r[1]) for r in store.cursor().execute(
        "SELECT username, what FROM exports").fetchall()]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (make test installs it)")
def test_pages_render_with_ink_on_every_page(store, tmp_path):
    st = statements.build_statements(store, system_scope(), JAN)
    data, _ = pdf.statements_pdf(store, system_scope(), st, log=False)
    pack, _ = board_pack.board_pack(store, system_scope(), dashboard.DashboardRequest(date(2026, 1, 1),
                                                                                    date(2026, 1, 31)), log=False)
    for label, blob in (("statements", data), ("pack", pack)):
        source = tmp_path / f"{label}.pdf"
        source.write_bytes(blob)
        subprocess.run(["pdftoppm", "-r", "40", "-png", str(source), str(tmp_path / label)], check=True)
        images = sorted(tmp_path.glob(f"{label}-*.png"))
        assert len(images) == len(PdfReader(io.BytesIO(blob)).pages)
        for image in images:
            grey = Image.open(image).convert("L")
            dark = sum(grey.histogram()[:200])
            assert dark > 500, f"{image.name} is (nearly) blank"


def test_board_pack_holds_kpis_comparisons_charts_balance_and_quality(store):
    request = dashboard.DashboardRequest(date(2026, 2, 1), date(2026, 2, 28))
    data, name = board_pack.board_pack(store, system_scope(), request, log=False)
    reader = PdfReader(io.BytesIO(data))
    assert name == "chargeboard_board-pack_2026-02-01_2026-02-28.pdf"
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert width > height and round(float(width)) == 842  # A4 landscape
    text = "\n".join(page.extract_text() for page in reader.pages)
    view = dashboard.dashboard_view(store, system_scope(), request)
    assert "Board pack — Garage A" in text and "February 2026" in text
    assert f"{view.kpis.current.energy_kwh:,.0f}" in text and str(view.kpis.current.sessions) in text
    assert "Previous period" in text and "Last year" in text
    # January, the period before, has data only from the 5th: the pack says so, as the dashboard does,
    # and shows no percentage (catches a partly covered period compared as if whole, which the
    # earlier "the note or the change" let through); a cell's text wraps within its column
    assert view.kpis.partial_note("previous") == "partial data: data only from 5 Jan 2026"
    assert "partial data: data only from 5 Jan 2026" in " ".join(text.split())
    assert dashboard.trend_title(view.trend) in text.replace("\n", " ")
    assert "Meter balance" in text and "Chargers' standby" in text
    assert "Data quality in this period" in text
    # vector charts: drawn as paths, no embedded images
    assert all(not page.images for page in reader.pages)


def test_board_pack_shows_the_periods_capacity_months_to_the_system_owner_only(store):
    from chargeboard.pricing import capacity  # noqa: PLC0415

    # Ola's February: 7.5 kWh 07-09 and 11.25 kWh 19:00-23:30 every day = 3.75 kW and 2.5 kW hours;
    # the tariff's own steps (max_hour) put 3.75 kW on the 2-5 kW step
    tariffs.add_version(store, "test", date(2026, 1, 1), "0", formula={"kind": "formula", "markup_per_kwh": "1", "capacity": {
        "rule": "max_hour", "steps": [{"from_kw": "0", "to_kw": "2", "per_month": "100"},
                                      {"from_kw": "2", "to_kw": "5", "per_month": "333"},
                                      {"from_kw": "5", "per_month": "999"}]}})
    request = dashboard.DashboardRequest(date(2026, 2, 1), date(2026, 2, 28))
    installation = store.rows("installations_all")[0][0]
    month = capacity.month_capacity(store, installation, date(2026, 2, 1), "max_hour",
                                    capacity.rule_of_tariff(store, date(2026, 2, 1))[1])
    assert month.chargers_level == Decimal("3.75") and month.attributed_cost == 333
    text = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(
        board_pack.board_pack(store, system_scope(), request, log=False)[0])).pages).split())
    assert "Capacity and peaks" in text and "3.8 kW" in text and "NOK 333.00" in text, text
    kari = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(
        board_pack.board_pack(store, KARI, request, log=False)[0])).pages).split())
    assert "Capacity and peaks" not in kari
    # January is not whole in a period from 15 January: no capacity row for it
    assert capacity.period_months(store, [installation], date(2026, 1, 15), date(2026, 2, 28))[0].month == date(2026, 2, 1)
    assert len(capacity.period_months(store, [installation], date(2026, 1, 15), date(2026, 2, 28))) == 1


def test_board_pack_in_norwegian_has_norwegian_labels_and_formats(store):
    request = dashboard.DashboardRequest(date(2026, 2, 1), date(2026, 2, 28))
    with i18n.language("nb"):
        data, _name = board_pack.board_pack(store, system_scope(), request, log=False,
                                            now=datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)
    balance = dashboard.dashboard_view(store, system_scope(), request).balance
    assert "Styrerapport — Garage A" in text and "01.02.2026–28.02.2026, begge dager medregnet" in text
    assert "Nøkkeltall" in text and "Forrige periode" in text and "I fjor" in text
    assert "Målerbalanse" in text and "Strømmåler" in text and "Ladernes hvileforbruk" in text
    assert f"{balance.meter_kwh:.1f}".replace(".", ",") in text and "100,0 %" in text
    assert "feb. 2026" in text and "Samme måned i fjor" in text  # the trend's month ticks and legend
    assert "Datakvalitet i perioden" in text and "laget 10.03.2026 12:00 UTC" in text
    assert not any(english in text for english in ("Board pack", "Key figures", "Meter balance", "Page 1"))


def test_board_pack_lists_the_periods_quality_findings(store):
    now = datetime(2026, 3, 10, tzinfo=UTC)
    notes = board_pack.quality_notes(store, system_scope(), date(2026, 2, 1), date(2026, 2, 28), now)
    assert notes == []  # nothing odd in February
    # a 0 kWh session in March is a finding of March only
    add_sessions(store, store.path.parent, [
        session("z1", "kari", "ST1", "2026-03-03T10:00:00", "2026-03-03T11:00:00", 0.0)], "Garage A", "z.json")
    march = board_pack.quality_notes(store, system_scope(), date(2026, 3, 1), date(2026, 3, 31), now)
    assert [(n.title, n.count) for n in march] == [("Sessions with 0 kWh", 1)]
    assert board_pack.quality_notes(store, system_scope(), date(2026, 2, 1), date(2026, 2, 28), now) == []


def test_cli_writes_pdf_zip_and_board_pack(store, tmp_path, capsys):
    db = store.path
    store.close()
    out = tmp_path / "all.pdf"
    base = ["--from", "2026-01-01", "--to", "2026-01-31", "--db", str(db)]
    assert cli.main(["statement", *base, "--format", "pdf", "--out", str(out)]) == 0
    assert text_of(out.read_bytes())[1] == 4
    assert cli.main(["statement", *base, "--format", "zip", "--out", str(tmp_path / "s.zip")]) == 0
    assert len(zipfile.ZipFile(tmp_path / "s.zip").namelist()) == 4
    assert cli.main(["statement", *base, "--format", "pdf"]) == 2
    assert "--out" in capsys.readouterr().err
    assert cli.main(["board-pack", *base, "--out", str(tmp_path / "bp.pdf")]) == 0
    assert "Board pack" in text_of((tmp_path / "bp.pdf").read_bytes())[0][0]
    assert cli.main(["statement-issuer", "--db", str(db), "--name", "Nytt navn"]) == 0
    assert capsys.readouterr().out.splitlines() == ["Nytt navn", "Åsveien 1", "0150 Oslo"]


def test_issuer_defaults_to_the_installation_name(tmp_path):
    s = make_store(tmp_path, [session("k1", "kari", "ST1", "2026-01-05T18:00:00", "2026-01-05T19:00:00", 1.0)],
                   installation="Garage Ø")
    try:
        assert statements.issuer(s) == statements.Issuer("Garage Ø", "")
        with pytest.raises(statements.StatementError):
            statements.set_issuer(s, system_scope(), "  ", "", "styret")
    finally:
        s.close()


def test_session_prices_follow_new_data_and_tariffs_at_once(store):
    before = statements.build_statements(store, KARI, JAN)
    assert [s.cost for s in statements.session_costs(store, KARI, before)["u-kari"]] == [Decimal("1.33"),
                                                                                          Decimal("2.00")]
    tariffs.add_version(store, "styret", date(2025, 1, 1), "2", monthly_fee="10")  # no bands any more
    after = statements.build_statements(store, KARI, JAN)
    assert [s.cost for s in statements.session_costs(store, KARI, after)["u-kari"]] == [Decimal("2.00"),
                                                                                         Decimal("6.00")]
    add_sessions(store, store.path.parent, [
        session("k9", "kari", "ST1", "2026-01-30T12:00:00", "2026-01-30T13:00:00", 0.5)], "Garage A", "k9.json")
    more = statements.build_statements(store, KARI, JAN)
    assert [s.session_id for s in statements.session_costs(store, KARI, more)["u-kari"]] == ["k1", "k2", "k9"]


def test_allocate_to_a_rounded_total():
    cent = Decimal("0.01")
    raw = [Decimal("0.3333"), Decimal("0.9999")]  # 1.3332: the statement may give 1.33 or 1.34
    assert statements.allocate_to(raw, Decimal("1.33"), cent) == [Decimal("0.33"), Decimal("1.00")]
    assert statements.allocate_to(raw, Decimal("1.34"), cent) == [Decimal("0.34"), Decimal("1.00")]
    with pytest.raises(statements.StatementError):
        statements.allocate_to(raw, Decimal("1.40"), cent)


def test_zip_member_and_file_names_keep_norwegian_letters_as_ascii(tmp_path):
    bjorn = session("b1", "kari", "ST1", "2026-01-05T18:00:00", "2026-01-05T19:00:00", 1.0)
    bjorn["UserFullName"] = "Bjørn Ødegård-Ærø"
    muller = session("m1", "ola", "ST1", "2026-01-06T18:00:00", "2026-01-06T19:00:00", 1.0)
    muller["UserFullName"] = "Jürgen Müßig"
    s = make_store(tmp_path, [bjorn, muller], installation="Borettslaget Åsgård")
    try:
        tariffs.add_version(s, "styret", date(2025, 1, 1), "1.00")
        st = statements.build_statements(s, system_scope(), JAN)
        data, _name = pdf.statements_zip(s, system_scope(), st, log=False)
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            assert sorted(zf.namelist()) == [f"chargeboard_statement_{who}_2026-01-01_2026-01-31.pdf"
                                             for who in ("bjorn-odegard-aero", "jurgen-mussig")]
        report = build_report(s, system_scope(), ReportRequest(SessionFilter(date(2026, 1, 1), date(2026, 1, 31))))
        assert exports.report_workbook(s, system_scope(), report, log=False).file_name.startswith(
            "chargeboard_borettslaget-asgard_report-by-station_")
    finally:
        s.close()


def overflowing_cells(table) -> list[tuple[int, int, str]]:
    """Cells whose text cannot fit inside their column (less the padding): a plain string is drawn on
    one line however long, over its neighbours; a paragraph wraps, but never within a word."""
    from reportlab.pdfbase.pdfmetrics import stringWidth  # noqa: PLC0415

    table.wrap(board_pack.WIDTH, board_pack.PAGE[1])
    found = []
    for r, row in enumerate(table._cellvalues):
        for c, cell in enumerate(row):
            style = table._cellStyles[r][c]
            room = table._colWidths[c] - style.leftPadding - style.rightPadding
            if isinstance(cell, str):
                needed = max(stringWidth(line, style.fontname, style.fontsize) for line in cell.split("\n"))
                text = cell
            else:  # a flowable, or the tuple of flowables the table makes of it
                flowables = list(cell) if isinstance(cell, (list, tuple)) else [cell]
                needed = max(f.minWidth() for f in flowables)
                text = " ".join(f.getPlainText() for f in flowables)
            if needed > room + 0.01:
                found.append((r, c, text))
    return found


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_board_pack_kpi_cells_stay_inside_their_columns(store, lang):
    with i18n.language(lang):
        for month in (1, 2):  # January's comparisons are partial: a sentence instead of a percentage
            request = dashboard.DashboardRequest(date(2026, month, 1), date(2026, month, 28))
            view = dashboard.dashboard_view(store, system_scope(), request)
            table = board_pack.kpi_table(view)
            assert overflowing_cells(table) == [], (lang, month)
            assert sum(table._colWidths) <= board_pack.WIDTH
    assert any("partial data" in str(cell) for row in board_pack._kpi_rows(
        dashboard.dashboard_view(store, system_scope(), dashboard.DashboardRequest(date(2026, 1, 1), date(2026, 1, 28))))
        for cell in row)
