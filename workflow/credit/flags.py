"""Warning signs the seeds teach, found set-based for every customer at once and raised as flags with
their evidence (docs/credit.md):

- ``order_spike``: a new customer (first invoice issued less than ``NEW_CUSTOMER_DAYS`` ago) ordering
  far above its history: an invoice issued, or an order reported, in the last ``SPIKE_WINDOW_DAYS``
  days for more than ``SPIKE_MULTIPLE`` × the average of its earlier invoices (same currency), and
  at least ``SPIKE_MINIMUM``. Without an earlier invoice there is no history to be above.
- ``payments_slipping``: the average days beyond terms of the invoices settled in each of the last
  four complete calendar months rose three months in a row (each month with at least one invoice
  settled).
- ``contact_change_after_dispute``: after a dispute was raised on one of the customer's cases (in
  the last 12 months), a contact was added, changed or removed (the audit log's ``contact.*``
  entries), or a reply asked to change the payee's account or the contact person. The reply
  classifier has no such intent (``workflow.mail.intent.INTENTS``), so the reply's new text is
  searched for the ``CHANGE_WORDS`` below.

``detect`` only finds; ``workflow.credit.service`` raises a flag once per customer and kind while
it stands, and does not raise again the evidence a person has already cleared (``key``).
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, false, func, select
from sqlalchemy.orm import Session

from workflow.audit.models import AuditEntry
from workflow.cases.models import DunningCase
from workflow.credit.models import ExposureOrder
from workflow.credit.signals import lateness
from workflow.db import cents_to_decimal
from workflow.ledger.balances import in_fen
from workflow.ledger.models import Invoice
from workflow.mail.inbound import InboundMessage

NEW_CUSTOMER_DAYS = 183  # about six months
SPIKE_WINDOW_DAYS = 30
SPIKE_MULTIPLE = Decimal(3)
SPIKE_MINIMUM = Decimal("50000.00")
SLIPPING_MONTHS = 4  # three rises need four months
DISPUTE_LOOKBACK_DAYS = 365
CONTACT_ACTIONS = ("contact.create", "contact.update", "contact.delete")
# a request to pay another account or to deal with someone else, in the reply's own words
CHANGE_WORDS = re.compile(
    r"变更收款(?:账户|帐户|账号|帐号|人|单位)|更改收款(?:账户|帐户|账号|帐号|人)|更换收款(?:账户|帐户|账号|帐号|人)|"
    r"收款(?:账户|帐户|账号|帐号)(?:已|有)?(?:变更|更改|更换|变动)|新的?收款(?:账户|帐户|账号|帐号)|"
    r"更换联系人|变更联系人|联系人(?:已)?(?:变更|更换|变动)|新的?联系人|改由.{0,10}(?:联系|对接|负责)|"
    r"\bchange (?:of|in|to) (?:the |our )?(?:payee|bank (?:account|details)|beneficiary|contact(?: person)?)\b|"
    r"\bnew (?:bank account|bank details|beneficiary|payee|contact person)\b|"
    r"\b(?:updated|changed) (?:our |the )?(?:bank (?:account|details)|beneficiary|contact(?: person)?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Sign:
    customer_id: int
    kind: str
    key: str  # what the evidence is about: a cleared flag with the same key is not raised again
    evidence: dict[str, Any]

    @property
    def summary(self) -> tuple[str, str]:
        return SUMMARY[self.kind]


SUMMARY = {
    "order_spike": ("新客户订单远超其历史水平", "a new customer ordering far above its history"),
    "payments_slipping": ("付款逐月拖延（平均逾期天数连续三个月上升）",
                          "payments slipping month over month (average days late rose three months running)"),
    "contact_change_after_dispute": ("争议后要求变更收款账户或联系人",
                                     "asked to change the payee account or contact after a dispute"),
}
KINDS = tuple(SUMMARY)


def detect(s: Session, as_of: date, tz: ZoneInfo) -> list[Sign]:
    return [*order_spikes(s, as_of, tz), *payments_slipping(s, as_of), *contact_changes(s, as_of, tz)]


# ---- a new customer ordering far above its history ------------------------------------------------

def order_spikes(s: Session, as_of: date, tz: ZoneInfo) -> list[Sign]:
    window = as_of - timedelta(days=SPIKE_WINDOW_DAYS)
    first = (select(Invoice.customer_id.label("customer_id"), func.min(Invoice.issue_date).label("first"))
             .where(Invoice.issue_date <= as_of).group_by(Invoice.customer_id)
             .having(func.min(Invoice.issue_date) > as_of - timedelta(days=NEW_CUSTOMER_DAYS)).subquery("new"))
    amount = in_fen(Invoice.amount)
    history = {(int(c), str(cur)): (int(n), int(total), f) for c, cur, n, total, f in s.execute(
        select(Invoice.customer_id, Invoice.currency, func.count(), func.sum(amount), first.c.first)
        .join(first, first.c.customer_id == Invoice.customer_id)
        .where(Invoice.issue_date < window).group_by(Invoice.customer_id, Invoice.currency, first.c.first))}
    if not history:
        return []
    new_ids = select(first.c.customer_id)
    recent: dict[tuple[int, str], list[tuple[int, str, str, date | None]]] = defaultdict(list)
    for c, cur, fen, number, issued in s.execute(
            select(Invoice.customer_id, Invoice.currency, amount, Invoice.number, Invoice.issue_date)
            .where(Invoice.customer_id.in_(new_ids), Invoice.issue_date >= window, Invoice.issue_date <= as_of)):
        recent[(int(c), str(cur))].append((int(fen), "invoice", str(number), issued))
    since = datetime.combine(window, time(), tz)
    for c, cur, fen, ref, ordered in s.execute(
            select(ExposureOrder.customer_id, ExposureOrder.currency, in_fen(ExposureOrder.amount),
                   ExposureOrder.external_ref, ExposureOrder.ordered_on)
            .where(ExposureOrder.customer_id.in_(new_ids), ExposureOrder.status != "cancelled",
                   ExposureOrder.reported_at >= since)):
        recent[(int(c), str(cur))].append((int(fen), "order", str(ref), ordered))
    out: list[Sign] = []
    for (cid, cur), items in sorted(recent.items()):
        if (cid, cur) not in history:
            continue
        n, total, first_on = history[(cid, cur)]
        average = cents_to_decimal(total) / n
        fen, what, ref, on = max(items, key=lambda i: (i[0], i[2]))
        big = cents_to_decimal(fen)
        if big <= average * SPIKE_MULTIPLE or big < SPIKE_MINIMUM:
            continue
        out.append(Sign(cid, "order_spike", f"{what}:{ref}", {
            "first_invoice_on": str(first_on)[:10], "currency": cur, "history_invoices": n,
            "history_average": str(average.quantize(Decimal("0.01"), ROUND_HALF_UP)), "largest": {
                "kind": what, "ref": ref, "amount": str(big), "date": on.isoformat() if on else None},
            "multiple": str((big / average).quantize(Decimal("0.1"), ROUND_HALF_UP)) if average else None,
            "threshold": {"multiple": str(SPIKE_MULTIPLE), "minimum": str(SPIKE_MINIMUM)}}))
    return out


# ---- payments slipping month over month ---------------------------------------------------------

def month_starts(as_of: date, n: int = SLIPPING_MONTHS) -> list[date]:
    """The first days of the last ``n`` complete months, and of the current one (n + 1 dates)."""
    y, m = as_of.year, as_of.month
    starts = [date(y, m, 1)]
    for _ in range(n):
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
        starts.insert(0, date(y, m, 1))
    return starts


def payments_slipping(s: Session, as_of: date) -> list[Sign]:
    late = lateness(s, as_of, [])
    starts = month_starts(as_of)
    settled = late.c.open_then == false()
    cols: list[Any] = []
    for lo, hi in itertools.pairwise(starts):
        inside = and_(settled, late.c.last_by >= lo, late.c.last_by < hi)
        cols += [func.sum(case((inside, 1), else_=0)), func.sum(case((inside, late.c.days), else_=0))]
    out: list[Sign] = []
    for row in s.execute(select(late.c.customer_id, *cols).where(late.c.last_by >= starts[0])
                         .group_by(late.c.customer_id)):
        cid, figures = int(row[0]), [int(v or 0) for v in row[1:]]
        months = []
        for i, lo in enumerate(starts[:-1]):
            n, days = figures[2 * i], figures[2 * i + 1]
            months.append((lo, n, Decimal(days) / n if n else None))
        avgs = [a for _, _, a in months if a is not None]
        if len(avgs) < len(months) or not all(b > a for a, b in itertools.pairwise(avgs)):
            continue
        key = f"months:{starts[0].isoformat()[:7]}..{starts[-2].isoformat()[:7]}"
        out.append(Sign(cid, "payments_slipping", key, {
            "months": [{"month": lo.isoformat()[:7], "invoices_settled": n,
                        "avg_days_late": str(a.quantize(Decimal("0.1"), ROUND_HALF_UP)) if a is not None else None}
                       for lo, n, a in months]}))
    return out


# ---- a change of payee or contact after a dispute ---------------------------------------------------

def contact_changes(s: Session, as_of: date, tz: ZoneInfo) -> list[Sign]:
    end = datetime.combine(as_of + timedelta(days=1), time(), tz)
    start = end - timedelta(days=DISPUTE_LOOKBACK_DAYS)
    raised = list(s.execute(select(AuditEntry.entity_id, func.min(AuditEntry.at))
                            .where(AuditEntry.action == "case.dispute_raised", AuditEntry.at >= start,
                                   AuditEntry.at < end).group_by(AuditEntry.entity_id)))
    if not raised:
        return []
    case_ids = {int(e): at for e, at in raised if str(e).isdigit()}
    disputes: dict[int, tuple[datetime, str]] = {}  # customer -> (first dispute raised, case ref)
    for case_id, customer_id, ref in s.execute(select(DunningCase.id, DunningCase.customer_id, DunningCase.ref)
                                               .where(DunningCase.id.in_(case_ids))):
        at = case_ids[int(case_id)]
        if int(customer_id) not in disputes or at < disputes[int(customer_id)][0]:
            disputes[int(customer_id)] = (at, str(ref))
    earliest = min(at for at, _ in disputes.values())
    changes: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for entry_id, action, at, before, after in s.execute(
            select(AuditEntry.id, AuditEntry.action, AuditEntry.at, AuditEntry.before, AuditEntry.after)
            .where(AuditEntry.action.in_(CONTACT_ACTIONS), AuditEntry.at > earliest, AuditEntry.at < end)
            .order_by(AuditEntry.id)):
        row = after if isinstance(after, dict) else before if isinstance(before, dict) else {}
        cid = row.get("customer_id")
        if not isinstance(cid, int) or cid not in disputes or at <= disputes[cid][0]:
            continue
        changes[cid].append({"source": "audit", "id": int(entry_id), "action": action, "at": at.isoformat(),
                             "contact": {"name": row.get("name"), "email": row.get("email"),
                                         "phone": row.get("phone")},
                             "before": {k: before.get(k) for k in ("name", "email", "phone")}
                             if isinstance(before, dict) else None})
    for msg_id, cid, at, cls in s.execute(
            select(InboundMessage.id, InboundMessage.customer_id, InboundMessage.received_at,
                   InboundMessage.classification)
            .where(InboundMessage.customer_id.in_(list(disputes)), InboundMessage.received_at > earliest,
                   InboundMessage.received_at < end).order_by(InboundMessage.id)):
        if cid is None or at <= disputes[int(cid)][0] or not isinstance(cls, dict):
            continue
        text = str(cls.get("reply_text") or "")
        found = CHANGE_WORDS.search(text)
        if found is None:
            continue
        lo = max(found.start() - 40, 0)
        changes[int(cid)].append({"source": "reply", "id": int(msg_id), "at": at.isoformat(),
                                  "words": found.group(0), "excerpt": text[lo:found.end() + 60]})
    out: list[Sign] = []
    for cid, found_changes in sorted(changes.items()):
        at, ref = disputes[cid]
        last = found_changes[-1]
        out.append(Sign(cid, "contact_change_after_dispute", f"{last['source']}:{last['id']}", {
            "dispute": {"case": ref, "raised_at": at.isoformat()}, "changes": found_changes[-10:]}))
    return out
