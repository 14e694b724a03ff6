"""Ledger throughput: spreadsheet import rate and aging-report time, with baselines in the same run.

    .venv/bin/python benchmarks/ledger.py [--import-rows N] [--import-repeat 3] [--sizes 100000,1000000]
                                          [--skip-postgres] [--skip-import]

1. Import: a generated 100,000-row invoice CSV (Chinese headers, thousands separators, mixed date
   styles) into a fresh SQLite file, then the same file again (idempotent: nothing changes); repeated
   (--import-repeat) and reported as median and range, the machines this runs on being noisy.
   Baseline: the naive way, ORM objects one by one with a lookup per row, on 5,000 rows.
   Peak memory: a 1,000,000-row invoice CSV (--memory-rows; and an XLSX with --memory-xlsx) imported
   in a child process of its own, which reports its peak resident set (VmHWM, see peak_rss_kib).
2. Aging: the report at 100,000 and 1,000,000 invoices on SQLite and on PostgreSQL
   (DUNNING_BENCH_POSTGRES_URL or DUNNING_TEST_POSTGRES_URL; skipped with a note when unset), as of
   today (maintained balances, plus the check for movements dated later) and as of a past date
   (plus what was allocated or credited after it, and the unapplied cash as of that date).
   Baseline: loading the invoices and bucketing them in a Python loop, at 100,000.
3. Collector KPIs (ledger/collectors.py): on the aging data, 20 salespeople and 8 clerks named on the
   customers and every 20th invoice naming a salesperson and a collector of its own; the report for
   the year to today, per salesperson and per clerk. Baseline: the aging report on the same data in
   the same run.
Targets: import ≥ 20,000 rows/s; import peak memory at 1,000,000 rows ≤ 300 MB; aging at 1,000,000
invoices ≤ 2 s; collector KPIs at 1,000,000 invoices ≤ 2 s.
Every timing is printed in wall seconds and in CPU seconds of the process doing the work (the
machines this runs on are shared: under load the wall figure measures the neighbours too). SQLite
works inside the process, so its CPU figure is the whole cost; PostgreSQL's is the client's only.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select, text

from workflow.accounts.actor import SYSTEM
from workflow.accounts.models import User
from workflow.clock import FixedClock
from workflow.config import Settings
from workflow.core import Core, build_core
from workflow.filestore import MemoryFileStore
from workflow.ledger.aging import aging_report, bucket_of
from workflow.ledger.collectors import collectors_report
from workflow.ledger.imports import ImportResult
from workflow.ledger.imports.schema import parse_date, parse_money
from workflow.ledger.models import CreditorEntity, Customer, Invoice
from workflow.ledger.validation import credit_code_check_char
from workflow.models import Base

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 26)
CUSTOMERS = 2_000


def make_core(url: str | None, tmp: Path) -> Core:
    settings = Settings(
        instance_path=tmp,
        database_url=url or "",
        mail_transport="memory",
        pdf_converter="none",
        max_upload_bytes=500 * 1024 * 1024,
    )
    tmp.mkdir(parents=True, exist_ok=True)
    core = build_core(settings, clock=FixedClock(NOW), files=MemoryFileStore())
    if url:
        Base.metadata.drop_all(core.db.engine)
    Base.metadata.create_all(core.db.engine)
    return core


def credit_code(i: int) -> str:
    first17 = f"91310000{i:09d}"
    return first17 + credit_code_check_char(first17)


def run_import(core: Core, filename: str, data: bytes) -> ImportResult:
    """One import as an entry point runs it: in its own unit of work."""
    with core.unit_of_work(SYSTEM) as uow:
        return core.services.importer.run(uow, filename, data)


def seed_parties(core: Core) -> None:
    with core.unit_of_work(SYSTEM) as uow:
        uow.session.add(
            CreditorEntity(
                code="CM-SH",
                legal_name="上海澄明机电设备有限公司",
                credit_code=credit_code(999_999),
                address="上海市浦东新区郭守敬路498号",
                bank_name="招商银行上海张江支行",
                bank_account="121908653110801",
                created_at=NOW,
            )
        )
    lines = ["客户编码,客户名称,统一社会信用代码,客户类型"]
    lines += [f"KH{i:05d},上海测试{i:05d}机电有限公司,{credit_code(i)},民营中小企业" for i in range(CUSTOMERS)]
    run_import(core, "客户.csv", "\n".join(lines).encode())


def invoice_csv(n: int, seed: int = 7) -> bytes:
    rnd = random.Random(seed)
    out = ["发票号,客户编码,开票日期,到期日,金额,币种,摘要"]
    first = date(2023, 1, 1).toordinal()
    for k in range(n):
        issue = date.fromordinal(first + rnd.randrange(1400))
        due = issue + timedelta(days=rnd.choice((30, 60, 90)))
        styles = (
            issue.isoformat(),
            f"{issue.year}/{issue.month}/{issue.day}",
            f"{issue.year}年{issue.month}月{issue.day}日",
        )
        fen = rnd.randrange(10_000, 500_000_000)
        out.append(
            f"FP{k:07d},KH{rnd.randrange(CUSTOMERS):05d},{styles[k % 3]},{due.isoformat()},"
            f'"{fen // 100:,}.{fen % 100:02d}",CNY,伺服电机'
        )
    return ("\n".join(out) + "\n").encode("gb18030")


def bench_import(rows: int, tmp: Path, repeat: int) -> None:
    """The import ``repeat`` times, each into a fresh database: shared CI machines are noisy, so the
    range and the median are printed, and the target is judged on the median."""
    data = invoice_csv(rows)
    fresh_rates, again_rates = [], []
    fresh_cpu, again_cpu = [], []
    for run in range(repeat):
        core = make_core(None, tmp / f"import-{run}")
        seed_parties(core)
        t, c = time.perf_counter(), time.process_time()
        first = run_import(core, "应收发票.csv", data)
        fresh, fresh_cpu_s = time.perf_counter() - t, time.process_time() - c
        t, c = time.perf_counter(), time.process_time()
        again = run_import(core, "应收发票.csv", data)
        repeat_s, again_cpu_s = time.perf_counter() - t, time.process_time() - c
        assert first.counts["invoices"].created == rows and again.counts["invoices"].unchanged == rows
        fresh_rates.append(rows / fresh)
        again_rates.append(rows / repeat_s)
        fresh_cpu.append(fresh_cpu_s)
        again_cpu.append(again_cpu_s)
        core.close()
    for label, rates, cpu, note in (
        ("fresh:     ", fresh_rates, fresh_cpu, ""),
        ("same again:", again_rates, again_cpu, "  (nothing changed)"),
    ):
        # CPU seconds (SQLite works in this process) mean something on a loaded machine; wall ones do not
        print(
            f"import   {rows:>9,} invoice rows, {label} {statistics.median(rates):>9,.0f} rows/s median, "
            f"range {min(rates):,.0f}-{max(rates):,.0f} over {repeat} runs; CPU {statistics.median(cpu):.2f} s "
            f"median ({rows / statistics.median(cpu):,.0f} rows per CPU second){note}"
        )
    rate = statistics.median(fresh_rates)
    base_rows = min(5_000, rows)
    core2 = make_core(None, tmp / "naive")
    seed_parties(core2)
    lines = data.decode("gb18030").splitlines()[1 : base_rows + 1]
    t, c = time.perf_counter(), time.process_time()
    with core2.unit_of_work(SYSTEM) as uow:
        s = uow.session
        creditor = s.scalar(select(CreditorEntity.id))
        for line in lines:  # the naive way: parse, look up, add and flush one row at a time
            number, code, issue, due, *rest = line.split(",")
            amount_text = ",".join(rest[:-2]).strip('"')
            cust = s.scalar(select(Customer.id).where(Customer.code == code))
            exists = s.scalar(select(Invoice.id).where(Invoice.creditor_id == creditor, Invoice.number == number))
            assert cust is not None and exists is None
            s.add(
                Invoice(
                    creditor_id=creditor,
                    customer_id=cust,
                    number=number,
                    issue_date=parse_date(issue)[0],
                    due_date=parse_date(due)[0],
                    amount=parse_money(amount_text)[0],
                    currency="CNY",
                    created_at=NOW,
                )
            )
            s.flush()
    naive, naive_cpu = time.perf_counter() - t, time.process_time() - c
    naive_rate = base_rows / naive
    print(
        f"baseline {base_rows:>9,} rows, ORM one by one:    {naive:6.2f} s  {naive_rate:>9,.0f} rows/s; "
        f"CPU {naive_cpu:.2f} s ({base_rows / naive_cpu:,.0f} rows per CPU second)"
    )
    print(
        f"import speed-up over the baseline: {rate / naive_rate:.1f}x wall, "
        f"{rows / statistics.median(fresh_cpu) / (base_rows / naive_cpu):.1f}x CPU  (target ≥ 20,000 rows/s: "
        f"{'met' if rate >= 20_000 else 'NOT met'} on the wall median; "
        f"{rows / statistics.median(fresh_cpu):,.0f} rows per CPU second)"
    )
    core2.close()


def invoice_xlsx(n: int, path: Path, seed: int = 7) -> None:
    """The same rows as ``invoice_csv`` as a workbook (dates as date cells, amounts as numbers)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("应收发票")
    lines = invoice_csv(n, seed).decode("gb18030").splitlines()
    ws.append(lines[0].split(","))
    for line in lines[1:]:
        number, code, issue, due, *rest = line.split(",")
        amount = Decimal(",".join(rest[:-2]).strip('"').replace(",", ""))
        ws.append([number, code, parse_date(issue)[0], parse_date(due)[0], float(amount), "CNY", "伺服电机"])
    wb.save(path)


def import_child(path: Path, tmp: Path) -> None:
    """The child process of ``bench_memory``: one import of ``path`` into a fresh database."""
    core = make_core(None, tmp)
    seed_parties(core)
    t, c = time.perf_counter(), time.process_time()
    result = run_import(core, path.name, path.read_bytes())
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
    core.close()
    print(f"{result.counts['invoices'].created} {seconds:.1f} {cpu:.1f} {peak_rss_kib()}")


def peak_rss_kib() -> int:
    """This process's peak resident size. VmHWM counts only since the process's exec; ru_maxrss
    would also count the parent's memory at the fork that started it (Linux keeps that high-water
    mark across exec), i.e. the benchmark's own, not the import's."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def bench_memory(rows: int, tmp: Path, xlsx: bool) -> None:
    """Peak resident memory of an import, each in a child process of its own (the parent's own
    memory, and the time it takes to make the file, are not counted). Python, the application's
    modules and the file's bytes are part of the figure."""
    files = [tmp / "memory.csv"]
    files[0].write_bytes(invoice_csv(rows))
    if xlsx:
        files.append(tmp / "memory.xlsx")
        invoice_xlsx(rows, files[1])
    for n, path in enumerate(files):
        out = subprocess.run(
            [sys.executable, __file__, "--import-child", str(path), str(tmp / f"memory-{n}")],
            check=True,
            capture_output=True,
            text=True,
        )
        created, seconds, cpu, peak_kib = out.stdout.split()
        peak_mib = int(peak_kib) / 1024
        print(
            f"memory   {int(created):>9,} invoice rows, {path.suffix[1:].upper():<4} peak {peak_mib:7,.0f} MiB "
            f"in {float(seconds):.0f} s ({float(cpu):.0f} s CPU), {path.stat().st_size / 1e6:.1f} MB file  "
            f"(target ≤ 300 MB: {'met' if peak_mib * 1.048576 <= 300 else 'NOT met'})"
        )


def fill_invoices(core: Core, n: int, seed: int = 11) -> None:
    """Bulk-load n invoices (a third part-paid, a tenth fully paid, 1% written off) with allocations
    and payments, straight through the driver: this is set-up, not the thing measured."""
    rnd = random.Random(seed)
    conn = core.db.engine.raw_connection()
    pg = core.db.engine.dialect.name == "postgresql"
    first = date(2020, 1, 1).toordinal()
    span = TODAY.toordinal() - first
    created = NOW.isoformat(sep=" ") if not pg else NOW
    inv_rows, pay_rows, alloc_rows = [], [], []
    for k in range(1, n + 1):
        issue = date.fromordinal(first + rnd.randrange(span))
        due = issue + timedelta(days=rnd.choice((30, 60, 90)))
        fen = rnd.randrange(10_000, 50_000_000)
        roll = rnd.random()
        paid = fen if roll < 0.1 else (fen // 3 if roll < 0.43 else 0)
        cur = "USD" if k % 50 == 0 else "CNY"
        d = (lambda x: x) if pg else date.isoformat
        inv_rows.append(
            (k, 1, 1 + k % CUSTOMERS, f"FP{k:08d}", d(issue), d(due), fen, cur, k % 100 == 0, paid, 0, created)
        )
        if paid:
            when = min(issue + timedelta(days=rnd.randrange(1, 200)), TODAY)
            pay_rows.append((k, 1, 1 + k % CUSTOMERS, d(when), paid, cur, f"B{k:09d}", 0, created))
            alloc_rows.append((k, k, k, paid, d(when), False))
    cur_ = conn.cursor()
    inv_cols = (
        "id, creditor_id, customer_id, number, issue_date, due_date, amount, currency, written_off, "
        "paid_amount, credited_amount, created_at"
    )
    pay_cols = (
        "id, creditor_id, customer_id, received_on, amount, currency, bank_reference, unallocated_amount, created_at"
    )
    alloc_cols = "id, payment_id, invoice_id, amount, received_on, automatic"
    for table, cols, rows in (
        ("invoice", inv_cols, inv_rows),
        ("payment", pay_cols, pay_rows),
        ("allocation", alloc_cols, alloc_rows),
    ):
        if pg:
            with cur_.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for r in rows:
                    copy.write_row(r)
        else:
            marks = ", ".join("?" * len(cols.split(",")))
            cur_.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)
    conn.commit()
    if pg:
        cur_.execute("ANALYZE")
        conn.commit()
    conn.close()


def naive_aging(core: Core) -> dict[tuple[int, str, str], Decimal]:
    out: dict[tuple[int, str, str], Decimal] = {}
    with core.unit_of_work(SYSTEM, read_only=True) as uow:
        for inv in uow.session.scalars(select(Invoice)):
            if inv.written_off or inv.issue_date > TODAY:
                continue
            rest = inv.amount - inv.paid_amount - inv.credited_amount
            if rest > 0:
                key = (inv.customer_id, inv.currency, bucket_of((TODAY - inv.due_date).days))
                out[key] = out.get(key, Decimal(0)) + rest
    return out


def timed(core: Core, as_of: date) -> tuple[float, float, int]:
    """Best of three: wall seconds, CPU seconds of this process (all of SQLite's work; on PostgreSQL
    only the client's, the server's being another process), customer lines."""
    best, best_cpu = float("inf"), float("inf")
    lines = 0
    for _ in range(3):
        with core.unit_of_work(SYSTEM, read_only=True) as uow:
            t, c = time.perf_counter(), time.process_time()
            report = aging_report(uow.session, as_of)
            best = min(best, time.perf_counter() - t)
            best_cpu = min(best_cpu, time.process_time() - c)
            lines = len(report.lines)
    return best, best_cpu, lines


SALESPEOPLE, CLERKS = 20, 8
SURNAMES, GIVEN = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗", ("建国", "丽娜", "伟", "敏", "静", "磊", "晓燕", "志强")


def assign_people(core: Core) -> None:
    """Set-up: salespeople and clerks on the customers, and on every 20th invoice an override."""
    with core.unit_of_work(SYSTEM) as uow:
        s = uow.session
        for i in range(SALESPEOPLE + CLERKS):
            sales = i < SALESPEOPLE
            s.add(User(username=f"{'ywy' if sales else 'csy'}{i:02d}", role="sales" if sales else "clerk",
                       display_name=SURNAMES[i % len(SURNAMES)] + GIVEN[i % len(GIVEN)], active=True,
                       locale="zh_CN", employee_no=f"E{i:04d}", created_at=NOW))
    with core.db.engine.begin() as conn:
        first = conn.execute(text("SELECT MIN(id) FROM user_account")).scalar_one()
        conn.execute(text(f"UPDATE customer SET salesperson_id = {first} + id % {SALESPEOPLE}, "
                          f"assigned_clerk_id = {first + SALESPEOPLE} + id % {CLERKS}"))
        conn.execute(text(f"UPDATE invoice SET salesperson_id = {first} + (id / 20) % {SALESPEOPLE}, "
                          f"collector_id = {first + SALESPEOPLE} + (id / 20) % {CLERKS} WHERE id % 20 = 0"))
    if core.db.engine.dialect.name == "postgresql":
        with core.db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def timed_collectors(core: Core, by: str) -> tuple[float, float, int]:
    """Best of three, as ``timed``: wall seconds, CPU seconds, report lines."""
    best, best_cpu, lines = float("inf"), float("inf"), 0
    for _ in range(3):
        with core.unit_of_work(SYSTEM, read_only=True) as uow:
            t, c = time.perf_counter(), time.process_time()
            report = collectors_report(uow.session, "clerk" if by == "clerk" else "salesperson", TODAY,
                                       TODAY - timedelta(days=364), TODAY)
            best = min(best, time.perf_counter() - t)
            best_cpu = min(best_cpu, time.process_time() - c)
            lines = len(report.lines)
    return best, best_cpu, lines


def bench_collectors(name: str, core: Core, n: int) -> None:
    assign_people(core)
    aging_s, aging_cpu, _ = timed(core, TODAY)  # the baseline, on the same data, now
    whose = "" if core.db.engine.dialect.name == "sqlite" else " client"
    for by in ("salesperson", "clerk"):
        secs, cpu, lines = timed_collectors(core, by)
        print(f"collect  {name:<10} {n:>9,} invoices: by {by:<11} {secs:6.3f} s ({cpu:.3f} s{whose} CPU; "
              f"{lines} lines; the year to today)  aging on the same data {aging_s:6.3f} s ({aging_cpu:.3f} s); "
              f"{secs / aging_s:.1f}x the aging report"
              + ("" if whose else f" ({cpu / aging_cpu:.1f}x in CPU)") + "  (target ≤ 2 s at 1,000,000)")


def bench_aging(name: str, url: str | None, sizes: list[int], tmp: Path, collectors: bool = True) -> None:
    for n in sizes:
        core = make_core(url, tmp / f"aging-{name}-{n}")
        seed_parties(core)
        fill_invoices(core, n)
        now_s, now_cpu, lines = timed(core, TODAY)
        past_s, past_cpu, _ = timed(core, date(2025, 12, 31))
        whose = "" if url is None else " client"
        print(
            f"aging    {name:<10} {n:>9,} invoices: as of today {now_s:6.3f} s ({now_cpu:.3f} s{whose} CPU), "
            f"as of 2025-12-31 {past_s:6.3f} s ({past_cpu:.3f} s{whose} CPU)"
            f"  ({lines:,} customer lines; target ≤ 2 s at 1,000,000)"
        )
        if n == 100_000:
            t, c = time.perf_counter(), time.process_time()
            naive = naive_aging(core)
            slow, slow_cpu = time.perf_counter() - t, time.process_time() - c
            print(
                f"baseline {name:<10} {n:>9,} invoices: Python loop over ORM rows {slow:6.3f} s "
                f"({slow_cpu:.3f} s{whose} CPU; {len(naive):,} groups); set-based is {slow / now_s:.0f}x faster"
                + ("" if url else f" ({slow_cpu / now_cpu:.0f}x in CPU)")
            )
        if collectors:
            bench_collectors(name, core, n)
        if url:
            Base.metadata.drop_all(core.db.engine)
        core.close()


def bench_database(url: str) -> str:
    """A database of its own on the server, so the benchmark never touches the tests' databases."""
    from sqlalchemy import create_engine

    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS dunning_bench WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE dunning_bench"))
    admin.dispose()
    return url.rsplit("/", 1)[0] + "/dunning_bench"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--import-rows", type=int, default=100_000)
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--skip-import", action="store_true")
    ap.add_argument("--import-repeat", type=int, default=3, help="fresh imports to time (range and median)")
    ap.add_argument("--memory-rows", type=int, default=1_000_000, help="rows of the peak-memory import (0: skip)")
    ap.add_argument("--memory-xlsx", action="store_true", help="also measure an XLSX of --memory-rows rows")
    ap.add_argument("--import-child", nargs=2, metavar=("FILE", "DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.import_child:
        import_child(Path(args.import_child[0]), Path(args.import_child[1]))
        return
    sizes = [int(x) for x in args.sizes.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="dunning-bench-"))
    try:
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
        if not args.skip_import:
            bench_import(args.import_rows, tmp, args.import_repeat)
            if args.memory_rows:
                bench_memory(args.memory_rows, tmp, args.memory_xlsx)
        bench_aging("sqlite", None, sizes, tmp)
        url = os.environ.get("DUNNING_BENCH_POSTGRES_URL") or os.environ.get("DUNNING_TEST_POSTGRES_URL")
        if args.skip_postgres or not url:
            print("aging    postgresql skipped: set DUNNING_BENCH_POSTGRES_URL (or DUNNING_TEST_POSTGRES_URL)")
        else:
            bench_aging("postgresql", bench_database(url), sizes, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
