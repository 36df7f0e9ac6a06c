"""The working-day engine (duban.workdays) against independent references.

The reference everywhere is a plain day-by-day walk over `chinese_calendar.is_workday`
(the State Council's notices as the package carries them): "N working days after D"
is the Nth working day strictly after D, and n = 0 is D itself (docs/design.md,
Deadline rules).  Dates are explicit; nothing here depends on today.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from duban.errors import BadValue
from duban.schedules import read_schedule
from duban.workdays import (
    FIRST_YEAR,
    HOLIDAY,
    LAST_YEAR,
    MAKEUP,
    WEEKEND,
    WORKDAY,
    Calendar,
    Day,
    YearSchedule,
    add_workdays,
    count_workdays,
    is_workday,
)

D = dt.date
ONE = dt.timedelta(days=1)
FIRST = D(2004, 1, 1)  # the first and last days the package's notices cover
LAST = D(2026, 12, 31)
HOLIDAY_CN = Path(__file__).resolve().parent / "data" / "holiday-cn"


# -- the independent reference ---------------------------------------------------------


@pytest.fixture(scope="module")
def flags() -> list[bool]:
    """flags[i]: whether FIRST + i days is a working day, by chinese_calendar.is_workday."""
    out, day = [], FIRST
    while day <= LAST:
        out.append(chinese_calendar.is_workday(day))
        day += ONE
    return out


def day_at(i: int) -> dt.date:
    return FIRST + dt.timedelta(days=i)


def reference_adds(flags: list[bool], i: int, most: int) -> list[dt.date]:
    """[start, 1st, 2nd, ...] working days strictly after day i, walking one day at a time,
    as far as `most` or the end of the published years, whichever comes first."""
    out = [day_at(i)]
    j = i
    while len(out) <= most and j + 1 < len(flags):
        j += 1
        if flags[j]:
            out.append(day_at(j))
    return out


def reference_count(flags: list[bool], i: int, j: int) -> int:
    """Working days in (day i, day j], one day at a time."""
    total = 0
    for k in range(i + 1, j + 1):
        if flags[k]:
            total += 1
    return total


# -- 1. the engine equals the day-by-day reference -------------------------------------


def test_add_equals_the_day_by_day_reference_for_every_start_and_n_up_to_60(flags):
    assert len(flags) == (LAST - FIRST).days + 1
    compared, wrong = 0, []
    for i in range(len(flags)):
        start = day_at(i)
        expected = reference_adds(flags, i, 60)  # only the n whose deadline is in 2004–2026
        for n, due in enumerate(expected):
            got = add_workdays(start, n)
            compared += 1
            if got != due:
                wrong.append((start, n, got, due))
                if len(wrong) > 10:
                    break
    assert wrong == []
    # Every start from 2004-01-01 to 2026-12-31 with every n in 0..60 that stays in 2026.
    assert compared > 500_000


def test_count_equals_the_day_by_day_reference(flags):
    spans = (0, 1, 2, 3, 6, 7, 15, 31, 45, 90, 183, 366)
    wrong = []
    for i in range(len(flags)):
        start = day_at(i)
        for span in spans:
            j = i + span
            if j >= len(flags):
                break
            got = count_workdays(start, day_at(j))
            if got != reference_count(flags, i, j):
                wrong.append((start, span, got))
    assert wrong == []


def test_is_workday_equals_the_package_for_every_published_day(flags):
    assert [is_workday(day_at(i)) for i in range(len(flags))] == flags


def test_count_undoes_add_over_the_published_years(flags):
    # count(d, add(d, n)) == n, and the due day is a working day: the end is never rolled.
    for i in range(0, len(flags) - 120, 3):
        start = day_at(i)
        for n in (1, 15, 60):
            due = add_workdays(start, n)
            assert count_workdays(start, due) == n
            assert is_workday(due)
            assert count_workdays(start, due - ONE) == n - 1


# -- 2. agreement with chinese_calendar.find_workday ---------------------------------


def test_agrees_with_find_workday_where_they_should():
    # find_workday(n, d) counts d itself when d is a working day; duban never counts the
    # start day.  So: find_workday(n, d) == add(d, n) on a working day d, and
    # find_workday(n - 1, d) == add(d, n) on any other day.  find_workday is slow (it
    # rescans the package's table on every step), so a sample: every day of 2025 and of
    # 2026 up to 2026-10-31, and every 13th day from 2004.
    starts = [D(2025, 1, 1) + dt.timedelta(days=k) for k in range(669)]
    starts += [FIRST + dt.timedelta(days=k) for k in range(0, 7670, 13)]
    checked = 0
    for start in starts:
        for n in (1, 2, 5, 15, 30):
            expected = add_workdays(start, n)
            if expected > LAST:
                continue
            if chinese_calendar.is_workday(start):
                assert chinese_calendar.find_workday(n, start) == expected, (start, n)
            else:
                assert chinese_calendar.find_workday(n - 1, start) == expected, (start, n)
            checked += 1
    assert checked > 6000


# -- 3. the cost does not grow with n ---------------------------------------------------


class CountingTable:
    """Wraps the engine's table and counts every entry read."""

    def __init__(self, table):
        self.table = table
        self.reads = 0

    def __getitem__(self, i):
        self.reads += 1
        return self.table[i]

    def __len__(self):
        return len(self.table)

    def append(self, value):
        self.table.append(value)


def test_add_classifies_no_day_again_and_reads_a_logarithmic_number_of_entries(flags, monkeypatch):
    cal = Calendar()
    assert cal.count(FIRST, LAST) == sum(flags)  # the table now holds 2004–2026
    classified = []
    original = cal._classify
    monkeypatch.setattr(cal, "_classify", lambda *a: classified.append(a) or original(*a))
    table = CountingTable(cal._cum)
    cal._cum = table
    # log2 of the table's size for the binary search, plus the start's entry and a look
    # at the end of the table: the same bound whether n is 1 or 5000.
    bound = math.ceil(math.log2(len(table))) + 3
    start = D(2004, 1, 5)
    reads = {}
    for n in (1, 15, 250, 2000, 5000):
        table.reads = 0
        due = cal.add(start, n)
        reads[n] = table.reads
        assert due == reference_adds(flags, (start - FIRST).days, n)[n]
    assert due.year == 2024  # 5000 working days after 2004-01-05: about twenty years
    assert classified == []  # no day was looked at again, however large n
    assert len(table) == len(flags)  # and the table did not grow
    assert max(reads.values()) <= bound, reads
    # The day-by-day walk for n = 5000 would have looked at more than 7000 days.
    assert (due - start).days > 7000


def test_a_year_is_classified_once_when_a_question_first_reaches_it():
    cal = Calendar()
    cal.count(FIRST, LAST)
    classified = []
    original = cal._classify
    cal._classify = lambda *a: classified.append(a[0]) or original(*a)
    assert cal.add(D(2026, 12, 31), 1) == D(2027, 1, 4)  # 2027-01-01 元旦 (estimated)
    assert len(classified) == 365 and {d.year for d in classified} == {2027}
    classified.clear()
    cal.add(D(2027, 1, 4), 200)
    cal.add(D(2026, 6, 1), 120)
    assert classified == []


# -- 4. hand-checked against the 2026 notice (国办发明电〔2025〕7号) ------------------------
#
# 2026 in tests/data/holiday-cn/2026.json: off 01-01..03, 02-15..23, 04-04..06,
# 05-01..05, 06-19..21, 09-25..27, 10-01..07; make-up working days 01-04 (Sun), 02-14
# (Sat), 02-28 (Sat), 05-09 (Sat), 09-20 (Sun), 10-10 (Sat).

HAND_CHECKED = [
    # (start, n, due, how it was counted)
    (D(2025, 12, 31), 1, D(2026, 1, 4), "01-01..03 off; 01-04 Sun make-up = 1"),
    (D(2025, 12, 31), 2, D(2026, 1, 5), "01-04 = 1, 01-05 Mon = 2"),
    (D(2026, 1, 4), 1, D(2026, 1, 5), "start on make-up Sunday not counted; 01-05 = 1"),
    (D(2026, 2, 13), 1, D(2026, 2, 14), "02-14 Sat make-up = 1"),
    (D(2026, 2, 14), 1, D(2026, 2, 24), "start on make-up Saturday; 02-15..23 off; 02-24 = 1"),
    (D(2026, 2, 27), 1, D(2026, 2, 28), "02-28 Sat make-up = 1"),
    (D(2026, 2, 28), 1, D(2026, 3, 2), "start on make-up Saturday; 03-01 Sun; 03-02 = 1"),
    (D(2026, 4, 30), 1, D(2026, 5, 6), "05-01..05 off; 05-06 = 1"),
    (D(2026, 4, 30), 4, D(2026, 5, 9), "05-06, 07, 08 = 3; 05-09 Sat make-up = 4"),
    (D(2026, 5, 9), 1, D(2026, 5, 11), "start on make-up Saturday; 05-10 Sun; 05-11 = 1"),
    (D(2026, 4, 3), 1, D(2026, 4, 7), "04-04..06 off (Sat..Mon); 04-07 = 1"),
    (D(2026, 6, 18), 1, D(2026, 6, 22), "06-19..21 off; 06-22 Mon = 1"),
    (D(2026, 9, 18), 1, D(2026, 9, 20), "09-19 Sat off; 09-20 Sun make-up = 1"),
    (D(2026, 9, 20), 1, D(2026, 9, 21), "start on make-up Sunday; 09-21 = 1"),
    (D(2026, 9, 24), 1, D(2026, 9, 28), "09-25..27 off (中秋); 09-28 = 1"),
    (D(2026, 10, 3), 1, D(2026, 10, 8), "start on a holiday Saturday; 10-04..07 off; 10-08 = 1"),
    (D(2026, 10, 9), 1, D(2026, 10, 10), "10-10 Sat make-up = 1"),
    (D(2026, 10, 10), 1, D(2026, 10, 12), "start on make-up Saturday; 10-11 Sun; 10-12 = 1"),
    (D(2026, 3, 7), 1, D(2026, 3, 9), "start on an ordinary Saturday; 03-08 Sun; 03-09 = 1"),
    (D(2026, 3, 8), 5, D(2026, 3, 13), "start on an ordinary Sunday; 03-09..13 = 5"),
    (D(2026, 3, 9), 0, D(2026, 3, 9), "n = 0 is the start day itself"),
    (D(2026, 10, 3), 0, D(2026, 10, 3), "n = 0 even on a holiday"),
    # The 15-working-day rule (第十二条) across Spring Festival 2026:
    # 02-11, 12, 13 = 3; 02-14 Sat = 4; 02-15..23 off; 02-24, 25, 26, 27 = 8;
    # 02-28 Sat = 9; 03-01 Sun; 03-02..06 = 14; 03-09 = 15.
    (D(2026, 2, 10), 15, D(2026, 3, 9), "Spring Festival: see the count above"),
    # Across National Day 2026: 09-29, 30 = 2; 10-01..07 off; 10-08, 09 = 4;
    # 10-10 Sat = 5; 10-12..16 = 10; 10-19..23 = 15.
    (D(2026, 9, 28), 15, D(2026, 10, 23), "National Day: see the count above"),
    # Mid-autumn and National Day together: 09-20 Sun = 1; 09-21..24 = 5; 09-25..27 off;
    # 09-28..30 = 8; 10-01..07 off; 10-08, 09 = 10; 10-10 Sat = 11; 10-12..15 = 15.
    (D(2026, 9, 18), 15, D(2026, 10, 15), "09-20 and 10-10 both count"),
    # Received on the first day of National Day: 10-08, 09 = 2; 10-10 = 3; 10-12..16 = 8;
    # 10-19..23 = 13; 10-26, 27 = 15.
    (D(2026, 10, 1), 15, D(2026, 10, 27), "start on a holiday"),
    # Over New Year from 2025: 12-29, 30, 31 = 3; 01-01..03 off; 01-04 Sun = 4;
    # 01-05..09 = 9; 01-12..16 = 14; 01-19 = 15.
    (D(2025, 12, 26), 15, D(2026, 1, 19), "New Year with the make-up Sunday"),
]


@pytest.mark.parametrize(
    "start,n,due,how", HAND_CHECKED, ids=[f"{s}+{n}" for s, n, _, _ in HAND_CHECKED]
)
def test_hand_checked_2026(start, n, due, how):
    assert add_workdays(start, n) == due, how
    if n:
        assert count_workdays(start, due) == n
        assert Calendar().provisional_span(start, due) is False


@pytest.mark.parametrize(
    "a,b,count",
    [
        (D(2026, 9, 30), D(2026, 10, 12), 4),  # 10-08, 09, 10 (Sat), 12
        (D(2026, 2, 13), D(2026, 2, 28), 6),  # 02-14 (Sat), 24, 25, 26, 27, 28 (Sat)
        (D(2026, 10, 1), D(2026, 10, 7), 0),  # the whole holiday
        (D(2026, 10, 8), D(2026, 10, 8), 0),  # an empty span
        (D(2025, 12, 31), D(2026, 1, 4), 1),  # the make-up Sunday only
    ],
)
def test_count_hand_checked_2026(a, b, count):
    assert count_workdays(a, b) == count


@pytest.mark.parametrize(
    "day,kind",
    [
        (D(2026, 1, 4), MAKEUP),
        (D(2026, 2, 14), MAKEUP),
        (D(2026, 2, 28), MAKEUP),
        (D(2026, 5, 9), MAKEUP),
        (D(2026, 9, 20), MAKEUP),
        (D(2026, 10, 10), MAKEUP),
        (D(2026, 10, 3), HOLIDAY),  # a Saturday inside National Day is a holiday
        (D(2026, 10, 5), HOLIDAY),  # a Monday off
        (D(2026, 2, 16), HOLIDAY),
        (D(2026, 10, 11), WEEKEND),
        (D(2026, 10, 12), WORKDAY),
    ],
)
def test_day_kinds_2026(day, kind):
    info = Calendar().day(day)
    assert info.kind == kind
    assert info.workday is (kind in (WORKDAY, MAKEUP))
    assert info.provisional is False


# -- 5. years nobody published ----------------------------------------------------------


def test_a_deadline_in_an_unpublished_year_is_an_estimate_and_says_so():
    cal = Calendar()
    # 12-21..25 = 5, 12-28..31 = 9; 2027-01-01 (元旦, by rule) off; 01-04..08 = 14; 01-11 = 15.
    due = cal.add(D(2026, 12, 20), 15)
    assert due == D(2027, 1, 11)
    assert add_workdays(D(2026, 12, 20), 15) == due
    assert cal.provisional_span(D(2026, 12, 20), due) is True
    assert cal.provisional_years(D(2026, 12, 20), due) == [2027]
    # A span inside 2026 is exact, even from a start in the last days of 2026.
    assert cal.provisional_span(D(2026, 12, 20), D(2026, 12, 31)) is False
    # The start day is not part of the span: 2026-12-31 + 0 stays exact.
    assert cal.provisional_span(D(2026, 12, 31), D(2026, 12, 31)) is False
    info = cal.day(D(2027, 2, 6))  # Spring Festival 2027, computed by rule
    assert (info.kind, info.workday, info.provisional) == (HOLIDAY, False, True)
    assert cal.day(D(2027, 3, 6)).kind == WEEKEND


def test_no_year_to_2099_crashes_and_beyond_is_a_bad_value():
    cal = Calendar()
    assert cal.add(D(2099, 12, 1), 5).year == 2099
    with pytest.raises(BadValue, match="beyond 2099-12-31"):
        cal.add(D(2099, 12, 30), 5)
    with pytest.raises(BadValue, match="outside the calendar"):
        cal.add(D(2003, 12, 31), 1)
    with pytest.raises(BadValue, match="outside the calendar"):
        cal.day(D(2100, 1, 1))
    with pytest.raises(BadValue, match="0 or more"):
        cal.add(D(2026, 1, 5), -1)
    with pytest.raises(BadValue, match="after"):
        cal.count(D(2026, 1, 6), D(2026, 1, 5))
    assert FIRST_YEAR == 2004 and LAST_YEAR == 2099


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(min_value=D(2004, 1, 1), max_value=D(2090, 12, 31)),
    n=st.integers(min_value=1, max_value=1000),
)
def test_add_and_count_are_consistent_in_every_year_published_or_not(start, n):
    due = add_workdays(start, n)
    assert due > start
    assert is_workday(due)
    assert count_workdays(start, due) == n
    assert count_workdays(start, due - ONE) == n - 1
    assert add_workdays(start, n - 1) < due


def write_2027(tmp_path: Path) -> Path:
    days = [
        ("2027-01-01", True, "元旦"),
        ("2027-01-04", True, "元旦"),  # a Monday off
        ("2027-01-05", True, "元旦"),  # a Tuesday off
        ("2027-01-09", False, "元旦"),  # a make-up Saturday
    ]
    path = tmp_path / "2027.json"
    path.write_text(
        json.dumps(
            {
                "year": 2027,
                "papers": [],
                "days": [{"name": n, "date": d, "isOffDay": off} for d, off, n in days],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return path


def test_a_loaded_year_replaces_the_estimate(tmp_path):
    parsed = read_schedule(write_2027(tmp_path))
    cal = Calendar(loaded={2027: YearSchedule(2027, parsed.days, "loaded: 2027.json")})
    # 12-21..31 = 9; 01-01 off; 01-04, 05 off; 01-06, 07, 08 = 12; 01-09 Sat = 13;
    # 01-11 = 14; 01-12 = 15.
    due = cal.add(D(2026, 12, 20), 15)
    assert due == D(2027, 1, 12)
    assert cal.provisional_span(D(2026, 12, 20), due) is False
    assert cal.day(D(2027, 1, 9)).kind == MAKEUP
    assert cal.day(D(2027, 1, 5)).kind == HOLIDAY
    # The file is the whole schedule of 2027: Spring Festival is not in it, so 02-08 is an
    # ordinary Monday now, and 02-06 an ordinary Saturday.
    assert cal.day(D(2027, 2, 8)).kind == WORKDAY
    assert cal.day(D(2027, 2, 6)).kind == WEEKEND
    # The default calendar still estimates.
    assert add_workdays(D(2026, 12, 20), 15) == D(2027, 1, 11)


def test_overrides_change_single_days_on_top_of_the_schedule():
    cal = Calendar(
        overrides={D(2026, 10, 9): Day(True, "台风"), D(2026, 10, 11): Day(False, "加班")}
    )
    # 10-08 = 1; 10-09 now off; 10-10 Sat make-up = 2; 10-11 Sun now working = 3.
    assert cal.add(D(2026, 10, 7), 3) == D(2026, 10, 11)
    assert cal.day(D(2026, 10, 9)).kind == HOLIDAY
    assert cal.day(D(2026, 10, 11)).kind == MAKEUP
    # Without them: 10-08, 09, 10 = 3.
    assert Calendar().add(D(2026, 10, 7), 3) == D(2026, 10, 10)


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_the_published_files_agree_with_the_package_day_for_day(year):
    parsed = read_schedule(HOLIDAY_CN / f"{year}.json")
    loaded = Calendar(loaded={year: YearSchedule(year, parsed.days, f"{year}.json")})
    package = Calendar()
    day = D(year, 1, 1)
    while day.year == year:
        a, b = loaded.day(day), package.day(day)
        assert (a.workday, a.kind) == (b.workday, b.kind), day
        day += ONE
    assert loaded.count(D(year - 1, 12, 31), D(year, 12, 31)) == package.count(
        D(year - 1, 12, 31), D(year, 12, 31)
    )


def test_an_estimated_year_is_kept_in_the_users_cache(tmp_path, monkeypatch):
    """The `holidays` package is imported once per year and package version: later runs
    read its answer from the cache, and a damaged cache is computed again."""
    import sys

    from duban import workdays

    monkeypatch.setenv("DUBAN_CACHE", str(tmp_path))
    workdays.estimated_schedule.cache_clear()
    first = workdays.estimated_schedule(2031)
    kept = tmp_path / "duban" / "estimates.json"
    assert kept.is_file() and "2031" in kept.read_text(encoding="utf-8")
    workdays.estimated_schedule.cache_clear()
    monkeypatch.setitem(sys.modules, "holidays.countries.china", None)  # no import possible
    again = workdays.estimated_schedule(2031)
    assert (again.days, again.source, again.provisional) == (first.days, first.source, True)
    assert D(2031, 1, 1) in again.days  # 元旦
    kept.write_text("not json", encoding="utf-8")
    workdays.estimated_schedule.cache_clear()
    monkeypatch.delitem(sys.modules, "holidays.countries.china")
    assert workdays.estimated_schedule(2031).days == first.days
    workdays.estimated_schedule.cache_clear()
