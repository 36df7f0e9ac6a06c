"""The warning lights (红黄绿灯): red, yellow or green for an open lead assignment on a day.

Red: overdue, its deadline before the day (the rule of `duban overdue`).  Yellow: due
within the warning of its span, in working days (the deadline day itself is yellow).
Green: on track.  The warning depends on the span, as offices do it: the register's
setting `light_thresholds`, "10:2,30:5,*:10" by default, warns a deadline of up to 10
working days 2 working days ahead, up to 30 five, a longer one ten.  The span is the
working days from the day the deadline was counted from (or the unit was notified) to
the deadline.  A matter's light is the worst of its open lead assignments'; a closed
or cancelled matter has none.  Pure: the calendar and the setting are given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from duban.settings import parse_thresholds

GREEN, YELLOW, RED = "green", "yellow", "red"
LIGHTS = (GREEN, YELLOW, RED)  # from best to worst
_RANK = {light: i for i, light in enumerate(LIGHTS)}

# A matter in one of these has no light.
NO_LIGHT = frozenset({"closed", "cancelled", "archived"})


def worst(lights: Iterable[str | None]) -> str | None:
    """The worst of some lights (None where there is none)."""
    found = [x for x in lights if x is not None]
    return max(found, key=_RANK.__getitem__) if found else None


@dataclass(frozen=True)
class Judge:
    """Lights on the register's calendar, with its thresholds."""

    calendar: Any  # duban.workdays.Calendar
    thresholds: tuple[tuple[int | None, int], ...]

    @classmethod
    def of(cls, calendar: Any, setting: str) -> Judge:
        return cls(calendar, parse_thresholds(setting))

    def warning(self, span: int) -> int:
        """Working days ahead a deadline of `span` working days turns yellow."""
        for most, ahead in self.thresholds:
            if most is None or span <= most:
                return ahead
        return self.thresholds[-1][1]

    def span(self, start: dt.date | None, due: dt.date) -> int:
        if start is None or start >= due:
            return 0
        return self.calendar.count(start, due)

    def light(self, day: dt.date, due: dt.date, start: dt.date | None) -> str:
        """The light of a deadline `due`, counted from `start`, on `day`."""
        if due < day:
            return RED
        if self.calendar.count(day, due) <= self.warning(self.span(start, due)):
            return YELLOW
        return GREEN

    def assignment(
        self, day: dt.date, *, open_: bool, due: dt.date, start: dt.date | None, reported: bool
    ) -> str | None:
        """A lead assignment's light: none once done; green while its final report, in by
        its deadline, waits for review (as `overdue` has it, the office is late then)."""
        if not open_:
            return None
        return GREEN if reported else self.light(day, due, start)

    def matter(
        self,
        day: dt.date,
        *,
        status: str,
        due: dt.date,
        start: dt.date | None,
        leads: list[str | None],
    ) -> str | None:
        """A matter's light: the worst of its lead assignments' (`leads`, None for those
        done; green when every one is done); by its own deadline when it was never
        assigned (`leads` empty); none when it is closed or cancelled."""
        if status in NO_LIGHT:
            return None
        if not leads:
            return self.light(day, due, start)
        return worst(leads) or GREEN
