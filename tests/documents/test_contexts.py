"""Contexts built from a small ledger: balances as of a date, the right invoices for each letter,
the statement's running balance, the repayment plan checks; and each context renders."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from tests.conftest import SYSTEM_ACTOR
from tests.documents.shipped import docx_text, render
from workflow.core import Core
from workflow.documents.catalogue import CATALOGUE
from workflow.documents.contexts import (
    GoodsLine,
    Guarantor,
    LawFirm,
    Lawyer,
    PlannedInstalment,
    PreviousLetter,
    TradeTerms,
    interest_request,
    interest_sheet_context,
    lawyer_letter_context,
    letter_context,
    repayment_agreement_context,
    sales_contract_context,
    statement_context,
)
from workflow.documents.variables import unknown_paths
from workflow.errors import NotFound, ValidationFailed
from workflow.law.interest import Basis, calculate
from workflow.law.rates import shipped_rate_table
from workflow.ledger.models import Allocation, Contact, Contract, CreditNote, CreditorEntity, Customer, Invoice, Payment
from workflow.ledger.validation import credit_code_check_char

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
AS_OF = date(2026, 11, 26)
D = Decimal


@contextmanager
def session(core: Core) -> Iterator[Session]:
    """A unit of work's session, committed at the end of the block as the entry points commit theirs."""
    with core.unit_of_work(SYSTEM_ACTOR) as uow:
        yield uow.session


def cc(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


class Ledger:
    creditor_id: int
    customer_id: int
    contract_id: int


def _invoice(s: Session, led: Ledger, number: str, issued: date, due: date, amount: str,
             currency: str = "CNY") -> Invoice:
    inv = Invoice(creditor_id=led.creditor_id, customer_id=led.customer_id, contract_id=led.contract_id,
                  number=number, issue_date=issued, due_date=due, amount=D(amount), currency=currency,
                  description="伺服电机支架", created_at=NOW)
    s.add(inv)
    s.flush()
    return inv


def _pay(s: Session, led: Ledger, ref: str, on: date, amount: str, invoice: Invoice | None = None) -> None:
    pay = Payment(creditor_id=led.creditor_id, customer_id=led.customer_id, received_on=on, amount=D(amount),
                  currency="CNY", payer_name="深圳市华星光电技术有限公司", bank_reference=ref,
                  unallocated_amount=D(0) if invoice else D(amount), created_at=NOW)
    s.add(pay)
    s.flush()
    if invoice is not None:
        s.add(Allocation(payment_id=pay.id, invoice_id=invoice.id, amount=D(amount), received_on=on))
        invoice.paid_amount += D(amount)


@pytest.fixture
def ledger(core: Core) -> Ledger:
    return seed(core)


def seed(core: Core) -> Ledger:
    """上海宝钢包装 sells to 深圳华星光电 under one contract with a 万分之五 daily penalty."""
    led = Ledger()
    with session(core) as s:
        creditor = CreditorEntity(
            code="SH-PACK", legal_name="上海宝钢包装股份有限公司",
            legal_name_en="Shanghai Baosteel Packaging Co., Ltd.", credit_code=cc("91310000132200821"),
            address="上海市宝山区罗东路1818号", bank_name="中国工商银行上海市宝山支行",
            bank_account="1001 2345 6789 0123 456", contact_name="李娜", phone="021-56781234",
            email="ar@bspack.example.cn", letterhead={"website": "www.bspack.example.cn"}, created_at=NOW)
        customer = Customer(code="C001", legal_name="深圳市华星光电技术有限公司", credit_code=cc("91440300682013573"),
                            registered_address="深圳市光明区塘明大道9-2号", kind="private_large", created_at=NOW)
        s.add_all([creditor, customer])
        s.flush()
        s.add_all([
            Contact(customer_id=customer.id, name="王强", role="purchasing", email="wang.qiang@csot.example.cn"),
            Contact(customer_id=customer.id, name="陈静", role="finance", email="chen.jing@csot.example.cn",
                    phone="0755-26581234", is_notice_address=True),
            Contact(customer_id=customer.id, name="李东生", role="legal_representative"),
        ])
        contract = Contract(
            creditor_id=creditor.id, customer_id=customer.id, number="BSP-2026-031", title="马口铁包装材料买卖合同",
            signed_on=date(2026, 1, 8), signed_place="上海市宝山区", currency="CNY", total=D("120000.00"),
            payment_terms={"kind": "days_after", "trigger": "delivery", "days": 60},
            penalty={"kind": "daily_rate", "rate": "0.0005", "cap": "20%"},
            dispute={"kind": "court", "place": "上海市宝山区", "basis": "plaintiff_domicile"},
            notice_addresses=[{"party": "customer", "email": "legal@csot.example.cn",
                               "address": "深圳市光明区塘明大道9-2号法务部"}],
            created_at=NOW)
        s.add(contract)
        s.flush()
        led.creditor_id, led.customer_id, led.contract_id = creditor.id, customer.id, contract.id
        a = _invoice(s, led, "BSP-INV-0101", date(2026, 6, 1), date(2026, 7, 31), "58000.00")
        b = _invoice(s, led, "BSP-INV-0102", date(2026, 7, 3), date(2026, 9, 1), "36450.50")
        _invoice(s, led, "BSP-INV-0103", date(2026, 9, 28), date(2026, 11, 27), "25549.50")  # due tomorrow
        _invoice(s, led, "BSP-INV-0104", date(2026, 8, 1), date(2026, 9, 30), "8000.00", currency="USD")
        _invoice(s, led, "BSP-INV-0099", date(2026, 3, 1), date(2026, 4, 30), "12000.00")  # paid in full
        late = _invoice(s, led, "BSP-INV-0098", date(2026, 2, 1), date(2026, 3, 31), "5000.00")
        _pay(s, led, "ICBC20260915001", date(2026, 9, 15), "20000.00", a)
        _pay(s, led, "ICBC20261130002", date(2026, 11, 30), "10000.00", b)  # after the letter's date
        paid = s.query(Invoice).filter_by(number="BSP-INV-0099").one()
        _pay(s, led, "ICBC20260428003", date(2026, 4, 28), "12000.00", paid)  # on time
        _pay(s, led, "ICBC20260420004", date(2026, 4, 20), "5000.00", late)  # 20 days late, in full
        s.add(CreditNote(creditor_id=led.creditor_id, customer_id=led.customer_id, invoice_id=b.id,
                         number="BSP-CN-007", issued_on=date(2026, 9, 20), amount=D("450.50"), currency="CNY",
                         reason="包装破损折让", created_at=NOW))
        b.credited_amount = D("450.50")
    return led


def _letter(core: Core, led: Ledger, kind: str = "dunning_letter_1", **kw: object) -> dict[str, object]:
    with session(core) as s:
        return letter_context(s, kind, creditor_id=led.creditor_id, customer_id=led.customer_id, as_of=AS_OF,
                              number="BSP催〔2026〕第0042号", **kw)  # type: ignore[arg-type]


def test_dunning_letter_lists_what_was_overdue_on_its_date(core: Core, ledger: Ledger) -> None:
    ctx = _letter(core, ledger)
    rows = {r["number"]: r for r in ctx["invoices"]}  # type: ignore[attr-defined]
    assert set(rows) == {"BSP-INV-0101", "BSP-INV-0102", "BSP-INV-0104"}  # not the paid one, not the one due tomorrow
    assert rows["BSP-INV-0101"]["paid"] == "20000.00" and rows["BSP-INV-0101"]["outstanding"] == "38000.00"
    # the 30 November payment is after the letter's date; the credit note is before it
    assert rows["BSP-INV-0102"]["paid"] == "450.50" and rows["BSP-INV-0102"]["outstanding"] == "36000.00"
    assert rows["BSP-INV-0101"]["days_overdue"] == 118
    assert ctx["totals"] == [  # never summed across currencies
        {"currency": "CNY", "amount": "94450.50", "paid": "20450.50", "outstanding": "74000.00"},
        {"currency": "USD", "amount": "8000.00", "paid": "0.00", "outstanding": "8000.00"}]
    letter = ctx["letter"]
    assert letter["deadline"] == "2026-12-06" and letter["max_days_overdue"] == 118  # type: ignore[index]
    assert ctx["customer"]["contact_name"] == "陈静"  # type: ignore[index]  # the agreed notice address
    assert ctx["customer"]["legal_representative"] == "李东生"  # type: ignore[index]
    assert ctx["penalty"] == {"kind": "daily_rate", "rate": "0.0005", "multiple": "", "cap": "0.2",
                              "cap_amount": "", "currency": "CNY"}
    assert ctx["dispute"]["court"] == "seller_domicile"  # type: ignore[index]
    assert ctx["contracts"] == [
        {"number": "BSP-2026-031", "title": "马口铁包装材料买卖合同", "signed_on": "2026-01-08"}]


FIRM = LawFirm("上海正衡律师事务所", "Shanghai Zhengheng Law Firm", "上海市静安区南京西路1266号",
               "1266 West Nanjing Road, Shanghai", "021-62889160", "office@zhengheng-law.cn")
LAWYER = Lawyer("张明远", "Zhang Mingyuan", "13101201810234567", "13916824473", "zhangmy@zhengheng-law.cn")
GOODS = [GoodsLine("马口铁罐体", "Φ73×110mm", "只", D("200000"), D("0.45")),
         GoodsLine("易拉盖", "Φ73", "只", D("200000"), D("0.15"))]
TERMS = TradeTerms(delivery_date=date(2026, 2, 28), delivery_place="深圳市光明区塘明大道9-2号",
                   quality_standard="GB/T 2520-2017")


def _all_contexts(core: Core, led: Ledger) -> dict[str, dict[str, object]]:
    ids = {"creditor_id": led.creditor_id, "customer_id": led.customer_id}
    out: dict[str, dict[str, object]] = {}
    with session(core) as s:
        for kind in ("payment_reminder", "dunning_letter_1", "dunning_letter_2", "dunning_letter_3"):
            out[kind] = letter_context(s, kind, as_of=AS_OF, number="BSP催〔2026〕第0042号",
                                       previous=PreviousLetter("BSP催〔2026〕第0031号", date(2026, 11, 6)), **ids)
        out["lawyer_letter"] = lawyer_letter_context(s, as_of=AS_OF, number="正衡律函〔2026〕第7号", law_firm=FIRM,
                                                     lawyer=LAWYER, **ids)
        out["statement"] = statement_context(s, period_from=date(2026, 6, 1), period_to=date(2026, 10, 31),
                                             number="BSP-DZ-2026-10", issued_on=date(2026, 11, 5), **ids)
        out["repayment_agreement"] = repayment_agreement_context(
            s, as_of=AS_OF, number="BSP-HK-2026-003",
            instalments=[PlannedInstalment(date(2026, 12, 15), D("49549.50")),
                         PlannedInstalment(date(2027, 1, 15), D("50000.00"))], **ids)
        req = interest_request(s, as_of=AS_OF, basis=Basis("lpr", markup=D("0.5")), **ids)
        out["interest_sheet"] = interest_sheet_context(s, result=calculate(req, shipped_rate_table()).as_json(),
                                                       prepared_on=AS_OF, **ids)
        out["sales_contract"] = sales_contract_context(s, contract_id=led.contract_id, goods=GOODS, terms=TERMS)
    return out


def test_contexts_provide_exactly_the_catalogue_and_render_in_both_languages(core: Core, ledger: Ledger) -> None:
    """A template may use any catalogued variable, so every context must provide each of them
    (printing a missing one is an error), and nothing the catalogue does not describe."""
    contexts = _all_contexts(core, ledger)
    assert sorted(contexts) == sorted(CATALOGUE)
    for kind, ctx in contexts.items():
        provided = _paths(ctx)
        variables = CATALOGUE[kind].variables
        assert not unknown_paths(provided, variables), kind
        empty_lists = {p[:-2] for p in provided if p.endswith("[]")}
        missing = [v for v in variables if v not in provided and v.split("[]")[0] not in empty_lists]
        assert not missing, (kind, missing)
        for lang in ("zh", "en"):
            text = docx_text(render(kind, lang, ctx))
            assert "上海宝钢包装股份有限公司" in text and "深圳市华星光电技术有限公司" in text, (kind, lang)


def _paths(value: object, prefix: str = "") -> set[str]:
    if isinstance(value, dict):
        out: set[str] = set()
        for key, item in value.items():
            out |= _paths(item, f"{prefix}.{key}" if prefix else key)
        return out
    if isinstance(value, list):
        return set().union(*(_paths(item, prefix + "[]") for item in value)) if value else {prefix + "[]"}
    return {prefix}


def test_balances_as_of_a_date_on_sqlite_and_postgresql(any_db: Core) -> None:
    led = seed(any_db)
    ctx = _letter(any_db, led)
    assert ctx["totals"][0] == {"currency": "CNY", "amount": "94450.50", "paid": "20450.50",  # type: ignore[index]
                                "outstanding": "74000.00"}
    with session(any_db) as s:
        st = statement_context(s, creditor_id=led.creditor_id, customer_id=led.customer_id,
                               period_from=date(2026, 6, 1), period_to=date(2026, 10, 31), number="BSP-DZ-2026-10",
                               issued_on=date(2026, 11, 5))["statement"]
    assert (st["opening_balance"], st["closing_balance"]) == ("0.00", "99549.50")


def test_reminder_lists_only_invoices_falling_due_soon(core: Core, ledger: Ledger) -> None:
    ctx = _letter(core, ledger, "payment_reminder")
    assert [r["number"] for r in ctx["invoices"]] == ["BSP-INV-0103"]  # type: ignore[attr-defined]
    assert ctx["invoices"][0]["days_to_due"] == 1  # type: ignore[index]


def test_letters_refuse_when_nothing_is_owed_or_input_is_wrong(core: Core, ledger: Ledger) -> None:
    with session(core) as s:
        with pytest.raises(ValidationFailed) as err:
            letter_context(s, "dunning_letter_1", creditor_id=ledger.creditor_id, customer_id=ledger.customer_id,
                           as_of=date(2026, 5, 1), number="X")
        assert err.value.problems[0].field == "customer_id"
        with pytest.raises(ValidationFailed) as err:
            letter_context(s, "dunning_letter_1", creditor_id=ledger.creditor_id, customer_id=ledger.customer_id,
                           as_of=AS_OF, number="X", days_to_pay=0)
        assert err.value.problems[0].field == "days_to_pay"
        with pytest.raises(NotFound):
            letter_context(s, "dunning_letter_1", creditor_id=ledger.creditor_id, customer_id=999, as_of=AS_OF,
                           number="X")


def test_second_letter_context_renders_with_the_shipped_template(core: Core, ledger: Ledger) -> None:
    ctx = _letter(core, ledger, "dunning_letter_2", previous=PreviousLetter("BSP催〔2026〕第0031号", date(2026, 11, 6)))
    text = docx_text(render("dunning_letter_2", "zh", ctx))
    assert "我司已于2026年11月6日以编号为BSP催〔2026〕第0031号的函件" in text
    assert "¥74,000.00（大写：柒万肆仟元整）及USD 8,000.00" in text
    assert "按逾期金额每日0.05%的标准支付逾期付款违约金（以逾期金额的20.00%为限）" in text


def test_lawyer_letter_needs_a_licensed_lawyer(core: Core, ledger: Ledger) -> None:
    firm = FIRM
    with session(core) as s:
        with pytest.raises(ValidationFailed) as err:
            lawyer_letter_context(s, creditor_id=ledger.creditor_id, customer_id=ledger.customer_id, as_of=AS_OF,
                                  number="正衡律函〔2026〕第7号", law_firm=firm,
                                  lawyer=Lawyer("张明远", "Zhang Mingyuan", " ", "13916824473", "z@zh.cn"))
        assert err.value.problems[0].field == "lawyer.licence_no"
        ctx = lawyer_letter_context(s, creditor_id=ledger.creditor_id, customer_id=ledger.customer_id, as_of=AS_OF,
                                    number="正衡律函〔2026〕第7号", law_firm=firm,
                                    lawyer=Lawyer("张明远", "Zhang Mingyuan", "13101201810234567", "13916824473",
                                                  "z@zh.cn"))
    assert ctx["letter"]["draft"] is True and ctx["letter"]["deadline"] == "2026-12-03"
    text = docx_text(render("lawyer_letter", "zh", ctx))
    assert "指派张明远律师" in text and "向上海宝钢包装股份有限公司" not in text
    assert "应付逾期付款违约金" not in text and "律师费" not in text  # not given: not printed empty
    assert "本函以EMS特快专递寄送至贵司地址" in text  # the default delivery, email and post
    with session(core) as s:
        ctx = lawyer_letter_context(s, creditor_id=ledger.creditor_id, customer_id=ledger.customer_id, as_of=AS_OF,
                                    number="正衡律函〔2026〕第7号", law_firm=firm, delivery="email",
                                    lawyer=Lawyer("张明远", "Zhang Mingyuan", "13101201810234567", "13916824473",
                                                  "z@zh.cn"), penalty_accrued=D("3127.40"), costs_agreed=True,
                                    lawyer_fee=D("8000"))
        with pytest.raises(ValidationFailed) as err:
            letter_context(s, "dunning_letter_1", creditor_id=ledger.creditor_id, customer_id=ledger.customer_id,
                           as_of=AS_OF, number="X", delivery="pigeon")
        assert err.value.problems[0].field == "delivery"
    assert ctx["claim"] == {"currency": "CNY", "penalty_accrued": "3127.40", "costs_agreed": True,
                            "lawyer_fee": "8000.00"}
    text = docx_text(render("lawyer_letter", "zh", ctx))
    assert "应付逾期付款违约金¥3,127.40" in text and "已支付律师费¥8,000.00" in text
    assert "EMS" not in text and "以电子邮件发送至贵司指定的电子邮箱" in text


def test_statement_runs_the_balance_from_opening_to_closing(core: Core, ledger: Ledger) -> None:
    with session(core) as s:
        ctx = statement_context(s, creditor_id=ledger.creditor_id, customer_id=ledger.customer_id,
                                period_from=date(2026, 6, 1), period_to=date(2026, 10, 31), number="BSP-DZ-2026-10",
                                issued_on=date(2026, 11, 5))
    st = ctx["statement"]
    # before June: invoice 0099 (12,000) paid by the April payment (12,000)
    assert st["opening_balance"] == "0.00"
    assert [(row["kind"], row["number"]) for row in ctx["lines"]] == [
        ("opening", ""), ("invoice", "BSP-INV-0101"), ("invoice", "BSP-INV-0102"), ("receipt", "ICBC20260915001"),
        ("credit_note", "BSP-CN-007"), ("invoice", "BSP-INV-0103")]  # in date order; USD and November left out
    assert st["total_invoiced"] == "120000.00" and st["total_received"] == "20000.00"
    assert st["total_credited"] == "450.50" and st["closing_balance"] == "99549.50"
    assert ctx["lines"][-1]["balance"] == "99549.50" and st["reply_by"] == "2026-11-20"
    text = docx_text(render("statement", "zh", ctx))
    assert "贵司确认截至2026年10月31日尚欠我司货款人民币玖万玖仟伍佰肆拾玖元伍角（小写：¥99,549.50）" in text
    assert ctx["contracts"] == [  # restated on the part the debtor seals
        {"number": "BSP-2026-031", "title": "马口铁包装材料买卖合同", "signed_on": "2026-01-08"}]
    assert "BSP-2026-031" in text.split("客户确认")[1]
    with session(core) as s, pytest.raises(ValidationFailed):
        statement_context(s, creditor_id=ledger.creditor_id, customer_id=ledger.customer_id,
                          period_from=date(2026, 6, 1), period_to=date(2026, 5, 31), number="X",
                          issued_on=date(2026, 6, 1))


def test_repayment_plan_must_add_up_to_the_acknowledged_debt(core: Core, ledger: Ledger) -> None:
    def plan(*amounts: str) -> list[PlannedInstalment]:
        return [PlannedInstalment(date(2026, 12 + i, 15) if i == 0 else date(2027, i, 15), D(a))
                for i, a in enumerate(amounts)]

    with session(core) as s:
        kw = {"creditor_id": ledger.creditor_id, "customer_id": ledger.customer_id, "as_of": AS_OF,
              "number": "BSP-HK-2026-003"}
        with pytest.raises(ValidationFailed) as err:
            repayment_agreement_context(s, instalments=plan("50000.00", "40000.00"), **kw)  # type: ignore[arg-type]
        assert err.value.problems[0].code == "does_not_add_up"
        with pytest.raises(ValidationFailed):
            repayment_agreement_context(s, instalments=[PlannedInstalment(AS_OF, D("99549.50"))],  # type: ignore[arg-type]
                                        **kw)
        ctx = repayment_agreement_context(s, instalments=plan("40000.00", "30000.00", "29549.50"),  # type: ignore[arg-type]
                                          waive_penalty_on_performance=True, **kw)
        with pytest.raises(ValidationFailed) as err:
            repayment_agreement_context(s, instalments=plan("99549.50"),  # type: ignore[arg-type]
                                        guarantor=Guarantor("李东生", "", "深圳市光明区"), **kw)
        assert err.value.problems[0].field == "guarantor.id_number"
        guaranteed = repayment_agreement_context(
            s, instalments=plan("99549.50"), notarize=True,  # type: ignore[arg-type]
            guarantor=Guarantor("李东生", "440306197501012719", "深圳市光明区塘明大道9-2号",
                                email="lids@csot.example.cn"),
            **kw)
    assert ctx["agreement"]["debt_amount"] == "99549.50"  # all open CNY invoices, the one not yet due too
    text = docx_text(render("repayment_agreement", "zh", ctx))
    assert "乙方尚欠甲方货款人民币玖万玖仟伍佰肆拾玖元伍角（小写：¥99,549.50）" in text
    assert "乙方应自应付款之日的次日起" in text and "甲方同意不再主张" in text
    assert ctx["guarantor"]["name"] == "" and "丙方" not in text and "保证人" not in text  # absent: left out
    assert "债权文书公证" not in text
    assert ctx["notices"]["customer"]["contact_name"] == "陈静"  # the agreed notice contact
    text = docx_text(render("repayment_agreement", "zh", guaranteed))
    assert "丙方（保证人）：李东生" in text and "连带责任保证" in text and "lids@csot.example.cn" in text
    assert "赋予强制执行效力的债权文书公证" in text and "各方签字或盖章之日起生效" in text


def test_interest_sheet_from_the_law_engine(core: Core, ledger: Ledger) -> None:
    with session(core) as s:
        req = interest_request(s, creditor_id=ledger.creditor_id, customer_id=ledger.customer_id, as_of=AS_OF,
                               basis=Basis("daily_rate", rate=D("0.0005")))
        result = calculate(req, shipped_rate_table()).as_json()
        ctx = interest_sheet_context(s, creditor_id=ledger.creditor_id, customer_id=ledger.customer_id,
                                     result=result, prepared_on=AS_OF)
    # 0098 was paid in full but 20 days late: the delay bears interest; 0099 was paid on time
    assert [i.id for i in req.invoices] == ["BSP-INV-0098", "BSP-INV-0101", "BSP-INV-0102"]
    late = next(i for i in ctx["invoices"] if i["number"] == "BSP-INV-0098")
    # 20 days × 0.05% × 5,000 = 50.00 of interest, paid first by the 5,000 (民法典 561), which leaves
    # 50.00 of principal; that bears 220 days × 0.05% × 50 = 5.50 up to 26 November
    assert {k: late[k] for k in ("number", "due_date", "principal", "interest", "total")} == {
        "number": "BSP-INV-0098", "due_date": "2026-03-31", "principal": "50.00", "interest": "5.50", "total": "55.50"}
    assert req.invoices[2].amount == D("36000.00")  # less the credit note
    first = [r for r in ctx["rows"] if r["invoice_number"] == "BSP-INV-0101"]
    assert first[0]["start"] == "2026-08-01" and first[0]["principal"] == "58000.00"
    sheet = ctx["sheet"]
    assert sum(D(r["interest"]) for r in ctx["rows"]) == D(sheet["interest_accrued"])
    # the September payment paid interest first (民法典 561), so less interest is still owed
    assert D(sheet["interest_paid"]) > 0
    assert D(sheet["total_interest"]) == D(sheet["interest_accrued"]) - D(sheet["interest_paid"])
    text = docx_text(render("interest_sheet", "zh", ctx))
    assert sheet["method_zh"] in text and "BSP-INV-0102" in text
    assert f"其中已由还款抵充利息¥{D(sheet['interest_paid']):,}" in text


def test_sales_contract_from_the_stored_clauses(core: Core, ledger: Ledger) -> None:
    goods = [GoodsLine("马口铁罐体", "Φ73×110mm", "只", D("200000"), D("0.45")),
             GoodsLine("易拉盖", "Φ73", "只", D("200000"), D("0.15"))]
    terms = TradeTerms(delivery_date=date(2026, 2, 28), delivery_place="深圳市光明区塘明大道9-2号",
                       quality_standard="GB/T 2520-2017")
    with session(core) as s:
        ctx = sales_contract_context(s, contract_id=ledger.contract_id, goods=goods, terms=terms)
        with pytest.raises(ValidationFailed) as err:
            sales_contract_context(s, contract_id=ledger.contract_id, goods=goods[:1], terms=terms)
        assert err.value.problems[0].code == "total_mismatch"
    assert ctx["notices"]["customer"]["email"] == "legal@csot.example.cn"
    text = docx_text(render("sales_contract", "zh", ctx))
    assert "合同总价款为人民币120000.00元（大写：壹拾贰万元整）" in text
    assert "向甲方住所地有管辖权的人民法院提起诉讼" in text
    assert "乙方应于每批货物交货之日（以乙方签收的送货单记载的日期为准）起60日内" in text
