"""What the cases need of the outbox: queue the email that carries a letter, in the caller's unit of
work (``workflow.mail.outbox.Outbox.queue``). A port, so the case rooms do not import the sender."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from workflow.mail.models import OutboxMessage
from workflow.unit_of_work import UnitOfWork


class OutboxPort(Protocol):
    def queue(self, uow: UnitOfWork, *, customer_id: int, case_id: int | None, document_id: int | None,
              kind: str, language: str, automated: bool, contact_on: date,
              not_before: datetime | None = None) -> OutboxMessage: ...
