"""`python -m duban`, and the `duban` command (pyproject's console script): the CLI, with
Ctrl-C answered from the first instant.

Loading the CLI takes tens of milliseconds, and until it is loaded nothing can have
been written: an interrupt then ends the run at once with one line and exit 130, never
a traceback.  Once it is loaded the CLI answers an interrupt itself, truthfully about a
change already committed (`duban.cli.command`); once it has answered, an interrupt
changes nothing more.
"""

# The C module, not `signal`: no import of enum before the handler is in place, and no
# Python code run to change a handler (an interrupt could land inside it).
import _signal
import os
import sys

EXIT_INTERRUPTED = 130
INTERRUPTED = "interrupted: nothing was written"  # N_: in the catalogue (cli.command)


def _lang() -> str:
    """The language asked for, as far as can be told before the CLI is loaded."""
    args = sys.argv[1:]
    for at, arg in enumerate(args):
        if arg == "--lang" and at + 1 < len(args):
            return args[at + 1]
        if arg.startswith("--lang="):
            return arg.removeprefix("--lang=")
    i18n = sys.modules.get("duban.i18n")
    found = getattr(i18n, "from_environment", None)
    return (found() if found else None) or "en"


def _interrupted_early(signum: int, frame: object) -> None:
    """Ctrl-C before the CLI is loaded: one line, exit 130 (nothing to undo)."""
    message = INTERRUPTED
    try:
        i18n = sys.modules.get("duban.i18n")
        if getattr(i18n, "in_language", None) is not None and _lang().lower().startswith("zh"):
            message = i18n.in_language(INTERRUPTED, "zh")
    except Exception:  # noqa: BLE001, S110  (the line must be said, in English if need be)
        pass
    try:
        os.write(2, f"duban: {message}\n".encode())
    finally:
        os._exit(EXIT_INTERRUPTED)


def main() -> None:
    _signal.signal(_signal.SIGINT, _interrupted_early)
    import duban.i18n  # noqa: F401  (first: the early line in the clerk's language)
    from duban.cli.app import main as cli

    code: object = 0
    try:
        _signal.signal(_signal.SIGINT, _signal.default_int_handler)  # the CLI's own answer
        cli()
    except KeyboardInterrupt:  # outside the CLI's answers: before a command, or after it
        _signal.signal(_signal.SIGINT, _signal.SIG_IGN)
        from duban.cli.command import _ENDED, write_err
        from duban.i18n import _

        if _ENDED["done"]:  # the command finished and answered: its answer stands
            code = 0
        else:
            write_err(_(INTERRUPTED))
            code = EXIT_INTERRUPTED
    except SystemExit as exc:
        _signal.signal(_signal.SIGINT, _signal.SIG_IGN)  # answered: nothing left to interrupt
        code = exc.code
    sys.exit(code)


if __name__ == "__main__":
    main()
