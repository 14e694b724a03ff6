"""pydantic's validation errors as our domain errors: each bad field named, in Chinese and English.

Shared by the API and the CLI, which parse the same input models."""

from __future__ import annotations

from pydantic import ValidationError

from workflow.errors import FieldProblem, ValidationFailed

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
