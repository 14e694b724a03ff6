"""What a reply says: the intent that decides the next step, the facts in it, and amounts read the way
people write them (shared with the importer)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from workflow.amounts import AmountUnreadable, parse_chinese_number, parse_money_text
from workflow.dates import DateUnreadable, parse_day
from workflow.ledger.imports.schema import parse_date, parse_money
from workflow.mail.intent import find_amounts, understand

DAY = date(2026, 11, 26)  # Thursday


@pytest.mark.parametrize(("text", "intent"), [
    ("我司将于2026年12月4日支付5万元。", "promise_to_pay"),
    ("I will pay USD 20,000 by Friday.", "promise_to_pay"),
    ("该笔款项已于2026年11月18日通过招商银行转账支付，金额人民币128,000.00元。", "paid"),
    ("We have already paid the invoice on 20 November.", "paid"),
    ("贵司发票对应的货物有12件质量问题，在问题解决之前我司暂缓支付。", "dispute"),
    ("The goods were damaged on arrival; we dispute this invoice.", "dispute"),
    ("我们没有收到发票，请重新寄送。", "document_request"),
    ("Could you please send us a copy of the invoice?", "document_request"),
    ("能否分三期支付？每月付一期。", "installment_request"),
    ("We propose to settle in three monthly instalments.", "installment_request"),
    ("公司资金紧张，客户还没回款，暂时付不出来。", "hardship"),
    ("We are facing a cash-flow shortage and cannot pay now.", "hardship"),
    ("对账单已核对无误，已盖章回传。", "statement_confirmed"),
    ("We confirm the balance of the statement is correct.", "statement_confirmed"),
    ("款已经安排了，周五到账。", "promise_to_pay"),
    ("对不起，最近公司账户被查封，暂时没办法付款。", "hardship"),
    ("我们同意对账单上的余额 356,000.00 元。", "statement_confirmed"),
    ("你们开的发票税率错了，应该是13%，麻烦重开。", "document_request"),
    ("这批货有三箱破损，破损部分的货款我们不付。", "dispute"),
    ("Please hold off, our customer has not paid us yet; we will pay once they do.", "hardship"),
    ("Noted. Payment to follow by 15 Dec.", "promise_to_pay"),
    ("The invoiced quantity does not match the delivery note: we received 450 pcs, not 500.", "dispute"),
    ("Thanks for the reminder, I will check with our finance team and revert.", "other"),
    ("收到，已转给我们领导。", "other"),
    ("", "other"),
])
def test_each_intent_in_both_languages(text: str, intent: str) -> None:
    assert understand(text, DAY).intent == intent


def test_a_dated_promise_outranks_a_part_already_paid() -> None:
    u = understand("已付3万，剩余的2万元下周五前付清。", DAY)
    assert u.intent == "promise_to_pay"
    assert u.promised_date == date(2026, 12, 4) and u.amount == Decimal("20000.00")


def test_a_payment_beside_a_promise_for_the_rest_without_amount_is_the_news() -> None:
    u = understand("5万已于今天下午付款，剩余的下个月初付。", DAY)
    assert u.intent == "paid"
    assert u.paid_date == DAY and u.amount == Decimal("50000.00")


def test_a_promise_on_a_condition_is_no_promise() -> None:
    u = understand("未收到发票，无法入账付款。请贵司重新寄送发票，收到后我们会在一周内安排付款。", DAY)
    assert u.intent == "document_request" and u.promises == []


def test_a_dispute_outranks_everything_and_has_a_reason() -> None:
    u = understand("其余发票下周五付清，但RD-INV-0341对应的主轴有12件径向跳动超差，该张发票暂缓支付。", DAY)
    assert u.intent == "dispute" and u.dispute_reason == "quality"
    assert understand("合同数量是1200套，实际到货1150套，少了50套。", DAY).dispute_reason == "quantity"
    assert understand("这笔货我们根本没收到！", DAY).dispute_reason == "not_delivered"


def test_no_dispute_said_is_no_dispute() -> None:
    assert understand("对账单金额无异议，已盖章回传。", DAY).intent == "statement_confirmed"


def test_several_promises_each_with_its_amount() -> None:
    u = understand("我司已安排于2026年11月30日前支付第一笔货款人民币50,000.00元，剩余款项人民币134,437.94元将于"
                   "2026年12月15日前付清。", DAY)
    assert [(p.day, p.amount) for p in u.promises] == [(date(2026, 11, 30), Decimal("50000.00")),
                                                       (date(2026, 12, 15), Decimal("134437.94"))]
    assert u.promised_date == date(2026, 11, 30) and u.currency == "CNY"


def test_traditional_chinese_and_dollars_written_out() -> None:
    u = understand("本公司已排定於12月10日電匯美金壹萬壹仟柒佰伍拾元整，敬請查收。", date(2026, 11, 24))
    assert u.intent == "promise_to_pay"
    assert u.promised_date == date(2026, 12, 10) and u.amount == Decimal("11750.00") and u.currency == "USD"


def test_a_vague_time_is_a_promise_without_a_date() -> None:
    u = understand("余款我们春节后一次性付清，现在实在没有资金了。", DAY)
    assert u.intent == "promise_to_pay"
    assert [p.as_json() for p in u.promises] == [{"date": None, "amount": None}]
    assert u.confidence < 0.8  # a clerk should look


def test_an_english_payment_with_its_bank_reference_and_yesterday() -> None:
    u = understand("We wired the payment of EUR 12,000 yesterday, reference SWIFT ABC123456.", DAY)
    assert (u.intent, u.amount, u.currency, u.paid_date, u.reference) == (
        "paid", Decimal("12000.00"), "EUR", date(2026, 11, 25), "ABC123456")


def test_the_payment_reference_is_taken() -> None:
    assert understand("已于今日付款，回单号：BOC-20261127-0083311。", DAY).reference == "BOC-20261127-0083311"
    assert understand("5万已于今天付款，交易流水号：0755 2026 1130 8812。", DAY).reference == "0755 2026 1130 8812"


def test_a_clear_reply_is_confident_and_a_mixed_one_is_not() -> None:
    assert understand("我司将于2026年12月4日支付5万元。", DAY).confidence >= 0.9
    assert understand("收到。", DAY).confidence < 0.8
    mixed = understand("对账单余额确认无误，但是资金紧张，发票也没收到。", DAY)
    assert mixed.confidence < 0.8


@pytest.mark.parametrize(("text", "amounts"), [
    ("人民币128,000.00元", [Decimal("128000.00")]),
    ("5万", [Decimal("50000.00")]),
    ("46.53万元", [Decimal("465300.00")]),
    ("一万四", [Decimal("14000.00")]),
    ("10万8", [Decimal("108000.00")]),
    ("2万7千9百6", [Decimal("27960.00")]),
    ("叁万贰仟陆佰元整", [Decimal("32600.00")]),
    ("两万三千块", [Decimal("23000.00")]),
    ("USD 86,400.00", [Decimal("86400.00")]),
    ("发票号 31002341，电话 0755-2671 8833，第三批，12件，2026年", []),
])
def test_amounts_in_free_text(text: str, amounts: list[Decimal]) -> None:
    assert [m.value for m in find_amounts(text)] == amounts


@pytest.mark.parametrize(("written", "value", "currency"), [
    ("12,345.60", "12345.60", None), ("¥12,345.60", "12345.60", "CNY"), ("RMB 12345.6", "12345.60", "CNY"),
    ("12345.60元", "12345.60", "CNY"), ("5万", "50000.00", None), ("1.2万元", "12000.00", "CNY"),
    ("USD 1,000", "1000.00", "USD"), ("HK$100", "100.00", "HKD"), ("100美元", "100.00", "USD"),
    ("５万", "50000.00", None),
])
def test_the_shared_amount_parser(written: str, value: str, currency: str | None) -> None:
    amount = parse_money_text(written)
    assert (amount.value, amount.currency) == (Decimal(value), currency)
    assert parse_money(written) == (Decimal(value), None)  # the importer reads the same


@pytest.mark.parametrize("written", ["abc", "0", "1.2345678万", "-5"])
def test_the_shared_amount_parser_says_why_not(written: str) -> None:
    with pytest.raises(AmountUnreadable) as caught:
        parse_money_text(written)
    assert caught.value.zh and caught.value.en
    assert parse_money(written) == (None, (caught.value.zh, caught.value.en))


def test_chinese_numbers() -> None:
    assert parse_chinese_number("壹佰叁拾陆万伍仟") == Decimal(1365000)
    assert parse_chinese_number("一万零五百") == Decimal(10500)
    assert parse_chinese_number("1亿2000万") == Decimal(120000000)
    assert parse_chinese_number("abc") is None


def test_the_shared_date_parser() -> None:
    assert parse_day("2025年6月30日") == date(2025, 6, 30) == parse_date("2025/6/30")[0]
    with pytest.raises(DateUnreadable):
        parse_day("2025-02-30")
    assert parse_date("2025-02-30") == (None, ("日期不存在", "no such calendar date"))
