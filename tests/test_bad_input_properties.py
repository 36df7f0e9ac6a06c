"""Generated bad input (issue 11, "Bad input"): property-based tests with hypothesis.

Each test throws a few hundred generated bad inputs at the commands (dates, codes,
names, unit files, schedule files, ledgers in odd encodings, huge and empty text,
control characters).  For every one: its exit code (2 a bad value; 3 where a code or a
unit names nothing; never 0, 1 or 5), one line on stderr and nothing on stdout, no
traceback, and the register file byte-for-byte unchanged (the .db and the content of
its -wal; SQLite may touch the -shm, which holds no data).

The register is built once for the module (five units, DB-2026-0001 with a lead unit
and a final report waiting for review: report 1) and copied once per test: as nothing
may be written, every example of a test runs on the same copy and is compared with its
first bytes.  The examples are derandomized, so a run is the same on every machine;
DUBAN_TEST_EXAMPLES=N scales every test's count (default 1: 1,350 generated inputs in all,
300 dates, 250 codes, 200 each of names, unit files, schedules and ledgers).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import zipfile
from contextlib import closing
from pathlib import Path

import pytest
from conftest import UNITS, Cli, add_units, json_of
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from duban.dates import parse_date
from duban.errors import BadValue

pytestmark = pytest.mark.sqlite_only  # the register's bytes are a SQLite file's

SCALE = float(os.environ.get("DUBAN_TEST_EXAMPLES", "1"))
HOUSING, EDUCATION = "市住房和城乡建设局", "市教育局"
CODE = "DB-2026-0001"


def examples(n: int) -> settings:
    """`n` examples (times DUBAN_TEST_EXAMPLES), derandomized, no deadline."""
    return settings(
        max_examples=max(1, int(n * SCALE)),
        deadline=None,
        derandomize=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.function_scoped_fixture,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


def build_scene(cli: Cli) -> None:
    """Five units; DB-2026-0001 received 11-02, 市住房和城乡建设局 leading (11-03), its
    final report of 11-20 signed and sealed waiting for review (report 1)."""
    cli.check("init")
    add_units(cli)
    title = "研究解决城区供暖问题"
    json_of(cli("register", title, "--source", "instruction", "--received", "2026-11-02",
                "--json"))  # fmt: skip
    cli.check("assign", CODE, "--lead", HOUSING, "--on", "2026-11-03")
    signed = ("--written", "--signed-by", UNITS[HOUSING]["head"], "--sealed")
    cli.check("report", CODE, "--unit", HOUSING, "--kind", "final", "--text", "已完成改造",
              *signed, "--on", "2026-11-20")  # fmt: skip


@pytest.fixture(scope="module")
def scene_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("properties") / "register.db"
    build_scene(Cli(path))
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


class Register:
    """The test's copy of the scene, and `refused(args, codes)` to run one bad input."""

    def __init__(self, scene: Path, path: Path, files: Path) -> None:
        self.cli = Cli(path)
        self.scene = scene
        self.path = path
        self.files = files  # where generated input files are written
        self.before = self.digest()
        self.runs = 0

    def digest(self) -> tuple[str, str]:
        """The hash of the .db and of the -wal's content (absent = empty)."""
        wal = Path(f"{self.path}-wal")
        wal_bytes = wal.read_bytes() if wal.exists() else b""
        return (
            hashlib.sha256(self.path.read_bytes()).hexdigest(),
            hashlib.sha256(wal_bytes).hexdigest(),
        )

    def refused(self, args: list[str], codes: set[int]) -> str:
        """`args` ends with one of `codes`, one line on stderr, nothing on stdout, no
        traceback, and the register's bytes as they were.  Its message."""
        self.runs += 1
        result = self.cli(*args)
        shown = f"args={_short(args)} exit={result.exit_code} stderr={result.stderr[:300]!r}"
        if self.digest() != self.before:  # put it back, so that the next examples (and
            self.restore()  # hypothesis's shrinking) start from the scene again
            raise AssertionError(f"the register changed: {shown}")
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"{shown} exception={result.exception!r}"
        )
        assert result.exit_code in codes, shown
        assert "Traceback" not in result.output, shown
        assert result.stdout == "", shown
        message = result.stderr
        assert message.startswith("duban: "), shown
        assert message.count("\n") == 1 and message.endswith("\n"), f"not one line: {shown}"
        return message

    def restore(self) -> None:
        for extra in ("-wal", "-shm"):
            Path(f"{self.path}{extra}").unlink(missing_ok=True)
        shutil.copy2(self.scene, self.path)

    def file(self, name: str, data: bytes) -> Path:
        path = self.files / name
        path.write_bytes(data)
        return path


def _short(args: list[str]) -> list[str]:
    return [a if len(a) <= 80 else f"{a[:60]!r}...({len(a)} chars)" for a in map(str, args)]


@pytest.fixture
def reg(scene_file: Path, tmp_path: Path) -> Register:
    path = tmp_path / "register.db"
    shutil.copy2(scene_file, path)
    files = tmp_path / "in"
    files.mkdir()
    return Register(scene_file, path, files)


# -- strategies: text ------------------------------------------------------------------

CONTROLS = "".join(chr(c) for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)])
INVISIBLE = " \t\n\r\u00a0\u1680\u2000\u200b\u200c\u200d\u200e\u200f\u2028\u2029\u202a\u202e" \
    "\u2060\u2066\u2069\u3000\ufeff\u180e\u034f\u0300"  # fmt: skip
# Characters a terminal or a file may hand over: controls, invisibles, CJK, a lone
# surrogate as Python decodes an argument that is not UTF-8 (surrogateescape).
ODD = st.sampled_from([*CONTROLS, *INVISIBLE, "\udc9b", "\udcff", "年", "月", "日", "-", "/"])
ANY_TEXT = st.text(st.one_of(st.characters(), ODD), max_size=40)


def huge(alphabet: str) -> st.SearchStrategy[str]:
    """A text of 100,000 characters drawn from `alphabet` (cheap to generate)."""
    return st.sampled_from(alphabet).map(lambda ch: ch * 100_000)


def _is_date(text: str) -> bool:
    try:
        parse_date(text)
    except BadValue:
        return False
    return True


# Dates: random text that is no date; years out of range; impossible days; a good date
# with a control or invisible character inside it; huge and empty text.
BAD_DATES = st.one_of(
    ANY_TEXT.filter(lambda t: not _is_date(t)),
    st.builds(
        "{:04d}-{:02d}-{:02d}".format,
        st.one_of(st.integers(0, 1899), st.integers(2200, 99_999)),
        st.integers(1, 12),
        st.integers(1, 28),
    ),  # fmt: skip
    st.builds("2026-{:02d}-{:02d}".format, st.integers(13, 99), st.integers(1, 28)),
    st.builds("2026-{:02d}-{:02d}".format, st.integers(0, 12), st.integers(32, 99)),
    st.sampled_from(
        [
            "2026-02-29",
            "2026-02-30",
            "2026-04-31",
            "2026-00-10",
            "2026-11-00",
            "2100-02-29",
            "2026年2月30日",
            "2月30日",
            "2026/13/01",
        ]
    ),  # fmt: skip
    st.builds(
        lambda ch, at: "2026-11-20"[:at] + ch + "2026-11-20"[at:],
        st.sampled_from([c for c in CONTROLS + INVISIBLE if not c.isspace()] + ["\udc9b"]),
        st.integers(1, 9),
    ),  # fmt: skip
    st.builds(lambda n: "9" * n + "-01-01", st.integers(5, 400)),
    huge("9x年\u200b\x00"),
    st.just(""),
)

# The commands that take a date, the date's place marked None.
DATED = [
    ["register", "研究解决供暖问题", "--source", "instruction", "--received", None],
    [
        "register",
        "研究解决供暖问题",
        "--source",
        "instruction",
        "--received",
        "2026-11-02",
        "--due",
        None,
    ],  # fmt: skip
    ["assign", CODE, "--participant", EDUCATION, "--on", None],
    ["report", CODE, "--unit", HOUSING, "--kind", "progress", "--text", "进展", "--on", None],
    ["review", "1", "--accept", "--on", None],
    ["close", CODE, "--on", None],
    ["overdue", "--as-of", None],
    ["list", "--as-of", None],
]


@examples(300)
@given(command=st.sampled_from(DATED), date=BAD_DATES)
def test_a_bad_date_is_a_bad_value_for_every_command(reg, command, date):
    args = [date if a is None else a for a in command]
    reg.refused(args, {2})


# Codes: random text that names no matter (nor report 1); huge numbers; DB-xxxx with junk.
def _names_the_matter(text: str) -> bool:
    key = text.strip().upper()
    return key == CODE or bool(re.fullmatch(r"(DB-)?(2026-)?0*1", key))


def _is_report_one(text: str) -> bool:
    try:
        return int(text) == 1
    except ValueError:
        return False


BAD_CODES = st.one_of(
    ANY_TEXT,
    st.integers(2, 10**40).map(str),
    st.integers(-(10**40), 0).map(str),
    st.builds("DB-{}-{}".format, st.integers(0, 10**6), st.integers(2, 10**30)),
    st.builds(
        lambda junk, at: CODE[:at] + junk + CODE[at:],
        ANY_TEXT.filter(bool),
        st.integers(0, len(CODE)),
    ),  # fmt: skip
    huge("D9\u200b\x00-"),
    st.just(""),
)

CODED = [
    ["show", None],
    ["history", None],
    [
        "report",
        None,
        "--unit",
        HOUSING,
        "--kind",
        "progress",
        "--text",
        "进展",
        "--on",
        "2026-11-21",
    ],  # fmt: skip
    ["close", None, "--on", "2026-11-21"],
    ["assign", None, "--participant", EDUCATION, "--on", "2026-11-21"],
    ["review", None, "--accept", "--on", "2026-11-21"],
]


@examples(250)
@given(command=st.sampled_from(CODED), code=BAD_CODES)
def test_a_bad_code_is_a_bad_value_or_not_found(reg, command, code):
    if command[0] == "review":
        assume(not _is_report_one(code))
    else:
        assume(not _names_the_matter(code))
    if command[0] == "history":  # `history` takes a matter with --matter
        command = ["history", "--matter", None]
    args = [code if a is None else a for a in command]
    reg.refused(args, {2, 3})


# Names: nothing that shows (empty, spaces, zero-width, controls, marks), a NUL inside,
# 100,000 of them.  As a new unit or title: a bad value; as a unit to find: not found.
BLANK_NAMES = st.one_of(
    st.text(st.sampled_from([*INVISIBLE, *CONTROLS]), max_size=30),
    huge(INVISIBLE + "\x00\x07\x1b"),
)
NUL_NAMES = st.builds(lambda a, b: a + "\x00" + b, st.text(max_size=20), st.text(max_size=20))
ANY_NAMES = st.one_of(ANY_TEXT, huge("局\x1b\u202e名"))


def _is_a_unit(text: str) -> bool:
    t = text.strip()
    return any(t in (n, u["code"]) or (t and t in n) for n, u in UNITS.items())


@examples(200)
@given(data=st.data())
def test_a_bad_name_is_refused_and_an_unknown_unit_is_not_found(reg, data):
    kind = data.draw(st.sampled_from(["new", "find"]))
    if kind == "new":
        name = data.draw(st.one_of(BLANK_NAMES, NUL_NAMES), label="name")
        args = data.draw(st.sampled_from([
            ["unit", "add", name, "--kind", "department"],
            ["register", name, "--source", "instruction", "--received", "2026-11-02"],
            ["report", CODE, "--unit", HOUSING, "--kind", "progress", "--text", name,
             "--on", "2026-11-21"],
            ["--user", name, "register", "标题", "--source", "meeting", "--received",
             "2026-11-02"],
        ]))  # fmt: skip
        if args[0] == "--user":  # none typed (empty, spaces) is the login name: by design
            assume(name.strip())
        reg.refused(args, {2})
    else:
        name = data.draw(st.one_of(ANY_NAMES, BLANK_NAMES, NUL_NAMES), label="name")
        assume(not _is_a_unit(name))
        args = data.draw(st.sampled_from([
            ["assign", CODE, "--participant", name, "--on", "2026-11-21"],
            ["report", CODE, "--unit", name, "--kind", "progress", "--text", "进展",
             "--on", "2026-11-21"],
            ["unit", "show", name],
        ]))  # fmt: skip
        reg.refused(args, {2, 3})


# -- strategies: files -----------------------------------------------------------------

GOOD_UNITS = "name,code,kind\n市审计局,sjj,department\n市统计局,tjj,department\n"


def _encoded(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


def _unterminated(text: str, at: int) -> str:
    lines = text.splitlines(keepends=True)
    line = min(at, len(lines) - 1) or 1
    lines[line] = '"' + lines[line]
    return "".join(lines)


UNIT_FILES = st.one_of(
    st.binary(min_size=1, max_size=400),  # random bytes
    st.builds(
        _encoded,
        st.just(GOOD_UNITS),
        st.sampled_from(["utf-16", "utf-16-be", "utf-32", "gbk", "gb18030", "big5"]),
    ),  # fmt: skip
    st.just(_encoded("名称,编号\n市审计局,sjj\n", "gbk")),
    st.just("name,code\nRégion,re\n".encode("latin-1")),
    st.builds(_unterminated, st.just(GOOD_UNITS), st.integers(1, 2)).map(str.encode),
    st.builds(
        lambda at: (GOOD_UNITS[:at] + "\x00" + GOOD_UNITS[at:]).encode(),
        st.integers(15, len(GOOD_UNITS) - 1),
    ),  # fmt: skip
    st.builds(
        lambda n: ("name,code\n" + n + ",x1\n").encode("utf-8", "surrogatepass"),
        st.one_of(BLANK_NAMES.filter(lambda t: len(t) < 1000), NUL_NAMES),
    ),  # fmt: skip
    st.just(b""),
    st.just(b"name\n" + b"\xe5" * 100_000 + b"\n"),
    st.just(("name\n" + "\u200b" * 100_000 + "\n").encode()),
)


@examples(200)
@given(data=UNIT_FILES, update=st.booleans())
def test_a_bad_units_file_is_refused_whole(reg, data, update):
    path = reg.file("units.csv", data)
    reg.refused(["unit", "import", path, *(["--update"] if update else [])], {2})


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)
SCHEDULE_KEYS = st.fixed_dictionaries(
    {"year": st.one_of(st.integers(-(10**20), 10**20), ANY_TEXT, st.none(), st.just(2027))},
    optional={
        "days": st.one_of(
            JSON_VALUES,
            st.lists(st.fixed_dictionaries(
                {"name": JSON_VALUES, "date": st.one_of(BAD_DATES.filter(lambda t: len(t) < 100),
                                                         JSON_VALUES),
                 "isOffDay": JSON_VALUES}), min_size=1, max_size=3),
        ),
        "papers": JSON_VALUES,
    },
)  # fmt: skip


def _schedule_bytes(value: object, encoding: str) -> bytes:
    text = json.dumps(value, ensure_ascii=False)
    return text.encode(encoding, "surrogatepass" if encoding.startswith("utf") else "replace")


SCHEDULE_FILES = st.one_of(
    st.binary(max_size=400),
    st.builds(_schedule_bytes, JSON_VALUES, st.sampled_from(["utf-8", "utf-16", "gbk"])),
    st.builds(_schedule_bytes, SCHEDULE_KEYS, st.just("utf-8")),
    st.builds(
        lambda t: b"BEGIN:VCALENDAR\n" + t.encode("utf-8", "surrogatepass"), ANY_TEXT
    ),  # fmt: skip
    st.just(b"{" * 10_000),
    st.just(b"[" * 100_000),
)


@examples(200)
@given(data=SCHEDULE_FILES, name=st.sampled_from(["2027.json", "schedule.json", "2027.ics"]))
def test_a_bad_schedule_file_is_a_bad_value(reg, data, name):
    if data.lstrip().startswith(b"{"):  # a schedule of the right shape could be good
        try:
            value = json.loads(data)
            days = value.get("days") if isinstance(value, dict) else None
            assume(not (value.get("year") == 2027 and isinstance(days, list) and not days))
        except (ValueError, UnicodeDecodeError, RecursionError):
            pass
    path = reg.file(name, data)
    reg.refused(["calendar", "load", path], {2})


def _zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for member, content in members.items():
            archive.writestr(member, content)
    return out.getvalue()


LEDGER_HEAD = "编号,事项名称,事项来源,收文日期,牵头单位\n"
LEDGER_ROW = "DB-2026-0100,研究解决供暖问题,领导批示,2026-11-02,市住房和城乡建设局\n"

LEDGERS = st.one_of(
    st.tuples(st.just("ledger.xlsx"), st.binary(max_size=400)),
    st.tuples(st.just("ledger.xlsx"), st.dictionaries(
        st.sampled_from(["[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml",
                         "docProps/app.xml", "junk.txt"]),
        st.binary(max_size=100), max_size=4).map(_zip_of)),  # fmt: skip
    st.tuples(st.just("ledger.xlsx"), st.just(b"")),
    st.tuples(st.just("ledger.csv"), st.binary(min_size=1, max_size=400)),
    st.tuples(st.just("ledger.csv"), st.builds(
        _encoded, st.just(LEDGER_HEAD + LEDGER_ROW),
        st.sampled_from(["gbk", "gb18030", "utf-16", "big5"]))),  # fmt: skip
    st.tuples(st.just("ledger.csv"), st.builds(
        lambda date: (LEDGER_HEAD + LEDGER_ROW.replace("2026-11-02", date)).encode(
            "utf-8", "surrogatepass"),
        BAD_DATES.filter(lambda t: len(t) < 200 and not {",", '"', "\n", "\r"} & set(t)))),
    st.tuples(st.just("ledger.csv"), st.just(b"")),
)  # fmt: skip


@examples(200)
@given(ledger=LEDGERS, dry_run=st.booleans())
def test_a_bad_ledger_is_refused_whole(reg, ledger, dry_run):
    name, data = ledger
    path = reg.file(name, data)
    reg.refused(["import", path, *(["--dry-run"] if dry_run else [])], {2})


# -- what the generated inputs found, kept as plain cases -------------------------------

FOUND = {
    # `--due ""` was taken for no deadline given: 15 working days, silently (exit 0).
    "empty-due": ["register", "研究解决供暖问题", "--source", "instruction", "--received",
                  "2026-11-02", "--due", ""],
    # A report's text that shows nothing (DEL, zero-width) was entered (exit 0).
    "report-text-del": ["report", CODE, "--unit", HOUSING, "--kind", "progress", "--text",
                        "\x7f", "--on", "2026-11-21"],
    "report-text-zero-width": ["report", CODE, "--unit", HOUSING, "--kind", "progress",
                               "--text", "\u200b" * 100_000, "--on", "2026-11-21"],
    # A NUL in a report's text or in --user was written (PostgreSQL cannot hold one).
    "report-text-nul": ["report", CODE, "--unit", HOUSING, "--kind", "progress", "--text",
                        "\x000", "--on", "2026-11-21"],
    "user-nul": ["--user", "\x000", "register", "标题", "--source", "meeting", "--received",
                 "2026-11-02"],
}  # fmt: skip


@pytest.mark.parametrize("args", list(FOUND.values()), ids=list(FOUND))
def test_what_the_generated_inputs_found_stays_refused(reg, args):
    reg.refused(args, {2})
