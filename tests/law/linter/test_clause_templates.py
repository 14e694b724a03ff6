"""Our own clause library must pass our own linter: the shipped 买卖合同 templates, rendered with the
demo data and each dispute and penalty variant, read back from the DOCX and linted; and every other
shipped document (letters, the lawyer's letter, statement, repayment agreement, interest sheet)
passes the letter check."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from workflow.config import PROJECT_ROOT
from workflow.documents.catalogue import CATALOGUE
from workflow.documents.catalogue.samples import contract_context
from workflow.documents.docx_text import docx_text
from workflow.documents.render import compile_template
from workflow.law.linter import Finding, lint_contract, lint_letter

TEMPLATES = Path(PROJECT_ROOT) / "templates_docx"


def lint_rendered(lang: str, **changes: dict[str, Any]) -> list[Finding]:
    context = contract_context()
    for key, value in changes.items():
        context[key] = {**context[key], **value}
    template = compile_template((TEMPLATES / f"sales_contract.{lang}.docx").read_bytes())
    text = docx_text(template.render(context))
    return lint_contract(text, lpr_1y=Decimal("0.0300"), warn_multiple=Decimal("4"), note_multiple=Decimal("1.5"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_court_variants_and_lpr_penalty_are_clean(lang: str) -> None:
    for court in ("seller_domicile", "buyer_domicile", "signing_place"):
        findings = lint_rendered(lang, dispute={"court": court},
                                 penalty={"kind": "lpr_multiple", "multiple": "1.5", "cap": ""})
        assert findings == [], (court, [(f.rule, f.clause_text) for f in findings])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_arbitration_variant_names_one_commission(lang: str) -> None:
    findings = lint_rendered(lang, dispute={"kind": "arbitration", "commission": "上海国际经济贸易仲裁委员会",
                                            "commission_en": "Shanghai International Arbitration Center",
                                            "seat": "上海", "seat_en": "Shanghai"})
    assert [f.rule for f in findings if f.rule.startswith(("arbitration", "jurisdiction"))] == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_daily_rate_of_five_per_ten_thousand_is_flagged_not_blocked(lang: str) -> None:
    findings = lint_rendered(lang, penalty={"kind": "daily_rate", "rate": "0.0005", "multiple": "", "cap": "0.20"})
    assert [(f.rule, f.severity, f.details["annual_rate"]) for f in findings] == [
        ("penalty.excessive", "warning", "0.1825")]


@pytest.mark.parametrize("kind", sorted(k for k in CATALOGUE if k != "sales_contract"))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_shipped_letter_passes_the_letter_check(kind: str, lang: str) -> None:
    template = compile_template((TEMPLATES / f"{kind}.{lang}.docx").read_bytes())
    text = docx_text(template.render(CATALOGUE[kind].sample_context()))
    assert len(text) > 200  # the rendered letter, not an empty shell
    findings = lint_letter(text)
    assert findings == [], [(f.details, f.clause_text) for f in findings]
