"""The working-day engine: pure, no database, fast.

A working day is a make-up working day (调休上班, often a Saturday), or Monday to
Friday that is not a public holiday or a day off in lieu.  "N working days after D"
is the Nth working day strictly after D: the start day is never counted, whatever
kind of day it is (民法典 第二百零一条), so the end day is always a working day.

Schedules come from the State Council's yearly notice as carried by the
`chinesecalendar` package, overridden by schedules the office loads itself.  A year
nobody has published is estimated (weekends and the statutory holidays computable by
rule, from the `holidays` package) and every answer that touches it says so.

One table answers everything: for each day since FIRST_YEAR-01-01, the number of
working days from then up to that day inclusive.  `count` is two look-ups and `add`
one binary search, so the cost does not grow with n.  Years are appended to the
table only when a question reaches them.
"""

from __future__ import annotations

import datetime as dt
from array import array
from bisect import bisect_left
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache

from duban.errors import BadValue
from duban.i18n import _

FIRST_YEAR = 2004  # the first year of the State Council schedules the package carries
LAST_YEAR = 2099

WORKDAY, WEEKEND, HOLIDAY, MAKEUP = "workday", "weekend", "holiday", "makeup"
KINDS = (WORKDAY, WEEKEND, HOLIDAY, MAKEUP)

# chinesecalendar names its holidays in English; the office reads Chinese.
_PACKAGE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


@dataclass(frozen=True)
class Day:
    """A day a schedule lists: a day off (holiday) or a working day (make-up)."""

    off: bool
    name: str = ""


@dataclass(frozen=True)
class YearSchedule:
    """One year's schedule: the days it lists; every other day is an ordinary day."""

    year: int
    days: Mapping[dt.date, Day]
    source: str
    provisional: bool = False


@dataclass(frozen=True)
class DayInfo:
    date: dt.date
    workday: bool
    kind: str
    name: str
    provisional: bool
    source: str


def _package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


@lru_cache(maxsize=1)
def package_schedules() -> dict[int, YearSchedule]:
    """The years the `chinesecalendar` package carries, one schedule each."""
    import chinese_calendar

    version = getattr(chinese_calendar, "__version__", None)
    source = f"chinesecalendar {version or _package_version('chinesecalendar')}"
    by_year: dict[int, dict[dt.date, Day]] = {}
    for day, name in chinese_calendar.holidays.items():
        by_year.setdefault(day.year, {})[day] = Day(True, _PACKAGE_NAMES.get(name, name))
    for day, name in chinese_calendar.workdays.items():
        by_year.setdefault(day.year, {})[day] = Day(False, _PACKAGE_NAMES.get(name, name))
    first, last = min(by_year), max(by_year)
    return {
        year: YearSchedule(year, by_year.get(year, {}), source) for year in range(first, last + 1)
    }


@cache
def estimated_schedule(year: int) -> YearSchedule:
    """A year nobody has published: statutory holidays computable by rule.

    The `holidays` package computes the lunar festivals and Qingming and its usual
    days in lieu; no rule predicts the make-up Saturdays, so none are guessed.  Its
    answer is kept in a small file in the user's cache folder, by the package's
    version: importing the package takes a tenth of a second, more than a whole
    `duban list`.
    """
    import json

    key, path = _estimate_key(), _estimate_path()
    try:
        kept = json.loads(path.read_text(encoding="utf-8")) if path else {}
    except (OSError, ValueError):
        kept = {}
    entry = kept.get(key, {}).get(str(year)) if isinstance(kept, dict) else None
    if not isinstance(entry, dict):
        from holidays.countries.china import China

        entry = {
            "source": "estimate (holidays "
            f"{_package_version('holidays')}: weekends and statutory holidays)",
            "days": [
                [d.isoformat(), str(n)]
                for d, n in sorted(China(years=year, language="zh_CN").items())
            ],
        }
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps({key: {**kept.get(key, {}), str(year): entry}}), "utf-8")
            except OSError:
                pass  # no writable cache: the next run computes it again
    days = {dt.date.fromisoformat(d): Day(True, n) for d, n in entry["days"]}
    return YearSchedule(year, days, entry["source"], provisional=True)


def _estimate_key() -> str:
    """Which `holidays` package made an estimate: its file and when it was installed."""
    import importlib.util
    import os

    spec = importlib.util.find_spec("holidays")
    origin = spec.origin if spec and spec.origin else "?"
    try:
        return f"{origin}:{os.stat(origin).st_mtime_ns}"
    except OSError:
        return origin


def _estimate_path():
    """Where estimates are kept (DUBAN_CACHE, else the user's cache folder); None: nowhere."""
    import os
    from pathlib import Path

    folder = os.environ.get("DUBAN_CACHE") or os.environ.get("XDG_CACHE_HOME")
    if folder:
        return Path(folder) / "duban" / "estimates.json"
    home = Path.home() if os.environ.get("HOME") else None
    return home / ".cache" / "duban" / "estimates.json" if home else None


def check_range(day: dt.date) -> None:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise BadValue(
            _("{day} is outside the calendar ({first}-01-01 to {last}-12-31)").format(
                day=day.isoformat(), first=FIRST_YEAR, last=LAST_YEAR
            )
        )


@dataclass
class Calendar:
    """Working days under the package's schedules, the loaded ones and single-day changes.

    `loaded` replaces whole years (a loaded file is the whole schedule of its year);
    `overrides` change single days on top of whatever the year's schedule says.
    """

    loaded: Mapping[int, YearSchedule] = field(default_factory=dict)
    overrides: Mapping[dt.date, Day] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._published: dict[int, YearSchedule] = {**package_schedules(), **self.loaded}
        self._origin = dt.date(FIRST_YEAR, 1, 1).toordinal()
        # _cum[i]: working days in [FIRST_YEAR-01-01, origin + i], inclusive.
        self._cum = array("l")
        self._end_year = FIRST_YEAR - 1

    # -- schedules -------------------------------------------------------------

    def schedule(self, year: int) -> YearSchedule:
        return self._published.get(year) or estimated_schedule(year)

    def provisional_year(self, year: int) -> bool:
        return year not in self._published

    def provisional_span(self, start: dt.date, end: dt.date) -> bool:
        """Whether any day in (start, end] lies in a year nobody has published."""
        if end <= start:
            return False
        first = (start + dt.timedelta(days=1)).year
        return any(self.provisional_year(y) for y in range(first, end.year + 1))

    def provisional_years(self, start: dt.date, end: dt.date) -> list[int]:
        if end <= start:
            return []
        first = (start + dt.timedelta(days=1)).year
        return [y for y in range(first, end.year + 1) if self.provisional_year(y)]

    @property
    def published_years(self) -> list[int]:
        return sorted(self._published)

    # -- the table ---------------------------------------------------------------

    def _classify(self, day: dt.date, schedule: YearSchedule) -> tuple[bool, str, str]:
        entry = self.overrides.get(day) or schedule.days.get(day)
        weekend = day.weekday() >= 5
        if entry is not None:
            if entry.off:
                # A Saturday or Sunday inside a holiday period is a holiday, not a weekend.
                return False, HOLIDAY, entry.name
            return True, MAKEUP if weekend else WORKDAY, entry.name
        if weekend:
            return False, WEEKEND, ""
        return True, WORKDAY, ""

    def _extend_to(self, year: int) -> None:
        year = min(year, LAST_YEAR)
        cum = self._cum
        total = cum[-1] if cum else 0
        while self._end_year < year:
            self._end_year += 1
            schedule = self.schedule(self._end_year)
            day = dt.date(self._end_year, 1, 1)
            one = dt.timedelta(days=1)
            while day.year == self._end_year:
                if self._classify(day, schedule)[0]:
                    total += 1
                cum.append(total)
                day += one

    def _index(self, day: dt.date) -> int:
        check_range(day)
        if day.year > self._end_year:
            self._extend_to(day.year)
        return day.toordinal() - self._origin

    # -- questions ---------------------------------------------------------------

    def is_workday(self, day: dt.date) -> bool:
        i = self._index(day)
        return self._cum[i] - (self._cum[i - 1] if i else 0) == 1

    def add(self, start: dt.date, n: int) -> dt.date:
        """The nth working day strictly after `start`; n = 0 is `start` itself."""
        if n < 0:
            raise BadValue(_("a number of working days must be 0 or more, not {n}").format(n=n))
        i = self._index(start)
        if n == 0:
            return start
        target = self._cum[i] + n
        # About 250 working days a year: extend by whole years until the target is in.
        while self._cum[-1] < target:
            if self._end_year >= LAST_YEAR:
                raise BadValue(
                    _("{n} working days after {start} is beyond {last}-12-31").format(
                        n=n, start=start.isoformat(), last=LAST_YEAR
                    )
                )
            self._extend_to(self._end_year + 1 + (target - self._cum[-1]) // 260)
        j = bisect_left(self._cum, target, i + 1)
        return dt.date.fromordinal(self._origin + j)

    def count(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]."""
        if end < start:
            raise BadValue(
                _("{start} is after {end}").format(start=start.isoformat(), end=end.isoformat())
            )
        i, j = self._index(start), self._index(end)
        return self._cum[j] - self._cum[i]

    def day(self, day: dt.date) -> DayInfo:
        check_range(day)
        schedule = self.schedule(day.year)
        workday, kind, name = self._classify(day, schedule)
        source = "set by the office" if day in self.overrides else schedule.source
        return DayInfo(day, workday, kind, name, self.provisional_year(day.year), source)

    def days(self, start: dt.date, end: dt.date) -> Iterator[DayInfo]:
        """Every day in [start, end], described."""
        day = start
        while day <= end:
            yield self.day(day)
            day += dt.timedelta(days=1)


@lru_cache(maxsize=1)
def default_calendar() -> Calendar:
    """The package's schedules alone, estimates beyond them."""
    return Calendar()


def add_workdays(start: dt.date, n: int) -> dt.date:
    """The nth working day strictly after `start` (n = 0 is `start` itself)."""
    return default_calendar().add(start, n)


def count_workdays(start: dt.date, end: dt.date) -> int:
    """The number of working days in (start, end]."""
    return default_calendar().count(start, end)


def is_workday(day: dt.date) -> bool:
    return default_calendar().is_workday(day)
