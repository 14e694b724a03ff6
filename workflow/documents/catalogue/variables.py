"""The variables each document kind's context provides: dotted name → "中文说明 / English description".

List items are written ``invoices[].number``. Amounts are strings with two decimals ("12800.00"),
rates are fractions as strings ("0.0005" = 0.05%), dates are ISO strings ("2026-11-26").
"""

from __future__ import annotations

Variables = dict[str, str]

CREDITOR: Variables = {
    "creditor.name": "我司（债权人）全称 / our (creditor's) full legal name",
    "creditor.name_en": "我司英文名称 / our English name",
    "creditor.credit_code": "我司统一社会信用代码 / our unified social credit code",
    "creditor.address": "我司地址 / our address",
    "creditor.address_en": "我司英文地址 / our address in English",
    "creditor.phone": "我司联系电话 / our telephone",
    "creditor.email": "我司联系邮箱 / our email",
    "creditor.website": "我司网址（可为空） / our website (may be empty)",
    "creditor.contact_name": "我司经办人 / our contact person",
    "creditor.legal_representative": "我司法定代表人 / our legal representative",
    "creditor.bank_name": "收款开户银行 / payee bank",
    "creditor.bank_account": "收款账号 / payee account number",
    "creditor.bank_account_name": "收款户名 / payee account name",
}

CUSTOMER: Variables = {
    "customer.name": "客户（债务人）全称 / the customer's (debtor's) full legal name",
    "customer.name_en": "客户英文名称（可为空） / customer's English name (may be empty)",
    "customer.credit_code": "客户统一社会信用代码（境外企业为空） / customer's credit code (empty for foreign firms)",
    "customer.address": "客户注册地址 / customer's registered address",
    "customer.legal_representative": "客户法定代表人（可为空） / customer's legal representative (may be empty)",
    "customer.contact_name": "客户联系人 / customer's contact person",
    "customer.contact_email": "客户联系人邮箱 / the contact's email",
    "customer.contact_phone": "客户联系人电话 / the contact's phone",
}

CONTRACTS: Variables = {
    "contracts[].number": "合同编号 / contract number",
    "contracts[].title": "合同名称 / contract title",
    "contracts[].signed_on": "签订日期（可为空） / date signed (may be empty)",
}

INVOICES: Variables = {
    "invoices[].number": "发票（单据）号码 / invoice number",
    "invoices[].tax_invoice_no": "增值税发票号码（可为空） / VAT invoice number (may be empty)",
    "invoices[].contract_number": "所属合同编号（可为空） / contract number (may be empty)",
    "invoices[].issue_date": "开票日期 / issue date",
    "invoices[].due_date": "到期日 / due date",
    "invoices[].days_overdue": "截至 letter.as_of 的逾期天数 / days overdue as of letter.as_of",
    "invoices[].days_to_due": "距到期日天数 / days until the due date",
    "invoices[].amount": "发票金额 / invoice amount",
    "invoices[].paid": "已收款及已冲减金额合计 / paid and credited so far",
    "invoices[].outstanding": "未付金额 / amount outstanding",
    "invoices[].currency": "币种（ISO 4217） / currency (ISO 4217)",
}

TOTALS: Variables = {
    "totals[].currency": "币种 / currency",
    "totals[].amount": "发票金额合计 / invoiced total",
    "totals[].paid": "已付及冲减合计 / paid and credited total",
    "totals[].outstanding": "未付合计 / outstanding total",
}

LETTER: Variables = {
    "letter.number": "函件编号 / letter reference",
    "letter.date": "发函日期 / date of the letter",
    "letter.as_of": "欠款计算截止日 / balances as of this date",
    "letter.deadline": "付款期限 / pay-by date",
    "letter.days_to_pay": "付款期限天数 / days given to pay",
    "letter.max_days_overdue": "最长逾期天数 / the oldest invoice's days overdue",
    "letter.previous_number": "前次函件编号（可为空） / previous letter's reference (may be empty)",
    "letter.previous_date": "前次函件日期（可为空） / previous letter's date (may be empty)",
    "letter.include_receipt": "是否附回执 / whether to add the return slip",
    "letter.delivery": "送达方式：email / post / email_and_post / by_hand / how the letter is delivered",
    "letter.tracking_no": "EMS 运单号（可为空） / courier waybill number (may be empty)",
}

PENALTY: Variables = {
    "penalty.kind": "违约金方式：daily_rate / annual_rate / lpr_multiple / none（未约定，按买卖合同解释18条4款） / "
                    "penalty kind; none = not agreed (statutory LPR + 30–50%)",
    "penalty.rate": "日或年利率（小数，如 0.0005） / daily or annual rate as a fraction",
    "penalty.multiple": "LPR 倍数（如 1.5） / LPR multiple",
    "penalty.cap": "违约金上限占逾期金额比例（可为空） / cap as a fraction of the overdue amount (may be empty)",
    "penalty.cap_amount": "违约金上限金额（可为空） / cap as an amount (may be empty)",
    "penalty.currency": "上限金额币种 / currency of the cap amount",
}

DISPUTE: Variables = {
    "dispute.kind": "争议解决方式：court / arbitration / dispute resolution: court or arbitration",
    "dispute.court": "法院管辖连接点：seller_domicile / buyer_domicile / signing_place / performance_place / "
                     "place（按 dispute.place） / the connection of the agreed court (民事诉讼法 35)",
    "dispute.place": "法院所在地（中文） / place of the court",
    "dispute.place_en": "法院所在地（英文） / place of the court in English",
    "dispute.commission": "仲裁委员会名称 / arbitration commission",
    "dispute.commission_en": "仲裁委员会英文名称 / commission's English name",
    "dispute.seat": "仲裁地（可为空） / seat of arbitration (may be empty)",
    "dispute.seat_en": "仲裁地英文（可为空） / seat in English (may be empty)",
}

LAW_FIRM: Variables = {
    "law_firm.name": "律师事务所名称 / law firm",
    "law_firm.name_en": "律师事务所英文名称 / law firm's English name",
    "law_firm.address": "律所地址 / firm's address",
    "law_firm.address_en": "律所英文地址 / firm's address in English",
    "law_firm.phone": "律所电话 / firm's telephone",
    "law_firm.email": "律所邮箱 / firm's email",
    "lawyer.name": "承办律师姓名 / responsible lawyer",
    "lawyer.name_en": "承办律师英文名 / lawyer's name in English",
    "lawyer.licence_no": "律师执业证号 / practising licence number",
    "lawyer.phone": "律师电话 / lawyer's phone",
    "lawyer.email": "律师邮箱 / lawyer's email",
    "letter.draft": "是否为待律师审核的草稿 / still a draft awaiting the lawyer's approval",
    "claim.currency": "违约金及费用币种（可为空） / currency of the penalty and the fees (may be empty)",
    "claim.penalty_accrued": "截至 letter.as_of 已产生的逾期付款违约金（可为空，空则不写） / "
                             "late-payment penalty accrued to letter.as_of (may be empty: then not stated)",
    "claim.costs_agreed": "合同约定由债务人承担律师费等实现债权费用（可为空：未约定） / the contract puts the "
                          "costs of recovery (lawyers' fees...) on the debtor (may be empty: it does not)",
    "claim.lawyer_fee": "委托人已付律师费（可为空） / lawyers' fees the client has paid (may be empty)",
}

NOTICES: Variables = {
    "notices.creditor.contact_name": "甲方送达联系人 / seller's contact for notices",
    "notices.creditor.address": "甲方送达地址 / seller's address for service",
    "notices.creditor.phone": "甲方送达电话 / seller's phone",
    "notices.creditor.email": "甲方送达邮箱 / seller's email for service",
    "notices.customer.contact_name": "乙方送达联系人 / buyer's contact for notices",
    "notices.customer.address": "乙方送达地址 / buyer's address for service",
    "notices.customer.phone": "乙方送达电话 / buyer's phone",
    "notices.customer.email": "乙方送达邮箱 / buyer's email for service",
}

GUARANTOR: Variables = {
    "guarantor.name": "保证人（丙方）名称或姓名（可为空：无保证人，保证条款不出现） / guarantor's name "
                      "(may be empty: no guarantor, no guarantee clause)",
    "guarantor.id_number": "保证人统一社会信用代码或身份证号码（无保证人时可为空） / guarantor's credit code or ID "
                           "number (may be empty without a guarantor)",
    "guarantor.address": "保证人送达地址（无保证人时可为空） / guarantor's address for service (may be empty "
                         "without a guarantor)",
    "guarantor.phone": "保证人电话（可为空） / guarantor's phone (may be empty)",
    "guarantor.email": "保证人送达邮箱（可为空） / guarantor's email for service (may be empty)",
}

STATEMENT: Variables = {
    "statement.number": "对账单编号 / statement number",
    "statement.date": "出具日期 / date issued",
    "statement.period_from": "对账期间起 / period start",
    "statement.period_to": "对账期间止（确认余额的日期） / period end (the confirmed balance date)",
    "statement.reply_by": "请求回签日期 / please return by",
    "statement.currency": "币种 / currency",
    "statement.opening_balance": "期初余额 / opening balance",
    "statement.total_invoiced": "本期应收增加 / invoiced in the period",
    "statement.total_received": "本期收款 / received in the period",
    "statement.total_credited": "本期红字冲减 / credit notes in the period",
    "statement.total_received_and_credited": "本期应收减少合计 / received plus credited",
    "statement.closing_balance": "期末余额 / closing balance",
    "lines[].date": "日期 / date",
    "lines[].kind": "类型：opening / invoice / receipt / credit_note / kind of movement",
    "lines[].number": "单据号码（发票号、银行流水号、红字发票号） / document number",
    "lines[].description": "摘要 / details",
    "lines[].increase": "应收增加（可为空） / debit (may be empty)",
    "lines[].decrease": "应收减少（可为空） / credit (may be empty)",
    "lines[].balance": "该行后余额 / balance after the line",
}

AGREEMENT: Variables = {
    "agreement.number": "协议编号 / agreement number",
    "agreement.acknowledged_on": "欠款确认截止日 / debt acknowledged as of",
    "agreement.currency": "币种 / currency",
    "agreement.debt_amount": "确认欠款总额 / acknowledged debt",
    "agreement.waive_penalty_on_performance": "按期履行即免除违约金 / "
                                              "penalty waived if every instalment is paid on time",
    "agreement.notarize": "办理赋予强制执行效力的债权文书公证（可为空：不办理） / have the agreement notarised "
                          "with enforcement effect (may be empty: no)",
    "instalments[].number": "期数 / instalment number",
    "instalments[].due_date": "最迟付款日 / pay-by date",
    "instalments[].amount": "本期金额 / instalment amount",
}

SHEET: Variables = {
    "sheet.as_of": "计算截止日 / interest calculated to",
    "sheet.prepared_on": "制表日期 / date prepared",
    "sheet.currency": "币种 / currency",
    "sheet.method_zh": "计算方法说明（中文） / method text in Chinese",
    "sheet.method_en": "计算方法说明（英文） / method text in English",
    "sheet.day_count": "年计息天数（365 或 360） / days per year",
    "sheet.total_principal": "未付本金合计 / total unpaid principal",
    "sheet.interest_accrued": "已计利息合计（各段之和） / interest accrued (sum of the segments)",
    "sheet.interest_paid": "已由还款抵充的利息 / interest already paid by part payments",
    "sheet.total_interest": "尚欠利息合计 / interest outstanding",
    "sheet.total": "本息合计 / principal plus interest",
    "rows[].invoice_number": "发票号码 / invoice",
    "rows[].start": "本段第一个计息日（到期日次日起） / first day of the segment (counted)",
    "rows[].end": "本段最后一个计息日 / last day of the segment (counted)",
    "rows[].days": "天数 / days",
    "rows[].principal": "计息本金 / principal",
    "rows[].annual_rate": "年利率（小数） / annual rate as a fraction",
    "rows[].interest": "本段利息 / interest",
    "invoices[].number": "发票号码 / invoice",
    "invoices[].due_date": "到期日 / due date",
    "invoices[].principal": "未付本金 / unpaid principal",
    "invoices[].interest": "利息 / interest",
    "invoices[].total": "本息合计 / principal plus interest",
    "invoices[].amount": "发票金额 / invoice amount",
    "invoices[].credited": "红字发票扣减 / less credit notes",
    "invoices[].computed": "利息已计算（否则见 missing） / interest computed (else see missing)",
    "invoices[].claimed": "计入请求（已到期、未结清、未核销） / in the claim (due, unpaid, not written off)",
    "invoices[].note_zh": "说明：上限、结清、未计算原因 / notes in Chinese: cap, settled, why not computed",
    "invoices[].note_en": "说明（英文） / notes in English",
    "sheet.incomplete": "计算不完整（有发票的利息未能计算） / some invoice's interest could not be computed",
    "sheet.allocation": "抵充顺序：interest_first / principal_first / order of application of payments",
    "sheet.received": "收款合计 / all money received",
    "sheet.unapplied": "未抵充的收款 / money received that paid no debt",
    "missing[].number": "利息未能计算的发票 / invoice whose interest could not be computed",
    "missing[].principal": "其未付本金 / its unpaid principal",
    "missing[].reason_zh": "原因 / reason, Chinese",
    "missing[].reason_en": "原因（英文） / reason, English",
    "warnings[].zh": "提示（如利率未经核对） / warning, Chinese (e.g. an unverified rate)",
    "warnings[].en": "提示（英文） / warning, English",
    "payments[].date": "收款日 / date received",
    "payments[].reference": "银行流水号 / bank reference",
    "payments[].amount": "收款金额 / amount received",
    "payments[].to_interest": "抵充利息 / applied to interest",
    "payments[].to_principal": "抵充本金 / applied to principal",
    "payments[].unapplied": "未抵充 / not applied",
    "payments[].invoices": "抵充的发票 / invoices paid",
    "running[].zh": "自计算日次日起按…计至实际清偿之日止 / how interest runs on until payment, Chinese",
    "running[].en": "同上（英文） / the same in English",
}

CONTRACT: Variables = {
    "contract.number": "合同编号 / contract number",
    "contract.signed_on": "签订日期 / date signed",
    "contract.signed_place": "签订地点 / place signed",
    "contract.signed_place_en": "签订地点（英文） / place signed in English",
    "contract.currency": "币种 / currency",
    "contract.total": "合同总价 / contract price",
    "contract.vat_rate": "增值税税率（小数，如 0.13） / VAT rate as a fraction",
    "contract.quality_standard": "质量标准 / quality standard",
    "contract.quality_standard_en": "质量标准（英文） / quality standard in English",
    "contract.warranty_months": "质保期（月） / warranty in months",
    "contract.delivery_date": "最迟交货日 / deliver by",
    "contract.delivery_place": "交货地点 / place of delivery",
    "contract.delivery_place_en": "交货地点（英文） / place of delivery in English",
    "contract.acceptance_days": "验收期限（日） / inspection period in days",
    "contract.suspend_after_days": "逾期多少日可暂停供货 / days late after which deliveries may stop",
    "goods[].name": "品名 / goods",
    "goods[].spec": "规格型号 / model",
    "goods[].unit": "单位 / unit",
    "goods[].quantity": "数量 / quantity",
    "goods[].unit_price": "含税单价 / unit price incl. VAT",
    "goods[].amount": "金额 / line amount",
    "payment.kind": "付款条款：days_after / instalments / payment clause wording",
    "payment.trigger": "起算事件：delivery / invoice_date / acceptance / what starts the payment term",
    "payment.days": "付款期限（日） / payment term in days",
    "instalments[].number": "期数 / instalment number",
    "instalments[].due_date": "最迟付款日 / pay-by date",
    "instalments[].amount": "本期金额 / instalment amount",
    "notice.kind": "送达条款：email_and_post / email_post_and_proceedings / notice clause wording",
    **NOTICES,
}


def merge(*blocks: Variables) -> Variables:
    out: Variables = {}
    for block in blocks:
        out.update(block)
    return out
