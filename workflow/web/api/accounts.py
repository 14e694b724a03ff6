"""API resources: login, the current user, users and API tokens, the audit log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, session
from pydantic import Field

from workflow.accounts.actor import Actor
from workflow.accounts.models import User
from workflow.audit.service import AuditLog
from workflow.web.api.base import ADMINS, StrictModel, core, endpoint
from workflow.web.api.base import session as db_session

bp = Blueprint("accounts", __name__)


class LoginIn(StrictModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class UserIn(StrictModel):
    username: str = Field(min_length=2, max_length=64)
    display_name: str = Field(min_length=1, max_length=200)
    role: str = Field(pattern="^(clerk|legal|lawyer|admin)$")
    password: str | None = Field(None, min_length=8, max_length=200)
    email: str | None = Field(None, max_length=254)
    locale: str = Field("zh_CN", pattern="^(zh_CN|en)$")


class TokenIn(StrictModel):
    username: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=100)


def _user(u: User) -> dict[str, Any]:
    return {"id": u.id, "username": u.username, "display_name": u.display_name, "role": u.role,
            "email": u.email, "locale": u.locale, "active": u.active}


@bp.post("/auth/login")
def login() -> Any:
    # login is the one write that needs no actor: parse by hand with the same model
    from workflow.web.api.base import _parse_body

    body = _parse_body(LoginIn)
    assert isinstance(body, LoginIn)
    actor = core().accounts.authenticate_password(body.username, body.password)
    session.clear()
    session["user_id"] = actor.user_id
    return {"username": actor.username, "role": actor.role.value}


@bp.post("/auth/logout")
def logout() -> Any:
    session.clear()
    return {"ok": True}


@endpoint(bp, "GET", "/me", summary="The current user")
def me(actor: Actor) -> Any:
    return {"username": actor.username, "role": actor.role.value, "locale": actor.locale}


@endpoint(bp, "GET", "/users", summary="List users", roles=ADMINS)
def list_users(actor: Actor) -> Any:
    return {"items": [_user(u) for u in core().accounts.list_users(db_session())]}


@endpoint(bp, "POST", "/users", summary="Create a user", roles=ADMINS, body=UserIn,
          responses={"201": "Created"})
def create_user(actor: Actor, body: UserIn) -> Any:
    u = core().accounts.create_user(actor, **body.model_dump())
    return _user(u), 201


@endpoint(bp, "POST", "/tokens", summary="Issue an API token (shown once)", roles=ADMINS, body=TokenIn,
          responses={"201": "Created"})
def issue_token(actor: Actor, body: TokenIn) -> Any:
    return {"token": core().accounts.issue_token(actor, body.username, body.name)}, 201


@endpoint(bp, "GET", "/audit/verify", summary="Verify the audit log's hash chain", roles=ADMINS)
def audit_verify(actor: Actor) -> Any:
    check = AuditLog.verify(db_session())
    return {"ok": check.ok, "entries": check.entries, "first_bad_id": check.first_bad_id, "reason": check.reason}
