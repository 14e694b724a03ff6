"""Small builders for the law tests: rate tables the tests write themselves, one-call interest.

The hand-checked tests never read the shipped rate file (part of it is reported by a single source
and unverified): each builds the table it computes with, so the figures in its comments are the
figures it feeds the engine. ``history()`` is the published LPR change points (verified against
the NIFC announcements) and the 2015-10-24 benchmark, typed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from workflow.law.interest import Basis, InterestRequest, InterestResult, InvoiceIn, PaymentIn, calculate
from workflow.law.rates import RateQuote, RateTable
from workflow.law.workdays import WorkCalendar, shipped_calendar

D = Decimal

# (kind, effective, 1-year %, 5-year %)
HISTORY: tuple[tuple[str, str, str, str], ...] = (
    ("pboc_benchmark", "2015-10-24", "4.35", "4.90"),
    ("lpr", "2019-08-20", "4.25", "4.85"), ("lpr", "2019-09-20", "4.20", "4.85"),
    ("lpr", "2019-11-20", "4.15", "4.80"), ("lpr", "2020-02-20", "4.05", "4.75"),
    ("lpr", "2020-04-20", "3.85", "4.65"), ("lpr", "2021-12-20", "3.80", "4.65"),
    ("lpr", "2022-01-20", "3.70", "4.60"), ("lpr", "2022-05-20", "3.70", "4.45"),
    ("lpr", "2022-08-22", "3.65", "4.30"), ("lpr", "2023-06-20", "3.55", "4.20"),
    ("lpr", "2023-08-21", "3.45", "4.20"), ("lpr", "2024-02-20", "3.45", "3.95"),
    ("lpr", "2024-07-22", "3.35", "3.85"), ("lpr", "2024-10-21", "3.10", "3.60"),
    ("lpr", "2025-05-20", "3.00", "3.50"),
)


def quote(kind: str, effective: str, rate_1y: str, rate_5y: str | None = None, *, verified: bool = True,
          source: str = "test") -> RateQuote:
    return RateQuote("lpr" if kind == "lpr" else "pboc_benchmark", date.fromisoformat(effective), D(rate_1y),
                     None if rate_5y is None else D(rate_5y), source, verified)


def monthly(first: str, last: str, rate_1y: str = "3.00", *, verified: bool = True) -> list[RateQuote]:
    """One LPR quote a month on its publication day (the 20th, or the next working day), all alike."""
    cal = calendar()
    out = []
    d = date.fromisoformat(first)
    end = date.fromisoformat(last)
    while d <= end:
        out.append(quote("lpr", cal.roll_forward(d).isoformat(), rate_1y, "3.50", verified=verified))
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 20)
    return out


def table(*extra: RateQuote, history: bool = True, cal: WorkCalendar | None = None) -> RateTable:
    base = [quote(*row) for row in HISTORY] if history else []
    return RateTable([*base, *extra], calendar() if cal is None else cal)


@lru_cache(maxsize=1)
def rates() -> RateTable:
    """The history alone: the LPR is known up to 2025-06-19 (the June 2025 quote is due 06-20)."""
    return table()


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
