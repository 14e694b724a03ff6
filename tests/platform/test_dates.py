"""One rule for a business date, one message for breaking it: the API, the calculators, the CLI and the
importer say the same thing about the same date."""

from __future__ import annotations

from datetime import date

import pytest
from flask.testing import FlaskClient
from pydantic import TypeAdapter, ValidationError

from tests.conftest import Users
from workflow.calc.schemas import IsoDate
from workflow.dates import range_problem
from workflow.ledger.imports.schema import parse_date
from workflow.ledger.schemas import Day

OUTSIDE = ["1985-06-30", "2100-01-01", "0001-01-01"]


def _pydantic_message(adapter: TypeAdapter[date], raw: str) -> str:
    with pytest.raises(ValidationError) as caught:
        adapter.validate_python(raw)
    return str(caught.value.errors()[0]["msg"])


@pytest.mark.parametrize("raw", OUTSIDE)
def test_a_date_outside_the_business_years_is_refused_with_one_message_everywhere(raw: str) -> None:
    zh, en = range_problem(date.fromisoformat(raw)) or ("", "")
    assert zh == "日期应在 1990-01-01 至 2099-12-31 之间"
    # the ledger's API and CLI models, the calculators' models and the importer
    for adapter in (TypeAdapter(Day), TypeAdapter(IsoDate)):
        assert _pydantic_message(adapter, raw).endswith(f"{zh}|{en}")
    assert parse_date(raw) == (None, (zh, en))


@pytest.mark.parametrize("raw", ["1990-01-01", "2026-11-30", "2099-12-31"])
def test_dates_inside_are_taken_alike(raw: str) -> None:
    day = date.fromisoformat(raw)
    assert TypeAdapter(Day).validate_python(raw) == day
    assert TypeAdapter(IsoDate).validate_python(raw) == day
    assert parse_date(raw) == (day, None)


def test_the_api_names_the_field_and_says_the_same(client: FlaskClient, users: Users) -> None:
    resp = client.post("/api/v1/payments", headers=users.clerk, json={
        "creditor_id": 1, "customer_id": 1, "received_on": "1985-06-30", "amount": "100.00", "currency": "CNY",
        "bank_reference": "ICBC-19850630"})
    assert resp.status_code == 422
    problem = next(p for p in resp.json["errors"] if p["field"] == "received_on")
    assert problem["message"] == "日期应在 1990-01-01 至 2099-12-31 之间"
