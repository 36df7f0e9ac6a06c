"""Parsing the dates clerks type, and "today" in the office's time zone."""

from __future__ import annotations

import datetime as dt
import os
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from duban.errors import BadValue
from duban.i18n import N_, _

DEFAULT_TZ = "Asia/Shanghai"

_ISO = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s*$")
_CHINESE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?\s*$")
# As the office writes a day of this year: 11月20日, 11月20号.
_THIS_YEAR = re.compile(r"^\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?\s*$")
_RELATIVE = {
    "today": 0,
    "今天": 0,
    "今日": 0,
    "yesterday": -1,
    "昨天": -1,
    "昨日": -1,
    "前天": -2,
    "tomorrow": 1,
    "明天": 1,
}
FORMS = N_("YYYY-MM-DD, YYYY/MM/DD, YYYY年MM月DD日, MM月DD日, today or yesterday")
# The years a typed date may have: far wider than the calendar (2004-2099), narrow
# enough that no date arithmetic on one can leave Python's dates (years 1 to 9999),
# which would be an internal error instead of a bad value.
YEARS = (1900, 2199)
# What Python says of an impossible date (3.11, 3.12), for the catalogue.
_IMPOSSIBLE = (
    N_("day is out of range for month"),
    N_("month must be in 1..12"),
    N_("year 0 is out of range"),
)


def zone(tz_name: str | None = None) -> ZoneInfo:
    """The office's time zone: DUBAN_TZ, else the given setting, else Asia/Shanghai."""
    name = os.environ.get("DUBAN_TZ") or tz_name or DEFAULT_TZ
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadValue(
            _("unknown time zone {name!r}: use a name like Asia/Shanghai").format(name=name)
        ) from exc


def now(tz_name: str | None = None) -> dt.datetime:
    """The current instant in the office's zone.

    DUBAN_NOW (an ISO 8601 instant) fixes the clock, so that a test or a replay can
    ask what "today" was for a cron job at a given moment.
    """
    fixed = os.environ.get("DUBAN_NOW")
    if fixed:
        try:
            instant = dt.datetime.fromisoformat(fixed)
        except ValueError as exc:
            raise BadValue(
                _("DUBAN_NOW={fixed!r} is not an ISO 8601 instant").format(fixed=fixed)
            ) from exc
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=dt.UTC)
        return instant.astimezone(zone(tz_name))
    return dt.datetime.now(zone(tz_name))


def today(tz_name: str | None = None) -> dt.date:
    """Today's date in the office's time zone, whatever the server's clock zone is."""
    return now(tz_name).date()


def parse_date(
    text: str | dt.date, *, tz_name: str | None = None, what: str = N_("date")
) -> dt.date:
    """Parse `2026-11-26`, `2026/11/26`, `2026年11月26日`, `11月26日` (this year in the
    office's zone), `today`, `昨天`, `前天`; BadValue otherwise.  `what` names the date
    in the message: the caller marks it with N_, it is translated here."""
    if isinstance(text, dt.date):
        return text
    raw = str(text).strip()
    offset = _RELATIVE.get(raw.lower())
    if offset is not None:
        return today(tz_name) + dt.timedelta(days=offset)
    parts: tuple[str | int, ...] = ()
    if match := _ISO.match(raw) or _CHINESE.match(raw):
        parts = match.groups()
    elif match := _THIS_YEAR.match(raw):
        parts = (today(tz_name).year, *match.groups())
    if parts:
        year, month, day = (int(part) for part in parts)
        if not YEARS[0] <= year <= YEARS[1]:
            raise BadValue(
                _("bad {what} {raw!r}: the year must be from {first} to {last}").format(
                    what=_(what), raw=raw, first=YEARS[0], last=YEARS[1]
                )
            )
        try:
            return dt.date(year, month, day)
        except ValueError as exc:
            raise BadValue(
                _("bad {what} {raw!r}: {reason}").format(what=_(what), raw=raw, reason=_(str(exc)))
            ) from exc
    raise BadValue(
        _("bad {what} {raw!r}: use {forms}").format(what=_(what), raw=raw, forms=_(FORMS))
    )
