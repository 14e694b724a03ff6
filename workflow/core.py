"""The composition root: builds the ports and shared services from Settings, once per process.

Rooms (ledger, law, documents...) build their use-case objects from a ``Core``; nothing here
connects anywhere until first use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from workflow.audit.service import AuditLog
from workflow.clock import Clock, SystemClock
from workflow.config import Settings
from workflow.db import Database
from workflow.filestore import FileStore, LocalFileStore

if TYPE_CHECKING:
    from workflow.accounts.service import Accounts
    from workflow.documents.pdf import PdfConverter


@dataclass
class Core:
    settings: Settings
    db: Database
    clock: Clock
    files: FileStore
    audit: AuditLog
    _pdf: PdfConverter | None = field(default=None, repr=False)

    @property
    def accounts(self) -> Accounts:
        from workflow.accounts.service import Accounts

        return Accounts(self.db, self.clock, self.audit)

    @property
    def pdf(self) -> PdfConverter:
        if self._pdf is None:
            from workflow.documents.pdf import make_converter

            self._pdf = make_converter(self.settings)
        return self._pdf

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()
        self.db.dispose()


def build_core(
    settings: Settings, *, clock: Clock | None = None, files: FileStore | None = None,
    pdf: PdfConverter | None = None,
) -> Core:
    clock = clock or SystemClock(settings.tz)
    return Core(
        settings=settings,
        db=Database(settings.effective_database_url),
        clock=clock,
        files=files or LocalFileStore(settings.instance_path / "files"),
        audit=AuditLog(clock),
        _pdf=pdf,
    )
