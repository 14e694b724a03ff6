"""The documents that record a balance: the 对账单, the 还款协议 and the 利息计算表."""

from __future__ import annotations

from docbuilder import Column, Doc
from letters import _date
from parts import contracts_phrase, creditor_letterhead, party_signatures, payee_account, penalty_basis, t

# the confirmed balance: 大写 first, then the figure with separators, as on a cheque, so that the
# sentence ends in a figure and never leaves '分）。' alone on the last line
_CLOSING_ZH = ("{% if statement.currency == 'CNY' %}人民币{{ statement.closing_balance|rmb_upper }}"
               "（小写：{{ statement.closing_balance|money(statement.currency) }}）"
               "{% else %}{{ statement.closing_balance|money(statement.currency) }}{% endif %}")
_CLOSING_EN = ("{{ statement.closing_balance|money(statement.currency) }}{% if statement.currency == 'CNY' %} "
               "(in Chinese capitals: {{ statement.closing_balance|rmb_upper }}){% endif %}")


def statement(lang: str) -> Doc:
    """对账单. It says nothing about the contract penalty: a signed statement that states principal
    only keeps the penalty claim alive (买卖合同解释 18¶3)."""
    doc = Doc(lang, body_size=11, doc_title=("对账单" if lang == "zh" else "Statement of account"))
    zh = lang == "zh"
    creditor_letterhead(doc, t(doc, "{{ customer.name }}对账单　{{ statement.number }}",
                               "Statement of account  {{ statement.number }}"))
    doc.title(t(doc, "往来对账单", "Statement of Account"),
              t(doc, "对账期间：" + _date(doc, "statement.period_from") + " 至 " + _date(doc, "statement.period_to"),
                "Period: " + _date(doc, "statement.period_from") + " to " + _date(doc, "statement.period_to")))
    doc.kv_table([
        (t(doc, "客户名称", "Customer"), "{{ customer.name }}" if zh else
         "{{ customer.name_en or customer.name }}{% if customer.name_en %} ({{ customer.name }}){% endif %}"),
        (t(doc, "统一社会信用代码", "Credit code"), "{{ customer.credit_code }}"),
        (t(doc, "对账单编号", "Statement No."), "{{ statement.number }}"),
        (t(doc, "币种", "Currency"), "{{ statement.currency }}"),
    ], widths=(36, 124))
    doc.plain(t(doc, "{{ customer.name }}：", "Dear {{ customer.contact_name or 'Sir or Madam' }},"), space_after=0)
    doc.body(t(doc, "为加强往来款项管理，现将双方在上述期间{% if contracts %}基于" + contracts_phrase(doc)
               + "{% endif %}的往来明细列示如下，请贵司核对。",
               "Below are the movements on your account with us in the period above{% if contracts %} under "
               + contracts_phrase(doc) + "{% endif %}. Please check them against your records."))
    doc.heading(t(doc, "一、余额汇总", "1. Summary"))
    money = "|money(statement.currency) }}"
    doc.grid([
        [t(doc, "期初余额", "Opening balance"), t(doc, "本期应收", "Invoiced"), t(doc, "本期收款", "Received"),
         t(doc, "本期冲减", "Credit notes"), t(doc, "期末余额", "Closing balance")],
        ["{{ statement.opening_balance" + money, "{{ statement.total_invoiced" + money,
         "{{ statement.total_received" + money, "{{ statement.total_credited" + money,
         "**{{ statement.closing_balance" + money + "**"],
    ], [32, 32, 32, 32, 32], aligns=["right"] * 5)
    doc.heading(t(doc, "二、往来明细", "2. Movements"))
    kind = t(doc, "{% if l.kind == 'opening' %}期初{% elif l.kind == 'invoice' %}发票{% elif l.kind == 'receipt' %}收款"
                  "{% elif l.kind == 'credit_note' %}冲减{% else %}{{ l.kind }}{% endif %}",
             "{% if l.kind == 'opening' %}Opening{% elif l.kind == 'invoice' %}Invoic"
             "e{% elif l.kind == 'receipt' %}Payment"
             "{% elif l.kind == 'credit_note' %}Credit note{% else %}{{ l.kind }}{% endif %}")
    # millimetres of the 166 mm line (zh at 9 pt, en at 8 pt): the date, a 20-digit 数电票 number, "Credit
    # note" and "¥12,345,678.90" in bold each fit on one line with a little to spare, and the rest goes
    # to the description (zh 9, en 13 Chinese characters) so that a row stays one line high
    w = (18, 10, 34, 33, 23.5, 23.5, 24) if zh else (16, 15, 31, 41, 21, 21, 21)
    columns = [
        Column(t(doc, "日期", "Date"), w[0], "{{ l.date }}", "center"),
        Column(t(doc, "类型", "Type"), w[1], kind, "center"),
        Column(t(doc, "单据号码", "Document"), w[2], "{{ l.number }}"),
        Column(t(doc, "摘要", "Details"), w[3], "{{ l.description }}"),
        Column(t(doc, "应收增加", "Debit"), w[4], "{% if l.increase %}{{ l.increase" + money + "{% endif %}", "right"),
        Column(t(doc, "应收减少", "Credit"), w[5], "{% if l.decrease %}{{ l.decrease" + money + "{% endif %}",
               "right"),
        Column(t(doc, "余额", "Balance"), w[6], "{{ l.balance" + money, "right"),
    ]
    doc.data_table(columns, "l in lines", totals=[
        [(t(doc, "本期合计", "Totals for the period"), 4), ("{{ statement.total_invoiced" + money, 1),
         ("{{ statement.total_received_and_credited" + money, 1), ("{{ statement.closing_balance" + money, 1)],
    ], style="Small Print")
    doc.plain(t(doc, "注：应收减少含收款及红字冲减（折让、退货）。",
                "Note: credits are payments received and credit notes (allowances, returns)."), size=9)
    doc.heading(t(doc, "三、请予确认", "3. Please confirm"))
    if zh:
        doc.body("贵司确认截至" + _date(doc, "statement.period_to") + "尚欠我司货款" + _CLOSING_ZH + "。")
        doc.body("如核对无误，请于" + _date(doc, "statement.reply_by") + "前在下方“核对无误”处加盖公章，并将原件寄回"
                 "我司（{{ creditor.address }}，收件人：{{ creditor.contact_name }}）；扫描件可先发送至"
                 "{{ creditor.email }}，原件仍请寄回。如有不符，请列明差异并附相关凭证。本对账单仅为核对往来账目之用，"
                 "不变更双方合同的其他约定。")
    else:
        doc.body("You confirm that, as of " + _date(doc, "statement.period_to") + ", you owe us for goods "
                 + _CLOSING_EN + ".")
        doc.body("If the statement agrees with your records, please seal the confirmation below and post the "
                 "original back to us by " + _date(doc, "statement.reply_by") + " ({{ creditor.address_en }}, "
                 "attn. {{ creditor.contact_name }}); you may email a scan to {{ creditor.email }} first, but the "
                 "original is still needed. If not, please list the differences with your documents. This "
                 "statement reconciles the account only and changes no other term of our contracts.")
    doc.seal_block(["{{ creditor.name }}" if zh else "{{ creditor.name_en }}",
                    t(doc, "（盖章）", "(company seal)"), _date(doc, "statement.date")], space_before=6)
    doc.plain(t(doc, "经办人：{{ creditor.contact_name }}　电话：{{ creditor.phone }}",
                "Prepared by {{ creditor.contact_name }}, tel. {{ creditor.phone }}"), align="right", size=9)
    doc.spacer(6)
    if zh:
        doc.boxed([
            ("head", "客户确认"),
            ("text", "致：{{ creditor.name }}"),
            ("text", "□ 核对无误。我司确认，对账期间" + _date(doc, "statement.period_from") + "至"
                     + _date(doc, "statement.period_to") + "{% if contracts %}，基于" + contracts_phrase(doc)
                     + "{% endif %}，截至" + _date(doc, "statement.period_to") + "我司尚欠贵司货款"
                     + _CLOSING_ZH + "。"),
            ("text", "□ 核对不符，差异如下（请附凭证）："),
            ("text", "________________________________________________________________"),
            ("text", "________________________________________________________________"),
            ("right", "{{ customer.name }}（盖章）"),
            ("right", "经办人：____________　　日期：______年____月____日"),
            ("small", "请加盖公章后将本对账单原件寄回{{ creditor.name }}（{{ creditor.address }}）。"),
        ])
    else:
        doc.boxed([
            ("head", "CUSTOMER'S CONFIRMATION"),
            ("text", "To: {{ creditor.name_en }}"),
            ("text", "□ Agreed. For the period " + _date(doc, "statement.period_from") + " to "
                     + _date(doc, "statement.period_to") + "{% if contracts %}, under " + contracts_phrase(doc)
                     + "{% endif %}, we confirm that as of " + _date(doc, "statement.period_to") + " we owe you "
                     + _CLOSING_EN + "."),
            ("text", "□ Not agreed. The differences are (documents attached):"),
            ("text", "________________________________________________________________"),
            ("text", "________________________________________________________________"),
            ("right", "{{ customer.name_en or customer.name }} (company seal)"),
            ("right", "Signed by: ______________   Date: ______________"),
            ("small", "Please seal this statement and post the original back to {{ creditor.name_en }}, "
                      "{{ creditor.address_en }}."),
        ])
    return doc


# a typed context may leave the guarantor out altogether: test the object before its name
_IF_G = "{% if guarantor and guarantor.name %}"


def repayment_agreement(lang: str) -> Doc:
    doc = Doc(lang, body_size=11.5, doc_title=("还款协议" if lang == "zh" else "Repayment agreement"))
    zh = lang == "zh"
    doc.header_footer(letterhead=None, running=t(doc, "还款协议　{{ agreement.number }}",
                                                 "Repayment agreement  {{ agreement.number }}"))
    doc.title(t(doc, "还 款 协 议", "Repayment Agreement"),
              t(doc, "协议编号：{{ agreement.number }}", "Agreement No. {{ agreement.number }}"))
    doc.kv_table([
        (t(doc, "甲方（债权人）", "Creditor"), "{{ creditor.name }}" if zh else "{{ creditor.name_en }} "
                                                                         "({{ creditor.name }})"),
        (t(doc, "统一社会信用代码", "Credit code"), "{{ creditor.credit_code }}"),
        (t(doc, "住所", "Address"), "{{ creditor.address }}" if zh else "{{ creditor.address_en }}"),
        (t(doc, "乙方（债务人）", "Debtor"), "{{ customer.name }}" if zh else
         "{{ customer.name_en or customer.name }}{% if customer.name_en %} ({{ customer.name }}){% endif %}"),
        (t(doc, "统一社会信用代码", "Credit code"), "{{ customer.credit_code }}"),
        (t(doc, "住所", "Address"), "{{ customer.address }}"),
    ], widths=(38, 122))
    doc.tag("{%p if guarantor and guarantor.name %}")
    doc.plain(t(doc, "丙方（保证人）：{{ guarantor.name }}　证件号码：{{ guarantor.id_number }}"
                     "　住所：{{ guarantor.address }}",
                "Guarantor: {{ guarantor.name }}, ID / credit code {{ guarantor.id_number }}, of "
                "{{ guarantor.address }}"), size=10.5)
    doc.tag("{%p endif %}")
    doc.body(t(doc, _IF_G + "各方{% else %}甲乙双方{% endif %}基于" + contracts_phrase(doc)
               + "项下的货款结算事宜，经友好协商，达成如下协议：",
               "As to the payment for goods under " + contracts_phrase(doc) + ", the parties agree as follows:"))
    doc.heading(t(doc, "第一条　欠款确认", "Article 1  Acknowledgment of the debt"))
    debt_zh = ("{% if agreement.currency == 'CNY' %}人民币{{ agreement.debt_amount|rmb_upper }}"
               "（小写：{{ agreement.debt_amount|money(agreement.currency) }}）"
               "{% else %}{{ agreement.debt_amount|money(agreement.currency) }}{% endif %}")
    debt_en = ("{{ agreement.debt_amount|money(agreement.currency) }}{% if agreement.currency == 'CNY' %} "
               "(in Chinese capitals: {{ agreement.debt_amount|rmb_upper }}){% endif %}")
    doc.body(t(doc, "乙方确认，截至" + _date(doc, "agreement.acknowledged_on") + "，乙方尚欠甲方货款**" + debt_zh
               + "**，明细如下：",
               "The debtor acknowledges that, as of " + _date(doc, "agreement.acknowledged_on")
               + ", it owes the creditor **" + debt_en + "** for goods, made up as follows:"))
    d = "date_zh" if zh else "date_en"
    doc.data_table([
        Column(t(doc, "序号", "No."), 9, "{{ loop.index }}", "center"),
        Column(t(doc, "发票号码", "Invoice"), 33, "{{ inv.number }}"),
        Column(t(doc, "开票日期", "Issued"), 20, "{{ inv.issue_date }}", "center"),
        Column(t(doc, "到期日", "Due"), 20, "{{ inv.due_date }}", "center"),
        Column(t(doc, "发票金额", "Amount"), 28, "{{ inv.amount|money(inv.currency) }}", "right"),
        Column(t(doc, "已付/冲减", "Paid/credited"), 28, "{{ inv.paid|money(inv.currency) }}", "right"),
        Column(t(doc, "未付金额", "Outstanding"), 28, "{{ inv.outstanding|money(inv.currency) }}", "right"),
    ], "inv in invoices", totals=[[(t(doc, "合计", "Total"), 6),
                                   ("{{ agreement.debt_amount|money(agreement.currency) }}", 1)]],
        style="Small Print")
    doc.body(t(doc, "乙方对上述欠款的事实及金额无异议。本协议构成乙方对上述债务的确认。",
               "The debtor does not dispute these facts or amounts. This agreement is the debtor's "
               "acknowledgment of the debt."))
    doc.heading(t(doc, "第二条　还款计划", "Article 2  Repayment schedule"))
    doc.body(t(doc, "乙方应按下列计划将款项支付至甲方指定账户：",
               "The debtor shall pay into the creditor's account as follows:"))
    doc.data_table([
        Column(t(doc, "期数", "Instalment"), 24, t(doc, "第{{ i.number }}期", "{{ i.number }}"), "center"),
        Column(t(doc, "最迟付款日", "Pay by"), 56, "{{ i.due_date|" + d + " }}", "center"),
        Column(t(doc, "金额", "Amount"), 80, "{{ i.amount|money(agreement.currency) }}", "right"),
    ], "i in instalments", totals=[[(t(doc, "合计", "Total"), 2),
                                    ("{{ agreement.debt_amount|money(agreement.currency) }}", 1)]])
    payee_account(doc)
    doc.heading(t(doc, "第三条　违约责任", "Article 3  Default"))
    doc.body(t(doc, "乙方任何一期未按时足额付款的，甲方有权要求乙方立即清偿全部剩余欠款，并自原合同约定的应付款之日"
                    "的次日起主张逾期付款违约金。",
               "If any instalment is not paid in full on time, the creditor may require the whole remaining "
               "balance to be paid at once and claim the late-payment penalty from the day after each original "
               "due date."))
    penalty_basis(doc, party="乙方")
    doc.tag("{%p if agreement.waive_penalty_on_performance %}")
    doc.body(t(doc, "如乙方按本协议约定按期足额履行全部付款义务，甲方同意不再主张上述欠款的逾期付款违约金。",
               "If the debtor pays every instalment in full and on time, the creditor will not claim the "
               "late-payment penalty on this debt."))
    doc.tag("{%p endif %}")
    doc.body(t(doc, "乙方未按本协议约定履行的，甲方为实现债权而支出的律师费、诉讼费、仲裁费、保全费、保全担保费、"
                    "公证费、"
                    "执行费、差旅费等合理费用，均由乙方承担。",
               "If the debtor does not perform this agreement, it shall bear the reasonable costs the creditor "
               "incurs in recovering the debt, including lawyers' fees, court or arbitration fees, preservation "
               "fees and the cost of the security for preservation, notarial fees, enforcement fees and travel."))
    doc.tag("{%p if guarantor and guarantor.name %}")
    doc.heading(t(doc, "第四条　保证", "Article 4  Guarantee"))
    doc.body(t(doc, "丙方自愿为乙方在本协议项下的全部债务，包括欠款本金、逾期付款违约金及甲方为实现债权支出的费用，"
                    "向甲方提供连带责任保证。乙方未按本协议约定履行的，甲方有权直接要求丙方承担保证责任。保证期间为"
                    "本协议约定的最后一期付款期限届满之日起三年。",
               "The guarantor guarantees, jointly and severally with the debtor, all the debtor's obligations "
               "under this agreement: the debt, the late-payment penalty and the creditor's costs of recovery. If "
               "the debtor does not perform, the creditor may claim directly against the guarantor. The guarantee "
               "period is three years from the date of the last instalment."))
    doc.tag("{%p endif %}")
    doc.heading(t(doc, "第" + _nth(doc, 4) + "条　送达地址", "Article " + _nth(doc, 4) + "  Addresses for service"))
    doc.body(t(doc, "各方确认下列地址为本协议项下通知及文件的送达地址，同时适用于争议发生后仲裁及诉讼程序（包括一审、"
                    "二审、再审和执行程序）中法律文书的送达。电子邮件进入对方电子邮箱系统之时视为送达；邮寄的，以"
                    "签收之日或邮件被退回之日视为送达。变更送达地址的，应提前三日书面通知其他各方，否则原地址仍为有效"
                    "送达地址。",
               "The parties agree the addresses below for notices and documents under this agreement, and for "
               "service in any arbitration or court proceedings about it (first instance, appeal, retrial and "
               "enforcement). An email is served when it enters the recipient's mail system; a letter when "
               "signed for or returned undelivered. A party that changes its address shall tell the others in "
               "writing three days in advance, failing which the old address remains valid for service."))
    doc.grid([
        [t(doc, "当事人", "Party"), t(doc, "联系人", "Contact"), t(doc, "通讯地址", "Address"),
         t(doc, "电话", "Phone"), t(doc, "电子邮箱", "Email")],
        [t(doc, "甲方", "Creditor"), "{{ notices.creditor.contact_name }}", "{{ notices.creditor.address }}",
         "{{ notices.creditor.phone }}", "{{ notices.creditor.email }}"],
        [t(doc, "乙方", "Debtor"), "{{ notices.customer.contact_name }}", "{{ notices.customer.address }}",
         "{{ notices.customer.phone }}", "{{ notices.customer.email }}"],
        ["{%tr if guarantor and guarantor.name %}", "", "", "", ""],
        [t(doc, "丙方", "Guarantor"), "{{ guarantor.name }}", "{{ guarantor.address }}",
         "{{ guarantor.phone }}", "{{ guarantor.email }}"],
        ["{%tr endif %}", "", "", "", ""],
    ], [14, 16, 52, 26, 58] if zh else [18, 21, 48, 26, 53])
    doc.heading(t(doc, "第" + _nth(doc, 5) + "条　争议解决", "Article " + _nth(doc, 5) + "  Disputes"))
    doc.tag("{%p if dispute.kind == 'arbitration' %}")
    doc.body(t(doc, "因本协议引起的或与本协议有关的任何争议，均提交{{ dispute.commission }}，按照申请仲裁时"
                    "该会现行有效的"
                    "仲裁规则进行仲裁。仲裁裁决是终局的，对双方均有约束力。",
               "Any dispute arising from or in connection with this agreement shall be submitted to the "
               "{{ dispute.commission_en }} for arbitration under its rules in force when the application is "
               "made. The award is final and binding on both parties."))
    doc.tag("{%p else %}")
    doc.body(t(doc, "因本协议引起的争议，双方应协商解决；协商不成的，任何一方均可向{{ dispute.place }}有管"
                    "辖权的人民法院"
                    "提起诉讼。",
               "Any dispute under this agreement that the parties cannot settle by negotiation may be brought "
               "by either party before the competent people's court at {{ dispute.place_en }}."))
    doc.tag("{%p endif %}")
    doc.tag("{%p if agreement.notarize %}")
    doc.body(t(doc, "各方同意就本协议向公证机构申请办理赋予强制执行效力的债权文书公证。"
                    "乙方" + _IF_G + "或丙方"
                    "{% endif %}不履行或者不适当履行本协议约定的付款义务的，甲方可以向原公证机构申请出具执行证书，并"
                    "凭公证债权文书和执行证书向有管辖权的人民法院申请强制执行；乙方" + _IF_G + "、丙方"
                    "{% endif %}承诺自愿接受强制执行。",
               "The parties shall have this agreement notarised as a debt instrument with enforcement effect. If "
               "the debtor" + _IF_G + " or the guarantor{% endif %} fails to pay as agreed, the creditor "
               "may ask the notary for an enforcement certificate and apply with it to the competent people's "
               "court for enforcement; the debtor" + _IF_G + " and the guarantor{% endif %} accept "
               "enforcement."))
    doc.tag("{%p endif %}")
    doc.heading(t(doc, "第" + _nth(doc, 6) + "条　其他", "Article " + _nth(doc, 6) + "  Miscellaneous"))
    doc.body(t(doc, "本协议未约定的事项，仍按原合同执行。本协议自" + _IF_G + "各方{% else %}双方{% endif %}"
                    "签字或盖章之日起生效，一式" + _IF_G + "三{% else %}两{% endif %}份，各方各执一份，"
                    "具有同等法律效力。",
               "Matters not covered here remain governed by the original contracts. This agreement takes effect "
               "when every party has signed or sealed it and is made in " + _IF_G + "three{% else %}two"
               "{% endif %} counterparts, one for each party, of equal force."))
    doc.spacer(10)
    party_signatures(doc, "Creditor", "Debtor")
    doc.tag("{%p if guarantor and guarantor.name %}")
    doc.plain(t(doc, "丙方（保证人）：{{ guarantor.name }}（签字或盖章）　　日期：______年____月____日",
                "Guarantor: {{ guarantor.name }} (signature or seal)      Date:"), space_before=12)
    doc.tag("{%p endif %}")
    return doc


def _nth(doc: Doc, n: int) -> str:
    """An article's number after the optional guarantee (Article 4): one more when there is a guarantor."""
    zh = "〇一二三四五六七八九"
    a, b = (zh[n], zh[n + 1]) if doc.lang == "zh" else (str(n), str(n + 1))
    return _IF_G + b + "{% else %}" + a + "{% endif %}"


def interest_sheet(lang: str) -> Doc:
    doc = Doc(lang, body_size=11, doc_title=("逾期付款利息计算表" if lang == "zh" else "Interest calculation"))
    zh = lang == "zh"
    doc.header_footer(letterhead=None, running=t(doc, "逾期付款利息计算表　{{ creditor.name }}诉{{ customer.name }}",
                                                 "Interest calculation  {{ creditor.name_en }} v. {{ customer.name }}"))
    doc.title(t(doc, "逾期付款利息（违约金）计算表", "Late-Payment Interest Calculation"),
              t(doc, "计算截止日：" + _date(doc, "sheet.as_of"), "Calculated to " + _date(doc, "sheet.as_of")))
    # whatever is missing is said first, before any figure: a sheet that leaves something out silently
    # is the worst thing a court can be handed
    doc.tag("{%p if sheet.incomplete %}")
    doc.body(t(doc, "**计算不完整**：下列发票的利息未能计算，本表利息合计不含其利息："
                    "{% for m in missing %}{{ m.number }}（未付本金{{ m.principal|money(sheet.currency) }}；"
                    "{{ m.reason_zh }}）{% if not loop.last %}；{% endif %}{% endfor %}。",
               "**Calculation incomplete**: the interest on these invoices could not be computed and is not in "
               "the totals: {% for m in missing %}{{ m.number }} (unpaid principal "
               "{{ m.principal|money(sheet.currency) }}; {{ m.reason_en }}){% if not loop.last %}; {% endif %}"
               "{% endfor %}."))
    doc.tag("{%p endif %}")
    doc.tag("{%p for w in warnings %}")
    doc.plain(t(doc, "提示：{{ w.zh }}。", "Note: {{ w.en }}."), size=9.5)
    doc.tag("{%p endfor %}")
    doc.kv_table([
        (t(doc, "原告（申请人）", "Claimant"), "{{ creditor.name }}" if zh else "{{ creditor.name_en }} "
                                                                         "({{ creditor.name }})"),
        (t(doc, "被告（被申请人）", "Respondent"), "{{ customer.name }}" if zh else
         "{{ customer.name_en or customer.name }}{% if customer.name_en %} ({{ customer.name }}){% endif %}"),
        (t(doc, "计算依据", "Basis"), "{{ sheet.method_zh }}" if zh else "{{ sheet.method_en }}"),
        (t(doc, "计息方式", "Day count"), t(doc, "单利，利息＝本金×年利率×天数÷{{ sheet.day_count }}；"
                                          "自到期日次日起算，起止日均计入天数",
                                          "simple interest = principal × annual rate × days ÷ {{ sheet.day_count }}; "
                                          "from the day after the due date, both ends counted")),
        (t(doc, "抵充顺序", "Payments"),
         t(doc, "{% if sheet.allocation == 'principal_first' %}还款先抵充本金、再抵充违约金{% else %}还款先抵充利息"
                "（违约金）、再抵充本金（《民法典》第五百六十一条）{% endif %}；未指明或超出所指发票欠款的部分，按"
                "《民法典》第五百六十条抵充（先到期债务、负担较重者、到期在先者，均相同的按比例）",
           "{% if sheet.allocation == 'principal_first' %}principal first, then the penalty{% else %}interest "
           "(penalty) first, then principal (Civil Code art. 561){% endif %}; money naming no invoice, or beyond "
           "what the named invoice owed, under Civil Code art. 560 (debts due first, the heavier burden, the older "
           "debt, pro rata when all are equal)")),
    ], widths=(36, 124))
    cur = "|money(sheet.currency) }}"
    doc.heading(t(doc, "一、分段计算明细", "1. Segments"))
    doc.data_table([
        Column(t(doc, "发票号码", "Invoice"), 31, "{{ r.invoice_number }}"),
        Column(t(doc, "起算日", "From"), 20, "{{ r.start }}", "center"),
        Column(t(doc, "截止日", "To"), 20, "{{ r.end }}", "center"),
        Column(t(doc, "天数", "Days"), 10, "{{ r.days }}", "right"),
        Column(t(doc, "计息本金", "Principal"), 27, "{{ r.principal" + cur, "right"),
        Column(t(doc, "年利率", "Rate p.a."), 19, "{{ r.annual_rate|percent(3) }}", "right"),
        Column(t(doc, "利息", "Interest"), 27, "{{ r.interest" + cur, "right"),
    ], "r in rows", totals=[[(t(doc, "已计利息合计", "Interest accrued"), 6), ("{{ sheet.interest_accrued" + cur, 1)]],
        style="Small Print")
    doc.tag("{%p if sheet.interest_paid != '0.00' %}")
    doc.plain(t(doc, "其中已由还款抵充利息{{ sheet.interest_paid" + cur
                + "（先抵充利息，后抵充本金，《民法典》第五百六十一条），尚欠利息{{ sheet.total_interest" + cur + "。",
                "Of this, part payments have paid {{ sheet.interest_paid" + cur + " (interest first, then principal: "
                "Civil Code art. 561); {{ sheet.total_interest" + cur + " of interest remains unpaid."), size=9.5)
    doc.tag("{%p endif %}")
    doc.tag("{%p if payments %}")
    doc.heading(t(doc, "二、收款及抵充明细", "2. Payments received and how each was applied"))
    doc.data_table([
        Column(t(doc, "收款日", "Received"), 20, "{{ p.date }}", "center"),
        Column(t(doc, "银行流水号", "Bank ref."), 30, "{{ p.reference }}"),
        Column(t(doc, "金额", "Amount"), 23, "{{ p.amount" + cur, "right"),
        Column(t(doc, "抵充利息", "To interest"), 22, "{{ p.to_interest" + cur, "right"),
        Column(t(doc, "抵充本金", "To principal"), 23, "{{ p.to_principal" + cur, "right"),
        Column(t(doc, "未抵充", "Unapplied"), 19, "{{ p.unapplied" + cur, "right"),
        Column(t(doc, "抵充发票", "Invoices"), 23, "{{ p.invoices }}"),
    ], "p in payments", totals=[[(t(doc, "收款合计", "Received"), 2), ("{{ sheet.received" + cur, 5)]],
        style="Small Print")
    doc.tag("{%p if sheet.unapplied != '0.00' %}")
    doc.plain(t(doc, "另有收款{{ sheet.unapplied" + cur + "无可抵充的债务，未用于抵充（应退还或另行说明）。",
                "{{ sheet.unapplied" + cur + " received had no debt to pay and was not applied (to be refunded "
                "or explained)."), size=9.5)
    doc.tag("{%p endif %}")
    doc.tag("{%p endif %}")
    doc.heading(t(doc, "三、按发票汇总", "3. By invoice"))
    doc.data_table([
        Column(t(doc, "发票号码", "Invoice"), 27, "{{ inv.number }}"),
        Column(t(doc, "到期日", "Due"), 20, "{{ inv.due_date }}", "center"),
        Column(t(doc, "未付本金", "Principal"), 25, "{{ inv.principal" + cur, "right"),
        Column(t(doc, "利息", "Interest"), 23, "{% if inv.computed %}{{ inv.interest" + cur + "{% else %}"
               + t(doc, "未计算", "not computed") + "{% endif %}", "right"),
        Column(t(doc, "本息合计", "Total"), 25, "{% if inv.computed %}{{ inv.total" + cur + "{% else %}—{% endif %}",
               "right"),
        Column(t(doc, "说明", "Notes"), 40, "{{ inv.note_zh }}" if zh else "{{ inv.note_en }}"),
    ], "inv in invoices", totals=[[(t(doc, "请求合计", "Claimed"), 2), ("{{ sheet.total_principal" + cur, 1),
                                   ("{{ sheet.total_interest" + cur, 1), ("{{ sheet.total" + cur, 1), ("", 1)]],
        style="Small Print")
    if zh:
        doc.body("截至" + _date(doc, "sheet.as_of") + "，未付本金合计{{ sheet.total_principal" + cur
                 + "，逾期付款利息（违约金）合"
                   "计{{ sheet.total_interest" + cur + "，本息合计**{{ sheet.total" + cur + "**"
                 "{% if sheet.currency == 'CNY' %}（大写：{{ sheet.total|rmb_upper }}）{% endif %}"
                 "{% if sheet.incomplete %}，不含上列未能计算的利息{% endif %}。")
    else:
        doc.body("As of " + _date(doc, "sheet.as_of") + " the unpaid principal is {{ sheet.total_principal" + cur
                 + " and the late-payment interest {{ sheet.total_interest" + cur + ", in all **{{ sheet.total"
                 + cur + "**{% if sheet.currency == 'CNY' %} (in Chinese capitals: {{ sheet.total|rmb_upper }})"
                 "{% endif %}{% if sheet.incomplete %}, not counting the interest that could not be computed"
                 "{% endif %}.")
    doc.tag("{%p for l in running %}")
    doc.body(t(doc, "{{ l.zh }}。", "{{ l.en }}."))
    doc.tag("{%p endfor %}")
    doc.plain(t(doc, "说明：利率数据来源于全国银行间同业拆借中心公布的贷款市场报价利率（LPR）及合同约定。",
                "Note: rates are the Loan Prime Rates published by the National Interbank Funding Center, or "
                "the contract rate, as stated above."), size=9)
    doc.seal_block([t(doc, "制表：{{ creditor.name }}（盖章）", "Prepared by {{ creditor.name_en }} (seal)"),
                    _date(doc, "sheet.prepared_on")], space_before=10)
    return doc
