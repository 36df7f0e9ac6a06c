"""Settings that change what the register means, kept in the register itself.

Every user of a shared register sees the same ones; `duban config` shows and sets
them and each change is recorded in the history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from duban.errors import BadValue
from duban.i18n import N_, _


def _bool(text: str) -> str:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on", "是"):
        return "true"
    if value in ("0", "false", "no", "off", "否"):
        return "false"
    raise BadValue(_("{text!r} is not true or false").format(text=text))


def _tz(text: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadValue(
            _("unknown time zone {name!r}: use a name like Asia/Shanghai").format(name=text)
        ) from exc
    return text


def _workdays(text: str) -> str:
    try:
        n = int(text)
    except ValueError as exc:
        raise BadValue(
            _("{text!r} is not a whole number of working days").format(text=text)
        ) from exc
    if not 1 <= n <= 250:
        raise BadValue(_("a default deadline must be 1 to 250 working days"))
    return str(n)


def _lang(text: str) -> str:
    value = text.strip().lower()
    if value in ("", "zh", "en"):
        return value
    raise BadValue(_("{text!r} is not a language: use zh or en").format(text=text))


def _date_format(text: str) -> str:
    value = text.strip().lower()
    if value in ("iso", "chinese"):
        return value
    raise BadValue(_("{text!r} is not a date format: use iso or chinese").format(text=text))


def parse_thresholds(text: str) -> tuple[tuple[int | None, int], ...]:
    """`light_thresholds` ("10:2,30:5,*:10") as ((10, 2), (30, 5), (None, 10)): a deadline
    of up to N working days turns yellow W working days ahead; `*` is any longer one."""
    bad = BadValue(
        _(
            "{text!r} is not a list of thresholds: give SPAN:AHEAD in working days, spans "
            "rising, ending with *:AHEAD, e.g. 10:2,30:5,*:10"
        ).format(text=text)
    )
    out: list[tuple[int | None, int]] = []
    for part in text.replace(" ", "").split(","):
        span, colon, ahead = part.partition(":")
        if not colon or not ahead.isdigit() or not (span == "*" or span.isdigit()):
            raise bad
        most = None if span == "*" else int(span)
        if out and (out[-1][0] is None or (most is not None and most <= out[-1][0])):
            raise bad
        if most == 0:
            raise bad
        out.append((most, int(ahead)))
    if not out or out[-1][0] is not None:
        raise bad
    return tuple(out)


# A per-source deadline's count: at most this many working days or calendar months.
MOST_WORKDAYS, MOST_MONTHS = 250, 24


def parse_source_deadlines(text: str) -> dict[str, tuple[int, str]]:
    """`source_deadlines` ("proposal:3m,npc:60") as {"proposal": (3, "m"), "npc": (60, "d")}:
    each source (or proposer, npc/cppcc) with its default deadline in calendar months
    (`Nm`) or working days (`N`).  Sources may be typed in Chinese (人大建议:3m)."""
    from duban.vocab import parse_source

    out: dict[str, tuple[int, str]] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        word, colon, spec = (x.strip() for x in part.partition(":"))
        bad = BadValue(
            _(
                "{part!r} is not SOURCE:DEADLINE: give a source (or npc, cppcc) and N working "
                "days or Nm calendar months, e.g. proposal:3m,hotspot:10"
            ).format(part=part.strip())
        )
        if not colon or not word:
            raise bad
        source, whose = parse_source(word)
        key = whose or source  # 人大建议, npc: the proposer's; proposal: every proposal
        months = spec.lower().endswith("m")
        number = spec[:-1] if months else spec
        if not number.isdigit():
            raise bad
        n, most = int(number), MOST_MONTHS if months else MOST_WORKDAYS
        if not 1 <= n <= most:
            raise BadValue(
                _("{part!r}: a default deadline must be 1 to {most} {what}").format(
                    part=part.strip(),
                    most=most,
                    what=_("calendar months") if months else _("working days"),
                )
            )
        if key in out:
            raise BadValue(_("{source} is given twice").format(source=key))
        out[key] = (n, "m" if months else "d")
    return out


def _source_deadlines(text: str) -> str:
    return ",".join(
        f"{key}:{n}{'m' if unit == 'm' else ''}"
        for key, (n, unit) in parse_source_deadlines(text).items()
    )


def _rest_day(text: str) -> str:
    value = text.strip().lower()
    if value in ("next", "keep"):
        return value
    raise BadValue(_("{text!r} is not a rest-day rule: use next or keep").format(text=text))


def _folder(text: str) -> str:
    """`attachments_dir`: empty, or an absolute path (the same for every user and folder)."""
    from pathlib import Path

    value = text.strip()
    if value and not Path(value).expanduser().is_absolute():
        raise BadValue(_("{text!r} is not an absolute path").format(text=text))
    return value


def _command(text: str) -> str:
    return text.strip()


def _text(text: str) -> str:
    """A name that may not be empty (`office_name`)."""
    if not text.strip():
        raise BadValue(_("the office's name may not be empty"))
    return text.strip()


def _future_days(text: str) -> str:
    """`future_days`: 0 to 31 calendar days."""
    if not text.strip().isdigit() or not 0 <= int(text) <= 31:
        raise BadValue(_("{text!r} is not 0 to 31 days").format(text=text))
    return str(int(text))


def _deadline_years(text: str) -> str:
    """`deadline_years`: 1 to 20 years."""
    if not text.strip().isdigit() or not 1 <= int(text) <= 20:
        raise BadValue(_("{text!r} is not 1 to 20 years").format(text=text))
    return str(int(text))


def _report_within(text: str) -> str:
    """`urge_report_within`: 1 to 60 working days."""
    if not text.strip().isdigit() or not 1 <= int(text) <= 60:
        raise BadValue(_("{text!r} is not 1 to 60 working days").format(text=text))
    return str(int(text))


# The bulletin's rules (第二十二条): the conditions on a unit's scorecard of the period.
# `commend_rule` commends a unit when ALL its conditions hold, `criticise_rule` criticises
# it when ANY of its conditions holds; comma-separated; empty: nobody.
RULE_TERMS = (
    "on_time_all",  # every assignment due in the period completed on time (at least one)
    "on_time_original_all",  # ... completed by its original deadline
    "none_late",  # none completed late
    "none_overdue",  # nothing overdue at the period's end
    "none_returned",  # no report returned for rework in the period
    "none_extended",  # no extension granted in the period
    "overdue_after_urging",  # still overdue at the period's end after being urged
    "overdue",  # something overdue at the period's end
    "late",  # an assignment completed late
    "returned",  # a report returned for rework in the period
)


def parse_rule(text: str) -> tuple[str, ...]:
    """A bulletin rule ("on_time_all,none_returned") as its terms, each checked."""
    terms = tuple(t.strip().lower() for t in text.split(",") if t.strip())
    for term in terms:
        if term not in RULE_TERMS:
            raise BadValue(
                _("unknown rule term {term!r}: use some of {terms}, comma-separated").format(
                    term=term, terms=", ".join(RULE_TERMS)
                )
            )
    return terms


def _rule(text: str) -> str:
    return ",".join(parse_rule(text))


def _thresholds(text: str) -> str:
    return ",".join(
        f"{'*' if most is None else most}:{ahead}" for most, ahead in parse_thresholds(text)
    )


@dataclass(frozen=True)
class Setting:
    key: str
    default: str
    check: Callable[[str], str]
    help: str


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in (
        Setting(
            "timezone",
            "Asia/Shanghai",
            _tz,
            N_("the office's time zone: what 'today' means (DUBAN_TZ overrides it for one run)"),
        ),
        Setting(
            "default_within",
            "15",
            _workdays,
            N_("working days a report is due after receipt when no deadline is given (第十二条)"),
        ),
        Setting(
            "source_deadlines",
            "proposal:3m",
            _source_deadlines,
            N_(
                "default deadlines by source (第十二条): SOURCE:N working days or SOURCE:Nm "
                "calendar months, comma-separated; npc and cppcc name whose proposals; the "
                "default proposal:3m answers proposals within three months; a source not "
                "named takes default_within"
            ),
        ),
        Setting(
            "rest_day_due",
            "next",
            _rest_day,
            N_(
                "a deadline given as a date, or counted in months, that falls on a rest day: "
                "next runs it to the next working day (民法典 第二百零三条), keep keeps it"
            ),
        ),
        Setting(
            "lang",
            "",
            _lang,
            N_(
                "the language of what duban prints for this register: zh or en (empty: the "
                "locale decides; --lang and DUBAN_LANG override it)"
            ),
        ),
        Setting(
            "date_format",
            "iso",
            _date_format,
            N_(
                "how Chinese tables show dates: iso (2026-11-20) or chinese (2026年11月20日); "
                "JSON and CSV keep ISO dates"
            ),
        ),
        Setting(
            "strict_calendar",
            "false",
            _bool,
            N_("refuse a deadline in a year whose holiday schedule is not published or loaded"),
        ),
        Setting(
            "light_thresholds",
            "10:2,30:5,*:10",
            _thresholds,
            N_(
                "when a light turns yellow: SPAN:AHEAD pairs in working days; the default "
                "10:2,30:5,*:10 warns a deadline of up to 10 working days 2 ahead, up to 30 "
                "5 ahead, a longer one 10 ahead"
            ),
        ),
        Setting(
            "attachments_dir",
            "",
            _folder,
            N_(
                "the folder that keeps the copies of attached files (report --attach, inspect "
                "--research-file), an absolute path; empty: REGISTER.files beside a register "
                "file, the user's data folder for a PostgreSQL register"
            ),
        ),
        Setting(
            "commend_rule",
            "on_time_all,none_returned",
            _rule,
            N_(
                "the bulletin commends a unit when all these hold (第二十二条): comma-separated "
                "terms among on_time_all, on_time_original_all, none_late, none_overdue, "
                "none_returned, none_extended; empty: nobody"
            ),
        ),
        Setting(
            "criticise_rule",
            "overdue_after_urging",
            _rule,
            N_(
                "the bulletin criticises a unit when any of these holds (第二十二条): "
                "comma-separated terms among overdue_after_urging, overdue, late, returned; "
                "empty: nobody"
            ),
        ),
        Setting(
            "notify_command",
            "",
            _command,
            N_(
                "a shell command each new urging and each unit turning red (duban notify) is "
                "piped to, as JSON on stdin; empty: none"
            ),
        ),
        Setting(
            "office_name",
            "鄂尔多斯市人民政府督查室",
            _text,
            N_("the office's name: the masthead and signature of its documents (notice, bulletin)"),
        ),
        Setting(
            "office_contact",
            "",
            _command,
            N_("the contact person and telephone printed on the office's notices"),
        ),
        Setting(
            "document_cc",
            "",
            _command,
            N_("whom copies of the office's documents go to (抄送), printed in their 版记"),
        ),
        Setting(
            "urge_report_within",
            "3",
            _report_within,
            N_("working days after an urging notice by which the unit must report (催办通知书)"),
        ),
        Setting(
            "future_days",
            "0",
            _future_days,
            N_(
                "how many days after today a business date may be (received, notified, "
                "reported, reviewed, closed, urged...), 0 to 31; the default 0 refuses any "
                "date after today: a register records what has happened"
            ),
        ),
        Setting(
            "deadline_years",
            "5",
            _deadline_years,
            N_(
                "how many years after its start a deadline may fall (--due, --within, a "
                "proposed deadline), 1 to 20"
            ),
        ),
    )
}


def find(key: str) -> Setting:
    """The setting named `key`; BadValue naming the known ones otherwise."""
    setting = SETTINGS.get(key)
    if setting is None:
        raise BadValue(
            _("unknown setting {key!r}: use one of {keys}").format(
                key=key, keys=", ".join(SETTINGS)
            )
        )
    return setting
