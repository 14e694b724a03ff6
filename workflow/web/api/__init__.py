"""The /api/v1 blueprint: authentication, then the resource modules of each room."""

from __future__ import annotations

from flask import Blueprint, Flask, g, request, session

from workflow.web.api.base import core


def _authenticate() -> None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        g.actor = core().accounts.authenticate_token(header[7:].strip())
        return
    user_id = session.get("user_id")
    if isinstance(user_id, int):
        g.actor = core().accounts.actor_by_id(user_id)


def register(app: Flask) -> None:
    # the resource modules register their endpoints on import
    from workflow.web.api import accounts, calc, contracts, documents, imports, ledger, openapi, reports

    api = Blueprint("api", __name__, url_prefix="/api/v1")
    api.before_request(_authenticate)
    for module in (accounts, ledger, imports, reports, calc, contracts, documents, openapi):
        api.register_blueprint(module.bp)
    app.register_blueprint(api)

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        s = g.pop("db_session", None)
        if s is not None:
            s.close()
