"""The `duban` command: the root app, its global options, and the command groups."""

import sys
from typing import Any

import typer
from typer.core import TyperGroup

from duban import __version__

# The base of every usage error, wherever this typer keeps its click (its own copy or not).
ClickException = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")

HELP = """督办 duban: the supervision register of a supervision office (督查室).

Register matters, assign lead and participating units, take in their reports, review
them, close, and chase whatever is late.  Deadlines are counted in working days under
China's holiday schedule (鄂府办发〔2018〕36号 第十二条: 15 working days when none is given).

Example: duban register "落实全市安全生产会议精神" --source meeting --received 2026-11-02
"""


class DubanGroup(TyperGroup):
    """The root command: usage errors are one line on stderr, like every other error."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except ClickException as exc:
            where = getattr(getattr(exc, "ctx", None), "command_path", None) or "duban"
            message = " ".join(exc.format_message().split())
            sys.stderr.write(f"duban: {message} (see `{where} --help`)\n")
            sys.exit(exc.exit_code)
        except typer.Abort:
            sys.stderr.write("duban: aborted: nothing was written\n")
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
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
    ctx: typer.Context,
    db: str | None = typer.Option(
        None,
        "--db",
        envvar="DUBAN_DB",
        show_envvar=False,
        help="The register: a file path or a database URL (DUBAN_DB).",
    ),
    user: str | None = typer.Option(
        None,
        "--user",
        envvar="DUBAN_USER",
        show_envvar=False,
        help="Who acts, recorded with every change (DUBAN_USER; default the login name).",
    ),
    lang: str | None = typer.Option(None, "--lang", help="Labels in zh or en (DUBAN_LANG)."),
    json_: bool = typer.Option(False, "--json", help="Print JSON from any command."),
    strict_calendar: bool | None = typer.Option(
        None,
        "--strict-calendar/--lenient-calendar",
        help="Refuse deadlines in years whose holiday schedule is not loaded.",
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    ctx.obj = {
        "db": db,
        "user": user,
        "lang": lang,
        "fmt": "json" if json_ else None,
        "strict": strict_calendar,
    }


def _build() -> None:
    from duban.cli import calendar, config, cycle, history, units

    cycle.register_commands(app)
    history.register_commands(app)
    app.add_typer(units.app, name="unit")
    app.add_typer(calendar.app, name="calendar")
    config.register_commands(app)


_build()


def main() -> None:
    app()
