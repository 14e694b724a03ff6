"""Errors as ``application/problem+json`` (RFC 9457), naming each bad field, in the user's language."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, json, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from workflow.errors import DomainError, FieldProblem, ValidationFailed

# pydantic error types → Chinese wording (pydantic's own messages are English only)
_ZH: dict[str, str] = {
    "missing": "必填项缺失",
    "extra_forbidden": "不允许的字段",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "decimal_parsing": "应为数字",
    "decimal_type": "应为数字（建议用字符串表示金额）",
    "decimal_max_places": "小数位数过多",
    "decimal_max_digits": "数字位数过多",
    "decimal_whole_digits": "整数位数过多",
    "greater_than": "数值过小",
    "greater_than_equal": "数值过小",
    "less_than": "数值过大",
    "less_than_equal": "数值过大",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "string_too_short": "文本过短",
    "string_too_long": "文本过长",
    "string_pattern_mismatch": "格式不正确",
    "bool_type": "应为布尔值",
    "bool_parsing": "应为布尔值",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "too_short": "条目过少",
    "too_long": "条目过多",
    "value_error": "取值无效",
    "json_invalid": "JSON 格式错误",
    "finite_number": "应为有限数字",
    "union_tag_invalid": "类型不在允许范围内",
    "union_tag_not_found": "缺少类型字段",
}


def problems_from_pydantic(exc: ValidationError, prefix: str = "") -> ValidationFailed:
    problems: list[FieldProblem] = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"])
        if prefix:
            loc = f"{prefix}.{loc}" if loc else prefix
        en = str(err["msg"])
        ctx = err.get("ctx") or {}
        # our own validators raise ValueError("zh|en") so both languages travel together
        err_obj = ctx.get("error")
        if err["type"] == "value_error" and isinstance(err_obj, ValueError) and "|" in str(err_obj):
            zh_msg, en_msg = str(err_obj).split("|", 1)
            problems.append(FieldProblem(loc, "invalid", zh_msg, en_msg))
            continue
        zh = _ZH.get(err["type"], en)
        if ctx and err["type"] in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
            limit = next(iter(ctx.values()))
            zh = f"{zh}（界限：{limit}）"
        elif err["type"] in ("literal_error", "enum") and "expected" in ctx:
            zh = f"{zh}：{ctx['expected']}"
        problems.append(FieldProblem(loc, err["type"], zh, en))
    return ValidationFailed(problems)


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
            problems = [{"field": "file", "code": "too_large", "message": title}]
        return problem_response(status, title, exc.name.lower().replace(" ", "_"), problems)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        app.logger.exception("unhandled error")
        loc = request_locale()
        title = "服务器内部错误，已记录" if loc == "zh_CN" else "Internal error; it has been logged"
        return problem_response(500, title, "internal_error")
