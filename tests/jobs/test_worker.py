"""``dunning worker`` as an operator runs it: real processes on a real Redis, sharing one database
(an SQLite file, and PostgreSQL). What is asserted is what the jobs did: each ran, once in effect,
the audit log is one verified chain, and a job whose worker was SIGKILLed is finished by another.
Waits poll the job's status with a generous deadline; nothing is timed."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from rq import Queue, Retry
from rq.job import Job, JobStatus
from rq.registry import FinishedJobRegistry
from rq.serializers import JSONSerializer
from sqlalchemy import func, select

from tests.conftest import FIXED_NOW, TEMPLATE_CACHE
from tests.jobs import (
    ROOT,
    marks,
    pid_in,
    redis_url_fixture,  # noqa: F401  (a fixture)
    start_worker,
    stop_all,
    wait_for,
)
from tests.mail.letters import CLERK, FINANCE, TINY_PDF, seed_debtor, with_pdf
from tests.mailserver import MailServers, missing_binaries, start_mail_servers
from tests.tools import missing_tool
from tests.uow import run
from workflow.accounts.actor import SYSTEM as SYSTEM_ACTOR
from workflow.audit.models import AuditEntry
from workflow.cases.models import ScheduledRun
from workflow.clock import FixedClock
from workflow.config import Settings
from workflow.core import Core, build_core
from workflow.jobs.queue import RETRY_INTERVALS
from workflow.jobs.tasks import JOBS_ACTOR
from workflow.mail.models import OutboxAttempt, OutboxMessage
from workflow.migrate import upgrade
from workflow.unit_of_work import UnitOfWork

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@dataclass
class Instance:
    env: dict[str, str]
    core: Core
    redis: Redis
    tmp: Path

    def queue(self, name: str) -> Queue:
        return Queue(name, connection=self.redis, serializer=JSONSerializer)

    def enqueue(self, fn: str, *args: Any, queue: str = "mail", job_id: str | None = None) -> Job:
        """A test job function, enqueued as the product enqueues its tasks (with the same retries)."""
        return self.queue(queue).enqueue_call(fn, args=args, job_id=job_id,
                                              retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS))

    def status(self, job_id: str) -> JobStatus | None:
        return Job.fetch(job_id, connection=self.redis, serializer=JSONSerializer).get_status()

    def log(self, name: str) -> Path:
        return self.tmp / f"{name}.log"

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-4000:]}"
                         for p in sorted(self.tmp.glob("*.log")))


def _postgres_database(pg_base_url: str, name: str) -> str:
    import sqlalchemy as sa

    admin = sa.create_engine(pg_base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return pg_base_url.rsplit("/", 1)[0] + "/" + name


def _instance(db: str, tmp_path: Path, redis_url: str, pg_base_url: str | None, worker_id: str) -> Iterator[Instance]:
    env = {**os.environ, "DUNNING_INSTANCE_PATH": str(tmp_path / "instance"), "DUNNING_JOB_RUNNER": "rq",
           "DUNNING_REDIS_URL": redis_url, "DUNNING_PDF_CONVERTER": "none", "DUNNING_MAIL_TRANSPORT": "memory",
           "DUNNING_LOCALE": "en", "DUNNING_SMTP_RATE_PER_MINUTE": "100000",
           # the test's own job functions (tests.jobs.mark...) are imported by the workers
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))}
    for key in ("DUNNING_DATABASE_URL", "DUNNING_SECRET_KEY", "DUNNING_AUDIT_KEY"):
        env.pop(key, None)
    if db == "postgres":
        if pg_base_url is None:
            pytest.skip("PostgreSQL not configured (set DUNNING_TEST_POSTGRES_URL)")
        tag = os.environ.get("DUNNING_TEST_DB_TAG", "")
        env["DUNNING_DATABASE_URL"] = _postgres_database(pg_base_url, f"dunning_jobs_{tag}{worker_id}")
    settings = Settings.from_env(env)
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)  # as `dunning db upgrade` would
    core = build_core(settings)
    redis = Redis.from_url(redis_url)
    try:
        yield Instance(env, core, redis, tmp_path)
    finally:
        core.close()
        redis.close()


@pytest.fixture
def sqlite_instance(tmp_path: Path, redis_url: str, pg_base_url: str | None, worker_id: str) -> Iterator[Instance]:
    yield from _instance("sqlite", tmp_path, redis_url, pg_base_url, worker_id)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_instance(request: pytest.FixtureRequest, tmp_path: Path, redis_url: str, pg_base_url: str | None,
                 worker_id: str) -> Iterator[Instance]:
    yield from _instance(request.param, tmp_path, redis_url, pg_base_url, worker_id)


def _audit_ok(core: Core) -> tuple[bool, int]:
    with core.unit_of_work(JOBS_ACTOR, read_only=True) as uow:
        report = core.audit.verify(uow.session)
        n = uow.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "test.mark"))
    assert report.ok, report.breaks
    return report.ok, int(n or 0)


def _burst(inst: Instance, name: str, *args: str) -> None:
    proc = start_worker(inst.env, inst.log(name), "--burst", "--name", name, *args)
    try:
        assert proc.wait(timeout=300) == 0, inst.logs()
    finally:
        stop_all([proc])


def test_a_job_enqueued_through_core_jobs_runs_in_a_burst_worker_once_per_id(sqlite_instance: Instance) -> None:
    inst = sqlite_instance
    inst.core.jobs.enqueue("documents", "finish_pending", job_id="pdfs")
    inst.core.jobs.enqueue("documents", "finish_pending", job_id="pdfs")  # already queued: one job
    assert inst.queue("documents").count == 1
    _burst(inst, "w1", "--queues", "documents")
    assert inst.status("pdfs") == JobStatus.FINISHED
    assert FinishedJobRegistry("documents", connection=inst.redis).get_job_ids() == ["pdfs"]
    assert "documents: finish_pending() (pdfs)" in inst.log("w1").read_text()


def test_a_job_run_twice_has_one_effect(sqlite_instance: Instance) -> None:
    inst = sqlite_instance
    first, second = inst.enqueue("tests.jobs.mark", 1), inst.enqueue("tests.jobs.mark", 1)
    _burst(inst, "w1", "--queues", "mail")
    assert [Job.fetch(j.id, connection=inst.redis, serializer=JSONSerializer).return_value()
            for j in (first, second)] == ["made", "already"]
    assert marks(inst.core) == 1
    assert _audit_ok(inst.core) == (True, 1)


def test_two_workers_send_a_hundred_letters_each_exactly_once(any_instance: Instance) -> None:
    """The real task: 100 outbox rows queued by the outbox itself (its after-commit enqueue goes to
    Redis), each send job enqueued once more without an id (a duplicate run), two workers."""
    inst = any_instance
    core = inst.core
    with core.unit_of_work(SYSTEM_ACTOR) as uow:
        core.services.templates.sync_shipped(uow)
    debtor = seed_debtor(core)

    def letter(uow: UnitOfWork) -> int:
        return core.services.outbox.queue(uow, customer_id=debtor.customer_id, case_id=debtor.case_id,
                                          document_id=debtor.document_id, kind="dunning_letter_1", language="zh",
                                          automated=False, contact_on=uow.today()).id

    ids = [run(core, CLERK, letter) for _ in range(100)]
    assert inst.queue("mail").count == 100  # one send job per row, enqueued after each commit
    for oid in ids:
        core.jobs.enqueue("mail", "send_outbox", oid)  # no id: a second job for the same row
    procs = [start_worker(inst.env, inst.log(name), "--burst", "--name", name, "--queues", "mail")
             for name in ("w1", "w2")]
    try:
        for p in procs:
            assert p.wait(timeout=600) == 0, inst.logs()
    finally:
        stop_all(procs)
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        s = uow.session
        statuses = Counter(s.scalars(select(OutboxMessage.status).where(OutboxMessage.id.in_(ids))))
        attempts = Counter(s.scalars(select(OutboxAttempt.outbox_id).where(OutboxAttempt.outbox_id.in_(ids))))
    assert statuses == Counter({"sent": 100}), inst.logs()
    assert set(attempts.values()) == {1} and len(attempts) == 100
    assert _audit_ok(core)[0]


def test_a_job_whose_worker_is_sigkilled_is_finished_by_another(sqlite_instance: Instance) -> None:
    inst = sqlite_instance
    flags = inst.tmp / "flags"
    flags.mkdir()
    procs = [start_worker(inst.env, inst.log(name), "--name", name, "--queues", "mail") for name in ("w1", "w2")]
    try:
        job = inst.enqueue("tests.jobs.mark_after_a_crash", 7, str(flags), job_id="crash-7")
        victim = wait_for("the job to start", lambda: pid_in(flags / "started-1"))
        os.kill(victim, signal.SIGKILL)
        # the heartbeat expires, a surviving worker's maintenance retries the job after its interval
        wait_for("the retried job to finish", lambda: inst.status(job.id) == JobStatus.FINISHED, timeout=300,
                 every=1.0)
    finally:
        stop_all(procs)
    rescuer = pid_in(flags / "started-2")
    assert rescuer != victim and rescuer in {p.pid for p in procs}
    assert Job.fetch(job.id, connection=inst.redis, serializer=JSONSerializer).retries_left == len(RETRY_INTERVALS) - 1
    assert marks(inst.core) == 1
    assert _audit_ok(inst.core) == (True, 1)


def test_workers_with_the_schedule_on_one_redis_and_database_run_the_day_once(sqlite_instance: Instance) -> None:
    inst = sqlite_instance
    env = {**inst.env, "DUNNING_RUN_HOUR": "0"}  # whatever the hour in Shanghai, today's run is due
    procs = [start_worker(env, inst.log(name), "--with-schedule", "--name", name) for name in ("w1", "w2")]
    try:
        for name in ("w1", "w2"):
            wait_for(f"{name} to tick", lambda n=name: "schedule: ticking" in inst.log(n).read_text())
        [row] = wait_for("the day's run to finish", lambda: [r for r in _runs(inst.core) if r.status != "claimed"])
    finally:
        stop_all(procs)
    assert row.status == "done" and row.claimed_by in ("w1", "w2"), inst.logs()
    assert row.summary is not None and row.summary["as_of"] == row.run_on.isoformat()
    assert len(_runs(inst.core)) == 1
    assert inst.status(f"dunning_run-{row.run_on.isoformat()}") == JobStatus.FINISHED


def test_a_burst_worker_with_the_schedule_ticks_once_then_runs_what_is_due(sqlite_instance: Instance) -> None:
    """``dunning worker --burst --with-schedule`` from cron: today's run and the sweep, then exit;
    started again the same day, it finds the run done."""
    inst = sqlite_instance
    env = {**inst.env, "DUNNING_RUN_HOUR": "0"}
    for n in (1, 2):
        proc = start_worker(env, inst.log(f"cron{n}"), "--burst", "--with-schedule", "--name", f"cron{n}")
        try:
            assert proc.wait(timeout=300) == 0, inst.logs()
        finally:
            stop_all([proc])
    [row] = _runs(inst.core)
    assert row.status == "done" and row.claimed_by == "cron1"
    assert inst.status(f"dunning_run-{row.run_on.isoformat()}") == JobStatus.FINISHED
    assert inst.status("sweep") == JobStatus.FINISHED


def _runs(core: Core) -> list[ScheduledRun]:
    with core.unit_of_work(JOBS_ACTOR, read_only=True) as uow:
        return list(uow.session.scalars(select(ScheduledRun).where(ScheduledRun.job == "dunning_run")))


def test_sigterm_lets_the_running_job_finish_then_the_worker_exits(sqlite_instance: Instance) -> None:
    inst = sqlite_instance
    flags = inst.tmp / "flags"
    flags.mkdir()
    proc = start_worker(inst.env, inst.log("w1"), "--name", "w1", "--queues", "mail")
    try:
        job = inst.enqueue("tests.jobs.mark_when_told", 3, str(flags), job_id="told-3")
        wait_for("the job to start", lambda: (flags / "started").exists())
        proc.send_signal(signal.SIGTERM)
        (flags / "go").touch()
        assert proc.wait(timeout=120) == 0, inst.logs()
    finally:
        stop_all([proc])
    assert inst.status(job.id) == JobStatus.FINISHED
    assert marks(inst.core) == 1


@pytest.mark.parametrize(("env", "args", "says"), [
    ({}, [], "jobs run inside the dunning up process (DUNNING_JOB_RUNNER=inline)"),
    ({"DUNNING_JOB_RUNNER": "rq", "DUNNING_REDIS_URL": "redis://127.0.0.1:1/0"}, ["--queues", "mail,email"],
     "unknown queue: email; queues: mail, documents, dunning, inbox"),
    ({"DUNNING_JOB_RUNNER": "rq"}, [], "DUNNING_JOB_RUNNER=rq needs DUNNING_REDIS_URL"),
])
def test_a_worker_that_cannot_work_says_why_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str], env: dict[str, str],
                                                        args: list[str], says: str) -> None:
    from workflow.cli import run as cli

    for key in [k for k in os.environ if k.startswith("DUNNING_")]:
        monkeypatch.delenv(key)
    for key, value in {"DUNNING_INSTANCE_PATH": str(tmp_path), "DUNNING_LOCALE": "en", **env}.items():
        monkeypatch.setenv(key, value)
    assert cli(["worker", *args]) == 2
    err = capsys.readouterr().err
    assert says in err and len(err.strip().splitlines()) == 1, err


LETTERS = 200
KILLS = 6


def test_200_letters_through_two_rq_workers_survive_sigkills_with_none_missing(tmp_path: Path, redis_url: str) -> None:
    """The outbox's exactly-once test with the real job path: letters queued by the outbox are jobs
    on Redis, two ``dunning worker`` processes send them to a real SMTP server delivering into real
    Dovecot, and a random worker is SIGKILLed (with its RQ scheduler) six times at random points and
    replaced. Counted by Message-ID in the mailbox: none missing, duplicates at most the kills."""
    missing = missing_binaries()
    if missing:
        missing_tool(f"mail test servers need: {', '.join(missing)}")
    servers = start_mail_servers()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        settings = Settings(instance_path=tmp_path / "instance", mail_transport="smtp", smtp_url=servers.smtp_url,
                            smtp_timeout_seconds=1, smtp_rate_per_minute=100_000, pdf_converter="none",
                            secret_key="test-secret", mailbox_dir=tmp_path / "mailbox", job_runner="rq",
                            redis_url=redis_url, locale="en")
        settings.instance_path.mkdir(parents=True)
        upgrade(settings.effective_database_url)
        env = {k: v for k, v in os.environ.items() if not k.startswith("DUNNING_")}
        env.update({"DUNNING_INSTANCE_PATH": str(settings.instance_path), "DUNNING_MAIL_TRANSPORT": "smtp",
                    "DUNNING_SMTP_URL": servers.smtp_url, "DUNNING_SMTP_TIMEOUT_SECONDS": "1",
                    "DUNNING_SMTP_RATE_PER_MINUTE": "100000", "DUNNING_PDF_CONVERTER": "none",
                    "DUNNING_SECRET_KEY": "test-secret", "DUNNING_JOB_RUNNER": "rq", "DUNNING_REDIS_URL": redis_url,
                    "DUNNING_LOCALE": "en"})
        core = build_core(settings, clock=FixedClock(FIXED_NOW), template_cache=TEMPLATE_CACHE)
        try:
            _send_through_kills(core, env, tmp_path, servers, procs)
        finally:
            core.close()
    finally:
        stop_all(procs)
        servers.stop()


def _send_through_kills(core: Core, env: dict[str, str], tmp: Path, servers: MailServers,
                        procs: list[subprocess.Popen[bytes]]) -> None:
    run(core, SYSTEM_ACTOR, core.services.templates.sync_shipped)
    debtor = seed_debtor(core)
    documents = [with_pdf(core, debtor.document_id, TINY_PDF.replace(b"%%EOF", f"% letter {n}\n%%EOF".encode()))
                 for n in range(LETTERS)]

    def queue_all(uow: UnitOfWork) -> list[str]:
        return [core.services.outbox.queue(uow, customer_id=debtor.customer_id, case_id=debtor.case_id,
                                           document_id=doc, kind="dunning_letter_1", language="zh", automated=False,
                                           contact_on=uow.today(), not_before=datetime(2020, 1, 1, tzinfo=UTC)
                                           ).message_id for doc in documents]

    message_ids = run(core, CLERK, queue_all)  # after the commit: one send job per letter on Redis

    def sent() -> int:
        with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
            return int(uow.session.scalar(select(func.count()).select_from(OutboxMessage)
                                          .where(OutboxMessage.status == "sent")) or 0)

    rng = random.Random(20261130)
    started = 0

    def spawn() -> None:
        nonlocal started
        started += 1
        procs.append(start_worker(env, tmp / f"w{started}.log", "--name", f"w{started}", "--queues", "mail"))

    spawn()
    spawn()
    kills = 0
    deadline = time.monotonic() + 600
    while kills < KILLS and sent() < LETTERS:
        target = sent() + rng.randint(1, 15)
        wait_for("letters to go out", lambda t=target: sent() >= t or sent() >= LETTERS, timeout=300, every=0.01)
        # a send job takes about 0.1 s here (claim, SMTP, record): kills land anywhere in it or between jobs
        time.sleep(rng.uniform(0.0, 0.15))
        live = [p for p in procs if p.poll() is None]
        victim = rng.choice(live)
        os.killpg(victim.pid, signal.SIGKILL)  # the worker and its RQ scheduler, as a lost host
        victim.wait(timeout=30)
        kills += 1
        spawn()
    while sent() < LETTERS:
        assert time.monotonic() < deadline, f"{sent()} of {LETTERS} sent after 600 s"
        # what a --with-schedule ticker does every minute: the sweep recovers the killed sends' rows
        core.jobs.enqueue("mail", "sweep", job_id="sweep")
        time.sleep(0.5)

    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        statuses = dict(uow.session.execute(select(OutboxMessage.status, func.count())
                                            .group_by(OutboxMessage.status)).all())
        recovered = sorted(set(uow.session.scalars(select(OutboxAttempt.outbox_id)
                                                   .where(OutboxAttempt.outcome == "recovered"))))
    counts = servers.count_by_message_id(FINANCE)
    duplicates = sum(n - 1 for n in counts.values() if n > 1)
    print(f"\nexactly-once through RQ: {LETTERS} letters, {started} workers started, {kills} SIGKILLs, "
          f"{duplicates} duplicates, {len(recovered)} rows recovered as unknown {recovered}")
    assert statuses == {"sent": LETTERS}
    assert [m for m in message_ids if counts[m] == 0] == []
    assert set(counts) == set(message_ids)
    assert kills == KILLS and duplicates <= kills
    assert _audit_ok(core)[0]
