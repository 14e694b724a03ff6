"""The aging report (账龄分析): what each customer owes, by how long it has been overdue, as of a date.

What "owed on a date" means, written off and unapplied cash included, is ``workflow.ledger.balances``
(shared with the KPIs and the letters); days overdue is ``workflow.ledger.status``. Here: the
buckets. One set-based query grouped by customer and currency sums, for each bucket's upper limit,
the outstanding at most that many days overdue; the buckets are the differences. Nothing loops over
invoices in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from workflow.db import cents_to_decimal
from workflow.ledger.balances import owed_by, unapplied_cash
from workflow.ledger.models import Customer, Invoice

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Bucket:
    key: str
    zh: str
    en: str
    min_days: int | None  # days overdue, inclusive; None = open
    max_days: int | None


# The buckets of docs/reports.md. "1–2 years" is 366–730 days overdue; "over 2 years" is more than 730.
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
                "written_off": "outstanding as of as_of on the invoices written off (the ledger records "
                "no write-off date, so today's write-offs stand on every date)",
                "unapplied_cash": "payments received ≤ as_of less their allocations to invoices issued ≤ as_of",
            },
            "totals": [t.as_dict() for t in sorted(self.totals.values(), key=lambda t: t.currency)],
            "customers": [line.as_dict() for line in self.lines],
        }


def aging_report(session: Session, as_of: date, *, currency: str | None = None,
                 creditor_id: int | None = None) -> AgingReport:
    where: list[ColumnElement[bool]] = []
    if currency:
        where.append(Invoice.currency == currency)
    if creditor_id is not None:
        where.append(Invoice.creditor_id == creditor_id)
    limits = [b.max_days for b in BUCKETS if b.max_days is not None]
    owed = owed_by(session, as_of, (Invoice.customer_id, Invoice.currency), where=where, at_most_days_overdue=limits,
                   prepaid=True)
    names = _customer_names(session, {cid for cid, _ in owed.groups})
    lines: dict[tuple[int, str], AgingLine] = {}
    totals: dict[str, CurrencyTotal] = {}
    for (cid, cur), sums in sorted(owed.groups.items()):
        total = totals.setdefault(cur, CurrencyTotal(cur))
        total.written_off += cents_to_decimal(sums.written_off)
        if not sums.invoices:
            continue  # nothing but written-off invoices: bad debt, not aged
        code, name = names[cid]
        line = lines[(cid, cur)] = AgingLine(cid, code, name, cur, invoices=sums.invoices)
        previous = 0
        for key, edge in zip(BUCKET_KEYS, [*sums.at_most, sums.receivable], strict=True):
            line.buckets[key] = cents_to_decimal(edge - previous)
            total.buckets[key] += line.buckets[key]
            previous = edge
        total.invoices += line.invoices
        total.customers += 1
    for (cid, cur), cash in unapplied_cash(session, as_of, owed, currency=currency, creditor_id=creditor_id).items():
        amount = cents_to_decimal(cash)
        totals.setdefault(cur, CurrencyTotal(cur)).unapplied_cash += amount
        if (cid, cur) in lines:
            lines[(cid, cur)].unapplied_cash = amount
    ordered = sorted(lines.values(), key=lambda ln: (ln.currency, -ln.overdue, -ln.total, ln.customer_code))
    return AgingReport(as_of, "historical" if owed.moved_since else "maintained_totals", ordered, totals)


def _customer_names(session: Session, ids: set[int]) -> dict[int, tuple[str, str]]:
    out: dict[int, tuple[str, str]] = {}
    ordered = sorted(ids)
    for i in range(0, len(ordered), 1000):
        stmt = select(Customer.id, Customer.code, Customer.legal_name).where(Customer.id.in_(ordered[i : i + 1000]))
        out.update({cid: (code, name) for cid, code, name in session.execute(stmt)})
    return out
