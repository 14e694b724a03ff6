"""买卖合同 with its clause library: every payment, penalty, dispute and notice clause exists in a
few vetted wordings, and the context field named after the clause picks one (docs/clause-linter.md).

payment.kind: days_after (payment.trigger: delivery | invoice_date | acceptance) | instalments
penalty.kind: daily_rate | annual_rate | lpr_multiple
dispute.kind: arbitration (dispute.commission, optional dispute.seat) | court, where dispute.court is
              seller_domicile | buyer_domicile | signing_place | performance_place | place (dispute.place)
notice.kind:  email_and_post | email_post_and_proceedings
"""

from __future__ import annotations

from docbuilder import Column, Doc
from letters import _date
from parts import party_signatures, payee_account, t


def _parties(doc: Doc) -> None:
    zh = doc.lang == "zh"
    doc.kv_table([
        (t(doc, "甲方（卖方）", "Seller"), "**{{ creditor.name }}**" if zh else "**{{ creditor.name_en }}**"
                                                                          " ({{ creditor.name }})"),
        (t(doc, "统一社会信用代码", "Credit code"), "{{ creditor.credit_code }}"),
        (t(doc, "住所", "Domicile"), "{{ creditor.address }}" if zh else "{{ creditor.address_en }}"),
        (t(doc, "法定代表人", "Legal representative"), "{{ creditor.legal_representative }}"),
        (t(doc, "乙方（买方）", "Buyer"), "**{{ customer.name }}**" if zh else
         "**{{ customer.name_en or customer.name }}**{% if customer.name_en %} ({{ customer.name }}){% endif %}"),
        (t(doc, "统一社会信用代码", "Credit code"), "{{ customer.credit_code }}"),
        (t(doc, "住所", "Domicile"), "{{ customer.address }}"),
        (t(doc, "法定代表人", "Legal representative"), "{{ customer.legal_representative }}"),
    ], widths=(38, 122) if zh else (48, 118))


def _goods(doc: Doc) -> None:
    cur = "|money(contract.currency) }}"
    doc.data_table([
        Column(t(doc, "序号", "No."), 10, "{{ loop.index }}", "center"),
        Column(t(doc, "品名", "Goods"), 35, "{{ g.name }}"),
        Column(t(doc, "规格型号", "Model"), 27, "{{ g.spec }}"),
        Column(t(doc, "单位", "Unit"), 12, "{{ g.unit }}", "center"),
        Column(t(doc, "数量", "Qty"), 18, "{{ g.quantity }}", "right"),
        Column(t(doc, "含税单价", "Unit price"), 27, "{{ g.unit_price" + cur, "right"),
        Column(t(doc, "金额", "Amount"), 31, "{{ g.amount" + cur, "right"),
    ], "g in goods", totals=[[(t(doc, "合计", "Total"), 6), ("{{ contract.total" + cur, 1)]])
    doc.body(t(doc,
               "合同总价款为**{% if contract.currency == 'CNY' %}人民币{{ contract.total }}元（大写"
               "：{{ contract.total|rmb_upper }}）"
               "{% else %}{{ contract.total" + cur + "{% endif %}**，含{{ contract.vat_rate|percent(0) }}增"
                                                     "值税及运至交货地点的"
               "运输、包装、保险费用。",
               "The contract price is **{{ contract.total" + cur + "**{% if contract.currency == 'CNY' %} "
               "(in Chinese capitals: {{ contract.total|rmb_upper }}){% endif %}, including VAT at "
               "{{ contract.vat_rate|percent(0) }} and carriage, packing and insurance to the place of delivery."))


def _payment(doc: Doc) -> None:
    doc.heading(t(doc, "第五条　付款", "Article 5  Payment"))
    doc.tag("{%p if payment.kind == 'instalments' %}")
    doc.body(t(doc, "乙方按下列计划分期支付货款，每期的付款日为该期的最迟付款日：",
               "The buyer shall pay the price in instalments, each by its date below:"))
    cur = "|money(contract.currency) }}"
    doc.data_table([
        Column(t(doc, "期数", "Instalment"), 30, t(doc, "第{{ i.number }}期", "{{ i.number }}"), "center"),
        Column(t(doc, "最迟付款日", "Pay by"), 60, _date(doc, "i.due_date"), "center"),
        Column(t(doc, "金额", "Amount"), 70, "{{ i.amount" + cur, "right"),
    ], "i in instalments")
    doc.tag("{%p elif payment.trigger == 'invoice_date' %}")
    doc.body(t(doc, "甲方应于每批货物交付后开具合法有效的增值税专用发票。乙方应于发票开具之日起{{ payment.days }}日内"
                    "支付该发票所列全部货款。",
               "The seller shall issue a valid special VAT invoice after each delivery. The buyer shall pay the "
               "full amount of each invoice within {{ payment.days }} days of its issue date."))
    doc.tag("{%p elif payment.trigger == 'acceptance' %}")
    doc.body(t(doc, "乙方应于验收合格之日起{{ payment.days }}日内支付该批货物的全部货款。乙方未在第四条约定的验收期限内"
                    "书面提出异议的，视为于验收期限届满之日验收合格。",
               "The buyer shall pay for each delivery within {{ payment.days }} days of its acceptance. If the "
               "buyer raises no written objection within the inspection period of Article 4, the goods are "
               "accepted on the last day of that period."))
    doc.tag("{%p else %}")
    doc.body(t(doc, "乙方应于每批货物交货之日（以乙方签收的送货单记载的日期为准）起{{ payment.days }}日内支付该批货物的"
                    "全部货款。",
               "The buyer shall pay for each delivery within {{ payment.days }} days of the delivery date shown "
               "on the delivery note the buyer signs."))
    doc.tag("{%p endif %}")
    doc.body(t(doc, "乙方以银行转账方式将货款支付至甲方下列账户，付款日以甲方账户实际到账日为准：",
               "The buyer shall pay by bank transfer to the seller's account below; payment is made when the "
               "funds reach that account:"))
    payee_account(doc)


def _penalty(doc: Doc) -> None:
    doc.heading(t(doc, "第六条　逾期付款责任", "Article 6  Late payment"))
    amount = "{{ penalty.cap_amount|money(contract.currency) }}"
    cap_zh = ("{% if penalty.cap %}，违约金总额以逾期付款金额的{{ penalty.cap|percent }}为限"
              "{% elif penalty.cap_amount %}，违约金总额以" + amount + "为限{% endif %}")
    cap_en = ("{% if penalty.cap %}, up to {{ penalty.cap|percent }} of the overdue amount in all"
              "{% elif penalty.cap_amount %}, up to " + amount + " in all{% endif %}")
    doc.tag("{%p if penalty.kind == 'lpr_multiple' %}")
    doc.body(t(doc, "乙方逾期付款的，应自应付款之日的次日起至实际付清之日止，以逾期付款金额为基数，按付款到"
                    "期时全国银行间"
                    "同业拆借中心公布的一年期贷款市场报价利率（LPR）的{{ penalty.multiple }}倍向甲方支付违"
                    "约金" + cap_zh + "。",
               "If the buyer pays late, it shall pay the seller a penalty on the overdue amount at "
               "{{ penalty.multiple }} times the one-year Loan Prime Rate (LPR) published by the National "
               "Interbank Funding Center on the due date, from the day after the due date until paid" + cap_en + "."))
    doc.tag("{%p elif penalty.kind == 'annual_rate' %}")
    doc.body(t(doc, "乙方逾期付款的，应自应付款之日的次日起至实际付清之日止，按逾期付款金额年利"
                    "率{{ penalty.rate|percent }}"
                    "向甲方支付违约金" + cap_zh + "。",
               "If the buyer pays late, it shall pay the seller a penalty at {{ penalty.rate|percent }} a year "
               "on the overdue amount, from the day after the due date until paid" + cap_en + "."))
    doc.tag("{%p else %}")
    doc.body(t(doc, "乙方逾期付款的，每逾期一日，应按逾期付款金额的{{ penalty.rate|percent }}向甲方支付违约金，"
                    "自应付款之日的次日起计算至实际付清之日止" + cap_zh + "。",
               "If the buyer pays late, it shall pay the seller a penalty of {{ penalty.rate|percent }} of the "
               "overdue amount for each day of delay, from the day after the due date until paid" + cap_en + "."))
    doc.tag("{%p endif %}")
    doc.body(t(doc, "乙方逾期付款超过{{ contract.suspend_after_days }}日的，甲方有权暂停后续交货，直至乙方"
                    "付清到期款项。"
                    "甲方为实现债权而支出的律师费、诉讼费、保全费等合理费用，由乙方承担。",
               "If any payment is more than {{ contract.suspend_after_days }} days late, the seller may suspend "
               "further deliveries until the amounts due are paid. The buyer shall bear the reasonable costs "
               "of recovery, including lawyers' fees, court fees and preservation fees."))


def _dispute(doc: Doc) -> None:
    doc.heading(t(doc, "第七条　争议解决", "Article 7  Disputes"))
    doc.tag("{%p if dispute.kind == 'arbitration' %}")
    doc.body(t(doc, "因本合同引起的或与本合同有关的任何争议，均提交{{ dispute.commission }}，按照申请仲裁时"
                    "该会现行有效的"
                    "仲裁规则进行仲裁{% if dispute.seat %}，仲裁地为{{ dispute.seat }}{% endif %}。仲裁裁决是终局的，"
                    "对双方均有约束力。",
               "Any dispute arising from or in connection with this contract shall be submitted to the "
               "{{ dispute.commission_en }} for arbitration under its rules in force when the application is "
               "made{% if dispute.seat_en %}, with the seat of arbitration at {{ dispute.seat_en }}{% endif %}. "
               "The award is final and binding on both parties."))
    court = [
        ("seller_domicile", "甲方住所地", "the seller's domicile"),
        ("buyer_domicile", "乙方住所地", "the buyer's domicile"),
        ("signing_place", "合同签订地（{{ contract.signed_place }}）",
         "the place where this contract is signed ({{ contract.signed_place_en }})"),
        ("performance_place", "合同履行地（{{ dispute.place }}）",
         "the place of performance ({{ dispute.place_en }})"),
    ]
    for key, zh, en in court:
        doc.tag("{%p elif dispute.court == '" + key + "' %}")
        _court_clause(doc, zh, en)
    doc.tag("{%p else %}")
    _court_clause(doc, "{{ dispute.place }}", "{{ dispute.place_en }}")
    doc.tag("{%p endif %}")


def _court_clause(doc: Doc, place_zh: str, place_en: str) -> None:
    """Always "有管辖权的人民法院" at a place (民事诉讼法 35), never a named court or level."""
    doc.body(t(doc, "因本合同引起的争议，双方应友好协商解决；协商不成的，任何一方均可向" + place_zh
               + "有管辖权的人民法院提起诉讼。",
               "Any dispute under this contract that the parties cannot settle amicably may be brought by "
               "either party before the competent people's court at " + place_en + "."))


def _notice(doc: Doc) -> None:
    doc.heading(t(doc, "第八条　通知与送达", "Article 8  Notices and service"))
    doc.body(t(doc, "双方确认下列地址为本合同项下通知及文件的送达地址。一方向对方下列电子邮箱发送的电子邮件"
                    "，进入对方电子"
                    "邮箱系统之时视为送达；以邮寄方式送达的，以对方签收之日或邮件被退回之日视为送达。任何一方变更送达地址的，"
                    "应提前三日书面通知对方，否则原地址仍为有效送达地址。",
               "The parties agree the addresses below for notices and documents under this contract. An email "
               "sent to the other party's address below is served when it enters that party's mail system; a "
               "letter is served when signed for or when returned undelivered. A party that changes its address "
               "shall notify the other in writing three days in advance, failing which the old address remains "
               "valid for service."))
    doc.tag("{%p if notice.kind == 'email_post_and_proceedings' %}")
    doc.body(t(doc, "上述送达地址同时适用于争议发生后仲裁及诉讼程序（包括一审、二审、再审和执行程序）中法律"
                    "文书的送达。",
               "These addresses also apply to the service of documents in any arbitration or court proceedings "
               "about a dispute, including first instance, appeal, retrial and enforcement."))
    doc.tag("{%p endif %}")
    doc.grid([
        [t(doc, "当事人", "Party"), t(doc, "联系人", "Contact"), t(doc, "通讯地址", "Address"),
         t(doc, "电话", "Phone"), t(doc, "电子邮箱", "Email")],
        [t(doc, "甲方", "Seller"), "{{ notices.creditor.contact_name }}", "{{ notices.creditor.address }}",
         "{{ notices.creditor.phone }}", "{{ notices.creditor.email }}"],
        [t(doc, "乙方", "Buyer"), "{{ notices.customer.contact_name }}", "{{ notices.customer.address }}",
         "{{ notices.customer.phone }}", "{{ notices.customer.email }}"],
    ], [14, 16, 52, 26, 58] if doc.lang == "zh" else [15, 21, 50, 27, 53])


def sales_contract(lang: str) -> Doc:
    doc = Doc(lang, body_size=11, doc_title=("买卖合同" if lang == "zh" else "Sales contract"))
    doc.header_footer(letterhead=None, running=t(doc, "买卖合同　合同编号：{{ contract.number }}",
                                                 "Sales contract  No. {{ contract.number }}"),
                      footer_note=t(doc, "甲方（盖章）：　　　　　乙方（盖章）：", "Seller's seal:         "
                                                                "   Buyer's seal:"))
    doc.title(t(doc, "买 卖 合 同", "Sales Contract"),
              t(doc, "合同编号：{{ contract.number }}", "Contract No. {{ contract.number }}"))
    _parties(doc)
    doc.plain(t(doc, "签订地点：{{ contract.signed_place }}　　签订日期：" + _date(doc, "contract.signed_on"),
                "Signed at {{ contract.signed_place_en }} on " + _date(doc, "contract.signed_on")), size=10.5)
    doc.body(t(doc, "根据《中华人民共和国民法典》及相关法律法规，甲乙双方在平等、自愿、公平、诚信的基础上，就乙方向甲方"
                    "购买货物事宜达成如下条款，共同遵守。",
               "Under the Civil Code of the People's Republic of China, the parties agree on equal, voluntary and "
               "fair terms as follows for the buyer's purchase of goods from the seller."))
    doc.heading(t(doc, "第一条　标的物、数量及价款", "Article 1  Goods, quantity and price"))
    _goods(doc)
    doc.heading(t(doc, "第二条　质量标准", "Article 2  Quality"))
    doc.body(t(doc, "货物质量应符合{{ contract.quality_standard }}。甲方对货物提供自交货之日"
                    "起{{ contract.warranty_months }}"
                    "个月的质量保证。",
               "The goods shall conform to {{ contract.quality_standard_en }}. The seller warrants the goods for "
               "{{ contract.warranty_months }} months from delivery."))
    doc.heading(t(doc, "第三条　交货", "Article 3  Delivery"))
    doc.body(t(doc, "甲方应于" + _date(doc, "contract.delivery_date") + "前将货物运至{{ contract.delivery_place }}。"
                    "乙方收货时应在送货单上签字或盖章，送货单记载的签收日期为交货日期。",
               "The seller shall deliver the goods to {{ contract.delivery_place_en }} by "
               + _date(doc, "contract.delivery_date") + ". The buyer shall sign or seal the delivery note on "
               "receipt; the date on the signed delivery note is the delivery date."))
    doc.heading(t(doc, "第四条　验收", "Article 4  Inspection"))
    doc.body(t(doc, "乙方应于交货之日起{{ contract.acceptance_days }}日内按本合同约定的质量标准进行验收，并将验收结果"
                    "书面通知甲方；逾期未书面提出异议的，视为货物数量和质量符合约定。",
               "The buyer shall inspect the goods against the agreed quality within {{ contract.acceptance_days }} "
               "days of delivery and tell the seller the result in writing; if it raises no written objection "
               "within that time, the goods are deemed to conform in quantity and quality."))
    _payment(doc)
    _penalty(doc)
    _dispute(doc)
    _notice(doc)
    doc.heading(t(doc, "第九条　其他", "Article 9  Miscellaneous"))
    doc.body(t(doc, "本合同自双方签字或盖章之日起生效。本合同一式两份，双方各执一份，具有同等法律效力。本合同未尽事宜，"
                    "双方可另行签订书面补充协议，补充协议与本合同具有同等法律效力。",
               "This contract takes effect when both parties have signed or sealed it, and is made in two "
               "counterparts, one "
               "for each party, of equal force. The parties may supplement it by written agreement, which has "
               "the same force as this contract."))
    doc.spacer(10)
    party_signatures(doc, "Seller", "Buyer")
    return doc
