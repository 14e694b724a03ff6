"""API resources: reports (the aging report and the collection KPIs)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from flask import Blueprint
from pydantic import BaseModel, ConfigDict, Field

from workflow.accounts.actor import Actor
from workflow.ledger.aging import aging_report
from workflow.ledger.exports import aging_csv, aging_xlsx
from workflow.ledger.kpi import kpis
from workflow.web.api.base import STAFF, core, endpoint, file_response, session

bp = Blueprint("reports", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class AgingQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: date | None = Field(None, description="report date (YYYY-MM-DD); today when omitted")
    format: Literal["json", "csv", "xlsx"] = "json"
    currency: str | None = Field(None, pattern="^[A-Z]{3}$", description="only this currency")
    creditor_id: int | None = Field(None, ge=1, description="only invoices of this creditor entity")


class KpiQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: date | None = Field(None, description="last day of the period; today when omitted")
    period_days: int = Field(365, ge=1, le=3660, description="length of the period in days")
    creditor_id: int | None = Field(None, ge=1)


@endpoint(
    bp,
    "GET",
    "/reports/aging",
    summary="Aging report per customer and currency, as of a date",
    roles=STAFF,
    query=AgingQuery,
    response_types=["application/json", "text/csv", XLSX],
)
def get_aging(actor: Actor, query: AgingQuery) -> Any:
    today = core().clock.today()
    as_of = query.as_of or today
    report = aging_report(session(), as_of, today, currency=query.currency, creditor_id=query.creditor_id)
    name = f"账龄分析_aging_{as_of.isoformat()}"
    if query.format in ("csv", "xlsx"):
        # a file of every customer's balance leaves the system: recorded like any other download
        with core().db.session() as s:
            core().audit.record(s, actor, "report.download", "report", "aging", None,
                                {"format": query.format, "as_of": as_of, "currency": query.currency,
                                 "creditor_id": query.creditor_id})
    if query.format == "csv":
        return file_response(aging_csv(report), "text/csv", f"{name}.csv")
    if query.format == "xlsx":
        return file_response(aging_xlsx(report), XLSX, f"{name}.xlsx")
    return report.as_dict()


@endpoint(
    bp,
    "GET",
    "/reports/kpis",
    summary="Collection KPIs (DSO, on-time rate, bad-debt rate, turnover, "
    "average collection period) with their formulas",
    roles=STAFF,
    query=KpiQuery,
)
def get_kpis(actor: Actor, query: KpiQuery) -> Any:
    today = core().clock.today()
    return kpis(session(), query.as_of or today, today, query.period_days, creditor_id=query.creditor_id)
