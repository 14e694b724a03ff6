"""A finding: one rule that fired on one clause, with its legal basis and a better wording.

The legal basis and the suggested wording of each rule are data (``basis.json``, Chinese and
English) so a lawyer can correct them without touching the rules.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class RuleText:
    title_zh: str
    title_en: str
    basis_zh: str
    basis_en: str
    suggestion_zh: str
    suggestion_en: str


@cache
def rule_texts() -> dict[str, RuleText]:
    raw = json.loads(resources.files(__package__).joinpath("basis.json").read_text("utf-8"))
    return {rule: RuleText(**fields) for rule, fields in raw.items()}


RULES: tuple[str, ...] = (
    "payment.vague_trigger", "payment.pay_when_paid", "payment.missing_term", "penalty.excessive",
    "penalty.stacked", "penalty.missing",
    "arbitration.or_clause", "arbitration.no_commission", "arbitration.two_commissions",
    "jurisdiction.names_court", "jurisdiction.unconnected_place", "jurisdiction.uncertain_party",
    "notice.missing", "standard_terms.unfair", "letter.threat",
)


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    message_zh: str
    message_en: str
    clause_text: str  # the sentence it found, as written; "" when the finding is about an absence
    details: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> RuleText:
        return rule_texts()[self.rule]

    def message(self, locale: str) -> str:
        return self.message_en if locale.startswith("en") else self.message_zh

    def as_dict(self, locale: str) -> dict[str, Any]:
        en = locale.startswith("en")
        t = self.text
        out: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity,
            "title": t.title_en if en else t.title_zh,
            "message": self.message(locale),
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "clause_text": self.clause_text,
            "legal_basis": t.basis_en if en else t.basis_zh,
            "legal_basis_zh": t.basis_zh,
            "legal_basis_en": t.basis_en,
            "suggestion": t.suggestion_en if en else t.suggestion_zh,
            "suggestion_zh": t.suggestion_zh,
            "suggestion_en": t.suggestion_en,
        }
        if self.details:
            out["details"] = dict(self.details)
        return out


def ordered(findings: list[Finding]) -> list[Finding]:
    """Errors first, then warnings, then notes; within a level, in rule order (stable)."""
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], RULES.index(f.rule)))
