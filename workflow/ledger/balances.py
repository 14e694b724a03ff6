"""What was owed on a date: the one definition of "outstanding as of" that every report and letter uses.

Outstanding on D, for an invoice issued on or before D, is its amount less the allocations received
on or before D and the credit notes against it issued on or before D. An invoice issued after D did
not exist on D. The invoice's maintained totals (``paid_amount``, ``credited_amount``) are the sums of
all its allocations and credit notes, so the same figure is today's balance plus whatever was
allocated or credited after D: the past costs only the (few) later movements, never a join over
every allocation ever made, and today costs one scan of the covering index ``ix_invoice_aging``.

Written off: the model records *that* an invoice is written off, not *when* (there is no write-off
date). The flag is therefore read as standing on every date: on any D the invoice's outstanding is
bad debt, not a receivable, and a report for a past date shows today's write-off decisions. The
bad-debt figure on D is what those invoices still owed on D, so that receivables + written off = all
that was owed on D, in the aging report and the KPIs alike.

Unapplied cash on D: payments received on or before D, less their allocations that had taken effect
by D. An allocation takes effect once both the cash and the invoice exist: a payment received before
D and later allocated to an invoice issued after D was still unapplied cash on D.

All sums are over whole fen (``Money`` is stored as an integer), so they are exact on every database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    and_,
    case,
    distinct,
    false,
    func,
    literal_column,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from workflow.db import cents_to_decimal
from workflow.ledger.models import Allocation, CreditNote, Invoice, Payment
from workflow.ledger.status import overdue_more_than


def in_fen(col: Any) -> ColumnElement[int]:
    """A Money column as its stored whole fen, so SUM() stays an exact integer on every database."""
    return type_coerce(col, BigInteger)


def balance_fen() -> ColumnElement[int]:
    """Today's maintained balance of an invoice: amount − everything allocated or credited, ever."""
    return in_fen(Invoice.amount) - in_fen(Invoice.paid_amount) - in_fen(Invoice.credited_amount)


def movements_after(as_of: date, invoices: Select[Any] | None = None) -> Any:
    """Every allocation received and credit note issued after ``as_of``, one row each (a subquery
    of ``invoice_id, fen``, and ``paid``: the fen of an allocation, 0 for a credit note).
    ``invoices``, a select of invoice ids, narrows it to those invoices."""
    amount = in_fen(Allocation.amount)
    allocated = select(Allocation.invoice_id.label("invoice_id"), amount.label("fen"), amount.label("paid")).where(
        Allocation.received_on > as_of)
    credited = select(CreditNote.invoice_id.label("invoice_id"), in_fen(CreditNote.amount).label("fen"),
                      literal_column("0", BigInteger).label("paid")).where(
        CreditNote.issued_on > as_of, CreditNote.invoice_id.is_not(None))
    if invoices is not None:
        allocated = allocated.where(Allocation.invoice_id.in_(invoices))
        credited = credited.where(CreditNote.invoice_id.in_(invoices))
    return union_all(allocated, credited).subquery("moves")


def later_movements(as_of: date, invoices: Select[Any] | None = None) -> Any:
    """Per invoice, what was allocated to it or credited against it after ``as_of`` (a subquery of
    ``invoice_id, fen``)."""
    moves = movements_after(as_of, invoices)
    return select(moves.c.invoice_id, func.sum(moves.c.fen).label("fen")).group_by(moves.c.invoice_id).subquery(
        "later")


# ---- one invoice at a time (letters, agreements) --------------------------------------------------

@dataclass(frozen=True)
class Owed:
    invoice: Invoice
    outstanding: Decimal  # on the date asked

    @property
    def settled(self) -> Decimal:
        """Paid and credited by that date."""
        return self.invoice.amount - self.outstanding


def invoices_owed(session: Session, as_of: date, *where: ColumnElement[bool], written_off: bool = False) -> list[Owed]:
    """Invoices matching ``where``, issued by ``as_of``, with something outstanding on that day (not
    written off, unless asked for those), the invoice due first first."""
    conds = [Invoice.issue_date <= as_of, Invoice.written_off == (true() if written_off else false()), *where]
    later = later_movements(as_of, select(Invoice.id).where(*conds))
    outstanding = balance_fen() + func.coalesce(later.c.fen, 0)
    rows = session.execute(
        select(Invoice, outstanding).outerjoin(later, later.c.invoice_id == Invoice.id)
        .where(*conds, outstanding > 0).order_by(Invoice.due_date, Invoice.issue_date, Invoice.id)
    ).all()
    return [Owed(invoice, cents_to_decimal(amount)) for invoice, amount in rows]


# ---- sums by group (the aging report, the KPIs) ------------------------------------------------

@dataclass
class OwedSum:
    """What a group of invoices owed on a date, in fen."""

    receivable: int = 0  # not written off
    written_off: int = 0
    invoices: int = 0  # not written off, something owed
    written_off_invoices: int = 0
    # per ``at_most_days_overdue`` limit: the receivable at most that many days overdue
    at_most: list[int] = field(default_factory=list)
    # cash received by the date and allocated later to invoices issued after it: on the date it was
    # unapplied cash, no invoice existing yet to apply it to (only when asked for)
    prepaid: int = 0


@dataclass
class OwedTable:
    groups: dict[tuple[Any, ...], OwedSum]
    moved_since: bool  # something was allocated or credited after the date: the past differs from today


def owed_by(session: Session, as_of: date, group_by: Sequence[Any], *, where: Sequence[ColumnElement[bool]] = (),
            at_most_days_overdue: Sequence[int] = (), prepaid: bool = False) -> OwedTable:
    """Outstanding on ``as_of`` summed per group (columns of ``Invoice``), split into receivable and
    written off, and the receivable at most n days overdue for each n asked (buckets are their
    differences); with ``prepaid``, also the cash prepaid on invoices not yet issued on ``as_of``.

    Grouped scans: today's balances (one pass over the covering index), then the movements after
    ``as_of`` on top; prepaid cash is what invoices issued after ``as_of`` have been paid (again the
    covering index) less what was received for them after ``as_of`` (from the same later movements).
    """
    out: dict[tuple[Any, ...], OwedSum] = {}

    def group(key: tuple[Any, ...]) -> OwedSum:
        return out.setdefault(key, OwedSum(at_most=[0] * len(at_most_days_overdue)))

    moved = False
    for later in (None, movements_after(as_of)):
        for key, figures in _grouped(session, as_of, group_by, where, at_most_days_overdue, later, prepaid):
            moved = moved or later is not None
            acc = group(key)
            receivable, written_off, n, n_written_off, paid_later_unissued, *at_most = figures
            acc.receivable += receivable
            acc.written_off += written_off
            acc.invoices += n
            acc.written_off_invoices += n_written_off
            acc.prepaid -= paid_later_unissued
            acc.at_most = [a + b for a, b in zip(acc.at_most, at_most, strict=True)]
    if prepaid:
        paid = in_fen(Invoice.paid_amount)
        stmt = select(*group_by, func.sum(paid)).where(*where, Invoice.issue_date > as_of, paid > 0)
        for row in session.execute(stmt.group_by(*group_by)):
            group(tuple(row[:-1])).prepaid += int(row[-1] or 0)
    return OwedTable(out, moved)


def _grouped(session: Session, as_of: date, group_by: Sequence[Any], where: Sequence[ColumnElement[bool]],
             limits: Sequence[int], later: Any | None, unissued: bool) -> list[tuple[tuple[Any, ...], list[int]]]:
    """Without ``later``: every invoice issued by as_of with a balance today, streamed off the
    covering index. With it: only what moved after as_of, joined to its invoice; it counts the
    invoices it reopens (nothing owed today, something owed then), the others being counted already,
    and (``unissued``) sums what was received after as_of for invoices issued after it. The
    movements are joined one by one, not summed per invoice first: PostgreSQL then sees how many
    there are and hashes them instead of looking invoices up one at a time."""
    balance = balance_fen()
    issued = Invoice.issue_date <= as_of
    live = Invoice.written_off == false()
    gone = Invoice.written_off == true()
    if later is None:
        amount: ColumnElement[int] = balance
        n_live: ColumnElement[Any] = func.count(case((live, 1)))  # every row owes something (WHERE)
        n_gone: ColumnElement[Any] = func.count(case((gone, 1)))
        paid_unissued: ColumnElement[Any] = literal_column("0")
    else:
        if unissued:
            live, gone = and_(issued, live), and_(issued, gone)
        amount = later.c.fen
        reopened = balance == 0
        n_live = func.count(distinct(case((and_(live, reopened), Invoice.id))))
        n_gone = func.count(distinct(case((and_(gone, reopened), Invoice.id))))
        paid_unissued = func.sum(case((~issued, later.c.paid), else_=0)) if unissued else literal_column("0")
    query = select(
        *group_by,
        func.sum(case((live, amount), else_=0)),
        func.sum(case((gone, amount), else_=0)),
        n_live,
        n_gone,
        paid_unissued,
        *(func.sum(case((and_(live, ~overdue_more_than(days, Invoice.due_date, as_of)), amount), else_=0))
          for days in limits),
    ).where(*where)
    if later is None:
        query = query.select_from(Invoice).where(issued, balance > 0)
    else:
        query = query.select_from(later).join(Invoice, Invoice.id == later.c.invoice_id)
        if not unissued:
            query = query.where(issued)
    n = len(group_by)
    return [(tuple(row[:n]), [int(v or 0) for v in row[n:]]) for row in session.execute(query.group_by(*group_by))]


def unapplied_cash(session: Session, as_of: date, owed: OwedTable, *, currency: str | None = None,
                   creditor_id: int | None = None) -> dict[tuple[int, str], int]:
    """Per (customer, currency), in fen: cash received by ``as_of`` that no invoice existing on
    ``as_of`` had been allocated: today's unallocated amounts, plus the cash prepaid on invoices
    issued after ``as_of`` (``owed``: from ``owed_by`` grouped by customer and currency, with
    ``prepaid``). An allocation is dated as its payment, so one dated after as_of is of cash
    received after it, not counted here at all. A payment is allocated only to invoices of its own
    customer, creditor and currency, so the invoices' groups are the payments'."""
    conds: list[ColumnElement[bool]] = [Payment.received_on <= as_of, in_fen(Payment.unallocated_amount) > 0]
    if currency:
        conds.append(Payment.currency == currency)
    if creditor_id is not None:
        conds.append(Payment.creditor_id == creditor_id)
    out = {(cid, cur): sums.prepaid for (cid, cur), sums in owed.groups.items() if sums.prepaid}
    # grouped by an expression, not the column: for the column's order SQLite walks
    # ix_payment_customer_id with a table lookup per payment (0.4 s at 433,000 payments), instead of
    # reading the table straight through and sorting only the few with cash left unallocated
    customer = Payment.customer_id + 0
    rows = session.execute(select(customer, Payment.currency, func.sum(in_fen(Payment.unallocated_amount)))
                           .where(*conds).group_by(customer, Payment.currency))
    for cid, cur, fen in rows:
        out[(cid, cur)] = out.get((cid, cur), 0) + int(fen or 0)
    return {key: fen for key, fen in out.items() if fen}
