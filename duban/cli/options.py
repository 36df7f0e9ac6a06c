"""The common options, defined once: --json, --format, --db, --user, --lang and the
calendar switch.

Every command and the root (`duban --db X list`) take them: `common_params` builds
them, once, from the one signature below, and `resolve` chooses each value once, in
one order: the command's own option, then the root's, then the environment, then
the default.  Each value is checked here and nowhere else.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from functools import cache
from typing import Any

import typer

from duban.errors import BadValue
from duban.i18n import N_, _

PANEL = N_("Common options")

# `--against` (overdue, list, due, summary): which deadline a unit is judged by, declared
# once; the value is checked by `duban.reader.check_against`.
AGAINST = typer.Option(
    "current",
    "--against",
    help="Judge each unit by its current deadline (in force on the day) or its "
    "original one (kept through extensions and reworks): current or original.",
)
FORMATS = ("table", "json", "csv")
LANGS = ("en", "zh")


def _signature(
    common_json: bool = typer.Option(
        False, "--json", help="Print JSON (same as --format json).", rich_help_panel=PANEL
    ),
    common_format: str | None = typer.Option(
        None, "--format", help="Output: table, json or csv.", rich_help_panel=PANEL
    ),
    common_db: str | None = typer.Option(
        None,
        "--db",
        envvar="DUBAN_DB",
        show_envvar=True,
        help="The register: a file path or a database URL.",
        rich_help_panel=PANEL,
    ),
    common_user: str | None = typer.Option(
        None,
        "--user",
        envvar="DUBAN_USER",
        show_envvar=True,
        help="Who acts; recorded with every change (default: login name).",
        rich_help_panel=PANEL,
    ),
    common_lang: str | None = typer.Option(
        None,
        "--lang",
        help="Labels in zh or en (DUBAN_LANG, else the locale).",
        rich_help_panel=PANEL,
    ),
    common_strict: bool | None = typer.Option(
        None,
        "--strict-calendar/--lenient-calendar",
        help="Refuse, rather than estimate, a deadline in a year whose schedule is not loaded "
        "(default: the register's setting).",
        rich_help_panel=PANEL,
    ),
) -> None:
    """The common options: Typer turns this signature into click options, once."""


NAMES = ("common_json", "common_format", "common_db", "common_user", "common_lang", "common_strict")


@cache
def common_params() -> list[Any]:
    """The click options of `_signature`, built by Typer itself (shared by every command)."""
    probe = typer.Typer(add_completion=False)
    probe.command()(_signature)
    return list(typer.main.get_command(probe).params)


@dataclass(frozen=True)
class Options:
    """The common options' values for one invocation, each checked."""

    db: str | None
    user: str
    fmt: str
    lang: str | None  # --lang or DUBAN_LANG; None: the register's setting, else the locale
    strict_calendar: bool | None


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers and cron environments
        return "unknown"


def take(ctx: Any) -> dict[str, Any]:
    """Remove the common options from a command's parameters (its function lacks them)."""
    return {name: ctx.params.pop(name, None) for name in NAMES}


ROOT = "duban.common"  # where the root keeps the options typed before the command


def resolve(ctx: Any, given: dict[str, Any]) -> Options:
    """The value of each common option: an option typed after the command wins over one
    typed before it, and either over the option's environment variable."""
    root = ctx.find_root()
    above: dict[str, Any] = root.meta.get(ROOT, {}) if root is not ctx else {}

    def pick(name: str) -> Any:
        typed = [v[name] for c, v in ((ctx, given), (root, above)) if v.get(name) is not None
                 and _typed(c, name)]  # fmt: skip
        values = typed + [v[name] for v in (given, above) if v.get(name) is not None]
        return values[0] if values else None

    fmt = (_format(given) or _format(above) or "table").strip().lower()
    if fmt not in FORMATS:
        raise BadValue(_("unknown format {fmt!r}: use table, json or csv").format(fmt=fmt))
    return Options(
        db=pick("common_db"),
        user=_user(pick("common_user")),
        fmt=fmt,
        lang=chosen_lang(pick("common_lang")),
        strict_calendar=pick("common_strict"),
    )


def _user(typed: str | None) -> str:
    """Who acts (--user, DUBAN_USER), as the history records them: the login name when
    neither says; refused when it is made only of what cannot be seen (a zero-width
    space), which would record nobody anyone could name."""
    from duban.text import name

    if not (typed or "").strip():
        return _login_name()
    # cleaned, refused if it shows nothing, and refused if it holds a NUL
    return name(
        typed or "",
        _("--user {user!r} shows nothing: name who acts (or DUBAN_USER)").format(user=typed),
    )


def _format(values: dict[str, Any]) -> str | None:
    chosen = values.get("common_format")
    if values.get("common_json"):
        if chosen not in (None, "json"):
            raise BadValue(
                _("--json and --format {chosen} disagree: give one of them").format(chosen=chosen)
            )
        return "json"
    return chosen


def _typed(ctx: Any, name: str) -> bool:
    source = ctx.get_parameter_source(name)
    return getattr(source, "name", None) == "COMMANDLINE"


def chosen_lang(explicit: str | None) -> str | None:
    """--lang, else DUBAN_LANG: 'zh' or 'en'; None when neither says (then the register's
    setting `lang`, else the locale, decides)."""
    import os

    for value, given in ((explicit, True), (os.environ.get("DUBAN_LANG"), False)):
        if value:
            lang = _lang_of(value)
            if lang is None and given:
                raise BadValue(_("unknown language {lang!r}: use zh or en").format(lang=value))
            if lang is not None:
                return lang
    return None


def _lang_of(value: str) -> str | None:
    value = value.strip().lower().replace("_", "-")
    for lang in LANGS:
        if value == lang or value.startswith(lang + "-"):
            return lang
    return None


def early_lang(args: list[str], above: str | None = None) -> str:
    """The language of help and usage errors, before the options are parsed: a `--lang`
    among the arguments, else one typed before the command (`above`: `duban --lang zh
    register --help`), else DUBAN_LANG, else the locale."""
    from duban.i18n import from_environment

    for i, arg in enumerate(args):
        value = args[i + 1] if arg == "--lang" and i + 1 < len(args) else None
        if arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
        if value and _lang_of(value):
            return _lang_of(value)
    if above and _lang_of(above):
        return _lang_of(above)
    return from_environment() or "en"


def lang_above(ctx: Any) -> str | None:
    """The `--lang` typed before the command (the root's), if any."""
    root = ctx.find_root()
    if root is ctx:
        return None
    return (root.meta.get(ROOT) or root.params).get("common_lang")
