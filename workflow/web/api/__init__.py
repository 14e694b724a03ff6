"""The /api/v1 blueprint: authentication, then the resource modules of each room.

A request is authenticated by a Bearer API token or by the browser session cookie, in a short
read-only unit of work of its own before the endpoint's; the last-used time is written (in
another short one) at most once a minute. Cookie-authenticated writes must also prove they come
from our own pages: an ``X-CSRF-Token`` header equal to the session's token (returned by login and
``GET /me``) and, when the browser sends one, an ``Origin``/``Referer`` of this site. Bearer
requests are exempt: a browser never adds that header by itself.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from flask import Blueprint, Flask, g, request

from workflow.accounts.actor import ANONYMOUS
from workflow.errors import DomainError, Unauthenticated
from workflow.web.api.base import core

SESSION_COOKIE = "dunning_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# the login checks the origin itself and replaces any session it arrives with
_OWN_SESSION_HANDLING = frozenset({"api.accounts.login"})


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


def _check_csrf(expected: str) -> None:
    check_origin()
    sent = request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailed(f"缺少或错误的 {CSRF_HEADER} 请求头（登录或 GET /api/v1/me 返回 csrf_token）",
                         f"Missing or wrong {CSRF_HEADER} header (login and GET /api/v1/me return csrf_token)")


def _authenticate() -> None:
    if request.endpoint in _OWN_SESSION_HANDLING:
        return
    c = core()
    accounts = c.services.accounts
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        with c.unit_of_work(ANONYMOUS, read_only=True) as u:
            auth = accounts.authenticate_token(u, header[7:].strip())
        if auth is None:
            raise Unauthenticated()
        if auth.stale:
            with c.unit_of_work(ANONYMOUS) as u:
                accounts.touch_token(u, int(auth.row_id))
        g.actor = auth.actor
        return
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return
    with c.unit_of_work(ANONYMOUS, read_only=True) as u:
        auth = accounts.authenticate_session(u, cookie)
    if auth is None:  # ended or expired: the request is anonymous, and endpoints say 401
        return
    g.actor = auth.actor  # before the CSRF check, so its message is in the user's language
    if request.method not in SAFE_METHODS:
        _check_csrf(auth.csrf_token or "")
    if auth.stale:
        with c.unit_of_work(ANONYMOUS) as u:
            accounts.touch_session(u, str(auth.row_id))
    g.csrf_token = auth.csrf_token


def register(app: Flask) -> None:
    # the resource modules register their endpoints on import
    from workflow.web.api import accounts, calc, contracts, documents, imports, ledger, openapi, outbox, reports
    from workflow.web.api import bundles as bundle_api
    from workflow.web.api import cases as case_api
    from workflow.web.api import dunning as dunning_api
    from workflow.web.api import evidence as evidence_api
    from workflow.web.api import inbox as inbox_api
    from workflow.web.api import replies as replies_api

    api = Blueprint("api", __name__, url_prefix="/api/v1")
    api.before_request(_authenticate)
    for module in (accounts, ledger, imports, reports, calc, contracts, documents, case_api, dunning_api, outbox,
                   inbox_api, replies_api, bundle_api, evidence_api, openapi):
        api.register_blueprint(module.bp)
    app.register_blueprint(api)
