"""Helpers for the tests of the shipped templates: where they are, rendering them, their text."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from tests.conftest import TEMPLATE_CACHE
from workflow.documents.catalogue import CATALOGUE
from workflow.documents.sandbox import date_en, date_zh, money, rmb_upper

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates_docx"
ARTIFACTS = ROOT / "test-artifacts" / "templates"
LANGS = ("zh", "en")
CACHE = TEMPLATE_CACHE  # the compiled templates every test's Core shares


def shipped() -> Iterator[tuple[str, str, Path]]:
    for kind in CATALOGUE:
        for lang in LANGS:
            yield kind, lang, TEMPLATES / f"{kind}.{lang}.docx"


def render(kind: str, lang: str, context: Mapping[str, Any]) -> bytes:
    """Through the engine's sandboxed renderer, exactly as the service renders documents."""
    return CACHE.get((TEMPLATES / f"{kind}.{lang}.docx").read_bytes()).render(context)


def docx_text(data: bytes) -> str:
    """All visible text of body, headers and footers, paragraphs on their own lines."""
    parts = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in sorted(zf.namelist()):
            if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", name):
                xml = zf.read(name).decode()
                xml = re.sub(r"</w:p>", "\n", xml)
                parts.append(re.sub(r"<[^>]+>", "", xml))
    return "".join(parts).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")


def squeeze(text: str) -> str:
    """Without whitespace: a PDF's text layer breaks lines wherever the layout did."""
    return re.sub(r"\s+", "", text)


def expected_strings(kind: str, lang: str, ctx: Mapping[str, Any]) -> list[str]:
    """What a reader must find on the page: names, every amount, the 大写, the dates."""
    fmt_date = date_zh if lang == "zh" else date_en
    want = [ctx["creditor"]["name"], ctx["customer"]["name"]]
    for inv in ctx.get("invoices", []):
        cur = inv.get("currency", "CNY")
        want += [inv["number"], money(inv.get("outstanding", inv.get("principal")), cur)]
        if "paid" in inv:  # a letter's invoice row (the interest sheet's rows have no "paid")
            want += [money(inv["amount"], cur), money(inv["paid"], cur), inv["due_date"]]
    for total in ctx.get("totals", []) if kind != "repayment_agreement" else []:
        want += [money(total["outstanding"], total["currency"]), money(total["amount"], total["currency"])]
        if total["currency"] == "CNY":
            want.append(rmb_upper(total["outstanding"]))
    if "letter" in ctx:
        want += [fmt_date(ctx["letter"]["date"]), ctx["letter"]["number"]]
        if kind != "payment_reminder":  # a reminder asks for payment by each invoice's own due date
            want.append(fmt_date(ctx["letter"]["deadline"]))
    if kind == "statement":
        st = ctx["statement"]
        want += [money(st["closing_balance"]), rmb_upper(st["closing_balance"]), fmt_date(st["period_to"]),
                 money(st["opening_balance"]), money(st["total_invoiced"])]
        for line in ctx["lines"]:
            want += [money(line["balance"]), line["date"]]
            want += [money(line[k]) for k in ("increase", "decrease") if line[k]]
    if kind == "repayment_agreement":
        ag = ctx["agreement"]
        want += [rmb_upper(ag["debt_amount"]), money(ag["debt_amount"])]
        want += [money(i["amount"]) for i in ctx["instalments"]] + [fmt_date(i["due_date"]) for i in ctx["instalments"]]
    if kind == "interest_sheet":
        sh = ctx["sheet"]
        want += [money(sh["total"]), money(sh["total_interest"]), rmb_upper(sh["total"]), fmt_date(sh["as_of"])]
        want += [money(r["interest"]) for r in ctx["rows"]] + [r["start"] for r in ctx["rows"]]
    if kind == "sales_contract":
        c = ctx["contract"]
        want += [money(c["total"]), rmb_upper(c["total"]), fmt_date(c["signed_on"]), c["number"]]
        want += [money(g["amount"]) for g in ctx["goods"]]
    if kind == "lawyer_letter":
        name = "name" if lang == "zh" else "name_en"
        want += [ctx["law_firm"]["name"], ctx["lawyer"][name], ctx["lawyer"]["licence_no"]]
    return want
