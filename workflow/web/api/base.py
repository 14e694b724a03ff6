"""How an API endpoint is declared: one decorator parses input, checks the role, calls the
handler, and records the endpoint for the OpenAPI document.

Because the request models that parse input are the same objects the OpenAPI document is built
from, the document says exactly what the API accepts.

    @endpoint(bp, "POST", "/customers", body=CustomerIn, roles=WRITERS, summary="Create a customer")
    def create_customer(actor: Actor, body: CustomerIn) -> tuple[dict, int]:
        ...
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, current_app, g, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.core import Core
from workflow.unit_of_work import UnitOfWork
from workflow.errors import Forbidden, Unauthenticated
from workflow.pydantic_errors import problems_from_pydantic

ALL_ROLES = frozenset(Role)
WRITERS = frozenset({Role.CLERK, Role.LEGAL, Role.ADMIN})
STAFF = WRITERS  # everyone but lawyers, who see only what is assigned to them
ADMINS = frozenset({Role.ADMIN})


class StrictModel(BaseModel):
    """Base for request bodies: unknown fields are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page: int = Field(1, ge=1, le=1_000_000, description="1-based page number")
    per_page: int = Field(50, ge=1, le=500, description="items per page")


@dataclass
class EndpointSpec:
    method: str
    path: str  # OpenAPI style: /customers/{customer_id}
    summary: str
    tags: list[str]
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    roles: frozenset[Role]
    path_params: dict[str, str]
    responses: dict[str, str]
    content_types: list[str] = field(default_factory=list)  # non-JSON bodies (multipart, etc.)
    response_types: list[str] = field(default_factory=lambda: ["application/json"])
    writes: bool = True


REGISTRY: list[EndpointSpec] = []


def core() -> Core:
    c: Core = current_app.extensions["dunning"]
    return c


def uow() -> UnitOfWork:
    """The request's unit of work, opened by the ``endpoint`` wrapper around the handler."""
    u: UnitOfWork | None = g.get("uow")
    if u is None:
        raise RuntimeError("no unit of work: only handlers declared with @endpoint have one")
    return u


def session() -> Session:
    """The request's session (its unit of work's)."""
    return uow().session


def current_actor() -> Actor:
    actor: Actor | None = g.get("actor")
    if actor is None:
        raise Unauthenticated()
    return actor


def _flask_rule(path: str, path_params: dict[str, str]) -> str:
    rule = path
    for name, kind in path_params.items():
        conv = "int:" if kind == "integer" else ""
        rule = rule.replace("{" + name + "}", f"<{conv}{name}>")
    return rule


def endpoint(
    bp: Blueprint, method: str, path: str, *, summary: str, roles: Iterable[Role] = ALL_ROLES,
    body: type[BaseModel] | None = None, query: type[BaseModel] | None = None,
    path_params: dict[str, str] | None = None, responses: dict[str, str] | None = None,
    tags: list[str] | None = None, content_types: list[str] | None = None,
    response_types: list[str] | None = None, writes: bool | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare an endpoint. ``path`` is relative to /api/v1. The handler gets ``actor`` plus
    ``body`` and/or ``query`` (parsed models) and the path parameters as keyword arguments, and
    runs inside one unit of work (``uow()``) that commits when it returns. ``writes`` defaults to
    "not a GET"; a GET that writes (an audited download) says ``writes=True``."""
    params = path_params or {}
    spec = EndpointSpec(
        method=method.upper(), path=path, summary=summary, tags=tags or [bp.name],
        body=body, query=query, roles=frozenset(roles), path_params=params,
        responses=responses or {"200": "OK"}, content_types=content_types or [],
        response_types=response_types or ["application/json"],
        writes=(method.upper() != "GET") if writes is None else writes,
    )
    REGISTRY.append(spec)

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        def view(**kwargs: Any) -> Any:
            actor = current_actor()
            if actor.role not in spec.roles:
                raise Forbidden()
            call: dict[str, Any] = dict(kwargs)
            call["actor"] = actor
            if spec.query is not None:
                call["query"] = _parse_query(spec.query)
            if spec.body is not None:
                call["body"] = _parse_body(spec.body)
            with core().unit_of_work(actor, read_only=not spec.writes) as unit:
                g.uow = unit
                try:
                    return fn(**call)
                finally:
                    g.pop("uow", None)

        view.__name__ = fn.__name__
        bp.add_url_rule(_flask_rule(path, params), endpoint=fn.__name__, view_func=view,
                        methods=[spec.method])
        return fn

    return decorate


class MalformedJson(Exception):
    pass


def _parse_body(model: type[BaseModel]) -> BaseModel:
    raw = request.get_data(cache=True)
    if not request.is_json:
        raise MalformedJson("Content-Type must be application/json")
    try:
        data = json.loads(raw or b"null", parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedJson(str(exc)) from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise problems_from_pydantic(exc) from exc


def _parse_query(model: type[BaseModel]) -> BaseModel:
    data: dict[str, Any] = {}
    for key in request.args:
        values = request.args.getlist(key)
        data[key] = values if len(values) > 1 else values[0]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise problems_from_pydantic(exc, prefix="query") from exc


def paginate(s: Session, stmt: Select[Any], page: PageQuery,
             render: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    total = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = s.scalars(stmt.limit(page.per_page).offset((page.page - 1) * page.per_page)).all()
    return {"items": [render(r) for r in rows], "total": total, "page": page.page, "per_page": page.per_page}


def file_response(data: bytes, mimetype: str, filename: str) -> Response:
    from urllib.parse import quote

    resp = Response(data, mimetype=mimetype)
    # whatever a stored name holds (a control character, a quote, a lone surrogate), the header stays
    # one well-formed line: the plain name keeps printable ASCII only, the UTF-8 one is all escaped
    ascii_name = "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in filename) or "download"
    utf8_name = quote(filename.encode("utf-8", "replace"), safe="") or "download"
    resp.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{utf8_name}"
    )
    return resp
