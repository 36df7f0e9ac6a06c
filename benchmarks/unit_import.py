"""How fast `duban unit import` takes a units file, and that it grows in a straight line.

    python benchmarks/unit_import.py [--rows 1000,8000,50000] [--update]

For each count, writes a units CSV of that many rows (name, code, kind, head, parent,
aliases: every unit with a code and a short name, four in five under a parent that
comes later in the file for one in ten of them), imports it into a fresh register
(each command in a new process, timed from when the CLI is loaded), and prints the
seconds and the rows a second.  `--update` imports the same file a second time with `--update` (every row
an existing unit, a new head for each), timed too.  A time that grew faster than the
rows (quadratic: 8x the rows, 64x the time) is what this is here to catch.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import tempfile
import time
from pathlib import Path

from import_ledger import duban  # the same runner, timed the same way


def make_csv(path: Path, rows: int, head: str = "负责人", prefix: str = "") -> Path:
    """`prefix` starts every name, code and short name: files of different prefixes go
    into one register side by side (the tests' use)."""
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "code", "kind", "head", "parent", "aliases"])
        for i in range(rows):
            # Parents: the unit ten rows on for every tenth unit (a parent named later),
            # else the unit before, for four in five.
            if i % 5 == 4:
                parent = ""
            elif i % 10 == 0 and i + 10 < rows:
                parent = f"{prefix}单位{i + 10}号"
            else:
                parent = f"{prefix}单位{i - 1}号" if i else ""
            kind = ("department", "district", "enterprise", "other")[i % 4]
            w.writerow([f"{prefix}单位{i}号", f"{prefix}u{i}", kind, f"{head}{i}", parent,
                        f"{prefix}简称{i};{prefix}s{i}"])  # fmt: skip
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1000,8000,50000", help="counts, comma-separated")
    parser.add_argument("--update", action="store_true", help="time --update as well")
    args = parser.parse_args()
    counts = [int(n) for n in args.rows.split(",") if n.strip()]
    print(
        f"unit import on {platform.machine()} with {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, SQLite; each command in a new process, {time.strftime('%Y-%m-%d')}:"
    )
    print()
    print("| rows | import (s) | rows a second |" + (" --update (s) |" if args.update else ""))
    print("| ---: | ---: | ---: |" + (" ---: |" if args.update else ""))
    for n in counts:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            source, db = folder / "units.csv", folder / "register.db"
            make_csv(source, n)
            duban(db, "init")
            took = duban(db, "unit", "import", str(source), "--json")
            line = f"| {n:,} | {took:.1f} | {n / took:,.0f} |"
            if args.update:
                make_csv(source, n, head="新负责人")
                again = duban(db, "unit", "import", str(source), "--update", "--json")
                line += f" {again:.1f} |"
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
