"""After a commit, say that the change was made, whatever the output did.

A script that sees `duban register` fail registers the matter again, so a change that
was committed is always reported as made (exit 0), even when its output cannot be
printed: a full disk, a reader that went away, Ctrl-C.  A read whose reader went away
(`duban list | head -1`) ends quietly with 141; an encoding that cannot show Chinese
never fails; Ctrl-C before the commit writes nothing (130).

The subprocess tests run `python -m duban` as a user does: stdout buffered as usual
(PYTHONUNBUFFERED removed, unless a test sets it), so an error that only shows when
Python flushes stdout at exit is caught too.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import Cli, snapshot_of

TITLE = "落实全市安全生产会议精神"
REGISTER = ["register", TITLE, "--source", "other", "--received", "2026-11-02"]
MADE_1 = "the change was made (registered DB-2026-0001, due 2026-11-23)"


# -- helpers: duban in a real process --------------------------------------------------


def _env(db: Path, **extra: str | None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DUBAN_") and k not in ("PYTHONUNBUFFERED", "PYTHONIOENCODING")
    }
    env.update(DUBAN_DB=str(db), DUBAN_USER="x", DUBAN_LANG="en", NO_COLOR="1")
    env["PYTHONIOENCODING"] = "utf-8"
    for key, value in extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def duban(db: Path, *args: str, stdout=subprocess.PIPE, **env: str | None):
    """`python -m duban ARGS` on the register `db`; stdout bytes, stderr text."""
    return subprocess.run(
        [sys.executable, "-m", "duban", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=_env(db, **env),
        timeout=120,
    )


def err(proc) -> str:
    return proc.stderr.decode("utf-8", "replace")


def matters_in(db: Path) -> list[dict]:
    proc = duban(db, "list", "--json")
    assert proc.returncode == 0, err(proc)
    return json.loads(proc.stdout)


def no_python_noise(stderr: str) -> None:
    """What a user must never see: Python talking instead of duban."""
    for noise in ("Traceback", "Exception ignored", "Error:", "SystemExit", "unexpected error"):
        assert noise not in stderr, stderr


@pytest.fixture
def reg(tmp_path: Path) -> Path:
    """A register made by `python -m duban init`, empty."""
    db = tmp_path / "register.db"
    proc = duban(db, "init")
    assert proc.returncode == 0, err(proc)
    return db


def fill(db: Path, count: int, title: str = TITLE) -> None:
    """`count` matters in one change, in-process: quicker than `count` commands."""
    from duban.context import open_register
    from duban.ops.matters import register_matter

    with open_register(str(db), user="x") as ctx:
        for i in range(count):
            register_matter(ctx, f"{i} {title}", source="other", received=dt.date(2026, 11, 2))


def closed_reader() -> int:
    """The write end of a pipe whose reader has already gone away."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    return write_end


# -- 1. a full disk after the commit: the change is reported as made -------------------

BUFFERING = pytest.mark.parametrize(
    "unbuffered",
    [None, "1"],
    ids=["stdout-buffered", "PYTHONUNBUFFERED"],
)


@BUFFERING
def test_register_json_onto_a_full_disk_says_the_change_was_made(reg, unbuffered):
    with open("/dev/full", "w") as full:
        proc = duban(reg, *REGISTER, "--json", stdout=full, PYTHONUNBUFFERED=unbuffered)
    stderr = err(proc)
    no_python_noise(stderr)
    assert proc.returncode == 0, stderr
    assert stderr.count("\n") == 1, stderr  # one line, nothing else
    assert stderr.startswith("duban: " + MADE_1), stderr
    assert "output was not printed: No space left on device" in stderr
    # Made once: a retry is not needed (it is refused as a likely duplicate, naming the
    # matter made), and the next one, forced, is a new matter.
    assert [m["code"] for m in matters_in(reg)] == ["DB-2026-0001"]
    retry = duban(reg, *REGISTER, "--json")
    assert retry.returncode == 4 and "DB-2026-0001" in err(retry), err(retry)
    again = duban(reg, *REGISTER, "--force", "--json")
    assert again.returncode == 0, err(again)
    assert json.loads(again.stdout)["code"] == "DB-2026-0002"
    assert len(matters_in(reg)) == 2


@BUFFERING
def test_register_table_onto_a_full_disk_says_the_change_was_made(reg, unbuffered):
    with open("/dev/full", "w") as full:
        proc = duban(reg, *REGISTER, stdout=full, PYTHONUNBUFFERED=unbuffered)
    stderr = err(proc)
    no_python_noise(stderr)
    assert proc.returncode == 0, stderr
    # The table format confirms the change on stderr first, then says what became of it.
    lines = stderr.splitlines()
    assert lines[-1].startswith("duban: " + MADE_1), stderr
    assert "No space left on device" in lines[-1]
    assert [m["code"] for m in matters_in(reg)] == ["DB-2026-0001"]


@BUFFERING
@pytest.mark.parametrize("args", [["list", "--json"], ["list"]], ids=["json", "table"])
def test_a_read_onto_a_full_disk_fails_in_one_line_with_exit_5(reg, unbuffered, args):
    fill(reg, 3)
    before = snapshot_of(reg)
    with open("/dev/full", "w") as full:
        proc = duban(reg, *args, stdout=full, PYTHONUNBUFFERED=unbuffered)
    stderr = err(proc)
    no_python_noise(stderr)
    assert proc.returncode == 5, stderr
    assert stderr.startswith("duban: ") and stderr.count("\n") == 1, stderr
    assert "No space left on device" in stderr
    assert "the change was made" not in stderr
    assert snapshot_of(reg) == before


# -- 2. the reader goes away: a read ends quietly with 141 -----------------------------


@pytest.fixture(scope="module")
def big_register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200 matters with long titles: far more output than any pipe or buffer holds."""
    db = tmp_path_factory.mktemp("big") / "register.db"
    fill(db, 200, title=TITLE * 40)
    return db


@pytest.mark.parametrize("args", [["list", "--json"], ["list"]], ids=["json", "table"])
def test_list_into_head_ends_quietly_with_141(big_register, tmp_path, args):
    """`duban list | head -c 10`: the reader takes 10 bytes and goes away."""
    with open(tmp_path / "stderr", "w+b") as stderr_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "duban", *args],
            stdout=subprocess.PIPE,
            stderr=stderr_file,
            env=_env(big_register),
        )
        first = proc.stdout.read(10)
        proc.stdout.close()
        code = proc.wait(timeout=120)
        stderr_file.seek(0)
        stderr = stderr_file.read().decode("utf-8", "replace")
    assert len(first) == 10
    assert stderr == "", stderr  # quiet: no Traceback, no "Exception ignored"
    assert code == 141


@pytest.mark.parametrize(
    "args",
    [["list", "--json"], ["list"], ["show", "DB-2026-0001", "--json"], ["show", "DB-2026-0001"]],
    ids=["list-json", "list-table", "show-json", "show-table"],
)
def test_a_read_whose_reader_is_already_gone_ends_quietly_with_141(reg, args):
    """`duban list | head -1` where head has finished before duban prints anything."""
    fill(reg, 3)
    pipe = closed_reader()
    try:
        proc = duban(reg, *args, stdout=pipe)
    finally:
        os.close(pipe)
    assert err(proc) == "", err(proc)
    assert proc.returncode == 141


@pytest.mark.parametrize("fmt", [["--json"], []], ids=["json", "table"])
def test_register_whose_reader_is_gone_says_the_change_was_made(reg, fmt):
    pipe = closed_reader()
    try:
        proc = duban(reg, *REGISTER, *fmt, stdout=pipe)
    finally:
        os.close(pipe)
    stderr = err(proc)
    no_python_noise(stderr)
    assert proc.returncode == 0, stderr
    assert stderr.splitlines()[-1].startswith("duban: " + MADE_1), stderr
    assert [m["code"] for m in matters_in(reg)] == ["DB-2026-0001"]


# -- 3. an encoding that cannot show Chinese never fails -------------------------------


def test_an_ascii_terminal_gets_valid_json_with_chinese_escaped(reg):
    proc = duban(reg, *REGISTER, "--json", PYTHONIOENCODING="ascii")
    assert proc.returncode == 0, err(proc)
    proc.stdout.decode("ascii")  # nothing but ASCII reached the terminal
    data = json.loads(proc.stdout)
    assert data["title"] == TITLE
    assert data["code"] == "DB-2026-0001"
    assert "\\u843d" in proc.stdout.decode("ascii")  # 落, escaped

    listed = duban(reg, "list", "--json", PYTHONIOENCODING="ascii")
    assert listed.returncode == 0, err(listed)
    assert [m["title"] for m in json.loads(listed.stdout)] == [TITLE]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_ascii_terminal_shows_tables_escaped_without_failing(reg, lang):
    assert duban(reg, *REGISTER, "--json").returncode == 0
    for args in (["show", "DB-2026-0001"], ["list"]):
        proc = duban(reg, *args, "--lang", lang, PYTHONIOENCODING="ascii")
        stderr = err(proc)
        no_python_noise(stderr)
        assert proc.returncode == 0, stderr
        out = proc.stdout.decode("ascii")
        assert "DB-2026-0001" in out
        assert "\\u843d" in out


# -- 4. Ctrl-C ---------------------------------------------------------------------------


def invoke(cli: Cli, *args: str):
    """`cli(*args)`, failing the test (not stopping pytest) if Ctrl-C escapes duban."""
    try:
        return cli(*args)
    except KeyboardInterrupt:
        pytest.fail(f"KeyboardInterrupt escaped `duban {' '.join(args)}`")


def _interrupt(*_args, **_kwargs):
    raise KeyboardInterrupt


@pytest.mark.parametrize("fmt", [["--json"], []], ids=["json", "table"])
def test_ctrl_c_while_printing_a_committed_change_says_it_was_made(cli, monkeypatch, fmt):
    monkeypatch.setattr("duban.render.emit", _interrupt)
    result = invoke(cli, *REGISTER, *fmt)
    assert result.exit_code == 0, (result.stderr, result.exception)
    last = result.stderr.splitlines()[-1]
    assert last.startswith("duban: " + MADE_1), result.stderr
    assert "interrupted" in last
    if fmt:
        assert result.stderr.count("\n") == 1, result.stderr
    monkeypatch.undo()
    listed = cli.check("list", "--json")
    assert [m["code"] for m in listed.data] == ["DB-2026-0001"]


@pytest.mark.parametrize(
    "target",
    ["duban.ops.matters.register_matter", "duban.views.matter"],
    ids=["before-the-insert", "after-the-insert"],
)
def test_ctrl_c_before_the_commit_writes_nothing(cli, monkeypatch, assert_error, target):
    cli.check(*REGISTER, "--received", "2026-11-03", "--json")  # one matter already there
    before = snapshot_of(cli.db)
    monkeypatch.setattr(target, _interrupt)
    result = invoke(cli, *REGISTER, "--force", "--json")
    assert_error(result, 130, "interrupted: nothing was written")
    assert "the change was made" not in result.stderr
    assert snapshot_of(cli.db) == before
    monkeypatch.undo()
    # The number was not used up either.
    assert cli.check(*REGISTER, "--force", "--json").data["code"] == "DB-2026-0002"


def test_ctrl_c_before_the_first_change_leaves_no_register_file(tmp_path, monkeypatch):
    db = tmp_path / "new.db"
    monkeypatch.setattr("duban.ops.matters.register_matter", _interrupt)
    result = invoke(Cli(db), *REGISTER, "--json")
    assert result.exit_code == 130, result.stderr
    assert not db.exists()


SIGINT_AT = textwrap.dedent(
    """
    import os, signal, sys, time

    where = sys.argv.pop(1)

    def ctrl_c():
        os.kill(os.getpid(), signal.SIGINT)

    if where == "printing":
        import duban.render

        def emit(*args, **kwargs):
            ctrl_c()
            time.sleep(10)  # Ctrl-C arrives here
            raise SystemExit("Ctrl-C never arrived")

        duban.render.emit = emit
    elif where == "committing":
        from sqlmodel import Session

        commit = Session.commit

        def held_commit(self):
            ctrl_c()  # pressed just as the commit begins
            return commit(self)

        Session.commit = held_commit
    elif where == "registering":
        import duban.ops.matters

        def register_matter(*args, **kwargs):
            ctrl_c()
            time.sleep(10)
            raise SystemExit("Ctrl-C never arrived")

        duban.ops.matters.register_matter = register_matter
    from duban.cli.app import main

    main()
    """
)


@pytest.mark.parametrize(
    "where, code, says",
    [
        ("registering", 130, "duban: interrupted: nothing was written"),
        # Ctrl-C is held during the commit and arrives as soon as it is done: before
        # the confirmation is composed, so the line cannot name the matter yet.
        ("committing", 0, "duban: the change was made"),
        ("printing", 0, "duban: " + MADE_1),
    ],
)
def test_a_real_ctrl_c(reg, where, code, says):
    """SIGINT in a real process: before the commit, during it, and after it."""
    before = snapshot_of(reg)
    proc = subprocess.run(
        [sys.executable, "-c", SIGINT_AT, where, *REGISTER, "--json"],
        capture_output=True,
        env=_env(reg),
        timeout=120,
    )
    stderr = err(proc)
    no_python_noise(stderr)
    assert proc.returncode == code, stderr
    assert stderr.count("\n") == 1 and stderr.startswith(says), stderr
    if code == 0:
        assert "interrupted" in stderr
        assert [m["code"] for m in matters_in(reg)] == ["DB-2026-0001"]
    else:
        assert snapshot_of(reg) == before


# -- 5. an I/O error while printing, in-process -----------------------------------------


def _disk_full(*_args, **_kwargs):
    raise OSError(28, "No space left on device")


def _pipe_gone(*_args, **_kwargs):
    raise BrokenPipeError(32, "Broken pipe")


def test_a_full_disk_after_a_change_is_reported_as_made(cli, monkeypatch):
    monkeypatch.setattr("duban.render.emit", _disk_full)
    result = invoke(cli, *REGISTER, "--json")
    assert result.exit_code == 0, (result.stderr, result.exception)
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("duban: " + MADE_1), result.stderr
    assert result.stderr.rstrip().endswith(
        "but its output was not printed: No space left on device"
    ), result.stderr
    monkeypatch.undo()
    assert [m["code"] for m in cli.check("list", "--json").data] == ["DB-2026-0001"]


def test_a_full_disk_on_a_read_fails_in_one_line_with_exit_5(cli, monkeypatch, assert_error):
    cli.check(*REGISTER, "--json")
    monkeypatch.setattr("duban.render.emit", _disk_full)
    message = assert_error(invoke(cli, "list"), 5, "No space left on device")
    assert "the change was made" not in message


def test_a_full_disk_after_a_failed_change_is_not_called_made(cli, monkeypatch, assert_error):
    """A change refused by its own rules wrote nothing: say so, not "the change was made"."""
    before = snapshot_of(cli.db)
    monkeypatch.setattr("duban.render.emit", _disk_full)
    message = assert_error(invoke(cli, "register", " ", "--source", "other"), 2, "title")
    assert "the change was made" not in message
    assert snapshot_of(cli.db) == before


def test_a_gone_reader_in_process(cli, monkeypatch):
    cli.check(*REGISTER, "--json")
    monkeypatch.setattr("duban.render.emit", _pipe_gone)
    read = invoke(cli, "list", "--json")
    assert read.exit_code == 141, (read.stderr, read.exception)
    assert read.stderr == ""
    changed = invoke(cli, *REGISTER, "--received", "2026-11-03", "--force", "--json")
    assert changed.exit_code == 0, (changed.stderr, changed.exception)
    assert "the change was made (registered DB-2026-0002" in changed.stderr
    assert "Broken pipe" in changed.stderr
