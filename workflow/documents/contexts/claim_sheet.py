"""The 利息计算表's context from a customer's claim (``workflow.claim.service.ClaimService.claim``).

A court document that silently leaves something out is the worst thing we can print, so the sheet
shows its work: every invoice of the creditor in the currency (settled ones, and those whose interest
could not be computed with the reason), every receipt and how it was split, the cap, the unapplied
cash, and a 计算不完整 notice at the top whenever anything is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from workflow.documents.contexts.parties import creditor_block, customer_block, iso, load_parties, money_str
from workflow.errors import invalid


def _d(value: str | None) -> Decimal:
    return Decimal(value) if value is not None else Decimal(0)


def claim_sheet_context(s: Session, *, claim: Mapping[str, Any], creditor_id: int, currency: str,
                        prepared_on: date) -> dict[str, Any]:
    """The invoices and receipts one creditor entity has in one currency, each invoice under its own
    contract's penalty clause or the statutory rule, with every method used written out."""
    cid = str(creditor_id)
    invoices = [i for i in claim["invoices"] if i["currency"] == currency and i["creditor_id"] == cid]
    receipts = [r for r in claim.get("receipts", []) if r["currency"] == currency and r["creditor_id"] == cid]
    if not any(i["claimed"] for i in invoices):
        raise invalid("currency", "nothing_claimed",
                      f"截至 {claim['as_of']}，该债权人对该客户没有以 {currency} 计的逾期债权",
                      f"as of {claim['as_of']} this creditor has no overdue claim in {currency} on this customer")
    as_of = date.fromisoformat(claim["as_of"])
    numbers = {i["number"] for i in invoices}
    methods = [m for m in claim["methods"] if m["currency"] == currency and m.get("creditor_id", cid) == cid
               and numbers & set(m["invoices"])]
    rows: list[dict[str, Any]] = []
    summary: list[dict[str, Any]] = []
    missing: list[dict[str, Any]] = []
    running: list[dict[str, str]] = []
    total_p = total_i = accrued = paid = Decimal(0)
    for inv in invoices:
        computed = inv["interest_refused"] is None
        for seg in inv["segments"]:
            rows.append({"invoice_number": inv["number"], "start": seg["from"], "end": seg["to"],
                         "days": seg["days"], "principal": seg["principal"], "annual_rate": seg["annual_rate"],
                         "interest": seg["interest"]})
        principal, interest = _d(inv["principal_outstanding"]), _d(inv["interest_outstanding"])
        note_zh, note_en = _notes(inv)
        if inv["claimed"]:
            total_p += principal
            total_i += interest
            accrued += _d(inv["interest_accrued"])
            paid += _d(inv["interest_paid"])
        if not computed:
            r = inv["interest_refused"]
            missing.append({"number": inv["number"], "principal": money_str(principal),
                            "reason_zh": r["zh"], "reason_en": r["en"]})
        summary.append({"number": inv["number"], "due_date": inv["due_date"], "amount": inv["amount"],
                        "credited": inv["credited"], "principal": money_str(principal),
                        "interest": money_str(interest) if computed else "",
                        "total": money_str(principal + interest) if computed else "",
                        "computed": computed, "claimed": inv["claimed"], "note_zh": note_zh, "note_en": note_en})
        line = _running(inv, as_of)
        if line is not None:
            running.append(line)
    payments = [{"date": r["date"], "reference": r["reference"], "amount": r["amount"],
                 "to_interest": money_str(sum((_d(a["to_interest"]) for a in r["applied"]), Decimal(0))),
                 "to_principal": money_str(sum((_d(a["to_principal"]) for a in r["applied"]), Decimal(0))),
                 "unapplied": r["unapplied"],
                 "invoices": "、".join(dict.fromkeys(a["invoice"] for a in r["applied"])) or "—"}
                for r in receipts]
    unapplied = sum((_d(r["unapplied"]) for r in receipts), Decimal(0))
    warnings = _warnings(claim, numbers, {r["reference"] for r in receipts})
    creditor, customer = load_parties(s, creditor_id, int(claim["customer"]["id"]))
    return {
        "creditor": creditor_block(creditor), "customer": customer_block(s, customer),
        "rows": rows, "invoices": summary, "missing": missing, "payments": payments, "running": running,
        "warnings": warnings,
        "sheet": {
            "as_of": claim["as_of"], "prepared_on": iso(prepared_on), "currency": currency,
            "method_zh": "\n".join(m["zh"] for m in methods), "method_en": "\n".join(m["en"] for m in methods),
            "day_count": 365, "incomplete": bool(missing),
            "allocation": claim.get("allocation", "interest_first"),
            "interest_accrued": money_str(accrued), "interest_paid": money_str(paid),
            "received": money_str(sum((_d(r["amount"]) for r in receipts), Decimal(0))),
            "unapplied": money_str(unapplied),
            "total_principal": money_str(total_p), "total_interest": money_str(total_i),
            "total": money_str(total_p + total_i)}}


def _notes(inv: Mapping[str, Any]) -> tuple[str, str]:
    zh: list[str] = []
    en: list[str] = []
    if inv["interest_refused"] is not None:
        zh.append("利息未计算：" + inv["interest_refused"]["zh"])
        en.append("interest not computed: " + inv["interest_refused"]["en"])
    if inv["cap"]:
        if inv["cap_applied"]:
            zh.append(f"违约金按约定上限 {inv['cap']}（{inv['cap_amount']}）计，"
                      f"未按上限计算为 {inv['interest_before_cap']}")
            en.append(f"penalty capped as agreed at {inv['cap']} ({inv['cap_amount']}); "
                      f"{inv['interest_before_cap']} before the cap")
        else:
            zh.append(f"约定上限 {inv['cap']}（{inv['cap_amount']}），未达上限")
            en.append(f"agreed cap {inv['cap']} ({inv['cap_amount']}), not reached")
    if Decimal(inv["credited"]):
        zh.append(f"已扣减红字发票 {inv['credited']}")
        en.append(f"less credit notes of {inv['credited']}")
    if inv["settled"]:
        zh.append("已结清")
        en.append("settled")
    elif inv["written_off"]:
        zh.append("已核销，不计入请求")
        en.append("written off, not claimed")
    elif not inv["overdue"]:
        zh.append("截至计算日尚未到期，不计入请求")
        en.append("not yet due on the calculation date, not claimed")
    return "；".join(zh), "; ".join(en)


def _running(inv: Mapping[str, Any], as_of: date) -> dict[str, str] | None:
    """'自X日起按…计至实际清偿之日止': how the interest runs on after the calculation date."""
    if not inv["claimed"] or inv["principal_outstanding"] == "0.00" or inv["interest_refused"] is not None:
        return None
    nxt = (as_of + timedelta(days=1)).isoformat()
    rate = inv.get("rate_now")
    if inv["cap_applied"] or rate is None:
        if inv["cap_applied"]:
            return {"zh": f"发票 {inv['number']}：违约金已达约定上限，{nxt} 起不再计算",
                    "en": f"invoice {inv['number']}: the penalty has reached the agreed cap; nothing more from {nxt}"}
        return None
    p = inv["principal_outstanding"]
    cap = f"，违约金总额以约定上限 {inv['cap_amount']} 为限" if inv["cap"] else ""
    cap_en = f", the penalty in all up to the agreed cap of {inv['cap_amount']}" if inv["cap"] else ""
    pct = _pct(Decimal(rate["annual_rate"]))
    return {"zh": f"发票 {inv['number']}：以未付本金 {p} 为基数，自 {nxt} 起按 {rate['zh']}（年利率 {pct}）"
                  f"计至实际清偿之日止{cap}",
            "en": f"invoice {inv['number']}: on the unpaid principal of {p}, from {nxt} at {rate['en']} "
                  f"({pct} a year) until actual payment{cap_en}"}


def _pct(rate: Decimal) -> str:
    text = format(rate * 100, "f")
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


def _warnings(claim: Mapping[str, Any], numbers: set[str], references: set[str]) -> list[dict[str, str]]:
    """The claim's warnings that concern this sheet: general ones (an unverified quote, an assumed
    rate) and those naming one of its invoices or receipts."""
    others = {i["number"] for i in claim["invoices"]} - numbers
    other_refs = {r["reference"] for r in claim.get("receipts", [])} - references
    out = []
    for w in claim["warnings"]:
        if any(n in w["zh"] for n in others - numbers) or any(r in w["zh"] for r in other_refs):
            continue
        out.append({"zh": w["zh"], "en": w["en"]})
    return out
