"""The composition root: builds the ports and shared services from Settings, once per process.

Rooms (ledger, law, documents...) build their use-case objects from a ``Core``; nothing here
connects anywhere until first use.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from workflow.accounts.actor import Actor
from workflow.audit.key import AuditKey
from workflow.audit.service import AuditLog
from workflow.clock import Clock, SystemClock
from workflow.config import Settings
from workflow.db import Database
from workflow.filestore import FileStore, LocalFileStore
from workflow.unit_of_work import UnitOfWork, open_unit_of_work

if TYPE_CHECKING:
    from workflow.documents.pdf import PdfConverter
    from workflow.documents.render import TemplateCache
    from workflow.jobs.queue import JobQueue
    from workflow.services import Services


@dataclass
class Core:
    settings: Settings
    db: Database
    clock: Clock
    files: FileStore
    audit: AuditLog
    # stand-ins a test or benchmark gives instead of what build_services would make from Settings
    pdf_port: PdfConverter | None = field(default=None, repr=False)
    template_cache: TemplateCache | None = field(default=None, repr=False)
    _services: Services | None = field(default=None, repr=False)
    # the job queue (``settings.job_runner``: inline or RQ); a test may hand in its own
    job_queue: JobQueue | None = field(default=None, repr=False)

    @property
    def services(self) -> Services:
        """Every service, built once (``workflow.services.build_services``)."""
        if self._services is None:
            from workflow.services import build_services

            self._services = build_services(self)
        return self._services

    @property
    def jobs(self) -> JobQueue:
        """Where work goes to run after commit (``workflow.jobs.queue``), built on first use."""
        if self.job_queue is None:
            from workflow.jobs.queue import make_queue

            self.job_queue = make_queue(self)
        return self.job_queue

    @contextmanager
    def unit_of_work(self, actor: Actor, *, read_only: bool = False) -> Iterator[UnitOfWork]:
        """The one way an entry point (request, command, job) opens a transaction."""
        with open_unit_of_work(self.db, actor, self.clock, self.audit, read_only=read_only) as uow:
            yield uow

    def close(self) -> None:
        if self._services is not None:
            self._services.close()
            self._services = None
        if self.job_queue is not None:
            self.job_queue.close()
        self.db.dispose()


def build_core(
    settings: Settings, *, clock: Clock | None = None, files: FileStore | None = None,
    pdf: PdfConverter | None = None, template_cache: TemplateCache | None = None,
) -> Core:
    clock = clock or SystemClock(settings.tz)
    return Core(
        settings=settings,
        db=Database(settings.effective_database_url),
        clock=clock,
        files=files or LocalFileStore(settings.instance_path / "files"),
        audit=AuditLog(clock, AuditKey.for_instance(settings.audit_key, settings.instance_path),
                       checkpoint_every=settings.audit_checkpoint_every),
        pdf_port=pdf,
        template_cache=template_cache,
    )
