"""How every command runs: the common options, one-line errors, and true answers.

`App` is a Typer app whose commands are `DubanCommand`s: each takes the common
options (`duban.cli.options`), gets its `Run` as `ctx.obj`, and ends in exactly one
of these ways:

- done (0), or a finding the command was asked to signal (1);
- a DubanError: one line on stderr and its exit code; nothing written;
- a change committed, then its output failed (a full disk, a closed pipe, Ctrl-C):
  a line saying the change was made, and exit 0, so that no script makes it twice;
- anything else: one line and exit 5, never a traceback (DUBAN_DEBUG=1 shows it).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin

import typer
from typer.core import TyperCommand, TyperGroup

from duban.cli import options
from duban.cli.run import Run
from duban.errors import EXIT_INTERNAL, EXIT_OK, DubanError

# The base of every usage error, wherever this typer keeps its click (its own copy or not).
ClickException = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # as if killed by SIGPIPE, as `git log | head` is


def write_err(line: str) -> None:
    """One line on stderr, if stderr can still take it."""
    try:
        sys.stderr.write("duban: " + " ".join(line.split()) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def fail(message: str, code: int) -> None:
    write_err(message)
    raise typer.Exit(code)


_PLAIN: dict[Any, Any] = {str: str, int: int, bool: bool, Path: Path}


def _plain_type(annotation: Any) -> Any:
    """str, int, bool or Path, alone, optional or in a list; None for anything else."""
    if get_origin(annotation) in (Union, UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        annotation = args[0] if len(args) == 1 else None
    if get_origin(annotation) is list:
        (annotation,) = get_args(annotation)
    return _PLAIN.get(annotation)


@cache
def _plain_checker() -> Any:
    """A Typer value check without pydantic, or None where this Typer has no place for one.

    Typer checks each value with a pydantic TypeAdapter, and importing pydantic costs
    about 0.1 s on every run: `duban list` would take twice as long as `--version`.  The
    values here are plain, so they are checked directly; anything else is left to Typer.
    """
    try:
        from typer._coercion import RuntimeParam
    except ImportError:
        return None

    @dataclass(frozen=True)
    class Plain(RuntimeParam):
        convert: Callable[[Any], Any] = str

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            try:
                if isinstance(value, list | tuple):
                    return [self.convert(v) for v in value]
                return self.convert(value)
            except ValueError:
                raise typer.BadParameter(
                    "Input should be a valid integer, unable to parse string as an integer",
                    ctx=ctx,
                    param=param,
                ) from None

    return Plain


def _check_plainly(params: list[Any]) -> None:
    plain = _plain_checker()
    for param in params:
        described = getattr(param, "type_descriptor", None)
        if plain is None or described is None or described.file_annotation is not None:
            continue
        convert = _plain_type(described.annotation)
        if convert is not None and hasattr(param, "_runtime_param"):
            param._runtime_param = plain(described.parameter_info, described.annotation, convert)


class DubanCommand(TyperCommand):
    """A command with the common options, its Run, and the error handling above."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.extend(options.common_params())

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        _check_plainly(self.get_params(ctx))  # with --help, added by Typer later
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        given = options.take(ctx)
        try:
            run = Run(options.resolve(ctx, given))
        except DubanError as exc:
            fail(exc.message, exc.exit_code)
        ctx.obj = run
        failed = True
        try:
            result = super().invoke(ctx)
            # Flush here, not at exit: a full disk or a closed pipe must be answered above.
            sys.stdout.flush()
            failed = False
        except typer.Exit as exc:
            failed = exc.exit_code not in (EXIT_OK, 1)
            raise
        except DubanError as exc:
            fail(exc.message, exc.exit_code)
        except BaseException as exc:  # noqa: BLE001  (every way out is answered truly)
            _after(run, exc)
        finally:
            run.close(failed=failed)
        run.warn()
        return result


def _after(run: Run, exc: BaseException) -> None:
    """Say what became of the change when a command ends in anything but a DubanError."""
    if run.committed:
        made = f" ({run.said})" if run.said else ""
        reason = "interrupted" if isinstance(exc, KeyboardInterrupt) else _what(exc)
        write_err(f"the change was made{made}, but its output was not printed: {reason}")
        _quiet_stdout()
        raise typer.Exit(EXIT_OK) from exc
    if isinstance(exc, KeyboardInterrupt):
        fail("interrupted: nothing was written", EXIT_INTERRUPTED)
    if isinstance(exc, BrokenPipeError):  # the reader went away (`duban list | head`)
        _quiet_stdout()
        raise typer.Exit(EXIT_BROKEN_PIPE) from exc
    if not isinstance(exc, Exception) or os.environ.get("DUBAN_DEBUG"):
        raise exc
    if isinstance(exc, OSError):  # the output failed: what is left unprinted goes nowhere
        _quiet_stdout()
    fail(_describe(exc), EXIT_INTERNAL)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that Python's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _what(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return f"{exc.__class__.__name__}: {exc}"


def _describe(exc: Exception) -> str:
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    if isinstance(exc, OperationalError):
        return f"the register could not be used: {exc.orig}; nothing was written"
    if isinstance(exc, SQLAlchemyError):
        return f"the register refused the change: {exc.__class__.__name__}; nothing was written"
    if isinstance(exc, OSError):
        return f"{_what(exc)}; nothing was written"
    return (
        f"unexpected error ({exc.__class__.__name__}: {exc}); nothing was written; "
        "run with DUBAN_DEBUG=1 for details"
    )


class App(typer.Typer):
    """A Typer app whose commands are DubanCommands, grouped in Groups."""

    def __init__(self, *args: Any, cls: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, cls=cls or Group, **kwargs)

    def command(self, name: str | None = None, *, cls: Any = None, **kwargs: Any) -> Any:
        return super().command(name, cls=cls or DubanCommand, **kwargs)


class Group(TyperGroup):
    """A group of commands (`duban unit`, `duban calendar`) whose values are checked
    plainly (see `_plain_checker`)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        _check_plainly(self.get_params(ctx))  # with --help and completion, added later
        return super().parse_args(ctx, args)


class DubanGroup(Group):
    """The root: the common options before the command, and usage errors as one line."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.extend(options.common_params())

    def invoke(self, ctx: Any) -> Any:
        ctx.meta[options.ROOT] = options.take(ctx)
        return super().invoke(ctx)

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except ClickException as exc:
            where = getattr(getattr(exc, "ctx", None), "command_path", None) or "duban"
            write_err(f"{exc.format_message()} (see `{where} --help`)")
            sys.exit(exc.exit_code)
        except typer.Abort:
            write_err("aborted: nothing was written")
            sys.exit(1)
        except KeyboardInterrupt:  # before any command began: nothing to undo
            write_err("interrupted: nothing was written")
            sys.exit(EXIT_INTERRUPTED)
        sys.exit(code if isinstance(code, int) else 0)
