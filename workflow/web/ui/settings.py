"""Settings: dunning policies and their levels, the lawful-contact hours and caps, users and roles, API
tokens. Administrators only, except the policies, which the legal team edits too (as in the API).

Every change goes through the service the API and the CLI use (``workflow.cases.policy``,
``core().services.accounts``), so the rules and the audit entries are the same; a refused change
shows the form again with what was typed and each field's message. The contact hours and caps are
deployment settings (``DUNNING_CONTACT_*``): shown here, changed in the environment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import Select, false, or_, select, true

from workflow.accounts.models import ApiToken, Role, User
from workflow.accounts.service import MAX_TOKEN_DAYS
from workflow.cases import policy as policies
from workflow.config import describe
from workflow.errors import DomainError, NotFound
from workflow.web.api.base import core, uow
from workflow.web.ui import i18n, labels, listing
from workflow.web.ui.listing import Column
from workflow.web.ui.page import ADMINS, Refused, actor, nav_item, page, render

bp = Blueprint("ui_settings", __name__)
EDITORS = frozenset(policies.POLICY_EDITORS)  # administrators and legal
nav_item("Settings", "ui_settings.index", roles=EDITORS, order=90)

MAX_FIELD = 300
NUMBER = re.compile(r"-?\d{1,6}")
# empty rows under a policy's levels, to add levels without a script
SPARE_ROWS = 2
FIRM_FIELDS = (("name", lazy_gettext("Law firm")), ("name_en", lazy_gettext("Law firm (English)")),
               ("address", lazy_gettext("Address")), ("address_en", lazy_gettext("Address (English)")),
               ("phone", lazy_gettext("Phone")), ("email", lazy_gettext("Email message")))
LAWYER_FIELDS = (("name", lazy_gettext("Lawyer")), ("name_en", lazy_gettext("Lawyer (English)")),
                 ("licence_no", lazy_gettext("Licence number")), ("phone", lazy_gettext("Phone")),
                 ("email", lazy_gettext("Email message")))
KINDS = labels.LETTER_KINDS
LOCALES = {"zh_CN": "中文", "en": "English"}


def _text(name: str, limit: int = MAX_FIELD) -> str:
    return request.form.get(name, "").strip()[:limit]


def _problems(exc: DomainError) -> dict[str, str]:
    loc = i18n.page_locale()
    found = {p.field: p.as_dict(loc)["message"] for p in exc.problems}
    return found or {"": exc.message(loc)}


# ---- the index ------------------------------------------------------------------------------------

@page(bp, "/settings", roles=EDITORS)
def index() -> ResponseReturnValue:
    return render("ui/settings/index.html", admin=actor().role is Role.ADMIN)


# ---- dunning policies -----------------------------------------------------------------------------

@dataclass
class LevelRow:
    """One row of the levels table as the form shows it (strings as typed)."""

    offset: str = ""
    kind: str = ""
    approval: bool = False
    credit_hold: bool = False
    law_firm: dict[str, str] | None = None
    lawyer: dict[str, str] | None = None

    @classmethod
    def of(cls, level: Mapping[str, Any]) -> LevelRow:
        return cls(str(level.get("offset", "")), str(level.get("kind", "")), bool(level.get("approval")),
                   bool(level.get("credit_hold")), dict(level.get("law_firm") or {}) or None,
                   dict(level.get("lawyer") or {}) or None)

    @property
    def empty(self) -> bool:
        return not (self.offset or self.kind or self.law_firm or self.lawyer)

    def as_level(self) -> dict[str, Any]:
        # a number, else as typed: the policy rules say what is wrong with it, naming the field
        offset: Any = int(self.offset) if NUMBER.fullmatch(self.offset) else self.offset
        out: dict[str, Any] = {"offset": offset, "kind": self.kind, "channel": "email", "approval": self.approval,
                               "credit_hold": self.credit_hold}
        if self.law_firm or self.lawyer:
            out["law_firm"] = dict(self.law_firm or {})
            out["lawyer"] = dict(self.lawyer or {})
        return out


def _block(prefix: str, fields: tuple[tuple[str, Any], ...]) -> dict[str, str] | None:
    values = {key: _text(f"{prefix}-{key}") for key, _label in fields}
    return values if any(values.values()) else None


def _level_rows() -> list[LevelRow]:
    count = min(int(n) if (n := request.form.get("rows", "0")).isdigit() else 0, policies.MAX_LEVELS + SPARE_ROWS)
    rows = []
    for i in range(count):
        p = f"levels-{i}"
        rows.append(LevelRow(_text(f"{p}-offset", 10), _text(f"{p}-kind", 40), bool(request.form.get(f"{p}-approval")),
                             bool(request.form.get(f"{p}-credit_hold")), _block(f"{p}-law_firm", FIRM_FIELDS),
                             _block(f"{p}-lawyer", LAWYER_FIELDS)))
    return rows


def _grace() -> Any:
    raw = _text("promise_grace_days", 10)
    try:
        return int(raw)
    except ValueError:
        return raw  # the policy rules refuse it, naming the field


def _policy_errors(exc: DomainError, used: list[int]) -> dict[str, str]:
    """The service names a level by its place in the list it got (``levels[2].offset``); the form
    names it by its row (blank rows are left out of the list)."""
    out: dict[str, str] = {}
    for where, message in _problems(exc).items():
        if where.startswith("levels[") and "]" in where:
            index, rest = where[len("levels["):].split("]", 1)
            if index.isdigit() and int(index) < len(used):
                where = f"levels-{used[int(index)]}{rest.replace('.', '-')}"
        out[where] = message
    return out


def _where(field: str) -> str:
    """A form field's name as the error list says it: 'Level row 3 · Law firm · Address'."""
    top = {"name": _("Policy name"), "promise_grace_days": _("Promise grace (working days)"), "levels": _("Levels")}
    if not field.startswith("levels-"):
        return str(top.get(field, field))
    _levels, row, *rest = field.split("-")
    parts = [_("Level row %(n)s", n=int(row) + 1) if row.isdigit() else row]
    names = {"offset": _("Offset"), "kind": _("Document"), "approval": _("Needs approval"),
             "credit_hold": _("Credit hold"), "law_firm": _("Law firm"), "lawyer": _("Lawyer")}
    if rest:
        parts.append(str(names.get(rest[0], rest[0])))
    if len(rest) > 1 and rest[1] != "name":
        labels_of = dict(FIRM_FIELDS if rest[0] == "law_firm" else LAWYER_FIELDS)
        parts.append(str(labels_of.get(rest[1], rest[1])))
    return " · ".join(parts)


def _policy_form(policy_id: int | None, form: dict[str, Any], rows: list[LevelRow], errors: Mapping[str, str],
                 ) -> str:
    shown = [*rows, *(LevelRow() for _i in range(SPARE_ROWS))] if not errors else rows
    summary = [(_where(field) if field else "", message) for field, message in errors.items()]
    return render("ui/settings/policy.html", policy_id=policy_id, form=form, rows=shown, errors=errors, summary=summary,
                  kinds=KINDS, firm_fields=FIRM_FIELDS, lawyer_fields=LAWYER_FIELDS, max_grace=policies.MAX_GRACE_DAYS,
                  max_offset=policies.MAX_OFFSET)


def _save_policy(policy_id: int | None) -> ResponseReturnValue:
    rows = _level_rows()
    used = [i for i, row in enumerate(rows) if not row.empty]
    form: dict[str, Any] = {"name": _text("name", 100), "promise_grace_days": _text("promise_grace_days", 10),
                            "is_default": bool(request.form.get("is_default"))}
    levels = [rows[i].as_level() for i in used]
    try:
        if policy_id is None:
            saved = policies.create_policy(uow(), name=form["name"], levels=levels, promise_grace_days=_grace(),
                                           is_default=form["is_default"])
        else:
            saved = policies.update_policy(uow(), policy_id, name=form["name"], levels=levels,
                                           promise_grace_days=_grace())
    except DomainError as exc:
        errors = _policy_errors(exc, used)
        raise Refused((_policy_form(policy_id, form, rows, errors), 422)) from exc
    flash(_("The policy “%(name)s” has been saved.", name=saved.name), "ok")
    return redirect(url_for("ui_settings.policies_list"), code=303)


@page(bp, "/settings/policies", roles=EDITORS)
def policies_list() -> ResponseReturnValue:
    s = uow().session
    counts = policies.assigned_counts(s)
    items = [{"policy": p, "customers": counts.get(p.id, 0), "levels": [LevelRow.of(lv) for lv in p.levels]}
             for p in policies.list_policies(s)]
    return render("ui/settings/policies.html", items=items, kinds=KINDS, shipped=policies.default_ladder())


@page(bp, "/settings/policies/new", methods=("GET", "POST"), roles=EDITORS)
def policy_new() -> ResponseReturnValue:
    if request.method == "POST":
        return _save_policy(None)
    rows = [LevelRow.of(lv) for lv in policies.DEFAULT_LEVELS]
    return _policy_form(None, {"name": "", "promise_grace_days": str(policies.DEFAULT_GRACE_DAYS)}, rows, {})


@page(bp, "/settings/policies/<int:policy_id>", methods=("GET", "POST"), roles=EDITORS)
def policy_edit(policy_id: int) -> ResponseReturnValue:
    p = policies.get_policy(uow().session, policy_id)
    if request.method == "POST":
        return _save_policy(p.id)
    form = {"name": p.name, "promise_grace_days": str(p.promise_grace_days), "is_default": p.is_default}
    return _policy_form(p.id, form, [LevelRow.of(lv) for lv in p.levels], {})


@page(bp, "/settings/policies/<int:policy_id>/default", methods=("POST",), roles=EDITORS)
def policy_default(policy_id: int) -> ResponseReturnValue:
    p = policies.set_default(uow(), policy_id)
    flash(_("“%(name)s” is now the default policy.", name=p.name), "ok")
    return redirect(url_for("ui_settings.policies_list"), code=303)


@page(bp, "/settings/policies/<int:policy_id>/delete", methods=("POST",), roles=EDITORS)
def policy_delete(policy_id: int) -> ResponseReturnValue:
    name = policies.get_policy(uow().session, policy_id).name
    policies.delete_policy(uow(), policy_id)
    flash(_("The policy “%(name)s” has been deleted.", name=name), "ok")
    return redirect(url_for("ui_settings.policies_list"), code=303)


# ---- contact hours and caps -----------------------------------------------------------------------

CONTACT_VARIABLES = ("DUNNING_CONTACT_START_HOUR", "DUNNING_CONTACT_END_HOUR", "DUNNING_CONTACT_MAX_PER_DAY",
                     "DUNNING_CONTACT_MAX_PER_7_DAYS", "DUNNING_RUN_HOUR", "DUNNING_TIMEZONE")


@page(bp, "/settings/contact", roles=ADMINS)
def contact() -> ResponseReturnValue:
    rows = {r.variable: r for r in describe(core().settings)}
    shown = [(name, rows[name].value, rows[name].note(i18n.page_locale()).strip("（）()"))
             for name in CONTACT_VARIABLES if name in rows]
    return render("ui/settings/contact.html", rows=shown)


# ---- users ------------------------------------------------------------------------------------------

ROLE_CODES = tuple(r.value for r in Role)


def _user_columns() -> list[Column]:
    return [
        Column("username", "User name", User.username),
        Column("display_name", "Name", User.display_name),
        Column("role", "Role", User.role, value=lambda u: labels.role(u.role)),
        Column("employee_no", "Employee number", User.employee_no),
        Column("email", "Email", User.email),
        Column("locale", "Language", User.locale, value=lambda u: LOCALES.get(u.locale, u.locale)),
        Column("active", "Active", User.active, value=lambda u: _("Yes") if u.active else _("No")),
        Column("created_at", "Created", User.created_at, kind="moment"),
    ]


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _user_query() -> Select[Any]:
    stmt = select(User)
    text = request.args.get("q", "").strip()[:100]
    if text:
        pattern = _like(text)
        stmt = stmt.where(or_(User.username.ilike(pattern, escape="\\"), User.display_name.ilike(pattern, escape="\\"),
                              User.email.ilike(pattern, escape="\\"), User.employee_no == text))
    if request.args.get("role") in ROLE_CODES:
        stmt = stmt.where(User.role == request.args["role"])
    active = request.args.get("active", "")
    if active in ("yes", "no"):
        stmt = stmt.where(User.active.is_(true() if active == "yes" else false()))
    return stmt


def _writes() -> bool:
    """A posted form writes; so does an export (it is audited)."""
    return request.method == "POST" or listing.wants_export()


def _new_user_form() -> dict[str, Any]:
    return {"username": "", "display_name": "", "role": "clerk", "email": "", "locale": "zh_CN", "employee_no": ""}


def _users_page(form: dict[str, Any], errors: Mapping[str, str]) -> str:
    unit = uow()
    columns = _user_columns()
    state = listing.list_state(columns, "username", default_desc=False)
    result = listing.paginate(unit.session, _user_query(), columns, state, tiebreak=User.id, convert=lambda r: r[0])
    return render("ui/settings/users.html", page=result, columns={c.key: c for c in columns}, roles=ROLE_CODES,
                  locales=LOCALES, form=form, errors=errors)


@page(bp, "/settings/users", methods=("GET", "POST"), roles=ADMINS, writes=_writes)
def users() -> ResponseReturnValue:
    unit = uow()
    if request.method == "POST":
        form = {"username": _text("username", 64), "display_name": _text("display_name", 200),
                "role": _text("role", 16), "email": _text("email", 254), "locale": _text("locale", 8),
                "employee_no": _text("employee_no", 40)}
        password, again = request.form.get("password", "")[:MAX_FIELD], request.form.get("password_again", "")
        errors: dict[str, str] = {}
        if not form["display_name"]:
            errors["display_name"] = _("Enter the person's name.")
        if form["locale"] not in LOCALES:
            errors["locale"] = _("Choose Chinese or English.")
        if password != again[:MAX_FIELD]:
            errors["password_again"] = _("The two passwords differ.")
        if not errors:
            try:
                user = core().services.accounts.create_user(
                    unit, username=form["username"], display_name=form["display_name"], role=form["role"],
                    password=password or None, email=form["email"] or None, locale=form["locale"],
                    employee_no=form["employee_no"] or None)
            except DomainError as exc:
                errors = _problems(exc)
            else:
                flash(_("User %(name)s has been created.", name=user.username), "ok")
                return redirect(url_for("ui_settings.user", user_id=user.id), code=303)
        raise Refused((_users_page(form, errors), 422))
    if listing.wants_export():
        columns = _user_columns()
        state = listing.list_state(columns, "username", default_desc=False)
        rows = listing.export_rows(unit.session, _user_query(), columns, state, tiebreak=User.id,
                                   convert=lambda r: r[0])
        unit.audit("export", "user", "list", None, {"rows": len(rows), "filters": request.args.to_dict()})
        return listing.xlsx_response(f"{_('Users')}-{unit.today().isoformat()}.xlsx", columns, rows, sheet=_("Users"))
    return _users_page(_new_user_form(), {})


def _user_page(user: User, form: dict[str, Any], errors: Mapping[str, str]) -> str:
    tokens = list(uow().session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))
    return render("ui/settings/user.html", user=user, form=form, errors=errors, roles=ROLE_CODES, locales=LOCALES,
                  tokens=tokens, now=uow().now(), is_self=user.id == actor().user_id)


def _user_form(user: User) -> dict[str, Any]:
    return {"display_name": user.display_name, "role": user.role, "email": user.email or "",
            "locale": user.locale, "employee_no": user.employee_no or ""}


def _load_user(user_id: int) -> User:
    user = uow().session.get(User, user_id)
    if user is None:
        raise NotFound("用户", "user", user_id)
    return user


@page(bp, "/settings/users/<int:user_id>", methods=("GET", "POST"), roles=ADMINS)
def user(user_id: int) -> ResponseReturnValue:
    found = _load_user(user_id)
    if request.method == "POST":
        form = {"display_name": _text("display_name", 200), "role": _text("role", 16),
                "email": _text("email", 254), "locale": _text("locale", 8), "employee_no": _text("employee_no", 40)}
        errors: dict[str, str] = {}
        if not form["display_name"]:
            errors["display_name"] = _("Enter the person's name.")
        if form["locale"] not in LOCALES:
            errors["locale"] = _("Choose Chinese or English.")
        if not errors:
            try:
                core().services.accounts.update_user(uow(), found.id, display_name=form["display_name"],
                                                     role=form["role"], email=form["email"] or None,
                                                     locale=form["locale"], employee_no=form["employee_no"])
            except DomainError as exc:
                errors = _problems(exc)
            else:
                flash(_("User %(name)s has been changed.", name=found.username), "ok")
                return redirect(url_for("ui_settings.user", user_id=found.id), code=303)
        raise Refused((_user_page(found, form, errors), 422))
    return _user_page(found, _user_form(found), {})


@page(bp, "/settings/users/<int:user_id>/active", methods=("POST",), roles=ADMINS)
def user_active(user_id: int) -> ResponseReturnValue:
    found = _load_user(user_id)
    on = request.form.get("active") == "yes"
    core().services.accounts.update_user(uow(), found.id, active=on)
    flash(_("User %(name)s has been reactivated.", name=found.username) if on
          else _("User %(name)s has been deactivated and logged out everywhere.", name=found.username), "ok")
    return redirect(url_for("ui_settings.user", user_id=found.id), code=303)


@page(bp, "/settings/users/<int:user_id>/password", methods=("POST",), roles=ADMINS)
def user_password(user_id: int) -> ResponseReturnValue:
    found = _load_user(user_id)
    new, again = request.form.get("new_password", "")[:MAX_FIELD], request.form.get("new_password_again", "")
    errors: dict[str, str] = {}
    if new != again[:MAX_FIELD]:
        errors["new_password_again"] = _("The two passwords differ.")
    else:
        try:
            core().services.accounts.update_user(uow(), found.id, password=new)
        except DomainError as exc:
            errors = {("new_password" if k == "password" else k): v for k, v in _problems(exc).items()}
        else:
            flash(_("The password of %(name)s has been reset; their sessions have been logged out.",
                    name=found.username), "ok")
            return redirect(url_for("ui_settings.user", user_id=found.id), code=303)
    raise Refused((_user_page(found, _user_form(found), errors), 422))


# ---- API tokens -------------------------------------------------------------------------------------

TOKEN_STATES = {"active": lazy_gettext("Active"), "revoked": lazy_gettext("Revoked"),
                "expired": lazy_gettext("Expired")}


def token_state(t: ApiToken, now: datetime) -> str:
    if t.revoked_at is not None:
        return "revoked"
    return "expired" if t.expires_at <= now else "active"


def _token_columns(now: datetime) -> list[Column]:
    return [
        Column("id", "No.", ApiToken.id, kind="number", value=lambda r: r[0].id),
        Column("username", "User", User.username, value=lambda r: r[1]),
        Column("name", "Token name", ApiToken.name, value=lambda r: r[0].name),
        Column("prefix", "Starts with", ApiToken.prefix, value=lambda r: r[0].prefix),
        Column("created_at", "Issued at", ApiToken.created_at, kind="moment", value=lambda r: r[0].created_at),
        Column("last_used_at", "Last used", ApiToken.last_used_at, kind="moment", value=lambda r: r[0].last_used_at),
        Column("expires_at", "Expires", ApiToken.expires_at, kind="moment", value=lambda r: r[0].expires_at),
        Column("state", "Status", None, value=lambda r: str(TOKEN_STATES[token_state(r[0], now)])),
    ]


def _token_query(now: datetime) -> Select[Any]:
    stmt: Select[Any] = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)  # type: ignore[assignment]
    who = request.args.get("user", "").strip()[:64]
    if who:
        stmt = stmt.where(User.username == who)
    state = request.args.get("state", "")
    if state == "active":
        stmt = stmt.where(ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
    elif state == "revoked":
        stmt = stmt.where(ApiToken.revoked_at.is_not(None))
    elif state == "expired":
        stmt = stmt.where(ApiToken.revoked_at.is_(None), ApiToken.expires_at <= now)
    return stmt


def _tokens_page(form: dict[str, Any], errors: Mapping[str, str], issued: Any = None) -> str:
    unit = uow()
    now = unit.now()
    columns = _token_columns(now)
    state = listing.list_state(columns, "id")
    result = listing.paginate(unit.session, _token_query(now), columns, state, tiebreak=ApiToken.id)
    people = [str(n) for n in unit.session.scalars(select(User.username).where(User.active.is_(True))
                                                    .order_by(User.username))]
    return render("ui/settings/tokens.html", page=result, columns={c.key: c for c in columns}, states=TOKEN_STATES,
                  token_state=lambda t: token_state(t, now), people=people, form=form, errors=errors,
                  issued=issued, max_days=MAX_TOKEN_DAYS)


@page(bp, "/settings/tokens", methods=("GET", "POST"), roles=ADMINS, writes=_writes)
def tokens() -> ResponseReturnValue:
    unit = uow()
    default_days = core().settings.token_days
    if request.method == "POST":
        form = {"username": _text("username", 64), "name": _text("name", 100), "days": _text("days", 10)}
        errors: dict[str, str] = {}
        if not form["name"]:
            errors["name"] = _("Name the token after what uses it (e.g. the ERP interface).")
        days = int(form["days"]) if form["days"].isdigit() and len(form["days"]) <= 5 else None
        if days is None:
            errors["days"] = _("Enter a whole number of days from 1 to %(n)s.", n=MAX_TOKEN_DAYS)
        if not errors:
            try:
                issued = core().services.accounts.issue_token(unit, form["username"], form["name"], days=days)
            except DomainError as exc:
                errors = _problems(exc)
            else:
                # shown once, in this answer only: never put in a redirect, a flash or a cookie
                return _tokens_page({"username": "", "name": "", "days": str(default_days)}, {}, issued)
        raise Refused((_tokens_page(form, errors), 422))
    if listing.wants_export():
        now = unit.now()
        columns = _token_columns(now)
        state = listing.list_state(columns, "id")
        rows = listing.export_rows(unit.session, _token_query(now), columns, state, tiebreak=ApiToken.id)
        unit.audit("export", "api_token", "list", None, {"rows": len(rows), "filters": request.args.to_dict()})
        return listing.xlsx_response(f"{_('API tokens')}-{unit.today().isoformat()}.xlsx", columns, rows,
                                     sheet=_("API tokens"))
    return _tokens_page({"username": request.args.get("user", ""), "name": "", "days": str(default_days)}, {})


@page(bp, "/settings/tokens/<int:token_id>/revoke", methods=("POST",), roles=ADMINS)
def token_revoke(token_id: int) -> ResponseReturnValue:
    row = core().services.accounts.revoke_token(uow(), token_id)
    flash(_("Token %(prefix)s… has been revoked.", prefix=row.prefix), "ok")
    back = request.form.get("back", "")
    if back.startswith("/settings/") and not back.startswith("//"):
        return redirect(back, code=303)
    return redirect(url_for("ui_settings.tokens"), code=303)
