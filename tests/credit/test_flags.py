"""Warning signs raised as flags with their evidence: a new customer ordering far above its history,
payments slipping month over month, a change of payee or contact after a dispute. A cleared flag is
not raised again for the same evidence."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from tests.credit.ledger import JOBS, CreditBook, days_ago
from tests.uow import run
from workflow.accounts.actor import SYSTEM
from workflow.cases.lifecycle import apply, lock_case
from workflow.cases.states import CaseEvent
from workflow.clock import FixedClock
from workflow.core import Core
from workflow.credit.models import CustomerFlag, ExposureOrder
from workflow.credit.service import clear_flag
from workflow.ledger.models import Contact, Customer, Invoice
from workflow.ledger.parties import update_contact
from workflow.ledger.schemas import ContactPatch
from workflow.mail.inbound import InboundMessage
from workflow.unit_of_work import UnitOfWork


def flags(core: Core) -> dict[tuple[str, str], dict[str, Any]]:
    """(customer code, kind) → evidence of the standing flags."""
    with core.unit_of_work(SYSTEM, read_only=True) as uow:
        codes = {int(i): str(c) for i, c in uow.session.execute(select(Customer.id, Customer.code))}
        return {(codes[f.customer_id], f.kind): dict(f.evidence)
                for f in uow.session.scalars(select(CustomerFlag).where(CustomerFlag.open_slot == 1))}


def test_a_new_customer_ordering_far_above_its_history(any_db: Core) -> None:
    book = CreditBook(any_db)
    for code, name in (("KH3001", "深圳前海速达供应链有限公司"), ("KH3002", "广州天河恒信贸易有限公司"),
                       ("KH3003", "珠海横琴新航科技有限公司")):
        book.customer(code, name)
    # KH3001, first invoice 120 days ago (new): 10,000 + 12,000 + 14,000 → average 12,000; ×3 = 36,000
    for code in ("KH3001", "KH3003"):
        for n, amount in ((120, "10000.00"), (90, "12000.00"), (60, "14000.00")):
            book.invoice(code, days_ago(n), days_ago(n - 30), amount)
    spike = book.invoice("KH3001", days_ago(12), days_ago(-18), "60000.00")  # 5× the average and ≥ 50,000
    book.invoice("KH3003", days_ago(12), days_ago(-18), "40000.00")  # above 3× but under the 50,000 minimum
    # KH3002 has bought for two years: the same jump is no sign of a new customer
    for n, amount in ((700, "10000.00"), (90, "12000.00"), (60, "14000.00"), (12, "60000.00")):
        book.invoice("KH3002", days_ago(n), days_ago(n - 30), amount)
    any_db.services.credit.recompute(JOBS)
    found = flags(any_db)
    assert set(found) == {("KH3001", "order_spike")}
    evidence = found[("KH3001", "order_spike")]
    assert evidence["first_invoice_on"] == days_ago(120).isoformat()
    assert (evidence["history_invoices"], evidence["history_average"], evidence["multiple"]) == (3, "12000.00", "5.0")
    with any_db.unit_of_work(SYSTEM, read_only=True) as uow:
        number = uow.session.scalar(select(Invoice.number).where(Invoice.id == spike))
    assert evidence["largest"] == {"kind": "invoice", "ref": number, "amount": "60000.00",
                                   "date": days_ago(12).isoformat()}


def test_an_order_reported_by_another_system_counts_as_ordering(core: Core) -> None:
    book = CreditBook(core)
    cid = book.customer("KH3004", "佛山南海联创陶瓷有限公司")
    for n, amount in ((100, "8000.00"), (70, "8000.00")):
        book.invoice("KH3004", days_ago(n), days_ago(n - 30), amount)
    with core.unit_of_work(SYSTEM) as uow:
        uow.session.add(ExposureOrder(customer_id=cid, source="erp", external_ref="SO-20261120-07",
                                      amount=Decimal("90000.00"), currency="CNY", status="open",
                                      ordered_on=days_ago(6), reported_at=core.clock.now(), reported_by="erp"))
    core.services.credit.recompute(JOBS)
    evidence = flags(core)[("KH3004", "order_spike")]
    # 90,000 ÷ 8,000 = 11.25 → 11.3 times the history
    assert evidence["largest"] == {"kind": "order", "ref": "SO-20261120-07", "amount": "90000.00",
                                   "date": days_ago(6).isoformat()}
    assert evidence["multiple"] == "11.3"


def test_payments_slipping_three_months_in_a_row(any_db: Core) -> None:
    book = CreditBook(any_db)
    book.customer("KH3005", "济南泉城包装材料有限公司")
    book.customer("KH3006", "烟台芝罘海产品有限公司")
    # the four complete months before November 2026: July 5 days late, August 10, September 15, October 20
    for month, late in ((7, 5), (8, 10), (9, 15), (10, 20)):
        due = date(2026, month, 1)
        book.paid_invoice("KH3005", due, due + timedelta(days=late))
    # KH3006 slips, then recovers in October (15 → 12): no three rises in a row
    for month, late in ((7, 5), (8, 10), (9, 15), (10, 12)):
        due = date(2026, month, 1)
        book.paid_invoice("KH3006", due, due + timedelta(days=late))
    any_db.services.credit.recompute(JOBS)
    found = flags(any_db)
    assert set(found) == {("KH3005", "payments_slipping")}
    assert found[("KH3005", "payments_slipping")]["months"] == [
        {"month": "2026-07", "invoices_settled": 1, "avg_days_late": "5.0"},
        {"month": "2026-08", "invoices_settled": 1, "avg_days_late": "10.0"},
        {"month": "2026-09", "invoices_settled": 1, "avg_days_late": "15.0"},
        {"month": "2026-10", "invoices_settled": 1, "avg_days_late": "20.0"}]


def _dispute(core: Core, case_id: int) -> None:
    def go(uow: UnitOfWork) -> None:
        apply(uow, lock_case(uow, case_id), CaseEvent.DISPUTE_RAISED, reason="客户称货物质量不合格",
              evidence={"call": "2026-11-20"})

    run(core, SYSTEM, go)


def _reply(core: Core, customer_id: int, text: str) -> None:
    with core.unit_of_work(SYSTEM) as uow:
        uow.session.add(InboundMessage(sha256=f"{customer_id:064d}", size=len(text), mailbox="maildir:/test",
                                       received_at=core.clock.now(), status="processed", intent="other",
                                       classification={"intent": "other", "reply_text": text},
                                       customer_id=customer_id))


def test_a_change_of_contact_or_payee_after_a_dispute(any_db: Core) -> None:
    book = CreditBook(any_db)
    clock = any_db.clock
    assert isinstance(clock, FixedClock)
    a = book.customer("KH3007", "天津滨海新区恒远国际贸易有限公司")
    b = book.customer("KH3008", "大连金州远洋渔具有限公司")
    c = book.customer("KH3009", "沈阳铁西重型机械有限公司")
    contact_a = book.contact("KH3007", "赵会计", "zhao@hengyuan.example")
    contact_c = book.contact("KH3009", "孙出纳", "sun@tiexi.example")
    clock.advance(timedelta(hours=-48))  # KH3009 changed its contact before any dispute: no sign
    run(any_db, SYSTEM, update_contact, c, contact_c, ContactPatch(email="sun.cashier@tiexi.example"))
    clock.advance(timedelta(hours=24))
    for code in ("KH3007", "KH3008", "KH3009"):
        _dispute(any_db, book.case(code))
    clock.advance(timedelta(hours=24))
    run(any_db, SYSTEM, update_contact, a, contact_a, ContactPatch(email="zhao.new@hengyuan-trade.example"))
    _reply(any_db, b, "关于贵司的催款函，我司收款账户已变更，后续请与新联系人王经理对接。")
    any_db.services.credit.recompute(JOBS)
    found = flags(any_db)
    assert set(found) == {("KH3007", "contact_change_after_dispute"), ("KH3008", "contact_change_after_dispute")}
    [change] = found[("KH3007", "contact_change_after_dispute")]["changes"]
    assert change["source"] == "audit" and change["action"] == "contact.update"
    assert change["contact"]["email"] == "zhao.new@hengyuan-trade.example"
    assert change["before"]["email"] == "zhao@hengyuan.example"
    [said] = found[("KH3008", "contact_change_after_dispute")]["changes"]
    assert said["source"] == "reply" and said["words"] == "收款账户已变更"
    assert found[("KH3008", "contact_change_after_dispute")]["dispute"]["case"].startswith("AR-2026-")
    with any_db.unit_of_work(SYSTEM, read_only=True) as uow:
        assert uow.session.scalar(select(Contact.email).where(Contact.id == contact_a)) == \
            "zhao.new@hengyuan-trade.example"


def test_a_cleared_flag_is_not_raised_again_for_the_same_evidence(core: Core) -> None:
    book = CreditBook(core)
    book.customer("KH3010", "青岛崂山矿泉饮品有限公司")
    for month, late in ((7, 2), (8, 4), (9, 6), (10, 8)):
        book.paid_invoice("KH3010", date(2026, month, 1), date(2026, month, 1) + timedelta(days=late))
    core.services.credit.recompute(JOBS)
    with core.unit_of_work(SYSTEM, read_only=True) as uow:
        [flag_id] = uow.session.scalars(select(CustomerFlag.id)).all()
    out = run(core, SYSTEM, clear_flag, flag_id, "已电话核实：客户调整了付款审批流程")
    assert out["open"] is False and out["cleared_by"] == "system"
    core.services.credit.recompute(JOBS)
    assert flags(core) == {}
