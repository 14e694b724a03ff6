"""The importer takes the salesperson columns clerks already have: 业务员 (a name or login),
业务员工号 (the employee number) and 催收员, on customer and invoice sheets; a person nobody is, or
two people are, is a row error in the report, and nothing is written."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.collectors.team import people
from tests.ledger.test_import import CLERK, add_creditor, cc, db_session, importer
from workflow.core import Core
from workflow.ledger.imports import ImportRejected
from workflow.ledger.models import Customer, Invoice

CUSTOMERS = (
    "客户编码,客户名称,统一社会信用代码,业务员,催收员\n"
    f"HD01,华东机电设备有限公司,{cc('91310115MA1H7Q3X2')},王建国,陈静\n"
    f"SJ02,上海申江包装材料有限公司,{cc('91310112630812345')},lina,\n"
)


@pytest.fixture
def core(any_db: Core) -> Core:
    return any_db


def test_customers_and_invoices_name_their_salespeople_by_name_or_employee_number(core: Core) -> None:
    wang, lina, chen, zhao = people(core)
    add_creditor(core)
    importer(core).run(CLERK, "客户.csv", CUSTOMERS.encode("gb18030"))
    invoices = ("发票号,客户编码,开票日期,到期日,金额,业务员工号,收款负责人\n"
                "FP-1,HD01,2026-09-01,2026-10-10,\"10,000.00\",S002,赵磊\n"
                "FP-2,HD01,2026-09-02,2026-10-11,500.00,,\n"
                "FP-3,SJ02,2026-09-03,2026-10-12,800.00,S001,\n")
    result = importer(core).run(CLERK, "应收发票.csv", invoices.encode())
    assert result.counts["invoices"].created == 3
    with db_session(core) as s:
        customers = {c.code: (c.salesperson_id, c.assigned_clerk_id) for c in s.scalars(select(Customer))}
        assert customers == {"HD01": (wang, chen), "SJ02": (lina, None)}
        rows = {i.number: (i.salesperson_id, i.collector_id) for i in s.scalars(select(Invoice))}
    # FP-1: 李娜 by her number, 赵磊 by name; FP-2: nobody named (the customer's people apply); FP-3: S001
    assert rows == {"FP-1": (lina, zhao), "FP-2": (None, None), "FP-3": (wang, None)}
    # the same file again changes nothing
    again = importer(core).run(CLERK, "应收发票.csv", invoices.encode())
    assert again.counts["invoices"].unchanged == 3


def test_an_unknown_salesperson_is_a_row_error_and_nothing_is_written(core: Core) -> None:
    people(core)
    add_creditor(core)
    bad = CUSTOMERS.replace("lina,", "张伟,")  # nobody of that name
    with pytest.raises(ImportRejected) as rejected:
        importer(core).run(CLERK, "客户.csv", bad.encode())
    assert [(p.row, p.column, p.code) for p in rejected.value.rows] == [(3, "业务员", "unknown_person")]
    assert "张伟" in rejected.value.rows[0].zh
    with db_session(core) as s:
        assert s.scalar(select(Customer.id)) is None


def test_invoice_rows_with_a_wrong_person_go_to_the_careful_check(core: Core) -> None:
    people(core)
    add_creditor(core)
    importer(core).run(CLERK, "客户.csv", CUSTOMERS.encode())
    invoices = ("发票号,客户编码,开票日期,到期日,金额,业务员,业务员工号,催收员\n"
                "FP-1,HD01,2026-09-01,2026-10-10,100.00,王建国,S001,陈静\n"
                "FP-2,HD01,2026-09-01,2026-10-10,100.00,王建国,S002,\n"  # name and number disagree
                "FP-3,HD01,2026-09-01,2026-10-10,100.00,,S404,\n"  # no such number
                "FP-4,HD01,2026-09-01,2026-10-10,100.00,,,lina\n")  # a salesperson is no collector
    with pytest.raises(ImportRejected) as rejected:
        importer(core).run(CLERK, "应收发票.csv", invoices.encode())
    assert [(p.row, p.column, p.code) for p in rejected.value.rows] == [
        (3, "业务员工号", "salesperson_mismatch"), (4, "业务员工号", "unknown_person"), (5, "催收员", "wrong_role")]
