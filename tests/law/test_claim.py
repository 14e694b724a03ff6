"""A customer's claim from the ledger: contract penalty or the statutory rule, 561 re-applied to the
ledger's allocations, credit notes, limitation from part payments, totals per currency."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import SYSTEM_ACTOR, Users
from tests.ledger.sample_ledger import Ledger, invoice_body, post, seed
from tests.uow import read
from workflow.core import Core

pytestmark = pytest.mark.usefixtures("shipped_templates")


def _ledger(client: FlaskClient, users: Users) -> tuple[Ledger, int, int]:
    ledger = seed(client, users.clerk)  # contract BSP-2026-0158: 日万分之五, capped at 20%
    hx1 = post(client, "/invoices", invoice_body(ledger, "HX-2026-0001", "2026-03-10", "2026-05-09", "100000.00"),
               users.clerk)["id"]
    hx2 = post(client, "/invoices", {**invoice_body(ledger, "HX-2026-0002", "2026-05-31", "2026-06-30", "20000.00"),
                                     "contract_id": None}, users.clerk)["id"]
    post(client, "/payments", {"creditor_id": ledger.creditor_id, "customer_id": ledger.customer_ids[0],
                               "received_on": "2026-06-08", "amount": "40000.00", "currency": "CNY",
                               "payer_name": "深圳市华星光电技术有限公司", "bank_reference": "ICBC20260608001",
                               "allocations": [{"invoice_id": hx1, "amount": "40000.00"}]}, users.clerk)
    return ledger, hx1, hx2


def test_claim_per_invoice_and_totals(client: FlaskClient, users: Users) -> None:
    ledger, _, _ = _ledger(client, users)
    r = client.get(f"/api/v1/customers/{ledger.customer_ids[0]}/claim?as_of=2026-07-08", headers=users.legal)
    assert r.status_code == 200, r.get_data(as_text=True)
    claim = r.json
    one, two = claim["invoices"]
    # HX-0001 (contract, 0.05%/day): 05-10..06-08 = 22 + 8 = 30 days × 100000 × 0.0005 = 1500.00
    # the 40000 payment: 1500.00 interest (民法典 561), 38500.00 principal → 61500.00
    # 06-09..07-08 = 22 + 8 = 30 days × 61500 × 0.0005 = 922.50
    assert (one["number"], one["basis"], one["contract"]) == ("HX-2026-0001", "contract", "BSP-2026-0158")
    assert (one["interest_accrued"], one["interest_paid"], one["interest_outstanding"],
            one["principal_outstanding"]) == ("2422.50", "1500.00", "922.50", "61500.00")
    # the part payment interrupted the limitation: three years from 2026-06-08, provisional (2029 not loaded)
    assert one["limitation"]["last_interruption"]["date"] == "2026-06-08"
    assert "ICBC20260608001" in one["limitation"]["last_interruption"]["note"]
    assert (one["limitation"]["expires_on"], one["limitation"]["provisional"]) == ("2029-06-08", True)
    # HX-0002 (no contract → statutory, LPR 3.00% × 1.5 = 4.5% fixed at 07-01):
    # 07-01..07-08 = 8 days: 20000 × 0.045 × 8 / 365 = 19.726 → 19.73
    assert (two["basis"], two["interest_accrued"], two["principal_outstanding"]) == ("statutory", "19.73", "20000.00")
    assert two["limitation"]["last_interruption"] is None
    # totals: 81500.00 + 942.23 = 82442.23
    assert claim["totals"] == [{"currency": "CNY", "principal_outstanding": "81500.00",
                                "interest_outstanding": "942.23", "total": "82442.23",
                                "total_words": "捌万贰仟肆佰肆拾贰元贰角叁分"}]
    assert {m["source"] for m in claim["methods"]} == {"contract", "statutory"}
    assert claim["warnings"]  # the statutory rate came from an unverified (reported unchanged) quote
    assert claim["customer"]["legal_name"] == "深圳市华星光电技术有限公司"


def test_credit_notes_lower_the_principal_from_the_start(client: FlaskClient, users: Users) -> None:
    ledger, hx1, _ = _ledger(client, users)
    post(client, "/credit-notes", {"creditor_id": ledger.creditor_id, "customer_id": ledger.customer_ids[0],
                                   "invoice_id": hx1, "number": "HZ-2026-001", "issued_on": "2026-06-20",
                                   "amount": "10000.00", "currency": "CNY", "reason": "质量折让"}, users.clerk)
    claim = client.get(f"/api/v1/customers/{ledger.customer_ids[0]}/claim?as_of=2026-07-08",
                       headers=users.clerk).json
    one = claim["invoices"][0]
    # principal 90000: 30 days × 90000 × 0.0005 = 1350.00 paid from the 40000 → 38650 principal → 51350
    # 30 days × 51350 × 0.0005 = 770.25
    assert (one["credited"], one["interest_accrued"], one["principal_outstanding"]) == \
        ("10000.00", "2120.25", "51350.00")


def test_the_contract_cap_limits_the_penalty(client: FlaskClient, users: Users) -> None:
    ledger, _, _ = _ledger(client, users)
    cid = ledger.customer_ids[0]
    # to 2028-06-30: 1500.00 + 61500 × 0.0005 × 753 days (2026-06-09..2028-06-30) = 1500 + 23154.75 = 24654.75,
    # above 20% of 100000.00: capped at 20000.00, of which 1500.00 was paid → 18500.00 outstanding
    claim = client.get(f"/api/v1/customers/{cid}/claim?as_of=2028-06-30", headers=users.clerk).json
    one = claim["invoices"][0]
    assert (one["cap_applied"], one["interest_accrued"], one["interest_outstanding"]) == (True, "20000.00", "18500.00")
    assert claim["complete"] is True
    # the statutory rule fixed at breach needs one quote; floating needs every quote up to as_of, which
    # is not published: HX-0002's interest is refused and said so, the contract invoice is still claimed
    floating = client.get(f"/api/v1/customers/{cid}/claim?as_of=2028-06-30&statutory_mode=floating",
                          headers=users.clerk)
    assert floating.status_code == 200
    body = floating.json
    one, two = body["invoices"]
    assert body["complete"] is False and one["interest_outstanding"] == "18500.00"
    assert two["number"] == "HX-2026-0002" and two["interest_outstanding"] is None
    assert two["interest_refused"]["code"] == "lpr_missing" and two["principal_outstanding"] == "20000.00"
    assert any("HX-2026-0002" in w["zh"] for w in body["warnings"])
    # totals: both principals, only the computed interest
    assert body["totals"][0]["principal_outstanding"] == "81500.00"
    assert body["totals"][0]["interest_outstanding"] == "18500.00"
    # the court sheet lists both: HX-0002 without interest, with the reason, and says so at the top
    sheet = client.post(f"/api/v1/customers/{cid}/claim/sheet", headers=users.legal,
                        json={"as_of": "2028-06-30", "statutory_mode": "floating", "pdf": False})
    assert sheet.status_code == 201
    ctx = sheet.json["context"]
    assert [(i["number"], i["computed"]) for i in ctx["invoices"]] == [("HX-2026-0001", True),
                                                                      ("HX-2026-0002", False)]
    assert ctx["sheet"]["incomplete"] is True and ctx["missing"][0]["number"] == "HX-2026-0002"
    assert ctx["sheet"]["total_principal"] == "81500.00" and ctx["sheet"]["total_interest"] == "18500.00"
    # the cap is printed with the amount it cut: 24654.75 before the cap
    assert "24654.75" in ctx["invoices"][0]["note_zh"] and "20000.00" in ctx["invoices"][0]["note_zh"]


def test_claim_access_and_bad_query(client: FlaskClient, users: Users) -> None:
    ledger, _, _ = _ledger(client, users)
    cid = ledger.customer_ids[0]
    assert client.get(f"/api/v1/customers/{cid}/claim?as_of=2026-07-08", headers=users.lawyer).status_code == 404
    assert client.get("/api/v1/customers/999999/claim", headers=users.clerk).status_code == 404
    bad = client.get(f"/api/v1/customers/{cid}/claim?as_of=yesterday", headers=users.clerk)
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "query.as_of"


def test_the_claim_fills_the_interest_sheet_variables(client: FlaskClient, users: Users, core: Core) -> None:
    from datetime import date

    from workflow.documents.contexts.claim_sheet import claim_sheet_context

    ledger, _, _ = _ledger(client, users)
    claim = client.get(f"/api/v1/customers/{ledger.customer_ids[0]}/claim?as_of=2026-07-08", headers=users.clerk).json
    ctx = read(core, SYSTEM_ACTOR, lambda uow: claim_sheet_context(
        uow.session, claim=claim, creditor_id=ledger.creditor_id, currency="CNY", prepared_on=date(2026, 7, 9)))
    assert ctx["sheet"]["total"] == "82442.23" and "第五百六十一条" in ctx["sheet"]["method_zh"]
    assert [r["interest"] for r in ctx["rows"]] == ["1500.00", "922.50", "19.73"]
    assert {k: ctx["invoices"][0][k] for k in ("number", "due_date", "principal", "interest", "total")} == {
        "number": "HX-2026-0001", "due_date": "2026-05-09", "principal": "61500.00", "interest": "922.50",
        "total": "62422.50"}
    # the payment and its split (民法典 561): 1500.00 interest, 38500.00 principal
    assert ctx["payments"] == [{"date": "2026-06-08", "reference": "ICBC20260608001", "amount": "40000.00",
                                "to_interest": "1500.00", "to_principal": "38500.00", "unapplied": "0.00",
                                "invoices": "HX-2026-0001"}]
    # interest runs on after the calculation date: 61500.00 at 日万分之五 from 2026-07-09
    assert ctx["running"][0]["zh"].startswith("发票 HX-2026-0001：以未付本金 61500.00 为基数，自 2026-07-09 起按")
    assert ctx["running"][0]["zh"].endswith("（年利率 18.25%）计至实际清偿之日止，违约金总额以约定上限 20000.00 为限")
    assert ctx["sheet"]["incomplete"] is False
    assert ctx["customer"]["name"] == "深圳市华星光电技术有限公司"
    # both methods are printed: the contract's 日万分之五 and the statutory LPR rule for HX-0002
    assert ctx["sheet"]["method_zh"].count("\n") >= 1


def test_the_claim_sheet_is_made_stored_and_downloadable(client: FlaskClient, users: Users) -> None:
    ledger, _, _ = _ledger(client, users)
    cid = ledger.customer_ids[0]
    url = f"/api/v1/customers/{cid}/claim/sheet"
    made = client.post(url, json={"as_of": "2026-07-08", "pdf": False}, headers=users.legal)
    assert made.status_code == 201, made.get_data(as_text=True)
    doc = made.json
    assert doc["kind"] == "interest_sheet" and doc["context"]["sheet"]["total"] == "82442.23"
    docx = client.get(doc["links"]["docx"], headers=users.legal)
    assert docx.status_code == 200 and docx.data[:2] == b"PK"
    from io import BytesIO

    from docx import Document

    text = "\n".join(c.text for t in Document(BytesIO(docx.data)).tables for r in t.rows for c in r.cells)
    assert "HX-2026-0001" in text and "922.50" in text
    # asked for a PDF on a server without LibreOffice: the answer already says so (the PDF step runs
    # after the commit, before the response is made)
    with_pdf = client.post(url, json={"as_of": "2026-07-08"}, headers=users.legal)
    assert with_pdf.status_code == 201 and with_pdf.json["pdf_status"] == "unavailable"
    # nothing overdue in USD; a lawyer may not make documents; bad as_of names the field
    usd = client.post(url, json={"as_of": "2026-07-08", "currency": "USD", "pdf": False}, headers=users.legal)
    assert usd.status_code == 422 and usd.json["errors"][0]["field"] == "currency"
    assert client.post(url, json={"pdf": False}, headers=users.lawyer).status_code == 403
    bad = client.post(url, json={"as_of": "2026/07/08"}, headers=users.legal)
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "as_of"


def test_claim_cli_prints_json_and_writes_the_sheet(client: FlaskClient, users: Users, runner: Any,
                                                    tmp_path: Path) -> None:
    ledger, _, _ = _ledger(client, users)
    cid = ledger.customer_ids[0]
    out = runner.invoke(args=["calc", "claim", str(cid), "--as-of", "2026-07-08"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["totals"][0]["total"] == "82442.23"
    made = runner.invoke(args=["calc", "claim", str(cid), "--as-of", "2026-07-08", "--sheet", str(tmp_path)])
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["totals"][0]["total"] == "82442.23"  # the JSON its help promises
    assert (tmp_path / f"利息计算表-{cid}-2026-07-08.docx").read_bytes()[:2] == b"PK"
    bad = runner.invoke(args=["calc", "claim", str(cid), "--as-of", "tomorrow"])
    assert bad.exit_code == 2 and "as_of" in bad.output
