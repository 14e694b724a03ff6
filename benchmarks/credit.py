"""The daily credit recompute at scale: 10,000 customers with 200,000 invoices, on SQLite and on
PostgreSQL, against the aging report on the same data as the baseline measured in the same run.

    .venv/bin/python benchmarks/credit.py [--customers 10000] [--invoices 200000] [--skip-postgres]

Set-up (not measured): the ledger and dunning state of ``benchmarks/dunning.py`` (invoices due from
400 days ago to 90 days ahead, a tenth paid, a third part-paid, open cases, promises, a day of
outbox rows), plus what the rating reads besides: a payment and its allocation for every paid or
part-paid invoice (received from 20 days before to 60 days after the due date), a credit limit for
half the customers, a reported order for one in ten, a disputed case for one in fifty, broken
promises and bounced letters.

Measured: ``dunning credit rate`` for the day as the schedule runs it — the figures gathered
set-based, the warning signs, every customer rated, the day's 10,000 rating rows written in batches
with the grade changes audited and the recommendations made — in wall and CPU seconds of this
process; twice (the second replaces the day's rows and finds every recommendation already pending).
Baseline: the aging report (``workflow.ledger.aging``) as of the same day.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import dunning as run_bench  # noqa: E402  (benchmarks/dunning.py: its set-up is reused)
from sqlalchemy import text  # noqa: E402

from workflow.accounts.actor import SYSTEM  # noqa: E402
from workflow.core import Core  # noqa: E402
from workflow.ledger.aging import aging_report  # noqa: E402

TODAY = run_bench.TODAY
NOW = run_bench.NOW


def fill_credit(core: Core, customers: int, seed: int = 18) -> dict[str, int]:
    """Payments and allocations for what the invoices say is paid, limits, orders, disputes, bounces."""
    rnd = random.Random(seed)
    pg = core.db.engine.dialect.name == "postgresql"
    d: Callable[[date], Any] = (lambda x: x) if pg else date.isoformat
    created: Any = NOW if pg else NOW.isoformat(sep=" ")
    conn = core.db.engine.raw_connection()
    cur = conn.cursor()
    cur.execute("SELECT id, customer_id, due_date, paid_amount FROM invoice WHERE paid_amount > 0")
    paid = cur.fetchall()
    rows: dict[str, tuple[str, list[tuple[Any, ...]]]] = {}
    payments, allocations = [], []
    for n, (inv_id, cid, due, fen) in enumerate(paid, start=1):
        due_day = due if isinstance(due, date) else date.fromisoformat(str(due))
        received = min(due_day + timedelta(days=rnd.randrange(-20, 60)), TODAY)
        payments.append((n, 1, cid, d(received), fen, "CNY", f"B{n:09d}", 0, created))
        allocations.append((n, n, inv_id, fen, d(received), False))
    rows["payment"] = ("id, creditor_id, customer_id, received_on, amount, currency, bank_reference, "
                       "unallocated_amount, created_at", payments)
    rows["allocation"] = ("id, payment_id, invoice_id, amount, received_on, automatic", allocations)
    rows["customer_exposure_order"] = (
        "id, customer_id, source, external_ref, amount, currency, status, reported_at, reported_by",
        [(n, cid, "erp", f"SO{cid:08d}", rnd.randrange(100_000, 50_000_000), "CNY", "open", created, "bench")
         for n, cid in enumerate(range(3, customers + 1, 10), start=1)])
    rows["outbox_message"] = (
        "id, customer_id, kind, language, automated, contact_on, message_id, sender, reply_to, recipients, cc, "
        "subject, body_text, status, attempts, next_attempt_at, bounced_at, created_by, created_at",
        [(10_000_000 + n, cid, "dunning_letter_1", "zh", True, d(TODAY - timedelta(days=30)),
          f"<bounce-{n}@example.cn>", "ar@example.cn", "ar@example.cn", '["caiwu@example.cn"]', "[]", "催款函",
          "请付款", "sent", 1, created, created, "bench", created)
         for n, cid in enumerate(range(11, customers + 1, 40), start=1)])
    for table, (cols, data) in rows.items():
        if pg:
            with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for r in data:
                    copy.write_row(r)
        else:
            marks = ", ".join("?" * len(cols.split(",")))
            cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", data)
    # limits for half the customers; a dispute on every tenth open case; broken promises on others
    cur.execute("UPDATE customer SET credit_limit = 20000000 + (id % 7) * 10000000 WHERE id % 2 = 0")
    cur.execute("UPDATE dunning_case SET state = 'disputed' WHERE id % 10 = 0")
    cur.execute("UPDATE promise SET status = 'broken', resolved_on = promised_on WHERE id % 2 = 0")
    if pg:
        for table in ("payment", "allocation", "customer_exposure_order", "outbox_message"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    conn.commit()
    if pg:
        cur.execute("ANALYZE")
        conn.commit()
    conn.close()
    return {table: len(data) for table, (_cols, data) in rows.items()}


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    t, c = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - t, time.process_time() - c, result


def aging(core: Core) -> int:
    with core.unit_of_work(SYSTEM, read_only=True) as uow:
        return len(aging_report(uow.session, TODAY).lines)


def bench(name: str, url: str | None, customers: int, invoices: int, tmp: Path) -> None:
    core = run_bench.make_core(url, tmp / f"credit-{name}")
    t0 = time.perf_counter()
    loaded = run_bench.fill(core, customers, invoices)
    extra = fill_credit(core, customers)
    print(f"setup     {name:<10} {loaded['customer']:,} customers, {loaded['invoice']:,} invoices, "
          f"{extra['allocation']:,} allocations, {extra['customer_exposure_order']:,} orders loaded in "
          f"{time.perf_counter() - t0:.1f} s")
    whose = "" if url is None else " client"
    base = min((timed(lambda: aging(core)) for _ in range(3)), key=lambda r: r[0])
    print(f"baseline  {name:<10} aging report as of {TODAY}: {base[0]:6.2f} s ({base[1]:.2f} s{whose} CPU; "
          f"{base[2]:,} lines)")
    for label in ("first", "again"):
        wall, cpu, report = timed(lambda: core.services.credit.recompute(SYSTEM, TODAY))
        grades = ", ".join(f"{g} {n:,}" for g, n in sorted(report.grades.items()))
        print(f"recompute {name:<10} {label}: {report.customers:,} customers rated ({grades}; "
              f"{len(report.recommendations):,} recommendations, {len(report.flags):,} flags): {wall:6.2f} s "
              f"({cpu:.2f} s{whose} CPU) = {wall / base[0]:.1f}x the aging report")
    with core.unit_of_work(SYSTEM, read_only=True) as uow:
        stored = uow.session.execute(text("SELECT count(*) FROM customer_rating")).scalar_one()
    print(f"          {name:<10} rating rows stored for the day: {stored:,}")
    if url:
        from workflow.models import Base

        Base.metadata.drop_all(core.db.engine)
    core.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=10_000)
    ap.add_argument("--invoices", type=int, default=200_000)
    ap.add_argument("--skip-postgres", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="dunning-bench-credit-"))
    try:
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
        bench("sqlite", None, args.customers, args.invoices, tmp)
        url = os.environ.get("DUNNING_BENCH_POSTGRES_URL") or os.environ.get("DUNNING_TEST_POSTGRES_URL")
        if args.skip_postgres or not url:
            print("recompute postgresql skipped: set DUNNING_BENCH_POSTGRES_URL (or DUNNING_TEST_POSTGRES_URL)")
        else:
            bench("postgresql", run_bench.bench_database(url), args.customers, args.invoices, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
