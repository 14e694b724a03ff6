"""The clause linter: reads the free text of a contract (Chinese or English) or of an outgoing
letter and reports risky clauses with their legal basis and a better wording.

Pure: the caller passes the current one-year LPR and the thresholds from Settings.

    findings = lint_contract(text, lpr_1y=Decimal("0.0300"), warn_multiple=Decimal("4"),
                             note_multiple=Decimal("1.5"))
    [f.as_dict("zh_CN") for f in findings]
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from workflow.law.linter import (
    rules_court,
    rules_dispute,
    rules_letter,
    rules_notice,
    rules_payment,
    rules_penalty,
    rules_terms,
)
from workflow.law.linter.findings import RULES, Finding, ordered, rule_texts
from workflow.law.linter.rules_payment import PARTY_KINDS
from workflow.law.linter.segment import segment

CONTEXT_KEYS = (*rules_court.PLACE_KEYS, "buyer_kind", "seller_kind")


def lint_contract(text: str, *, lpr_1y: Decimal, warn_multiple: Decimal, note_multiple: Decimal,
                  context: Mapping[str, str] | None = None) -> list[Finding]:
    """Findings for one contract, errors first. ``lpr_1y`` is a fraction (3.00% → Decimal("0.0300"));
    ``context`` may give the places of 民事诉讼法 35 when the text does not, and the parties' kinds
    (PARTY_KINDS: "large", "sme" or the ledger's customer kind; any other kind counts as unknown) for
    the pay-when-paid rule (keys: CONTEXT_KEYS)."""
    if lpr_1y <= 0 or warn_multiple <= 0 or note_multiple <= 0:
        raise ValueError("lpr_1y and the multiples must be positive")
    unknown = set(context or {}) - set(CONTEXT_KEYS)
    if unknown:
        raise ValueError(f"unknown context keys: {', '.join(sorted(unknown))}")
    doc = segment(text)
    findings = [
        *rules_payment.check(doc, context),
        *rules_penalty.check(doc, lpr_1y=lpr_1y, warn_multiple=warn_multiple, note_multiple=note_multiple),
        *rules_dispute.check(doc),
        *rules_court.check(doc, context),
        *rules_notice.check(doc),
        *rules_terms.check(doc),
    ]
    return ordered(findings)


def lint_letter(text: str) -> list[Finding]:
    """Threatening, insulting or harassing wording in an outgoing letter, errors first."""
    return ordered(rules_letter.check_letter(segment(text)))


__all__ = ["CONTEXT_KEYS", "PARTY_KINDS", "RULES", "Finding", "lint_contract", "lint_letter", "rule_texts"]
