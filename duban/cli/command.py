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

import inspect
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
from duban.i18n import N_, _, language, set_language

# The base of every usage error, wherever this typer keeps its click (its own copy or not).
ClickException = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # as if killed by SIGPIPE, as `git log | head` is


# How this run's command ended, for an interrupt Typer answers itself (DubanGroup.main):
# whether a line was said on stderr, whether the command finished.
_ENDED = {"said": False, "done": False}


def write_err(line: str) -> None:
    """One line on stderr, if stderr can still take it; what it quotes of the user's
    text shown as a terminal may show it (`render.visible`)."""
    from duban.render import visible

    _ENDED["said"] = True
    try:
        sys.stderr.write("duban: " + visible(" ".join(line.split())) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def fail(message: str, code: int) -> None:
    write_err(message)
    raise typer.Exit(code)


# SQLite's integers, and PostgreSQL's bigint, are 64-bit: a number typed beyond them
# (`review 99999999999999999999`) is a bad value, not an error of the register.
INT_RANGE = (-(2**63), 2**63 - 1)
OUT_OF_RANGE = N_("Input should be a whole number from {low} to {high}")


class _TooLarge(ValueError):
    """A whole number outside INT_RANGE."""


def _whole(value: Any) -> int:
    """An int option or argument: a whole number the database can hold."""
    number = int(value)
    if not INT_RANGE[0] <= number <= INT_RANGE[1]:
        raise _TooLarge(value)
    return number


_PLAIN: dict[Any, Any] = {str: str, int: _whole, bool: bool, Path: Path}


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
            except _TooLarge:
                raise typer.BadParameter(
                    _(OUT_OF_RANGE).format(low=INT_RANGE[0], high=INT_RANGE[1]),
                    ctx=ctx,
                    param=param,
                ) from None
            except ValueError:
                raise typer.BadParameter(
                    N_("Input should be a valid integer, unable to parse string as an integer"),
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


def _translated(command: Any, ctx: Any) -> None:
    """Put the command's help, and its options' help and panels, into the run's language
    (in place: the English stays the key, so this can be done again in another language)."""
    for thing in (command, *command.get_params(ctx)):
        for attr in ("help", "rich_help_panel"):
            english = thing.__dict__.setdefault(f"_duban_{attr}", getattr(thing, attr, None))
            if english:
                chinese = _(inspect.cleandoc(english))  # the catalogue has them cleaned
                setattr(thing, attr, english if chinese == inspect.cleandoc(english) else chinese)


# Typer's own words in help (typer.rich_utils), and the help of the options Typer and
# click add themselves: put into the run's language at help time.
TYPER_WORDS = {
    "ARGUMENTS_PANEL_TITLE": N_("Arguments"),
    "OPTIONS_PANEL_TITLE": N_("Options"),
    "COMMANDS_PANEL_TITLE": N_("Commands"),
    "DEFAULT_STRING": N_("[default: {}]"),
    "ENVVAR_STRING": N_("[env var: {}]"),
    "REQUIRED_LONG_STRING": N_("[required]"),
}
USAGE = N_("Usage:")
USAGE_WORDS = (N_("[OPTIONS]"), N_("COMMAND [ARGS]..."))
OWN_HELP = (
    N_("Show this message and exit."),
    N_("Install completion for the current shell."),
    N_("Show completion for the current shell, to copy it or customize the installation."),
)


@contextmanager
def _typer_words() -> Iterator[None]:
    """Typer's panel titles and marks in the run's language, English again afterwards.

    Chinese has no spaces to wrap at: an option's help in Chinese is folded onto the
    next line where Typer would cut it short with "…"."""
    from typer import rich_utils

    english = {name: getattr(rich_utils, name, None) for name in (*TYPER_WORDS, "Columns")}
    try:
        for name, word in TYPER_WORDS.items():
            if english[name] == word:  # a Typer that still says it as it did
                setattr(rich_utils, name, _(word))
        if language() == "zh" and english["Columns"] is not None:
            rich_utils.Columns = _Folded
        yield
    finally:
        for name, word in english.items():
            if word is not None:
                setattr(rich_utils, name, word)


class _Folded:
    """An option's help and its marks, one under the other, lines folded, never cut."""

    def __init__(self, items: list[Any]) -> None:
        from rich.console import Group

        self.group = Group(*items)

    def __rich_console__(self, console: Any, options: Any) -> Any:
        yield from console.render(self.group, options.update(overflow="fold"))

    def __rich_measure__(self, console: Any, options: Any) -> Any:
        from rich.measure import Measurement

        return Measurement.get(console, options, self.group)


class _Helped:
    """Help in the run's language: the command's and its options', and a group's list."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _translated(self, ctx)
        for name in getattr(self, "list_commands", lambda _ctx: [])(ctx):
            _translated(self.get_command(ctx, name), ctx)
        with _typer_words():
            super().format_help(ctx, formatter)

    def get_usage(self, ctx: Any) -> str:
        usage = super().get_usage(ctx)
        said = _(USAGE)
        if said == USAGE or not usage.lstrip().startswith(USAGE + " "):
            return usage
        for word in USAGE_WORDS:
            usage = usage.replace(f" {word}", f" {_(word)}")
        return usage.replace(USAGE + " ", said + (" " if said[-1:].isascii() else ""), 1)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # for --help and usage errors
        set_language(options.early_lang(args, options.lang_above(ctx)))
        _check_plainly(self.get_params(ctx))  # with --help and completion, added later
        return super().parse_args(ctx, args)

    def make_parser(self, ctx: Any) -> Any:
        parser = super().make_parser(ctx)
        parser.__class__ = _numbers_parser(type(parser))
        return parser


# A negative number (`calendar add 2026-11-02 -1`): an argument, not an unknown option.
_NEGATIVE = re.compile(r"-\d+(\.\d+)?")


@cache
def _numbers_parser(base: type) -> type:
    """click's parser, but for a negative number where an argument may stand: taken as
    the argument (no option of duban is named like a number), so that the command's own
    check answers it ("must be 0 or more, not -1") instead of "No such option: -1"."""

    class Parser(base):  # type: ignore[misc, valid-type]
        def _process_opts(self, arg: str, state: Any) -> None:
            if _NEGATIVE.fullmatch(arg) and self.allow_interspersed_args:
                state.largs.append(arg)
                return
            super()._process_opts(arg, state)

    return Parser


class DubanCommand(_Helped, TyperCommand):
    """A command with the common options, its Run, and the error handling above."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.extend(options.common_params())

    def invoke(self, ctx: Any) -> Any:
        given = options.take(ctx)
        try:
            above = ctx.find_root().meta.get(options.ROOT) or {}
            _check_encoding(
                [*ctx.params.values(), given.get("common_user"), above.get("common_user")]
            )
            run = Run(options.resolve(ctx, given))
        except DubanError as exc:
            fail(exc.message, exc.exit_code)
        set_language(run.lang)
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
        _ENDED["done"] = True
        return result


# What Python makes of bytes that are not UTF-8 in an argument (`$'\x9b'` in a shell).
_UNDECODED = re.compile("[\ud800-\udfff]")


def _check_encoding(values: list[Any]) -> None:
    """Refuse a text argument holding bytes that are not UTF-8: no register keeps them
    (a path may: it is left to the file system)."""
    from duban.errors import BadValue

    for value in values:
        for text in value if isinstance(value, list | tuple) else [value]:
            if isinstance(text, str) and _UNDECODED.search(text):
                try:  # the bytes as typed, those that are not UTF-8 as \x9b
                    raw = text.encode("utf-8", "surrogateescape")
                except UnicodeEncodeError:  # not from a command line: a lone surrogate
                    raw = text.encode("utf-8", "backslashreplace")
                shown = raw.decode("utf-8", "backslashreplace")
                raise BadValue(
                    _("“{text}” is not valid UTF-8: type it again, or check the terminal's "
                      "encoding (LANG)").format(text=shown)
                )  # fmt: skip


def _after(run: Run, exc: BaseException) -> None:
    """Say what became of the change when a command ends in anything but a DubanError."""
    if run.committed:
        reason = _("interrupted") if isinstance(exc, KeyboardInterrupt) else _what(exc)
        if run.said:
            made = _("the change was made ({said}), but its output was not printed: {reason}")
        else:
            made = _("the change was made, but its output was not printed: {reason}")
        write_err(made.format(said=run.said, reason=reason))
        _quiet_stdout()
        raise typer.Exit(EXIT_OK) from exc
    if isinstance(exc, KeyboardInterrupt):
        fail(_("interrupted: nothing was written"), EXIT_INTERRUPTED)
    if isinstance(exc, BrokenPipeError):  # the reader went away (`duban list | head`)
        _quiet_stdout()
        raise typer.Exit(EXIT_BROKEN_PIPE) from exc
    if not isinstance(exc, Exception) or os.environ.get("DUBAN_DEBUG"):
        raise exc
    if isinstance(exc, OSError):  # the output failed: what is left unprinted goes nowhere
        _quiet_stdout()
    from duban.store import damage_of, damaged

    problem = damage_of(exc)
    if problem is not None:  # whichever command met it, and wherever
        fail(damaged(_location(run), problem).message, EXIT_INTERNAL)
    fail(_describe(exc), EXIT_INTERNAL)


def _location(run: Run) -> str:
    try:
        return run.location
    except Exception:  # noqa: BLE001  (the message must not fail for want of a name)
        return ""


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that Python's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # AttributeError: no stdout at all (>&-)
        pass


def _what(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return f"{exc.__class__.__name__}: {exc}"


def _describe(exc: Exception) -> str:
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    if isinstance(exc, OperationalError):
        return _("the register could not be used: {problem}; nothing was written").format(
            problem=exc.orig
        )
    if isinstance(exc, SQLAlchemyError):
        return _("the register refused the change: {problem}; nothing was written").format(
            problem=exc.__class__.__name__
        )
    if isinstance(exc, OSError):
        return _("{problem}; nothing was written").format(problem=_what(exc))
    return _(
        "unexpected error ({problem}); nothing was written; run with DUBAN_DEBUG=1 for details"
    ).format(problem=f"{exc.__class__.__name__}: {exc}")


def usage_problem(exc: Any) -> str:
    """A usage error of click's, in the run's language (click's own words are English)."""
    kind = type(exc).__name__
    param = getattr(exc, "param", None)
    name = None
    if param is not None:
        name = param.opts[0] if getattr(param, "opts", None) else param.human_readable_name
    if kind == "NoSuchOption":
        return _("No such option: {option}").format(option=exc.option_name)
    if kind == "MissingParameter" and name:
        if getattr(param, "param_type_name", "") == "argument":
            return _("Missing argument '{name}'.").format(name=name.upper())
        return _("Missing option '{name}'.").format(name=name)
    if kind == "BadParameter" and name:
        return _("Invalid value for '{name}': {problem}").format(name=name, problem=_(exc.message))
    if kind == "BadOptionUsage" and "requires an argument" in exc.message:
        return _("Option '{name}' requires an argument.").format(name=exc.option_name)
    if kind == "UsageError" and exc.message.startswith("Got unexpected extra argument"):
        return _("Got unexpected extra arguments: {args}").format(
            args=exc.message.split("(", 1)[-1].rstrip(")")
        )
    return exc.format_message()


class App(typer.Typer):
    """A Typer app whose commands are DubanCommands, grouped in Groups."""

    def __init__(self, *args: Any, cls: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, cls=cls or Group, **kwargs)

    def command(self, name: str | None = None, *, cls: Any = None, **kwargs: Any) -> Any:
        return super().command(name, cls=cls or DubanCommand, **kwargs)


class Group(_Helped, TyperGroup):
    """A group of commands (`duban unit`, `duban calendar`): help in the run's language,
    values checked plainly (see `_plain_checker`)."""


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
        _ENDED.update(said=False, done=False)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except ClickException as exc:
            where = getattr(getattr(exc, "ctx", None), "command_path", None) or "duban"
            write_err(
                _("{problem} (see `{command} --help`)").format(
                    problem=usage_problem(exc), command=where
                )
            )
            sys.exit(exc.exit_code)
        except typer.Abort:
            write_err(_("aborted: nothing was written"))
            sys.exit(1)
        except KeyboardInterrupt:  # before any command began: nothing to undo
            write_err(_("interrupted: nothing was written"))
            sys.exit(EXIT_INTERRUPTED)
        if code == EXIT_INTERRUPTED and not _ENDED["said"]:
            # Typer's own answer to Ctrl-C outside a command (parsing, or after it ended):
            # exit 130 without a word.  Before the command: nothing was written; after it:
            # its answer, given already, stands.
            if _ENDED["done"]:
                code = EXIT_OK
            else:
                write_err(_("interrupted: nothing was written"))
        sys.exit(code if isinstance(code, int) else 0)
