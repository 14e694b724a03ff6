"""What a business date in our input may be, said once for the API, the CLI and the importer.

Python's dates reach year 1 and 9999, where the first "as_of - 30 days" overflows; no invoice,
payment or report date outside these years means anything here, and the shipped calendars and rate
tables cover them.
"""

from __future__ import annotations

import re
from datetime import date

FIRST_DAY = date(1990, 1, 1)
LAST_DAY = date(2099, 12, 31)
OUT_OF_RANGE = "date_out_of_range"
NOT_ISO = ("日期格式应为 YYYY-MM-DD（如 2025-06-30）", "date must be written YYYY-MM-DD (e.g. 2025-06-30)")


def range_problem(day: date) -> tuple[str, str] | None:
    """(zh, en) when ``day`` is outside the years we accept, else None."""
    if FIRST_DAY <= day <= LAST_DAY:
        return None
    return f"日期应在 {FIRST_DAY} 至 {LAST_DAY} 之间", f"date must be between {FIRST_DAY} and {LAST_DAY}"


class DateUnreadable(ValueError):
    """A written date we cannot take, with the reason in both languages."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


# what accounting exports and people write: 2025-06-30, 2025/6/30, 2025.6.30, 2025年6月30日 (a midnight
# time part is what Excel adds to a date exported as text)
_WRITTEN = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?(?:[ T]00:00(?::00)?)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_day(written: str) -> date:
    """The business date ``written`` says (ISO, slashes, dots, 年月日 or 20250630), within our years.

    Pure and shared: the importer's cells and the dates in debtors' replies go through it. Raises
    DateUnreadable with the reason."""
    s = written.strip()
    m = _WRITTEN.match(s) or (_COMPACT.match(s) if len(s) == 8 else None)
    if m is None:
        raise DateUnreadable(
            "日期格式无法识别（应为 2025-06-30、2025/6/30 或 2025年6月30日）",
            "date not recognised (use 2025-06-30, 2025/6/30 or 2025年6月30日)",
        )
    return checked_day(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def checked_day(year: int, month: int, day: int) -> date:
    """date(year, month, day) when it exists and lies within our years; else DateUnreadable."""
    try:
        value = date(year, month, day)
    except ValueError:
        raise DateUnreadable("日期不存在", "no such calendar date") from None
    problem = range_problem(value)
    if problem is not None:
        raise DateUnreadable(*problem)
    return value
