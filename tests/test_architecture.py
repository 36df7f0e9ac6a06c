"""The house reads top-down: every module imports only what docs/architecture.md allows.

The table in docs/architecture.md is the rule; this test reads it, so the document and
the code cannot drift apart.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "duban"
ORM = ("sqlalchemy", "sqlmodel")


def rules() -> dict[str, tuple[bool, set[str]]]:
    """room -> (may import the ORM at import time, the rooms it may import)."""
    out = {}
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and (m := re.fullmatch(r"`(\w+)`", cells[0])):
            allowed = {a.strip() for a in cells[3].split(",")} - {"—", ""}
            out[m.group(1)] = (cells[2] == "yes", allowed)
    return out


def room_of(module: str) -> str:
    """`duban.ops.units` -> `ops`; `duban.cli.run` -> `cli`; `duban` -> `duban`."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1].startswith("__"):  # duban.__version__, duban.__main__
        return "duban"
    return parts[1]


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def name_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[str, bool]]:
    """Each module imported, and whether the import runs when the file is imported
    (at module level, outside `if TYPE_CHECKING:`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue  # for the type checker only
            inner = top and not isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
            )
            if isinstance(child, ast.Import):
                found.extend((alias.name, inner) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                if child.module == "duban":  # from duban import views, render
                    found.extend((f"duban.{a.name}", inner) for a in child.names)
                else:
                    found.append((child.module, inner))
            visit(child, inner)

    visit(tree, True)
    return found


def test_the_table_names_every_room():
    table = rules()
    rooms = {room_of(name_of(p)) for p in modules()}
    assert rooms == set(table), "docs/architecture.md and duban/ disagree on the rooms"
    for room, (_, allowed) in table.items():
        assert allowed <= set(table), f"{room} may import an unknown room"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_each_module_imports_only_what_its_room_may(path):
    table = rules()
    name = name_of(path)
    room = room_of(name)
    orm_ok, allowed = table[room]
    for module, at_import in imports(path):
        top = module.split(".")[0]
        if top == "duban" and module != "duban":
            other = room_of(module)
            assert other == room or other in allowed, f"{name} imports {module}"
        if top in ORM and at_import:
            assert orm_ok, f"{name} imports {module} when it is imported"


def test_the_rules_that_matter_most_hold():
    """ops never imports cli; the engine imports neither; the CLI's start-up has no ORM."""
    table = rules()
    assert "cli" not in table["ops"][1]
    assert table["workdays"][1] == {"errors", "i18n"}
    assert not table["workdays"][0] and not table["cli"][0]


def test_a_wrong_import_is_caught(tmp_path):
    """The checker itself can fail: an ops module importing the CLI is found."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from duban.cli.run import Run\n", encoding="utf-8")
    found = [m for m, _ in imports(bad)]
    assert found == ["duban.cli.run"]
    assert room_of(found[0]) not in rules()["ops"][1]
