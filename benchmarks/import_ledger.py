"""How fast the ledger (台账) goes out and comes back: `duban export` and `duban import`.

    python benchmarks/import_ledger.py [--rows 100000] [--repeat 3] [--write]

Builds a ledger CSV of `--rows` matters (one lead unit each, a participant on every
other, an extension on one in seven, a fifth closed) for the five test units, imports
it into a fresh register (`duban import`, as a user runs it: each command in a new
process, timed from when the CLI is loaded), exports that register as CSV and as xlsx,
and imports both back into fresh registers.  Each step runs `--repeat` times (3): the
median is the figure, the spread is shown (this machine's speed varies by a tenth from
one minute to the next).  Prints the figures; `--write` also puts them into
docs/performance.md, in the section "The ledger: export and import" (its own; not the
bench:start/end block).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UNITS = ["市住房和城乡建设局", "市生态环境局", "市自然资源局", "市教育局", "东胜区人民政府"]
HEADER = ["编号", "来源", "文号", "事项", "牵头单位", "参加单位", "责任人", "收到日期",
          "原定时限", "现行时限", "状态", "办结日期"]  # fmt: skip
START = "<!-- ledger-bench:start -->"
END = "<!-- ledger-bench:end -->"


def make_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(rows):
            year = 2016 + i * 10 // rows
            month, day = 1 + i % 11, 1 + i % 27
            received = f"{year}-{month:02d}-{day:02d}"
            due = f"{year}-{month + 1:02d}-{day:02d}"
            current = f"{year}-{month + 1:02d}-{min(day + 3, 28):02d}" if i % 7 == 1 else due
            closed = i % 5 == 2
            w.writerow([
                "", "批示", f"鄂府办〔{year}〕{i}号", f"事项{i}：落实会议精神", UNITS[i % 5],
                UNITS[(i + 1) % 5] if i % 2 else "", f"责任人{i % 13}", received, due,
                current, "已办结" if closed else "", due if closed else "",
            ])  # fmt: skip


# Each command runs in a new Python process, as a user's `duban` does (a long-lived
# process that has run the steps before would not be what anyone runs), and only the
# command is timed: the process's start-up (Python and duban's imports, about 0.4 s,
# the same for every command) is printed apart, as `STARTUP`.
_TIMED = """
import sys, time
began = time.perf_counter()
from typer.testing import CliRunner
from duban.cli.app import app
ready = time.perf_counter()
result = CliRunner().invoke(app, sys.argv[1:])
took = time.perf_counter() - ready
if result.exit_code != 0:
    sys.exit(f"exit {result.exit_code}: {result.stderr}")
print(f"{ready - began} {took}")
"""
STARTUP: list[float] = []


def duban(db: Path, *args: str) -> float:
    env = {**os.environ, "DUBAN_DB": str(db), "DUBAN_USER": "bench", "DUBAN_LANG": "en",
           "NO_COLOR": "1"}  # fmt: skip
    done = subprocess.run([sys.executable, "-c", _TIMED, *args], env=env, capture_output=True,
                          text=True)  # fmt: skip
    if done.returncode != 0:
        sys.exit(f"duban {' '.join(args)}: {done.stderr.strip() or done.stdout.strip()}")
    ready, took = (float(x) for x in done.stdout.split()[-2:])
    STARTUP.append(ready)
    return took


def fresh(folder: Path, name: str) -> Path:
    """A new register with the five units: made once, then copied."""
    template = folder / "template.db"
    if not template.exists():
        duban(template, "init")
        for i, unit in enumerate(UNITS):
            duban(template, "unit", "add", unit, "--code", f"u{i}")
    db = folder / f"{name}.db"
    shutil.copyfile(template, db)
    return db


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each step (median)")
    parser.add_argument("--write", action="store_true", help="write docs/performance.md")
    args = parser.parse_args()
    runs = range(args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / "ledger.csv"
        make_csv(source, args.rows)
        # Each import into a register of its own, as new; the last one kept for the next step.
        t_import_csv = [duban(first := fresh(folder, f"first{i}"), "import", str(source))
                        for i in runs]  # fmt: skip
        out_csv, out_xlsx = folder / "out.csv", folder / "out.xlsx"
        t_export_csv = [duban(first, "export", "--out", str(out_csv), "--as-of", "2026-11-30")
                        for _ in runs]  # fmt: skip
        t_export_xlsx = [duban(first, "export", "--format", "xlsx", "--out", str(out_xlsx),
                               "--as-of", "2026-11-30") for _ in runs]  # fmt: skip
        t_import_xlsx = [duban(fresh(folder, f"second{i}"), "import", str(out_xlsx))
                         for i in runs]  # fmt: skip
        empty = fresh(folder, "dry")
        t_dry = [duban(empty, "import", str(out_csv), "--dry-run") for _ in runs]
        t_import_csv2 = [duban(fresh(folder, f"third{i}"), "import", str(out_csv))
                         for i in runs]  # fmt: skip
        size_xlsx = out_xlsx.stat().st_size
    n = args.rows

    def row(step: str, times: list[float]) -> str:
        middle = statistics.median(times)
        return (f"| {step} | {middle:.1f} | {min(times):.1f}–{max(times):.1f} | "
                f"{n / middle:,.0f} |")  # fmt: skip

    lines = [
        f"{n:,} rows (one matter each; a participant on every other row), on "
        f"{platform.machine()} with {os.cpu_count()} cores, Python {platform.python_version()},"
        f" SQLite; each command in a new process, timed from when the CLI is loaded (before: "
        f"{statistics.median(STARTUP):.2f} s), each step run {args.repeat} times, "
        f"{time.strftime('%Y-%m-%d')}:",
        "",
        "| step | seconds (median) | fastest–slowest | rows a second (median) |",
        "| --- | ---: | ---: | ---: |",
        row("`import` the office's CSV (12 columns)", t_import_csv),
        row("`export --out ledger.csv`", t_export_csv),
        row(f"`export --format xlsx` ({size_xlsx / 1e6:.1f} MB)", t_export_xlsx),
        row("`import --dry-run` the exported CSV (18 columns)", t_dry),
        row("`import` the exported CSV", t_import_csv2),
        row("`import` the exported xlsx", t_import_xlsx),
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        doc = ROOT / "docs" / "performance.md"
        body = doc.read_text(encoding="utf-8")
        section = (
            "## The ledger: export and import\n\n"
            "Measured by `benchmarks/import_ledger.py --write` (which rewrites only this "
            "block).\n\n" + START + "\n" + text + "\n" + END + "\n"
        )
        if START in body:
            head, rest = body.split(START, 1)
            head = head[: head.rfind("## The ledger: export and import")]
            tail = rest.split(END, 1)[1].lstrip("\n")
            body = head + section + ("\n" + tail if tail else "")
        else:
            body = body.rstrip("\n") + "\n\n" + section
        doc.write_text(body, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
