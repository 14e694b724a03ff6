"""Rates as contracts write them, read exactly, and the annualisation a lawyer would do by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from workflow.law.linter.numbers import find_rates, to_decimal
from workflow.law.linter.rules_penalty import agreed_rates
from workflow.law.linter.segment import normalise, segment

LPR = Decimal("0.0300")


@pytest.mark.parametrize(("text", "value"), [
    ("万分之五", Decimal("0.0005")),
    ("千分之一", Decimal("0.001")),
    ("千分之零点五", Decimal("0.0005")),
    ("百分之二十四", Decimal("0.24")),
    ("二十四%", Decimal("0.24")),
    ("0.05%", Decimal("0.0005")),
    ("０.０５％", Decimal("0.0005")),  # full-width, as Word often types it
    ("0.5‰", Decimal("0.0005")),
    ("3 percent", Decimal("0.03")),
    ("百分之十二点五", Decimal("0.125")),
    ("万分之2.1", Decimal("0.00021")),
])
def test_rate_tokens(text: str, value: Decimal) -> None:
    (token,) = find_rates(normalise(text))
    assert token.value == value


@pytest.mark.parametrize(("text", "value"), [
    ("二十四", Decimal(24)), ("十五", Decimal(15)), ("一百零五", Decimal(105)), ("两千", Decimal(2000)),
    ("零点零五", Decimal("0.05")), ("三万二千", Decimal(32000)), ("二〇二六", Decimal(2026)), ("1点5", Decimal("1.5")),
])
def test_chinese_numerals(text: str, value: Decimal) -> None:
    assert to_decimal(text) == value


@pytest.mark.parametrize(("sentence", "annual"), [
    ("乙方逾期付款的，每日按逾期金额的万分之五支付违约金。", Decimal("0.1825")),
    ("逾期付款按日万分之五计算违约金", Decimal("0.1825")),
    ("按未付款的0.05%/日计收违约金", Decimal("0.1825")),
    ("每逾期一天，按欠款总额的千分之一支付滞纳金", Decimal("0.365")),
    ("按月息2%计收资金占用费", Decimal("0.24")),
    ("按年利率百分之二十四计算逾期利息", Decimal("0.24")),
    ("按LPR的四倍计算", Decimal("0.12")),
    ("按4倍LPR计算", Decimal("0.12")),
    ("按LPR上浮50%计算", Decimal("0.045")),
    ("interest at 0.1% per day", Decimal("0.365")),
    ("at an annual rate of 24%", Decimal("0.24")),
    ("interest at four times the one-year Loan Prime Rate", Decimal("0.12")),
    ("0.05% of the overdue amount for each day of delay", Decimal("0.1825")),
])
def test_annualised(sentence: str, annual: Decimal) -> None:
    rates = agreed_rates(normalise(sentence), LPR)
    assert max(r.annual for r in rates) == annual


@pytest.mark.parametrize("sentence", [
    "违约金总额不超过合同总额的20%",
    "买方应按合同总价款的10%支付违约金",
    "增值税税率为13%",
    "liquidated damages of 5% of the Contract Price, up to 10% in aggregate",
])
def test_rates_without_a_period_are_not_annualised(sentence: str) -> None:
    assert agreed_rates(normalise(sentence), LPR) == []


def test_daily_rate_with_a_cap_in_the_same_sentence_reads_the_rate_not_the_cap() -> None:
    rates = agreed_rates(normalise("每逾期一日按逾期金额的万分之五支付违约金，违约金累计不超过合同总额的30%"), LPR)
    assert [r.annual for r in rates] == [Decimal("0.1825")]


def test_segment_keeps_decimals_and_groups_sentences_by_article() -> None:
    doc = segment("Article 4 Late Payment\nInterest accrues at 0.05% per day. It is capped at 10%.\n"
                  "第五条 争议\n协商不成的，提交上海仲裁委员会仲裁。仲裁裁决是终局的。")
    assert [s.text for s in doc.sentences] == [
        "Article 4 Late Payment", "Interest accrues at 0.05% per day.", "It is capped at 10%.",
        "第五条 争议", "协商不成的，提交上海仲裁委员会仲裁。", "仲裁裁决是终局的。"]
    assert [s.article for s in doc.sentences] == [0, 0, 0, 1, 1, 1]
