"""The daily dunning run: decide, for every open receivable, the one thing to do today, and do it.

1. Prepare (one unit of work): seed the default policy if there is none, settle the promises and
   plan instalments that fell due (``workflow.cases.promises.review``), and close the cases whose
   customer owes nothing more to that creditor (PAID_IN_FULL).
2. Decide (read only, set-based): ONE grouped query over the invoices gives, per (creditor,
   customer, currency), the oldest overdue due date, what is owed and the next due date, joined with
   the customer's open case, do-not-dun flag and dunning settings. Per customer, batch by batch, a
   few more set-based lookups (actions already taken, the contact counts, signed statements) and
   pure rules pick at most one automated message: the next escalation level, else the periodic
   对账单 (or its one chase), else the pre-due reminder. Invoices are never loaded one by one.
3. Execute (one unit of work per customer, so one bad customer does not undo the others): open the
   case when something is overdue, make the document from the ledger, queue its email in the
   outbox, move the case, set the credit hold, and record the action under its unique key. The key
   (``level:<case>:<n>``, ``pre_due:<creditor>:<customer>:<due date>``, ``statement:<creditor>:
   <customer>:<period end>``...) makes a second run of the same day find the work done. A failure
   (no contact email, no law firm for a 律师函, a letter the check refuses) is recorded as a
   ``blocked`` action with its reason, retried on a later day, and the run goes on.

``run(actor, as_of)`` is that day's scheduled run at its scheduled time (``run_hour`` in the
business time zone): the letters it queues may leave from then on (or now, if later), inside the
contact hours. The run opens its own units of work (one per customer), so it is called with the
actor, not inside another unit of work.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select, true, union_all
from sqlalchemy.orm import Session

from workflow.accounts.actor import Actor
from workflow.accounts.models import User
from workflow.calc.service import LawData
from workflow.cases import lifecycle, promises
from workflow.cases.contact import (
    ContactSettings,
    RunCalendar,
    calendar_warning,
    cap_reached,
    contacts_by_customer,
    send_not_before,
)
from workflow.cases.decide import (
    Decision,
    Group,
    Known,
    Rules,
    candidate_keys,
    decide_customer,
    level_key,
    period_end,
)
from workflow.cases.models import CaseNote, CustomerDunning, DunningAction, DunningCase, Promise
from workflow.cases.outbox_port import OutboxPort
from workflow.cases.policy import Level, ladders
from workflow.cases.states import CLOSED, ESCALATING, CaseEvent, CaseState
from workflow.db import cents_to_decimal
from workflow.documents.contexts.ledger import ClaimReader, LedgerDocument, generate_from_ledger
from workflow.documents.contexts.letters import LawFirm, Lawyer
from workflow.documents.service import DocumentService
from workflow.errors import DomainError, invalid
from workflow.ledger.balances import balance_fen
from workflow.ledger.models import Attachment, Contact, Contract, Customer, Invoice
from workflow.mail.notices import tell_salespeople
from workflow.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

OpenUnitOfWork = Callable[..., AbstractContextManager[UnitOfWork]]
# ``CaseService.set_credit_hold``: the hold, its audit entry and the signed webhook to other systems
SetCreditHold = Callable[[UnitOfWork, int, str, Mapping[str, Any] | None], bool]
BATCH = 1000  # customers decided together (one set of look-ups per batch)
# a letter whose salesperson is told first waits this long after the notice is queued: the notice goes
# at once (the minute sweep), so the salesperson has it before the customer has the letter
NOTICE_LEAD = timedelta(minutes=15)
EVENTS = {"dunning_letter_1": CaseEvent.REMINDER_SENT, "dunning_letter_2": CaseEvent.REMINDER_SENT,
          "dunning_letter_3": CaseEvent.FINAL_NOTICE_SENT, "statement": CaseEvent.STATEMENT_SENT,
          "lawyer_letter": CaseEvent.LAWYER_LETTER_DRAFTED}
@dataclass
class RunReport:
    as_of: date
    dry_run: bool
    working_day: bool
    provisional_calendar: bool
    warnings: list[dict[str, str]] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)  # refs of the cases closed as paid
    promises_reviewed: int = 0
    groups: int = 0
    customers: int = 0

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for d in self.decisions:
            out[d.outcome] += 1
        return dict(sorted(out.items()))

    def as_json(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "dry_run": self.dry_run, "working_day": self.working_day,
                "provisional_calendar": self.provisional_calendar, "warnings": self.warnings,
                "groups": self.groups, "customers": self.customers, "closed": self.closed,
                "promises_reviewed": self.promises_reviewed, "counts": self.counts(),
                "decisions": [d.as_json() for d in self.decisions]}


# ---- the decision pass: one grouped query ------------------------------------------------------

def grouped_receivables(s: Session, as_of: date) -> Iterator[Group]:
    """Every (creditor, customer) still owed something, in customer order: one grouped query over
    the invoices (an index-only scan of ``ix_invoice_aging``) joined with the case and settings."""
    bal = balance_fen()
    month_end, quarter_end = period_end(as_of, "monthly"), period_end(as_of, "quarterly")
    g = (select(Invoice.customer_id.label("customer_id"), Invoice.currency.label("currency"),
                Invoice.creditor_id.label("creditor_id"),
                func.min(case((Invoice.due_date < as_of, Invoice.due_date))).label("oldest"),
                func.min(case((Invoice.due_date >= as_of, Invoice.due_date))).label("next_due"),
                func.sum(bal).label("owed"),
                func.sum(case((Invoice.issue_date <= month_end, bal), else_=0)).label("owed_month"),
                func.sum(case((Invoice.issue_date <= quarter_end, bal), else_=0)).label("owed_quarter"))
         .where(Invoice.written_off.is_not(true()), Invoice.issue_date <= as_of, bal > 0)
         .group_by(Invoice.customer_id, Invoice.currency, Invoice.creditor_id)).subquery("owed")
    # per case: the pending promise's date, and when a promise was last broken
    p = (select(Promise.case_id.label("case_id"),
                func.max(case((Promise.status == "pending", Promise.promised_on))).label("promised"),
                func.max(case((Promise.status == "broken", Promise.resolved_on))).label("broken"))
         .where(Promise.status.in_(("pending", "broken"))).group_by(Promise.case_id)).subquery("promises")
    q = (select(g.c.customer_id, g.c.creditor_id, g.c.currency, g.c.oldest, g.c.next_due, g.c.owed,
                g.c.owed_month, g.c.owed_quarter, Customer.legal_name, Customer.do_not_dun,
                CustomerDunning.policy_id, CustomerDunning.statement_schedule,
                DunningCase.id, DunningCase.ref, DunningCase.state, DunningCase.level, DunningCase.last_action_on,
                p.c.promised, p.c.broken)
         .select_from(g)
         .join(Customer, Customer.id == g.c.customer_id)
         .outerjoin(CustomerDunning, CustomerDunning.customer_id == g.c.customer_id)
         .outerjoin(DunningCase, and_(DunningCase.creditor_id == g.c.creditor_id,
                                      DunningCase.customer_id == g.c.customer_id, DunningCase.open_slot == 1))
         .outerjoin(p, p.c.case_id == DunningCase.id)
         .order_by(g.c.customer_id, g.c.creditor_id, g.c.currency))
    current: Group | None = None
    for row in s.execute(q):
        (customer_id, creditor_id, currency, oldest, next_due, owed, owed_month, owed_quarter, name, dnd,
         policy_id, schedule, case_id, ref, state, level, last_on, promised_on, broken_on) = row
        if current is None or (current.customer_id, current.creditor_id) != (customer_id, creditor_id):
            if current is not None:
                yield current
            current = Group(int(creditor_id), int(customer_id), str(name), bool(dnd), policy_id,
                            schedule or "monthly", case_id=case_id, case_ref=ref, case_state=state,
                            case_level=int(level or 0), last_action_on=_date(last_on),
                            promised_on=_date(promised_on), broken_on=_date(broken_on))
        oldest_d, next_d = _date(oldest), _date(next_due)
        if oldest_d is not None and (current.oldest_overdue is None or oldest_d < current.oldest_overdue):
            current.oldest_overdue = oldest_d
        if next_d is not None and (current.next_due is None or next_d < current.next_due):
            current.next_due = next_d
        current.outstanding[str(currency)] = int(owed)
        current.statement_owed.setdefault("monthly", {})[str(currency)] = int(owed_month or 0)
        current.statement_owed.setdefault("quarterly", {})[str(currency)] = int(owed_quarter or 0)
    if current is not None:
        yield current


def _date(value: Any) -> date | None:
    """Aggregates over date columns come back as text from SQLite."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _batches(groups: Iterable[Group], size: int) -> Iterator[list[list[Group]]]:
    """Groups in batches of ``size`` customers, each customer's groups together."""
    batch: list[list[Group]] = []
    for g in groups:
        if batch and batch[-1][0].customer_id == g.customer_id:
            batch[-1].append(g)
            continue
        if len(batch) >= size:
            yield batch
            batch = []
        batch.append([g])
    if batch:
        yield batch


def look_up(s: Session, customers: Sequence[Sequence[Group]], keys: Iterable[str], as_of: date) -> Known:
    """The batch's customers are consecutive ids: each look-up is one range scan, not a long IN list."""
    ids = [gs[0].customer_id for gs in customers]
    lo, hi = min(ids), max(ids)
    wanted = set(keys)
    actions: dict[str, tuple[str, date, str | None]] = {}
    for key, status, run_on, reason in s.execute(
            select(DunningAction.key, DunningAction.status, DunningAction.run_on, DunningAction.reason)
            .where(DunningAction.customer_id >= lo, DunningAction.customer_id <= hi)):
        if key in wanted:
            actions[key] = (status, run_on, reason)
    signed_on = func.coalesce(Attachment.signed_on, func.date(Attachment.uploaded_at))
    via_invoice = (select(Invoice.customer_id.label("customer_id"), signed_on.label("on"))
                   .join(Invoice, Invoice.id == Attachment.invoice_id)
                   .where(Attachment.kind == "signed_statement", Invoice.customer_id >= lo, Invoice.customer_id <= hi))
    via_contract = (select(Contract.customer_id.label("customer_id"), signed_on.label("on"))
                    .join(Contract, Contract.id == Attachment.contract_id)
                    .where(Attachment.kind == "signed_statement", Contract.customer_id >= lo,
                           Contract.customer_id <= hi))
    both = union_all(via_invoice, via_contract).subquery()
    signed = {int(cid): d for cid, on in s.execute(
        select(both.c.customer_id, func.max(both.c.on)).group_by(both.c.customer_id))
        if (d := _date(on)) is not None}
    return Known(actions, contacts_by_customer(s, ids, as_of), signed)


# ---- the service -------------------------------------------------------------------------------

class DunningRun:
    def __init__(self, law: LawData, documents: DocumentService, outbox: Callable[[], OutboxPort], claims: ClaimReader,
                 set_credit_hold: SetCreditHold, unit_of_work: OpenUnitOfWork, settings: ContactSettings,
                 run_hour: int, batch: int = BATCH) -> None:
        self.law = law
        self.set_credit_hold = set_credit_hold
        self.documents = documents
        self.outbox = outbox
        self.claims = claims
        self._unit_of_work = unit_of_work
        self.settings = settings
        self.run_hour = run_hour
        self.batch = batch

    # -- the whole run --------------------------------------------------------------------------
    def run(self, actor: Actor, as_of: date | None = None, *, dry_run: bool = False) -> RunReport:
        with self._unit_of_work(actor, read_only=True) as uow:
            today = uow.today()
            loaded = self.law.calendar(uow.session)
        as_of = as_of or today
        if as_of > today:
            raise invalid("as_of", "in_the_future", "运行日期不能晚于今天", "the run date cannot be after today")
        cal = RunCalendar(loaded)
        working = cal.is_working_day(as_of)
        warning = calendar_warning(loaded, as_of)
        report = RunReport(as_of, dry_run, working, cal.is_provisional(as_of),
                           [warning] if warning is not None else [])
        if not dry_run:
            self._prepare(actor, as_of, report)
        if not working:
            log.info("dunning run %s: not a working day (%s), no contact", as_of, cal.rest_day_name(as_of))
            return report
        with self._unit_of_work(actor, read_only=True) as uow:
            by_id, default = ladders(uow)
            groups = list(grouped_receivables(uow.session, as_of))
        rules = Rules(cal, self.settings, by_id, default)
        report.groups = len(groups)
        for customers in _batches(groups, self.batch):
            report.customers += len(customers)
            with self._unit_of_work(actor, read_only=True) as uow:
                keys = [k for gs in customers for g in gs for k in candidate_keys(rules, g, as_of)]
                known = look_up(uow.session, customers, keys, as_of)
            for gs in customers:
                decisions = decide_customer(rules, gs, known, as_of)
                if not dry_run and any(d.outcome in ("send", "draft", "note") or d.open_case for d in decisions):
                    self._execute(actor, rules, gs, decisions, as_of)
                report.decisions += decisions
        if cal.provisional_used:
            # the administrators' warning is in the report (and GET /status); this is the run's own log
            log.info("dunning run %s used the provisional calendar for %s", as_of, sorted(cal.provisional_used))
        return report

    # -- 1. prepare -----------------------------------------------------------------------------
    def _prepare(self, actor: Actor, as_of: date, report: RunReport) -> None:
        with self._unit_of_work(actor) as uow:
            ladders(uow)  # seeds the default policy on first use
            report.promises_reviewed = len(promises.review(uow, as_of))
            owing = select(Invoice.id).where(Invoice.creditor_id == DunningCase.creditor_id,
                                             Invoice.customer_id == DunningCase.customer_id,
                                             balance_fen() > 0).exists()
            for case_id in list(uow.session.scalars(select(DunningCase.id).where(
                    DunningCase.open_slot == 1, ~owing).order_by(DunningCase.id))):
                c = lifecycle.lock_case(uow, case_id)
                if CaseState(c.state) in CLOSED:
                    continue
                lifecycle.apply(uow, c, CaseEvent.PAID_IN_FULL, reason="欠款已清 / nothing owed any more",
                                evidence={"run_on": as_of.isoformat()})
                report.closed.append(c.ref)

    # -- 3. execute one customer ------------------------------------------------------------------
    def _execute(self, actor: Actor, rules: Rules, groups: Sequence[Group], decisions: list[Decision],
                 as_of: date) -> None:
        chosen = next((d for d in decisions if d.outcome in ("send", "draft")), None)
        try:
            with self._unit_of_work(actor) as uow:
                s = uow.session
                s.get(Customer, groups[0].customer_id, with_for_update=True)  # one run per customer at a time
                cases = self._open_cases(uow, groups, decisions, as_of)
                for d in decisions:
                    if d.outcome == "note":
                        self._note(uow, d, cases.get(d.creditor_id), as_of)
                if chosen is not None:
                    self._act(uow, rules, chosen, cases.get(chosen.creditor_id), groups, as_of)
        except Exception as exc:  # one customer's failure is recorded, the run goes on
            reason = _why(exc, as_of, groups[0].customer_id)
            if chosen is None:
                for d in decisions:
                    d.because("blocked", reason)
                return
            log.info("dunning run %s: %s blocked for customer %s: %s", as_of, chosen.action, chosen.customer_id,
                     reason[1])
            chosen.because("blocked", reason)
            self._blocked(actor, groups, decisions, chosen, as_of)

    def _blocked(self, actor: Actor, groups: Sequence[Group], decisions: list[Decision], chosen: Decision,
                 as_of: date) -> None:
        """The failed action, recorded in a unit of work of its own (the case still opens)."""
        try:
            with self._unit_of_work(actor) as uow:
                uow.session.get(Customer, groups[0].customer_id, with_for_update=True)
                c = self._open_cases(uow, groups, decisions, as_of).get(chosen.creditor_id)
                if chosen.action == "level":
                    chosen.key = level_key(c.id, chosen.level or 0) if c is not None else None
                if chosen.key is not None:
                    chosen.document_id = chosen.outbox_id = None
                    self._record(uow, chosen, c, as_of, "blocked")
        except Exception as exc:
            zh, en = _why(exc, as_of, chosen.customer_id)
            chosen.reason_zh += f"；未能记录：{zh}"
            chosen.reason += f"; not recorded: {en}"

    def _open_cases(self, uow: UnitOfWork, groups: Sequence[Group], decisions: Sequence[Decision],
                    as_of: date) -> dict[int, DunningCase]:
        out: dict[int, DunningCase] = {}
        opening = {d.creditor_id for d in decisions if d.open_case}
        for g in groups:
            c = lifecycle.open_case_of(uow, g.creditor_id, g.customer_id)
            if g.creditor_id in opening and g.oldest_overdue is not None:
                evidence = {"oldest_due": g.oldest_overdue.isoformat(), "run_on": as_of.isoformat(),
                            "outstanding": {k: str(cents_to_decimal(v)) for k, v in g.outstanding.items()}}
                if c is None:
                    c, _opened = lifecycle.open_case(uow, g.creditor_id, g.customer_id, state=CaseState.OVERDUE,
                                                     reason="发票逾期 / an invoice is overdue", evidence=evidence,
                                                     currency=next(iter(sorted(g.outstanding)), "CNY"))
                elif c.state == CaseState.PRE_DUE.value:
                    c = lifecycle.lock_case(uow, c.id)
                    lifecycle.apply(uow, c, CaseEvent.BECAME_OVERDUE, reason="发票逾期 / an invoice is overdue",
                                    evidence=evidence)
                for d in decisions:
                    if d.creditor_id == g.creditor_id:
                        d.case_ref = c.ref
            if c is not None:
                out[g.creditor_id] = c
        return out

    def _note(self, uow: UnitOfWork, d: Decision, c: DunningCase | None, as_of: date) -> None:
        if c is not None:
            uow.session.add(CaseNote(case_id=c.id, kind="system", body=f"对账单未获确认：{d.both_reasons}",
                                     contact_name=None, author=uow.actor.username, created_at=uow.now()))
        self._record(uow, d, c, as_of, "noted")
        d.outcome = "noted"

    def _act(self, uow: UnitOfWork, rules: Rules, d: Decision, c: DunningCase | None,
             groups: Sequence[Group], as_of: date) -> None:
        s = uow.session
        if d.action == "level":
            if c is None:
                raise invalid("case", "no_case", "没有未结案件", "no open case")
            c = lifecycle.lock_case(uow, c.id)
            d.key = level_key(c.id, d.level or 0)
            if (d.level or 0) != c.level + 1:
                d.because("done", (f"案件已在第 {c.level} 级", f"the case is at level {c.level} already"))
                return
        assert d.key is not None
        existing = s.scalar(select(DunningAction).where(DunningAction.key == d.key))
        if existing is not None and not (existing.status == "blocked" and existing.run_on < as_of):
            d.because("done", (f"已于 {existing.run_on.isoformat()} {existing.status}",
                               f"already {existing.status} on {existing.run_on.isoformat()}"))
            return
        if d.outcome == "send":
            capped = cap_reached(s, d.customer_id, as_of, rules.settings)
            if capped is not None:
                d.because("wait", capped)
                return
            _require_contact(s, d.customer_id)
        group = next(g for g in groups if g.creditor_id == d.creditor_id)
        ladder = rules.ladder(group)
        lvl = ladder.level(d.level) if d.level is not None else None
        req = self._document(uow, d, c, lvl, as_of)
        doc = generate_from_ledger(uow, self.documents, self.claims, d.customer_id, req)
        d.document_id = doc.id
        event = EVENTS.get(d.kind or "") if d.action in ("level", "statement") else None
        if c is not None and event is not None and CaseState(c.state) not in CLOSED:
            c = lifecycle.lock_case(uow, c.id)
            changes: dict[str, Any] = {"last_action_on": as_of}
            if d.action == "level":
                changes["level"] = d.level
            elif CaseState(c.state) not in ESCALATING:
                event = None
            if event is not None:
                lifecycle.apply(uow, c, event, reason=d.both_reasons, evidence={"action": d.key, "document_id": doc.id},
                                **changes)
        told = False
        if lvl is not None and lvl.notify_salesperson and c is not None and d.level is not None:
            # the salesperson hears of it first, in the same unit of work: no letter, no notice
            told = bool(tell_salespeople(uow, c, d.level, d.kind or lvl.kind, awaiting_approval=d.outcome == "draft"))
        if d.outcome == "draft":
            self._record(uow, d, c, as_of, "awaiting_approval")
            d.outcome = "awaiting_approval"
        else:
            language = _language(s, d.customer_id)
            not_before = send_not_before(as_of, uow.now(), self.run_hour, self.settings, rules.calendar)
            if told:
                not_before = max(not_before, uow.now() + NOTICE_LEAD)
            msg = self.outbox().queue(uow, customer_id=d.customer_id, case_id=c.id if c is not None else None,
                                    document_id=doc.id, kind=d.kind or "notice", language=language, automated=True,
                                    contact_on=as_of, not_before=not_before)
            d.outbox_id = msg.id
            self._record(uow, d, c, as_of, "queued")
            d.outcome = "queued"
        if lvl is not None and lvl.credit_hold:
            self.set_credit_hold(uow, d.customer_id, f"dunning level {d.level} ({lvl.kind}) reached",
                             {"case": c.ref if c is not None else None, "action": d.key})

    def _document(self, uow: UnitOfWork, d: Decision, c: DunningCase | None, lvl: Level | None,
                  as_of: date) -> LedgerDocument:
        common: dict[str, Any] = {"kind": d.kind or "", "language": _language(uow.session, d.customer_id),
                                  "as_of": as_of, "creditor_id": d.creditor_id,
                                  "case_id": c.id if c is not None else None, "delivery": "email"}
        if d.kind == "statement" and d.period_end is not None:
            return LedgerDocument(**{**common, "as_of": d.period_end, "period_from": d.period_start,
                                     "currency": d.currency or "CNY"})
        if d.kind == "lawyer_letter":
            if lvl is None or lvl.law_firm is None or lvl.lawyer is None:
                raise invalid("law_firm", "not_configured",
                              "未配置律师事务所：请在催收策略的律师函级别中填写律师事务所和律师",
                              "no law firm configured: name the law firm and the lawyer on the policy's "
                              "lawyer_letter level")
            firm, lawyer = dict(lvl.law_firm), dict(lvl.lawyer)
            assigned = _assigned_lawyer(uow.session, d.customer_id)
            if assigned is not None:
                lawyer["name"] = assigned
            return LedgerDocument(**common, draft=True, law_firm=LawFirm(
                name=firm["name"], name_en=firm.get("name_en", ""), address=firm["address"],
                address_en=firm.get("address_en", ""), phone=firm["phone"], email=firm["email"]),
                lawyer=Lawyer(name=lawyer["name"], name_en=lawyer.get("name_en", ""),
                              licence_no=lawyer["licence_no"], phone=lawyer.get("phone", ""),
                              email=lawyer.get("email", "")))
        return LedgerDocument(**common)

    def _record(self, uow: UnitOfWork, d: Decision, c: DunningCase | None, as_of: date, status: str) -> None:
        s = uow.session
        assert d.key is not None
        row = s.scalar(select(DunningAction).where(DunningAction.key == d.key).with_for_update())
        if row is None:
            row = DunningAction(key=d.key, creditor_id=d.creditor_id, customer_id=d.customer_id,
                                decided_by=uow.actor.username, created_at=uow.now())
            s.add(row)
        row.case_id = c.id if c is not None else None
        row.run_on, row.action, row.level, row.kind = as_of, d.action, d.level, d.kind or ""
        row.status, row.reason = status, d.both_reasons
        row.document_id, row.outbox_id = d.document_id, d.outbox_id
        s.flush()
        uow.audit(f"dunning.{status}", "dunning_action", row.id, None,
                  {"key": d.key, "action": d.action, "level": d.level, "kind": d.kind, "reason": d.both_reasons,
                   "case": c.ref if c is not None else None, "document_id": d.document_id,
                   "outbox_id": d.outbox_id, "run_on": as_of.isoformat()})


def _why(exc: Exception, as_of: date, customer_id: int) -> tuple[str, str]:
    if isinstance(exc, DomainError):
        return exc.one_line("zh_CN"), exc.one_line("en")
    log.exception("dunning run %s: customer %s failed", as_of, customer_id)
    return f"内部错误：{type(exc).__name__}", f"internal error: {type(exc).__name__}"


def _require_contact(s: Session, customer_id: int) -> None:
    has = s.scalar(select(func.count()).select_from(Contact).where(
        Contact.customer_id == customer_id, Contact.receives_dunning.is_(True), Contact.email.is_not(None),
        Contact.email != "", Contact.email_invalid_since.is_(None)))
    if not has:
        raise invalid("contacts", "no_contact_email", "客户没有可接收催收邮件的联系人邮箱",
                      "no contact email: the customer has no designated contact with a working email address")


def _language(s: Session, customer_id: int) -> str:
    langs = set(s.scalars(select(Contact.language).where(Contact.customer_id == customer_id,
                                                         Contact.receives_dunning.is_(True))))
    return "en" if langs and all(str(x).startswith("en") for x in langs) else "zh"


def _assigned_lawyer(s: Session, customer_id: int) -> str | None:
    name = s.scalar(select(User.display_name).join(Customer, Customer.assigned_lawyer_id == User.id)
                    .where(Customer.id == customer_id))
    return str(name) if name else None
