"""Small builders for the law tests: shipped data, one-call interest."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from workflow.law.interest import Basis, InterestRequest, InterestResult, InvoiceIn, PaymentIn, calculate
from workflow.law.rates import RateTable, shipped_rate_table
from workflow.law.workdays import WorkCalendar, shipped_calendar

D = Decimal


@lru_cache(maxsize=1)
def rates() -> RateTable:
    return shipped_rate_table()


@lru_cache(maxsize=1)
def calendar() -> WorkCalendar:
    return shipped_calendar()


def run(as_of: str, basis: Basis, invoices: list[tuple[str, str, str]],
        payments: Sequence[tuple[str, str, str | None]] = (), table: RateTable | None = None,
        **kw: Any) -> InterestResult:
    req = InterestRequest(
        as_of=date.fromisoformat(as_of), basis=basis,
        invoices=[InvoiceIn(i, D(a), date.fromisoformat(d)) for i, a, d in invoices],
        payments=[PaymentIn(date.fromisoformat(d), D(a), inv) for d, a, inv in payments], **kw)
    return calculate(req, table or rates())


def segs(result: InterestResult, k: int = 0) -> list[tuple[str, str, int, str, str, str]]:
    inv = result.as_json()["invoices"][k]
    return [(s["from"], s["to"], s["days"], s["principal"], s["annual_rate"], s["interest"]) for s in inv["segments"]]
