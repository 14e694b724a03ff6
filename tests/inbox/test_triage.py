"""Below the confidence threshold nothing moves: the reply waits in triage, where a clerk confirms or
corrects it through the API (or ``dunning inbox confirm``); then the case moves, and the decision is
kept for the accuracy report."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from tests.conftest import SYSTEM_ACTOR, Users
from tests.inbox.desk import MAIL_FROM, all_inbound, case_of, debtor, drop, reply, sample
from tests.uow import read
from workflow.cases.models import Promise
from workflow.config import Settings
from workflow.core import Core
from workflow.mail.inbound import TriageDecision

PROMISE = "001-outlook_zh-promise_to_pay.eml"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # above any reading's confidence: every reply waits for a clerk
    return Settings(instance_path=tmp_path / "instance", mailbox_dir=tmp_path / "mailbox", mail_transport="memory",
                    pdf_converter="none", secret_key="test-secret", mail_from=MAIL_FROM,
                    reply_confidence_threshold=Decimal("0.999"))


def _poll(core: Core, raw: bytes, name: str) -> int:
    drop(core, raw, name)
    core.services.inbox.poll()
    return all_inbound(core)[-1].id


def _promises(core: Core, case_id: int) -> list[tuple[date, Decimal, str]]:
    return read(core, SYSTEM_ACTOR, lambda uow: [(p.promised_on, p.amount, p.status) for p in uow.session.scalars(
        select(Promise).where(Promise.case_id == case_id).order_by(Promise.id))])


def _decisions(core: Core) -> list[dict[str, Any]]:
    return read(core, SYSTEM_ACTOR, lambda uow: [
        {"intent": t.intent, "machine_intent": t.machine_intent, "corrected": t.corrected,
         "corrections": t.corrections, "by": t.decided_by}
        for t in uow.session.scalars(select(TriageDecision).order_by(TriageDecision.id))])


def test_an_unsure_reading_waits_and_the_clerks_confirmation_moves_the_case(
        core: Core, client: FlaskClient, users: Users) -> None:
    d = debtor(core, "AR-2026-0042", "lina@csot.com.cn")
    inbound_id = _poll(core, sample(PROMISE), "1.eml")
    assert case_of(core, d.case_id).state == "overdue" and _promises(core, d.case_id) == []

    page = client.get("/api/v1/replies/triage", headers=users.clerk).get_json()
    assert page["total"] == 1
    [item] = page["items"]
    assert (item["id"], item["triage_reason"], item["intent"], item["case_ref"]) == (
        inbound_id, "low_confidence", "promise_to_pay", "AR-2026-0042")
    assert item["promises"][0]["date"] == "2026-11-30"

    resp = client.post(f"/api/v1/replies/{inbound_id}/confirm", json={}, headers=users.clerk)

    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "processed" and body["outcome"]["event"] == "promise_recorded"
    assert body["decisions"][0]["corrected"] is False and body["decisions"][0]["decided_by"] == "clerk1"
    assert case_of(core, d.case_id).state == "promise_pending"
    assert [p[0] for p in _promises(core, d.case_id)] == [date(2026, 11, 30)]
    assert client.get("/api/v1/replies/triage", headers=users.clerk).get_json()["total"] == 0
    # a second confirmation is refused: the case moved once
    again = client.post(f"/api/v1/replies/{inbound_id}/confirm", json={}, headers=users.clerk)
    assert again.status_code == 409
    accuracy = client.get("/api/v1/replies/accuracy", headers=users.clerk).get_json()
    assert accuracy["decisions"] == 1 and accuracy["by_intent"]["promise_to_pay"]["confirmed"] == 1


def test_a_correction_is_applied_and_kept(core: Core, client: FlaskClient, users: Users) -> None:
    d = debtor(core, "AR-2026-0042", "lina@csot.com.cn")
    inbound_id = _poll(core, sample("050-outlook_zh-other.eml"), "1.eml")

    resp = client.post(f"/api/v1/replies/{inbound_id}/confirm", headers=users.clerk,
                       json={"intent": "promise_to_pay", "promised_date": "2026-12-15", "amount": "20000.00"})

    assert resp.status_code == 200, resp.get_json()
    assert _promises(core, d.case_id) == [(date(2026, 12, 15), Decimal("20000.00"), "pending")]
    [decision] = _decisions(core)
    assert decision["machine_intent"] == "other" and decision["intent"] == "promise_to_pay"
    assert decision["corrected"] is True
    assert decision["corrections"] == {"intent": "promise_to_pay", "promised_date": "2026-12-15", "amount": "20000.00"}
    accuracy = client.get("/api/v1/replies/accuracy", headers=users.admin).get_json()
    assert accuracy["by_intent"]["other"]["corrected_to"] == {"promise_to_pay": 1}


def test_an_unmatched_reply_is_given_its_case_by_the_clerk(core: Core, client: FlaskClient, users: Users) -> None:
    d = debtor(core, "AR-2026-0042", "lina@csot.com.cn")
    raw = reply(sender="boss@gmail.com", subject="付款", body="我们已于11月25日付清全部货款，请查收。")
    inbound_id = _poll(core, raw, "1.eml")
    row = all_inbound(core)[-1]
    assert row.triage_reason in ("unmatched", "low_confidence") and row.case_id is None

    missing_case = client.post(f"/api/v1/replies/{inbound_id}/confirm", json={"intent": "paid"}, headers=users.clerk)
    assert missing_case.status_code == 422 and missing_case.get_json()["errors"][0]["field"] == "case_ref"

    resp = client.post(f"/api/v1/replies/{inbound_id}/confirm", json={"intent": "paid", "case_ref": "ar-2026-0042"},
                       headers=users.clerk)

    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["matched_by"] == "clerk" and resp.get_json()["case_ref"] == "AR-2026-0042"
    assert case_of(core, d.case_id).state == "paused"


@pytest.mark.parametrize(("body", "field"), [
    ({"intent": "gibberish"}, "intent"),
    ({"amount": "-5"}, "amount"),
    ({"currency": "rmb"}, "currency"),
    ({"case_ref": "AR-2026-9999"}, "case_ref"),
    ({"case_ref": "not a ref"}, "case_ref"),
    ({"surprise": 1}, "surprise"),
])
def test_bad_corrections_name_their_field(core: Core, client: FlaskClient, users: Users, body: dict[str, Any],
                                          field: str) -> None:
    debtor(core, "AR-2026-0042", "lina@csot.com.cn")
    inbound_id = _poll(core, sample(PROMISE), "1.eml")
    resp = client.post(f"/api/v1/replies/{inbound_id}/confirm", json=body, headers=users.clerk)
    assert resp.status_code == 422, resp.get_json()
    assert field in [e["field"] for e in resp.get_json()["errors"]]
    assert all_inbound(core)[-1].status == "triage"


def test_who_may_see_and_confirm(core: Core, client: FlaskClient, users: Users) -> None:
    debtor(core, "AR-2026-0042", "lina@csot.com.cn")
    inbound_id = _poll(core, sample(PROMISE), "1.eml")
    assert client.get("/api/v1/replies/triage", headers=users.lawyer).status_code == 403
    assert client.post(f"/api/v1/replies/{inbound_id}/confirm", json={}, headers=users.lawyer).status_code == 403
    assert client.get("/api/v1/replies/999999", headers=users.clerk).status_code == 404
    eml = client.get(f"/api/v1/replies/{inbound_id}/eml", headers=users.clerk)
    assert eml.status_code == 200 and eml.data == sample(PROMISE)


def test_the_cli_lists_shows_and_confirms(core: Core, runner: FlaskCliRunner) -> None:
    d = debtor(core, "AR-2026-0042", "lina@csot.com.cn")
    drop(core, sample(PROMISE), "1.eml")

    polled = runner.invoke(args=["inbox", "poll", "--json"])
    assert polled.exit_code == 0, polled.output
    assert '"triage": 1' in polled.output
    listed = runner.invoke(args=["inbox", "triage", "--json"])
    assert listed.exit_code == 0 and '"low_confidence"' in listed.output
    inbound_id = all_inbound(core)[-1].id
    shown = runner.invoke(args=["inbox", "show", str(inbound_id)])
    assert shown.exit_code == 0 and "promise_to_pay" in shown.output
    confirmed = runner.invoke(args=["inbox", "confirm", str(inbound_id), "--promised-date", "2026-12-20"])
    assert confirmed.exit_code == 0, confirmed.output
    assert _promises(core, d.case_id)[0][0] == date(2026, 12, 20)
    bad = runner.invoke(args=["inbox", "confirm", str(inbound_id)])
    assert bad.exit_code == 2 and bad.output.count("\n") == 1


def test_an_amount_alone_corrects_the_promise_read(core: Core, client: FlaskClient, users: Users) -> None:
    d = debtor(core, "AR-2026-0042", "lina@csot.com.cn")
    inbound_id = _poll(core, sample(PROMISE), "1.eml")  # 李娜 promises 50,000.00 by 2026-11-30

    resp = client.post(f"/api/v1/replies/{inbound_id}/confirm", json={"amount": "50000.00"}, headers=users.clerk)

    assert resp.status_code == 200, resp.get_json()
    assert _promises(core, d.case_id) == [(date(2026, 11, 30), Decimal("50000.00"), "pending")]
