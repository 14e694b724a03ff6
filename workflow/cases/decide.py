"""The daily run's decisions, as pure rules over what one grouped query found (``run.py``): for each
(creditor, customer) the one thing to do today — the next escalation level, a 对账单 or its chase, a
pre-due reminder — or why nothing (a hold, do-not-dun, the contact caps, not yet due). Nothing here
touches the database; ``run.py`` reads the groups and look-ups, and acts on the decisions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from workflow.cases.contact import ContactSettings, RunCalendar, cap_reason
from workflow.cases.policy import Ladder
from workflow.cases.states import ESCALATING, CaseState

STATEMENT_REPLY_DAYS = 10  # working days a 对账单 waits for its signed slip before the chase, and after it
PRIORITY = {"level": 0, "statement": 1, "statement_chase": 1, "pre_due": 2}
SCHEDULE_ZH = {"monthly": "月度", "quarterly": "季度"}
HOLD_REASONS = {
    CaseState.DISPUTED: ("有争议：自动催收暂停，待人工处理",
                         "disputed: automatic dunning stops until a person resolves the dispute"),
    CaseState.PAUSED: ("已由文员暂停", "paused by a clerk"),
    CaseState.REPAYMENT_PLAN: ("还款计划执行中", "repayment plan active"),
    CaseState.LAWYER_LETTER_PENDING: ("律师函待审批", "lawyer's letter awaiting approval"),
    CaseState.LEGAL_ACTION: ("已进入诉讼/仲裁程序", "legal action under way"),
}


@dataclass(slots=True)
class Group:
    """One (creditor, customer) as the decision pass sees it (its currencies merged)."""

    creditor_id: int
    customer_id: int
    customer_name: str
    do_not_dun: bool
    policy_id: int | None
    schedule: str
    oldest_overdue: date | None = None
    next_due: date | None = None
    outstanding: dict[str, int] = field(default_factory=dict)  # currency → fen
    statement_owed: dict[str, dict[str, int]] = field(default_factory=dict)  # schedule → currency → fen
    case_id: int | None = None
    case_ref: str | None = None
    case_state: str | None = None
    case_level: int = 0
    last_action_on: date | None = None
    promised_on: date | None = None
    broken_on: date | None = None


@dataclass(slots=True)
class Decision:
    creditor_id: int
    customer_id: int
    customer: str
    action: str  # level, statement, statement_chase, pre_due, statement_note, none
    outcome: str  # send, draft, note, wait, skip; after execution: queued, awaiting_approval, noted, blocked, done
    reason: str  # in English (logs, tests); ``reason_zh`` in Chinese; records keep both
    reason_zh: str = ""
    case_ref: str | None = None
    level: int | None = None
    kind: str | None = None
    key: str | None = None
    trigger: date | None = None
    period_end: date | None = None
    period_start: date | None = None
    currency: str | None = None
    open_case: bool = False  # something is overdue and the case must be opened (or marked overdue)
    outbox_id: int | None = None
    document_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        for k in ("trigger", "period_end", "period_start"):
            if out[k] is not None:
                out[k] = out[k].isoformat()
        return out

    def because(self, outcome: str, why: tuple[str, str], *, before: bool = False) -> None:
        """Set the outcome and its reason; ``before``: put this reason ahead of the one there."""
        zh, en = why
        if before:
            zh, en = f"{zh}；{self.reason_zh}", f"{en}; {self.reason}"
        self.outcome, self.reason_zh, self.reason = outcome, zh, en

    def reason_in(self, locale: str) -> str:
        return self.reason if locale.startswith("en") else (self.reason_zh or self.reason)

    @property
    def both_reasons(self) -> str:
        """Both languages, as records and audit entries keep them."""
        return self.reason if not self.reason_zh or self.reason_zh == self.reason else \
            f"{self.reason_zh} / {self.reason}"


# ---- periods -----------------------------------------------------------------------------------

@lru_cache(maxsize=64)
def period_end(as_of: date, schedule: str) -> date:
    """The last month (or quarter) end before ``as_of``: the period the next 对账单 covers."""
    first_of_month = as_of.replace(day=1)
    if schedule == "quarterly":
        first_of_month = first_of_month.replace(month=(first_of_month.month - 1) // 3 * 3 + 1)
    return first_of_month - timedelta(days=1)


@lru_cache(maxsize=64)
def period_start(end: date, schedule: str) -> date:
    if schedule == "quarterly":
        return end.replace(month=(end.month - 1) // 3 * 3 + 1, day=1)
    return end.replace(day=1)


@lru_cache(maxsize=4096)
def _iso(d: date) -> str:
    return d.isoformat()


def level_key(case_id: int, n: int) -> str:
    return f"level:{case_id}:{n}"


def pre_due_key(creditor_id: int, customer_id: int, due: date) -> str:
    return f"pre_due:{creditor_id}:{customer_id}:{_iso(due)}"


def statement_key(action: str, creditor_id: int, customer_id: int, end: date) -> str:
    return f"{action}:{creditor_id}:{customer_id}:{_iso(end)}"


@dataclass(frozen=True)
class Known:
    """What the batch's set-based look-ups found."""

    actions: Mapping[str, tuple[str, date, str | None]]  # key → (status, run_on, reason)
    contacts: Mapping[int, tuple[int, int]]  # customer → (today, last 7 days)
    signed: Mapping[int, date]  # customer → latest signed statement


# ---- the rules ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rules:
    calendar: RunCalendar
    settings: ContactSettings
    ladders: Mapping[int, Ladder]
    default: Ladder

    def ladder(self, g: Group) -> Ladder:
        return self.ladders.get(g.policy_id, self.default) if g.policy_id is not None else self.default


def candidate_keys(rules: Rules, g: Group, as_of: date) -> list[str]:
    keys = []
    if g.case_id is not None:
        keys.append(level_key(g.case_id, g.case_level + 1))
    if g.next_due is not None:
        keys.append(pre_due_key(g.creditor_id, g.customer_id, g.next_due))
    if g.schedule != "none":
        end = period_end(as_of, g.schedule)
        keys += [statement_key(a, g.creditor_id, g.customer_id, end)
                 for a in ("statement", "statement_chase", "statement_note")]
    return keys


def _taken(known: Known, key: str, as_of: date) -> tuple[str, date, str | None] | None:
    """The action already recorded under ``key``; a blocked one from an earlier day is retried."""
    found = known.actions.get(key)
    if found is not None and found[0] == "blocked" and found[1] < as_of:
        return None
    return found


def hold_reason(rules: Rules, g: Group) -> tuple[str, str] | None:
    if g.case_state is None:
        return None
    state = CaseState(g.case_state)
    if state is CaseState.PROMISE_PENDING:
        if g.promised_on is None:
            return "承诺付款中", "promise pending"
        until = rules.calendar.add_working_days(g.promised_on, rules.ladder(g).promise_grace_days)
        return (f"承诺付款中：等待至 {until.isoformat()}（承诺日 {g.promised_on.isoformat()} 加宽限期）",
                f"promise pending: waiting until {until.isoformat()} (promised {g.promised_on.isoformat()} + grace)")
    if state in HOLD_REASONS:
        return HOLD_REASONS[state]
    if state not in ESCALATING:
        return f"案件状态为 {state.value}", f"case is {state.value}"
    return None


def decide_group(rules: Rules, g: Group, known: Known, as_of: date) -> tuple[list[Decision], list[Decision]]:
    """(messages this group could send today, other decisions: notes, waits, reasons)."""
    def make(why: tuple[str, str], **changes: Any) -> Decision:
        return Decision(creditor_id=g.creditor_id, customer_id=g.customer_id, customer=g.customer_name,
                        case_ref=g.case_ref, reason_zh=why[0], reason=why[1], **changes)

    overdue = g.oldest_overdue is not None
    opens = overdue and (g.case_id is None or g.case_state == CaseState.PRE_DUE.value)
    if g.do_not_dun:
        return [], [make(("已设为不催收", "do-not-dun"), action="none", outcome="skip", open_case=opens)]
    held = hold_reason(rules, g)
    if held is not None:
        return [], [make(held, action="none", outcome="skip")]
    ladder = rules.ladder(g)
    cal = rules.calendar
    messages: list[Decision] = []
    others: list[Decision] = []
    # the escalation ladder: the next level only, once its trigger date has come
    if overdue and g.oldest_overdue is not None:
        n = g.case_level + 1
        lvl = ladder.level(n)
        if lvl is not None:
            trigger = cal.add_working_days(g.oldest_overdue, lvl.offset)
            # a promise broken since the last letter escalates now (docs/dunning.md); the run settles
            # promises before it sends, so a letter of the same day already answered the break
            broke = g.broken_on is not None and (g.last_action_on is None or g.broken_on > g.last_action_on)
            key = level_key(g.case_id, n) if g.case_id is not None else None
            taken = _taken(known, key, as_of) if key else None
            if taken is not None:
                others.append(make((f"第 {n} 级已于 {taken[1]} {taken[0]}",
                                    f"level {n} already {taken[0]} on {taken[1]}"),
                                   action="level", outcome="skip", level=n, kind=lvl.kind, key=key, trigger=trigger))
            elif trigger <= as_of or broke:
                if broke and trigger > as_of:
                    why = ("承诺未兑现：升级催收", "promise broken: escalates")
                else:
                    why = (f"第 {n} 级自 {trigger.isoformat()} 起到期", f"level {n} due since {trigger.isoformat()}")
                messages.append(make(why, action="level", outcome="draft" if lvl.approval else "send",
                                     level=n, kind=lvl.kind, key=key, trigger=trigger, open_case=opens))
            else:
                others.append(make((f"第 {n} 级于 {trigger.isoformat()} 到期",
                                    f"level {n} due on {trigger.isoformat()}"),
                                   action="none", outcome="wait", level=n, kind=lvl.kind, trigger=trigger,
                                   open_case=opens))
        elif opens:
            others.append(make(("已逾期：立案", "overdue: case opened"), action="none", outcome="wait",
                               open_case=True))
    # the periodic 对账单, its one chase, then a note on the case
    if g.schedule != "none":
        end = period_end(as_of, g.schedule)
        owed = g.statement_owed.get(g.schedule, {})
        currency = "CNY" if owed.get("CNY", 0) > 0 else next((c for c, v in sorted(owed.items()) if v > 0), None)
        first_day = cal.roll_forward(end + timedelta(days=1))
        sent = _taken(known, statement_key("statement", g.creditor_id, g.customer_id, end), as_of)
        if currency is not None and as_of >= first_day and sent is None:
            messages.append(make(action="statement", outcome="send", kind="statement",
                                     key=statement_key("statement", g.creditor_id, g.customer_id, end),
                                     trigger=first_day, period_end=end, currency=currency,
                                     period_start=period_start(end, g.schedule),
                                     why=(f"{SCHEDULE_ZH.get(g.schedule, g.schedule)}对账单（截至 {end.isoformat()}）",
                                          f"{g.schedule} statement for the period ending {end.isoformat()}")))
        elif sent is not None and sent[0] == "queued":
            answered = known.signed.get(g.customer_id)
            replied = answered is not None and answered >= sent[1]
            chase_key = statement_key("statement_chase", g.creditor_id, g.customer_id, end)
            chased = _taken(known, chase_key, as_of)
            if not replied and chased is None \
                    and as_of >= cal.add_working_days(sent[1], STATEMENT_REPLY_DAYS):
                messages.append(make(action="statement_chase", outcome="send", kind="statement",
                                         key=chase_key, period_end=end, currency=currency or "CNY",
                                         period_start=period_start(end, g.schedule),
                                         why=(f"{sent[1].isoformat()} 的对账单未获回复：催一次",
                                              f"statement of {sent[1].isoformat()} unanswered: chased once")))
            elif not replied and chased is not None and chased[0] == "queued":
                note_key = statement_key("statement_note", g.creditor_id, g.customer_id, end)
                if _taken(known, note_key, as_of) is None \
                        and as_of >= cal.add_working_days(chased[1], STATEMENT_REPLY_DAYS):
                    others.append(make((f"{sent[1].isoformat()} 的对账单经 {chased[1].isoformat()} 催告后仍未回复",
                                        f"statement of {sent[1].isoformat()} still unanswered after the chase of "
                                        f"{chased[1].isoformat()}"),
                                       action="statement_note", outcome="note", key=note_key, period_end=end))
    # the friendly reminder before the next due date
    if ladder.pre_due is not None and g.next_due is not None:
        trigger = cal.add_working_days(g.next_due, ladder.pre_due.offset)
        key = pre_due_key(g.creditor_id, g.customer_id, g.next_due)
        if trigger <= as_of < g.next_due and _taken(known, key, as_of) is None:
            messages.append(make(action="pre_due", outcome="send", kind=ladder.pre_due.kind, key=key,
                                     trigger=trigger, why=(f"发票将于 {g.next_due.isoformat()} 到期",
                                                           f"invoice due {g.next_due.isoformat()}")))
    return messages, others


def decide_customer(rules: Rules, groups: Sequence[Group], known: Known, as_of: date) -> list[Decision]:
    """At most one automated message per customer and day, across its creditors: the highest
    priority (an escalation level, then a statement, then a pre-due reminder), oldest first."""
    messages: list[Decision] = []
    out: list[Decision] = []
    for g in groups:
        m, o = decide_group(rules, g, known, as_of)
        messages += m
        out += o
    if not messages:
        return out
    messages.sort(key=lambda d: (PRIORITY[d.action], d.trigger or date.max, d.creditor_id))
    first, rest = messages[0], messages[1:]
    sends = first.outcome == "send"
    capped = cap_reason(*known.contacts.get(first.customer_id, (0, 0)), rules.settings) if sends else None
    if capped is not None:
        first.because("wait", capped, before=True)
    for d in rest:
        d.because("wait", ("每个客户每天最多一封", "one message per customer and day"), before=True)
    return [first, *rest, *out]


