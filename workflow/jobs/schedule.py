"""The periodic work: the daily dunning run, and a sweep every minute.

There is no scheduler process to keep alive and no leader to elect. Every ``dunning worker
--with-schedule`` (on any number of hosts), or the ``dunning up`` process when jobs run inline, ticks
every 30 seconds, and each tick asks the database and Redis whose turn it is:

- the daily run: once the run hour (``settings.run_hour``:00 in the business time zone) has passed,
  the tick inserts ``ScheduledRun(job="dunning_run", run_on=today)``. The table's unique (job,
  run_on) lets exactly one insert succeed across all processes; the winner enqueues the run, the
  others get an IntegrityError and do nothing. A process started after the run hour (a worker
  restarted at 15:00) finds today unclaimed and runs it then: the missed run happens once. Earlier
  missed days are not run late: their letters would go out dated and counted for a day that has
  passed; ``dunning run --as-of`` does that on purpose when someone decides to.
- the sweep (due outbox rows and stale send leases, due webhook deliveries; pending PDFs, on the
  documents queue; one pass over the mailbox, on the inbox queue): one tick a minute wins a short
  lock (Redis ``SET NX PX`` shared by every worker; a process-local one when inline) and enqueues
  them under fixed job ids, so sweeps never pile up behind a slow one.

The database is the schedule's memory: what is due (an outbox row's ``not_before``, a webhook's
``next_attempt_at``) is a column, so a crash, a deploy or a Redis flush loses nothing; the next
sweep finds it. See docs/jobs.md for the alternatives (RQ's scheduler, ``rq cron``, rq-scheduler).
"""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from workflow.cases.models import ScheduledRun
from workflow.jobs import JOBS_ACTOR

if TYPE_CHECKING:
    from workflow.core import Core
    from workflow.jobs.queue import JobQueue

log = logging.getLogger(__name__)

DAILY_RUN = "dunning_run"
# the credit ratings' daily recompute (workflow/credit), claimed and enqueued the same way, after the run
CREDIT_RUN = "credit_rate"
TICK_SECONDS = 30.0
SWEEP_EVERY_SECONDS = 60.0
# a claim still "claimed" this long after it was made lost its job (the claimer died between its
# commit and the enqueue): any tick enqueues it again; the job id keeps a live job from doubling
STALE_CLAIM = timedelta(minutes=30)


class Status:
    CLAIMED = "claimed"
    DONE = "done"
    FAILED = "failed"


def run_job_id(run_on: date) -> str:
    return f"{DAILY_RUN}-{run_on.isoformat()}"


@dataclass(frozen=True)
class TickResult:
    run_on: date | None  # the business day whose run this tick enqueued (claimed, or re-enqueued)
    claimed: bool  # this tick won the day's claim
    swept: bool  # this tick enqueued the sweep


class Scheduler:
    """One process's view of the schedule; ``tick()`` is safe in any number of processes at once."""

    def __init__(self, core: Core, jobs: JobQueue | None = None, name: str | None = None) -> None:
        self.core = core
        self.jobs = jobs if jobs is not None else core.jobs
        self.name = name or f"{socket.gethostname()}:{threading.get_native_id()}"

    def tick(self) -> TickResult:
        now = self.core.clock.now()
        local = now.astimezone(self.core.settings.tz)
        run_on: date | None = None
        claimed = False
        if local.hour >= self.core.settings.run_hour:
            claimed, due = self._claim(local.date(), now)
            if due:
                run_on = local.date()
                self.jobs.enqueue("dunning", DAILY_RUN, run_on.isoformat(), job_id=run_job_id(run_on))
            if self._claim(local.date(), now, CREDIT_RUN)[1]:
                day = local.date().isoformat()
                self.jobs.enqueue("dunning", CREDIT_RUN, day, job_id=f"{CREDIT_RUN}-{day}")
        swept = self.jobs.try_lock("sweep", SWEEP_EVERY_SECONDS - 5)
        if swept:
            # PDFs on the documents queue: only hosts with LibreOffice need to work it
            self.jobs.enqueue("mail", "sweep", job_id="sweep")
            self.jobs.enqueue("documents", "finish_pending", job_id="finish_pending")
            self.jobs.enqueue("inbox", "poll_inbox", job_id="poll_inbox")  # replies and bounces
        return TickResult(run_on, claimed, swept)

    def _claim(self, run_on: date, now: datetime, job: str = DAILY_RUN) -> tuple[bool, bool]:
        """(won today's claim, the run is to be enqueued now)."""
        try:
            with self.core.unit_of_work(JOBS_ACTOR) as uow:
                row = ScheduledRun(job=job, run_on=run_on, status=Status.CLAIMED, claimed_by=self.name,
                                   claimed_at=now)
                uow.session.add(row)
                uow.session.flush()
                uow.audit("schedule.claimed", "scheduled_run", row.id, None,
                          {"job": job, "run_on": run_on.isoformat(), "by": self.name})
            log.info("claimed the %s of %s", job, run_on)
            return True, True
        except IntegrityError:
            pass  # another process claimed the day first: not this one's turn
        with self.core.unit_of_work(JOBS_ACTOR, read_only=True) as uow:
            existing = uow.session.scalars(select(ScheduledRun).where(
                ScheduledRun.job == job, ScheduledRun.run_on == run_on)).one()
            stale = existing.status == Status.CLAIMED and now - existing.claimed_at > STALE_CLAIM
        if stale:
            log.warning("the %s of %s was claimed by %s at %s and has not finished: enqueued again",
                        job, run_on, existing.claimed_by, existing.claimed_at)
        return False, stale


def finish_run(core: Core, run_on: date, status: str, summary: dict[str, Any] | None, job: str = DAILY_RUN) -> None:
    """Record how the day's run ended (done with its summary, or failed). A run started by hand
    (``dunning run``) for a day nobody claimed leaves no row to update."""
    with core.unit_of_work(JOBS_ACTOR) as uow:
        uow.session.execute(update(ScheduledRun).where(
            ScheduledRun.job == job, ScheduledRun.run_on == run_on).values(
            status=status, finished_at=uow.now(), summary=summary))


class Ticker:
    """``Scheduler.tick`` every ``TICK_SECONDS`` on a daemon thread, until ``stop()``."""

    def __init__(self, scheduler: Scheduler, interval: float = TICK_SECONDS) -> None:
        self.scheduler = scheduler
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="dunning-schedule", daemon=True)

    def start(self) -> Ticker:
        self._thread.start()
        return self

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _loop(self) -> None:
        first = True
        while not self._stop.is_set():
            try:
                result = self.scheduler.tick()
                if first:
                    log.info("schedule: ticking every %.0f s as %s (first tick: %s)", self.interval,
                             self.scheduler.name, result)
                    first = False
            except Exception:  # a database or Redis hiccup: the next tick tries again
                log.exception("schedule tick failed")
            self._stop.wait(self.interval)
