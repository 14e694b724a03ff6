"""The tasks a job may run, by name: ``name -> function(core, *args)``.

A job carries only a task name and ids (ints, ISO dates), never objects: whatever it needs is read
again from the database when it runs, so a job enqueued before a change sees the change, and a job
run twice (a retry after a crash, a duplicate enqueue) finds the work done and does nothing more.
Every task here calls a service that is idempotent by its own design (the outbox's leases and
statuses, the run's keyed actions, the webhook's delivery status, documents' pending PDFs).

On RQ every job is one call of ``run_task(name, *args)`` in a worker process, against one Core built
once per process (``worker_core``), so LibreOffice and the render worker stay warm from job to job.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from workflow.jobs import JOBS_ACTOR
from workflow.jobs.schedule import CREDIT_RUN, Status, finish_run

if TYPE_CHECKING:
    from workflow.core import Core

log = logging.getLogger(__name__)

__all__ = ["JOBS_ACTOR", "TASKS", "run_task", "task", "use_core", "worker_core"]

JobArg = int | str
Task = Callable[..., Any]
F = TypeVar("F", bound=Task)

TASKS: dict[str, Task] = {}


def task(name: str) -> Callable[[F], F]:
    def register(fn: F) -> F:
        if name in TASKS:
            raise ValueError(f"task {name!r} is registered twice")
        TASKS[name] = fn
        return fn

    return register


class UnknownTask(LookupError):
    """A job names a task this version does not have (an older or newer worker)."""


# ---------------------------------------------------------------------------------------------
# the tasks


@task("send_outbox")
def send_outbox(core: Core, outbox_id: int) -> str:
    """One send attempt of one outbox row; its status afterwards."""
    return core.services.outbox.send(int(outbox_id))


@task("deliver_webhook")
def deliver_webhook(core: Core, delivery_id: int) -> str:
    """One attempt at one credit-hold webhook delivery; its status afterwards."""
    webhook = core.services.cases.webhook
    if webhook is None:  # the URL was unset since the delivery was queued: the row stays pending
        log.warning("webhook delivery %s: no DUNNING_CREDIT_HOLD_WEBHOOK_URL is set; not sent", delivery_id)
        return "pending"
    return webhook.deliver(int(delivery_id))


@task("dunning_run")
def dunning_run(core: Core, as_of_iso: str) -> dict[str, Any]:
    """The day's dunning run, and its outcome on the day's schedule row."""
    as_of = date.fromisoformat(as_of_iso)
    try:
        report = core.services.dunning.run(JOBS_ACTOR, as_of)
    except Exception as exc:
        finish_run(core, as_of, Status.FAILED, {"error": f"{type(exc).__name__}: {exc}"})
        raise
    summary = {"as_of": as_of_iso, "working_day": report.working_day,
               "provisional_calendar": report.provisional_calendar, "customers": report.customers,
               "counts": report.counts(), "closed": len(report.closed), "warnings": report.warnings}
    finish_run(core, as_of, Status.DONE, summary)
    return summary


@task(CREDIT_RUN)
def credit_rate(core: Core, as_of_iso: str) -> dict[str, Any]:
    """The day's credit ratings (workflow/credit), and the outcome on the day's schedule row."""
    as_of = date.fromisoformat(as_of_iso)
    try:
        summary = core.services.credit.recompute(JOBS_ACTOR, as_of).summary()
    except Exception as exc:
        finish_run(core, as_of, Status.FAILED, {"error": f"{type(exc).__name__}: {exc}"}, job=CREDIT_RUN)
        raise
    finish_run(core, as_of, Status.DONE, summary, job=CREDIT_RUN)
    return summary


@task("finish_pending")
def finish_pending(core: Core) -> int:
    """Make the PDFs left pending when a process stopped between its commit and the PDF."""
    with core.unit_of_work(JOBS_ACTOR) as uow:
        pending = core.services.documents.finish_pending(uow)
    return len(pending)  # the PDFs themselves are made by the unit of work's after-commit callbacks


@task("build_bundle")
def build_bundle(core: Core, bundle_id: int) -> str:
    """Build one case's evidence bundle (PDF, ZIP, manifest); its status afterwards. Safe to run twice:
    a bundle already built or failed is left as it is (``workflow.evidence.service``)."""
    return core.services.bundles.build(int(bundle_id))


@task("poll_inbox")
def poll_inbox(core: Core) -> dict[str, Any]:
    """One pass over the mailbox (replies and bounces): store each message, process it, then flag
    or move it on the server; safe to run twice (``workflow.mail.replies``)."""
    return core.services.inbox.poll().as_json()


def send_due_mail(core: Core) -> int:
    """Outbox rows due (new, retries after a temporary failure) and those whose sender died."""
    return core.services.outbox.send_due()


def deliver_due_webhooks(core: Core) -> int:
    webhook = core.services.cases.webhook
    return 0 if webhook is None else webhook.deliver_due()


def requeue_lost_bundles(core: Core) -> int:
    return core.services.bundles.enqueue_lost()


# the periodic sweep's steps, in order; each is independent of the others
SWEEP_STEPS: dict[str, Task] = {"outbox": send_due_mail, "webhooks": deliver_due_webhooks,
                                "bundles": requeue_lost_bundles}


@task("sweep")
def sweep(core: Core) -> dict[str, int]:
    """The once-a-minute catch-all: whatever is due and was not (or could not be) done by its own job.

    Each step runs even if an earlier one failed; the job fails afterwards if any did, so the failure
    is visible in RQ (and retried) while the other steps' work is done."""
    done: dict[str, int] = {}
    failed: list[str] = []
    for name, step in SWEEP_STEPS.items():
        try:
            done[name] = int(step(core))
        except Exception:
            log.exception("sweep step %s failed", name)
            failed.append(name)
    if failed:
        raise RuntimeError(f"sweep steps failed: {', '.join(failed)} (done: {done})")
    return done


# ---------------------------------------------------------------------------------------------
# the worker process's Core and the RQ entry point

_core: Core | None = None
_core_lock = threading.Lock()


def use_core(core: Core | None) -> None:
    """The Core this process's jobs run against (``dunning worker`` hands in the one it built)."""
    global _core
    with _core_lock:
        _core = core


def worker_core() -> Core:
    """This process's Core, built once from the environment on first use and closed at exit."""
    global _core
    with _core_lock:
        if _core is None:
            from workflow.config import Settings
            from workflow.core import build_core

            _core = build_core(Settings.from_env())
            atexit.register(_core.close)
        return _core


def run_task(name: str, *args: JobArg) -> Any:
    """What every RQ job calls: the named task, on this process's Core."""
    fn = TASKS.get(name)
    if fn is None:
        raise UnknownTask(f"no task named {name!r} (known: {', '.join(sorted(TASKS))})")
    return fn(worker_core(), *args)
