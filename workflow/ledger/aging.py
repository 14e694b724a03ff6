"""The aging report (账龄分析): what each customer owes, by how long it has been overdue, as of a date.

One set-based query: a CASE on the due date against precomputed bucket boundaries, grouped by
customer, currency and bucket. Nothing loops over invoices in Python.

Outstanding as of a date = amount − allocations received on or before it − credit notes issued on
or before it. When the date is today or later the maintained totals on the invoice
(paid_amount, credited_amount) give the same figure without the joins; for a past date the
maintained balance is corrected by the movements dated after it (see ``outstanding_expr``). Invoices issued after the
date do not exist yet as far as the report is concerned; written-off invoices are left out of the
buckets and reported as bad debt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, and_, case, false, func, select, true, type_coerce, union_all
from sqlalchemy.orm import Session

from workflow.db import cents_to_decimal
from workflow.ledger.models import Allocation, CreditNote, Customer, Invoice, Payment

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Bucket:
    key: str
    zh: str
    en: str
    min_days: int | None  # days overdue, inclusive; None = open
    max_days: int | None


# DOMAIN.md §1. "1–2 years" is 366–730 days overdue; "over 2 years" is more than 730.
BUCKETS = (
    Bucket("not_due", "未到期", "not due", None, 0),
    Bucket("d1_30", "1–30天", "1–30 days", 1, 30),
    Bucket("d31_60", "31–60天", "31–60 days", 31, 60),
    Bucket("d61_90", "61–90天", "61–90 days", 61, 90),
    Bucket("d91_180", "91–180天", "91–180 days", 91, 180),
    Bucket("d181_365", "181–365天", "181–365 days", 181, 365),
    Bucket("y1_2", "1–2年", "1–2 years", 366, 730),
    Bucket("over_2y", "2年以上", "over 2 years", 731, None),
)
BUCKET_KEYS = tuple(b.key for b in BUCKETS)


def bucket_of(days_overdue: int) -> str:
    """The bucket for a number of days overdue (≤ 0: not yet due)."""
    for b in BUCKETS:
        if b.max_days is None or days_overdue <= b.max_days:
            return b.key
    return BUCKETS[-1].key


@dataclass
class AgingLine:
    customer_id: int
    customer_code: str
    customer_name: str
    currency: str
    buckets: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(BUCKET_KEYS, ZERO))
    invoices: int = 0
    unapplied_cash: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)

    @property
    def overdue(self) -> Decimal:
        return self.total - self.buckets["not_due"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "customer_code": self.customer_code,
            "customer_name": self.customer_name,
            "currency": self.currency,
            "buckets": {k: str(v) for k, v in self.buckets.items()},
            "total": str(self.total),
            "overdue": str(self.overdue),
            "invoices": self.invoices,
            "unapplied_cash": str(self.unapplied_cash),
        }


@dataclass
class CurrencyTotal:
    currency: str
    buckets: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(BUCKET_KEYS, ZERO))
    invoices: int = 0
    customers: int = 0
    written_off: Decimal = ZERO
    unapplied_cash: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)

    def share(self, key: str) -> Decimal:
        return (self.buckets[key] / self.total * 100).quantize(Decimal("0.01")) if self.total else ZERO

    def as_dict(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "buckets": {k: str(v) for k, v in self.buckets.items()},
            "shares_percent": {k: str(self.share(k)) for k in BUCKET_KEYS},
            "total": str(self.total),
            "overdue": str(self.total - self.buckets["not_due"]),
            "invoices": self.invoices,
            "customers": self.customers,
            "written_off": str(self.written_off),
            "unapplied_cash": str(self.unapplied_cash),
        }


@dataclass
class AgingReport:
    as_of: date
    method: str  # "maintained_totals" or "historical"
    lines: list[AgingLine]
    totals: dict[str, CurrencyTotal]

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "method": self.method,
            "buckets": [
                {"key": b.key, "zh": b.zh, "en": b.en, "min_days": b.min_days, "max_days": b.max_days} for b in BUCKETS
            ],
            "definition": {
                "outstanding": "amount − allocations received ≤ as_of − credit notes issued ≤ as_of",
                "days_overdue": "as_of − due_date; ≤ 0 is not due",
                "excluded": "invoices issued after as_of; written-off invoices (reported as written_off)",
            },
            "totals": [t.as_dict() for t in sorted(self.totals.values(), key=lambda t: t.currency)],
            "customers": [line.as_dict() for line in self.lines],
        }


def _fen(col: Any) -> ColumnElement[int]:
    """A Money column as raw fen, so SUM() stays an exact integer on every database."""
    return type_coerce(col, BigInteger)


def outstanding_expr(session: Session, as_of: date, today: date) -> tuple[ColumnElement[int], list[Any], str]:
    """(outstanding in fen, outer joins to add, method) for invoices as of a date.

    amount − Σ allocations received ≤ as_of − Σ credit notes issued ≤ as_of equals the maintained
    balance (amount − paid_amount − credited_amount) plus what was allocated or credited after
    as_of, because the maintained totals are the sums of all allocations and credit notes. The
    second form joins only the (few) later movements instead of every allocation ever made.
    """
    balance = _fen(Invoice.amount) - _fen(Invoice.paid_amount) - _fen(Invoice.credited_amount)
    if as_of >= today:
        return balance, [], "maintained_totals"
    paid_later = (
        select(Allocation.invoice_id.label("invoice_id"), func.sum(_fen(Allocation.amount)).label("fen"))
        .where(Allocation.received_on > as_of)
        .group_by(Allocation.invoice_id)
        .subquery("paid_later")
    )
    credited_later = (
        select(CreditNote.invoice_id.label("invoice_id"), func.sum(_fen(CreditNote.amount)).label("fen"))
        .where(CreditNote.issued_on > as_of, CreditNote.invoice_id.is_not(None))
        .group_by(CreditNote.invoice_id)
        .subquery("credited_later")
    )
    expr = balance + func.coalesce(paid_later.c.fen, 0) + func.coalesce(credited_later.c.fen, 0)
    return (
        expr,
        [
            (paid_later, paid_later.c.invoice_id == Invoice.id),
            (credited_later, credited_later.c.invoice_id == Invoice.id),
        ],
        "historical",
    )


def _filters(as_of: date, currency: str | None, creditor_id: int | None) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [Invoice.issue_date <= as_of]
    if currency:
        conds.append(Invoice.currency == currency)
    if creditor_id is not None:
        conds.append(Invoice.creditor_id == creditor_id)
    return conds


def bucket_sums(as_of: date, outstanding: ColumnElement[int]) -> list[ColumnElement[Any]]:
    """Per bucket boundary, the outstanding due on or after it (not written off). Cumulative sums
    with one comparison each: the buckets are their differences. Grouping by customer and currency
    alone lets the database stream the covering index instead of sorting a bucket column."""
    sums: list[ColumnElement[Any]] = []
    for b in BUCKETS[:-1]:
        assert b.max_days is not None
        boundary = as_of - timedelta(days=b.max_days)
        sums.append(func.sum(case((and_(Invoice.due_date >= boundary, Invoice.written_off == false()), outstanding))))
    return sums


def later_movements(as_of: date) -> Any:
    """Per invoice, what was allocated to it or credited against it after as_of (a subquery)."""
    moves = union_all(
        select(Allocation.invoice_id.label("invoice_id"), _fen(Allocation.amount).label("fen")).where(
            Allocation.received_on > as_of
        ),
        select(CreditNote.invoice_id.label("invoice_id"), _fen(CreditNote.amount).label("fen")).where(
            CreditNote.issued_on > as_of, CreditNote.invoice_id.is_not(None)
        ),
    ).subquery("moves")
    return select(moves.c.invoice_id, func.sum(moves.c.fen).label("fen")).group_by(moves.c.invoice_id).subquery("later")


def _aggregate(session: Session, as_of: date, filters: list[ColumnElement[bool]], later: Any | None) -> list[Any]:
    """(customer, currency, Σ, Σ written off, n, n written off, cumulative sums by boundary...).

    Without ``later``: the maintained balance of every open invoice, streamed off the covering
    index. With it: only what moved after as_of, joined to its invoice, and the count of the
    invoices it reopens (balance 0 today, open then)."""
    balance = _fen(Invoice.amount) - _fen(Invoice.paid_amount) - _fen(Invoice.credited_amount)
    amount: ColumnElement[int] = balance if later is None else later.c.fen
    counted: ColumnElement[Any] = balance > 0 if later is None else balance == 0
    written_off = Invoice.written_off == true()
    query = select(
        Invoice.customer_id,
        Invoice.currency,
        func.sum(amount),
        func.sum(case((written_off, amount))),
        func.count(case((counted, 1))),
        func.count(case((and_(written_off, counted), 1))),
        *bucket_sums(as_of, amount),
    ).where(*filters)
    if later is None:
        query = query.select_from(Invoice).where(balance > 0)
    else:
        query = query.select_from(later).join(Invoice, Invoice.id == later.c.invoice_id)
    return list(session.execute(query.group_by(Invoice.customer_id, Invoice.currency)).all())


def aging_report(
    session: Session, as_of: date, today: date, *, currency: str | None = None, creditor_id: int | None = None
) -> AgingReport:
    filters = _filters(as_of, currency, creditor_id)
    method = "maintained_totals" if as_of >= today else "historical"
    # outstanding then = balance now + what moved after as_of (the maintained totals sum every
    # allocation and credit note), so the past needs only the later movements on top
    merged: dict[tuple[int, str], list[int]] = {}
    parts = [_aggregate(session, as_of, filters, None)]
    if method == "historical":
        parts.append(_aggregate(session, as_of, filters, later_movements(as_of)))
    for rows in parts:
        for cid, cur, *figures in rows:
            acc = merged.setdefault((cid, cur), [0] * len(figures))
            for i, v in enumerate(figures):
                acc[i] += int(v or 0)
    names = _customer_names(session, {cid for cid, _ in merged})
    lines: dict[tuple[int, str], AgingLine] = {}
    totals: dict[str, CurrencyTotal] = {}
    for (cid, cur), (fen, wo_fen, n, wo_n, *cumulative) in sorted(merged.items()):
        total = totals.setdefault(cur, CurrencyTotal(cur))
        total.written_off += cents_to_decimal(wo_fen)
        if n == wo_n:
            continue  # nothing but written-off invoices: bad debt, not aged
        code, name = names[cid]
        line = lines[(cid, cur)] = AgingLine(cid, code, name, cur, invoices=n - wo_n)
        previous = 0
        for key, edge in zip(BUCKET_KEYS, [*cumulative, fen - wo_fen], strict=True):
            line.buckets[key] = cents_to_decimal(edge - previous)
            total.buckets[key] += line.buckets[key]
            previous = edge
        total.invoices += line.invoices
        total.customers += 1
    _add_unapplied(session, as_of, currency, creditor_id, lines, totals)
    ordered = sorted(lines.values(), key=lambda ln: (ln.currency, -ln.overdue, -ln.total, ln.customer_code))
    return AgingReport(as_of, method, ordered, totals)


def _customer_names(session: Session, ids: set[int]) -> dict[int, tuple[str, str]]:
    out: dict[int, tuple[str, str]] = {}
    ordered = sorted(ids)
    for i in range(0, len(ordered), 1000):
        stmt = select(Customer.id, Customer.code, Customer.legal_name).where(Customer.id.in_(ordered[i : i + 1000]))
        out.update({cid: (code, name) for cid, code, name in session.execute(stmt)})
    return out


def _add_unapplied(
    session: Session,
    as_of: date,
    currency: str | None,
    creditor_id: int | None,
    lines: dict[tuple[int, str], AgingLine],
    totals: dict[str, CurrencyTotal],
) -> None:
    """Cash received but not allocated to any invoice: shown beside the buckets, never netted."""
    conds = [Payment.received_on <= as_of, _fen(Payment.unallocated_amount) > 0]
    if currency:
        conds.append(Payment.currency == currency)
    if creditor_id is not None:
        conds.append(Payment.creditor_id == creditor_id)
    stmt = (
        select(Payment.customer_id, Payment.currency, func.sum(_fen(Payment.unallocated_amount)))
        .where(and_(*conds))
        .group_by(Payment.customer_id, Payment.currency)
    )
    for cid, cur, fen in session.execute(stmt):
        amount = cents_to_decimal(fen)
        totals.setdefault(cur, CurrencyTotal(cur)).unapplied_cash += amount
        if (cid, cur) in lines:
            lines[(cid, cur)].unapplied_cash = amount
