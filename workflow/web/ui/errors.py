"""The desk's error pages: the same errors the API reports, drawn as a page in the user's language."""

from __future__ import annotations

import contextlib

from flask import Response, g, make_response, render_template, request

from workflow.errors import DomainError, Unauthenticated
from workflow.web.ui import i18n
from workflow.web.ui.page import login_redirect


def render_error(status: int, zh_title: str, en_title: str, problems: list[dict[str, str]]) -> Response:
    if g.get("actor") is None:
        from workflow.web.session import session_actor

        # the nav and the language of a logged-in user, also on a 404 no page handled;
        # the error page must be shown even if that fails
        with contextlib.suppress(Exception):
            session_actor()
    title = i18n.pick(zh_title, en_title)
    html = render_template("ui/error.html", status=status, title=title, problems=problems)
    return make_response(html, status)


def domain_error(exc: DomainError) -> Response:
    if isinstance(exc, Unauthenticated) and request.method == "GET":
        resp = login_redirect()
        assert isinstance(resp, Response)
        return resp
    loc = i18n.page_locale()
    problems = [p.as_dict(loc) for p in exc.problems]
    return render_error(exc.status, exc.message("zh_CN"), exc.message("en"), problems)
