"""API resources: reports (the aging report, the collection KPIs, the collector KPIs)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from flask import Blueprint, redirect, request, url_for
from pydantic import BaseModel, ConfigDict, Field

from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.ids import MAX_ID
from workflow.ledger import collectors
from workflow.ledger.aging import aging_report
from workflow.ledger.exports import aging_file
from workflow.ledger.kpi import kpis
from workflow.web.api.base import STAFF, core, endpoint, file_response, session, uow
from workflow.web.api.responses import AgingOut, CollectorsOut, KpisOut

bp = Blueprint("reports", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class AgingQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: date | None = Field(None, description="report date (YYYY-MM-DD); today when omitted")
    format: Literal["json", "csv", "xlsx"] = Field(
        "json", description="csv and xlsx answer 307 with the audited download at /reports/aging/file")
    currency: str | None = Field(None, pattern="^[A-Z]{3}$", description="only this currency")
    creditor_id: int | None = Field(None, ge=1, le=MAX_ID, description="only invoices of this creditor entity")


class AgingFileQuery(AgingQuery):
    format: Literal["csv", "xlsx"] = "csv"


class CollectorsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    period_from: date | None = Field(None, alias="from",
                                     description="first day of the period (YYYY-MM-DD); default: a year before to")
    period_to: date | None = Field(None, alias="to", description="last day of the period; default: as_of")
    as_of: date | None = Field(None, description="the day the figures are taken; today when omitted")
    by: Literal["salesperson", "clerk"] = "salesperson"
    format: Literal["json", "csv", "xlsx"] = Field(
        "json", description="csv and xlsx answer 307 with the audited download at /reports/collectors/file")


class CollectorsFileQuery(CollectorsQuery):
    format: Literal["csv", "xlsx"] = "csv"


class KpiQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: date | None = Field(None, description="last day of the period; today when omitted")
    period_days: int = Field(365, ge=1, le=3660, description="length of the period in days")
    creditor_id: int | None = Field(None, ge=1, le=MAX_ID)


@endpoint(
    bp,
    "GET",
    "/reports/aging",
    summary="Aging report per customer and currency, as of a date",
    roles=STAFF,
    query=AgingQuery,
    response=AgingOut,
    responses={"200": "OK", "307": "format csv or xlsx: the same report as a file, at /reports/aging/file"},
)
def get_aging(actor: Actor, query: AgingQuery) -> Any:
    if query.format != "json":
        # a file download is recorded in the audit log, so it is a writing request of its own
        return redirect(f"{url_for('.get_aging_file')}?{request.query_string.decode()}", code=307)
    report = aging_report(session(), query.as_of or uow().today(), currency=query.currency,
                          creditor_id=query.creditor_id)
    return report.as_dict()


@endpoint(
    bp,
    "GET",
    "/reports/aging/file",
    summary="Download the aging report as CSV or XLSX (audit-logged)",
    roles=STAFF,
    query=AgingFileQuery,
    response_types=["text/csv", XLSX],
    writes=True,
)
def get_aging_file(actor: Actor, query: AgingFileQuery) -> Any:
    as_of = query.as_of or uow().today()
    data = aging_file(uow(), query.format, as_of, currency=query.currency, creditor_id=query.creditor_id)
    name = f"账龄分析_aging_{as_of.isoformat()}.{query.format}"
    return file_response(data, "text/csv" if query.format == "csv" else XLSX, name)


@endpoint(
    bp,
    "GET",
    "/reports/kpis",
    summary="Collection KPIs (DSO, on-time rate, bad-debt rate, turnover, "
    "average collection period) with their formulas",
    roles=STAFF,
    query=KpiQuery,
    response=KpisOut,
)
def get_kpis(actor: Actor, query: KpiQuery) -> Any:
    return kpis(session(), query.as_of or uow().today(), query.period_days, creditor_id=query.creditor_id)


COLLECTOR_READERS = STAFF | {Role.SALES}


def _period(query: CollectorsQuery) -> tuple[date, date, date]:
    as_of = query.as_of or uow().today()
    start, to = collectors.resolve_period(as_of, query.period_from, query.period_to)
    return as_of, start, to


@endpoint(
    bp,
    "GET",
    "/reports/collectors",
    summary="Collector KPIs per salesperson or clerk (回款率, 回款及时率, overdue by bucket, DSO, promises, "
    "write-offs) and their ranking; a salesperson sees only their own line",
    roles=COLLECTOR_READERS,
    query=CollectorsQuery,
    response=CollectorsOut,
    responses={"200": "OK", "307": "format csv or xlsx: the same report as a file, at /reports/collectors/file"},
)
def get_collectors(actor: Actor, query: CollectorsQuery) -> Any:
    if query.format != "json":
        return redirect(f"{url_for('.get_collectors_file')}?{request.query_string.decode()}", code=307)
    as_of, start, to = _period(query)
    return collectors.for_actor(uow(), query.by, as_of, start, to, core().settings.tz).as_dict()


@endpoint(
    bp,
    "GET",
    "/reports/collectors/file",
    summary="Download the collector KPIs as CSV or XLSX (audit-logged)",
    roles=COLLECTOR_READERS,
    query=CollectorsFileQuery,
    response_types=["text/csv", XLSX],
    writes=True,
)
def get_collectors_file(actor: Actor, query: CollectorsFileQuery) -> Any:
    as_of, start, to = _period(query)
    data = collectors.collectors_file(uow(), query.format, query.by, as_of, start, to, core().settings.tz)
    name = f"回款考核_collectors_{query.by}_{start.isoformat()}_{to.isoformat()}.{query.format}"
    return file_response(data, "text/csv" if query.format == "csv" else XLSX, name)
