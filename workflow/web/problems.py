"""Errors as ``application/problem+json`` (RFC 9457), naming each bad field, in the user's language.

Under ``/api/`` every error is problem+json; anywhere else (the desk's pages) it is an HTML page in
the page's language, with the same title and the same list of fields, and a page that needs a login
sends the visitor to it.
"""

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


def for_api() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def error_page(status: int, zh_title: str, en_title: str, problems: list[dict[str, str]] | None = None,
               headers: dict[str, str] | None = None) -> Response:
    """The desk's error page. It must never fail itself: if even the page cannot be drawn, plain text."""
    from workflow.web.ui import errors

    try:
        resp = errors.render_error(status, zh_title, en_title, problems or [])
    except Exception:  # an error page that errors would hide the first error
        resp = Response(f"{status} {zh_title} / {en_title}", status=status, mimetype="text/plain")
    for name, value in (headers or {}).items():
        resp.headers[name] = value
    return resp


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
        if not for_api():
            from workflow.web.ui import errors

            return errors.domain_error(exc)
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
        status = exc.code or 500
        if not for_api():
            allow = ({"Allow": ", ".join(sorted(exc.valid_methods))}
                     if isinstance(exc, MethodNotAllowed) and exc.valid_methods else None)
            return error_page(status, _HTTP_ZH.get(status, exc.name), exc.name, headers=allow)
        loc = request_locale()
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
        if not for_api():
            return error_page(500, "服务器内部错误，已记录", "Internal error; it has been logged")
        loc = request_locale()
        title = "服务器内部错误，已记录" if loc == "zh_CN" else "Internal error; it has been logged"
        return problem_response(500, title, "internal_error")
