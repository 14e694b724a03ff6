"""The OpenAPI 3.1 document, built from the same models that parse requests and describe responses.

Every operation says what it accepts (request and query models), what it answers on success
(response models) and that every error is one ``application/problem+json`` shape (``Problem``).
All schemas are generated in one pass, so every ``$ref`` points into ``components/schemas``.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from workflow import __version__
from workflow.ids import MAX_ID
from workflow.web.api.accounts import LoginIn
from workflow.web.api.base import REGISTRY, EndpointSpec
from workflow.web.api.responses import ApiIndexOut, LoginOut, LogoutOut, Problem

bp = Blueprint("openapi", __name__)

REF = "#/components/schemas/{model}"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_TYPE = "application/problem+json"


# login and logout need no actor, so they are plain Flask views: declared here by hand
PUBLIC = [
    EndpointSpec(method="POST", path="/auth/login", summary="Log in with a password: sets the session cookie",
                 tags=["accounts"], body=LoginIn, query=None, roles=frozenset(), path_params={},
                 responses={"200": "Logged in", "401": "Wrong username or password",
                            "429": "Too many failed attempts: wait and try again"},
                 response_models={"200": LoginOut}, public=True),
    EndpointSpec(method="POST", path="/auth/logout", summary="Log out: clears the session cookie",
                 tags=["accounts"], body=None, query=None, roles=frozenset(), path_params={},
                 responses={"200": "Logged out"}, response_models={"200": LogoutOut}, public=True),
    EndpointSpec(method="GET", path="", summary="Where things are: this document, the login, the desk",
                 tags=["accounts"], body=None, query=None, roles=frozenset(), path_params={},
                 responses={"200": "OK"}, response_models={"200": ApiIndexOut}, public=True),
]


def _all_specs() -> list[EndpointSpec]:
    return [*PUBLIC, *REGISTRY]


Refs = dict[tuple[type[BaseModel], str], dict[str, Any]]


def _schemas(specs: list[EndpointSpec]) -> tuple[Refs, dict[str, Any]]:
    """One pass over every model, so that shared sub-models get one name and one component."""
    pairs: set[tuple[type[BaseModel], JsonSchemaMode]] = {(Problem, "serialization")}
    for spec in specs:
        for model in (spec.body, spec.query):
            if model is not None:
                pairs.add((model, "validation"))
        for model in spec.response_models.values():
            pairs.add((model, "serialization"))
    ordered = sorted(pairs, key=lambda p: (p[0].__module__, p[0].__qualname__, p[1]))
    generated, top = models_json_schema(ordered, ref_template=REF)
    refs: Refs = {(model, mode): ref for (model, mode), ref in generated.items() if isinstance(model, type)
                  and issubclass(model, BaseModel)}
    return refs, dict(top.get("$defs", {}))


def _component(ref: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = components[ref["$ref"].rsplit("/", 1)[1]]
    return schema


def _query_schema(prop: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or has a value: the model's ``| None`` is not a null to send."""
    options = prop.get("anyOf")
    if options is None:
        return prop
    kept = [o for o in options if o.get("type") != "null"]
    out = {k: v for k, v in prop.items() if k not in ("anyOf", "default") or (k == "default" and v is not None)}
    if len(kept) == 1:
        out.update(kept[0])
    else:
        out["anyOf"] = kept
    return out


def _path_schema(kind: str) -> dict[str, Any]:
    if kind == "integer":
        return {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    return {"type": kind}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_TYPE: {"schema": PROBLEM_REF}}}


def _operation(spec: EndpointSpec, refs: Refs, components: dict[str, Any]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for code, desc in spec.responses.items():
        if code.startswith("3"):
            responses[code] = {"description": desc, "headers": {"Location": {"schema": {"type": "string"}}}}
            continue
        if not code.startswith("2"):
            responses[code] = _problem(desc)
            continue
        if code == "204":
            responses[code] = {"description": desc}
            continue
        model = spec.response_models.get(code)
        content: dict[str, Any] = {}
        for media in spec.response_types:
            if media == "application/json":
                content[media] = {"schema": refs[(model, "serialization")]} if model is not None else {}
            else:
                content[media] = {"schema": {"type": "string", "format": "binary"}}
        responses[code] = {"description": desc, "content": content}
    responses.setdefault("4XX", _problem("Problem: the request is refused; `errors` names each bad field"))
    op: dict[str, Any] = {
        "summary": spec.summary, "tags": spec.tags,
        "operationId": spec.method.lower() + "_" + re.sub(r"[^a-z0-9]+", "_", spec.path.lower()).strip("_"),
        "x-roles": sorted(r.value for r in spec.roles),
        "responses": responses,
    }
    if spec.public:
        op["security"] = []
    params: list[dict[str, Any]] = [
        {"name": n, "in": "path", "required": True, "schema": _path_schema(t)} for n, t in spec.path_params.items()
    ]
    if spec.query is not None:
        qs = _component(refs[(spec.query, "validation")], components)
        required = set(qs.get("required", []))
        for name, prop in qs.get("properties", {}).items():
            params.append({"name": name, "in": "query", "required": name in required,
                           "schema": _query_schema(prop)})
    if params:
        op["parameters"] = params
    if spec.body is not None:
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": refs[(spec.body, "validation")]}}}
    elif spec.content_types:
        op["requestBody"] = {"required": True, "content": {
            t: {"schema": {"type": "object", "required": ["file"],
                           "properties": {"file": {"type": "string", "format": "binary"}}}}
            if t.startswith("multipart/") else {"schema": {"type": "string", "format": "binary"}}  # the raw bytes
            for t in spec.content_types}}
    return op


def build_document() -> dict[str, Any]:
    specs = _all_specs()
    refs, components = _schemas(specs)
    paths: dict[str, dict[str, Any]] = {}
    for spec in specs:
        paths.setdefault("/api/v1" + spec.path, {})[spec.method.lower()] = _operation(spec, refs, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Dunning Desk API", "version": __version__,
                 "description": "Receivables, PRC late-interest law engine, dunning letters. "
                                "Authenticate with `Authorization: Bearer <token>`, or log in at "
                                "`/api/v1/auth/login` for a session cookie."},
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(components.items())),
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    }


@bp.get("/openapi.json")
def openapi_json() -> ResponseReturnValue:
    return jsonify(build_document())
