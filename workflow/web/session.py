"""The browser session behind the cookie, shared by the JSON API and the pages.

The cookie is looked up in a short read-only unit of work of its own, before the request's; the
last-seen time is written (in another short one) at most once a minute. The session's CSRF token is
kept in ``g`` for the forms and the API's ``GET /me``.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from flask import g, request

from workflow.accounts.actor import ANONYMOUS, Actor
from workflow.errors import DomainError

SESSION_COOKIE = "dunning_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfFailed(DomainError):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(zh, en, [], 403, "csrf_failed")


def check_origin() -> None:
    """Refuse a request whose browser says it was sent by another site's page."""
    origin = request.headers.get("Origin")
    if origin is None and request.referrer:
        parts = urlsplit(request.referrer)
        origin = f"{parts.scheme}://{parts.netloc}"
    if origin is not None and origin.rstrip("/") != request.host_url.rstrip("/"):
        raise CsrfFailed(f"请求来自其他网站（{origin}），已拒绝", f"Request from another site ({origin}) refused")


def check_csrf(expected: str, *, form_field: bool = False) -> None:
    """The API takes the token in a header; our pages' forms send it as a hidden field."""
    check_origin()
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and form_field:
        sent = request.form.get(CSRF_FIELD, "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailed(f"缺少或错误的 {CSRF_HEADER} 请求头（登录或 GET /api/v1/me 返回 csrf_token）",
                         f"Missing or wrong {CSRF_HEADER} header (login and GET /api/v1/me return csrf_token)")


def session_actor() -> Actor | None:
    """The actor of a live browser session, or None (no cookie, ended, expired, user disabled)."""
    from workflow.web.api.base import core

    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    c = core()
    with c.unit_of_work(ANONYMOUS, read_only=True) as u:
        auth = c.services.accounts.authenticate_session(u, cookie)
    if auth is None:
        return None
    if auth.stale:
        with c.unit_of_work(ANONYMOUS) as u:
            c.services.accounts.touch_session(u, str(auth.row_id))
    g.actor = auth.actor
    g.csrf_token = auth.csrf_token or ""
    return auth.actor
