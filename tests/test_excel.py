"""chargeboard.excel: every file is read back with openpyxl in normal mode."""

from __future__ import annotations

import datetime as dt
import io
import math
import tracemalloc
import warnings
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chargeboard import excel, i18n
from chargeboard.excel import MAX_DATA_ROWS, Column, Sheet, TooManyRows, write_workbook

COLUMNS = [
    Column("Session", "int"),
    Column("Start", "datetime"),
    Column("Day", "date"),
    Column("User", "text"),
    Column("Energy (kWh)", "kwh"),
    Column("Duration (h)", "hours"),
    Column("Share", "percent"),
    Column("Cost", "money"),
]
START = dt.datetime(2025, 3, 14, 9, 26, 53)
ROW = (17, START, dt.date(2025, 3, 14), "Åse Nilsen", 12.3456, 2.5, 0.125, 1234.5)
INJECTIONS = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\x00x", '=HYPERLINK("http://x","y")', "\r=1+1"]
ABOUT = [("Installation", "Garage A"), ("Period", "2025-03"), ("Filter", "=cmd|' /C calc'!A0")]


def write(sheets, about=ABOUT, **kwargs):
    buffer = io.BytesIO()
    count = write_workbook(buffer, sheets, about, **kwargs)
    buffer.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # openpyxl warns about anything it had to guess
        workbook = openpyxl.load_workbook(buffer)
    return count, workbook


def cells(workbook):
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            yield from row


def text_sheet(values):
    return Sheet("Text", [Column("Value", "text")], [(v,) for v in values])


def raw_sheet_xml(sheets, index=1) -> str:
    buffer = io.BytesIO()
    write_workbook(buffer, sheets, [])
    return zipfile.ZipFile(buffer).read(f"xl/worksheets/sheet{index}.xml").decode()


def test_layout_header_filter_totals_and_about(tmp_path):
    rows = (ROW[:1] + (START + dt.timedelta(hours=i),) + ROW[2:] for i in range(3))
    totals = ["Total", None, None, None, 37.0368, 7.5, None, 3703.5]
    path = tmp_path / "export.xlsx"
    count = write_workbook(path, [Sheet("Sessions", COLUMNS, rows, totals=totals)], ABOUT)
    assert count == 3
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Sessions", "About"]
    ws = wb["Sessions"]

    assert [c.value for c in ws[1]] == [c.title for c in COLUMNS]
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:H4"  # header and data, not the totals row
    assert not any(c.font.b for c in ws[2])

    assert ws.max_row == 5
    total = ws[5]
    assert [c.value for c in total] == totals
    assert all(c.font.b for c in total if c.value is not None)
    assert total[4].number_format == "#,##0.000" and total[7].number_format == "#,##0.00"

    widths = [ws.column_dimensions[c].width for c in "ABCDEFGH"]
    assert all(8 <= w <= 60 for w in widths)
    assert ws.column_dimensions["D"].width > ws.column_dimensions["A"].width  # text wider than ids

    about = wb["About"]
    assert list(about.values) == [("Field", "Value")] + [(f, "'" + v if v[0] == "=" else v) for f, v in ABOUT]
    assert about.freeze_panes == "A2" and about[1][0].font.b


def test_types_and_number_formats():
    _, wb = write([Sheet("S", COLUMNS, [ROW])])
    session, start, day, user, kwh, hours, share, cost = wb["S"][2]

    assert session.value == 17 and session.data_type == "n"
    assert isinstance(start.value, dt.datetime) and start.value.tzinfo is None
    assert start.value == START and start.is_date
    assert start.number_format == "d mmm yyyy hh:mm"  # as the English text writes it: 14 Mar 2025 08:30
    assert day.value == dt.datetime(2025, 3, 14) and day.number_format == "d mmm yyyy"
    assert user.value == "Åse Nilsen" and user.data_type == "s"
    assert session.number_format == "#,##0"
    assert isinstance(kwh.value, float) and kwh.value == 12.3456 and kwh.number_format == "#,##0.000"
    assert hours.value == 2.5 and hours.number_format == "#,##0.00"
    assert share.value == 0.125 and share.number_format == "0.0%"
    assert cost.value == 1234.5 and cost.number_format == "#,##0.00"


def test_datetime_keeps_subsecond_precision_to_the_millisecond():
    value = dt.datetime(2030, 12, 31, 23, 59, 59, 123000)
    _, wb = write([Sheet("S", [Column("t", "datetime")], [(value,)])])
    assert wb["S"]["A2"].value == value


def test_missing_and_odd_values():
    columns = [
        Column("n", "int"),
        Column("k", "kwh"),
        Column("h", "hours"),
        Column("t", "datetime"),
        Column("s", "text"),
    ]
    rows = [
        (None, None, None, None, None),
        (True, Decimal("1.2345"), dt.timedelta(minutes=90), dt.date(2025, 1, 2), 42),
        (2**60, float("nan"), float("inf"), dt.datetime(1899, 1, 1), ""),
        ("n/a", "=1", "-", "later", Decimal("7.5")),
    ]
    _, wb = write([Sheet("S", columns, rows)])
    ws = wb["S"]
    assert [c.value for c in ws[2]] == [None] * 5
    assert [c.value for c in ws[3]] == [1, 1.2345, 1.5, dt.datetime(2025, 1, 2), "42"]
    # 2**60 cannot be a double exactly; 1899 cannot be an Excel date: both become text.
    assert [c.value for c in ws[4]] == [str(2**60), None, None, "1899-01-01T00:00:00", None]
    assert [c.value for c in ws[5]] == ["n/a", "'=1", "'-", "later", "7.5"]
    assert all(c.data_type == "s" for c in ws[5])


def test_pandas_and_numpy_values():
    pd = pytest.importorskip("pandas")
    np = pytest.importorskip("numpy")
    columns = [Column("n", "int"), Column("k", "kwh"), Column("t", "datetime")]
    columns.append(Column("s", "text"))
    rows = [
        (np.int64(3), np.float64(1.5), pd.Timestamp("2025-05-01 10:00"), "x"),
        (None, np.nan, pd.NaT, np.nan),
        (pd.NA, pd.NA, pd.NA, pd.NA),
        (Decimal("NaN"), Decimal("sNaN"), None, None),
    ]
    _, wb = write([Sheet("S", columns, rows)])
    assert [c.value for c in wb["S"][2]] == [3, 1.5, dt.datetime(2025, 5, 1, 10), "x"]
    for row in wb["S"].iter_rows(min_row=3):
        assert [c.value for c in row] == [None] * 4
    aware = pd.Timestamp("2025-05-01 10:00", tz="Europe/Oslo")
    with pytest.raises(ValueError, match="local time"):
        write_workbook(io.BytesIO(), [Sheet("S", [Column("t", "datetime")], [(aware,)])], [])


@pytest.mark.parametrize("value", INJECTIONS)
def test_formula_injection_is_neutralised(value):
    header = Column(value, "text")
    sheet = Sheet("S", [header, Column("k", "kwh")], [(value, value)], totals=[value, value])
    _, wb = write([sheet], about=[(value, value)])
    texts = [c for c in cells(wb) if c.value is not None]
    assert len(texts) == 2 + 2 + 2 + 2 + 2  # header, row, totals in S; header and pair in About
    for cell in texts:
        if cell.value in ("Field", "Value", "k"):
            continue
        assert isinstance(cell.value, str)
        assert cell.data_type == "s"
        assert cell.value.startswith("'"), cell.value
    assert not any(c.data_type == "f" for c in cells(wb))


def test_no_formula_anywhere_in_the_file():
    sheet = Sheet(
        "S", [Column("a", "text"), Column("b", "int")], [(v, v) for v in INJECTIONS], totals=["=SUM(B2:B9)", "=1"]
    )
    buffer = io.BytesIO()
    write_workbook(buffer, [sheet], [("=1", "=2")])
    with zipfile.ZipFile(buffer) as zf:
        for name in zf.namelist():
            assert "<f>" not in zf.read(name).decode() and "<f " not in zf.read(name).decode()
    buffer.seek(0)
    wb = openpyxl.load_workbook(buffer)
    assert not any(c.data_type == "f" for c in cells(wb))


def test_exact_readback_of_neutralised_values():
    _, wb = write([text_sheet(INJECTIONS)])
    assert [c.value for c in wb["Text"]["A"][1:]] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\t=1",
        "'\ufffdx",
        '\'=HYPERLINK("http://x","y")',
        "'\n=1+1",
    ]


def test_xml_illegal_characters_cannot_break_an_export():
    values = [
        "Kari\x00Nordmann",
        "a\x01b\x1fc",
        "bad\ud800half",
        "no\ufffechar",
        "line1\r\nline2\rline3",
        "tab\tand\nnewline",
    ]
    _, wb = write([text_sheet(values)])
    assert [c.value for c in wb["Text"]["A"][1:]] == [
        "Kari\ufffdNordmann",
        "a\ufffdb\ufffdc",
        "bad\ufffdhalf",
        "no\ufffdchar",
        "line1\nline2\nline3",
        "tab\tand\nnewline",
    ]


def test_xml_specials_whitespace_and_ooxml_escapes():
    values = ["A&B <c> \"d\" 'e'", "  padded  ", "_x003D_1+1", "x" * 40_000]
    xml = raw_sheet_xml([text_sheet(values)])
    assert "A&amp;B &lt;c&gt;" in xml
    assert '<t xml:space="preserve">  padded  </t>' in xml
    # Excel would decode _x003D_ to "="; escaped, it shows the text as written.
    assert "_x005F_x003D_1+1" in xml
    _, wb = write([text_sheet(values)])
    got = [c.value for c in wb["Text"]["A"][1:]]
    assert got[:2] == values[:2]
    assert got[2] == "_x005F_x003D_1+1"  # openpyxl does not decode OOXML escapes; Excel does
    assert len(got[3]) == excel.MAX_TEXT


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=20))
def test_any_text_reads_back_as_a_plain_string(values):
    _, wb = write([text_sheet(values)])
    ws = wb["Text"]
    for row, value in enumerate(values, start=2):
        cell = ws.cell(row=row, column=1)
        if value == "":
            assert cell.value is None
            continue
        assert cell.data_type == "s" and isinstance(cell.value, str)
        assert cell.value[0] not in "=+-@\t\r\x00"
        plain = value[0] not in "=+-@\t\r\x00" and value.isprintable() and "_x" not in value
        if plain:
            assert cell.value == value
    assert not any(c.data_type == "f" for c in cells(wb))


def test_too_many_rows_with_injected_limit():
    rows_seen = []

    def rows():
        for i in range(100):
            rows_seen.append(i)
            yield (i,)

    with pytest.raises(TooManyRows, match="CSV"):
        write_workbook(io.BytesIO(), [Sheet("S", [Column("n", "int")], rows())], [], max_data_rows=10)
    assert len(rows_seen) == 11  # stopped as soon as the limit was passed


def test_row_limit_is_inclusive_and_the_totals_row_takes_one(monkeypatch):
    monkeypatch.setattr(excel, "MAX_DATA_ROWS", 5)
    sheet = lambda n, totals=None: Sheet("S", [Column("n", "int")], [(i,) for i in range(n)], totals=totals)  # noqa: E731
    assert write_workbook(io.BytesIO(), [sheet(5)], []) == 5
    assert write_workbook(io.BytesIO(), [sheet(4, totals=[4])], []) == 4
    with pytest.raises(TooManyRows):
        write_workbook(io.BytesIO(), [sheet(5, totals=[5])], [])
    with pytest.raises(TooManyRows):
        write_workbook(io.BytesIO(), [sheet(6)], [])
    assert MAX_DATA_ROWS == 1_048_575


def test_failed_export_leaves_no_file(tmp_path):
    path = tmp_path / "x.xlsx"
    with pytest.raises(TooManyRows):
        write_workbook(path, [Sheet("S", [Column("n", "int")], [(1,), (2,)])], [], max_data_rows=1)
    assert not path.exists()


def test_tz_aware_datetime_is_rejected(tmp_path):
    aware = dt.datetime(2025, 1, 1, 12, tzinfo=dt.UTC)
    path = tmp_path / "x.xlsx"
    with pytest.raises(ValueError, match="local time"):
        write_workbook(path, [Sheet("S", [Column("t", "datetime")], [(aware,)])], [])
    assert not path.exists()
    with pytest.raises(ValueError):
        write_workbook(io.BytesIO(), [Sheet("S", [Column("t", "date")], [(aware,)])], [])


def test_bytesio_target_and_multiple_sheets():
    a = Sheet(
        "Monthly", [Column("Month", "date"), Column("kWh", "kwh")], [(dt.date(2025, m, 1), m * 1.5) for m in (1, 2)]
    )
    b = Sheet("Per user", [Column("User", "text"), Column("kWh", "kwh")], iter([("u1", 1.0), ("u2", 2.0), ("u3", 3.0)]))
    count, wb = write([a, b])
    assert count == 5
    assert wb.sheetnames == ["Monthly", "Per user", "About"]
    assert wb["Per user"].auto_filter.ref == "A1:B4"
    assert wb["Monthly"]["B3"].value == 3.0


def test_empty_sheet_has_header_and_filter():
    count, wb = write([Sheet("Empty", COLUMNS, [])])
    assert count == 0
    ws = wb["Empty"]
    assert ws.max_row == 1 and ws.auto_filter.ref == "A1:H1"


@pytest.mark.parametrize(
    "name",
    ["", "x" * 32, "a[b", "a]b", "a:b", "a*b", "a?b", "a/b", "a\\b", "'quoted", "quoted'", "History", "About", "ABOUT"],
)
def test_bad_sheet_names_are_refused(name):
    with pytest.raises(ValueError):
        write_workbook(io.BytesIO(), [Sheet(name, [Column("n", "int")], [])], [])


def test_good_sheet_names_are_kept():
    names = ["x" * 31, "Per user (kWh) – 2025", "O'Brien & co <1>"]
    _, wb = write([Sheet(n, [Column("n", "int")], [(1,)]) for n in names])
    assert wb.sheetnames == names + ["About"]


def test_duplicate_sheet_names_differing_in_case_are_refused():
    with pytest.raises(ValueError, match="duplicate"):
        write_workbook(
            io.BytesIO(), [Sheet("Data", [Column("n", "int")], []), Sheet("data", [Column("n", "int")], [])], []
        )


def test_bad_shapes_and_types():
    with pytest.raises(ValueError, match="kind"):
        Column("x", "float")
    with pytest.raises(ValueError, match="totals"):
        write_workbook(io.BytesIO(), [Sheet("S", [Column("n", "int")], [], totals=[1, 2])], [])
    with pytest.raises(ValueError, match="row 2"):
        write_workbook(io.BytesIO(), [Sheet("S", [Column("n", "int")], [(1,), (1, 2)])], [])
    with pytest.raises(TypeError, match="'n'"):
        write_workbook(io.BytesIO(), [Sheet("S", [Column("n", "int")], [(object(),)])], [])
    with pytest.raises(TypeError):
        write_workbook(io.BytesIO(), [Sheet("S", [Column("d", "date")], [(3.5,)])], [])


def test_rows_are_streamed_not_materialised():
    """Traced memory stays small while 30,000 rows pass through (a list of them alone is ~10 MB)."""

    def rows():
        for i in range(30_000):
            yield (i, START, START.date(), f"user {i}", i / 7, 1.25, 0.5, i * 1.1)

    tracemalloc.start()
    try:
        write_workbook(io.BytesIO(), [Sheet("S", COLUMNS, rows())], [])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The BytesIO holds the compressed output (~2.5 MB); the rest is one batch of rows.
    assert peak < 8 * 1024 * 1024, peak


def test_output_is_a_sound_zip_and_reproducible():
    def make():
        buffer = io.BytesIO()
        write_workbook(buffer, [Sheet("S", COLUMNS, [ROW])], ABOUT)
        return buffer.getvalue()

    first = make()
    assert first == make()
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        assert zf.testzip() is None
        assert set(zf.namelist()) >= {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/styles.xml"}


def test_float_repr_round_trips():
    values = [0.1, 1e-7, 1.5e20, -3.25, 123456789.123]
    _, wb = write([Sheet("S", [Column("k", "kwh")], [(v,) for v in values])])
    got = [c.value for c in wb["S"]["A"][1:]]
    assert all(math.isclose(a, b, rel_tol=0, abs_tol=0) for a, b in zip(got, values, strict=True))


# --- printing (issue 10) --------------------------------------------------------------------------


def test_every_sheet_prints_one_page_wide_with_repeated_header_and_page_numbers():
    wide = Sheet("Wide", COLUMNS, [ROW] * 3, totals=["Total", None, None, None, 12.3, None, None, None])
    narrow = Sheet("Narrow", [Column("Name", "text"), Column("kWh", "kwh")], [("Åse", 1.5)],
                   heading=["Statement — Åse & Ola", "Period: 2025-03-01 – 2025-03-31"])
    _, book = write([wide, narrow], page_header=("Garage A & B", "Report", "2025-03"))
    for ws in book.worksheets:
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True and ws.page_setup.paperSize == 9
        assert ws.oddHeader.left.text == "Garage A && B"  # '&' is doubled: Excel prints one
        assert (ws.oddHeader.center.text, ws.oddHeader.right.text) == ("Report", "2025-03")
        assert ws.oddFooter.center.text == "Page &P of &N"
    wide_ws, narrow_ws, about_ws = book.worksheets
    assert wide_ws.page_setup.orientation == "landscape" and narrow_ws.page_setup.orientation == "portrait"
    # the print area is exactly the table (header, 3 rows, totals): nothing beyond it prints
    assert wide_ws.print_area == "'Wide'!$A$1:$H$5" and wide_ws.print_title_rows == "$1:$1"
    assert about_ws.print_area == f"'About'!$A$1:$B${len(ABOUT) + 1}"
    assert about_ws["B2"].alignment.wrap_text  # long About values wrap inside the printed width
    # a heading above the table: the header row moves down, and is the one repeated
    assert [narrow_ws.cell(r, 1).value for r in range(1, 6)] == [
        "Statement — Åse & Ola", "Period: 2025-03-01 – 2025-03-31", None, "Name", "Åse"]
    assert narrow_ws.print_title_rows == "$4:$4" and narrow_ws.print_area == "'Narrow'!$A$1:$B$5"
    assert narrow_ws.freeze_panes == "A5" and narrow_ws.auto_filter.ref == "A4:B5"


def test_print_area_covers_the_data_not_the_sheet_limits():
    rows = [(i, START, START.date(), "x", 1.0, 1.0, 0.1, 1.0) for i in range(1000)]
    ws = write([Sheet("Many", COLUMNS, rows)])[1]["Many"]
    assert ws.print_area == "'Many'!$A$1:$H$1001"
    assert ws.max_row == 1001 and ws.max_column == len(COLUMNS)


def test_norwegian_sort_order():
    from chargeboard.collation import norwegian_key, sorted_norwegian  # noqa: PLC0415

    assert sorted_norwegian(["Aase", "Ære", "Øystein", "Åse", "Zorro"]) == ["Aase", "Zorro", "Ære", "Øystein", "Åse"]
    assert sorted_norwegian(["øystein", "Ærlig", "ola", "Émile", "eva", "Ärla"]) == [
        "Émile", "eva", "ola", "Ärla", "Ærlig", "øystein"]
    assert norwegian_key(None) == ("", "")


def test_about_footer_and_date_formats_follow_the_active_language():
    with i18n.language("nb"):
        _, wb = write([Sheet("S", COLUMNS, [ROW])], page_header=("Garasje Ø", "Rapport", "01.03.2025–31.03.2025"))
    assert wb.sheetnames == ["S", "Om"]
    assert list(wb["Om"].values)[0] == ("Felt", "Verdi")
    session, start, day, _user, kwh, _hours, _share, cost = wb["S"][2]
    assert start.value == START and start.number_format == "dd.mm.yyyy hh:mm"
    assert day.number_format == "dd.mm.yyyy" and kwh.number_format == "#,##0.000" and cost.number_format == "#,##0.00"
    assert wb["S"].oddFooter.center.text == "Side &P av &N"
    with i18n.language("nb"), pytest.raises(ValueError, match="'Om' is reserved"):
        write([Sheet("om", COLUMNS, [ROW])])
    _, english = write([Sheet("S", COLUMNS, [ROW])])
    assert english.sheetnames == ["S", "About"] and english["S"].oddFooter.center.text == "Page &P of &N"
