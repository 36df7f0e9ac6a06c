"""Every command has help text with an example, and the README shows it."""

from pathlib import Path

import pytest
import typer
from conftest import Cli

from duban.cli.app import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _leaves(command, prefix=()):
    subcommands = getattr(command, "commands", None)
    if not subcommands:
        yield prefix
        return
    for name, sub in sorted(subcommands.items()):
        yield from _leaves(sub, (*prefix, name))


COMMANDS = list(_leaves(typer.main.get_command(app)))


def test_the_cycle_commands_exist():
    names = {" ".join(c) for c in COMMANDS}
    for name in ("register", "assign", "report", "review", "close", "overdue", "list", "show"):
        assert name in names


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_every_command_has_help_with_an_example(path, tmp_path):
    result = Cli(tmp_path / "none.db", env={"COLUMNS": "200"})(*path, "--help")
    assert result.exit_code == 0, result.output
    assert "Example: duban " + " ".join(path) in result.stdout


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_every_command_is_in_the_readme(path):
    assert "duban " + " ".join(path) in README


def test_version_and_help_do_not_import_the_orm():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from duban.cli.app import app\n"
        "r = CliRunner().invoke(app, ['--help'])\n"
        "assert r.exit_code == 0\n"
        "r = CliRunner().invoke(app, ['--version'])\n"
        "assert r.stdout.startswith('duban ')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'sqlmodel')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- usage errors: one line on stderr, exit 2, and a pointer to --help -----------------


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["register", "供暖"], "Missing option '--source'"),
        (["review", "abc", "--accept"], "report_id"),
        (["--bogus", "list"], "No such option: --bogus"),
        (["unit", "add"], "Missing argument"),
        (["overdue", "--as-of"], "requires an argument"),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(cli, assert_error, args, fragment):
    message = assert_error(cli(*args), 2, fragment)
    assert "--help" in message
