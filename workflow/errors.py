"""Domain errors: raised by services and rules, mapped to HTTP status / exit code in one place.

Every error names the field(s) at fault and carries its message in Chinese and English, because
clerks read Chinese first. The web layer renders them as ``application/problem+json``; the CLI
prints a one-line message and exits non-zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldProblem:
    field: str  # dotted path, e.g. "invoices.0.due_date"; "" for the request as a whole
    code: str  # machine-readable, e.g. "invalid_credit_code"
    zh: str
    en: str

    def message(self, locale: str) -> str:
        return self.en if locale.startswith("en") else self.zh

    def as_dict(self, locale: str) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message(locale)}


@dataclass
class DomainError(Exception):
    """Base of every error a user can cause. ``status`` is the HTTP status it maps to."""

    zh: str
    en: str
    problems: list[FieldProblem] = field(default_factory=list)
    status: int = 400
    code: str = "invalid"
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.en)

    def message(self, locale: str) -> str:
        return self.en if locale.startswith("en") else self.zh

    def one_line(self, locale: str) -> str:
        head = self.message(locale)
        if not self.problems:
            return head
        first = self.problems[0]
        more = f" (+{len(self.problems) - 1})" if len(self.problems) > 1 else ""
        where = f"{first.field}: " if first.field else ""
        return f"{head}: {where}{first.message(locale)}{more}"


def invalid(field_name: str, code: str, zh: str, en: str) -> DomainError:
    """A validation error about one field."""
    return ValidationFailed([FieldProblem(field_name, code, zh, en)])


class ValidationFailed(DomainError):
    def __init__(self, problems: list[FieldProblem], *, extra: dict[str, Any] | None = None) -> None:
        super().__init__("输入有误", "Invalid input", problems, 422, "validation_failed", extra or {})


class NotFound(DomainError):
    def __init__(self, what_zh: str, what_en: str, ident: object) -> None:
        super().__init__(f"未找到{what_zh}：{ident}", f"{what_en} not found: {ident}", [], 404, "not_found")


class Conflict(DomainError):
    def __init__(self, zh: str, en: str, problems: list[FieldProblem] | None = None) -> None:
        super().__init__(zh, en, problems or [], 409, "conflict")


class Forbidden(DomainError):
    def __init__(self, zh: str = "无权执行此操作", en: str = "You are not allowed to do this") -> None:
        super().__init__(zh, en, [], 403, "forbidden")


class Unauthenticated(DomainError):
    def __init__(self) -> None:
        super().__init__("需要登录或有效的 API 令牌", "Login or a valid API token is required", [], 401,
                         "unauthenticated")


class TooLarge(DomainError):
    def __init__(self, field_name: str, limit: int) -> None:
        mb = f"{limit / 1024 / 1024:.1f} MiB"
        super().__init__(
            "上传内容过大", "Upload too large",
            [FieldProblem(field_name, "too_large", f"超过上限 {mb}", f"exceeds the limit of {mb}")],
            413, "too_large",
        )


class Unavailable(DomainError):
    """A capability that this installation lacks (e.g. PDF without LibreOffice)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(zh, en, [], 503, "unavailable")
