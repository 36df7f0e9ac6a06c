"""The names and titles people type, cleaned in one place.

A name or title is kept as typed, but for what cannot be seen at either end: spaces of
every kind and the invisible format characters (zero-width space, joiners, direction
marks, the byte-order mark).  One made of nothing that can be seen (those, control
characters, marks with no letter, the blank fillers) is refused: a matter titled
"\\u200b" or a unit renamed to "\\u3000" would print as blank and could not be told
apart.  Control characters are kept (the register keeps what was typed) and shown
escaped wherever a person reads them (`duban.render.visible`); but NUL, which no
database keeps in text, is refused.
"""

from __future__ import annotations

import re
import unicodedata

from duban.errors import BadValue
from duban.i18n import _

# Characters that show nothing although their category says otherwise: the Hangul and
# Braille fillers, the Mongolian vowel separator.
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")
# Categories stripped at the edges: format characters (zero-width), spaces, separators.
_EDGE = frozenset({"Cf", "Zs", "Zl", "Zp"})
# Categories that show nothing on their own: those, controls, surrogates, and marks,
# which show only on a letter before them.
_UNSEEN = _EDGE | {"Cc", "Cs", "Mn", "Me"}


def _unseen(ch: str) -> bool:
    """Not to be seen, at the edge of a name: stripped there (a control character is
    kept: it is shown escaped, not lost)."""
    if "\U000e0020" <= ch <= "\U000e007f":  # tag characters end a flag emoji: kept
        return False
    return ch.isspace() or ch in _BLANK or unicodedata.category(ch) in _EDGE


def blank(text: str) -> bool:
    """Whether nothing of `text` can be seen (empty, spaces, zero-width characters,
    controls, marks with no letter)."""
    return all(ch.isspace() or ch in _BLANK or unicodedata.category(ch) in _UNSEEN for ch in text)


def cleaned(text: str) -> str:
    """`text` without what cannot be seen at either end ("" when nothing can be seen)."""
    if text.isascii():  # the usual case, fast
        text = text.strip()
        return text if any(" " < ch < "\x7f" for ch in text) else ""
    start, end = 0, len(text)
    while start < end and _unseen(text[start]):
        start += 1
    while end > start and _unseen(text[end - 1]):
        end -= 1
    text = text[start:end]
    return "" if blank(text) else text


def name(text: str, refusal: str) -> str:
    """A name or title that must show something: cleaned, or BadValue(`refusal`)."""
    text = cleaned(text)
    if not text:
        raise BadValue(refusal)
    return _no_nul(text)


def optional(text: str | None) -> str | None:
    """A name that may be left out: cleaned, None when nothing of it can be seen."""
    return _no_nul(cleaned(text or "")) or None


def _no_nul(text: str) -> str:
    if "\x00" in text:
        raise BadValue(_("{text!r} holds a NUL character (\\x00): no name may").format(text=text))
    return text


# What a terminal must not be handed raw: control characters (ESC begins a terminal's
# commands: colours, moving the cursor, setting the window's title; CR overwrites the
# line) and the direction overrides and isolates, which make a text read as another.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """Text for a person: each control character (but tab and newline) and direction
    override shown as its code (`\\x1b[31m`), so that a title or a user name holding
    terminal escapes prints as what it is, and a Word document can hold it.  The one
    place: tables, titles, messages (`duban.render`) and the documents (`duban.documents`)
    go through it; JSON keeps the true value (escaped the JSON way), CSV as it is."""
    if text.isprintable():
        return text
    return _UNSAFE.sub(_escaped, text)
