"""The option `--include-restricted` (第三条 保守秘密), declared once for every command that
sends matters out of the office (export, bulletin, stats, notice).

    from duban.cli.restricted import INCLUDE_RESTRICTED

    def bulletin(..., include_restricted: bool = INCLUDE_RESTRICTED) -> None:

How to filter and record the asking: `duban.ops.restricted`.
"""

import typer

INCLUDE_RESTRICTED = typer.Option(
    False,
    "--include-restricted",
    help="第三条: include restricted matters (涉密事项), left out otherwise; the asking is "
    "recorded in the history.",
)
