"""Sorting names as Norwegian does: Æ, Ø, Å are the last three letters, after Z, in that order
(Ä and Ö sort with Æ and Ø); other accents do not change a letter's place (É sorts as E).
Used wherever residents or users are listed for output, so a printed list reads as a
Norwegian reader expects. "Aa" stays two letters (Aase before Zorro), as in a phone book today."""

from __future__ import annotations

import unicodedata

# After "z" (0x7a) in code point order: "{" < "|" < "}".
_AFTER_Z = {"æ": "{", "ä": "{", "ø": "|", "ö": "|", "å": "}"}


def norwegian_key(name: str | None) -> tuple[str, str]:
    """A sort key: case and accents other than Æ Ø Å ignored first, then the exact text breaks ties."""
    text = (name or "").casefold()
    primary = []
    for char in text:
        if char in _AFTER_Z:
            primary.append(_AFTER_Z[char])
        else:
            primary.append("".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c)))
    return "".join(primary), text


def sorted_norwegian(names):
    return sorted(names, key=norwegian_key)
