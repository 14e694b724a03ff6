"""The administrator's calendar years and rate quotes, on SQLite and PostgreSQL: stored exactly,
audited, merged over the shipped data, refused whole when malformed, and added by administrators
only, whichever entry point (API, CLI, job) runs the use case."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.conftest import SYSTEM_ACTOR
from tests.uow import read, run
from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.audit.models import AuditEntry
from workflow.calc.models import CalendarYearRow, RateQuoteRow
from workflow.core import Core
from workflow.errors import Forbidden, ValidationFailed

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
