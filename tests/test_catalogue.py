"""The message catalogue: every message in both languages, with the same placeholders.

A message is any text in `_()` or `N_()`, any `help=` of an option, argument or app, and
any command's docstring (duban.i18n.messages).  Each must have its Chinese in one of the
`.po` files of duban/locale/zh_CN/LC_MESSAGES, with the same `{placeholders}`, and the
compiled `duban.mo` must be what those files compile to.
"""

from __future__ import annotations

import string

import pytest

from duban import i18n

MESSAGES = i18n.messages()
CATALOGUE = i18n.catalogue()


def fields(text: str) -> list[str]:
    """The `{placeholders}` of a text, with their conversions and formats, sorted."""
    out = []
    for _, name, spec, conversion in string.Formatter().parse(text):
        if name is not None:
            out.append(f"{name}!{conversion or ''}:{spec or ''}")
    return sorted(out)


def test_every_message_has_its_chinese():
    missing = {m: where for m, where in MESSAGES.items() if m not in CATALOGUE}
    assert not missing, "no Chinese for:\n" + "\n".join(
        f"  {where[0]}: {m[:70]!r}" for m, where in missing.items()
    )


@pytest.mark.parametrize("msgid", sorted(CATALOGUE), ids=lambda m: m[:40])
def test_both_languages_have_the_same_placeholders(msgid):
    assert fields(msgid) == fields(CATALOGUE[msgid]), CATALOGUE[msgid]


def test_the_catalogue_holds_no_message_the_code_lost():
    stale = sorted(set(CATALOGUE) - set(MESSAGES))
    assert not stale, f"in the .po files but no longer in the code: {stale[:5]}"


def test_the_compiled_catalogue_is_up_to_date():
    import gettext

    compiled = i18n.LOCALE / "zh_CN" / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo"
    with compiled.open("rb") as handle:
        shipped = {k: v for k, v in gettext.GNUTranslations(handle)._catalog.items() if k}
    assert shipped == CATALOGUE, "run `python -m duban.i18n compile`"


def test_the_checks_can_fail():
    """The placeholder check tells a renamed or dropped field."""
    assert fields("{code} is due {due}") != fields("{code} 的时限")
    assert fields("{name!r}") != fields("{name}")
    assert fields("到期 {due}，{code}") == fields("{code} is due {due}")
