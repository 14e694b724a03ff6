"""An invoice's status and its days overdue as of a date: one rule, read two ways.

The rule is written once, in ``_rules``, with plain comparisons. Given Python values (an invoice in
hand, as the API renders it or a letter prints it) the comparisons are booleans; given SQLAlchemy
columns (the invoice list's filters, the aging report's sums) the very same comparisons are SQL
expressions. So ``invoice_status`` and ``status_sql`` cannot drift apart, and
``tests/ledger/test_status.py`` runs both over the same cases to prove they agree.

Days overdue = as_of − due date, in days; an invoice due on as_of itself is not overdue yet. SQL
never subtracts dates (SQLite and PostgreSQL disagree on how): "more than n days overdue" is
"due before as_of − n days", a comparison against a date computed here.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, not_, or_, true


class InvoiceStatus(StrEnum):
    PAID = "paid"  # nothing left owing (paid, credited, or both)
    WRITTEN_OFF = "written_off"  # something owing, given up as bad debt
    OVERDUE = "overdue"  # something owing, past the due date
    OPEN = "open"  # something owing, not yet due


# what the invoice list's ``status`` filter means: "open" is everything still being collected
FILTERS: dict[str, frozenset[InvoiceStatus]] = {
    "open": frozenset({InvoiceStatus.OPEN, InvoiceStatus.OVERDUE}),
    "overdue": frozenset({InvoiceStatus.OVERDUE}),
    "paid": frozenset({InvoiceStatus.PAID}),
}


def overdue_more_than(days: int, due_date: Any, as_of: date) -> Any:
    """More than ``days`` days overdue on ``as_of``: a bool for a date, a SQL condition for a column."""
    return due_date < as_of - timedelta(days=days)


def _rules(outstanding: Any, written_off: Any, due_date: Any, as_of: date) -> tuple[tuple[InvoiceStatus, Any], ...]:
    """The first status whose condition holds; OPEN when none does. Works on values and on columns."""
    return (
        (InvoiceStatus.PAID, outstanding <= 0),
        (InvoiceStatus.WRITTEN_OFF, written_off),
        (InvoiceStatus.OVERDUE, overdue_more_than(0, due_date, as_of)),
    )


# ---- Python: one invoice in hand -----------------------------------------------------------------

def invoice_status(outstanding: Decimal, written_off: bool, due_date: date, as_of: date) -> InvoiceStatus:
    for status, holds in _rules(outstanding, written_off, due_date, as_of):
        if holds:
            return status
    return InvoiceStatus.OPEN


def days_overdue(due_date: date, as_of: date) -> int:
    """Days past the due date on ``as_of``; 0 when not yet due."""
    return max((as_of - due_date).days, 0)


def status_days_overdue(status: InvoiceStatus, due_date: date, as_of: date) -> int:
    """Days overdue as the invoice's status sees it: a paid or written-off invoice is overdue no longer."""
    return days_overdue(due_date, as_of) if status is InvoiceStatus.OVERDUE else 0


# ---- SQL: many invoices at once ------------------------------------------------------------------

def status_sql(outstanding: Any, written_off: Any, due_date: Any, as_of: date) -> ColumnElement[str]:
    """The status as a SQL CASE over the given column expressions."""
    rules = _rules(outstanding, written_off == true(), due_date, as_of)
    return case(*((holds, status.value) for status, holds in rules), else_=InvoiceStatus.OPEN.value)


def status_in_sql(statuses: Collection[InvoiceStatus], outstanding: Any, written_off: Any, due_date: Any,
                  as_of: date) -> ColumnElement[bool]:
    """Rows whose status is one of ``statuses``, as a WHERE condition the database can use indexes
    for: a status holds when its rule does and no earlier rule did."""
    chosen: list[ColumnElement[bool]] = []
    earlier: list[ColumnElement[bool]] = []
    for status, holds in _rules(outstanding, written_off == true(), due_date, as_of):
        if status in statuses:
            chosen.append(and_(*(not_(e) for e in earlier), holds))
        earlier.append(holds)
    if InvoiceStatus.OPEN in statuses:
        chosen.append(and_(*(not_(e) for e in earlier)))
    return or_(false(), *chosen)
