"""The administrator's calendar years and rate quotes, on SQLite and PostgreSQL: stored exactly,
audited, merged over the shipped data, refused whole when malformed, and added by administrators
only, whichever entry point (API, CLI, job) runs the use case."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.conftest import SYSTEM_ACTOR
from tests.law.helpers import calendar, monthly, quote, table
from tests.uow import read, run
from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.audit.models import AuditEntry
from workflow.calc.models import CalendarYearRow, RateQuoteRow
from workflow.calc.service import data_status
from workflow.core import Core
from workflow.errors import Forbidden, ValidationFailed
from workflow.law.rates import MONTHLY_QUOTES_FROM, RateTable, shipped_rate_table

NOTICE = {"year": 2027, "source": "国办发明电〔2026〕X号", "holidays": {"2027-01-01": "元旦"},
          "workdays": {"2027-02-20": "春节调休上班"}}


def _count(core: Core, table: type) -> int:
    return read(core, SYSTEM_ACTOR, lambda uow: int(uow.session.scalar(select(func.count()).select_from(table)) or 0))


def _add_year(core: Core, actor: Actor, content: bytes, name: str) -> None:
    run(core, actor, core.services.calc.add_year, content, name)


def _add_rate(core: Core, actor: Actor, **kw: object) -> None:
    run(core, actor, core.services.calc.add_rate, **kw)


def test_added_year_and_quote_are_merged_and_audited(any_db: Core) -> None:
    law = any_db.services.calc
    notice = json.loads(json.dumps(NOTICE))
    _add_year(any_db, SYSTEM_ACTOR, json.dumps(notice, ensure_ascii=False).encode(), "2027.json")
    _add_rate(any_db, SYSTEM_ACTOR, effective=date(2026, 9, 21), rate_1y=Decimal("2.95"), rate_5y=Decimal("3.45"),
              source="全国银行间同业拆借中心", verified=True)
    cal = read(any_db, SYSTEM_ACTOR, lambda uow: law.calendar(uow.session))
    assert cal.last_year == 2027 and cal.is_working_day(date(2027, 2, 20))
    table = read(any_db, SYSTEM_ACTOR, lambda uow: law.rate_table(uow.session))
    assert table.lpr_1y(date(2026, 10, 1)) == Decimal("0.0295")
    # October's quote is due 2026-10-20 (a Tuesday): the September quote is known through the day before
    assert table.lpr_horizon == date(2026, 10, 19)
    # correcting the same year replaces it, and the audit entry keeps the version before
    notice["holidays"] = {"2027-01-01": "元旦", "2027-01-02": "元旦"}
    _add_year(any_db, SYSTEM_ACTOR, json.dumps(notice, ensure_ascii=False).encode(), "2027.json")
    cal = read(any_db, SYSTEM_ACTOR, lambda uow: law.calendar(uow.session))
    assert set(cal.years[2027].holidays) == {date(2027, 1, 1), date(2027, 1, 2)}
    assert _count(any_db, CalendarYearRow) == 1
    entries = read(any_db, SYSTEM_ACTOR, lambda uow: list(uow.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "calendar.add_year").order_by(AuditEntry.id))))
    assert len(entries) == 2 and entries[1].before is not None and "2027-01-02" not in entries[1].before["holidays"]
    assert entries[1].actor == SYSTEM_ACTOR.username


@pytest.mark.parametrize("role", [Role.CLERK, Role.LEGAL, Role.LAWYER])
def test_only_an_administrator_adds_years_and_quotes(any_db: Core, role: Role) -> None:
    actor = Actor(user_id=None, username=f"job:{role.value}", role=role)
    with pytest.raises(Forbidden):
        _add_year(any_db, actor, json.dumps(NOTICE).encode(), "2027.json")
    with pytest.raises(Forbidden):
        _add_rate(any_db, actor, effective=date(2026, 9, 21), rate_1y=Decimal("2.95"), rate_5y=None,
                  source="全国银行间同业拆借中心", verified=True)
    assert _count(any_db, CalendarYearRow) == 0 and _count(any_db, RateQuoteRow) == 0
    assert _count(any_db, AuditEntry) == 0
    table = read(any_db, actor, lambda uow: any_db.services.calc.rate_table(uow.session))
    assert table.lpr_horizon < date(2026, 10, 19)  # still only the shipped quotes


def test_a_refused_actor_learns_nothing_about_the_file(core: Core) -> None:
    # the role is checked first: a clerk's malformed file is refused for who they are, not what it holds
    clerk = Actor(user_id=None, username="clerk", role=Role.CLERK)
    with pytest.raises(Forbidden):
        _add_year(core, clerk, b"{not json", "2027.json")


@pytest.mark.parametrize(("content", "name", "field"), [
    (b"\xff\xfe not utf-8", "2027.json", "file"),
    (b"{not json", "2027.json", "file"),
    (b'{"year": 2027, "holidays": {}}', "2027.json", "holidays"),
    (b'{"year": 2027, "holidays": {"2027-02-30": "x"}}', "2027.json", "holidays.2027-02-30"),
    (b'{"year": 2027, "holidays": {"2028-01-01": "x"}}', "2027.json", "holidays"),
])
def test_malformed_years_write_nothing(core: Core, content: bytes, name: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as e:
        _add_year(core, SYSTEM_ACTOR, content, name)
    assert e.value.problems[0].field == field
    assert _count(core, CalendarYearRow) == 0 and _count(core, AuditEntry) == 0


def test_bad_quotes_write_nothing(core: Core) -> None:
    with pytest.raises(ValidationFailed) as e:
        _add_rate(core, SYSTEM_ACTOR, effective=date(2019, 1, 1), rate_1y=Decimal("4.3"), rate_5y=None,
                  source="x", verified=True)
    assert e.value.problems[0].field == "effective"
    with pytest.raises(ValidationFailed):
        _add_rate(core, SYSTEM_ACTOR, effective=date(2026, 9, 21), rate_1y=Decimal("300"), rate_5y=None,
                  source="x", verified=True)
    assert _count(core, RateQuoteRow) == 0 and _count(core, AuditEntry) == 0


# ---- the shipped rate file -----------------------------------------------------------------------

def test_shipped_benchmarks_cover_2002_on_with_every_tenor() -> None:
    bench = shipped_rate_table().quotes["pboc_benchmark"]
    assert bench[0].effective == date(2002, 2, 21) and bench[-1].effective == date(2015, 10, 24)
    last = bench[-1]
    # PBOC notice of 2015-10-23: up to 1 year 4.35%, 1–5 years 4.75%, over 5 years 4.90%
    assert (last.rate_1y, last.tenor("1_5y"), last.rate_5y, last.verified) == \
        (Decimal("4.35"), Decimal("4.75"), Decimal("4.90"), True)
    # the tenors were merged into three on 2014-11-22: five before, three from then on
    for q in bench:
        merged = q.effective >= date(2014, 11, 22)
        assert (q.tenor("1_5y") is not None) is merged and (q.tenor("1_3y") is not None) is not merged
        assert q.source and q.rate_5y is not None and q.rate_5y >= q.rate_1y


def test_shipped_monthly_quotes_sit_on_publication_days_without_gaps() -> None:
    table = shipped_rate_table()
    assert table.lpr_gaps() == []
    for q in table.quotes["lpr"]:
        if q.effective >= MONTHLY_QUOTES_FROM:
            assert q.effective == table.publication_in(q.effective.year, q.effective.month)
            assert not q.verified  # reported by one source only (docs/law.md §5)


# ---- what an administrator is warned about -------------------------------------------------------

BEIJING = ZoneInfo("Asia/Shanghai")
TO_AUGUST_2026 = table(*monthly("2025-06-20", "2026-08-20"))  # September's quote is due 2026-09-20


def _codes(status: dict[str, Any]) -> list[str]:
    return [w["code"] for w in status["warnings"]]


def test_the_next_quote_is_overdue_from_its_publication_time() -> None:
    before = data_status(TO_AUGUST_2026, calendar(), datetime(2026, 9, 20, 9, 14, tzinfo=BEIJING))
    after = data_status(TO_AUGUST_2026, calendar(), datetime(2026, 9, 20, 9, 15, tzinfo=BEIJING))
    assert before["lpr"]["overdue"] is False and _codes(before) == []
    assert after["lpr"]["overdue"] is True and _codes(after) == ["lpr_quote_overdue"]
    assert "2026-09-20" in after["warnings"][0]["zh"] and "dunning rates add" in after["warnings"][0]["en"]
    assert (after["lpr"]["last_quote"], after["lpr"]["known_through"], after["lpr"]["next_publication"]) == \
        ("2026-08-20", "2026-09-19", "2026-09-20")


def test_a_missing_month_inside_the_table_is_warned_about() -> None:
    gap = table(*monthly("2025-06-20", "2025-06-20"), *monthly("2025-08-20", "2025-08-20"))
    status = data_status(gap, calendar(), datetime(2025, 8, 25, 12, 0, tzinfo=BEIJING))
    assert _codes(status) == ["lpr_quote_gap"] and "2025-07-21" in status["warnings"][0]["en"]
    assert status["lpr"]["gaps"] == [{"from": "2025-07-21", "to": "2025-08-19"}]


def test_next_years_calendar_is_asked_for_from_1_november() -> None:
    # the shipped calendar ends with 2026
    fine = table(quote("lpr", "2026-10-20", "3.00"))
    october = data_status(fine, calendar(), datetime(2026, 10, 31, 23, 59, tzinfo=BEIJING))
    november = data_status(fine, calendar(), datetime(2026, 11, 1, 0, 0, tzinfo=BEIJING))
    assert "calendar_year_missing" not in _codes(october)
    assert "calendar_year_missing" in _codes(november)
    assert any("2027" in w["zh"] and "add-year" in w["en"] for w in november["warnings"])
    assert november["calendar"] == {"first_year": 2004, "last_year": 2026, "next_year_loaded": False}
    # a year without its calendar at all is warned about whatever the month
    in_2027 = data_status(fine, calendar(), datetime(2027, 3, 1, 12, 0, tzinfo=BEIJING))
    assert any("2027" in w["en"] for w in in_2027["warnings"] if w["code"] == "calendar_year_missing")


def test_loading_next_year_and_the_quote_clears_the_warnings(any_db: Core) -> None:
    # the fixed clock is 2026-11-26, 10:00 in Beijing: September's quote overdue, 2027 not loaded
    law = any_db.services.calc
    assert _codes(read(any_db, SYSTEM_ACTOR, law.status)) == ["lpr_quote_overdue", "calendar_year_missing"]
    _add_year(any_db, SYSTEM_ACTOR, json.dumps(NOTICE, ensure_ascii=False).encode(), "2027.json")
    for effective in (date(2026, 9, 21), date(2026, 10, 20), date(2026, 11, 20)):
        _add_rate(any_db, SYSTEM_ACTOR, effective=effective, rate_1y=Decimal("3.00"), rate_5y=Decimal("3.50"),
                  source="全国银行间同业拆借中心", verified=True)
    status = read(any_db, SYSTEM_ACTOR, law.status)
    assert status["warnings"] == [] and status["lpr"]["next_publication"] == "2026-12-21"


def test_confirming_a_benchmark_row_keeps_its_other_tenors() -> None:
    shipped = [q for q in shipped_rate_table().all() if q.effective == date(2012, 7, 6)]
    confirmed = quote("pboc_benchmark", "2012-07-06", "6.00", "6.55", source="中国人民银行公告")
    row = RateTable([*shipped, confirmed]).quote_on("pboc_benchmark", date(2012, 7, 6))
    assert (row.verified, row.source, row.tenor("1_3y"), row.tenor("3_5y")) == \
        (True, "中国人民银行公告", Decimal("6.15"), Decimal("6.40"))
