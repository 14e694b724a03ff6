"""One unit of work: the session, who is acting, their audit entries, and what runs after commit.

Every use case runs inside exactly one unit of work, opened by its entry point (an HTTP request, a
CLI command, a job) through ``Core.unit_of_work``. Services receive it; they never open, commit or
roll back a session themselves, so use cases compose: a claim sheet, the document made from it and
their audit entries commit together or not at all.

Work that must happen only once the transaction is durable (enqueue a job, send mail, hand a file
to a converter) is registered with ``after_commit``; a rolled-back unit of work runs none of it.

Locks: a writing unit of work takes the database's write lock when it begins, so "read, then write"
never races. On SQLite that is ``BEGIN IMMEDIATE`` (waiting up to the busy timeout for another
writer); on PostgreSQL rows are locked with ``SELECT … FOR UPDATE`` by the services that read them
to write, and the audit chain is serialised by a transaction-level advisory lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.clock import Clock
from workflow.errors import Forbidden

if TYPE_CHECKING:
    from workflow.audit.models import AuditEntry
    from workflow.audit.service import AuditLog
    from workflow.db import Database

log = logging.getLogger(__name__)


class ReadOnlyViolation(RuntimeError):
    """A read-only unit of work tried to write: a bug in how the entry point declared it."""


class UnitOfWork:
    def __init__(self, session: Session, actor: Actor, clock: Clock, audit_log: AuditLog, *,
                 read_only: bool = False) -> None:
        self.session = session
        self.actor = actor
        self.clock = clock
        self.read_only = read_only
        self._audit_log = audit_log
        self._after_commit: list[Callable[[], None]] = []

    # ---- time ----------------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return self.clock.today()

    # ---- audit ---------------------------------------------------------------------------------
    def audit(self, action: str, entity_type: str, entity_id: str | int, before: Any = None,
              after: Any = None) -> AuditEntry:
        """Append an entry for this actor, in this transaction: it exists exactly when the change does."""
        if self.read_only:
            raise ReadOnlyViolation(f"audit '{action}' in a read-only unit of work")
        return self._audit_log.record(self.session, self.actor, action, entity_type, str(entity_id),
                                      before, after)

    # ---- after commit --------------------------------------------------------------------------
    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the transaction has committed; never if it rolls back."""
        self._after_commit.append(callback)

    def _run_after_commit(self) -> None:
        callbacks, self._after_commit = self._after_commit, []
        for cb in callbacks:
            try:
                cb()
            except Exception:  # the transaction is durable; a failed follow-up is retried by its owner
                log.exception("after-commit callback %r failed", cb)

    # ---- authorization -------------------------------------------------------------------------
    def require(self, roles: Iterable[Role], zh: str = "无权执行此操作", en: str = "You may not do this") -> None:
        """Use cases check the actor themselves, so the CLI and jobs follow the same rules as the API."""
        if self.actor.role not in set(roles):
            raise Forbidden(zh, en)

    def require_admin(self, zh: str = "仅管理员可执行此操作", en: str = "Only an administrator may do this") -> None:
        self.require((Role.ADMIN,), zh, en)


@event.listens_for(Session, "before_flush")
def _refuse_writes_when_read_only(session: Session, _ctx: Any, _instances: Any) -> None:
    if session.info.get("read_only") and (session.new or session.dirty or session.deleted):
        raise ReadOnlyViolation("a read-only unit of work tried to write")


@contextmanager
def open_unit_of_work(db: Database, actor: Actor, clock: Clock, audit_log: AuditLog, *,
                      read_only: bool = False) -> Iterator[UnitOfWork]:
    """Commit on success, roll back on any error, then (only after a commit) run the callbacks."""
    session = db.session_factory()
    uow = UnitOfWork(session, actor, clock, audit_log, read_only=read_only)
    try:
        # begin now, so a writer holds the lock before its first read (see db.begin_immediate)
        session.connection(execution_options={"dunning_write": not read_only})
        session.info["read_only"] = read_only
        yield uow
        session.commit()
    except BaseException:
        session.rollback()
        uow._after_commit.clear()
        raise
    finally:
        session.close()
    uow._run_after_commit()
