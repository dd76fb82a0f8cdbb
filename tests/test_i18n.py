"""The translation catalogs and the formats: complete, consistent, and the same everywhere.

A text added in code without `make catalogs` and a Norwegian translation fails here, as does a
fuzzy entry or a translation whose {placeholders} differ from the English.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import numpy as np
import pytest
from babel import numbers as babel_numbers
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st

from chargeboard import accounts, formats, i18n, settings


def _catalog(lang: str):
    with i18n.catalog_path(lang).open("rb") as handle:
        return read_po(handle, locale=i18n.BABEL_LOCALES[lang])


def _messages(catalog):
    return [m for m in catalog if m.id]


def _source_msgids() -> set:
    """What `pybabel extract -F babel.cfg` finds in the code right now."""
    found = set()
    method_map = [("chargeboard/**.py", "python"), ("pages/**.py", "python"), ("app.py", "python")]
    keywords = {"_": None, "N_": None, "ngettext": (1, 2)}
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(settings.PROJECT_ROOT), method_map=method_map, keywords=keywords):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def test_every_text_in_the_code_is_in_the_catalogs():
    in_code = _source_msgids()
    for lang in i18n.LANGUAGES:
        in_catalog = {m.id if isinstance(m.id, str) else tuple(m.id) for m in _messages(_catalog(lang))}
        missing = sorted(str(m) for m in in_code - in_catalog)
        assert not missing, f"{lang}: run `make catalogs` and translate: {missing[:10]}"


def test_norwegian_is_complete_and_not_fuzzy():
    catalog = _catalog("nb")
    untranslated = [m.id for m in _messages(catalog) if not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    fuzzy = [m.id for m in _messages(catalog) if m.fuzzy]
    assert not untranslated, f"untranslated in nb: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy in nb: {fuzzy[:10]}"


GLOSSARY = i18n.catalog_path("nb").parents[2] / "GLOSSARY.md"


def _rejected_terms() -> dict[str, str]:
    """The glossary's rejected Norwegian synonyms -> the one term to use instead."""
    rejected = {}
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("English", "") or set(cells[0]) <= {"-"}:
            continue
        for synonym in filter(None, (s.strip() for s in cells[2].split(","))):
            rejected[synonym] = cells[1]
    return rejected


def _uses(text: str, term: str) -> bool:
    """`term` in `text` as a word, in any inflection (installasjon, -en, -er, -ene, -ens, -s-id)."""
    return bool(re.search(rf"\b{re.escape(term)}(en|er|ene|ens|et|ets|s|a|e)?\b", text, re.IGNORECASE))


def test_the_glossary_names_its_rejected_synonyms():
    assert {"installasjon", "tomgangsforbruk", "andre laster", "månedsavgift"} <= set(_rejected_terms())
    assert _uses("Installasjons-id", "installasjon") and _uses("tomgangsforbruket", "tomgangsforbruk")
    assert not _uses("installasjonsdatoen", "installasjon")  # another word


def test_norwegian_uses_one_term_per_thing():
    rejected = _rejected_terms()
    found = []
    for message in _messages(_catalog("nb")):
        for text in (message.string if isinstance(message.string, tuple) else (message.string,)):
            found += [f"{term!r} (say {rejected[term]!r}) in {text!r}" for term in rejected if _uses(text, term)]
    assert not found, "nb uses a synonym the glossary rejects:\n" + "\n".join(found[:20])


@pytest.mark.parametrize("lang", list(i18n.LANGUAGES))
def test_placeholders_are_the_same_in_every_language(lang):
    for message in _messages(_catalog(lang)):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set().union(*(i18n.placeholders(i) for i in ids))
        for string in strings:
            if string:
                assert i18n.placeholders(string) <= expected | {"n"}, (lang, message.id, string)
                assert i18n.placeholders(string) >= expected - {"n"}, (lang, message.id, string)


def test_the_active_language_is_per_context_and_falls_back_to_the_msgid():
    assert i18n.current() == "en"  # the command line's default
    with i18n.language("nb"):
        assert i18n.current() == "nb"
        assert i18n._("a text no catalog has {x}", x=1) == "a text no catalog has 1"
    assert i18n.current() == "en"


@pytest.mark.parametrize(("header", "expected"), [
    ("nb-NO,nb;q=0.9,en;q=0.8", "nb"), ("en-US,en;q=0.9", "en"), ("no", "nb"), ("nn-NO", "nb"),
    ("de-DE,en;q=0.5", "en"), ("de-DE", "nb"), ("", "nb"), (None, "nb"), ("en;q=0.2,nb;q=0.9", "nb")])
def test_the_login_page_follows_the_browsers_language(header, expected):
    assert i18n.from_accept_language(header) == expected


@pytest.mark.parametrize(("lang", "expected"), [
    ("nb", ["7\u00a0148", "282,45", "3\u00a0850,3\u00a0kWh", "11\u00a0928,53\u00a0kr", "93,8\u00a0%", "24.11.2026",
            "okt. 2026", "24.11.2026 21:20", "0\u00a0%", "+12\u00a0%"]),
    ("en", ["7,148", "282.45", "3,850.3\u00a0kWh", "NOK\u00a011,928.53", "93.8%", "24 Nov 2026",
            "Oct 2026", "24 Nov 2026 21:20", "0%", "+12%"]),
])
def test_formats_per_language(lang, expected):
    with i18n.language(lang):
        got = [formats.integer(7148), formats.decimal(Decimal("282.449")), formats.kwh(3850.34),
               formats.money(Decimal("11928.53")), formats.percent(0.93794), formats.day(date(2026, 11, 24)),
               formats.month(date(2026, 10, 1)),
               formats.moment(datetime(2026, 11, 24, 20, 20, tzinfo=UTC), "Europe/Oslo"),  # 21:20 in Oslo
               formats.signed_percent(-0.001), formats.signed_percent(0.125)]
    assert got == expected


def test_no_negative_zero_and_missing_values():
    assert formats.decimal(-0.001, lang="nb") == "0,00"
    assert formats.money(Decimal("-0.004"), lang="en") == "NOK\u00a00.00"
    assert formats.decimal(None) == formats.percent(float("nan")) == "—"
    assert formats.decimal(-1.5, 1, lang="nb") == "-1,5"


# Every kind of number a page formats: ints, floats (pandas' cells among them), exact Decimals; rounding
# ties both ways (2.675 and 0.125 are ties only as written), negatives, large and tiny values.
NUMBERS = st.one_of(
    st.integers(-10**15, 10**15),
    st.floats(-1e15, 1e15, allow_nan=False),
    st.decimals(-10**12, 10**12, places=6, allow_nan=False, allow_infinity=False),
    st.sampled_from([2.675, 0.125, -0.125, 1.005, 999.9995, 1e-7, -1e-7, 123456789.5, 0.5, -0.0, 1e15]),
    st.floats(-1e6, 1e6, allow_nan=False).map(np.float64),
)


@examples(max_examples=400, deadline=None)
@given(NUMBERS, st.integers(0, 4), st.sampled_from(["nb", "en"]))
def test_numbers_are_written_exactly_as_babel_writes_them(value, digits, lang):
    # formats writes the two patterns of every table and tile itself (faster); babel is the reference.
    locale = i18n.babel_locale(lang)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    shown = value if round(float(value), digits) != 0 else 0  # (formats never writes "−0")
    assert formats.decimal(value, digits, lang=lang) == babel_numbers.format_decimal(
        shown, format=pattern, locale=locale, decimal_quantization=True)
    assert formats.integer(value, lang=lang) == babel_numbers.format_decimal(round(value), format="#,##0",
                                                                            locale=locale)


def test_an_accounts_language_is_kept_and_new_accounts_get_the_stores_default(tmp_path):
    path = tmp_path / "x.auth.yaml"
    accounts.add_user("anne", name="Anne", email="anne@example.no", role="resident", password="passord-1", path=path)
    assert accounts.find_account("anne", path).language == "nb"  # the default default: a Norwegian co-op
    accounts.set_default_language("en", path)
    accounts.add_user("john", name="John", email="john@example.no", role="resident", password="password-1", path=path)
    assert accounts.find_account("john", path).language == "en"
    assert accounts.find_account("anne", path).language == "nb"  # existing accounts keep theirs
    before = accounts.find_account("anne", path).session_version
    accounts.set_language("anne", "en", path)
    assert accounts.find_account("anne", path).language == "en"
    assert accounts.find_account("anne", path).session_version == before  # no login ends
    with pytest.raises(accounts.AccountError):
        accounts.set_language("anne", "sv", path)


def test_the_help_buttons_script_carries_the_readers_words_as_json():
    from chargeboard import web

    with i18n.language("nb"):
        script = web.help_button_words_script()
    assert '{"help": "Hjelp", "helpFor": "Hjelp til {label}"}' in script
    assert script.count("<") == 2 and script.startswith("<script>")  # only its own tags
