"""Settings that change what the register means, kept in the register itself.

Every user of a shared register sees the same ones; `duban config` shows and sets
them and each change is recorded in the history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from duban.errors import BadValue
from duban.i18n import N_, _


def _bool(text: str) -> str:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on", "是"):
        return "true"
    if value in ("0", "false", "no", "off", "否"):
        return "false"
    raise BadValue(_("{text!r} is not true or false").format(text=text))


def _tz(text: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadValue(
            _("unknown time zone {name!r}: use a name like Asia/Shanghai").format(name=text)
        ) from exc
    return text


def _workdays(text: str) -> str:
    try:
        n = int(text)
    except ValueError as exc:
        raise BadValue(
            _("{text!r} is not a whole number of working days").format(text=text)
        ) from exc
    if not 1 <= n <= 250:
        raise BadValue(_("a default deadline must be 1 to 250 working days"))
    return str(n)


def _lang(text: str) -> str:
    value = text.strip().lower()
    if value in ("", "zh", "en"):
        return value
    raise BadValue(_("{text!r} is not a language: use zh or en").format(text=text))


def _date_format(text: str) -> str:
    value = text.strip().lower()
    if value in ("iso", "chinese"):
        return value
    raise BadValue(_("{text!r} is not a date format: use iso or chinese").format(text=text))


def parse_thresholds(text: str) -> tuple[tuple[int | None, int], ...]:
    """`light_thresholds` ("10:2,30:5,*:10") as ((10, 2), (30, 5), (None, 10)): a deadline
    of up to N working days turns yellow W working days ahead; `*` is any longer one."""
    bad = BadValue(
        _(
            "{text!r} is not a list of thresholds: give SPAN:AHEAD in working days, spans "
            "rising, ending with *:AHEAD, e.g. 10:2,30:5,*:10"
        ).format(text=text)
    )
    out: list[tuple[int | None, int]] = []
    for part in text.replace(" ", "").split(","):
        span, colon, ahead = part.partition(":")
        if not colon or not ahead.isdigit() or not (span == "*" or span.isdigit()):
            raise bad
        most = None if span == "*" else int(span)
        if out and (out[-1][0] is None or (most is not None and most <= out[-1][0])):
            raise bad
        if most == 0:
            raise bad
        out.append((most, int(ahead)))
    if not out or out[-1][0] is not None:
        raise bad
    return tuple(out)


def _thresholds(text: str) -> str:
    return ",".join(
        f"{'*' if most is None else most}:{ahead}" for most, ahead in parse_thresholds(text)
    )


@dataclass(frozen=True)
class Setting:
    key: str
    default: str
    check: Callable[[str], str]
    help: str


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in (
        Setting(
            "timezone",
            "Asia/Shanghai",
            _tz,
            N_("the office's time zone: what 'today' means (DUBAN_TZ overrides it for one run)"),
        ),
        Setting(
            "default_within",
            "15",
            _workdays,
            N_("working days a report is due after receipt when no deadline is given (第十二条)"),
        ),
        Setting(
            "lang",
            "",
            _lang,
            N_(
                "the language of what duban prints for this register: zh or en (empty: the "
                "locale decides; --lang and DUBAN_LANG override it)"
            ),
        ),
        Setting(
            "date_format",
            "iso",
            _date_format,
            N_(
                "how Chinese tables show dates: iso (2026-11-20) or chinese (2026年11月20日); "
                "JSON and CSV keep ISO dates"
            ),
        ),
        Setting(
            "strict_calendar",
            "false",
            _bool,
            N_("refuse a deadline in a year whose holiday schedule is not published or loaded"),
        ),
        Setting(
            "light_thresholds",
            "10:2,30:5,*:10",
            _thresholds,
            N_(
                "when a light turns yellow: SPAN:AHEAD pairs in working days; the default "
                "10:2,30:5,*:10 warns a deadline of up to 10 working days 2 ahead, up to 30 "
                "5 ahead, a longer one 10 ahead"
            ),
        ),
    )
}


def find(key: str) -> Setting:
    """The setting named `key`; BadValue naming the known ones otherwise."""
    setting = SETTINGS.get(key)
    if setting is None:
        raise BadValue(
            _("unknown setting {key!r}: use one of {keys}").format(
                key=key, keys=", ".join(SETTINGS)
            )
        )
    return setting
