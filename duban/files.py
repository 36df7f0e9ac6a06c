"""Reading the files people give duban: units, schedules, ledgers, plans, reports.

One place, so that every file is read the same way: UTF-8 with or without the byte-order
mark a spreadsheet writes, and a bad file named in one line (BadValue, exit 2).

Every file is bounded.  A file larger than the limit for its kind (`LIMITS`) is
refused before it is read, and reading stops at the limit whatever the file says of
its size (a pipe, a file still growing), so `duban unit import /dev/zero` never reads
forever: a device, a socket or a folder is refused at once; a pipe (`<(...)`) is read
up to the limit.  A CSV cell is at most `FIELD_LIMIT` characters.

`read_csv` is the one CSV reader (units, the ledger): strict about quotes, so that an
unterminated quote is refused, naming the line it opened on, instead of swallowing
the rows after it; a quoted line break is kept (refused where the caller says a cell
cannot hold one); a header naming a column twice is refused.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from duban.errors import BadValue
from duban.i18n import N_, _

# What the system says when a file cannot be read, for the catalogue.
OS_REASONS = (
    N_("No such file or directory"),
    N_("Permission denied"),
    N_("Is a directory"),
    N_("File name too long"),
    N_("Not a directory"),
    N_("Too many levels of symbolic links"),
)

MiB = 1024 * 1024
# The most duban reads of a file, by kind: (bytes, what the message calls it).  A CSV
# file is also bounded in rows (`ROWS`): every row is held in memory, and a file of
# tiny rows (`yes a,b`) is millions of them within the bytes.
LIMITS = {
    "text": (16 * MiB, N_("a text file")),  # report --file, --plan-file
    "units": (16 * MiB, N_("a units file")),  # 100,000 units are about 7 MB
    "schedule": (1 * MiB, N_("a holiday schedule")),  # a year is a few kilobytes
    "ledger": (512 * MiB, N_("a ledger")),  # a million matters as CSV is about 200 MB
    "attachment": (1024 * MiB, N_("an attached file")),
}
ROWS = {"units": 100_000, "ledger": 1_000_000}
FIELD_LIMIT = 128 * 1024  # characters in one CSV cell (csv's own default)


def _size(n: int) -> str:
    return f"{n // MiB} MiB" if n >= MiB else f"{n // 1024} KiB"


def _too_large(where: str, kind: str) -> BadValue:
    limit, what = LIMITS[kind]
    return BadValue(
        _("{path} is larger than {limit}, the most duban reads of {what}").format(
            path=where, limit=_size(limit), what=_(what)
        )
    )


class _Bounded(io.RawIOBase):
    """A file read no further than `limit` bytes: BadValue past it."""

    def __init__(self, raw: IO[bytes], limit: int, where: str, kind: str) -> None:
        self.raw, self.left, self.where, self.kind = raw, limit, where, kind

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer)
        # One byte more than is left, to learn whether the file goes on past the limit.
        n = self.raw.readinto(view[: self.left + 1]) or 0
        if n > self.left:
            raise _too_large(self.where, self.kind)
        self.left -= n
        return n

    def close(self) -> None:
        self.raw.close()
        super().close()


def _cannot_read(path: Path | str, exc: OSError) -> BadValue:
    return BadValue(
        _("cannot read {path}: {reason}").format(path=path, reason=_(str(exc.strerror or exc)))
    )


def open_input(path: Path, *, kind: str, where: str | None = None) -> IO[bytes]:
    """The file opened for reading, in binary, bounded by the limit for its `kind`.

    BadValue (exit 2) for a file that cannot be read, one that is not a regular file
    or a pipe (a device such as /dev/zero, a socket, a folder), or one larger than the
    limit; a pipe, or a file that grows, stops at the limit with the same refusal.
    """
    where = str(path) if where is None else where
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise _cannot_read(where, exc) from exc
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise BadValue(
                _("cannot read {path}: {reason}").format(path=where, reason=_("Is a directory"))
            )
        if not (stat.S_ISREG(info.st_mode) or stat.S_ISFIFO(info.st_mode)):
            raise BadValue(
                _("cannot read {path}: not a file (a device or a socket): give a file").format(
                    path=where
                )
            )
        if info.st_size > LIMITS[kind][0]:
            raise _too_large(where, kind)
        os.set_blocking(fd, True)  # opened without blocking only so a FIFO opens at once
        raw = os.fdopen(fd, "rb", buffering=0)
    except BaseException:
        os.close(fd)
        raise
    return io.BufferedReader(_Bounded(raw, LIMITS[kind][0], where, kind))


def read_bytes(path: Path, *, kind: str, where: str | None = None) -> bytes:
    """The whole file, bounded (see `open_input`)."""
    with open_input(path, kind=kind, where=where) as f:
        try:
            return f.read()
        except OSError as exc:
            raise _cannot_read(str(path) if where is None else where, exc) from exc


def read_text(path: Path, *, hint: str = "", kind: str = "text", where: str | None = None) -> str:
    """The file's text; BadValue if it cannot be read, is too large for its `kind`, or is
    not UTF-8 (`hint`, already translated, says how to save it right)."""
    where = str(path) if where is None else where
    data = read_bytes(path, kind=kind, where=where)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadValue(_("{path} is not UTF-8 text").format(path=where) + hint) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")  # as a text file is read


# -- CSV ---------------------------------------------------------------------------------


@dataclass
class Table:
    """A CSV file read whole: its header, and its rows as (line, cells), blank rows
    left out; `line` is where the row begins in the file (the header is line 1)."""

    header: list[str]
    rows: list[tuple[int, list[str]]]


_LONE_CR = re.compile(r"(?<=\r)(?!\n)")  # a line ended by CR alone (old Mac files)


def _lines(binary: IO[bytes], where: str, hint: str) -> Iterator[str]:
    """The file's lines for csv.reader, each checked: UTF-8, no NUL.  Read as bytes a
    line at a time, so that a line that is not UTF-8 is named exactly."""
    number = 0
    first = True
    while True:
        try:
            raw = binary.readline()
        except OSError as exc:
            raise _cannot_read(where, exc) from exc
        if not raw:
            return
        number += 1
        try:
            line = raw.decode("utf-8-sig" if first else "utf-8")
        except UnicodeDecodeError as exc:
            raise BadValue(
                _("{path}:{line}: not UTF-8 text").format(path=where, line=number) + hint
            ) from exc
        first = False
        if "\0" in line:
            raise BadValue(
                _("{path}:{line}: holds a NUL character: not a CSV file").format(
                    path=where, line=number
                )
            )
        if "\r" in line[:-2]:
            parts = [part for part in _LONE_CR.split(line) if part]
            number += len(parts) - 1
            yield from parts
        else:
            yield line


def read_csv(
    path: Path,
    *,
    kind: str,
    hint: str = "",
    where: str | None = None,
    line_breaks: bool = True,
) -> Table:
    """Read a CSV file (UTF-8, with or without a byte-order mark), strictly.

    Refused (BadValue, exit 2), naming the line: a quote never closed (it would swallow
    the rows after it), text after a closing quote, a cell over FIELD_LIMIT characters,
    a NUL, text that is not UTF-8 (`hint` says how to save it), a header naming a
    column twice, a file with no header; and with `line_breaks=False`, a cell holding a
    line break (a unit's name on two lines is a mistake, a report's text is not).
    """
    where = str(path) if where is None else where
    with open_input(path, kind=kind, where=where) as binary:
        lines = _lines(binary, where, hint)
        reader = csv.reader(lines, strict=True)
        records: list[tuple[int, list[str]]] = []
        most = ROWS.get(kind)
        limit = csv.field_size_limit(FIELD_LIMIT)
        start = 1  # the line the next record begins on
        try:
            for record in reader:
                if not line_breaks and reader.line_num > start:
                    raise BadValue(
                        _(
                            "{path}:{line}: a cell holds a line break (a quote left open, or "
                            "Alt+Enter in a cell): keep each row on one line"
                        ).format(path=where, line=start)
                    )
                if records and not "".join(record).strip():
                    start = reader.line_num + 1
                    continue  # a blank row: left out (a blank first row is no header)
                if most is not None and len(records) > most:
                    raise BadValue(
                        _("{path}:{line}: more than {rows} rows, the most duban reads of {what}")
                        .format(path=where, line=start, rows=f"{ROWS[kind]:,}",
                                what=_(LIMITS[kind][1]))
                    )  # fmt: skip
                records.append((start, record))
                start = reader.line_num + 1
        except csv.Error as exc:
            raise _csv_problem(where, start, reader.line_num, str(exc)) from exc
        except OSError as exc:
            raise _cannot_read(where, exc) from exc
        finally:
            csv.field_size_limit(limit)
    if not records or not any(c.strip() for c in records[0][1]):
        raise BadValue(_("{path} is empty: it has no header row").format(path=where))
    header = records[0][1]
    _check_header(where, header)
    return Table(header, records[1:])


def _csv_problem(where: str, start: int, at: int, problem: str) -> BadValue:
    """csv's complaint, said for a person, naming the line."""
    if "unexpected end of data" in problem or "EOF" in problem:
        message = _(
            "{path}:{line}: a quote opened on this line is never closed: close it, or "
            'double a quote that is part of the text ("")'
        )
        return BadValue(message.format(path=where, line=start))
    if "field larger than field limit" in problem:
        message = _("{path}:{line}: a cell is longer than {limit} characters")
        return BadValue(message.format(path=where, line=at, limit=f"{FIELD_LIMIT:,}"))
    if "expected after" in problem:
        message = _(
            "{path}:{line}: text after a closing quote: quote the whole cell, and double a "
            'quote that is part of the text ("")'
        )
        return BadValue(message.format(path=where, line=at))
    message = _("{path}:{line}: not a CSV file ({problem})")
    return BadValue(message.format(path=where, line=at, problem=problem))


def _check_header(where: str, header: list[str]) -> None:
    """A header naming a column twice (any letter case) is refused: which would count?"""
    seen: dict[str, str] = {}
    for cell in header:
        name = cell.strip()
        if not name:
            continue
        if name.lower() in seen:
            raise BadValue(
                _("{path}:1: the column {column!r} is named twice: keep one").format(
                    path=where, column=seen[name.lower()]
                )
            )
        seen[name.lower()] = name
