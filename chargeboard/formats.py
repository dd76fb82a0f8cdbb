"""Numbers, money, percentages, dates and times as the reader's language writes them: one place.

Babel (CLDR data) does the work, so "7 148", "282,45 kr", "93,8 %", "24.11.2026" and "okt. 2026"
in Norwegian and "7,148", "NOK 282.45", "93.8%", "24 Nov 2026" and "Oct 2026" in English come
from the same functions in metrics, tables, chart ticks and hovers, PDFs and exports' text.
Every function reads the active language (i18n.current()); pass `lang` to override.

Excel cells stay typed (numbers and dates); `excel_*` give the number formats that show them the
same way (Excel itself writes the separators of the reader's own Excel).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from chargeboard import i18n

Number = int | float | Decimal

# Date patterns (CLDR syntax) per language: Norwegians write 24.11.2026, the English 24 Nov 2026.
_DATE = {"nb": "dd.MM.y", "en": "d MMM y"}
_MONTH_SKELETON = "yMMM"   # okt. 2026 / Oct 2026
_TIME = "HH:mm"
# The same shapes for the table widgets (Moment.js, Streamlit's DatetimeColumn/DateColumn).
_MOMENT_DATE = {"nb": "DD.MM.YYYY", "en": "D MMM YYYY"}
_EXCEL_DATE = {"nb": "dd.mm.yyyy", "en": "d mmm yyyy"}


def _lang(lang: str | None) -> str:
    return i18n.normal_language(lang or i18n.current())


def _locale(lang: str | None) -> str:
    return i18n.babel_locale(_lang(lang))


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _no_negative_zero(value: Number, digits: int) -> Number:
    """-0.004 rounded to two digits is 0, and "−0" is never shown."""
    return 0 if round(float(value), digits) == 0 else value


def integer(value: Number | None, lang: str | None = None) -> str:
    """7 148 / 7,148."""
    if _is_missing(value):
        return "—"
    return _grouped(round(value), 0, _locale(lang))


def decimal(value: Number | None, digits: int = 2, lang: str | None = None) -> str:
    """282,45 / 282.45, always `digits` decimals."""
    if _is_missing(value):
        return "—"
    return _grouped(_no_negative_zero(value, digits), digits, _locale(lang))


@functools.cache
def _separators(locale: str) -> tuple[str, str]:
    return babel_numbers.get_group_symbol(locale), babel_numbers.get_decimal_symbol(locale)


def _grouped(value: Number, digits: int, locale: str) -> str:
    """What babel's format_decimal(value, "#,##0.00…", locale) writes (tests/test_i18n.py holds the two
    together), without parsing the pattern and looking up the locale's symbols for every number:
    a table's cells, a chart's hovers and the tiles are formatted on every run of a page, and that
    was some 40 % of the reports page's own time with eight users at once (BENCHMARKS.md, load test).
    Like babel: the value as written (a float by its shortest repr), rounded half to even."""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return babel_numbers.format_decimal(number, format=pattern, locale=locale, decimal_quantization=True)
    whole, _point, fraction = f"{abs(number).normalize().quantize(Decimal(10) ** -digits):f}".partition(".")
    group, decimal_mark = _separators(locale)
    text = f"{int(whole):,}".replace(",", group) + (decimal_mark + fraction if digits else "")
    return "-" + text if number.is_signed() else text


def kwh(value: Number | None, digits: int = 1, lang: str | None = None) -> str:
    """3 850,3 kWh."""
    return "—" if _is_missing(value) else f"{decimal(value, digits, lang)}\u00a0kWh"


def money(value: Number | None, currency: str = "NOK", lang: str | None = None) -> str:
    """282,45 kr / NOK 282.45 (the currency's own decimals)."""
    if _is_missing(value):
        return "—"
    lang = _lang(lang)
    digits = babel_numbers.get_currency_precision(currency)
    value = _no_negative_zero(value, digits)
    if lang == "en":  # "NOK282.45" is CLDR's English; a space reads better next to a code
        return f"{currency}\u00a0{decimal(value, digits, lang)}"
    return babel_numbers.format_currency(value, currency, locale=_locale(lang))


@functools.cache
def _percent_pattern(locale: str, digits: int) -> str:
    pattern = Locale.parse(locale).percent_formats[None].pattern  # "#,##0 %" / "#,##0%"
    head, zero, tail = pattern.rpartition("0")
    return head + zero + ("." + "0" * digits if digits else "") + tail


def percent(fraction: Number | None, digits: int = 1, lang: str | None = None) -> str:
    """0.938 → 93,8 % / 93.8%. Never "−0 %"."""
    if _is_missing(fraction):
        return "—"
    locale = _locale(lang)
    fraction = _no_negative_zero(fraction, digits + 2)
    return babel_numbers.format_percent(fraction, format=_percent_pattern(locale, digits), locale=locale)


def signed_percent(fraction: Number | None, digits: int = 0, lang: str | None = None) -> str:
    """A change: +12 % / −3 % / 0 % (no sign on zero, never "−0 %")."""
    if _is_missing(fraction):
        return "—"
    text = percent(fraction, digits, lang)
    rounded = round(float(fraction) * 100, digits)
    return text if rounded <= 0 else "+" + text


def _as_local(moment: datetime, zone: str | None) -> datetime:
    if zone and moment.tzinfo is not None:
        return moment.astimezone(ZoneInfo(zone))
    return moment


def day(value: date | datetime | None, lang: str | None = None) -> str:
    """24.11.2026 / 24 Nov 2026."""
    if value is None:
        return "—"
    return babel_dates.format_date(value, _DATE[_lang(lang)], locale=_locale(lang))


def month(value: date | datetime | None, lang: str | None = None) -> str:
    """okt. 2026 / Oct 2026."""
    if value is None:
        return "—"
    return babel_dates.format_skeleton(_MONTH_SKELETON, value, locale=_locale(lang))


def month_long(value: date | datetime | None, lang: str | None = None) -> str:
    """oktober 2026 / October 2026 (a period's name in a sentence or a title)."""
    if value is None:
        return "—"
    return babel_dates.format_skeleton("yMMMM", value, locale=_locale(lang))


def month_name(value: date | datetime | None, lang: str | None = None) -> str:
    """oktober / October (a month in a sentence, the year said elsewhere)."""
    if value is None:
        return "—"
    return babel_dates.format_date(value, "LLLL", locale=_locale(lang))


def clock(value: datetime | time | None, zone: str | None = None, lang: str | None = None) -> str:
    """21:20, in the installation's zone when given an aware datetime and a zone."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = _as_local(value, zone)
    return babel_dates.format_time(value, _TIME, locale=_locale(lang))


def moment(value: datetime | None, zone: str | None = None, lang: str | None = None) -> str:
    """24.11.2026 21:20 / 24 Nov 2026 21:20, in the installation's zone."""
    if value is None:
        return "—"
    local = _as_local(value, zone)
    return f"{day(local, lang)} {clock(local, lang=lang)}"


def period(first: date, last: date, lang: str | None = None) -> str:
    """01.10.2026–31.10.2026 / 1 Oct 2026–31 Oct 2026."""
    return f"{day(first, lang)}–{day(last, lang)}"


# -- widgets, charts and workbooks ------------------------------------------------------------------

def moment_date_format(lang: str | None = None, with_time: bool = False) -> str:
    """For st.column_config.DateColumn/DatetimeColumn(format=...)."""
    return _MOMENT_DATE[_lang(lang)] + (" HH:mm" if with_time else "")


def plotly_separators(lang: str | None = None) -> str:
    """layout.separators: the decimal mark, then the group mark (plotly's own convention)."""
    locale = _locale(lang)
    return babel_numbers.get_decimal_symbol(locale) + babel_numbers.get_group_symbol(locale)


def excel_date_format(lang: str | None = None, with_time: bool = False) -> str:
    return _EXCEL_DATE[_lang(lang)] + (" hh:mm" if with_time else "")


def excel_number_format(digits: int = 2) -> str:
    """Excel shows #,##0.00 with the reader's own Excel separators (7 148,00 in Norwegian Excel)."""
    return "#,##0" + ("." + "0" * digits if digits else "")


# -- file names -------------------------------------------------------------------------------------

# Letters NFKD does not take apart into a base letter and marks.
_LETTERS_TO_ASCII = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ð": "d", "þ": "th", "ß": "ss", "œ": "oe",
                                   "ł": "l", "đ": "d", "ı": "i"})


def file_name_part(text: str, fallback: str) -> str:
    """A name as part of a file name: lower-case ASCII letters and digits joined by '-', other Latin
    letters spelt without their marks (Bjørn Ødegård -> bjorn-odegard, Ærø -> aero, Müller -> muller)."""
    plain = unicodedata.normalize("NFKD", text.lower().translate(_LETTERS_TO_ASCII))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or fallback


# Everything Streamlit's Markdown (and its :directives:, $math$ and <html>) could read as markup.
_MARKDOWN_SPECIAL = frozenset("\\`*_{}[]()<>#+-.!|~$:&=")


def text_in_markdown(value: object) -> str:
    """A feed's or a person's text (a station, user, tag, installation or file name) set into a
    caption, Markdown or alert as the text itself: `![x](http://…)` must not load an image, nor
    `**x**` turn bold. Each special character is backslash-escaped; line breaks become spaces."""
    text = " ".join(str(value).split())
    return "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in text)
