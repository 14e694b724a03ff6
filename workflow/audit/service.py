"""Writing and verifying the audit log.

Each entry's hash covers its content and the previous entry's hash, so any edit or deletion in
the middle breaks the chain and ``verify`` names the first broken entry. Entries are written in
the caller's transaction: an audit entry exists exactly when the change it describes does.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from workflow.accounts.actor import Actor
from workflow.audit.models import AuditEntry
from workflow.clock import Clock

GENESIS = "0" * 64


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def entry_hash(prev_hash: str, at: datetime, actor: str, action: str, entity_type: str, entity_id: str,
               before: Any, after: Any) -> str:
    payload = json.dumps(
        [prev_hash, at.isoformat(), actor, action, entity_type, entity_id, before, after],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    entries: int
    first_bad_id: int | None = None
    reason: str = ""


class AuditLog:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def record(self, session: Session, actor: Actor, action: str, entity_type: str, entity_id: str,
               before: Any = None, after: Any = None) -> AuditEntry:
        if session.get_bind().dialect.name == "postgresql":
            # serialise writers so two transactions never chain onto the same predecessor
            session.execute(text("SELECT pg_advisory_xact_lock(727274)"))
        prev = session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)) or GENESIS
        at = self.clock.now().replace(microsecond=0)
        before_j, after_j = _jsonable(before), _jsonable(after)
        entry = AuditEntry(
            at=at, actor=actor.username, actor_id=actor.user_id, action=action,
            entity_type=entity_type, entity_id=entity_id, before=before_j, after=after_j,
            prev_hash=prev,
            hash=entry_hash(prev, at, actor.username, action, entity_type, entity_id, before_j, after_j),
        )
        session.add(entry)
        session.flush()
        return entry

    @staticmethod
    def verify(session: Session) -> ChainCheck:
        prev = GENESIS
        count = 0
        for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id)).yield_per(1000):
            count += 1
            if e.prev_hash != prev:
                return ChainCheck(False, count, e.id, "previous-hash link broken (an entry was removed)")
            expected = entry_hash(e.prev_hash, e.at, e.actor, e.action, e.entity_type, e.entity_id,
                                  e.before, e.after)
            if expected != e.hash:
                return ChainCheck(False, count, e.id, "content does not match its hash (entry was altered)")
            prev = e.hash
        return ChainCheck(True, count)


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry):
            raise PermissionError("the audit log is append-only")
