"""The glossary's enumerations: each English word with the Chinese terms clerks type.

Every enumeration accepts the English word or any of its Chinese terms
(`--source 批示`) and is stored as the English word, so JSON is the same in both
languages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from duban.errors import BadValue
from duban.i18n import N_, _

# A matter's code: DB-2026-0007, numbered within the year the matter was received.  Here,
# with nothing heavy imported, for the ledger's import too (its reader starts early).
CODE_PREFIX = "DB"
CODE = re.compile(rf"{CODE_PREFIX}-(\d{{4}})-(\d{{4,}})", re.IGNORECASE)


def format_code(year: int, seq: int) -> str:
    """A human code, numbered within the year the matter was received: DB-2026-0007."""
    return f"{CODE_PREFIX}-{year}-{seq:04d}"


@dataclass(frozen=True)
class Vocabulary:
    what: str  # the option's name, for messages (marked N_, translated where shown)
    terms: dict[str, tuple[str, ...]]  # English word -> Chinese terms, first is the label

    def parse(self, text: str) -> str:
        raw = text.strip()
        key = raw.lower()
        if key in self.terms:
            return key
        for word, chinese in self.terms.items():
            if raw in chinese:
                return word
        choices = ", ".join(f"{w} ({c[0]})" for w, c in self.terms.items())
        raise BadValue(
            _("unknown {what} {raw!r}: use one of {choices}").format(
                what=_(self.what), raw=raw, choices=choices
            )
        )

    def label(self, word: str, lang: str = "en") -> str:
        if lang == "zh" and word in self.terms:
            return self.terms[word][0]
        return word

    @property
    def words(self) -> list[str]:
        return list(self.terms)


# 第十条: the seven sources of a matter.
SOURCE = Vocabulary(
    N_("source"),
    {
        "decision": ("重大决策部署", "重大决策", "决策部署", "决策"),
        "document": ("印发文件", "文件", "发文"),
        "meeting": ("会议决定", "会议", "会议纪要"),
        "instruction": ("领导批示", "批示", "交办", "领导交办"),
        "proposal": (
            "建议提案",
            "提案",
            "建议",
            "议案",
            "人大议案",
            "代表建议",
            "政协提案",
            "人大建议",
            "人大代表建议",
            "人大代表议案",
            "委员提案",
            "政协委员提案",
        ),  # fmt: skip
        "hotspot": ("热点难点", "热点", "难点", "热点问题", "热点难点问题", "难点问题"),
        "other": ("其他", "其它"),
    },
)

# 第十条: NPC deputies' proposals (人大代表建议, 议案) and CPPCC members' (政协提案) are
# counted apart.  The source term says whose a proposal is: `--source 人大建议` is a
# proposal by NPC deputies; `--source proposal` (建议提案, 建议) says no more than that.
# 提案 is the CPPCC's word, 议案 the NPC's.
PROPOSAL_BY = Vocabulary(
    N_("proposer"),
    {
        "npc": ("人大代表建议", "人大建议", "代表建议", "议案", "人大议案", "人大代表议案"),
        "cppcc": ("政协提案", "提案", "委员提案", "政协委员提案"),
    },
)


def parse_source(text: str) -> tuple[str, str | None]:
    """A source as typed, and whose proposal when the term says so:
    `人大建议` -> ('proposal', 'npc'), `npc` -> ('proposal', 'npc'), `批示` -> ('instruction', None).
    """
    raw = text.strip()
    for word, terms in PROPOSAL_BY.terms.items():
        if raw.lower() == word or raw in terms:
            return "proposal", word
    return SOURCE.parse(raw), None


# 第十二条: how the unit is to handle the matter.
HANDLING = Vocabulary(
    N_("handling"),
    {
        "relay": ("传达落实", "传达", "落实"),
        "investigate": ("调查核实后处理", "调查核实", "调查", "研究处理"),
        "rulemaking": ("建章立制", "制定政策"),
        "opinion": ("提出意见", "意见"),
    },
)

# 第十二条: report once by the deadline, or as the work goes (随办随报).
REPORTING = Vocabulary(
    N_("reporting mode"),
    {
        "once": ("按时报告", "按期报告", "一次"),
        "immediate": ("随办随报", "随时报告"),
        "periodic": ("定期报告", "定期"),
    },
)

REPORT_KIND = Vocabulary(
    N_("report kind"),
    {
        "progress": ("进展", "进展情况", "阶段"),
        "final": ("办结", "办结报告", "结果"),
        "explanation": ("情况说明", "说明"),
    },
)

ROLE = Vocabulary(
    N_("role"), {"lead": ("牵头单位", "牵头"), "participant": ("参加单位", "参加", "配合")}
)

MATTER_STATUS = Vocabulary(
    N_("status"),
    {
        "registered": ("已立项", "立项", "待交办"),
        "assigned": ("办理中", "已交办", "在办"),
        "closed": ("已办结", "办结"),
        "cancelled": ("已撤销", "撤销"),
    },
)

# `withdrawn`: a unit assigned by mistake and taken off (`unassign`), kept as evidence.
ASSIGNMENT_STATUS = Vocabulary(
    N_("assignment status"),
    {"open": ("办理中",), "done": ("已完成",), "withdrawn": ("已撤回",)},
)

# 第二十条: how the office checked a matter.
INSPECT_METHOD = Vocabulary(
    N_("inspection method"),
    {
        "site-visit": ("现场查访", "实地督查", "实地察看", "现场", "实地"),
        "hearing": ("听取汇报", "汇报"),
        "meeting": ("召开座谈会", "列席会议", "座谈会", "座谈", "会议"),
        "survey": ("问卷调查", "调查走访", "走访"),
        "unannounced": ("暗访督查", "明察暗访", "暗访"),
        "records": ("调阅原始资料", "查阅资料", "调阅资料", "查阅", "资料"),
    },
)

# 第十三条: how the office urged a unit (催办).
URGE_VIA = Vocabulary(
    N_("means of urging"),
    {
        "phone": ("电话", "电话催办"),
        "notice": ("书面通知", "通知", "催办通知", "催办单"),
        "meeting": ("会议", "会上"),
        "sms": ("短信",),
        "other": ("其他", "其它"),
    },
)

REPORT_STATUS = Vocabulary(
    N_("report status"),
    {"pending": ("待审核",), "accepted": ("已采纳", "通过"), "returned": ("已退回", "退回")},
)

DECISION = Vocabulary(
    N_("decision"), {"accept": ("通过", "采纳"), "return": ("退回", "责成重新办理")}
)

UNIT_KIND = Vocabulary(
    N_("unit kind"),
    {
        "department": ("政府部门", "部门", "委办局"),
        "district": ("旗区", "旗", "区", "县", "县区"),
        "agency": ("直属单位", "直属", "事业单位"),
        "enterprise": ("企事业单位", "企业", "国企"),
        "other": ("其他", "其它"),
    },
)

# The history's actions, `group.verb`: `history --action GROUP` lists a whole group.
ACTION = Vocabulary(
    N_("action"),
    {
        "matter.register": ("立项登记",),
        "matter.close": ("办结",),
        "matter.cancel": ("撤销",),
        "matter.reopen": ("恢复办理",),
        "matter.archive": ("组卷归档",),
        "matter.transfer": ("移交档案部门",),
        "matter.edit": ("更正事项",),
        "milestone.add": ("新增节点",),
        "assignment.remove": ("撤回交办",),
        "assignment.role": ("调整角色",),
        "coordinate.add": ("协调",),
        "coordinate.escalate": ("提请协调",),
        "inspect.add": ("督查检查",),
        "notice.send": ("推送通知",),
        "notice.write": ("制发督办文书",),
        "restricted.include": ("纳入涉密事项",),
        "urge.add": ("催办",),
        "assignment.add": ("交办",),
        "assignment.complete": ("完成办理",),
        "report.add": ("报告",),
        "review.accept": ("审核通过",),
        "review.return": ("退回重办",),
        "deadline.extend": ("延期",),
        "calendar.load": ("载入日历",),
        "calendar.set": ("调整日历",),
        "calendar.recompute": ("重算时限",),
        "unit.add": ("新增单位",),
        "unit.edit": ("修改单位",),
        "config.set": ("修改设置",),
        "restore.apply": ("从备份恢复",),
    },
)
ACTION_GROUPS = tuple(dict.fromkeys(word.split(".")[0] for word in ACTION.terms))

# What sets a deadline (`duban.deadlines`): registering the matter, assigning a unit,
# returning its report for rework (第十五条), accepting its explanation (延期), and
# counting a provisional deadline again once its year's schedule is loaded.
DEADLINE_WHY = Vocabulary(
    N_("reason"),
    {
        "register": ("立项",),
        "assign": ("交办",),
        "rework": ("重新办理",),
        "extension": ("延期",),
        "recompute": ("重算",),
        "reopen": ("恢复办理",),
        "edit": ("更正",),
    },
)
