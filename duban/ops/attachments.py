"""Files kept beside the register: the sealed scan of a report (`report --attach`), a
research report (调研报告, 第十四条, `inspect --research-file`).

Each file is read (and refused, exit 2, if it cannot be) before anything is written;
its copy is kept by content, `<sha256[:2]>/<sha256>`, in the attachments folder
(setting `attachments_dir`; empty: `REGISTER.files` beside a register file, the user's
data folder for a PostgreSQL register), written to a temporary file and renamed, once
the operation's checks have passed and before its transaction commits.  A copy left by
a change that then failed is harmless: the same content has the same name.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import select

from duban.context import Context, utcnow
from duban.errors import BadValue, RegisterError
from duban.files import open_input
from duban.i18n import _
from duban.models import Attachment, Matter

CHUNK = 1 << 20


@dataclass(frozen=True)
class Incoming:
    """A file to keep, as read before the change: its name, SHA-256 and size."""

    path: Path
    name: str
    sha256: str
    size: int

    def detail(self) -> dict[str, Any]:
        """What the history records of it."""
        return {"name": self.name, "sha256": self.sha256, "size": self.size}


def _digest(path: Path, out: Any = None) -> tuple[str, int]:
    """The file's SHA-256 and size, read a chunk at a time (each chunk also to `out`)."""
    sha, size = hashlib.sha256(), 0
    # Bounded (`duban.files.LIMITS`): a device such as /dev/zero is refused, never read.
    with open_input(path, kind="attachment") as f:
        while chunk := f.read(CHUNK):
            sha.update(chunk)
            size += len(chunk)
            if out is not None:
                out.write(chunk)
    return sha.hexdigest(), size


def check(paths: Iterable[Path | str]) -> list[Incoming]:
    """Read each file given: BadValue (exit 2) for one that cannot be read."""
    out = []
    for given in paths:
        path = Path(given).expanduser()
        if path.is_dir():
            raise BadValue(_("cannot attach {file}: it is a folder").format(file=str(given)))
        try:
            sha, size = _digest(path)
        except OSError as exc:
            raise BadValue(
                _("cannot attach {file}: {reason}").format(
                    file=str(given), reason=_(str(exc.strerror or exc))
                )
            ) from exc
        out.append(Incoming(path, path.name, sha, size))
    return out


def folder(ctx: Context) -> Path:
    """The attachments folder of this register (it may not exist yet)."""
    chosen = ctx.setting("attachments_dir")
    if chosen:
        return Path(chosen).expanduser()
    url = ctx.session.get_bind().url
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            register = Path(url.database)
            return register.with_name(register.name + ".files")
        raise BadValue(
            _(
                "this register is not a file: set the folder for attached files with "
                "`duban config attachments_dir PATH`"
            )
        )
    from platformdirs import user_data_path

    return user_data_path("duban", appauthor=False) / "attachments"


def _keep_copy(item: Incoming, target: Path) -> None:
    """Copy the file to `target` (temp file + rename), checking it is still what was read."""
    if target.is_file() and target.stat().st_size == item.size:
        return  # the same content is kept already
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    except OSError as exc:
        raise RegisterError(
            _("cannot keep a copy of {file} in {folder}: {reason}").format(
                file=item.name, folder=str(target.parent), reason=_(str(exc.strerror or exc))
            )
        ) from exc
    try:
        with os.fdopen(fd, "wb") as out:
            sha, _size = _digest(item.path, out)
            out.flush()
            os.fsync(out.fileno())
        if sha != item.sha256:
            raise BadValue(
                _("{file} changed while it was being attached: try again").format(
                    file=str(item.path)
                )
            )
        os.replace(temp, target)
    except OSError as exc:
        raise RegisterError(
            _("cannot keep a copy of {file} in {folder}: {reason}").format(
                file=item.name, folder=str(target.parent), reason=_(str(exc.strerror or exc))
            )
        ) from exc
    finally:
        Path(temp).unlink(missing_ok=True)


def keep(
    ctx: Context,
    matter: Matter,
    incoming: Sequence[Incoming],
    *,
    report_id: int | None = None,
    inspection_id: int | None = None,
) -> list[Attachment]:
    """Keep a copy of each file and record it; call once every check of the change passed."""
    if not incoming:
        return []
    base = folder(ctx)
    rows = []
    for item in incoming:
        stored = f"{item.sha256[:2]}/{item.sha256}"
        _keep_copy(item, base / stored)
        row = Attachment(
            matter_id=matter.id,
            report_id=report_id,
            inspection_id=inspection_id,
            name=item.name,
            sha256=item.sha256,
            size=item.size,
            stored=stored,
            created_at=utcnow(),
            created_by=ctx.actor,
        )
        ctx.session.add(row)
        rows.append(row)
    ctx.session.flush()
    return rows


def _free(used: set[str], name: str, row_id: int | None) -> str:
    """The file's name in the dossier; a second file of the same name gets its ID added
    (the same names each time, so archiving again writes the same files)."""
    if name in used:
        name = f"{Path(name).stem}-{row_id}{Path(name).suffix}"
    used.add(name)
    return name


def export(ctx: Context, matter: Matter, to: Path) -> list[dict[str, str]]:
    """Copy the matter's attachments into `to`/CODE-attachments/ (the dossier, 组卷),
    each checked against its SHA-256: [{"file", "sha256"}]."""
    rows = ctx.session.exec(
        select(Attachment).where(Attachment.matter_id == matter.id).order_by(Attachment.id)
    ).all()
    if not rows:
        return []
    base, into = folder(ctx), to / f"{matter.code}-attachments"
    into.mkdir(exist_ok=True)
    written: list[dict[str, str]] = []
    used: set[str] = set()
    for row in rows:
        source = base / row.stored
        target = into / _free(used, row.name, row.id)
        try:
            with target.open("wb") as out:
                sha, _size = _digest(source, out)
        except OSError as exc:
            raise RegisterError(
                _("the kept copy of {file} cannot be read ({path}): {reason}").format(
                    file=row.name, path=str(source), reason=_(str(exc.strerror or exc))
                )
            ) from exc
        if sha != row.sha256:
            target.unlink(missing_ok=True)
            raise RegisterError(
                _("the kept copy of {file} ({path}) is not the file attached: its SHA-256 differs")
                .format(file=row.name, path=str(source))
            )  # fmt: skip
        written.append({"file": str(target), "sha256": sha})
    return written
