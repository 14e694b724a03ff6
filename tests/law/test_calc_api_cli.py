"""The calculators from the API and the CLI: same JSON in and out, bad input named field by field,
and the administrator's calendar and rate additions taking effect at once (and audited)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from tests.conftest import SYSTEM_ACTOR, Users
from tests.uow import read
from workflow.audit.models import AuditEntry
from workflow.core import Core

ISSUE_EXAMPLE: dict[str, Any] = {
    "as_of": "2025-12-31",
    "basis": {"kind": "daily_rate", "rate": "0.0005"},
    "day_count": 365,
    "allocation": "interest_first",
    "invoices": [{"id": "INV-1", "amount": "128000.00", "due_date": "2025-06-30"}],
    "payments": [{"date": "2025-09-30", "amount": "50000.00", "invoice": "INV-1"}],
}


def _with(**changes: Any) -> dict[str, Any]:
    body = json.loads(json.dumps(ISSUE_EXAMPLE))
    for path, value in changes.items():
        target = body
        keys = path.split("__")
        for k in keys[:-1]:
            target = target[int(k)] if k.isdigit() else target[k]
        if value is ...:
            del target[keys[-1]]
        else:
            target[keys[-1]] = value
    return body


def test_interest_api_and_cli_give_the_same_answer(client: FlaskClient, users: Users, runner: FlaskCliRunner,
                                                   tmp_path: Path) -> None:
    resp = client.post("/api/v1/calc/interest", json=ISSUE_EXAMPLE, headers=users.lawyer)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert (resp.json["interest_accrued"], resp.json["principal_outstanding"]) == ("9746.85", "83888.00")
    f = tmp_path / "calc.json"
    f.write_text(json.dumps(ISSUE_EXAMPLE), encoding="utf-8")
    result = runner.invoke(args=["calc", "interest", str(f)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == resp.json


BAD: list[tuple[dict[str, Any], str]] = [
    (_with(as_of=...), "as_of"),
    (_with(basis={"kind": "weekly_rate", "rate": "0.01"}), "basis"),
    (_with(basis={"kind": "daily_rate", "rate": "-0.0005"}), "basis.daily_rate.rate"),
    (_with(basis={"kind": "daily_rate"}), "basis.daily_rate.rate"),
    (_with(basis={"kind": "statutory", "markup": "0.8"}), "basis.statutory.markup"),
    (_with(as_of="2025-06-01"), "as_of"),
    (_with(as_of="2100-01-01"), "as_of"),
    (_with(as_of="2025/12/31"), "as_of"),
    (_with(invoices__0__amount="128000.001"), "invoices.0.amount"),
    (_with(invoices__0__amount="十二万八千"), "invoices.0.amount"),
    (_with(invoices__0__due_date=...), "invoices.0.due_date"),
    (_with(payments__0__invoice="INV-9"), "payments.0.invoice"),
    (_with(day_count=366), "day_count"),
    (_with(basis={"kind": "lpr", "markup": "0.5", "mode": "floating"}, as_of="2026-10-01"), "as_of"),
]


@pytest.mark.parametrize(("body", "field"), BAD)
def test_bad_interest_input_is_422_naming_the_field(client: FlaskClient, users: Users, body: dict[str, Any],
                                                     field: str) -> None:
    resp = client.post("/api/v1/calc/interest", json=body, headers=users.clerk)
    assert resp.status_code == 422, resp.get_data(as_text=True)
    assert resp.mimetype == "application/problem+json"
    assert field in [e["field"] for e in resp.json["errors"]]


@pytest.mark.parametrize(("body", "field"), BAD[::3])
def test_bad_interest_input_exits_2_naming_the_field(runner: FlaskCliRunner, tmp_path: Path,
                                                     body: dict[str, Any], field: str) -> None:
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(body), encoding="utf-8")
    result = runner.invoke(args=["calc", "interest", str(f)])
    assert result.exit_code == 2
    assert field in result.output and "Traceback" not in result.output


def test_missing_lpr_quote_message_names_the_month(client: FlaskClient, users: Users) -> None:
    body = _with(basis={"kind": "lpr", "markup": "0.5", "mode": "floating"}, as_of="2026-10-01")
    resp = client.post("/api/v1/calc/interest", json=body, headers={**users.clerk, "Accept-Language": "zh-CN"})
    assert "2026-09" in resp.json["errors"][0]["message"] and "LPR" in resp.json["errors"][0]["message"]


def test_limitation_api_and_cli(client: FlaskClient, users: Users, runner: FlaskCliRunner, tmp_path: Path) -> None:
    body = {"due_date": "2022-10-01"}
    resp = client.post("/api/v1/calc/limitation", json=body, headers=users.legal)
    assert resp.status_code == 200
    assert (resp.json["expires_on"], resp.json["provisional"]) == ("2025-10-09", False)
    f = tmp_path / "lim.json"
    f.write_text(json.dumps({"due_date": "2022-06-30", "interruptions": [
        {"date": "2023-05-10", "kind": "demand"}, {"date": "2024-02-01", "kind": "acknowledgment"}]}))
    result = runner.invoke(args=["calc", "limitation", str(f)])
    out = json.loads(result.output)
    assert (out["expires_on"], out["provisional"], out["last_interruption"]["kind"]) == \
        ("2027-02-01", True, "acknowledgment")
    bad = client.post("/api/v1/calc/limitation", json={"due_date": "2022-06-30",
                                                       "interruptions": [{"date": "2023-01-01", "kind": "phone"}]},
                      headers=users.legal)
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "interruptions.0.kind"


def test_words_get_post_and_cli(client: FlaskClient, users: Users, runner: FlaskCliRunner) -> None:
    r = client.get("/api/v1/calc/words?amount=107000.53", headers=users.clerk)
    assert r.json == {"amount": "107000.53", "words": "壹拾万零柒仟元零伍角叁分"}
    r = client.post("/api/v1/calc/words", json={"amount": "10000"}, headers=users.lawyer)
    assert r.json["words"] == "壹万元整"
    r = client.get("/api/v1/calc/words?amount=-5", headers=users.clerk)
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "query.amount"
    r = client.get("/api/v1/calc/words?amount=abc", headers=users.clerk)
    assert r.status_code == 422
    assert runner.invoke(args=["calc", "words", "16409.02"]).output.strip() == "壹万陆仟肆佰零玖元零贰分"
    bad = runner.invoke(args=["calc", "words", "1.005"])
    assert bad.exit_code == 2 and "amount" in bad.output


def test_calculators_are_in_the_openapi_document(client: FlaskClient, users: Users) -> None:
    doc = client.get("/api/v1/openapi.json", headers=users.clerk).json
    assert {"/calc/interest", "/calc/limitation", "/calc/words", "/customers/{customer_id}/claim"} <= \
        {p.removeprefix("/api/v1") for p in doc["paths"]}


def _audit(core: Core, action: str) -> list[AuditEntry]:
    return read(core, SYSTEM_ACTOR,
                lambda uow: list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == action))))


def test_calendar_add_year_json_makes_2027_deadlines_final(client: FlaskClient, users: Users,
                                                          runner: FlaskCliRunner, core: Core, tmp_path: Path) -> None:
    # the 2027 notice (as an administrator would type it in): 元旦 1 Jan; a make-up Saturday 2027-02-20
    f = tmp_path / "2027.json"
    f.write_text(json.dumps({"year": 2027, "source": "国办发明电〔2026〕X号", "holidays": {
        "2027-01-01": "元旦", "2027-02-01": "春节调休（示例）"}, "workdays": {"2027-02-20": "春节调休上班"}},
        ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["calendar", "add-year", str(f)])
    assert result.exit_code == 0, result.output
    lim = client.post("/api/v1/calc/limitation", json={"due_date": "2024-02-01"}, headers=users.clerk).json
    # 2027-02-01 is now a rest day in the loaded notice → the next working day, and no longer provisional
    assert (lim["expires_on"], lim["provisional"]) == ("2027-02-02", False)
    shown = runner.invoke(args=["calendar", "show", "2027"]).output
    assert "2027-02-20" in shown and "上班" in shown  # the Core's locale: zh_CN
    assert len(_audit(core, "calendar.add_year")) == 1


def test_calendar_add_year_csv_and_bad_files(runner: FlaskCliRunner, tmp_path: Path) -> None:
    good = tmp_path / "2027.csv"
    good.write_text("date,kind,name\n2027-01-01,holiday,元旦\n2027-02-20,workday,春节调休上班\n", encoding="utf-8")
    assert runner.invoke(args=["calendar", "add-year", str(good)]).exit_code == 0
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("date,kind,name\n2027-01-01,holiday,元旦\n2028-01-01,holiday,元旦\n", encoding="utf-8")
    bad = runner.invoke(args=["calendar", "add-year", str(mixed)])
    assert bad.exit_code == 2 and ("one year" in bad.output or "一年" in bad.output)
    typo = tmp_path / "typo.csv"
    typo.write_text("date,kind,name\n2027-13-01,holiday,元旦\n", encoding="utf-8")
    bad = runner.invoke(args=["calendar", "add-year", str(typo)])
    assert bad.exit_code == 2 and "line 2.date" in bad.output
    assert runner.invoke(args=["calendar", "show", "2031"]).exit_code == 2


def test_rates_add_extends_the_lpr_horizon(client: FlaskClient, users: Users, runner: FlaskCliRunner,
                                           core: Core) -> None:
    body = _with(basis={"kind": "lpr", "markup": "0.5", "mode": "floating"}, as_of="2026-10-19")
    assert client.post("/api/v1/calc/interest", json=body, headers=users.clerk).status_code == 422
    result = runner.invoke(args=["rates", "add", "--date", "2026-09-21", "--lpr1y", "2.90", "--lpr5y", "3.40",
                                 "--source", "全国银行间同业拆借中心公告 2026-09-21"])
    assert result.exit_code == 0, result.output
    resp = client.post("/api/v1/calc/interest", json=body, headers=users.clerk)
    assert resp.status_code == 200
    assert resp.json["invoices"][0]["segments"][-1]["annual_rate"] == "0.0435"  # 2.90% × 1.5
    listing = runner.invoke(args=["rates", "list"]).output
    assert "2026-09-21" in listing and "LPR 已知至 2026-10-19" in listing
    assert len(_audit(core, "rates.add")) == 1


def test_rates_add_refuses_nonsense(runner: FlaskCliRunner) -> None:
    r = runner.invoke(args=["rates", "add", "--date", "2026-09-21", "--lpr1y", "abc", "--source", "x"])
    assert r.exit_code == 2 and "lpr1y" in r.output
    r = runner.invoke(args=["rates", "add", "--date", "2026-09-21", "--lpr1y", "-1", "--source", "x"])
    assert r.exit_code == 2 and "rate_1y" in r.output
    r = runner.invoke(args=["rates", "add", "--date", "2026-09-21", "--lpr1y", "2.9", "--source", " "])
    assert r.exit_code == 2 and "source" in r.output


def test_carry_forward_on_request_from_the_api_and_the_cli(client: FlaskClient, users: Users,
                                                            runner: FlaskCliRunner, tmp_path: Path) -> None:
    # the shipped quotes end with 2026-08-20; September's was due 2026-09-20
    body = _with(basis={"kind": "lpr", "markup": "0.5", "mode": "floating"}, as_of="2026-10-01", carry_forward=True)
    resp = client.post("/api/v1/calc/interest", json=body, headers=users.clerk)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    [assumption] = resp.json["assumptions"]
    assert "2026-09" in assumption["zh"] and "2026-08-20" in assumption["en"]
    assert resp.json["invoices"][0]["segments"][-1]["from"] == "2026-09-20"
    assert "假定" in resp.json["method"]["zh"]
    f = tmp_path / "carry.json"
    f.write_text(json.dumps(body), encoding="utf-8")
    result = runner.invoke(args=["calc", "interest", str(f)])
    assert result.exit_code == 0 and json.loads(result.output) == resp.json
    bad = client.post("/api/v1/calc/interest", json=_with(carry_forward="perhaps"), headers=users.clerk)
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "carry_forward"


def test_claim_carries_forward_only_when_asked(client: FlaskClient, users: Users, runner: FlaskCliRunner) -> None:
    from tests.ledger.sample_ledger import invoice_body, post, seed

    ledger = seed(client, users.clerk)
    # no contract → the statutory rule, fixed at the breach of 2026-10-01: after the known quotes
    post(client, "/invoices", {**invoice_body(ledger, "HX-2026-0101", "2026-09-01", "2026-09-30", "10000.00"),
                               "contract_id": None}, users.clerk)
    url = f"/api/v1/customers/{ledger.customer_ids[0]}/claim?as_of=2026-10-30"
    plain = client.get(url, headers=users.legal).json
    assert plain["complete"] is False and plain["invoices"][0]["interest_refused"]["code"] == "lpr_missing"
    asked = client.get(url + "&carry_forward=true", headers=users.legal).json
    # 2026-08-20 quote 3.00% × 1.5 = 4.5%, 10-01..10-30 30 days: 10000 × 0.045 × 30 / 365 = 36.986 → 36.99
    assert asked["complete"] is True and asked["invoices"][0]["interest_accrued"] == "36.99"
    assert any("假定" in w["zh"] for w in asked["warnings"]) and "假定" in asked["methods"][0]["zh"]
    out = runner.invoke(args=["calc", "claim", str(ledger.customer_ids[0]), "--as-of", "2026-10-30",
                              "--carry-forward"])
    assert out.exit_code == 0 and json.loads(out.output)["invoices"][0]["interest_accrued"] == "36.99"


def test_status_warns_the_administrator(client: FlaskClient, users: Users) -> None:
    # the fixed clock: 2026-11-26 in Beijing; the shipped quotes end 2026-08-20 and the calendar with 2026
    admin = client.get("/api/v1/status", headers=users.admin)
    assert admin.status_code == 200
    assert [w["code"] for w in admin.json["warnings"]] == ["lpr_quote_overdue", "calendar_year_missing"]
    assert admin.json["lpr"]["overdue"] is True and admin.json["lpr"]["next_publication"] == "2026-09-20"
    clerk = client.get("/api/v1/status", headers=users.clerk)
    assert clerk.status_code == 200 and clerk.json["warnings"] == []
    assert clerk.json["lpr"]["last_quote"] == "2026-08-20"


def test_check_settings_prints_the_same_warnings(runner: FlaskCliRunner) -> None:
    out = runner.invoke(args=["check-settings"])
    assert out.exit_code == 0, out.output
    assert "lpr_quote_overdue" in out.output and "calendar_year_missing" in out.output
    assert "2026-09-20" in out.output and "2027" in out.output
