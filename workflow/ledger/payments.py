"""Use cases for payments and their allocation to invoices.

A payment is allocated as the payer said, or, when the payer said nothing, to the invoice that fell
due first (民法典 560, ``allocation.allocate_by_due_date``). Each allocation moves the invoice's
``paid_amount`` and the payment's ``unallocated_amount`` in the same transaction; what is not
allocated stays visible on the payment. Nothing is ever allocated beyond the payment or beyond an
invoice's outstanding amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.errors import Conflict, FieldProblem, NotFound, invalid
from workflow.ledger.access import flush_unique, load, require_writer, snapshot
from workflow.ledger.allocation import OpenItem, allocate_by_due_date
from workflow.ledger.invoices import outstanding
from workflow.ledger.models import Allocation, CreditorEntity, Customer, Invoice, Payment
from workflow.ledger.parties import ensure_unique
from workflow.ledger.schemas import AllocationIn, PaymentIn
from workflow.unit_of_work import UnitOfWork

Mode = Literal["explicit", "automatic", "none"]


@dataclass(frozen=True)
class Allocated:
    payment: Payment
    mode: Mode
    allocations: list[Allocation]


def _explicit(s: Session, payment: Payment, lines: list[AllocationIn]) -> list[tuple[Invoice, Decimal]]:
    wanted = sum((a.amount for a in lines), Decimal("0.00"))
    if wanted > payment.unallocated_amount:
        raise Conflict("核销金额超过回款未分配余额", "allocations exceed the payment's unallocated amount",
                       [FieldProblem("allocations", "exceeds_payment",
                                     f"合计 {wanted}，可分配 {payment.unallocated_amount}",
                                     f"they add up to {wanted}; only {payment.unallocated_amount} is unallocated")])
    out: list[tuple[Invoice, Decimal]] = []
    for i, line in enumerate(lines):
        invoice = s.scalar(select(Invoice).where(Invoice.id == line.invoice_id).with_for_update())
        where = f"allocations.{i}.invoice_id"
        if invoice is None:
            raise invalid(where, "unknown", f"无此发票：{line.invoice_id}", f"no such invoice: {line.invoice_id}")
        if invoice.customer_id != payment.customer_id or invoice.creditor_id != payment.creditor_id:
            raise invalid(where, "other_parties", "该发票不属于付款方与收款方之间",
                          "the invoice is between other parties than the payment")
        if invoice.currency != payment.currency:
            raise invalid(where, "currency_mismatch", f"发票币种 {invoice.currency} 与回款币种 {payment.currency} 不同",
                          f"the invoice is in {invoice.currency}, the payment in {payment.currency}")
        open_amount = outstanding(invoice)
        if line.amount > open_amount:
            raise Conflict("核销金额超过发票未收余额", "allocation exceeds what is outstanding on the invoice",
                           [FieldProblem(f"allocations.{i}.amount", "exceeds_outstanding",
                                         f"发票 {invoice.number} 未收余额为 {open_amount}",
                                         f"invoice {invoice.number} has {open_amount} outstanding")])
        out.append((invoice, line.amount))
    return out


def _automatic(s: Session, payment: Payment) -> list[tuple[Invoice, Decimal]]:
    invoices = {
        inv.id: inv for inv in s.scalars(
            select(Invoice).where(
                Invoice.customer_id == payment.customer_id, Invoice.creditor_id == payment.creditor_id,
                Invoice.currency == payment.currency, Invoice.written_off.is_(False),
                Invoice.amount > Invoice.paid_amount + Invoice.credited_amount,
            ).order_by(Invoice.due_date, Invoice.issue_date, Invoice.id).with_for_update()
        )
    }
    items = [OpenItem(i.id, i.due_date, i.issue_date, outstanding(i)) for i in invoices.values()]
    lines, _rest = allocate_by_due_date(payment.unallocated_amount, items)
    return [(invoices[invoice_id], amount) for invoice_id, amount in lines]


def _apply(s: Session, payment: Payment, lines: list[tuple[Invoice, Decimal]], automatic: bool) -> list[Allocation]:
    made: list[Allocation] = []
    for invoice, amount in lines:
        invoice.paid_amount = invoice.paid_amount + amount
        payment.unallocated_amount = payment.unallocated_amount - amount
        alloc = Allocation(payment_id=payment.id, invoice_id=invoice.id, amount=amount,
                           received_on=payment.received_on, automatic=automatic)
        s.add(alloc)
        made.append(alloc)
    s.flush()
    return made


def _allocate(s: Session, payment: Payment, lines: list[AllocationIn] | None) -> tuple[Mode, list[Allocation]]:
    if lines is None:
        return "automatic", _apply(s, payment, _automatic(s, payment), automatic=True)
    if not lines:
        return "none", []
    return "explicit", _apply(s, payment, _explicit(s, payment, lines), automatic=False)


def _audit_view(allocs: list[Allocation]) -> list[dict[str, Any]]:
    return [{"invoice_id": a.invoice_id, "amount": a.amount, "automatic": a.automatic} for a in allocs]


def record_payment(uow: UnitOfWork, body: PaymentIn, future_days: int = 0) -> Allocated:
    """``future_days``: slack for a bank in another time zone; a payment dated later than today plus
    that is refused, since money not yet received would settle invoices and stop their interest."""
    require_writer(uow.actor)
    s = uow.session
    latest = uow.today() + timedelta(days=future_days)
    if body.received_on > latest:
        raise invalid("received_on", "in_the_future", f"付款日期 {body.received_on} 晚于今天，不能登记尚未收到的款项",
                      f"the payment date {body.received_on} is after today: a payment not yet received "
                      "cannot be recorded")
    if s.get(CreditorEntity, body.creditor_id) is None:
        raise invalid("creditor_id", "unknown", f"无此债权主体：{body.creditor_id}",
                      f"no such creditor: {body.creditor_id}")
    if s.get(Customer, body.customer_id) is None:
        raise invalid("customer_id", "unknown", f"无此客户：{body.customer_id}",
                      f"no such customer: {body.customer_id}")
    ensure_unique(s, Payment, "bank_reference", body.bank_reference, scope={"creditor_id": body.creditor_id})
    payment = Payment(**body.model_dump(exclude={"allocations"}), unallocated_amount=body.amount,
                      created_at=uow.now())
    s.add(payment)
    flush_unique(s, "bank_reference", body.bank_reference)
    mode, allocs = _allocate(s, payment, body.allocations)
    after = snapshot(payment) | {"allocation_mode": mode, "allocations": _audit_view(allocs)}
    uow.audit("payment.create", "payment", payment.id, None, after)
    return Allocated(payment, mode, allocs)


def allocate_payment(uow: UnitOfWork, payment_id: int, lines: list[AllocationIn] | None) -> Allocated:
    """Allocate what is still unallocated: as given, or by due date when no lines are given."""
    require_writer(uow.actor)
    s = uow.session
    payment = load(s, Payment, payment_id, uow.actor, for_update=True)
    if payment.unallocated_amount <= 0:
        raise Conflict("该回款已全部核销", "this payment is already fully allocated",
                       [FieldProblem("allocations", "nothing_left", "未分配余额为 0",
                                     "nothing is left to allocate")])
    before = {"unallocated_amount": payment.unallocated_amount}
    mode, allocs = _allocate(s, payment, lines)
    after = {"unallocated_amount": payment.unallocated_amount, "allocation_mode": mode,
             "allocations": _audit_view(allocs)}
    uow.audit("payment.allocate", "payment", payment.id, before, after)
    return Allocated(payment, mode, allocs)


def remove_allocation(uow: UnitOfWork, payment_id: int, allocation_id: int) -> Payment:
    """Undo one allocation (a clerk's mistake): the cash goes back to unallocated."""
    require_writer(uow.actor)
    s = uow.session
    payment = load(s, Payment, payment_id, uow.actor, for_update=True)
    alloc = s.get(Allocation, allocation_id)
    if alloc is None or alloc.payment_id != payment.id:
        raise NotFound("核销记录", "allocation", allocation_id)
    invoice = s.scalar(select(Invoice).where(Invoice.id == alloc.invoice_id).with_for_update())
    assert invoice is not None  # foreign key
    before = {"allocation": snapshot(alloc), "unallocated_amount": payment.unallocated_amount,
              "invoice_paid_amount": invoice.paid_amount}
    invoice.paid_amount = invoice.paid_amount - alloc.amount
    payment.unallocated_amount = payment.unallocated_amount + alloc.amount
    s.delete(alloc)
    s.flush()
    after = {"unallocated_amount": payment.unallocated_amount, "invoice_paid_amount": invoice.paid_amount}
    uow.audit("allocation.delete", "payment", payment.id, before, after)
    return payment
