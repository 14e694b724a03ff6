"""Login throttling: failures counted per account name and per client address, in the database so
every worker process sees the same counts, with lockouts that double while failures go on."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from workflow.accounts.models import LoginThrottle


@dataclass(frozen=True)
class ThrottlePolicy:
    # an office behind one NAT address shares its address counter, hence the higher allowance
    account_free_failures: int = 5
    address_free_failures: int = 20
    first_lockout: timedelta = timedelta(seconds=30)
    max_lockout: timedelta = timedelta(hours=1)
    forget_after: timedelta = timedelta(hours=24)

    def free_failures(self, key: str) -> int:
        return self.address_free_failures if key.startswith("addr:") else self.account_free_failures

    def lockout(self, key: str, failures: int) -> timedelta | None:
        """How long a key is locked after its ``failures``-th failure in a row."""
        over = failures - self.free_failures(key)
        if over < 0:
            return None
        lockout: timedelta = self.first_lockout * 2 ** min(over, 30)
        return min(lockout, self.max_lockout)


def keys_for(username: str, address: str) -> list[str]:
    # sorted: concurrent logins lock the rows in the same order, so they never deadlock
    return sorted({f"user:{username.lower()}"[:100], f"addr:{address}"[:100]})


def lock_rows(session: Session, keys: Sequence[str], now: datetime) -> list[LoginThrottle]:
    """The throttle rows for ``keys``, created if missing and locked until the transaction ends."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    for key in keys:
        session.execute(insert(LoginThrottle).values(key=key, failures=0, last_failure_at=now)
                        .on_conflict_do_nothing(index_elements=["key"]))
    rows = session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))
                           .order_by(LoginThrottle.key).with_for_update()).all()
    return list(rows)


def retry_after(rows: Sequence[LoginThrottle], now: datetime) -> int | None:
    """Whole seconds until every key is unlocked, or None when none is locked."""
    waits = [(r.locked_until - now).total_seconds() for r in rows
             if r.locked_until is not None and r.locked_until > now]
    return math.ceil(max(waits)) if waits else None


def record_failure(row: LoginThrottle, now: datetime, policy: ThrottlePolicy) -> None:
    if now - row.last_failure_at > policy.forget_after:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    lockout = policy.lockout(row.key, row.failures)
    row.locked_until = now + lockout if lockout is not None else None


def reset(row: LoginThrottle) -> None:
    row.failures = 0
    row.locked_until = None
