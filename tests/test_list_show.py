"""duban list and duban show: every matter, the filters, one matter's whole story."""

from __future__ import annotations

import pytest
from conftest import TEST_USER, add_units, enter_report, register_matter

HOUSING = "市住房和城乡建设局"
ECOLOGY = "市生态环境局"
DONGSHENG = "东胜区人民政府"


def codes(data):
    return [m["code"] for m in data]


def build_ledger(cli) -> None:
    """Four matters in different states.

    0001 instruction, 李市长, assigned to 市住建局 (lead) and 东胜区 (participant)
    0002 meeting, assigned to 市生态环境局, closed
    0003 proposal 人大代表建议第118号, registered only
    0004 instruction, registered only
    """
    add_units(cli)
    a = register_matter(
        cli,
        "--leader",
        "李市长",
        "--ref",
        "市长批示〔2026〕45号",
        title="研究解决老旧小区冬季供暖问题",
        source="批示",
        received="2026-10-12",
    )["code"]
    assert (
        cli(
            "assign", a, "--lead", HOUSING, "--participant", DONGSHENG, "--on", "2026-10-13"
        ).exit_code
        == 0
    )
    b = register_matter(
        cli, title="落实黄河流域生态保护决定", source="meeting", received="2026-10-14"
    )["code"]
    assert cli("assign", b, "--lead", ECOLOGY, "--on", "2026-10-15").exit_code == 0
    rid = enter_report(cli, b, ECOLOGY, on="2026-10-30")["id"]
    assert cli("review", rid, "--accept", "--on", "2026-11-02").exit_code == 0
    assert cli("close", b, "--on", "2026-11-03").exit_code == 0
    register_matter(
        cli,
        "--ref",
        "人大代表建议第118号",
        "--note",
        "康巴什区",
        title="关于增设公交线路的建议",
        source="proposal",
        received="2026-10-26",
    )
    register_matter(cli, title="督促冬季供暖费收缴", source="instruction", received="2026-11-02")


@pytest.fixture
def ledger(template):
    template("ledger", build_ledger)
    return tuple(f"DB-2026-000{i}" for i in range(1, 5))


def test_list_json_has_every_matter(cli, json_of, ledger):
    data = json_of(cli("list", "--json"))
    assert codes(data) == list(ledger)
    assert [m["status"] for m in data] == ["assigned", "closed", "registered", "registered"]
    assert data[0]["title"] == "研究解决老旧小区冬季供暖问题"
    assert data[0]["lead_units"] == [HOUSING]  # the participant is not a lead unit
    assert data[2]["lead_units"] == []


def test_list_table(cli, ledger):
    result = cli("list")
    assert result.exit_code == 0, result.stderr
    for code in ledger:
        assert code in result.stdout
    assert "研究解决老旧小区冬季供暖问题" in result.stdout and HOUSING in result.stdout


def test_an_empty_register_lists_nothing(cli):
    assert cli("list", "--json").stdout == "[]\n"
    result = cli("list")
    assert (result.exit_code, result.stdout) == (0, "")


def test_list_has_no_default_limit(cli, json_of, register):
    for day in range(1, 31):  # 30 matters, received 2026-11-01 .. 2026-11-30
        register(received=f"2026-11-{day:02d}", title=f"事项{day}")
    data = json_of(cli("list", "--json"))
    assert codes(data) == [f"DB-2026-{n:04d}" for n in range(1, 31)]
    limited = json_of(cli("list", "--limit", 5, "--json"))
    assert codes(limited) == [f"DB-2026-{n:04d}" for n in range(1, 6)]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--status", "assigned"], [0]),
        (["--status", "closed"], [1]),
        (["--status", "registered"], [2, 3]),
        (["--status", "已办结"], [1]),
        (["--unit", HOUSING], [0]),
        (["--unit", DONGSHENG], [0]),  # participating counts too
        (["--unit", "sthjj"], [1]),
        (["--unit", "市教育局"], []),
        (["--source", "instruction"], [0, 3]),
        (["--source", "批示"], [0, 3]),
        (["--source", "meeting"], [1]),
        (["--source", "建议"], [2]),
        (["--source", "hotspot"], []),
        (["--search", "供暖"], [0, 3]),
        (["--search", "李市长"], [0]),  # the leader
        (["--search", "第118号"], [2]),  # the reference
        (["--search", "康巴什"], [2]),  # the note
        (["--search", "db-2026-0002"], [1]),  # the code
        (["--status", "registered", "--source", "instruction"], [3]),
        (["--search", "供暖", "--limit", 1], [0]),
    ],
)
def test_list_filters(cli, json_of, ledger, options, expected):
    assert codes(json_of(cli("list", *options, "--json"))) == [ledger[i] for i in expected]


@pytest.mark.parametrize(
    ("options", "code", "fragment"),
    [
        (["--status", "finished"], 2, "finished"),
        (["--source", "rumour"], 2, "rumour"),
        (["--unit", "市住建局"], 3, "市住建局"),
        (["--limit", 0], 2, "--limit"),
    ],
)
def test_list_bad_filters(cli, assert_error, ledger, options, code, fragment):
    assert_error(cli("list", *options), code, fragment)


def test_show_json(cli, json_of, ledger, show):
    matter = show(ledger[0])
    assert (matter["code"], matter["due"], matter["status"]) == (
        ledger[0],
        "2026-11-02",
        "assigned",
    )
    # Received Mon 10-12: Oct 13-16 (4), 19-23 (9), 26-30 (14), Nov 2 (15).
    assert [(a["unit"], a["role"], a["due"]) for a in matter["assignments"]] == [
        (HOUSING, "lead", "2026-11-02"),
        (DONGSHENG, "participant", "2026-11-02"),
    ]
    assert matter["reports"] == []
    assert isinstance(matter["history"], list)
    assert show(ledger[0].lower())["code"] == ledger[0]


def test_show_has_every_change_with_who_and_when(cli, ledger, show):
    history = show(ledger[1])["history"]
    assert [(e["action"], e["effective_on"]) for e in history] == [
        ("matter.register", "2026-10-14"),
        ("assignment.add", "2026-10-15"),
        ("report.add", "2026-10-30"),
        ("review.accept", "2026-11-02"),
        ("assignment.complete", "2026-11-02"),
        ("matter.close", "2026-11-03"),
    ]
    assert all(e["actor"] == TEST_USER for e in history)
    assert all(e["recorded_at"].endswith("Z") for e in history)
    assert history[0]["detail"]["due"] == "2026-11-04"  # Oct 15 .. Nov 4: 15 working days
    assert history[1]["detail"]["unit"] == ECOLOGY


def test_the_actor_is_whoever_acts(cli, json_of, register, show):
    code = register()["code"]
    assert (
        cli(
            "--user", "王敏", "register", "x", "--source", "other", "--received", "2026-11-02"
        ).exit_code
        == 0
    )
    result = cli(
        "register", "y", "--source", "other", "--received", "2026-11-02", env={"DUBAN_USER": "李娜"}
    )
    assert result.exit_code == 0
    actors = [show(c)["history"][0]["actor"] for c in (code, "DB-2026-0002", "DB-2026-0003")]
    assert actors == [TEST_USER, "王敏", "李娜"]


def test_show_reports_and_reviews(cli, ledger, show):
    [rep] = show(ledger[1])["reports"]
    assert (rep["unit"], rep["kind"], rep["received"], rep["status"]) == (
        ECOLOGY,
        "final",
        "2026-10-30",
        "accepted",
    )
    assert rep["review"]["decision"] == "accept"
    assert rep["review"]["reviewed"] == "2026-11-02"
    assert rep["review"]["by"] == TEST_USER


def test_show_table(cli, ledger):
    result = cli("show", ledger[1])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    for text in (
        ledger[1],
        "落实黄河流域生态保护决定",
        "Assignments",
        "Reports",
        "History",
        ECOLOGY,
        "review.accept",
        TEST_USER,
        "2026-11-03",
    ):
        assert text in out, text


def test_show_unknown_matter(cli, assert_error, ledger):
    assert_error(cli("show", "DB-2026-0099"), 3, "DB-2026-0099")


# -- 第十条: proposals counted apart ------------------------------------------------------


def test_proposals_are_listed_apart_by_whose_they_are(cli, json_of, register):
    npc = register(source="人大建议", title="代表建议")["code"]
    cppcc = register(source="政协提案", title="委员提案")["code"]
    unsaid = register(source="proposal", title="建议或提案")["code"]
    motion = register(source="议案", title="人大议案")["code"]
    register(source="热点问题", title="热点")

    def listed(source):
        return codes(json_of(cli("list", "--source", source, "--json")))

    assert listed("人大建议") == listed("npc") == listed("代表建议") == [npc, motion]
    assert listed("政协提案") == listed("cppcc") == [cppcc]
    # proposal (建议提案) is every proposal, whoever made it, or none said.
    assert listed("proposal") == listed("建议提案") == [npc, cppcc, unsaid, motion]
    assert [m["proposal_by"] for m in json_of(cli("list", "--json"))] == [
        "npc",
        "cppcc",
        None,
        "npc",
        None,
    ]
    assert listed("热点难点") == ["DB-2026-0005"]


# -- a matter by its short number -----------------------------------------------------

NOV_26 = {"DUBAN_NOW": "2026-11-26T10:00:00+08:00"}


@pytest.mark.parametrize(
    "typed", ["3", "0003", "2026-0003", "2026-3", "db-2026-3", "DB-2026-0003", "db2026-3"]
)
def test_a_matter_is_found_by_its_short_number(cli, json_of, ledger, typed):
    assert json_of(cli("show", typed, "--json", env=NOV_26))["code"] == ledger[2]


def test_a_short_number_is_of_this_year_in_the_offices_time_zone(cli, json_of, assert_error,
                                                                 register):  # fmt: skip
    register(received="2026-11-02", title="去年收到的")
    # 17:00 UTC on 31 December 2026 is already 1 January 2027 in Beijing.
    new_year = {"DUBAN_NOW": "2026-12-31T17:00:00Z"}
    args = ("register", "今年收到的", "--source", "other", "--received", "2027-01-01")
    assert cli(*args, env=new_year).exit_code == 0
    assert json_of(cli("show", "1", "--json", env=new_year))["code"] == "DB-2027-0001"
    in_utc = {**new_year, "DUBAN_TZ": "UTC"}
    assert json_of(cli("show", "1", "--json", env=in_utc))["code"] == "DB-2026-0001"
    assert_error(cli("show", "2", env=new_year), 3, "'2'", "DB-2027-0002")


def test_every_command_taking_a_code_takes_its_short_number(cli, json_of, register, show):
    add_units(cli)
    code = register()["code"]  # DB-2026-0001
    assert cli("assign", "1", "--lead", HOUSING, "--on", "2026-11-03", env=NOV_26).exit_code == 0
    rid = enter_report(cli, "2026-1", HOUSING)["id"]
    assert cli("review", rid, "--accept", "--on", "2026-11-20").exit_code == 0
    assert cli("close", "db-2026-1", "--on", "2026-11-21").exit_code == 0
    actions = [e["action"] for e in json_of(cli("history", "1", "--json", env=NOV_26))]
    assert actions[0] == "matter.register" and actions[-1] == "matter.close"
    explained = json_of(cli("calendar", "explain", "2026-0001", "--unit", "zjj", "--json"))
    assert explained["code"] == code
    assert show(code)["status"] == "closed"


def test_an_unknown_full_code_is_named_once(cli, assert_error):
    message = assert_error(cli("show", "DB-2099-0001"), 3)
    assert message == "duban: no matter 'DB-2099-0001': see `duban list`\n"
    assert "(DB-2026-0099)" in assert_error(cli("show", "99"), 3)
