"""What a business date in our input may be, said once for the API, the CLI and the importer.

Python's dates reach year 1 and 9999, where the first "as_of - 30 days" overflows; no invoice,
payment or report date outside these years means anything here, and the shipped calendars and rate
tables cover them.
"""

from __future__ import annotations

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
