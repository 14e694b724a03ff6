"""API resources: dunning policies (administrators and the legal team edit them), a customer's
dunning settings (its own policy, do-not-dun, the statement schedule), and the daily run started by
hand (administrators: ``POST /dunning/run``, with ``dry_run`` to see what it would do and why).

The run opens one unit of work per customer itself, so its endpoint's own unit of work only reads.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from flask import Blueprint
from pydantic import Field

from workflow.accounts.actor import Actor
from workflow.cases import policy as policies
from workflow.web.api.base import ADMINS, STAFF, WRITERS, StrictModel, core, endpoint, session, uow
from workflow.web.api.responses import Out

bp = Blueprint("dunning", __name__)

POLICY = {"policy_id": "integer"}
CUSTOMER = {"customer_id": "integer"}
EDITORS = frozenset(policies.POLICY_EDITORS)
Short = Field(min_length=1, max_length=300)


class LawFirmIn(StrictModel):
    name: str = Short
    address: str = Short
    phone: str = Field(min_length=1, max_length=50)
    email: str = Field(min_length=3, max_length=254)
    name_en: str = Field("", max_length=300)
    address_en: str = Field("", max_length=300)


class LawyerIn(StrictModel):
    name: str = Field(min_length=1, max_length=100)
    licence_no: str = Field(min_length=1, max_length=50, description="执业证号")
    name_en: str = Field("", max_length=100)
    phone: str = Field("", max_length=50)
    email: str = Field("", max_length=254)


class LevelIn(StrictModel):
    offset: int = Field(ge=-policies.MAX_OFFSET, le=policies.MAX_OFFSET,
                        description="working days from the due date; negative: before it (the pre-due reminder)")
    kind: Literal["payment_reminder", "dunning_letter_1", "dunning_letter_2", "dunning_letter_3", "lawyer_letter",
                  "statement"]
    channel: Literal["email"] = "email"
    approval: bool = Field(False, description="a person approves before it goes out (always for a lawyer_letter)")
    credit_hold: bool = Field(False, description="reaching this level stops supply")
    law_firm: LawFirmIn | None = Field(None, description="the firm that signs a lawyer_letter")
    lawyer: LawyerIn | None = None

    def as_level(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class PolicyIn(StrictModel):
    name: str = Field(min_length=1, max_length=100)
    levels: list[LevelIn] = Field(min_length=1, max_length=policies.MAX_LEVELS)
    promise_grace_days: int = Field(policies.DEFAULT_GRACE_DAYS, ge=0, le=policies.MAX_GRACE_DAYS)
    is_default: bool = False


class PolicyPatch(StrictModel):
    name: str | None = Field(None, min_length=1, max_length=100)
    levels: list[LevelIn] | None = Field(None, min_length=1, max_length=policies.MAX_LEVELS)
    promise_grace_days: int | None = Field(None, ge=0, le=policies.MAX_GRACE_DAYS)


class PolicyOut(Out):
    id: int
    name: str
    is_default: bool
    promise_grace_days: int
    levels: list[dict[str, Any]]
    customers: int = Field(description="customers assigned this policy as their own")
    created_at: datetime
    updated_at: datetime


class PolicyList(Out):
    items: list[PolicyOut]


class CustomerDunningIn(StrictModel):
    policy_id: int | None = Field(None, ge=1, le=2**31 - 1, description="the customer's own policy; null: the "
                                                                       "default (only when use_default is true)")
    use_default: bool = Field(False, description="drop the customer's own policy")
    do_not_dun: bool | None = None
    reason: str = Field("", max_length=1000, description="why do-not-dun is set or lifted")
    statement_schedule: Literal["monthly", "quarterly", "none"] | None = None


class CustomerDunningOut(Out):
    customer_id: int
    do_not_dun: bool
    policy_id: int | None
    effective_policy: dict[str, Any] | None
    statement_schedule: str
    credit_hold: bool
    credit_hold_reason: str | None


class RunIn(StrictModel):
    as_of: date | None = Field(None, description="that day's scheduled run (default: today, Asia/Shanghai)")
    dry_run: bool = Field(False, description="decide and explain, write nothing")


class RunOut(Out):
    as_of: date
    dry_run: bool
    working_day: bool
    provisional_calendar: bool = Field(description="the day's year has no holiday notice loaded yet")
    warnings: list[dict[str, str]]
    groups: int
    customers: int
    closed: list[str] = Field(description="refs of the cases closed as paid")
    promises_reviewed: int
    counts: dict[str, int]
    decisions: list[dict[str, Any]] = Field(description="per customer: action, level, kind, outcome, reason")


def _out(p: Any) -> dict[str, Any]:
    counts = policies.assigned_counts(session())
    return policies.describe(p, counts.get(p.id, 0))


@endpoint(bp, "GET", "/dunning/policies", roles=STAFF, response=PolicyList, summary="The dunning policies")
def list_policies(actor: Actor) -> Any:
    counts = policies.assigned_counts(session())
    items = [policies.describe(p, counts.get(p.id, 0)) for p in policies.list_policies(session())]
    return {"items": items}


@endpoint(bp, "POST", "/dunning/policies", roles=EDITORS, body=PolicyIn, response=PolicyOut,
          responses={"201": "Created", "409": "Name taken", "422": "Invalid levels"},
          summary="Create a dunning policy (administrators and legal)")
def create_policy(actor: Actor, body: PolicyIn) -> Any:
    p = policies.create_policy(uow(), name=body.name, levels=[lv.as_level() for lv in body.levels],
                               promise_grace_days=body.promise_grace_days, is_default=body.is_default)
    return _out(p), 201


@endpoint(bp, "GET", "/dunning/policies/{policy_id}", roles=STAFF, path_params=POLICY, response=PolicyOut,
          summary="One dunning policy")
def get_policy(actor: Actor, policy_id: int) -> Any:
    return _out(policies.get_policy(session(), policy_id))


@endpoint(bp, "PATCH", "/dunning/policies/{policy_id}", roles=EDITORS, path_params=POLICY, body=PolicyPatch,
          response=PolicyOut, responses={"200": "Changed", "404": "No such policy", "409": "Name taken",
                                         "422": "Invalid levels"},
          summary="Change a policy's name, levels or grace days (administrators and legal)")
def update_policy(actor: Actor, policy_id: int, body: PolicyPatch) -> Any:
    p = policies.update_policy(uow(), policy_id, name=body.name,
                               levels=None if body.levels is None else [lv.as_level() for lv in body.levels],
                               promise_grace_days=body.promise_grace_days)
    return _out(p)


@endpoint(bp, "DELETE", "/dunning/policies/{policy_id}", roles=EDITORS, path_params=POLICY,
          responses={"204": "Deleted", "404": "No such policy", "409": "Default or in use"},
          summary="Delete a policy no customer uses (not the default)")
def delete_policy(actor: Actor, policy_id: int) -> Any:
    policies.delete_policy(uow(), policy_id)
    return "", 204


@endpoint(bp, "POST", "/dunning/policies/{policy_id}/default", roles=EDITORS, path_params=POLICY,
          response=PolicyOut, responses={"200": "Now the default", "404": "No such policy"},
          summary="Make a policy the default")
def set_default(actor: Actor, policy_id: int) -> Any:
    return _out(policies.set_default(uow(), policy_id))


@endpoint(bp, "GET", "/customers/{customer_id}/dunning", roles=STAFF, path_params=CUSTOMER,
          response=CustomerDunningOut, summary="A customer's dunning settings")
def customer_settings(actor: Actor, customer_id: int) -> Any:
    return policies.describe_settings(session(), customer_id)


@endpoint(bp, "PATCH", "/customers/{customer_id}/dunning", roles=WRITERS, path_params=CUSTOMER,
          body=CustomerDunningIn, response=CustomerDunningOut,
          responses={"200": "Changed", "404": "No such customer", "422": "Unknown policy"},
          summary="Change a customer's policy, do-not-dun flag or statement schedule")
def change_customer_settings(actor: Actor, customer_id: int, body: CustomerDunningIn) -> Any:
    u = uow()
    if body.policy_id is not None or body.use_default:
        policies.assign_policy(u, customer_id, None if body.use_default else body.policy_id)
    if body.do_not_dun is not None:
        policies.set_do_not_dun(u, customer_id, body.do_not_dun, body.reason)
    if body.statement_schedule is not None:
        policies.set_statement_schedule(u, customer_id, body.statement_schedule)
    return policies.describe_settings(u.session, customer_id)


# the run opens its own unit of work per customer: this endpoint's own must not hold the write lock
@endpoint(bp, "POST", "/dunning/run", roles=ADMINS, body=RunIn, response=RunOut, writes=False,
          responses={"200": "The run's decisions", "422": "A date in the future"},
          summary="Run the daily dunning run now for a day, or say what it would do (dry_run)")
def run_now(actor: Actor, body: RunIn) -> Any:
    return core().services.dunning.run(actor, body.as_of, dry_run=body.dry_run).as_json()
