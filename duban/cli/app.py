"""The `duban` command: the root app, `--version`, and the command groups."""

import sys

import typer

from duban import __version__
from duban.cli.command import App, DubanGroup
from duban.i18n import N_

HELP = N_("""督办 duban: the supervision register of a supervision office (督查室).

Register matters, assign lead and participating units, take in their reports, review
them, close, and chase whatever is late.  Deadlines are counted in working days under
China's holiday schedule (鄂府办发〔2018〕36号 第十二条: 15 working days when none is given).

Example: duban register "落实全市安全生产会议精神" --source meeting --received 2026-11-02
""")

app = App(
    name="duban",
    cls=DubanGroup,
    help=HELP,
    no_args_is_help=True,
    rich_markup_mode="markdown",
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"duban {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    # The common options (DubanGroup) may come before the command too: `duban --db X list`.
    return None


def _build() -> None:
    from duban.cli import (
        admin,
        calendar,
        config,
        corrections,
        cycle,
        documents,
        evaluation,
        follow,
        history,
        ledger,
        maintenance,
        milestones,
        supervision,
        units,
        verify,
    )

    cycle.register_commands(app)
    follow.register_commands(app)
    supervision.register_commands(app)
    corrections.register_commands(app)
    documents.register_commands(app)
    history.register_commands(app)
    evaluation.register_commands(app)
    ledger.register_commands(app)
    app.add_typer(units.app, name="unit")
    app.add_typer(milestones.app, name="milestone")
    app.add_typer(calendar.app, name="calendar")
    config.register_commands(app)
    admin.register_commands(app)
    verify.register_commands(app)
    maintenance.register_commands(app)


_build()


def main() -> None:
    _printable_streams()
    app()


def _printable_streams() -> None:
    """Never fail on a character the terminal's encoding lacks: write it escaped.

    JSON then reads `\\u4e2d`, itself valid JSON; a table shows the escape.
    """
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", "") or "").lower().replace("-", "")
        if encoding not in ("utf8", "utf16", "utf32", "gb18030") and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
