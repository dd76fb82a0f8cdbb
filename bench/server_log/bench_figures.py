"""What the benches count as a page's first figure: a KPI tile (st.metric), chart, table or notice, or an
expander, of the main area. One definition for the browser's side (browser_bench.SentFigures) and the
server's (sitecustomize.py, which has only this folder on its path)."""

FIGURE_ELEMENTS = {"metric", "plotly_chart", "dataframe", "alert"}


def is_figure(msg) -> bool:
    """A Streamlit ForwardMsg that draws a figure in the main area."""
    if msg.WhichOneof("type") != "delta" or not msg.metadata.delta_path or msg.metadata.delta_path[0] != 0:
        return False
    delta = msg.delta
    kind = delta.WhichOneof("type")
    return (kind == "new_element" and delta.new_element.WhichOneof("type") in FIGURE_ELEMENTS) or \
        (kind == "add_block" and delta.add_block.WhichOneof("type") == "expandable")
