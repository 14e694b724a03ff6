"""Payments over the API on SQLite and PostgreSQL: allocation by due date (民法典 560), explicit allocation,
over-allocation refused whole, unallocated cash kept visible, credit notes, balance per currency."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from tests.ledger.sample_ledger import Ledger, invoice_body, make_app, post, seed, snapshot, token_headers
from workflow.core import Core


@dataclass
class Api:
    client: FlaskClient
    core: Core
    clerk: dict[str, str]
    lawyer: dict[str, str]
    ledger: Ledger
    invoices: dict[str, int]

    def get(self, path: str, headers: dict[str, str] | None = None) -> Any:
        resp = self.client.get(f"/api/v1{path}", headers=headers or self.clerk)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        return resp.json

    def pay(self, amount: str, ref: str, allocations: list[dict[str, Any]] | None = None,
            status: int = 201, **extra: Any) -> Any:
        body: dict[str, Any] = {"creditor_id": self.ledger.creditor_id, "customer_id": self.ledger.customer_ids[0],
                                "received_on": "2026-11-20", "amount": amount, "currency": "CNY",
                                "payer_name": "深圳市华星光电技术有限公司", "bank_reference": ref, **extra}
        if allocations is not None:
            body["allocations"] = allocations
        resp = self.client.post("/api/v1/payments", json=body, headers=self.clerk)
        assert resp.status_code == status, resp.get_data(as_text=True)
        return resp.json

    def invoice(self, number: str) -> Any:
        return self.get(f"/invoices/{self.invoices[number]}")


@pytest.fixture
def api(any_db: Core) -> Iterator[Api]:
    """Three invoices entered out of order: due 08-31 (30,000), 09-30 (50,000), 12-31 (20,000)."""
    client = make_app(any_db).test_client()
    clerk, _ = token_headers(any_db, "clerk")
    lawyer, _ = token_headers(any_db, "lawyer")
    ledger = seed(client, clerk)
    ids: dict[str, int] = {}
    for number, issue, due, amount in [("FP-0903", "2026-09-01", "2026-09-30", "50000.00"),
                                       ("FP-1201", "2026-12-01", "2026-12-31", "20000.00"),
                                       ("FP-0801", "2026-08-01", "2026-08-31", "30000.00")]:
        ids[number] = post(client, "/invoices", invoice_body(ledger, number, issue, due, amount), clerk)["id"]
    yield Api(client, any_db, clerk, lawyer, ledger, ids)


def test_without_allocations_a_payment_goes_to_the_invoice_due_first(api: Api) -> None:
    p = api.pay("60000.00", "HX20261120-001")
    assert p["allocation_mode"] == "automatic"
    assert [(a["invoice_id"], a["amount"], a["automatic"]) for a in p["allocations"]] == [
        (api.invoices["FP-0801"], "30000.00", True), (api.invoices["FP-0903"], "30000.00", True)]
    assert p["unallocated_amount"] == "0.00"
    assert api.invoice("FP-0801")["status"] == "paid"
    assert api.invoice("FP-0903")["outstanding"] == "20000.00"
    assert api.invoice("FP-1201")["paid_amount"] == "0.00"
    # the next payment continues where the first stopped, and the surplus stays visible
    p2 = api.pay("45000.00", "HX20261125-002")
    assert [a["amount"] for a in p2["allocations"]] == ["20000.00", "20000.00"]
    assert p2["unallocated_amount"] == "5000.00"
    unallocated = api.get("/payments?unallocated=true")
    assert [i["bank_reference"] for i in unallocated["items"]] == ["HX20261125-002"]
    balance = api.get(f"/customers/{api.ledger.customer_ids[0]}/balance")["currencies"]
    assert balance == [{"currency": "CNY", "invoiced": "100000.00", "paid": "100000.00", "credited": "0.00",
                        "outstanding": "0.00", "overdue": "0.00", "open_invoices": 0,
                        "unallocated_cash": "5000.00"}]


def test_explicit_allocation_follows_the_payer(api: Api) -> None:
    p = api.pay("12000.00", "HX-EXPLICIT", [{"invoice_id": api.invoices["FP-1201"], "amount": "12000.00"}])
    assert p["allocation_mode"] == "explicit" and p["allocations"][0]["automatic"] is False
    assert api.invoice("FP-1201")["outstanding"] == "8000.00"
    assert api.invoice("FP-0801")["paid_amount"] == "0.00"


def test_an_empty_allocation_list_keeps_the_cash_unallocated_until_allocated_later(api: Api) -> None:
    p = api.pay("35000.00", "HX-ADVANCE", [])
    assert p["allocation_mode"] == "none" and p["unallocated_amount"] == "35000.00"
    customer = api.get(f"/customers/{api.ledger.customer_ids[0]}")
    assert customer["balance"][0]["unallocated_cash"] == "35000.00"
    assert customer["balance"][0]["overdue"] == "80000.00"  # 08-31 and 09-30 are past due on 11-26
    later = api.client.post(f"/api/v1/payments/{p['id']}/allocations",
                            json={"allocations": [{"invoice_id": api.invoices["FP-0903"], "amount": "5000.00"}]},
                            headers=api.clerk)
    assert later.status_code == 200 and later.json["allocation_mode"] == "explicit"
    rest = api.client.post(f"/api/v1/payments/{p['id']}/allocations", json={}, headers=api.clerk)
    assert rest.json["allocation_mode"] == "automatic"
    assert [a["amount"] for a in rest.json["allocated_now"]] == ["30000.00"]
    assert rest.json["unallocated_amount"] == "0.00"
    full = api.client.post(f"/api/v1/payments/{p['id']}/allocations", json={}, headers=api.clerk)
    assert full.status_code == 409 and full.json["errors"][0]["field"] == "allocations"


@pytest.mark.parametrize(("lines", "status", "field"), [
    # more than the payment
    ([("FP-0801", "30000.00"), ("FP-0903", "25000.00")], 409, "allocations"),
    # more than the invoice's outstanding (the first line alone would fit)
    ([("FP-0903", "10000.00"), ("FP-0801", "30000.01")], 409, "allocations.1.amount"),
    ([("FP-0801", "-10.00")], 422, "allocations.0.amount"),
    ([("FP-0801", "100.00"), ("FP-0801", "100.00")], 422, "allocations"),
    ([("missing", "100.00")], 422, "allocations.0.invoice_id"),
])
def test_over_allocation_is_refused_and_nothing_is_written(api: Api, lines: list[tuple[str, str]], status: int,
                                                           field: str) -> None:
    before = snapshot(api.core)
    allocations = [{"invoice_id": api.invoices.get(n, 99999), "amount": a} for n, a in lines]
    body = api.pay("50000.00", "HX-OVER", allocations, status=status)
    assert field in [e["field"] for e in body["errors"]]
    assert snapshot(api.core) == before


def test_allocating_later_cannot_exceed_what_is_left(api: Api) -> None:
    p = api.pay("10000.00", "HX-LATER", [])
    before = snapshot(api.core)
    resp = api.client.post(f"/api/v1/payments/{p['id']}/allocations",
                           json={"allocations": [{"invoice_id": api.invoices["FP-0801"], "amount": "10000.01"}]},
                           headers=api.clerk)
    assert resp.status_code == 409 and resp.json["errors"][0]["field"] == "allocations"
    assert snapshot(api.core) == before


def test_an_allocation_can_be_undone(api: Api) -> None:
    p = api.pay("30000.00", "HX-UNDO")
    alloc = p["allocations"][0]
    resp = api.client.delete(f"/api/v1/payments/{p['id']}/allocations/{alloc['id']}", headers=api.clerk)
    assert resp.status_code == 200 and resp.json["unallocated_amount"] == "30000.00"
    assert resp.json["allocations"] == []
    assert api.invoice("FP-0801")["paid_amount"] == "0.00"


def test_duplicate_bank_reference_and_bad_payments_are_refused(api: Api) -> None:
    api.pay("100.00", "HX-DUP", [])
    before = snapshot(api.core)
    assert api.pay("100.00", "HX-DUP", [], status=409)["errors"][0]["field"] == "bank_reference"
    for amount, field in [("-5.00", "amount"), ("0.001", "amount"), ("1e15", "amount")]:
        assert field in [e["field"] for e in api.pay(amount, "HX-BAD", status=422)["errors"]]
    assert "currency" in [e["field"] for e in api.pay("100.00", "HX-BAD", status=422, currency="CNH")["errors"]]
    assert "received_on" in [e["field"] for e in api.pay("100.00", "HX-BAD", status=422,
                                                          received_on="2026/11/20")["errors"]]
    assert snapshot(api.core) == before


def test_automatic_allocation_stays_within_the_payment_currency(api: Api) -> None:
    usd = invoice_body(api.ledger, "FP-USD-01", "2026-07-01", "2026-07-31", "8000.00", currency="USD",
                       contract_id=None)
    usd_id = post(api.client, "/invoices", usd, api.clerk)["id"]
    p = api.pay("5000.00", "HX-USD", currency="USD")
    assert [(a["invoice_id"], a["amount"]) for a in p["allocations"]] == [(usd_id, "5000.00")]
    balance = {b["currency"]: b for b in api.get(f"/customers/{api.ledger.customer_ids[0]}/balance")["currencies"]}
    assert balance["USD"]["outstanding"] == "3000.00" and balance["CNY"]["outstanding"] == "100000.00"
    refused = api.pay("5000.00", "HX-USD-2", [{"invoice_id": api.invoices["FP-0801"], "amount": "100.00"}],
                      status=422, currency="USD")
    assert refused["errors"][0]["field"] == "allocations.0.invoice_id"


def test_credit_note_reduces_the_outstanding_amount_and_never_below_zero(api: Api) -> None:
    base = {"creditor_id": api.ledger.creditor_id, "customer_id": api.ledger.customer_ids[0],
            "invoice_id": api.invoices["FP-0903"], "issued_on": "2026-10-10", "currency": "CNY",
            "reason": "质量折让：部分罐体锈蚀"}
    post(api.client, "/credit-notes", {**base, "number": "HZ-001", "amount": "8000.00"}, api.clerk)
    assert api.invoice("FP-0903")["outstanding"] == "42000.00"
    before = snapshot(api.core)
    resp = api.client.post("/api/v1/credit-notes", json={**base, "number": "HZ-002", "amount": "42000.01"},
                           headers=api.clerk)
    assert resp.status_code == 409 and resp.json["errors"][0]["field"] == "amount"
    assert snapshot(api.core) == before
    # the automatic allocation then pays only what is really owed
    p = api.pay("80000.00", "HX-AFTER-CREDIT")
    assert [a["amount"] for a in p["allocations"]] == ["30000.00", "42000.00", "8000.00"]
    assert api.get("/credit-notes?invoice_id=" + str(api.invoices["FP-0903"]))["total"] == 1


def test_lawyer_sees_payments_of_assigned_customers_only(api: Api) -> None:
    api.pay("1000.00", "HX-LAWYER", [])
    assert api.get("/payments", api.lawyer)["total"] == 0
    assert api.client.get("/api/v1/payments/1", headers=api.lawyer).status_code == 404


def test_payment_filters(api: Api) -> None:
    api.pay("1000.00", "HX-1101", [], received_on="2026-11-01")
    api.pay("2000.00", "HX-1115", None, received_on="2026-11-15")
    api.pay("3000.00", "HX-1120", [], received_on="2026-11-20", currency="USD")

    def refs(qs: str) -> list[str]:
        return [p["bank_reference"] for p in api.get(f"/payments?{qs}")["items"]]

    assert refs("") == ["HX-1120", "HX-1115", "HX-1101"]  # newest first
    assert refs("received_from=2026-11-10&received_to=2026-11-19") == ["HX-1115"]
    assert refs("currency=USD") == ["HX-1120"]
    assert refs("unallocated=true") == ["HX-1120", "HX-1101"]
    assert refs("unallocated=false") == ["HX-1115"]
    assert refs("bank_reference=HX-1101") == ["HX-1101"]
    assert refs(f"customer_id={api.ledger.customer_ids[1]}") == []
    page = api.get("/payments?per_page=2&page=2")
    assert page["total"] == 3 and [p["bank_reference"] for p in page["items"]] == ["HX-1101"]
    bad = api.client.get("/api/v1/payments?unallocated=maybe", headers=api.clerk)
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "query.unallocated"


# ---- money rules: no payment from the future, no invoice moved to another customer by accident ----

def test_a_payment_dated_after_today_is_refused_with_the_configured_slack(api: Api,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # the test clock says 2026-11-26 (Shanghai); the default slack is one day for a bank's time zone
    api.pay("100.00", "B-TOMORROW", received_on="2026-11-27")
    refused = api.pay("100.00", "B-2029", received_on="2029-11-26", status=422)
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("received_on", "in_the_future")]
    assert "晚于今天" in refused["errors"][0]["message"]
    assert "B-2029" not in _references(api)
    # an instance that allows no slack at all
    monkeypatch.setattr(api.core, "settings", api.core.settings.with_(payment_future_days=0))
    api.pay("100.00", "B-TOMORROW-2", received_on="2026-11-27", status=422)
    api.pay("100.00", "B-TODAY", received_on="2026-11-26")


def test_the_slack_is_a_setting_read_from_the_environment() -> None:
    from workflow.config import Settings, SettingsError

    assert Settings.from_env({"DUNNING_PAYMENT_FUTURE_DAYS": "3"}).payment_future_days == 3
    assert Settings.from_env({}).payment_future_days == 1
    with pytest.raises(SettingsError):
        Settings.from_env({"DUNNING_PAYMENT_FUTURE_DAYS": "-1"})


def _references(api: Api) -> set[str]:
    return {p["bank_reference"] for p in api.get("/payments?per_page=500")["items"]}


def _import(api: Api, name: str, csv: str, status: int = 200, **query: str) -> Any:
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    resp = api.client.post(f"/api/v1/imports?{qs}", headers=api.clerk, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(csv.encode()), name)})
    assert resp.status_code == status, resp.get_data(as_text=True)
    return resp.json


def test_an_imported_payment_dated_after_today_is_refused_naming_row_and_column(api: Api) -> None:
    code = api.get(f"/customers/{api.ledger.customer_ids[0]}")["code"]
    csv = f"银行流水号,客户编码,付款日期,金额\nB-OK,{code},2026-11-20,100.00\nB-LATER,{code},2030-01-01,100.00\n"
    refused = _import(api, "p.csv", csv, 422)
    assert [(r["row"], r["code"]) for r in refused["rows"]] == [(3, "in_the_future")]
    assert refused["rows"][0]["column"] in ("付款日期", "received_on")
    assert "B-OK" not in _references(api)  # all or nothing


def test_reimporting_an_unpaid_invoice_under_another_customer_is_refused_unless_asked(api: Api) -> None:
    first, second = (api.get(f"/customers/{i}")["code"] for i in api.ledger.customer_ids[:2])
    api.invoices["FP-1130"] = post(api.client, "/invoices", invoice_body(
        api.ledger, "FP-1130", "2026-11-02", "2026-12-02", "8000.00", contract_id=None), api.clerk)["id"]
    csv = f"发票号,客户编码,开票日期,到期日,金额\nFP-1130,{second},2026-11-02,2026-12-02,8000.00\n"
    refused = _import(api, "i.csv", csv, 422)
    assert [(r["row"], r["code"]) for r in refused["rows"]] == [(2, "invoice_moved")]
    assert first in refused["rows"][0]["zh"] and "allow_customer_change" in refused["rows"][0]["en"]
    assert api.invoice("FP-1130")["customer_id"] == api.ledger.customer_ids[0]
    moved = _import(api, "i.csv", csv, allow_customer_change="true")
    assert moved["moved_invoices"] == [{"creditor_id": api.ledger.creditor_id, "invoice_number": "FP-1130",
                                        "old_customer": first, "new_customer": second}]
    assert api.invoice("FP-1130")["customer_id"] == api.ledger.customer_ids[1]
    with api.core.db.engine.connect() as conn:
        entries = [json.loads(a) if isinstance(a, str) else a for (a,) in conn.execute(text(
            "SELECT after FROM audit_entry WHERE action = 'ledger.import'"))]
    assert [e["moved_invoices"] for e in entries] == [moved["moved_invoices"]]


def test_a_moved_invoice_does_not_keep_the_old_customers_contract(api: Api) -> None:
    second = api.get(f"/customers/{api.ledger.customer_ids[1]}")["code"]
    csv = f"发票号,客户编码,开票日期,到期日,金额\nFP-1201,{second},2026-12-01,2026-12-31,20000.00\n"
    refused = _import(api, "i.csv", csv, 422, allow_customer_change="true")
    assert [(r["row"], r["code"]) for r in refused["rows"]] == [(2, "contract_of_old_customer")]
    csv = f"发票号,客户编码,开票日期,到期日,金额,合同编号\nFP-1201,{second},2026-12-01,2026-12-31,20000.00,\n"
    _import(api, "i.csv", csv, allow_customer_change="true")
    moved = api.invoice("FP-1201")
    assert (moved["customer_id"], moved["contract_id"]) == (api.ledger.customer_ids[1], None)


def test_the_cli_import_refuses_a_move_unless_asked_and_prints_it(api: Api, tmp_path: Any) -> None:
    from workflow.cli import cli

    first, second = (api.get(f"/customers/{i}")["code"] for i in api.ledger.customer_ids[:2])
    post(api.client, "/invoices", invoice_body(api.ledger, "FP-1130", "2026-11-02", "2026-12-02", "8000.00",
                                                contract_id=None), api.clerk)
    path = tmp_path / "i.csv"
    path.write_text(f"发票号,客户编码,开票日期,到期日,金额\nFP-1130,{second},2026-11-02,2026-12-02,8000.00\n",
                    encoding="utf-8")
    runner = api.client.application.test_cli_runner()
    refused = runner.invoke(cli, ["import", str(path)])
    assert refused.exit_code == 2 and "invoice_moved" not in refused.output and "allow_customer_change" in \
        refused.output
    moved = runner.invoke(cli, ["import", str(path), "--allow-customer-change"])
    assert moved.exit_code == 0, moved.output
    assert "FP-1130" in moved.output and f"{first} → {second}" in moved.output
