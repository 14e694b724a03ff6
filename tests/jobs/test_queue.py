"""The job queue port: inline runs at once against the caller's Core; RQ puts one job per id on a
real Redis, with retries and kept results, and runs it in a worker."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
from redis import Redis
from rq import Queue, Retry
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from tests.jobs import marks, redis_url_fixture, wait_for, work_here  # noqa: F401  (a fixture)
from workflow.config import Settings
from workflow.core import Core
from workflow.jobs.queue import FAILURE_TTL, RESULT_TTL, RETRY_INTERVALS, InlineQueue, RqQueue, make_queue
from workflow.jobs.tasks import TASKS, run_task, use_core
from workflow.jobs.worker import make_worker


def recording(calls: list[tuple[Any, ...]]) -> dict[str, Any]:
    def note(core: Core, *args: Any) -> str:
        calls.append((core, *args))
        return "noted"

    return {**TASKS, "note": note}


def test_inline_runs_the_task_at_once_with_the_core_and_ids(core: Core) -> None:
    calls: list[tuple[Any, ...]] = []
    q = InlineQueue(core, recording(calls))
    q.enqueue("mail", "note", 42, "2027-01-04", job_id="note-42")
    assert calls == [(core, 42, "2027-01-04")]


@pytest.mark.parametrize(("queue", "task", "args", "error"), [
    ("email", "note", (1,), ValueError),  # no such queue
    ("mail", "send_letter", (1,), ValueError),  # no such task
    ("mail", "note", (True,), TypeError),  # ids only
    ("mail", "note", (1.5,), TypeError),
    ("mail", "note", (object(),), TypeError),
])
def test_a_misspelt_queue_or_task_or_a_non_id_argument_is_refused_at_enqueue(
        core: Core, queue: str, task: str, args: tuple[Any, ...], error: type[Exception]) -> None:
    calls: list[tuple[Any, ...]] = []
    with pytest.raises(error):
        InlineQueue(core, recording(calls)).enqueue(queue, task, *args)
    assert calls == []


def test_inline_a_failing_job_is_logged_and_does_not_fail_the_caller(core: Core,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    def broken(core: Core, n: int) -> None:
        raise RuntimeError(f"SMTP server away ({n})")

    q = InlineQueue(core, {**TASKS, "broken": broken})
    with caplog.at_level(logging.ERROR, logger="workflow.jobs.queue"):
        q.enqueue("mail", "broken", 7)
    assert "SMTP server away (7)" in caplog.text


def test_inline_a_job_id_already_running_is_not_run_again(core: Core) -> None:
    calls: list[int] = []
    tasks: dict[str, Any] = {}

    def reentrant(core: Core, n: int) -> None:
        calls.append(n)
        q.enqueue("mail", "reentrant", n, job_id=f"r-{n}")  # e.g. a sweep that finds its own row due

    tasks = {**TASKS, "reentrant": reentrant}
    q = InlineQueue(core, tasks)
    q.enqueue("mail", "reentrant", 1, job_id="r-1")
    assert calls == [1]
    q.enqueue("mail", "reentrant", 1, job_id="r-1")  # finished: the id may run again
    assert calls == [1, 1]


def test_inline_lock_is_held_for_its_time(core: Core) -> None:
    q = InlineQueue(core)
    assert q.try_lock("sweep", 3600)
    assert not q.try_lock("sweep", 3600)
    assert q.try_lock("other", 3600)


def test_the_setting_picks_the_queue(core: Core, settings: Settings) -> None:
    assert isinstance(core.jobs, InlineQueue) and core.jobs is core.jobs
    rq_core = Core(settings=settings.with_(job_runner="rq", redis_url="redis://127.0.0.1:1/0"), db=core.db,
                   clock=core.clock, files=core.files, audit=core.audit)
    q = make_queue(rq_core)
    assert isinstance(q, RqQueue) and q.redis_url == "redis://127.0.0.1:1/0"  # connects on first use only
    q.close()


# ---------------------------------------------------------------------------------------------
# RQ on a real Redis


def _jobs(r: Redis, queue: str) -> list[Job]:
    q = Queue(queue, connection=r, serializer=JSONSerializer)
    return [Job.fetch(i, connection=r, serializer=JSONSerializer) for i in q.job_ids]


def test_rq_enqueues_one_job_per_id_with_retries_and_kept_results(redis_url: str) -> None:
    q = RqQueue(redis_url)
    try:
        q.enqueue("mail", "finish_pending", job_id="pdfs")
        q.enqueue("mail", "finish_pending", job_id="pdfs")  # queued already: nothing more
        q.enqueue("documents", "finish_pending")  # no id: always a new job
        q.enqueue("documents", "finish_pending")
        [job] = _jobs(q.redis, "mail")
        assert job.id == "pdfs" and job.func_name == "workflow.jobs.tasks.run_task"
        assert job.args == ["finish_pending"] and job.description == "finish_pending()"
        assert job.retries_left == len(RETRY_INTERVALS) and job.retry_intervals == RETRY_INTERVALS
        assert job.result_ttl == RESULT_TTL and job.failure_ttl == FAILURE_TTL
        assert len(_jobs(q.redis, "documents")) == 2
    finally:
        q.close()


def test_rq_an_id_that_finished_or_failed_may_be_enqueued_again(redis_url: str, core: Core) -> None:
    q = RqQueue(redis_url)
    use_core(core)
    try:
        q.enqueue("documents", "finish_pending", job_id="pdfs")
        work_here(make_worker(core, q.redis, ["documents"]))
        done = Job.fetch("pdfs", connection=q.redis, serializer=JSONSerializer)
        assert done.get_status() == JobStatus.FINISHED and done.return_value() == 0

        q.enqueue("documents", "finish_pending", job_id="pdfs")  # a new run of the same work
        [again] = _jobs(q.redis, "documents")
        assert again.id == "pdfs" and again.get_status() == JobStatus.QUEUED
    finally:
        use_core(None)
        q.close()


def test_rq_a_job_runs_the_named_task_in_the_worker_against_its_core(redis_url: str, core: Core) -> None:
    calls: list[tuple[Any, ...]] = []

    def note(c: Core, *args: Any) -> str:
        calls.append((c, *args))
        return "noted"

    TASKS["test_note"] = note
    q = RqQueue(redis_url)
    use_core(core)
    try:
        q.enqueue("inbox", "test_note", 3, "AR-2026-0042", job_id="note-3")
        work_here(make_worker(core, q.redis, ["inbox"]))
        assert calls == [(core, 3, "AR-2026-0042")]
        assert Job.fetch("note-3", connection=q.redis, serializer=JSONSerializer).return_value() == "noted"
    finally:
        del TASKS["test_note"]
        use_core(None)
        q.close()


def test_a_job_naming_a_task_this_version_lacks_fails_with_the_known_names() -> None:
    with pytest.raises(LookupError, match="no task named 'gone'"):
        run_task("gone", 1)


def test_rq_lock_one_holder_across_clients_until_it_expires(redis_url: str) -> None:
    a, b = RqQueue(redis_url), RqQueue(redis_url)
    try:
        assert a.try_lock("sweep", 0.5)
        assert not b.try_lock("sweep", 0.5)
        assert not a.try_lock("sweep", 0.5)
        wait_for("the lock to expire", lambda: b.try_lock("sweep", 60), timeout=30, every=0.1)
        assert not a.try_lock("sweep", 60)
    finally:
        a.close()
        b.close()


def test_a_job_longer_than_its_heartbeat_is_kept_alive_and_not_taken_for_abandoned(
        redis_url: str, core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    """SimpleWorker sets a running job's heartbeat once; ours renews it from a thread, so another
    worker's maintenance, looking for abandoned jobs all along, leaves a long job alone."""
    from rq.registry import StartedJobRegistry

    from workflow.jobs import worker as worker_module

    monkeypatch.setattr(worker_module, "JOB_MONITORING_INTERVAL", 1)
    monkeypatch.setattr(worker_module, "HEARTBEAT_GRACE", 5)  # unrenewed, the heartbeat ends after 6 s
    r = Redis.from_url(redis_url)
    job = Queue("mail", connection=r, serializer=JSONSerializer).enqueue_call(
        "tests.jobs.mark_slowly", args=(1, 9.0), retry=Retry(max=3, interval=[10]))
    stop = threading.Event()
    abandoned: list[str] = []

    def maintenance() -> None:  # what the other workers do every MAINTENANCE_INTERVAL
        registry = StartedJobRegistry("mail", connection=r, serializer=JSONSerializer)
        while not stop.wait(0.2):
            abandoned.extend(registry.get_expired_job_ids())
            registry.cleanup()

    other = threading.Thread(target=maintenance)
    other.start()
    use_core(core)
    try:
        assert work_here(make_worker(core, r, ["mail"]))
    finally:
        stop.set()
        other.join()
        use_core(None)
        r.close()
    assert abandoned == []
    done = Job.fetch(job.id, connection=Redis.from_url(redis_url), serializer=JSONSerializer)
    assert done.get_status() == JobStatus.FINISHED and done.retries_left == 3
    assert marks(core) == 1
