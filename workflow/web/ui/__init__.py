"""The desk: the web pages clerks, legal staff and lawyers use, on the same services as the API.

Server-rendered Flask/Jinja pages, Chinese by default with an English switch (``i18n.py``), every
asset served by us (``static/``: one stylesheet, one small script, no CDN). Each area of the desk is
one module with its own blueprint (``ui_<area>``), its templates under ``templates/ui/<area>/`` and
its catalogue ``workflow/web/translations/zh_CN/LC_MESSAGES/<area>.po``. Pages are declared with
``page.page`` (login, role, CSRF, one unit of work); lists go through ``listing.py``; charts are
SVG drawn by ``charts.py``. Errors on pages are HTML pages in the user's language; under ``/api/``
they stay ``application/problem+json`` (``workflow/web/problems.py`` decides by the path).
"""

from __future__ import annotations

import importlib
from typing import Any

from flask import Blueprint, Flask, Response, g

from workflow.web.ui import format as fmt
from workflow.web.ui import i18n, labels
from workflow.web.ui.listing import url_with
from workflow.web.ui.page import nav_for

# the desk's areas, in the order their blueprints register
MODULES = (
    "workflow.web.ui.auth",
    "workflow.web.ui.dashboard",
    "workflow.web.ui.customers",
    "workflow.web.ui.contracts",
    "workflow.web.ui.templates_page",
    "workflow.web.ui.case",
    "workflow.web.ui.cases",
    "workflow.web.ui.cases_batch",
    "workflow.web.ui.money",
    "workflow.web.ui.triage",
    "workflow.web.ui.imports",
    "workflow.web.ui.settings",
    "workflow.web.ui.reports",
)

_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
        "object-src 'self'; frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'")


def _context() -> dict[str, Any]:
    who = g.get("actor")
    return {"actor": who, "nav": nav_for(who), "csrf_token": g.get("csrf_token", ""),
            "lang": i18n.page_locale(), "html_lang": i18n.html_lang(), "url_with": url_with,
            "is_zh": i18n.is_zh(), "pick": i18n.pick, "role_label": labels.role}


def _headers(resp: Response) -> Response:
    if resp.mimetype == "text/html":
        resp.headers.setdefault("Content-Security-Policy", _CSP)
        resp.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        # pages show debtors' data: never kept by a shared proxy or the browser's back-forward cache
        resp.headers.setdefault("Cache-Control", "no-store")
    return resp


def register(app: Flask) -> None:
    core = app.extensions["dunning"]
    i18n.install(app)
    fmt.install(app, core.settings.tz)
    assets = Blueprint("ui", __name__, static_folder="static", static_url_path="/static",
                       template_folder="templates")
    app.register_blueprint(assets)
    app.context_processor(_context)
    # globals, not context: macros imported without context (``ui/macros.html``) need them too
    app.jinja_env.globals.update(url_with=url_with)
    app.after_request(_headers)
    for name in MODULES:
        module = importlib.import_module(name)
        app.register_blueprint(module.bp)
