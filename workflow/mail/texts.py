"""The subject and body of the email that carries a letter, in Chinese or English, per document kind.

The email is a covering note: the letter itself is the attachment. It restates what the debtor
must know without opening the attachment (who writes, the amount, the due date, by when to pay or
reply), says that the letter is attached and how to answer (a reply to this email reaches the
case). The wording is polite and lawful: no threat, no third party, no criminal consequence
(docs/dunning.md); every body still passes the letter check before it is queued.

Facts come from the generated document's stored context (the same figures the letter prints), so
the email and its attachment never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

MAIL_KINDS = ("payment_reminder", "dunning_letter_1", "dunning_letter_2", "dunning_letter_3", "lawyer_letter",
              "statement", "repayment_agreement", "remittance_request")
LANGUAGES = ("zh", "en")

# subject tag and the letter's name in the body
_LABELS: dict[str, tuple[str, str]] = {
    "payment_reminder": ("付款提醒函", "Payment reminder"),
    "dunning_letter_1": ("催款函", "Payment demand"),
    "dunning_letter_2": ("催款函（再次催告）", "Second payment demand"),
    "dunning_letter_3": ("催款函（最后通知）", "Final payment demand"),
    "lawyer_letter": ("律师函", "Lawyer's letter"),
    "statement": ("对账单", "Statement of account"),
    "repayment_agreement": ("还款协议", "Repayment agreement"),
    # our answer to "we have paid" (workflow/mail/replies.py): a short note, no letter attached
    "remittance_request": ("付款凭证", "Proof of payment"),
}


def label(kind: str, language: str) -> str:
    zh, en = _LABELS[kind]
    return en if language == "en" else zh


@dataclass(frozen=True)
class Amount:
    currency: str
    value: str  # exact decimal text, as the document prints it


@dataclass(frozen=True)
class MailFacts:
    creditor: str  # our company, as the letter names it
    customer: str  # the debtor's name in the mail's language
    ref: str  # the case reference (AR-2026-0042), or "" without a case
    amounts: tuple[Amount, ...] = ()  # outstanding (letters), closing balance (statement), debt (agreement)
    due_date: date | None = None  # earliest due date among the invoices the letter lists
    deadline: date | None = None  # pay by (letters), reply by (statement), first instalment (agreement)
    number: str = ""  # the letter's own number
    attachment: str = ""  # the attached file's name; "" when nothing is attached
    contact_name: str = ""
    creditor_phone: str = ""


def facts_from_context(ctx: Mapping[str, Any], kind: str, language: str, *, ref: str,
                       attachment: str) -> MailFacts:
    """The figures the document printed, read from its stored context (missing parts stay empty)."""
    creditor = ctx.get("creditor") or {}
    customer = ctx.get("customer") or {}
    en = language == "en"
    amounts: list[Amount] = []
    due: date | None = None
    deadline: date | None = None
    number = ""
    if kind == "statement":
        st = ctx.get("statement") or {}
        if st.get("closing_balance"):
            amounts.append(Amount(str(st.get("currency") or "CNY"), str(st["closing_balance"])))
        deadline = _date(st.get("reply_by"))
        due = _date(st.get("period_to"))
        number = str(st.get("number") or "")
    elif kind == "repayment_agreement":
        ag = ctx.get("agreement") or {}
        if ag.get("debt_amount"):
            amounts.append(Amount(str(ag.get("currency") or "CNY"), str(ag["debt_amount"])))
        instalments = ctx.get("instalments") or []
        deadline = _date(instalments[0].get("due_date")) if instalments else None
        number = str(ag.get("number") or "")
    else:
        for t in ctx.get("totals") or []:
            if t.get("outstanding"):
                amounts.append(Amount(str(t.get("currency") or "CNY"), str(t["outstanding"])))
        dues = [d for d in (_date(i.get("due_date")) for i in ctx.get("invoices") or []) if d is not None]
        due = min(dues) if dues else None
        letter = ctx.get("letter") or {}
        deadline = _date(letter.get("deadline"))
        number = str(letter.get("number") or "")
    return MailFacts(
        creditor=str((creditor.get("name_en") if en else None) or creditor.get("name") or ""),
        customer=str((customer.get("name_en") if en else None) or customer.get("name") or ""),
        ref=ref, amounts=tuple(amounts), due_date=due, deadline=deadline, number=number,
        attachment=attachment, contact_name=str(customer.get("contact_name") or ""),
        creditor_phone=str(creditor.get("phone") or ""),
    )


def _date(raw: object) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        return None


def subject(kind: str, language: str, facts: MailFacts) -> str:
    tag = f" [{facts.ref}]" if facts.ref else ""
    if language == "en":
        return f"{label(kind, 'en')}: {facts.customer}, accounts receivable{tag}"
    return f"【{label(kind, 'zh')}】{facts.customer} 应收账款{tag}"


def body(kind: str, language: str, facts: MailFacts) -> str:
    return _body_en(kind, facts) if language == "en" else _body_zh(kind, facts)


# ---- Chinese -------------------------------------------------------------------------------------

def _money_zh(facts: MailFacts) -> str:
    return "、".join(f"{a.currency} {a.value}" for a in facts.amounts)


def _zh_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _body_zh(kind: str, f: MailFacts) -> str:
    name = label(kind, "zh")
    greeting = f"{f.customer}{'（' + f.contact_name + '）' if f.contact_name else ''}：\n\n您好！\n\n"
    money = _money_zh(f)
    lines: list[str] = []
    if kind == "statement":
        lines.append(f"{f.creditor}现就双方往来账款向贵司发送{name}"
                     + (f"（截至{_zh_date(f.due_date)}）" if f.due_date else "") + "。")
        if money:
            lines.append(f"依我司账簿，贵司尚欠款项余额为 {money}。")
        lines.append("请贵司核对" + (f"，并于{_zh_date(f.deadline)}前" if f.deadline else "后")
                     + "在所附对账单的确认栏签章回传；如有差异，请在回复中列明差异的发票或付款。")
    elif kind == "repayment_agreement":
        lines.append(f"{f.creditor}现将双方商定的{name}发送贵司"
                     + (f"，确认欠款金额为 {money}" if money else "") + "。")
        if f.deadline:
            lines.append(f"按协议约定，第一期还款应于{_zh_date(f.deadline)}前支付。")
        lines.append("请贵司核对协议内容，签章后回传一份；如有疑问，请直接回复本邮件。")
    elif kind == "remittance_request":
        lines.append("感谢贵司来信告知已经付款。为便于我司尽快核对入账，烦请回复本邮件并附上付款凭证"
                     "（银行回单或转账截图），注明付款日期、金额及对应的发票号。")
        lines.append("核对期间，我司暂停就相关款项发送催款通知。")
    else:
        if kind == "payment_reminder":
            lines.append(f"感谢贵司一直以来的合作。{f.creditor}谨提醒：贵司有应付账款即将到期"
                         + (f"（最早到期日为{_zh_date(f.due_date)}）" if f.due_date else "") + "。")
        else:
            lines.append(f"{f.creditor}向贵司发送{name}：贵司应付我司的账款已逾期未付"
                         + (f"（最早到期日为{_zh_date(f.due_date)}）" if f.due_date else "") + "。")
        if money:
            lines.append(f"截至本函日期，未付金额合计 {money}。")
        if f.deadline:
            lines.append(f"请贵司于{_zh_date(f.deadline)}前付款至函件所列账户。")
        if kind == "lawyer_letter":
            lines.append("本函由受托律师出具，如贵司对欠款有异议，请在上述期限内书面提出并附相关依据。")
        elif kind == "dunning_letter_3":
            lines.append("如在上述期限内仍未付款，我司将依法通过诉讼或仲裁途径解决。")
        lines.append("如贵司已付款，请忽略本邮件并告知付款日期，以便我司核对。")
    attached = (f"{name}全文见附件《{f.attachment}》" + (f"（编号 {f.number}）" if f.number else "") + "。"
                if f.attachment else "")
    reply = ("如有任何疑问或需要协商付款安排，请直接回复本邮件"
             + (f"（请保留主题中的案件编号 {f.ref}）" if f.ref else "")
             + (f"，或致电 {f.creditor_phone}" if f.creditor_phone else "") + "。")
    closing = f"\n\n此致\n敬礼\n\n{f.creditor}\n应收账款部\n\n（本邮件由系统发送，回复将由我司应收账款专员处理。）\n"
    return greeting + "\n".join([*lines, *([attached] if attached else []), reply]) + closing


# ---- English -------------------------------------------------------------------------------------

def _money_en(facts: MailFacts) -> str:
    return ", ".join(f"{a.currency} {a.value}" for a in facts.amounts)


def _en_date(d: date) -> str:
    return f"{d.day} {d.strftime('%B')} {d.year}"


def _body_en(kind: str, f: MailFacts) -> str:
    name = label(kind, "en")
    greeting = f"Dear {f.contact_name or 'Sir or Madam'},\n\n"
    money = _money_en(f)
    lines: list[str] = []
    if kind == "statement":
        lines.append(f"{f.creditor} sends you a statement of account"
                     + (f" as of {_en_date(f.due_date)}" if f.due_date else "") + f" for {f.customer}.")
        if money:
            lines.append(f"According to our books the balance owed to us is {money}.")
        lines.append("Please check it and return the signed confirmation slip"
                     + (f" by {_en_date(f.deadline)}" if f.deadline else "")
                     + "; if you see a difference, please list the invoices or payments concerned in your reply.")
    elif kind == "repayment_agreement":
        lines.append(f"{f.creditor} sends you the repayment agreement we discussed"
                     + (f", acknowledging a debt of {money}" if money else "") + ".")
        if f.deadline:
            lines.append(f"Under the agreement the first instalment is due by {_en_date(f.deadline)}.")
        lines.append("Please check it, sign it and return a copy; if anything is unclear, simply reply to this email.")
    elif kind == "remittance_request":
        lines.append("Thank you for letting us know that you have paid. So that we can match the payment quickly, "
                     "please reply to this email with the remittance advice (the bank slip or a screenshot of the "
                     "transfer), giving the date, the amount and the invoice numbers it covers.")
        lines.append("While we check it, we send no reminders about these invoices.")
    else:
        if kind == "payment_reminder":
            lines.append(f"Thank you for your business. {f.creditor} would like to remind you that payment to us "
                         "falls due soon"
                         + (f" (the earliest due date is {_en_date(f.due_date)})" if f.due_date else "") + ".")
        else:
            lines.append(f"{f.creditor} sends you a {name.lower()}: payment owed to us by {f.customer} is overdue"
                         + (f" (the earliest due date was {_en_date(f.due_date)})" if f.due_date else "") + ".")
        if money:
            lines.append(f"As of the date of the letter, the amount outstanding is {money}.")
        if f.deadline:
            lines.append(f"Please pay by {_en_date(f.deadline)} to the account given in the letter.")
        if kind == "lawyer_letter":
            lines.append("The letter is issued by our appointed lawyer; if you dispute the debt, please tell us in "
                         "writing within that period, with your reasons.")
        elif kind == "dunning_letter_3":
            lines.append("If payment is not made by then, we will pursue the claim through the courts or arbitration.")
        lines.append("If you have already paid, please let us know the date of payment so that we can match it.")
    attached = (f"The full {name.lower()} is attached ({f.attachment}"
                + (f", no. {f.number}" if f.number else "") + ")." if f.attachment else "")
    reply = ("If you have any question or would like to agree a payment arrangement, simply reply to this email"
             + (f" (please keep the case reference {f.ref} in the subject)" if f.ref else "")
             + (f" or call us on {f.creditor_phone}" if f.creditor_phone else "") + ".")
    closing = (f"\n\nYours faithfully,\n\n{f.creditor}\nAccounts Receivable\n\n"
               "(This email was sent by our system; replies are read by our accounts receivable team.)\n")
    return greeting + "\n".join([*lines, *([attached] if attached else []), reply]) + closing
