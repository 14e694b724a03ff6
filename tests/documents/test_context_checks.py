"""A hand-typed context is checked before anything is rendered: the totals are recomputed from the rows,
every missing variable is named at once in both languages, 大写 is never typed, and only a lawyer or
the legal team makes a 律师函 final."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from flask.testing import FlaskClient, FlaskCliRunner

from tests.conftest import Users
from workflow.core import Core
from workflow.documents.catalogue import CATALOGUE

pytestmark = pytest.mark.usefixtures("shipped_templates")


@pytest.fixture
def core(any_db: Core) -> Core:
    """The app, users and templates of these tests on SQLite, then on PostgreSQL."""
    return any_db


def sample(kind: str) -> dict[str, Any]:
    return CATALOGUE[kind].sample_context()


def post(client: FlaskClient, headers: dict[str, str], kind: str, context: dict[str, Any]) -> Any:
    return client.post("/api/v1/documents", json={"kind": kind, "context": context, "pdf": False}, headers=headers)


def problems(resp: Any) -> dict[str, str]:
    assert resp.status_code == 422, resp.get_data(as_text=True)
    return {e["field"]: e["code"] for e in resp.json["errors"]}


def text_of(client: FlaskClient, users: Users, record: dict[str, Any]) -> str:
    data = client.get(record["links"]["docx"], headers=users.clerk).data
    doc = Document(io.BytesIO(data))
    return "\n".join([p.text for p in doc.paragraphs]
                     + [c.text for t in doc.tables for r in t.rows for c in r.cells])


def test_a_typed_total_that_is_not_the_sum_of_the_rows_is_refused_naming_it(client: FlaskClient,
                                                                             users: Users) -> None:
    ctx = sample("dunning_letter_1")
    ctx["totals"][0]["outstanding"] = "1.00"  # the rows add up to far more: it once printed 合计¥1.00（壹元整）
    got = problems(post(client, users.clerk, "dunning_letter_1", ctx))
    assert got == {"context.totals.0.outstanding": "total_mismatch"}
    ctx = sample("dunning_letter_1")
    ctx["invoices"][1]["outstanding"] = "999.99"
    got = problems(post(client, users.clerk, "dunning_letter_1", ctx))
    # the row is wrong, and so is the total that agreed with the other rows
    assert got["context.invoices.1.outstanding"] == "total_mismatch"


def test_totals_per_currency_and_the_statement_balance(client: FlaskClient, users: Users) -> None:
    ctx = sample("payment_reminder")
    ctx["totals"] = []
    assert problems(post(client, users.clerk, "payment_reminder", ctx)) == {"context.totals": "total_missing"}
    st = sample("statement")
    st["statement"]["closing_balance"] = "0.00"
    st["lines"][2]["balance"] = "1.00"
    got = problems(post(client, users.clerk, "statement", st))
    assert set(got) == {"context.statement.closing_balance", "context.lines.2.balance"}
    ra = sample("repayment_agreement")
    ra["agreement"]["debt_amount"] = "100.00"
    assert "context.agreement.debt_amount" in problems(post(client, users.clerk, "repayment_agreement", ra))
    sheet = sample("interest_sheet")
    sheet["sheet"]["total"] = "1.00"
    assert problems(post(client, users.clerk, "interest_sheet", sheet)) == {"context.sheet.total": "total_mismatch"}


def test_the_printed_total_and_its_words_come_from_the_rows(client: FlaskClient, users: Users) -> None:
    from decimal import Decimal

    from workflow.law.words import rmb_upper

    ctx = sample("dunning_letter_1")
    resp = post(client, users.clerk, "dunning_letter_1", ctx)
    assert resp.status_code == 201, resp.json
    total = sum((Decimal(r["outstanding"]) for r in ctx["invoices"]), Decimal(0))
    text = text_of(client, users, resp.json)
    assert f"{total:,.2f}" in text and rmb_upper(total) in text


def test_every_missing_variable_is_named_at_once_in_both_languages(client: FlaskClient, users: Users) -> None:
    ctx = sample("dunning_letter_2")
    del ctx["customer"]["name"]
    del ctx["letter"]["number"]
    del ctx["invoices"][1]["due_date"]
    del ctx["penalty"]
    resp = post(client, users.clerk, "dunning_letter_2", ctx)
    got = problems(resp)
    assert {"context.customer.name", "context.letter.number", "context.invoices.1.due_date",
            "context.penalty.kind", "context.penalty.rate"} <= set(got)
    assert set(got.values()) == {"missing_variable"}
    messages = {e["field"]: e["message"] for e in resp.json["errors"]}
    assert "客户（债务人）全称" in messages["context.customer.name"]
    english = client.post("/api/v1/documents", json={"kind": "dunning_letter_2", "context": ctx, "pdf": False},
                          headers={**users.clerk, "Accept-Language": "en"})
    assert "the customer's (debtor's) full legal name" in {e["field"]: e["message"] for e in
                                                          english.json["errors"]}["context.customer.name"]


def test_a_variable_that_may_be_empty_may_be_left_out(client: FlaskClient, users: Users) -> None:
    ctx = sample("dunning_letter_2")
    del ctx["letter"]["previous_number"]  # 可为空 / may be empty
    resp = post(client, users.clerk, "dunning_letter_2", ctx)
    assert resp.status_code == 201, resp.json
    assert resp.json["context"]["letter"]["previous_number"] == ""


def test_typed_words_are_refused(client: FlaskClient, users: Users) -> None:
    ctx = sample("dunning_letter_1")
    ctx["totals"][0]["outstanding_words"] = "壹元整"
    assert problems(post(client, users.clerk, "dunning_letter_1", ctx)) == {
        "context.totals.0.outstanding_words": "words_not_accepted"}


def test_only_a_lawyer_or_legal_makes_a_lawyers_letter_final(client: FlaskClient, users: Users) -> None:
    ctx = sample("lawyer_letter")
    ctx["letter"]["draft"] = False
    assert post(client, users.clerk, "lawyer_letter", ctx).status_code == 403
    assert post(client, users.admin, "lawyer_letter", ctx).status_code == 403
    assert post(client, users.legal, "lawyer_letter", ctx).status_code == 201
    ctx["letter"]["draft"] = True
    assert post(client, users.clerk, "lawyer_letter", ctx).status_code == 201
    ctx["letter"]["draft"] = "false"
    assert problems(post(client, users.clerk, "lawyer_letter", ctx)) == {"context.letter.draft": "not_boolean"}


def test_the_cli_checks_a_typed_context_too(runner: FlaskCliRunner, tmp_path: Path) -> None:
    ctx = sample("dunning_letter_1")
    ctx["totals"][0]["outstanding"] = "1.00"
    path = tmp_path / "ctx.json"
    path.write_text(json.dumps(ctx, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["render", "dunning_letter_1", "--context", str(path), "--out",
                                     str(tmp_path / "out"), "--no-pdf"])
    assert result.exit_code != 0
    assert "totals.0.outstanding" in result.output
    assert not (tmp_path / "out").exists()
