"""Promises and repayment plans followed up against the payments that came in, with worked dates.

The tests' day is Thursday 26 November 2026; the grace is the default two working days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient

from tests.cases.casebook import LEGAL, case_audit, open_case, owing_customer, pay
from tests.conftest import Users
from tests.uow import run
from workflow.cases.lifecycle import case_by_ref
from workflow.cases.promises import PromiseOutcome, review
from workflow.cases.service import close_if_settled
from workflow.clock import FixedClock
from workflow.core import Core

pytestmark = pytest.mark.usefixtures("shipped_templates")


def promise(client: FlaskClient, users: Users, ref: str, on: str, amount: str) -> dict[str, object]:
    resp = client.post(f"/api/v1/cases/{ref}/promises",
                       json={"promised_on": on, "amount": amount, "source": "call", "contact_name": "陈静"},
                       headers=users.clerk)
    assert resp.status_code == 201, resp.json
    return dict(resp.json)


def reviewed(core: Core, on: str) -> list[PromiseOutcome]:
    return run(core, LEGAL, review, date.fromisoformat(on))


def case_of(client: FlaskClient, users: Users, ref: str) -> dict[str, object]:
    return dict(client.get(f"/api/v1/cases/{ref}", headers=users.clerk).json)


def test_a_promise_unpaid_after_its_date_and_grace_is_broken_and_escalates(client: FlaskClient, users: Users,
                                                                          core: Core) -> None:
    book = owing_customer(client, users)
    pay(client, users, book, "2026-11-10", "20000.00", "B-1110")  # before the promise: does not count
    ref = open_case(client, users, book)
    p = promise(client, users, ref, "2026-11-27", "50000.00")  # a Friday
    assert p["paid_before"] == "20000.00" and p["status"] == "pending"
    assert case_of(client, users, ref)["state"] == "promise_pending"
    # the grace runs over Monday 30 November and Tuesday 1 December
    assert reviewed(core, "2026-12-01") == []
    assert case_of(client, users, ref)["state"] == "promise_pending"
    [outcome] = reviewed(core, "2026-12-02")
    assert (outcome.case_ref, outcome.what, outcome.outcome) == (ref, "promise", "broken")
    case = case_of(client, users, ref)
    assert case["state"] == "reminding" and case["level"] == 0  # the run sends the next level
    assert case["promises"][0]["status"] == "broken"  # type: ignore[index]
    assert any("承诺未兑现" in n["body"] and "promise broken" in n["body"]  # type: ignore[index]
               for n in case["notes"])  # type: ignore[union-attr, attr-defined]
    broken = case_audit(core, ref)[-1]
    assert broken.action == "case.promise_broken" and broken.actor == "legal.team"
    assert broken.after["evidence"]["promise_id"] == p["id"] and broken.after["evidence"]["paid_since"] == "0.00"
    assert reviewed(core, "2026-12-03") == []  # settled once


def test_a_partly_kept_promise_is_broken(client: FlaskClient, users: Users, core: Core,
                                         clock: FixedClock) -> None:
    book = owing_customer(client, users)
    ref = open_case(client, users, book)
    promise(client, users, ref, "2026-11-27", "50000.00")
    clock.advance(timedelta(days=1))
    pay(client, users, book, "2026-11-27", "30000.00", "B-1127")
    assert reviewed(core, "2026-11-27") == []  # not covered, not late yet
    [outcome] = reviewed(core, "2026-12-02")
    assert outcome.outcome == "broken" and str(outcome.paid_since) == "30000.00"


def test_a_promise_covered_by_its_date_is_kept_and_the_case_returns(client: FlaskClient, users: Users, core: Core,
                                                                    clock: FixedClock) -> None:
    book = owing_customer(client, users)
    ref = open_case(client, users, book)
    promise(client, users, ref, "2026-12-04", "50000.00")
    assert case_of(client, users, ref)["resume_to"] == "overdue"  # the hold remembers where it came from
    clock.advance(timedelta(days=4))
    pay(client, users, book, "2026-11-30", "50000.00", "B-1130")  # early
    [outcome] = reviewed(core, "2026-11-30")
    assert outcome.outcome == "kept"
    case = case_of(client, users, ref)
    assert case["state"] == "overdue" and case["promises"][0]["status"] == "kept"  # type: ignore[index]
    assert case_audit(core, ref)[-1].action == "case.promise_kept"


def test_a_new_promise_replaces_a_pending_one(client: FlaskClient, users: Users, core: Core) -> None:
    book = owing_customer(client, users)
    ref = open_case(client, users, book)
    promise(client, users, ref, "2026-11-27", "50000.00")
    promise(client, users, ref, "2026-12-10", "80000.00")
    statuses = [p["status"] for p in case_of(client, users, ref)["promises"]]  # type: ignore[attr-defined]
    assert statuses == ["cancelled", "pending"]
    assert reviewed(core, "2026-12-02") == []  # the replaced one is not followed up


def plan(client: FlaskClient, users: Users, ref: str) -> dict[str, object]:
    resp = client.post(f"/api/v1/cases/{ref}/plans", json={
        "instalments": [{"due_on": "2026-12-15", "amount": "100000.00"},
                        {"due_on": "2027-01-15", "amount": "100000.00"}], "pdf": False}, headers=users.clerk)
    assert resp.status_code == 201, resp.json
    return dict(resp.json)


def test_a_plan_must_add_up_to_the_debt(client: FlaskClient, users: Users) -> None:
    book = owing_customer(client, users)
    ref = open_case(client, users, book)
    resp = client.post(f"/api/v1/cases/{ref}/plans", json={
        "instalments": [{"due_on": "2026-12-15", "amount": "100000.00"}]}, headers=users.clerk)
    assert resp.status_code == 422 and resp.json["errors"][0]["field"] == "instalments"


def test_a_missed_instalment_breaks_the_plan(client: FlaskClient, users: Users, core: Core) -> None:
    book = owing_customer(client, users)
    ref = open_case(client, users, book)
    agreed = plan(client, users, ref)
    case = case_of(client, users, ref)
    assert case["state"] == "repayment_plan"
    assert [d["kind"] for d in case["documents"]] == ["repayment_agreement"]  # type: ignore[index, union-attr]
    assert agreed["document_id"] == case["documents"][0]["id"]  # type: ignore[index]
    # due Tuesday 15 December; the grace runs to Thursday 17 December
    assert reviewed(core, "2026-12-17") == []
    [outcome] = reviewed(core, "2026-12-18")
    assert (outcome.what, outcome.outcome) == ("plan", "broken")
    case = case_of(client, users, ref)
    assert case["state"] == "reminding"
    [p] = case["plans"]  # type: ignore[misc]
    assert p["status"] == "broken" and [i["status"] for i in p["instalments"]] == ["missed", "due"]


def test_a_plan_paid_instalment_by_instalment_completes(client: FlaskClient, users: Users, core: Core,
                                                        clock: FixedClock) -> None:
    book = owing_customer(client, users)
    ref = open_case(client, users, book)
    plan(client, users, ref)
    clock.advance(timedelta(days=18))  # 14 December
    pay(client, users, book, "2026-12-14", "100000.00", "B-1214")
    assert reviewed(core, "2026-12-21") == []  # the first is paid, the second not due
    [p] = case_of(client, users, ref)["plans"]  # type: ignore[misc]
    assert [i["status"] for i in p["instalments"]] == ["paid", "due"]
    clock.advance(timedelta(days=27))  # 10 January 2027: a year whose holidays are not loaded
    pay(client, users, book, "2027-01-10", "100000.00", "B-0110")
    [outcome] = reviewed(core, "2027-01-11")
    assert (outcome.what, outcome.outcome) == ("plan", "completed")
    assert case_of(client, users, ref)["state"] == "overdue"
    # nothing is owed any more: the case closes as paid
    with core.unit_of_work(LEGAL) as uow:
        assert close_if_settled(uow, case_by_ref(uow, ref)) is True
    closed = case_of(client, users, ref)
    assert closed["state"] == "closed_paid" and closed["closed_at"]
    assert case_audit(core, ref)[-1].action == "case.paid_in_full"


def test_a_case_with_money_still_owed_stays_open(client: FlaskClient, users: Users, core: Core) -> None:
    book = owing_customer(client, users)
    ref = open_case(client, users, book)
    pay(client, users, book, "2026-11-20", "120000.00", "B-1120")
    with core.unit_of_work(LEGAL) as uow:
        assert close_if_settled(uow, case_by_ref(uow, ref)) is False
    assert case_of(client, users, ref)["state"] == "overdue"


def test_a_pause_with_an_end_day_ends_by_itself_after_it(client: FlaskClient, users: Users, core: Core) -> None:
    book = owing_customer(client, users)
    ref = open_case(client, users, book)
    resp = client.post(f"/api/v1/cases/{ref}/pause", json={"reason": "对方财务系统切换", "until": "2026-12-04"},
                       headers=users.clerk)
    assert resp.json["state"] == "paused"
    reviewed(core, "2026-12-04")  # the last day of the pause
    assert case_of(client, users, ref)["state"] == "paused"
    reviewed(core, "2026-12-05")
    case = case_of(client, users, ref)
    assert case["state"] == "overdue" and case["paused_until"] is None and case["hold_reason"] is None
    entry = case_audit(core, ref)[-1]
    assert entry.action == "case.resumed" and entry.after["evidence"]["paused_until"] == "2026-12-04"
