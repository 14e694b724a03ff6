"""The administrator's calendar years and rate quotes, on SQLite and PostgreSQL: stored exactly,
audited, merged over the shipped data, and refused whole when malformed."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.conftest import SYSTEM_ACTOR
from workflow.audit.models import AuditEntry
from workflow.calc.models import CalendarYearRow, RateQuoteRow
from workflow.calc.service import law_data
from workflow.core import Core
from workflow.errors import ValidationFailed


def _count(core: Core, table: type) -> int:
    with core.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def test_added_year_and_quote_are_merged_and_audited(any_db: Core) -> None:
    law = law_data(any_db)
    notice = {"year": 2027, "source": "国办发明电〔2026〕X号", "holidays": {"2027-01-01": "元旦"},
              "workdays": {"2027-02-20": "春节调休上班"}}
    law.add_year(SYSTEM_ACTOR, json.dumps(notice, ensure_ascii=False).encode(), "2027.json")
    law.add_rate(SYSTEM_ACTOR, effective=date(2026, 9, 21), rate_1y=Decimal("2.95"), rate_5y=Decimal("3.45"),
                 source="全国银行间同业拆借中心", verified=True)
    cal = law.calendar()
    assert cal.last_year == 2027 and cal.is_working_day(date(2027, 2, 20))
    table = law.rate_table()
    assert table.lpr_1y(date(2026, 10, 1)) == Decimal("0.0295")
    assert table.lpr_horizon == date(2026, 10, 21)
    # correcting the same year replaces it, and the audit entry keeps the version before
    notice["holidays"] = {"2027-01-01": "元旦", "2027-01-02": "元旦"}
    law.add_year(SYSTEM_ACTOR, json.dumps(notice, ensure_ascii=False).encode(), "2027.json")
    assert set(law.calendar().years[2027].holidays) == {date(2027, 1, 1), date(2027, 1, 2)}
    assert _count(any_db, CalendarYearRow) == 1
    with any_db.db.session() as s:
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "calendar.add_year")
                                 .order_by(AuditEntry.id)))
    assert len(entries) == 2 and entries[1].before is not None and "2027-01-02" not in entries[1].before["holidays"]


@pytest.mark.parametrize(("content", "name", "field"), [
    (b"\xff\xfe not utf-8", "2027.json", "file"),
    (b"{not json", "2027.json", "file"),
    (b'{"year": 2027, "holidays": {}}', "2027.json", "holidays"),
    (b'{"year": 2027, "holidays": {"2027-02-30": "x"}}', "2027.json", "holidays.2027-02-30"),
    (b'{"year": 2027, "holidays": {"2028-01-01": "x"}}', "2027.json", "holidays"),
])
def test_malformed_years_write_nothing(core: Core, content: bytes, name: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as e:
        law_data(core).add_year(SYSTEM_ACTOR, content, name)
    assert e.value.problems[0].field == field
    assert _count(core, CalendarYearRow) == 0 and _count(core, AuditEntry) == 0


def test_bad_quotes_write_nothing(core: Core) -> None:
    law = law_data(core)
    with pytest.raises(ValidationFailed) as e:
        law.add_rate(SYSTEM_ACTOR, effective=date(2019, 1, 1), rate_1y=Decimal("4.3"), rate_5y=None,
                     source="x", verified=True)
    assert e.value.problems[0].field == "effective"
    with pytest.raises(ValidationFailed):
        law.add_rate(SYSTEM_ACTOR, effective=date(2026, 9, 21), rate_1y=Decimal("300"), rate_5y=None,
                     source="x", verified=True)
    assert _count(core, RateQuoteRow) == 0
