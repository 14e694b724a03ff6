"""Who is acting: passed into every service call that writes or reads restricted data."""

from __future__ import annotations

from dataclasses import dataclass

from workflow.accounts.models import Role


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    role: Role
    locale: str = "zh_CN"

    @property
    def is_lawyer(self) -> bool:
        return self.role is Role.LAWYER

    def can_write_ledger(self) -> bool:
        return self.role in (Role.CLERK, Role.LEGAL, Role.ADMIN)

    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


SYSTEM = Actor(user_id=None, username="system", role=Role.ADMIN)

# Who acts before anyone has logged in (login, request authentication). It holds the least
# privileged role, so any use case that checks roles refuses it; those that run as it never do.
ANONYMOUS = Actor(user_id=None, username="anonymous", role=Role.LAWYER)
