"""Dates in what a debtor wrote, absolute or relative, resolved against the day the message was sent.

``2026年12月15日``, ``12月15日``, ``2026-12-15``, ``15 December 2026``, ``Dec 15``; and ``今天``, ``明天``,
``后天``, ``周三前``, ``本周五``, ``下周五``, ``本周内``, ``下周内``, ``月底``, ``下月底``, ``下月初``, ``月中``,
``15号前``, ``下月10号``, ``12月中旬``, ``3天内``, ``5个工作日内``, ``一周内``, ``年底``, ``昨天``; in English
``today``, ``yesterday``, ``tomorrow``, ``by Friday``, ``next Monday``, ``this week``, ``end of the month``,
``early next month``, ``mid-month``, ``within 3 days``, ``within 5 business days``.

Relative dates are resolved against the message's Date in Asia/Shanghai (the caller passes that day).
A week starts on Monday: 周五 / 本周五 / "by Friday" is that weekday of the current week, 下周五 /
"next Friday" of the following one. 本周内 / "this week" is the current week's Friday, 下周内 the next
one's; 月底 the month's last day; 下月初 / "early next month" the 5th; 月中 the 15th (of next month when
this month's is past); 上旬 / 中旬 / 下旬 the 10th / 20th / last day. A date without a year is kept with
its month and day: a promise means the next such date, a payment the last one (``Found.ahead`` /
``Found.behind``). Working days skip weekends only: the statutory calendar lives in the database,
and a deadline one holiday off here only changes when a clerk is asked, not what is owed. A bare
下周 with no day ("余款下周付") is no date.

Pure functions: no clock, no I/O.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from workflow.dates import DateUnreadable, checked_day


@dataclass(frozen=True)
class Found:
    day: date
    start: int
    end: int
    relative: bool
    month_day: tuple[int, int] | None = None  # written without a year: (month, day)

    def ahead(self, anchor: date) -> date:
        """For a promise: a date written without its year is the next such date (on or after the anchor)."""
        if self.month_day is None:
            return self.day
        return _yearless(self.month_day, anchor, ahead=True) or self.day

    def behind(self, anchor: date) -> date:
        """For a payment: a date written without its year is the last such date (on or before the anchor)."""
        if self.month_day is None:
            return self.day
        return _yearless(self.month_day, anchor, ahead=False) or self.day


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9, "十": 10}
_WEEKDAY_CN = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_MONTHS_EN = {m.lower(): i for i, m in enumerate(calendar.month_name) if m} | {
    m.lower(): i for i, m in enumerate(calendar.month_abbr) if m} | {"sept": 9}
_WEEKDAYS_EN = {d.lower(): i for i, d in enumerate(calendar.day_name)} | {
    d.lower(): i for i, d in enumerate(calendar.day_abbr)} | {"tues": 1, "thur": 3, "thurs": 3}


def cn_number(s: str) -> int | None:
    """``15``, ``十五``, ``二十``, ``三`` → int (up to 99); None for anything else."""
    if s.isdigit():
        return int(s)
    if not s or any(ch not in _CN_DIGITS for ch in s):
        return None
    if "十" not in s:
        return _CN_DIGITS[s] if len(s) == 1 else None
    tens, _, ones = s.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def _safe_day(year: int, month: int, dom: int) -> date | None:
    try:
        return checked_day(year, month, dom)
    except DateUnreadable:
        return None


def nearest_year(month: int, dom: int, anchor: date) -> date | None:
    """A date written without its year: the one of last, this or next year nearest the anchor."""
    options = [d for y in (anchor.year - 1, anchor.year, anchor.year + 1) if (d := _safe_day(y, month, dom))]
    return min(options, key=lambda d: abs((d - anchor).days)) if options else None


def _yearless(month_day: tuple[int, int], anchor: date, *, ahead: bool) -> date | None:
    options = [d for y in (anchor.year - 1, anchor.year, anchor.year + 1) if (d := _safe_day(y, *month_day))]
    if ahead:
        return min((d for d in options if d >= anchor), default=None)
    return max((d for d in options if d <= anchor), default=None)


def next_weekday(anchor: date, weekday: int) -> date:
    """The first ``weekday`` on or after the anchor."""
    return anchor + timedelta(days=(weekday - anchor.weekday()) % 7)


def week_day(anchor: date, weeks_ahead: int, weekday: int) -> date:
    monday = anchor - timedelta(days=anchor.weekday()) + timedelta(weeks=weeks_ahead)
    return monday + timedelta(days=weekday)


def add_working_days(anchor: date, n: int) -> date:
    day = anchor
    while n > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


# ---------------------------------------------------------------- the patterns

_ABSOLUTE_FULL = re.compile(r"(?<!\d)(\d{4})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:月|-|/|\.)\s*(\d{1,2})(?!\d)\s*[日号]?")
_ABSOLUTE_MD = re.compile(r"(?<![\d年/\-.])(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_EN_DMY = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([A-Za-z]{3,9})\.?,?(?:\s+(\d{4}))?\b")
_EN_MDY = re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4}))?")

_CN_RELATIVE = re.compile(
    r"(?P<today>今天|今日|今早|今晚|今天下午|今天上午)|(?P<yesterday>昨天|昨日|昨晚)|(?P<tomorrow>明天|明日)|"
    r"(?P<dayafter>大后天|后天)|(?P<monthhalf>(?P<mh_month>\d{1,2})月(?:份)?(?P<mh_part>上旬|中旬|下旬|初|中|底|末))|"
    r"(?P<week>(?:下下|下|本|这|這|下个|下個|上上|上|上个|上個)?(?:周|週|星期|礼拜|禮拜))(?P<wd>[一二三四五六日天末])|"
    r"(?P<inweek>(?:本|这|這|下|下个)(?:周|週|星期|礼拜))(?:内|內|之内|以内|结束前|底)|"
    r"(?P<monthpart>(?:本|这|這|下|下个|下個|次)?(?:个|個)?月)(?P<part>底|末|初|中旬|中|上旬|下旬)|"
    r"(?P<nextmonthday>(?:下|下个|下個|次)月)(?P<nmd>\d{1,2}|[一二三四五六七八九十]{1,3})[日号號]|"
    r"(?<![月\d年])(?P<dom>" + r"\d{1,2}|[一二三四五六七八九十]{1,3}" + r")[号號](?:前|之前|以前)|"
    r"(?P<ndays>\d{1,3}|[一二两三四五六七八九十]{1,3})\s*(?P<unit>个工作日|個工作日|工作日|天|日|个星期|個星期|周|週|个月|個月)"
    r"\s*(?:内|內|之内|以内)|"
    r"(?P<yearend>年底|年末|本年底|今年底)|(?P<newyear>元旦)(?=前|之前|以前|当天|那天)"
)
_EN_RELATIVE = re.compile(
    r"\b(?:(?P<today>today)|(?P<yesterday>yesterday)|(?P<dayafter>the\s+day\s+after\s+tomorrow)|(?P<tomorrow>tomorrow)|"
    r"(?P<which>next|this|coming|last)?\s*(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    r"(?:end\s+of\s+(?P<eow>this|the|next)\s+week)|(?P<nextweek>next\s+week)|(?P<thisweek>this\s+week)|"
    r"(?:(?:the\s+)?end\s+of\s+(?P<eom>this|the|next)\s+month)|(?P<monthend>month[-\s]end)|"
    r"(?:(?:beginning|start|early)\s+(?:of\s+)?(?P<bom>next|this|the)\s+month)|"
    r"(?P<mid>mid[-\s]month|middle\s+of\s+(?:the|this)\s+month)|"
    r"(?:within|in)\s+(?P<ndays>\d{1,3}|one|two|three|four|five|six|seven|ten|a)\s+"
    r"(?P<unit>business\s+days?|working\s+days?|days?|weeks?|months?)|"
    r"(?P<yearend>(?:the\s+)?end\s+of\s+(?:the|this)\s+year|year[-\s]end))\b",
    re.IGNORECASE,
)
_EN_WORDS = {"one": 1, "a": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10}


def _month_part(year: int, month: int, part: str) -> date:
    """初 the 5th, 上旬 the 10th, 中 the 15th, 中旬 the 20th, 下旬/底/末 the last day: deadlines, so a
    span's last day, except 初 ("early in the month"), which people keep within the first week."""
    if part in ("底", "末", "下旬"):
        return month_end(year, month)
    day = {"初": 5, "上旬": 10, "中": 15, "中旬": 20}[part]
    return date(year, month, day)


def _cn_relative(m: re.Match[str], anchor: date) -> date | None:
    g = m.groupdict()
    if g["today"]:
        return anchor
    if g["yesterday"]:
        return anchor - timedelta(days=1)
    if g["tomorrow"]:
        return anchor + timedelta(days=1)
    if g["dayafter"]:
        return anchor + timedelta(days=3 if g["dayafter"].startswith("大") else 2)
    if g["monthhalf"]:
        month = int(g["mh_month"])
        if not 1 <= month <= 12:
            return None
        year = anchor.year if month >= anchor.month or anchor.month - month < 6 else anchor.year + 1
        return _month_part(year, month, g["mh_part"])
    if g["wd"]:
        prefix = g["week"]
        weekday = _WEEKDAY_CN[g["wd"]]
        if prefix.startswith("上上"):
            return week_day(anchor, -2, weekday)
        if prefix.startswith("上"):
            return week_day(anchor, -1, weekday)
        if prefix.startswith("下下"):
            return week_day(anchor, 2, weekday)
        if prefix.startswith("下"):
            return week_day(anchor, 1, weekday)
        return week_day(anchor, 0, weekday)
    if g["inweek"]:
        weeks = 1 if g["inweek"].startswith("下") else 0
        return max(week_day(anchor, weeks, 4), anchor)
    if g["part"]:
        months = 1 if g["monthpart"][0] in "下次" else 0
        year, month = add_months(anchor, months)
        day = _month_part(year, month, g["part"])
        if day < anchor and g["monthpart"] in ("月", "个月", "個月"):
            # a bare 月初/月中 already past means the next month's
            year, month = add_months(anchor, 1)
            day = day.replace(year=year, month=month)
        return day
    if g["nextmonthday"]:
        dom = cn_number(g["nmd"])
        year, month = add_months(anchor, 1)
        return _safe_day(year, month, dom) if dom else None
    if g["dom"]:
        dom = cn_number(g["dom"])
        if dom is None:
            return None
        this = _safe_day(anchor.year, anchor.month, dom)
        if this is not None and this >= anchor:
            return this
        year, month = add_months(anchor, 1)
        return _safe_day(year, month, dom)
    if g["ndays"]:
        n = cn_number(g["ndays"])
        if n is None:
            return None
        unit = g["unit"]
        if "工作日" in unit:
            return add_working_days(anchor, n)
        if unit in ("天", "日"):
            return anchor + timedelta(days=n)
        if "月" in unit:
            year, month = add_months(anchor, n)
            return _safe_day(year, month, min(anchor.day, calendar.monthrange(year, month)[1]))
        return anchor + timedelta(weeks=n)
    if g["yearend"]:
        return date(anchor.year, 12, 31)
    if g["newyear"]:
        return date(anchor.year + 1, 1, 1) if (anchor.month, anchor.day) != (1, 1) else anchor
    return None


def _en_relative(m: re.Match[str], anchor: date) -> date | None:
    g = {k: (v.lower() if v else v) for k, v in m.groupdict().items()}
    if g["today"]:
        return anchor
    if g["yesterday"]:
        return anchor - timedelta(days=1)
    if g["tomorrow"]:
        return anchor + timedelta(days=1)
    if g["dayafter"]:
        return anchor + timedelta(days=2)
    if g["wd"]:
        weekday = _WEEKDAYS_EN[g["wd"]]
        return week_day(anchor, {"next": 1, "last": -1}.get(g["which"] or "", 0), weekday)
    if g["eow"] or g["thisweek"]:
        return max(week_day(anchor, 1 if g["eow"] == "next" else 0, 4), anchor)
    if g["nextweek"]:
        return week_day(anchor, 1, 4)
    if g["eom"] or g["monthend"]:
        year, month = add_months(anchor, 1 if g["eom"] == "next" else 0)
        return month_end(year, month)
    if g["bom"]:
        year, month = add_months(anchor, 0 if g["bom"] == "this" else 1)
        return date(year, month, 5)
    if g["mid"]:
        mid = date(anchor.year, anchor.month, 15)
        if mid < anchor:
            year, month = add_months(anchor, 1)
            mid = date(year, month, 15)
        return mid
    if g["ndays"]:
        n = int(g["ndays"]) if g["ndays"].isdigit() else _EN_WORDS[g["ndays"]]
        unit = g["unit"]
        if unit.startswith(("business", "working")):
            return add_working_days(anchor, n)
        if unit.startswith("day"):
            return anchor + timedelta(days=n)
        if unit.startswith("week"):
            return anchor + timedelta(weeks=n)
        year, month = add_months(anchor, n)
        return _safe_day(year, month, min(anchor.day, calendar.monthrange(year, month)[1]))
    if g["yearend"]:
        return date(anchor.year, 12, 31)
    return None


def _overlaps(found: list[Found], start: int, end: int) -> bool:
    return any(f.start < end and start < f.end for f in found)


def find_dates(text: str, anchor: date) -> list[Found]:
    """Every date in ``text``, in order of position; relative ones resolved against ``anchor``."""
    found: list[Found] = []
    for m in _ABSOLUTE_FULL.finditer(text):
        day = _safe_day(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if day is not None:
            found.append(Found(day, m.start(), m.end(), False))
    for m in _ABSOLUTE_MD.finditer(text):
        if not _overlaps(found, m.start(), m.end()):
            day = nearest_year(int(m.group(1)), int(m.group(2)), anchor)
            if day is not None:
                found.append(Found(day, m.start(), m.end(), False, (int(m.group(1)), int(m.group(2)))))
    for pattern, order in ((_EN_DMY, "dmy"), (_EN_MDY, "mdy")):
        for m in pattern.finditer(text):
            if _overlaps(found, m.start(), m.end()):
                continue
            dom_s, month_s = (m.group(1), m.group(2)) if order == "dmy" else (m.group(2), m.group(1))
            month = _MONTHS_EN.get(month_s.lower())
            if month is None:
                continue
            year = m.group(3)
            day = _safe_day(int(year), month, int(dom_s)) if year else nearest_year(month, int(dom_s), anchor)
            if day is not None:
                found.append(Found(day, m.start(), m.end(), False, None if year else (month, int(dom_s))))
    for pattern, resolve in ((_CN_RELATIVE, _cn_relative), (_EN_RELATIVE, _en_relative)):
        for m in pattern.finditer(text):
            if not m.group(0).strip() or _overlaps(found, m.start(), m.end()):
                continue
            day = resolve(m, anchor)
            if day is not None:
                found.append(Found(day, m.start(), m.end(), True))
    found.sort(key=lambda f: f.start)
    # "Monday 30 November", "周一（11月30日）": a weekday naming the date beside it is the same date
    return [f for i, f in enumerate(found)
            if not (f.relative and i + 1 < len(found) and not found[i + 1].relative
                    and 0 <= found[i + 1].start - f.end <= 2 and text[f.start:f.end].strip().isalpha()
                    and len(text[f.start:f.end].strip()) <= 9)]
