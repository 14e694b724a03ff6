"""Use cases for users, API tokens and browser sessions.

Every method runs inside the caller's unit of work and checks the actor itself, so the CLI, jobs
and the API follow the same rules. Login and request authentication run as ``ANONYMOUS`` in
units of work of their own (see ``workflow.web.api``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from workflow.accounts.actor import Actor
from workflow.accounts.models import ApiToken, Role, User, WebSession
from workflow.accounts.passwords import check_password, hash_password, new_secret, new_token, token_digest
from workflow.accounts.throttle import ThrottlePolicy, keys_for, lock_rows, record_failure, reset, retry_after
from workflow.errors import Conflict, FieldProblem, Forbidden, NotFound, invalid
from workflow.unit_of_work import UnitOfWork

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
# last-used times are written at most this often, so most requests authenticate read-only
TOUCH_EVERY = timedelta(minutes=1)
MAX_TOKEN_DAYS = 3650


def actor_of(user: User) -> Actor:
    return Actor(user_id=user.id, username=user.username, role=Role(user.role), locale=user.locale)


@dataclass(frozen=True)
class IssuedToken:
    token: str  # in clear text: shown once, stored only hashed
    row: ApiToken


@dataclass(frozen=True)
class Authenticated:
    actor: Actor
    row_id: int | str  # the token's or the session's id, for touch_*
    stale: bool  # last use is older than TOUCH_EVERY: the caller should touch it
    csrf_token: str | None = None  # sessions only


@dataclass(frozen=True)
class LoginResult:
    actor: Actor | None = None
    cookie: str | None = None  # the session secret to set as cookie
    csrf_token: str | None = None
    retry_after: int | None = None  # seconds, when throttled
    expires_at: datetime | None = None


@dataclass
class Accounts:
    token_days: int = 90
    session_idle: timedelta = timedelta(hours=12)
    session_max: timedelta = timedelta(days=7)
    throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)

    # ---- users ---------------------------------------------------------------------------------
    def create_user(
        self, uow: UnitOfWork, *, username: str, display_name: str, role: str,
        password: str | None = None, email: str | None = None, locale: str = "zh_CN",
        employee_no: str | None = None,
    ) -> User:
        uow.require_admin()
        if not _USERNAME.match(username):
            raise invalid("username", "invalid_username", "用户名只能包含小写字母、数字、点、下划线和连字符",
                          "username may contain only lower-case letters, digits, '.', '_' and '-'")
        _check_role(role)
        if password is not None:
            _check_password(password)
        s = uow.session
        if s.scalar(select(User.id).where(User.username == username)) is not None:
            raise Conflict(f"用户名已存在：{username}", f"username already exists: {username}")
        employee_no = _check_employee_no(s, employee_no, None)
        user = User(
            username=username, display_name=display_name, role=role, email=email, locale=locale,
            employee_no=employee_no,
            password_hash=hash_password(password) if password else None, active=True,
            created_at=uow.now(),
        )
        s.add(user)
        s.flush()
        uow.audit("user.create", "user", user.id, None, {"username": username, "role": role,
                                                         "employee_no": employee_no})
        return user

    def update_user(
        self, uow: UnitOfWork, user_id: int, *, display_name: str | None = None, role: str | None = None,
        password: str | None = None, active: bool | None = None, email: str | None = None,
        locale: str | None = None, employee_no: str | None = None,
    ) -> User:
        """A new password or deactivation ends every browser session of the user."""
        uow.require_admin()
        user = _get_user(uow.session, user_id)
        before = _audited(user)
        if role is not None:
            _check_role(role)
            user.role = role
        if display_name is not None:
            user.display_name = display_name
        if email is not None:
            user.email = email
        if locale is not None:
            user.locale = locale
        if employee_no is not None:
            # an empty string takes the number away
            user.employee_no = _check_employee_no(uow.session, employee_no, user.id)
        if password is not None:
            _check_password(password)
            user.password_hash = hash_password(password)
        if active is not None:
            user.active = active
        if before["role"] == Role.ADMIN.value and before["active"] and not (
                user.role == Role.ADMIN.value and user.active):
            _keep_an_admin(uow.session, user.id)
        if password is not None or active is False:
            _end_sessions(uow.session, user.id, uow.now())
        after = _audited(user) | ({"password": "changed"} if password is not None else {})
        uow.session.flush()
        uow.audit("user.update", "user", user.id, before, after)
        return user

    def user_id(self, uow: UnitOfWork, username: str) -> int:
        uid = uow.session.scalar(select(User.id).where(User.username == username))
        if uid is None:
            raise NotFound("用户", "user", username)
        return uid

    def list_users(self, uow: UnitOfWork) -> list[User]:
        uow.require_admin()
        return list(uow.session.scalars(select(User).order_by(User.id)))

    # ---- API tokens ----------------------------------------------------------------------------
    def issue_token(self, uow: UnitOfWork, username: str, name: str, *, days: int | None = None) -> IssuedToken:
        uow.require_admin()
        days = self.token_days if days is None else days
        if not 1 <= days <= MAX_TOKEN_DAYS:
            raise invalid("days", "out_of_range", f"有效期须为 1 至 {MAX_TOKEN_DAYS} 天",
                          f"days must be from 1 to {MAX_TOKEN_DAYS}")
        user = uow.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise invalid("username", "unknown_user", f"无此用户：{username}", f"no such user: {username}")
        token = new_token()
        now = uow.now()
        row = ApiToken(user_id=user.id, name=name, token_hash=token_digest(token), prefix=token[:10],
                       created_at=now, expires_at=now + timedelta(days=days))
        uow.session.add(row)
        uow.session.flush()
        uow.audit("token.issue", "user", user.id, None,
                  {"token_id": row.id, "name": name, "prefix": row.prefix, "expires_at": row.expires_at})
        return IssuedToken(token, row)

    def list_tokens(self, uow: UnitOfWork, username: str | None = None) -> list[ApiToken]:
        """An administrator sees anyone's tokens; everyone else only their own."""
        stmt = select(ApiToken).join(User).order_by(ApiToken.id)
        if not uow.actor.is_admin():
            if username is not None and username != uow.actor.username:
                raise Forbidden("只能查看自己的令牌", "You may list only your own tokens")
            username = uow.actor.username
        if username is not None:
            stmt = stmt.where(User.username == username)
        return list(uow.session.scalars(stmt))

    def revoke_token(self, uow: UnitOfWork, token_id: int) -> ApiToken:
        """An administrator revokes any token, a user their own; revoking twice changes nothing."""
        row = uow.session.get(ApiToken, token_id, with_for_update=True)
        # someone else's token is "not found" to a non-administrator: ids reveal nothing
        if row is None or (not uow.actor.is_admin() and row.user_id != uow.actor.user_id):
            raise NotFound("令牌", "token", token_id)
        if row.revoked_at is None:
            row.revoked_at = uow.now()
            uow.session.flush()
            uow.audit("token.revoke", "user", row.user_id, None, {"token_id": row.id, "prefix": row.prefix})
        return row

    def revoke_token_by_prefix(self, uow: UnitOfWork, username: str, prefix: str) -> ApiToken:
        matches = [t for t in self.list_tokens(uow, username) if t.prefix == prefix]
        if not matches:
            raise NotFound("令牌", "token", f"{username} {prefix}")
        if len(matches) > 1:
            raise Conflict(f"{username} 有多个以 {prefix} 开头的令牌，请按编号撤销",
                           f"{username} has several tokens starting {prefix}; revoke by id")
        return self.revoke_token(uow, matches[0].id)

    def authenticate_token(self, uow: UnitOfWork, token: str) -> Authenticated | None:
        row = uow.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
        now = uow.now()
        if row is None or row.revoked_at is not None or row.expires_at <= now or not row.user.active:
            return None
        stale = row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY
        return Authenticated(actor_of(row.user), row.id, stale)

    def touch_token(self, uow: UnitOfWork, token_id: int) -> None:
        uow.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=uow.now()))

    # ---- browser sessions ----------------------------------------------------------------------
    def login(self, uow: UnitOfWork, username: str, password: str, address: str,
              *, replacing: str | None = None) -> LoginResult:
        """Check a password under the throttle. Failures are recorded, not raised, so the caller's
        unit of work commits them; the caller answers 401 or 429 from the result."""
        s, now = uow.session, uow.now()
        rows = lock_rows(s, keys_for(username, address), now)
        wait = retry_after(rows, now)
        if wait is not None:
            return LoginResult(retry_after=wait)
        user = s.scalar(select(User).where(User.username == username))
        usable = user.password_hash if user is not None and user.active else None
        # hashed whether or not the user exists: how long this takes must not tell
        matches = check_password(password, usable)
        if user is None or not matches:
            for row in rows:
                record_failure(row, now, self.throttle)
                if row.locked_until is not None:  # one entry per lockout, however long the attack
                    uow.audit("login.locked", "login_throttle", row.key, None,
                              {"failures": row.failures, "locked_until": row.locked_until})
            return LoginResult()
        for row in rows:
            if row.key.startswith("user:"):
                reset(row)
        if replacing:  # a new login never keeps the session id it arrived with
            self.logout(uow, replacing)
        cookie = new_secret()
        web = WebSession(id=token_digest(cookie), user_id=user.id, csrf_token=new_secret(), created_at=now,
                         last_seen_at=now, expires_at=now + self.session_max, address=address[:64])
        s.add(web)
        s.flush()
        # from here on this unit of work acts for the user who has just proved who they are
        uow.actor = actor_of(user)
        uow.audit("user.login", "user", user.id, None, {"address": address})
        return LoginResult(uow.actor, cookie, web.csrf_token, expires_at=web.expires_at)

    def logout(self, uow: UnitOfWork, cookie: str) -> None:
        uow.session.execute(update(WebSession).where(WebSession.id == token_digest(cookie),
                                                     WebSession.revoked_at.is_(None))
                            .values(revoked_at=uow.now()))

    def authenticate_session(self, uow: UnitOfWork, cookie: str) -> Authenticated | None:
        row = uow.session.get(WebSession, token_digest(cookie))
        now = uow.now()
        if (row is None or row.revoked_at is not None or row.expires_at <= now
                or now - row.last_seen_at >= self.session_idle):
            return None
        user = uow.session.get(User, row.user_id)
        if user is None or not user.active:
            return None
        return Authenticated(actor_of(user), row.id, now - row.last_seen_at >= TOUCH_EVERY, row.csrf_token)

    def touch_session(self, uow: UnitOfWork, session_id: str) -> None:
        uow.session.execute(update(WebSession).where(WebSession.id == session_id)
                            .values(last_seen_at=uow.now()))

    # ---- what every user may change of their own ---------------------------------------------------
    def change_own_password(self, uow: UnitOfWork, current: str, new: str, *, keep_session: str | None) -> None:
        """A new password needs the current one (a session left open on a shared screen must not be
        enough to take the account over), and ends every other browser session of the user."""
        user = self._own(uow)
        if not check_password(current, user.password_hash):
            raise invalid("current_password", "wrong_password", "当前密码不正确", "the current password is wrong")
        _check_password(new)
        if check_password(new, user.password_hash):
            raise invalid("new_password", "unchanged", "新密码不能与当前密码相同",
                          "the new password must differ from the current one")
        user.password_hash = hash_password(new)
        now = uow.now()
        others = update(WebSession).where(WebSession.user_id == user.id, WebSession.revoked_at.is_(None))
        if keep_session:
            others = others.where(WebSession.id != token_digest(keep_session))
        uow.session.execute(others.values(revoked_at=now))
        uow.audit("user.password_changed", "user", user.id, None, {"by": "self"})

    def set_own_locale(self, uow: UnitOfWork, locale: str) -> None:
        if locale not in ("zh_CN", "en"):
            raise invalid("locale", "invalid_locale", "语言必须是 zh_CN 或 en", "locale must be zh_CN or en")
        user = self._own(uow)
        if user.locale != locale:
            before = _audited(user)
            user.locale = locale
            uow.audit("user.updated", "user", user.id, before, _audited(user))

    def _own(self, uow: UnitOfWork) -> User:
        if uow.actor.user_id is None:
            raise Forbidden("需要登录", "You need to log in")
        return _get_user(uow.session, uow.actor.user_id)


def _check_role(role: str) -> None:
    if role not in {r.value for r in Role}:
        raise invalid("role", "invalid_role", "角色必须是 clerk、legal、lawyer、sales 或 admin",
                      "role must be clerk, legal, lawyer, sales or admin")


def _check_employee_no(s: Session, employee_no: str | None, user_id: int | None) -> str | None:
    """The 工号 spreadsheets name a salesperson by: unique among users; blank is none."""
    number = (employee_no or "").strip()
    if not number:
        return None
    if len(number) > 32:
        raise invalid("employee_no", "too_long", "工号最多 32 个字符", "employee number: at most 32 characters")
    holder = s.scalar(select(User).where(User.employee_no == number))
    if holder is not None and holder.id != user_id:
        raise Conflict(f"工号 {number} 已属于用户 {holder.username}",
                       f"employee number {number} already belongs to user {holder.username}")
    return number


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise invalid("password", "too_short", "密码至少 8 位", "password must be at least 8 characters")


def _get_user(s: Session, user_id: int) -> User:
    user = s.get(User, user_id, with_for_update=True)
    if user is None:
        raise NotFound("用户", "user", user_id)
    return user


def _keep_an_admin(s: Session, leaving: int) -> None:
    """Nobody could manage users, tokens or reference data again without an active administrator.
    The other administrators' rows are locked, so two administrators demoting each other at once
    cannot both succeed."""
    others = s.scalars(select(User.id).where(User.role == Role.ADMIN.value, User.active.is_(True),
                                             User.id != leaving).with_for_update()).all()
    if not others:
        raise Conflict("这是最后一位有效的管理员：请先任命另一位管理员",
                       "This is the last active administrator: make someone else an administrator first",
                       [FieldProblem("role", "last_admin", "至少需要一位有效的管理员",
                                     "at least one active administrator is needed")])


def _audited(user: User) -> dict[str, object]:
    return {"display_name": user.display_name, "role": user.role, "email": user.email,
            "locale": user.locale, "active": user.active, "employee_no": user.employee_no}


def _end_sessions(s: Session, user_id: int, now: datetime) -> None:
    s.execute(update(WebSession).where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
              .values(revoked_at=now))
