"""API resources: the law calculators (interest, limitation, amounts in words) and a customer's
claim (principal + interest + limitation per invoice). Any role may call the calculators; they
only read (the calendar and rate table), so their unit of work is read-only although they are POSTs.
``GET /status`` says what the rate table and calendar know and, to administrators, what is overdue."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint
from pydantic import Field

from workflow.accounts.actor import Actor
from workflow.calc.schemas import ClaimQuery, InterestIn, LimitationIn, WordsIn
from workflow.claim.sheet import ClaimSheetIn
from workflow.web.api.base import STAFF, core, endpoint, session, uow
from workflow.web.api.documents import described_when_done
from workflow.web.api.responses import ClaimOut, ClaimSheetOut, InterestOut, LimitationOut, Out, WordsOut

bp = Blueprint("calc", __name__)

_422 = {"200": "OK", "422": "Invalid input, or a rate / calendar the calculation needs is missing"}


class StatusOut(Out):
    today: date = Field(description="today in Beijing time")
    lpr: dict[str, Any] = Field(description="last quote, the last day its rate is known, when the next quote is "
                                            "due and whether it is overdue, missing months, unverified quotes")
    calendar: dict[str, Any] = Field(description="the loaded holiday calendar years")
    warnings: list[dict[str, str]] = Field(description="what an administrator must add ({code, zh, en}); "
                                                       "listed for administrators only")


@endpoint(bp, "GET", "/status", response=StatusOut, tags=["status"],
          summary="What the rate table and holiday calendar know, and warnings for the administrator")
def status(actor: Actor) -> Any:
    out = core().services.calc.status(uow())
    if not actor.is_admin():  # the remedy (adding a quote or a year) is the administrator's
        out["warnings"] = []
    return out


@endpoint(bp, "POST", "/calc/interest", body=InterestIn, responses=_422, writes=False,
          summary="Late interest on invoices with part payments (逾期利息计算)", response=InterestOut)
def calc_interest(actor: Actor, body: InterestIn) -> Any:
    return core().services.calc.interest(session(), body)


@endpoint(bp, "POST", "/calc/limitation", body=LimitationIn, responses=_422, writes=False,
          summary="Limitation period end date with interruptions (诉讼时效)", response=LimitationOut)
def calc_limitation(actor: Actor, body: LimitationIn) -> Any:
    return core().services.calc.limitation(session(), body)


@endpoint(bp, "GET", "/calc/words", query=WordsIn, responses=_422, summary="Amount in 人民币大写", response=WordsOut)
def calc_words_get(actor: Actor, query: WordsIn) -> Any:
    return core().services.calc.words(query.amount)


@endpoint(bp, "POST", "/calc/words", body=WordsIn, responses=_422, writes=False, summary="Amount in 人民币大写",
          response=WordsOut)
def calc_words_post(actor: Actor, body: WordsIn) -> Any:
    return core().services.calc.words(body.amount)


@endpoint(bp, "GET", "/customers/{customer_id}/claim", query=ClaimQuery, path_params={"customer_id": "integer"},
          responses={"200": "OK", "404": "No such customer", "422": "Invalid input or missing rate data"},
          summary="A customer's claim: principal, interest and limitation per invoice (利息计算表)", response=ClaimOut)
def claim(actor: Actor, query: ClaimQuery, customer_id: int) -> Any:
    return core().services.claims.claim(uow(), customer_id, query)


@endpoint(bp, "POST", "/customers/{customer_id}/claim/sheet", body=ClaimSheetIn, roles=STAFF,
          path_params={"customer_id": "integer"},
          responses={"201": "The stored 利息计算表 (DOCX, and PDF where LibreOffice is installed)",
                     "404": "No such customer", "422": "Invalid input, nothing claimed, or missing rate data"},
          summary="Make the interest calculation sheet (利息计算表) of a customer's claim, for court",
          response=ClaimSheetOut)
def claim_sheet(actor: Actor, body: ClaimSheetIn, customer_id: int) -> Any:
    doc = core().services.claims.sheet(uow(), customer_id, body)
    answer = described_when_done(doc)
    # said in the answer itself, not only inside the stored context: an incomplete sheet must not
    # pass for a complete one
    context = doc.context
    answer.update(complete=not context["sheet"]["incomplete"],
                  warnings=[{"zh": w["zh"], "en": w["en"]} for w in context["warnings"]])
    return answer, 201
