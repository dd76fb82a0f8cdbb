"""The interactive app in Norwegian and English without a browser (issue 11): the texts and formats
the feature modules hand the pages, the CSV dialect of the app's downloads, a Norwegian export read
back, the demo's languages, and a Norwegian login in AppTest."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pandas as pd
import support
from test_app import fresh, log_in, said, settle, texts

from chargeboard import accounts, dashboard, formats, i18n, my_usage, periods, widgets
from chargeboard.ingest import ingest_file
from chargeboard.scope import RESIDENT, Scope


def test_feature_texts_follow_the_active_language():
    with i18n.language("nb"):
        assert periods.label(date(2026, 10, 1), date(2026, 10, 31)) == "oktober 2026"
        assert periods.label(date(2026, 7, 1), date(2026, 9, 30)) == "3. kvartal 2026"
        assert periods.label(date(2026, 11, 1), date(2026, 11, 25)) == "01.11.2026–25.11.2026"
        assert dashboard.format_kpi("energy_kwh", Decimal("7148.4")) == "7\xa0148"
        assert dashboard.format_kpi("utilisation", 0.0938) == "9,4"
        assert dashboard.format_change("utilisation", 0.008) == "+0,8 %-poeng"
        assert dashboard.format_change("energy_kwh", -0.006) == "-1 %"  # an ASCII minus: st.metric reads it
        assert dashboard.weekday(1) == "mandag" and dashboard.kpi_label("sessions") == "Ladeøkter"
    assert periods.label(date(2026, 10, 1), date(2026, 10, 31)) == "October 2026"
    assert dashboard.format_change("utilisation", 0.008) == "+0.8 pp"


def test_a_table_shows_the_readers_numbers_and_keeps_them_numbers():
    frame = pd.DataFrame({"station": ["A", None], "energy_kwh": [7148.25, None], "sessions": [1234, 5]})
    with i18n.language("nb"):
        styled = widgets.formatted(frame, {"energy_kwh": widgets.number(3), "sessions": widgets.number()})
        shown = styled.to_html()
    assert "7\xa0148,250" in shown and "1\xa0234" in shown and "—" in shown  # display text, no "None"
    assert styled.data["sessions"].dtype == "int64"  # the cells stay numbers: the table sorts by value
    # ... unless one is missing: Streamlit draws a missing cell "None" whatever its display text, so
    # it is left blank in the data (tests/test_table_cells.py)
    assert list(styled.data["energy_kwh"]) == [7148.25, ""]
    complete = widgets.formatted(frame.dropna(), {"energy_kwh": widgets.number(3)})
    assert complete.data["energy_kwh"].dtype == float


def _draw_a_table_larger_than_pandas_styles():
    import pandas as pd  # noqa: PLC0415 — AppTest runs this function's body as a script

    from chargeboard import widgets  # noqa: PLC0415

    cells = pd.get_option("styler.render.max_elements")
    widgets.table(pd.DataFrame({"reason": ["negative energy"] * (cells // 2 + 1), "position": 1}))


def test_a_table_too_large_to_style_is_shown_not_failed():
    # 50,005 rejected rows (400,040 cells) once failed the Data quality page: pandas styles at most 262,144.
    from streamlit.testing.v1 import AppTest  # noqa: PLC0415

    app = AppTest.from_function(_draw_a_table_larger_than_pandas_styles).run(timeout=60)
    assert not app.exception and len(app.dataframe) == 1
    assert widgets.formatted(pd.DataFrame({"position": [1]}), {"position": widgets.number()}).data is not None


def test_the_apps_csv_is_in_the_readers_dialect():
    with i18n.language("nb"):
        assert widgets.csv_dialect() == "excel-nb"
    with i18n.language("en"):
        assert widgets.csv_dialect() == "excel-en"


def test_a_norwegian_residents_excel_has_norwegian_headers_and_typed_cells(store, feeds):
    record = support.zaptec_record("a", user_id="u-1", email="u-1@example.org", kwh=12.5,
                                   start=datetime(2025, 3, 5, 10))
    ingest_file(store, feeds.zaptec([record], "mine.json"), installation="Test")
    me = Scope("u-1", RESIDENT, user_ids=("u-1",))
    with i18n.language("nb"):
        usage = my_usage.my_usage(store, me, date(2025, 3, 20))
        data, _name = my_usage.export_workbook(store, me, usage, log=False)
        assert my_usage.monthly_title(usage) == "Du ladet mest i mars 2025: 12 kWh"  # 12,5 rounded half to even
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames[:2] == ["Mine ladeøkter", "Per måned"]
    header, first, *_rest = book["Mine ladeøkter"].iter_rows(values_only=True)
    assert header[:3] == ("Start", "Slutt", "Registrert") and header[6] == "Energi (kWh)"
    assert isinstance(first[0], datetime) and first[6] == 12.5  # typed: a date and a number


def test_the_demo_speaks_norwegian_and_ola_english(tmp_path):
    from chargeboard_demo import accounts as demo_accounts  # noqa: PLC0415

    auth = tmp_path / "demo.auth.yaml"
    assert demo_accounts.write_demo_accounts(auth)
    config = accounts.load_config(auth)
    assert accounts.default_language(config) == "nb"
    languages = {name: account.language for name, account in accounts.accounts(config).items()}
    assert languages == {"styret": "nb", "per": "nb", "kari": "nb", "ola": "en"}


def test_a_norwegian_account_reads_the_app_in_norwegian(app_env):
    accounts.set_language("kari", "nb")
    at = settle(log_in(fresh(), support.RESIDENT.username, support.RESIDENT.password))  # the form: the store's en
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Mitt forbruk"]
    assert "Logget inn som **Kari Nordmann** · Beboer" in texts(at.sidebar)
    assert at.sidebar.button[0].label == said("Log out", "nb") == "Logg ut"
    # "Denne måneden (januar)": the month's name and the figures as Norwegians write them.
    labels = [m.label for m in at.metric]
    assert labels[0] == f"Denne måneden ({formats.month_name(date(2026, 1, 15), 'nb')})"
    assert all(m.value.endswith("\xa0kWh") and "." not in m.value for m in at.metric[:2])
