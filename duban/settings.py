"""Settings that change what the register means, kept in the register itself.

Every user of a shared register sees the same ones; `duban config` shows and sets
them and each change is recorded in the history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from duban.errors import BadValue


def _bool(text: str) -> str:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on", "是"):
        return "true"
    if value in ("0", "false", "no", "off", "否"):
        return "false"
    raise BadValue(f"{text!r} is not true or false")


def _tz(text: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadValue(f"unknown time zone {text!r}: use a name like Asia/Shanghai") from exc
    return text


def _workdays(text: str) -> str:
    try:
        n = int(text)
    except ValueError as exc:
        raise BadValue(f"{text!r} is not a whole number of working days") from exc
    if not 1 <= n <= 250:
        raise BadValue("a default deadline must be 1 to 250 working days")
    return str(n)


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
            "the office's time zone: what 'today' means (DUBAN_TZ overrides it for one run)",
        ),
        Setting(
            "default_within",
            "15",
            _workdays,
            "working days a report is due after receipt when no deadline is given (第十二条)",
        ),
        Setting(
            "strict_calendar",
            "false",
            _bool,
            "refuse a deadline in a year whose holiday schedule is not published or loaded",
        ),
    )
}


def find(key: str) -> Setting:
    """The setting named `key`; BadValue naming the known ones otherwise."""
    setting = SETTINGS.get(key)
    if setting is None:
        raise BadValue(f"unknown setting {key!r}: use one of {', '.join(SETTINGS)}")
    return setting
