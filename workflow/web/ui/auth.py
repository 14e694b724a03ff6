"""Logging in and out, changing one's password, and switching the desk's language.

The login form uses the same server-side sessions and throttle as the API's login (issue 9's
``web_session`` and ``login_throttle``): a page login is one more way to start a session, not a
second kind of session. A login form is protected from cross-site posting by a token kept in the
signed pre-login cookie and by the Origin check (a forged login would put the victim in the
attacker's account).
"""

from __future__ import annotations

import hmac
import secrets

from flask import Blueprint, flash, g, make_response, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from workflow.accounts.actor import ANONYMOUS
from workflow.errors import DomainError
from workflow.web.api.accounts import _cookie_secure
from workflow.web.api.base import core, uow
from workflow.web.session import SESSION_COOKIE, CsrfFailed, check_csrf, check_origin, session_actor
from workflow.web.ui import i18n
from workflow.web.ui.page import page, render, safe_next

bp = Blueprint("ui_auth", __name__)

LOGIN_TOKEN = "login_csrf"
MAX_FIELD = 200


def _login_token() -> str:
    token = session.get(LOGIN_TOKEN)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session[LOGIN_TOKEN] = token
    return token


def _login_page(status: int = 200, error: str | None = None, username: str = "") -> tuple[str, int]:
    html = render("ui/auth/login.html", login_token=_login_token(), error=error, username=username,
                  next=request.values.get("next", ""))
    return html, status


@bp.get("/login")
def login() -> ResponseReturnValue:
    if session_actor() is not None:
        return redirect(safe_next(request.args.get("next")))
    return _login_page()


@bp.post("/login")
def login_post() -> ResponseReturnValue:
    check_origin()
    sent = request.form.get("login_token", "")
    expected = session.get(LOGIN_TOKEN)
    if not isinstance(expected, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailed("登录表单已过期，请重新打开登录页面", "The login form has expired; open the login page again")
    username = request.form.get("username", "").strip()[:64]
    password = request.form.get("password", "")[:MAX_FIELD]
    if not username or not password:
        return _login_page(422, _("Enter your user name and password."), username)
    c = core()
    with c.unit_of_work(ANONYMOUS) as u:
        result = c.services.accounts.login(u, username, password, request.remote_addr or "",
                                           replacing=request.cookies.get(SESSION_COOKIE))
    if result.retry_after is not None:
        refused = make_response(*_login_page(
            429, _("Too many failed logins. Try again in %(seconds)s seconds.", seconds=result.retry_after),
            username))
        refused.headers["Retry-After"] = str(result.retry_after)
        return refused
    if result.actor is None or result.cookie is None:
        return _login_page(401, _("Wrong user name or password."), username)
    session.pop(LOGIN_TOKEN, None)
    resp = redirect(safe_next(request.form.get("next")), code=303)
    resp.set_cookie(SESSION_COOKIE, result.cookie, expires=result.expires_at, path="/", httponly=True,
                    samesite="Lax", secure=_cookie_secure())
    return resp


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and session_actor() is not None:
        check_csrf(g.get("csrf_token", ""), form_field=True)
        c = core()
        with c.unit_of_work(ANONYMOUS) as u:
            c.services.accounts.logout(u, cookie)
    resp = redirect(url_for("ui_auth.login"), code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Lax", secure=_cookie_secure())
    return resp


@page(bp, "/account/password", methods=("GET", "POST"))
def password() -> ResponseReturnValue:
    errors: dict[str, str] = {}
    if request.method == "POST":
        new, again = request.form.get("new_password", ""), request.form.get("new_password_again", "")
        if new != again:
            errors["new_password_again"] = _("The two new passwords differ.")
        else:
            try:
                core().services.accounts.change_own_password(
                    uow(), request.form.get("current_password", "")[:MAX_FIELD], new[:MAX_FIELD],
                    keep_session=request.cookies.get(SESSION_COOKIE))
            except DomainError as exc:
                # refused before anything changed: the unit of work has nothing to undo
                loc = i18n.page_locale()
                errors.update({p.field: p.as_dict(loc)["message"] for p in exc.problems} or
                              {"": exc.message(loc)})
            else:
                flash(_("Your password has been changed. Your other sessions have been logged out."), "ok")
                return redirect(url_for("ui_auth.password"), code=303)
        return render("ui/auth/password.html", errors=errors), 422
    return render("ui/auth/password.html", errors=errors)


@bp.post("/lang")
def switch_language() -> ResponseReturnValue:
    """The switch sets a cookie for this browser and, for a logged-in user, their profile's language
    (which their notification emails follow too)."""
    lang = request.form.get("lang", "")
    if lang not in i18n.LOCALES:
        lang = "zh_CN"
    who = session_actor()
    if who is not None:
        check_csrf(g.get("csrf_token", ""), form_field=True)
        c = core()
        with c.unit_of_work(who) as u:
            c.services.accounts.set_own_locale(u, lang)
    else:
        check_origin()
    resp = redirect(safe_next(request.form.get("next")), code=303)
    resp.set_cookie(i18n.LANG_COOKIE, lang, max_age=365 * 24 * 3600, path="/", samesite="Lax",
                    secure=_cookie_secure())
    return resp

