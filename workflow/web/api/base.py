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
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, current_app, g, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.core import Core
from workflow.dates import OUT_OF_RANGE, range_problem
from workflow.errors import FieldProblem, Forbidden, NotFound, TooLarge, Unauthenticated, ValidationFailed
from workflow.ids import is_id
from workflow.pydantic_errors import problems_from_pydantic
from workflow.unit_of_work import UnitOfWork

# JSON request bodies are small (a customer, an invoice, a calculation); uploads are multipart
MAX_JSON_BYTES = 2 * 1024 * 1024
# deeper than any request model nests; json.loads recurses per level and would hit the
# interpreter's recursion limit (a 500) on a body like [[[[...]]]] long before the size limit
MAX_JSON_DEPTH = 64

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
    # the JSON body of each success status, e.g. {"200": CustomerOut}; in the OpenAPI document
    response_models: dict[str, type[BaseModel]] = field(default_factory=dict)
    public: bool = False  # needs no login (the login itself)


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
    response: type[BaseModel] | dict[str, type[BaseModel]] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare an endpoint. ``path`` is relative to /api/v1. The handler gets ``actor`` plus
    ``body`` and/or ``query`` (parsed models) and the path parameters as keyword arguments, and
    runs inside one unit of work (``uow()``) that commits when it returns. ``writes`` defaults to
    "not a GET"; a GET that writes (an audited download) says ``writes=True``. ``response`` is the
    model of the JSON the handler returns (for the first success status in ``responses``), or one
    model per status; the OpenAPI document publishes it."""
    params = path_params or {}
    success = [code for code in (responses or {"200": "OK"}) if code.startswith("2")]
    if response is None:
        response_models: dict[str, type[BaseModel]] = {}
    elif isinstance(response, dict):
        response_models = dict(response)
    else:
        response_models = {success[0] if success else "200": response}
    spec = EndpointSpec(
        method=method.upper(), path=path, summary=summary, tags=tags or [bp.name],
        body=body, query=query, roles=frozenset(roles), path_params=params,
        responses=responses or {"200": "OK"}, content_types=content_types or [],
        response_types=response_types or ["application/json"],
        writes=(method.upper() != "GET") if writes is None else writes,
        response_models=response_models,
    )
    REGISTRY.append(spec)

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        def view(**kwargs: Any) -> Any:
            actor = current_actor()
            if actor.role not in spec.roles:
                raise Forbidden()
            _check_path_ids(spec, kwargs)
            call: dict[str, Any] = dict(kwargs)
            call["actor"] = actor
            if spec.query is not None:
                call["query"] = _parse_query(spec.query)
            if spec.body is not None:
                call["body"] = _parse_body(spec.body)
            with core().unit_of_work(actor, read_only=not spec.writes) as unit:
                g.uow = unit
                try:
                    result = fn(**call)
                finally:
                    g.pop("uow", None)
            # serialised once the after-commit steps have run, so the answer can show their outcome
            # (a generated document's PDF)
            resp = current_app.make_response(result)
            if current_app.testing:
                _check_response(spec, resp)
            if resp.status_code == 204:
                # 204 means "no content": no body, so no type for one either
                resp.set_data(b"")
                resp.headers.pop("Content-Type", None)
            return resp

        view.__name__ = fn.__name__
        bp.add_url_rule(_flask_rule(path, params), endpoint=fn.__name__, view_func=view,
                        methods=[spec.method])
        return fn

    return decorate


class ResponseBreaksContract(AssertionError):
    """A handler answered something its declared response model does not describe (tests only)."""


def _check_response(spec: EndpointSpec, resp: Response) -> None:
    """Under test, every JSON answer is checked against the model the OpenAPI document publishes,
    so every API test of every room also tests the contract."""
    model = spec.response_models.get(str(resp.status_code))
    if model is None or resp.mimetype != "application/json":
        return
    try:
        model.model_validate_json(resp.get_data())
    except ValidationError as exc:
        raise ResponseBreaksContract(f"{spec.method} {spec.path} → {resp.status_code}: {exc}") from exc


def _check_path_ids(spec: EndpointSpec, kwargs: dict[str, Any]) -> None:
    """Flask's int converter takes any number of digits; an id no row can have names nothing."""
    for name, kind in spec.path_params.items():
        value = kwargs.get(name)
        if kind == "integer" and isinstance(value, int) and not is_id(value):
            raise NotFound("记录", "record", f"{name}={value}")


class MalformedJson(Exception):
    pass


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth(raw: bytes) -> int:
    """How deep arrays and objects nest in a JSON text, brackets inside strings not counted."""
    depth = deepest = 0
    for m in _JSON_BRACKET.finditer(_JSON_STRING.sub(b'""', raw)):
        if m.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def read_json() -> Any:
    """The request's JSON body, refused (400/413) before parsing when too large or too deep."""
    if not request.is_json:
        raise MalformedJson("Content-Type must be application/json")
    if (request.content_length or 0) > MAX_JSON_BYTES:
        raise TooLarge("body", MAX_JSON_BYTES)
    raw = request.get_data(cache=True)  # a chunked body is still bounded by MAX_CONTENT_LENGTH
    if len(raw) > MAX_JSON_BYTES:
        raise TooLarge("body", MAX_JSON_BYTES)
    if json_depth(raw) > MAX_JSON_DEPTH:
        raise MalformedJson(f"nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(raw or b"null", parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedJson(str(exc)) from exc


def _parse_body(model: type[BaseModel]) -> BaseModel:
    data = read_json()
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        raise problems_from_pydantic(exc) from exc
    _check_dates(parsed)
    return parsed


def _parse_query(model: type[BaseModel]) -> BaseModel:
    data: dict[str, Any] = {}
    for key in request.args:
        values = request.args.getlist(key)
        data[key] = values if len(values) > 1 else values[0]
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        raise problems_from_pydantic(exc, prefix="query") from exc
    _check_dates(parsed, "query")
    return parsed


# Every date the API takes is a business date (workflow.dates): checked here too for the models that
# carry dates without the shared validators (datetimes, nested rows).


def _dates(value: Any, path: str) -> Iterator[tuple[str, date]]:
    if isinstance(value, date):  # datetimes too
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _dates(getattr(value, name), f"{path}.{name}" if path else name)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _dates(item, f"{path}.{i}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _dates(item, f"{path}.{key}")


def _check_dates(parsed: BaseModel, prefix: str = "") -> None:
    problems = [
        FieldProblem(where, OUT_OF_RANGE, *problem)
        for where, day in _dates(parsed, prefix)
        if (problem := range_problem(day.date() if isinstance(day, datetime) else day)) is not None
    ]
    if problems:
        raise ValidationFailed(problems)


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
