"""``dunning worker``: an RQ worker that keeps its Core, and so LibreOffice, warm across jobs.

RQ's default ``Worker`` forks a child ("work horse") per job: every job would start with a cold
Core, a cold template cache and, for a letter, a LibreOffice start of a second or more. This worker
is RQ's ``SimpleWorker`` (jobs run in the worker process itself) with one addition: while a job
runs, a thread keeps its heartbeat alive every ``job_monitoring_interval`` seconds, as RQ's forking
worker does from its parent process. So the heartbeat can be short (a SIGKILLed worker's job is
found abandoned within about half a minute, not the job timeout plus a minute) without a long job
ever being mistaken for an abandoned one.

Shutdown: SIGTERM (or Ctrl+C) lets the current job finish, then the worker exits; a second one stops
it at once (the job is then retried elsewhere). SIGKILL: another worker's maintenance finds the job's
heartbeat expired and retries it (``Retry``), or fails it when no attempts are left.

Retries wait in RQ's scheduled-job registry; each worker runs RQ's scheduler (one of them, holding a
Redis lock, moves due retries back onto their queues). That scheduler is only for retries: the
periodic work is ``workflow.jobs.schedule``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rq import Queue
from rq.serializers import JSONSerializer
from rq.worker import SimpleWorker

from workflow.jobs.queue import QUEUES, TIMEOUTS
from workflow.jobs.schedule import Scheduler, Ticker
from workflow.jobs.tasks import use_core

if TYPE_CHECKING:
    from redis import Redis

    from workflow.core import Core

log = logging.getLogger(__name__)

# short, so a dead worker's job is noticed within about a minute (RQ's defaults: 30 s, 420 s, 10 min)
JOB_MONITORING_INTERVAL = 10  # a running job's heartbeat is renewed this often
HEARTBEAT_GRACE = 20  # ... and expires this long after the last renewal
WORKER_TTL = 35  # an idle worker's own heartbeat; it also waits for a job at most WORKER_TTL - 15 s
MAINTENANCE_INTERVAL = 15  # how often (at most) a worker looks for abandoned jobs


class WarmWorker(SimpleWorker):
    """SimpleWorker (no fork per job) whose running job keeps a short heartbeat from a thread.

    One thread per worker, started with its first job, renews the heartbeat of whichever job is
    running; between jobs it does nothing. (A thread per job would cost a start and a join per job.)"""

    _current: Any = None
    _beater: threading.Thread | None = None

    def get_heartbeat_ttl(self, job: Any) -> int:
        return int(self.job_monitoring_interval) + HEARTBEAT_GRACE

    def execute_job(self, job: Any, queue: Any) -> None:
        if self._beater is None:
            self._beater = threading.Thread(target=self._beat, name="job-heartbeat", daemon=True)
            self._beater.start()
        self._current = job
        try:
            super().execute_job(job, queue)
        finally:
            self._current = None

    def _beat(self) -> None:
        while True:
            time.sleep(self.job_monitoring_interval)
            job = self._current
            if job is None:
                continue
            try:
                # a beat racing the job's end is harmless: RQ ignores a heartbeat for a finished job
                self.maintain_heartbeats(job)
            except Exception:  # Redis away for a moment: the next beat tries again
                log.warning("heartbeat of job %s failed", job.id, exc_info=True)


def check_queues(names: Sequence[str]) -> list[str]:
    unknown = [n for n in names if n not in QUEUES]
    if unknown or not names:
        raise ValueError(", ".join(unknown))
    return list(dict.fromkeys(names))


def make_worker(core: Core, connection: Redis, queues: Sequence[str], name: str | None = None) -> WarmWorker:
    qs = [Queue(n, connection=connection, serializer=JSONSerializer, default_timeout=TIMEOUTS[n])
          for n in check_queues(queues)]
    return WarmWorker(qs, name=name, connection=connection, serializer=JSONSerializer,
                      job_monitoring_interval=JOB_MONITORING_INTERVAL, worker_ttl=WORKER_TTL,
                      maintenance_interval=MAINTENANCE_INTERVAL)


def run_worker(core: Core, queues: Sequence[str], *, burst: bool = False, name: str | None = None,
               with_schedule: bool = False, logging_level: str = "INFO") -> bool:
    """Work the queues until SIGTERM (or, with ``burst``, until they are empty); with
    ``with_schedule`` also tick the periodic schedule (with ``burst``: once, before working, for a
    worker started from cron). Returns whether any job ran."""
    from redis import Redis

    use_core(core)  # this process's jobs run against this Core: built once, warm
    connection = Redis.from_url(core.settings.redis_url, socket_connect_timeout=5, health_check_interval=30)
    worker = make_worker(core, connection, queues, name)
    ticker = None
    if with_schedule and burst:  # from cron: one tick, then what it (and others) queued, then exit
        Scheduler(core, name=worker.name).tick()
    elif with_schedule:
        ticker = Ticker(Scheduler(core, name=worker.name)).start()
    try:
        return bool(worker.work(burst=burst, with_scheduler=True, logging_level=logging_level))
    finally:
        if ticker is not None:
            ticker.stop()
        use_core(None)
        connection.close()
