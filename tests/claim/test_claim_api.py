"""The claim from the ledger, through the API and the CLI: cash of one creditor entity never pays
another's invoices, every receipt is accounted for to the fen, settled invoices are listed, the
creditor filter filters, and a signed 对账单 uploaded on the contract interrupts the limitation.
On SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from typing import Any

from flask.testing import FlaskClient

from tests.ledger.sample_ledger import CREDITOR, cc, invoice_body, make_app, post, seed, token_headers
from workflow.cli import cli
from workflow.core import Core

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class Users:
    def __init__(self, core: Core) -> None:
        self.clerk, _ = token_headers(core, "clerk")
        self.legal, _ = token_headers(core, "legal")


def _two_creditors(client: FlaskClient, users: Users) -> tuple[Any, int, int]:
    ledger = seed(client, users.clerk)  # creditor A, contract BSP-2026-0158: 日万分之五, capped at 20%
    other = post(client, "/creditors", {**CREDITOR, "code": "SH-TRADE", "legal_name": "上海宝钢包装贸易有限公司",
                                        "legal_name_en": "Baosteel Packaging Trading Co., Ltd.",
                                        "credit_code": cc("91310000132200833"),
                                        "bank_account": "1001 2345 6789 0999 999"}, users.clerk)["id"]
    post(client, "/invoices", invoice_body(ledger, "A-001", "2026-01-01", "2026-01-31", "10000.00"), users.clerk)
    post(client, "/invoices", {**invoice_body(ledger, "B-001", "2026-01-01", "2026-01-31", "10000.00"),
                               "creditor_id": other, "contract_id": None}, users.clerk)
    post(client, "/payments", {"creditor_id": other, "customer_id": ledger.customer_ids[0],
                               "received_on": "2026-03-02", "amount": "15000.00", "currency": "CNY",
                               "payer_name": "深圳市华星光电技术有限公司", "bank_reference": "CMB20260302001"},
         users.clerk)
    return ledger, ledger.creditor_id, other


def test_cash_of_one_entity_pays_only_its_own_invoices_and_every_fen_is_accounted_for(any_db: Core) -> None:
    app = make_app(any_db)
    client, users, runner = app.test_client(), Users(any_db), app.test_cli_runner()
    ledger, a, b = _two_creditors(client, users)
    cid = ledger.customer_ids[0]
    claim = client.get(f"/api/v1/customers/{cid}/claim?as_of=2026-03-02", headers=users.legal).json
    rows = {r["number"]: r for r in claim["invoices"]}
    # A-001 (A's contract, 0.05%/day): nothing paid it — B's cash is B's: 2026-02-01..03-02 = 30 days
    # × 10000 × 0.0005 = 150.00
    assert (rows["A-001"]["principal_outstanding"], rows["A-001"]["interest_outstanding"]) == ("10000.00", "150.00")
    # B-001 (statutory, LPR 3.00% × 1.5 = 4.5% fixed at 2026-02-01): 30 days × 10000 × 0.045 / 365
    # = 36.986 → 36.99 interest first, then 10000.00 principal: settled, and still listed
    assert (rows["B-001"]["settled"], rows["B-001"]["claimed"], rows["B-001"]["interest_paid"]) == (True, False,
                                                                                                      "36.99")
    # 15000.00 − 10036.99 = 4963.01 paid no debt of B's: unapplied, with a warning naming the receipt
    book = {r["creditor_id"]: r for r in claim["reconciliation"]}
    assert book[str(b)] == {"creditor_id": str(b), "currency": "CNY", "received": "15000.00",
                            "to_interest": "36.99", "to_principal": "10000.00", "unapplied": "4963.01"}
    assert book[str(a)]["received"] == "0.00"
    assert any("CMB20260302001" in w["zh"] and "4963.01" in w["zh"] for w in claim["warnings"])
    assert claim["totals"][0]["principal_outstanding"] == "10000.00"
    # the creditor filter filters the JSON, in the API and the CLI
    only_b = client.get(f"/api/v1/customers/{cid}/claim?as_of=2026-03-02&creditor_id={b}", headers=users.legal).json
    assert [r["number"] for r in only_b["invoices"]] == ["B-001"] and only_b["creditor_id"] == str(b)
    outs = [runner.invoke(cli, args=["calc", "claim", str(cid), "--as-of", "2026-03-02", "--creditor-id", str(n)])
            for n in (a, b)]
    assert [[r["number"] for r in json.loads(o.output)["invoices"]] for o in outs] == [["A-001"], ["B-001"]]


def test_a_signed_statement_on_the_contract_interrupts_the_limitation(any_db: Core) -> None:
    client, users = make_app(any_db).test_client(), Users(any_db)
    ledger, _, _ = _two_creditors(client, users)
    url = f"/api/v1/contracts/{ledger.contract_id}/files"
    bad = client.post(url, data={"file": (io.BytesIO(PDF), "对账单.pdf"), "kind": "signed_statement"},
                      headers=users.clerk, content_type="multipart/form-data")
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "signed_on"
    made = client.post(url, data={"file": (io.BytesIO(PDF), "对账单-2026-02-15.pdf"), "kind": "signed_statement",
                                  "signed_on": "2026-02-15"}, headers=users.clerk, content_type="multipart/form-data")
    assert made.status_code == 201 and (made.json["kind"], made.json["signed_on"]) == ("signed_statement",
                                                                                        "2026-02-15")
    claim = client.get(f"/api/v1/customers/{ledger.customer_ids[0]}/claim?as_of=2026-03-02",
                       headers=users.legal).json
    rows = {r["number"]: r for r in claim["invoices"]}
    # A-001 is under the contract: acknowledged on 2026-02-15 → three years from 2026-02-16 → 2029-02-15
    # (a Thursday; 2029 not loaded, so provisional); the note names the file
    lim = rows["A-001"]["limitation"]
    assert (lim["last_interruption"]["kind"], lim["expires_on"], lim["provisional"]) == ("acknowledgment",
                                                                                        "2029-02-15", True)
    assert "对账单-2026-02-15.pdf" in lim["last_interruption"]["note"]
    # B-001 is not under that contract: its last interruption is B's own receipt of 2026-03-02
    assert rows["B-001"]["limitation"]["last_interruption"]["date"] == "2026-03-02"
    # a suit named in the query: filed 2026-03-01 … its end not given → counted from the filing
    sued = client.get(f"/api/v1/customers/{ledger.customer_ids[0]}/claim?as_of=2026-03-02&suit_filed_on=2026-03-01",
                      headers=users.legal).json
    assert {r["number"]: r for r in sued["invoices"]}["A-001"]["limitation"]["last_interruption"]["kind"] == "suit"
    ended = client.get(f"/api/v1/customers/{ledger.customer_ids[0]}/claim?as_of=2026-03-02&suit_filed_on=2026-03-01"
                       "&proceedings_ended_on=2026-02-01", headers=users.legal)
    assert ended.status_code == 422 and ended.json["errors"][0]["field"] == "proceedings_ended_on"
