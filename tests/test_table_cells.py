"""Missing values in the pages' tables (issue 27, item 8c): Streamlit draws a missing cell as the
English word "None" whatever text the Styler gives it, so the tables replace it in the data: "—" in a
text column, nothing in a figure or a moment."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from chargeboard import widgets


def frame() -> pd.DataFrame:
    return pd.DataFrame({"file_name": ["a.json", None], "energy_kwh": [1.5, float("nan")],
                         "import_id": pd.array([3, None], dtype="Int64"),
                         "finished_at": pd.to_datetime(["2026-11-24 21:20", None], utc=True)})


def test_formatted_leaves_no_missing_value_in_a_text_or_a_formatted_figure():
    styled = widgets.formatted(frame(), {"energy_kwh": widgets.number(3), "import_id": widgets.number()})
    data = styled.data
    assert list(data["file_name"]) == ["a.json", "—"]
    assert list(data["energy_kwh"]) == [1.5, ""] and list(data["import_id"]) == [3, ""]
    html = styled.to_html()
    assert "1.500" in html and "nan" not in html.lower() and "None" not in html


def draw_table() -> None:
    import pandas as pd  # noqa: PLC0415 — AppTest runs this function's body as a script

    from chargeboard import widgets  # noqa: PLC0415

    widgets.table(pd.DataFrame({"file_name": ["a.json", None], "energy_kwh": [1.5, float("nan")],
                                "finished_at": pd.to_datetime(["2026-11-24 21:20", None], utc=True)}))


def test_a_table_sends_no_missing_cell():
    at = AppTest.from_function(draw_table).run()
    assert not at.exception, at.exception
    sent = at.dataframe[0].value
    assert not sent.isna().any().any(), sent
    assert sent["finished_at"].iloc[1] == "" and sent["file_name"].iloc[1] == "—"
