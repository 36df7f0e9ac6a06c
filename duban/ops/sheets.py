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
import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from duban.errors import BadValue
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
                cell.value = safe(value)
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
    (line number, cells), blank rows skipped; BadValue for what is not a ledger file."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise BadValue(_("{path}: a ledger is an .xlsx or .csv file").format(path=path.name))
    if not path.is_file():
        raise BadValue(
            _("cannot read {path}: {reason}").format(
                path=path, reason=_("No such file or directory")
            )
        )
    if suffix == ".csv":
        return _read_csv(path)
    return _read_xlsx(path)


def _read_csv(path: Path) -> tuple[list[str], int, Iterator[tuple[int, list[Any]]]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadValue(
            _("{path} is not UTF-8 text: save it as CSV UTF-8 (or as .xlsx)").format(path=path.name)
        ) from exc
    if "\0" in text:
        raise BadValue(_("{path} is not a CSV file").format(path=path.name))
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise BadValue(
            _("{path} is not a CSV file ({problem})").format(path=path.name, problem=exc)
        ) from exc
    if not records or not any(c.strip() for c in records[0]):
        raise BadValue(_("{path} is empty: it has no header row").format(path=path.name))
    headers = records[0]
    body = [(i, r) for i, r in enumerate(records[1:], start=2) if any(c.strip() for c in r)]
    return headers, len(body), iter(body)


def _read_xlsx(path: Path) -> tuple[list[str], int, Iterator[tuple[int, list[Any]]]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise BadValue(_("{path} is not an .xlsx workbook").format(path=path.name)) from exc
    except Exception as exc:  # openpyxl's InvalidFileException and the like
        raise BadValue(_("{path} is not an .xlsx workbook").format(path=path.name)) from exc
    ws = wb.worksheets[0] if wb.worksheets else None
    rows = ws.iter_rows(values_only=True) if ws is not None else iter(())
    first = next(rows, None)
    if first is None or not any(c not in (None, "") for c in first):
        wb.close()
        raise BadValue(_("{path} is empty: it has no header row").format(path=path.name))
    headers = ["" if c is None else str(c) for c in first]
    total = max((ws.max_row or 1) - 1, 0)

    def body() -> Iterator[tuple[int, list[Any]]]:
        try:
            for line, values in enumerate(rows, start=2):
                cells = [_cell(v) for v in values]
                if any(c != "" for c in cells):
                    yield line, cells
        finally:
            wb.close()

    return headers, total, body()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
