"""Every bad input is a 4xx that says what is wrong, never a 500: ids beyond any row, JSON nested
or sized to break the parser, dates at the ends of the calendar, a method the resource lacks."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient

from tests.conftest import Users
from tests.ledger.sample_ledger import invoice_body, seed
from workflow.web.api.base import MAX_JSON_BYTES, MAX_JSON_DEPTH, json_depth

HUGE = 2**63  # one past BIGINT: SQLite's driver overflows on it
COLUMN_PAST = 2**31  # one past the INTEGER primary keys on PostgreSQL


@pytest.mark.parametrize("value", [HUGE, COLUMN_PAST, 10**30])
@pytest.mark.parametrize("method,path", [
    ("GET", "/customers/{}"), ("GET", "/customers/{}/balance"), ("PATCH", "/customers/{}"),
    ("DELETE", "/creditors/{}"), ("GET", "/invoices/{}"), ("GET", "/payments/{}"),
    ("DELETE", "/payments/1/allocations/{}"), ("GET", "/contracts/1/files/{}"), ("GET", "/documents/{}"),
    ("GET", "/customers/{}/claim"), ("GET", "/credit-notes/{}"),
])
def test_an_id_no_row_can_have_in_the_path_is_not_found(client: FlaskClient, users: Users, value: int,
                                                         method: str, path: str) -> None:
    resp = client.open("/api/v1" + path.format(value), method=method, json={}, headers=users.admin)
    assert resp.status_code == 404, resp.get_data(as_text=True)
    assert resp.mimetype == "application/problem+json"


@pytest.mark.parametrize("path,field", [
    ("/invoices?customer_id={}", "query.customer_id"), ("/contracts?creditor_id={}", "query.creditor_id"),
    ("/payments?customer_id={}", "query.customer_id"), ("/credit-notes?invoice_id={}", "query.invoice_id"),
    ("/customers?assigned_clerk={}", "query.assigned_clerk"), ("/reports/aging?creditor_id={}", "query.creditor_id"),
])
def test_an_id_beyond_the_column_in_a_query_names_the_parameter(client: FlaskClient, users: Users, path: str,
                                                                 field: str) -> None:
    for value in (HUGE, COLUMN_PAST):
        resp = client.get("/api/v1" + path.format(value), headers=users.admin)
        assert resp.status_code == 422, resp.get_data(as_text=True)
        assert field in {e["field"] for e in resp.json["errors"]}


def test_an_id_beyond_the_column_in_a_body_names_the_field(client: FlaskClient, users: Users) -> None:
    ledger = seed(client, users.clerk)
    body = invoice_body(ledger, "INV-9001", "2026-05-01", "2026-06-30", "100.00")
    for field in ("creditor_id", "customer_id", "contract_id"):
        resp = client.post("/api/v1/invoices", json={**body, field: HUGE}, headers=users.clerk)
        assert resp.status_code == 422, resp.get_data(as_text=True)
        assert {e["field"] for e in resp.json["errors"]} == {field}
    payment = {"creditor_id": ledger.creditor_id, "customer_id": ledger.customer_ids[0], "received_on": "2026-07-01",
               "amount": "100.00", "currency": "CNY", "bank_reference": "BR-1",
               "allocations": [{"invoice_id": COLUMN_PAST, "amount": "100.00"}]}
    resp = client.post("/api/v1/payments", json=payment, headers=users.clerk)
    assert resp.status_code == 422
    assert "allocations.0.invoice_id" in {e["field"] for e in resp.json["errors"]}
    resp = client.post("/api/v1/contracts/lint", json={"contract_id": HUGE}, headers=users.clerk)
    assert resp.status_code == 422
    assert "contract_id" in {e["field"] for e in resp.json["errors"]}


def _deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def test_deeply_nested_json_to_the_login_is_refused_before_parsing(client: FlaskClient) -> None:
    for body in (_deep(100_000), b'{"username": ' + _deep(100_000) + b"}", b"{" * 100_000):
        resp = client.post("/api/v1/auth/login", data=body, content_type="application/json")
        assert resp.status_code == 400, resp.get_data(as_text=True)
        assert resp.json["code"] == "malformed_json"
        assert resp.json["errors"][0]["field"] == "body"


def test_deeply_nested_json_to_an_endpoint_is_refused(client: FlaskClient, users: Users) -> None:
    context = b'{"kind": "dunning_letter_1", "context": {"a": ' + _deep(MAX_JSON_DEPTH + 1) + b"}}"
    resp = client.post("/api/v1/documents", data=context, content_type="application/json", headers=users.clerk)
    assert resp.status_code == 400
    assert resp.json["code"] == "malformed_json"


def test_nesting_is_counted_outside_strings_only() -> None:
    assert json_depth(b'{"a": [1, {"b": "[[[[{{{{"}]}') == 3
    assert json_depth(b'["\\"[[[", []]') == 2
    assert json_depth(b'"no nesting"') == 0
    ok = json.dumps({"text": "[" * 10_000, "list": [[[[1]]]]}).encode()
    assert json_depth(ok) == 5


def test_json_nested_as_deep_as_allowed_is_parsed(client: FlaskClient) -> None:
    body = b'{"username": ' + _deep(MAX_JSON_DEPTH - 1) + b', "password": "x"}'
    resp = client.post("/api/v1/auth/login", data=body, content_type="application/json")
    assert resp.status_code == 422  # parsed, then refused by the model: username is not text
    assert "username" in {e["field"] for e in resp.json["errors"]}


def test_a_json_body_over_the_limit_is_too_large(client: FlaskClient, users: Users) -> None:
    body = json.dumps({"code": "C-1", "legal_name": "x" * (MAX_JSON_BYTES + 10)})
    resp = client.post("/api/v1/customers", data=body, content_type="application/json", headers=users.clerk)
    assert resp.status_code == 413
    assert resp.mimetype == "application/problem+json"
    assert resp.json["errors"][0]["field"] == "body"
    resp = client.post("/api/v1/auth/login", data=body, content_type="application/json")
    assert resp.status_code == 413


@pytest.mark.parametrize("path,field", [
    ("/reports/aging?as_of=0001-05-20", "query.as_of"), ("/reports/kpis?as_of=9999-12-31", "query.as_of"),
    ("/invoices?due_before=0001-01-01", "query.due_before"),
])
def test_dates_at_the_ends_of_the_calendar_are_refused(client: FlaskClient, users: Users, path: str,
                                                       field: str) -> None:
    resp = client.get("/api/v1" + path, headers=users.admin)
    assert resp.status_code == 422, resp.get_data(as_text=True)
    assert [e["field"] for e in resp.json["errors"]] == [field]


def test_a_body_date_at_the_end_of_the_calendar_names_the_field(client: FlaskClient, users: Users) -> None:
    ledger = seed(client, users.clerk)
    body = invoice_body(ledger, "INV-9002", "2026-05-01", "9999-12-31", "100.00")
    resp = client.post("/api/v1/invoices", json=body, headers=users.clerk)
    assert resp.status_code == 422, resp.get_data(as_text=True)
    assert [e["field"] for e in resp.json["errors"]] == ["due_date"]


def test_a_method_the_resource_lacks_is_405_with_allow(client: FlaskClient, users: Users) -> None:
    resp = client.put("/api/v1/customers", json={}, headers=users.admin)
    assert resp.status_code == 405
    assert resp.mimetype == "application/problem+json"
    assert set(resp.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_a_deletion_answers_204_with_no_body(client: FlaskClient, users: Users) -> None:
    ledger = seed(client, users.clerk)
    resp = client.delete(f"/api/v1/customers/{ledger.customer_ids[2]}", headers=users.clerk)
    assert resp.status_code == 204
    assert resp.get_data() == b""
    assert "Content-Type" not in resp.headers
