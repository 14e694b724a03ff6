"""The letters to a debtor: the pre-due reminder, three dunning levels, and the lawyer's letter.

Firmness rises from level to level through what is said (the overdue days, the contract's
penalty, the lawful next steps), never through threats (docs/templates.md).
"""

from __future__ import annotations

from docbuilder import Doc
from parts import (
    addressee,
    amounts_phrase,
    contact_line,
    contracts_phrase,
    creditor_letterhead,
    delivery_line,
    invoice_table,
    issuer_seal,
    payee_account,
    penalty_basis,
    reference_line,
    return_slip,
    t,
)


def _date(doc: Doc, expr: str) -> str:
    return "{{ " + expr + ("|date_zh }}" if doc.lang == "zh" else "|date_en }}")


def _remedy_phrase(doc: Doc) -> str:
    """The agreed forum: the arbitration commission named in the contract, or the courts."""
    if doc.lang == "zh":
        return ("{% if dispute.kind == 'arbitration' %}向{{ dispute.commission }}申请仲裁"
                "{% else %}向有管辖权的人民法院提起诉讼{% endif %}")
    return ("{% if dispute.kind == 'arbitration' %}arbitration before the {{ dispute.commission_en }}"
            "{% else %}proceedings before the competent people's court{% endif %}")


def payment_reminder(lang: str) -> Doc:
    doc = Doc(lang, doc_title=("付款提醒函" if lang == "zh" else "Payment reminder"))
    creditor_letterhead(doc, t(doc, "付款提醒函　{{ letter.number }}", "Payment reminder  {{ letter.number }}"))
    doc.title(t(doc, "付款提醒函", "Payment Reminder"))
    reference_line(doc, "{{ letter.number }}", _date(doc, "letter.date"))
    addressee(doc)
    if lang == "zh":
        doc.body("感谢贵司一直以来对我司的信任与支持。根据双方签订的" + contracts_phrase(doc)
                 + "，以下发票即将到期，特此提前提醒：")
    else:
        doc.plain("Dear {{ customer.contact_name or 'Sir or Madam' }},")
        doc.body("Thank you for your continued business. Under " + contracts_phrase(doc)
                 + ", the following invoices fall due shortly:")
    invoice_table(doc, overdue=False)
    doc.body(t(doc, "上述款项合计" + amounts_phrase(doc) + "，请贵司于各发票到期日前安排付款至以下账户：",
               "These amount to " + amounts_phrase(doc)
               + ". Please arrange payment by each invoice's due date to this account:"))
    payee_account(doc)
    doc.body(t(doc,
               "如贵司已安排付款，请忽略本函，并将付款凭证发送至{{ creditor.email }}，以便我司及时核销。"
               "如尚未收到发票或对发票内容有任何疑问，请及时与我们联系，我们将立即处理。",
               "If payment is already arranged, please disregard this reminder and send the remittance advice "
               "to {{ creditor.email }} so that we can match it promptly. If an invoice has not reached you or "
               "raises any question, please tell us and we will deal with it at once."))
    contact_line(doc)
    delivery_line(doc)
    doc.plain(t(doc, "顺祝商祺！", "Yours faithfully,"), space_before=6)
    issuer_seal(doc, _date(doc, "letter.date"))
    return doc


def _dunning_common_top(doc: Doc, subtitle_zh: str, subtitle_en: str) -> None:
    creditor_letterhead(doc, t(doc, "催款函　{{ letter.number }}", "Payment demand  {{ letter.number }}"))
    doc.title(t(doc, "催 款 函", "Payment Demand"), t(doc, subtitle_zh, subtitle_en))
    reference_line(doc, "{{ letter.number }}", _date(doc, "letter.date"))
    addressee(doc)


def _previous_letter(doc: Doc) -> None:
    doc.tag("{%p if letter.previous_number %}")
    doc.body(t(doc,
               "我司已于" + _date(doc, "letter.previous_date") + "以编号为{{ letter.previous_number }}的函件"
               "向贵司催告付款，但截至本函发出之日，我司仍未收到下列款项。",
               "We wrote to you on " + _date(doc, "letter.previous_date") + " (Ref. {{ letter.previous_number }}) "
               "asking for payment; as of today the amounts below remain unpaid."))
    doc.tag("{%p endif %}")


def dunning_letter(lang: str, level: int) -> Doc:
    subtitles = {1: ("（逾期付款提醒）", "First reminder"), 2: ("（再次催告）", "Second reminder"),
                 3: ("（最后通知）", "Final notice")}
    doc = Doc(lang, doc_title=("催款函" if lang == "zh" else "Payment demand"))
    _dunning_common_top(doc, *subtitles[level])
    zh = lang == "zh"
    if not zh:
        doc.plain("Dear {{ customer.contact_name or 'Sir or Madam' }},")
    if level == 1:
        doc.body(t(doc,
                   "根据双方签订的" + contracts_phrase(doc) + "，我司已依约履行供货义务。截至"
                   + _date(doc, "letter.as_of") + "，以下发票已超过约定的付款期限，尚未结清：",
                   "We supplied the goods under " + contracts_phrase(doc) + ". As of "
                   + _date(doc, "letter.as_of") + " the following invoices are past their agreed due dates "
                   "and remain unpaid:"))
    else:
        _previous_letter(doc)
        doc.body(t(doc,
                   "根据双方签订的" + contracts_phrase(doc) + "，截至" + _date(doc, "letter.as_of")
                   + "，贵司逾期未付款项如下，其中最长已逾期{{ letter.max_days_overdue }}天：",
                   "Under " + contracts_phrase(doc) + ", as of " + _date(doc, "letter.as_of")
                   + " the following amounts are overdue, the oldest by {{ letter.max_days_overdue }} days:"))
    invoice_table(doc)
    # the total and the request share a paragraph: the 大写 never ends one (no lone '分）。' line)
    total = t(doc, "上述逾期未付款项合计" + amounts_phrase(doc) + "。",
              "The overdue amounts total " + amounts_phrase(doc) + ". ")
    if level == 1:
        doc.body(total + t(doc,
                           "我司理解贵司可能因内部付款流程等原因未能及时付款。恳请贵司于"
                           + _date(doc, "letter.deadline") + "前将上述款项支付至以下账户：",
                           "We understand that internal payment processes can cause delays. Please pay these "
                           "amounts by " + _date(doc, "letter.deadline") + " to this account:"))
    elif level == 2:
        doc.body(total + t(doc,
                           "现再次正式催告：请贵司于" + _date(doc, "letter.deadline")
                           + "前将上述款项全部支付至以下账户：",
                           "We now formally ask you again to pay these amounts in full by "
                           + _date(doc, "letter.deadline") + " to this account:"))
    else:
        doc.body(total + t(doc,
                           "特此最后通知：请贵司务必于" + _date(doc, "letter.deadline")
                           + "前将上述款项全部支付至以下账户：",
                           "This is our final notice: please pay these amounts in full by "
                           + _date(doc, "letter.deadline") + " to this account:"))
    payee_account(doc)
    if level >= 2:
        penalty_basis(doc)
        doc.body(t(doc, "我司保留依照合同约定及法律规定向贵司主张逾期付款违约金的权利。",
                   "We reserve our right to claim the late-payment penalty under the contract and the law."))
    if level == 3:
        doc.body(t(doc,
                   "如贵司届时仍未付清，我司将依照合同约定暂停向贵司供货，并将" + _remedy_phrase(doc)
                   + "，依法主张欠款本金、逾期付款违约金及合同约定的其他费用。",
                   "If the amounts are still unpaid by then, we will suspend further deliveries as the contract "
                   "allows and will bring " + _remedy_phrase(doc) + " to recover the principal, the late-payment "
                   "penalty and the other costs the contract provides for."))
        doc.body(t(doc,
                   "本函系对上述全部款项的付款请求。依照《中华人民共和国民法典》第一百九十五条，"
                   "诉讼时效自本函到达贵司之日起中断。",
                   "This letter is a demand for payment of all the amounts above; under Article 195 of the Civil "
                   "Code of the PRC it interrupts the limitation period from the day it reaches you."))
    doc.body(t(doc,
               "如贵司已付款，请将付款凭证（付款日期、金额、付款银行及银行回单）发送至{{ creditor.email }}，"
               "以便我司核对。如对上述款项有异议，请于" + _date(doc, "letter.deadline")
               + "前书面告知并提供依据，我司将及时核实处理。",
               "If you have already paid, please send the payment date, amount, paying bank and the bank's "
               "remittance slip to {{ creditor.email }} so that we can check our records. If you dispute any "
               "amount, please tell us in writing with your reasons by " + _date(doc, "letter.deadline") + "."))
    if level == 2:
        doc.body(t(doc, "如贵司确有付款困难，请于上述期限前与我司联系，协商还款安排。",
                   "If you have a genuine difficulty in paying, please contact us before that date to agree "
                   "a repayment plan."))
    if level == 1:
        doc.body(t(doc, "我司珍视与贵司的长期合作，感谢贵司的理解与支持。",
                   "We value our long relationship with you and thank you for your prompt attention."))
    contact_line(doc)
    delivery_line(doc)
    doc.plain(t(doc, "特此函告。", "Yours faithfully,"), space_before=6)
    issuer_seal(doc, _date(doc, "letter.date"))
    return_slip(doc)
    return doc


def lawyer_letter(lang: str) -> Doc:
    doc = Doc(lang, doc_title=("律师函" if lang == "zh" else "Lawyer's letter"))
    zh = lang == "zh"
    if zh:
        lines = [("{{ law_firm.name }}", 17.0, True), ("{{ law_firm.name_en }}", 9.0, False),
                 ("地址：{{ law_firm.address }}　电话：{{ law_firm.phone }}　邮箱：{{ law_firm.email }}", 8.5, False)]
        running, note = "{{ law_firm.name }}　律师函　{{ letter.number }}", "{{ law_firm.name }}"
    else:
        lines = [("{{ law_firm.name_en }}", 15.0, True), ("{{ law_firm.name }}", 10.0, False),
                 ("{{ law_firm.address_en }}  ·  Tel {{ law_firm.phone }}  ·  {{ law_firm.email }}", 8.5, False)]
        running, note = "{{ law_firm.name_en }}  Lawyer's letter  {{ letter.number }}", "{{ law_firm.name_en }}"
    doc.header_footer(letterhead=lines, running=running, footer_note=note)
    doc.tag("{%p if letter.draft %}")
    doc.plain(t(doc, "**【草稿：须经承办律师审核签署后方可发出】**",
                "**[DRAFT: to be approved and signed by the responsible lawyer before it is sent]**"),
              align="center", size=10)
    doc.tag("{%p endif %}")
    doc.title(t(doc, "律 师 函", "Lawyer's Letter"))
    reference_line(doc, "{{ letter.number }}", _date(doc, "letter.date"))
    addressee(doc)
    if zh:
        doc.body("{{ law_firm.name }}（以下简称“本所”）接受{{ creditor.name }}（以下简称“委托人”）的委托，"
                 "指派{{ lawyer.name }}律师，就贵司拖欠委托人货款一事，依法致函如下：")
    else:
        doc.plain("Dear {{ customer.contact_name or 'Sir or Madam' }},")
        doc.body("{{ law_firm.name_en }} (the “Firm”) acts for {{ creditor.name_en }} (our “Client”) and has "
                 "assigned {{ lawyer.name_en }} to write to you about the payment for goods you owe our Client.")
    doc.heading(t(doc, "一、基本事实", "1. The facts"))
    doc.body(t(doc,
               "委托人与贵司签订" + contracts_phrase(doc) + "，约定由委托人向贵司供应货物，贵司按约定期限支付货款。"
               "委托人已依约交付货物并开具发票。截至" + _date(doc, "letter.as_of")
               + "，下列发票项下款项已届付款期限，贵司仍未支付：",
               "Our Client and you signed " + contracts_phrase(doc) + " for the supply of goods to you, payable "
               "within the agreed terms. Our Client delivered the goods and issued its invoices. As of "
               + _date(doc, "letter.as_of") + " the following invoices are due and unpaid:"))
    invoice_table(doc)
    doc.body(t(doc, "上述未付货款合计" + amounts_phrase(doc) + "，贵司至今未予支付。",
               "The unpaid amounts total " + amounts_phrase(doc) + ", and you have not paid them."))
    doc.heading(t(doc, "二、法律依据", "2. The legal basis"))
    doc.body(t(doc,
               "依法成立的合同，对当事人具有法律约束力（《中华人民共和国民法典》第四百六十五条）。当事人应当按照约定"
               "全面履行自己的义务（第五百零九条）。买受人应当按照约定的数额和支付方式支付价款（第六百二十六条），"
               "并应当按照约定的时间支付价款（第六百二十八条）。当事人一方未支付价款的，对方可以请求其支付"
               "（第五百七十九条），并可以要求其承担继续履行、赔偿损失等违约责任（第五百七十七条）。",
               "A contract lawfully made binds its parties (Civil Code of the PRC, Article 465). Each party must "
               "perform its obligations in full as agreed (Article 509). A buyer must pay the price in the amount "
               "and manner agreed (Article 626) and at the time agreed (Article 628). Where a party fails to pay "
               "the price, the other party may demand payment (Article 579) and hold it liable for breach, "
               "including continued performance and compensation for losses (Article 577)."))
    penalty_basis(doc)
    doc.tag("{%p if claim and claim.penalty_accrued %}")
    doc.body(t(doc, "据此计算，截至" + _date(doc, "letter.as_of") + "，贵司应付逾期付款违约金"
                    "**{{ claim.penalty_accrued|money(claim.currency) }}**，并应继续计付至实际付清之日止。",
               "On that basis the late-payment penalty accrued as of " + _date(doc, "letter.as_of") + " is **"
               "{{ claim.penalty_accrued|money(claim.currency) }}**, and it continues to accrue until payment."))
    doc.tag("{%p endif %}")
    doc.tag("{%p if claim and claim.costs_agreed %}")
    doc.body(t(doc, "依照合同约定，委托人为实现债权而支出的律师费、诉讼费、保全费等费用由贵司承担"
                    "{% if claim.lawyer_fee %}；委托人为本事项已支付律师费"
                    "{{ claim.lawyer_fee|money(claim.currency) }}{% endif %}。",
               "Under the contract you bear the costs our Client incurs in recovering the debt, including lawyers' "
               "fees, court fees and preservation fees{% if claim.lawyer_fee %}; our Client has paid "
               "{{ claim.lawyer_fee|money(claim.currency) }} in lawyers' fees on this matter{% endif %}."))
    doc.tag("{%p endif %}")
    doc.heading(t(doc, "三、律师意见", "3. Our request"))
    doc.body(t(doc, "本所律师受托请贵司于" + _date(doc, "letter.deadline") + "前将上述款项支付至委托人以下账户：",
               "On our Client's instructions we ask you to pay these amounts by " + _date(doc, "letter.deadline")
               + " to our Client's account:"))
    payee_account(doc)
    doc.body(t(doc,
               "本函系受委托人委托，就上述全部款项向贵司提出的付款请求。依照《中华人民共和国民法典》第一百九十五条，"
               "委托人对上述款项的诉讼时效自本函到达贵司之日起中断。",
               "This letter is our Client's demand for payment of all the amounts above; under Article 195 of the "
               "Civil Code of the PRC the limitation period for them is interrupted on the day it reaches you."))
    doc.body(t(doc,
               "如贵司对上述欠款有异议，请于上述期限内与本所律师联系，并提供相应证据。如贵司逾期仍未付款，"
               "本所律师将建议委托人" + _remedy_phrase(doc) + "，依法主张欠款本金、逾期付款违约金等合法权益。",
               "If you dispute any amount, please contact us within that time with your evidence. If payment is "
               "not made, we will advise our Client to bring " + _remedy_phrase(doc) + " to recover the "
               "principal, the late-payment penalty and its other lawful claims."))
    doc.body(t(doc, "本函依委托人提供的材料出具。承办律师：{{ lawyer.name }}，电话：{{ lawyer.phone }}，"
                    "电子邮箱：{{ lawyer.email }}。",
               "This letter is based on the documents our Client has provided. Responsible lawyer: "
               "{{ lawyer.name_en }}, tel. {{ lawyer.phone }}, email {{ lawyer.email }}."))
    delivery_line(doc, who="本所")
    doc.plain(t(doc, "特此函告。", "Yours faithfully,"), space_before=6)
    if zh:
        doc.seal_block(["{{ law_firm.name }}（盖章）", "承办律师：{{ lawyer.name }}（签字）",
                        "执业证号：{{ lawyer.licence_no }}", _date(doc, "letter.date")])
    else:
        doc.seal_block(["{{ law_firm.name_en }} (seal)", "{{ lawyer.name_en }} (signature)",
                        "Practising licence No. {{ lawyer.licence_no }}", _date(doc, "letter.date")])
    return doc
