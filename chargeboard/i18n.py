"""Which language a person reads, and the translated text itself (gettext catalogs).

The catalogs live under chargeboard/locale/<lang>/LC_MESSAGES/chargeboard.po and are
extracted, updated and compiled with Babel's own tooling (`make catalogs`; `make run` and
`make test` compile them). Every text a person reads is written in code as an English msgid
wrapped in `_()` (or `N_()` where it is a module-level constant translated later), so
`pybabel extract` finds it.

The active language is a context variable: the app sets it at the start of every run from the
account (web.py), the command line from `--lang`. Feature modules call `_()` and read
`formats` without passing the language around. A cache that holds translated text or
formatted numbers must therefore have the language in its key (stack-facts: caches are shared).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gettext
import io
import logging
import string
from collections.abc import Iterator
from pathlib import Path

LANGUAGES = {"nb": "Norsk (bokmål)", "en": "English"}
DEFAULT_LANGUAGE = "nb"        # new accounts of a Norwegian co-op, unless the store says otherwise
COMMAND_LINE_LANGUAGE = "en"   # the command line stays English unless --lang says otherwise
BABEL_LOCALES = {"nb": "nb_NO", "en": "en_GB"}  # English with day-month dates, as in Norway
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "chargeboard"

log = logging.getLogger("chargeboard.i18n")
_active: contextvars.ContextVar[str] = contextvars.ContextVar("chargeboard_language", default=COMMAND_LINE_LANGUAGE)


def normal_language(lang: object, fallback: str = DEFAULT_LANGUAGE) -> str:
    """A language code we have ("nb"), from anything a person or a browser may give
    ("nb-NO", "no", "nn", "en-US", None)."""
    text = str(lang or "").strip().lower().replace("_", "-")
    primary = text.split("-", 1)[0]
    if primary in {"nb", "no", "nn"}:
        return "nb"
    if primary == "en":
        return "en"
    return fallback


def from_accept_language(header: str | None, fallback: str = DEFAULT_LANGUAGE) -> str:
    """The first language of a browser's Accept-Language header that we have."""
    weighted = []
    for position, part in enumerate((header or "").split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            with contextlib.suppress(ValueError):
                quality = float(params.strip()[2:])
        if tag:
            weighted.append((-quality, position, tag))
    for _quality, _position, tag in sorted(weighted):
        if (lang := normal_language(tag, fallback="")) in LANGUAGES:
            return lang
    return fallback


def activate(lang: str) -> contextvars.Token:
    """Make `lang` the language of this run (this thread's context); returns the token to reset."""
    return _active.set(normal_language(lang))


def deactivate(token: contextvars.Token) -> None:
    _active.reset(token)


@contextlib.contextmanager
def language(lang: str) -> Iterator[None]:
    """Run a block in another language (a statement in the resident's, an export in the reader's)."""
    token = activate(lang)
    try:
        yield
    finally:
        deactivate(token)


def current() -> str:
    return _active.get()


def babel_locale(lang: str | None = None) -> str:
    return BABEL_LOCALES[normal_language(lang or current())]


def catalog_path(lang: str, suffix: str = ".po") -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}{suffix}"


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of a language. `make` compiles the .mo files with pybabel; when one is
    missing or older than its .po (a checkout run without make), the .po is compiled here, in
    memory, with the same Babel code, so the app never shows msgids for lack of a build step."""
    po, mo = catalog_path(lang), catalog_path(lang, ".mo")
    if not po.exists():
        return gettext.NullTranslations()
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    from babel.messages.mofile import write_mo  # only needed without `make`
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        catalog = read_po(handle, locale=BABEL_LOCALES[lang])
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    log.info("compiled %s in memory (run `make catalogs` to write the .mo)", po)
    return gettext.GNUTranslations(buffer)


def _fill(text: str, values: dict) -> str:
    return text.format(**values) if values else text


def _(message: str, **values: object) -> str:
    """The message in the active language, with its {named} placeholders filled."""
    return _fill(translations(current()).gettext(message), values)


def ngettext(singular: str, plural: str, n: int, /, **values: object) -> str:
    """Singular or plural by n, in the active language; {n} is always available (pass n=
    formats.integer(n) to show it grouped, "1 234")."""
    return _fill(translations(current()).ngettext(singular, plural, n), {"n": n, **values})


def N_(message: str) -> str:  # noqa: N802 — the gettext convention extractors look for
    """Mark a module-level text for extraction; translate it with _() where it is shown."""
    return message


def placeholders(text: str) -> set[str]:
    """The {named} placeholders of a message (the catalog test compares them across languages)."""
    return {field[1] for field in string.Formatter().parse(text) if field[1] is not None}
