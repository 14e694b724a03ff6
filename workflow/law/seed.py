"""Regenerate ``data/calendar.json`` from the ``chinesecalendar`` package (a build step).

Run ``python -m workflow.law.seed`` after upgrading the package, review the diff, commit it.
The test suite checks that the shipped file agrees with the installed package day by day.
"""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from workflow.law.workdays import CalendarYear

ZH_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
SOURCE = "chinesecalendar {version}（国务院办公厅部分节假日安排的通知）"


def years_from_package() -> list[CalendarYear]:
    from importlib.metadata import version

    from chinese_calendar import constants

    holidays: dict[date, Any] = constants.holidays
    workdays: dict[date, Any] = constants.workdays
    source = SOURCE.format(version=version("chinesecalendar"))
    out = []
    for year in sorted({d.year for d in holidays}):
        out.append(CalendarYear(
            year,
            {d: ZH_NAMES.get(str(n), str(n)) for d, n in holidays.items() if d.year == year},
            {d: ZH_NAMES.get(str(n), str(n)) + "调休上班" for d, n in workdays.items() if d.year == year},
            source,
        ))
    return out


def shipped_path() -> Path:
    return Path(str(resources.files("workflow.law.data").joinpath("calendar.json")))


def main() -> None:
    data = [y.as_json() for y in years_from_package()]
    shipped_path().write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(data)} years to {shipped_path()}")


if __name__ == "__main__":
    main()
