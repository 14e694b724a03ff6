"""How a page of the desk is declared: login, role, CSRF and one unit of work, like the API's
``@endpoint`` (``workflow/web/api/base.py``), but answering HTML.

    @page(bp, "/cases", roles=ALL_ROLES)
    def cases() -> ResponseReturnValue:
        ...
        return render("ui/cases/list.html", page=...)

A visitor without a session is sent to the login page (and back afterwards); a role the page does
not admit gets the 403 page; every POST must carry the session's CSRF token (a hidden field, or the
``X-CSRF-Token`` header for the few scripted calls) from a page of this site. The handler runs in one
unit of work (read-only for a GET unless ``writes`` says otherwise), reachable as ``uow()``; a
``DomainError`` rolls it back and shows the error page in the user's language, naming each field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.errors import Forbidden
from workflow.web.api.base import core
from workflow.web.session import check_csrf, session_actor

ALL_ROLES = frozenset(Role)
# clerks, legal and admin: who works the ledger and the cases; lawyers see their assigned cases
STAFF = frozenset({Role.CLERK, Role.LEGAL, Role.ADMIN})
ADMINS = frozenset({Role.ADMIN})


@dataclass(frozen=True)
class NavItem:
    label: str  # English message id
    endpoint: str
    roles: frozenset[Role]
    order: int


NAV: list[NavItem] = []


def nav_item(label: str, endpoint: str, *, roles: Iterable[Role] = ALL_ROLES, order: int = 50) -> None:
    """Put a page in the top navigation for the roles that may open it."""
    if not any(item.endpoint == endpoint for item in NAV):
        NAV.append(NavItem(label, endpoint, frozenset(roles), order))
        NAV.sort(key=lambda item: item.order)


def nav_for(actor: Actor | None) -> list[NavItem]:
    if actor is None:
        return []
    return [item for item in NAV if actor.role in item.roles]


def safe_next(target: str | None) -> str:
    """Only a path on this site: a login link must not forward anyone elsewhere."""
    if not target:
        return url_for("ui_dashboard.dashboard")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("ui_dashboard.dashboard")
    return target


def login_redirect() -> ResponseReturnValue:
    here = request.full_path if request.query_string else request.path
    return redirect(url_for("ui_auth.login") + "?next=" + quote(here))


def actor() -> Actor:
    a: Actor | None = g.get("actor")
    if a is None:
        raise Forbidden("需要登录", "You need to log in")
    return a


def page(bp: Blueprint, rule: str, *, methods: Iterable[str] = ("GET",), roles: Iterable[Role] = ALL_ROLES,
         writes: bool | Callable[[], bool] | None = None,
         endpoint: str | None = None) -> Callable[[Callable[..., ResponseReturnValue]], Callable[..., Any]]:
    allowed = frozenset(roles)
    verbs = tuple(m.upper() for m in methods)

    def decorate(fn: Callable[..., ResponseReturnValue]) -> Callable[..., Any]:
        def view(**kwargs: Any) -> ResponseReturnValue:
            who = g.get("actor") or session_actor()
            if who is None:
                if request.method == "GET":
                    return login_redirect()
                raise Forbidden("登录已失效，请重新登录", "Your session has ended; log in again")
            if request.method not in ("GET", "HEAD"):
                check_csrf(g.get("csrf_token", ""), form_field=True)
            if who.role not in allowed:
                raise Forbidden("无权访问此页面", "You may not open this page")
            if callable(writes):
                writing = writes()
            else:
                writing = writes if writes is not None else request.method not in ("GET", "HEAD")
            try:
                with core().unit_of_work(who, read_only=not writing) as unit:
                    g.uow = unit
                    try:
                        result = fn(**kwargs)
                    finally:
                        g.pop("uow", None)
            except Refused as refused:
                return refused.response
            return result

        view.__name__ = fn.__name__
        bp.add_url_rule(rule, endpoint=endpoint or fn.__name__, view_func=view, methods=list(verbs))
        return fn

    return decorate


class Refused(Exception):
    """A handler raises this with the page to show when a service refused a form (a ``DomainError``
    caught to re-draw the form with what the user typed): the unit of work rolls back, so nothing
    the refused call wrote is kept and none of its after-commit work runs, and the page is shown."""

    def __init__(self, response: ResponseReturnValue) -> None:
        super().__init__("refused")
        self.response = response


def render(template: str, **context: Any) -> str:
    return render_template(template, **context)
