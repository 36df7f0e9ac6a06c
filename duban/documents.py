"""Official documents (公文) in the layout of GB/T 9704-2012: the bulletin (督查通报), the
supervision notice (督办通知单) and the urging notice (催办通知书).

A document is first a list of blocks (masthead, number, title, addressee, paragraphs,
headings, tables, signature, distribution block); the blocks are then written as a Word
file (python-docx, imported only when a file is written, so that `duban --help` stays
fast) or as Markdown.  The figures (page, margins, fonts, spacing) are in
docs/documents.md.  The words are the run's catalogue's (English or Chinese).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from duban.i18n import N_, in_language
from duban.text import visible

# GB/T 9704-2012: A4, margins (mm), the body's size and exact line spacing (pt).
PAGE_MM = (210, 297)
MARGINS_MM = {"top": 37, "left": 28, "bottom": 35, "right": 26}
BODY_PT, TITLE_PT, SMALL_PT, LINE_PT = 16, 22, 14, 28.9
RED = "FF0000"

# The East Asian font of each part, and its Latin fallback.
FONTS = {
    "body": ("仿宋_GB2312", "Times New Roman"),
    "title": ("方正小标宋简体", "Times New Roman"),
    "h1": ("黑体", "Times New Roman"),
    "h2": ("楷体_GB2312", "Times New Roman"),
    "page": ("宋体", "Times New Roman"),
}

DEFAULT_OFFICE = "鄂尔多斯市人民政府督查室"
ADDRESSEE = "各旗区人民政府，市人民政府各部门："
NUMERALS = "一二三四五六七八九十"
SPACE = "\u3000"  # an ideographic space


def chinese_date(day: dt.date) -> str:
    """2026年11月26日: Arabic digits, the year in full, no leading zeros."""
    return f"{day.year}年{day.month}月{day.day}日"


def document_number(prefix: str, year: int, n: int | None) -> str:
    """督查通报〔2026〕3号; without a number (a draft), a space is left for it."""
    return f"{prefix}〔{year}〕{n if n is not None else SPACE}号"


def period_name(start: dt.date, end: dt.date) -> str:
    """2026年第四季度, 2026年10月, 2026年, or 2026年10月1日至2026年11月15日."""
    nxt = end + dt.timedelta(days=1)
    if start.day == 1 and nxt.day == 1 and start.year == end.year:
        months = (end.month - start.month) + 1
        if months == 12:
            return f"{start.year}年"
        if months == 3 and start.month % 3 == 1:
            return f"{start.year}年第{NUMERALS[start.month // 3]}季度"
        if months == 6 and start.month in (1, 7):
            return f"{start.year}年{'上' if start.month == 1 else '下'}半年"
        if months == 1:
            return f"{start.year}年{start.month}月"
    return f"{chinese_date(start)}至{chinese_date(end)}"


@dataclass
class Doc:
    """A document as blocks: (kind, payload).  Kinds: masthead, number, title, addressee,
    p, h1, h2, table, note, signature, banji, break."""

    lang: str
    blocks: list[tuple[str, Any]] = field(default_factory=list)

    def t(self, message: str) -> str:
        return in_language(message, self.lang)

    def add(self, kind: str, payload: Any = None) -> None:
        self.blocks.append((kind, payload))


def _iso(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _pct(rate: Any) -> str:
    return f"{float(rate or 0) * 100:.1f}%"


def _day(value: Any, lang: str) -> str:
    if value in (None, ""):
        return "—"
    day = _iso(value)
    return chinese_date(day) if lang == "zh" else day.isoformat()


# -- the three documents as blocks ----------------------------------------------------


def bulletin_blocks(data: dict[str, Any], lang: str) -> Doc:
    """The 督查通报 from the bulletin's data (`duban bulletin --json`)."""
    doc = Doc(lang)
    t = doc.t
    start, end = _iso(data["from"]), _iso(data["to"])
    office = data.get("office") or DEFAULT_OFFICE
    period = period_name(start, end) if lang == "zh" else f"{start} – {end}"
    signed = _iso(data.get("date") or data["to"])
    totals = data.get("totals", {})
    doc.add("masthead", office)
    doc.add("number", document_number(t(N_("Bulletin")), signed.year, data.get("number")))
    doc.add(
        "title",
        t(N_("Bulletin on how the matters under supervision were carried out in {period}")).format(
            period=period
        ),
    )
    doc.add(
        "addressee",
        t(N_("To the banner and district governments and the city government's departments:")),
    )
    doc.add("p", t(N_(
        "Under article 22 of the supervision work system, {office} checked how the matters "
        "under supervision were carried out in {period}. The findings are as follows:"
    )).format(office=office, period=period))  # fmt: skip
    doc.add("h1", t(N_("1. Overall")))
    doc.add("p", t(N_(
        "In {period}, {registered} matter(s) were registered for supervision and {closed} "
        "closed, a closing rate of {rate}; {in_progress} are in progress and {overdue} overdue."
    )).format(
        period=period, registered=totals.get("registered", 0), closed=totals.get("closed", 0),
        rate=_pct(totals.get("closing_rate")), in_progress=totals.get("in_progress", 0),
        overdue=totals.get("overdue", 0),
    ))  # fmt: skip
    doc.add("h1", t(N_("2. Units commended")))
    commend = list(data.get("commend") or [])
    if commend:
        doc.add("p", t(N_(
            "The following units completed every matter due in the period on time, with no "
            "report returned for rework, and are commended: {units}."
        )).format(units="、".join(commend)))  # fmt: skip
    else:
        doc.add("p", t(N_("No unit completed every matter due in the period on time.")))
    doc.add("h1", t(N_("3. Units criticised")))
    criticised = list(data.get("criticised") or [])
    if criticised:
        names = [c["unit"] for c in criticised]
        doc.add("p", t(N_(
            "The following units are still overdue after being urged, and are criticised: "
            "{units}."
        )).format(units="、".join(names)))  # fmt: skip
        for i, item in enumerate(criticised):
            number = f"（{NUMERALS[i]}）" if i < len(NUMERALS) else f"（{i + 1}）"
            doc.add("h2", f"{number}{item['unit']}")
            for m in item.get("matters", []):
                doc.add("p", t(N_(
                    "“{title}” ({code}): due {due}, {days} day(s) overdue, urged {times} time(s)."
                )).format(
                    title=m["title"], code=m["code"], due=_day(m.get("due"), lang),
                    days=m.get("days_overdue", 0), times=m.get("times_urged", 0),
                ))  # fmt: skip
        doc.add("p", t(N_(
            "The units criticised are to put this right within {n} working days of receiving "
            "this bulletin and report in writing to {office} how they did so."
        )).format(n=data.get("rectify_within", 10), office=office))  # fmt: skip
    else:
        doc.add("p", t(N_("No unit is still overdue after being urged.")))
    doc.add("h1", t(N_("4. Next steps")))
    doc.add("p", t(N_(
        "Every unit is to keep to its deadlines, report as the regulation asks, and see each "
        "matter through until it is closed. {office} will keep urging the matters overdue and "
        "report on them in the next bulletin."
    )).format(office=office))  # fmt: skip
    doc.add("note", t(N_("Attachments: 1. The units' scorecards  2. The matters closed")))
    doc.add("signature", (office, chinese_date(signed) if lang == "zh" else signed.isoformat()))
    doc.add("break")
    doc.add("h1", t(N_("Attachment 1: The units' scorecards")))
    keys = ["unit", "due", "on_time", "late", "overdue", "returned", "extended", "on_time_rate"]
    heads = [t(N_("Unit")), t(N_("Due in the period")), t(N_("On time")), t(N_("Late")), t(N_("Overdue")),
             t(N_("Returned")), t(N_("Extended")), t(N_("On-time rate"))]  # fmt: skip
    if any("rank" in row for row in data.get("scorecards") or []):
        keys, heads = ["rank", *keys], [t(N_("Rank")), *heads]
    rows = [
        [_pct(row.get(k)) if k == "on_time_rate" else str(row.get(k, "")) for k in keys]
        for row in data.get("scorecards") or []
    ]
    doc.add("table", (heads, rows))
    doc.add("h1", t(N_("Attachment 2: The matters closed")))
    closed = [
        [m["code"], m["title"], "、".join(m.get("units") or []), _day(m.get("closed"), lang)]
        for m in data.get("closed") or []
    ]
    doc.add("table", ([t(N_("Code")), t(N_("Title")), t(N_("Units")), t(N_("Closed"))], closed))
    doc.add("banji", _banji(data, office, signed, lang))
    return doc


def _banji(data: dict[str, Any], office: str, day: dt.date, lang: str) -> tuple[str, str]:
    """The distribution block (版记): whom copies go to, who printed it and when."""
    printed = chinese_date(day) if lang == "zh" else day.isoformat()
    return (
        in_language(N_("Copies to: {cc}"), lang).format(cc=data.get("cc") or "—"),
        in_language(N_("{office}, printed {day}"), lang).format(office=office, day=printed),
    )


def notice_blocks(data: dict[str, Any], lang: str) -> Doc:
    """The 督办通知单 (`kind` assign) or 催办通知书 (`kind` urge) from `notice --json`."""
    doc = Doc(lang)
    t = doc.t
    office = data.get("office") or DEFAULT_OFFICE
    on = _iso(data["on"])
    doc.add("masthead", office)
    doc.add("number", data["number"])
    urge = data["kind"] == "urge"
    doc.add("title", t(N_("Urging notice")) if urge else t(N_("Supervision notice")))
    doc.add("addressee", t(N_("{unit}:")).format(unit=data["unit"]))
    if urge:
        doc.add("p", data["text"])
        doc.add("p", t(N_(
            "The matter was assigned to your unit on {notified}; its original deadline was "
            "{original_due} and its deadline is {due}, now {days} day(s) past; it was urged "
            "{times} time(s) before this notice."
        )).format(
            notified=_day(data.get("notified"), lang), original_due=_day(data.get("original_due"), lang),
            due=_day(data.get("due"), lang), days=data.get("days_overdue", 0),
            times=data.get("times_urged", 0),
        ))  # fmt: skip
        doc.add("p", t(N_(
            "Under {article} of the supervision work system, please report in writing to "
            "{office} how the matter was handled by {report_by}: the report signed by your "
            "unit's head and sealed."
        )).format(
            article=data.get("article", "第十二条"), office=office,
            report_by=_day(data.get("report_by"), lang),
        ))  # fmt: skip
    else:
        doc.add("p", t(N_(
            "The matter below is assigned to your unit ({role}). Please handle it as follows."
        )).format(role=data.get("role_term") or data.get("role", "")))  # fmt: skip
        doc.add("h1", t(N_("1. The matter")))
        doc.add(
            "p",
            t(N_("“{title}” ({code}), received {received}.")).format(
                title=data["title"], code=data["code"], received=_day(data.get("received"), lang)
            ),
        )
        source = data.get("source_term") or data.get("source") or ""
        doc.add(
            "p",
            t(N_("Source: {source}; reference: {ref}; leader: {leader}.")).format(
                source=source, ref=data.get("source_ref") or "—", leader=data.get("leader") or "—"
            ),
        )
        doc.add("h1", t(N_("2. Requirements")))
        for line in (data.get("plan") or t(N_(
            "Handle the matter as the leader's instruction and the regulation ask, and report "
            "its results."
        ))).splitlines():  # fmt: skip
            if line.strip():
                doc.add("p", line.strip())
        doc.add("h1", t(N_("3. Units")))
        doc.add("p", t(N_("Lead unit(s): {leads}; participating unit(s): {participants}; responsible person: {person}.")).format(
            leads="、".join(data.get("lead_units") or []) or "—",
            participants="、".join(data.get("participants") or []) or "—",
            person=data.get("responsible") or "—"))  # fmt: skip
        doc.add("h1", t(N_("4. Deadline")))
        if data.get("within"):
            deadline = t(N_("within {n} working day(s) of {notified}, that is by {due}")).format(
                n=data["within"], notified=_day(data.get("notified"), lang),
                due=_day(data.get("due"), lang))  # fmt: skip
        else:
            deadline = t(N_("by {due}")).format(due=_day(data.get("due"), lang))
        doc.add(
            "p",
            t(N_("Complete the matter and report its results {deadline}.")).format(
                deadline=deadline
            ),
        )
        doc.add("h1", t(N_("5. How to report")))
        doc.add("p", t(N_(
            "Report in writing, one matter a report, signed by your unit's head ({head}) and "
            "sealed (第十二条)."
        )).format(head=data.get("head") or "—"))  # fmt: skip
    doc.add("p", t(N_("Contact: {contact}")).format(contact=data.get("contact") or "—"))
    doc.add("signature", (office, chinese_date(on) if lang == "zh" else on.isoformat()))
    doc.add("banji", _banji(data, office, on, lang))
    return doc


# -- Markdown ---------------------------------------------------------------------------


def markdown(doc: Doc) -> str:
    """The document as Markdown (what `notice` prints without --out, the bulletin's .md)."""
    out: list[str] = []
    for kind, x in doc.blocks:
        if kind == "masthead":
            out += [f"**{x}**", ""]
        elif kind == "number":
            out += [x, "", "---", ""]
        elif kind == "title":
            out += [f"# {x}", ""]
        elif kind in ("addressee", "p", "note"):
            out += [x, ""]
        elif kind == "h1":
            out += [f"## {x}", ""]
        elif kind == "h2":
            out += [f"### {x}", ""]
        elif kind == "table":
            heads, rows = x
            out.append("| " + " | ".join(heads) + " |")
            out.append("|" + " --- |" * len(heads))
            for row in rows:
                out.append("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |")
            out.append("")
        elif kind == "signature":
            out += [x[0], "", x[1], ""]
        elif kind == "banji":
            out += ["---", "", x[0], "", x[1], ""]
        elif kind == "break":
            out += ["---", ""]
    return "\n".join(out).rstrip() + "\n"


def bulletin_markdown(data: dict[str, Any], lang: str) -> str:
    return markdown(bulletin_blocks(data, lang))


def notice_markdown(data: dict[str, Any], lang: str) -> str:
    return markdown(notice_blocks(data, lang))


# -- Word -------------------------------------------------------------------------------

# The order of a paragraph's properties in WordprocessingML (what goes before what).
_PPR_ORDER = (
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
    "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
    "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
    "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap",
    "jc", "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId",
    "cnfStyle", "rPr", "sectPr", "pPrChange",
)  # fmt: skip


def _put(ppr: Any, element: Any) -> None:
    """Put a property into a paragraph's (or style's) pPr in its place, replacing its like."""
    from docx.oxml.ns import qn

    name = element.tag.split("}")[1]
    for old in ppr.findall(qn(f"w:{name}")):
        ppr.remove(old)
    later = set(_PPR_ORDER[_PPR_ORDER.index(name) + 1 :])
    for i, child in enumerate(ppr):
        if child.tag.split("}")[1] in later:
            ppr.insert(i, element)
            return
    ppr.append(element)


def _el(tag: str, **attrs: str) -> Any:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = OxmlElement(f"w:{tag}")
    for key, value in attrs.items():
        el.set(qn(f"w:{key}"), value)
    return el


def _fonts(rpr: Any, part: str) -> None:
    """East Asian and Latin fonts set apart (rFonts eastAsia, ascii, hAnsi)."""
    from docx.oxml.ns import qn

    east, latin = FONTS[part]
    fonts = rpr.get_or_add_rFonts()
    for key, name in (("ascii", latin), ("hAnsi", latin), ("eastAsia", east), ("cs", latin)):
        fonts.set(qn(f"w:{key}"), name)


class _Word:
    def __init__(self) -> None:
        import docx
        from docx.enum.text import WD_LINE_SPACING
        from docx.shared import Mm, Pt, RGBColor

        self.Pt, self.RGB = Pt, RGBColor
        self.doc = docx.Document()
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
        section.top_margin, section.left_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["left"])
        section.bottom_margin = Mm(MARGINS_MM["bottom"])
        section.right_margin = Mm(MARGINS_MM["right"])
        section.footer_distance = Mm(28)  # the number 7 mm below the type area
        normal = self.doc.styles["Normal"]
        normal.font.size = Pt(BODY_PT)
        _fonts(normal.element.get_or_add_rPr(), "body")
        fmt = normal.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(LINE_PT)
        fmt.space_before = fmt.space_after = Pt(0)
        _put(normal.element.get_or_add_pPr(), _el("snapToGrid", val="0"))
        self._page_numbers(section)

    def _page_numbers(self, section: Any) -> None:
        """ "— 1 —" in 4号宋体: odd pages right, even pages left, one character in."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        self.doc.settings.odd_and_even_pages_header_footer = True
        for footer, align in (
            (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
            (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
        ):
            p = footer.paragraphs[0]
            p.alignment = align
            fmt = p.paragraph_format
            fmt.first_line_indent = self.Pt(0)
            if align == WD_ALIGN_PARAGRAPH.RIGHT:
                fmt.right_indent = self.Pt(SMALL_PT)
            else:
                fmt.left_indent = self.Pt(SMALL_PT)
            self._run(p, "— ", "page", SMALL_PT)
            run = self._run(p, "", "page", SMALL_PT)
            for el in (_el("fldChar", fldCharType="begin"), _el("instrText"),
                       _el("fldChar", fldCharType="separate")):  # fmt: skip
                if el.tag.endswith("instrText"):
                    el.text = " PAGE "
                    el.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                run._r.append(el)
            number = self._run(p, "1", "page", SMALL_PT)
            number._r.append(_el("fldChar", fldCharType="end"))
            self._run(p, " —", "page", SMALL_PT)

    def _run(self, p: Any, text: str, part: str, size: float, color: str | None = None) -> Any:
        run = p.add_run(visible(text))  # a control character: shown, never a broken file
        run.font.size = self.Pt(size)
        _fonts(run._r.get_or_add_rPr(), part)
        if color:
            run.font.color.rgb = self.RGB.from_string(color)
        return run

    def para(self, text: str, part: str = "body", *, size: float = BODY_PT, indent: bool = True,
             align: str | None = None, color: str | None = None) -> Any:  # fmt: skip
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        p = self.doc.add_paragraph()
        if indent:
            p.paragraph_format.first_line_indent = self.Pt(BODY_PT * 2)
            p._p.get_or_add_pPr().get_or_add_ind().set(
                "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}firstLineChars",
                "200",
            )
        if align:
            p.alignment = getattr(WD_ALIGN_PARAGRAPH, align)
        if text:
            self._run(p, text, part, size, color)
        return p

    def rule(self, p: Any, edge: str, color: str = "000000", size: int = 8) -> None:
        from docx.oxml.ns import qn

        ppr = p._p.get_or_add_pPr()
        borders = ppr.find(qn("w:pBdr"))
        if borders is None:
            borders = _el("pBdr")
            _put(ppr, borders)
        borders.append(_el(edge, val="single", sz=str(size), space="1", color=color))

    def table(self, heads: list[str], rows: list[list[str]]) -> None:
        table = self.doc.add_table(rows=1, cols=len(heads))
        table.style = "Table Grid"
        for cells, values, part in [(table.rows[0].cells, heads, "h1")] + [
            (table.add_row().cells, row, "body") for row in rows
        ]:
            for cell, value in zip(cells, values, strict=True):
                p = cell.paragraphs[0]
                p.paragraph_format.line_spacing = self.Pt(SMALL_PT * 1.5)
                self._run(p, value, part, SMALL_PT - 2)

    def write(self, doc: Doc, path: Path) -> None:
        for kind, x in doc.blocks:
            if kind == "masthead":
                p = self.para(x, "title", size=30, indent=False, align="CENTER", color=RED)
                p.paragraph_format.line_spacing = self.Pt(44)
                p.paragraph_format.space_before = self.Pt(LINE_PT)
                self.para("", indent=False)
            elif kind == "number":
                p = self.para(x, indent=False, align="CENTER")
                self.rule(p, "bottom", RED, 18)  # the red line, 4 mm below the number
                self.para("", indent=False)
            elif kind == "title":
                p = self.para(x, "title", size=TITLE_PT, indent=False, align="CENTER")
                p.paragraph_format.line_spacing = self.Pt(35)
                self.para("", indent=False)
            elif kind == "addressee":
                self.para(x, indent=False)
            elif kind in ("p", "h1", "h2"):
                self.para(x, "body" if kind == "p" else kind)
            elif kind == "note":
                self.para("", indent=False)
                self.para(x)
            elif kind == "table":
                self.table(*x)
            elif kind == "signature":
                self.para("", indent=False)
                for line in x:
                    p = self.para(line, indent=False, align="RIGHT")
                    p.paragraph_format.right_indent = self.Pt(BODY_PT * 2)
            elif kind == "break":
                self.doc.add_page_break()
            elif kind == "banji":
                self.para("", indent=False)
                first = self.para(x[0], size=SMALL_PT, indent=False)
                first.paragraph_format.left_indent = self.Pt(SMALL_PT)
                self.rule(first, "top", size=8)
                self.rule(first, "bottom", size=4)
                last = self.para(x[1], size=SMALL_PT, indent=False)
                last.paragraph_format.left_indent = self.Pt(SMALL_PT)
                self.rule(last, "bottom", size=8)
        self.doc.save(str(path))


def write_docx(doc: Doc, path: Path) -> None:
    """Write the blocks as a Word file in the GB/T 9704 layout."""
    _Word().write(doc, path)


def bulletin_docx(data: dict[str, Any], path: Path, lang: str) -> None:
    """The 督查通报 as a Word file, from the bulletin's data (`duban bulletin --json`)."""
    write_docx(bulletin_blocks(data, lang), path)


def notice_docx(data: dict[str, Any], path: Path, lang: str) -> None:
    """The 督办通知单 or 催办通知书 as a Word file, from `notice --json`'s fields."""
    write_docx(notice_blocks(data, lang), path)
