"""Collection KPIs per person: per salesperson (业务员) or per collection clerk (催收员), for a period
and as of a date, and the ranking managers review monthly (docs/collectors.md gives every definition).

Who answers for an invoice is its own salesperson (collector), else its contract's, else its
customer's (ledger/responsibility.py). Every figure is summed set-based, grouped by (customer,
contract, the invoice's own person, currency) — as many groups as there are contracts, not invoices —
and each group is then given to its person in Python: the invoices are never loaded one by one.
What was owed on a date, the buckets and DSO are the aging report's and the KPIs' own definitions
(``balances.owed_by``, ``aging.BUCKETS``, ``kpi.dso_days``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from workflow.accounts.models import Role, User
from workflow.cases.models import DunningCase, Promise
from workflow.dates import FIRST_DAY, range_problem
from workflow.db import cents_to_decimal
from workflow.errors import invalid
from workflow.ledger.aging import BUCKET_KEYS, BUCKETS
from workflow.ledger.balances import OwedSum, in_fen, owed_by
from workflow.ledger.kpi import FORMULAS, dso_days
from workflow.ledger.models import Allocation, Contract, CreditNote, Customer, Invoice
from workflow.unit_of_work import UnitOfWork

By = Literal["salesperson", "clerk"]
BY_VALUES: tuple[By, ...] = ("salesperson", "clerk")
MAX_PERIOD_DAYS = 3660
SHANGHAI = ZoneInfo("Asia/Shanghai")

DEFINITIONS: dict[str, dict[str, str]] = {
    "attribution": {
        "zh": "每张发票归属其本身指定的业务员（催收员），未指定则归合同的，再未指定则归客户的；都没有的列为“未分配”",
        "en": "each invoice belongs to the salesperson (collector) named on it, else on its contract, else on its "
              "customer; with none it is listed as unassigned",
    },
    "due": {
        "zh": "应收（期内到期）= 到期日在期间内的发票金额 − 截至统计日对这些发票开具的红字冲销",
        "en": "due = amount of the invoices falling due in the period − credit notes against them issued by the "
              "as-of date",
    },
    "collection_rate": {
        "zh": "回款率 = 截至统计日已核销到期内到期发票的收款 ÷ 应收（期内到期）",
        "en": "collection rate = payments allocated, by the as-of date, to the invoices falling due in the period "
              "÷ due",
    },
    "on_time_rate": {
        "zh": "回款及时率 = 其中在各发票到期日当天或之前收到的部分 ÷ 应收（期内到期）",
        "en": "on-time rate = the part of those payments received on or before each invoice's due date ÷ due",
    },
    "overdue": {
        "zh": "逾期金额 = 统计日仍未收回且已过到期日的余额，按账龄分段（与账龄分析相同，不含已核销坏账）",
        "en": "overdue = what is still owed on the as-of date past its due date, by aging bucket (as in the aging "
              "report; written-off invoices excluded)",
    },
    "dso": FORMULAS["dso"] | {
        "where": "期末 = 期间最后一天；净销售额 = 期内开票 − 期内红字冲销 / period end = the period's last day; net "
                 "sales = invoiced in the period − credit notes issued in the period",
    },
    "written_off": {
        "zh": "坏账核销 = 已核销发票在统计日的未收余额（台账不记核销日期，今日的核销在任何日期都计入）",
        "en": "written off = what the written-off invoices still owed on the as-of date (the ledger records no "
              "write-off date: today's write-offs count on every date)",
    },
    "promises": {
        "zh": "承诺：期内记录的付款承诺数，及其中截至统计日已兑现、已违约的数目；业务员按客户归属，催收员按案件承办人"
              "（无则客户的催收员）",
        "en": "promises: those recorded in the period, and how many of them were kept or broken by the as-of date; "
              "per salesperson by the customer's salesperson, per clerk by the case's assignee (else the "
              "customer's clerk)",
    },
    "ranking": {
        "zh": "排名：同一币种内按回款率从高到低；回款率相同时依次比较回款及时率（高者在前）、逾期金额（低者在前）、"
              "姓名；无应收者排在最后",
        "en": "ranking: per currency by collection rate, highest first; equal rates are ordered by on-time rate "
              "(higher first), then overdue amount (lower first), then name; people with nothing due come last",
    },
}


def _pct(num: int, den: int) -> Decimal | None:
    if den <= 0:
        return None
    return (Decimal(num) / Decimal(den) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class Line:
    """One person's figures in one currency, in fen."""

    person_id: int | None
    currency: str
    due: int = 0
    collected: int = 0
    on_time: int = 0
    net_sales: int = 0
    receivables_end: int = 0
    outstanding: int = 0
    buckets: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    written_off: int = 0
    promises_made: int = 0
    promises_kept: int = 0
    promises_broken: int = 0
    rank: int | None = None
    tie_break: dict[str, str] | None = None

    @property
    def collection_rate(self) -> Decimal | None:
        return _pct(self.collected, self.due)

    @property
    def on_time_rate(self) -> Decimal | None:
        return _pct(self.on_time, self.due)

    @property
    def overdue(self) -> int:
        return self.outstanding - self.buckets[0]


@dataclass
class CollectorReport:
    by: By
    as_of: date
    period_from: date
    period_to: date
    lines: list[Line]
    people: dict[int, User]

    @property
    def period_days(self) -> int:
        return (self.period_to - self.period_from).days + 1

    def person(self, line: Line) -> dict[str, Any] | None:
        user = self.people.get(line.person_id) if line.person_id is not None else None
        if user is None:
            return None
        return {"id": user.id, "username": user.username, "display_name": user.display_name,
                "employee_no": user.employee_no, "role": user.role}

    def line_dict(self, line: Line) -> dict[str, Any]:
        def money(fen: int) -> str:
            return format(cents_to_decimal(fen), "f")

        def s(v: Decimal | None) -> str | None:
            return None if v is None else str(v)

        return {
            "rank": line.rank,
            "person": self.person(line),
            "currency": line.currency,
            "due": money(line.due),
            "collected": money(line.collected),
            "collected_on_time": money(line.on_time),
            "collection_rate_percent": s(line.collection_rate),
            "on_time_rate_percent": s(line.on_time_rate),
            "outstanding": money(line.outstanding),
            "overdue": money(line.overdue),
            "buckets": {k: money(v) for k, v in zip(BUCKET_KEYS, line.buckets, strict=True)},
            "net_sales": money(line.net_sales),
            "receivables_end": money(line.receivables_end),
            "dso_days": s(dso_days(cents_to_decimal(line.receivables_end), cents_to_decimal(line.net_sales),
                                   self.period_days)),
            "written_off": money(line.written_off),
            "promises": {"made": line.promises_made, "kept": line.promises_kept, "broken": line.promises_broken},
            "tie_break": line.tie_break,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "as_of": self.as_of.isoformat(),
            "period": {"from": self.period_from.isoformat(), "to": self.period_to.isoformat(),
                       "days": self.period_days},
            "buckets": [{"key": b.key, "zh": b.zh, "en": b.en, "min_days": b.min_days, "max_days": b.max_days}
                        for b in BUCKETS],
            "definitions": DEFINITIONS,
            "rows": [self.line_dict(line) for line in self.lines],
        }


@dataclass(frozen=True)
class _Owners:
    """Who each customer's and each overriding contract's invoices belong to."""

    customers: dict[int, int]
    contracts: dict[int, int]

    def of(self, customer_id: int, contract_id: int | None, own: int | None) -> int | None:
        if own is not None:
            return own
        if contract_id is not None and (c := self.contracts.get(contract_id)) is not None:
            return c
        return self.customers.get(customer_id)


def _owners(s: Session, by: By) -> _Owners:
    cust_col = Customer.salesperson_id if by == "salesperson" else Customer.assigned_clerk_id
    con_col = Contract.salesperson_id if by == "salesperson" else Contract.collector_id
    customers = {cid: uid for cid, uid in s.execute(select(Customer.id, cust_col).where(cust_col.is_not(None)))
                 if uid is not None}
    contracts = {cid: uid for cid, uid in s.execute(select(Contract.id, con_col).where(con_col.is_not(None)))
                 if uid is not None}
    return _Owners(customers, contracts)


READERS = frozenset({Role.CLERK, Role.LEGAL, Role.ADMIN, Role.SALES})


def for_actor(uow: UnitOfWork, by: By, as_of: date, period_from: date, period_to: date,
              tz: tzinfo = SHANGHAI) -> CollectorReport:
    """The report as the actor may see it: staff see everyone; a salesperson only their own line
    (ranked among all, by salesperson), never anyone else's figures or customers."""
    uow.require(READERS, "无权查看回款考核", "You may not see the collection figures")
    only = None
    if uow.actor.role is Role.SALES:
        by, only = "salesperson", uow.actor.user_id or -1
    return collectors_report(uow.session, by, as_of, period_from, period_to, only=only, tz=tz)


def collectors_file(uow: UnitOfWork, fmt: Literal["csv", "xlsx"], by: By, as_of: date, period_from: date,
                    period_to: date, tz: tzinfo = SHANGHAI) -> bytes:
    """The report as a file; the download is in the audit log, in the same transaction, like the
    aging report's."""
    report = for_actor(uow, by, as_of, period_from, period_to, tz)
    uow.audit("report.download", "report", "collectors", None,
              {"format": fmt, "by": report.by, "as_of": as_of.isoformat(), "from": period_from.isoformat(),
               "to": period_to.isoformat()})
    return collectors_csv(report) if fmt == "csv" else collectors_xlsx(report)


def resolve_period(as_of: date, period_from: date | None, period_to: date | None) -> tuple[date, date]:
    """The period asked for, with its defaults: it ends on as_of and lasts a year (365 days, as the
    KPIs' default period); every date within the years we accept (422 naming the field)."""
    for fld, day in (("as_of", as_of), ("to", period_to), ("from", period_from)):
        problem = range_problem(day) if day is not None else None
        if problem is not None:
            raise invalid(fld, "out_of_range", *problem)
    to = period_to or as_of
    start = period_from or max(to - timedelta(days=364), FIRST_DAY)
    check_period(as_of, start, to)
    return start, to


# up to this many overriding contracts are named in the query itself (so both databases can use the
# contract index beside the partial index); more, and they are looked up in a subquery
CONTRACTS_INLINE = 2000


def _overridden(own: Any, con_col: Any, owners: _Owners) -> ColumnElement[bool]:
    """The invoices naming their own person, or under a contract that does: through the partial
    index on the override and the contract index."""
    named: ColumnElement[bool] = own.is_not(None)
    if not owners.contracts:
        return named
    if len(owners.contracts) <= CONTRACTS_INLINE:
        return or_(named, Invoice.contract_id.in_(sorted(owners.contracts)))
    return Invoice.id.in_(select(Invoice.id).where(named).union_all(
        select(Invoice.id).where(Invoice.contract_id.in_(select(Contract.id).where(con_col.is_not(None))))))


def check_period(as_of: date, period_from: date, period_to: date) -> None:
    if period_from > period_to:
        raise invalid("from", "after_to", "期间开始日不能晚于结束日", "the period cannot start after it ends")
    if (period_to - period_from).days + 1 > MAX_PERIOD_DAYS:
        raise invalid("from", "too_long", f"期间最长 {MAX_PERIOD_DAYS} 天",
                      f"the period is at most {MAX_PERIOD_DAYS} days")
    if period_to > as_of:
        raise invalid("as_of", "before_period_end", "统计日不能早于期间结束日",
                      "the as-of date cannot be before the period ends")


def collectors_report(s: Session, by: By, as_of: date, period_from: date, period_to: date, *,
                      only: int | None = None, tz: tzinfo = SHANGHAI) -> CollectorReport:
    """The KPIs of every person (``only``: of that one user, ranked among all) for invoices falling
    due in [period_from, period_to], as of ``as_of``; ``tz``: the business time zone, whose days
    the promises were recorded on."""
    if by not in BY_VALUES:
        raise invalid("by", "unknown", "by 应为 salesperson 或 clerk", "by must be salesperson or clerk")
    check_period(as_of, period_from, period_to)
    owners = _owners(s, by)
    own = Invoice.salesperson_id if by == "salesperson" else Invoice.collector_id
    # grouped by an expression, not the column, where only a few invoices are asked for: by the column,
    # SQLite would walk the whole covering index in customer order instead of the few it needs
    keys = (Invoice.customer_id + 0, Invoice.contract_id, own, Invoice.currency)
    by_customer = (Invoice.customer_id, Invoice.currency)
    # the invoices whose person is not simply their customer's: few, found through the partial index
    # on the override and the contract index
    con_col = Contract.salesperson_id if by == "salesperson" else Contract.collector_id
    overridden = _overridden(own, con_col, owners)
    lines: dict[tuple[int | None, str], Line] = {}

    def line(customer_id: int, contract_id: int | None, own_id: int | None, currency: str) -> Line:
        pid = owners.of(customer_id, contract_id, own_id)
        return lines.setdefault((pid, currency), Line(pid, currency))

    def split(rows: Any, moved: Any, add: Callable[[Line, Sequence[Any], int], None]) -> None:
        """``rows``: figures per (customer, currency), every invoice its customer's (a scan of the
        covering index); ``moved``: the same figures of the overridden invoices per full key, taken
        from their customer and given to their own person."""
        for cid, cur, *figures in rows:
            add(line(cid, None, None, cur), figures, 1)
        for cid, con, oid, cur, *figures in moved:
            add(line(cid, None, None, cur), figures, -1)
            add(line(cid, con, oid, cur), figures, 1)

    due_window = and_(Invoice.due_date >= period_from, Invoice.due_date <= period_to)
    issued_window = and_(Invoice.issue_date >= period_from, Invoice.issue_date <= period_to)
    amount = in_fen(Invoice.amount)

    # due in the period, and invoiced in it (net sales)
    sums = (func.sum(case((due_window, amount), else_=0)), func.sum(case((issued_window, amount), else_=0)))
    window = or_(due_window, issued_window)

    def add_sums(acc: Line, figures: Sequence[Any], sign: int) -> None:
        acc.due += sign * int(figures[0] or 0)
        acc.net_sales += sign * int(figures[1] or 0)

    split(s.execute(select(*by_customer, *sums).where(window).group_by(*by_customer)),
          s.execute(select(*keys, *sums).where(window, overridden).group_by(*keys)), add_sums)

    # credit notes: against the invoices due in the period (less due), and issued in the period (less sales)
    cn = in_fen(CreditNote.amount)
    cn_in_period = and_(CreditNote.issued_on >= period_from, CreditNote.issued_on <= period_to)
    against_due = and_(due_window, CreditNote.issued_on <= as_of)
    credits_q = (select(*keys, func.sum(case((against_due, cn), else_=0)), func.sum(case((cn_in_period, cn), else_=0)))
                 .select_from(CreditNote).join(Invoice, Invoice.id == CreditNote.invoice_id)
                 .where(or_(against_due, cn_in_period)).group_by(*keys))
    for cid, con, oid, cur, against, issued in s.execute(credits_q):
        acc = line(cid, con, oid, cur)
        acc.due -= int(against or 0)
        acc.net_sales -= int(issued or 0)
    # a credit note naming no invoice is the customer's
    loose_q = (select(CreditNote.customer_id, CreditNote.currency, func.sum(cn))
               .where(CreditNote.invoice_id.is_(None), cn_in_period)
               .group_by(CreditNote.customer_id, CreditNote.currency))
    for cid, cur, issued in s.execute(loose_q):
        line(cid, None, None, cur).net_sales -= int(issued or 0)

    # what was collected of the invoices due in the period by as_of, and on time (an invoice paid
    # nothing by today was paid nothing by as_of: its allocations are not looked for)
    paid = in_fen(Allocation.amount)
    on_time = Allocation.received_on <= Invoice.due_date
    paid_sums = (func.sum(paid), func.sum(case((on_time, paid), else_=0)))
    paid_where = (due_window, in_fen(Invoice.paid_amount) > 0, Allocation.received_on <= as_of)

    def add_paid(acc: Line, figures: Sequence[Any], sign: int) -> None:
        acc.collected += sign * int(figures[0] or 0)
        acc.on_time += sign * int(figures[1] or 0)

    split(s.execute(select(*by_customer, *paid_sums).select_from(Invoice)
                    .join(Allocation, Allocation.invoice_id == Invoice.id).where(*paid_where).group_by(*by_customer)),
          s.execute(select(*keys, *paid_sums).select_from(Invoice)
                    .join(Allocation, Allocation.invoice_id == Invoice.id).where(*paid_where, overridden)
                    .group_by(*keys)), add_paid)

    # owed on as_of by bucket, and at the period's end (DSO): the aging report's own definition
    limits = [b.max_days for b in BUCKETS if b.max_days is not None]

    def add_owed(acc: Line, figures: Sequence[Any], sign: int) -> None:
        sums: OwedSum = figures[0]
        acc.outstanding += sign * sums.receivable
        acc.written_off += sign * sums.written_off
        previous = 0
        for i, edge in enumerate([*sums.at_most, sums.receivable]):
            acc.buckets[i] += sign * (edge - previous)
            previous = edge
        if period_to == as_of:
            acc.receivables_end += sign * sums.receivable

    def owed(day: date, at_most: Sequence[int]) -> tuple[Any, Any]:
        base = owed_by(s, day, by_customer, at_most_days_overdue=at_most).groups
        moved = owed_by(s, day, keys, where=[overridden], at_most_days_overdue=at_most).groups
        return [(*k, v) for k, v in base.items()], [(*k, v) for k, v in moved.items()]

    split(*owed(as_of, limits), add_owed)
    if period_to != as_of:
        def add_end(acc: Line, figures: Sequence[Any], sign: int) -> None:
            acc.receivables_end += sign * figures[0].receivable

        split(*owed(period_to, ()), add_end)
    _promises(s, by, period_from, period_to, as_of, tz, owners, line)

    kept = [ln for ln in lines.values() if _anything(ln)]
    ids = {ln.person_id for ln in kept if ln.person_id is not None}
    people = {u.id: u for u in s.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    ranked = _ranked(kept, people)
    if only is not None:
        ranked = [ln for ln in ranked if ln.person_id == only]
    return CollectorReport(by, as_of, period_from, period_to, ranked, people)


def _promises(s: Session, by: By, period_from: date, period_to: date, as_of: date, tz: tzinfo, owners: _Owners,
              line: Callable[[int, int | None, int | None, str], Line]) -> None:
    """Promises recorded in the period (business days of ``tz``) and how many of them were kept or
    broken by as_of: the customer's salesperson's; the case's assignee's (else the customer's clerk's)."""
    start = datetime.combine(period_from, time(), tz)
    end = datetime.combine(period_to + timedelta(days=1), time(), tz)
    kept = and_(Promise.status == "kept", Promise.resolved_on <= as_of)
    broken = and_(Promise.status == "broken", Promise.resolved_on <= as_of)
    counts = (func.count(), func.count(case((kept, 1))), func.count(case((broken, 1))))
    made = and_(Promise.recorded_at >= start, Promise.recorded_at < end)
    base = select(DunningCase.customer_id, DunningCase.assigned_user_id, Promise.currency, *counts) \
        .select_from(Promise).join(DunningCase, DunningCase.id == Promise.case_id).where(made)
    group = (DunningCase.customer_id, DunningCase.assigned_user_id, Promise.currency)
    for cid, assignee, cur, n, n_kept, n_broken in s.execute(base.group_by(*group)):
        acc = line(cid, None, assignee if by == "clerk" else None, cur)
        acc.promises_made += int(n)
        acc.promises_kept += int(n_kept)
        acc.promises_broken += int(n_broken)


def _anything(ln: Line) -> bool:
    return any((ln.due, ln.collected, ln.net_sales, ln.receivables_end, ln.outstanding, ln.written_off,
                ln.promises_made))


def _ranked(lines: list[Line], people: dict[int, User]) -> list[Line]:
    """Per currency: by collection rate, then on-time rate, then overdue (lower first), then name;
    people with nothing due and the unassigned come last, unranked. Two people with the same rate
    carry the rule that ordered them (``tie_break``)."""
    def name(ln: Line) -> str:
        user = people.get(ln.person_id) if ln.person_id is not None else None
        return user.display_name if user is not None else ""

    def key(ln: Line) -> tuple[Any, ...]:
        rate, timely = ln.collection_rate, ln.on_time_rate
        return (ln.currency, ln.person_id is None or rate is None, -(rate or 0), -(timely or 0), ln.overdue,
                name(ln), ln.person_id or 0)

    ordered = sorted(lines, key=key)
    rank, current = 0, ""
    for ln in ordered:
        if ln.currency != current:
            current, rank = ln.currency, 0
        if ln.person_id is not None and ln.collection_rate is not None:
            rank += 1
            ln.rank = rank
    tied: dict[tuple[str, Decimal], list[Line]] = {}
    for ln in ordered:
        if ln.rank is not None and ln.collection_rate is not None:
            tied.setdefault((ln.currency, ln.collection_rate), []).append(ln)
    for (_, rate), group in tied.items():
        for ln in group if len(group) > 1 else ():
            others = "、".join(str(o.rank) for o in group if o is not ln)
            others_en = ", ".join(str(o.rank) for o in group if o is not ln)
            same_timely = [o for o in group if o is not ln and o.on_time_rate == ln.on_time_rate]
            if not same_timely:
                zh, en = "回款及时率", "on-time rate"
            elif any(o.overdue != ln.overdue for o in same_timely):
                zh, en = "逾期金额", "overdue amount"
            else:
                zh, en = "姓名", "name"
            ln.tie_break = {"zh": f"与第 {others} 名回款率同为 {rate}%，按{zh}排定",
                            "en": f"same collection rate ({rate}%) as rank {others_en}: ordered by {en}"}
    return ordered


# ---- files -------------------------------------------------------------------------------------------

def _head(zh: str, en: str) -> str:
    return f"{zh} / {en}"


HEAD = [
    _head("排名", "Rank"), _head("姓名", "Name"), _head("登录名", "Login"), _head("工号", "Employee no."),
    _head("币种", "Currency"), _head("期内到期应收", "Due in period"), _head("已回款", "Collected"),
    _head("按期回款", "Collected on time"), _head("回款率%", "Collection rate %"),
    _head("回款及时率%", "On-time rate %"), _head("未收余额", "Outstanding"), _head("逾期金额", "Overdue"),
    *(_head(b.zh, b.en) for b in BUCKETS),
    _head("期内净销售额", "Net sales"), _head("期末应收", "Receivables at period end"),
    _head("DSO（天）", "DSO (days)"), _head("坏账核销", "Written off"), _head("承诺数", "Promises made"),
    _head("已兑现", "Kept"), _head("已违约", "Broken"), _head("并列说明", "Tie-break"),
]
# 1-based: due … overdue, the buckets, net sales, receivables at period end, written off
MONEY_COLUMNS = (6, 7, 8, 11, 12, *range(13, 13 + len(BUCKETS)), 13 + len(BUCKETS), 14 + len(BUCKETS),
                 16 + len(BUCKETS))


def file_rows(report: CollectorReport) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for ln in report.lines:
        d = report.line_dict(ln)
        p = d["person"] or {}
        tie = d["tie_break"]
        rows.append([
            ln.rank if ln.rank is not None else "", p.get("display_name") or "未分配 / unassigned",
            p.get("username") or "", p.get("employee_no") or "", ln.currency,
            Decimal(d["due"]), Decimal(d["collected"]), Decimal(d["collected_on_time"]),
            Decimal(d["collection_rate_percent"]) if d["collection_rate_percent"] is not None else "",
            Decimal(d["on_time_rate_percent"]) if d["on_time_rate_percent"] is not None else "",
            Decimal(d["outstanding"]), Decimal(d["overdue"]), *(Decimal(d["buckets"][b.key]) for b in BUCKETS),
            Decimal(d["net_sales"]), Decimal(d["receivables_end"]),
            Decimal(d["dso_days"]) if d["dso_days"] is not None else "",
            Decimal(d["written_off"]), ln.promises_made, ln.promises_kept, ln.promises_broken,
            f"{tie['zh']} / {tie['en']}" if tie else "",
        ])
    return rows


def _title(report: CollectorReport) -> list[Any]:
    who = "业务员 / salesperson" if report.by == "salesperson" else "催收员 / clerk"
    return [_head("期间", "Period"), f"{report.period_from.isoformat()} – {report.period_to.isoformat()}",
            _head("截至日期", "As of"), report.as_of.isoformat(), _head("按", "By"), who]


def collectors_csv(report: CollectorReport) -> bytes:
    from workflow.ledger.exports import csv_bytes

    return csv_bytes([_title(report), HEAD, *file_rows(report)])


def collectors_xlsx(report: CollectorReport) -> bytes:
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    from workflow.ledger.exports import xlsx_append

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "回款考核 Collectors"
    xlsx_append(ws, _title(report))
    head = xlsx_append(ws, HEAD)
    for cell in ws[head]:
        cell.font = Font(bold=True)
    for row in file_rows(report):
        r = xlsx_append(ws, row)
        for i in MONEY_COLUMNS:
            ws.cell(r, i).number_format = "#,##0.00"
    ws.freeze_panes = "C3"
    ws.column_dimensions["B"].width = 16
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
