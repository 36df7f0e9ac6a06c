"""The ledger's files (台账): xlsx and CSV, written streaming and read back.

A cell whose text a spreadsheet would run as a formula (it starts with `=`, `+`, `-`,
`@`, a tab or a carriage return) is written with a leading `'`, and a text that starts
with `'` gets one more, so that reading strips exactly one back (`unsafe`/`safe`).
xlsx is written with openpyxl's write-only sheets (rows streamed, never all in memory),
the header frozen and filtered, lights as cell fills, dates as real dates.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from duban.errors import BadValue
from duban.files import open_input, read_csv
from duban.i18n import _

RISKY = ("=", "+", "-", "@", "\t", "\r")
FILLS = {"red": "FFC7CE", "yellow": "FFEB9C", "green": "C6EFCE"}
SUFFIXES = (".xlsx", ".csv")


def safe(text: str) -> str:
    """A text a spreadsheet shows as it is, never runs: `=1+1` -> `'=1+1`."""
    if text.startswith(RISKY) or text.startswith("'"):
        return "'" + text
    return text


def unsafe(text: str) -> str:
    """`safe` undone: one leading `'` before a risky character or another `'` goes."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith((*RISKY, "'")):
        return text[1:]
    return text


# Characters an xlsx file cannot hold (XML 1.0), written as Excel writes them: `_x001B_`;
# a text that holds such an escape already keeps it by escaping its `_` (`_x005F_`).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPE_LIKE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def _xml_safe(text: str) -> str:
    if "_x" in text:
        text = _ESCAPE_LIKE.sub("_x005F_", text)
    return _ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def _width(header: str, sample: int) -> float:
    """A column wide enough for its header and a typical value; CJK characters count two."""
    wide = sum(2 if ord(ch) > 0x2E80 else 1 for ch in header)
    return float(max(wide, sample) + 2)


def write_xlsx(
    path: Path,
    headers: list[str],
    rows: Iterable[list[Any]],
    *,
    widths: list[int],
    light_column: int | None = None,
    fill_of: Any = None,
    sheet: str = "台账",
) -> int:
    """Write the rows under the headers; the number of rows written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    for i, (header, sample) in enumerate(zip(headers, widths, strict=True), start=1):
        ws.column_dimensions[get_column_letter(i)].width = _width(header, sample)
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    head = []
    for header in headers:
        cell = WriteOnlyCell(ws, value=header)
        cell.font = bold
        head.append(cell)
    ws.append(head)
    fills = {k: PatternFill("solid", start_color=v, end_color=v) for k, v in FILLS.items()}
    n = 0
    for row in rows:
        out: list[Any] = []
        for i, value in enumerate(row):
            if isinstance(value, str):
                cell = WriteOnlyCell(ws)
                cell.value = _xml_safe(safe(value))
                cell.data_type = "s"  # text, whatever it looks like
                key = fill_of(value) if fill_of is not None else value
                if i == light_column and key in fills:
                    cell.fill = fills[key]
                out.append(cell)
            elif isinstance(value, dt.date):
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = "yyyy-mm-dd"
                out.append(cell)
            else:
                out.append(value)
        ws.append(out)
        n += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{n + 1}"
    wb.save(path)
    return n


def write_csv(stream: IO[str], headers: list[str], rows: Iterable[list[Any]]) -> int:
    """Write CSV (the byte-order mark, if any, is the caller's); the rows written."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(headers)
    n = 0
    for row in rows:
        writer.writerow(
            [
                safe(v) if isinstance(v, str) else v.isoformat() if isinstance(v, dt.date)
                else "" if v is None else v
                for v in row
            ]
        )  # fmt: skip
        n += 1
    return n


def read_table(path: Path) -> tuple[list[str], int, Iterator[tuple[int, list[Any]]]]:
    """The file's header, its number of data rows (for a progress bar), and its rows as
    (line number, cells), blank rows skipped; BadValue for what is not a ledger file.

    A file is read no further than the limit for a ledger (`duban.files.LIMITS`); a CSV
    file as `duban.files.read_csv` reads every CSV file (quotes strictly, the line named)."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise BadValue(_("{path}: a ledger is an .xlsx or .csv file").format(path=path.name))
    if suffix == ".csv":
        return _read_csv(path)
    with open_input(path, kind="ledger", where=path.name):
        pass  # the checks of any file read: it exists, is a file, is not too large
    return _read_xlsx(path)


def _read_csv(path: Path) -> tuple[list[str], int, Iterator[tuple[int, list[Any]]]]:
    table = read_csv(
        path,
        kind="ledger",
        where=path.name,
        hint=_(": save it as CSV UTF-8 (or as .xlsx)"),
    )
    return table.header, len(table.rows), iter(table.rows)


def _read_xlsx(path: Path) -> tuple[list[str], int, Iterator[tuple[int, list[Any]]]]:
    from duban.ops.xlsx import read_sheet

    rows = read_sheet(path)
    try:
        first = next(rows, None)
    except ValueError as exc:
        raise BadValue(_("{path} is not an .xlsx workbook").format(path=path.name)) from exc
    if first is None or not any(c not in (None, "") for c in first[1]):
        raise BadValue(_("{path} is empty: it has no header row").format(path=path.name))
    headers = ["" if c is None else str(c) for c in first[1]]

    def body() -> Iterator[tuple[int, list[Any]]]:
        try:
            for line, values in rows:
                if values:  # a blank row: no cell but empty ones, all dropped
                    yield line, values
        except ValueError as exc:
            raise BadValue(_("{path} is not an .xlsx workbook").format(path=path.name)) from exc

    return headers, 0, body()  # 0: not known before the rows are read
