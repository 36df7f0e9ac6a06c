"""The message catalogue: every line duban prints, in English and Chinese.

Messages are written in English in the code, inside `_()` (or `N_()` where the text is
kept to be translated later, such as help texts), and translated from the gettext
catalogue `duban/locale/zh_CN/LC_MESSAGES/duban.mo`, compiled from the `.po` files
beside it (`python -m duban.i18n compile`; `tests/test_catalogue.py` fails when a
message has no Chinese, when the two differ in their `{placeholders}`, or when the
compiled catalogue is older than its sources).

The language is chosen once per run (`set_language`): `--lang`, `DUBAN_LANG`, the
register's setting `lang`, then the locale.  JSON never changes with it.
"""

from __future__ import annotations

import gettext
import os
from functools import cache
from pathlib import Path

LANGS = ("en", "zh")
LOCALE = Path(__file__).parent / "locale"
DOMAIN = "duban"

_language = "en"


def set_language(lang: str) -> None:
    global _language
    _language = lang if lang in LANGS else "en"


def language() -> str:
    return _language


def from_environment() -> str | None:
    """`DUBAN_LANG`, else the locale (LC_ALL, LC_MESSAGES, LANG): 'zh', 'en' or None."""
    value = os.environ.get("DUBAN_LANG")
    if value:
        return "zh" if value.strip().lower().startswith("zh") else "en"
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if os.environ.get(var):
            return "zh" if os.environ[var].lower().startswith("zh") else None
    return None


@cache
def _chinese() -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, localedir=LOCALE, languages=["zh_CN"], fallback=True)


def _(message: str) -> str:
    """The message in the run's language."""
    if _language == "zh" and message:
        return _chinese().gettext(message)
    return message


def N_(message: str) -> str:  # noqa: N802  (the gettext convention)
    """Mark a message for the catalogue, to be translated where it is shown."""
    return message


def in_language(message: str, lang: str) -> str:
    """The message in a given language, whatever the run's."""
    if lang == "zh" and message:
        return _chinese().gettext(message)
    return message
