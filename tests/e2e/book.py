"""The ledger the end-to-end tests work on: one creditor, Chinese customers with their finance
contacts, overdue invoices, a payment, a contract, users of every role, and the day's dunning run.

Built through the same services the API and the CLI call (``tests.uow.run``), never with raw rows,
so the pages show what a real installation would hold. The day is the suite's Thursday, 26 November
2026, 10:00 in Shanghai: a working day inside the contact hours, so the run sends its letters.

Who is who:

- 深圳市华星光电 (``HUAXING``): two overdue invoices under a contract, a partial payment; the run
  opens its case and sends the first reminder. The "send now" journey sends it the next letter, the
  bundle journey builds its evidence bundle.
- 杭州娃哈哈 (``WAHAHA``): assigned to the lawyer 郑明远 (``lawyer1``) and on a policy whose only
  escalation level is the 律师函: the run drafts one, which waits for his approval.
- 广州白云山医药 (``BAIYUN``): overdue, not the lawyer's; the reply journey answers its letter.
- 北京京东方 (``BOE``): owes nothing overdue (an invoice due next year): no case, until the run
  journey adds an overdue invoice and runs the day again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from tests.ledger.sample_ledger import CREDITOR, cc
from tests.uow import run
from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.cases.models import DunningCase
from workflow.cases.policy import assign_policy, create_policy
from workflow.core import Core
from workflow.ledger.contracts import create_contract
from workflow.ledger.invoices import create_invoice
from workflow.ledger.models import Customer
from workflow.ledger.parties import create_creditor, create_customer, update_customer
from workflow.ledger.payments import record_payment
from workflow.ledger.schemas import ContractIn, CreditorIn, CustomerIn, CustomerPatch, InvoiceIn, PaymentIn
from workflow.unit_of_work import UnitOfWork

PASSWORD = "correct horse battery"
SETUP = Actor(user_id=None, username="e2e-setup", role=Role.ADMIN)
RUNNER = Actor(user_id=None, username="dunning-run", role=Role.ADMIN)
OUR_EMAIL = "ar@bspack.example.cn"

# login, role, display name
USERS = (
    ("admin1", "admin", "系统管理员 王芳"),
    ("clerk1", "clerk", "应收会计 李娜"),
    ("legal1", "legal", "法务专员 林静"),
    ("lawyer1", "lawyer", "外聘律师 郑明远"),
)

HUAXING, WAHAHA, BAIYUN, BOE = "C001", "C002", "C003", "C004"

CUSTOMERS: tuple[dict[str, Any], ...] = (
    {"code": HUAXING, "legal_name": "深圳市华星光电技术有限公司", "credit_code": cc("91440300682013573"),
     "registered_address": "深圳市光明区塘明大道9-2号", "kind": "private_large", "credit_limit": "5000000.00",
     "contacts": [{"name": "陈静", "role": "finance", "email": "chen.jing@csot.example.cn", "phone": "0755-26581234",
                   "is_notice_address": True}]},
    {"code": WAHAHA, "legal_name": "杭州娃哈哈食品有限公司", "credit_code": cc("91330100143055621"),
     "registered_address": "杭州市上城区清泰街160号", "kind": "private_small", "credit_limit": "800000.00",
     "contacts": [{"name": "刘洋", "role": "finance", "email": "liu.yang@wahaha.example.cn",
                   "phone": "0571-86032866"}]},
    {"code": BAIYUN, "legal_name": "广州白云山医药集团股份有限公司", "credit_code": cc("91440101231243173"),
     "registered_address": "广州市荔湾区沙面北街45号", "kind": "state_owned", "credit_limit": "2000000.00",
     "contacts": [{"name": "黄丽", "role": "finance", "email": "huang.li@gybys.example.cn",
                   "phone": "020-66281188"},
                  {"name": "周强", "role": "purchasing", "email": "zhou.qiang@gybys.example.cn"}]},
    {"code": BOE, "legal_name": "北京京东方科技集团股份有限公司", "credit_code": cc("91110000101101660"),
     "registered_address": "北京市朝阳区酒仙桥路10号", "kind": "state_owned",
     "contacts": [{"name": "赵敏", "role": "finance", "email": "zhao.min@boe.example.cn"}]},
)

# customer code → (invoice number, issued, due, amount)
INVOICES: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    HUAXING: (("FP-2026-0101", "2026-08-01", "2026-09-30", "120000.00"),
              ("FP-2026-0102", "2026-09-01", "2026-10-31", "80000.00")),
    WAHAHA: (("FP-2026-0201", "2026-07-10", "2026-09-15", "256800.00"),),
    BAIYUN: (("FP-2026-0301", "2026-08-20", "2026-10-20", "98650.50"),
             ("FP-2026-0302", "2026-09-18", "2026-11-17", "45200.00")),
    BOE: (("FP-2026-0401", "2026-11-20", "2027-01-19", "312000.00"),),
}

LAW_FIRM = {"name": "上海市锦天城律师事务所", "name_en": "AllBright Law Offices",
            "address": "上海市浦东新区银城中路501号", "address_en": "501 Yincheng Middle Road, Shanghai",
            "phone": "021-20511000", "email": "ar@allbright.example.cn"}
LAWYER = {"name": "郑明远", "name_en": "Zheng Mingyuan", "licence_no": "13101200910123456",
          "phone": "021-20511001", "email": "zheng.mingyuan@allbright.example.cn"}


@dataclass
class Book:
    creditor_id: int
    customers: dict[str, int]  # code → id
    users: dict[str, int]  # login → id
    contract_id: int
    invoices: dict[str, int]  # number → id
    payment_id: int
    cases: dict[str, str] = field(default_factory=dict)  # customer code → its case's ref

    def name(self, code: str) -> str:
        return next(str(c["legal_name"]) for c in CUSTOMERS if c["code"] == code)


def build(core: Core) -> Book:
    """The ledger, the users, the lawyer's assignment and the 律师函 policy, in one unit of work."""

    def make(uow: UnitOfWork) -> Book:
        accounts = core.services.accounts
        users = {login: accounts.create_user(uow, username=login, display_name=name, role=role,
                                             password=PASSWORD).id
                 for login, role, name in USERS}
        creditor = create_creditor(uow, CreditorIn.model_validate({**CREDITOR, "email": OUR_EMAIL}))
        customers = {str(c["code"]): create_customer(uow, CustomerIn.model_validate(c)).id for c in CUSTOMERS}
        for code, cid in customers.items():
            patch: dict[str, Any] = {"assigned_clerk_id": users["clerk1"]}
            if code == WAHAHA:
                patch["assigned_lawyer_id"] = users["lawyer1"]
            update_customer(uow, cid, CustomerPatch.model_validate(patch))
        contract = create_contract(uow, ContractIn.model_validate({
            "creditor_id": creditor.id, "customer_id": customers[HUAXING], "number": "BSP-2026-0158",
            "title": "马口铁罐采购合同", "signed_on": "2026-03-02", "signed_place": "上海市宝山区", "currency": "CNY",
            "total": "1200000.00", "payment_terms": {"kind": "days_after", "trigger": "delivery", "days": 60},
            "penalty": {"kind": "daily_rate", "rate": "0.0005", "cap": "20%"},
            "dispute": {"kind": "court", "place": "上海市宝山区", "basis": "plaintiff_domicile"},
            "notice_addresses": [{"party": "customer", "email": "chen.jing@csot.example.cn"}]}))
        invoices: dict[str, int] = {}
        for code, rows in INVOICES.items():
            for number, issued, due, amount in rows:
                invoices[number] = create_invoice(uow, InvoiceIn.model_validate({
                    "creditor_id": creditor.id, "customer_id": customers[code],
                    "contract_id": contract.id if code == HUAXING else None, "number": number,
                    "issue_date": issued, "due_date": due, "amount": amount, "currency": "CNY",
                    "tax_invoice_no": "4403" + number[-4:], "description": "马口铁罐 / 包装材料"})).id
        paid = record_payment(uow, PaymentIn.model_validate({
            "creditor_id": creditor.id, "customer_id": customers[HUAXING], "received_on": "2026-10-20",
            "amount": "20000.00", "currency": "CNY", "payer_name": "深圳市华星光电技术有限公司",
            "bank_reference": "ICBC-20261020-0038"}))
        fast = create_policy(uow, name="律师函直通 / lawyer's letter first", levels=[
            {"offset": 1, "kind": "lawyer_letter", "approval": True, "law_firm": LAW_FIRM, "lawyer": LAWYER}])
        assign_policy(uow, customers[WAHAHA], fast.id)
        return Book(creditor.id, customers, users, contract.id, invoices, paid.payment.id)

    return run(core, SETUP, make)


def dunning_run(core: Core, book: Book) -> None:
    """The day's scheduled run, as the job would start it; then the case refs per customer."""
    core.services.dunning.run(RUNNER)

    def refs(uow: UnitOfWork) -> dict[str, str]:
        rows = uow.session.execute(select(Customer.code, DunningCase.ref).join(
            Customer, Customer.id == DunningCase.customer_id))
        return {code: ref for code, ref in rows}

    with core.unit_of_work(SETUP, read_only=True) as uow:
        book.cases = refs(uow)
