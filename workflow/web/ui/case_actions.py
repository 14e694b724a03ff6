"""What the case page's forms do: each action reads its form and calls the same service as the API
(``workflow/web/api/cases.py``, ``bundles.py``), in the page's unit of work; and the files the page
offers (a letter's PDF or DOCX, an evidence bundle's PDF or ZIP), access-checked and audited by the
services exactly as the API's downloads are.

A form's text is checked here only as far as the services cannot: a date or an amount that is not
one, a contact name longer than its column. Everything else (an illegal move, a past date, a kind
that cannot be sent) is the service's to refuse, in Chinese and English.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from flask import Response
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from workflow.cases import service as cases
from workflow.documents.models import GeneratedDocument
from workflow.errors import NotFound, invalid
from workflow.evidence.service import WHATS
from workflow.web.api.base import core, uow

MAX_NAME = 100
MAX_FIELD = 4001  # one more than the services take, so an over-long text is refused, not cut
MAX_AMOUNT = Decimal("1e12")
CHUNK = 256 * 1024

Form = Mapping[str, str]


def _field(form: Form, name: str) -> str:
    return str(form.get(name, ""))[:MAX_FIELD]


def _optional(form: Form, name: str) -> str | None:
    text = _field(form, name).strip()
    return text or None


def _date(form: Form, name: str, *, required: bool) -> date | None:
    raw = _field(form, name).strip()
    if not raw:
        if required:
            raise invalid(name, "required", "请填写日期", "enter a date")
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise invalid(name, "bad_date", "日期格式应为 YYYY-MM-DD（如 2026-12-31）",
                      "a date like 2026-12-31 (YYYY-MM-DD)") from None


def _amount(form: Form, name: str) -> Decimal:
    raw = _field(form, name).strip().replace(",", "").replace("，", "")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise invalid(name, "bad_amount", "请填写金额，如 50000.00", "enter an amount such as 50000.00") from None
    if not value.is_finite() or value >= MAX_AMOUNT:
        raise invalid(name, "bad_amount", "金额过大或无效", "the amount is too large or not a number")
    return value


def _name(form: Form, name: str) -> str | None:
    text = _optional(form, name)
    if text is not None and len(text) > MAX_NAME:
        raise invalid(name, "too_long", f"最多 {MAX_NAME} 个字符", f"at most {MAX_NAME} characters")
    return text


# ---- the actions -----------------------------------------------------------------------------------

def _send(ref: str, form: Form) -> str:
    core().services.cases.send_document(uow(), ref, _field(form, "kind"), _field(form, "language") or "zh")
    return str(_("The letter was made and queued to be sent."))


def _note(ref: str, form: Form) -> str:
    cases.add_note(uow(), ref, _field(form, "body"), kind=_field(form, "kind") or "call",
                   contact_name=_name(form, "contact_name"))
    return str(_("The call was recorded."))


def _promise(ref: str, form: Form) -> str:
    promised_on = _date(form, "promised_on", required=True)
    assert promised_on is not None
    cases.record_promise(uow(), ref, promised_on=promised_on, amount=_amount(form, "amount"),
                         currency=(_field(form, "currency").strip().upper() or "CNY")[:3],
                         source=_field(form, "source") or "call", contact_name=_name(form, "contact_name"),
                         note=_optional(form, "note"))
    return str(_("The promise to pay was recorded; the case waits for it."))


def _pause(ref: str, form: Form) -> str:
    cases.pause(uow(), ref, _field(form, "reason"), _date(form, "until", required=False),
                _optional(form, "evidence"))
    return str(_("The case is paused."))


# the reasoned moves: the service function and what the page says when it is done
REASONED: dict[str, tuple[Callable[..., object], Any]] = {
    "resume": (cases.resume, lazy_gettext("The case is running again.")),
    "dispute": (cases.dispute, lazy_gettext("The case is marked disputed: automatic dunning stops.")),
    "resolve": (cases.resolve, lazy_gettext("The dispute is resolved.")),
    "legal_action": (cases.start_legal_action,
                     lazy_gettext("Legal action is recorded: the dunning run leaves the case alone.")),
    "write_off": (cases.write_off, lazy_gettext("The debt is written off and the case closed.")),
    "settle": (cases.settle, lazy_gettext("The case is closed as settled.")),
}


def _reasoned(name: str) -> Callable[[str, Form], str]:
    fn, done = REASONED[name]

    def act(ref: str, form: Form) -> str:
        fn(uow(), ref, _field(form, "reason"), _optional(form, "evidence"))
        return str(done)

    return act


def _approve(ref: str, form: Form) -> str:
    core().services.cases.approve_lawyer_letter(uow(), ref, _field(form, "reason"))
    return str(_("The lawyer's letter is approved and queued to be sent."))


def _reject(ref: str, form: Form) -> str:
    core().services.cases.reject_lawyer_letter(uow(), ref, _field(form, "reason"))
    return str(_("The lawyer's letter was rejected."))


def _bundle(ref: str, form: Form) -> str:
    core().services.bundles.request(uow(), ref)
    return str(_("The evidence bundle was requested; it is built in the background."))


ACTIONS: dict[str, Callable[[str, Form], str]] = {
    "send": _send,
    "note": _note,
    "promise": _promise,
    "pause": _pause,
    **{name: _reasoned(name) for name in REASONED},
    "approve": _approve,
    "reject": _reject,
    "bundle": _bundle,
}


def perform(name: str, ref: str, form: Form) -> str:
    """Do the action ``name`` on the case; the message to flash."""
    action = ACTIONS.get(name)
    if action is None:
        raise NotFound("操作", "action", name[:40])
    return action(ref, form)


# ---- files -----------------------------------------------------------------------------------------

def _disposition(kind: str, filename: str) -> str:
    ascii_name = "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in filename) or "download"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename.encode('utf-8', 'replace'), safe='')}"


def document_file(ref: str, document_id: int, fmt: str) -> Response:
    """A letter of this case, through the documents service (its access check and audit entry); a PDF
    is shown inline, for the page's preview."""
    case = cases.visible_case(uow(), ref)
    doc = uow().session.get(GeneratedDocument, document_id)
    if doc is None or doc.case_id != case.id or fmt not in ("pdf", "docx"):
        raise NotFound("文件", "document", document_id)
    d = core().services.documents.download(uow(), document_id, fmt)
    resp = Response(d.data, mimetype=d.mimetype)
    resp.headers["Content-Disposition"] = _disposition("inline" if fmt == "pdf" else "attachment", d.filename)
    return resp


def bundle_file(ref: str, bundle_id: int, what: str) -> Response:
    """A bundle of this case, streamed from the store through ``Bundles.download`` (assigned people
    and administrators only; each download audited)."""
    if what not in WHATS or what == "manifest":
        raise NotFound("文件", "file", what[:20])
    bundles = core().services.bundles
    case = bundles.case(uow(), ref)
    _bundle, of = bundles.get(uow(), bundle_id)
    if of.id != case.id:
        raise NotFound("证据材料", "bundle", bundle_id)
    d = bundles.download(uow(), bundle_id, what)

    def chunks() -> Iterator[bytes]:
        with d.stream as src:
            while block := src.read(CHUNK):
                yield block

    resp = Response(chunks(), mimetype=d.mimetype)
    resp.headers["Content-Length"] = str(d.size)
    resp.headers["Content-Disposition"] = _disposition("attachment", d.filename)
    return resp
