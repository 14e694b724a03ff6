"""Contracts: the list (filter, sort, export), a contract's page with its structured terms and the
clause linter's findings beside the clause each concerns, and linting an uploaded contract.

The linter runs exactly as ``POST /api/v1/contracts/lint`` runs it (``workflow/web/api/contracts.py``):
the text of a stored contract is its newest .docx attachment, else its structured clauses written
out (``documents.docx_text.stored_contract_text``); the one-year LPR is the quote in force today
(``linter_lpr_1y``); the thresholds are the installation's settings. A finding names the sentence it
found (``clause_text``): on a contract's text it sits beside the paragraph holding that sentence; on
a contract known only by its structured terms it sits beside the term of its rule's family
(payment, penalty, dispute, notices). A finding about something missing concerns the whole contract.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from flask import Blueprint, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from pydantic import ValidationError
from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import aliased

from workflow.accounts.models import User
from workflow.db import cents_to_decimal
from workflow.documents.docx_text import linter_lpr_1y, stored_contract_text, upload_text
from workflow.errors import DomainError, invalid
from workflow.law.linter import PARTY_KINDS, Finding, lint_contract
from workflow.ledger import attachments
from workflow.ledger.access import load, scoped
from workflow.ledger.balances import balance_fen
from workflow.ledger.models import Contract, CreditorEntity, Customer, Invoice
from workflow.pydantic_errors import problems_from_pydantic
from workflow.web.api.base import core, uow
from workflow.web.api.contracts import ContractLintIn, LintContext
from workflow.web.ui import i18n, listing
from workflow.web.ui.customers import kind_label
from workflow.web.ui.listing import Column
from workflow.web.ui.page import actor, nav_item, page, render

bp = Blueprint("ui_contracts", __name__)
nav_item("Contracts", "ui_contracts.contracts", order=25)

TRIGGERS = {
    "invoice_date": lazy_gettext("the invoice date"),
    "delivery": lazy_gettext("delivery"),
    "acceptance": lazy_gettext("acceptance"),
}
COURT_BASIS = {
    "defendant_domicile": lazy_gettext("the defendant's domicile"),
    "performance_place": lazy_gettext("the place of performance"),
    "signing_place": lazy_gettext("the place of signing"),
    "plaintiff_domicile": lazy_gettext("the plaintiff's domicile"),
    "subject_matter_place": lazy_gettext("where the subject matter is"),
}
SEVERITIES = {
    "error": lazy_gettext("Error"),
    "warning": lazy_gettext("Warning"),
    "info": lazy_gettext("Note"),
}
SEVERITY_BADGE = {"error": "bad", "warning": "warn", "info": "ok"}
PARTY_KIND_LABELS = {
    "large": lazy_gettext("Large enterprise"),
    "sme": lazy_gettext("Small or medium enterprise"),
}
# the linter's rule families, and the structured term each concerns
FAMILIES = {"payment": "payment", "penalty": "penalty", "arbitration": "dispute", "jurisdiction": "dispute",
            "notice": "notice"}
PLACE_FIELDS = ("seller_place", "buyer_place", "signing_place", "performance_place")


def family(rule: str) -> str:
    return FAMILIES.get(rule.split(".", 1)[0], "other")


def party_kind_label(code: str) -> str:
    return str(PARTY_KIND_LABELS[code]) if code in PARTY_KIND_LABELS else kind_label(code)


# ---- the terms as a person reads them ------------------------------------------------------------

def _percent(raw: object) -> str:
    try:
        return f"{(Decimal(str(raw)) * 100).normalize():f}%"
    except (InvalidOperation, ValueError):
        return str(raw)


def _cap(raw: object) -> str:
    if not raw:
        return ""
    text = str(raw)
    if text.endswith("%"):
        return str(_("capped at %(cap)s of the overdue amount", cap=text))
    try:
        amount = f"{Decimal(text):,.2f}"
    except InvalidOperation:
        return text
    return str(_("capped at %(cap)s", cap=amount))


def payment_text(terms: dict[str, Any] | None) -> str:
    if not terms:
        return str(_("Not agreed"))
    if terms.get("kind") == "days_after":
        trigger = TRIGGERS.get(str(terms.get("trigger")), str(terms.get("trigger")))
        return str(_("%(days)s days after %(trigger)s", days=terms.get("days"), trigger=trigger))
    if terms.get("kind") == "instalments":
        return str(_("In %(n)s instalments", n=len(terms.get("schedule") or [])))
    return str(terms)


def penalty_text(penalty: dict[str, Any] | None) -> str:
    if not penalty:
        return str(_("Not agreed"))
    kind = penalty.get("kind")
    cap = _cap(penalty.get("cap"))
    if kind == "daily_rate":
        text = str(_("%(rate)s of the overdue amount per day", rate=_percent(penalty.get("rate"))))
    elif kind == "annual_rate":
        text = str(_("%(rate)s of the overdue amount a year", rate=_percent(penalty.get("rate"))))
    elif kind == "lpr_multiple":
        text = str(_("%(m)s × the one-year LPR", m=penalty.get("multiple")))
    elif kind == "none":
        return str(_("No penalty agreed"))
    else:
        return str(penalty)
    if not cap:
        return text
    return f"{text}，{cap}" if i18n.is_zh() else f"{text}, {cap}"


def dispute_text(dispute: dict[str, Any] | None) -> str:
    if not dispute:
        return str(_("Not agreed"))
    if dispute.get("kind") == "court":
        text = str(_("The people's court of %(place)s", place=dispute.get("place")))
        basis = dispute.get("basis")
        if basis in COURT_BASIS:
            text += " (" + _("chosen as %(basis)s", basis=COURT_BASIS[str(basis)]) + ")"
        return text
    if dispute.get("kind") == "arbitration":
        return str(_("Arbitration by %(commission)s", commission=dispute.get("commission")))
    return str(dispute)


# ---- the list -----------------------------------------------------------------------------------

def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _list_query() -> tuple[Select[Any], list[Column]]:
    creditor = aliased(CreditorEntity)
    joined = (select(Contract, Customer.code.label("customer_code"), Customer.legal_name.label("customer"),
                     creditor.code.label("creditor"))
              .join(Customer, Customer.id == Contract.customer_id)
              .join(creditor, creditor.id == Contract.creditor_id))
    stmt = cast("Select[Any]", joined)
    stmt = scoped(stmt, actor(), Contract.customer_id)
    text = request.args.get("q", "").strip()[:100]
    if text:
        stmt = stmt.where(or_(Contract.number.ilike(_like(text), escape="\\"),
                              Contract.title.ilike(_like(text), escape="\\")))
    who = request.args.get("customer", "").strip()[:100]
    if who:
        stmt = stmt.where(or_(Customer.code.ilike(_like(who), escape="\\"),
                              Customer.legal_name.ilike(_like(who), escape="\\")))
    creditor_id = request.args.get("creditor", "")
    if creditor_id.isdigit() and len(creditor_id) < 10:
        stmt = stmt.where(Contract.creditor_id == int(creditor_id))
    since, until = listing.filter_date("signed_from"), listing.filter_date("signed_to")
    if since is not None:
        stmt = stmt.where(Contract.signed_on >= since)
    if until is not None:
        stmt = stmt.where(Contract.signed_on <= until)
    columns = [
        Column("number", "Contract number", Contract.number),
        Column("title", "Title", Contract.title),
        Column("customer", "Customer", Customer.legal_name),
        Column("creditor", "Our company", creditor.code),
        Column("signed_on", "Signed on", Contract.signed_on, kind="date"),
        Column("currency", "Currency", Contract.currency),
        Column("total", "Contract total", Contract.total, kind="money"),
        Column("payment", "Payment terms", value=lambda r: r["payment"]),
        Column("penalty", "Late-payment penalty", value=lambda r: r["penalty"]),
        Column("dispute", "Disputes", value=lambda r: r["dispute"]),
    ]
    return stmt, columns


def _row(r: Any) -> dict[str, Any]:
    c: Contract = r[0]
    return {"id": c.id, "number": c.number, "title": c.title or "", "customer": r.customer,
            "customer_code": r.customer_code, "customer_id": c.customer_id, "creditor": r.creditor,
            "signed_on": c.signed_on, "currency": c.currency, "total": c.total,
            "payment": payment_text(c.payment_terms), "penalty": penalty_text(c.penalty),
            "dispute": dispute_text(c.dispute)}


@page(bp, "/contracts", writes=listing.wants_export)
def contracts() -> ResponseReturnValue:
    unit = uow()
    stmt, columns = _list_query()
    state = listing.list_state(columns, "signed_on")
    if listing.wants_export():
        rows = listing.export_rows(unit.session, stmt, columns, state, tiebreak=Contract.id, convert=_row)
        unit.audit("export", "contract", "list", None, {"rows": len(rows), "filters": request.args.to_dict()})
        return listing.xlsx_response(f"{_('Contracts')}-{unit.today().isoformat()}.xlsx", columns, rows,
                                     sheet=_("Contracts"))
    result = listing.paginate(unit.session, stmt, columns, state, tiebreak=Contract.id, convert=_row)
    creditors = unit.session.execute(select(CreditorEntity.id, CreditorEntity.code, CreditorEntity.legal_name)
                                     .order_by(CreditorEntity.code)).all()
    return render("ui/contracts/list.html", page=result, columns={c.key: c for c in columns}, creditors=creditors)


# ---- linting --------------------------------------------------------------------------------------

@dataclass
class Paragraph:
    text: str
    findings: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Lint:
    """The linter's report on one text, arranged for the page."""

    findings: list[dict[str, Any]] = field(default_factory=list)
    general: list[dict[str, Any]] = field(default_factory=list)  # about the whole contract
    by_family: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    paragraphs: list[Paragraph] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    lpr_1y: Decimal | None = None
    lpr_source: str = ""
    source: str = ""  # attachment, clauses or upload
    attachment_id: int | None = None
    error: str = ""  # why the text could not be linted


def _arrange(findings: list[Finding], text: str, *, beside_text: bool) -> Lint:
    locale = i18n.page_locale()
    out = Lint(counts={level: sum(1 for f in findings if f.severity == level) for level in SEVERITIES})
    if beside_text:
        out.paragraphs = [Paragraph(line.strip()) for line in text.splitlines() if line.strip()]
    for f in findings:
        shown = f.as_dict(locale)
        shown["severity_label"] = str(SEVERITIES[f.severity])
        shown["badge"] = SEVERITY_BADGE[f.severity]
        out.findings.append(shown)
        if not f.clause_text:
            out.general.append(shown)
            continue
        if beside_text:
            home = next((p for p in out.paragraphs if f.clause_text in p.text), None)
            if home is None:
                out.general.append(shown)
            else:
                home.findings.append(shown)
        else:
            out.by_family.setdefault(family(f.rule), []).append(shown)
    return out


_LPR_SOURCE = re.compile(r"^LPR (\d{4}-\d{2}-\d{2})( \(latest known quote\))?$")


def lpr_source_text(source: str) -> str:
    """Where the LPR the penalties were compared with came from (``linter_lpr_1y`` says it in English)."""
    if source == "request":
        return str(_("the figure entered"))
    found = _LPR_SOURCE.match(source)
    if found is None:
        return source
    if found.group(2):
        return str(_("quoted on %(day)s, the latest quote known", day=found.group(1)))
    return str(_("quoted on %(day)s", day=found.group(1)))


def _run_linter(text: str, context: dict[str, str], lpr: Decimal | None = None) -> tuple[list[Finding], Decimal, str]:
    settings = core().settings
    lpr_1y, raw_source = linter_lpr_1y(core().services.calc.rate_table(uow().session), uow().today(), lpr)
    source = lpr_source_text(raw_source)
    findings = lint_contract(text, lpr_1y=lpr_1y, warn_multiple=settings.penalty_warn_lpr_multiple,
                             note_multiple=settings.penalty_note_lpr_multiple, context=context)
    return findings, lpr_1y, source


def _lint_stored(contract_id: int) -> Lint:
    try:
        stored = stored_contract_text(uow(), core().files, contract_id)
        findings, lpr_1y, lpr_source = _run_linter(stored.text, stored.context)
    except DomainError as exc:
        if exc.status != 422:
            raise
        # an unreadable attachment or no LPR quote: the page still shows the contract, and says why
        loc = i18n.page_locale()
        return Lint(error="; ".join(p.message(loc) for p in exc.problems) or exc.message(loc))
    out = _arrange(findings, stored.text, beside_text=stored.source == "attachment")
    out.lpr_1y, out.lpr_source, out.source, out.attachment_id = lpr_1y, lpr_source, stored.source, stored.attachment_id
    return out


# ---- one contract -------------------------------------------------------------------------------

def _contract_context(contract_id: int) -> dict[str, Any]:
    unit = uow()
    s, who = unit.session, actor()
    contract = load(s, Contract, contract_id, who)
    people = {int(uid): str(name) for uid, name in s.execute(select(User.id, User.display_name).where(
        User.id.in_([i for i in (contract.salesperson_id, contract.collector_id) if i is not None])))}
    owed = balance_fen()
    invoices = s.execute(select(Invoice, owed).where(Invoice.contract_id == contract_id)
                         .order_by(Invoice.due_date.desc(), Invoice.id.desc()).limit(20)).all()
    open_total = s.execute(select(Invoice.currency, func.sum(owed)).where(
        Invoice.contract_id == contract_id, Invoice.written_off == false(), owed > 0)
        .group_by(Invoice.currency).order_by(Invoice.currency)).all()
    return {"contract": contract, "people": people,
            "files": attachments.list_for(s, who, Contract, contract_id),
            "invoices": [(inv, cents_to_decimal(fen)) for inv, fen in invoices],
            "open_total": [(cur, cents_to_decimal(fen)) for cur, fen in open_total],
            "payment_text": payment_text, "penalty_text": penalty_text, "dispute_text": dispute_text,
            "kind_label": kind_label, "today": unit.today()}


@page(bp, "/contracts/<int:contract_id>")
def contract(contract_id: int) -> ResponseReturnValue:
    context = _contract_context(contract_id)
    return render("ui/contracts/contract.html", lint=_lint_stored(contract_id), **context)


# ---- linting an uploaded contract -------------------------------------------------------------

def _prefill(contract_id: int | None) -> tuple[dict[str, str], Contract | None]:
    """The context fields a contract of the ledger already answers: its places and the buyer's kind."""
    if contract_id is None:
        return {}, None
    c = load(uow().session, Contract, contract_id, actor())
    form = {"seller_place": c.creditor.address, "buyer_place": c.customer.registered_address or "",
            "signing_place": c.signed_place or "", "buyer_kind": c.customer.kind}
    return {k: v for k, v in form.items() if v}, c


def _contract_arg(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _lint_form(form: dict[str, str], contract: Contract | None, *, lint: Lint | None = None,
               errors: dict[str, str] | None = None, filename: str = "") -> str:
    return render("ui/contracts/lint.html", form=form, contract=contract, lint=lint, errors=errors or {},
                  filename=filename, party_kinds=PARTY_KINDS, party_kind_label=party_kind_label)


@page(bp, "/contracts/lint", methods=("GET", "POST"), writes=False)
def lint_upload() -> ResponseReturnValue:
    """Lint a contract's .docx (or .txt) before it is signed, as ``POST /api/v1/contracts/lint``
    does with an upload; nothing is stored."""
    contract_id = _contract_arg(request.values.get("contract_id"))
    if request.method == "GET":
        form, contract = _prefill(contract_id)
        return _lint_form(form, contract)
    _, contract = _prefill(contract_id)
    fields = (*PLACE_FIELDS, "buyer_kind", "seller_kind")
    form = {k: request.form.get(k, "").strip() for k in (*fields, "lpr_1y")}
    upload = request.files.get("file")
    filename = upload.filename or "" if upload is not None else ""
    try:
        try:
            ctx = LintContext.model_validate({k: form[k] for k in fields if form[k]})
            lpr = ContractLintIn.model_validate({"text": "-", "lpr_1y": form["lpr_1y"]}).lpr_1y \
                if form["lpr_1y"] else None
        except ValidationError as exc:
            raise problems_from_pydantic(exc) from exc
        if upload is None or not upload.filename:
            raise invalid("file", "missing", "请上传合同文件（.docx 或 .txt）",
                          "upload the contract as a .docx or .txt file")
        try:
            data = upload.read()
        finally:
            upload.close()  # a large upload is spooled to a temporary file: let it go now
        text = upload_text(upload.filename, data)
        context = {k: v for k, v in ctx.model_dump().items() if v}
        findings, lpr_1y, lpr_source = _run_linter(text, context, lpr)
    except DomainError as exc:
        if exc.status != 422:
            raise
        loc = i18n.page_locale()
        errors = {p.field: p.as_dict(loc)["message"] for p in exc.problems} or {"": exc.message(loc)}
        return _lint_form(form, contract, errors=errors, filename=filename), 422
    lint = _arrange(findings, text, beside_text=True)
    lint.lpr_1y, lint.lpr_source, lint.source = lpr_1y, lpr_source, "upload"
    return _lint_form(form, contract, lint=lint, filename=filename)
