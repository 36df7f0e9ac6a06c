"""duban unit: add, edit, list, import; names, codes and short names (简称); parents without
cycles (第五条)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from conftest import Cli, snapshot_of

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def unit_list(cli, json_of):
    return json_of(cli("unit", "list", "--json"))


def test_add_prints_the_unit(cli):
    result = cli("unit", "add", "市教育局", "--head", "李明", "--code", "jyj")
    assert result.exit_code == 0, result.stderr
    assert "市教育局" in result.stdout and "李明" in result.stdout and "jyj" in result.stdout
    assert result.stderr == "added 市教育局\n"


def test_add_json_and_list(cli, json_of):
    top = json_of(
        cli("unit", "add", "鄂尔多斯市人民政府", "--code", "szf", "--kind", "other", "--json")
    )
    assert top == {
        "name": "鄂尔多斯市人民政府",
        "code": "szf",
        "aliases": [],
        "kind": "other",
        "head": None,
        "parent": None,
    }
    district = json_of(
        cli(
            "unit",
            "add",
            "东胜区人民政府",
            "--kind",
            "旗区",
            "--head",
            "刘伟",
            "--parent",
            "鄂尔多斯市人民政府",
            "--json",
        )
    )
    assert district == {
        "name": "东胜区人民政府",
        "code": None,
        "aliases": [],
        "kind": "district",
        "head": "刘伟",
        "parent": "鄂尔多斯市人民政府",
    }
    assert unit_list(cli, json_of) == [top, district]


def test_a_parent_named_by_its_code_is_shown_by_its_name(cli, json_of):
    assert cli("unit", "add", "鄂尔多斯市人民政府", "--code", "szf").exit_code == 0
    added = json_of(cli("unit", "add", "市教育局", "--parent", "SZF", "--json"))
    assert added["parent"] == "鄂尔多斯市人民政府"
    assert unit_list(cli, json_of)[1]["parent"] == "鄂尔多斯市人民政府"


def test_list_table_and_empty_list(cli, json_of, units):
    result = cli("unit", "list")
    assert result.exit_code == 0, result.stderr
    for name, unit in units.items():
        assert name in result.stdout and unit["head"] in result.stdout
    assert [u["name"] for u in unit_list(cli, json_of)] == list(units)


def test_an_empty_register_lists_no_units(cli):
    assert cli("unit", "list", "--json").stdout == "[]\n"
    result = cli("unit", "list")
    assert (result.exit_code, result.stdout) == (0, "")


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["市教育局"], 2, "already registered"),
        (["市教育局分局", "--code", "JYJ"], 2, "already the code of"),
        (["市审计局", "--kind", "ministry"], 2, "ministry"),
        (["  "], 2, "name"),
        (["市审计局", "--parent", "市教育"], 3, "did you mean"),
    ],
    ids=["duplicate-name", "duplicate-code", "bad-kind", "no-name", "unknown-parent"],
)
def test_add_refusals(cli, json_of, assert_error, units, args, code, fragment):
    before = unit_list(cli, json_of)
    assert_error(cli("unit", "add", *args), code, fragment)
    assert unit_list(cli, json_of) == before


def test_edit_head_kind_code_and_name(cli, json_of, units, register, show):
    edited = json_of(cli("unit", "edit", "jyj", "--head", "王芳", "--kind", "agency", "--json"))
    assert (edited["name"], edited["head"], edited["kind"]) == ("市教育局", "王芳", "agency")
    code = register()["code"]
    assert cli("assign", code, "--lead", "市教育局", "--on", "2026-11-03").exit_code == 0
    renamed = json_of(
        cli("unit", "edit", "市教育局", "--rename", "市教育体育局", "--code", "jytyj", "--json")
    )
    assert (renamed["name"], renamed["code"]) == ("市教育体育局", "jytyj")
    # The matter's assignment follows the unit under its new name.
    assert show(code)["assignments"][0]["unit"] == "市教育体育局"
    assert [u["name"] for u in unit_list(cli, json_of)].count("市教育体育局") == 1


def test_edit_table_form(cli, units):
    result = cli("unit", "edit", "市教育局", "--head", "王芳")
    assert result.exit_code == 0, result.stderr
    assert "王芳" in result.stdout
    assert result.stderr == "changed 市教育局\n"


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["市教育", "--head", "王芳"], 3, "did you mean"),
        (["市教育局"], 2, "nothing to change"),
        (["市教育局", "--head", "李明"], 2, "nothing to change"),
        (["市教育局", "--rename", "市生态环境局"], 2, "already registered"),
        (["市教育局", "--code", "SThjj"], 2, "already the code of"),
        (["市教育局", "--kind", "ministry"], 2, "ministry"),
        (["市教育局", "--parent", "市教育局"], 4, "第五条"),
    ],
    ids=[
        "unknown",
        "nothing",
        "same-head",
        "rename-taken",
        "code-taken",
        "bad-kind",
        "self-parent",
    ],
)
def test_edit_refusals(cli, json_of, assert_error, units, args, code, fragment):
    before = unit_list(cli, json_of)
    assert_error(cli("unit", "edit", *args), code, fragment)
    assert unit_list(cli, json_of) == before


def test_parent_cycles_are_refused(cli, json_of, assert_error):
    assert cli("unit", "add", "市人民政府").exit_code == 0
    assert cli("unit", "add", "市教育局", "--parent", "市人民政府").exit_code == 0
    assert cli("unit", "add", "市教育局基建科", "--parent", "市教育局").exit_code == 0
    before = unit_list(cli, json_of)
    # Two steps round (市人民政府 under 市教育局, which is under it) and three.
    assert_error(cli("unit", "edit", "市人民政府", "--parent", "市教育局"), 4, "第五条", "cycle")
    assert_error(cli("unit", "edit", "市人民政府", "--parent", "市教育局基建科"), 4, "第五条")
    assert unit_list(cli, json_of) == before
    # Moving a unit sideways is no cycle.
    assert cli("unit", "add", "市体育局").exit_code == 0
    assert cli("unit", "edit", "市教育局基建科", "--parent", "市体育局").exit_code == 0
    parents = {u["name"]: u["parent"] for u in unit_list(cli, json_of)}
    assert parents["市教育局基建科"] == "市体育局"


# -- import --------------------------------------------------------------------------


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def test_import_adds_every_unit_with_parents_named_later(cli, json_of, tmp_path):
    sheet = write_csv(
        tmp_path / "units.csv",
        [
            ["name", "code", "kind", "head", "parent"],
            ["东胜区人民政府", "dsq", "district", "刘伟", "鄂尔多斯市人民政府"],
            ["市教育局", "jyj", "department", "李明", "鄂尔多斯市人民政府"],
            ["", "", "", "", ""],  # a blank line in the sheet is skipped
            ["鄂尔多斯市人民政府", "szf", "other", "", ""],
        ],
    )
    result = cli("unit", "import", sheet, "--json")
    imported = json_of(result)
    assert [(u["name"], u["code"], u["kind"], u["head"], u["parent"]) for u in imported] == [
        ("东胜区人民政府", "dsq", "district", "刘伟", "鄂尔多斯市人民政府"),
        ("市教育局", "jyj", "department", "李明", "鄂尔多斯市人民政府"),
        ("鄂尔多斯市人民政府", "szf", "other", None, None),
    ]
    assert unit_list(cli, json_of) == imported


def test_import_with_chinese_column_names_and_table_output(cli, json_of, tmp_path):
    sheet = write_csv(
        tmp_path / "单位.csv",
        [
            ["名称", "代码", "类型", "主要负责人", "上级单位"],
            ["市财政局", "czj", "部门", "高峰", ""],
        ],
    )
    result = cli("unit", "import", sheet)
    assert result.exit_code == 0, result.stderr
    assert "市财政局" in result.stdout and "高峰" in result.stdout
    assert result.stderr == f"imported 1 unit(s) from {sheet}\n"
    assert unit_list(cli, json_of) == [
        {
            "name": "市财政局",
            "code": "czj",
            "aliases": [],
            "kind": "department",
            "head": "高峰",
            "parent": None,
        }  # fmt: skip
    ]


@pytest.mark.parametrize(
    ("last_row", "code", "fragment"),
    [
        (["市审计局", "sjj", "ministry", "", ""], 2, ":4:"),  # a bad kind on line 4
        (["市教育局", "jyj2", "department", "", ""], 2, "already registered"),  # twice
        (["市民政局", "mzj", "department", "", ""], 2, "already registered"),  # in the register
        (["市审计局", "SZF", "department", "", ""], 2, "already the code of"),  # code in the file
        (["市审计局", "sjj", "department", "", "市政府"], 3, "市政府"),  # no such parent
        (["", "sjj", "department", "", ""], 2, "needs a name"),
    ],
    ids=[
        "bad-kind",
        "duplicate-in-file",
        "duplicate-in-register",
        "duplicate-code",
        "unknown-parent",
        "no-name",
    ],
)
def test_import_is_all_or_nothing(cli, json_of, assert_error, tmp_path, last_row, code, fragment):
    assert cli("unit", "add", "市民政局", "--code", "mzj").exit_code == 0
    before = unit_list(cli, json_of)
    sheet = write_csv(
        tmp_path / "units.csv",
        [
            ["name", "code", "kind", "head", "parent"],
            ["鄂尔多斯市人民政府", "szf", "other", "", ""],
            ["市教育局", "jyj", "department", "李明", "鄂尔多斯市人民政府"],
            last_row,
        ],
    )
    assert_error(cli("unit", "import", sheet), code, fragment)
    assert unit_list(cli, json_of) == before


def test_import_refuses_a_cycle_of_parents_and_keeps_nothing(cli, json_of, assert_error, tmp_path):
    sheet = write_csv(
        tmp_path / "units.csv",
        [["name", "parent"], ["甲单位", "乙单位"], ["乙单位", "甲单位"]],
    )
    assert_error(cli("unit", "import", sheet), 4, "第五条")
    assert unit_list(cli, json_of) == []


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "cannot read"),
        ("单位,负责人\n市教育局,李明\n".encode("gbk"), "UTF-8"),
        ("title,head\n市教育局,李明\n".encode(), "'name'"),
    ],
    ids=["missing", "not-utf8", "no-name-column"],
)
def test_import_refuses_an_unreadable_file(cli, json_of, assert_error, tmp_path, content, fragment):
    sheet = tmp_path / "units.csv"
    if content is not None:
        sheet.write_bytes(content)
    assert_error(cli("unit", "import", sheet), 2, fragment)
    assert unit_list(cli, json_of) == []


def test_import_the_example_units_of_ordos(cli, json_of):
    sheet = EXAMPLES / "units-ordos.csv"
    with sheet.open(encoding="utf-8-sig", newline="") as f:
        expected = [row for row in csv.DictReader(f) if (row.get("name") or "").strip()]
    imported = json_of(cli("unit", "import", sheet, "--json"))
    assert [u["name"] for u in imported] == [row["name"].strip() for row in expected]
    names = {u["name"] for u in imported}
    for unit, row in zip(imported, expected, strict=True):
        assert unit["parent"] == ((row.get("parent") or "").strip() or None)
        assert unit["parent"] is None or unit["parent"] in names
    assert len(unit_list(cli, json_of)) == len(expected)
    # Importing the same file again adds nothing: every name is taken.
    assert cli("unit", "import", sheet).exit_code == 2
    assert len(unit_list(cli, json_of)) == len(expected)


def test_a_name_or_code_that_would_make_a_lookup_ambiguous_is_refused(cli, json_of, assert_error,
                                                                        units):  # fmt: skip
    """A unit is found by its name or its code: neither may be another unit's, in any case."""
    before = snapshot_of(cli.db)
    # The code of 市教育局 may not be the name of 市住房和城乡建设局 ...
    assert_error(cli("unit", "edit", "市教育局", "--code", "市住房和城乡建设局"), 2,
                 "already the name of 市住房和城乡建设局")  # fmt: skip
    # ... nor a new unit's name another's code (ZJJ is 市住房和城乡建设局's, as zjj) ...
    assert_error(cli("unit", "add", "ZJJ"), 2, "already the code of 市住房和城乡建设局")
    # ... nor a rename.
    assert_error(cli("unit", "edit", "市教育局", "--rename", "dsq"), 2, "东胜区人民政府")
    assert snapshot_of(cli.db) == before
    # So a lookup by name still finds the unit of that name.
    assert cli("unit", "edit", "市住房和城乡建设局", "--head", "赵六").exit_code == 0
    heads = {u["name"]: u["head"] for u in json_of(cli("unit", "list", "--json"))}
    assert (heads["市住房和城乡建设局"], heads["市教育局"]) == ("赵六", "李明")


def test_an_unchanged_parent_is_no_change_and_a_change_names_the_units(cli, json_of,
                                                                       assert_error):  # fmt: skip
    for name in ("鄂尔多斯市人民政府", "东胜区人民政府"):
        assert cli("unit", "add", name).exit_code == 0
    assert cli("unit", "add", "东胜区教育局", "--parent", "东胜区人民政府").exit_code == 0
    assert_error(cli("unit", "edit", "东胜区教育局", "--parent", "东胜区人民政府"), 2,
                 "nothing to change")  # fmt: skip
    assert cli("unit", "edit", "东胜区教育局", "--parent", "鄂尔多斯市人民政府").exit_code == 0
    edits = json_of(cli("history", "--action", "unit.edit", "--json"))
    assert [e["detail"]["changes"] for e in edits] == [
        {"parent": ["东胜区人民政府", "鄂尔多斯市人民政府"]}
    ]


# -- short names (简称) ----------------------------------------------------------------

NDRC = "鄂尔多斯市发展和改革委员会"


def test_a_unit_named_by_its_short_name_is_the_unit(cli, json_of, units, register, show):
    """The contract: after `unit add NAME --alias 发改委`, `--lead 发改委` assigns NAME."""
    added = json_of(cli("unit", "add", NDRC, "--alias", "发改委", "--alias", "市发改委", "--json"))
    assert added["aliases"] == ["发改委", "市发改委"]
    code = register()["code"]
    assert cli("assign", code, "--lead", "发改委", "--on", "2026-11-03").exit_code == 0
    assert [a["unit"] for a in show(code)["assignments"]] == [NDRC]
    # Every option taking a unit: report, list, overdue, the parent of another unit.
    assert cli("unit", "edit", "市发改委", "--head", "王强").exit_code == 0
    assert cli("report", code, "--unit", "发改委", "--kind", "progress", "--text", "进展",
               "--on", "2026-11-10").exit_code == 0  # fmt: skip
    assert codes_of(json_of(cli("list", "--unit", "发改委", "--json"))) == [code]
    late = json_of(cli("overdue", "--as-of", "2026-12-31", "--unit", "市发改委", "--json"))
    assert [r["unit"] for r in late] == [NDRC]
    assert (
        json_of(cli("unit", "add", "市发改委价格科", "--parent", "发改委", "--json"))["parent"]
        == NDRC
    )


def codes_of(data):
    return [m["code"] for m in data]


def test_short_names_are_listed_in_json_table_and_csv(cli, json_of, units):
    assert cli("unit", "add", NDRC, "--code", "fgw", "--alias", "发改委", "--alias", "市发改委"
               ).exit_code == 0  # fmt: skip
    listed = {u["name"]: u for u in unit_list(cli, json_of)}
    assert listed[NDRC]["aliases"] == ["发改委", "市发改委"]
    assert listed["市教育局"]["aliases"] == []
    table = cli("unit", "list", env={"COLUMNS": "200"})
    assert "Short names" in table.stdout and "发改委, 市发改委" in table.stdout
    assert "简称" in cli("unit", "list", "--lang", "zh", env={"COLUMNS": "200"}).stdout
    rows = list(csv.DictReader(cli("unit", "list", "--format", "csv").stdout.splitlines()))
    assert rows[-1]["aliases"] == "发改委;市发改委"


def test_a_misspelt_unit_is_matched_against_short_names_and_pinyin_initials(
    cli, assert_error, units, register, show
):
    assert cli("unit", "add", NDRC, "--alias", "发改委").exit_code == 0
    code = register()["code"]
    # fgw: the initials of 发改委 (f-g-w); the unit is suggested by its name.
    assert_error(cli("assign", code, "--lead", "fgw"), 3, "no unit 'fgw'", "did you mean",
                 f"'{NDRC}' (发改委)")  # fmt: skip
    assert_error(cli("assign", code, "--lead", "FGW"), 3, NDRC)
    assert_error(cli("assign", code, "--lead", "发改"), 3, "did you mean", NDRC)  # in an alias
    assert_error(cli("assign", code, "--lead", "sjyj"), 3, "'市教育局'")  # 市教育局's initials
    assert show(code)["assignments"] == []


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        # Another unit's alias, name or code, in any letter case: both units are named.
        (["市发展改革委", "--alias", "发改委"],
         ["alias '发改委' for 市发展改革委 is already an alias of", NDRC]),
        (["市发展改革委", "--alias", "市教育局"],
         ["alias '市教育局' for 市发展改革委 is already the name of 市教育局"]),
        (["市发展改革委", "--alias", "JYJ"],
         ["alias 'JYJ' for 市发展改革委 is already the code of 市教育局"]),
        # A name or a code that is another unit's alias.
        (["发改委"], ["name '发改委' is already an alias of", NDRC]),
        (["市发展改革委", "--code", "FaGaiWei"], ["code 'FaGaiWei' is already an alias of", NDRC]),
        (["市发展改革委", "--alias", " "], ["an alias cannot be empty"]),
    ],
    ids=["alias-alias", "alias-name", "alias-code", "name-alias", "code-alias", "empty"],
)  # fmt: skip
def test_a_short_name_a_lookup_would_confuse_is_refused(cli, json_of, assert_error, units, args,
                                                         fragments):  # fmt: skip
    assert cli("unit", "add", NDRC, "--alias", "发改委", "--alias", "fagaiwei").exit_code == 0
    before = snapshot_of(cli.db)
    assert_error(cli("unit", "add", *args), 2, *fragments)
    assert snapshot_of(cli.db) == before


def test_edit_adds_and_drops_short_names_and_the_history_keeps_both(cli, json_of, assert_error,
                                                                     units):  # fmt: skip
    assert cli("unit", "add", NDRC, "--alias", "发改委").exit_code == 0
    edited = json_of(cli("unit", "edit", "发改委", "--alias", "市发改委", "--alias", "发展改革委",
                         "--json"))  # fmt: skip
    assert edited["aliases"] == ["发改委", "市发改委", "发展改革委"]
    dropped = json_of(cli("unit", "edit", NDRC, "--drop-alias", "发改委", "--json"))
    assert dropped["aliases"] == ["市发改委", "发展改革委"]
    # Now free: another unit may take it; the old one is no longer found by it.
    assert cli("unit", "edit", "市教育局", "--alias", "发改委").exit_code == 0
    assert json_of(cli("unit", "edit", "发改委", "--head", "王芳", "--json"))["name"] == "市教育局"
    # A short name it already has is nothing to change; one it lacks is not found.
    assert_error(cli("unit", "edit", NDRC, "--alias", "市发改委"), 2, "nothing to change")
    assert_error(cli("unit", "edit", NDRC, "--drop-alias", "发改委"), 3,
                 f"{NDRC} has no alias '发改委'", "市发改委, 发展改革委")  # fmt: skip
    edits = json_of(cli("history", "--action", "unit.edit", "--json"))
    assert [e["detail"]["changes"] for e in edits[:2]] == [
        {"aliases": [["发改委"], ["发改委", "市发改委", "发展改革委"]]},
        {"aliases": [["发改委", "市发改委", "发展改革委"], ["市发改委", "发展改革委"]]},
    ]
    added = json_of(cli("history", "--action", "unit.add", "--json"))
    assert added[-1]["detail"]["aliases"] == ["发改委"]


def test_import_reads_short_names_and_the_columns_the_tool_prints(cli, json_of, tmp_path):
    sheet = write_csv(
        tmp_path / "单位.csv",
        [
            ["名称", "编号", "简称", "类型", "主要负责人", "上级单位"],
            ["鄂尔多斯市人民政府", "szf", "市政府", "其他", "", ""],
            [NDRC, "fgw", "发改委;市发改委", "部门", "王强", "市政府"],
        ],
    )
    imported = json_of(cli("unit", "import", sheet, "--json"))
    assert [(u["name"], u["code"], u["aliases"], u["head"], u["parent"]) for u in imported] == [
        ("鄂尔多斯市人民政府", "szf", ["市政府"], None, None),
        (NDRC, "fgw", ["发改委", "市发改委"], "王强", "鄂尔多斯市人民政府"),
    ]


def test_the_units_file_the_tool_writes_is_one_it_reads(cli, json_of, tmp_path):
    """`unit list --format csv` into another register with `unit import`: the same units."""
    assert cli("unit", "import", EXAMPLES / "units-ordos.csv").exit_code == 0
    listed = unit_list(cli, json_of)
    assert {u["name"]: u["aliases"] for u in listed}["市发展和改革委员会"] == ["发改委", "市发改委"]
    sheet = tmp_path / "units.csv"
    sheet.write_text(cli("unit", "list", "--format", "csv").stdout, encoding="utf-8")
    other = Cli(tmp_path / "other.db")
    assert other("unit", "import", sheet).exit_code == 0
    assert unit_list(other, json_of) == listed


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        (["name", "名称"], "'name' and '名称'"),
        (["名称", "code", "编号"], "'code' and '编号'"),
        (["name", "aliases", "简称"], "'aliases' and '简称'"),
        (["name", "name"], "the column 'name' is named twice"),
    ],
)
def test_import_refuses_a_column_named_twice(cli, json_of, assert_error, tmp_path, header,
                                             fragment):  # fmt: skip
    sheet = write_csv(tmp_path / "units.csv", [header, ["市财政局"] * len(header)])
    assert_error(cli("unit", "import", sheet), 2, fragment)
    assert unit_list(cli, json_of) == []
