"""Error classes, each carrying the exit code the CLI ends with (docs/design.md, Exit codes)."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDING = 1  # only where a command is asked to signal one (overdue --exit-code)
EXIT_USAGE = 2  # bad usage or a bad value
EXIT_NOT_FOUND = 3  # a matter, unit or report that does not exist
EXIT_REFUSED = 4  # refused by the regulation's rules (state, role, signature)
EXIT_INTERNAL = 5  # the register could not be used (I/O, a bug): never silent


class DubanError(Exception):
    """Base class: a one-line message for the user and an exit code."""

    exit_code = EXIT_INTERNAL

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadValue(DubanError, ValueError):
    """Bad usage or a bad value: an unparseable date, an unknown kind."""

    exit_code = EXIT_USAGE


class NotFound(DubanError):
    """Something named (matter, unit, report) is not in the register."""

    exit_code = EXIT_NOT_FOUND


class Refused(DubanError):
    """The regulation's rules refuse the change; the message names the article."""

    exit_code = EXIT_REFUSED

    def __init__(self, article: str, message: str) -> None:
        from duban.i18n import _

        quoted = _("{article}: {message}").format(article=_(article), message=message)
        super().__init__(quoted if article else message)
        self.article = article


class RegisterError(DubanError):
    """The register itself cannot be opened or written."""

    exit_code = EXIT_INTERNAL


class Damaged(RegisterError):
    """The register's file is damaged (or is no register): `duban check`, then a backup."""
