"""Build a realistic supervision register of a given size, for benchmarks.

    python benchmarks/make_register.py --matters 100000 --db /tmp/r100k.db

The register has the shape of ten years of a prefecture-level city's supervision
office (Ordos: the 44 units of `examples/units-ordos.csv`), ending on `--as-of`, the
"today" of the data (nothing happens after it).  At 100 000 matters it holds about
148 000 assignments, 114 000 reports and 295 000 history entries, and 5 % of the
matters are still open, some of them overdue.

How it is made:

- the schema is created by duban itself (`duban.db.open_engine`, every migration), then
  the rows are written with the standard `sqlite3` module in one transaction, with
  `executemany` over chunks of matters generated lazily: 1M matters take minutes;
- every row is what duban's operations would have written: deadlines counted with
  duban's working-day calendar, a deadline row per change (register, assign, rework,
  extension) with the matter and assignments pointing at the rows in force, reports
  with their reviews, and history entries with the same action names and the same
  JSON detail as `duban.ops` writes; dates and instants are stored in the text format
  SQLAlchemy uses for SQLite, so duban reads them back as its own;
- the history is complete from `--history-from` (default: 1 June of the year before
  `--as-of`), when the office is taken to have moved its register into duban.  The
  matters received before it were carried over from the old ledger: their rows are all
  there, recorded at the import, but their history keeps only the entries the ledger
  had, `matter.register` and `matter.close` (whatever happened on or after the
  cut-over is recorded in full).  That is what gives the issue's 2.95 history entries a
  matter; a register kept in duban for all ten years would have about 6.7;
- ids grow with the matters (each matter's rows are written together), so ids follow
  the time a matter was received, not the exact time each change was made;
- everything comes from one seeded random generator: the same arguments give the
  same register, byte for byte in every row.

It prints nothing on success (`--verbose` prints the counts to stderr) and one line
on stderr when it fails (exit 2 for bad usage, 1 otherwise).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import multiprocessing
import queue
import random
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
UNITS_CSV = ROOT / "examples" / "units-ordos.csv"
FIRST_DAY = dt.date(2017, 1, 1)
DEFAULT_AS_OF = dt.date(2026, 11, 26)
CHUNK = 20_000  # matters generated and inserted at a time
DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
CLOCK = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400)]

# -- the shape ---------------------------------------------------------------------------

SOURCES = (  # 第十条, with how often each comes
    ("decision", 8),
    ("document", 22),
    ("meeting", 25),
    ("instruction", 24),
    ("proposal", 11),
    ("hotspot", 7),
    ("other", 3),
)
HANDLINGS = (("relay", 40), ("investigate", 20), ("rulemaking", 8), ("opinion", 7), (None, 25))
WITHIN_CHOICES = (10, 10, 20, 20, 20, 30, 30, 45, 60)  # --within when not the default 15
HAND_DUE_DAYS = (14, 20, 30, 30, 31, 45, 60, 90)  # --due: calendar days after receipt
P_DEFAULT_RULE = 0.75  # 15 working days after receipt (第十二条)
P_WITHIN = 0.15  # --within N; the rest (10 %): a date given by hand
P_IMMEDIATE = 0.04  # reporting mode 随办随报: one progress report on the way
P_NOTE = 0.03
P_NEVER_ASSIGNED = 0.002  # registered, never assigned: overdue as a matter
P_TWO_LEADS = 0.065
PARTICIPANTS = ((0, 75), (1, 13), (2, 7), (3, 5))
P_STUCK = 0.019  # a lead unit that never sends an acceptable final report
P_EXTENSION = 0.03  # explains and asks for a later deadline, accepted (延期)
P_REWORK = 0.04  # its final report is returned for rework (第十五条)
P_LATE_FINAL = 0.25  # the final report arrives after the deadline
P_VERY_LATE = 0.08  # ... weeks after it
P_ENTERED_LATER = 0.3  # a paper report entered 1-5 days after it arrived
P_FILE = 0.2
P_CLOSE_AT_ONCE = 0.3  # closed within days of the last acceptance; else at a month's close-out
YEAR_GROWTH = 0.15  # matters a year grow by this share of the first year's
WEEKEND_WEIGHT = 0.03  # matters received on a day off, against a working day

CLERKS = ("督查室 王敏", "督查室 李娜", "督查室 张伟", "督查室 刘洋", "督查室 陈静", "督查室 赵磊")
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏"
    "薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建国红梅志强海燕文斌晓东立新宏"
    "宇峰春雷振亮佳琪思远子豪雨欣浩然雅婷俊杰国庆淑珍凤兰巴特尔其木格乌云娜仁图雅"
)
LEADER_TITLES = ("市长", "常务副市长", "副市长", "副市长", "副市长", "秘书长", "书记")
ISSUERS = ("鄂府发", "鄂府办发", "鄂府字", "鄂府办字", "鄂党发", "鄂党办发")
PLACES = (
    "",
    "",
    "",
    "全市",
    "中心城区",
    "东胜区",
    "康巴什区",
    "达拉特旗",
    "准格尔旗",
    "鄂托克前旗",
    "鄂托克旗",
    "杭锦旗",
    "乌审旗",
    "伊金霍洛旗",
)
TOPICS = (
    "老旧小区冬季供暖不达标",
    "黄河流域生态保护和高质量发展",
    "农村牧区人居环境整治",
    "城区交通拥堵治理",
    "安全生产专项整治三年行动",
    "煤矿安全隐患排查整治",
    "优化营商环境",
    "中小学校舍安全",
    "养老服务设施建设",
    "棚户区改造",
    "农民工工资拖欠",
    "饮用水水源地保护",
    "违法建设清理整治",
    "大气污染防治",
    "重点项目建设推进",
    "城市供排水管网改造",
    "森林草原防火",
    "招商引资项目落地",
    "高校毕业生就业创业",
    "基层医疗卫生服务能力提升",
    "物业服务管理",
    "农畜产品质量安全",
    "沙漠化土地综合治理",
    "新能源项目审批",
    "政务服务一网通办",
    "城乡低保资金发放",
    "燃气管道老化更新",
    "校外培训机构治理",
    "食品安全抽检",
    "道路交通安全隐患整改",
    "地下矿产资源开采秩序",
    "草原生态保护补助奖励",
    "公共租赁住房分配",
    "河湖长制落实",
    "建筑垃圾处置",
    "网约车规范管理",
    "冬春季疫情防控",
    "防汛抗旱准备",
    "农村公路建设养护",
    "民营企业账款清欠",
)
VERBS = ("研究解决", "督促解决", "协调解决", "抓好", "加快推进", "推进", "做好", "调查处理", "整治")
SUFFIXES = ("问题", "工作", "相关工作", "有关事项", "整改落实", "专项行动")
REPORT_TEXTS = (
    "已按要求完成{t}，相关情况报告如下",
    "经调查核实，{t}已整改到位，群众满意",
    "已制定工作方案，明确责任分工，{t}全部完成",
    "关于{t}办理情况的报告，附整改清单",
    "{t}已办结，建立长效机制",
    "会同有关部门开展{t}，形成专题报告",
)
EXPLANATION_TEXTS = (
    "因{t}涉及多个部门，需进一步协调，申请延期办理",
    "{t}需履行审批程序，无法按期办结，特此说明",
    "受季节影响，{t}需延后实施，申请延期",
)
PROGRESS_TEXTS = ("{t}阶段性进展情况", "{t}已完成前期调研，正在推进")
RETURN_REASONS = (
    "未加盖公章",
    "未附整改清单",
    "报告内容不完整，缺少数据支撑",
    "未由主要负责人签发",
    "整改措施不具体，请重新办理",
    "未回应群众诉求，请核实后重报",
)
OLD_LEDGER = ("matter.register", "matter.close")  # what the old ledger kept of a matter
MEETINGS = ("市政府第{n}次常务会议", "{y}年第{n}次市长办公会议", "市委第{n}次常委会议")


# -- working days ------------------------------------------------------------------------


class Days:
    """Dates as ordinals, working days as duban counts them (`duban.workdays.Calendar`).

    One table of the working days, so that "n working days after" is one list look-up;
    it is checked against duban's own `Calendar.add` on a sample before it is used.
    """

    def __init__(self, first: dt.date, last: dt.date) -> None:
        from duban.workdays import Calendar

        self.calendar = Calendar()
        self.base = first.toordinal()
        self.end = last.toordinal()
        self.iso: list[str] = []
        self.years: list[int] = []
        self.pos: list[int] = []  # working days up to and including each day
        self.workdays: list[int] = []
        day = first
        one = dt.timedelta(days=1)
        while day <= last:
            if self.calendar.is_workday(day):
                self.workdays.append(day.toordinal())
            self.pos.append(len(self.workdays))
            self.iso.append(day.isoformat())
            self.years.append(day.year)
            day += one
        published = set(self.calendar.published_years)
        self.published = [
            dt.date.fromordinal(o).year in published for o in range(self.base, self.end + 1)
        ]

    def check(self, rng: random.Random, samples: int = 300) -> None:
        """Stop if this table ever disagrees with duban's calendar."""
        for _ in range(samples):
            o = self.base + int(rng.random() * (self.end - self.base - 400))
            n = 1 + int(rng.random() * 80)
            mine = self.add(o, n)
            theirs = self.calendar.add(dt.date.fromordinal(o), n).toordinal()
            if mine != theirs:
                raise RuntimeError(f"working days disagree with duban at {o} + {n}")

    def add(self, o: int, n: int) -> int:
        """The nth working day strictly after day `o` (n >= 1)."""
        return self.workdays[self.pos[o - self.base] + n - 1]

    def back(self, o: int, n: int) -> int:
        """The working day n working days before `o` (n = 0: the last one up to `o`)."""
        return self.workdays[max(0, self.pos[o - self.base] - 1 - n)]

    def month_end(self, o: int, months: int) -> int:
        """The last day of the month `months` after day `o`'s month."""
        day = dt.date.fromordinal(o)
        y, m = divmod(day.month - 1 + months + 1, 12)
        return dt.date(day.year + y, m + 1, 1).toordinal() - 1

    def is_workday(self, o: int) -> bool:
        i = o - self.base
        return self.pos[i] != (self.pos[i - 1] if i else 0)

    def provisional(self, start: int, due: int) -> bool:
        """Whether any day in (start, due] is in a year nobody has published."""
        if due <= start:
            return False
        pub = self.published
        return not (pub[start + 1 - self.base] and pub[due - self.base])

    def date(self, o: int) -> str:
        return self.iso[o - self.base]

    def year(self, o: int) -> int:
        return self.years[o - self.base]


# -- units -------------------------------------------------------------------------------


@dataclass
class Unit:
    id: int
    name: str
    code: str
    kind: str
    parent: str | None
    heads: list[tuple[int, str]] = field(default_factory=list)  # (from day, head)
    lead_weight: float = 1.0
    participant_weight: float = 1.0

    def head_on(self, o: int) -> str:
        head = self.heads[0][1]
        for since, name in self.heads:
            if since > o:
                break
            head = name
        return head


def person(rng: random.Random) -> str:
    given = GIVEN[int(rng.random() * len(GIVEN))]
    if rng.random() < 0.6:
        given += GIVEN[int(rng.random() * len(GIVEN))]
    return SURNAMES[int(rng.random() * len(SURNAMES))] + given


def read_units(rng: random.Random, first: int, as_of: int) -> list[Unit]:
    """The 44 units of Ordos, each with a head, and a new head every few years."""
    with UNITS_CSV.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    units = []
    for i, row in enumerate(rows, start=1):
        unit = Unit(i, row["name"], row["code"], row["kind"], row["parent"] or None)
        since = first - 400
        while since <= as_of:
            unit.heads.append((since, person(rng)))
            since += 700 + int(rng.random() * 1100)
        if unit.kind == "other":  # the city government itself is not assigned
            unit.lead_weight = unit.participant_weight = 0.0
        elif unit.kind == "district":
            unit.lead_weight = 0.3 + rng.random() * 0.6
            unit.participant_weight = 2.0 + rng.random() * 2
        else:
            unit.lead_weight = 0.4 + rng.random() ** 2 * 3
            unit.participant_weight = 0.5 + rng.random()
        units.append(unit)
    return units


def cumulative(weights: list[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


# -- the rows ----------------------------------------------------------------------------

TABLES: dict[str, tuple[str, ...]] = {
    "unit": ("id", "name", "code", "kind", "head", "parent_id", "created_at"),
    "matter": (
        "id",
        "code",
        "year",
        "seq",
        "title",
        "source",
        "source_ref",
        "leader",
        "handling",
        "reporting",
        "received_on",
        "note",
        "status",
        "closed_on",
        "created_at",
        "created_by",
        "deadline_id",
    ),
    "assignment": (
        "id",
        "matter_id",
        "unit_id",
        "role",
        "responsible",
        "notified_on",
        "status",
        "completed_on",
        "created_at",
        "deadline_id",
        "original_deadline_id",
    ),
    "deadline": (
        "id",
        "matter_id",
        "assignment_id",
        "what",
        "due_on",
        "counted_from",
        "within",
        "provisional",
        "why",
        "previous_id",
        "effective_on",
        "recorded_at",
    ),
    "report": (
        "id",
        "matter_id",
        "assignment_id",
        "kind",
        "text",
        "file_name",
        "written",
        "signed_by",
        "sealed",
        "received_on",
        "proposed_due_on",
        "status",
        "created_at",
        "created_by",
    ),
    "review": (
        "id",
        "report_id",
        "decision",
        "reason",
        "reviewed_on",
        "new_due_on",
        "created_at",
        "created_by",
    ),
    "history": ("id", "matter_id", "action", "detail", "actor", "recorded_at", "effective_on"),
}
ORDER = ("unit", "matter", "assignment", "deadline", "report", "review", "history")

Rows = dict[str, list[tuple]]


def new_rows() -> Rows:
    return {table: [] for table in ORDER}


@dataclass
class Due:
    """A deadline row as written: its id, day and rule."""

    id: int
    on: int
    within: int | None
    start: int | None
    provisional: bool


class Builder:
    """Generates the register's rows, matter by matter, from one seeded generator."""

    def __init__(self, matters: int, seed: int, as_of: dt.date, history_from: dt.date) -> None:
        self.n = matters
        self.rng = random.Random(seed)
        self.as_of = as_of.toordinal()
        self.cutover = history_from.toordinal()
        self.days = Days(FIRST_DAY - dt.timedelta(days=800), as_of + dt.timedelta(days=1100))
        self.days.check(self.rng)
        self.units = read_units(self.rng, FIRST_DAY.toordinal(), self.as_of)
        self.lead_cum = cumulative([u.lead_weight for u in self.units])
        self.part_cum = cumulative([u.participant_weight for u in self.units])
        self.source_cum = cumulative([w for _, w in SOURCES])
        self.handling_cum = cumulative([w for _, w in HANDLINGS])
        self.part_count_cum = cumulative([w for _, w in PARTICIPANTS])
        self.people = [person(self.rng) for _ in range(3000)]
        self.encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
        self.ids = dict.fromkeys(ORDER, 0)
        self.entries: list[list] = []  # the history entries of the matter being made
        self.open_matters = 0
        # The old ledger was carried over on the last working day before the cut-over.
        self.import_t = self.days.back(self.cutover - 1, 0) * DAY_US + 2 * HOUR_US
        self.t = 0  # the current matter's clock, in microseconds since day 0

    # -- helpers -----------------------------------------------------------------------

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def pick(self, cum: list[float]) -> int:
        """An index drawn by cumulative weights."""
        x = self.rng.random() * cum[-1]
        lo, hi = 0, len(cum) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if cum[mid] <= x:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def stamp(self, day: int, *, later: int = 0) -> str:
        """When a change that took effect on `day` was recorded (UTC, SQLAlchemy's text).

        Before the cut-over every row was recorded by the import; after it, during
        office hours in Beijing (01:00-09:30 UTC) on the day or `later` days after, never
        after --as-of, and never before the matter's previous change.
        """
        if day < self.cutover:
            self.import_t += 200 + int(self.rng.random() * 400)
            t = self.import_t
        else:
            when = min(day + later, self.as_of)
            t = when * DAY_US + HOUR_US + int(self.rng.random() * 8.5 * HOUR_US)
            t = max(t, self.t + 1500 + int(self.rng.random() * 3000))
            self.t = t
        return self.format_t(t)

    def format_t(self, t: int) -> str:
        """An instant as SQLAlchemy writes a DateTime to SQLite: `YYYY-MM-DD HH:MM:SS.ffffff`."""
        day, rest = divmod(t, DAY_US)
        seconds, micro = divmod(rest, 1_000_000)
        return f"{self.days.iso[day - self.days.base]} {CLOCK[seconds]}.{micro:06d}"

    def received_days(self) -> Iterator[int]:
        """The received dates of all matters, in order: working days mostly, more each year."""
        days = self.days
        first, last = FIRST_DAY.toordinal(), self.as_of
        weights = []
        for o in range(first, last + 1):
            growth = 1 + YEAR_GROWTH * (dt.date.fromordinal(o).year - FIRST_DAY.year)
            weights.append(growth * (1.0 if days.is_workday(o) else WEEKEND_WEIGHT))
        cum = cumulative(weights)
        total = cum[-1]
        i = 0
        for k in range(self.n):
            x = (k + self.rng.random()) / self.n * total
            while cum[i] < x and i < len(cum) - 1:
                i += 1
            yield first + i

    def history(
        self, matter_id: int | None, action: str, day: int, stamp: str, **detail: object
    ) -> None:
        """One history entry, as `Context.add_to_history` writes it; `flush` numbers them.

        Before the cut-over only the old ledger's entries exist (register and close).
        """
        if matter_id is not None and day < self.cutover and action not in OLD_LEDGER:
            return
        actor = CLERKS[(self.days.year(day) + (matter_id or 0) % 3) % len(CLERKS)]
        self.entries.append(
            [0, matter_id, action, self.encode(detail), actor, stamp, self.days.date(day)]
        )

    def flush(self, rows: Rows) -> None:
        """The entries made so far, numbered in the order they were recorded."""
        entries = self.entries
        entries.sort(key=itemgetter(5))
        for entry in entries:
            entry[0] = self.next_id("history")
        rows["history"].extend(entries)
        self.entries = []

    def deadline(
        self,
        rows: Rows,
        matter_id: int,
        assignment_id: int | None,
        on: int,
        within: int | None,
        start: int | None,
        provisional: bool,
        why: str,
        effective: int,
        stamp: str,
        previous: int | None = None,
    ) -> Due:
        d = self.days.date
        due = Due(self.next_id("deadline"), on, within, start, provisional)
        rows["deadline"].append(
            (
                due.id,
                matter_id,
                assignment_id,
                "matter" if assignment_id is None else "assignment",
                d(on),
                d(start) if start is not None else None,
                within,
                int(provisional),
                why,
                previous,
                d(effective),
                stamp,
            )
        )
        return due

    def due_detail(self, due: Due, prefix: str = "due") -> dict[str, object]:
        d = self.days.date
        return {
            prefix: d(due.on),
            f"{prefix}_counted_from": d(due.start) if due.start is not None else None,
            f"{prefix}_within": due.within,
            f"{prefix}_provisional": due.provisional,
        }

    # -- a matter ----------------------------------------------------------------------

    def title(self, source: str, place: str, topic: str, year: int) -> str:
        rng = self.rng
        if source == "meeting":
            text = f"落实会议关于{place}{topic}的决定"
        elif source == "proposal":
            text = f"关于{place}{topic}的{'建议' if rng.random() < 0.6 else '提案'}"
        elif source == "document":
            text = f"贯彻落实《关于{topic}的实施意见》"
        elif source == "decision":
            text = f"落实市委市政府关于{topic}的决策部署"
        elif source == "hotspot":
            text = f"{place or '市民'}群众反映{topic}问题"
        else:
            verb = VERBS[int(rng.random() * len(VERBS))]
            text = f"{verb}{place}{topic}{SUFFIXES[int(rng.random() * len(SUFFIXES))]}"
        if len(text) < 10:
            text = f"{year}年{text}"
        return text[:40]

    def source_ref(self, source: str, year: int) -> tuple[str | None, str | None]:
        """The reference (文号, meeting) and the leader, as the source has them."""
        rng = self.rng
        n = 1 + int(rng.random() * 120)
        if source == "document" or (source == "decision" and rng.random() < 0.7):
            return f"{ISSUERS[int(rng.random() * len(ISSUERS))]}〔{year}〕{n}号", None
        if source == "meeting":
            form = MEETINGS[int(rng.random() * len(MEETINGS))]
            return f"{form.format(n=1 + n // 4, y=year)}纪要", None
        if source == "instruction":
            leader = self.leaders[(year, int(rng.random() * 4))]
            ref = f"市长批示〔{year}〕{n}号" if rng.random() < 0.5 else None
            return ref, leader
        if source == "proposal":
            body = "市人大代表建议" if rng.random() < 0.55 else "市政协提案"
            return f"{body}第{n}号", None
        if source == "hotspot":
            return ("12345政务服务热线" if rng.random() < 0.6 else "网络舆情"), None
        return None, None

    def setup_leaders(self) -> None:
        """Four leaders who give instructions, a new set every five years."""
        rng = self.rng
        self.leaders: dict[tuple[int, int], str] = {}
        for term_start in range(FIRST_DAY.year, dt.date.fromordinal(self.as_of).year + 1, 5):
            names = [
                SURNAMES[int(rng.random() * len(SURNAMES))]
                + LEADER_TITLES[int(rng.random() * len(LEADER_TITLES))]
                for _ in range(4)
            ]
            for year in range(term_start, term_start + 5):
                for i, name in enumerate(names):
                    self.leaders[(year, i)] = name

    def matter(self, rows: Rows, received: int, year: int, seq: int) -> None:
        """One matter: registered, then assigned and worked on as far as --as-of."""
        rng, days = self.rng, self.days
        d = days.date
        mid = self.next_id("matter")
        self.t = 0
        source = SOURCES[self.pick(self.source_cum)][0]
        handling = HANDLINGS[self.pick(self.handling_cum)][0]
        reporting = "immediate" if rng.random() < P_IMMEDIATE else "once"
        place = PLACES[int(rng.random() * len(PLACES))]
        topic = TOPICS[int(rng.random() * len(TOPICS))]
        title = self.title(source, place, topic, year)
        ref, leader = self.source_ref(source, year)
        note = "请各承办单位高度重视，按时报送办理情况" if rng.random() < P_NOTE else None
        u = rng.random()
        if u < P_DEFAULT_RULE:
            within, start = 15, received
        elif u < P_DEFAULT_RULE + P_WITHIN:
            within, start = WITHIN_CHOICES[int(rng.random() * len(WITHIN_CHOICES))], received
        else:
            within, start = None, None
        if within is not None:
            due_on = days.add(received, within)
            provisional = days.provisional(received, due_on)
        else:
            due_on = received + HAND_DUE_DAYS[int(rng.random() * len(HAND_DUE_DAYS))]
            provisional = False
        code = f"DB-{year}-{seq:04d}"
        stamp = self.stamp(received)
        created_by = CLERKS[(year + mid % 3) % len(CLERKS)]
        mdue = self.deadline(rows, mid, None, due_on, within, start, provisional, "register",
                             received, stamp)  # fmt: skip
        self.history(mid, "matter.register", received, stamp, code=code, title=title,
                     source=source, source_ref=ref, leader=leader, handling=handling,
                     reporting=reporting, received=d(received), **self.due_detail(mdue),
                     note=note)  # fmt: skip
        status, closed = self.assign_and_work(rows, mid, code, received, mdue, reporting, topic)
        if status != "closed":
            self.open_matters += 1
        rows["matter"].append(
            (mid, code, year, seq, title, source, ref, leader, handling, reporting, d(received),
             note, status, d(closed) if closed else None, stamp, created_by, mdue.id)
        )  # fmt: skip
        self.flush(rows)

    def assign_and_work(
        self,
        rows: Rows,
        mid: int,
        code: str,
        received: int,
        mdue: Due,
        reporting: str,
        topic: str,
    ) -> tuple[str, int | None]:
        """Assign the units, then each lead unit's reports and reviews; maybe close."""
        rng, days = self.rng, self.days
        d = days.date
        if rng.random() < P_NEVER_ASSIGNED:
            return "registered", None
        k = rng.random()
        notified = days.add(received, 1 if k < 0.6 else 2 if k < 0.9 else 3)
        if notified > self.as_of:
            return "registered", None
        leads = 2 if rng.random() < P_TWO_LEADS else 1
        parts = PARTICIPANTS[self.pick(self.part_count_cum)][0]
        chosen: list[tuple[Unit, str]] = []
        taken: set[int] = set()
        for role, count, cum in (("lead", leads, self.lead_cum),
                                 ("participant", parts, self.part_cum)):  # fmt: skip
            while count:
                unit = self.units[self.pick(cum)]
                if unit.id not in taken:
                    taken.add(unit.id)
                    chosen.append((unit, role))
                    count -= 1
        stamp = self.stamp(notified)
        made: list[list] = []
        completed: list[int] = []
        leads_open = 0
        for unit, role in chosen:
            aid = self.next_id("assignment")
            responsible = self.people[int(rng.random() * len(self.people))]
            if rng.random() < (0.15 if role == "lead" else 0.5):
                responsible = None
            adue = self.deadline(rows, mid, aid, mdue.on, mdue.within, mdue.start,
                                 mdue.provisional, "assign", notified, stamp)  # fmt: skip
            self.history(mid, "assignment.add", notified, stamp, assignment_id=aid,
                         unit=unit.name, role=role, responsible=responsible, notified=d(notified),
                         **self.due_detail(adue))  # fmt: skip
            made.append([aid, mid, unit.id, role, responsible, d(notified), "open", None, stamp,
                         adue.id, adue.id, unit, adue])  # fmt: skip
        assigned_t = latest = self.t
        for row in made:  # each lead unit's work, once all the units were assigned
            if row[3] != "lead":
                continue
            self.t = assigned_t  # each unit works on its own clock
            done, row[9] = self.lead_work(rows, mid, code, row[0], row[11], row[12], notified,
                                          reporting, topic)  # fmt: skip
            latest = max(latest, self.t)
            if done is None:
                leads_open += 1
            else:
                row[6], row[7] = "done", d(done)
                completed.append(done)
        self.t = latest  # the close comes after every unit's last change
        rows["assignment"].extend(tuple(row[:11]) for row in made)
        if leads_open:
            return "assigned", None
        last = max(completed)
        if rng.random() < P_CLOSE_AT_ONCE:
            wait = int(rng.random() * 4)
            closed = days.add(last, wait) if wait else last
        else:  # at the office's close-out (核查) at the end of the next month
            closed = max(last, days.back(days.month_end(last, 1), int(rng.random() * 3)))
        if closed > self.as_of:
            return "assigned", None
        self.history(mid, "matter.close", closed, self.stamp(closed), closed=d(closed))
        return "closed", closed

    def report(
        self,
        rows: Rows,
        mid: int,
        code: str,
        aid: int,
        unit: Unit,
        kind: str,
        text: str,
        on: int,
        due: Due,
        *,
        defect: str | None = None,
        proposed: int | None = None,
    ) -> list:
        """A report arrives `on` a day; returns its row (pending until reviewed).

        `defect`: what a report to be returned lacks (`seal`, `signature`, or its content).
        """
        rng = self.rng
        d = self.days.date
        rid = self.next_id("report")
        written = kind != "progress" or rng.random() < 0.5
        signed_by = unit.head_on(on) if written else None
        sealed = written and defect != "seal"
        if defect == "signature":
            signed_by = self.people[int(rng.random() * len(self.people))]
        file_name = f"{code}-{unit.code}.txt" if rng.random() < P_FILE else None
        later = 1 + int(rng.random() * 5) if rng.random() < P_ENTERED_LATER else 0
        stamp = self.stamp(on, later=later)
        actor = CLERKS[(self.days.year(on) + rid % 2) % len(CLERKS)]
        row = [rid, mid, aid, kind, text, file_name, int(written), signed_by, int(sealed), d(on),
               d(proposed) if proposed else None, "pending", stamp, actor]  # fmt: skip
        rows["report"].append(row)  # a list: its status changes when it is reviewed
        self.history(mid, "report.add", on, stamp, report_id=rid, unit=unit.name,
                     kind=kind, written=written, signed_by=signed_by, sealed=sealed,
                     file_name=file_name, proposed_due=d(proposed) if proposed else None,
                     on_time=on <= due.on)  # fmt: skip
        return row

    def review(
        self,
        rows: Rows,
        mid: int,
        unit: Unit,
        report: list,
        on: int,
        *,
        reason: str | None = None,
        new_due: int | None = None,
    ) -> str:
        """The office's decision on a report (a return when `reason` is given); its stamp."""
        d = self.days.date
        stamp = self.stamp(on)
        actor = CLERKS[(self.days.year(on) + 1) % len(CLERKS)]
        decision = "accept" if reason is None else "return"
        rows["review"].append(
            (self.next_id("review"), report[0], decision, reason, d(on),
             d(new_due) if new_due else None, stamp, actor)
        )  # fmt: skip
        report[11] = "accepted" if reason is None else "returned"
        if reason is None:
            self.history(mid, "review.accept", on, stamp, report_id=report[0],
                         unit=unit.name, kind=report[3])  # fmt: skip
        return stamp

    def final_day(self, due: Due, last: int) -> int:
        """When a final report arrives: by the deadline mostly, some days or weeks late."""
        rng, days = self.rng, self.days
        u = rng.random()
        if u < 1 - P_LATE_FINAL:
            on = days.back(due.on, int(rng.random() * 8))
        elif u < 1 - P_VERY_LATE:
            on = days.add(due.on, 1 + int(rng.random() * 10))
        else:
            on = days.add(due.on, 11 + int(rng.random() * 40))
        return max(on, last)

    def lead_work(
        self,
        rows: Rows,
        mid: int,
        code: str,
        aid: int,
        unit: Unit,
        due: Due,
        notified: int,
        reporting: str,
        topic: str,
    ) -> tuple[int | None, int]:
        """One lead unit's part: an explanation, progress, final reports and their reviews.

        Returns the day its final report was accepted (None while it is still open) and
        the id of its deadline in force.
        """
        rng, days, as_of = self.rng, self.days, self.as_of
        d = days.date
        original = due
        last = notified
        if rng.random() < P_EXTENSION:  # 延期: explain, propose a date, accepted
            on = max(days.back(due.on, int(rng.random() * 6)), last)
            proposed = days.add(max(due.on, on), 10 + int(rng.random() * 21))
            if on > as_of:
                return None, due.id
            text = EXPLANATION_TEXTS[int(rng.random() * len(EXPLANATION_TEXTS))].format(t=topic)
            row = self.report(rows, mid, code, aid, unit, "explanation", text, on, due,
                              proposed=proposed)  # fmt: skip
            reviewed = days.add(on, 1 + int(rng.random() * 3))
            if reviewed > as_of:
                return None, due.id
            stamp = self.review(rows, mid, unit, row, reviewed, new_due=proposed)
            new = self.deadline(rows, mid, aid, proposed, None, None, False, "extension",
                                reviewed, stamp, previous=due.id)  # fmt: skip
            self.history(mid, "deadline.extend", reviewed, stamp, assignment_id=aid,
                         unit=unit.name, previous_due=d(due.on), due=d(new.on),
                         original_due=d(original.on))  # fmt: skip
            due, last = new, reviewed
        if reporting == "immediate":  # 随办随报: a progress report on the way
            on = max(days.back(due.on, 5 + int(rng.random() * 5)), days.add(last, 1))
            if on > as_of:
                return None, due.id
            text = PROGRESS_TEXTS[int(rng.random() * len(PROGRESS_TEXTS))].format(t=topic)
            row = self.report(rows, mid, code, aid, unit, "progress", text, on, due)
            reviewed = days.add(on, 1 + int(rng.random() * 3))
            if reviewed > as_of:
                return None, due.id
            self.review(rows, mid, unit, row, reviewed)
            last = on
        if rng.random() < P_STUCK:
            return None, due.id
        if rng.random() < P_REWORK:  # 第十五条: returned, a new deadline, reported again
            on = self.final_day(due, last)
            if on > as_of:
                return None, due.id
            k = int(rng.random() * len(RETURN_REASONS))
            defect = "seal" if k == 0 else "signature" if k == 3 else None
            text = REPORT_TEXTS[int(rng.random() * len(REPORT_TEXTS))].format(t=topic)
            row = self.report(rows, mid, code, aid, unit, "final", text, on, due, defect=defect)
            reviewed = days.add(on, 1 + int(rng.random() * 4))
            if reviewed > as_of:
                return None, due.id
            within = 15 if rng.random() < 0.8 else 10
            new_on = days.add(reviewed, within)
            reason = RETURN_REASONS[k]
            stamp = self.review(rows, mid, unit, row, reviewed, reason=reason, new_due=new_on)
            new = self.deadline(rows, mid, aid, new_on, within, reviewed,
                                days.provisional(reviewed, new_on), "rework", reviewed, stamp,
                                previous=due.id)  # fmt: skip
            self.history(mid, "review.return", reviewed, stamp, report_id=row[0],
                         unit=unit.name, kind="final", reason=reason, previous_due=d(due.on),
                         **self.due_detail(new), original_due=d(original.on))  # fmt: skip
            due, last = new, reviewed
        on = self.final_day(due, last)
        if on > as_of:
            return None, due.id
        text = REPORT_TEXTS[int(rng.random() * len(REPORT_TEXTS))].format(t=topic)
        row = self.report(rows, mid, code, aid, unit, "final", text, on, due)
        k = rng.random()
        wait = 0 if k < 0.15 else 1 + int(rng.random() * (4 if k < 0.9 else 12))
        reviewed = days.add(on, wait) if wait else on
        if reviewed > as_of:
            return None, due.id
        stamp = self.review(rows, mid, unit, row, reviewed)
        self.history(mid, "assignment.complete", reviewed, stamp, assignment_id=aid,
                     unit=unit.name)  # fmt: skip
        return reviewed, due.id

    # -- the whole register ------------------------------------------------------------

    def unit_rows(self) -> Rows:
        """The units, added (`unit import`) the day before the old ledger was imported."""
        rows = new_rows()
        ids = {u.name: u.id for u in self.units}
        day = self.import_t // DAY_US - 1
        for unit in self.units:
            stamp = self.format_t(self.import_t - DAY_US + unit.id * 2100)
            head = unit.head_on(day)
            parent = ids.get(unit.parent) if unit.parent else None
            rows["unit"].append(
                (unit.id, unit.name, unit.code, unit.kind, unit.heads[-1][1], parent, stamp)
            )
            self.history(None, "unit.add", day, stamp, unit_id=unit.id, name=unit.name,
                         code=unit.code, kind=unit.kind, head=head, parent=unit.parent)  # fmt: skip
        self.flush(rows)
        return rows

    def unit_edits(self) -> list[tuple[int, Unit, str, str]]:
        """The heads who took over since the cut-over (`unit edit --head`), by date."""
        edits = []
        for unit in self.units:
            for (_, before), (since, after) in zip(unit.heads, unit.heads[1:], strict=False):
                if self.cutover <= since <= self.as_of:
                    edits.append((since, unit, before, after))
        return sorted(edits, key=lambda e: (e[0], e[1].id), reverse=True)

    def chunks(self) -> Iterator[Rows]:
        """The rows: the units, then the matters in the order received, a chunk at a time."""
        self.setup_leaders()
        yield self.unit_rows()
        edits = self.unit_edits()
        rows = new_rows()
        seq: dict[int, int] = {}
        for k, received in enumerate(self.received_days(), start=1):
            while edits and edits[-1][0] <= received:
                since, unit, before, after = edits.pop()
                self.t = 0
                self.history(None, "unit.edit", since, self.stamp(since), unit_id=unit.id,
                             name=unit.name, changes={"head": [before, after]})  # fmt: skip
                self.flush(rows)
            year = self.days.year(received)
            seq[year] = seq.get(year, 0) + 1
            self.matter(rows, received, year, seq[year])
            if k % CHUNK == 0:
                yield rows
                rows = new_rows()
        for since, unit, before, after in reversed(edits):
            self.t = 0
            self.history(None, "unit.edit", since, self.stamp(since), unit_id=unit.id,
                         name=unit.name, changes={"head": [before, after]})  # fmt: skip
        self.flush(rows)
        yield rows


# -- writing -----------------------------------------------------------------------------


def insert_sql(table: str) -> str:
    columns = TABLES[table]
    quoted = ", ".join(columns)
    return f"INSERT INTO {table} ({quoted}) VALUES ({', '.join('?' * len(columns))})"


def write(path: Path, chunks: Any, done: Any) -> None:
    """Write the chunks as they come, in one transaction, until a None; report the counts.

    It runs in a process of its own, so that SQLite inserts one chunk while the next is
    generated.  The schema's indexes are dropped while loading and made again at the
    end, exactly as the migrations made them.
    """
    counts = dict.fromkeys(ORDER, 0)
    try:
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute("PRAGMA cache_size = -262144")  # 256 MiB
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute("BEGIN")
            indexes = conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            ).fetchall()
            for name, _ in indexes:
                conn.execute(f"DROP INDEX {name}")
            sql = {table: insert_sql(table) for table in ORDER}
            while (rows := chunks.get()) is not None:
                for table in ORDER:
                    if rows[table]:
                        conn.executemany(sql[table], rows[table])
                        counts[table] += len(rows[table])
            for _, create in indexes:
                conn.execute(create)
            conn.execute("COMMIT")
            conn.execute("ANALYZE")
            conn.execute("PRAGMA journal_mode = WAL")
        finally:
            conn.close()
    except Exception as exc:  # to the parent, which says it in one line
        done.put(f"{type(exc).__name__}: {exc}")
        while chunks.get() is not None:  # let the generator finish putting
            pass
        return
    done.put(counts)


def build(path: Path, matters: int, seed: int, as_of: dt.date, history_from: dt.date) -> dict:
    """Create the register at `path` with duban, then fill it; returns the row counts."""
    from duban.db import open_engine

    open_engine(str(path), create=True).engine.dispose()
    builder = Builder(matters, seed, as_of, history_from)
    mp = multiprocessing.get_context("fork")
    chunks, done = mp.Queue(maxsize=2), mp.Queue()
    writer = mp.Process(target=write, args=(path, chunks, done), name="writer")
    writer.start()

    def wait(step: Callable[[], object]) -> object:
        """Put or get, but never wait forever on a writer that died."""
        while True:
            try:
                return step()
            except (queue.Full, queue.Empty):
                if not writer.is_alive():
                    raise RuntimeError(
                        f"the writer process died (exit {writer.exitcode})"
                    ) from None

    try:
        for rows in builder.chunks():
            wait(lambda rows=rows: chunks.put(rows, timeout=1))
    finally:
        if writer.is_alive():
            wait(lambda: chunks.put(None, timeout=1))
    result = wait(lambda: done.get(timeout=1))
    writer.join()
    if isinstance(result, str):
        raise RuntimeError(result)
    result["open matters"] = builder.open_matters
    return result


def check(path: Path) -> None:
    """PRAGMA integrity_check and foreign_key_check: both must be clean."""
    conn = sqlite3.connect(path)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchall()
        if integrity != [("ok",)]:
            raise RuntimeError(f"integrity_check: {integrity[:3]}")
        broken = conn.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign_key_check: {len(broken)} rows, e.g. {broken[:3]}")
    finally:
        conn.close()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="make_register.py",
        description="Build a realistic duban register (SQLite) of N matters, for benchmarks.",
    )
    parser.add_argument("--matters", type=int, required=True, help="how many matters")
    parser.add_argument("--db", type=Path, required=True, help="the register file to create")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    parser.add_argument(
        "--as-of",
        type=dt.date.fromisoformat,
        default=DEFAULT_AS_OF,
        help=f"the data's today: nothing happens after it (default {DEFAULT_AS_OF})",
    )
    parser.add_argument(
        "--history-from",
        type=dt.date.fromisoformat,
        default=None,
        help="the cut-over: full history from this day (default 1 June of the year before --as-of)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")
    parser.add_argument(
        "--check", action="store_true", help="run integrity_check and foreign_key_check after"
    )
    parser.add_argument("--verbose", action="store_true", help="print the counts to stderr")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    prog = "make_register.py"
    if args.matters < 1:
        print(f"{prog}: --matters must be 1 or more, not {args.matters}", file=sys.stderr)
        return 2
    as_of: dt.date = args.as_of
    history_from = args.history_from or dt.date(as_of.year - 1, 6, 1)
    if not FIRST_DAY < as_of <= dt.date(2030, 12, 31) or not FIRST_DAY < history_from <= as_of:
        print(f"{prog}: --as-of and --history-from must fall in {FIRST_DAY}..2030", file=sys.stderr)
        return 2
    path: Path = args.db
    if path.exists() or path.is_symlink():
        if not args.force:
            print(f"{prog}: {path} exists: give --force to overwrite it", file=sys.stderr)
            return 2
        if path.is_dir():
            print(f"{prog}: {path} is a folder", file=sys.stderr)
            return 2
    for suffix in ("", "-wal", "-shm", "-journal"):
        if args.force or suffix:
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    if not path.parent.is_dir():
        print(f"{prog}: the folder {path.parent} does not exist", file=sys.stderr)
        return 2
    start = time.perf_counter()
    try:
        counts = build(path, args.matters, args.seed, as_of, history_from)
        if args.check:
            check(path)
    except Exception as exc:  # one line, never a traceback; nothing half-built left behind
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        print(f"{prog}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if args.verbose:
        took = time.perf_counter() - start
        n = args.matters
        parts = [f"{table} {count:,} ({count / n:.2f}/matter)" for table, count in counts.items()]
        print(f"{prog}: {path}: " + ", ".join(parts) + f"; {took:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
