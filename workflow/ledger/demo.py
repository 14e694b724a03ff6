"""`dunning demo`: a realistic, deterministic demo ledger relative to today.

Two creditor entities, thirty customers with contacts, contracts with varied clauses, about 500
invoices whose due dates fall in every aging bucket, full and partial payments (named and
allocated by 民法典 560), a few credit notes and write-offs, and one demo user per role.
Idempotent: a second run finds the demo and changes nothing. One load is one unit of work: the
ledger, the users and the staff assignments commit together, and denormalised totals are computed
in the same transaction as the rows they summarise.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workflow.accounts.models import User
from workflow.accounts.service import Accounts
from workflow.credit.models import CreditRecommendation, CustomerFlag, CustomerRating, ExposureOrder
from workflow.credit.service import Rater
from workflow.errors import Conflict
from workflow.ledger.allocation import OpenItem, allocate_by_due_date
from workflow.ledger.demo_data import (
    ARBITRATION,
    CREDIT_REASONS,
    CREDITORS,
    CUSTOMERS,
    DEMO_USERS,
    PRODUCTS,
    SALES_BY_REMAINDER,
    SALESPEOPLE,
)
from workflow.ledger.models import (
    Allocation,
    Contact,
    Contract,
    CreditNote,
    CreditorEntity,
    Customer,
    Invoice,
    Payment,
)
from workflow.ledger.validation import CREDIT_CODE_CHARS, credit_code_check_char
from workflow.unit_of_work import UnitOfWork

SEED = 20_260_101
ZERO = Decimal("0.00")
# days overdue for the invoices, one range per aging bucket, with how many invoices each gets
OVERDUE_RANGES = (
    (-75, 0, 90),
    (1, 30, 80),
    (31, 60, 65),
    (61, 90, 55),
    (91, 180, 75),
    (181, 365, 60),
    (366, 730, 45),
    (731, 1100, 30),
)


@dataclass
class DemoResult:
    loaded: bool
    users: list[tuple[str, str, str]]
    summary: dict[str, int] = field(default_factory=dict)


def credit_code(rnd: random.Random, region: str, individual: bool = False) -> str:
    org = "".join(rnd.choice(CREDIT_CODE_CHARS[:10] if i < 8 else CREDIT_CODE_CHARS) for i in range(9))
    first17 = ("92" if individual else "91") + region + org
    return first17 + credit_code_check_char(first17)


def _money(rnd: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rnd.randrange(low * 100, high * 100)) / 100


def load_demo(uow: UnitOfWork, accounts: Accounts, *, reset: bool = False) -> DemoResult:
    """Load the demo ledger and its users in the caller's unit of work: all of it or nothing."""
    uow.require_admin()
    users = [(u, r, p) for u, r, p, _ in DEMO_USERS]
    s = uow.session
    present = s.scalar(select(CreditorEntity.id).where(CreditorEntity.code == CREDITORS[0]["code"]))
    if present is not None and not reset:
        return DemoResult(False, users)
    if present is not None:
        _remove(s)
    summary = _build(s, uow.now(), random.Random(SEED), uow.today())
    uow.audit("demo.load", "demo", "ledger", None, summary)
    users = []
    for username, role, password, name in DEMO_USERS:
        exists = s.scalar(select(User.id).where(User.username == username)) is not None
        if exists:  # someone made this user before the demo: their password is theirs, not ours
            users.append((username, role, "(已存在，密码未改 / existing user, password unchanged)"))
        else:
            employee_no, email, locale = SALESPEOPLE.get(username, (None, None, "zh_CN"))
            accounts.create_user(uow, username=username, display_name=name, role=role, password=password,
                                 employee_no=employee_no, email=email, locale=locale)
            users.append((username, role, password))
    _assign_staff(uow)
    # the customers' credit ratings from the ledger just built, so the demo shows grades with their reasons
    grades = Rater(ZoneInfo("Asia/Shanghai")).recompute_in(uow).grades
    summary.update({f"grade_{g}": n for g, n in sorted(grades.items())})
    return DemoResult(True, users, summary)


def _remove(s: Session) -> None:
    creditor_ids = list(
        s.scalars(select(CreditorEntity.id).where(CreditorEntity.code.in_([c["code"] for c in CREDITORS])))
    )
    customer_ids = list(s.scalars(select(Customer.id).where(Customer.legal_name.in_([c[0] for c in CUSTOMERS]))))
    payments = select(Payment.id).where(Payment.creditor_id.in_(creditor_ids))
    try:
        s.execute(delete(Allocation).where(Allocation.payment_id.in_(payments)))
        s.execute(delete(Payment).where(Payment.creditor_id.in_(creditor_ids)))
        s.execute(delete(CreditNote).where(CreditNote.creditor_id.in_(creditor_ids)))
        s.execute(delete(Invoice).where(Invoice.creditor_id.in_(creditor_ids)))
        s.execute(delete(Contract).where(Contract.creditor_id.in_(creditor_ids)))
        s.execute(delete(Contact).where(Contact.customer_id.in_(customer_ids)))
        for credit_table in (CustomerRating, CustomerFlag, CreditRecommendation, ExposureOrder):
            s.execute(delete(credit_table).where(credit_table.customer_id.in_(customer_ids)))
        s.execute(delete(Customer).where(Customer.id.in_(customer_ids)))
        s.execute(delete(CreditorEntity).where(CreditorEntity.id.in_(creditor_ids)))
        s.flush()
    except IntegrityError as exc:
        raise Conflict(
            "其他记录（案件、文书等）引用了演示数据，无法重置；请重建数据库",
            "other records (cases, documents...) refer to the demo data; recreate the database instead",
        ) from exc


def _build(s: Session, now: datetime, rnd: random.Random, today: date) -> dict[str, int]:
    creditors = []
    for c in CREDITORS:
        row = CreditorEntity(
            code=c["code"],
            legal_name=c["legal_name"],
            legal_name_en=c["legal_name_en"],
            credit_code=credit_code(rnd, str(c["region"])),
            address=c["address"],
            address_en=c["address_en"],
            bank_name=c["bank_name"],
            bank_account=c["bank_account"],
            bank_account_name=c["legal_name"],
            contact_name=c["contact_name"],
            phone=c["phone"],
            email=c["email"],
            letterhead=c["letterhead"],
            created_at=now,
        )
        s.add(row)
        creditors.append(row)
    customers: list[Customer] = []
    for i, (name, kind, region, address, domain, rep, fin, pur) in enumerate(CUSTOMERS, start=1):
        cust = Customer(
            code=f"KH{i:04d}",
            legal_name=name,
            kind=kind,
            registered_address=address,
            credit_code=credit_code(rnd, region, kind == "individual_business") if region else None,
            credit_limit=Decimal(rnd.choice((200_000, 500_000, 1_000_000, 3_000_000))),
            credit_hold=i % 11 == 0,
            do_not_dun=i == 17,
            created_at=now,
            legal_name_en=name if not region else None,
        )
        s.add(cust)
        customers.append(cust)
        notice = i % 2 == 0
        lang = "en" if not region else "zh_CN"
        s.add_all(
            [
                Contact(
                    customer=cust,
                    name=fin,
                    role="finance",
                    email=f"finance@{domain}",
                    language=lang,
                    phone=f"1{rnd.choice('3589')}{rnd.randrange(10**8, 10**9)}",
                    is_notice_address=notice,
                ),
                Contact(
                    customer=cust,
                    name=pur,
                    role="purchasing",
                    email=f"purchase@{domain}",
                    language=lang,
                    phone=f"1{rnd.choice('3578')}{rnd.randrange(10**8, 10**9)}",
                ),
                Contact(customer=cust, name=rep, role="legal_representative", email=f"ceo@{domain}", language=lang),
            ]
        )
    s.flush()
    contracts = _contracts(s, rnd, today, creditors, customers, now)
    invoices = _invoices(s, rnd, today, contracts, now)
    payments, allocations = _payments(s, rnd, today, invoices, now)
    credits = _credit_notes(s, rnd, today, invoices, now)
    for inv in rnd.sample([i for i in invoices if (today - i.due_date).days > 900], 3):
        inv.written_off = inv.amount - inv.paid_amount - inv.credited_amount > 0
    s.flush()
    return {
        "creditors": len(creditors),
        "customers": len(customers),
        "contacts": 3 * len(customers),
        "contracts": len(contracts),
        "invoices": len(invoices),
        "payments": payments,
        "allocations": allocations,
        "credit_notes": credits,
    }


def _contracts(
    s: Session, rnd: random.Random, today: date, creditors: list[CreditorEntity], customers: list[Customer], now: Any
) -> list[Contract]:
    out = []
    for i, cust in enumerate(customers):
        for j in range(1 + i % 2):
            cred = creditors[(i + j) % 2]
            signed = today - timedelta(days=rnd.randrange(400, 1300))
            currency = "USD" if cust.credit_code is None else "CNY"
            days = rnd.choice((30, 45, 60, 90))
            terms: dict[str, Any] = {
                "kind": "days_after",
                "trigger": rnd.choice(("invoice_date", "delivery", "acceptance")),
                "days": days,
            }
            if (i + j) % 7 == 3:
                terms = {
                    "kind": "instalments",
                    "schedule": [
                        {"due_date": (signed + timedelta(days=90 * k)).isoformat(), "amount": "100000.00"}
                        for k in range(1, 4)
                    ],
                }
            penalty = (
                {"kind": "daily_rate", "rate": "0.0005", "cap": None},
                {"kind": "lpr_multiple", "multiple": "1.5"},
                {"kind": "none"},
                {"kind": "annual_rate", "rate": "0.12", "cap": "20%"},
            )[(i + j) % 4]
            court = next(c["court"] for c in CREDITORS if c["code"] == cred.code)
            dispute = (
                {"kind": "arbitration", "commission": ARBITRATION[i % 3]}
                if (i + j) % 3 == 2
                else {"kind": "court", "place": court}
            )
            notices = [{"party": "creditor", "email": cred.email, "address": cred.address}]
            if i % 2 == 1:
                notices.append(
                    {"party": "customer", "email": f"finance@{CUSTOMERS[i][4]}", "address": cust.registered_address}
                )
            c = Contract(
                creditor_id=cred.id,
                customer_id=cust.id,
                number=f"{cred.code}-{signed.year}-{i + 1:03d}{j}",
                title=f"{rnd.choice(PRODUCTS)}采购合同",
                signed_on=signed,
                signed_place=cred.address[: cred.address.index("区") + 1],
                currency=currency,
                total=Decimal(rnd.randrange(50, 400)) * 10_000,
                payment_terms=terms,
                penalty=penalty,
                dispute=dispute,
                notice_addresses=notices,
                created_at=now,
            )
            s.add(c)
            out.append(c)
    s.flush()
    return out


def _invoices(s: Session, rnd: random.Random, today: date, contracts: list[Contract], now: Any) -> list[Invoice]:
    out = []
    seq = {c: 0 for c in ("CM-SH", "CM-SZ")}
    codes = {cr.id: cr.code for cr in s.scalars(select(CreditorEntity))}
    for low, high, count in OVERDUE_RANGES:
        for _ in range(count):
            contract = rnd.choice(contracts)
            terms = contract.payment_terms or {}
            term = int(terms.get("days", 60))
            due = today - timedelta(days=rnd.randint(low, high))
            issue = min(due - timedelta(days=term), today)
            code = codes[contract.creditor_id]
            seq[code] += 1
            amount = _money(rnd, 3_000, 180_000) if contract.currency == "CNY" else _money(rnd, 2_000, 40_000)
            inv = Invoice(
                creditor_id=contract.creditor_id,
                customer_id=contract.customer_id,
                contract_id=contract.id,
                number=f"{code[-2:]}{issue:%Y%m}{seq[code]:04d}",
                issue_date=issue,
                due_date=due,
                amount=amount,
                currency=contract.currency,
                tax_invoice_no=f"{rnd.randrange(10**19, 10**20)}",
                delivery_note_ref=f"SH{issue:%y%m%d}{seq[code]:03d}",
                delivery_date=issue - timedelta(days=rnd.randrange(0, 4)),
                description=contract.title.removesuffix("采购合同") if contract.title else None,
                paid_amount=ZERO,
                credited_amount=ZERO,
                created_at=now,
            )
            s.add(inv)
            out.append(inv)
    s.flush()
    return out


def _payments(s: Session, rnd: random.Random, today: date, invoices: list[Invoice], now: Any) -> tuple[int, int]:
    n_pay = n_alloc = 0

    def pay(inv_list: list[Invoice], when: date, amount: Decimal, named: bool) -> None:
        nonlocal n_pay, n_alloc
        n_pay += 1
        first = inv_list[0]
        p = Payment(
            creditor_id=first.creditor_id,
            customer_id=first.customer_id,
            received_on=when,
            amount=amount,
            currency=first.currency,
            bank_reference=f"HX{when:%Y%m%d}{n_pay:06d}",
            unallocated_amount=amount,
            created_at=now,
        )
        s.add(p)
        items = [
            OpenItem(i.id, i.due_date, i.issue_date, i.amount - i.paid_amount - i.credited_amount)
            for i in inv_list
            if i.issue_date <= when
        ]
        allocs, rest = allocate_by_due_date(amount, items)
        by_id = {i.id: i for i in inv_list}
        for iid, amt in allocs:
            s.add(Allocation(payment=p, invoice_id=iid, amount=amt, received_on=when, automatic=not named))
            by_id[iid].paid_amount += amt
            n_alloc += 1
        p.unallocated_amount = rest

    # customers pay in their own way, so their credit ratings differ: every sixth pays on time, the
    # next after it settles everything in full up to six weeks late, the rest at random
    rank = {cid: n for n, cid in enumerate(sorted({i.customer_id for i in invoices}))}
    for inv in invoices:
        overdue = (today - inv.due_date).days
        roll = rnd.random()
        span = max((today - inv.issue_date).days, 1)
        when = inv.issue_date + timedelta(days=rnd.randrange(1, span + 1)) if span > 1 else today
        habit = rank[inv.customer_id] % 6
        if habit == 0 and overdue > 0:
            on_time = inv.due_date - timedelta(days=rnd.randrange(0, 5))
            pay([inv], max(on_time, inv.issue_date), inv.amount, True)
        elif habit == 1 and overdue > 30:
            pay([inv], min(inv.due_date + timedelta(days=rnd.randrange(5, 45)), today), inv.amount, True)
        elif overdue > 0 and roll < 0.45:
            pay([inv], min(when, today), inv.amount, True)  # paid in full, some late
        elif roll < 0.62:
            part = (inv.amount * Decimal(rnd.choice(("0.3", "0.5", "0.6")))).quantize(Decimal("1"))
            if part > 0:
                pay([inv], min(when, today), part, True)  # partial payment
    by_customer: dict[tuple[int, int, str], list[Invoice]] = {}
    for inv in invoices:
        by_customer.setdefault((inv.creditor_id, inv.customer_id, inv.currency), []).append(inv)
    for key in sorted(by_customer)[::4]:  # lump sums without an invoice number: 民法典 560 decides
        group = by_customer[key]
        open_total = sum((i.amount - i.paid_amount for i in group), ZERO)
        if open_total > 0:
            pay(
                group,
                today - timedelta(days=rnd.randrange(3, 40)),
                (open_total * Decimal("0.25")).quantize(Decimal("1")),
                False,
            )
    for key in sorted(by_customer)[1::9]:  # unidentified receipts stay unallocated and visible
        pay(
            by_customer[key][:1],
            today - timedelta(days=rnd.randrange(1, 10)),
            Decimal(rnd.randrange(5, 50)) * 1000,
            False,
        )
    s.flush()
    return n_pay, n_alloc


def _credit_notes(s: Session, rnd: random.Random, today: date, invoices: list[Invoice], now: Any) -> int:
    candidates = [i for i in invoices if i.amount - i.paid_amount > Decimal("1000") and i.issue_date < today]
    codes = {cr.id: cr.code for cr in s.scalars(select(CreditorEntity))}
    chosen = rnd.sample(candidates, 8)
    for n, inv in enumerate(chosen, start=1):
        amount = min((inv.amount * Decimal("0.1")).quantize(Decimal("0.01")), inv.amount - inv.paid_amount)
        issued = min(inv.issue_date + timedelta(days=rnd.randrange(5, 40)), today)
        s.add(
            CreditNote(
                creditor_id=inv.creditor_id,
                customer_id=inv.customer_id,
                invoice_id=inv.id,
                number=f"HZ-{codes[inv.creditor_id]}-{n:03d}",
                issued_on=issued,
                amount=amount,
                currency=inv.currency,
                reason=rnd.choice(CREDIT_REASONS),
                created_at=now,
            )
        )
        inv.credited_amount += amount
    return len(chosen)


def _assign_staff(uow: UnitOfWork) -> None:
    s = uow.session
    ids = {u: i for u, i in s.execute(select(User.username, User.id).where(User.username.in_(("clerk", "lawyer"))))}
    for n, cust in enumerate(
        s.scalars(select(Customer).where(Customer.legal_name.in_([c[0] for c in CUSTOMERS])).order_by(Customer.id))
    ):
        cust.assigned_clerk_id = ids.get("clerk")
        if n % 5 == 4:
            cust.assigned_lawyer_id = ids.get("lawyer")
    uow.audit("demo.assign_staff", "demo", "ledger", None, ids)
    _assign_salespeople(uow)


def _assign_salespeople(uow: UnitOfWork) -> None:
    """Each customer's salesperson; a customer's second contract, every third one, was sold by a
    colleague (an override the collector KPIs follow)."""
    s = uow.session
    ids = {u: i for u, i in s.execute(select(User.username, User.id).where(User.username.in_(tuple(SALESPEOPLE))))}
    if len(ids) < len(SALESPEOPLE):
        return  # a user of that name existed before the demo and was kept: no attribution to guess
    names = [c[0] for c in CUSTOMERS]
    customers = {c.legal_name: c for c in s.scalars(select(Customer).where(Customer.legal_name.in_(names)))}
    assigned: dict[str, list[str]] = {}
    for i, name in enumerate(names):
        who = SALES_BY_REMAINDER[i % len(SALES_BY_REMAINDER)]
        customers[name].salesperson_id = ids[who]
        assigned.setdefault(who, []).append(customers[name].code)
        second = s.scalars(select(Contract).where(Contract.customer_id == customers[name].id)
                           .order_by(Contract.id)).all()[1:]
        if second and i % 3 == 1:
            colleague = SALES_BY_REMAINDER[(i + 1) % len(SALES_BY_REMAINDER)]
            second[0].salesperson_id = ids[colleague]
    uow.audit("demo.assign_salespeople", "demo", "ledger", None, assigned)
