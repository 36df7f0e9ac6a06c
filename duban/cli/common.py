"""What every command shares: the common options, error handling, and one transaction.

`command(app)` is the one decorator that gives every command the same options
(--json, --format, --db, --user, --lang, --strict-calendar), turns every DubanError
into a one-line message and its exit code, and never lets a traceback out.
"""

import functools
import getpass
import inspect
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import typer

from duban.errors import EXIT_INTERNAL, EXIT_USAGE, DubanError

PANEL = "Common options"


@dataclass
class Run:
    """One invocation: where the register is, who acts, how to print."""

    db: str | None
    user: str
    fmt: str
    lang: str
    strict_calendar: bool | None
    warnings: list[str] = field(default_factory=list)

    @functools.cached_property
    def engine(self):
        from duban.db import engine_for

        return engine_for(self.db)

    @contextmanager
    def change(self) -> Iterator[Any]:
        """One change: a Context in one transaction, committed whole or not at all."""
        from duban.context import Context
        from duban.db import transaction

        with transaction(self.engine) as session:
            ctx = Context(session, self.user, self.strict_calendar)
            yield ctx
            self.warnings.extend(ctx.warnings)

    @contextmanager
    def read(self) -> Iterator[Any]:
        from duban.context import Context
        from duban.db import reading

        with reading(self.engine) as session:
            ctx = Context(session, self.user, self.strict_calendar)
            yield ctx
            self.warnings.extend(ctx.warnings)

    def close(self) -> None:
        """Release the register's connections (the engine is made once per command)."""
        if "engine" in self.__dict__:
            self.__dict__.pop("engine").dispose()

    def emit(self, data, *, columns=None, title=None) -> None:
        from duban.render import emit

        emit(data, self.fmt, columns=columns, lang=self.lang, title=title)

    def say(self, message: str) -> None:
        """A line for the person at the terminal (stderr), never mixed into the data."""
        if self.fmt == "table":
            sys.stderr.write(message + "\n")


def fail(message: str, code: int) -> None:
    # One line, always: a driver's message may span several.
    sys.stderr.write("duban: " + " ".join(message.split()) + "\n")
    raise typer.Exit(code)


def _common_params() -> list[inspect.Parameter]:
    kw = inspect.Parameter.KEYWORD_ONLY

    def opt(name: str, annotation: Any, default: Any) -> inspect.Parameter:
        return inspect.Parameter(name, kw, default=default, annotation=annotation)

    return [
        inspect.Parameter("common_ctx", kw, annotation=typer.Context),
        opt(
            "common_json",
            bool,
            typer.Option(
                False, "--json", help="Print JSON (same as --format json).", rich_help_panel=PANEL
            ),
        ),
        opt(
            "common_format",
            str | None,
            typer.Option(
                None, "--format", help="Output: table, json or csv.", rich_help_panel=PANEL
            ),
        ),
        opt(
            "common_db",
            str | None,
            typer.Option(
                None,
                "--db",
                envvar="DUBAN_DB",
                show_envvar=True,
                help="The register: a file path or a database URL.",
                rich_help_panel=PANEL,
            ),
        ),
        opt(
            "common_user",
            str | None,
            typer.Option(
                None,
                "--user",
                envvar="DUBAN_USER",
                show_envvar=True,
                help="Who acts; recorded with every change (default: login name).",
                rich_help_panel=PANEL,
            ),
        ),
        opt(
            "common_lang",
            str | None,
            typer.Option(
                None,
                "--lang",
                help="Labels in zh or en (DUBAN_LANG, else the locale).",
                rich_help_panel=PANEL,
            ),
        ),
        opt(
            "common_strict",
            bool | None,
            typer.Option(
                None,
                "--strict-calendar/--lenient-calendar",
                help="Refuse, rather than estimate, a deadline in a year whose "
                "schedule is not loaded (default: the register's setting).",
                rich_help_panel=PANEL,
            ),
        ),
    ]


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers and cron environments
        return "unknown"


def command(app: typer.Typer, name: str, **kwargs: Any) -> Callable:
    """Register `fn(run, ...)` as a command with the common options and error handling."""

    def decorate(fn: Callable) -> Callable:
        sig = inspect.signature(fn)
        params = [p for p in sig.parameters.values() if p.name != "run"]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kw: Any) -> Any:
            command_ctx = kw.pop("common_ctx")
            root = _root_options(command_ctx)
            as_json, fmt_option = kw.pop("common_json"), kw.pop("common_format")
            fmt = "json" if as_json else fmt_option or root.get("fmt")
            db = _explicit_first(command_ctx, "common_db", kw.pop("common_db"), root.get("db"))
            user = (
                _explicit_first(command_ctx, "common_user", kw.pop("common_user"), root.get("user"))
                or _login_name()
            )
            lang = kw.pop("common_lang") or root.get("lang")
            strict = kw.pop("common_strict")
            if strict is None:
                strict = root.get("strict")
            return invoke(fn, args, kw, db=db, user=user, fmt=fmt, lang=lang, strict=strict)

        wrapper.__signature__ = sig.replace(parameters=[*params, *_common_params()])
        wrapper.__annotations__ = {
            **{k: v for k, v in fn.__annotations__.items() if k != "run"},
            **{p.name: p.annotation for p in _common_params()},
        }
        del wrapper.__wrapped__
        app.command(name, **kwargs)(wrapper)
        return fn

    return decorate


def _explicit_first(ctx: typer.Context, name: str, value: Any, root_value: Any) -> Any:
    """The command's own option, unless it only came from the environment: then an
    option given before the command (`duban --db X list` with DUBAN_DB set) wins."""
    source = ctx.get_parameter_source(name)
    if value is not None and getattr(source, "name", None) != "ENVIRONMENT":
        return value
    return root_value or value


def _root_options(ctx: typer.Context) -> dict[str, Any]:
    """The options given before the command (`duban --db X list`)."""
    while ctx.parent is not None:
        ctx = ctx.parent
    return dict(ctx.obj or {})


def invoke(fn: Callable, args, kw, *, db, user, fmt, lang, strict) -> Any:
    from duban.render import FORMATS, detect_lang

    if fmt is None:
        fmt = "table"
    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}: use table, json or csv", EXIT_USAGE)
    run = Run(db=db, user=user, fmt=fmt, lang=detect_lang(lang), strict_calendar=strict)
    try:
        result = fn(run, *args, **kw)
    except DubanError as exc:
        fail(exc.message, exc.exit_code)
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        fail("interrupted: nothing was written", 130)
    except Exception as exc:  # never a traceback: one line, and the register untouched
        if os.environ.get("DUBAN_DEBUG"):
            raise
        fail(_describe(exc), EXIT_INTERNAL)
    finally:
        run.close()
    for warning in run.warnings:
        sys.stderr.write(f"duban: warning: {warning}\n")
    return result


def _describe(exc: Exception) -> str:
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    if isinstance(exc, OperationalError):
        return f"the register could not be used: {exc.orig}; nothing was written"
    if isinstance(exc, SQLAlchemyError):
        return f"the register refused the change: {exc.__class__.__name__}; nothing was written"
    return (
        f"unexpected error ({exc.__class__.__name__}: {exc}); nothing was written; "
        "run with DUBAN_DEBUG=1 for details"
    )


def check_dates(**texts: str | None) -> None:
    """Refuse a badly written date before the register is opened (exit 2, nothing written).

    The date itself is read again inside the command, where `today` means today in
    the register's own time zone.
    """
    from duban.dates import parse_date

    for what, text in texts.items():
        if text is not None:
            parse_date(text, what=what.replace("_", " "))
