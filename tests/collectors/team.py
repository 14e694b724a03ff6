"""A small sales team and a ledger built for the collector KPIs, every figure worked out by hand in
test_kpis.py. Today is 2026-11-26 (tests.conftest.FIXED_NOW); the period is October 2026.

    salespeople: 王建国 (wangjg, 工号 S001), 李娜 (lina, S002, English profile)
    clerks:      陈静 (chenjing), 赵磊 (zhaolei)

    customer  salesperson  clerk    contract K1 (customer C): salesperson 李娜, collector 赵磊
    A 华东机电  王建国        陈静
    B 申江包装  李娜          赵磊
    C 浦江电气  王建国        陈静

    invoice  customer  issued      due         amount   what happened                          overrides
    A1       A         2026-09-01  2026-10-10  10,000   6,000 paid 10-08, 2,000 paid 10-20
    A2       A         2026-10-05  2026-11-30   5,000   unpaid (not due on 11-26)
    B1       B         2026-09-15  2026-10-15   8,000   7,000 paid 10-15, credit note 1,000 on 10-20
    B2       B         2026-08-01  2026-10-31   4,000   unpaid                                  collector 陈静
    B3       B         2026-10-12  2026-12-11   9,000   unpaid (not due)
    C1       C (K1)    2026-09-20  2026-10-20   6,000   3,000 paid 11-05
    C2       C (K1)    2026-10-10  2026-10-25   2,000   2,000 paid 10-24                        salesperson 王建国
    C3       C         2026-06-01  2026-07-01   3,000   unpaid, written off
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tests.conftest import SYSTEM_ACTOR
from tests.ledger.books import Books, committed
from tests.uow import run
from workflow.core import Core
from workflow.ledger.models import Contract, Customer, Invoice
from workflow.ledger.validation import credit_code_check_char

OCT_1, OCT_31, TODAY = date(2026, 10, 1), date(2026, 10, 31), date(2026, 11, 26)


@dataclass
class Team:
    books: Books
    wangjg: int
    lina: int
    chenjing: int
    zhaolei: int
    invoices: dict[str, int]
    contract: int


def people(core: Core) -> tuple[int, int, int, int]:
    accounts = core.services.accounts

    def user(username: str, name: str, role: str, **more: str) -> int:
        return run(core, SYSTEM_ACTOR, accounts.create_user, username=username, display_name=name, role=role,
                   password="correct horse battery", **more).id

    return (user("wangjg", "王建国", "sales", employee_no="S001", email="wangjg@huadong-steel.example"),
            user("lina", "李娜", "sales", employee_no="S002", email="lina@huadong-steel.example", locale="en"),
            user("chenjing", "陈静", "clerk", email="chenjing@huadong-steel.example"),
            user("zhaolei", "赵磊", "clerk"))


def build(core: Core) -> Team:
    wangjg, lina, chenjing, zhaolei = people(core)
    b = Books(core)
    owners = {"A": (wangjg, chenjing), "B": (lina, zhaolei), "C": (wangjg, chenjing)}
    names = {"A": "华东机电设备有限公司", "B": "上海申江包装材料有限公司", "C": "浦江电气成套有限公司"}
    for code, name in names.items():
        b.customer(code, name)
    codes = {"A": "91310115MA1H7Q3X2", "B": "91310112630812345", "C": "91310117MA1J4B8T6"}
    with committed(core) as s:
        for code, (sales, clerk) in owners.items():
            c = s.get(Customer, b.customers[code])
            assert c is not None
            c.salesperson_id, c.assigned_clerk_id = sales, clerk
            c.credit_code = codes[code] + credit_code_check_char(codes[code])
        k1 = Contract(creditor_id=b.creditor, customer_id=b.customers["C"], number="K1", currency="CNY",
                      salesperson_id=lina, collector_id=zhaolei, notice_addresses=[], created_at=core.clock.now())
        s.add(k1)
        s.flush()
        contract = k1.id
    inv = {
        "A1": b.invoice("A", date(2026, 9, 1), date(2026, 10, 10), "10000.00"),
        "A2": b.invoice("A", date(2026, 10, 5), date(2026, 11, 30), "5000.00"),
        "B1": b.invoice("B", date(2026, 9, 15), date(2026, 10, 15), "8000.00"),
        "B2": b.invoice("B", date(2026, 8, 1), date(2026, 10, 31), "4000.00"),
        "B3": b.invoice("B", date(2026, 10, 12), date(2026, 12, 11), "9000.00"),
        "C1": b.invoice("C", date(2026, 9, 20), date(2026, 10, 20), "6000.00"),
        "C2": b.invoice("C", date(2026, 10, 10), date(2026, 10, 25), "2000.00"),
        "C3": b.invoice("C", date(2026, 6, 1), date(2026, 7, 1), "3000.00", written_off=True),
    }
    with committed(core) as s:
        for key in ("C1", "C2"):
            row = s.get(Invoice, inv[key])
            assert row is not None
            row.contract_id = contract
        c2, b2 = s.get(Invoice, inv["C2"]), s.get(Invoice, inv["B2"])
        assert c2 is not None and b2 is not None
        c2.salesperson_id = wangjg
        b2.collector_id = chenjing
    b.pay(inv["A1"], date(2026, 10, 8), "6000.00")
    b.pay(inv["A1"], date(2026, 10, 20), "2000.00")
    b.pay(inv["B1"], date(2026, 10, 15), "7000.00")
    b.credit(inv["B1"], date(2026, 10, 20), "1000.00")
    b.pay(inv["C1"], date(2026, 11, 5), "3000.00")
    b.pay(inv["C2"], date(2026, 10, 24), "2000.00")
    return Team(b, wangjg, lina, chenjing, zhaolei, inv, contract)


ZERO = Decimal("0.00")
