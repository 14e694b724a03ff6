"""Collector KPIs against figures worked out by hand on the ledger of tests/collectors/team.py
(October 2026, as of 2026-11-26): per salesperson and per clerk, contract and invoice overrides,
aging buckets, DSO, write-offs, promises, and the ranking with its tie-break."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.collectors.team import OCT_1, OCT_31, TODAY, build
from tests.conftest import SYSTEM_ACTOR
from tests.ledger.books import committed, reading
from tests.uow import run
from workflow.cases.lifecycle import open_case
from workflow.cases.models import Promise
from workflow.core import Core
from workflow.errors import ValidationFailed
from workflow.ledger.collectors import collectors_report
from workflow.ledger.models import Customer
from workflow.unit_of_work import UnitOfWork


@pytest.fixture
def core(any_db: Core) -> Core:
    return any_db


def report(core: Core, by: str, as_of: date = TODAY, start: date = OCT_1, end: date = OCT_31) -> dict[str, Any]:
    with reading(core) as s:
        return collectors_report(s, by, as_of, start, end).as_dict()  # type: ignore[arg-type]


def row_of(rep: dict[str, Any], username: str | None) -> dict[str, Any]:
    [row] = [r for r in rep["rows"] if (r["person"] or {}).get("username") == username]
    return row


def pct(num: Decimal, den: Decimal) -> str:
    return str((num / den * 100).quantize(Decimal("0.01")))


def test_per_salesperson_with_contract_and_invoice_overrides(core: Core) -> None:
    build(core)
    rep = report(core, "salesperson")
    assert rep["period"] == {"from": "2026-10-01", "to": "2026-10-31", "days": 31}

    w = row_of(rep, "wangjg")
    # 王建国: A1, A2 (customer A), C2 (invoice override on K1), C3 (customer C, no contract)
    # due in October: A1 10,000 + C2 2,000 (A2 falls due in November, C3 in July)
    due = Decimal(10000) + Decimal(2000)
    # collected by 11-26: A1 6,000 + 2,000, C2 2,000; on time: A1's 6,000 (10-08 ≤ 10-10), C2's 2,000 (10-24 ≤ 10-25)
    collected, timely = Decimal(6000 + 2000 + 2000), Decimal(6000 + 2000)
    assert (w["due"], w["collected"], w["collected_on_time"]) == ("12000.00", "10000.00", "8000.00")
    assert w["collection_rate_percent"] == pct(collected, due) == "83.33"
    assert w["on_time_rate_percent"] == pct(timely, due) == "66.67"
    # owed on 11-26: A1 10,000 − 8,000 = 2,000, 47 days overdue; A2 5,000 not due; C3 written off, not aged
    assert w["outstanding"] == "7000.00" and w["overdue"] == "2000.00"
    assert w["buckets"]["not_due"] == "5000.00" and w["buckets"]["d31_60"] == "2000.00"
    assert sum(Decimal(v) for v in w["buckets"].values()) == Decimal("7000.00")
    assert w["written_off"] == "3000.00"
    # DSO: owed on 10-31 (A1 2,000 + A2 5,000) ÷ net sales of October (A2 5,000 + C2 2,000) × 31 days
    assert (w["receivables_end"], w["net_sales"]) == ("7000.00", "7000.00")
    assert w["dso_days"] == str((Decimal(7000) / Decimal(7000) * 31).quantize(Decimal("0.1"))) == "31.0"

    n = row_of(rep, "lina")
    # 李娜: B1, B2, B3 (customer B) and C1 (contract K1's salesperson)
    # due in October: B1 8,000 − its credit note 1,000 + B2 4,000 + C1 6,000
    due = Decimal(8000 - 1000 + 4000 + 6000)
    # collected: B1 7,000 (on its due date: on time) + C1 3,000 (11-05, late)
    assert (n["due"], n["collected"], n["collected_on_time"]) == ("17000.00", "10000.00", "7000.00")
    assert n["collection_rate_percent"] == pct(Decimal(10000), due) == "58.82"
    assert n["on_time_rate_percent"] == pct(Decimal(7000), due) == "41.18"
    # owed on 11-26: B2 4,000 (26 days), C1 3,000 (37 days), B3 9,000 not due
    assert n["buckets"]["d1_30"] == "4000.00" and n["buckets"]["d31_60"] == "3000.00"
    assert n["buckets"]["not_due"] == "9000.00" and n["overdue"] == "7000.00"
    # DSO: owed on 10-31 = B2 4,000 + C1 6,000 (paid only in November) + B3 9,000 = 19,000;
    # net sales = B3 9,000 − the credit note of October 1,000 = 8,000; 19,000 ÷ 8,000 × 31 = 73.625
    assert (n["receivables_end"], n["net_sales"]) == ("19000.00", "8000.00")
    assert n["dso_days"] == "73.6"
    assert n["written_off"] == "0.00"

    # ranking: 83.33 % before 58.82 %
    assert [(r["rank"], r["person"]["username"]) for r in rep["rows"]] == [(1, "wangjg"), (2, "lina")]
    assert all(r["tie_break"] is None for r in rep["rows"])


def test_per_clerk(core: Core) -> None:
    build(core)
    rep = report(core, "clerk")
    c = row_of(rep, "chenjing")
    # 陈静: customer A's invoices, C3 (customer C; K1 names 赵磊) and B2 (invoice override)
    # due in October: A1 10,000 + B2 4,000; collected A1 8,000, of it on time 6,000
    assert (c["due"], c["collected"], c["collected_on_time"]) == ("14000.00", "8000.00", "6000.00")
    assert c["collection_rate_percent"] == pct(Decimal(8000), Decimal(14000)) == "57.14"
    assert c["on_time_rate_percent"] == pct(Decimal(6000), Decimal(14000)) == "42.86"
    assert c["written_off"] == "3000.00"
    z = row_of(rep, "zhaolei")
    # 赵磊: B1, B3 (customer B), C1 and C2 (contract K1's collector)
    # due: B1 7,000 + C1 6,000 + C2 2,000 = 15,000; collected 7,000 + 3,000 + 2,000; on time 7,000 + 2,000
    assert (z["due"], z["collected"], z["collected_on_time"]) == ("15000.00", "12000.00", "9000.00")
    assert z["collection_rate_percent"] == "80.00" and z["on_time_rate_percent"] == "60.00"
    assert [(r["rank"], r["person"]["username"]) for r in rep["rows"]] == [(1, "zhaolei"), (2, "chenjing")]


def test_a_report_as_of_the_period_end_sees_no_later_payment(core: Core) -> None:
    build(core)
    rep = report(core, "salesperson", as_of=OCT_31)
    n = row_of(rep, "lina")
    # on 10-31, C1's 3,000 of 11-05 had not come: collected only B1's 7,000 of 17,000 due
    assert n["collected"] == "7000.00" and n["collection_rate_percent"] == pct(Decimal(7000), Decimal(17000))
    # owed on 10-31: B2 4,000 (0 days overdue: due that day), C1 6,000 (11 days), B3 9,000
    assert n["buckets"]["not_due"] == "13000.00" and n["buckets"]["d1_30"] == "6000.00"
    assert n["receivables_end"] == "19000.00"


def _promise(uow: UnitOfWork, case_id: int, recorded: datetime, status: str, resolved: date | None) -> None:
    uow.session.add(Promise(case_id=case_id, promised_on=date(2026, 11, 30), amount=Decimal("1000.00"),
                            currency="CNY", source="call", paid_before=Decimal("0.00"), status=status,
                            resolved_on=resolved, recorded_by="chenjing", recorded_at=recorded))


def test_promises_made_kept_and_broken(core: Core) -> None:
    team = build(core)

    def promises(uow: UnitOfWork) -> None:
        case, _ = open_case(uow, team.books.creditor, team.books.customers["A"], reason="逾期")
        assert case.assigned_user_id == team.chenjing  # the customer's collection clerk
        # 10-05 and 10-21 (Shanghai) are in October; 10-31 23:30 Shanghai is 15:30 UTC; 11-10 is not
        _promise(uow, case.id, datetime(2026, 10, 5, 2, 0, tzinfo=UTC), "kept", date(2026, 10, 8))
        _promise(uow, case.id, datetime(2026, 10, 21, 2, 0, tzinfo=UTC), "broken", date(2026, 10, 28))
        _promise(uow, case.id, datetime(2026, 10, 31, 15, 30, tzinfo=UTC), "pending", None)
        _promise(uow, case.id, datetime(2026, 11, 10, 2, 0, tzinfo=UTC), "kept", date(2026, 11, 12))
        # 09-30 23:59 UTC is 10-01 07:59 in Shanghai: in October
        _promise(uow, case.id, datetime(2026, 9, 30, 23, 59, tzinfo=UTC), "broken", date(2026, 12, 1))

    run(core, SYSTEM_ACTOR, promises)
    w = row_of(report(core, "salesperson"), "wangjg")
    # made in October: four; kept by 11-26: one; broken by 11-26: one (the last breaks only on 12-01)
    assert w["promises"] == {"made": 4, "kept": 1, "broken": 1}
    assert row_of(report(core, "clerk"), "chenjing")["promises"] == {"made": 4, "kept": 1, "broken": 1}
    assert row_of(report(core, "salesperson"), "lina")["promises"] == {"made": 0, "kept": 0, "broken": 0}


def test_equal_collection_rates_are_ordered_by_the_on_time_rate_and_say_so(core: Core) -> None:
    team = build(core)
    b = team.books
    with committed(core) as s:
        for code, name in (("D", "苏州恒通物流有限公司"), ("E", "宁波港城贸易有限公司")):
            c = Customer(code=code, legal_name=name, kind="private_small", created_at=core.clock.now())
            s.add(c)
            s.flush()
            b.customers[code] = c.id
    # two more salespeople, each with one invoice of 1,000 due 10-15, half collected: 50 % each;
    # 孙悦's half came on time (10-14), 周涛's late (10-16)
    sun = run(core, SYSTEM_ACTOR, core.services.accounts.create_user, username="sunyue", display_name="孙悦",
              role="sales").id
    zhou = run(core, SYSTEM_ACTOR, core.services.accounts.create_user, username="zhoutao", display_name="周涛",
               role="sales").id
    with committed(core) as s:
        for code, who in (("D", sun), ("E", zhou)):
            c = s.get(Customer, b.customers[code])
            assert c is not None
            c.salesperson_id = who
    d = b.invoice("D", date(2026, 9, 15), date(2026, 10, 15), "1000.00")
    e = b.invoice("E", date(2026, 9, 15), date(2026, 10, 15), "1000.00")
    b.pay(d, date(2026, 10, 14), "500.00")
    b.pay(e, date(2026, 10, 16), "500.00")
    rows = report(core, "salesperson")["rows"]
    ranked = [(r["rank"], r["person"]["username"], r["collection_rate_percent"]) for r in rows]
    assert ranked == [(1, "wangjg", "83.33"), (2, "lina", "58.82"), (3, "sunyue", "50.00"), (4, "zhoutao", "50.00")]
    sun_row, zhou_row = rows[2], rows[3]
    assert sun_row["on_time_rate_percent"] == "50.00" and zhou_row["on_time_rate_percent"] == "0.00"
    assert sun_row["tie_break"]["zh"] == "与第 4 名回款率同为 50.00%，按回款及时率排定"
    assert zhou_row["tie_break"]["en"] == "same collection rate (50.00%) as rank 3: ordered by on-time rate"


def test_invoices_of_no_one_are_listed_unassigned_and_unranked(core: Core) -> None:
    team = build(core)
    b = team.books
    with committed(core) as s:
        c = Customer(code="F", legal_name="无锡新区精密模具厂", kind="private_small", created_at=core.clock.now())
        s.add(c)
        s.flush()
        b.customers["F"] = c.id
    b.invoice("F", date(2026, 9, 1), date(2026, 10, 5), "500.00")
    rows = report(core, "salesperson")["rows"]
    assert (rows[-1]["person"], rows[-1]["rank"], rows[-1]["due"]) == (None, None, "500.00")


@pytest.mark.parametrize(("start", "end", "as_of", "field"), [
    (date(2026, 11, 1), date(2026, 10, 31), TODAY, "from"),
    (OCT_1, date(2026, 11, 30), TODAY, "as_of"),
    (date(2010, 1, 1), OCT_31, TODAY, "from"),
])
def test_a_bad_period_names_the_field(core: Core, start: date, end: date, as_of: date, field: str) -> None:
    with reading(core) as s, pytest.raises(ValidationFailed) as bad:
        collectors_report(s, "salesperson", as_of, start, end)
    assert [p.field for p in bad.value.problems] == [field]
