"""Use cases for users and API tokens. Owns its transactions."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.accounts.actor import Actor
from workflow.accounts.models import ApiToken, Role, User
from workflow.accounts.passwords import check_password, hash_password, new_token, token_digest
from workflow.audit.service import AuditLog
from workflow.clock import Clock
from workflow.db import Database
from workflow.errors import Conflict, Unauthenticated, invalid

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")


def actor_of(user: User) -> Actor:
    return Actor(user_id=user.id, username=user.username, role=Role(user.role), locale=user.locale)


class Accounts:
    def __init__(self, db: Database, clock: Clock, audit: AuditLog) -> None:
        self.db = db
        self.clock = clock
        self.audit = audit

    def create_user(
        self, by: Actor, *, username: str, display_name: str, role: str,
        password: str | None = None, email: str | None = None, locale: str = "zh_CN",
    ) -> User:
        if not _USERNAME.match(username):
            raise invalid("username", "invalid_username", "用户名只能包含小写字母、数字、点、下划线和连字符",
                          "username may contain only lower-case letters, digits, '.', '_' and '-'")
        if role not in {r.value for r in Role}:
            raise invalid("role", "invalid_role", "角色必须是 clerk、legal、lawyer 或 admin",
                          "role must be clerk, legal, lawyer or admin")
        if password is not None and len(password) < 8:
            raise invalid("password", "too_short", "密码至少 8 位", "password must be at least 8 characters")
        with self.db.session() as s:
            if s.scalar(select(User.id).where(User.username == username)) is not None:
                raise Conflict(f"用户名已存在：{username}", f"username already exists: {username}")
            user = User(
                username=username, display_name=display_name, role=role, email=email, locale=locale,
                password_hash=hash_password(password) if password else None, active=True,
                created_at=self.clock.now(),
            )
            s.add(user)
            s.flush()
            self.audit.record(s, by, "user.create", "user", str(user.id), None,
                              {"username": username, "role": role})
            return user

    def issue_token(self, by: Actor, username: str, name: str) -> str:
        """Returns the token in clear text: shown once, stored only hashed."""
        token = new_token()
        with self.db.session() as s:
            user = s.scalar(select(User).where(User.username == username))
            if user is None:
                raise invalid("username", "unknown_user", f"无此用户：{username}", f"no such user: {username}")
            s.add(ApiToken(user_id=user.id, name=name, token_hash=token_digest(token), prefix=token[:10],
                           created_at=self.clock.now()))
            self.audit.record(s, by, "token.issue", "user", str(user.id), None, {"name": name})
        return token

    def authenticate_token(self, token: str) -> Actor:
        with self.db.session() as s:
            row = s.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
            if row is None or row.revoked_at is not None or not row.user.active:
                raise Unauthenticated()
            row.last_used_at = self.clock.now()
            return actor_of(row.user)

    def authenticate_password(self, username: str, password: str) -> Actor:
        with self.db.session() as s:
            user = s.scalar(select(User).where(User.username == username))
            if user is None or not user.active or not check_password(password, user.password_hash):
                raise Unauthenticated()
            return actor_of(user)

    def actor_by_id(self, user_id: int) -> Actor | None:
        with self.db.session() as s:
            user = s.get(User, user_id)
            return actor_of(user) if user is not None and user.active else None

    def list_users(self, session: Session) -> list[User]:
        return list(session.scalars(select(User).order_by(User.id)))
