"""How fast is the working-day engine?  A plain script:

    python benchmarks/bench_workdays.py [--starts N] [--slow-starts M]

Times "n working days after d" three ways, for n = 1, 15, 60, 250 over many start
dates, and checks that all three agree on every call it times:

- duban:         duban.workdays.add_workdays (one table, a binary search)
- find_workday:  chinese_calendar.find_workday, which counts the start day when it is
                 a working day: add(d, n) == find_workday(n, d) on a working day d,
                 find_workday(n - 1, d) otherwise
- day-by-day:    a plain loop one day at a time over a precomputed set of the working
                 days (chinese_calendar.is_workday, computed once): the best a naive
                 loop can do

It also times building the table (a new Calendar's first question) and importing
duban.workdays in a fresh interpreter.  Results go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import subprocess
import sys
import time

import chinese_calendar

from duban.workdays import Calendar, add_workdays, package_schedules

NS = (1, 15, 60, 250)
FIRST = dt.date(2004, 1, 1)
LAST_START = dt.date(2025, 6, 30)  # 250 working days later is still in a published year
ONE = dt.timedelta(days=1)


def working_days() -> frozenset[dt.date]:
    out, day = set(), FIRST
    while day.year <= 2026:
        if chinese_calendar.is_workday(day):
            out.add(day)
        day += ONE
    return frozenset(out)


WORKING = working_days()


def loop_add(start: dt.date, n: int) -> dt.date:
    day, left = start, n
    while left:
        day += ONE
        if day in WORKING:
            left -= 1
    return day


def package_add(start: dt.date, n: int) -> dt.date:
    if n == 0:
        return start
    if start in WORKING:
        return chinese_calendar.find_workday(n, start)
    return chinese_calendar.find_workday(n - 1, start)


def per_call_us(fn, starts: list[dt.date], n: int, repeat: int) -> tuple[float, list[dt.date]]:
    """The best of `repeat` runs over all starts, in microseconds per call."""
    best, answers = float("inf"), []
    for _ in range(repeat):
        t0 = time.perf_counter()
        answers = [fn(d, n) for d in starts]
        best = min(best, time.perf_counter() - t0)
    return best / len(starts) * 1e6, answers


def fresh_python(code: str, runs: int = 7) -> float:
    """The median of `runs` fresh interpreters printing one float (seconds)."""
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        times.append(float(out.stdout.strip()))
    return statistics.median(times)


IMPORT = "import time; t = time.perf_counter(); import {m}; print(time.perf_counter() - t)"
# The same, after the standard-library modules duban.workdays uses (a CLI has them already).
IMPORT_OWN = "import dataclasses, array, bisect, functools, collections.abc; " + IMPORT
FIRST_QUESTION = (
    "import datetime as dt, time\n"
    "from duban.workdays import Calendar\n"
    "t = time.perf_counter()\n"
    "Calendar().add(dt.date(2026, 11, 2), 15)\n"
    "print(time.perf_counter() - t)\n"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--starts", type=int, default=20000, help="start dates for duban/loop")
    parser.add_argument(
        "--slow-starts", type=int, default=200, help="start dates for find_workday (slow)"
    )
    args = parser.parse_args()

    rng = random.Random(2026)
    span = (LAST_START - FIRST).days
    starts = [FIRST + dt.timedelta(days=rng.randrange(span + 1)) for _ in range(args.starts)]
    slow = starts[: args.slow_starts]
    add_workdays(starts[0], 1)  # build the default table before timing

    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores")
    print(
        f"{len(starts)} start dates 2004-01-01..2025-06-30 for duban and the loop, "
        f"{len(slow)} of them for find_workday\n"
    )
    head = f"{'n':>5} {'duban µs':>10} {'find_workday µs':>16} {'loop µs':>10} "
    head += f"{'duban/find_workday':>19} {'find_workday/duban':>19} {'loop/duban':>11}"
    print(head)
    print("-" * len(head))
    for n in NS:
        ours, answers = per_call_us(add_workdays, starts, n, repeat=5)
        loop, loop_answers = per_call_us(loop_add, starts, n, repeat=3)
        theirs, their_answers = per_call_us(package_add, slow, n, repeat=1)
        # They must agree wherever they should: everywhere here (all in 2004–2026).
        assert answers == loop_answers, f"duban and the loop disagree for n={n}"
        assert answers[: len(slow)] == their_answers, f"duban and find_workday disagree, n={n}"
        print(
            f"{n:>5} {ours:>10.2f} {theirs:>16.1f} {loop:>10.2f} "
            f"{ours / theirs:>19.5f} {theirs / ours:>18.0f}× {loop / ours:>10.1f}×"
        )
    print("\nall three agree on every call timed")

    # The table: a new Calendar's first question builds 2004..2026 (package data cached).
    package_schedules()
    builds = []
    for _ in range(20):
        t0 = time.perf_counter()
        Calendar().add(dt.date(2026, 11, 2), 15)
        builds.append(time.perf_counter() - t0)
    first_cold = fresh_python(FIRST_QUESTION)
    imp = fresh_python(IMPORT.format(m="duban.workdays"))
    imp_own = fresh_python(IMPORT_OWN.format(m="duban.workdays"))
    imp_cc = fresh_python(IMPORT.format(m="chinese_calendar"))
    print(
        f"\nbuild the table 2004–2026 (new Calendar, first question): "
        f"{statistics.median(builds) * 1e3:.2f} ms (median of 20)"
    )
    print(
        f"first question in a fresh interpreter (reads the package's data too): "
        f"{first_cold * 1e3:.1f} ms (median of 7)"
    )
    print(f"import duban.workdays in a fresh interpreter: {imp * 1e3:.1f} ms (median of 7)")
    print(
        f"  of which duban's own modules (dataclasses etc. already imported): "
        f"{imp_own * 1e3:.1f} ms (median of 7)"
    )
    print(f"import chinese_calendar in a fresh interpreter: {imp_cc * 1e3:.1f} ms (median of 7)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
