"""The official documents: `notice` (督办通知单, 催办通知书) and the bulletin's Word file,
in the GB/T 9704 layout, opened with python-docx."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from conftest import enter_report, snapshot_of
from docx.shared import Mm

from duban.documents import bulletin_docx, bulletin_markdown, chinese_date, period_name

ZH = {"DUBAN_LANG": "zh"}
LEAD = "市住房和城乡建设局"  # due 2026-11-23 on the `assigned` matter


def text_of(path: Path) -> str:
    d = docx.Document(str(path))
    parts = [p.text for p in d.paragraphs]
    for table in d.tables:
        parts += [c.text for row in table.rows for c in row.cells]
    return "\n".join(parts)


def check_layout(path: Path) -> None:
    d = docx.Document(str(path))
    s = d.sections[0]
    assert round(s.page_width.mm) == 210 and round(s.page_height.mm) == 297
    assert [round(x.mm) for x in (s.top_margin, s.left_margin, s.bottom_margin, s.right_margin)] == [
        Mm(37).mm, 28, 35, 26
    ]  # fmt: skip
    xml = d.element.xml
    for font in ("仿宋_GB2312", "方正小标宋简体"):
        assert f'w:eastAsia="{font}"' in xml
    assert 'w:snapToGrid w:val="0"' in d.styles.element.xml
    assert d.styles["Normal"].paragraph_format.line_spacing.pt == pytest.approx(28.9)
    footers = s.footer._element.xml + s.even_page_footer._element.xml
    assert footers.count("PAGE") == 2 and "— " in footers
    assert d.settings.odd_and_even_pages_header_footer


def test_assign_notice_as_word(cli, assigned, tmp_path):
    out = tmp_path / "督办通知单.docx"
    r = cli.check("notice", assigned, "--kind", "assign", "--on", "2026-11-03", "--out", out,
                  "--json", env=ZH)  # fmt: skip
    assert r.data["number"] == "督办〔2026〕1号"
    assert (r.data["unit"], r.data["due"], r.data["within"]) == (LEAD, "2026-11-23", 15)
    text = text_of(out)
    for part in ("鄂尔多斯市人民政府督查室", "督办〔2026〕1号", "督办通知单", f"{LEAD}：",
                 "研究解决城区供暖问题", "15个工作日内，即2026年11月23日前", "张建国",
                 "加盖公章", "东胜区人民政府", "2026年11月3日"):  # fmt: skip
        assert part in text, part
    check_layout(out)
    history = cli.check("history", assigned, "--json").data
    entry = [e for e in history if e["action"] == "notice.write"]
    assert len(entry) == 1 and entry[0]["detail"]["file"] == str(out)


def test_urge_notice_agrees_with_urge(cli, assigned, tmp_path):
    cli.check("urge", assigned, "--on", "2026-11-25")
    urged = cli.check("urge", assigned, "--on", "2026-11-26", "--json").data[0]
    fields = cli.check("notice", assigned, "--kind", "urge", "--on", "2026-11-26", "--json").data
    assert fields["text"] == urged["text"]
    assert (fields["times_urged"], fields["days_overdue"]) == (1, 3)
    assert (fields["report_by"], fields["article"]) == ("2026-12-01", "第十二条")  # 3 workdays
    printed = cli.check("notice", assigned, "--kind", "urge", "--on", "2026-11-26").stdout
    assert urged["text"] in printed and "2026-12-01" in printed
    # In Chinese too, and in the Word file.
    urged = cli.check("urge", assigned, "--on", "2026-11-27", "--json", env=ZH).data[0]
    out = tmp_path / "催办通知书.docx"
    cli.check("notice", assigned, "--kind", "urge", "--on", "2026-11-27", "--out", out,
              "--report-within", "5", env=ZH)  # fmt: skip
    text = text_of(out)
    assert urged["text"] in text
    for part in ("催办〔2026〕3号", "催办通知书", "已逾期4天", "此前已催办2次", "2026年12月4日前",
                 "第十二条"):  # fmt: skip
        assert part in text, part
    check_layout(out)


def test_notices_are_numbered_by_kind_within_the_year(cli, assigned):
    def number(kind: str, on: str) -> str:
        today = {"DUBAN_NOW": f"{on}T10:00:00+08:00"}  # a notice is dated by today at most
        args = ("notice", assigned, "--kind", kind, "--on", on, "--json")
        return cli.check(*args, env=today).data["number"]

    assert number("assign", "2026-11-03") == "Supervision〔2026〕1号"
    assert number("urge", "2026-11-26") == "Urging〔2026〕1号"
    assert number("assign", "2026-11-04") == "Supervision〔2026〕2号"
    assert number("urge", "2027-01-06") == "Urging〔2027〕1号"


def test_settings_fill_the_office_contact_and_copies(cli, assigned):
    cli.check("config", "office_name", "东胜区人民政府督查室")
    cli.check("config", "office_contact", "王敏 0477-8581234")
    cli.check("config", "document_cc", "区委办公室")
    printed = cli.check("notice", assigned, "--kind", "assign", "--on", "2026-11-03").stdout
    for part in ("东胜区人民政府督查室", "王敏 0477-8581234", "Copies to: 区委办公室"):
        assert part in printed
    assert cli("config", "office_name", " ").exit_code == 2
    assert cli("config", "urge_report_within", "0").exit_code == 2


@pytest.mark.parametrize(
    "args, code, fragment",
    [
        (["--kind", "remind"], 2, "assign or urge"),
        (["--kind", "assign", "--out", "x.txt"], 2, ".docx"),
        (["--kind", "assign", "--on", "2026-10-01"], 2, "before it was received"),
        (["--kind", "urge", "--on", "2026-11-20"], 4, "第十三条"),  # nobody overdue yet
        (["--kind", "urge", "--on", "2026-11-26", "--unit", "市教育局"], 4, "第十二条"),
        (["--kind", "urge", "--on", "2026-11-26", "--report-within", "0"], 2, "1 to 60"),
    ],
)
def test_refusals_write_nothing(cli, assigned, assert_error, db_path, args, code, fragment):
    before = snapshot_of(db_path)
    assert_error(cli("notice", assigned, *args), code, fragment)
    assert snapshot_of(db_path) == before


def test_closed_cancelled_and_completed(cli, assigned, assert_error):
    rep = enter_report(cli, assigned, LEAD, on="2026-11-20")
    cli.check("review", str(rep["id"]), "--accept", "--on", "2026-11-24")
    assert_error(cli("notice", assigned, "--kind", "urge", "--unit", LEAD, "--on", "2026-11-26"),
                 4, "第十三条", "nothing to urge")  # fmt: skip
    cli.check("close", assigned, "--on", "2026-11-25")
    assert_error(cli("notice", assigned, "--kind", "urge", "--on", "2026-11-26"), 4, "第十一条")
    cli.check("notice", assigned, "--kind", "assign", "--on", "2026-11-26")  # a copy again


def test_cancelled_matter_takes_no_notice(cli, assigned, assert_error):
    cli.check("cancel", assigned, "--reason", "领导撤回", "--on", "2026-11-05")
    assert_error(cli("notice", assigned, "--kind", "assign", "--on", "2026-11-06"), 4, "第十一条")


def test_restricted_matter_needs_asking(cli, assigned, assert_error):
    cli.check("edit", assigned, "--restricted", "--reason", "按涉密件办理", "--on", "2026-11-05")
    assert_error(cli("notice", assigned, "--kind", "assign", "--on", "2026-11-06"), 4, "第三条")
    cli.check("notice", assigned, "--kind", "assign", "--on", "2026-11-06", "--include-restricted")
    actions = [e["action"] for e in cli.check("history", assigned, "--json").data]
    assert "restricted.include" in actions and "notice.write" in actions


BULLETIN = {
    "from": "2026-10-01",
    "to": "2026-12-31",
    "include_restricted": False,
    "totals": {
        "registered": 12,
        "closed": 9,
        "closing_rate": 0.75,
        "in_progress": 2,
        "overdue": 1,
    },  # fmt: skip
    "commend": ["市教育局", "市生态环境局"],
    "criticise": [LEAD],
    "criticised": [
        {
            "unit": LEAD,
            "matters": [
                {
                    "code": "DB-2026-0001",
                    "title": "研究解决城区供暖问题",
                    "due": "2026-11-23",
                    "days_overdue": 38,
                    "times_urged": 2,
                }
            ],
        }
    ],  # fmt: skip
    "closed": [
        {
            "code": "DB-2026-0002",
            "title": "整治校园周边交通",
            "closed": "2026-11-20",
            "units": ["市教育局"],
        }
    ],  # fmt: skip
    "scorecards": [
        {
            "unit": "市教育局",
            "due": 3,
            "on_time": 3,
            "on_time_original": 3,
            "late": 0,
            "overdue": 0,
            "returned": 0,
            "extended": 0,
            "on_time_rate": 1.0,
            "rank": 1,
        },
        {
            "unit": LEAD,
            "due": 2,
            "on_time": 0,
            "on_time_original": 0,
            "late": 1,
            "overdue": 1,
            "returned": 1,
            "extended": 0,
            "on_time_rate": 0.0,
            "rank": 2,
        },
    ],  # fmt: skip
}


def test_bulletin_as_word(tmp_path):
    out = tmp_path / "通报.docx"
    bulletin_docx(BULLETIN, out, "zh")
    text = text_of(out)
    for part in ("关于2026年第四季度督办事项落实情况的通报", "各旗区人民政府，市人民政府各部门：",
                 "共立项督办事项12件，办结9件，办结率75.0%", "正在办理2件，逾期1件",
                 "予以通报表扬：市教育局、市生态环境局", "予以通报批评：市住房和城乡建设局",
                 "（一）市住房和城乡建设局", "已逾期38天，已催办2次", "限期整改", "四、下一步工作",
                 "附件1", "按时办结率", "100.0%", "整治校园周边交通", "2026年12月31日",
                 "督查通报〔2026〕"):  # fmt: skip
        assert part in text, part
    check_layout(out)
    assert "研究解决城区供暖问题" in bulletin_markdown(BULLETIN, "zh")
    english = tmp_path / "bulletin.docx"
    bulletin_docx({**BULLETIN, "commend": [], "criticised": []}, english, "en")
    assert "No unit is still overdue after being urged." in text_of(english)


def test_dates_and_periods():
    import datetime as dt

    d = dt.date
    assert chinese_date(d(2026, 1, 6)) == "2026年1月6日"
    assert period_name(d(2026, 10, 1), d(2026, 12, 31)) == "2026年第四季度"
    assert period_name(d(2026, 11, 1), d(2026, 11, 30)) == "2026年11月"
    assert period_name(d(2026, 1, 1), d(2026, 12, 31)) == "2026年"
    assert period_name(d(2026, 1, 1), d(2026, 6, 30)) == "2026年上半年"
    assert period_name(d(2026, 10, 8), d(2026, 11, 15)) == "2026年10月8日至2026年11月15日"
