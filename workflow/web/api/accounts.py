"""API resources: login and logout, the current user, users and API tokens, the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from pydantic import Field

from workflow.accounts.actor import ANONYMOUS, Actor
from workflow.accounts.models import ApiToken, User
from workflow.errors import Unauthenticated
from workflow.web.api.base import ADMINS, PageQuery, StrictModel, core, endpoint, uow
from workflow.web.api.base import session as db_session
from workflow.web.api.responses import AuditCheck, MeOut, TokenInfo, TokenList, TokenOut, UserList, UserOut
from workflow.web.problems import problem_response, request_locale
from workflow.web.session import SESSION_COOKIE, check_origin

bp = Blueprint("accounts", __name__)


class LoginIn(StrictModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class UserIn(StrictModel):
    username: str = Field(min_length=2, max_length=64)
    display_name: str = Field(min_length=1, max_length=200)
    role: str = Field(pattern="^(clerk|legal|lawyer|sales|admin)$")
    password: str | None = Field(None, min_length=8, max_length=200)
    email: str | None = Field(None, max_length=254)
    locale: str = Field("zh_CN", pattern="^(zh_CN|en)$")
    employee_no: str | None = Field(None, max_length=32, description="工号: how spreadsheets name a salesperson")


class UserPatch(StrictModel):
    """Only the fields sent are changed. A new password or ``active: false`` ends the user's
    browser sessions."""

    display_name: str | None = Field(None, min_length=1, max_length=200)
    role: str | None = Field(None, pattern="^(clerk|legal|lawyer|sales|admin)$")
    password: str | None = Field(None, min_length=8, max_length=200)
    email: str | None = Field(None, max_length=254)
    locale: str | None = Field(None, pattern="^(zh_CN|en)$")
    employee_no: str | None = Field(None, max_length=32, description="工号; an empty string removes it")
    active: bool | None = None


class TokenIn(StrictModel):
    username: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=100)
    days: int | None = Field(None, ge=1, le=3650, description="lifetime in days (default DUNNING_TOKEN_DAYS)")


class TokenQuery(PageQuery):
    username: str | None = Field(None, max_length=64, description="whose tokens (administrators only)")


def _user(u: User) -> dict[str, Any]:
    return {"id": u.id, "username": u.username, "display_name": u.display_name, "role": u.role,
            "email": u.email, "locale": u.locale, "active": u.active, "employee_no": u.employee_no}


def _when(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def _token(t: ApiToken) -> dict[str, Any]:
    """Everything about a token except the secret, which is never kept."""
    return {"id": t.id, "username": t.user.username, "name": t.name, "prefix": t.prefix,
            "created_at": _when(t.created_at), "last_used_at": _when(t.last_used_at),
            "expires_at": _when(t.expires_at), "revoked_at": _when(t.revoked_at)}


def _cookie_secure() -> bool:
    # request.is_secure honours X-Forwarded-Proto only behind ProxyFix (DUNNING_TRUST_PROXY)
    return core().settings.secure_cookies or request.is_secure


@bp.post("/auth/login")
def login() -> Any:
    # login is the one write that needs no actor: parse by hand with the same model
    from workflow.web.api.base import _parse_body

    body = _parse_body(LoginIn)
    assert isinstance(body, LoginIn)
    check_origin()  # a forged login would put the victim in the attacker's account
    c = core()
    with c.unit_of_work(ANONYMOUS) as u:
        result = c.services.accounts.login(u, body.username, body.password, request.remote_addr or "",
                                           replacing=request.cookies.get(SESSION_COOKIE))
    if result.retry_after is not None:
        loc = request_locale()
        title = (f"登录失败次数过多，请 {result.retry_after} 秒后再试" if loc == "zh_CN" else
                 f"Too many failed logins; try again in {result.retry_after} seconds")
        resp = problem_response(429, title, "too_many_attempts", retry_after=result.retry_after)
        resp.headers["Retry-After"] = str(result.retry_after)
        return resp
    if result.actor is None or result.cookie is None:
        raise Unauthenticated()
    resp = jsonify({"username": result.actor.username, "role": result.actor.role.value,
                    "csrf_token": result.csrf_token})
    resp.set_cookie(SESSION_COOKIE, result.cookie, expires=result.expires_at, path="/", httponly=True,
                    samesite="Lax", secure=_cookie_secure())
    return resp


@bp.post("/auth/logout")
def logout() -> Response:
    # a live session has passed the CSRF check in _authenticate; an ended one has nothing to end
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        c = core()
        with c.unit_of_work(ANONYMOUS) as u:
            c.services.accounts.logout(u, cookie)
    resp = jsonify({"ok": True})
    resp.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Lax", secure=_cookie_secure())
    return resp


@endpoint(bp, "GET", "/me", summary="The current user (with the CSRF token of a browser session)",
          response=MeOut)
def me(actor: Actor) -> Any:
    out: dict[str, Any] = {"username": actor.username, "role": actor.role.value, "locale": actor.locale}
    if g.get("csrf_token"):
        out["csrf_token"] = g.csrf_token
    return out


@endpoint(bp, "GET", "/users", summary="List users", roles=ADMINS, response=UserList)
def list_users(actor: Actor) -> Any:
    return {"items": [_user(u) for u in core().services.accounts.list_users(uow())]}


@endpoint(bp, "POST", "/users", summary="Create a user", roles=ADMINS, body=UserIn,
          responses={"201": "Created"}, response=UserOut)
def create_user(actor: Actor, body: UserIn) -> Any:
    u = core().services.accounts.create_user(uow(), **body.model_dump())
    return _user(u), 201


@endpoint(bp, "PATCH", "/users/{user_id}", summary="Change a user (a new password or deactivation logs them out)",
          roles=ADMINS, body=UserPatch, path_params={"user_id": "integer"},
          responses={"200": "OK", "404": "No such user"}, response=UserOut)
def update_user(actor: Actor, body: UserPatch, user_id: int) -> Any:
    u = core().services.accounts.update_user(uow(), user_id, **body.model_dump(exclude_unset=True))
    return _user(u)


@endpoint(bp, "GET", "/tokens", summary="List API tokens (administrators: anyone's; others: their own)",
          query=TokenQuery, response=TokenList)
def list_tokens(actor: Actor, query: TokenQuery) -> Any:
    rows = core().services.accounts.list_tokens(uow(), query.username)
    start = (query.page - 1) * query.per_page
    return {"items": [_token(t) for t in rows[start:start + query.per_page]], "total": len(rows),
            "page": query.page, "per_page": query.per_page}


@endpoint(bp, "POST", "/tokens", summary="Issue an API token (shown once)", roles=ADMINS, body=TokenIn,
          responses={"201": "Created"}, response=TokenOut)
def issue_token(actor: Actor, body: TokenIn) -> Any:
    issued = core().services.accounts.issue_token(uow(), body.username, body.name, days=body.days)
    return {"token": issued.token, **_token(issued.row)}, 201


@endpoint(bp, "DELETE", "/tokens/{token_id}", summary="Revoke an API token (administrators, or its owner)",
          path_params={"token_id": "integer"}, responses={"200": "Revoked", "404": "No such token"}, response=TokenInfo)
def revoke_token(actor: Actor, token_id: int) -> Any:
    return _token(core().services.accounts.revoke_token(uow(), token_id))


@endpoint(bp, "GET", "/audit/verify", roles=ADMINS, response=AuditCheck,
          summary="Verify the audit log: every entry's hash and link and the signed checkpoints; lists every break")
def audit_verify(actor: Actor) -> Any:
    return core().audit.verify(db_session()).as_dict()
