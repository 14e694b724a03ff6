"""The OpenAPI document must say what the API really accepts: checked against the live app."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Users


def _doc(client: FlaskClient) -> dict[str, Any]:
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    doc = resp.json
    assert doc is not None and doc["openapi"].startswith("3.1")
    return doc


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_every_api_route_is_documented_and_every_documented_route_exists(app: Flask, client: FlaskClient) -> None:
    doc = _doc(client)
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    routed = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.rule.endswith("openapi.json"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods or ():
            if method not in ("HEAD", "OPTIONS"):
                routed.add((method, path))
    assert routed - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routed == set(), "documented operations that do not exist"


def test_required_fields_and_unknown_fields_match_the_document(client: FlaskClient, users: Users) -> None:
    doc = _doc(client)
    checked = 0
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None or "admin" not in op["x-roles"]:
                continue
            schema = _resolve(doc, body["schema"])
            if schema.get("type") != "object":
                continue
            url = re.sub(r"\{\w+\}", "1", path)
            resp = client.open(url, method=method.upper(), json={}, headers=users.admin)
            required = set(schema.get("required", []))
            if required:
                assert resp.status_code == 422, (path, resp.json)
                missing = {e["field"] for e in resp.json["errors"] if e["code"] == "missing"}
                assert missing == required, (path, missing, required)
            if schema.get("additionalProperties") is False:
                resp = client.open(url, method=method.upper(), json={"zz_not_a_field": 1}, headers=users.admin)
                assert resp.status_code == 422, path
                assert "zz_not_a_field" in {e["field"] for e in resp.json["errors"]}, path
            checked += 1
    assert checked >= 2


def test_query_parameters_are_validated_as_documented(client: FlaskClient, users: Users) -> None:
    doc = _doc(client)
    checked = 0
    for path, ops in doc["paths"].items():
        get = ops.get("get")
        if get is None or "{" in path or "admin" not in get["x-roles"]:
            continue
        names = {p["name"] for p in get.get("parameters", []) if p["in"] == "query"}
        if "per_page" in names:
            resp = client.get(path + "?per_page=100000", headers=users.admin)
            assert resp.status_code == 422 and resp.json["errors"][0]["field"] == "query.per_page", path
            checked += 1
    assert checked >= 5  # customers, contracts, invoices, credit notes, payments at least


def test_every_reference_resolves_and_every_json_answer_has_a_schema(client: FlaskClient) -> None:
    doc = _doc(client)
    text = json.dumps(doc)
    refs = set(re.findall(r'"\$ref": "([^"]+)"', text))
    assert refs, "the document uses components"
    for ref in refs:
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[1] in doc["components"]["schemas"], ref
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            for code, resp in op["responses"].items():
                if code == "204":
                    assert "content" not in resp, (method, path)
                    continue
                for media, body in resp.get("content", {}).items():
                    assert body.get("schema"), (method, path, code, media)
                    if not code.startswith("2"):
                        assert media == "application/problem+json"
                        assert body["schema"] == {"$ref": "#/components/schemas/Problem"}
            assert "4XX" in op["responses"], (method, path)


def _request_components(doc: dict[str, Any]) -> set[str]:
    """The names of the schemas that request bodies use, directly or nested."""
    todo = [json.dumps(op.get("requestBody", {})) for ops in doc["paths"].values() for op in ops.values()]
    seen: set[str] = set()
    while todo:
        for name in re.findall(r'"#/components/schemas/([^"]+)"', todo.pop()):
            if name not in seen:
                seen.add(name)
                todo.append(json.dumps(doc["components"]["schemas"][name]))
    return seen


def test_ids_are_bounded_to_the_column_range_wherever_they_are_accepted(client: FlaskClient) -> None:
    doc = _doc(client)
    checked = 0
    for ops in doc["paths"].values():
        for op in ops.values():
            for p in op.get("parameters", []):
                if p["name"].endswith("_id") or p["name"] == "assigned_clerk":
                    low = p["schema"].get("minimum", p["schema"].get("exclusiveMinimum", -1) + 1)
                    assert p["schema"]["maximum"] == 2**31 - 1 and low >= 1, p
                    checked += 1
    inputs = _request_components(doc)
    assert {"InvoiceIn", "PaymentIn", "AllocationIn"} <= inputs
    for name in inputs:
        for field, prop in doc["components"]["schemas"][name].get("properties", {}).items():
            if not field.endswith("_id"):
                continue
            options = prop.get("anyOf", [prop])
            ints = [o for o in options if o.get("type") == "integer"]
            assert ints and all(o.get("maximum") == 2**31 - 1 for o in ints), (name, field, prop)
            checked += 1
    assert checked >= 30


def test_login_and_logout_are_documented_without_a_token(client: FlaskClient) -> None:
    doc = _doc(client)
    login = doc["paths"]["/api/v1/auth/login"]["post"]
    assert login["security"] == []
    assert login["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/LoginIn"}
    assert doc["paths"]["/api/v1/auth/logout"]["post"]["security"] == []


def test_under_test_an_answer_off_its_model_fails_loudly(app: Flask) -> None:
    from flask import Response

    from workflow.web.api.base import EndpointSpec, ResponseBreaksContract, _check_response
    from workflow.web.api.responses import MeOut

    spec = EndpointSpec(method="GET", path="/me", summary="", tags=[], body=None, query=None, roles=frozenset(),
                        path_params={}, responses={"200": "OK"}, response_models={"200": MeOut})
    good = {"username": "a", "role": "clerk", "locale": "zh_CN"}
    _check_response(spec, Response(json.dumps(good), mimetype="application/json"))
    for bad in ({**good, "role": "boss"}, {**good, "secret": "x"}, {"username": "a"}):
        with pytest.raises(ResponseBreaksContract):
            _check_response(spec, Response(json.dumps(bad), mimetype="application/json"))


def test_login_and_logout_answer_as_documented(client: FlaskClient, users: Users) -> None:
    from workflow.web.api.responses import LoginOut, LogoutOut, Problem

    resp = client.post("/api/v1/auth/login", json={"username": "clerk1", "password": "correct horse battery"})
    assert resp.status_code == 200, resp.json
    assert LoginOut.model_validate(resp.json).role == "clerk"
    csrf = {"X-CSRF-Token": resp.json["csrf_token"]}
    resp = client.post("/api/v1/auth/logout", headers=csrf)
    assert resp.status_code == 200
    LogoutOut.model_validate(resp.json)
    resp = client.post("/api/v1/auth/login", json={"username": "clerk1", "password": "wrong horse battery"})
    assert resp.status_code == 401 and resp.mimetype == "application/problem+json"
    Problem.model_validate(resp.json)
