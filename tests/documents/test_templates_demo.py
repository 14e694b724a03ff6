"""Every shipped template, filled from the demo ledger by the real context builders and printed to PDF
by LibreOffice: the text layer holds every amount, the 大写, the parties' legal names and the dates,
with the CJK fonts embedded. The expected figures come from the database by a route of their own
(the invoices' denormalised paid and credited totals, the raw payments and credit notes), so a
builder that drops an invoice or nets a payment twice fails here. The page images are kept in
test-artifacts/demo-documents/ for a person to look at."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import SYSTEM_ACTOR
from tests.documents.shipped import LANGS, ROOT, expected_strings, render, squeeze
from tests.tools import missing_tool
from tests.uow import run
from workflow.calc.schemas import ClaimQuery
from workflow.core import Core
from workflow.documents.contexts import (
    GoodsLine,
    LawFirm,
    Lawyer,
    PlannedInstalment,
    PreviousLetter,
    TradeTerms,
    claim_sheet_context,
    lawyer_letter_context,
    letter_context,
    repayment_agreement_context,
    sales_contract_context,
    statement_context,
)
from workflow.documents.sandbox import date_en, date_zh, money
from workflow.law.words import rmb_upper
from workflow.ledger.demo import load_demo
from workflow.ledger.models import Contract, CreditNote, CreditorEntity, Customer, Invoice, Payment
from workflow.unit_of_work import UnitOfWork

pytestmark = pytest.mark.integration

TOOLS = ("soffice", "pdftotext", "pdftoppm", "pdffonts")
ARTIFACTS = ROOT / "test-artifacts" / "demo-documents"
BUCKETS = (0, 30, 60, 90, 180, 365)  # the aging report's lower bounds, in days overdue
FIRM = LawFirm("上海浦江明诚律师事务所", "Shanghai Pujiang Mingcheng Law Firm",
               "上海市黄浦区中山东一路18号外滩中心12楼",
               "12/F, 18 East Zhongshan Road No. 1, Huangpu District, Shanghai",
               "021-6321 8866", "office@mingchenglaw.cn")
LAWYER = Lawyer("王立新", "Wang Lixin", "13101201910356782", "139 1766 2035", "wanglixin@mingchenglaw.cn")


@dataclass
class Doc:
    kind: str
    lang: str
    context: dict[str, Any]
    want: list[str] = field(default_factory=list)  # from the database, not from the context

    @property
    def stem(self) -> str:
        return f"{self.kind}.{self.lang}"


@dataclass(frozen=True)
class Pair:
    creditor: CreditorEntity
    customer: Customer
    open_items: list[tuple[Invoice, Decimal]]  # CNY, not written off, something left, with what is left

    @property
    def ids(self) -> dict[str, int]:
        return {"creditor_id": self.creditor.id, "customer_id": self.customer.id}


def _record_recent_lpr(core: Core) -> None:
    """The administrator keeps the LPR table current (the shipped one ends in August 2026): the
    September to November quotes, reported unchanged at 3.00% / 3.50%."""
    for effective in (date(2026, 9, 21), date(2026, 10, 20), date(2026, 11, 20)):
        run(core, SYSTEM_ACTOR, core.services.calc.add_rate, effective=effective, rate_1y=Decimal("3.00"),
            rate_5y=Decimal("3.50"), source=f"全国银行间同业拆借中心 {effective} LPR 公告", verified=False)


def _fmt(lang: str) -> Callable[[Any], str]:
    return date_zh if lang == "zh" else date_en


def _pairs(s: Session) -> list[Pair]:
    """Every creditor–customer pair trading in CNY, with its open invoices as the ledger's own running
    totals have them (today is on or after every allocation and credit note of the demo)."""
    open_by_pair: dict[tuple[int, int], list[tuple[Invoice, Decimal]]] = {}
    for inv in s.scalars(select(Invoice).where(Invoice.currency == "CNY").order_by(Invoice.due_date, Invoice.id)):
        left = inv.amount - inv.paid_amount - inv.credited_amount
        items = open_by_pair.setdefault((inv.creditor_id, inv.customer_id), [])
        if left > 0 and not inv.written_off:
            items.append((inv, left))
    return [Pair(s.get_one(CreditorEntity, cr), s.get_one(Customer, cu), items)
            for (cr, cu), items in sorted(open_by_pair.items())]


def _overdue(pair: Pair, today: date) -> list[tuple[Invoice, Decimal]]:
    return [(inv, left) for inv, left in pair.open_items if inv.due_date < today]


def _buckets(pair: Pair, today: date) -> set[int]:
    return {max(b for b in BUCKETS if (today - inv.due_date).days > b) for inv, _ in _overdue(pair, today)}


def _penalty_kind(pair: Pair, today: date) -> str:
    lead = _overdue(pair, today)[0][0].contract
    return str((lead.penalty or {}).get("kind", "none")) if lead else "none"


def _party_names(pair: Pair) -> list[str]:
    return [pair.creditor.legal_name, pair.customer.legal_name]


def _invoice_lines(items: list[tuple[Invoice, Decimal]]) -> list[str]:
    want = []
    for inv, left in items:
        want += [inv.number, inv.due_date.isoformat(), money(inv.amount), money(inv.amount - left), money(left)]
    return want


def _letter(s: Session, kind: str, lang: str, pair: Pair, items: list[tuple[Invoice, Decimal]], today: date,
            **extra: Any) -> Doc:
    number = (f"明诚律函〔{today.year}〕第{pair.customer.id:03d}号" if kind == "lawyer_letter"
              else f"{pair.creditor.code}催〔{today.year}〕第{pair.customer.id:04d}号")
    if kind == "lawyer_letter":
        ctx = lawyer_letter_context(s, **pair.ids, as_of=today, number=number, law_firm=FIRM, lawyer=LAWYER, **extra)
    else:
        ctx = letter_context(s, kind, **pair.ids, as_of=today, number=number, **extra)
    total = sum((left for _, left in items), Decimal(0))
    assert [i["number"] for i in ctx["invoices"]] == [inv.number for inv, _ in items], kind
    assert ctx["totals"] == [{"currency": "CNY", "amount": str(sum((i.amount for i, _ in items), Decimal(0))),
                              "paid": str(sum((i.amount - left for i, left in items), Decimal(0))),
                              "outstanding": str(total)}], kind
    fmt = _fmt(lang)
    want = [*_party_names(pair), *_invoice_lines(items), money(total), rmb_upper(total), fmt(today), number]
    if kind != "payment_reminder":
        want.append(fmt(today + timedelta(days=ctx["letter"]["days_to_pay"])))
    if "previous" in extra:
        want += [extra["previous"].number, fmt(extra["previous"].sent_on)]
    if kind == "lawyer_letter":
        want += [FIRM.name if lang == "zh" else FIRM.name_en, LAWYER.name if lang == "zh" else LAWYER.name_en,
                 LAWYER.licence_no]
    return Doc(kind, lang, ctx, want)


def _statement(s: Session, lang: str, pair: Pair, start: date, end: date) -> Doc:
    """Opening balance and running balance recomputed from the raw invoices, payments and credit notes."""
    ids = pair.ids
    moves: list[tuple[date, int, int, Decimal]] = []
    for inv in s.scalars(select(Invoice).filter_by(**ids, currency="CNY", written_off=False)):
        moves.append((inv.issue_date, 0, inv.id, inv.amount))
    for pay in s.scalars(select(Payment).filter_by(**ids, currency="CNY")):
        moves.append((pay.received_on, 1, pay.id, -pay.amount))
    for note in s.scalars(select(CreditNote).filter_by(**ids, currency="CNY")):
        moves.append((note.issued_on, 2, note.id, -note.amount))
    moves = sorted(m for m in moves if m[0] <= end)
    opening = sum((m[3] for m in moves if m[0] < start), Decimal(0))
    ctx = statement_context(s, **ids, period_from=start, period_to=end, number=f"DZ-{pair.customer.code}-{end:%Y%m}",
                            issued_on=end + timedelta(days=1))
    fmt = _fmt(lang)
    want = [*_party_names(pair), money(opening), fmt(end)]
    balance = opening
    period = [m for m in moves if m[0] >= start]
    for day, _, _, amount in period:
        balance += amount
        want += [day.isoformat(), money(abs(amount)), money(balance)]
    want += [rmb_upper(balance), money(sum((m[3] for m in period if m[3] > 0), Decimal(0)))]
    assert len(ctx["lines"]) == len(period) + 1 and ctx["statement"]["closing_balance"] == str(balance)
    return Doc("statement", lang, ctx, want)


def _agreement(s: Session, lang: str, pair: Pair, today: date) -> Doc:
    debt = sum((left for _, left in pair.open_items), Decimal(0))
    third = (debt / 3).quantize(Decimal("0.01"))
    plan = [PlannedInstalment(today + timedelta(days=30 * n), amount)
            for n, amount in enumerate((third, third, debt - 2 * third), start=1)]
    ctx = repayment_agreement_context(s, **pair.ids, as_of=today, number=f"HK-{pair.customer.code}-{today:%Y%m%d}",
                                      instalments=plan)
    fmt = _fmt(lang)
    want = [*_party_names(pair), *_invoice_lines(pair.open_items), money(debt), rmb_upper(debt), fmt(today)]
    want += [money(p.amount) for p in plan] + [fmt(p.due_date) for p in plan]
    return Doc("repayment_agreement", lang, ctx, want)


def _contract(s: Session, lang: str, contract: Contract) -> Doc:
    total = contract.total
    assert total is not None
    product = (contract.title or "设备").removesuffix("采购合同")
    goods = [GoodsLine(product, "标准型 / Standard", "套", Decimal(40), total * Decimal("0.015")),
             GoodsLine(f"{product}备件", "原厂配套 / OEM", "件", Decimal(25), total * Decimal("0.016"))]
    terms = TradeTerms(contract.signed_on + timedelta(days=30), contract.customer.registered_address or "买方注册地址",
                       "GB/T 19001-2016 及双方确认的技术协议", quality_standard_en="GB/T 19001-2016 and the agreed "
                       "technical specification", delivery_place_en="the Buyer's registered address")
    ctx = sales_contract_context(s, contract_id=contract.id, goods=goods, terms=terms)
    want = [contract.creditor.legal_name if lang == "zh" else contract.creditor.legal_name_en or "",
            contract.customer.legal_name, contract.number, money(total), rmb_upper(total),
            _fmt(lang)(contract.signed_on), *[money(g.amount) for g in goods]]
    return Doc("sales_contract", lang, ctx, want)


def _interest_sheet(core: Core, uow: UnitOfWork, lang: str, pair: Pair, today: date) -> Doc:
    """The interest is the law engine's; the principal is the ledger's: what is left of each invoice,
    plus what the debtor paid towards interest first (民法典 561)."""
    claim = core.services.claims.claim(uow, pair.customer.id, ClaimQuery())
    ctx = claim_sheet_context(uow.session, claim=claim, creditor_id=pair.creditor.id, currency="CNY",
                              prepared_on=today)
    left = {inv.number: amount for inv, amount in _overdue(pair, today)}
    total = Decimal(0)
    want = [*_party_names(pair), _fmt(lang)(today)]
    for row in ctx["invoices"]:
        claimed = next(i for i in claim["invoices"] if i["number"] == row["number"])
        principal = left.get(row["number"], Decimal(0)) + Decimal(claimed["interest_paid"])
        interest = Decimal(claimed["interest_outstanding"])
        total += principal + interest
        want += [row["number"], money(principal), money(interest), money(principal + interest)]
    assert set(left) <= {row["number"] for row in ctx["invoices"]}
    want += [money(total), rmb_upper(total)]
    return Doc("interest_sheet", lang, ctx, want)


def _documents(core: Core, today: date) -> list[Doc]:
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        s = uow.session
        pairs = [p for p in _pairs(s) if _overdue(p, today)]
        # several aging buckets and a part payment (something paid, something left) on an overdue invoice
        spread = max((p for p in pairs if any(inv.paid_amount > 0 for inv, _ in _overdue(p, today))),
                     key=lambda p: (len(_buckets(p, today)), len(_overdue(p, today))))
        others = [p for p in pairs if p.customer.id != spread.customer.id]
        with_penalty = max((p for p in others if _penalty_kind(p, today) != "none"),
                           key=lambda p: len(_overdue(p, today)))
        without = max((p for p in others
                       if _penalty_kind(p, today) == "none" and p.customer.id != with_penalty.customer.id),
                      key=lambda p: len(_overdue(p, today)))
        due_soon = max(_pairs(s), key=lambda p: sum(today <= i.due_date <= today + timedelta(days=7)
                                                    for i, _ in p.open_items))
        start, end = date(today.year - 1, 1, 1), today
        # the demo has no account with 60+ movements in any period (28 at most): the busiest one it is
        busiest = max(_pairs(s), key=lambda p: sum(start <= day <= end for column in (
            Invoice.issue_date, Payment.received_on, CreditNote.issued_on) for day in s.scalars(
                select(column).filter_by(**p.ids, currency="CNY"))))
        contract = s.scalars(select(Contract).where(Contract.customer_id == with_penalty.customer.id,
                                                    Contract.creditor_id == with_penalty.creditor.id,
                                                    Contract.currency == "CNY").order_by(Contract.id)).first()
        assert contract is not None and (contract.penalty or {}).get("kind") != "none"
        assert len(_buckets(spread, today)) >= 4 and _penalty_kind(without, today) == "none"
        reminder = [(i, left) for i, left in due_soon.open_items if today <= i.due_date <= today + timedelta(days=7)]
        docs = []
        for lang in LANGS:
            earlier = PreviousLetter(f"{spread.creditor.code}催〔{today.year}〕第0031号", today - timedelta(days=21))
            docs += [
                _letter(s, "payment_reminder", lang, due_soon, reminder, today),
                _letter(s, "dunning_letter_1", lang, spread, _overdue(spread, today), today),
                _letter(s, "dunning_letter_2", lang, with_penalty, _overdue(with_penalty, today), today,
                        previous=earlier),
                _letter(s, "dunning_letter_3", lang, without, _overdue(without, today), today, previous=earlier),
                _letter(s, "lawyer_letter", lang, spread, _overdue(spread, today), today),
                _statement(s, lang, busiest, start, end),
                _agreement(s, lang, spread, today),
                _contract(s, lang, contract),
            ]
        return docs + [_interest_sheet(core, uow, lang, spread, today) for lang in LANGS]


def _convert(work: Path, docs: list[Doc]) -> None:
    paths = []
    for doc in docs:
        target = work / f"{doc.stem}.docx"
        target.write_bytes(render(doc.kind, doc.lang, doc.context))
        paths.append(str(target))
    # a private profile: a LibreOffice already running for someone else must not swallow the job
    profile = (work / "profile").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(work), *paths], check=True, capture_output=True, timeout=240)


def _check(pdf: Path, doc: Doc) -> list[str]:
    if not pdf.is_file():
        return [f"LibreOffice made no PDF of {doc.stem}"]
    problems = []
    raw = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    text = squeeze(raw)
    lines = [squeeze(line) for line in raw.splitlines()]
    broken = [w for w in dict.fromkeys(doc.want)
              if w.startswith("¥") and text.count(w) > sum(line.count(w) for line in lines)]
    if broken:  # a reader cannot tell "¥22,319.4" at a line's end from the whole amount
        problems.append(f"{pdf.name} breaks a line inside {broken[:8]}")
    lacking = [w for w in doc.want if squeeze(w) not in text]
    if lacking:
        problems.append(f"{pdf.name} lacks, from the ledger: {lacking[:8]}")
    lacking = [w for w in expected_strings(doc.kind, doc.lang, doc.context) if squeeze(w) not in text]
    if lacking:
        problems.append(f"{pdf.name} lacks, from its context: {lacking[:8]}")
    if "{{" in text or "{%" in text:
        problems.append(f"{pdf.name} shows a template tag")
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    if "CJK" not in fonts:
        problems.append(f"{pdf.name}: Chinese is not set in an embedded CJK font")
    return problems


def test_every_template_prints_the_demo_ledger(core: Core, tmp_path: Path) -> None:
    """One test, one demo load and one LibreOffice run for all eighteen documents."""
    missing_tools = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing_tools:
        missing_tool(f"not installed: {', '.join(missing_tools)}")
    assert run(core, SYSTEM_ACTOR, load_demo, core.services.accounts).loaded
    _record_recent_lpr(core)
    docs = _documents(core, core.clock.today())
    assert {(d.kind, d.lang) for d in docs} == {(k, lang) for k in {d.kind for d in docs} for lang in LANGS}
    _convert(tmp_path, docs)
    problems: list[str] = []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for doc in docs:
        pdf = tmp_path / f"{doc.stem}.pdf"
        problems += _check(pdf, doc)
        if not pdf.is_file():
            continue
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(tmp_path / doc.stem)], check=True, timeout=60)
        for old in ARTIFACTS.glob(f"{doc.stem}*"):
            old.unlink()
        for page in [pdf, *sorted(tmp_path.glob(f"{doc.stem}-*.png"))]:
            shutil.copy(page, ARTIFACTS / page.name)
    assert not problems, "\n".join(problems)
