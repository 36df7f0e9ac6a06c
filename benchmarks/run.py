"""Time duban's commands as whole processes on registers of 10k, 100k and 1M matters.

    python benchmarks/run.py                       # every size, 5 runs (3 at 1M)
    python benchmarks/run.py --sizes 10k 100k --runs 3
    python benchmarks/run.py --write-docs          # also into docs/performance.md

It builds each register once with `benchmarks/make_register.py` and keeps it in
`--cache` (default /tmp/duban-bench), named by size, seed and a key of the generator
and duban's migrations, so a change to either builds it again (`--rebuild` forces it).
Then it runs every command as a user would, as a new process of the `duban` console
script beside this Python, with DUBAN_DB set:

- the output goes to a pipe that is read to the end, or, for the "terminal" runs, to a
  pseudo-terminal of 160 columns read until the command closes it;
- the time is the wall time from spawning the process to reaping it
  (`time.perf_counter`), the memory the process's peak resident set (`os.wait4`'s
  `ru_maxrss`);
- each command runs once untimed to warm the caches, unless that run took more than 2 s
  (it then counts), then `--runs` times (3 at most at 1M, and fewer for a command so
  slow that the runs would take more than `--budget` seconds): the median, min and max
  of the wall times and the largest peak are reported;
- the writes (`register`, `report`, `review`) run on a fresh copy of the register each
  time (the copy is not timed), and on an empty register made with `duban init`
  (with one unit, matter, assignment and report in it where the command needs them).

Progress goes to stderr; the table of figures and which targets hold to stdout, and
with `--write-docs` into the section of docs/performance.md between
`<!-- bench:start -->` and `<!-- bench:end -->` (added at the end if missing).
Exit 0 when every command ran, 1 when one failed (the targets do not change it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import hashlib
import os
import platform
import pty
import shutil
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAKE_REGISTER = ROOT / "benchmarks" / "make_register.py"
MIGRATIONS = ROOT / "duban" / "migrations.py"
DOCS = ROOT / "docs" / "performance.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
HEADING = "## Commands at 10k, 100k and 1M matters"
AS_OF = "2026-11-26"
LARGE = 1_000_000  # from this size on: at most 3 runs, and `list` of every matter skipped
WARMUP_UNDER = 2.0  # seconds: a first run shorter than this is a warm-up, not counted
COLUMNS, LINES = 160, 50  # the pseudo-terminal's size
USER = "督查室 基准"

BARE_TYPER = '''"""A bare Typer app: two commands with one option each, to compare start-up with."""
import typer

app = typer.Typer()


@app.command()
def hello(name: str = typer.Option("world", help="Who to greet.")) -> None:
    """Say hello."""
    typer.echo(f"hello {name}")


@app.command()
def bye(name: str = typer.Option("world", help="Who to see off.")) -> None:
    """Say goodbye."""
    typer.echo(f"bye {name}")


if __name__ == "__main__":
    app()
'''


# -- sizes and registers -------------------------------------------------------------


def parse_size(text: str) -> int:
    """`10k`, `100k`, `1M`, or a plain number."""
    raw = text.strip().lower().replace("_", "").replace(",", "")
    scale = 1
    if raw.endswith("k"):
        raw, scale = raw[:-1], 1_000
    elif raw.endswith("m"):
        raw, scale = raw[:-1], 1_000_000
    try:
        value = int(float(raw) * scale)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (use 10k, 100k, 1M)") from None
    if value < 100:
        raise argparse.ArgumentTypeError(f"a register of {value} matters is too small")
    return value


def label(size: int) -> str:
    if size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    if size % 1_000 == 0:
        return f"{size // 1_000}k"
    return str(size)


def cache_key(seed: int) -> str:
    """What a cached register depends on: the generator, duban's schema, the seed, the day."""
    digest = hashlib.sha256()
    for path in (MAKE_REGISTER, MIGRATIONS):
        digest.update(path.read_bytes())
    digest.update(f"{seed} {AS_OF}".encode())
    return digest.hexdigest()[:10]


def register_for(size: int, seed: int, cache: Path, rebuild: bool) -> tuple[Path, float | None]:
    """The register of `size` matters, built unless cached; and its build time if built."""
    cache.mkdir(parents=True, exist_ok=True)
    stem = f"register-{label(size)}-seed{seed}"
    path = cache / f"{stem}-{cache_key(seed)}.db"
    for stale in cache.glob(f"{stem}-*.db*"):
        if stale.name != path.name and not stale.name.startswith(path.name):
            stale.unlink()  # built by another version of the generator or the schema
    if path.exists() and not rebuild:
        progress(f"[{label(size):>5}] register cached: {path}")
        return path, None
    progress(f"[{label(size):>5}] building the register ({size:,} matters) ...")
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(MAKE_REGISTER), "--matters", str(size), "--db", str(path),
         "--seed", str(seed), "--as-of", AS_OF, "--force"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"run.py: building {path} failed: {done.stderr.strip()}")
    progress(f"[{label(size):>5}] built in {took:.1f} s: {path}")
    return path, took


@dataclass(frozen=True)
class Shape:
    """What a register holds, and the rows the benchmark's commands name."""

    matters: int
    assignments: int
    reports: int
    history: int
    open_matters: int
    megabytes: float
    show: str  # a closed matter with a rework: a full dossier
    report: tuple[str, str, str] | None  # an open lead assignment: code, unit, head
    review: int | None  # a pending report that can be accepted


def shape_of(path: Path) -> Shape:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:

        def one(sql: str) -> object:
            row = conn.execute(sql).fetchone()
            return row[0] if row else None

        show = one(
            "SELECT m.code FROM matter m WHERE m.status = 'closed' AND EXISTS (SELECT 1 FROM "
            "deadline d WHERE d.matter_id = m.id AND d.why = 'rework') ORDER BY m.id DESC LIMIT 1"
        ) or one("SELECT code FROM matter ORDER BY id DESC LIMIT 1")
        report = conn.execute(
            "SELECT m.code, u.name, u.head FROM assignment a JOIN matter m ON m.id = a.matter_id "
            "JOIN unit u ON u.id = a.unit_id WHERE a.role = 'lead' AND a.status = 'open' "
            "AND m.status = 'assigned' AND u.head IS NOT NULL ORDER BY a.id DESC LIMIT 1"
        ).fetchone()
        review = one(
            "SELECT r.id FROM report r JOIN assignment a ON a.id = r.assignment_id "
            "JOIN unit u ON u.id = a.unit_id JOIN matter m ON m.id = r.matter_id "
            "WHERE r.status = 'pending' AND m.status != 'closed' AND a.status = 'open' AND "
            "(r.kind != 'final' OR (r.written AND r.sealed AND r.signed_by = u.head)) "
            "ORDER BY r.kind = 'final' DESC, r.id DESC LIMIT 1"
        )
        return Shape(
            matters=one("SELECT count(*) FROM matter"),
            assignments=one("SELECT count(*) FROM assignment"),
            reports=one("SELECT count(*) FROM report"),
            history=one("SELECT count(*) FROM history"),
            open_matters=one("SELECT count(*) FROM matter WHERE status != 'closed'"),
            megabytes=path.stat().st_size / 1e6,
            show=show,
            report=tuple(report) if report else None,
            review=review,
        )
    finally:
        conn.close()


# -- running a command ---------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    seconds: float
    peak_kib: int
    code: int
    output_bytes: int
    stderr: str


def duban_command() -> list[str]:
    """The `duban` console script beside this Python, as a user runs it."""
    script = Path(sys.executable).with_name("duban")
    return [str(script)] if script.exists() else [sys.executable, "-m", "duban"]


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    for key in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES"):
        env.pop(key, None)
    env.update(LC_ALL="C.UTF-8", LANG="C.UTF-8", DUBAN_USER=USER, TERM="xterm-256color")
    return env


def spawn(argv: list[str], env: dict[str, str], *, terminal: bool = False) -> Outcome:
    """Run one process to its end, its output read whole; time it and its peak memory."""
    with tempfile.TemporaryFile() as err:
        if terminal:
            master, slave = pty.openpty()
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
            start = time.perf_counter()
            proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=slave,
                                    stderr=err)  # fmt: skip
            os.close(slave)
            read_from = master
        else:
            start = time.perf_counter()
            proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=err)  # fmt: skip
            read_from = proc.stdout.fileno()
        total = 0
        try:
            while True:
                try:
                    chunk = os.read(read_from, 1 << 16)
                except OSError:  # EIO: the command closed its terminal
                    break
                if not chunk:
                    break
                total += len(chunk)
        finally:
            if terminal:
                os.close(read_from)
            else:
                proc.stdout.close()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        err.seek(0)
        message = err.read().decode("utf-8", "replace").strip().splitlines()
    return Outcome(seconds, usage.ru_maxrss, proc.returncode, total, message[-1] if message else "")


# -- measuring -----------------------------------------------------------------------


@dataclass
class Figure:
    """One command at one size: its timed runs."""

    name: str
    size: int | None  # None: does not depend on the register (start-up)
    seconds: list[float] = field(default_factory=list)
    peaks_kib: list[int] = field(default_factory=list)
    output_bytes: int = 0
    failure: str | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak_mib(self) -> float:
        return max(self.peaks_kib) / 1024

    @property
    def ok(self) -> bool:
        return self.failure is None and bool(self.seconds)


@dataclass
class Bench:
    runs: int
    budget: float
    env: dict[str, str]
    figures: list[Figure] = field(default_factory=list)
    failures: int = 0

    def measure(
        self,
        name: str,
        size: int | None,
        argv: list[str],
        *,
        db: Path | None = None,
        terminal: bool = False,
        fresh_copy: Callable[[], Iterator[Path]] | None = None,
    ) -> Figure:
        """Time `argv` (on `db`, or on a fresh copy from `fresh_copy` for each run)."""
        figure = Figure(name, size)
        self.figures.append(figure)
        runs = self.runs if size is None or size < LARGE else min(self.runs, 3)
        where = f"[{'—' if size is None else 'empty' if size == 0 else label(size):>5}]"
        done = 0
        first = True
        while done < runs:
            with contextmanager(fresh_copy)() if fresh_copy else _given(db) as path:
                env = dict(self.env)
                if path is not None:
                    env["DUBAN_DB"] = str(path)
                out = spawn(argv, env, terminal=terminal)
            if out.code != 0:
                figure.failure = f"exit {out.code}: {out.stderr}"
                self.failures += 1
                progress(f"{where} {name}: FAILED ({figure.failure})")
                return figure
            if first:
                first = False
                if out.seconds < WARMUP_UNDER:
                    continue  # the warm-up run
                runs = max(1, min(runs, int(self.budget / out.seconds)))
            figure.seconds.append(out.seconds)
            figure.peaks_kib.append(out.peak_kib)
            figure.output_bytes = out.output_bytes
            done += 1
        progress(
            f"{where} {name:<42} {len(figure.seconds)} run(s)  median {figure.median:.3f} s  "
            f"(min {min(figure.seconds):.3f}, max {max(figure.seconds):.3f})  "
            f"peak {figure.peak_mib:.1f} MiB  out {figure.output_bytes / 1e6:.2f} MB"
        )
        return figure

    def get(self, name: str, size: int | None) -> Figure | None:
        for f in self.figures:
            if f.name == name and f.size == size and f.ok:
                return f
        return None


@contextmanager
def _given(db: Path | None) -> Iterator[Path | None]:
    yield db


def copier(source: Path, folder: Path) -> Callable[[], Iterator[Path]]:
    """A fresh copy of `source` for each run of a write, removed after it."""

    def fresh() -> Iterator[Path]:
        target = folder / f"copy-{source.name}"
        shutil.copyfile(source, target)
        # On disk before the run: else the command's own fsync would write the whole copy.
        fd = os.open(target, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            yield target
        finally:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)

    return fresh


def empty_registers(folder: Path, env: dict[str, str]) -> dict[str, tuple[Path, list[str]]]:
    """Registers made with `duban init`, with just what each write needs, and its command.

    `register` needs nothing; `report` a unit with a head, a matter and its assignment;
    `review` also the report.
    """
    duban = duban_command()

    def run(db: Path, *args: str) -> str:
        done = subprocess.run([*duban, "--db", str(db), *args], env=env, capture_output=True,
                              text=True)  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"run.py: setting up {db.name}: duban {' '.join(args)}: "
                             f"{done.stderr.strip()}")  # fmt: skip
        return done.stdout

    out: dict[str, tuple[Path, list[str]]] = {}
    empty = folder / "empty.db"
    run(empty, "init")
    out["register"] = (empty, register_args())
    assigned = folder / "empty-assigned.db"
    run(assigned, "init")
    run(assigned, "unit", "add", "市教育局", "--head", "王强", "--code", "jyj")
    run(assigned, "register", "落实全市中小学校舍安全排查整治工作", "--source", "meeting",
        "--received", "2026-11-02")  # fmt: skip
    run(assigned, "assign", "DB-2026-0001", "--lead", "市教育局=周涛", "--on", "2026-11-03")
    out["report"] = (assigned, report_args("DB-2026-0001", "市教育局", "王强"))
    reported = folder / "empty-reported.db"
    shutil.copyfile(assigned, reported)
    run(reported, *report_args("DB-2026-0001", "市教育局", "王强"))
    out["review"] = (reported, review_args(1))
    return out


def register_args() -> list[str]:
    return ["register", "研究解决东胜区老旧小区冬季供暖不达标问题", "--source", "instruction",
            "--leader", "李市长", "--received", AS_OF]  # fmt: skip


def report_args(code: str, unit: str, head: str) -> list[str]:
    return ["report", code, "--unit", unit, "--kind", "final", "--text",
            "已完成整改，附整改清单", "--written", "--signed-by", head, "--sealed",
            "--on", AS_OF]  # fmt: skip


def review_args(report_id: int) -> list[str]:
    return ["review", str(report_id), "--accept", "--on", AS_OF]


# -- the targets ---------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    what: str
    figures: str
    holds: bool | None  # None: not measured


def ratio(a: Figure | None, b: Figure | None, *, memory: bool = False) -> float | None:
    if a is None or b is None:
        return None
    if memory:
        return a.peak_mib / b.peak_mib
    return a.median / b.median


def check(
    what: str, parts: list[tuple[str, float | None]], limit: float, unit: str = "×"
) -> Target:
    """A target that holds when every measured ratio is at most `limit`."""
    measured = [(n, r) for n, r in parts if r is not None]
    if not measured:
        return Target(what, "not measured", None)
    text = "; ".join(f"{n} {r:.2f}{unit}" for n, r in measured)
    return Target(what, text, all(r <= limit for _, r in measured))


def targets(bench: Bench, sizes: list[int]) -> list[Target]:
    get = bench.get
    small, middle, large = 10_000, 100_000, LARGE
    version = get("duban --version", None)
    out = [
        check(
            "start-up: `--help` and `--version` ≤ 1.3 × a bare Typer app's `--help`",
            [
                (n, ratio(get(f"duban {n}", None), get("bare Typer app --help", None)))
                for n in ("--help", "--version")
            ],  # fmt: skip
            1.3,
        ),
        check(
            "`overdue`, `list --status assigned`, `show` at 10k ≤ 2 × `duban --version`",
            [(n, ratio(get(n, small), version)) for n in READS],
            2.0,
        ),
    ]
    parts = []
    for size in sizes:
        for place in ("pipe", "terminal"):
            table = get(f"list --limit 5000 ({place})", size)
            json_ = get(f"list --limit 5000 --json ({place})", size)
            parts.append((f"{place} {label(size)}", ratio(table, json_)))
    out.append(check("5,000-row table ≤ 1.5 × the same rows as JSON", parts, 1.5))
    out.append(
        check(
            "`list` of every matter: peak memory at 100k ≤ 1.3 × at 10k (streaming)",
            [
                (n, ratio(get(n, middle), get(n, small), memory=True))
                for n in ("list", "list --json")
            ],
            1.3,
        )
    )
    per_row = []
    for name in ("list", "list --json"):
        a, b = get(name, middle), get(name, small)
        if a and b and version:
            cost = [(f.median - version.median) / s for f, s in ((a, middle), (b, small))]
            per_row.append((name, cost[0] / cost[1] if cost[1] > 0 else None))
    out.append(
        check(
            "`list` of every matter: time ∝ rows (time a matter at 100k ≤ 1.5 × at 10k, "
            "start-up subtracted)",
            per_row,
            1.5,
        )
    )
    # The open and overdue matters grow with the register here (5 % of it, as in ten
    # years of a city's use), so whole lists print 100 times the rows at 1M: the cost
    # that must not grow is the one of the same rows, found in a larger register.
    out.append(
        check(
            "`overdue`, `list --status assigned` (first 100) and `show` at 1M ≤ 1.5 × at 10k",
            [(n, ratio(get(n, large), get(n, small))) for n in FLAT],
            1.5,
        )
    )
    out.append(
        check(
            "… and the peak memory of the whole lists and `show` at 1M ≤ 1.3 × at 10k",
            [(n, ratio(get(n, large), get(n, small), memory=True)) for n in READS],
            1.3,
        )
    )
    out.append(
        check(
            "writes `register`, `report`, `review` at 1M ≤ 1.3 × on an empty register",
            [(n, ratio(get(n, large), get(n, 0))) for n in WRITES],
            1.3,
        )
    )
    return out


READS = ("overdue --as-of", "list --status assigned", "show CODE")
FLAT = ("overdue --as-of --limit 100", "list --status assigned --limit 100", "show CODE")
WRITES = ("register", "report", "review")


# -- the report ----------------------------------------------------------------------


def machine() -> list[str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    from duban import __version__

    commit = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    return [
        f"{os.cpu_count()} cores ({cpu}), {memory} RAM, {platform.system()} "
        f"{platform.release()} {platform.machine()}",
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"duban {__version__}" + (f" (git {commit})" if commit else ""),
        f"run on {dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
    ]


def figures_table(bench: Bench) -> list[str]:
    lines = [
        "| command | matters | runs | median s | min s | max s | peak MiB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for f in bench.figures:
        size = "—" if f.size is None else "empty" if f.size == 0 else label(f.size)
        if not f.ok:
            lines.append(f"| `{f.name}` | {size} | | failed: {f.failure} | | | |")
            continue
        lines.append(
            f"| `{f.name}` | {size} | {len(f.seconds)} | {f.median:.3f} | "
            f"{min(f.seconds):.3f} | {max(f.seconds):.3f} | {f.peak_mib:.1f} |"
        )
    return lines


def shapes_table(shapes: dict[int, Shape], builds: dict[int, float | None]) -> list[str]:
    lines = [
        "| register | matters | assignments | reports | history | open | file MB | built in |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, s in shapes.items():
        took = builds.get(size)
        lines.append(
            f"| {label(size)} | {s.matters:,} | {s.assignments:,} | {s.reports:,} | "
            f"{s.history:,} | {s.open_matters / s.matters:.1%} | {s.megabytes:,.0f} | "
            + (f"{took:.1f} s" if took is not None else "cached")
            + " |"
        )
    return lines


def targets_table(found: list[Target]) -> list[str]:
    lines = ["| target | measured | result |", "|---|---|---|"]
    for t in found:
        result = "not measured" if t.holds is None else "PASS" if t.holds else "FAIL"
        lines.append(f"| {t.what} | {t.figures} | {result} |")
    return lines


def section(bench: Bench, shapes: dict, builds: dict, found: list[Target], args) -> str:
    lines = [
        "Measured with `python benchmarks/run.py --write-docs` (see `benchmarks/README.md`):",
        "",
        *[f"- {line}" for line in machine()],
        f"- registers built by `benchmarks/make_register.py` (seed {args.seed}, as of "
        f"{AS_OF}); a first run of each command is a warm-up unless it took over "
        f"{WARMUP_UNDER:.0f} s; at most 3 runs at 1M; output to a pipe read to the end, or to "
        f"a {COLUMNS}-column pseudo-terminal; writes on a fresh copy of the register each run",
        "",
        *shapes_table(shapes, builds),
        "",
        *figures_table(bench),
        "",
        "Targets (ratios of medians, or of peak memory, measured in the same run):",
        "",
        *targets_table(found),
    ]
    return "\n".join(lines)


def write_docs(path: Path, body: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    block = f"{START}\n{body}\n{END}"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + f"\n\n{HEADING}\n\n{block}\n"
    path.write_text(text, encoding="utf-8")


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the run -------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="run.py", description="Time duban's commands on registers of 10k, 100k and 1M matters."
    )
    parser.add_argument("--sizes", nargs="+", type=parse_size, default=[10_000, 100_000, LARGE],
                        metavar="SIZE", help="register sizes: 10k 100k 1M (default all three)")  # fmt: skip
    parser.add_argument("--runs", type=int, default=5, help="timed runs a command (default 5)")
    parser.add_argument("--budget", type=float, default=30.0,
                        help="seconds a slow command's runs may take together (default 30)")  # fmt: skip
    parser.add_argument("--cache", type=Path, default=Path("/tmp/duban-bench"),
                        help="where the registers are kept (default /tmp/duban-bench)")  # fmt: skip
    parser.add_argument("--rebuild", action="store_true", help="build the registers again")
    parser.add_argument("--seed", type=int, default=2026, help="the registers' seed")
    parser.add_argument("--full", action="store_true",
                        help="also list every matter as a table at 1M")  # fmt: skip
    parser.add_argument("--write-docs", action="store_true",
                        help="write the figures into docs/performance.md")  # fmt: skip
    parser.add_argument("--docs", type=Path, default=DOCS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be 1 or more")
    args.sizes = sorted(set(args.sizes))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    shapes: dict[int, Shape] = {}
    builds: dict[int, float | None] = {}
    registers: dict[int, Path] = {}
    for size in args.sizes:
        registers[size], builds[size] = register_for(size, args.seed, args.cache, args.rebuild)
        shapes[size] = shape_of(registers[size])
    env = base_env()
    bench = Bench(args.runs, args.budget, env)
    duban = duban_command()
    with tempfile.TemporaryDirectory(prefix="duban-bench-") as tmp:
        folder = Path(tmp)
        bare = folder / "bare_typer.py"
        bare.write_text(BARE_TYPER, encoding="utf-8")
        bench.measure("bare Typer app --help", None, [sys.executable, str(bare), "--help"])
        bench.measure("duban --help", None, [*duban, "--help"])
        bench.measure("duban --version", None, [*duban, "--version"])

        for size in args.sizes:
            db, shape = registers[size], shapes[size]
            reads = [
                ("overdue --as-of", ["overdue", "--as-of", AS_OF], False),
                ("overdue --as-of --json", ["overdue", "--as-of", AS_OF, "--json"], False),
                ("list --status assigned", ["list", "--status", "assigned"], False),
                (
                    "overdue --as-of --limit 100",
                    ["overdue", "--as-of", AS_OF, "--limit", "100"],
                    False,
                ),
                (
                    "list --status assigned --limit 100",
                    ["list", "--status", "assigned", "--limit", "100"],
                    False,
                ),
                ("show CODE", ["show", shape.show], False),
                ("show CODE --json", ["show", shape.show, "--json"], False),
            ]
            for place, terminal in (("pipe", False), ("terminal", True)):
                reads.append(
                    (f"list --limit 5000 ({place})", ["list", "--limit", "5000"], terminal)
                )
                reads.append(
                    (f"list --limit 5000 --json ({place})", ["list", "--limit", "5000", "--json"],
                     terminal)
                )  # fmt: skip
            if size < LARGE or args.full:
                reads.append(("list", ["list"], False))
            reads.append(("list --json", ["list", "--json"], False))
            for name, command, terminal in reads:
                bench.measure(name, size, [*duban, *command], db=db, terminal=terminal)
            fresh = copier(db, folder)
            bench.measure("register", size, [*duban, *register_args()], fresh_copy=fresh)
            if shape.report:
                bench.measure("report", size, [*duban, *report_args(*shape.report)],
                              fresh_copy=fresh)  # fmt: skip
            if shape.review:
                bench.measure("review", size, [*duban, *review_args(shape.review)],
                              fresh_copy=fresh)  # fmt: skip

        for name, (source, command) in empty_registers(folder, env).items():
            bench.measure(name, 0, [*duban, *command], fresh_copy=copier(source, folder))

    found = targets(bench, args.sizes)
    body = section(bench, shapes, builds, found, args)
    print(body)
    if args.write_docs:
        write_docs(args.docs, body)
        progress(f"run.py: wrote {args.docs}")
    progress(f"run.py: done in {time.perf_counter() - began:.0f} s")
    for t in found:
        verdict = "not measured" if t.holds is None else "PASS" if t.holds else "FAIL"
        progress(f"  {verdict:<12} {t.what}: {t.figures}")
    return 1 if bench.failures else 0


if __name__ == "__main__":
    sys.exit(main())
