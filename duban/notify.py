"""Notifications: an event piped, as JSON on stdin, to the office's own command.

The register setting `notify_command` names a shell command (`sh -c`), like
Taskwarrior's hooks: each new urging and each unit turning red is piped to it, one JSON
object per run, so an office can wire its SMS gateway or mail without duban knowing
either.  A command that fails (a non-zero exit, not found, more than `TIMEOUT` seconds)
is reported, never raised: the change it tells of is already committed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from typing import Any

from duban.i18n import _

TIMEOUT = 30  # seconds a command may take


def pipe(command: str, event: dict[str, Any], *, timeout: float | None = None) -> str | None:
    """Run `sh -c command` with the event as one line of JSON on stdin.

    None when it succeeded; otherwise why it failed, one line, in the run's language.
    What the command prints is not shown (duban's own output stays clean), except the
    last line of its stderr when it fails.
    """
    data = (json.dumps(event, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
    try:
        proc = subprocess.Popen(
            ["sh", "-c", command],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # a timeout ends the command and whatever it started
        )
    except OSError as exc:
        return _("it could not be run: {reason}").format(reason=exc.strerror or exc)
    try:
        _out, err = proc.communicate(data, timeout=TIMEOUT if timeout is None else timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            proc.kill()
        proc.communicate()
        return _("it took more than {seconds} seconds").format(
            seconds=TIMEOUT if timeout is None else timeout
        )
    if proc.returncode != 0:
        lines = err.decode("utf-8", "replace").strip().splitlines()
        reason = _("it exited with {code}").format(code=proc.returncode)
        return f"{reason}: {lines[-1].strip()}" if lines else reason
    return None
