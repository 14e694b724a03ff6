"""Checking a hand-typed context before it is rendered.

A context built from the ledger is right by construction; one typed by a clerk (``POST /documents``,
``dunning render --context``) is checked here first, so that a letter never prints a total its rows
do not add up to:

- every variable the kind's catalogue lists must be there, and all that are missing are named in
  one answer (the dotted path, with what it means in Chinese and English); a variable the catalogue
  marks "may be empty" may be left out and is then stored and rendered as "";
- the totals are recomputed from the rows and a typed total that differs is refused, naming it;
- 人民币大写 is never typed: the templates write it from the checked figure (the ``rmb_upper``
  filter), so a context carrying a 大写 field is refused rather than silently ignored.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from workflow.errors import FieldProblem, ValidationFailed

CENT = Decimal("0.01")
LETTER_KINDS = frozenset({"payment_reminder", "dunning_letter_1", "dunning_letter_2", "dunning_letter_3",
                          "lawyer_letter"})
_WORDS_KEY = re.compile(r"(_words|_upper|_capitals?|_daxie)$|大写", re.IGNORECASE)
_OPTIONAL_MARKS = ("可为空", "may be empty")


def check_typed_context(kind: str, variables: Mapping[str, str], data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (plain JSON, as ``plain_context`` returns it) checked for ``kind``; the copy returned
    has the optional variables that were left out filled in as ""."""
    _refuse_words(data)
    filled = copy.deepcopy(data)
    missing: list[FieldProblem] = []
    for name, description in variables.items():
        optional = any(mark in description for mark in _OPTIONAL_MARKS)
        _require(filled, name.split("."), "", name, description, optional, missing)
    if missing:
        raise ValidationFailed(missing)
    problems = _Sums(filled)
    check = CHECKS.get(_family(kind))
    if check is not None:
        check(problems)
    if problems.found:
        raise ValidationFailed(problems.found)
    return filled


def _family(kind: str) -> str:
    return "letter" if kind in LETTER_KINDS else kind


def _refuse_words(data: Any, path: str = "context") -> None:
    found: list[FieldProblem] = []

    def walk(value: Any, where: str) -> None:
        if isinstance(value, Mapping):
            for key, child in value.items():
                if _WORDS_KEY.search(str(key)):
                    found.append(FieldProblem(
                        f"{where}.{key}", "words_not_accepted",
                        "人民币大写由系统根据金额数字计算，请勿自行填写",
                        "amounts in Chinese capitals (大写) are written by the system from the figures; "
                        "do not type them"))
                else:
                    walk(child, f"{where}.{key}")
        elif isinstance(value, list):
            for i, child in enumerate(value):
                walk(child, f"{where}.{i}")

    walk(data, path)
    if found:
        raise ValidationFailed(found)


def _split(description: str) -> tuple[str, str]:
    zh, sep, en = description.partition(" / ")
    return (zh, en) if sep else (description, description)


def _require(node: Any, segments: list[str], prefix: str, name: str, description: str, optional: bool,
             missing: list[FieldProblem]) -> None:
    """Walk ``segments`` (``invoices[]`` is a list of rows) and note each place the variable lacks."""
    head, rest = segments[0], segments[1:]
    is_list = head.endswith("[]")
    key = head[:-2] if is_list else head
    here = f"{prefix}.{key}" if prefix else key
    if not isinstance(node, dict):
        return  # the parent is not an object: reported as missing where the parent is
    if key not in node:
        if optional and not is_list and not rest:
            node[key] = ""
            return
        if optional:
            return
        zh, en = _split(description)
        where = here + ("[]" if is_list else "") + ("." + ".".join(rest) if rest else "")
        missing.append(FieldProblem(f"context.{where}", "missing_variable", f"缺少变量 {where}（{zh}）",
                                    f"missing variable {where} ({en})"))
        return
    value = node[key]
    if not rest:
        return
    if is_list:
        if not isinstance(value, list):
            missing.append(FieldProblem(f"context.{here}", "not_a_list", f"{here} 应为列表", f"{here} must be a list"))
            return
        for i, row in enumerate(value):
            _require(row, rest, f"{here}.{i}", name, description, optional, missing)
        return
    if not isinstance(value, dict):
        missing.append(FieldProblem(f"context.{here}", "not_an_object", f"{here} 应为对象",
                                    f"{here} must be an object"))
        return
    _require(value, rest, here, name, description, optional, missing)


class _Sums:
    """Reads figures out of the context and records each typed total that is not what it should be."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.found: list[FieldProblem] = []

    def rows(self, name: str) -> list[dict[str, Any]]:
        value = self.data.get(name)
        return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []

    def block(self, name: str) -> dict[str, Any]:
        value = self.data.get(name)
        return value if isinstance(value, dict) else {}

    def amount(self, holder: Mapping[str, Any], key: str, path: str, blank_is_zero: bool = False) -> Decimal | None:
        raw = holder.get(key)
        if blank_is_zero and raw in ("", None):
            return Decimal(0)
        try:
            value = Decimal(str(raw).strip().replace(",", ""))
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite() or isinstance(raw, bool):
            self.found.append(FieldProblem(f"context.{path}", "not_a_number", f"{path} 应为金额数字，如 \"1234.56\"",
                                           f"{path} must be an amount such as \"1234.56\""))
            return None
        return value

    def expect(self, holder: Mapping[str, Any], key: str, path: str, want: Decimal | None,
               what_zh: str, what_en: str) -> None:
        if want is None:
            return
        typed = self.amount(holder, key, path)
        if typed is not None and typed != want:
            self.found.append(FieldProblem(
                f"context.{path}", "total_mismatch",
                f"{path} 填写为 {typed}，但按{what_zh}计算应为 {_money(want)}",
                f"{path} says {typed} but {what_en} gives {_money(want)}"))

    def total(self, values: Iterable[Decimal | None]) -> Decimal | None:
        out = Decimal(0)
        for v in values:
            if v is None:
                return None
            out += v
        return out


def _money(value: Decimal) -> str:
    return format(value.quantize(CENT, ROUND_HALF_UP), "f")


def _letter(c: _Sums) -> None:
    """Each invoice's outstanding is its amount less what was paid; one total per currency."""
    by_currency: dict[str, list[tuple[Decimal | None, Decimal | None, Decimal | None]]] = {}
    for i, row in enumerate(c.rows("invoices")):
        where = f"invoices.{i}"
        amount, paid = c.amount(row, "amount", f"{where}.amount"), c.amount(row, "paid", f"{where}.paid")
        want = None if amount is None or paid is None else amount - paid
        c.expect(row, "outstanding", f"{where}.outstanding", want, "发票金额减已付", "the amount less what was paid")
        outstanding = c.amount(row, "outstanding", f"{where}.outstanding") if want is not None else None
        by_currency.setdefault(str(row.get("currency", "")), []).append((amount, paid, outstanding))
    totals = c.rows("totals")
    for j, line in enumerate(totals):
        cur = str(line.get("currency", ""))
        rows = by_currency.get(cur)
        if rows is None:
            c.found.append(FieldProblem(f"context.totals.{j}.currency", "total_mismatch",
                                        f"没有 {cur} 发票，却有 {cur} 合计", f"a {cur} total but no {cur} invoices"))
            continue
        for k, (key, zh, en) in enumerate((("amount", "发票金额", "the invoice amounts"),
                                           ("paid", "已付金额", "the amounts paid"),
                                           ("outstanding", "未付金额", "the amounts outstanding"))):
            c.expect(line, key, f"totals.{j}.{key}", c.total(r[k] for r in rows), f"各行{zh}之和", f"the sum of {en}")
    for cur in sorted(set(by_currency) - {str(t.get("currency", "")) for t in totals}):
        c.found.append(FieldProblem("context.totals", "total_missing", f"缺少 {cur} 的合计行",
                                    f"the {cur} total is missing"))


def _statement(c: _Sums) -> None:
    """The running balance line by line, and the period's totals from the lines."""
    st = c.block("statement")
    lines = c.rows("lines")
    opening = c.amount(st, "opening_balance", "statement.opening_balance")
    balance = opening
    invoiced = received = credited = Decimal(0)
    for i, line in enumerate(lines):
        where = f"lines.{i}"
        if line.get("kind") == "opening":
            c.expect(line, "balance", f"{where}.balance", opening, "期初余额", "the opening balance")
            continue
        up = c.amount(line, "increase", f"{where}.increase", blank_is_zero=True)
        down = c.amount(line, "decrease", f"{where}.decrease", blank_is_zero=True)
        if up is None or down is None or balance is None:
            balance = None
            continue
        invoiced += up
        if line.get("kind") == "credit_note":
            credited += down
        else:
            received += down
        balance = balance + up - down
        c.expect(line, "balance", f"{where}.balance", balance, "上一行余额加减本行",
                 "the previous balance and this line")
    if balance is None:
        return
    c.expect(st, "total_invoiced", "statement.total_invoiced", invoiced, "各行应收增加之和", "the sum of the debits")
    c.expect(st, "total_received", "statement.total_received", received, "各行收款之和", "the sum of the receipts")
    c.expect(st, "total_credited", "statement.total_credited", credited, "各行红字冲减之和",
             "the sum of the credit notes")
    c.expect(st, "total_received_and_credited", "statement.total_received_and_credited", received + credited,
             "收款与冲减之和", "receipts plus credit notes")
    c.expect(st, "closing_balance", "statement.closing_balance", balance, "期初余额加减各行",
             "the opening balance and the lines")


def _repayment(c: _Sums) -> None:
    ag = c.block("agreement")
    cur = str(ag.get("currency", ""))
    debt = c.total(c.amount(r, "outstanding", f"invoices.{i}.outstanding")
                   for i, r in enumerate(c.rows("invoices")) if str(r.get("currency", "")) == cur)
    c.expect(ag, "debt_amount", "agreement.debt_amount", debt, "各发票未付金额之和",
             "the sum of the invoices outstanding")
    planned = c.total(c.amount(r, "amount", f"instalments.{i}.amount") for i, r in enumerate(c.rows("instalments")))
    if planned is not None and debt is not None and planned != debt:
        c.found.append(FieldProblem("context.instalments", "total_mismatch",
                                    f"分期合计 {_money(planned)} 与欠款 {_money(debt)} 不符",
                                    f"the instalments add up to {_money(planned)}, not the debt of {_money(debt)}"))


def _interest_sheet(c: _Sums) -> None:
    sheet = c.block("sheet")
    principals: list[Decimal | None] = []
    interests: list[Decimal | None] = []
    for i, inv in enumerate(c.rows("invoices")):
        p = c.amount(inv, "principal", f"invoices.{i}.principal")
        n = c.amount(inv, "interest", f"invoices.{i}.interest")
        principals.append(p)
        interests.append(n)
        c.expect(inv, "total", f"invoices.{i}.total", None if p is None or n is None else p + n,
                 "本金加利息", "principal plus interest")
    tp, ti = c.total(principals), c.total(interests)
    c.expect(sheet, "total_principal", "sheet.total_principal", tp, "各发票本金之和", "the sum of the principals")
    c.expect(sheet, "total_interest", "sheet.total_interest", ti, "各发票利息之和", "the sum of the interest")
    c.expect(sheet, "total", "sheet.total", None if tp is None or ti is None else tp + ti,
             "本金合计加利息合计", "total principal plus total interest")


def _sales_contract(c: _Sums) -> None:
    amounts: list[Decimal | None] = []
    for i, g in enumerate(c.rows("goods")):
        q = c.amount(g, "quantity", f"goods.{i}.quantity")
        p = c.amount(g, "unit_price", f"goods.{i}.unit_price")
        want = None if q is None or p is None else (q * p).quantize(CENT, ROUND_HALF_UP)
        c.expect(g, "amount", f"goods.{i}.amount", want, "数量乘单价", "quantity times unit price")
        amounts.append(want)
    c.expect(c.block("contract"), "total", "contract.total", c.total(amounts), "各行金额之和", "the sum of the lines")


CHECKS: dict[str, Callable[[_Sums], None]] = {
    "letter": _letter, "statement": _statement, "repayment_agreement": _repayment,
    "interest_sheet": _interest_sheet, "sales_contract": _sales_contract,
}
