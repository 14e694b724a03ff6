"""The spreadsheet layouts the importer accepts: one column set per kind, Chinese or English headers,
and the cell parsers that turn what accounting systems export into dates, amounts and flags.

Kept apart from the importer so docs/import-format.md and the tests can list the same names.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from workflow.amounts import AmountUnreadable, parse_money_text
from workflow.dates import DateUnreadable, parse_day, range_problem
from workflow.ledger.models import ContactRole, CustomerKind
from workflow.ledger.validation import MAX_AMOUNT, parse_amount


class Kind(StrEnum):
    CUSTOMERS = "customers"
    CONTACTS = "contacts"
    CONTRACTS = "contracts"
    INVOICES = "invoices"
    PAYMENTS = "payments"


# dependency order: a later kind may refer to an earlier one in the same import
KIND_ORDER = (Kind.CUSTOMERS, Kind.CONTACTS, Kind.CONTRACTS, Kind.INVOICES, Kind.PAYMENTS)

KIND_ZH = {
    Kind.CUSTOMERS: "客户",
    Kind.CONTACTS: "联系人",
    Kind.CONTRACTS: "合同",
    Kind.INVOICES: "应收发票",
    Kind.PAYMENTS: "收款",
}

# words in a sheet or file name that say which kind it holds
SHEET_WORDS: dict[Kind, tuple[str, ...]] = {
    Kind.CUSTOMERS: ("客户", "customer"),
    Kind.CONTACTS: ("联系人", "contact"),
    Kind.CONTRACTS: ("合同", "contract"),
    Kind.INVOICES: ("发票", "应收", "invoice", "receivable"),
    Kind.PAYMENTS: ("收款", "回款", "银行流水", "payment", "receipt"),
}


@dataclass(frozen=True)
class Column:
    name: str  # canonical English name
    zh: str  # the Chinese header we document first
    aliases: tuple[str, ...] = ()
    required: bool = False


def _cols(*cols: Column) -> tuple[Column, ...]:
    return cols


CREDITOR = Column("creditor_code", "我方主体编码", ("债权人编码", "我方公司编码", "销售主体编码", "公司编码"))
# who answers for the debt, as clerks' sheets name them (ledger/responsibility.py): the salesperson by
# name (or login), or by employee number, and optionally the collection clerk
PEOPLE = (
    Column("salesperson", "业务员", ("销售员", "负责人", "业务负责人", "销售负责人", "业务员姓名", "salesperson")),
    Column("salesperson_no", "业务员工号", ("销售员工号", "工号", "业务员编号", "salesperson_no", "employee_no")),
    Column("collector", "催收员", ("收款负责人", "催款人", "催收负责人", "collector")),
)

COLUMNS: dict[Kind, tuple[Column, ...]] = {
    Kind.CUSTOMERS: _cols(
        Column("customer_code", "客户编码", ("客户代码", "客户编号"), True),
        Column("legal_name", "客户名称", ("客户全称", "单位名称", "公司名称", "name"), True),
        Column("credit_code", "统一社会信用代码", ("信用代码", "社会信用代码", "税号", "uscc")),
        Column("kind", "客户类型", ("企业类型", "企业性质", "type")),
        Column("registered_address", "注册地址", ("地址", "address")),
        Column("legal_name_en", "英文名称", ("english_name",)),
        Column("credit_limit", "信用额度", ()),
        Column("currency", "币种", ("credit_limit_currency", "额度币种")),
        Column("credit_hold", "停止供货", ("信用冻结",)),
        Column("do_not_dun", "暂停催收", ()),
        Column("notes", "备注", ("说明",)),
        *PEOPLE,
    ),
    Kind.CONTACTS: _cols(
        Column("customer_code", "客户编码", ("客户代码", "客户编号"), True),
        Column("name", "联系人", ("姓名", "联系人姓名", "contact_name"), True),
        Column("role", "角色", ("联系人类型", "职务类别", "contact_role"), True),
        Column("email", "邮箱", ("电子邮箱", "电子邮件", "e-mail")),
        Column("phone", "电话", ("手机", "联系电话", "mobile")),
        Column("language", "语言", ()),
        Column("is_notice_address", "约定送达地址", ("送达地址", "notice_address")),
    ),
    Kind.CONTRACTS: _cols(
        CREDITOR,
        Column("contract_number", "合同编号", ("合同号", "number"), True),
        Column("customer_code", "客户编码", ("客户代码", "客户编号"), True),
        Column("title", "合同名称", ()),
        Column("signed_on", "签订日期", ("签约日期",)),
        Column("signed_place", "签订地点", ("签约地点",)),
        Column("currency", "币种", ()),
        Column("total", "合同金额", ("合同总额", "amount")),
        Column("payment_days", "账期天数", ("付款期限", "账期", "付款天数")),
        Column("payment_trigger", "付款起算", ("账期起算", "起算事件")),
        Column("penalty_daily_rate", "违约金日利率", ("日违约金率",)),
        Column("penalty_lpr_multiple", "LPR倍数", ("违约金lpr倍数",)),
        Column("court_place", "管辖法院所在地", ("管辖地", "court")),
        Column("arbitration_commission", "仲裁委员会", ("仲裁机构", "arbitration")),
    ),
    Kind.INVOICES: _cols(
        CREDITOR,
        Column("invoice_number", "发票号", ("应收单号", "单据编号", "单据号", "number"), True),
        Column("customer_code", "客户编码", ("客户代码", "客户编号"), True),
        Column("contract_number", "合同编号", ("合同号",)),
        Column("issue_date", "开票日期", ("单据日期", "发票日期"), True),
        Column("due_date", "到期日", ("到期日期", "应收日期"), True),
        Column("amount", "金额", ("价税合计", "含税金额", "应收金额"), True),
        Column("currency", "币种", ()),
        Column("tax_invoice_no", "税务发票号码", ("发票号码", "税票号")),
        Column("delivery_note_ref", "送货单号", ("发货单号",)),
        Column("delivery_date", "送货日期", ("发货日期",)),
        Column("description", "摘要", ("备注", "说明")),
        *PEOPLE,
    ),
    Kind.PAYMENTS: _cols(
        CREDITOR,
        Column("bank_reference", "银行流水号", ("流水号", "交易流水号", "reference"), True),
        Column("customer_code", "客户编码", ("客户代码", "客户编号"), True),
        Column("received_on", "付款日期", ("收款日期", "到账日期", "交易日期"), True),
        Column("amount", "金额", ("收款金额", "到账金额"), True),
        Column("currency", "币种", ()),
        Column("payer_name", "付款人", ("付款方户名", "对方户名", "payer")),
        Column("invoice_number", "核销发票号", ("对应发票号", "发票号")),
    ),
}


def norm_header(raw: object) -> str:
    """Header text as compared: NFKC (full-width → half-width), no spaces, BOM, '*' or case."""
    text = unicodedata.normalize("NFKC", str(raw or "")).replace("\ufeff", "")
    text = re.sub(r"\s+", "", text).replace("*", "").lower()
    return text


def _unit_stripped(key: str) -> str:
    # "金额(元)" / "amount(cny)" → "金额" / "amount"
    return re.sub(r"\(.*\)$", "", key)


def header_index(kind: Kind) -> dict[str, str]:
    out: dict[str, str] = {}
    for col in COLUMNS[kind]:
        for label in (col.name, col.zh, *col.aliases):
            out[norm_header(label)] = col.name
    return out


def map_headers(kind: Kind, headers: list[str]) -> dict[int, str]:
    """Position → canonical column for each recognised header; unknown headers are ignored."""
    index = header_index(kind)
    found: dict[int, str] = {}
    taken: set[str] = set()
    for pos, raw in enumerate(headers):
        key = norm_header(raw)
        name = index.get(key) or index.get(_unit_stripped(key))
        if name and name not in taken:
            found[pos] = name
            taken.add(name)
    return found


def detect_kind(headers: list[str], sheet_name: str = "", *, by_name_alone: bool = True) -> Kind | None:
    """The kind whose required columns all appear; ties broken by the sheet name, then by the
    most specific kind (payments and invoices also have customer codes). With ``by_name_alone``
    a sheet named after one kind is taken as that kind even when columns are missing, so the
    report can say which columns."""
    named = [k for k, words in SHEET_WORDS.items() if any(w in sheet_name.lower() for w in words)]
    complete: list[tuple[int, int, Kind]] = []
    for kind in KIND_ORDER:
        have = set(map_headers(kind, headers).values())
        required = [c.name for c in COLUMNS[kind] if c.required]
        if all(name in have for name in required):
            complete.append((len(required), len(have), kind))
    for _, _, kind in sorted(complete, reverse=True):
        if not named or kind in named:
            return kind
    return named[0] if by_name_alone and len(named) == 1 else None


# ---------------------------------------------------------------- cell parsers (value, error)

Problem = tuple[str, str]
_EXCEL_EPOCH = date(1899, 12, 30)


def text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))  # Excel keeps numeric codes as numbers: 1001.0 → "1001"
    s = str(raw)
    if not s.isascii():
        s = unicodedata.normalize("NFKC", s)
    return s.strip()


def parse_date(raw: object) -> tuple[date | None, Problem | None]:
    if isinstance(raw, str) and len(raw) == 10:
        try:
            return _in_range(date.fromisoformat(raw))
        except ValueError:
            pass
    if isinstance(raw, datetime):
        return raw.date(), None
    if isinstance(raw, date):
        return raw, None
    if isinstance(raw, int | float) and not isinstance(raw, bool) and 20000 <= raw <= 80000:
        return _EXCEL_EPOCH + timedelta(days=int(raw)), None  # an Excel serial day number
    try:
        return parse_day(text(raw)), None
    except DateUnreadable as exc:
        return None, (exc.zh, exc.en)


def _in_range(value: date) -> tuple[date | None, Problem | None]:
    problem = range_problem(value)
    return (None, problem) if problem is not None else (value, None)


_CENT = Decimal("0.01")


def parse_money(raw: object) -> tuple[Decimal | None, Problem | None]:
    if type(raw) is str and raw.isascii():
        # the common case, checked here without detours: "12,345.60"; anything odd falls through
        # to parse_amount, the one definition of a valid amount, for its reason
        try:
            value = Decimal(raw.strip().replace(",", ""))
        except ArithmeticError:
            value = None
        if (
            value is not None
            and value.is_finite()
            and 0 < value <= MAX_AMOUNT
            and isinstance(value.as_tuple().exponent, int)
            and int(value.as_tuple().exponent) >= -2
        ):
            return value.quantize(_CENT), None
    if isinstance(raw, float):
        raw = repr(raw)  # a spreadsheet number: its shortest exact repr is what the clerk typed
    elif isinstance(raw, str):
        try:
            return parse_money_text(text(raw)).value, None
        except AmountUnreadable as exc:
            return None, (exc.zh, exc.en)
    return parse_amount(raw)


_TRUE = {"是", "y", "yes", "true", "1", "√", "x"}
_FALSE = {"否", "n", "no", "false", "0", ""}


def parse_flag(raw: object) -> tuple[bool | None, Problem | None]:
    s = text(raw).lower()
    if s in _TRUE:
        return True, None
    if s in _FALSE:
        return False, None
    return None, ("应填“是”或“否”", "expected yes or no")


CUSTOMER_KINDS: dict[str, str] = {
    **{k.value: k.value for k in CustomerKind},
    "民营中小企业": CustomerKind.PRIVATE_SMALL,
    "民营企业": CustomerKind.PRIVATE_SMALL,
    "中小企业": CustomerKind.PRIVATE_SMALL,
    "大型民营企业": CustomerKind.PRIVATE_LARGE,
    "民营大型企业": CustomerKind.PRIVATE_LARGE,
    "国有企业": CustomerKind.STATE_OWNED,
    "国企": CustomerKind.STATE_OWNED,
    "央企": CustomerKind.STATE_OWNED,
    "外资企业": CustomerKind.FOREIGN,
    "外资": CustomerKind.FOREIGN,
    "境外企业": CustomerKind.FOREIGN,
    "个体工商户": CustomerKind.INDIVIDUAL_BUSINESS,
    "个体户": CustomerKind.INDIVIDUAL_BUSINESS,
}

CONTACT_ROLES: dict[str, str] = {
    **{r.value: r.value for r in ContactRole},
    "财务": ContactRole.FINANCE,
    "财务联系人": ContactRole.FINANCE,
    "采购": ContactRole.PURCHASING,
    "采购联系人": ContactRole.PURCHASING,
    "法定代表人": ContactRole.LEGAL_REPRESENTATIVE,
    "法人": ContactRole.LEGAL_REPRESENTATIVE,
    "原经办人": ContactRole.ORIGINAL_CONTACT,
    "经办人": ContactRole.ORIGINAL_CONTACT,
}

PAYMENT_TRIGGERS: dict[str, str] = {
    "invoice_date": "invoice_date",
    "delivery": "delivery",
    "acceptance": "acceptance",
    "开票": "invoice_date",
    "开票日": "invoice_date",
    "开票日期": "invoice_date",
    "交货": "delivery",
    "送货": "delivery",
    "发货": "delivery",
    "交货日": "delivery",
    "验收": "acceptance",
    "验收合格": "acceptance",
}

_WAN = re.compile(r"^(?:日)?万分之(\d+(?:\.\d+)?)$")
_PCT = re.compile(r"^(\d+(?:\.\d+)?)%$")


def parse_rate(raw: object) -> tuple[Decimal | None, Problem | None]:
    """A daily penalty rate: 0.0005, 0.05% or 万分之五 / 万分之5."""
    s = text(raw).replace(" ", "")
    digits = {"一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
    for zh, d in digits.items():
        s = s.replace(f"万分之{zh}", f"万分之{d}")
    try:
        if m := _WAN.match(s):
            value = Decimal(m.group(1)) / 10000
        elif m := _PCT.match(s):
            value = Decimal(m.group(1)) / 100
        else:
            value = Decimal(s)
    except ArithmeticError:
        return None, (
            "利率格式无法识别（如 0.0005、0.05% 或 万分之五）",
            "rate not recognised (e.g. 0.0005, 0.05% or 万分之五)",
        )
    if not value.is_finite() or value <= 0 or value >= Decimal("0.01"):
        return None, ("日利率应大于 0 且小于 1%", "a daily rate must be above 0 and below 1%")
    return value.normalize(), None


EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
