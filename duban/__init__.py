"""duban (督办): the supervision register of a supervision office (督查室).

Library first: every command of the CLI is a plain function over a session in
`duban.ops`; import them to script the register from Python.  This module stays
light so that `duban --help` and `duban --version` start without the ORM.
"""

__version__ = "0.1.0"
