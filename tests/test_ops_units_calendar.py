"""duban.ops.units and duban.ops.calendar in-process: units and their parents (第五条),
a loaded year's schedule, recomputed provisional deadlines, and the calendar's history.

2027 has no published schedule in the package; its estimate (weekends and statutory
holidays) takes only 01-01 off around New Year.  The schedule loaded here (conftest's
DAYS_2027) also takes 01-04 and 01-05 off and makes Saturday 01-09 a working day.
Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import DAYS_2027, UNITS, changed
from conftest import units_in as units
from sqlmodel import select

from duban import deadlines
from duban.deadlines import Recount
from duban.errors import BadValue, NotFound, Refused
from duban.models import CalendarYear, Deadline, HistoryEntry, Unit
from duban.ops.assignments import assign_units, find_assignment
from duban.ops.calendar import load_schedule, recompute, set_day
from duban.ops.history import history
from duban.ops.matters import find_matter, register_matter
from duban.ops.reports import add_report, review_report
from duban.ops.units import add_unit, aliases_of, edit_unit, find_unit, parent_of

HOUSING = "市住房和城乡建设局"
ECOLOGY = "市生态环境局"
LAND = "市自然资源局"
EDUCATION = "市教育局"
DONGSHENG = "东胜区人民政府"
DATA = "Ordos Data Center"  # a Latin name, to try letter case

# The 15 working days after Sun 2026-12-20 (see provisional_scene): estimated, loaded.
ESTIMATED = dt.date(2027, 1, 11)
LOADED = dt.date(2027, 1, 12)


def entries(ctx, action):
    """The history entries of one action, oldest first, with their JSON detail."""
    rows = ctx.session.exec(
        select(HistoryEntry).where(HistoryEntry.action == action).order_by(HistoryEntry.id)
    )
    return [(e, json.loads(e.detail)) for e in rows]


# -- units ----------------------------------------------------------------------------


def test_add_unit_stores_what_was_given(ctx):
    unit = add_unit(ctx, " 东胜区教育局 ", code=" dsjy ", head=" 王芳 ", kind="旗区")
    assert (unit.name, unit.code, unit.head, unit.kind, unit.parent_id) == (
        "东胜区教育局",
        "dsjy",
        "王芳",
        "district",
        None,
    )
    [(entry, detail)] = entries(ctx, "unit.add")
    assert entry.matter_id is None
    assert detail == {
        "unit_id": unit.id,
        "name": "东胜区教育局",
        "code": "dsjy",
        "kind": "district",
        "head": "王芳",
        "parent": None,
    }


@pytest.mark.parametrize("typed", ["zjj", "ZJJ", " Zjj ", HOUSING])
def test_find_unit_by_name_or_by_code_in_any_case(ctx, typed):
    made = units(ctx)
    assert find_unit(ctx, typed).id == made[HOUSING].id


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("市住房城乡建设局", f"no unit '市住房城乡建设局'; did you mean '{HOUSING}'?"),
        ("市教育", f"no unit '市教育'; did you mean '{EDUCATION}'?"),
        ("公安局", "no unit '公安局'; see `duban unit list`"),
    ],
)
def test_a_misspelt_unit_gets_did_you_mean(ctx, typed, message):
    units(ctx)
    with pytest.raises(NotFound) as caught:
        find_unit(ctx, typed)
    assert caught.value.message == message
    assert caught.value.exit_code == 3


def test_an_empty_register_says_how_to_add_units(ctx):
    with pytest.raises(NotFound, match="the register has no units yet"):
        find_unit(ctx, HOUSING)


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        # A code that is another unit's name, in any letter case, names its holder.
        ("市大数据中心", EDUCATION, f"code '{EDUCATION}' is already the name of {EDUCATION}"),
        ("市大数据中心", DATA.upper(), f"code '{DATA.upper()}' is already the name of {DATA}"),
        ("市大数据中心", DATA.lower(), f"code '{DATA.lower()}' is already the name of {DATA}"),
        ("市大数据中心", "ZJJ", f"code 'ZJJ' is already the code of {HOUSING}"),
        ("Zjj", None, f"name 'Zjj' is already the code of {HOUSING}"),
        ("ORDOS data CENTER", None, "unit 'ORDOS data CENTER' is already registered"),
        (EDUCATION, None, f"unit '{EDUCATION}' is already registered: use `duban unit edit`"),
    ],
)
def test_a_name_or_code_a_lookup_would_confuse_is_refused(ctx, name, code, message):
    units(ctx)
    add_unit(ctx, DATA, code="odc")
    with pytest.raises(BadValue) as caught:
        add_unit(ctx, name, code=code)
    assert caught.value.message.startswith(message)
    assert len(ctx.session.exec(select(Unit)).all()) == len(UNITS) + 1  # none added


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rename": "ZJJ"}, f"name 'ZJJ' is already the code of {HOUSING}: choose another"),
        ({"rename": "dsq"}, f"name 'dsq' is already the code of {DONGSHENG}: choose another"),
        ({"rename": LAND}, f"unit '{LAND}' is already registered"),
        ({"code": "市自然资源局"}, f"code '{LAND}' is already the name of {LAND}: choose another"),
        ({"code": "Sthjj"}, f"code 'Sthjj' is already the code of {ECOLOGY}: choose another"),
        ({"rename": "  "}, "a unit needs a name: --rename cannot be empty"),
    ],
)
def test_editing_to_a_confusing_name_or_code_is_refused(fresh_db, changes, message):
    with changed(fresh_db) as ctx:
        units(ctx)
    with pytest.raises(BadValue) as caught, changed(fresh_db) as ctx:
        edit_unit(ctx, EDUCATION, **changes)
    assert caught.value.message == message
    with changed(fresh_db) as ctx:
        unit = find_unit(ctx, "jyj")
        assert (unit.name, unit.code) == (EDUCATION, "jyj")
        assert entries(ctx, "unit.edit") == []


def test_a_unit_may_take_its_own_code_in_another_case_as_its_name(ctx):
    units(ctx)
    assert edit_unit(ctx, EDUCATION, rename="JYJ").name == "JYJ"


def test_editing_records_each_change_before_and_after(ctx):
    units(ctx)
    edit_unit(ctx, "jyj", head="李红", kind="直属", code="JY", rename="市教育体育局")
    [(entry, detail)] = entries(ctx, "unit.edit")
    assert detail["name"] == "市教育体育局"
    assert detail["changes"] == {
        "head": ["李明", "李红"],
        "kind": ["department", "agency"],
        "code": ["jyj", "JY"],
        "name": [EDUCATION, "市教育体育局"],
    }
    assert find_unit(ctx, "jy").name == "市教育体育局"


def test_a_parent_is_recorded_by_name_whatever_was_typed(fresh_db):
    with changed(fresh_db) as ctx:
        units(ctx)
        child = add_unit(ctx, "东胜区教育局", kind="district", parent="DSQ")
        assert parent_of(ctx, child) == DONGSHENG
    with changed(fresh_db) as ctx:
        edit_unit(ctx, "东胜区教育局", parent="jyj")
    with changed(fresh_db) as ctx:
        assert parent_of(ctx, find_unit(ctx, "东胜区教育局")) == EDUCATION
        [(_, added)] = entries(ctx, "unit.add")[-1:]
        assert added["parent"] == DONGSHENG
        [(_, edited)] = entries(ctx, "unit.edit")
        assert edited["changes"] == {"parent": [DONGSHENG, EDUCATION]}


def test_the_same_parent_again_is_nothing_to_change(fresh_db):
    with changed(fresh_db) as ctx:
        units(ctx)
        add_unit(ctx, "东胜区教育局", parent=DONGSHENG, head="王芳")
    for same in ({"parent": "dsq"}, {"parent": DONGSHENG, "head": "王芳"}, {}):
        with pytest.raises(BadValue) as caught, changed(fresh_db) as ctx:
            edit_unit(ctx, "东胜区教育局", **same)
        assert caught.value.message.startswith("nothing to change")
    with changed(fresh_db) as ctx:
        assert entries(ctx, "unit.edit") == []
        assert parent_of(ctx, find_unit(ctx, "东胜区教育局")) == DONGSHENG


@pytest.mark.parametrize(
    ("unit", "parent", "message"),
    [
        (EDUCATION, EDUCATION, f"第五条: {EDUCATION} is under {EDUCATION}: no cycles"),
        (EDUCATION, "东胜区教育局", f"第五条: 东胜区教育局 is under {EDUCATION}: no cycles"),
        (EDUCATION, "东胜区第一中学", f"第五条: 东胜区第一中学 is under {EDUCATION}: no cycles"),
    ],
)
def test_a_cycle_of_parents_is_refused(fresh_db, unit, parent, message):
    with changed(fresh_db) as ctx:
        units(ctx)
        add_unit(ctx, "东胜区教育局", parent=EDUCATION)
        add_unit(ctx, "东胜区第一中学", kind="agency", parent="东胜区教育局")
    with pytest.raises(Refused) as caught, changed(fresh_db) as ctx:
        edit_unit(ctx, unit, parent=parent)
    assert (caught.value.article, caught.value.message) == ("第五条", message)
    with changed(fresh_db) as ctx:
        assert parent_of(ctx, find_unit(ctx, EDUCATION)) is None


def test_a_parent_that_is_no_cycle_is_fine(ctx):
    units(ctx)
    add_unit(ctx, "东胜区教育局", parent=EDUCATION)
    # The district government above the district's education bureau: a chain, not a cycle.
    edit_unit(ctx, "东胜区教育局", parent=DONGSHENG)
    edit_unit(ctx, DONGSHENG, parent=EDUCATION)
    assert parent_of(ctx, find_unit(ctx, "东胜区教育局")) == DONGSHENG
    assert parent_of(ctx, find_unit(ctx, DONGSHENG)) == EDUCATION


# -- the calendar ---------------------------------------------------------------------


@pytest.fixture
def schedule_2027(tmp_path):
    """A holiday-cn JSON file of the 2027 schedule in the module docstring."""
    path = tmp_path / "2027.json"
    days = [{"name": name, "date": day, "isOffDay": off} for day, off, name in DAYS_2027]
    text = json.dumps({"year": 2027, "papers": [], "days": days}, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


def provisional_scene(ctx):
    """A matter received Sun 2026-12-20 whose deadline reaches 2027; its code.

    The matter's 15 working days, estimated: 12-21..25 (5), 28..31 (9), 01-01 off,
    01-04..08 (14), Mon 01-11.  Loaded: 01-04, 05 off, 06..08 (12), Sat 09 (13), 11, Tue 01-12.
    市住房和城乡建设局, notified Mon 12-21, inherits it.  市生态环境局, notified the same
    day, has 10 working days: estimated 12-22..25 (4), 28..31 (8), 01-04, Tue 01-05;
    loaded 01-06, Thu 01-07.
    """
    units(ctx)
    code = register_matter(
        ctx, "冬季供暖", source="instruction", received=dt.date(2026, 12, 20)
    ).code
    assign_units(ctx, code, leads=[HOUSING], on=dt.date(2026, 12, 21))
    assign_units(ctx, code, leads=[ECOLOGY], within=10, on=dt.date(2026, 12, 21))
    return code


def test_loading_a_year_and_recomputing_moves_every_provisional_deadline(fresh_db, schedule_2027):
    with changed(fresh_db) as ctx:
        code = provisional_scene(ctx)
        # Given by hand, or counted within 2026: never recounted.
        by_hand = register_matter(
            ctx, "乙", source="other", received=dt.date(2026, 12, 20), due=dt.date(2027, 1, 15)
        ).code
        in_2026 = register_matter(ctx, "丙", source="other", received=dt.date(2026, 11, 2)).code
        # The matter's estimate and 市生态环境局's own; the inherited one was the matter's.
        assert [w.split(" is ")[0] for w in ctx.warnings] == [
            "the deadline 2027-01-11",
            "the deadline 2027-01-05",
        ]
    with changed(fresh_db) as ctx:
        row = load_schedule(ctx, schedule_2027)
        assert (row.year, row.source, row.papers) == (2027, "2027.json", None)
        assert ctx.calendar.is_workday(dt.date(2027, 1, 9)) is True
        assert ctx.calendar.is_workday(dt.date(2027, 1, 4)) is False
    with changed(fresh_db) as ctx:
        before = {r.id: r for r in ctx.session.exec(select(Deadline))}
        moved = recompute(ctx)
    assert moved == [
        Recount(code, "matter", ESTIMATED, LOADED, False),
        Recount(code, f"deadline of {HOUSING}", ESTIMATED, LOADED, False),
        Recount(code, f"deadline of {ECOLOGY}", dt.date(2027, 1, 5), dt.date(2027, 1, 7), False),
    ]
    with changed(fresh_db) as ctx:
        matter = find_matter(ctx, code)
        row = deadlines.current(ctx, matter)
        assert (row.due_on, row.provisional, row.why, row.effective_on) == (
            LOADED,
            False,
            "recompute",
            dt.date(2026, 12, 20),  # the estimate's own date
        )
        assert before[row.previous_id].due_on == ESTIMATED
        for unit, due in ((HOUSING, LOADED), (ECOLOGY, dt.date(2027, 1, 7))):
            assignment = find_assignment(ctx, matter, find_unit(ctx, unit))
            now, first = deadlines.current(ctx, assignment), deadlines.original(ctx, assignment)
            assert now.id == first.id  # never extended: its original is recounted with it
            assert (now.due_on, now.provisional, now.why, now.effective_on) == (
                due,
                False,
                "recompute",
                dt.date(2026, 12, 21),
            )
        assert deadlines.current(ctx, find_matter(ctx, by_hand)).due_on == dt.date(2027, 1, 15)
        assert deadlines.current(ctx, find_matter(ctx, in_2026)).why == "register"
        assert len(ctx.session.exec(select(Deadline)).all()) == len(before) + 3
        recorded = entries(ctx, "calendar.recompute")
        assert [
            (e.matter_id, d["what"], d["unit"], d["before"], d["after"]) for e, d in recorded
        ] == [
            (matter.id, "matter", None, "2027-01-11", "2027-01-12"),
            (matter.id, "assignment", HOUSING, "2027-01-11", "2027-01-12"),
            (matter.id, "assignment", ECOLOGY, "2027-01-05", "2027-01-07"),
        ]
    with changed(fresh_db) as ctx:
        assert deadlines.recount(ctx) == []  # nothing provisional is left


def test_recount_moves_an_original_deadline_but_not_a_later_extension(fresh_db, schedule_2027):
    with changed(fresh_db) as ctx:
        units(ctx)
        code = register_matter(
            ctx, "冬季供暖", source="instruction", received=dt.date(2026, 12, 20)
        ).code
        assign_units(ctx, code, leads=[HOUSING], on=dt.date(2026, 12, 21))
        explanation, _, _ = add_report(
            ctx, code, unit=HOUSING, kind="explanation", text="需协调", on=dt.date(2026, 12, 22),
            propose_due=dt.date(2027, 1, 20),
        )  # fmt: skip
        review_report(ctx, explanation.id, accept=True, on=dt.date(2026, 12, 23))
    with changed(fresh_db) as ctx:
        load_schedule(ctx, schedule_2027)
    with changed(fresh_db) as ctx:
        assert deadlines.recount(ctx) == [
            Recount(code, "matter", ESTIMATED, LOADED, False),
            Recount(code, f"original deadline of {HOUSING}", ESTIMATED, LOADED, False),
        ]
    with changed(fresh_db) as ctx:
        matter = find_matter(ctx, code)
        assignment = find_assignment(ctx, matter, find_unit(ctx, HOUSING))
        assert deadlines.current(ctx, assignment).due_on == dt.date(2027, 1, 20)
        assert deadlines.original(ctx, assignment).due_on == LOADED

        def in_force(day):
            return deadlines.in_force(ctx, matter, day, assignment=assignment).due_on

        # The recount replaces the estimate from its start, not the extension after it.
        assert in_force(dt.date(2026, 12, 21)) == LOADED
        assert in_force(dt.date(2026, 12, 22)) == LOADED
        assert in_force(dt.date(2026, 12, 23)) == dt.date(2027, 1, 20)


def test_a_loaded_year_is_counted_exactly(fresh_db, schedule_2027):
    with changed(fresh_db) as ctx:
        load_schedule(ctx, schedule_2027)
    with changed(fresh_db) as ctx:
        ctx.strict_calendar = True
        matter = register_matter(ctx, "冬季供暖", source="other", received=dt.date(2026, 12, 20))
        row = deadlines.current(ctx, matter)
        assert (row.due_on, row.provisional) == (LOADED, False)
        assert ctx.warnings == []


def test_loading_a_year_again_replaces_it(fresh_db, schedule_2027, tmp_path):
    with changed(fresh_db) as ctx:
        load_schedule(ctx, schedule_2027)
    other = tmp_path / "schedule.json"
    days = [{"name": "元旦", "date": "2027-01-01", "isOffDay": True}]
    other.write_text(json.dumps({"year": 2027, "papers": ["国办发明电〔2026〕1号"], "days": days}))
    with changed(fresh_db) as ctx:
        load_schedule(ctx, other)
        assert ctx.calendar.is_workday(dt.date(2027, 1, 4)) is True
    with changed(fresh_db) as ctx:
        [row] = ctx.session.exec(select(CalendarYear)).all()
        assert (row.year, row.source, json.loads(row.papers)) == (
            2027,
            "schedule.json",
            ["国办发明电〔2026〕1号"],
        )
        loads = [d for _, d in entries(ctx, "calendar.load")]
        assert [(d["file"], d["replaced"], d["days_off"], d["makeup_days"]) for d in loads] == [
            ("2027.json", False, 10, 2),
            ("schedule.json", True, 1, 0),
        ]


def test_a_bad_schedule_file_is_a_bad_value(ctx, tmp_path):
    path = tmp_path / "2027.json"
    path.write_text('{"year": 2027, "days": [{"date": "2027-01-01"}]}')
    with pytest.raises(BadValue, match='needs "isOffDay"'):
        load_schedule(ctx, path)
    assert ctx.session.exec(select(CalendarYear)).all() == []


# -- the calendar's history -----------------------------------------------------------


def test_history_of_the_calendar_group(fresh_db, schedule_2027):
    with changed(fresh_db) as ctx:
        code = provisional_scene(ctx)
    with changed(fresh_db) as ctx:
        load_schedule(ctx, schedule_2027)
    with changed(fresh_db) as ctx:
        recompute(ctx)
    with changed(fresh_db) as ctx:
        set_day(ctx, dt.date(2027, 1, 8), off=True, name="调休")
    with changed(fresh_db) as ctx:
        listed = history(ctx, action="calendar")
        assert [(e.action, c) for e, c in listed] == [
            ("calendar.load", None),
            ("calendar.recompute", code),
            ("calendar.recompute", code),
            ("calendar.recompute", code),
            ("calendar.set", None),
        ]
        assert json.loads(listed[0][0].detail)["year"] == 2027
        assert [e.action for e, _ in history(ctx, action=" Calendar.Load ")] == ["calendar.load"]
        assert [e.action for e, _ in history(ctx, action="calendar", limit=2)] == [
            "calendar.recompute",
            "calendar.set",
        ]
        # The matter's own history has its recounts, not the load.
        assert [e.action for e, _ in history(ctx, code=code)] == [
            "matter.register",
            "assignment.add",
            "assignment.add",
            "calendar.recompute",
            "calendar.recompute",
            "calendar.recompute",
        ]
        assert len(history(ctx)) == len(UNITS) + 6 + 2


@pytest.mark.parametrize("action", ["bogus", "calendar.bogus", "calendars", ""])
def test_history_of_an_unknown_action_is_a_bad_value(ctx, action):
    with pytest.raises(BadValue, match=f"unknown action {action!r}") as caught:
        history(ctx, action=action)
    assert caught.value.exit_code == 2
    assert "calendar" in caught.value.message  # the groups are listed


# -- short names (简称) ----------------------------------------------------------------

NDRC = "鄂尔多斯市发展和改革委员会"


@pytest.mark.parametrize("typed", ["发改委", " 市发改委 ", "NDRC", "ndrc", "fgw1"])
def test_find_unit_by_short_name_in_any_case(ctx, typed):
    units(ctx)
    made = add_unit(ctx, NDRC, code="FGW1", aliases=["发改委", "市发改委", "NDRC"])
    assert find_unit(ctx, typed).id == made.id
    assert aliases_of(ctx, made) == ["发改委", "市发改委", "NDRC"]
    assert ctx.reader.unit_aliases() == {made.id: ["发改委", "市发改委", "NDRC"]}


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        # The pinyin initials of a short name, or of a name (市教育局: s-j-y-j).
        ("fgw", f"no unit 'fgw'; did you mean '{NDRC}' (发改委)?"),
        ("SFGW", f"no unit 'SFGW'; did you mean '{NDRC}' (市发改委)?"),
        ("sjyj", f"no unit 'sjyj'; did you mean '{EDUCATION}'?"),
        # Close to a short name, or part of one.
        ("市发改", f"no unit '市发改'; did you mean '{NDRC}' (市发改委)?"),
        ("公安局", "no unit '公安局'; see `duban unit list`"),
    ],
)
def test_a_misspelt_short_name_gets_did_you_mean(fresh_db, typed, message):
    with changed(fresh_db) as ctx:
        units(ctx)
        add_unit(ctx, NDRC, aliases=["发改委", "市发改委"])
    with pytest.raises(NotFound) as caught, changed(fresh_db) as ctx:
        find_unit(ctx, typed)
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("unit", "changes", "message"),
    [
        (EDUCATION, {"aliases": ["发改委"]},
         f"alias '发改委' for {EDUCATION} is already an alias of {NDRC}: choose another"),
        (EDUCATION, {"aliases": ["ndrc"]},
         f"alias 'ndrc' for {EDUCATION} is already an alias of {NDRC}: choose another"),
        (EDUCATION, {"aliases": ["zjj"]},
         f"alias 'zjj' for {EDUCATION} is already the code of {HOUSING}: choose another"),
        (NDRC, {"aliases": [HOUSING]},
         f"alias '{HOUSING}' for {NDRC} is already the name of {HOUSING}: choose another"),
        (EDUCATION, {"rename": "NDRC"}, f"name 'NDRC' is already an alias of {NDRC}: choose another"),
        (EDUCATION, {"code": "发改委"}, f"code '发改委' is already an alias of {NDRC}: choose another"),
        (NDRC, {"drop_aliases": ["发改"]}, None),
    ],
)  # fmt: skip
def test_a_short_name_a_lookup_would_confuse_is_refused(fresh_db, unit, changes, message):
    with changed(fresh_db) as ctx:
        units(ctx)
        add_unit(ctx, NDRC, aliases=["发改委", "NDRC"])
    error = NotFound if message is None else BadValue
    with pytest.raises(error) as caught, changed(fresh_db) as ctx:
        edit_unit(ctx, unit, **changes)
    if message is None:
        assert caught.value.message == f"{NDRC} has no alias '发改': its aliases are 发改委, NDRC"
    else:
        assert caught.value.message == message
    with changed(fresh_db) as ctx:
        assert ctx.reader.unit_aliases() == {find_unit(ctx, NDRC).id: ["发改委", "NDRC"]}
        assert entries(ctx, "unit.edit") == []


def test_a_short_name_moves_from_one_unit_to_another(fresh_db):
    with changed(fresh_db) as ctx:
        units(ctx)
        add_unit(ctx, NDRC, aliases=["发改委"])
    with changed(fresh_db) as ctx:
        edit_unit(ctx, NDRC, drop_aliases=["发改委"], aliases=["市发改委"])
        edit_unit(ctx, EDUCATION, aliases=["发改委"])
    with changed(fresh_db) as ctx:
        assert find_unit(ctx, "发改委").name == EDUCATION
        assert find_unit(ctx, "市发改委").name == NDRC
        [(_, first), (_, second)] = entries(ctx, "unit.edit")
        assert first["changes"] == {"aliases": [["发改委"], ["市发改委"]]}
        assert second["changes"] == {"aliases": [[], ["发改委"]]}
