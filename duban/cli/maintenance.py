"""Keeping the register: backup, restore, check (operations in `ops/maintenance.py`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from duban.cli.command import fail
from duban.cli.run import Run
from duban.errors import EXIT_FINDING, EXIT_INTERNAL
from duban.i18n import _


def _print(run: Run, data: dict[str, Any], rows: list[dict[str, Any]], table: list[str]) -> None:
    """JSON: the whole object; a table or CSV: its rows."""
    if run.fmt == "json":
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        run.emit(rows, table=table, columns=table)


def register_commands(app: typer.Typer) -> None:
    @app.command("backup")
    def backup(
        ctx: typer.Context,
        file: Path = typer.Argument(..., help="The backup file to write."),
        force: bool = typer.Option(False, "--force", help="Replace FILE if it exists."),
    ) -> None:
        """Back up the register into FILE: a consistent copy, taken while others write.

        The copy is SQLite's own backup of one moment of the register (other clerks and
        cron jobs go on working meanwhile), written beside FILE under a temporary name and
        renamed into place, readable by its owner only (0600).  FILE is a register of its
        own: `DUBAN_DB=FILE duban list` reads it, `duban restore FILE` puts it back.  An
        existing FILE is replaced only with --force.  A PostgreSQL register is backed up
        with pg_dump (exit 2 here).

        Example: duban backup /srv/backup/register-2026-11-26.db
        """
        from duban.ops import maintenance

        run: Run = ctx.obj
        made = maintenance.backup(run.options.db, file, force=force)
        run.say(
            _("backed up the register ({matters} matter(s)) to {file}").format(
                matters=made.matters, file=made.file
            )
        )
        data = made.as_dict()
        _print(
            run, data, [data], ["file", "bytes", "schema", "matters", "history_entries", "sha256"]
        )

    @app.command("restore")
    def restore(
        ctx: typer.Context,
        file: Path = typer.Argument(..., help="The backup to put in the register's place."),
    ) -> None:
        """Restore the register from a backup (FILE, as `duban backup` writes it).

        FILE must be a healthy duban register (SQLite's integrity checks, a schema this
        duban knows); it is brought up to this version and its history records the
        restore (restore.apply).  The register as it was is kept beside it, as
        REGISTER.before-restore-<time in UTC> (0600).  Processes that have the register
        open see the old register or the restored one, never half of each.  A PostgreSQL
        register is restored with pg_restore (exit 2 here).

        Example: duban restore /srv/backup/register-2026-11-26.db
        """
        from duban.ops import maintenance

        run: Run = ctx.obj
        done = maintenance.restore(run.options.db, file, user=run.options.user)
        run.committed = True  # the register is replaced: nothing may report it unmade
        if done.aside:
            run.say(
                _(
                    "restored {file} ({matters} matter(s)) into {register}; the register as "
                    "it was is kept at {aside}"
                ).format(
                    file=done.file, matters=done.matters, register=done.register, aside=done.aside
                )  # fmt: skip
            )
        else:
            run.say(
                _("restored {file} ({matters} matter(s)) into {register}").format(
                    file=done.file, matters=done.matters, register=done.register
                )
            )
        data = done.as_dict()
        _print(
            run, data, [data], ["register", "file", "aside", "schema", "matters", "history_entries"]
        )

    @app.command("check")
    def check(
        ctx: typer.Context,
        quick: bool = typer.Option(
            False,
            "--quick",
            help="SQLite's quick_check instead of integrity_check (skips checking each "
            "index against its table; much faster on a large register).",
        ),
    ) -> None:
        """Check the register: its file, its schema, and duban's own consistency.

        SQLite's integrity_check and foreign_key_check, the schema version, and duban's
        checks that are cheap: every matter and every unit's part has its deadline in
        force, reports belong to their unit's matter, codes follow their year and
        number, every matter's registration is in the history, statuses and history
        actions are words duban knows.  Exit 0 when healthy; 5 with one line when the
        file is damaged (restore it from a backup); 1 when only duban's own checks found
        something.  --json prints the whole report in either case.  Nothing is written.

        Example: duban check --json
        """
        from duban.ops import maintenance

        run: Run = ctx.obj
        found = maintenance.check_register(run.options.db, quick=quick)
        data = found.as_dict()
        rows = [{"check": name, "result": _result(found, name)} for name in found.checks]
        if found.damaged:
            rows.append({"check": "damage", "result": found.damage[0]})
        rows.extend({"check": "note", "result": note} for note in found.notes)
        _print(run, data, rows, ["check", "result"])
        if found.damaged:
            more = len(found.damage) - 1
            fail(
                _(
                    "the register {register} is damaged: {problem}{more}; restore it from a "
                    "backup (duban restore FILE)"
                ).format(
                    register=found.register,
                    problem=found.damage[0],
                    more=" " + _("(and {n} more)").format(n=more) if more else "",
                ),
                EXIT_INTERNAL,
            )
        if found.findings:
            first = found.findings[0]
            fail(
                _("the register {register} is not consistent: {count} {message} ({examples})")
                .format(register=found.register, count=first.count, message=first.message,
                        examples=", ".join(first.examples))
                + (" " + _("and {n} more finding(s)").format(n=len(found.findings) - 1)
                   if len(found.findings) > 1 else ""),
                EXIT_FINDING,
            )  # fmt: skip
        run.say(
            _("the register {register} is healthy: {matters} matter(s), schema {schema}").format(
                register=found.register, matters=found.matters, schema=found.schema
            )
        )


def _result(found: Any, name: str) -> str:
    for finding in found.findings:
        if finding.check == name:
            return f"{finding.count}: {finding.message} ({', '.join(finding.examples)})"
    if name in ("integrity_check", "quick_check"):
        return found.integrity
    if name == "schema":
        return str(found.schema)
    return "ok"
