"""Checking every row of an import against the field rules and against what is already stored.

One pass per kind, in dependency order; each row becomes a ``Planned`` record (insert, update or
unchanged) or one problem per bad cell. Nothing is written here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from workflow.accounts.models import Role
from workflow.ledger.imports.plan import Plan, Planned, RowCtx, diff_stored, present_only
from workflow.ledger.imports.schema import (
    COLUMNS,
    CONTACT_ROLES,
    CUSTOMER_KINDS,
    EMAIL_RE,
    PAYMENT_TRIGGERS,
    Kind,
    parse_date,
    parse_money,
    parse_rate,
)
from workflow.ledger.imports.state import Stored
from workflow.ledger.models import CustomerKind
from workflow.ledger.responsibility import COLLECTOR_ROLES, SALES_ROLES, People
from workflow.ledger.validation import credit_code_problem, normalise_credit_code

ZERO = Decimal("0.00")


def _person(people: People, r: RowCtx, column: str, text: str | None, roles: frozenset[Role]) -> int | None:
    if not text:
        return None
    named = people.find(column, text, roles)
    if named.problem is not None:
        r.bad(column, named.problem.code, (named.problem.zh, named.problem.en))
    return named.user_id


@dataclass
class RowRules:
    """Rules one import run adds to the field rules: the last day a payment may be dated (today plus
    the configured slack), and whether an unpaid invoice may move to another customer (then each
    move is recorded for the audit entry)."""

    latest_payment: date | None = None
    allow_customer_change: bool = False
    moved: list[dict[str, Any]] = field(default_factory=list)

    def move(self, creditor: int, number: str, old: str, new: str) -> None:
        self.moved.append({"creditor_id": creditor, "invoice_number": number, "old_customer": old,
                           "new_customer": new})


class Checker:
    def __init__(self, plan: Plan, stored: Stored, rules: RowRules | None = None) -> None:
        self.plan, self.s = plan, stored
        self.rules = rules or RowRules()
        self.seen: dict[tuple[Any, ...], int] = {}
        self.file_customers: dict[str, str | None] = {}  # code → credit code
        self.file_contracts: dict[tuple[int, str], str] = {}  # (creditor, number) → customer code
        self.file_invoices: dict[tuple[int, str], tuple[str, str]] = {}  # → (customer code, currency)

    def _dup(self, r: RowCtx, kind: Kind, key: tuple[Any, ...], column: str) -> bool:
        first = self.seen.get((kind, *key))
        if first is not None:
            r.bad(column, "duplicate_in_file", (f"与第 {first} 行重复", f"duplicates row {first}"))
            return True
        self.seen[(kind, *key)] = r.row
        return False

    def creditor(self, r: RowCtx) -> int | None:
        code = r.text("creditor_code", max_len=32)
        if code is None:
            if self.s.default_creditor is None:
                r.bad(
                    "creditor_code",
                    "creditor_required",
                    (
                        "有多个我方主体或尚无主体，须填写我方主体编码",
                        "name our company (creditor code): there is not exactly one",
                    ),
                )
            return self.s.default_creditor
        cid = self.s.creditors.get(code)
        if cid is None:
            r.bad("creditor_code", "unknown_creditor", (f"无此我方主体：{code}", f"no such creditor entity: {code}"))
        return cid

    def people(self, r: RowCtx, clerk_column: str) -> dict[str, Any]:
        """The salesperson and collection clerk the row names (by name or login, or by employee
        number), as "file column:db column" entries for ``present_only``; an unknown, ambiguous or
        unsuitable person is a problem in the row's report under the file's header."""
        out: dict[str, Any] = {}
        by_name = r.text("salesperson", max_len=200) if r.has("salesperson") else None
        by_no = r.text("salesperson_no", max_len=32) if r.has("salesperson_no") else None
        named = {col: _person(self.s.people, r, col, text, SALES_ROLES)
                 for col, text in (("salesperson", by_name), ("salesperson_no", by_no)) if text}
        if len(named) == 2 and None not in named.values() and named["salesperson"] != named["salesperson_no"]:
            r.bad("salesperson_no", "salesperson_mismatch",
                  (f"工号 {by_no} 与业务员“{by_name}”不是同一人",
                   f"employee number {by_no} is not \u201c{by_name}\u201d"))
        source = "salesperson_no" if r.has("salesperson_no") and (by_no or not r.has("salesperson")) else "salesperson"
        if r.has(source):
            out[f"{source}:salesperson_id"] = named.get(source)
        if r.has("collector"):
            who = r.text("collector", max_len=200)
            out[f"collector:{clerk_column}"] = _person(self.s.people, r, "collector", who, COLLECTOR_ROLES) \
                if who else None
        return out

    def customer_ref(self, r: RowCtx) -> str | None:
        code = r.text("customer_code", required=True, max_len=32)
        if code is not None and code not in self.s.customers and code not in self.file_customers:
            r.bad(
                "customer_code",
                "unknown_customer",
                (f"客户编码不存在：{code}（请先导入客户）", f"unknown customer code: {code} (import customers first)"),
            )
            return None
        return code

    # ------------------------------------------------------------------ customers
    def customer(self, r: RowCtx) -> None:
        code = r.text("customer_code", required=True, max_len=32)
        name = r.text("legal_name", required=True)
        kind_raw = r.text("kind", max_len=20)
        kind = CUSTOMER_KINDS.get(kind_raw.lower() if kind_raw else "", None) if kind_raw else None
        if kind_raw and kind is None:
            r.bad(
                "kind",
                "invalid_kind",
                (
                    f"客户类型无法识别：{kind_raw}（民营中小企业、大型民营企业、国有企业、外资企业、个体工商户）",
                    f"unknown customer type: {kind_raw}",
                ),
            )
        raw_cc = r.text("credit_code", max_len=30)
        credit = normalise_credit_code(raw_cc) if raw_cc else None
        if credit:
            problem = credit_code_problem(credit)
            if problem:
                r.bad("credit_code", "invalid_credit_code", problem)
        elif kind != CustomerKind.FOREIGN and r.ok:
            r.bad(
                "credit_code",
                "required",
                (
                    "境内客户须填写统一社会信用代码",
                    "a unified social credit code is required unless the customer is foreign",
                ),
            )
        limit = r.parsed("credit_limit", parse_money, "invalid_amount")
        currency = r.currency() if r.has("currency") else None
        flags = {k: r.flag(k) for k in ("credit_hold", "do_not_dun")}
        if code is None or self._dup(r, Kind.CUSTOMERS, (code,), "customer_code"):
            return
        if credit:
            owner = self.s.credit_codes.get(credit)
            in_file = next((c for c, cc in self.file_customers.items() if cc == credit), None)
            if (owner is not None and owner != code) or in_file is not None:
                r.bad(
                    "credit_code",
                    "duplicate_credit_code",
                    (
                        f"该信用代码已属于客户 {owner or in_file}",
                        f"credit code already belongs to customer {owner or in_file}",
                    ),
                )
        self.file_customers[code] = credit
        if not r.ok:
            return
        values = present_only(
            r,
            {"code": code, "legal_name": name, "credit_code": credit},
            {
                "kind": kind or CustomerKind.PRIVATE_SMALL.value,
                "registered_address": r.text("registered_address", max_len=300),
                "legal_name_en": r.text("legal_name_en", max_len=300),
                "credit_limit": limit,
                "currency:credit_limit_currency": currency or "CNY",
                **flags,
                "notes": r.text("notes", max_len=2000),
                **self.people(r, "assigned_clerk_id"),
            },
        )
        if not r.ok:
            return
        stored = self.s.customers.get(code)
        if stored is None:
            values.setdefault("kind", CustomerKind.PRIVATE_SMALL.value)
        self._add(Kind.CUSTOMERS, (code,), r, values, stored)

    def _add(
        self, kind: Kind, key: tuple[Any, ...], r: RowCtx, values: dict[str, Any], stored: dict[str, Any] | None
    ) -> None:
        self.plan.items[kind].append(
            Planned(
                kind, key, r.sheet, r.row, values, None if stored is None else stored["id"], diff_stored(stored, values)
            )
        )

    # ------------------------------------------------------------------ contacts
    def contact(self, r: RowCtx) -> None:
        code = self.customer_ref(r)
        name = r.text("name", required=True, max_len=100)
        role_raw = r.text("role", required=True, max_len=30)
        role = CONTACT_ROLES.get(role_raw.lower()) if role_raw else None
        if role_raw and role is None:
            r.bad(
                "role",
                "invalid_role",
                (f"角色无法识别：{role_raw}（财务、采购、法定代表人、原经办人）", f"unknown contact role: {role_raw}"),
            )
        email = r.text("email", max_len=254)
        if email and not EMAIL_RE.match(email):
            r.bad("email", "invalid_email", ("邮箱格式不正确", "not a valid email address"))
        phone = r.text("phone", max_len=50)
        if not email and not phone:
            r.bad("email", "required", ("邮箱和电话至少填一项", "give an email address or a phone number"))
        notice = r.flag("is_notice_address")
        lang = (r.text("language", max_len=8) or "zh_CN").replace("中文", "zh_CN").replace("英文", "en")
        if lang not in ("zh_CN", "en"):
            r.bad("language", "invalid_language", ("语言应为 zh_CN 或 en", "language must be zh_CN or en"))
        if code is None or name is None or self._dup(r, Kind.CONTACTS, (code, name, email), "name") or not r.ok:
            return
        values = present_only(
            r,
            {"customer_code": code, "name": name, "email": email, "role": role},
            {"phone": phone, "language": lang, "is_notice_address": notice},
        )
        self._add(Kind.CONTACTS, (code, name, email), r, values, self.s.contacts.get((code, name, email)))

    # ------------------------------------------------------------------ contracts
    def contract(self, r: RowCtx) -> None:
        creditor = self.creditor(r)
        number = r.text("contract_number", required=True, max_len=64)
        code = self.customer_ref(r)
        currency = r.currency()
        total = r.parsed("total", parse_money, "invalid_amount")
        days = r.text("payment_days", max_len=6)
        terms = None
        if days is not None:
            if not days.isdigit() or not 0 <= int(days) <= 3650:
                r.bad(
                    "payment_days", "invalid_days", ("账期应为 0–3650 的整数天数", "payment term must be 0–3650 days")
                )
            else:
                trig_raw = r.text("payment_trigger", max_len=20) or "invoice_date"
                trigger = PAYMENT_TRIGGERS.get(trig_raw.lower())
                if trigger is None:
                    r.bad(
                        "payment_trigger",
                        "invalid_trigger",
                        (
                            "付款起算应为 开票、交货 或 验收",
                            "payment trigger must be invoice date, delivery or acceptance",
                        ),
                    )
                terms = {"kind": "days_after", "trigger": trigger, "days": int(days)}
        penalty = self._penalty(r)
        court, arb = r.text("court_place"), r.text("arbitration_commission")
        dispute = None
        if court and arb:
            r.bad(
                "arbitration_commission",
                "arbitration_or_court",
                (
                    "既约定仲裁又约定诉讼的条款无效，只能填一项",
                    "an 'arbitration or court' clause is void: fill in only one",
                ),
            )
        elif court or arb:
            dispute = {"kind": "court", "place": court} if court else {"kind": "arbitration", "commission": arb}
        if creditor is None or number is None or code is None:
            return
        if self._dup(r, Kind.CONTRACTS, (creditor, number), "contract_number"):
            return
        self.file_contracts[(creditor, number)] = code
        stored = self.s.contracts.get((creditor, number))
        if stored is not None and stored["customer_code"] != code:
            r.bad(
                "customer_code",
                "customer_changed",
                (
                    f"合同已属于客户 {stored['customer_code']}，不能改为其他客户",
                    f"the contract belongs to customer {stored['customer_code']}; it cannot move",
                ),
            )
        if not r.ok:
            return
        values = present_only(
            r,
            {"creditor_id": creditor, "number": number, "customer_code": code},
            {
                "title": r.text("title"),
                "signed_on": r.parsed("signed_on", parse_date, "invalid_date"),
                "signed_place": r.text("signed_place"),
                "currency": currency,
                "total": total,
                "payment_days:payment_terms": terms,
                "court_place:dispute": dispute,
                "penalty_daily_rate:penalty": penalty,
            },
        )
        if "penalty" not in values and r.has("penalty_lpr_multiple"):
            values["penalty"] = penalty
        if "dispute" not in values and r.has("arbitration_commission"):
            values["dispute"] = dispute
        self._add(Kind.CONTRACTS, (creditor, number), r, values, stored)

    def _penalty(self, r: RowCtx) -> dict[str, Any] | None:
        daily = r.text("penalty_daily_rate", max_len=20)
        multiple = r.text("penalty_lpr_multiple", max_len=10)
        if daily in ("无", "none", "0"):
            return {"kind": "none"}
        if daily:
            rate, problem = parse_rate(daily)
            if problem:
                r.bad("penalty_daily_rate", "invalid_rate", problem)
                return None
            return {"kind": "daily_rate", "rate": format(rate, "f"), "cap": None}
        if multiple:
            try:
                m = Decimal(multiple)
            except ArithmeticError:
                m = Decimal(0)
            if not m.is_finite() or not Decimal(0) < m <= Decimal(10):
                r.bad(
                    "penalty_lpr_multiple", "invalid_multiple", ("LPR 倍数应在 0–10 之间", "LPR multiple must be 0–10")
                )
                return None
            return {"kind": "lpr_multiple", "multiple": format(m.normalize(), "f")}
        return None

    # ------------------------------------------------------------------ invoices
    def invoice(self, r: RowCtx) -> None:
        creditor = self.creditor(r)
        number = r.text("invoice_number", required=True, max_len=64)
        code = self.customer_ref(r)
        issue: date | None = r.parsed("issue_date", parse_date, "invalid_date", required=True)
        due: date | None = r.parsed("due_date", parse_date, "invalid_date", required=True)
        if issue and due and due < issue:
            r.bad("due_date", "due_before_issue", ("到期日早于开票日期", "due date is before the issue date"))
        amount: Decimal | None = r.parsed("amount", parse_money, "invalid_amount", required=True)
        currency = r.currency()
        contract_no = r.text("contract_number", max_len=64)
        if contract_no and creditor is not None and code is not None:
            owner = self.file_contracts.get((creditor, contract_no))
            if owner is None and (stored_c := self.s.contracts.get((creditor, contract_no))) is not None:
                owner = stored_c["customer_code"]
            if owner is None:
                r.bad(
                    "contract_number",
                    "unknown_contract",
                    (f"合同不存在：{contract_no}", f"unknown contract: {contract_no}"),
                )
            elif owner != code:
                r.bad(
                    "contract_number",
                    "contract_customer_mismatch",
                    (f"合同 {contract_no} 属于客户 {owner}", f"contract {contract_no} belongs to customer {owner}"),
                )
        cells = r.cells  # optional columns the file lacks cost nothing
        optional = {
            "contract_number:contract_number": contract_no,
            "tax_invoice_no": r.text("tax_invoice_no", max_len=64) if "tax_invoice_no" in cells else None,
            "delivery_note_ref": r.text("delivery_note_ref", max_len=64) if "delivery_note_ref" in cells else None,
            "delivery_date": (
                r.parsed("delivery_date", parse_date, "invalid_date") if "delivery_date" in cells else None
            ),
            "description": r.text("description", max_len=300) if "description" in cells else None,
            **self.people(r, "collector_id"),
        }
        if creditor is None or number is None or code is None:
            return
        if self._dup(r, Kind.INVOICES, (creditor, number), "invoice_number") or not r.ok:
            return
        self.file_invoices[(creditor, number)] = (code, currency)
        stored = self.s.invoices.get((creditor, number))
        if stored is not None:
            settled = stored["paid_amount"] + stored["credited_amount"]
            if settled > ZERO and (stored["customer_code"] != code or stored["currency"] != currency):
                r.bad(
                    "customer_code",
                    "settled_invoice_moved",
                    (
                        "发票已有收款或红字冲销，不能更换客户或币种",
                        "the invoice has payments or credits: customer and currency cannot change",
                    ),
                )
            elif stored["customer_code"] != code and not self.rules.allow_customer_change:
                r.bad(
                    "customer_code",
                    "invoice_moved",
                    (
                        f"发票 {number} 已属于客户 {stored['customer_code']}；如确需改到客户 {code} 名下，"
                        "请在导入时选择允许更换客户（allow_customer_change）",
                        f"invoice {number} belongs to customer {stored['customer_code']}; to move it to {code}, "
                        "import again allowing the customer change (allow_customer_change)",
                    ),
                )
            if amount is not None and amount < settled:
                r.bad(
                    "amount",
                    "below_settled",
                    (f"金额低于已收款与冲销合计 {settled}", f"amount is below what is already settled ({settled})"),
                )
            if not r.ok:
                return
        values = present_only(
            r,
            {
                "creditor_id": creditor,
                "number": number,
                "customer_code": code,
                "issue_date": issue,
                "due_date": due,
                "amount": amount,
                "currency": currency,
            },
            optional,
        )
        if stored is not None and stored["customer_code"] != code:
            if stored.get("contract_number") and "contract_number" not in r.cells:
                # the contract would stay the old customer's: the file must say which contract now
                r.bad("customer_code", "contract_of_old_customer",
                      (f"发票 {number} 属于原客户的合同 {stored['contract_number']}；更换客户时请在「合同编号」列"
                       "填写新客户的合同（或留空）",
                       f"invoice {number} is under the old customer's contract {stored['contract_number']}: when "
                       "moving it, give the new customer's contract in the contract_number column (or leave it empty)"))
                return
            self.rules.move(creditor, number, stored["customer_code"], code)
        self._add(Kind.INVOICES, (creditor, number), r, values, stored)

    # ------------------------------------------------------------------ payments
    def payment(self, r: RowCtx) -> None:
        creditor = self.creditor(r)
        ref = r.text("bank_reference", required=True, max_len=64)
        code = self.customer_ref(r)
        received: date | None = r.parsed("received_on", parse_date, "invalid_date", required=True)
        latest = self.rules.latest_payment
        if received is not None and latest is not None and received > latest:
            r.bad("received_on", "in_the_future", (f"付款日期 {received} 晚于今天，不能登记尚未收到的款项",
                                                   f"the payment date {received} is after today: a payment not "
                                                   "yet received cannot be recorded"))
        amount: Decimal | None = r.parsed("amount", parse_money, "invalid_amount", required=True)
        currency = r.currency()
        named = r.text("invoice_number", max_len=64)
        if named and creditor is not None and code is not None:
            target = self.file_invoices.get((creditor, named))
            if target is None and (st := self.s.invoices.get((creditor, named))) is not None:
                target = (st["customer_code"], st["currency"])
            if target is None:
                r.bad("invoice_number", "unknown_invoice", (f"发票不存在：{named}", f"unknown invoice: {named}"))
            elif target != (code, currency):
                r.bad(
                    "invoice_number",
                    "invoice_mismatch",
                    ("所核销发票的客户或币种与本笔收款不同", "the named invoice has another customer or currency"),
                )
        if creditor is None or ref is None or code is None:
            return
        if self._dup(r, Kind.PAYMENTS, (creditor, ref), "bank_reference") or not r.ok:
            return
        stored = self.s.payments.get((creditor, ref))
        if stored is not None and (
            stored["customer_code"],
            stored["received_on"],
            stored["amount"],
            stored["currency"],
        ) != (code, received, amount, currency):
            r.bad(
                "bank_reference",
                "payment_changed",
                (
                    "该银行流水已导入且客户、日期、金额或币种不同；银行流水不可更改",
                    "this bank reference was imported with another customer, date, amount or currency; "
                    "it cannot change",
                ),
            )
            return
        values = present_only(
            r,
            {
                "creditor_id": creditor,
                "bank_reference": ref,
                "customer_code": code,
                "received_on": received,
                "amount": amount,
                "currency": currency,
            },
            {"payer_name": r.text("payer_name"), "invoice_number:invoice_number": named},
        )
        self._add(
            Kind.PAYMENTS, (creditor, ref), r, values, None if stored is None else {**stored, "invoice_number": named}
        )


CHECKS: dict[Kind, Callable[[Checker, RowCtx], None]] = {
    Kind.CUSTOMERS: Checker.customer,
    Kind.CONTACTS: Checker.contact,
    Kind.CONTRACTS: Checker.contract,
    Kind.INVOICES: Checker.invoice,
    Kind.PAYMENTS: Checker.payment,
}

REQUIRED = {k: [c for c in cols if c.required] for k, cols in COLUMNS.items()}
