"""Read side of the ledger: filtered, visibility-scoped queries and the balance per currency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from workflow.accounts.actor import Actor
from workflow.db import cents_to_decimal
from workflow.ledger.access import load, scoped
from workflow.ledger.balances import balance_fen, in_fen
from workflow.ledger.models import Allocation, Contact, Contract, CreditNote, CreditorEntity, Customer, Invoice, Payment
from workflow.ledger.schemas import (
    ContractQuery,
    CreditNoteQuery,
    CreditorQuery,
    CustomerQuery,
    InvoiceQuery,
    PaymentQuery,
)
from workflow.ledger.status import FILTERS, InvoiceStatus, status_in_sql

ZERO = Decimal("0.00")


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def creditors(q: CreditorQuery) -> Select[Any]:
    stmt = select(CreditorEntity).order_by(CreditorEntity.id)
    if q.q:
        stmt = stmt.where(or_(CreditorEntity.legal_name.ilike(_like(q.q), escape="\\"),
                              CreditorEntity.code.ilike(_like(q.q), escape="\\")))
    return stmt


def customers(actor: Actor, q: CustomerQuery) -> Select[Any]:
    stmt = scoped(select(Customer).order_by(Customer.id), actor, Customer.id)
    if q.q:
        pattern = _like(q.q)
        stmt = stmt.where(or_(Customer.legal_name.ilike(pattern, escape="\\"),
                              Customer.legal_name_en.ilike(pattern, escape="\\"),
                              Customer.code.ilike(pattern, escape="\\"),
                              Customer.credit_code == q.q.upper()))
    if q.kind is not None:
        stmt = stmt.where(Customer.kind == q.kind.value)
    if q.credit_hold is not None:
        stmt = stmt.where(Customer.credit_hold.is_(q.credit_hold))
    if q.do_not_dun is not None:
        stmt = stmt.where(Customer.do_not_dun.is_(q.do_not_dun))
    if q.assigned_clerk is not None:
        stmt = stmt.where(Customer.assigned_clerk_id == q.assigned_clerk)
    return stmt


def contacts(s: Session, actor: Actor, customer_id: int) -> list[Contact]:
    load(s, Customer, customer_id, actor)
    return list(s.scalars(select(Contact).where(Contact.customer_id == customer_id).order_by(Contact.id)))


def contracts(actor: Actor, q: ContractQuery) -> Select[Any]:
    stmt = scoped(select(Contract).order_by(Contract.id), actor, Contract.customer_id)
    if q.customer_id is not None:
        stmt = stmt.where(Contract.customer_id == q.customer_id)
    if q.creditor_id is not None:
        stmt = stmt.where(Contract.creditor_id == q.creditor_id)
    if q.q:
        stmt = stmt.where(Contract.number.ilike(_like(q.q), escape="\\"))
    return stmt


def invoices(actor: Actor, q: InvoiceQuery, today: date) -> Select[Any]:
    stmt = scoped(select(Invoice).order_by(Invoice.due_date, Invoice.id), actor, Invoice.customer_id)
    for field in ("customer_id", "creditor_id", "contract_id", "currency", "number"):
        value = getattr(q, field)
        if value is not None:
            stmt = stmt.where(getattr(Invoice, field) == value)
    if q.status is not None:
        stmt = stmt.where(status_in_sql(FILTERS[q.status], balance_fen(), Invoice.written_off, Invoice.due_date, today))
    if q.due_before is not None:
        stmt = stmt.where(Invoice.due_date < q.due_before)
    if q.due_after is not None:
        stmt = stmt.where(Invoice.due_date > q.due_after)
    return stmt


def credit_notes(actor: Actor, q: CreditNoteQuery) -> Select[Any]:
    stmt = scoped(select(CreditNote).order_by(CreditNote.id), actor, CreditNote.customer_id)
    for field in ("customer_id", "creditor_id", "invoice_id"):
        value = getattr(q, field)
        if value is not None:
            stmt = stmt.where(getattr(CreditNote, field) == value)
    return stmt


def payments(actor: Actor, q: PaymentQuery) -> Select[Any]:
    stmt = scoped(select(Payment).order_by(Payment.received_on.desc(), Payment.id.desc()), actor,
                  Payment.customer_id)
    for field in ("customer_id", "creditor_id", "currency", "bank_reference"):
        value = getattr(q, field)
        if value is not None:
            stmt = stmt.where(getattr(Payment, field) == value)
    if q.unallocated is True:
        stmt = stmt.where(Payment.unallocated_amount > ZERO)
    elif q.unallocated is False:
        stmt = stmt.where(Payment.unallocated_amount == ZERO)
    if q.received_from is not None:
        stmt = stmt.where(Payment.received_on >= q.received_from)
    if q.received_to is not None:
        stmt = stmt.where(Payment.received_on <= q.received_to)
    return stmt


def allocations_of(s: Session, payment_ids: list[int]) -> dict[int, list[Allocation]]:
    out: dict[int, list[Allocation]] = {i: [] for i in payment_ids}
    if payment_ids:
        for a in s.scalars(select(Allocation).where(Allocation.payment_id.in_(payment_ids)).order_by(Allocation.id)):
            out[a.payment_id].append(a)
    return out


@dataclass(frozen=True)
class CurrencyBalance:
    currency: str
    invoiced: Decimal
    paid: Decimal
    credited: Decimal
    outstanding: Decimal
    overdue: Decimal
    open_invoices: int
    unallocated_cash: Decimal


def balance(s: Session, actor: Actor, customer_id: int, today: date) -> list[CurrencyBalance]:
    """Per currency, never summed across currencies. Written-off invoices are not outstanding."""
    load(s, Customer, customer_id, actor)
    amount, paid, credited = in_fen(Invoice.amount), in_fen(Invoice.paid_amount), in_fen(Invoice.credited_amount)
    open_amount = amount - paid - credited

    def having(statuses: frozenset[InvoiceStatus]) -> Any:
        return status_in_sql(statuses, open_amount, Invoice.written_off, Invoice.due_date, today)

    owing, overdue = having(FILTERS["open"]), having(FILTERS["overdue"])
    rows = s.execute(
        select(
            Invoice.currency, func.sum(amount), func.sum(paid), func.sum(credited),
            func.sum(case((owing, open_amount), else_=0)),
            func.sum(case((overdue, open_amount), else_=0)),
            func.sum(case((owing, 1), else_=0)),
        ).where(Invoice.customer_id == customer_id).group_by(Invoice.currency)
    ).all()
    cash: dict[str, Any] = {cur: fen for cur, fen in s.execute(
        select(Payment.currency, func.sum(in_fen(Payment.unallocated_amount)))
        .where(Payment.customer_id == customer_id).group_by(Payment.currency)
    )}
    out: dict[str, CurrencyBalance] = {}
    for cur, inv, paid, cred, open_, overdue, n in rows:
        out[cur] = CurrencyBalance(cur, cents_to_decimal(inv), cents_to_decimal(paid), cents_to_decimal(cred),
                                   cents_to_decimal(open_), cents_to_decimal(overdue), int(n or 0),
                                   cents_to_decimal(cash.pop(cur, 0)))
    for cur, amount in cash.items():
        out[cur] = CurrencyBalance(cur, ZERO, ZERO, ZERO, ZERO, ZERO, 0, cents_to_decimal(amount))
    return [out[c] for c in sorted(out)]
