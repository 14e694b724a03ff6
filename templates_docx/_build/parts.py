"""Blocks shared by several templates: letterhead, addressee, invoice table, payee account,
the interest basis, the return slip. Every block exists in Chinese and English."""

from __future__ import annotations

from docbuilder import Column, Doc


def t(doc: Doc, zh: str, en: str) -> str:
    return zh if doc.lang == "zh" else en


def creditor_letterhead(doc: Doc, running: str) -> None:
    """Name, English name, address and contact lines over a rule, on the first page only."""
    if doc.lang == "zh":
        lines = [("{{ creditor.name }}", 17.0, True),
                 ("{{ creditor.name_en }}", 9.0, False),
                 ("地址：{{ creditor.address }}　电话：{{ creditor.phone }}", 8.5, False),
                 ("邮箱：{{ creditor.email }}{% if creditor.website %}　网址：{{ creditor.website }}{% endif %}",
                  8.5, False)]
        note = "{{ creditor.name }}"
    else:
        lines = [("{{ creditor.name_en }}", 15.0, True),
                 ("{{ creditor.name }}", 10.0, False),
                 ("{{ creditor.address_en }}  ·  Tel {{ creditor.phone }}", 8.5, False),
                 ("{{ creditor.email }}{% if creditor.website %}  ·  {{ creditor.website }}{% endif %}", 8.5, False)]
        note = "{{ creditor.name_en }}"
    doc.header_footer(letterhead=lines, running=running, footer_note=note)


def reference_line(doc: Doc, number: str, date: str) -> None:
    """The letter number and date, right-aligned under the title."""
    doc.plain(t(doc, f"编号：{number}", f"Ref.: {number}"), align="right", space_after=0, size=10.5)
    doc.plain(t(doc, f"日期：{date}", f"Date: {date}"), align="right", space_after=8, size=10.5)


def addressee(doc: Doc, *, attention: bool = True) -> None:
    if doc.lang == "zh":
        doc.plain("**致：{{ customer.name }}**", space_after=0)
        doc.tag("{%p if customer.credit_code %}")
        doc.plain("统一社会信用代码：{{ customer.credit_code }}", space_after=0, size=10.5)
        doc.tag("{%p endif %}")
        doc.plain("地址：{{ customer.address }}", space_after=0, size=10.5)
        if attention:
            doc.tag("{%p if customer.contact_name %}")
            doc.plain("收件人：{{ customer.contact_name }}{% if customer.contact_email %}"
                      "（{{ customer.contact_email }}）{% endif %}", space_after=0, size=10.5)
            doc.tag("{%p endif %}")
    else:
        doc.plain("**To: {{ customer.name_en or customer.name }}**", space_after=0)
        doc.tag("{%p if customer.name_en %}")
        doc.plain("({{ customer.name }})", space_after=0, size=10.5)
        doc.tag("{%p endif %}")
        doc.tag("{%p if customer.credit_code %}")
        doc.plain("Unified social credit code: {{ customer.credit_code }}", space_after=0, size=10.5)
        doc.tag("{%p endif %}")
        doc.plain("Address: {{ customer.address }}", space_after=0, size=10.5)
        if attention:
            doc.tag("{%p if customer.contact_name %}")
            doc.plain("Attention: {{ customer.contact_name }}{% if customer.contact_email %}"
                      " ({{ customer.contact_email }}){% endif %}", space_after=0, size=10.5)
            doc.tag("{%p endif %}")
    doc.spacer(8)


def contracts_phrase(doc: Doc) -> str:
    """"under contract(s) X, Y" as one inline Jinja loop."""
    if doc.lang == "zh":
        return ("{% for c in contracts %}《{{ c.title }}》（合同编号：{{ c.number }}"
                "{% if c.signed_on %}，签订日期：{{ c.signed_on|date_zh }}{% endif %}）"
                "{% if not loop.last %}、{% endif %}{% endfor %}")
    return ("{% for c in contracts %}the contract “{{ c.title }}” (No. {{ c.number }}"
            "{% if c.signed_on %}, signed on {{ c.signed_on|date_en }}{% endif %})"
            "{% if not loop.last %}, {% endif %}{% endfor %}")


def amounts_phrase(doc: Doc, field: str = "outstanding") -> str:
    """The totals per currency, each with the 人民币大写 when the currency is CNY."""
    if doc.lang == "zh":
        return ("{% for s in totals %}**" "{{ s." + field + "|money(s.currency) }}**"
                "{% if s.currency == 'CNY' %}（大写：{{ s." + field + "|rmb_upper }}）{% endif %}"
                "{% if not loop.last %}及{% endif %}{% endfor %}")
    return ("{% for s in totals %}**{{ s." + field + "|money(s.currency) }}**"
            "{% if s.currency == 'CNY' %} (in Chinese capitals: {{ s." + field + "|rmb_upper }}){% endif %}"
            "{% if not loop.last %} and {% endif %}{% endfor %}")


def invoice_table(doc: Doc, *, overdue: bool = True) -> None:
    width = 11 if doc.lang == "zh" else 10
    days = Column(t(doc, "逾期天数", "Days late"), width, "{{ inv.days_overdue }}", "right") if overdue else \
        Column(t(doc, "剩余天数", "Days to due"), width, "{{ inv.days_to_due }}", "right")
    # the English PDF falls back to a wider Latin font: narrower dates, wider amounts
    w = (8, 34, 20, 20, 24, 24, 25) if doc.lang == "zh" else (8, 32.5, 18.5, 18.5, 25.5, 25.5, 27.5)
    columns = [
        Column(t(doc, "序号", "No."), w[0], "{{ loop.index }}", "center"),
        Column(t(doc, "发票号码", "Invoice"), w[1], "{{ inv.number }}"),
        Column(t(doc, "开票日期", "Issued"), w[2], "{{ inv.issue_date }}", "center"),
        Column(t(doc, "到期日", "Due"), w[3], "{{ inv.due_date }}", "center"),
        days,
        Column(t(doc, "发票金额", "Amount"), w[4], "{{ inv.amount|money(inv.currency) }}", "right"),
        Column(t(doc, "已付/冲减", "Paid/credited"), w[5], "{{ inv.paid|money(inv.currency) }}", "right"),
        Column(t(doc, "未付金额", "Outstanding"), w[6], "{{ inv.outstanding|money(inv.currency) }}", "right"),
    ]
    totals = [[(t(doc, "合计（{{ s.currency }}）", "Total ({{ s.currency }})"), 5),
               ("{{ s.amount|money(s.currency) }}", 1), ("{{ s.paid|money(s.currency) }}", 1),
               ("{{ s.outstanding|money(s.currency) }}", 1)]]
    doc.data_table(columns, "inv in invoices", totals=totals, total_loop="s in totals", style="Small Print")


def payee_account(doc: Doc) -> None:
    doc.kv_table([
        (t(doc, "户名", "Account name"), "{{ creditor.bank_account_name }}"),
        (t(doc, "开户银行", "Bank"), "{{ creditor.bank_name }}"),
        (t(doc, "账号", "Account No."), "{{ creditor.bank_account }}"),
    ], widths=(32, 128))


CAP_ZH = ("{% if penalty.cap %}（以逾期金额的{{ penalty.cap|percent }}为限）"
          "{% elif penalty.cap_amount %}（以{{ penalty.cap_amount|money(penalty.currency) }}为限）{% endif %}")
CAP_EN = ("{% if penalty.cap %} (capped at {{ penalty.cap|percent }} of the overdue amount)"
          "{% elif penalty.cap_amount %} (capped at {{ penalty.cap_amount|money(penalty.currency) }}){% endif %}")


def penalty_basis(doc: Doc, party: str = "贵司") -> None:
    """The contract's late-payment rate, or the statutory fallback of 买卖合同解释 18¶4.

    ``party`` names the debtor in the Chinese text: 贵司 in a letter, 乙方 in an agreement.
    """
    if doc.lang == "zh":
        doc.tag("{%p if penalty.kind == 'daily_rate' %}")
        doc.body("依照合同约定，逾期付款的，" + party + "应自应付款之日的次日起，按逾期金额每日"
                 "{{ penalty.rate|percent }}的标准支付逾期付款违约金"
                 + CAP_ZH + "。")
        doc.tag("{%p elif penalty.kind == 'annual_rate' %}")
        doc.body("依照合同约定，逾期付款的，" + party + "应自应付款之日的次日起，按逾期金额年利率"
                 "{{ penalty.rate|percent }}的标准支付逾期付款违约金"
                 + CAP_ZH + "。")
        doc.tag("{%p elif penalty.kind == 'lpr_multiple' %}")
        doc.body("依照合同约定，逾期付款的，" + party + "应自应付款之日的次日起，按全国银行间同业拆借中心公布的一年期"
                 "贷款市场报价利率（LPR）的{{ penalty.multiple }}倍支付逾期付款违约金"
                 + CAP_ZH + "。")
        doc.tag("{%p else %}")
        doc.body("依照《最高人民法院关于审理买卖合同纠纷案件适用法律问题的解释》第十八条第四款，买方逾期付款的，"
                 "出卖人可以按照违约行为发生时一年期贷款市场报价利率（LPR）为基础，加计30%—50%计算逾期付款损失。")
        doc.tag("{%p endif %}")
    else:
        doc.tag("{%p if penalty.kind == 'daily_rate' %}")
        doc.body("Under the contract, late payment bears a penalty of {{ penalty.rate|percent }} of the overdue "
                 "amount per day from the day after the due date"
                 + CAP_EN + ".")
        doc.tag("{%p elif penalty.kind == 'annual_rate' %}")
        doc.body("Under the contract, late payment bears a penalty at {{ penalty.rate|percent }} a year on the "
                 "overdue amount from the day after the due date"
                 + CAP_EN + ".")
        doc.tag("{%p elif penalty.kind == 'lpr_multiple' %}")
        doc.body("Under the contract, late payment bears a penalty at {{ penalty.multiple }} times the one-year "
                 "Loan Prime Rate (LPR) published by the National Interbank Funding Center, from the day after "
                 "the due date" + CAP_EN + ".")
        doc.tag("{%p else %}")
        doc.body("Under Article 18(4) of the Supreme People's Court Interpretation on Sales Contract Disputes, "
                 "a seller may claim the loss from late payment at the one-year Loan Prime Rate (LPR) at the "
                 "time of breach plus 30% to 50%.")
        doc.tag("{%p endif %}")


def contact_line(doc: Doc) -> None:
    doc.body(t(doc,
               "如有疑问，请联系我司{{ creditor.contact_name }}，电话：{{ creditor.phone }}，"
               "电子邮箱：{{ creditor.email }}。",
               "For any question please contact {{ creditor.contact_name }} on {{ creditor.phone }} "
               "or at {{ creditor.email }}."))


def issuer_seal(doc: Doc, date_expr: str) -> None:
    if doc.lang == "zh":
        doc.seal_block(["{{ creditor.name }}", "（盖章）", date_expr])
    else:
        doc.seal_block(["For and on behalf of", "{{ creditor.name_en }}", "(company seal)", date_expr])


def confirmed_amounts(doc: Doc) -> str:
    """The outstanding totals for a confirmation: 大写 first and the figure with separators after it,
    as the two are written on a cheque, so that a line never ends in a lone '分）。'."""
    if doc.lang == "zh":
        return ("{% for s in totals %}{% if s.currency == 'CNY' %}人民币{{ s.outstanding|rmb_upper }}"
                "（小写：{{ s.outstanding|money(s.currency) }}）{% else %}{{ s.outstanding|money(s.currency) }}"
                "{% endif %}{% if not loop.last %}及{% endif %}{% endfor %}")
    return ("{% for s in totals %}{{ s.outstanding|money(s.currency) }}{% if s.currency == 'CNY' %} (in Chinese "
            "capitals: {{ s.outstanding|rmb_upper }}){% endif %}{% if not loop.last %} and {% endif %}{% endfor %}")


def delivery_line(doc: Doc, *, who: str = "我司") -> None:
    """How the letter is sent: a demand interrupts limitation only once it has reached the debtor
    (民法典 137, 195), so the letter says by which route it goes and where."""
    if doc.lang == "zh":
        post = ("以EMS特快专递寄送至贵司地址{{ customer.address }}"
                "{% if letter.tracking_no %}（运单号：{{ letter.tracking_no }}）{% endif %}")
        email = "以电子邮件发送至贵司指定的电子邮箱{{ customer.contact_email }}"
        doc.body("送达方式：{% if letter.delivery == 'email' %}本函" + email + "。"
                 "{% elif letter.delivery == 'post' %}本函" + post + "。"
                 "{% elif letter.delivery == 'by_hand' %}本函由" + who + "人员当面送交贵司，请贵司签收。"
                 "{% else %}本函" + post + "，并同时" + email + "。{% endif %}")
    else:
        post = ("by EMS courier to your address, {{ customer.address }}"
                "{% if letter.tracking_no %} (waybill No. {{ letter.tracking_no }}){% endif %}")
        email = "by email to your designated address, {{ customer.contact_email }}"
        doc.body("Delivery: {% if letter.delivery == 'email' %}this letter is sent " + email + "."
                 "{% elif letter.delivery == 'post' %}this letter is sent " + post + "."
                 "{% elif letter.delivery == 'by_hand' %}this letter is handed to you in person; please sign for it."
                 "{% else %}this letter is sent " + post + ", and also " + email + ".{% endif %}")


def return_slip(doc: Doc) -> None:
    """The 回执 the debtor seals and returns: it restates what is confirmed (the letter, the
    contracts, the date, the amount in figures and in 大写), so that a sealed slip is on its own an
    acknowledgment of the debt (时效规定 14) a court can read without the letter."""
    doc.tag("{%p if letter.include_receipt %}")
    doc.plain(t(doc, "- - - - - - - - - - - - - - - - 沿此线裁下 - - - - - - - - - - - - - - - -",
                "- - - - - - - - - - - - - - - - cut here - - - - - - - - - - - - - - - -"),
              align="center", size=9, space_before=12, keep_next=True)  # the cut line goes where the slip goes
    if doc.lang == "zh":
        doc.boxed([
            ("head", "回　执"),
            ("text", "致：{{ creditor.name }}"),
            ("text", "我司已收到贵司" + "{{ letter.date|date_zh }}" + "编号为{{ letter.number }}的函件。对函中所列"
                     + contracts_phrase(doc) + "项下截至{{ letter.as_of|date_zh }}的未付款项合计"
                     + confirmed_amounts(doc) + "："),
            ("text", "□ 确认无误，将于______年____月____日前付清。"),
            ("text", "□ 有异议，理由如下：______________________________________"),
            ("right", "{{ customer.name }}（盖章）"),
            ("right", "经办人：____________　日期：______年____月____日"),
            ("small", "请加盖公章后将本回执原件寄回{{ creditor.name }}（{{ creditor.address }}，"
                      "收件人：{{ creditor.contact_name }}）；扫描件可先发送至{{ creditor.email }}，原件仍请寄回。"),
        ])
    else:
        doc.boxed([
            ("head", "ACKNOWLEDGMENT OF RECEIPT"),
            ("text", "To: {{ creditor.name_en }}"),
            ("text", "We have received your letter Ref. {{ letter.number }} of {{ letter.date|date_en }}. As to the "
                     "amounts it lists as unpaid under " + contracts_phrase(doc) + " as of "
                     "{{ letter.as_of|date_en }}, in all " + confirmed_amounts(doc) + ":"),
            ("text", "□ We confirm them and will pay in full by ____ / ____ / ______ (day / month / year)."),
            ("text", "□ We dispute them for this reason: ____________________________"),
            ("right", "{{ customer.name_en or customer.name }} (company seal)"),
            ("right", "Signed by: ______________   Date: ______________"),
            ("small", "Please seal this slip and post the original back to {{ creditor.name_en }}, "
                      "{{ creditor.address_en }} (attn. {{ creditor.contact_name }}); you may email a scan to "
                      "{{ creditor.email }} first, but the original is still needed."),
        ])
    doc.tag("{%p endif %}")


def party_signatures(doc: Doc, creditor_en: str, customer_en: str) -> None:
    """The agreement's closing: both parties' seal and signature blocks side by side. Chinese
    agreements say 甲方/乙方; the English ones name the role (Seller/Buyer, Creditor/Debtor)."""
    if doc.lang == "zh":
        sign = ["（盖章）", "法定代表人或授权代表（签字）：", "日期：______年____月____日"]
        doc.two_party_block(["甲方：{{ creditor.name }}", *sign], ["乙方：{{ customer.name }}", *sign])
    else:
        sign = ["(company seal)", "Authorised signatory:", "Date:"]
        doc.two_party_block([f"{creditor_en}: {{{{ creditor.name_en }}}}", *sign],
                            [f"{customer_en}: {{{{ customer.name_en or customer.name }}}}", *sign])
