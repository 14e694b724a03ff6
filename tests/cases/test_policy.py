"""Dunning policies and a customer's dunning settings: validation, the seeded default, the API
(administrators and legal edit policies; staff change a customer's settings) and the CLI."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import SYSTEM_ACTOR, Users
from tests.uow import read, run
from workflow.cases import policy as policies
from workflow.cases.models import DunningPolicy
from workflow.core import Core
from workflow.errors import Conflict, ValidationFailed
from workflow.ledger.models import Customer

FIRM = {"name": "北京市金杜律师事务所", "address": "北京市朝阳区东三环中路1号环球金融中心东楼18层",
        "phone": "010-58785588", "email": "ar@kwm.example.cn"}
LAWYER = {"name": "李明", "licence_no": "11101201510234567"}
GOOD = [{"offset": -3, "kind": "payment_reminder"}, {"offset": 1, "kind": "dunning_letter_1"},
        {"offset": 15, "kind": "dunning_letter_3", "credit_hold": True},
        {"offset": 25, "kind": "lawyer_letter", "approval": True, "law_firm": FIRM, "lawyer": LAWYER}]


def fields(exc: ValidationFailed) -> set[str]:
    return {p.field for p in exc.problems}


def test_a_good_ladder() -> None:
    levels = policies.parse_levels(GOOD)
    assert [lv.offset for lv in levels] == [-3, 1, 15, 25]
    assert levels[-1].law_firm is not None and levels[-1].law_firm["name"] == FIRM["name"]
    assert levels[0].pre_due and not levels[1].pre_due


@pytest.mark.parametrize(("levels", "field"), [
    ([{"offset": 5, "kind": "dunning_letter_1"}, {"offset": 5, "kind": "dunning_letter_2"}], "levels[1].offset"),
    ([{"offset": 1, "kind": "dunning_letter_9"}], "levels[0].kind"),
    ([{"offset": 1, "kind": "dunning_letter_1", "channel": "sms"}], "levels[0].channel"),
    ([{"offset": 10, "kind": "lawyer_letter", "approval": False}], "levels[0].approval"),
    ([{"offset": 10, "kind": "lawyer_letter"}], "levels[0].approval"),  # approval is never implied away
    ([{"offset": 10, "kind": "dunning_letter_3", "approval": True}], "levels[0].approval"),
    ([{"offset": -5, "kind": "payment_reminder"}, {"offset": -2, "kind": "payment_reminder"},
      {"offset": 1, "kind": "dunning_letter_1"}], "levels"),  # at most one level before the due date
    ([{"offset": -2, "kind": "dunning_letter_1"}], "levels[0].kind"),
    ([{"offset": 3, "kind": "payment_reminder"}], "levels[0].offset"),
    ([{"offset": 0, "kind": "dunning_letter_1"}], "levels[0].offset"),
    ([{"offset": "1", "kind": "dunning_letter_1"}], "levels[0].offset"),
    ([{"offset": 1, "kind": "dunning_letter_1", "approval": "yes"}], "levels[0].approval"),
    ([{"offset": 1, "kind": "dunning_letter_1", "colour": "red"}], "levels[0].colour"),
    ([{"offset": 10, "kind": "lawyer_letter", "approval": True, "law_firm": {**FIRM, "name": ""},
       "lawyer": LAWYER}], "levels[0].law_firm.name"),
    ([{"offset": 10, "kind": "lawyer_letter", "approval": True, "law_firm": FIRM,
       "lawyer": {"name": "李明"}}], "levels[0].lawyer.licence_no"),
    ([{"offset": 1, "kind": "dunning_letter_1", "law_firm": FIRM, "lawyer": LAWYER}], "levels[0].law_firm"),
    ([{"offset": -3, "kind": "payment_reminder"}], "levels"),  # nothing after the due date
    ([], "levels"),
    ("levels", "levels"),
])
def test_bad_ladders_name_the_field(levels: Any, field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        policies.parse_levels(levels)
    assert field in fields(caught.value)


def test_the_default_is_seeded_once_and_never_overwritten(core: Core) -> None:
    first = run(core, SYSTEM_ACTOR, policies.default_policy)
    assert first is not None and first.is_default
    assert [lv["kind"] for lv in first.levels] == ["payment_reminder", "dunning_letter_1", "dunning_letter_2",
                                                  "dunning_letter_3", "lawyer_letter"]
    run(core, SYSTEM_ACTOR, lambda uow: policies.update_policy(uow, first.id, promise_grace_days=5))
    again = run(core, SYSTEM_ACTOR, policies.default_policy)
    assert again is not None and again.id == first.id and again.promise_grace_days == 5
    assert read(core, SYSTEM_ACTOR, lambda uow: uow.session.scalar(
        select(func.count()).select_from(DunningPolicy))) == 1


def test_a_read_only_look_seeds_nothing(core: Core) -> None:
    assert read(core, SYSTEM_ACTOR, policies.default_policy) is None
    by_id, default = read(core, SYSTEM_ACTOR, policies.ladders)
    assert by_id == {} and default.policy_id is None and default.pre_due is not None
    assert [lv.kind for lv in default.levels][-1] == "lawyer_letter"


def test_default_and_delete_rules(core: Core) -> None:
    default = run(core, SYSTEM_ACTOR, policies.default_policy)
    assert default is not None
    other = run(core, SYSTEM_ACTOR, policies.create_policy, name="大客户", levels=GOOD)
    with pytest.raises(Conflict):
        run(core, SYSTEM_ACTOR, policies.delete_policy, default.id)
    with pytest.raises(Conflict):
        run(core, SYSTEM_ACTOR, policies.create_policy, name="大客户", levels=GOOD)
    run(core, SYSTEM_ACTOR, policies.set_default, other.id)
    assert read(core, SYSTEM_ACTOR, lambda uow: policies.find_default(uow.session).id) == other.id  # type: ignore[union-attr]
    run(core, SYSTEM_ACTOR, policies.delete_policy, default.id)


# ---- the API -------------------------------------------------------------------------------------

def _customer(core: Core, name: str = "杭州海康威视数字技术股份有限公司", code: str = "HIKV") -> int:
    def make(uow: Any) -> int:
        c = Customer(code=code, legal_name=name, kind="private_large", created_at=uow.now())
        uow.session.add(c)
        uow.session.flush()
        return c.id

    return run(core, SYSTEM_ACTOR, make)


def test_policies_api(client: FlaskClient, users: Users, core: Core) -> None:
    body = {"name": "快速升级", "levels": GOOD, "promise_grace_days": 3}
    assert client.post("/api/v1/dunning/policies", json=body, headers=users.clerk).status_code == 403
    created = client.post("/api/v1/dunning/policies", json=body, headers=users.legal)
    assert created.status_code == 201, created.json
    pid = created.json["id"]
    assert created.json["levels"][-1]["law_firm"]["name"] == FIRM["name"] and created.json["customers"] == 0
    bad = client.post("/api/v1/dunning/policies", headers=users.admin, json={
        "name": "错的",
        "levels": [{"offset": 9, "kind": "dunning_letter_1"}, {"offset": 3, "kind": "dunning_letter_2"}]})
    assert bad.status_code == 422 and "levels[1].offset" in json.dumps(bad.json)
    no_approval = client.post("/api/v1/dunning/policies", headers=users.admin, json={
        "name": "无审批", "levels": [{"offset": 9, "kind": "lawyer_letter"}]})
    assert no_approval.status_code == 422
    listed = client.get("/api/v1/dunning/policies", headers=users.clerk)
    assert [p["name"] for p in listed.json["items"]] == ["快速升级"]
    patched = client.patch(f"/api/v1/dunning/policies/{pid}", json={"promise_grace_days": 4}, headers=users.admin)
    assert patched.status_code == 200 and patched.json["promise_grace_days"] == 4
    assert client.post(f"/api/v1/dunning/policies/{pid}/default", headers=users.admin).json["is_default"]
    assert client.delete(f"/api/v1/dunning/policies/{pid}", headers=users.admin).status_code == 409
    assert client.get("/api/v1/dunning/policies/999999", headers=users.admin).status_code == 404


def test_customer_settings_api(client: FlaskClient, users: Users, core: Core) -> None:
    cid = _customer(core)
    own = client.post("/api/v1/dunning/policies", json={"name": "海康专用", "levels": GOOD}, headers=users.admin).json
    before = client.get(f"/api/v1/customers/{cid}/dunning", headers=users.clerk)
    assert before.status_code == 200
    assert before.json["statement_schedule"] == "monthly" and before.json["do_not_dun"] is False
    changed = client.patch(f"/api/v1/customers/{cid}/dunning", headers=users.clerk, json={
        "policy_id": own["id"], "do_not_dun": True, "reason": "总经理亲自对接", "statement_schedule": "quarterly"})
    assert changed.status_code == 200, changed.json
    assert (changed.json["policy_id"], changed.json["do_not_dun"], changed.json["statement_schedule"]) == (
        own["id"], True, "quarterly")
    assert changed.json["effective_policy"]["name"] == "海康专用"
    assert client.patch(f"/api/v1/customers/{cid}/dunning", headers=users.clerk,
                        json={"policy_id": 424242}).status_code == 422
    assert client.patch(f"/api/v1/customers/{cid}/dunning", headers=users.clerk,
                        json={"statement_schedule": "weekly"}).status_code == 422
    back = client.patch(f"/api/v1/customers/{cid}/dunning", headers=users.clerk, json={"use_default": True})
    assert back.json["policy_id"] is None
    assert client.get("/api/v1/customers/999999/dunning", headers=users.clerk).status_code == 404
    assert client.delete(f"/api/v1/dunning/policies/{own['id']}", headers=users.admin).status_code == 204


def test_run_api_is_for_administrators(client: FlaskClient, users: Users, core: Core) -> None:
    assert client.post("/api/v1/dunning/run", json={"dry_run": True}, headers=users.clerk).status_code == 403
    answer = client.post("/api/v1/dunning/run", json={"dry_run": True}, headers=users.admin)
    assert answer.status_code == 200, answer.json
    assert answer.json["dry_run"] is True and answer.json["as_of"] == "2026-11-26"
    future = client.post("/api/v1/dunning/run", json={"as_of": "2026-12-25"}, headers=users.admin)
    assert future.status_code == 422
    # a real run writes in units of work of its own (here: it seeds the default policy)
    real = client.post("/api/v1/dunning/run", json={}, headers=users.admin)
    assert real.status_code == 200 and real.json["dry_run"] is False
    assert [p["is_default"] for p in client.get("/api/v1/dunning/policies", headers=users.admin).json["items"]] == [
        True]


# ---- the CLI -------------------------------------------------------------------------------------

def test_policy_cli(runner: Any, core: Core, tmp_path: Path) -> None:
    cid = _customer(core)
    out = runner.invoke(args=["policy", "list"])
    assert out.exit_code == 0, out.output
    assert "默认策略" in out.output  # seeded on first use
    levels = tmp_path / "levels.json"
    levels.write_text(json.dumps(GOOD, ensure_ascii=False), encoding="utf-8")
    made = runner.invoke(args=["policy", "create", "大客户", "--levels", str(levels)])
    assert made.exit_code == 0, made.output
    shown = runner.invoke(args=["policy", "show", "大客户", "--json"])
    assert json.loads(shown.output)["levels"][-1]["lawyer"]["licence_no"] == LAWYER["licence_no"]
    assert runner.invoke(args=["policy", "assign", "HIKV", "大客户"]).exit_code == 0
    assert runner.invoke(args=["policy", "do-not-dun", "HIKV", "on", "--reason", "谈判中"]).exit_code == 0
    assert runner.invoke(args=["policy", "statements", str(cid), "quarterly"]).exit_code == 0
    settings = read(core, SYSTEM_ACTOR, lambda uow: policies.describe_settings(uow.session, cid))
    assert (settings["effective_policy"]["name"], settings["do_not_dun"], settings["statement_schedule"]) == (
        "大客户", True, "quarterly")
    levels.write_text(json.dumps([{"offset": 3, "kind": "dunning_letter_1"}, {"offset": 2, "kind": "statement"}]),
                      encoding="utf-8")
    refused = runner.invoke(args=["policy", "update", "大客户", "--levels", str(levels)])
    assert refused.exit_code == 2 and "levels[1].offset" in refused.output
    assert runner.invoke(args=["policy", "assign", "NOPE", "大客户"]).exit_code == 2


def test_run_cli_dry_run_json(runner: Any, core: Core) -> None:
    out = runner.invoke(args=["run", "--dry-run", "--json", "--as-of", "2026-11-26"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    assert report["dry_run"] is True and report["as_of"] == date(2026, 11, 26).isoformat()
    weekend = runner.invoke(args=["run", "--dry-run", "--as-of", "2026-11-22"])  # a Sunday
    assert weekend.exit_code == 0 and ("非工作日" in weekend.output or "not a working day" in weekend.output)
    future = runner.invoke(args=["run", "--as-of", "2026-11-28"])
    assert future.exit_code == 2 and "as_of" in future.output
