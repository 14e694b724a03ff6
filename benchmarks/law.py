"""Late-interest throughput: 100,000 invoices with 3 part payments each, floating LPR + 50%.

    .venv/bin/python benchmarks/law.py [--invoices N] [--baseline N]

Prints invoices per second for the engine (segments between rate changes and payment dates,
integer arithmetic, bisect into a precomputed LPR schedule) and for a simple day-by-day Decimal
loop over a sample of the same portfolio, measured in the same run, and their ratio. One process,
one core. Target: ≥ 10,000 invoices/s for the engine.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from workflow.law.interest import Basis, InterestRequest, InvoiceIn, PaymentIn, calculate
from workflow.law.rates import RateTable, shipped_rate_table

AS_OF = date(2026, 9, 19)  # the last day the shipped quotes cover (September's is due 09-20)
MARKUP = Decimal("0.5")


def portfolio(n: int, seed: int = 20261126) -> tuple[list[InvoiceIn], list[PaymentIn]]:
    rnd = random.Random(seed)
    invoices, payments = [], []
    first = date(2020, 1, 1).toordinal()
    span = date(2025, 6, 30).toordinal() - first
    for k in range(n):
        due = date.fromordinal(first + rnd.randrange(span))
        fen = rnd.randrange(100_000, 500_000_000)
        inv = InvoiceIn(f"HX-{k:06d}", Decimal(fen) / 100, due)
        invoices.append(inv)
        window = (AS_OF - due).days + 30
        for _ in range(3):
            day = due - timedelta(days=30) + timedelta(days=rnd.randrange(window))
            payments.append(PaymentIn(day, Decimal(fen // rnd.randrange(4, 9)) / 100, inv.id))
    return invoices, payments


def day_by_day(invoices: list[InvoiceIn], payments: list[PaymentIn], table: RateTable) -> Decimal:
    """The obvious way: walk every day, look the rate up, add one day's interest."""
    by_inv: dict[str, list[PaymentIn]] = {}
    for p in payments:
        by_inv.setdefault(p.invoice or "", []).append(p)
    total = Decimal(0)
    for inv in invoices:
        principal, accrued, paid = inv.amount, Decimal(0), Decimal(0)
        pays = sorted(by_inv.get(inv.id, []), key=lambda p: p.date)
        day = inv.due_date
        for p in pays:
            while day < p.date:
                day += timedelta(days=1)
                accrued += principal * table.lpr_1y(day) * (1 + MARKUP) / 365
            to_i = min(p.amount, accrued.quantize(Decimal("0.01"), ROUND_HALF_UP) - paid)
            paid += max(to_i, Decimal(0))
            principal = max(Decimal(0), principal - (p.amount - max(to_i, Decimal(0))))
        while day < AS_OF:
            day += timedelta(days=1)
            accrued += principal * table.lpr_1y(day) * (1 + MARKUP) / 365
        total += accrued.quantize(Decimal("0.01"), ROUND_HALF_UP)
    return total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--invoices", type=int, default=100_000)
    ap.add_argument("--baseline", type=int, default=300, help="invoices for the day-by-day baseline")
    args = ap.parse_args()
    table = shipped_rate_table()
    invoices, payments = portfolio(args.invoices)
    req = InterestRequest(as_of=AS_OF, basis=Basis("lpr", markup=MARKUP, mode="floating"),
                          invoices=invoices, payments=payments)
    t0 = time.perf_counter()
    result = calculate(req, table)
    t1 = time.perf_counter()
    result.as_json()
    t2 = time.perf_counter()
    segments = sum(len(s.segments) for s in result.invoices)
    engine = args.invoices / (t1 - t0)
    with_json = args.invoices / (t2 - t0)

    sample = invoices[: args.baseline]
    ids = {i.id for i in sample}
    sample_pay = [p for p in payments if p.invoice in ids]
    b0 = time.perf_counter()
    day_by_day(sample, sample_pay, table)
    b1 = time.perf_counter()
    baseline = len(sample) / (b1 - b0)

    print(f"portfolio: {args.invoices:,} invoices, {len(payments):,} payments, floating LPR × 1.5, "
          f"as of {AS_OF}; {segments:,} segments")
    print(f"engine:               {engine:12,.0f} invoices/s  ({t1 - t0:.2f} s)")
    print(f"engine + JSON output: {with_json:12,.0f} invoices/s  ({t2 - t0:.2f} s)")
    print(f"day-by-day baseline:  {baseline:12,.0f} invoices/s  ({len(sample):,} invoices, {b1 - b0:.2f} s)")
    print(f"ratio engine / baseline: {engine / baseline:,.0f}×; target ≥ 10,000 invoices/s: "
          f"{'met' if engine >= 10_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
