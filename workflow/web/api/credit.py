"""API resources: credit ratings (each customer's grade, score and the reasons behind it, its history,
the list by grade), the daily recompute started by hand, orders reported by other systems for the
exposure, credit-hold recommendations for a person to confirm or dismiss, and warning-sign flags
(docs/credit.md).

Lawyers see only the customers assigned to them and salespeople only their own (``ledger.access``):
anyone else's rating, order, recommendation or flag is "not found". The recompute opens its own units
of work (one per batch of customers), so its endpoint's own only reads.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from flask import Blueprint
from pydantic import BaseModel, ConfigDict, Field

from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.credit import service as credit
from workflow.credit.flags import KINDS
from workflow.credit.rating import GRADES
from workflow.ledger.schemas import Amount, Currency, Day, Input
from workflow.web.api.base import WRITERS, StrictModel, core, endpoint, uow
from workflow.web.api.responses import Money, Out

bp = Blueprint("credit", __name__)

CUSTOMER = {"customer_id": "integer"}
ORDER = {"customer_id": "integer", "order_id": "integer"}
RECOMMENDATION = {"recommendation_id": "integer"}
FLAG = {"flag_id": "integer"}
RECOMPUTERS = frozenset({Role.ADMIN, Role.CLERK})
DECIDERS = frozenset(credit.DECIDE_ROLES)
IdQuery = Field(None, ge=1, le=2**31 - 1)


# ---- requests ------------------------------------------------------------------------------------

class Paging(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page: int = Field(1, ge=1, le=1_000_000)
    per_page: int = Field(50, ge=1, le=500)


class RatingQuery(Paging):
    grade: Literal[GRADES] | None = None  # type: ignore[valid-type]
    sort: Literal[tuple(credit.SORTS)] = Field(  # type: ignore[valid-type]
        "score", description="score (worst first), -score, grade, -grade, customer, -customer, as_of, -as_of")


class RecomputeIn(StrictModel):
    as_of: date | None = Field(None, description="rate as of that day (default: today, Asia/Shanghai)")
    customer_code: str | None = Field(None, min_length=1, max_length=32, description="only this customer")


class OrderIn(Input):
    source: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$",
                        description="the reporting system, e.g. erp")
    external_ref: str = Field(min_length=1, max_length=64, description="its order number: with source, the key")
    amount: Amount
    currency: Currency = "CNY"
    status: Literal["open", "shipped", "invoiced", "cancelled"] = Field(
        "open", description="open and shipped orders count against the limit; invoiced and cancelled do not")
    ordered_on: Day | None = None


class OrderQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["open", "shipped", "invoiced", "cancelled"] | None = None


class RecommendationQuery(Paging):
    status: Literal["pending", "confirmed", "dismissed"] | None = None
    customer_id: int | None = IdQuery


class DecisionIn(StrictModel):
    note: str = Field("", max_length=2000, description="why (required to dismiss)")


class FlagQuery(Paging):
    open: bool = Field(True, description="only the flags that stand")
    customer_id: int | None = IdQuery
    kind: Literal[KINDS] | None = None  # type: ignore[valid-type]


class ClearIn(StrictModel):
    note: str = Field("", max_length=2000)


# ---- responses -----------------------------------------------------------------------------------

Grade = Literal["A", "B", "C", "D"]


class ReasonOut(Out):
    figure: str
    value: str
    points: Money = Field(description="taken off the score of 100")
    zh: str
    en: str


class FlagOut(Out):
    id: int
    customer_id: int
    kind: str
    zh: str
    en: str
    evidence: dict[str, Any]
    open: bool
    raised_on: date
    raised_at: str
    cleared_at: str | None
    cleared_by: str | None
    clear_note: str | None


class FlagList(Out):
    items: list[FlagOut]
    total: int
    page: int
    per_page: int


class RecommendationOut(Out):
    id: int
    customer_id: int
    customer_code: str
    customer_name: str
    trigger: Literal["over_limit", "grade_d"]
    zh: str
    en: str
    evidence: dict[str, Any]
    status: Literal["pending", "confirmed", "dismissed"]
    created_on: date
    created_at: str
    decided_by: str | None
    decided_at: str | None
    decision_note: str | None


class RecommendationList(Out):
    items: list[RecommendationOut]
    total: int
    page: int
    per_page: int


class CurrentRatingOut(Out):
    as_of: date
    score: int = Field(ge=0, le=100)
    grade: Grade
    reasons: list[ReasonOut]
    figures: dict[str, Any]
    computed_at: str
    flags: list[FlagOut]
    recommendations: list[RecommendationOut]


class HistoryOut(Out):
    as_of: date
    score: int
    grade: Grade


class RatingDetailOut(Out):
    customer_id: int
    customer_code: str
    customer_name: str
    credit_limit: Money | None
    limit_currency: str
    credit_hold: bool
    current: CurrentRatingOut | None = Field(description="null until the customer is first rated")
    history: list[HistoryOut] = Field(description="the last 90 days, newest first")


class RatingRow(Out):
    customer_id: int
    customer_code: str
    customer_name: str
    as_of: date
    score: int
    grade: Grade
    reasons: list[ReasonOut]


class RatingList(Out):
    items: list[RatingRow]
    total: int
    page: int
    per_page: int


class RecomputeOut(Out):
    as_of: date
    customers: int
    grades: dict[str, int]
    changed: list[dict[str, Any]] = Field(description="customers whose grade changed: from, to, score")
    recommendations: int = Field(description="credit-hold recommendations made")
    flags: int = Field(description="warning flags raised")
    notices: int = Field(description="salespeople told of a grade change")


class OrderOut(Out):
    id: int
    customer_id: int
    source: str
    external_ref: str
    amount: Money
    currency: str
    status: str
    ordered_on: date | None
    reported_at: str
    reported_by: str


class OrderReportOut(OrderOut):
    exposure: Money = Field(description="open invoices + open and shipped orders, in the limit's currency")
    credit_limit: Money | None
    limit_currency: str
    over_limit: bool
    recommendation_id: int | None = Field(description="the pending credit-hold recommendation, if over the limit")


class OrderList(Out):
    items: list[OrderOut]


# ---- endpoints -----------------------------------------------------------------------------------

@endpoint(bp, "GET", "/customers/{customer_id}/rating", path_params=CUSTOMER, response=RatingDetailOut,
          responses={"200": "OK", "404": "No such customer (or not yours)"},
          summary="A customer's credit rating: grade, score, reasons (zh + en), figures, flags, history")
def get_rating(actor: Actor, customer_id: int) -> Any:
    return credit.rating_detail(uow(), customer_id)


@endpoint(bp, "GET", "/credit/ratings", query=RatingQuery, response=RatingList,
          summary="Every customer's latest rating, by grade, sorted (worst first by default)")
def list_ratings(actor: Actor, query: RatingQuery) -> Any:
    return credit.list_ratings(uow(), grade=query.grade, sort=query.sort, page=query.page, per_page=query.per_page)


# the recompute opens its own units of work: this endpoint's own must not hold the write lock
@endpoint(bp, "POST", "/credit/recompute", roles=RECOMPUTERS, body=RecomputeIn, response=RecomputeOut, writes=False,
          responses={"200": "The recompute's outcome", "404": "No such customer", "422": "A date in the future"},
          summary="Recompute the credit ratings now (administrators and clerks)")
def recompute(actor: Actor, body: RecomputeIn) -> Any:
    return core().services.credit.recompute(actor, body.as_of, customer_code=body.customer_code).as_json()


@endpoint(bp, "GET", "/customers/{customer_id}/orders", path_params=CUSTOMER, query=OrderQuery, response=OrderList,
          summary="Orders other systems reported for the customer's exposure")
def list_orders(actor: Actor, customer_id: int, query: OrderQuery) -> Any:
    return credit.list_orders(uow(), customer_id, query.status)


@endpoint(bp, "POST", "/customers/{customer_id}/orders", roles=WRITERS, path_params=CUSTOMER, body=OrderIn,
          response={"200": OrderReportOut, "201": OrderReportOut},
          responses={"201": "Reported", "200": "Updated (same source and external_ref)", "404": "No such customer",
                     "409": "The order belongs to another customer", "422": "Invalid order"},
          summary="Report (or update) an order not yet invoiced: it counts against the credit limit")
def report_order(actor: Actor, customer_id: int, body: OrderIn) -> Any:
    out, created = core().services.credit.report_order(
        uow(), customer_id, source=body.source, external_ref=body.external_ref, amount=body.amount,
        currency=body.currency, status=body.status, ordered_on=body.ordered_on)
    return out, 201 if created else 200


@endpoint(bp, "DELETE", "/customers/{customer_id}/orders/{order_id}", roles=WRITERS, path_params=ORDER,
          response=OrderOut, responses={"200": "Cancelled", "404": "No such order"},
          summary="Cancel a reported order (it no longer counts; the row is kept)")
def cancel_order(actor: Actor, customer_id: int, order_id: int) -> Any:
    return core().services.credit.cancel_order(uow(), customer_id, order_id)


@endpoint(bp, "GET", "/credit/recommendations", query=RecommendationQuery, response=RecommendationList,
          summary="Credit-hold recommendations (pending ones wait for a person)")
def list_recommendations(actor: Actor, query: RecommendationQuery) -> Any:
    return credit.list_recommendations(uow(), status=query.status, customer_id=query.customer_id, page=query.page,
                                       per_page=query.per_page)


@endpoint(bp, "POST", "/credit/recommendations/{recommendation_id}/confirm", roles=DECIDERS,
          path_params=RECOMMENDATION, body=DecisionIn, response=RecommendationOut,
          responses={"200": "Confirmed: the credit hold is set", "404": "No such recommendation",
                     "409": "Decided already"},
          summary="Confirm a credit-hold recommendation: the hold is set and pushed to other systems")
def confirm(actor: Actor, recommendation_id: int, body: DecisionIn) -> Any:
    return core().services.credit.confirm(uow(), recommendation_id, body.note)


@endpoint(bp, "POST", "/credit/recommendations/{recommendation_id}/dismiss", roles=DECIDERS,
          path_params=RECOMMENDATION, body=DecisionIn, response=RecommendationOut,
          responses={"200": "Dismissed", "404": "No such recommendation", "409": "Decided already",
                     "422": "No reason given"},
          summary="Dismiss a credit-hold recommendation (say why)")
def dismiss(actor: Actor, recommendation_id: int, body: DecisionIn) -> Any:
    return core().services.credit.dismiss(uow(), recommendation_id, body.note)


@endpoint(bp, "GET", "/credit/flags", query=FlagQuery, response=FlagList,
          summary="Warning signs on customers, with their evidence")
def list_flags(actor: Actor, query: FlagQuery) -> Any:
    return credit.list_flags(uow(), open_only=query.open, customer_id=query.customer_id, kind=query.kind,
                             page=query.page, per_page=query.per_page)


@endpoint(bp, "POST", "/credit/flags/{flag_id}/clear", roles=WRITERS, path_params=FLAG, body=ClearIn,
          response=FlagOut, responses={"200": "Cleared", "404": "No such flag", "409": "Cleared already"},
          summary="Clear a warning flag (the same evidence is not raised again)")
def clear_flag(actor: Actor, flag_id: int, body: ClearIn) -> Any:
    return credit.clear_flag(uow(), flag_id, body.note)
