"""The application factory: the only place a Flask app is built."""

from __future__ import annotations

import atexit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from workflow.accounts import secret_key
from workflow.config import Settings
from workflow.core import Core, build_core


def create_app(settings: Settings | None = None, *, core: Core | None = None) -> Flask:
    if core is None:
        settings = settings or Settings.from_env()
        core = build_core(settings)
        # the app owns this Core: its helper processes (render worker, LibreOffice) end with us
        atexit.register(core.close)
    settings = core.settings
    settings.instance_path.mkdir(parents=True, exist_ok=True)

    # the desk serves its own assets (workflow/web/ui/static) under /static
    app = Flask("workflow", instance_path=str(settings.instance_path), static_folder=None)
    app.config.update(
        # one key for every worker process: the setting, or a file made once in the instance folder
        SECRET_KEY=settings.secret_key or secret_key.load_or_create(settings.instance_path),
        MAX_CONTENT_LENGTH=settings.max_upload_bytes,
        JSON_SORT_KEYS=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
    )
    if settings.trust_proxy:
        # one reverse proxy in front: its X-Forwarded-For is the client address (login throttling)
        # and its X-Forwarded-Proto says whether the user came over HTTPS (Secure cookies)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["dunning"] = core

    from workflow.web import problems, ui
    from workflow.web.api import register

    problems.install(app)
    register(app)
    ui.register(app)

    @app.get("/api/v1")
    def api_index() -> dict[str, object]:
        return {"name": "Dunning Desk 催款台", "api": "/api/v1", "openapi": "/api/v1/openapi.json",
                "login": "POST /api/v1/auth/login", "desk": "/"}

    return app
