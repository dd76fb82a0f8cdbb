"""Contrast and symbols (issue 11, item 5): every text colour the app defines reaches WCAG 2.x contrast
against the background it is drawn on (4.5:1; captions and help text included), computed from
chargeboard/theme.py, .streamlit/config.toml and the figures theme.style makes; and every character
the app writes has a glyph in the fonts Debian's chromium has (no empty boxes for status symbols)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import tomllib
from functools import cache
from pathlib import Path

import plotly.graph_objects as go
import pytest

from chargeboard import pdf, theme

ROOT = Path(__file__).resolve().parents[1]
NORMAL_TEXT = 4.5  # WCAG 2.x SC 1.4.3 (AA); every text here is held to it, large or not


def _rgb(colour: str) -> tuple[float, float, float]:
    text = colour.strip().lower()
    named = {"white": "#ffffff", "black": "#000000"}
    text = named.get(text, text)
    assert text.startswith("#") and len(text) == 7, f"not a #rrggbb colour: {colour!r}"
    return tuple(int(text[i:i + 2], 16) / 255 for i in (1, 3, 5))


def luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour."""
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str) -> float:
    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def over(colour: str, background: str, opacity: float) -> str:
    """`colour` drawn at `opacity` over `background`, as the eye sees it."""
    mixed = (opacity * f + (1 - opacity) * b for f, b in zip(_rgb(colour), _rgb(background), strict=True))
    return "#" + "".join(f"{round(c * 255):02x}" for c in mixed)


def test_the_ratio_is_wcags():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the well-known near miss
    assert over("#000000", "#ffffff", 0.5) == "#808080"


def streamlit_theme() -> dict:
    return tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["theme"]


def test_config_toml_sets_the_themes_colours():
    config = streamlit_theme()
    assert config["base"] == "light"
    expected = {"textColor": theme.TEXT, "backgroundColor": theme.BACKGROUND,
                "secondaryBackgroundColor": theme.SIDEBAR_BACKGROUND, "primaryColor": theme.PRIMARY,
                "linkColor": theme.PRIMARY}
    for name, text in theme.STATUS_TEXT.items():
        expected[f"{name}TextColor"] = text
        expected[f"{name}Color"] = text
        expected[f"{name}BackgroundColor"] = theme.STATUS_BACKGROUND[name]
    assert {k: config.get(k, "").upper() for k in expected} == {k: v.upper() for k, v in expected.items()}


def page_pairs() -> list[tuple[str, str, str]]:
    """(what, text colour, background) for everything Streamlit draws with the theme's colours."""
    backgrounds = {"page": theme.BACKGROUND, "sidebar": theme.SIDEBAR_BACKGROUND}
    pairs = []
    for where, bg in backgrounds.items():
        pairs += [(f"text on the {where}", theme.TEXT, bg),
                  # captions and help text: the text colour at 60 % opacity (Streamlit's own rule)
                  (f"caption on the {where}", over(theme.TEXT, bg, theme.CAPTION_OPACITY), bg),
                  (f"link on the {where}", theme.PRIMARY, bg)]
        pairs += [(f"{name} text on the {where}", text, bg) for name, text in theme.STATUS_TEXT.items()]
    pairs.append(("primary button", theme.BUTTON_TEXT, theme.PRIMARY))
    for name, tint in theme.STATUS_BACKGROUND.items():  # alerts and metric deltas
        pairs += [(f"{name} text on its tint", theme.STATUS_TEXT[name], tint),
                  (f"text on the {name} tint", theme.TEXT, tint),
                  (f"caption on the {name} tint", over(theme.TEXT, tint, theme.CAPTION_OPACITY), tint)]
    return pairs


def chart_pairs(present: bool) -> list[tuple[str, str, str]]:
    """Every text colour of a figure as theme.style leaves it, on the figure's backgrounds."""
    fig = go.Figure([go.Bar(x=["Jan 2025"], y=[1], name="Energy"), go.Scatter(x=["Jan 2025"], y=[2], name="Last year"),
                     go.Heatmap(z=[[1, 2]], colorscale=theme.SEQUENTIAL)])
    theme.style(fig, title="A title", x_title="Month", y_title="Energy (kWh)", present=present)
    layout = fig.layout
    texts = {"font": layout.font.color, "title": layout.title.font.color, "legend": layout.legend.font.color,
             "x ticks": layout.xaxis.tickfont.color, "y ticks": layout.yaxis.tickfont.color,
             "x title": layout.xaxis.title.font.color, "y title": layout.yaxis.title.font.color}
    assert None not in texts.values(), texts  # every one set, none left to plotly's default grey
    pairs = [(f"chart {what} on the {where}", colour, bg) for what, colour in texts.items()
             for where, bg in (("plot", layout.plot_bgcolor), ("paper", layout.paper_bgcolor))]
    pairs.append(("chart hover text", layout.hoverlabel.font.color, layout.hoverlabel.bgcolor))
    return pairs


def pdf_pairs() -> list[tuple[str, str, str]]:
    def hex_of(colour) -> str:
        return "#" + colour.hexval()[2:]
    return [(f"PDF {what} on {where}", hex_of(ink), hex_of(bg))
            for what, ink in (("text", pdf.INK), ("muted text", pdf.MUTED))
            for where, bg in (("paper", pdf.colors.white), ("a banded row", pdf.BAND))]


@pytest.mark.parametrize("pairs", [page_pairs(), chart_pairs(False), chart_pairs(True), pdf_pairs()],
                         ids=["pages", "charts", "charts in present mode", "pdf"])
def test_every_text_reaches_4_5_to_1(pairs):
    low = [(what, fg, bg, round(contrast(fg, bg), 2)) for what, fg, bg in pairs if contrast(fg, bg) < NORMAL_TEXT]
    assert low == []


def test_streamlits_default_caption_colour_would_fail():
    # Why TEXT is near black: with Streamlit's default text colour a caption is about 3.7:1.
    assert contrast(over("#31333F", "#FFFFFF", theme.CAPTION_OPACITY), "#FFFFFF") < NORMAL_TEXT


# -- symbols ---------------------------------------------------------------------------------------

# The fonts Debian's chromium draws with here (its packages' own: fonts-liberation, fonts-dejavu-core);
# Streamlit's web font (Source Sans) covers less, and chromium falls back to these.
FALLBACK_FONTS = ("DejaVu Sans", "Liberation Sans")


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def shown_characters() -> dict[str, str]:
    """Every non-ASCII character in the app's strings (not docstrings) and queries, with where it is."""
    found: dict[str, str] = {}
    files = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "chargeboard").glob("*.py"))]
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
                for char in node.value:
                    if ord(char) > 0x7F:
                        found.setdefault(char, path.relative_to(ROOT).as_posix())
    for path in sorted((ROOT / "queries").rglob("*.sql")):
        for char in path.read_text(encoding="utf-8"):
            if ord(char) > 0x7F:
                found.setdefault(char, path.relative_to(ROOT).as_posix())
    return found


@cache
def has_glyph(char: str) -> bool:
    for family in FALLBACK_FONTS:
        listed = subprocess.run(["fc-list", f"{family}:charset={ord(char):x}", "family"], capture_output=True,
                                text=True, check=True).stdout
        if listed.strip():
            return True
    return False


def test_every_character_the_app_writes_has_a_glyph():
    if shutil.which("fc-list") is None:
        pytest.fail("fc-list is missing: `make test` installs Debian's chromium, which brings fontconfig")
    assert all(has_glyph(c) for c in "AÆØÅæøå·–→≥"), "the fallback fonts are not installed"
    assert not has_glyph("\u2705"), "this check would not see an emoji box"  # ✅ has no font here
    boxes = {f"U+{ord(char):04X} {char}": where for char, where in shown_characters().items() if not has_glyph(char)}
    assert boxes == {}
