"""The job queue port, and its two adapters: inline (the embedded default) and RQ on Redis.

``core.jobs.enqueue(queue, task, *ids, job_id=...)`` is all a caller sees. Callers enqueue after
their unit of work has committed (``uow.after_commit``): a job must find what it was told about.

- ``InlineQueue`` runs the task at once, in the calling thread (no Redis: ``dunning up`` alone).
  A failure is logged, not raised: the caller's work is committed, and the periodic sweep does again
  what a failed job left undone.
- ``RqQueue`` puts a job on a Redis list for ``dunning worker`` processes on any host. Jobs retry
  three times (10 s, 1 min, 5 min apart); a job whose worker died (SIGKILL, power loss) is found by
  another worker once its heartbeat expires and retried the same way. So a job may run twice, and
  every task is written to be safe to run twice.

A ``job_id`` makes an enqueue a no-op while a job of that id is waiting, running or waiting for its
retry; once that job has finished or failed, the same id may be enqueued again (a new send attempt
of the same outbox row, tomorrow's run after today's).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from workflow.jobs.tasks import TASKS, JobArg, Task, run_task

if TYPE_CHECKING:
    from redis import Redis

    from workflow.core import Core

log = logging.getLogger(__name__)

# queues are named by purpose, so a host can run workers for what it is good at (documents where
# LibreOffice is installed, mail near the SMTP relay)
QUEUES = ("mail", "documents", "dunning", "inbox")

# how long one job may run before the worker stops it (seconds): a sweep sends up to 100 letters,
# the daily run decides for every open receivable
TIMEOUTS = {"mail": 900, "documents": 900, "dunning": 3600, "inbox": 600}
RETRY_INTERVALS = [10, 60, 300]
RESULT_TTL = 24 * 3600  # a finished job stays visible a day
FAILURE_TTL = 30 * 24 * 3600  # a failed one a month, for whoever investigates it
LOCK_PREFIX = "dunning:lock:"


class JobQueue(Protocol):
    def enqueue(self, queue: str, task: str, *args: JobArg, job_id: str | None = None) -> None:
        """Run ``task(core, *args)`` in the background (after the caller's commit)."""
        ...

    def try_lock(self, name: str, seconds: float) -> bool:
        """Whether this caller, of all processes sharing the queue, holds ``name`` for ``seconds``."""
        ...

    def close(self) -> None:
        ...


def check_job(queue: str, task: str, args: tuple[object, ...], tasks: Mapping[str, Task] = TASKS) -> None:
    """A misspelt queue or task, or an argument that is not an id, is a bug in the caller: refuse it
    at enqueue, where the traceback points at the caller, not hours later in a worker."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r} (queues: {', '.join(QUEUES)})")
    if task not in tasks:
        raise ValueError(f"unknown task {task!r}")
    for a in args:
        if isinstance(a, bool) or not isinstance(a, int | str):
            raise TypeError(f"job arguments are ids (int or str), not {type(a).__name__}: {a!r}")


class InlineQueue:
    """Runs each job at once in the caller's thread, against the caller's Core."""

    def __init__(self, core: Core, tasks: Mapping[str, Task] = TASKS) -> None:
        self.core = core
        self.tasks = tasks
        self._guard = threading.Lock()
        self._running: set[str] = set()
        self._locks: dict[str, float] = {}

    def enqueue(self, queue: str, task: str, *args: JobArg, job_id: str | None = None) -> None:
        check_job(queue, task, args, self.tasks)
        if job_id is not None:
            with self._guard:
                if job_id in self._running:  # the same job, already running in another thread
                    log.info("job %s is already running; not run again", job_id)
                    return
                self._running.add(job_id)
        try:
            self.tasks[task](self.core, *args)
        except Exception:
            log.exception("job %s %s%r failed (the sweep will try again)", queue, task, args)
        finally:
            if job_id is not None:
                with self._guard:
                    self._running.discard(job_id)

    def try_lock(self, name: str, seconds: float) -> bool:
        now = time.monotonic()
        with self._guard:
            if self._locks.get(name, 0.0) > now:
                return False
            self._locks[name] = now + seconds
            return True

    def close(self) -> None:
        pass


class RqQueue:
    """Jobs on Redis for ``dunning worker`` processes; ``run_task`` is every job's function."""

    def __init__(self, redis_url: str, connection: Redis | None = None) -> None:
        from redis import Redis

        self.redis_url = redis_url
        self.redis: Redis = connection if connection is not None else Redis.from_url(
            redis_url, socket_connect_timeout=5, socket_timeout=30, health_check_interval=30)

    def enqueue(self, queue: str, task: str, *args: JobArg, job_id: str | None = None) -> None:
        from rq import Queue, Retry
        from rq.exceptions import DuplicateJobError, NoSuchJobError
        from rq.job import Job, JobStatus
        from rq.serializers import JSONSerializer

        check_job(queue, task, args)
        q = Queue(queue, connection=self.redis, serializer=JSONSerializer, default_timeout=TIMEOUTS[queue])
        description = f"{task}({', '.join(map(repr, args))})"
        # RQ's unique enqueue refuses an id whose job hash exists, which includes a job that finished
        # (kept RESULT_TTL) or failed (kept FAILURE_TTL): those are removed and the id enqueued again.
        # Racing enqueuers: one wins the unique enqueue; the others then find it queued and stop.
        for _ in range(5):
            try:
                q.enqueue_call(run_task, args=(task, *args), job_id=job_id, unique=job_id is not None,
                               retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
                               result_ttl=RESULT_TTL, failure_ttl=FAILURE_TTL, description=description)
                return
            except DuplicateJobError:
                assert job_id is not None
                try:
                    existing = Job.fetch(job_id, connection=self.redis, serializer=JSONSerializer)
                except NoSuchJobError:
                    continue  # it expired or was removed meanwhile: try again
                status = existing.get_status(refresh=False)
                if status in (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED,
                              None):
                    log.debug("job %s is already %s; not enqueued again", job_id, status)
                    return
                existing.delete()  # finished, failed, stopped or cancelled: a new run is asked for
        raise RuntimeError(f"job {job_id}: could not enqueue after repeated races with other enqueuers")

    def try_lock(self, name: str, seconds: float) -> bool:
        # SET NX PX: one holder across every process sharing the Redis; it expires by itself, so
        # a holder that dies never blocks the others for longer than ``seconds``
        return bool(self.redis.set(LOCK_PREFIX + name, uuid.uuid4().hex, nx=True, px=int(seconds * 1000)))

    def close(self) -> None:
        self.redis.close()


def make_queue(core: Core) -> JobQueue:
    """The queue ``settings.job_runner`` names: inline (default) or RQ on ``settings.redis_url``."""
    if core.settings.job_runner == "rq":
        return RqQueue(core.settings.redis_url)
    return InlineQueue(core)
