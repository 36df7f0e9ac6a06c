"""The message catalogue: every line duban prints, in English and Chinese.

Messages are written in English in the code, inside `_()` (or `N_()` where the text is
kept to be translated later, such as help texts), and translated from the gettext
catalogue `duban/locale/zh_CN/LC_MESSAGES/duban.mo`, compiled from the `.po` files
beside it (`python -m duban.i18n compile`; `tests/test_catalogue.py` fails when a
message has no Chinese, when the two differ in their `{placeholders}`, or when the
compiled catalogue is older than its sources).

The language is chosen once per run (`set_language`): `--lang`, `DUBAN_LANG`, the
register's setting `lang`, then the locale.  JSON never changes with it.
"""

from __future__ import annotations

import gettext
import os
from functools import cache
from pathlib import Path

LANGS = ("en", "zh")
LOCALE = Path(__file__).parent / "locale"
DOMAIN = "duban"

_language = "en"


def set_language(lang: str) -> None:
    global _language
    _language = lang if lang in LANGS else "en"


def language() -> str:
    return _language


def from_environment() -> str | None:
    """`DUBAN_LANG`, else the locale (LC_ALL, LC_MESSAGES, LANG): 'zh', 'en' or None."""
    value = os.environ.get("DUBAN_LANG")
    if value:
        return "zh" if value.strip().lower().startswith("zh") else "en"
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if os.environ.get(var):
            return "zh" if os.environ[var].lower().startswith("zh") else None
    return None


@cache
def _chinese() -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, localedir=LOCALE, languages=["zh_CN"], fallback=True)


def _(message: str) -> str:
    """The message in the run's language."""
    if _language == "zh" and message:
        return _chinese().gettext(message)
    return message


def N_(message: str) -> str:  # noqa: N802  (the gettext convention)
    """Mark a message for the catalogue, to be translated where it is shown."""
    return message


def in_language(message: str, lang: str) -> str:
    """The message in a given language, whatever the run's."""
    if lang == "zh" and message:
        return _chinese().gettext(message)
    return message


# -- the catalogue's tools (for translators and the tests; Babel is a test dependency) --


def messages(root: Path | None = None) -> dict[str, list[str]]:
    """Every message of the package, with where it stands: the text of each `_()` and
    `N_()` call, each `help=` of an option, argument or app, and each command's docstring
    (Typer shows it as the command's help), cleaned as Typer cleans them."""
    import ast
    import inspect

    root = root or Path(__file__).parent
    found: dict[str, list[str]] = {}

    def add(text: object, where: str) -> None:
        if isinstance(text, str) and text.strip():
            found.setdefault(inspect.cleandoc(text), []).append(where)

    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        rel = path.relative_to(root.parent)
        for node in ast.walk(tree):
            where = f"{rel}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in ("_", "N_") and node.args and isinstance(node.args[0], ast.Constant):
                    add(node.args[0].value, where)
                for kw in node.keywords:
                    if kw.arg == "help" and isinstance(kw.value, ast.Constant):
                        add(kw.value.value, where)
            if isinstance(node, ast.FunctionDef) and any(
                "command" in ast.unparse(d) for d in node.decorator_list
            ):
                add(ast.get_docstring(node, clean=False), where)
    return found


def catalogue(folder: Path | None = None) -> dict[str, str]:
    """The Chinese of every message, from the `.po` files (msgid -> msgstr)."""
    from babel.messages.pofile import read_po

    folder = folder or LOCALE / "zh_CN" / "LC_MESSAGES"
    out: dict[str, str] = {}
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as handle:
            for message in read_po(handle):
                if message.id and message.string:
                    out[str(message.id)] = str(message.string)
    return out


def compile_catalogue(folder: Path | None = None) -> bytes:
    """The `.mo` of every `.po` file in the folder, merged (what `duban.mo` must hold)."""
    import datetime as dt
    from io import BytesIO

    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    fixed = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # the same sources give the same bytes
    merged = Catalog(
        locale="zh_CN", domain=DOMAIN, charset="utf-8", creation_date=fixed, revision_date=fixed
    )
    for msgid, msgstr in sorted(catalogue(folder).items()):
        merged.add(msgid, msgstr)
    out = BytesIO()
    write_mo(out, merged)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    """`python -m duban.i18n compile|missing`: build duban.mo; list untranslated messages."""
    import sys

    args = argv if argv is not None else sys.argv[1:]
    folder = LOCALE / "zh_CN" / "LC_MESSAGES"
    if args[:1] == ["compile"]:
        (folder / f"{DOMAIN}.mo").write_bytes(compile_catalogue(folder))
        return 0
    if args[:1] == ["missing"]:
        known = catalogue(folder)
        for msgid, where in messages().items():
            if msgid not in known:
                sys.stdout.write(f'#: {" ".join(where)}\nmsgid {_po_quote(msgid)}\nmsgstr ""\n\n')
        return 0
    sys.stderr.write("usage: python -m duban.i18n compile|missing\n")
    return 2


def _po_quote(text: str) -> str:
    import json

    if "\n" not in text:
        return json.dumps(text, ensure_ascii=False)
    lines = text.split("\n")
    parts = [json.dumps(line + "\n", ensure_ascii=False) for line in lines[:-1]]
    parts.append(json.dumps(lines[-1], ensure_ascii=False))
    return '""\n' + "\n".join(parts)


if __name__ == "__main__":
    raise SystemExit(main())
