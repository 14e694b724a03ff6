"""Errors as ``application/problem+json`` (RFC 9457), naming each bad field, in the user's language."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, json, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from workflow.errors import DomainError
from workflow.pydantic_errors import problems_from_pydantic

__all__ = ["install", "problem_response", "problems_from_pydantic", "request_locale"]

def request_locale() -> str:
    """Accept-Language wins; then the user's own setting; then the installation default."""
    from workflow.web.api.base import core

    header = request.headers.get("Accept-Language", "")
    if header:
        best = request.accept_languages.best_match(["zh-CN", "zh", "en"])
        if best:
            return "en" if best.startswith("en") else "zh_CN"
    actor = g.get("actor")
    if actor is not None:
        return str(actor.locale)
    return core().settings.locale


def problem_response(status: int, title: str, code: str, problems: list[dict[str, str]] | None = None,
                     **extra: Any) -> Response:
    body: dict[str, Any] = {"type": f"https://dunning.dev/problems/{code}", "title": title,
                            "status": status, "code": code}
    if problems:
        body["errors"] = problems
        body["detail"] = "; ".join(f"{p['field']}: {p['message']}" if p["field"] else p["message"]
                                   for p in problems[:5])
    body.update(extra)
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/problem+json")


_HTTP_ZH = {
    400: "请求无效", 401: "需要登录", 403: "无权访问", 404: "资源不存在", 405: "不支持的请求方法",
    409: "冲突", 413: "上传内容过大", 415: "不支持的内容类型", 422: "输入有误", 429: "请求过于频繁",
}


def install(app: Flask) -> None:
    from workflow.web.api.base import MalformedJson

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> Response:
        loc = request_locale()
        return problem_response(exc.status, exc.message(loc), exc.code,
                                [p.as_dict(loc) for p in exc.problems], **exc.extra)

    @app.errorhandler(MalformedJson)
    def _malformed(exc: MalformedJson) -> Response:
        loc = request_locale()
        msg = ("请求体不是有效的 JSON：" if loc == "zh_CN" else "Request body is not valid JSON: ") + str(exc)
        return problem_response(400, msg, "malformed_json", [{"field": "body", "code": "malformed_json",
                                                               "message": msg}])

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        loc = request_locale()
        status = exc.code or 500
        title = _HTTP_ZH.get(status, exc.name) if loc == "zh_CN" else exc.name
        problems = None
        if status == 413:
            where = "body" if request.is_json else "file"
            problems = [{"field": where, "code": "too_large", "message": title}]
        resp = problem_response(status, title, exc.name.lower().replace(" ", "_"), problems)
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            # RFC 9110: a 405 lists the methods the resource does support
            resp.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        return resp

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        app.logger.exception("unhandled error")
        loc = request_locale()
        title = "服务器内部错误，已记录" if loc == "zh_CN" else "Internal error; it has been logged"
        return problem_response(500, title, "internal_error")
