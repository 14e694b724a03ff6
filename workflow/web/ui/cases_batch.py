"""The case list's batch actions on a selection: send the next reminder, make statements, give the
cases to a clerk.

Batch actions run each case in its own unit of work, through the same services as the API
(``POST /api/v1/cases/{ref}/send``, ``POST /api/v1/customers/{id}/documents``,
``POST /api/v1/cases/{ref}/assign``): a case that cannot be done (no contact email, a closed case,
a lawyer's letter that must be approved first) rolls back alone and is reported, the others commit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select

from workflow.accounts.models import User
from workflow.cases import policy
from workflow.cases import service as cases
from workflow.cases.models import DunningCase
from workflow.cases.service import CASE_WORKERS, REF_SHAPE
from workflow.cases.states import CLOSED, ESCALATING, CaseState
from workflow.documents.contexts.ledger import LedgerDocument, generate_from_ledger
from workflow.errors import DomainError
from workflow.evidence.collect import case_language
from workflow.ledger.models import Customer
from workflow.unit_of_work import UnitOfWork
from workflow.web.api.base import core, uow
from workflow.web.ui import i18n, labels
from workflow.web.ui.cases import MAX_REPORT_LINES, MAX_REPORT_REFS, MAX_SELECTION, list_args, list_page, read_filters
from workflow.web.ui.page import actor, page

bp = Blueprint("ui_cases_batch", __name__)


@dataclass
class Outcome:
    ref: str
    ok: bool
    message: str


def _failure(exc: DomainError) -> str:
    return exc.one_line(i18n.page_locale())


def _each(refs: Sequence[str], act: Callable[[UnitOfWork, str], str]) -> list[Outcome]:
    """``act`` on each case in a unit of work of its own: one refused case rolls back alone."""
    out: list[Outcome] = []
    who = actor()
    for ref in refs:
        try:
            with core().unit_of_work(who) as unit:
                message = act(unit, ref)
            out.append(Outcome(ref, True, message))
        except DomainError as exc:
            out.append(Outcome(ref, False, _failure(exc)))
        except Exception:  # one case's bug must not lose the others' work: report it, log it
            current_app.logger.exception("batch action on case %s failed", ref)
            out.append(Outcome(ref, False, _("an internal error; the case was left as it was")))
    return out


class Skip(DomainError):
    """A case the batch leaves alone, with the reason in the page's language."""

    def __init__(self, text: str) -> None:
        super().__init__(text, text, status=409, code="skipped")


def _next_kind(unit: UnitOfWork, case: DunningCase) -> str:
    """The letter that comes next on the case's ladder (its customer's policy, else the default)."""
    state = CaseState(case.state)
    if state in CLOSED:
        raise Skip(_("the case is closed"))
    if state not in ESCALATING:
        raise Skip(_("the case is %(state)s: open it to act on it", state=labels.case_state(state)))
    customer = unit.session.get(Customer, case.customer_id)
    if customer is not None and customer.do_not_dun:
        raise Skip(_("the customer is marked do-not-dun"))
    if state is CaseState.PRE_DUE:
        return policy.PRE_DUE_KIND  # nothing is overdue yet: only a reminder may go out
    by_id, default = policy.ladders(unit)
    own = policy.customer_settings(unit.session, case.customer_id)
    ladder = by_id.get(own.policy_id, default) if own is not None and own.policy_id is not None else default
    level = ladder.level(case.level + 1)
    if level is None:
        raise Skip(_("the case has reached the last level of its dunning policy"))
    if level.kind not in cases.SENDABLE_KINDS:
        raise Skip(_("the next level is a lawyer's letter, which a lawyer approves: open the case"))
    return level.kind


KIND_LABELS = {
    "payment_reminder": lazy_gettext("payment reminder"),
    "dunning_letter_1": lazy_gettext("first dunning letter"),
    "dunning_letter_2": lazy_gettext("second dunning letter"),
    "dunning_letter_3": lazy_gettext("final dunning letter"),
    "statement": lazy_gettext("statement of account"),
}


def _send_next(unit: UnitOfWork, ref: str) -> str:
    case = cases.visible_case(unit, ref)
    kind = _next_kind(unit, case)
    sent = core().services.cases.send_document(unit, ref, kind, case_language(unit.session, case))
    return str(_("%(kind)s queued (email %(outbox)s)", kind=str(KIND_LABELS.get(kind, kind)), outbox=sent.outbox_id))


def _statement(unit: UnitOfWork, ref: str) -> str:
    case = cases.visible_case(unit, ref)
    svc = core().services.cases
    doc = generate_from_ledger(unit, svc.documents, svc.claim, case.customer_id, LedgerDocument(
        kind="statement", language=case_language(unit.session, case), creditor_id=case.creditor_id,
        case_id=case.id, currency=case.currency))
    return str(_("statement made (document %(id)s)", id=doc.id))


def _statement_refs(refs: Sequence[str]) -> tuple[list[str], list[Outcome]]:
    """One statement per customer (and creditor and currency): the first selected case of each
    carries it; the others are reported as covered by it."""
    s = uow().session
    seen: dict[tuple[int, int, str], str] = {}
    keep: list[str] = []
    covered: list[Outcome] = []
    for ref in refs:
        case = s.scalar(select(DunningCase).where(DunningCase.ref == ref))
        if case is None:
            keep.append(ref)  # reported "not found" by the service in its own unit of work
            continue
        key = (case.creditor_id, case.customer_id, case.currency)
        if key in seen:
            covered.append(Outcome(ref, True, _("same customer as %(ref)s: one statement for both", ref=seen[key])))
        else:
            seen[key] = ref
            keep.append(ref)
    return keep, covered


def _report(action: str, outcomes: Sequence[Outcome]) -> None:
    """The batch's result as flash messages: a count, the cases done, each case not done and why."""
    done = [o for o in outcomes if o.ok]
    failed = [o for o in outcomes if not o.ok]
    titles = {"send": _("Send the next reminder"), "statement": _("Make statements"),
              "assign": _("Assign to a clerk")}
    flash(_("%(action)s: %(done)s of %(total)s cases done.", action=titles[action], done=len(done),
            total=len(outcomes)), "ok" if not failed else "error")
    for o in done[:MAX_REPORT_LINES]:
        flash(f"{o.ref}: {o.message}", "ok")
    if len(done) > MAX_REPORT_LINES:
        rest = done[MAX_REPORT_LINES:]
        refs = ", ".join(o.ref for o in rest[:MAX_REPORT_REFS])
        more = len(rest) - MAX_REPORT_REFS
        flash(_("Also done: %(refs)s", refs=refs) + (_(" and %(n)s more", n=more) if more > 0 else ""), "ok")
    for o in failed[:MAX_REPORT_LINES]:
        flash(_("%(ref)s not done: %(why)s", ref=o.ref, why=o.message), "error")
    if len(failed) > MAX_REPORT_LINES:
        flash(_("%(n)s more cases not done.", n=len(failed) - MAX_REPORT_LINES), "error")


def _selected() -> list[str]:
    refs: list[str] = []
    for raw in request.form.getlist("ids"):
        ref = raw.strip().upper()
        if REF_SHAPE.fullmatch(ref) and ref not in refs:
            refs.append(ref)
    return refs


def _back() -> str:
    return url_for("ui_cases.cases", **list_args())


@page(bp, "/cases/batch", methods=("POST",), roles=CASE_WORKERS, writes=False)
def batch() -> ResponseReturnValue:
    """The list's form posts here with its own query string (the filters, sort and page), so the
    list can be shown again as it was."""
    action = request.form.get("action", "")
    refs = _selected()
    typed = {"user": request.form.get("user", "").strip()[:200], "reason": request.form.get("reason", "").strip()}
    problems: dict[str, str] = {}
    if action not in ("send", "statement", "assign"):
        problems["action"] = _("Choose what to do with the selected cases.")
    if not refs:
        problems["ids"] = _("Select at least one case.")
    elif len(refs) > MAX_SELECTION:
        problems["ids"] = _("Select at most %(n)s cases at a time.", n=MAX_SELECTION)
    if action == "assign":
        if not typed["user"]:
            problems["user"] = _("Choose who takes the cases.")
        if not typed["reason"]:
            problems["reason"] = _("Give the reason for the reassignment.")
        elif len(typed["reason"]) > cases.MAX_TEXT:
            problems["reason"] = _("At most %(n)s characters.", n=cases.MAX_TEXT)
    if problems:
        return list_page(read_filters(), selected=refs, batch=typed, batch_errors=problems)
    outcomes: list[Outcome]
    if action == "send":
        outcomes = _each(refs, _send_next)
    elif action == "statement":
        keep, covered = _statement_refs(refs)
        outcomes = _each(keep, _statement) + covered
    else:
        user, reason = typed["user"], typed["reason"]

        def give(unit: UnitOfWork, ref: str) -> str:
            case = cases.assign(unit, ref, user, reason)
            clerk = unit.session.get(User, case.assigned_user_id) if case.assigned_user_id else None
            return str(_("now with %(name)s", name=clerk.display_name if clerk is not None else user))

        outcomes = _each(refs, give)
    order = {ref: i for i, ref in enumerate(refs)}
    _report(action, sorted(outcomes, key=lambda o: order.get(o.ref, len(order))))
    return redirect(_back(), 303)
