"""The bulletin (`duban bulletin`, 通报, 第二十二条) on the story of tests/test_stats.py."""

from __future__ import annotations

import json

import pytest

from tests.conftest import json_of, snapshot_of
from tests.test_stats import (
    DONGSHENG,
    ECOLOGY,
    EDUCATION,
    HOUSING,
    NOV,
    RESOURCES,
    build_story,
)


@pytest.fixture
def story(template):
    template("stats-story", build_story)


def test_the_bulletins_data(cli, story):
    data = cli.check("bulletin", *NOV, "--json").data
    assert set(data) == {"from", "to", "include_restricted", "totals", "commend", "criticise",
                         "criticised", "closed", "scorecards"}  # fmt: skip
    assert (data["from"], data["to"], data["include_restricted"]) == (
        "2026-11-01",
        "2026-11-30",
        False,
    )
    # Seven matters received in November (the restricted one left out); three closed
    # by its end; 0004 and 0007 overdue at its end.
    assert data["totals"] == {
        "registered": 7, "closed": 3, "closing_rate": 0.4286, "in_progress": 4, "overdue": 2,
    }  # fmt: skip
    # 住建: both on time; 教育 on time by the rework deadline but a report returned.
    assert data["commend"] == [HOUSING]
    # 自然资源: overdue after being urged twice; 生态 is overdue too, but never urged.
    assert data["criticise"] == [RESOURCES]
    assert data["criticised"] == [
        {
            "unit": RESOURCES,
            "matters": [
                {
                    "code": "DB-2026-0004",
                    "title": f"{RESOURCES}督办事项2026-11-20",
                    "due": "2026-11-20",
                    "days_overdue": 10,
                    "times_urged": 2,
                }
            ],
        }
    ]
    assert [(m["code"], m["closed"], m["units"]) for m in data["closed"]] == [
        ("DB-2026-0001", "2026-11-20", [HOUSING]),
        ("DB-2026-0002", "2026-11-26", [HOUSING]),
        ("DB-2026-0003", "2026-11-27", [ECOLOGY]),
    ]
    stats = cli.check("stats", *NOV, "--json").data
    assert data["scorecards"] == stats


def test_the_rules_are_settings(cli, story, assert_error):
    cli.check("config", "commend_rule", "none_overdue, none_late")
    cli.check("config", "criticise_rule", "overdue,returned")
    data = cli.check("bulletin", *NOV, "--json").data
    assert data["criticise"] == [EDUCATION, ECOLOGY, RESOURCES]
    assert data["commend"] == [HOUSING, DONGSHENG]
    # 教育 is criticised for the returned report, with no matter overdue.
    assert data["criticised"][0] == {"unit": EDUCATION, "matters": []}
    cli.check("config", "commend_rule", "")
    assert cli.check("bulletin", *NOV, "--json").data["commend"] == []
    assert_error(cli("config", "commend_rule", "on_time_all,popular"), 2, "popular")


def test_a_past_period_and_restricted_matters(cli, story):
    early = cli.check("bulletin", *NOV[:4], "--as-of", "2026-11-22", "--json").data
    # On 11-22 nothing had been urged yet: nobody to criticise; 住建's second matter was
    # not yet done.
    assert (early["commend"], early["criticise"]) == ([], [])
    assert early["totals"]["closed"] == 1
    full = cli.check("bulletin", *NOV, "--include-restricted", "--json").data
    assert full["include_restricted"] is True
    assert full["totals"]["registered"] == 8
    assert [m["code"] for m in full["criticised"][0]["matters"]] == [
        "DB-2026-0004", "DB-2026-0008",
    ]  # fmt: skip
    entries = json_of(cli("history", "--action", "restricted.include", "--json"))
    assert [(e["detail"]["command"], e["detail"]["codes"]) for e in entries] == [
        ("bulletin", ["DB-2026-0008"])
    ]


def test_markdown_on_stdout_and_in_a_file(cli, story, tmp_path):
    text = cli.check("bulletin", *NOV, "--lang", "zh").stdout
    assert "通报" in text and RESOURCES in text and "DB-2026-0004" in text
    assert HOUSING in text and "一、" in text
    out = tmp_path / "通报.md"
    result = cli.check("bulletin", *NOV, "--lang", "zh", "--out", out)
    assert result.stdout == ""
    assert out.read_text(encoding="utf-8").strip() == text.strip()
    english = cli.check("bulletin", *NOV).stdout
    assert RESOURCES in english


def test_a_word_file_names_the_units_criticised(cli, story, tmp_path):
    docx = pytest.importorskip("docx")
    out = tmp_path / "通报.docx"
    cli.check("bulletin", *NOV, "--lang", "zh", "--out", out)
    document = docx.Document(str(out))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert RESOURCES in text and "DB-2026-0004" in text


def test_csv_is_the_scorecards(cli, story):
    out = cli.check("bulletin", *NOV, "--format", "csv").stdout
    assert out.splitlines()[0].startswith("unit,due,on_time,")
    assert len(out.splitlines()) == 6


def test_refusals(cli, story, assert_error, tmp_path, db_path):
    before = snapshot_of(db_path)
    assert_error(cli("bulletin", "--from", "2026-12-01", "--to", "2026-11-30"), 2, "--from")
    assert_error(cli("bulletin", *NOV, "--out", tmp_path / "通报.pdf"), 2, ".docx")
    assert_error(cli("bulletin", *NOV, "--out", tmp_path / "nowhere" / "x.md"), 2, "nowhere")
    missing = cli("bulletin", "--from", "2026-11-01")
    assert missing.exit_code == 2
    assert snapshot_of(db_path) == before
    json.dumps(None)
