"""Sample contexts: what a real case looks like, for the template check, the designer and the tests.

Fictitious but plausible companies (valid credit codes, real Chinese place names), a 20-row invoice
table for the letters and a statement long enough to run over several pages. Every number is
derived, not typed: totals add up and the statement's running balance closes.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from workflow.ledger.validation import credit_code_check_char

AS_OF = date(2026, 11, 26)
CENT = Decimal("0.01")


def credit_code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


def _s(value: Decimal) -> str:
    return str(value.quantize(CENT))


def creditor() -> dict[str, Any]:
    return {
        "name": "上海镕达精密机械有限公司",
        "name_en": "Shanghai Rongda Precision Machinery Co., Ltd.",
        "credit_code": credit_code("91310115MA1H7RD2K"),
        "address": "上海市浦东新区康桥东路1188号",
        "address_en": "1188 Kangqiao East Road, Pudong New Area, Shanghai",
        "phone": "021-5813 6620",
        "email": "ar@rongda-machinery.cn",
        "website": "www.rongda-machinery.cn",
        "contact_name": "王晓红",
        "legal_representative": "陈建国",
        "bank_name": "招商银行上海张江支行",
        "bank_account": "1219 0865 2110 301",
        "bank_account_name": "上海镕达精密机械有限公司",
    }


def customer() -> dict[str, Any]:
    return {
        "name": "深圳市堃鹏电子科技有限公司",
        "name_en": "Shenzhen Kunpeng Electronic Technology Co., Ltd.",
        "credit_code": credit_code("91440300MA5FKP8U3"),
        "address": "广东省深圳市宝安区西乡街道航城大道宝安智谷科技创新园B栋6楼",
        "legal_representative": "黄伟明",
        "contact_name": "李志强",
        "contact_email": "lizq@kunpeng-tech.com.cn",
        "contact_phone": "0755-2760 3385",
    }


CONTRACTS = [
    {"number": "RD-XS-2026-018", "title": "数控机床零部件买卖合同", "signed_on": "2026-01-12"},
    {"number": "RD-XS-2026-041", "title": "精密主轴组件买卖合同", "signed_on": "2026-04-08"},
]


def invoices(count: int = 20, *, overdue: bool = True) -> list[dict[str, Any]]:
    rng = random.Random(20261126 + count)
    rows = []
    for i in range(count):
        issue = date(2026, 3, 2) + timedelta(days=9 * i) if overdue else AS_OF - timedelta(days=25 - i)
        due = issue + timedelta(days=60) if overdue else AS_OF + timedelta(days=4 + i)
        if overdue and due >= AS_OF:
            due = AS_OF - timedelta(days=count - i)
        amount = Decimal(rng.randrange(860_000, 18_600_000)) / 100
        paid = (amount * Decimal(rng.choice([0, 0, 0, 30, 50]))/100).quantize(CENT) if overdue else Decimal(0)
        contract = CONTRACTS[0 if i < count // 2 else 1]["number"]
        rows.append({
            "number": f"RD-INV-2026-{312 + i * 7:04d}",
            "tax_invoice_no": f"263120000000{83214 + i * 131:08d}",
            "contract_number": contract,
            "issue_date": issue.isoformat(),
            "due_date": due.isoformat(),
            "days_overdue": max((AS_OF - due).days, 0),
            "days_to_due": max((due - AS_OF).days, 0),
            "amount": _s(amount),
            "paid": _s(paid),
            "outstanding": _s(amount - paid),
            "currency": "CNY",
        })
    return rows


def totals(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by: dict[str, list[Decimal]] = {}
    for r in rows:
        acc = by.setdefault(r["currency"], [Decimal(0)] * 3)
        for k, key in enumerate(("amount", "paid", "outstanding")):
            acc[k] += Decimal(r[key])
    return [{"currency": c, "amount": _s(a), "paid": _s(p), "outstanding": _s(o)}
            for c, (a, p, o) in sorted(by.items())]


PENALTY = {"kind": "daily_rate", "rate": "0.0005", "multiple": "", "cap": "0.20", "cap_amount": "",
           "currency": "CNY"}
# the contract we ship as the example to copy: 1.5 × LPR is well inside what the clause linter lets
# pass without a note (万分之五 a day, 18.25% a year, is over 4 × LPR: a court may cut it, 民法典 585)
CONTRACT_PENALTY = {"kind": "lpr_multiple", "rate": "", "multiple": "1.5", "cap": "", "cap_amount": "",
                    "currency": "CNY"}
DISPUTE = {"kind": "court", "court": "seller_domicile", "place": "上海市浦东新区",
           "place_en": "Pudong New Area, Shanghai", "commission": "", "commission_en": "",
           "seat": "", "seat_en": ""}


def letter(number: str, *, overdue: bool = True, previous: bool = False, days: int = 10) -> dict[str, Any]:
    rows = invoices(overdue=overdue)
    return {
        "number": number,
        "date": AS_OF.isoformat(),
        "as_of": AS_OF.isoformat(),
        "deadline": (AS_OF + timedelta(days=days)).isoformat(),
        "days_to_pay": days,
        "max_days_overdue": max(r["days_overdue"] for r in rows),
        "previous_number": "RD催〔2026〕第0187号" if previous else "",
        "previous_date": "2026-11-06" if previous else "",
        "include_receipt": True,
        "delivery": "email_and_post",
        "tracking_no": "EA 2026 1126 0418 CN",
    }


def letter_context(number: str, *, overdue: bool = True, previous: bool = False) -> dict[str, Any]:
    rows = invoices(overdue=overdue)
    return {"creditor": creditor(), "customer": customer(), "contracts": CONTRACTS, "invoices": rows,
            "totals": totals(rows), "letter": letter(number, overdue=overdue, previous=previous),
            "penalty": dict(PENALTY), "dispute": dict(DISPUTE)}


def lawyer_letter_context() -> dict[str, Any]:
    ctx = letter_context("正衡律函〔2026〕第118号", previous=True)
    ctx["letter"]["draft"] = True
    ctx["letter"]["include_receipt"] = False
    ctx["law_firm"] = {"name": "上海正衡律师事务所", "name_en": "Shanghai Zhengheng Law Firm",
                       "address": "上海市静安区南京西路1266号恒隆广场二期32楼",
                       "address_en": "32/F, Plaza 66 Tower 2, 1266 West Nanjing Road, Jing'an District, Shanghai",
                       "phone": "021-6288 9160", "email": "office@zhengheng-law.cn"}
    ctx["lawyer"] = {"name": "张明远", "name_en": "Zhang Mingyuan", "licence_no": "13101201810234567",
                     "phone": "139 1682 4473", "email": "zhangmy@zhengheng-law.cn"}
    ctx["claim"] = {"currency": "CNY", "penalty_accrued": _s(accrued_penalty(ctx["invoices"])),
                    "costs_agreed": True, "lawyer_fee": "30000.00"}
    return ctx


def accrued_penalty(rows: list[dict[str, Any]]) -> Decimal:
    """万分之五 a day on each invoice's outstanding amount from the day after its due date, capped
    at 20% of it (PENALTY): the figure a lawyer's letter states."""
    rate, cap = Decimal(PENALTY["rate"]), Decimal(PENALTY["cap"])
    total = Decimal(0)
    for r in rows:
        outstanding = Decimal(r["outstanding"])
        total += min(outstanding * rate * r["days_overdue"], outstanding * cap).quantize(CENT, ROUND_HALF_UP)
    return total


def statement_context() -> dict[str, Any]:
    rng = random.Random(7)
    opening = Decimal("286430.50")
    balance = opening
    lines: list[dict[str, Any]] = [{"date": "2026-01-01", "kind": "opening", "number": "",
                                    "description": "上年结转", "increase": "", "decrease": "",
                                    "balance": _s(balance)}]
    invoiced = received = credited = Decimal(0)
    day = date(2026, 1, 5)
    n = 0
    while day <= date(2026, 10, 28):
        n += 1
        amount = Decimal(rng.randrange(1_200_000, 9_800_000)) / 100
        balance += amount
        invoiced += amount
        lines.append({"date": day.isoformat(), "kind": "invoice", "number": f"RD-INV-2026-{100 + n:04d}",
                      "description": rng.choice(["数控车床主轴", "精密轴承座", "滚珠丝杠副", "伺服电机支架"]),
                      "increase": _s(amount), "decrease": "", "balance": _s(balance)})
        if n % 2 == 0:
            pay = (balance * Decimal("0.35")).quantize(Decimal("1"))
            balance -= pay
            received += pay
            lines.append({"date": (day + timedelta(days=2)).isoformat(), "kind": "receipt",
                          "number": f"CMB{day:%Y%m%d}{n:04d}", "description": "银行转账收款",
                          "increase": "", "decrease": _s(pay), "balance": _s(balance)})
        if n % 15 == 0:
            credit = (amount * Decimal("0.05")).quantize(CENT, ROUND_HALF_UP)
            balance -= credit
            credited += credit
            lines.append({"date": (day + timedelta(days=3)).isoformat(), "kind": "credit_note",
                          "number": f"RD-CN-2026-{n:03d}", "description": "质量折让",
                          "increase": "", "decrease": _s(credit), "balance": _s(balance)})
        day += timedelta(days=6)
    return {"creditor": creditor(), "customer": customer(), "contracts": CONTRACTS, "lines": lines, "statement": {
        "number": "RD-DZ-2026-1031-KP", "date": "2026-11-05", "period_from": "2026-01-01",
        "period_to": "2026-10-31", "reply_by": "2026-11-20", "currency": "CNY",
        "opening_balance": _s(opening), "total_invoiced": _s(invoiced), "total_received": _s(received),
        "total_credited": _s(credited), "total_received_and_credited": _s(received + credited),
        "closing_balance": _s(balance)}}


def repayment_context() -> dict[str, Any]:
    rows = invoices(6)
    debt = sum((Decimal(r["outstanding"]) for r in rows), Decimal(0))
    parts = [(debt * Decimal(share)).quantize(Decimal("1")) for share in ("0.3", "0.25", "0.25")]
    parts.append(debt - sum(parts, Decimal(0)))
    dues = ["2026-12-15", "2027-01-15", "2027-02-15", "2027-03-15"]
    return {"creditor": creditor(), "customer": customer(), "contracts": CONTRACTS[:1], "invoices": rows,
            "instalments": [{"number": i + 1, "due_date": d, "amount": _s(a)}
                            for i, (d, a) in enumerate(zip(dues, parts, strict=True))],
            "agreement": {"number": "RD-HK-2026-007", "acknowledged_on": AS_OF.isoformat(), "currency": "CNY",
                          "debt_amount": _s(debt), "waive_penalty_on_performance": True, "notarize": True},
            "penalty": dict(PENALTY), "dispute": dict(DISPUTE), "notices": notices(),
            "guarantor": {"name": "黄伟明", "id_number": "440306197803152715",
                          "address": "广东省深圳市南山区科苑南路2666号中国华润大厦18楼",
                          "phone": "138 2871 5502", "email": "huangwm@kunpeng-tech.com.cn"}}


def notices() -> dict[str, Any]:
    """The agreed addresses for service: our contact, and the customer's designated contact."""
    cred, cust = creditor(), customer()
    return {"creditor": {"contact_name": cred["contact_name"], "address": cred["address"], "phone": cred["phone"],
                         "email": cred["email"]},
            "customer": {"contact_name": cust["contact_name"], "address": cust["address"],
                         "phone": cust["contact_phone"], "email": cust["contact_email"]}}


def interest_context() -> dict[str, Any]:
    rate = Decimal("0.045")  # 1.5 × the 1-year LPR of 3.00%
    rows: list[dict[str, Any]] = []
    summary: list[dict[str, Any]] = []
    total_p = total_i = Decimal(0)
    for inv in invoices(6):
        due = date.fromisoformat(inv["due_date"])
        principal = Decimal(inv["amount"])
        # segments run from the day after the due date; a part payment 45 days in starts a new one
        cuts = [due, due + timedelta(days=45)] if Decimal(inv["paid"]) else [due]
        inv_interest = Decimal(0)
        for k, last_excluded in enumerate(cuts):
            start = last_excluded + timedelta(days=1)
            end = cuts[k + 1] if k + 1 < len(cuts) else AS_OF
            if k == 1:
                principal -= Decimal(inv["paid"])
            days = (end - start).days + 1
            interest = (principal * rate * days / 365).quantize(CENT, ROUND_HALF_UP)
            inv_interest += interest
            rows.append({"invoice_number": inv["number"], "start": start.isoformat(), "end": end.isoformat(),
                         "days": days, "principal": _s(principal), "annual_rate": str(rate),
                         "interest": _s(interest)})
        summary.append({"number": inv["number"], "due_date": inv["due_date"], "principal": _s(principal),
                        "interest": _s(inv_interest), "total": _s(principal + inv_interest),
                        "amount": inv["amount"], "credited": "0.00", "computed": True, "claimed": True,
                        "note_zh": "", "note_en": ""})
        total_p += principal
        total_i += inv_interest
    nxt = (AS_OF + timedelta(days=1)).isoformat()
    running = [{"zh": f"发票 {i['number']}：以未付本金 {i['principal']} 为基数，自 {nxt} 起按年利率 4.5% "
                      "计至实际清偿之日止",
                "en": f"invoice {i['number']}: on the unpaid principal of {i['principal']}, from {nxt} at 4.5% a "
                      "year until actual payment"} for i in summary]
    return {"creditor": creditor(), "customer": customer(), "rows": rows, "invoices": summary,
            "missing": [], "payments": [], "running": running,
            "warnings": [{"zh": "所用利率中以下报价尚未与官方公告核对：LPR 2026-08-20",
                          "en": "these rates used are not yet checked against the official notice: LPR 2026-08-20"}],
            "sheet": {
        "incomplete": False, "allocation": "interest_first", "received": "0.00", "unapplied": "0.00",
        "as_of": AS_OF.isoformat(), "prepared_on": AS_OF.isoformat(), "currency": "CNY", "day_count": 365,
        "method_zh": "按《数控机床零部件买卖合同》第六条，以逾期付款金额为基数，按付款到期时一年期贷款市场报价利率"
                     "（LPR）3.00%的1.5倍即年利率4.50%计算；部分付款后按剩余本金分段计算。",
        "method_en": "Under Article 6 of the sales contract: on the overdue amount, at 1.5 times the one-year "
                     "LPR of 3.00% on the due date, i.e. 4.50% a year; after a part payment, on the remaining "
                     "principal.",
        "interest_accrued": _s(total_i), "interest_paid": "0.00",
        "total_principal": _s(total_p), "total_interest": _s(total_i), "total": _s(total_p + total_i)}}


def contract_context() -> dict[str, Any]:
    goods = [("数控车床主轴", "CK6150-SP", "套", 12, "18600.00"), ("精密轴承座", "UCP-212", "件", 240, "386.50"),
             ("滚珠丝杠副", "SFU4010-C5", "根", 60, "2480.00"), ("伺服电机支架", "MB-130A", "件", 120, "265.80"),
             ("直线导轨", "HGR25-1500", "根", 80, "1135.00"), ("联轴器", "GS-28", "只", 200, "98.60")]
    lines = [{"name": n, "spec": s, "unit": u, "quantity": str(q), "unit_price": p,
              "amount": _s(Decimal(p) * q)} for n, s, u, q, p in goods]
    total = sum((Decimal(g["amount"]) for g in lines), Decimal(0))
    cred, cust = creditor(), customer()
    return {"creditor": cred, "customer": cust, "goods": lines, "contract": {
        "number": "RD-XS-2026-058", "signed_on": "2026-11-20", "signed_place": "上海市浦东新区",
        "signed_place_en": "Pudong New Area, Shanghai", "currency": "CNY", "total": _s(total), "vat_rate": "0.13",
        "quality_standard": "国家标准GB/T 25659及双方确认的技术协议",
        "quality_standard_en": "national standard GB/T 25659 and the technical agreement both parties signed",
        "warranty_months": 12, "delivery_date": "2026-12-20",
        "delivery_place": "深圳市宝安区西乡街道航城大道宝安智谷科技创新园B栋乙方仓库",
        "delivery_place_en": "the buyer's warehouse, Building B, Bao'an Zhigu Park, Xixiang, Bao'an, Shenzhen",
        "acceptance_days": 7, "suspend_after_days": 30},
        "payment": {"kind": "days_after", "trigger": "delivery", "days": 60},
        "instalments": [],
        "penalty": dict(CONTRACT_PENALTY), "dispute": dict(DISPUTE), "notice": {"kind": "email_post_and_proceedings"},
        "notices": notices()}
