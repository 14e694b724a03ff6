"""The daily run's decision pass at scale: 100,000 customers with 1,000,000 invoices, on SQLite and
on PostgreSQL, against a baseline measured in the same run; then the outbox's throughput
(``benchmarks/dunning_outbox.py``).

    .venv/bin/python benchmarks/dunning.py [--customers 100000] [--invoices 1000000] [--skip-postgres]
                                           [--skip-outbox]

Set-up (not measured) loads the rows straight through the driver: one creditor, the customers (one
in fifty do-not-dun, one in ten with its own statement schedule), the invoices (due dates from 400
days ago to 90 days ahead, a tenth paid, a third part-paid, 1% written off), an open case for one
customer in five at a level from 0 to 3, a pending promise for one case in twenty, and a day of
automated outbox rows for one customer in a hundred (so the caps have something to count).

Measured: ``dunning run --dry-run`` for one working day, as the command runs it — the grouped query,
the per-batch look-ups (actions taken, contact counts, signed statements) and every customer's
decision — in wall and CPU seconds of this process (SQLite works inside it, so its CPU figure is all
the work; PostgreSQL's is the client's share). Baseline: ``SELECT customer_id, count(*), sum(amount)
FROM invoice GROUP BY customer_id``, the cheapest question that reads every invoice once.
Target: decision pass ≤ 30 s at 1,000,000 invoices.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from workflow.accounts.actor import SYSTEM  # noqa: E402
from workflow.clock import FixedClock  # noqa: E402
from workflow.config import Settings  # noqa: E402
from workflow.core import Core, build_core  # noqa: E402
from workflow.filestore import MemoryFileStore  # noqa: E402
from workflow.ledger.validation import credit_code_check_char  # noqa: E402
from workflow.models import Base  # noqa: E402

NOW = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, a Thursday: the scheduled run
TODAY = date(2026, 11, 26)


def make_core(url: str | None, tmp: Path) -> Core:
    settings = Settings(instance_path=tmp, database_url=url or "", mail_transport="memory", pdf_converter="none")
    tmp.mkdir(parents=True, exist_ok=True)
    core = build_core(settings, clock=FixedClock(NOW), files=MemoryFileStore())
    if url:
        Base.metadata.drop_all(core.db.engine)
    Base.metadata.create_all(core.db.engine)
    return core


def credit_code(i: int) -> str:
    first17 = f"91310000{i:09d}"
    return first17 + credit_code_check_char(first17)


def fill(core: Core, customers: int, invoices: int, seed: int = 14) -> dict[str, int]:
    """The ledger and the dunning state, bulk-loaded through the driver (set-up, not measured)."""
    rnd = random.Random(seed)
    pg = core.db.engine.dialect.name == "postgresql"
    d: Callable[[date], Any] = (lambda x: x) if pg else date.isoformat
    created: Any = NOW if pg else NOW.isoformat(sep=" ")
    rows: dict[str, tuple[str, list[tuple[Any, ...]]]] = {}
    rows["creditor_entity"] = (
        "id, code, legal_name, credit_code, address, bank_name, bank_account, letterhead, created_at",
        [(1, "CM-SH", "上海澄明机电设备有限公司", credit_code(999_999_999 % 10**9), "上海市浦东新区郭守敬路498号",
          "招商银行上海张江支行", "121908653110801", "{}", created)])
    rows["customer"] = (
        "id, code, legal_name, credit_code, kind, credit_limit_currency, credit_hold, do_not_dun, created_at",
        [(i, f"KH{i:06d}", f"上海测试{i:06d}机电有限公司", credit_code(i), "private_sme", "CNY", False, i % 50 == 0,
          created) for i in range(1, customers + 1)])
    rows["contact"] = (
        "id, customer_id, name, role, email, language, is_notice_address, receives_dunning",
        [(i, i, "财务部", "finance", f"caiwu@kh{i:06d}.example.cn", "zh_CN", True, True)
         for i in range(1, customers + 1)])
    rows["customer_dunning"] = (
        "customer_id, statement_schedule, updated_at",
        [(i, "quarterly" if i % 20 == 0 else "none", created) for i in range(1, customers + 1) if i % 10 == 0])
    inv: list[tuple[Any, ...]] = []
    first = TODAY.toordinal() - 400
    for k in range(1, invoices + 1):
        due = date.fromordinal(first + rnd.randrange(490))
        issue = due - timedelta(days=rnd.choice((30, 60, 90)))
        if issue > TODAY:
            issue = TODAY
        fen = rnd.randrange(10_000, 50_000_000)
        roll = rnd.random()
        paid = fen if roll < 0.1 else (fen // 3 if roll < 0.43 else 0)
        inv.append((k, 1, 1 + k % customers, f"FP{k:08d}", d(issue), d(due), fen, "CNY", k % 100 == 0, paid, 0,
                    created))
    rows["invoice"] = ("id, creditor_id, customer_id, number, issue_date, due_date, amount, currency, written_off, "
                       "paid_amount, credited_amount, created_at", inv)
    cases = [(n, f"AR-2026-{n:06d}", 1, cid, ("overdue", "reminding", "reminding", "promise_pending")[n % 4],
              n % 4, 1, "CNY", created, "bench", created)
             for n, cid in enumerate(range(5, customers + 1, 5), start=1)]
    rows["dunning_case"] = ("id, ref, creditor_id, customer_id, state, level, open_slot, currency, opened_at, "
                            "opened_by, updated_at", cases)
    rows["promise"] = ("id, case_id, promised_on, amount, currency, source, paid_before, status, recorded_by, "
                       "recorded_at",
                       [(c[0], c[0], d(TODAY + timedelta(days=10)), 100_000, "CNY", "call", 0, "pending", "bench",
                         created) for c in cases if c[4] == "promise_pending"])
    rows["outbox_message"] = (
        "id, customer_id, kind, language, automated, contact_on, message_id, sender, reply_to, recipients, cc, "
        "subject, body_text, status, attempts, next_attempt_at, created_by, created_at",
        [(n, cid, "dunning_letter_1", "zh", True, d(TODAY - timedelta(days=1)), f"<bench-{n}@example.cn>",
          "ar@example.cn", "ar@example.cn", '["caiwu@example.cn"]', "[]", "催款函", "请付款", "sent", 1, created,
          "bench", created) for n, cid in enumerate(range(7, customers + 1, 100), start=1)])
    conn = core.db.engine.raw_connection()
    cur = conn.cursor()
    for table, (cols, data) in rows.items():
        if pg:
            with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for r in data:
                    copy.write_row(r)
        else:
            marks = ", ".join("?" * len(cols.split(",")))
            cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", data)
    if pg:
        for table in rows:  # identities past the loaded ids, as the ORM would leave them
            if table != "customer_dunning":
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


def baseline(core: Core) -> int:
    with core.unit_of_work(SYSTEM, read_only=True) as uow:
        return len(uow.session.execute(text(
            "SELECT customer_id, count(*), sum(amount) FROM invoice GROUP BY customer_id")).all())


def bench(name: str, url: str | None, customers: int, invoices: int, tmp: Path) -> None:
    core = make_core(url, tmp / f"run-{name}")
    t0 = time.perf_counter()
    loaded = fill(core, customers, invoices)
    print(f"setup    {name:<10} {loaded['customer']:,} customers, {loaded['invoice']:,} invoices, "
          f"{loaded['dunning_case']:,} open cases loaded in {time.perf_counter() - t0:.1f} s")
    whose = "" if url is None else " client"
    base_wall, base_cpu = float("inf"), float("inf")
    for _ in range(3):
        w, c, groups = timed(lambda: baseline(core))
        base_wall, base_cpu = min(base_wall, w), min(base_cpu, c)
    print(f"baseline {name:<10} GROUP BY customer_id over every invoice: {base_wall:6.2f} s ({base_cpu:.2f} s{whose} "
          f"CPU; {groups:,} groups)")
    runs = []
    for _ in range(2):  # the first also warms the page cache the second finds
        runs.append(timed(lambda: core.services.dunning.run(SYSTEM, TODAY, dry_run=True)))
    wall, cpu, report = min(runs, key=lambda r: r[0])
    counts = report.counts()
    sends = counts.get("send", 0) + counts.get("draft", 0)
    print(f"decision {name:<10} dry run for {report.customers:,} customers ({report.groups:,} creditor-customer "
          f"groups, {len(report.decisions):,} decisions, {sends:,} letters to make): {wall:6.2f} s "
          f"({cpu:.2f} s{whose} CPU) = {wall / base_wall:.1f}x the baseline; target ≤ 30 s "
          f"{'met' if wall <= 30 else 'MISSED'}")
    print(f"         {name:<10} outcomes: {', '.join(f'{k} {v:,}' for k, v in counts.items())}")
    if url:
        Base.metadata.drop_all(core.db.engine)
    core.close()


def bench_database(url: str) -> str:
    """A database of its own on the server, so the benchmark never touches the tests' databases."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS dunning_bench_run WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE dunning_bench_run"))
    admin.dispose()
    return url.rsplit("/", 1)[0] + "/dunning_bench_run"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--invoices", type=int, default=1_000_000)
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--skip-outbox", action="store_true", help="do not run benchmarks/dunning_outbox.py")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="dunning-bench-run-"))
    try:
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
        bench("sqlite", None, args.customers, args.invoices, tmp)
        url = os.environ.get("DUNNING_BENCH_POSTGRES_URL") or os.environ.get("DUNNING_TEST_POSTGRES_URL")
        if args.skip_postgres or not url:
            print("decision postgresql skipped: set DUNNING_BENCH_POSTGRES_URL (or DUNNING_TEST_POSTGRES_URL)")
        else:
            bench("postgresql", bench_database(url), args.customers, args.invoices, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    outbox = ROOT / "benchmarks" / "dunning_outbox.py"
    if not args.skip_outbox and outbox.exists():
        sys.stdout.flush()
        subprocess.run([sys.executable, str(outbox)], check=False)


if __name__ == "__main__":
    main()
