"""Credit use cases: the daily recompute (ratings, grade changes, credit-hold recommendations, warning
signs), the orders other systems report, and what people see and decide (docs/credit.md).

The recompute reads every customer's figures set-based in one read-only unit of work
(``workflow.credit.signals``, ``workflow.credit.flags``), rates them with the pure rules
(``workflow.credit.rating``), then writes in batches of customers, one unit of work each: that day's
rating rows (a second recompute of a day replaces its rows), an audit entry per change of grade and
a notice to the customer's salesperson (once per change, by its key), and — only for today — the
credit-hold recommendations and the flags. A recommendation is never a hold: a person confirms it
(then ``workflow.cases.holds`` sets the hold and its webhook tells other systems) or dismisses it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.credit.flags import SUMMARY, Sign, detect
from workflow.credit.models import CreditRecommendation, CustomerFlag, CustomerRating, ExposureOrder
from workflow.credit.rating import Figures, Rating, Thresholds, Weights, rate
from workflow.credit.signals import gather
from workflow.errors import Conflict, NotFound, invalid
from workflow.ledger.access import can_see_customer, load, scoped
from workflow.ledger.models import Customer
from workflow.ledger.responsibility import salesperson_of_customer
from workflow.mail.notices import notify_user
from workflow.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

OpenUnitOfWork = Callable[..., AbstractContextManager[UnitOfWork]]
# ``CaseService.set_credit_hold``: the hold, its audit entry and the signed webhook
SetCreditHold = Callable[[UnitOfWork, int, str, Mapping[str, Any] | None], bool]
# ``workflow.mail.notices.notify_user`` with the salesperson looked up: (uow, customer_id, key, subject, body)
NotifySalesperson = Callable[[UnitOfWork, int, str, tuple[str, str], tuple[str, str]], object]

RECOMPUTE_ROLES = frozenset({Role.ADMIN, Role.CLERK})
DECIDE_ROLES = frozenset({Role.CLERK, Role.LEGAL, Role.ADMIN})  # who may set a credit hold (cases/holds.py)
ORDER_ROLES = frozenset({Role.CLERK, Role.LEGAL, Role.ADMIN})
BATCH = 1000
# a dismissed recommendation is not made again for the same trigger for this many days
DISMISSED_QUIET_DAYS = 30
ORDER_STATUSES = ("open", "shipped", "invoiced", "cancelled")
HISTORY_DAYS = 90
SORTS = {"score": (CustomerRating.score, Customer.code), "-score": (CustomerRating.score.desc(), Customer.code),
         "grade": (CustomerRating.grade, CustomerRating.score, Customer.code),
         "-grade": (CustomerRating.grade.desc(), CustomerRating.score.desc(), Customer.code),
         "customer": (Customer.code,), "-customer": (Customer.code.desc(),),
         "as_of": (CustomerRating.as_of, Customer.code), "-as_of": (CustomerRating.as_of.desc(), Customer.code)}


@dataclass
class RecomputeReport:
    as_of: date
    customers: int = 0
    grades: dict[str, int] = field(default_factory=dict)
    changed: list[dict[str, Any]] = field(default_factory=list)
    recommendations: list[int] = field(default_factory=list)
    flags: list[int] = field(default_factory=list)
    notices: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "customers": self.customers,
                "grades": dict(sorted(self.grades.items())),
                "changed": self.changed, "recommendations": len(self.recommendations), "flags": len(self.flags),
                "notices": self.notices}

    def summary(self) -> dict[str, Any]:
        """The counts alone (for the day's schedule row)."""
        return {**self.as_json(), "changed": len(self.changed)}


@dataclass(frozen=True)
class _Customer:
    id: int
    code: str
    name: str
    credit_hold: bool
    do_not_dun: bool


class Rater:
    """The rules with their settings, and the recompute's reading and writing in a given unit of work."""

    def __init__(self, tz: ZoneInfo, weights: Weights | None = None, thresholds: Thresholds | None = None,
                 notify: NotifySalesperson | None = None) -> None:
        self.tz = tz
        self.weights = weights or Weights()
        self.thresholds = thresholds or Thresholds()
        self.notify = notify

    def rate(self, figures: Figures) -> Rating:
        return rate(figures, self.weights, self.thresholds)

    def recompute_in(self, uow: UnitOfWork, as_of: date | None = None) -> RecomputeReport:
        """Every customer rated in the caller's unit of work (the demo's load: a few dozen customers)."""
        found = self._read(uow, as_of, None)
        report = RecomputeReport(found.as_of, customers=len(found.figures))
        self._write(uow, found, sorted(found.figures), report)
        return report

    def _read(self, uow: UnitOfWork, as_of: date | None, customer_code: str | None) -> _Found:
        today = uow.today()
        as_of = as_of or today
        if as_of > today:
            raise invalid("as_of", "in_the_future", "评级日期不能晚于今天", "the rating date cannot be after today")
        s = uow.session
        only: int | None = None
        if customer_code is not None:
            only = s.scalar(select(Customer.id).where(Customer.code == customer_code.strip()))
            if only is None:
                raise NotFound("客户", "customer", customer_code)
        figures = gather(s, as_of, self.tz, customer_id=only)
        signs: dict[int, list[Sign]] = {}
        if as_of == today:
            for sign in detect(s, as_of, self.tz):
                if only is None or sign.customer_id == only:
                    signs.setdefault(sign.customer_id, []).append(sign)
        return _Found(as_of, today, figures, _customers(s, only), previous_grades(s, as_of, list(figures)), signs)

    def _write(self, uow: UnitOfWork, found: _Found, ids: Sequence[int], report: RecomputeReport) -> None:
        as_of, today, figures, customers = found.as_of, found.today, found.figures, found.customers
        previous, signs = found.previous, found.signs
        s = uow.session
        now = uow.now()
        ratings = {cid: self.rate(figures[cid]) for cid in ids}
        s.execute(delete(CustomerRating).where(CustomerRating.as_of == as_of, CustomerRating.customer_id.in_(ids)))
        s.execute(insert(CustomerRating), [
            {"customer_id": cid, "as_of": as_of, "score": r.score, "grade": r.grade, "reasons": r.reasons_json(),
             "figures": figures[cid].as_json(), "computed_at": now} for cid, r in ratings.items()])
        quiet = _quiet(uow, ids)
        recommended: list[CreditRecommendation] = []
        for cid in ids:
            r, f, c = ratings[cid], figures[cid], customers[cid]
            report.grades[r.grade] = report.grades.get(r.grade, 0) + 1
            before = previous.get(cid)
            if before is not None and before != r.grade:
                self._grade_changed(uow, c, before, r, f, as_of, today, report)
            if as_of == today and not c.credit_hold and not c.do_not_dun:
                rec = recommendation(uow, cid, f, r.grade, r.score, as_of, quiet.get(cid, set()))
                if rec is not None:
                    recommended.append(rec)
            for sign in signs.get(cid, ()):
                flag = raise_flag(uow, sign, as_of)
                if flag is not None:
                    report.flags.append(flag)
        report.recommendations += _add_recommendations(uow, recommended)

    def _grade_changed(self, uow: UnitOfWork, c: _Customer, before: str, r: Rating, f: Figures, as_of: date,
                       today: date, report: RecomputeReport) -> None:
        uow.audit("credit.grade_changed", "customer", c.id, {"grade": before},
                  {"grade": r.grade, "score": r.score, "as_of": as_of.isoformat(), "reasons": r.reasons_json(),
                   "figures": f.as_json()})
        report.changed.append({"customer_id": c.id, "code": c.code, "from": before, "to": r.grade, "score": r.score})
        if self.notify is None or as_of != today:
            return  # a past day recomputed: the audit log keeps it, nobody is told today of then
        reasons_zh = "\n".join(f"- {x.zh}" for x in r.reasons) or "- （无扣分项）"
        reasons_en = "\n".join(f"- {x.en}" for x in r.reasons) or "- (nothing cost points)"
        subject = (f"客户信用等级变更：{c.name}（{c.code}）{before} → {r.grade}",
                   f"Credit grade changed: {c.name} ({c.code}) {before} → {r.grade}")
        body = (f"客户 {c.name}（{c.code}）的信用等级于 {as_of.isoformat()} 由 {before} 变为 {r.grade}"
                f"（{r.score} 分）。原因：\n{reasons_zh}\n",
                f"The credit grade of {c.name} ({c.code}) changed on {as_of.isoformat()} from {before} to {r.grade} "
                f"(score {r.score}). Why:\n{reasons_en}\n")
        sent = self.notify(uow, c.id, f"credit-grade:{c.id}:{as_of.isoformat()}:{before}-{r.grade}", subject, body)
        if sent is not None:
            report.notices += 1


@dataclass(frozen=True)
class _Found:
    as_of: date
    today: date
    figures: dict[int, Figures]
    customers: dict[int, _Customer]
    previous: dict[int, str]
    signs: dict[int, list[Sign]]


class CreditService(Rater):
    def __init__(self, unit_of_work: OpenUnitOfWork, set_credit_hold: SetCreditHold, tz: ZoneInfo,
                 weights: Weights | None = None, thresholds: Thresholds | None = None,
                 notify: NotifySalesperson | None = None, batch: int = BATCH) -> None:
        super().__init__(tz, weights, thresholds, notify)
        self._unit_of_work = unit_of_work
        self.set_credit_hold = set_credit_hold
        self.batch = batch

    # ---- the daily recompute ------------------------------------------------------------------
    def recompute(self, actor: Actor, as_of: date | None = None, *,
                  customer_code: str | None = None) -> RecomputeReport:
        """Rate every customer (or the one with ``customer_code``) as of ``as_of`` (default today):
        read once, then written in batches of customers, one unit of work each."""
        with self._unit_of_work(actor, read_only=True) as uow:
            uow.require(RECOMPUTE_ROLES, "仅管理员和催收专员可重新计算信用评级",
                        "Only administrators and clerks may recompute credit ratings")
            found = self._read(uow, as_of, customer_code)
        report = RecomputeReport(found.as_of)
        ids = sorted(found.figures)
        for i in range(0, len(ids), self.batch):
            with self._unit_of_work(actor) as uow:
                self._write(uow, found, ids[i:i + self.batch], report)
        report.customers = len(ids)
        return report

    # ---- orders reported by other systems -------------------------------------------------------
    def report_order(self, uow: UnitOfWork, customer_id: int, *, source: str, external_ref: str, amount: Decimal,
                     currency: str, status: str, ordered_on: date | None) -> tuple[dict[str, Any], bool]:
        """Insert or update the order ``source``/``external_ref``; check the limit at once (a
        recommendation when the order takes the customer over it). (the order, created)."""
        uow.require(ORDER_ROLES, "无权报告订单", "You may not report orders")
        s = uow.session
        customer = load(s, Customer, customer_id, uow.actor, for_update=True)
        source, ref = _text("source", source, 40), _text("external_ref", external_ref, 64)
        if status not in ORDER_STATUSES:
            raise invalid("status", "unknown", f"状态应为 {'、'.join(ORDER_STATUSES)} 之一",
                          f"status must be one of {', '.join(ORDER_STATUSES)}")
        if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")) \
                or amount >= Decimal("1000000000000"):
            raise invalid("amount", "invalid_amount", "金额应为大于 0、最多两位小数的数字",
                          "amount must be a positive number with at most two decimals")
        if len(currency) != 3 or not currency.isascii() or not currency.isupper() or not currency.isalpha():
            raise invalid("currency", "invalid_currency", "币种应为三位大写字母代码，如 CNY",
                          "currency must be a three-letter code such as CNY")
        row = s.scalar(select(ExposureOrder).where(ExposureOrder.source == source, ExposureOrder.external_ref == ref)
                       .with_for_update())
        created = row is None
        if row is not None and row.customer_id != customer.id:
            raise Conflict(f"订单 {source}/{ref} 属于另一个客户", f"order {source}/{ref} belongs to another customer",
                           [])
        before = _order(row) if row is not None else None
        if row is None:
            row = ExposureOrder(customer_id=customer.id, source=source, external_ref=ref)
            s.add(row)
        row.amount, row.currency, row.status, row.ordered_on = amount, currency, status, ordered_on
        row.reported_at, row.reported_by = uow.now(), uow.actor.username
        s.flush()
        uow.audit("credit.order_reported" if created else "credit.order_updated", "customer_exposure_order", row.id,
                  before, _order(row))
        out = _order(row)
        out.update(self._limit_check(uow, customer))
        return out, created

    def cancel_order(self, uow: UnitOfWork, customer_id: int, order_id: int) -> dict[str, Any]:
        uow.require(ORDER_ROLES, "无权报告订单", "You may not report orders")
        s = uow.session
        customer = load(s, Customer, customer_id, uow.actor)
        row = s.get(ExposureOrder, order_id, with_for_update=True)
        if row is None or row.customer_id != customer.id:
            raise NotFound("订单", "order", order_id)
        if row.status != "cancelled":
            before = _order(row)
            row.status, row.reported_at, row.reported_by = "cancelled", uow.now(), uow.actor.username
            s.flush()
            uow.audit("credit.order_cancelled", "customer_exposure_order", row.id, before, _order(row))
        return _order(row)

    def _limit_check(self, uow: UnitOfWork, customer: Customer) -> dict[str, Any]:
        f = gather(uow.session, uow.today(), self.tz, customer_id=customer.id)[customer.id]
        out: dict[str, Any] = {"exposure": str(f.exposure), "credit_limit": _money(f.credit_limit),
                               "limit_currency": f.currency, "over_limit": f.over_limit, "recommendation_id": None}
        if f.over_limit and not customer.credit_hold and not customer.do_not_dun:
            pending = uow.session.scalar(select(CreditRecommendation.id).where(
                CreditRecommendation.customer_id == customer.id, CreditRecommendation.status == "pending"))
            out["recommendation_id"] = pending if pending is not None else recommend(
                uow, customer.id, f, None, None, uow.today())
        return out

    # ---- decisions ----------------------------------------------------------------------------
    def confirm(self, uow: UnitOfWork, recommendation_id: int, note: str = "") -> dict[str, Any]:
        """Set the credit hold the recommendation asks for (audited, pushed by the webhook)."""
        uow.require(DECIDE_ROLES, "无权设置信用冻结", "You may not set or release a credit hold")
        rec = _pending(uow, recommendation_id)
        held = self.set_credit_hold(uow, rec.customer_id, f"{rec.reason_zh} / {rec.reason_en}"[:2000],
                                    {"recommendation": rec.id, "trigger": rec.trigger, "evidence": rec.evidence,
                                     "confirmed_by": uow.actor.username})
        _decide(uow, rec, "confirmed", note or ("" if held else "已处于信用冻结 / the hold was already set"))
        return describe_recommendation(uow.session, rec)

    def dismiss(self, uow: UnitOfWork, recommendation_id: int, note: str) -> dict[str, Any]:
        uow.require(DECIDE_ROLES, "无权处理信用冻结建议", "You may not decide credit hold recommendations")
        rec = _pending(uow, recommendation_id)
        if not note.strip():
            raise invalid("note", "required", "请说明不采纳的原因", "say why the recommendation is dismissed")
        _decide(uow, rec, "dismissed", note)
        return describe_recommendation(uow.session, rec)


def notify_salesperson(uow: UnitOfWork, customer_id: int, key: str, subject: tuple[str, str],
                       body: tuple[str, str]) -> object:
    """Tell the customer's salesperson (an internal email in their language, once per ``key``); None
    when the customer has no salesperson."""
    user = salesperson_of_customer(uow.session, customer_id)
    if user is None:
        return None
    return notify_user(uow, user.id, key=key, subject=subject, body=body)


# ---- the recompute's helpers (module level: the order check uses them too) --------------------------

def _customers(s: Session, only: int | None) -> dict[int, _Customer]:
    stmt = select(Customer.id, Customer.code, Customer.legal_name, Customer.credit_hold, Customer.do_not_dun)
    if only is not None:
        stmt = stmt.where(Customer.id == only)
    return {int(i): _Customer(int(i), str(code), str(name), bool(hold), bool(dnd))
            for i, code, name, hold, dnd in s.execute(stmt)}


def previous_grades(s: Session, as_of: date, ids: Sequence[int]) -> dict[int, str]:
    """The grade each customer showed before this recompute of ``as_of``: that day's rating if it was
    rated already, else its latest earlier one."""
    out: dict[int, str] = {}
    day = s.scalar(select(func.max(CustomerRating.as_of)).where(CustomerRating.as_of < as_of))
    if day is not None:
        out.update({int(c): str(g) for c, g in s.execute(
            select(CustomerRating.customer_id, CustomerRating.grade).where(CustomerRating.as_of == day))})
        missing = [c for c in ids if c not in out]
        for i in range(0, len(missing), BATCH):
            part = missing[i:i + BATCH]
            latest = (select(CustomerRating.customer_id.label("cid"), func.max(CustomerRating.as_of).label("day"))
                      .where(CustomerRating.as_of < as_of, CustomerRating.customer_id.in_(part))
                      .group_by(CustomerRating.customer_id).subquery())
            out.update({int(c): str(g) for c, g in s.execute(
                select(CustomerRating.customer_id, CustomerRating.grade).join(latest, and_(
                    latest.c.cid == CustomerRating.customer_id, latest.c.day == CustomerRating.as_of)))})
    out.update({int(c): str(g) for c, g in s.execute(
        select(CustomerRating.customer_id, CustomerRating.grade).where(CustomerRating.as_of == as_of))})
    return out


def _quiet(uow: UnitOfWork, ids: Sequence[int]) -> dict[int, set[str]]:
    """Per customer, what needs no recommendation now: ``pending`` when one waits for a person, and
    the triggers dismissed in the last ``DISMISSED_QUIET_DAYS`` days."""
    out: dict[int, set[str]] = {}
    since = uow.now() - timedelta(days=DISMISSED_QUIET_DAYS)
    for cid, status, trigger in uow.session.execute(
            select(CreditRecommendation.customer_id, CreditRecommendation.status, CreditRecommendation.trigger)
            .where(CreditRecommendation.customer_id.in_(ids),
                   or_(CreditRecommendation.status == "pending",
                       and_(CreditRecommendation.status == "dismissed", CreditRecommendation.decided_at >= since)))):
        out.setdefault(int(cid), set()).add("pending" if status == "pending" else str(trigger))
    return out


def recommendation(uow: UnitOfWork, customer_id: int, f: Figures, grade: str | None, score: int | None,
                   as_of: date, quiet: set[str]) -> CreditRecommendation | None:
    """A credit-hold recommendation (not yet added) when the customer is over its limit or graded D,
    unless one is pending (``quiet`` holds "pending") or the same trigger was dismissed lately."""
    over, d = f.over_limit, grade == "D"
    if (not over and not d) or "pending" in quiet:
        return None
    trigger = "over_limit" if over else "grade_d"
    if trigger in quiet:
        return None
    zh: list[str] = []
    en: list[str] = []
    if over:
        zh.append(f"敞口 {f.exposure} {f.currency} 超过信用额度 {f.credit_limit} {f.currency}"
                  f"（未结发票 {f.open_invoices}，未开票订单 {f.open_orders}）")
        en.append(f"exposure {f.exposure} {f.currency} is over the credit limit of {f.credit_limit} {f.currency} "
                  f"(open invoices {f.open_invoices}, orders not yet invoiced {f.open_orders})")
    if d:
        zh.append(f"信用等级降为 D（{score} 分）")
        en.append(f"credit grade fell to D (score {score})")
    return CreditRecommendation(
        customer_id=customer_id, trigger=trigger, reason_zh="建议停止赊销：" + "；".join(zh),
        reason_en="credit hold recommended: " + "; ".join(en),
        evidence={"as_of": as_of.isoformat(), "grade": grade, "score": score, "figures": f.as_json()},
        status="pending", created_on=as_of, created_at=uow.now())


def _add_recommendations(uow: UnitOfWork, rows: list[CreditRecommendation]) -> list[int]:
    """Insert the recommendations at once, audited in one entry (the batch's: ``<first id>..<last id>``).
    An entry each would cost the first day's recompute, which recommends for every customer already in
    arrears, an audit-chain round trip per customer; the rows themselves keep each one's evidence."""
    if not rows:
        return []
    uow.session.add_all(rows)
    uow.session.flush()
    ids = [rec.id for rec in rows]
    uow.audit("credit.hold_recommended", "credit_recommendation",
              str(ids[0]) if len(ids) == 1 else f"{ids[0]}..{ids[-1]}", None,
              {"recommendations": [{"id": rec.id, "customer_id": rec.customer_id, "trigger": rec.trigger,
                                    "reason_zh": rec.reason_zh, "reason_en": rec.reason_en} for rec in rows]})
    return ids


def recommend(uow: UnitOfWork, customer_id: int, f: Figures, grade: str | None, score: int | None,
              as_of: date) -> int | None:
    """The recommendation for one customer now (an order just reported took it over its limit): its id,
    or None."""
    rec = recommendation(uow, customer_id, f, grade, score, as_of, _quiet(uow, [customer_id]).get(customer_id, set()))
    return _add_recommendations(uow, [rec])[0] if rec is not None else None


def raise_flag(uow: UnitOfWork, sign: Sign, as_of: date) -> int | None:
    """The flag for ``sign`` unless one of its kind stands on the customer, or a person cleared this
    very evidence (same key) already. Its id, or None."""
    s = uow.session
    rows = list(s.scalars(select(CustomerFlag).where(CustomerFlag.customer_id == sign.customer_id,
                                                     CustomerFlag.kind == sign.kind)))
    if any(r.open_slot == 1 or (r.evidence or {}).get("key") == sign.key for r in rows):
        return None
    flag = CustomerFlag(customer_id=sign.customer_id, kind=sign.kind, evidence={"key": sign.key, **sign.evidence},
                        open_slot=1, raised_on=as_of, raised_at=uow.now())
    s.add(flag)
    s.flush()
    uow.audit("credit.flag_raised", "customer_flag", flag.id, None,
              {"customer_id": sign.customer_id, "kind": sign.kind, "evidence": flag.evidence})
    return flag.id


def clear_flag(uow: UnitOfWork, flag_id: int, note: str) -> dict[str, Any]:
    uow.require(ORDER_ROLES, "无权处理预警", "You may not clear warning flags")
    s = uow.session
    flag = s.get(CustomerFlag, flag_id, with_for_update=True)
    if flag is None or not can_see_customer(s, uow.actor, flag.customer_id):
        raise NotFound("预警", "flag", flag_id)
    if flag.open_slot is None:
        raise Conflict("该预警已解除", "the flag is cleared already")
    flag.open_slot, flag.cleared_at, flag.cleared_by = None, uow.now(), uow.actor.username
    flag.clear_note = note.strip() or None
    s.flush()
    uow.audit("credit.flag_cleared", "customer_flag", flag.id, {"open": True},
              {"open": False, "note": flag.clear_note, "kind": flag.kind, "customer_id": flag.customer_id})
    return describe_flag(flag)


def _pending(uow: UnitOfWork, recommendation_id: int) -> CreditRecommendation:
    s = uow.session
    rec = s.get(CreditRecommendation, recommendation_id, with_for_update=True)
    if rec is None or not can_see_customer(s, uow.actor, rec.customer_id):
        raise NotFound("信用冻结建议", "recommendation", recommendation_id)
    if rec.status != "pending":
        raise Conflict(f"该建议已{ {'confirmed': '确认', 'dismissed': '驳回'}.get(rec.status, rec.status)}",
                       f"the recommendation is {rec.status} already")
    return rec


def _decide(uow: UnitOfWork, rec: CreditRecommendation, status: str, note: str) -> None:
    if len(note) > 2000:
        raise invalid("note", "too_long", "最多 2000 个字符", "at most 2000 characters")
    rec.status, rec.decided_by, rec.decided_at = status, uow.actor.username, uow.now()
    rec.decision_note = note.strip() or None
    uow.session.flush()
    uow.audit(f"credit.recommendation_{status}", "credit_recommendation", rec.id, {"status": "pending"},
              {"status": status, "note": rec.decision_note, "customer_id": rec.customer_id})


def _text(name: str, value: str, limit: int) -> str:
    text = (value or "").strip()
    if not text or len(text) > limit or any(ord(ch) < 32 for ch in text):
        raise invalid(name, "invalid", f"应为 1–{limit} 个字符，不含控制字符",
                      f"expected 1–{limit} characters, no control characters")
    return text


def _money(value: Decimal | None) -> str | None:
    return str(value) if value is not None else None


def _order(row: ExposureOrder) -> dict[str, Any]:
    return {"id": row.id, "customer_id": row.customer_id, "source": row.source, "external_ref": row.external_ref,
            "amount": str(row.amount), "currency": row.currency, "status": row.status,
            "ordered_on": row.ordered_on.isoformat() if row.ordered_on else None,
            "reported_at": row.reported_at.isoformat(), "reported_by": row.reported_by}


# ---- reading ----------------------------------------------------------------------------------------

def describe_rating(row: CustomerRating) -> dict[str, Any]:
    return {"as_of": row.as_of.isoformat(), "score": row.score, "grade": row.grade, "reasons": list(row.reasons),
            "figures": dict(row.figures), "computed_at": row.computed_at.isoformat()}


def describe_flag(row: CustomerFlag) -> dict[str, Any]:
    zh, en = SUMMARY.get(row.kind, (row.kind, row.kind))
    return {"id": row.id, "customer_id": row.customer_id, "kind": row.kind, "zh": zh, "en": en,
            "evidence": dict(row.evidence), "open": row.open_slot == 1, "raised_on": row.raised_on.isoformat(),
            "raised_at": row.raised_at.isoformat(),
            "cleared_at": row.cleared_at.isoformat() if row.cleared_at else None, "cleared_by": row.cleared_by,
            "clear_note": row.clear_note}


def describe_recommendation(s: Session, row: CreditRecommendation) -> dict[str, Any]:
    customer = s.get(Customer, row.customer_id)
    return {"id": row.id, "customer_id": row.customer_id,
            "customer_code": customer.code if customer else "",
            "customer_name": customer.legal_name if customer else "",
            "trigger": row.trigger, "zh": row.reason_zh, "en": row.reason_en, "evidence": dict(row.evidence),
            "status": row.status, "created_on": row.created_on.isoformat(), "created_at": row.created_at.isoformat(),
            "decided_by": row.decided_by, "decided_at": row.decided_at.isoformat() if row.decided_at else None,
            "decision_note": row.decision_note}


def latest_rating(s: Session, customer_id: int) -> CustomerRating | None:
    return s.scalar(select(CustomerRating).where(CustomerRating.customer_id == customer_id)
                    .order_by(CustomerRating.as_of.desc()).limit(1))


def current_rating(uow: UnitOfWork, customer_id: int) -> dict[str, Any] | None:
    """The customer's latest rating for its page: grade, score, as_of, reasons ({zh, en, points, figure,
    value}), the open flags and the pending recommendations; None when it was never rated. NotFound
    when the customer does not exist or the actor may not see it."""
    s = uow.session
    load(s, Customer, customer_id, uow.actor)
    row = latest_rating(s, customer_id)
    if row is None:
        return None
    out = describe_rating(row)
    out["flags"] = [describe_flag(f) for f in s.scalars(select(CustomerFlag).where(
        CustomerFlag.customer_id == customer_id, CustomerFlag.open_slot == 1).order_by(CustomerFlag.id))]
    out["recommendations"] = [describe_recommendation(s, r) for r in s.scalars(select(CreditRecommendation).where(
        CreditRecommendation.customer_id == customer_id, CreditRecommendation.status == "pending")
        .order_by(CreditRecommendation.id))]
    return out


def rating_detail(uow: UnitOfWork, customer_id: int, history_days: int = HISTORY_DAYS) -> dict[str, Any]:
    """The current rating with its history (score and grade a day) of the last ``history_days`` days."""
    s = uow.session
    customer = load(s, Customer, customer_id, uow.actor)
    current = current_rating(uow, customer_id)
    since = uow.today() - timedelta(days=history_days)
    history = [{"as_of": d.isoformat(), "score": sc, "grade": g} for d, sc, g in s.execute(
        select(CustomerRating.as_of, CustomerRating.score, CustomerRating.grade)
        .where(CustomerRating.customer_id == customer_id, CustomerRating.as_of >= since)
        .order_by(CustomerRating.as_of.desc()))]
    return {"customer_id": customer.id, "customer_code": customer.code, "customer_name": customer.legal_name,
            "credit_limit": _money(customer.credit_limit), "limit_currency": customer.credit_limit_currency,
            "credit_hold": customer.credit_hold, "current": current, "history": history}


def _latest_per_customer() -> Any:
    return (select(CustomerRating.customer_id.label("cid"), func.max(CustomerRating.as_of).label("day"))
            .group_by(CustomerRating.customer_id).subquery("latest"))


def list_ratings(uow: UnitOfWork, *, grade: str | None, sort: str, page: int, per_page: int) -> dict[str, Any]:
    """Every visible customer's latest rating, by grade if asked, sorted (worst score first by default)."""
    latest = _latest_per_customer()
    base: Any = (select(CustomerRating, Customer.code, Customer.legal_name)
                 .join(latest, and_(latest.c.cid == CustomerRating.customer_id, latest.c.day == CustomerRating.as_of))
                 .join(Customer, Customer.id == CustomerRating.customer_id))
    if grade is not None:
        base = base.where(CustomerRating.grade == grade)
    stmt = scoped(base, uow.actor, CustomerRating.customer_id)
    s = uow.session
    total = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = s.execute(stmt.order_by(*SORTS[sort]).limit(per_page).offset((page - 1) * per_page))
    items = []
    for row, code, name in rows:
        items.append({"customer_id": row.customer_id, "customer_code": code, "customer_name": name,
                      "as_of": row.as_of.isoformat(), "score": row.score, "grade": row.grade,
                      "reasons": list(row.reasons)})
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def list_orders(uow: UnitOfWork, customer_id: int, status: str | None) -> dict[str, Any]:
    s = uow.session
    load(s, Customer, customer_id, uow.actor)
    stmt = select(ExposureOrder).where(ExposureOrder.customer_id == customer_id)
    if status is not None:
        stmt = stmt.where(ExposureOrder.status == status)
    return {"items": [_order(r) for r in s.scalars(stmt.order_by(ExposureOrder.id))]}


def list_recommendations(uow: UnitOfWork, *, status: str | None, customer_id: int | None, page: int,
                         per_page: int) -> dict[str, Any]:
    stmt: Select[Any] = select(CreditRecommendation)
    if status is not None:
        stmt = stmt.where(CreditRecommendation.status == status)
    if customer_id is not None:
        stmt = stmt.where(CreditRecommendation.customer_id == customer_id)
    stmt = scoped(stmt, uow.actor, CreditRecommendation.customer_id)
    return _page(uow.session, stmt.order_by(CreditRecommendation.id.desc()), page, per_page,
                 lambda r: describe_recommendation(uow.session, r))


def list_flags(uow: UnitOfWork, *, open_only: bool, customer_id: int | None, kind: str | None, page: int,
               per_page: int) -> dict[str, Any]:
    stmt: Select[Any] = select(CustomerFlag)
    if open_only:
        stmt = stmt.where(CustomerFlag.open_slot == 1)
    if customer_id is not None:
        stmt = stmt.where(CustomerFlag.customer_id == customer_id)
    if kind is not None:
        stmt = stmt.where(CustomerFlag.kind == kind)
    stmt = scoped(stmt, uow.actor, CustomerFlag.customer_id)
    return _page(uow.session, stmt.order_by(CustomerFlag.id.desc()), page, per_page, describe_flag)


def _page(s: Session, stmt: Select[Any], page: int, per_page: int,
          render: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    total = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows: Iterable[Any] = s.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": [render(r) for r in rows], "total": total, "page": page, "per_page": per_page}
