"""The ledger's use cases without HTTP, on SQLite and PostgreSQL: running totals stay equal to the rows
they summarise, a failed use case leaves nothing behind, and only staff may write."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.ledger.sample_ledger import CLERK, CREDITOR, CUSTOMERS, cc, reading, snapshot
from tests.uow import run
from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.core import Core
from workflow.errors import Conflict, DomainError, Forbidden
from workflow.ledger import invoices, parties, payments
from workflow.ledger.models import Allocation, Invoice, Payment
from workflow.ledger.schemas import (
    AllocationIn,
    CreditNoteIn,
    CreditorIn,
    CustomerIn,
    CustomerPatch,
    InvoiceIn,
    InvoicePatch,
    PaymentIn,
)

LAWYER = Actor(user_id=None, username="wang.lvshi", role=Role.LAWYER)


def _setup(core: Core) -> tuple[int, int, int]:
    """Two creditors of one group and a customer."""
    a = run(core, CLERK, parties.create_creditor, CreditorIn.model_validate(CREDITOR))
    b = run(core, CLERK, parties.create_creditor, CreditorIn.model_validate(
        {**CREDITOR, "code": "WX-PACK", "legal_name": "无锡宝钢包装有限公司", "credit_code": cc("91320200MA1MXY3K8")}))
    customer = run(core, CLERK, parties.create_customer, CustomerIn.model_validate(CUSTOMERS[0]))
    return a.id, b.id, customer.id


def _invoice(core: Core, creditor: int, customer: int, number: str, issue: str, due: str, amount: str,
             currency: str = "CNY") -> int:
    return run(core, CLERK, invoices.create_invoice, InvoiceIn.model_validate({
        "creditor_id": creditor, "customer_id": customer, "number": number, "issue_date": issue, "due_date": due,
        "amount": amount, "currency": currency})).id


def _pay(creditor: int, customer: int, ref: str, amount: str, allocations: list[dict[str, object]] | None = None,
         currency: str = "CNY") -> PaymentIn:
    body: dict[str, object] = {"creditor_id": creditor, "customer_id": customer, "received_on": "2026-11-20",
                               "amount": amount, "currency": currency, "bank_reference": ref}
    if allocations is not None:
        body["allocations"] = allocations
    return PaymentIn.model_validate(body)


def _totals_match_rows(core: Core) -> None:
    with reading(core) as s:
        for inv in s.scalars(select(Invoice)):
            allocated = sum(s.scalars(select(Allocation.amount).where(Allocation.invoice_id == inv.id)),
                            Decimal("0.00"))
            assert inv.paid_amount == allocated, inv.number
            assert inv.amount - inv.paid_amount - inv.credited_amount >= 0, inv.number
        for p in s.scalars(select(Payment)):
            allocated = sum((a.amount for a in p.allocations), Decimal("0.00"))
            assert p.unallocated_amount == p.amount - allocated, p.bank_reference


def test_automatic_allocation_skips_other_creditors_currencies_and_written_off_invoices(any_db: Core) -> None:
    a, b, cust = _setup(any_db)
    oldest_other_creditor = _invoice(any_db, b, cust, "WX-001", "2026-05-01", "2026-05-31", "9000.00")
    usd = _invoice(any_db, a, cust, "SH-USD", "2026-05-01", "2026-06-15", "1000.00", "USD")
    written_off = _invoice(any_db, a, cust, "SH-000", "2026-04-01", "2026-04-30", "700.00")
    run(any_db, CLERK, invoices.update_invoice, written_off, InvoicePatch(written_off=True))
    # equal due dates: the one issued first goes first (then the lower id)
    later_issue = _invoice(any_db, a, cust, "SH-002", "2026-07-10", "2026-08-31", "4000.00")
    earlier_issue = _invoice(any_db, a, cust, "SH-001", "2026-07-01", "2026-08-31", "3000.00")
    result = run(any_db, CLERK, payments.record_payment, _pay(a, cust, "ICBC-0001", "5000.00"))
    assert result.mode == "automatic"
    assert [(x.invoice_id, x.amount) for x in result.allocations] == [
        (earlier_issue, Decimal("3000.00")), (later_issue, Decimal("2000.00"))]
    with reading(any_db) as s:
        untouched = s.scalars(select(Invoice.paid_amount).where(
            Invoice.id.in_([oldest_other_creditor, usd, written_off]))).all()
    assert untouched == [Decimal("0.00")] * 3
    _totals_match_rows(any_db)


def test_a_failing_line_undoes_the_whole_payment(any_db: Core) -> None:
    a, _, cust = _setup(any_db)
    first = _invoice(any_db, a, cust, "SH-101", "2026-08-01", "2026-08-31", "3000.00")
    second = _invoice(any_db, a, cust, "SH-102", "2026-09-01", "2026-09-30", "1000.00")
    before = snapshot(any_db)
    with pytest.raises(Conflict) as err:
        run(any_db, CLERK, payments.record_payment, _pay(a, cust, "ICBC-0002", "5000.00", [
            {"invoice_id": first, "amount": "3000.00"}, {"invoice_id": second, "amount": "1500.00"}]))
    assert err.value.problems[0].field == "allocations.1.amount"
    assert snapshot(any_db) == before


def test_undoing_and_redoing_allocations_keeps_totals_equal_to_rows(any_db: Core) -> None:
    a, _, cust = _setup(any_db)
    first = _invoice(any_db, a, cust, "SH-201", "2026-08-01", "2026-08-31", "3000.00")
    _invoice(any_db, a, cust, "SH-202", "2026-09-01", "2026-09-30", "2500.00")
    paid = run(any_db, CLERK, payments.record_payment, _pay(a, cust, "ICBC-0003", "4000.00"))
    run(any_db, CLERK, payments.remove_allocation, paid.payment.id, paid.allocations[0].id)
    _totals_match_rows(any_db)
    run(any_db, CLERK, invoices.create_credit_note, CreditNoteIn.model_validate({
        "creditor_id": a, "customer_id": cust, "invoice_id": first, "number": "HZ-201", "issued_on": "2026-11-21",
        "amount": "500.00", "currency": "CNY"}))
    # the credit note reduced what is owed on the first invoice: it now takes 2,500 and the rest moves on
    again = run(any_db, CLERK, payments.allocate_payment, paid.payment.id, None)
    assert [x.amount for x in again.allocations] == [Decimal("2500.00"), Decimal("500.00")]
    assert again.payment.unallocated_amount == Decimal("0.00")
    _totals_match_rows(any_db)
    with pytest.raises(Conflict) as err:
        run(any_db, CLERK, invoices.update_invoice, first, InvoicePatch(amount=Decimal("2999.99")))
    assert err.value.problems[0].field == "amount"
    with reading(any_db) as s:
        assert any_db.audit.verify(s).ok
        assert s.scalar(select(func.count()).select_from(Allocation)) == 3


def test_lawyers_cannot_write_through_the_services_either(any_db: Core) -> None:
    a, _, cust = _setup(any_db)
    before = snapshot(any_db)
    with pytest.raises(Forbidden):
        run(any_db, LAWYER, payments.record_payment, _pay(a, cust, "ICBC-0004", "100.00"))
    with pytest.raises(Forbidden):
        run(any_db, LAWYER, parties.update_customer, cust, CustomerPatch(credit_hold=True))
    assert snapshot(any_db) == before


def test_allocation_lines_must_name_distinct_invoices() -> None:
    with pytest.raises(ValueError, match="appears twice"):
        _pay(1, 1, "X", "10.00", [{"invoice_id": 5, "amount": "5.00"}, {"invoice_id": 5, "amount": "5.00"}])
    line = AllocationIn.model_validate({"invoice_id": 5, "amount": 5})
    assert line.amount == Decimal("5.00")


def test_domain_errors_carry_both_languages(any_db: Core) -> None:
    a, _, cust = _setup(any_db)
    _invoice(any_db, a, cust, "SH-301", "2026-08-01", "2026-08-31", "100.00")
    with pytest.raises(DomainError) as err:
        _invoice(any_db, a, cust, "SH-301", "2026-08-02", "2026-09-01", "200.00")
    assert err.value.status == 409 and err.value.problems[0].field == "number"
    assert "已被占用" in err.value.problems[0].zh and "already taken" in err.value.problems[0].en
