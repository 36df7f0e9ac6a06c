"""Reading the files people give duban: units, schedules, reports.

One place, so that every file is read the same way: UTF-8 with or without the byte-order
mark a spreadsheet writes, and a bad file named in one line (BadValue, exit 2).
"""

from __future__ import annotations

from pathlib import Path

from duban.errors import BadValue
from duban.i18n import N_, _

# What the system says when a file cannot be read, for the catalogue.
OS_REASONS = (
    N_("No such file or directory"),
    N_("Permission denied"),
    N_("Is a directory"),
)


def read_text(path: Path, *, hint: str = "") -> str:
    """The file's text; BadValue if it cannot be read or is not UTF-8 (`hint`, already
    translated, says how to save it right)."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise BadValue(
            _("cannot read {path}: {reason}").format(path=path, reason=_(str(exc.strerror)))
        ) from exc
    except UnicodeDecodeError as exc:
        raise BadValue(_("{path} is not UTF-8 text").format(path=path) + hint) from exc
