"""The linter on the excerpt corpus: every expected finding with its severity, every silent rule silent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.law.linter.corpus import EXCERPTS, LETTERS, Excerpt, Letter
from workflow.law.linter import RULES, Finding, lint_contract, lint_letter, rule_texts

LPR = Decimal("0.0300")


def lint(text: str, context: dict[str, str] | None = None) -> list[Finding]:
    return lint_contract(text, lpr_1y=LPR, warn_multiple=Decimal("4"), note_multiple=Decimal("1.5"),
                         context=context or None)


def test_the_corpus_is_large_and_covers_every_rule_both_ways() -> None:
    assert len(EXCERPTS) >= 40
    contract_rules = [r for r in RULES if r != "letter.threat"]
    for rule in contract_rules:
        assert any(rule in e.fires for e in EXCERPTS), f"no positive for {rule}"
        assert any(rule in e.silent for e in EXCERPTS), f"no negative for {rule}"
    assert {e.id.rsplit("-", 1)[-1] for e in EXCERPTS} >= {"zh", "en"}
    assert any(letter.worst is None for letter in LETTERS) and any(letter.worst == "error" for letter in LETTERS)


def test_every_rule_has_its_title_basis_and_suggestion_in_both_languages() -> None:
    texts = rule_texts()
    assert set(texts) == set(RULES)
    for rule, t in texts.items():
        assert all((t.title_zh, t.title_en, t.basis_zh, t.basis_en, t.suggestion_zh, t.suggestion_en)), rule
        assert "《" in t.basis_zh and "art" in t.basis_en, rule  # cites a statute, in both languages


@pytest.mark.parametrize("excerpt", EXCERPTS, ids=lambda e: e.id)
def test_excerpt(excerpt: Excerpt) -> None:
    findings = lint(excerpt.text, excerpt.context)
    got: dict[str, set[str]] = {}
    for f in findings:
        got.setdefault(f.rule, set()).add(f.severity)
    for rule, severity in excerpt.fires.items():
        assert rule in got, f"{rule} did not fire; got {[(f.rule, f.message_en) for f in findings]}"
        assert severity in got[rule], f"{rule}: expected {severity}, got {got[rule]}"
    for rule in excerpt.silent:
        assert rule not in got, f"{rule} fired: {[f.message_en for f in findings if f.rule == rule]}"


@pytest.mark.parametrize("letter", LETTERS, ids=lambda x: x.id)
def test_letter(letter: Letter) -> None:
    findings = lint_letter(letter.text)
    if letter.worst is None:
        assert findings == []
        return
    assert findings, "no finding"
    assert findings[0].severity == letter.worst
    assert {f.details["category"] for f in findings} == letter.categories
    assert all(f.rule == "letter.threat" and f.clause_text for f in findings)
