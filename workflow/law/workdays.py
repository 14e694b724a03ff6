"""Working days under the State Council's yearly holiday notice (法定节假日与调休).

A year is either loaded (its holidays and make-up working days are known) or not. Working-day
arithmetic into a year that is not loaded is refused: a deadline computed on a guess is a wrong
deadline. Only limitation end dates may ask for the ``provisional`` answer (weekends only), and
the caller must then say so (docs/law.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from workflow.law.refusals import LawRefusal

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class CalendarYear:
    """One year of one State Council notice: rest days that are not weekends-as-usual
    (``holidays``: every rest day of each holiday, weekends inside it included) and weekend days
    made working (``workdays``, 调休上班). Values are the holiday's name."""

    year: int
    holidays: Mapping[date, str]
    workdays: Mapping[date, str]
    source: str = ""

    def __post_init__(self) -> None:
        for kind, days in (("holidays", self.holidays), ("workdays", self.workdays)):
            for d in days:
                if d.year != self.year:
                    raise LawRefusal(kind, "wrong_year", f"{d.isoformat()} 不属于 {self.year} 年",
                                     f"{d.isoformat()} is not in {self.year}")
        both = set(self.holidays) & set(self.workdays)
        if both:
            first = min(both).isoformat()
            raise LawRefusal("workdays", "conflict", f"{first} 不能既是假日又是工作日",
                             f"{first} cannot be both a holiday and a working day")

    def as_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "source": self.source,
            "holidays": {d.isoformat(): n for d, n in sorted(self.holidays.items())},
            "workdays": {d.isoformat(): n for d, n in sorted(self.workdays.items())},
        }

    @classmethod
    def from_json(cls, data: Any) -> CalendarYear:
        """The shipped per-year file and the admin's upload share this shape (docs/law.md)."""
        if not isinstance(data, dict):
            raise LawRefusal("", "not_object", "应为 JSON 对象", "expected a JSON object")
        year = data.get("year")
        if not isinstance(year, int) or not 1990 <= year <= 2200:
            raise LawRefusal("year", "invalid_year", "年份无效", "year must be an integer 1990–2200")
        days: dict[str, dict[date, str]] = {}
        for kind in ("holidays", "workdays"):
            raw = data.get(kind, {})
            if not isinstance(raw, dict):
                raise LawRefusal(kind, "not_object", "应为 {日期: 名称} 对象", "expected {date: name}")
            parsed: dict[date, str] = {}
            for key, name in raw.items():
                try:
                    d = date.fromisoformat(str(key))
                except ValueError as exc:
                    raise LawRefusal(f"{kind}.{key}", "invalid_date", "日期格式应为 YYYY-MM-DD",
                                     "date must be YYYY-MM-DD") from exc
                parsed[d] = str(name)
            days[kind] = parsed
        if not days["holidays"]:
            raise LawRefusal("holidays", "empty", "该年没有任何假日，文件可能不完整",
                             "no holidays at all: the file looks incomplete")
        return cls(year, days["holidays"], days["workdays"], str(data.get("source", "")))


@dataclass(frozen=True)
class WorkCalendar:
    years: Mapping[int, CalendarYear] = field(default_factory=dict)

    @classmethod
    def of(cls, years: Iterable[CalendarYear]) -> WorkCalendar:
        return cls({y.year: y for y in sorted(years, key=lambda y: y.year)})

    @property
    def first_year(self) -> int | None:
        return min(self.years) if self.years else None

    @property
    def last_year(self) -> int | None:
        return max(self.years) if self.years else None

    def is_loaded(self, year: int) -> bool:
        return year in self.years

    def _refuse(self, d: date, field: str) -> LawRefusal:
        last = self.last_year
        loaded = f"{self.first_year}–{last}" if last is not None else "无 / none"
        return LawRefusal(
            field, "calendar_not_loaded",
            f"{d.year} 年的节假日安排尚未载入（已载入：{loaded}），不能计算工作日；"
            "请用 dunning calendar add-year 载入国务院办公厅通知",
            f"the {d.year} holiday calendar is not loaded (loaded: {loaded}); working days cannot be "
            "computed. Load the State Council notice with `dunning calendar add-year`",
        )

    def is_working_day(self, d: date, *, provisional: bool = False, field: str = "date") -> bool:
        """``provisional=True`` answers for an unloaded year from weekends alone; callers that use
        it must mark their result provisional (see ``is_provisional``)."""
        cal = self.years.get(d.year)
        if cal is None:
            if not provisional:
                raise self._refuse(d, field)
            return d.weekday() < 5
        if d in cal.holidays:
            return False
        if d in cal.workdays:
            return True
        return d.weekday() < 5

    def is_provisional(self, d: date) -> bool:
        return d.year not in self.years

    def rest_day_name(self, d: date) -> str | None:
        """The holiday's name, "周末", or None for a working day (loaded years only)."""
        if self.is_working_day(d):
            return None
        return self.years[d.year].holidays.get(d, "周末")

    def roll_forward(self, d: date, *, provisional: bool = False, field: str = "date") -> date:
        """``d`` itself when it is a working day, else the next working day (民法典 203)."""
        while not self.is_working_day(d, provisional=provisional, field=field):
            d += ONE_DAY
        return d

    def next_working_day(self, d: date, *, field: str = "date") -> date:
        """The first working day strictly after ``d``."""
        return self.roll_forward(d + ONE_DAY, field=field)

    def add_working_days(self, d: date, n: int, *, field: str = "date") -> date:
        """The ``n``-th working day after ``d`` (``d`` itself not counted); n=0 gives ``d``."""
        if n < 0:
            raise LawRefusal("days", "negative", "天数不能为负", "the number of days must not be negative")
        for _ in range(n):
            d = self.next_working_day(d, field=field)
        return d


def load_year_file(text: str) -> CalendarYear:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise LawRefusal("file", "invalid_json", "文件不是有效的 JSON", "the file is not valid JSON") from exc
    return CalendarYear.from_json(data)


def shipped_years() -> list[CalendarYear]:
    from importlib import resources

    text = resources.files("workflow.law.data").joinpath("calendar.json").read_text(encoding="utf-8")
    return [CalendarYear.from_json(item) for item in json.loads(text)]


def shipped_calendar() -> WorkCalendar:
    return WorkCalendar.of(shipped_years())


def provisional_year(year: int) -> CalendarYear:
    """A stand-in for a year whose notice is not out: weekends plus the fixed-date holidays every
    notice has had (1 Jan, 1 May, 1–3 Oct). For the dunning run's timing only, never for a legal
    deadline; the caller logs that it used it."""
    days = {date(year, 1, 1): "元旦", date(year, 5, 1): "劳动节",
            **{date(year, 10, d): "国庆节" for d in (1, 2, 3)}}
    return CalendarYear(year, days, {}, "provisional: weekends, 1 Jan, 1 May, 1–3 Oct")
