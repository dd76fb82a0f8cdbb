"""One colour per meaning, across the whole app, and the chart conventions every page shares.

The palette is Okabe–Ito (Okabe & Ito, 2008, "Color Universal Design"): eight colours that stay
distinguishable with the common forms of colour-vision deficiency, on screens, projectors and in
grey-scale print. A colour means the same thing on every page: energy charged is always blue,
"you" is always orange, last year is always sky blue, a warning is always vermillion. Charts never
rely on colour alone: the title states the finding and every trace has a name in its hover text.

Use it from any page or module::

    from chargeboard import theme
    fig.add_bar(..., marker_color=theme.ENERGY)
    theme.style(fig, title="January was the busiest month: 2,314 kWh", x_title="Month", y_title="Energy (kWh)")
    st.plotly_chart(fig, config=theme.plotly_config("monthly-energy"))
"""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go

from chargeboard import formats

# --- Okabe–Ito -------------------------------------------------------------------------------
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
GREY = "#999999"  # not Okabe–Ito, but neutral and safe: "context", never data of its own
OKABE_ITO = (ORANGE, SKY_BLUE, BLUISH_GREEN, YELLOW, BLUE, VERMILLION, REDDISH_PURPLE, BLACK)

# --- meanings (use these names, not the colours) ---------------------------------------------
ENERGY = BLUE                 # energy charged (kWh), sessions in the selected period
LAST_YEAR = SKY_BLUE          # the same period one year earlier
PREVIOUS = GREY               # the previous period / context
YOU = ORANGE                  # the logged-in resident's own figures
AVERAGE = GREY                # the installation's anonymised average
UTILISATION = BLUISH_GREEN    # share of hours a station was occupied
STANDBY = REDDISH_PURPLE      # chargers' standby consumption (meter reconciliation)
REST = YELLOW                 # meter consumption not explained by sessions or standby
WARNING = VERMILLION          # anomalies, unreliable time, rejected rows
CORRECTED = BLACK             # a date corrected by the system owner

# Sequential scale for heatmaps: white to ENERGY blue (one hue, so order reads without colour).
SEQUENTIAL = [[0.0, "#FFFFFF"], [0.15, "#DCEBF5"], [0.5, SKY_BLUE], [1.0, BLUE]]
# Categorical order for charts with several series of equal standing (stations, tags...).
CATEGORICAL = (BLUE, ORANGE, BLUISH_GREEN, REDDISH_PURPLE, SKY_BLUE, VERMILLION, YELLOW, BLACK)

FONT_FAMILY = "Source Sans Pro, Arial, sans-serif"
FONT_SIZE = 14
PRESENT_FONT_SIZE = 22        # chart text on a projector (≥ 16 px, read from the back of a room)
PRESENT_KPI_VALUE_PX = 64     # a KPI's value in present mode
TICK_COLOUR = "#333333"       # axis lines and ticks: dark enough for a washed-out projector
CHART_TEXT = "#222222"        # chart titles, axis titles, legends, colour bars, hover text
CHART_BACKGROUND = "#FFFFFF"

# --- the pages' colours ----------------------------------------------------------------------
# .streamlit/config.toml [theme] sets exactly these (tests/test_contrast.py checks both, and that
# every text colour reaches WCAG 2.x contrast: 4.5:1, large text 3:1). Streamlit draws captions and
# help text in the text colour at 60 % opacity over the background, so the text colour is near
# black: with Streamlit's default (#31333F) a caption is 3.7:1.
TEXT = "#111111"
BACKGROUND = "#FFFFFF"
SIDEBAR_BACKGROUND = "#F0F2F6"    # also inputs and code blocks (Streamlit's secondary background)
PRIMARY = BLUE                    # primary buttons (white text on it) and links; Streamlit's red is 3.3:1
BUTTON_TEXT = "#FFFFFF"
CAPTION_OPACITY = 0.6
# Alerts, metric deltas and coloured text: each colour's text on its own tint (and on the page).
STATUS_TEXT = {"red": "#A8200D", "orange": "#8A4B00", "yellow": "#6B5A00", "blue": "#005A8C",
               "green": "#0B6B34", "violet": "#5B2A86", "gray": "#4A4D57"}
STATUS_BACKGROUND = {"red": "#FDECEC", "orange": "#FFF1E0", "yellow": "#FFF8D6", "blue": "#E6F1FA",
                     "green": "#E4F4EA", "violet": "#F1EAFB", "gray": "#EEEFF2"}


# Trace properties whose strings plotly draws (as ticks, legend entries, hover text or labels).
TEXT_PROPERTIES = ("name", "x", "y", "text", "hovertext", "customdata", "labels")


def _escape_one(value):
    return html.escape(value, quote=False) if isinstance(value, str) else value


_escape_each = np.frompyfunc(_escape_one, 1, 1)


def as_text(value):
    """A label from a feed as plain text for plotly, which renders a subset of HTML (<a href>, <b>,
    <br>, <span style>) in every string it draws (stack-facts.md, trap 15). Plotly turns the
    entities back into the characters, so `<b>x</b>` is shown as typed, never as markup."""
    if isinstance(value, str):
        return _escape_one(value)
    if isinstance(value, np.ndarray):
        return _escape_each(value) if value.dtype.kind in "OUS" else value  # numbers and dates hold no text
    if isinstance(value, (list, tuple)):
        return type(value)(as_text(v) for v in value)
    return value


def _escape_feed_text(fig: go.Figure) -> None:
    """Every string in every trace as text: names of stations, users and tags come from feeds."""
    for trace in fig.data:
        for prop in TEXT_PROPERTIES:
            if prop in trace and trace[prop] is not None:
                trace[prop] = as_text(trace[prop])


def style(fig: go.Figure, *, title: str, x_title: str | None = None, y_title: str | None = None,
          present: bool = False, height: int | None = None) -> go.Figure:
    """Title (the chart's one message), axis titles with units, fonts, a plain background.
    Every figure passes here once, so this is where feed text is escaped (title and traces)."""
    size = PRESENT_FONT_SIZE if present else FONT_SIZE
    _escape_feed_text(fig)
    fig.update_layout(
        title={"text": as_text(title), "font": {"size": round(size * 1.35), "color": CHART_TEXT}, "x": 0,
               "xanchor": "left"},
        font={"family": FONT_FAMILY, "size": size, "color": CHART_TEXT},
        colorway=list(CATEGORICAL),
        plot_bgcolor=CHART_BACKGROUND,
        paper_bgcolor=CHART_BACKGROUND,
        margin={"t": 70 if not present else 95, "l": 10, "r": 10, "b": 10},
        # Beside the plot, under the title's line: a legend never overlaps the title, however long.
        legend={"orientation": "v", "yanchor": "top", "y": 1.0, "xanchor": "left", "x": 1.02, "title_text": "",
                "font": {"color": CHART_TEXT}},
        # Hover text on white, not on the trace's colour (dark text on sky blue is 4.2:1).
        hoverlabel={"font": {"size": size, "color": CHART_TEXT}, "bgcolor": CHART_BACKGROUND},
        separators=formats.plotly_separators(),  # 7 148,5 / 7,148.5 in ticks and hovers
    )
    if height is not None:
        fig.update_layout(height=round(height * (1.3 if present else 1.0)))
    if x_title is not None:
        fig.update_xaxes(title_text=x_title)
    if y_title is not None:
        fig.update_yaxes(title_text=y_title)
    ticks = {"tickfont": {"size": size, "color": TICK_COLOUR}, "tickcolor": TICK_COLOUR,
             "title_font": {"color": CHART_TEXT}}
    fig.update_xaxes(showgrid=False, linecolor=TICK_COLOUR, ticks="outside", **ticks)
    fig.update_yaxes(gridcolor="#D9D9D9" if present else "#E5E5E5", zerolinecolor=TICK_COLOUR, **ticks)
    return fig


def month_axis(fig: go.Figure, months) -> None:
    """Month ticks as the reader writes them ("okt. 2026" / "Oct 2026"): plotly's own month
    names are English, so each tick is labelled from formats.month."""
    months = list(months)
    fig.update_xaxes(tickvals=months, ticktext=[formats.month(m) for m in months])


def plotly_config(file_stem: str, present: bool = False) -> dict:
    """Plotly's toolbar: always shown, with a 'download as PNG' that names the file after the chart."""
    return {
        "displaylogo": False,
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
        "toImageButtonOptions": {"format": "png", "filename": f"chargeboard-{file_stem}",
                                 "scale": 2, "height": 720 if present else 540, "width": 1280 if present else 960},
    }


def present_css() -> str:
    """CSS for "present" mode: no sidebar, wide, large type (for a board meeting's projector)."""
    return f"""
<style>
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stSidebarNav"],
  [data-testid="collapsedControl"], header[data-testid="stHeader"] {{ display: none !important; }}
  .block-container, [data-testid="stMainBlockContainer"] {{ max-width: 100% !important;
      padding-left: 2.5rem !important; padding-right: 2.5rem !important; padding-top: 1.5rem !important; }}
  html, body, [data-testid="stMarkdownContainer"] p, [data-testid="stCaptionContainer"] {{
      font-size: {PRESENT_FONT_SIZE}px !important; }}
  h1 {{ font-size: 3rem !important; }}
  h2, h3 {{ font-size: 2.1rem !important; }}
  /* More specific than the body rule above (which otherwise shrinks a KPI to body size). */
  [data-testid="stMetric"] [data-testid="stMetricValue"],
  [data-testid="stMetric"] [data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p,
  [data-testid="stMetric"] [data-testid="stMetricValue"] div {{
      font-size: {PRESENT_KPI_VALUE_PX}px !important; line-height: 1.15 !important; }}
  /* A label wraps instead of being cut with an ellipsis. */
  [data-testid="stMetric"] [data-testid="stMetricLabel"],
  [data-testid="stMetric"] [data-testid="stMetricLabel"] * {{
      white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
      height: auto !important; }}
  [data-testid="stMetric"] [data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"] p {{
      font-size: 1.35rem !important; }}
  [data-testid="stMetric"] [data-testid="stMetricDelta"],
  [data-testid="stMetric"] [data-testid="stMetricDelta"] * {{ font-size: 1.3rem !important; }}
</style>
"""
