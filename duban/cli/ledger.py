"""The ledger (台账): `export` writes it as xlsx or CSV, `import` takes it back."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import typer

from duban.cli.command import DubanCommand
from duban.cli.restricted import INCLUDE_RESTRICTED
from duban.cli.run import Run
from duban.errors import BadValue
from duban.i18n import _

XLSX = "duban.ledger.xlsx"


class LedgerCommand(DubanCommand):
    """`export --format xlsx`: the common --format knows table, json and csv; xlsx is
    the ledger's own, taken out before the common options are checked."""

    def invoke(self, ctx: Any) -> Any:
        from duban.cli import options

        root = ctx.find_root()
        for params in (ctx.params, root.meta.get(options.ROOT, {})):
            fmt = params.get("common_format")
            if isinstance(fmt, str) and fmt.strip().lower() == "xlsx":
                params["common_format"] = None
                ctx.meta[XLSX] = True
        return super().invoke(ctx)


def _kind(ctx: typer.Context, run: Run, out: Path | None) -> str:
    """xlsx, csv or json: --format, else the --out file's suffix, else CSV."""
    if ctx.meta.get(XLSX):
        return "xlsx"
    if run.fmt == "csv":
        return "csv"
    if out is not None:
        suffix = out.suffix.lower()
        if suffix in (".xlsx", ".csv"):
            return suffix[1:]
        raise BadValue(
            _("{path}: say --format xlsx or --format csv (or name an .xlsx or .csv file)").format(
                path=out.name
            )
        )
    return "json" if run.fmt == "json" else "csv"


def _progress(total_hint: str) -> Any:
    """A progress bar on stderr when it is a terminal; None in a pipe."""
    if not sys.stderr.isatty():
        return None, None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bar = Progress(
        TextColumn(total_hint),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task(total_hint, total=None)

    def advance(done: int, total: int) -> None:
        # Started at the first step, not before: the import forks its reader first, and
        # a process is forked best before the bar's refresh thread runs.
        if not bar.live.is_started:
            bar.start()
        bar.update(task, completed=done, total=total or None)

    return bar, advance


def register_commands(app: typer.Typer) -> None:
    @app.command("export", cls=LedgerCommand)
    def export(
        ctx: typer.Context,
        out: Path | None = typer.Option(
            None,
            "--out",
            "-o",
            help="The file to write (.xlsx or .csv); without it, CSV on stdout.",
        ),
        start: str | None = typer.Option(
            None, "--from", help="Only matters received on or after this day."
        ),
        end: str | None = typer.Option(
            None, "--to", help="Only matters received on or before this day."
        ),
        as_of: str | None = typer.Option(
            None, "--as-of", help="Judge the lights and days overdue on this day (default today)."
        ),
        include_restricted: bool = INCLUDE_RESTRICTED,
    ) -> None:
        """Export the ledger (台账): one row per matter and lead unit, as xlsx or CSV.

        --format xlsx|csv (or the --out file's suffix) picks the format.  The xlsx has
        Chinese headers, the header row frozen and filtered, lights as cell colours and
        dates as dates.  CSV for a person (--out FILE.csv, or a terminal) is UTF-8 with a
        byte-order mark, so that Excel shows the Chinese, with Chinese headers under --lang
        zh; CSV to a pipe is plain UTF-8 with English keys.  Text that a spreadsheet would
        run as a formula is written with a leading '.  Restricted matters (第三条) are left
        out unless --include-restricted.  `duban import` reads the file back.

        Example: duban export --format xlsx --from 2026-01-01 --to 2026-12-31 --out 台账.xlsx
        """
        from duban.ops import ledger
        from duban.ops.restricted import record_inclusion

        run: Run = ctx.obj
        kind = _kind(ctx, run, out)
        if kind == "xlsx" and out is None:
            raise BadValue(_("an .xlsx ledger needs --out FILE.xlsx"))
        with run.reader() as reader:
            day_from = reader.date(start, what="start date") if start else None
            day_to = reader.date(end, what="end date") if end else None
            if day_from and day_to and day_to < day_from:
                raise BadValue(
                    _("--to {end} is before --from {start}").format(
                        end=day_to.isoformat(), start=day_from.isoformat()
                    )
                )
            today = reader.date(as_of, what="date")
            hidden = ledger.restricted_in(reader, day_from, day_to) if include_restricted else []
            person = out is not None or sys.stdout.isatty()
            lang = run.lang if person or kind == "xlsx" else "en"
            if kind == "xlsx":
                lang = "zh"  # the office's ledger: Chinese headers and words
            rows = ledger.ledger_rows(
                reader, as_of=today, start=day_from, end=day_to,
                include_restricted=include_restricted, lang=lang,
            )  # fmt: skip
            if out is None:
                if include_restricted:
                    _record(run, record_inclusion, hidden, day_from, day_to, None)
                n = _write(kind, sys.stdout, None, rows, lang, bom=person)
            else:
                tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
                try:
                    if kind == "xlsx":
                        n = _write(kind, None, tmp, rows, lang, bom=True)
                    else:
                        with tmp.open("w", encoding="utf-8-sig", newline="") as stream:
                            n = _write(kind, stream, None, rows, lang, bom=True)
                    if include_restricted:
                        _record(run, record_inclusion, hidden, day_from, day_to, out)
                    os.replace(tmp, out)
                except FileNotFoundError as exc:
                    raise BadValue(
                        _("cannot write {path}: {reason}").format(
                            path=out, reason=_("No such file or directory")
                        )
                    ) from exc
                finally:
                    tmp.unlink(missing_ok=True)
        if out is not None:
            run.say(_("wrote {n} row(s) to {path}").format(n=n, path=out))
            if run.fmt == "json":
                import json

                sys.stdout.write(json.dumps({"rows": n, "file": str(out)}, ensure_ascii=False))
                sys.stdout.write("\n")

    @app.command("import")
    def import_(
        ctx: typer.Context,
        file: Path = typer.Argument(..., help="The ledger: an .xlsx or .csv file."),
        dry_run: bool = typer.Option(
            False, "--dry-run", help="Only check the file and say what would be imported."
        ),
    ) -> None:
        """Import a ledger (台账) written by `duban export`, or the office's own in its layout.

        Headers in Chinese or English (as export writes them); each row is a matter and
        one lead unit (a second row with the same code adds another lead unit), its units
        found by name, code or short name.  Every row is checked first: if any is bad,
        each is named with its line and nothing is imported (exit 2).  Everything is
        written in one transaction.  A code already on the register is a bad row; a row
        without one is numbered as `register` does.  A current deadline later than the
        original is an extension; status 已办结 needs the completion date.

        Example: duban import 台账.xlsx --dry-run
        """
        from duban.ops import importing

        run: Run = ctx.obj
        bar, advance = _progress(_("checking"))
        try:
            if dry_run:
                with run.reader() as reader:
                    checked = importing.check_ledger(reader, file, progress=advance)
                importing.refuse_bad(checked)
            else:
                # The file is parsed in a child from now, while the register is opened.
                with importing.Reading(file) as reading, run.change(bulk=True) as c:
                    checked = importing.import_ledger(c, file, progress=advance, reading=reading)
        finally:
            if bar is not None:
                bar.stop()
        data = {
            "file": checked.file,
            "rows": checked.rows,
            "matters": checked.matters,
            "assignments": checked.assignments,
            "dry_run": dry_run,
            "codes": checked.codes,
        }
        if dry_run:
            run.say(
                _("{file}: {rows} row(s) checked, all good: {matters} matter(s) with "
                  "{assignments} assignment(s) would be imported (dry run: nothing written)")
                .format(**data)
            )  # fmt: skip
        else:
            run.say(
                _("{file}: imported {matters} matter(s) with {assignments} assignment(s) "
                  "from {rows} row(s)").format(**data)
            )  # fmt: skip
        if run.fmt == "json":
            import json

            sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
        elif run.fmt == "csv":
            run.emit([{k: v for k, v in data.items() if k != "codes"}])


def _record(run: Run, record: Any, codes: list[str], start: Any, end: Any, out: Any) -> None:
    with run.change() as c:
        record(
            c,
            command="export",
            codes=codes,
            period_from=start.isoformat() if start else None,
            period_to=end.isoformat() if end else None,
            **({"file": str(out)} if out is not None else {}),
        )


def _write(kind: str, stream: Any, path: Path | None, rows: Any, lang: str, *, bom: bool) -> int:
    from duban.ops import ledger, sheets

    headers = ledger.headers(lang)
    if kind == "xlsx":
        return sheets.write_xlsx(
            path,
            headers,
            rows,
            widths=ledger.widths(),
            light_column=ledger.KEYS.index("light"),
            fill_of=ledger.light_of,
        )
    if kind == "json":
        import json

        stream.write("[")
        n = 0
        for row in rows:
            item = {
                k: (v.isoformat() if hasattr(v, "isoformat") else v)
                for k, v in zip(ledger.KEYS, row, strict=True)
            }
            stream.write(("," if n else "") + "\n" + json.dumps(item, ensure_ascii=False))
            n += 1
        stream.write("\n]\n")
        return n
    if bom and path is None and stream is sys.stdout:
        stream.write("\ufeff")
    return sheets.write_csv(stream, headers, rows)
