"""The composition root's second half: every service, built once per process from ``Core``.

Web handlers, CLI commands and jobs get a service from ``core.services`` and nowhere else; the
business packages (ledger, documents, calc, claim, accounts...) never import ``core`` — they receive
the ports they need (clock, file store, PDF converter...) here, and a ``UnitOfWork`` per call.
Process-wide state (template registry and render cache, render worker, LibreOffice pool) is owned
here and released by ``close()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from workflow.accounts.service import Accounts
from workflow.ledger.attachments import Attachments
from workflow.ledger.imports import Importer

if TYPE_CHECKING:
    from workflow.core import Core


@dataclass
class Services:
    accounts: Accounts  # users, API tokens, browser sessions and login throttling
    importer: Importer  # ledger imports, with the upload cap
    attachments: Attachments  # files of contracts and invoices, creditors' seals

    def close(self) -> None:
        """Release process-wide state: helper processes, caches."""


def build_services(core: Core) -> Services:
    return Services(accounts=Accounts(token_days=core.settings.token_days,
                                      session_idle=timedelta(hours=core.settings.session_idle_hours)),
                    importer=Importer(core.settings.max_upload_bytes),
                    attachments=Attachments(core.files, core.settings.max_upload_bytes))
