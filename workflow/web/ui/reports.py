"""Reports: the collectors' ranking (回款考核, per salesperson or per collection clerk) and the credit
ratings of the customers, each on the room's own service, as the API shows them.

The ranking is ``workflow.ledger.collectors.for_actor`` (a salesperson sees only their own line,
ranked among all); its export is the room's own audited file. The ratings list is a set-based query
over each customer's latest rating, restricted like every list (``scoped``), with the reasons in the
page's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import Select, and_, func, or_, select

from workflow.accounts.models import Role
from workflow.credit.models import CustomerRating
from workflow.credit.rating import GRADES
from workflow.db import cents_to_decimal
from workflow.errors import DomainError
from workflow.ledger import collectors
from workflow.ledger.access import scoped
from workflow.ledger.aging import BUCKETS
from workflow.ledger.models import Customer
from workflow.web.api.base import core, uow
from workflow.web.ui import i18n, listing
from workflow.web.ui.listing import Column, ListState, Page
from workflow.web.ui.page import STAFF, actor, nav_item, page, render

bp = Blueprint("ui_reports", __name__)
READERS = STAFF | {Role.SALES}
nav_item("Reports", "ui_reports.index", order=80)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@page(bp, "/reports")
def index() -> ResponseReturnValue:
    return render("ui/reports/index.html", collectors=actor().role in READERS)


# ---- the collectors' ranking ----------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    start: date
    end: date
    as_of: date


def presets(today: date) -> list[tuple[str, date, date]]:
    """The periods managers review: this month so far, last month, this quarter, this year, the last 12 months."""
    month_start = today.replace(day=1)
    last_end = month_start - timedelta(days=1)
    quarter_start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    return [
        (_("This month"), month_start, today),
        (_("Last month"), last_end.replace(day=1), last_end),
        (_("This quarter"), quarter_start, today),
        (_("This year"), today.replace(month=1, day=1), today),
        (_("Last 12 months"), today - timedelta(days=364), today),
    ]


def _date_arg(name: str, errors: dict[str, str]) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        errors[name] = _("Enter a date like %(example)s.", example="2026-11-30")
        return None


def _period(today: date, errors: dict[str, str]) -> Period:
    """As the API: as_of defaults to today, the period's end to as_of, its start to a year before the
    end (``collectors.resolve_period``, which also refuses what the report cannot take)."""
    as_of = _date_arg("as_of", errors) or today
    end, start = _date_arg("to", errors), _date_arg("from", errors)
    if not errors:
        try:
            start, end = collectors.resolve_period(as_of, start, end)
        except DomainError as exc:
            loc = i18n.page_locale()
            errors.update({p.field: p.as_dict(loc)["message"] for p in exc.problems} or {"": exc.message(loc)})
    end = end or as_of
    return Period(start or end - timedelta(days=364), end, as_of)


def _person(report: collectors.CollectorReport, line: collectors.Line) -> dict[str, Any]:
    p = report.person(line)
    if p is None:
        return {"name": _("Unassigned"), "username": "", "employee_no": ""}
    return {"name": p["display_name"], "username": p["username"], "employee_no": p["employee_no"] or ""}


def _row(report: collectors.CollectorReport, line: collectors.Line) -> dict[str, Any]:
    d = report.line_dict(line)
    tie = d["tie_break"]
    return {
        "rank": line.rank, "person": _person(report, line), "currency": line.currency,
        "due": Decimal(d["due"]), "collected": Decimal(d["collected"]),
        "on_time_amount": Decimal(d["collected_on_time"]),
        "collection_rate": line.collection_rate, "on_time_rate": line.on_time_rate,
        "outstanding": Decimal(d["outstanding"]), "overdue": Decimal(d["overdue"]),
        "buckets": [cents_to_decimal(v) for v in line.buckets],
        "dso": Decimal(d["dso_days"]) if d["dso_days"] is not None else None,
        "written_off": Decimal(d["written_off"]),
        "made": line.promises_made, "kept": line.promises_kept, "broken": line.promises_broken,
        "tie_break": i18n.pick(tie["zh"], tie["en"]) if tie else "",
    }


def _ranking_columns() -> list[Column]:
    # sorted in Python: the report is one line per person and currency, never a long list
    return [
        Column("rank", "Rank", True, kind="number"),
        Column("name", "Person", True, value=lambda r: r["person"]["name"]),
        Column("currency", "Currency", True),
        Column("due", "Due in period", True, kind="money"),
        Column("collected", "Collected", True, kind="money"),
        Column("collection_rate", "Collection rate", True, kind="percent"),
        Column("on_time_rate", "On-time rate", True, kind="percent"),
        Column("overdue", "Overdue", True, kind="money"),
        Column("dso", "DSO days", True, kind="number"),
        Column("written_off", "Bad debt written off", True, kind="money"),
        Column("made", "Promises made / kept / broken", True, kind="number"),
    ]


def _sorted(rows: list[dict[str, Any]], state: ListState) -> list[dict[str, Any]]:
    if state.sort == "rank" and not state.desc:
        return rows  # the ranking's own order: per currency, unranked last

    def key(r: dict[str, Any]) -> tuple[bool, Any]:
        value = r["person"]["name"] if state.sort == "name" else r[state.sort]
        return (value is None, value if value is not None else 0)

    present = [r for r in rows if key(r)[0] is False]
    missing = [r for r in rows if key(r)[0] is True]
    return sorted(present, key=key, reverse=state.desc) + missing


@page(bp, "/reports/collectors", roles=READERS, writes=listing.wants_export, endpoint="collectors")
def collectors_page() -> ResponseReturnValue:
    unit = uow()
    who = actor()
    errors: dict[str, str] = {}
    today = unit.today()
    period = _period(today, errors)
    raw_by = request.args.get("by", "salesperson")
    if raw_by not in collectors.BY_VALUES:
        errors["by"] = _("Choose salesperson or collection clerk.")
    # the room shows a salesperson their own line only, by salesperson
    by: collectors.By = "clerk" if raw_by == "clerk" and who.role is not Role.SALES else "salesperson"
    columns = _ranking_columns()
    state = listing.list_state(columns, "rank", default_desc=False)
    report = None
    if not errors:
        try:
            if listing.wants_export():
                data = collectors.collectors_file(unit, "xlsx", by, period.as_of, period.start, period.end,
                                                  core().settings.tz)
                name = f"回款考核_collectors_{by}_{period.start.isoformat()}_{period.end.isoformat()}.xlsx"
                resp = Response(data, mimetype=XLSX)
                resp.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
                return resp
            report = collectors.for_actor(unit, by, period.as_of, period.start, period.end, core().settings.tz)
        except DomainError as exc:
            loc = i18n.page_locale()
            errors.update({p.field: p.as_dict(loc)["message"] for p in exc.problems} or {"": exc.message(loc)})
    rows = [_row(report, ln) for ln in report.lines] if report is not None else []
    shown = _sorted(rows, state)
    result = Page(items=shown, total=len(shown), state=ListState(state.sort, state.desc, 1, max(len(shown), 1)),
                  columns=columns)
    html = render("ui/reports/collectors.html", page=result, columns={c.key: c for c in columns}, period=period,
                  by=by, errors=errors, presets=presets(today), buckets=BUCKETS, is_sales=who.role is Role.SALES,
                  definitions=collectors.DEFINITIONS)
    return (html, 422) if errors else html


# ---- the credit ratings ---------------------------------------------------------------------------

def _latest() -> Any:
    return (select(CustomerRating.customer_id.label("cid"), func.max(CustomerRating.as_of).label("day"))
            .group_by(CustomerRating.customer_id).subquery("latest"))


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _reasons(reasons: list[dict[str, Any]]) -> list[str]:
    return [i18n.pick(str(r.get("zh", "")), str(r.get("en", ""))) for r in reasons]


def _rating_columns() -> list[Column]:
    return [
        Column("code", "Customer code", Customer.code, value=lambda r: r["code"]),
        Column("name", "Customer", Customer.legal_name, value=lambda r: r["name"]),
        Column("grade", "Grade", CustomerRating.grade, value=lambda r: r["grade"]),
        Column("score", "Score", CustomerRating.score, kind="number", value=lambda r: r["score"]),
        Column("as_of", "Rated on", CustomerRating.as_of, kind="date", value=lambda r: r["as_of"]),
        Column("reasons", "Reasons", None, value=lambda r: "；".join(r["reasons"]) if i18n.is_zh()
               else "; ".join(r["reasons"])),
    ]


def _rating_query() -> Select[Any]:
    latest = _latest()
    stmt: Any = (select(CustomerRating, Customer.code, Customer.legal_name, Customer.credit_hold)
                 .join(latest, and_(latest.c.cid == CustomerRating.customer_id,
                                    latest.c.day == CustomerRating.as_of))
                 .join(Customer, Customer.id == CustomerRating.customer_id))
    grade = request.args.get("grade", "")
    if grade in GRADES:
        stmt = stmt.where(CustomerRating.grade == grade)
    text = request.args.get("q", "").strip()[:100]
    if text:
        pattern = _like(text)
        stmt = stmt.where(or_(Customer.legal_name.ilike(pattern, escape="\\"),
                              Customer.code.ilike(pattern, escape="\\")))
    scoped_stmt: Select[Any] = scoped(stmt, actor(), CustomerRating.customer_id)
    return scoped_stmt


def _rating_row(r: Any) -> dict[str, Any]:
    rating: CustomerRating = r[0]
    return {"customer_id": rating.customer_id, "code": r[1], "name": r[2], "credit_hold": bool(r[3]),
            "grade": rating.grade, "score": rating.score, "as_of": rating.as_of,
            "reasons": _reasons(list(rating.reasons or []))}


def customer_link() -> Callable[[int], str | None]:
    from flask import current_app, url_for

    if "ui_customers.customer" not in current_app.view_functions:
        return lambda _cid: None
    return lambda cid: url_for("ui_customers.customer", customer_id=cid)


@page(bp, "/reports/ratings", writes=listing.wants_export)
def ratings() -> ResponseReturnValue:
    unit = uow()
    columns = _rating_columns()
    state = listing.list_state(columns, "score", default_desc=False)
    stmt = _rating_query()
    if listing.wants_export():
        rows = listing.export_rows(unit.session, stmt, columns, state, tiebreak=Customer.code, convert=_rating_row)
        unit.audit("export", "customer_rating", "list", None, {"rows": len(rows), "filters": request.args.to_dict()})
        return listing.xlsx_response(f"{_('Credit ratings')}-{unit.today().isoformat()}.xlsx", columns, rows,
                                     sheet=_("Credit ratings"))
    result = listing.paginate(unit.session, stmt, columns, state, tiebreak=Customer.code, convert=_rating_row)
    return render("ui/reports/ratings.html", page=result, columns={c.key: c for c in columns}, grades=GRADES,
                  counts=_grade_counts(), customer_url=customer_link())


def _grade_counts() -> dict[str, int]:
    latest = _latest()
    stmt: Any = (select(CustomerRating.grade, func.count())
                 .join(latest, and_(latest.c.cid == CustomerRating.customer_id, latest.c.day == CustomerRating.as_of))
                 .group_by(CustomerRating.grade))
    rows = uow().session.execute(scoped(stmt, actor(), CustomerRating.customer_id))
    return {str(g): int(n) for g, n in rows}

