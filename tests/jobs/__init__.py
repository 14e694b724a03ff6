"""Shared by the job tests: a real Redis database of our own, worker processes as an operator starts
them, and two job functions for the worker tests.

The job functions are importable RQ callables (``tests.jobs.mark``...), enqueued with RQ directly:
the product's own tasks go through ``workflow.jobs.tasks.run_task``; these stand for a writing task
whose effect the test can count, and use the same per-process Core a real task uses.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from workflow.cases.models import ScheduledRun
from workflow.jobs.tasks import JOBS_ACTOR, worker_core

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LOCAL_REDIS = "redis://127.0.0.1:56379/0"
OUR_DB = 5  # the Redis database index these tests use (plus the xdist worker's number)
MARK = "test-mark"
T = TypeVar("T")


# ---------------------------------------------------------------------------------------------
# Redis


def redis_server_url() -> str | None:
    url = os.environ.get("DUNNING_TEST_REDIS_URL")
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail("DUNNING_TEST_REDIS_URL is not set: .ci/run must start Redis")
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        Redis.from_url(LOCAL_REDIS, socket_connect_timeout=1).ping()
    except RedisError:
        return None
    return LOCAL_REDIS


def own_database(url: str, worker_id: str) -> str:
    """The server's URL with our own database index, one per xdist worker (flushed by the tests)."""
    n = int(worker_id[2:]) if worker_id.startswith("gw") else 0
    base = url.split("?", 1)[0].rstrip("/")
    if base.count("/") > 2 and base.rsplit("/", 1)[1].isdigit():
        base = base.rsplit("/", 1)[0]
    return f"{base}/{OUR_DB + n}"


@pytest.fixture(name="redis_url")
def redis_url_fixture(worker_id: str) -> Iterator[str]:
    server = redis_server_url()
    if server is None:
        pytest.skip("Redis not running (set DUNNING_TEST_REDIS_URL)")
    from redis import Redis

    url = own_database(server, worker_id)
    r = Redis.from_url(url)
    r.flushdb()
    yield url
    r.flushdb()
    r.close()


# ---------------------------------------------------------------------------------------------
# job functions for the worker tests


def _mark_day(n: int) -> date:
    return date(2000, 1, 1) + timedelta(days=n)


def mark(n: int) -> str:
    """A writing, audited job that is safe to run twice: the n-th mark is made once."""
    core = worker_core()
    try:
        with core.unit_of_work(JOBS_ACTOR) as uow:
            s = uow.session
            if s.scalar(select(ScheduledRun.id).where(ScheduledRun.job == MARK,
                                                      ScheduledRun.run_on == _mark_day(n))) is not None:
                return "already"
            row = ScheduledRun(job=MARK, run_on=_mark_day(n), status="done", claimed_by=f"pid {os.getpid()}",
                               claimed_at=uow.now())
            s.add(row)
            s.flush()
            uow.audit("test.mark", "scheduled_run", row.id, None, {"n": n, "pid": os.getpid()})
    except IntegrityError:  # PostgreSQL: a concurrent run of the same job made it first
        return "already"
    return "made"


def mark_after_a_crash(n: int, flag_dir: str) -> str:
    """The first attempt says it started (its pid in ``started-1``) and then hangs until it is
    killed; a later attempt makes the mark."""
    flags = Path(flag_dir)
    attempt = len(list(flags.glob("started-*"))) + 1
    (flags / f"started-{attempt}").write_text(str(os.getpid()))
    if attempt == 1:
        while True:
            time.sleep(1)
    return mark(n)


def mark_when_told(n: int, flag_dir: str) -> str:
    """Says it started, waits for ``go`` to appear, then makes the mark."""
    flags = Path(flag_dir)
    (flags / "started").write_text(str(os.getpid()))
    while not (flags / "go").exists():
        time.sleep(0.05)
    return mark(n)


def mark_slowly(n: int, seconds: float) -> str:
    """A job longer than a heartbeat's lifetime without renewal."""
    time.sleep(seconds)
    return mark(n)


def marks(core: Any) -> int:
    with core.unit_of_work(JOBS_ACTOR, read_only=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(ScheduledRun).where(
            ScheduledRun.job == MARK)) or 0)


# ---------------------------------------------------------------------------------------------
# processes and waiting


def work_here(worker: Any) -> bool:
    """Run an RQ worker in burst mode in this process, giving pytest its signal handlers back."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        return bool(worker.work(burst=True))
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def wait_for(what: str, check: Callable[[], T | None], timeout: float = 240.0, every: float = 0.2) -> T:
    """Poll ``check`` until it returns something true (a non-empty list...); fail after ``timeout``
    (generous: a loaded machine is slow, and nothing here measures speed)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(every)


def pid_in(path: Path) -> int | None:
    """The pid a job wrote into ``path``, once it is there in full."""
    text = path.read_text().strip() if path.exists() else ""
    return int(text) if text.isdigit() else None


def start_worker(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    """``dunning worker ARGS`` in its own session (its RQ scheduler child goes with it at cleanup)."""
    with log.open("ab") as out:
        return subprocess.Popen([str(BIN / "dunning"), "worker", *args], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def stop_all(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGKILL)
        p.wait(timeout=30)
