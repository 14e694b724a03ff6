"""The desk's case list at 10,000 cases: ``GET /cases`` through the real app, against a baseline
measured in the same run.

    .venv/bin/python benchmarks/desk.py [--cases 10000] [--invoices-per-case 5] [--repeat 30]
                                        [--postgres URL | --skip-postgres] [--explain]

Set-up (not measured) loads the rows straight through the driver into a temporary SQLite file (and a
database of its own on PostgreSQL, from --postgres, DUNNING_BENCH_POSTGRES_URL or
DUNNING_TEST_POSTGRES_URL): one creditor, a customer per case (named, coded, one in three with a
collection clerk out of five), --invoices-per-case invoices each (due from 400 days ago to 60 days
ahead, a tenth paid, a third part-paid, 1% written off), the cases in every state, one in five
closed. A clerk then logs in through the login form (Flask's test client: the whole WSGI app,
session cookie, CSRF and all, only no socket).

Measured, --repeat times each, interleaved so each sees the same machine load, printed as median and
95th percentile in milliseconds:

- baseline: ``GET /api/v1/cases`` (the API's first page of 50, newest first: the cheapest list of
  cases the product answers) with the same session; and, as the floor of any page, the password
  form (a page with no query of its own), to tell a slow list from a busy machine;
- ``GET /cases`` first page (open cases, newest first), a filtered page (amount, days overdue,
  clerk), the list sorted by open balance, and a deep page (page 150 of 50).

Target: every case-list page ≤ 300 ms (median) at 10,000 cases on the test machine.
--explain prints the database's plans of the filtered, sorted and deep pages' queries.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from workflow.accounts.actor import SYSTEM  # noqa: E402
from workflow.clock import FixedClock  # noqa: E402
from workflow.config import Settings  # noqa: E402
from workflow.core import Core, build_core  # noqa: E402
from workflow.filestore import MemoryFileStore  # noqa: E402
from workflow.ledger.validation import credit_code_check_char  # noqa: E402
from workflow.models import Base  # noqa: E402

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a Thursday
TODAY = date(2026, 11, 26)
TARGET_MS = 300
PASSWORD = "correct horse battery"
CLERKS = 5
STATES = ("overdue", "reminding", "reminding", "reminding", "reconciliation_requested", "promise_pending",
          "repayment_plan", "disputed", "paused", "final_notice", "lawyer_letter_pending", "lawyer_letter_sent")
CLOSED = ("closed_paid", "closed_written_off", "closed_settled")


def make_core(url: str | None, tmp: Path) -> Core:
    settings = Settings(instance_path=tmp, database_url=url or "", mail_transport="memory", pdf_converter="none",
                        secret_key="bench-secret")
    tmp.mkdir(parents=True, exist_ok=True)
    core = build_core(settings, clock=FixedClock(NOW), files=MemoryFileStore())
    if url:
        Base.metadata.drop_all(core.db.engine)
    Base.metadata.create_all(core.db.engine)
    return core


def credit_code(i: int) -> str:
    first17 = f"91310000{i:09d}"
    return first17 + credit_code_check_char(first17)


def fill(core: Core, cases: int, per_case: int, clerk_ids: list[int], seed: int = 17) -> dict[str, int]:
    """The ledger and the cases, bulk-loaded through the driver (set-up, not measured)."""
    rnd = random.Random(seed)
    pg = core.db.engine.dialect.name == "postgresql"
    d: Callable[[date], Any] = (lambda x: x) if pg else date.isoformat
    stamp: Callable[[datetime], Any] = (lambda x: x) if pg else (lambda x: x.isoformat(sep=" "))
    created = stamp(NOW)
    rows: dict[str, tuple[str, list[tuple[Any, ...]]]] = {}
    rows["creditor_entity"] = (
        "id, code, legal_name, credit_code, address, bank_name, bank_account, letterhead, created_at",
        [(1, "CM-SH", "上海澄明机电设备有限公司", credit_code(999_999_999), "上海市浦东新区郭守敬路498号",
          "招商银行上海张江支行", "121908653110801", "{}", created)])
    cities = ("上海", "苏州", "杭州", "宁波", "南京", "无锡", "合肥", "深圳", "广州", "成都")
    trades = ("机电", "包装", "物流", "电子", "化工", "食品", "建材", "纺织")
    rows["customer"] = (
        "id, code, legal_name, credit_code, kind, credit_limit_currency, credit_hold, do_not_dun, "
        "assigned_clerk_id, created_at",
        [(i, f"KH{i:06d}", f"{cities[i % 10]}{trades[i % 8]}{i:05d}有限公司", credit_code(i), "private_sme", "CNY",
          False, False, clerk_ids[i % CLERKS] if i % 3 == 0 else None, created) for i in range(1, cases + 1)])
    inv: list[tuple[Any, ...]] = []
    first = TODAY.toordinal() - 400
    k = 0
    for cid in range(1, cases + 1):
        for _ in range(per_case):
            k += 1
            due = date.fromordinal(first + rnd.randrange(460))
            issue = min(due - timedelta(days=rnd.choice((30, 60, 90))), TODAY)
            fen = rnd.randrange(10_000, 50_000_000)
            roll = rnd.random()
            paid = fen if roll < 0.1 else (fen // 3 if roll < 0.43 else 0)
            inv.append((k, 1, cid, f"FP{k:08d}", d(issue), d(due), fen, "CNY", k % 100 == 0, paid, 0, created))
    rows["invoice"] = ("id, creditor_id, customer_id, number, issue_date, due_date, amount, currency, written_off, "
                       "paid_amount, credited_amount, created_at", inv)
    case_rows = []
    for n in range(1, cases + 1):
        closed = n % 5 == 0
        state = CLOSED[n % 3] if closed else STATES[n % len(STATES)]
        opened = NOW - timedelta(days=rnd.randrange(1, 400), minutes=rnd.randrange(1440))
        case_rows.append((n, f"AR-{opened.year}-{n:05d}", 1, n, state, 0 if state == "overdue" else 1 + n % 4,
                          None if closed else 1, "CNY", stamp(opened), "bench",
                          stamp(opened + timedelta(days=30)) if closed else None,
                          clerk_ids[n % CLERKS] if n % 7 == 0 else None,
                          d(TODAY - timedelta(days=n % 40)) if state != "overdue" else None, stamp(opened)))
    rows["dunning_case"] = ("id, ref, creditor_id, customer_id, state, level, open_slot, currency, opened_at, "
                            "opened_by, closed_at, assigned_user_id, last_action_on, updated_at", case_rows)
    conn = core.db.engine.raw_connection()
    cur = conn.cursor()
    for table, (cols, data) in rows.items():
        if pg:
            with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for r in data:
                    copy.write_row(r)
        else:
            marks = ", ".join("?" * len(cols.split(",")))
            cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", data)
    if pg:
        for table in rows:  # identities past the loaded ids, as the ORM would leave them
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    conn.commit()
    if pg:
        # as autovacuum leaves a table that has settled: statistics, and the visibility map that
        # lets the balances be read from the index alone
        driver = conn.driver_connection
        assert driver is not None
        driver.autocommit = True
        cur.execute("VACUUM ANALYZE")
    else:
        cur.execute("ANALYZE")
        conn.commit()
    conn.close()
    return {table: len(data) for table, (_cols, data) in rows.items()}


def make_users(core: Core) -> list[int]:
    from tests.uow import run

    accounts = core.services.accounts
    ids = [run(core, SYSTEM, accounts.create_user, username=f"clerk{n}", display_name=f"催收员{n}", role="clerk",
               password=PASSWORD if n == 1 else None).id for n in range(1, CLERKS + 1)]
    return ids


def log_in(client: FlaskClient) -> None:
    from tests.web.desk import log_in as form_log_in

    form_log_in(client, "clerk1", PASSWORD, lang="zh_CN")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def explain(app: Any, core: Core, clerk_id: int, query: str) -> None:
    """The plan of a page's query (its ids, as the list asks for them)."""
    from workflow.accounts.actor import Actor
    from workflow.accounts.models import Role
    from workflow.cases.models import DunningCase
    from workflow.web.ui import cases as page
    from workflow.web.ui import listing

    with app.test_request_context(query):
        f = page.read_filters()
        state = listing.list_state(page.COLUMNS, "opened_on")
        actor = Actor(user_id=clerk_id, username="clerk1", role=Role.CLERK)
        m = page.measures_for(core.db.engine.dialect.name, f, state)
        stmt = page.case_query(actor, f, TODAY, lambda d: datetime(d.year, d.month, d.day, tzinfo=UTC),
                               details=False, m=m)
        stmt = listing._ordered(stmt, page.columns(m), state, DunningCase.id).limit(state.per_page).offset(
            state.offset)
        sql = str(stmt.compile(core.db.engine, compile_kwargs={"literal_binds": True}))
    pg = core.db.engine.dialect.name == "postgresql"
    with core.db.engine.begin() as conn:
        if pg:
            conn.execute(text("SET LOCAL jit = off"))  # as the page does
        for row in conn.execute(text(("EXPLAIN ANALYZE " if pg else "EXPLAIN QUERY PLAN ") + sql)):
            print("    " + " | ".join(str(v) for v in row))


def bench(name: str, url: str | None, cases: int, per_case: int, repeat: int, tmp: Path, show_plan: bool) -> bool:
    from workflow.app import create_app

    core = make_core(url, tmp / f"desk-{name}")
    clerk_ids = make_users(core)
    t0 = time.perf_counter()
    loaded = fill(core, cases, per_case, clerk_ids)
    open_cases = sum(1 for n in range(1, cases + 1) if n % 5)
    print(f"setup    {name:<10} {loaded['dunning_case']:,} cases ({open_cases:,} open), {loaded['customer']:,} "
          f"customers, {loaded['invoice']:,} invoices loaded in {time.perf_counter() - t0:.1f} s")
    app = create_app(core=core)
    client = app.test_client()
    log_in(client)
    pages = {
        "floor GET /account/password": "/account/password",
        "baseline GET /api/v1/cases": "/api/v1/cases",
        "GET /cases (first page)": "/cases",
        "GET /cases filtered": f"/cases?amount_min=50000&overdue_min=30&clerk={clerk_ids[1]}",
        "GET /cases by balance": "/cases?sort=open_balance&dir=desc",
        "GET /cases page 150": "/cases?page=150",
    }
    times: dict[str, list[float]] = {label: [] for label in pages}
    for path in pages.values():  # warm-up: templates compiled, caches filled
        resp = client.get(path)
        assert resp.status_code == 200, (path, resp.status_code, resp.get_data(as_text=True)[:300])
    for _ in range(repeat):
        for label, path in pages.items():
            t = time.perf_counter()
            resp = client.get(path)
            times[label].append((time.perf_counter() - t) * 1000)
            assert resp.status_code == 200
    base = statistics.median(times["baseline GET /api/v1/cases"])
    ok = True
    for label, values in times.items():
        median, p95 = statistics.median(values), percentile(values, 0.95)
        verdict = ""
        if label.startswith("GET /cases"):
            met = median <= TARGET_MS
            ok = ok and met
            verdict = f"  = {median / base:4.1f}x the baseline; target ≤ {TARGET_MS} ms {'met' if met else 'MISSED'}"
        print(f"{name:<10} {label:<28} median {median:7.1f} ms  p95 {p95:7.1f} ms{verdict}")
    if show_plan:
        for label in ("GET /cases filtered", "GET /cases by balance", "GET /cases page 150"):
            print(f"plan     {name:<10} {label}, its ids:")
            explain(app, core, clerk_ids[0], pages[label])
    if url:
        Base.metadata.drop_all(core.db.engine)
    core.close()
    return ok


def bench_database(url: str) -> str:
    """A database of its own on the server, so the benchmark never touches the tests' databases."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS dunning_bench_desk WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE dunning_bench_desk"))
    admin.dispose()
    return url.rsplit("/", 1)[0] + "/dunning_bench_desk"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--invoices-per-case", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--postgres", default=None, help="a PostgreSQL server URL (default: the environment's)")
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--explain", action="store_true", help="print the plan of the sorted-by-balance query")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="dunning-bench-desk-"))
    ok = True
    try:
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
        ok = bench("sqlite", None, args.cases, args.invoices_per_case, args.repeat, tmp, args.explain) and ok
        url = args.postgres or os.environ.get("DUNNING_BENCH_POSTGRES_URL") or os.environ.get(
            "DUNNING_TEST_POSTGRES_URL")
        if args.skip_postgres or not url:
            print("postgresql skipped: give --postgres URL (or set DUNNING_BENCH_POSTGRES_URL or "
                  "DUNNING_TEST_POSTGRES_URL)")
        else:
            ok = bench("postgresql", bench_database(url), args.cases, args.invoices_per_case, args.repeat, tmp,
                       args.explain) and ok
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
