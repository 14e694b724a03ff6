"""The /api/v1 blueprint: authentication, then the resource modules of each room.

A request is authenticated by a Bearer API token or by the browser session cookie, in a short
read-only unit of work of its own before the endpoint's; the last-used time is written (in
another short one) at most once a minute. Cookie-authenticated writes must also prove they come
from our own pages: an ``X-CSRF-Token`` header equal to the session's token (returned by login and
``GET /me``) and, when the browser sends one, an ``Origin``/``Referer`` of this site. Bearer
requests are exempt: a browser never adds that header by itself.
"""

from __future__ import annotations

from flask import Blueprint, Flask, g, request

from workflow.accounts.actor import ANONYMOUS
from workflow.errors import Unauthenticated
from workflow.web.api.base import core
from workflow.web.session import (  # noqa: F401  (re-exported: the accounts module and tests use them)
    CSRF_HEADER,
    SAFE_METHODS,
    SESSION_COOKIE,
    CsrfFailed,
    check_csrf,
    check_origin,
    session_actor,
)

# the login checks the origin itself and replaces any session it arrives with
_OWN_SESSION_HANDLING = frozenset({"api.accounts.login"})


def _authenticate() -> None:
    if request.endpoint in _OWN_SESSION_HANDLING:
        return
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        c = core()
        accounts = c.services.accounts
        with c.unit_of_work(ANONYMOUS, read_only=True) as u:
            auth = accounts.authenticate_token(u, header[7:].strip())
        if auth is None:
            raise Unauthenticated()
        if auth.stale:
            with c.unit_of_work(ANONYMOUS) as u:
                accounts.touch_token(u, int(auth.row_id))
        g.actor = auth.actor
        return
    # no cookie, or an ended or expired session: the request is anonymous, and endpoints say 401.
    # The actor is set before the CSRF check, so its message is in the user's language.
    if session_actor() is not None and request.method not in SAFE_METHODS:
        check_csrf(g.csrf_token)


def register(app: Flask) -> None:
    # the resource modules register their endpoints on import
    from workflow.web.api import accounts, calc, contracts, documents, imports, ledger, openapi, outbox, reports
    from workflow.web.api import bundles as bundle_api
    from workflow.web.api import cases as case_api
    from workflow.web.api import credit as credit_api
    from workflow.web.api import dunning as dunning_api
    from workflow.web.api import evidence as evidence_api
    from workflow.web.api import inbox as inbox_api
    from workflow.web.api import replies as replies_api

    api = Blueprint("api", __name__, url_prefix="/api/v1")
    api.before_request(_authenticate)
    for module in (accounts, ledger, imports, reports, calc, contracts, documents, case_api, dunning_api, outbox,
                   inbox_api, replies_api, bundle_api, evidence_api, credit_api, openapi):
        api.register_blueprint(module.bp)
    app.register_blueprint(api)
