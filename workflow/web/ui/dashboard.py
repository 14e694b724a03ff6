"""The dashboard: what needs attention today, on the same figures as the reports and the run.

Every panel is one or two set-based queries (or a room's own report) over what the viewer may see:
a lawyer sees the customers assigned to them, a salesperson their own customers
(``workflow.ledger.access.scoped``); company-wide figures (the KPIs, replies in triage) are shown to
the staff only, as the API shows them.

"Today's scheduled actions" are the decisions the daily run has recorded for today
(``DunningAction`` rows of today, with the day's ``ScheduledRun``): a dry run of the whole ledger
on every page view would cost seconds, and the run's own record is what was really done.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask import Blueprint, current_app, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from workflow.accounts.actor import Actor
from workflow.cases.models import DunningAction, DunningCase, Promise, ScheduledRun
from workflow.credit.signals import LIMITATION_WARNING_DAYS, limitation_critical
from workflow.db import cents_to_decimal
from workflow.ledger.access import is_restricted, scoped
from workflow.ledger.aging import BUCKETS, ZERO, AgingReport, aging_report
from workflow.ledger.balances import in_fen
from workflow.ledger.kpi import kpis
from workflow.ledger.models import Customer, Payment
from workflow.web.api.base import core, uow
from workflow.web.ui import i18n, labels
from workflow.web.ui.charts import Bar, bar_chart
from workflow.web.ui.format import money
from workflow.web.ui.page import STAFF, actor, nav_item, page, render

bp = Blueprint("ui_dashboard", __name__)
nav_item("Dashboard", "ui_dashboard.dashboard", order=0)

LIST_LIMIT = 20  # rows a panel lists; its count says how many there are in all
CASH_MONTHS = 12
PROMISE_WEEKS = 8

# what the run decided (DunningAction.action / .status), as the panel says it
ACTIONS = {
    "pre_due": lazy_gettext("Pre-due reminder"),
    "level": lazy_gettext("Escalation level"),
    "statement": lazy_gettext("Statement of account"),
    "statement_chase": lazy_gettext("Statement chase"),
    "resend": lazy_gettext("Resent letter"),
    "reply": lazy_gettext("Answer to a reply"),
    "manual": lazy_gettext("Sent by hand"),
}
STATUSES = {
    "queued": lazy_gettext("Queued to send"),
    "awaiting_approval": lazy_gettext("Awaiting approval"),
    "approved": lazy_gettext("Approved"),
    "rejected": lazy_gettext("Rejected"),
    "blocked": lazy_gettext("Blocked"),
    "noted": lazy_gettext("Noted"),
    "sent": lazy_gettext("Sent"),
}
STATUS_BADGE = {"queued": "ok", "approved": "ok", "sent": "ok", "awaiting_approval": "warn", "blocked": "bad",
                "rejected": "bad"}
RUN_STATUSES = {
    "claimed": lazy_gettext("running"),
    "done": lazy_gettext("done"),
    "failed": lazy_gettext("failed"),
}
KINDS = labels.LETTER_KINDS


def short_money(amount: Decimal) -> str:
    """A bar's own label, short enough for twelve bars side by side (万 in Chinese, K/M in English);
    the table beside the chart has the exact figures."""
    if i18n.is_zh():
        if abs(amount) >= 100_000_000:
            return f"{amount / 100_000_000:,.2f}亿"
        return f"{amount / 10_000:,.1f}万" if abs(amount) >= 10_000 else money(amount)
    if abs(amount) >= 1_000_000:
        return f"{amount / 1_000_000:,.2f}M"
    return f"{amount / 1_000:,.1f}K" if abs(amount) >= 1_000 else money(amount)


def label(table: Mapping[str, Any], code: str | None) -> str:
    return str(table.get(code or "", code or ""))


def link(endpoint: str, **values: Any) -> str | None:
    """A link to another area's page, once that area is installed; None until then (the panel then
    shows the text without a link rather than a link to nowhere)."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def case_link(ref: str) -> str | None:
    return link("ui_case.case", ref=ref) or link("ui_cases.case", ref=ref)


def customer_link(customer_id: int) -> str | None:
    return link("ui_customers.customer", customer_id=customer_id)


# ---- the panels ----------------------------------------------------------------------------------

def mine(stmt: Any, who: Actor, customer_id_col: Any) -> Select[Any]:
    """``scoped`` for statements of any row shape (SQLAlchemy types each shape apart)."""
    return scoped(stmt, who, customer_id_col)


def visible_customers(who: Actor) -> Select[Any] | None:
    """The ids of the customers a lawyer or salesperson may see; None for the staff (all)."""
    if not is_restricted(who):
        return None
    return mine(select(Customer.id), who, Customer.id)


@dataclass
class AgingPanel:
    currency: str
    buckets: list[tuple[str, Decimal]]
    total: Decimal
    overdue: Decimal
    customers: int

    def chart(self, uid: str) -> Any:
        bars = [Bar(name, amount, short_money(amount)) for name, amount in self.buckets]
        return bar_chart(bars, title=_("Receivables by aging bucket (%(currency)s)", currency=self.currency), uid=uid)


def aging_panels(s: Session, who: Actor, today: date) -> list[AgingPanel]:
    report: AgingReport = aging_report(s, today)
    mine = visible_customers(who)
    allowed = None if mine is None else set(s.scalars(mine))
    sums: dict[str, dict[str, Decimal]] = {}
    counts: dict[str, int] = defaultdict(int)
    for line in report.lines:
        if allowed is not None and line.customer_id not in allowed:
            continue
        cur = sums.setdefault(line.currency, dict.fromkeys((b.key for b in BUCKETS), ZERO))
        for key, amount in line.buckets.items():
            cur[key] += amount
        counts[line.currency] += 1
    zh = i18n.is_zh()
    out = []
    for currency in sorted(sums):
        buckets = [(b.zh if zh else b.en, sums[currency][b.key]) for b in BUCKETS]
        total = sum((a for _n, a in buckets), ZERO)
        out.append(AgingPanel(currency, buckets, total, total - sums[currency]["not_due"], counts[currency]))
    return out


def kpi_panels(s: Session, today: date) -> dict[str, Any]:
    return kpis(s, today, 365)


def _month_starts(today: date, n: int) -> list[date]:
    first = today.replace(day=1)
    months = [first]
    for _i in range(n - 1):
        first = (first - timedelta(days=1)).replace(day=1)
        months.append(first)
    return list(reversed(months))


@dataclass
class SeriesPanel:
    """Amounts per period (a month, a week) and currency, for a chart and its table."""

    periods: list[str]
    by_currency: dict[str, list[Decimal]] = field(default_factory=dict)
    # the bars' names, shorter than the table's (which says the year too)
    names: list[str] = field(default_factory=list)

    def chart(self, currency: str, title: str, uid: str) -> Any:
        bars = [Bar(p, v, short_money(v)) for p, v in zip(self.names or self.periods, self.by_currency[currency],
                                                           strict=True)]
        return bar_chart(bars, title=title, uid=uid)

    def totals(self) -> dict[str, Decimal]:
        return {cur: sum(values, ZERO) for cur, values in self.by_currency.items()}


def cash_collected(s: Session, who: Actor, today: date) -> SeriesPanel:
    """Payments received per calendar month, the last 12 months (this one so far included): one
    grouped query with a sum per month, the same on SQLite and PostgreSQL."""
    starts = _month_starts(today, CASH_MONTHS)
    ends = [*starts[1:], today + timedelta(days=1)]
    fen = in_fen(Payment.amount)
    sums = [func.sum(case((and_(Payment.received_on >= a, Payment.received_on < b), fen), else_=0))
            for a, b in zip(starts, ends, strict=True)]
    stmt = mine(select(Payment.currency, *sums)
                .where(Payment.received_on >= starts[0], Payment.received_on <= today)
                .group_by(Payment.currency), who, Payment.customer_id)
    panel = SeriesPanel([d.strftime("%Y-%m") for d in starts],
                        names=[f"{d.month}月" if i18n.is_zh() else d.strftime("%b") for d in starts])
    for currency, *values in s.execute(stmt):
        panel.by_currency[str(currency)] = [cents_to_decimal(v or 0) for v in values]
    return panel


def week_of(today: date) -> tuple[date, date]:
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


def _open_promises(who: Actor) -> Select[Any]:
    stmt = (select(Promise, DunningCase.ref, Customer.id, Customer.legal_name)
            .join(DunningCase, DunningCase.id == Promise.case_id)
            .join(Customer, Customer.id == DunningCase.customer_id)
            .where(Promise.status == "pending"))
    return mine(stmt, who, DunningCase.customer_id)


def promises_this_week(s: Session, who: Actor, today: date) -> dict[str, Any]:
    monday, sunday = week_of(today)
    stmt = _open_promises(who).where(Promise.promised_on >= monday, Promise.promised_on <= sunday)
    total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = s.execute(stmt.order_by(Promise.promised_on, Promise.id).limit(LIST_LIMIT)).all()
    sums_q = (mine(select(Promise.currency, func.sum(in_fen(Promise.amount)))
                     .join(DunningCase, DunningCase.id == Promise.case_id)
                     .where(Promise.status == "pending", Promise.promised_on >= monday,
                            Promise.promised_on <= sunday), who, DunningCase.customer_id)
              .group_by(Promise.currency))
    sums = {str(cur): cents_to_decimal(v or 0) for cur, v in s.execute(sums_q)}
    return {"from": monday, "to": sunday, "total": total, "sums": dict(sorted(sums.items())),
            "rows": [{"id": p.id, "promised_on": p.promised_on, "amount": p.amount, "currency": p.currency,
                      "ref": ref, "case_url": case_link(ref), "customer": name,
                      "customer_url": customer_link(cid), "overdue": p.promised_on < today}
                     for p, ref, cid, name in rows]}


def promises_due(s: Session, who: Actor, today: date) -> SeriesPanel:
    """Open promises by the week they fall due: this week and the next seven."""
    monday, _sunday = week_of(today)
    starts = [monday + timedelta(weeks=i) for i in range(PROMISE_WEEKS)]
    fen = in_fen(Promise.amount)
    sums = [func.sum(case((and_(Promise.promised_on >= a, Promise.promised_on < a + timedelta(weeks=1)), fen),
                          else_=0)) for a in starts]
    stmt = mine(select(Promise.currency, *sums).join(DunningCase, DunningCase.id == Promise.case_id)
                .where(Promise.status == "pending", Promise.promised_on >= starts[0],
                       Promise.promised_on < starts[-1] + timedelta(weeks=1))
                .group_by(Promise.currency), who, DunningCase.customer_id)
    panel = SeriesPanel([_("from %(day)s", day=d.strftime("%m-%d")) for d in starts])
    for currency, *values in s.execute(stmt):
        panel.by_currency[str(currency)] = [cents_to_decimal(v or 0) for v in values]
    return panel


def _actions(who: Actor) -> Select[Any]:
    stmt = (select(DunningAction, DunningCase.ref, Customer.id, Customer.legal_name)
            .join(Customer, Customer.id == DunningAction.customer_id)
            .outerjoin(DunningCase, DunningCase.id == DunningAction.case_id))
    return mine(stmt, who, DunningAction.customer_id)


def _action_row(a: DunningAction, ref: str | None, cid: int, name: str) -> dict[str, Any]:
    reason = a.reason or ""
    if " / " in reason:
        # the run records its reasons as "中文 / English" (DunningAction.reason)
        zh, en = reason.split(" / ", 1)
        reason = i18n.pick(zh, en)
    return {"id": a.id, "run_on": a.run_on, "action": label(ACTIONS, a.action), "level": a.level,
            "kind": label(KINDS, a.kind), "status": label(STATUSES, a.status), "status_code": a.status,
            "badge": STATUS_BADGE.get(a.status, ""), "reason": reason, "ref": ref,
            "case_url": case_link(ref) if ref else None, "customer": name, "customer_url": customer_link(cid)}


def todays_actions(s: Session, who: Actor, today: date) -> dict[str, Any]:
    stmt = _actions(who).where(DunningAction.run_on == today)
    counts_q = mine(select(DunningAction.status, func.count()).where(DunningAction.run_on == today),
                      who, DunningAction.customer_id).group_by(DunningAction.status)
    counts = {str(st): int(n) for st, n in s.execute(counts_q)}
    rows = s.execute(stmt.order_by(DunningAction.id).limit(LIST_LIMIT)).all()
    run = s.scalar(select(ScheduledRun).where(ScheduledRun.job == "dunning_run", ScheduledRun.run_on == today))
    return {"counts": [(label(STATUSES, st), STATUS_BADGE.get(st, ""), n) for st, n in sorted(counts.items())],
            "total": sum(counts.values()), "rows": [_action_row(*r) for r in rows],
            "run_status": label(RUN_STATUSES, run.status) if run is not None else None,
            "run_at": run.finished_at or run.claimed_at if run is not None else None,
            "run_hour": core().settings.run_hour}


def awaiting_approval(s: Session, who: Actor) -> dict[str, Any]:
    """律师函 drafts waiting for a lawyer or the legal team (the run records them ``awaiting_approval``)."""
    stmt = _actions(who).where(DunningAction.status == "awaiting_approval")
    total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = s.execute(stmt.order_by(DunningAction.run_on, DunningAction.id).limit(LIST_LIMIT)).all()
    return {"total": total, "rows": [_action_row(*r) for r in rows]}


def triage_waiting() -> dict[str, Any]:
    data = core().services.inbox.triage(uow(), page=1, per_page=1)
    return {"total": int(data["total"]), "url": link("ui_triage.triage")}


def limitation_ending(s: Session, who: Actor, today: date) -> dict[str, Any]:
    """Customers with open invoices whose limitation period ends within 90 days (or has ended), by the
    credit room's ledger-level rule (``workflow.credit.signals``, docs/credit.md); the customer's
    claim computes each invoice's period exactly."""
    found = limitation_critical(s, today, core().settings.tz)
    mine = visible_customers(who)
    allowed = None if mine is None else set(s.scalars(mine))
    hits = [(int(cid), str(cur), int(n), int(fen or 0)) for cid, cur, n, fen in found
            if allowed is None or int(cid) in allowed]
    hits.sort(key=lambda h: (h[1] != "CNY", h[1], -h[3]))
    names = {int(cid): str(name) for cid, name in s.execute(
        select(Customer.id, Customer.legal_name).where(Customer.id.in_([h[0] for h in hits[:LIST_LIMIT]])))}
    return {"total": len({h[0] for h in hits}), "invoices": sum(h[2] for h in hits), "days": LIMITATION_WARNING_DAYS,
            "rows": [{"customer_id": cid, "customer": names.get(cid, str(cid)), "customer_url": customer_link(cid),
                      "currency": cur, "invoices": n, "owed": cents_to_decimal(fen)}
                     for cid, cur, n, fen in hits[:LIST_LIMIT]]}


@page(bp, "/")
def dashboard() -> ResponseReturnValue:
    who = actor()
    u = uow()
    s, today = u.session, u.today()
    staff = who.role in STAFF
    cash = cash_collected(s, who, today)
    due = promises_due(s, who, today)
    return render(
        "ui/dashboard/index.html", today=today, staff=staff, restricted=is_restricted(who),
        aging=aging_panels(s, who, today),
        kpi=kpi_panels(s, today) if staff else None,
        cash=cash, cash_totals=cash.totals(), due=due, due_totals=due.totals(),
        promises=promises_this_week(s, who, today),
        actions=todays_actions(s, who, today),
        approvals=awaiting_approval(s, who),
        triage=triage_waiting() if staff else None,
        limitation=limitation_ending(s, who, today),
    )
