"""Letters from the ledger in one call, on SQLite and PostgreSQL: ``POST /customers/{id}/documents`` and
``dunning render KIND --customer ID`` read the balances, the 3rd 催款函 and the 律师函 carry the penalty
accrued under the contract, and the printed letter shows the ledger's figures and their 大写."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from flask.testing import FlaskClient

from tests.conftest import SYSTEM_ACTOR
from tests.ledger.sample_ledger import Ledger, invoice_body, make_app, post, seed, token_headers
from tests.tools import missing_tool
from tests.uow import run
from workflow.calc.schemas import ClaimQuery
from workflow.core import Core
from workflow.law.words import rmb_upper

LAW_FIRM = {"name": "上海正衡律师事务所", "name_en": "Shanghai Zhengheng Law Firm",
            "address": "上海市静安区南京西路1266号恒隆广场1座36楼", "phone": "021-6288 9160",
            "email": "office@zhengheng-law.cn"}
LAWYER = {"name": "张明远", "name_en": "Zhang Mingyuan", "licence_no": "13101201810234567"}


@dataclass
class Desk:
    client: FlaskClient
    core: Core
    clerk: dict[str, str]
    legal: dict[str, str]
    lawyer: dict[str, str]
    lawyer_id: int
    ledger: Ledger

    def make(self, body: dict[str, Any], headers: dict[str, str] | None = None, status: int = 201,
             customer: int | None = None) -> Any:
        cid = customer or self.ledger.customer_ids[0]
        resp = self.client.post(f"/api/v1/customers/{cid}/documents", json={"pdf": False, **body},
                                headers=headers or self.clerk)
        assert resp.status_code == status, resp.get_data(as_text=True)
        return resp.json

    def text(self, record: dict[str, Any]) -> str:
        data = self.client.get(record["links"]["docx"], headers=self.clerk).data
        doc = Document(io.BytesIO(data))
        return "\n".join([p.text for p in doc.paragraphs]
                         + [c.text for t in doc.tables for r in t.rows for c in r.cells])


@pytest.fixture
def desk(any_db: Core) -> Iterator[Desk]:
    """Owed on 2026-11-26: FP-0801 (30,000, due 08-31) and FP-0903 (50,000 less 12,345.67 paid, due
    09-30) are overdue; FP-1201 (20,000) falls due on 12-31. Contract penalty: 0.05% a day, cap 20%."""
    run(any_db, SYSTEM_ACTOR, any_db.services.templates.sync_shipped)
    client = make_app(any_db).test_client()
    clerk, _ = token_headers(any_db, "clerk")
    legal, _ = token_headers(any_db, "legal")
    lawyer, lawyer_id = token_headers(any_db, "lawyer")
    ledger = seed(client, clerk)
    for number, issue, due, amount in [("FP-0801", "2026-08-01", "2026-08-31", "30000.00"),
                                       ("FP-0903", "2026-09-01", "2026-09-30", "50000.00"),
                                       ("FP-1201", "2026-12-01", "2026-12-31", "20000.00")]:
        post(client, "/invoices", invoice_body(ledger, number, issue, due, amount), clerk)
    post(client, "/payments", {"creditor_id": ledger.creditor_id, "customer_id": ledger.customer_ids[0],
                               "received_on": "2026-10-15", "amount": "12345.67", "currency": "CNY",
                               "bank_reference": "B-1015", "allocations": [
                                   {"invoice_id": _invoice_id(client, clerk, "FP-0903"), "amount": "12345.67"}]},
         clerk)
    yield Desk(client, any_db, clerk, legal, lawyer, lawyer_id, ledger)


def _invoice_id(client: FlaskClient, headers: dict[str, str], number: str) -> int:
    items = client.get("/api/v1/invoices?per_page=500", headers=headers).json["items"]
    return int(next(i["id"] for i in items if i["number"] == number))


def test_a_dunning_letter_from_the_ledger_shows_its_figures_and_words(desk: Desk) -> None:
    doc = desk.make({"kind": "dunning_letter_1", "number": "RD催〔2026〕第0301号"})
    ctx = doc["context"]
    assert [r["number"] for r in ctx["invoices"]] == ["FP-0801", "FP-0903"]
    assert ctx["totals"] == [{"currency": "CNY", "amount": "80000.00", "paid": "12345.67",
                              "outstanding": "67654.33"}]
    text = desk.text(doc)
    assert "67,654.33" in text and rmb_upper(Decimal("67654.33")) in text
    assert "RD催〔2026〕第0301号" in text
    # the document and the reading of the ledger are audited together
    with desk.core.db.engine.connect() as conn:
        from sqlalchemy import text as sql

        actions = [a for (a,) in conn.execute(sql(
            "SELECT action FROM audit_entry WHERE entity_type = 'generated_document' ORDER BY id"))]
    assert actions == ["document.generate", "document.from_ledger", "document.download"]


def test_an_invoice_selection_narrows_the_letter_and_its_totals(desk: Desk) -> None:
    ctx = desk.make({"kind": "dunning_letter_2", "invoices": ["FP-0903"], "previous_number": "RD催〔2026〕第0301号",
                     "previous_date": "2026-11-06"})["context"]
    assert [r["number"] for r in ctx["invoices"]] == ["FP-0903"]
    assert ctx["totals"][0]["outstanding"] == "37654.33"
    assert ctx["letter"]["previous_number"] == "RD催〔2026〕第0301号"
    refused = desk.make({"kind": "dunning_letter_1", "invoices": ["FP-1201", "NOPE"]}, status=422)
    assert refused["errors"][0]["field"] == "invoices" and "FP-1201" in refused["errors"][0]["message"]


def test_the_final_notice_and_the_lawyers_letter_carry_the_accrued_penalty(desk: Desk) -> None:
    claim = run(desk.core, SYSTEM_ACTOR, desk.core.services.claims.claim, desk.ledger.customer_ids[0],
                ClaimQuery(creditor_id=desk.ledger.creditor_id))
    owed = sum((Decimal(i["interest_outstanding"]) for i in claim["invoices"]
                if i["number"] in ("FP-0801", "FP-0903")), Decimal(0))
    assert owed > 0
    third = desk.make({"kind": "dunning_letter_3"})["context"]
    assert Decimal(third["claim"]["penalty_accrued"]) == owed
    letter = desk.make({"kind": "lawyer_letter", "law_firm": LAW_FIRM, "lawyer": LAWYER, "costs_agreed": True,
                        "lawyer_fee": "30000.00"})
    assert Decimal(letter["context"]["claim"]["penalty_accrued"]) == owed
    assert letter["context"]["letter"]["draft"] is True
    assert f"{owed:,.2f}" in desk.text(letter)


def test_only_a_lawyer_or_legal_makes_the_lawyers_letter_final(desk: Desk) -> None:
    body = {"kind": "lawyer_letter", "law_firm": LAW_FIRM, "lawyer": LAWYER, "draft": False}
    desk.make(body, status=403)
    desk.make(body, headers=desk.legal)
    # a lawyer only for the customers assigned to them: the others do not exist for them
    desk.make(body, headers=desk.lawyer, status=404)
    desk.client.patch(f"/api/v1/customers/{desk.ledger.customer_ids[0]}",
                      json={"assigned_lawyer_id": desk.lawyer_id}, headers=desk.legal)
    made = desk.make(body, headers=desk.lawyer)
    assert made["context"]["letter"]["draft"] is False
    assert desk.client.get(made["links"]["docx"], headers=desk.lawyer).status_code == 200
    # and nothing but the lawyer's letter
    desk.make({"kind": "dunning_letter_1"}, headers=desk.lawyer, status=403)
    desk.make({"kind": "lawyer_letter"}, status=422)  # no firm, no lawyer


def test_a_statement_from_the_ledger(desk: Desk) -> None:
    ctx = desk.make({"kind": "statement", "period_from": "2026-08-01"})["context"]
    st = ctx["statement"]
    assert (st["total_invoiced"], st["total_received"], st["closing_balance"]) == ("80000.00", "12345.67",
                                                                                  "67654.33")


def test_nothing_to_claim_and_unknown_customers(desk: Desk) -> None:
    refused = desk.make({"kind": "dunning_letter_1"}, customer=desk.ledger.customer_ids[1], status=422)
    assert refused["errors"][0]["field"] == "customer_id"
    desk.make({"kind": "dunning_letter_1"}, customer=99999, status=404)
    desk.make({"kind": "sales_contract"}, status=422)
    desk.make({"kind": "dunning_letter_1", "as_of": "2027-01-01"}, status=422)


def test_the_cli_makes_a_letter_for_a_customer(desk: Desk, tmp_path: Path) -> None:
    from workflow.cli import cli

    result = desk.client.application.test_cli_runner().invoke(cli, args=[
        "render", "dunning_letter_1", "--customer", str(desk.ledger.customer_ids[0]), "--no-pdf",
        "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    docx = next(tmp_path.glob("*.docx"))
    doc = Document(io.BytesIO(docx.read_bytes()))
    text = "\n".join([c.text for t in doc.tables for r in t.rows for c in r.cells] + [p.text for p in doc.paragraphs])
    assert "67,654.33" in text


@pytest.mark.integration
def test_the_printed_letter_shows_the_ledgers_figures_and_words(desk: Desk) -> None:
    from pypdf import PdfReader

    from workflow.documents.pdf import LibreOfficeConverter, find_uno_python

    if not Path("/usr/bin/soffice").exists() or find_uno_python() is None:
        missing_tool("LibreOffice with python3-uno is not installed")
    doc = desk.make({"kind": "dunning_letter_1"})
    data = desk.client.get(doc["links"]["docx"], headers=desk.clerk).data
    converter = LibreOfficeConverter("/usr/bin/soffice", timeout=120)
    try:
        pdf = converter.convert(data)
    finally:
        converter.close()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace(" ", "").replace("\n", "")
    assert "67,654.33" in text and rmb_upper(Decimal("67654.33")) in text
