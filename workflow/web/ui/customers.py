"""Customers: the list (filter, sort, export, statements for a selection) and a customer's page.

The page shows what a clerk needs before picking up the phone: the master data, whether supply is
on credit hold (and who may set or release it: ``cases.holds``), the contacts with a bounced address
marked, the open balance per currency (``ledger.queries.balance``), the cases, the open invoices, the
credit rating with its reasons (``credit.service.current_rating``) and the documents made for the
customer. The batch action makes a 对账单 per selected customer with the same use case as
``POST /api/v1/customers/{id}/documents`` (``documents.contexts.ledger.generate_from_ledger``).
Lawyers and salespeople see only their own customers (``ledger.access``): any other is the 404 page.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date
from typing import Any, cast

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import Select, case, false, func, or_, select
from sqlalchemy.orm import aliased
from werkzeug.routing import BuildError

from workflow.accounts.models import User
from workflow.cases import holds
from workflow.cases.models import DunningCase
from workflow.db import cents_to_decimal
from workflow.documents.contexts.ledger import LedgerDocument, generate_from_ledger
from workflow.documents.models import GeneratedDocument
from workflow.documents.service import DOCUMENT_MAKERS
from workflow.errors import DomainError, invalid
from workflow.ledger import queries
from workflow.ledger.access import load, scoped
from workflow.ledger.balances import balance_fen
from workflow.ledger.models import Contact, Contract, CreditorEntity, Customer, Invoice
from workflow.ledger.responsibility import COLLECTOR_ROLES
from workflow.ledger.status import days_overdue
from workflow.web.api.base import core, uow
from workflow.web.api.documents import read_claim
from workflow.web.ui import i18n, labels, listing
from workflow.web.ui.listing import Column
from workflow.web.ui.page import actor, nav_item, page, render

bp = Blueprint("ui_customers", __name__)
nav_item("Customers", "ui_customers.customers", order=20)

HOLD_ROLES = holds.HOLD_ROLES
STATEMENT_MAKERS = DOCUMENT_MAKERS
# one request makes at most this many customers' statements: their PDFs are made in the request, after the commit
MAX_BATCH = 50
OPEN_INVOICES_SHOWN = 20
MAX_REASON = 2000

KINDS = {
    "private_small": lazy_gettext("Private SME"),
    "private_large": lazy_gettext("Large private company"),
    "state_owned": lazy_gettext("State-owned enterprise"),
    "foreign": lazy_gettext("Foreign company"),
    "individual_business": lazy_gettext("Individual business"),
}
CONTACT_ROLES = {
    "finance": lazy_gettext("Finance"),
    "purchasing": lazy_gettext("Purchasing"),
    "legal_representative": lazy_gettext("Legal representative"),
    "original_contact": lazy_gettext("Original contact"),
}
LANGUAGES = {"zh_CN": "中文", "zh": "中文", "en": "English"}
DOCUMENT_KINDS = labels.DOCUMENT_KINDS
PDF_STATUS = {
    "made": lazy_gettext("PDF ready"),
    "pending": lazy_gettext("PDF being made"),
    "unavailable": lazy_gettext("No PDF on this server"),
    "failed": lazy_gettext("PDF failed"),
    "not_requested": lazy_gettext("DOCX only"),
}


def kind_label(code: object) -> str:
    return str(KINDS.get(str(code), str(code)))


def case_url(ref: str) -> str:
    """The case page (the case area's ``ui_case.case``); its plain path while that area is not registered."""
    for endpoint in ("ui_case.case", "ui_cases.case"):
        try:
            return url_for(endpoint, ref=ref)
        except BuildError:
            continue
    return f"/cases/{ref}"


def _credit_rating(customer_id: int) -> dict[str, Any] | None:
    """The credit room's current rating, once that room is installed (issue 18); None otherwise."""
    try:
        module = importlib.import_module("workflow.credit.service")
    except ImportError:
        return None
    reader: Callable[..., dict[str, Any] | None] | None = getattr(module, "current_rating", None)
    return reader(uow(), customer_id) if reader is not None else None


# ---- the list -----------------------------------------------------------------------------------

def _people() -> list[tuple[int, str]]:
    """Who can be a customer's collection clerk: the clerk filter's choices."""
    rows = uow().session.execute(select(User.id, User.display_name).where(
        User.role.in_([r.value for r in COLLECTOR_ROLES]), User.active.is_(True)).order_by(User.display_name))
    return [(int(uid), str(name)) for uid, name in rows]


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _yes_no(name: str) -> bool | None:
    raw = request.args.get(name, "")
    return True if raw == "yes" else False if raw == "no" else None


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _list_query(today: date) -> tuple[Select[Any], list[Column]]:
    owed = balance_fen()
    live = [Invoice.written_off == false(), Invoice.currency == "CNY", owed > 0]
    money = (select(Invoice.customer_id.label("cid"), func.sum(owed).label("outstanding"),
                    func.sum(case((Invoice.due_date < today, owed), else_=0)).label("overdue"))
             .where(*live).group_by(Invoice.customer_id).subquery("owed"))
    cases = (select(DunningCase.customer_id.label("cid"), func.count().label("n"))
             .where(DunningCase.open_slot == 1).group_by(DunningCase.customer_id).subquery("open_cases"))
    clerk, sales = aliased(User), aliased(User)
    outstanding = func.coalesce(money.c.outstanding, 0)
    overdue = func.coalesce(money.c.overdue, 0)
    open_cases = func.coalesce(cases.c.n, 0)
    joined = (select(Customer, outstanding.label("outstanding"), overdue.label("overdue"),
                     open_cases.label("open_cases"), clerk.display_name.label("clerk"),
                     sales.display_name.label("salesperson"))
              .outerjoin(money, money.c.cid == Customer.id)
              .outerjoin(cases, cases.c.cid == Customer.id)
              .outerjoin(clerk, clerk.id == Customer.assigned_clerk_id)
              .outerjoin(sales, sales.id == Customer.salesperson_id))
    stmt = cast("Select[Any]", joined)
    stmt = scoped(stmt, actor(), Customer.id)
    text = request.args.get("q", "").strip()[:100]
    if text:
        pattern = _like(text)
        stmt = stmt.where(or_(Customer.legal_name.ilike(pattern, escape="\\"),
                              Customer.legal_name_en.ilike(pattern, escape="\\"),
                              Customer.code.ilike(pattern, escape="\\"),
                              Customer.credit_code == text.upper()))
    hold = _yes_no("hold")
    if hold is not None:
        stmt = stmt.where(Customer.credit_hold.is_(hold))
    has_case = _yes_no("case")
    if has_case is not None:
        stmt = stmt.where(cases.c.n.is_not(None) if has_case else cases.c.n.is_(None))
    clerk_id = _int_arg("clerk")
    if clerk_id is not None:
        stmt = stmt.where(Customer.assigned_clerk_id == clerk_id)
    if request.args.get("kind") in KINDS:
        stmt = stmt.where(Customer.kind == request.args["kind"])
    columns = [
        Column("code", "Customer code", Customer.code),
        Column("name", "Customer", Customer.legal_name),
        Column("kind", "Kind", Customer.kind, value=lambda r: kind_label(r["kind"])),
        Column("credit_hold", "Credit hold", Customer.credit_hold,
               value=lambda r: _("On hold") if r["credit_hold"] else _("No")),
        Column("outstanding", "Outstanding (CNY)", outstanding, kind="money"),
        Column("overdue", "Overdue (CNY)", overdue, kind="money"),
        Column("open_cases", "Open cases", open_cases, kind="number"),
        Column("clerk", "Collection clerk", clerk.display_name),
        Column("salesperson", "Salesperson", sales.display_name),
    ]
    return stmt, columns


def _row(r: Any) -> dict[str, Any]:
    c: Customer = r[0]
    return {"id": c.id, "code": c.code, "name": c.legal_name, "name_en": c.legal_name_en, "kind": c.kind,
            "credit_hold": c.credit_hold, "do_not_dun": c.do_not_dun,
            "outstanding": cents_to_decimal(r.outstanding), "overdue": cents_to_decimal(r.overdue),
            "open_cases": int(r.open_cases or 0), "clerk": r.clerk or "", "salesperson": r.salesperson or ""}


def _list_export() -> bool:
    return listing.wants_export()


@page(bp, "/customers", writes=_list_export)
def customers() -> ResponseReturnValue:
    unit = uow()
    stmt, columns = _list_query(unit.today())
    state = listing.list_state(columns, "code", default_desc=False)
    if listing.wants_export():
        rows = listing.export_rows(unit.session, stmt, columns, state, tiebreak=Customer.id, convert=_row)
        unit.audit("export", "customer", "list", None, {"rows": len(rows), "filters": request.args.to_dict()})
        return listing.xlsx_response(f"{_('Customers')}-{unit.today().isoformat()}.xlsx", columns, rows,
                                     sheet=_("Customers"))
    result = listing.paginate(unit.session, stmt, columns, state, tiebreak=Customer.id, convert=_row)
    who = actor()
    return render("ui/customers/list.html", page=result, columns={c.key: c for c in columns},
                  clerks=_people(), kinds=KINDS, kind_label=kind_label, today=unit.today(),
                  can_make_statements=who.role in STATEMENT_MAKERS, max_batch=MAX_BATCH)


# ---- statements for a selection ------------------------------------------------------------------

def _selected_ids() -> list[int]:
    raw = request.form.getlist("ids")
    ids: list[int] = []
    for value in raw:
        if not value.isdigit() or len(value) > 9:
            raise invalid("ids", "not_a_number", "所选客户编号无效", "a selected customer id is not a number")
        if int(value) not in ids:
            ids.append(int(value))
    if not ids:
        raise invalid("ids", "required", "请至少选择一个客户", "select at least one customer")
    if len(ids) > MAX_BATCH:
        raise invalid("ids", "too_many", f"一次最多为 {MAX_BATCH} 个客户生成对账单",
                      f"make statements for at most {MAX_BATCH} customers at a time")
    return ids


def _statement_form() -> tuple[str, date | None]:
    language = request.form.get("language", "zh")
    if language not in ("zh", "en"):
        raise invalid("language", "unknown_language", "语言应为中文或英文", "the language must be Chinese or English")
    raw = request.form.get("period_from", "").strip()
    try:
        period_from = date.fromisoformat(raw) if raw else None
    except ValueError:
        raise invalid("period_from", "not_a_date", "对账期间起始日应为日期（如 2026-01-01）",
                      "the period's first day must be a date (e.g. 2026-01-01)") from None
    return language, period_from


@page(bp, "/customers/statements", methods=("POST",), roles=STATEMENT_MAKERS)
def make_statements() -> ResponseReturnValue:
    """One 对账单 per selected customer and each of our companies and currencies it has invoices
    with: a statement is between one creditor and one debtor, in one currency. All or nothing:
    a customer that cannot have one stops the batch and says which, so nothing is half made."""
    ids = _selected_ids()
    language, period_from = _statement_form()
    unit = uow()
    s = unit.session
    who = actor()
    pairs = s.execute(select(Invoice.customer_id, Invoice.creditor_id, Invoice.currency)
                      .where(Invoice.customer_id.in_(ids)).distinct()
                      .order_by(Invoice.customer_id, Invoice.creditor_id, Invoice.currency)).all()
    names = {c.id: c for c in s.scalars(scoped(select(Customer).where(Customer.id.in_(ids)), who, Customer.id))}
    made = 0
    skipped: list[str] = []
    with_invoices = {cid for cid, _cr, _cur in pairs}
    for cid in ids:
        if cid not in names:
            raise invalid("ids", "not_found", f"客户不存在：{cid}", f"no such customer: {cid}")
        if cid not in with_invoices:
            skipped.append(names[cid].code)
    for cid, creditor_id, currency in pairs:
        if cid not in names:
            continue
        try:
            generate_from_ledger(unit, core().services.documents, read_claim, cid, LedgerDocument(
                kind="statement", language=language, creditor_id=creditor_id, currency=currency,
                period_from=period_from))
        except DomainError as exc:
            # the whole batch rolls back: say whose statement could not be made, and why
            customer = names[cid]
            raise DomainError(f"客户 {customer.code} 的对账单无法生成：{exc.zh}",
                              f"The statement for customer {customer.code} could not be made: {exc.en}",
                              exc.problems, exc.status, exc.code) from exc
        made += 1
    if made:
        flash(_("%(n)s statements made for %(c)s customers.", n=made, c=len(with_invoices & set(names))), "ok")
    if skipped:
        flash(_("No invoices, so no statement: %(codes)s", codes="、".join(skipped)), "error")
    back = request.form.get("back", "")
    return redirect(back if back.startswith("/customers") else url_for("ui_customers.customers"), code=303)


# ---- one customer ------------------------------------------------------------------------------

def _user_names(s: Any, *ids: int | None) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {int(uid): str(name) for uid, name in s.execute(
        select(User.id, User.display_name).where(User.id.in_(wanted)))}


def _open_invoices(s: Any, customer_id: int, today: date) -> tuple[list[dict[str, Any]], int]:
    owed = balance_fen()
    base = select(Invoice, owed.label("owed")).where(
        Invoice.customer_id == customer_id, Invoice.written_off == false(), owed > 0)
    total = s.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = s.execute(base.order_by(Invoice.due_date, Invoice.id).limit(OPEN_INVOICES_SHOWN)).all()
    out = [{"invoice": inv, "outstanding": cents_to_decimal(fen), "days_overdue": days_overdue(inv.due_date, today)}
           for inv, fen in rows]
    return out, int(total)


def _customer_context(customer_id: int) -> dict[str, Any]:
    unit = uow()
    s, who, today = unit.session, actor(), unit.today()
    customer = load(s, Customer, customer_id, who)
    reason, since = holds.hold_of(unit, customer_id)
    people = _user_names(s, customer.assigned_clerk_id, customer.assigned_lawyer_id, customer.salesperson_id)
    cases = list(s.execute(
        select(DunningCase, CreditorEntity.legal_name, User.display_name)
        .join(CreditorEntity, CreditorEntity.id == DunningCase.creditor_id)
        .outerjoin(User, User.id == DunningCase.assigned_user_id)
        .where(DunningCase.customer_id == customer_id)
        .order_by(DunningCase.open_slot.is_(None), DunningCase.opened_at.desc(), DunningCase.id.desc()).limit(50)))
    contracts = list(s.execute(
        select(Contract, CreditorEntity.legal_name).join(CreditorEntity, CreditorEntity.id == Contract.creditor_id)
        .where(Contract.customer_id == customer_id).order_by(Contract.signed_on.desc(), Contract.id.desc())
        .limit(50)))
    invoices, open_count = _open_invoices(s, customer_id, today)
    documents = list(s.scalars(select(GeneratedDocument).where(GeneratedDocument.customer_id == customer_id)
                               .order_by(GeneratedDocument.id.desc()).limit(20)))
    contacts: list[Contact] = queries.contacts(s, who, customer_id)
    return {
        "customer": customer, "hold_reason": reason, "hold_since": since, "people": people,
        "contacts": contacts, "balance": queries.balance(s, who, customer_id, today), "cases": cases,
        "contracts": contracts, "invoices": invoices, "open_count": open_count, "documents": documents,
        "rating": _credit_rating(customer_id), "today": today, "kind_label": kind_label,
        "contact_role": lambda code: str(CONTACT_ROLES.get(code, code)),
        "language_label": lambda code: LANGUAGES.get(code, code),
        "document_kind": lambda code: str(DOCUMENT_KINDS.get(code, code)),
        "pdf_status": lambda code: str(PDF_STATUS.get(code, code)),
        "case_url": case_url, "case_state": labels.case_state,
        "can_hold": who.role in HOLD_ROLES, "can_make_statements": who.role in STATEMENT_MAKERS,
        "is_zh": i18n.is_zh(),
    }


@page(bp, "/customers/<int:customer_id>")
def customer(customer_id: int) -> ResponseReturnValue:
    return render("ui/customers/customer.html", errors={}, form={}, **_customer_context(customer_id))


@page(bp, "/customers/<int:customer_id>/credit-hold", methods=("POST",), roles=HOLD_ROLES)
def credit_hold(customer_id: int) -> ResponseReturnValue:
    """Set or release the hold by hand, as ``POST /api/v1/customers/{id}/credit-hold`` does: the
    change is audited and pushed to the configured webhook after the commit."""
    unit = uow()
    load(unit.session, Customer, customer_id, actor())  # a customer this user may not see is the 404 page
    action = request.form.get("action", "")
    reason = request.form.get("reason", "")[:MAX_REASON + 1]
    service = core().services.cases
    try:
        if action == "set":
            changed = service.set_credit_hold(unit, customer_id, reason,
                                              {"by": unit.actor.username, "entry": "desk"})
        elif action == "release":
            changed = service.release_credit_hold(unit, customer_id, reason)
        else:
            raise invalid("action", "unknown_action", "操作应为设置或解除信用冻结",
                          "the action must be to set or release the hold")
    except DomainError as exc:
        if exc.status != 422:
            raise
        loc = i18n.page_locale()
        errors = {p.field: p.as_dict(loc)["message"] for p in exc.problems} or {"": exc.message(loc)}
        html = render("ui/customers/customer.html", errors=errors, form={"reason": reason, "action": action},
                      **_customer_context(customer_id))
        return html, 422
    if not changed:
        flash(_("Nothing changed: the hold was already so."), "ok")
    elif action == "set":
        flash(_("Credit hold set. Supply to this customer is stopped."), "ok")
    else:
        flash(_("Credit hold released."), "ok")
    return redirect(url_for("ui_customers.customer", customer_id=customer_id), code=303)

