"""The OpenAPI 3.1 document, built from the same models that parse requests."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from pydantic import BaseModel

from workflow import __version__
from workflow.web.api.base import REGISTRY, EndpointSpec

bp = Blueprint("openapi", __name__)

PROBLEM = {
    "type": "object",
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "code": {"type": "string"}, "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"}}}},
    },
}


def _schema(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode="validation")
    for name, sub in schema.pop("$defs", {}).items():
        components[name] = sub
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _operation(spec: EndpointSpec, components: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": spec.summary, "tags": spec.tags,
        "operationId": spec.method.lower() + "_" + re.sub(r"[^a-z0-9]+", "_", spec.path.lower()).strip("_"),
        "x-roles": sorted(r.value for r in spec.roles),
        "responses": {code: {"description": desc} for code, desc in spec.responses.items()},
    }
    for code, resp in op["responses"].items():
        if code.startswith("2"):
            resp["content"] = {t: {} for t in spec.response_types}
    op["responses"]["4XX"] = {"description": "Problem", "content": {"application/problem+json": {"schema": PROBLEM}}}
    params: list[dict[str, Any]] = [
        {"name": n, "in": "path", "required": True, "schema": {"type": t}} for n, t in spec.path_params.items()
    ]
    if spec.query is not None:
        qs = spec.query.model_json_schema()
        required = set(qs.get("required", []))
        for name, prop in qs.get("properties", {}).items():
            params.append({"name": name, "in": "query", "required": name in required, "schema": prop})
    if params:
        op["parameters"] = params
    if spec.body is not None:
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": _schema(spec.body, components)}}}
    elif spec.content_types:
        op["requestBody"] = {"required": True, "content": {
            t: {"schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}}
            for t in spec.content_types}}
    return op


def build_document() -> dict[str, Any]:
    components: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    for spec in REGISTRY:
        paths.setdefault("/api/v1" + spec.path, {})[spec.method.lower()] = _operation(spec, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Dunning Desk API", "version": __version__,
                 "description": "Receivables, PRC late-interest law engine, dunning letters. "
                                "Authenticate with `Authorization: Bearer <token>`."},
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": components,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    }


@bp.get("/openapi.json")
def openapi_json() -> ResponseReturnValue:
    return jsonify(build_document())
