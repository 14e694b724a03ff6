"""The case list: every dunning case the user may see, filtered, sorted, paged and exported; its
batch actions on a selection are ``cases_batch.py``.

The list is one set-based query: the cases joined to their customer, their clerk (the case's own,
else the customer's: the rule of ``cases.casefile.list_cases``) and one grouped pass over the open
invoices (``ledger.balances.balance_fen``) giving each open case its balance and its oldest due
date, so filtering or sorting by amount or age costs the database one aggregate, not a Python loop.
A closed case shows no balance: whatever its pair owes now belongs to the pair's open case.

"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, current_app, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select, text
from sqlalchemy.orm import Session, aliased

from workflow.accounts.actor import Actor
from workflow.accounts.models import User
from workflow.cases.models import DunningCase
from workflow.cases.service import ASSIGNEES, CASE_WORKERS
from workflow.cases.states import CLOSED, CaseState
from workflow.db import cents_to_decimal
from workflow.ledger.access import scoped
from workflow.ledger.balances import balance_fen
from workflow.ledger.models import Customer, Invoice
from workflow.web.api.base import uow
from workflow.web.ui import format as fmt
from workflow.web.ui import labels, listing
from workflow.web.ui.listing import Column
from workflow.web.ui.page import ALL_ROLES, actor, nav_item, page, render

bp = Blueprint("ui_cases", __name__)
nav_item("Cases", "ui_cases.cases", order=20)

MAX_AMOUNT = Decimal("999999999999.99")
MAX_DAYS = 100_000
MAX_LEVEL = 99
MAX_SELECTION = listing.PER_PAGE_CHOICES[-1]
# per-case lines a batch report lists (the rest is counted): the report travels in the session cookie
MAX_REPORT_LINES = 20
MAX_REPORT_REFS = 40
STATUSES = ("open", "closed", "all")
DEFAULT_STATUS = "open"

Clerk = aliased(User, name="clerk")


# ---- the query -----------------------------------------------------------------------------------

def _of_open_case(expr: Any) -> Any:
    """``expr`` over the invoices the case chases (its creditor, customer and currency, not written
    off, something owed), for an open case only, as a correlated aggregate: each case seeks its few
    invoices on the covering index ``ix_invoice_aging`` (customer, currency, ...)."""
    owed = balance_fen()
    sub = (select(expr).where(Invoice.customer_id == Customer.id,
                              Invoice.currency == DunningCase.currency,
                              Invoice.creditor_id == DunningCase.creditor_id,
                              Invoice.written_off == false(), owed > 0)
           .correlate(DunningCase, Customer).scalar_subquery())
    return case((DunningCase.open_slot == 1, sub), else_=None)


def _owed_by_pair() -> Any:
    """The same figures for every (creditor, customer, currency) at once: one grouped pass over the
    invoices, joined to the open cases."""
    owed = balance_fen()
    return (select(Invoice.creditor_id, Invoice.customer_id, Invoice.currency, func.sum(owed).label("fen"),
                   func.min(Invoice.due_date).label("oldest_due"))
            .where(Invoice.written_off == false(), owed > 0)
            .group_by(Invoice.creditor_id, Invoice.customer_id, Invoice.currency).subquery("owed"))


OWED = _owed_by_pair()


@dataclass(frozen=True)
class Measures:
    """How a case's open balance (fen) and oldest due date are computed in SQL. Two ways that give
    the same figures, each the faster on one database (benchmarks/desk.py, 10,000 cases): SQLite
    seeks each case's invoices (a correlated aggregate costs it a few microseconds, a grouped pass
    over every invoice far more); PostgreSQL pays more per correlated call than for one hashed
    grouped pass, so when the list is sorted by every case's balance or age it joins the grouped
    figures. A page's own 50 rows always use the correlated form."""

    fen: Any
    oldest: Any
    grouped: bool

    def join(self, stmt: Select[Any]) -> Select[Any]:
        if not self.grouped:
            return stmt
        return stmt.outerjoin(OWED, and_(OWED.c.creditor_id == DunningCase.creditor_id,
                                         OWED.c.customer_id == DunningCase.customer_id,
                                         OWED.c.currency == DunningCase.currency, DunningCase.open_slot == 1))


CORRELATED = Measures(func.coalesce(_of_open_case(func.sum(balance_fen())), 0),
                      _of_open_case(func.min(Invoice.due_date)), grouped=False)
GROUPED = Measures(func.coalesce(OWED.c.fen, 0), OWED.c.oldest_due, grouped=True)
# the sorts that need every case's balance or oldest due date
BY_OWED = ("open_balance", "oldest_due")


def _days_ago(today: date, days: int) -> date:
    return today - timedelta(days=days)


def columns(m: Measures) -> tuple[Column, ...]:
    return (
        # references count up with the id (AR-<year>-<n>); the id sorts them as numbers, not as text
        Column("ref", "Case", sort=DunningCase.id),
        Column("customer", "Customer", sort=Customer.legal_name, value=lambda r: r["customer_name"]),
        Column("state", "Stage", sort=DunningCase.state, value=lambda r: r["state_label"]),
        Column("level", "Level", sort=DunningCase.level, kind="number"),
        Column("clerk", "Clerk"),
        Column("open_balance", "Open balance", sort=m.fen, kind="money"),
        Column("oldest_due", "Oldest due date", sort=m.oldest, kind="date"),
        Column("days_overdue", "Days overdue", kind="number"),
        Column("opened_on", "Opened", sort=DunningCase.opened_at, kind="date"),
        Column("last_action_on", "Last action", sort=DunningCase.last_action_on, kind="date"),
    )


COLUMNS = columns(CORRELATED)
GROUPED_COLUMNS = columns(GROUPED)
EXPORT_COLUMNS: tuple[Column, ...] = (
    Column("ref", "Case"),
    Column("customer_code", "Customer code"),
    Column("customer_name", "Customer"),
    Column("state", "Stage", value=lambda r: r["state_label"]),
    Column("level", "Level", kind="number"),
    Column("clerk", "Clerk"),
    Column("currency", "Currency"),
    Column("open_balance", "Open balance", kind="money"),
    Column("oldest_due", "Oldest due date", kind="date"),
    Column("days_overdue", "Days overdue", kind="number"),
    Column("opened_on", "Opened", kind="date"),
    Column("last_action_on", "Last action", kind="date"),
)
STATUS_LABELS = {"open": lazy_gettext("Open cases"), "closed": lazy_gettext("Closed cases"),
                 "all": lazy_gettext("All cases")}


@dataclass
class Filters:
    """The list's filters as typed in the form (kept as text to show them again) and as parsed."""

    raw: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    q: str = ""
    status: str = DEFAULT_STATUS
    state: str = ""
    clerk: int | None = None
    unassigned: bool = False
    level: int | None = None
    opened_min: int | None = None
    opened_max: int | None = None
    overdue_min: int | None = None
    overdue_max: int | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None

    @property
    def any(self) -> bool:
        return any(v for k, v in self.raw.items() if k != "status") or self.status != DEFAULT_STATUS


FILTER_NAMES = ("q", "status", "state", "clerk", "level", "opened_min", "opened_max", "overdue_min",
                "overdue_max", "amount_min", "amount_max")


def _whole(f: Filters, name: str, hi: int) -> int | None:
    text = f.raw.get(name, "")
    if not text:
        return None
    if not re.fullmatch(r"\d{1,9}", text) or int(text) > hi:
        f.errors[name] = _("Enter a whole number from 0 to %(max)s.", max=fmt.number(hi))
        return None
    return int(text)


def _amount(f: Filters, name: str) -> Decimal | None:
    text = f.raw.get(name, "").replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value < 0 or value > MAX_AMOUNT or value != value.quantize(Decimal("0.01")):
        f.errors[name] = _("Enter an amount such as 50000 or 12,345.67.")
        return None
    return value


def read_filters() -> Filters:
    raw = {name: request.args.get(name, "").strip()[:200] for name in FILTER_NAMES}
    f = Filters(raw=raw, q=raw["q"])
    if raw["status"]:
        if raw["status"] in STATUSES:
            f.status = raw["status"]
        else:
            f.errors["status"] = _("Choose open, closed or all cases.")
    if raw["state"]:
        if raw["state"] in {s.value for s in CaseState}:
            f.state = raw["state"]
        else:
            f.errors["state"] = _("Choose a stage from the list.")
    if raw["clerk"] == "none":
        f.unassigned = True
    elif raw["clerk"]:
        f.clerk = _whole(f, "clerk", 2**31 - 1)
    f.level = _whole(f, "level", MAX_LEVEL)
    f.opened_min, f.opened_max = _whole(f, "opened_min", MAX_DAYS), _whole(f, "opened_max", MAX_DAYS)
    f.overdue_min, f.overdue_max = _whole(f, "overdue_min", MAX_DAYS), _whole(f, "overdue_max", MAX_DAYS)
    f.amount_min, f.amount_max = _amount(f, "amount_min"), _amount(f, "amount_max")
    for lo, hi in (("opened_min", "opened_max"), ("overdue_min", "overdue_max"), ("amount_min", "amount_max")):
        low, high = getattr(f, lo), getattr(f, hi)
        if low is not None and high is not None and low > high:
            f.errors[hi] = _("The upper bound is below the lower one.")
    return f


def _conditions(f: Filters, today: date, day_start: Callable[[date], datetime],
                m: Measures) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if f.status == "open":
        conds.append(DunningCase.open_slot == 1)
    elif f.status == "closed":
        conds.append(DunningCase.open_slot.is_(None))
    if f.state:
        conds.append(DunningCase.state == f.state)
    if f.q:
        conds.append(or_(Customer.legal_name.icontains(f.q, autoescape=True),
                         Customer.code.icontains(f.q, autoescape=True),
                         Customer.legal_name_en.icontains(f.q, autoescape=True),
                         DunningCase.ref.icontains(f.q, autoescape=True)))
    if f.clerk is not None:
        conds.append(or_(DunningCase.assigned_user_id == f.clerk,
                         and_(DunningCase.assigned_user_id.is_(None), Customer.assigned_clerk_id == f.clerk)))
    if f.unassigned:
        conds.append(and_(DunningCase.assigned_user_id.is_(None), Customer.assigned_clerk_id.is_(None)))
    if f.level is not None:
        conds.append(DunningCase.level == f.level)
    # opened at least n days ago: before the start of the day n-1 days ago, in the installation's zone
    if f.opened_min is not None:
        conds.append(DunningCase.opened_at < day_start(_days_ago(today, f.opened_min - 1)))
    if f.opened_max is not None:
        conds.append(DunningCase.opened_at >= day_start(_days_ago(today, f.opened_max)))
    if f.overdue_min is not None:
        conds.append(m.oldest <= _days_ago(today, f.overdue_min))
    if f.overdue_max is not None:
        conds.append(m.oldest >= _days_ago(today, f.overdue_max))
    if f.amount_min is not None:
        conds.append(m.fen >= int(f.amount_min * 100))
    if f.amount_max is not None:
        conds.append(m.fen <= int(f.amount_max * 100))
    return conds


def _details(m: Measures) -> tuple[Any, ...]:
    return (DunningCase.id, DunningCase.ref, DunningCase.state, DunningCase.level, DunningCase.currency,
            DunningCase.opened_at, DunningCase.last_action_on, DunningCase.customer_id,
            Customer.code.label("customer_code"), Customer.legal_name.label("customer_name"),
            Clerk.display_name.label("clerk"), m.fen.label("fen"), m.oldest.label("oldest_due"))


def measures_for(dialect: str, f: Filters, state: listing.ListState) -> Measures:
    """The grouped figures on PostgreSQL when the list is sorted by every case's balance or age (see
    Measures). A filter on them stays correlated: the database applies the other filters first (a
    clerk, a stage) and works the balance out only for the cases left."""
    return GROUPED if state.sort in BY_OWED and dialect == "postgresql" else CORRELATED


def case_query(who: Actor, f: Filters, today: date, day_start: Callable[[date], datetime], *,
               details: bool = True, m: Measures = CORRELATED) -> Select[Any]:
    """The filtered cases the user may see, each with its customer, clerk, balance and oldest due
    date; without ``details``, their ids only (what a page needs to be chosen and counted)."""
    stmt = m.join(select(*(_details(m) if details else (DunningCase.id,)))
                  .join(Customer, Customer.id == DunningCase.customer_id))
    if details:
        stmt = stmt.outerjoin(Clerk, Clerk.id == func.coalesce(DunningCase.assigned_user_id,
                                                               Customer.assigned_clerk_id))
    return scoped(stmt.where(*_conditions(f, today, day_start, m)), who, DunningCase.customer_id)


def one_page(session: Session, who: Actor, f: Filters, state: listing.ListState, today: date,
             day_start: Callable[[date], datetime], convert: Callable[[Any], Any]) -> listing.Page:
    """A page in two steps: the page's ids, counted, ordered and cut in the database with only what
    the filters and the sort need (a deep page skips thousands of rows without working out their
    balances), then the details of those ids."""
    dialect = session.get_bind().dialect.name
    m = measures_for(dialect, f, state)
    if dialect == "postgresql":
        # the planner prices a correlated balance per case high enough to compile the query (JIT),
        # which costs more than running it at 10,000 cases (benchmarks/desk.py): this transaction only
        session.execute(text("SET LOCAL jit = off"))
    ids = listing.paginate(session, case_query(who, f, today, day_start, details=False, m=m), columns(m), state,
                           tiebreak=DunningCase.id, convert=lambda r: r.id)
    ids.columns = COLUMNS
    if ids.items:
        found = {r.id: r for r in session.execute(
            scoped(select(*_details(CORRELATED)).join(Customer, Customer.id == DunningCase.customer_id)
                   .outerjoin(Clerk, Clerk.id == func.coalesce(DunningCase.assigned_user_id,
                                                               Customer.assigned_clerk_id))
                   .where(DunningCase.id.in_(ids.items)), who, DunningCase.customer_id))}
        ids.items = [convert(found[i]) for i in ids.items if i in found]
    return ids


def _row(today: date, tz: Any) -> Callable[[Any], dict[str, Any]]:
    names: dict[str, str] = {}  # each state's label translated once per page, not once per row

    def convert(r: Any) -> dict[str, Any]:
        oldest: date | None = r.oldest_due
        if r.state not in names:
            names[r.state] = labels.case_state(r.state)
        return {
            "id": r.id, "ref": r.ref, "state": r.state, "state_label": names[r.state],
            "closed": r.state in CLOSED, "level": r.level, "currency": r.currency,
            "customer_id": r.customer_id, "customer_code": r.customer_code, "customer_name": r.customer_name,
            "clerk": r.clerk or "", "open_balance": cents_to_decimal(r.fen) if r.fen else None,
            "oldest_due": oldest, "days_overdue": (today - oldest).days if oldest and oldest < today else None,
            "opened_on": r.opened_at.astimezone(tz).date() if r.opened_at else None,
            "last_action_on": r.last_action_on,
        }
    return convert


def _assignees() -> list[tuple[int, str, str]]:
    """Who may hold a case: (id, how the lists show them, login name)."""
    s = uow().session
    rows = s.execute(select(User.id, User.display_name, User.username).where(
        User.role.in_([r.value for r in ASSIGNEES]), User.active.is_(True)).order_by(User.display_name, User.id))
    return [(uid, f"{name} ({login})", login) for uid, name, login in rows]


def list_args() -> dict[str, Any]:
    """The list's own query arguments (filters, sort, page), to come back to the same list."""
    keep = (*FILTER_NAMES, "sort", "dir", "page", "per_page")
    return {k: v for k, v in request.args.items() if k in keep}


def case_url(ref: str) -> str | None:
    """The case page's address, once the case page is part of the desk."""
    if "ui_case.case" not in current_app.view_functions:
        return None
    return url_for("ui_case.case", ref=ref)


def list_page(f: Filters, *, status: int = 200, selected: Sequence[str] = (),
               batch: dict[str, str] | None = None, batch_errors: dict[str, str] | None = None) -> ResponseReturnValue:
    who = actor()
    unit = uow()
    today, tz = unit.today(), unit.clock.tz

    def day_start(d: date) -> datetime:
        return datetime(d.year, d.month, d.day, tzinfo=tz)

    state = listing.list_state(COLUMNS, "opened_on")
    errors = dict(f.errors)
    if errors or batch_errors:
        # a filter that cannot be read filters nothing: the list shows what the other filters allow
        status = 422
    convert = _row(today, tz)
    if listing.wants_export() and not errors:
        m = GROUPED if unit.session.get_bind().dialect.name == "postgresql" else CORRELATED
        rows = listing.export_rows(unit.session, case_query(who, f, today, day_start, m=m), columns(m), state,
                                   tiebreak=DunningCase.id, convert=convert)
        unit.audit("export", "dunning_case", "list", None,
                   {"rows": len(rows), "filters": {k: v for k, v in f.raw.items() if v},
                    "sort": state.sort, "desc": state.desc})
        return listing.xlsx_response(f"{_('Cases')}-{today.isoformat()}.xlsx", EXPORT_COLUMNS, rows,
                                     sheet=_("Cases"))
    result = one_page(unit.session, who, f, state, today, day_start, convert)
    return render("ui/cases/list.html", page=result, filters=f, errors=errors,
                  states=[(s.value, labels.case_state(s)) for s in CaseState],
                  statuses=STATUS_LABELS,
                  assignees=_assignees(), batch_url=url_for("ui_cases_batch.batch", **list_args()),
                  can_act=who.role in CASE_WORKERS, case_url=case_url,
                  selected=set(selected), batch=batch or {}, batch_errors=batch_errors or {},
                  per_page_choices=listing.PER_PAGE_CHOICES), status


@page(bp, "/cases", roles=ALL_ROLES, writes=listing.wants_export, endpoint="cases")
def case_list() -> ResponseReturnValue:
    return list_page(read_filters())
