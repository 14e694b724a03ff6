"""Importing clerks' spreadsheet exports: encodings, Chinese headers, idempotency, allocation by 民法典 560."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tests.uow import run
from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.audit.models import AuditEntry
from workflow.core import Core
from workflow.ledger.imports import Importer, ImportResult
from workflow.ledger.imports.schema import Kind
from workflow.ledger.models import Allocation, Contact, Contract, CreditorEntity, Customer, Invoice, Payment
from workflow.ledger.validation import credit_code_check_char

CLERK = Actor(user_id=None, username="wang.fang", role=Role.CLERK)


def cc(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


HUAXING = cc("91440300682013573")
BAOSTEEL = cc("91310000132200821")
WAHAHA = cc("91330100143055621")


@contextmanager
def db_session(core: Core) -> Iterator[Session]:
    """A session as an entry point has one: inside a unit of work, committed at the end."""
    with core.unit_of_work(CLERK) as uow:
        yield uow.session


def add_creditor(core: Core, code: str = "CM-SH") -> int:
    with db_session(core) as s:
        row = CreditorEntity(
            code=code,
            legal_name="上海澄明机电设备有限公司",
            credit_code=cc("91310115MA1K3Y7Q2"),
            address="上海市浦东新区郭守敬路498号",
            bank_name="招商银行上海张江支行",
            bank_account="121908653110801",
            created_at=core.clock.now(),
        )
        s.add(row)
        s.flush()
        return row.id


class Imports:
    """The import use case as an entry point runs it: in one unit of work for the actor."""

    def __init__(self, core: Core, max_bytes: int | None = None) -> None:
        self.core = core
        self.importer = core.services.importer if max_bytes is None else Importer(max_bytes)

    def run(
        self, actor: Actor, filename: str, data: bytes, kind: Kind | None = None, dry_run: bool = False
    ) -> ImportResult:
        return run(self.core, actor, self.importer.run, filename, data, kind, dry_run=dry_run)


def importer(core: Core, max_bytes: int | None = None) -> Imports:
    return Imports(core, max_bytes)


def snapshot(core: Core) -> dict[str, list[Any]]:
    with core.db.engine.connect() as conn:
        return {
            t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY id"))]
            for t in ("customer", "contact", "contract", "invoice", "payment", "allocation", "audit_entry")
        }


CUSTOMERS_CSV = (
    "客户编码,客户名称,统一社会信用代码,客户类型,注册地址,信用额度\n"
    f'C001,深圳市华星光电技术有限公司,{HUAXING},大型民营企业,深圳市光明区塘明大道9-2号,"5,000,000.00"\n'
    f"C002,上海宝钢包装股份有限公司,{BAOSTEEL},国有企业,上海市宝山区罗东路1818号,\n"
    f"C003,杭州娃哈哈食品有限公司,{WAHAHA.lower()},民营中小企业,杭州市上城区清泰街160号,800000\n"
)


def test_gbk_csv_with_full_width_headers_imports_once(any_db: Core) -> None:
    add_creditor(any_db)
    # a Chinese-Windows Excel export: GBK, header cells padded with full-width spaces and marked '*'
    data = CUSTOMERS_CSV.replace("客户编码,", "*客户编码\u3000,").replace("客户名称", "\u3000客户名称").encode("gbk")
    first = importer(any_db).run(CLERK, "客户档案.csv", data)
    assert first.counts["customers"].created == 3
    with db_session(any_db) as s:
        c3 = s.scalar(select(Customer).where(Customer.code == "C003"))
        assert c3 is not None
        assert c3.credit_code == WAHAHA  # normalised to upper case
        assert c3.kind == "private_small"
        assert c3.credit_limit == Decimal("800000.00")
        c1 = s.scalar(select(Customer).where(Customer.code == "C001"))
        assert c1 is not None and c1.credit_limit == Decimal("5000000.00") and c1.kind == "private_large"
    before = snapshot(any_db)
    second = importer(any_db).run(CLERK, "客户档案.csv", data)
    assert second.counts["customers"].unchanged == 3 and not second.changed
    assert snapshot(any_db) == before  # not even an audit entry


def test_changed_customer_row_updates_only_that_customer(any_db: Core) -> None:
    add_creditor(any_db)
    importer(any_db).run(CLERK, "c.csv", CUSTOMERS_CSV.encode())
    changed = CUSTOMERS_CSV.replace("杭州市上城区清泰街160号", "杭州市上城区清泰街160号娃哈哈大厦")
    result = importer(any_db).run(CLERK, "c.csv", changed.encode("gb18030"))
    assert result.counts["customers"].as_dict() == {"created": 0, "updated": 1, "unchanged": 2}
    with db_session(any_db) as s:
        assert (
            s.scalar(select(Customer.registered_address).where(Customer.code == "C003"))
            == "杭州市上城区清泰街160号娃哈哈大厦"
        )
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "ledger.import")) == 2


def xl(y: int, m: int, d: int) -> datetime:
    """An Excel date cell: openpyxl reads them as naive datetimes."""
    return datetime.combine(date(y, m, d), time())


def _sheet(wb: Workbook, title: str, rows: list[list[Any]]) -> None:
    ws = wb.create_sheet(title)
    for r in rows:
        ws.append(r)


def ledger_workbook() -> bytes:
    wb = Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    _sheet(
        wb,
        "客户",
        [
            ["应收账款客户档案"],
            ["客户编码", "客户名称", "统一社会信用代码", "客户类型"],
            ["C001", "深圳市华星光电技术有限公司", HUAXING, "大型民营企业"],
            ["C002", "上海宝钢包装股份有限公司", BAOSTEEL, "国企"],
        ],
    )
    _sheet(
        wb,
        "联系人",
        [
            ["客户编码", "联系人", "角色", "邮箱", "电话", "约定送达地址"],
            ["C001", "陈静", "财务", "chen.jing@csot.example.cn", "0755-26581234", "是"],
            ["C002", "李强", "法定代表人", "", "021-56781234", "否"],
        ],
    )
    _sheet(
        wb,
        "合同",
        [
            [
                "合同编号",
                "客户编码",
                "签订日期",
                "币种",
                "合同金额",
                "账期天数",
                "付款起算",
                "违约金日利率",
                "管辖法院所在地",
            ],
            ["HT-2025-001", "C001", xl(2025, 1, 8), "CNY", 1200000, 60, "交货", "万分之五", "上海市浦东新区"],
        ],
    )
    _sheet(
        wb,
        "应收发票",
        [
            ["发票号", "客户编码", "合同编号", "开票日期", "到期日", "金额(元)", "币种"],
            ["FP001", "C001", "HT-2025-001", xl(2025, 3, 1), xl(2025, 4, 30), 30000, "CNY"],
            ["FP002", "C001", "HT-2025-001", "2025/2/1", "2025年3月31日", "20,000.00", "CNY"],
            ["FP003", "C001", None, "2025-05-01", "2025-06-30", 12345.67, "CNY"],
            ["FP004", "C002", None, 45748, 45808, "8800", "人民币"],
        ],
    )
    _sheet(
        wb,
        "收款",
        [
            ["银行流水号", "客户编码", "付款日期", "金额", "核销发票号"],
            ["B20250605001", "C001", xl(2025, 6, 5), 25000, ""],
            ["B20250610002", "C001", xl(2025, 6, 10), 10000, "FP003"],
            ["B20250612003", "C002", xl(2025, 6, 12), 10000, ""],
        ],
    )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_workbook_with_chinese_headers_imports_every_kind_and_allocates(any_db: Core) -> None:
    add_creditor(any_db)
    data = ledger_workbook()
    result = importer(any_db).run(CLERK, "应收台账.xlsx", data)
    assert {k: v.created for k, v in result.counts.items()} == {
        "customers": 2,
        "contacts": 2,
        "contracts": 1,
        "invoices": 4,
        "payments": 3,
    }
    with db_session(any_db) as s:
        inv = {i.number: i for i in s.scalars(select(Invoice))}
        assert inv["FP002"].issue_date == date(2025, 2, 1) and inv["FP002"].due_date == date(2025, 3, 31)
        assert inv["FP004"].issue_date == date(2025, 4, 1)  # Excel serial day 45748
        assert inv["FP003"].amount == Decimal("12345.67")
        assert inv["FP001"].contract_id is not None
        # B1 (25,000, no invoice named): 民法典 560 pays FP002 (due 3-31) in full, then 5,000 of FP001
        assert inv["FP002"].paid_amount == Decimal("20000.00")
        assert inv["FP001"].paid_amount == Decimal("5000.00")
        # B2 names FP003: 10,000 goes there, not to the older FP001
        assert inv["FP003"].paid_amount == Decimal("10000.00")
        # B3 (10,000) against FP004 (8,800): 1,200 stays visible as unallocated cash
        pays = {p.bank_reference: p for p in s.scalars(select(Payment))}
        assert pays["B20250612003"].unallocated_amount == Decimal("1200.00")
        assert pays["B20250605001"].unallocated_amount == Decimal("0.00")
        autos = {(a.invoice_id, a.automatic) for a in s.scalars(select(Allocation))}
        assert (inv["FP003"].id, False) in autos and (inv["FP002"].id, True) in autos
        contract = s.scalars(select(Contract)).one()
        assert contract.payment_terms == {"kind": "days_after", "trigger": "delivery", "days": 60}
        assert contract.penalty == {"kind": "daily_rate", "rate": "0.0005", "cap": None}
        assert contract.dispute == {"kind": "court", "place": "上海市浦东新区"}
        notice = s.scalars(select(Contact).where(Contact.name == "陈静")).one()
        assert notice.is_notice_address and notice.role == "finance"
    before = snapshot(any_db)
    again = importer(any_db).run(CLERK, "应收台账.xlsx", data)
    assert not again.changed and again.allocations == 0
    assert snapshot(any_db) == before


def test_dry_run_reports_counts_and_writes_nothing(any_db: Core) -> None:
    add_creditor(any_db)
    before = snapshot(any_db)
    result = importer(any_db).run(CLERK, "应收台账.xlsx", ledger_workbook(), dry_run=True)
    assert result.counts["invoices"].created == 4 and result.allocations == 4
    assert snapshot(any_db) == before


def test_invoice_changed_amount_updates_and_keeps_totals(any_db: Core) -> None:
    add_creditor(any_db)
    importer(any_db).run(CLERK, "c.csv", CUSTOMERS_CSV.encode())
    inv = "发票号,客户编码,开票日期,到期日,金额\nFP100,C001,2025-06-01,2025-07-01,1000.00\n"
    importer(any_db).run(CLERK, "i.csv", inv.encode())
    importer(any_db).run(CLERK, "p.csv", "银行流水号,客户编码,付款日期,金额\nB1,C001,2025-07-05,400\n".encode())
    result = importer(any_db).run(CLERK, "i.csv", inv.replace("1000.00", "1200.00").encode())
    assert result.counts["invoices"].updated == 1
    with db_session(any_db) as s:
        row = s.scalars(select(Invoice)).one()
        assert (row.amount, row.paid_amount) == (Decimal("1200.00"), Decimal("400.00"))


def test_tab_separated_utf16_export(any_db: Core) -> None:
    add_creditor(any_db)
    tsv = CUSTOMERS_CSV.replace(",", "\t").replace('"5\t000\t000.00"', "5000000")
    result = importer(any_db).run(CLERK, "kh.txt", tsv.encode("utf-16"))
    assert result.counts["customers"].created == 3


@pytest.mark.parametrize("kind", ["invoices", None])
def test_kind_given_or_detected(core: Core, kind: str | None) -> None:
    from workflow.ledger.imports import parse_kind

    add_creditor(core)
    importer(core).run(CLERK, "c.csv", CUSTOMERS_CSV.encode())
    data = "number,customer_code,issue_date,due_date,amount,currency\nA-1,C002,2025-01-02,2025-02-01,99.90,CNY\n"
    result = importer(core).run(CLERK, "export.csv", data.encode(), parse_kind(kind))
    assert result.counts["invoices"].created == 1
