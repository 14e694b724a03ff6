"""The printed 利息计算表, read back from the PDF LibreOffice makes of it: an invoice whose interest
could not be computed is on the page with its reason, under a 计算不完整 notice at the top; the
payment and its split, the cap, the unverified-quote notice and '计至实际清偿之日止' are printed."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import Users
from tests.documents.shipped import squeeze
from tests.law.test_claim import _ledger
from tests.tools import missing_tool

pytestmark = [pytest.mark.usefixtures("shipped_templates"), pytest.mark.integration]


def _pdf_text(docx: bytes, work: Path) -> str:
    for tool in ("soffice", "pdftotext"):
        if shutil.which(tool) is None:
            missing_tool(f"not installed: {tool}")
    source = work / "sheet.docx"
    source.write_bytes(docx)
    subprocess.run(["soffice", f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(work), str(source)], check=True, capture_output=True,
                   timeout=240)
    return squeeze(subprocess.run(["pdftotext", "-enc", "UTF-8", str(work / "sheet.pdf"), "-"], check=True,
                                  capture_output=True, text=True).stdout)


def test_the_printed_sheet_shows_what_is_missing_and_how_each_payment_was_split(
        client: FlaskClient, users: Users, runner: Any, tmp_path: Path) -> None:
    ledger, _, _ = _ledger(client, users)
    cid = ledger.customer_ids[0]
    # floating statutory rate to 2028-06-30 needs LPR quotes not published: HX-0002's interest is refused
    made = client.post(f"/api/v1/customers/{cid}/claim/sheet", headers=users.legal,
                       json={"as_of": "2028-06-30", "statutory_mode": "floating", "pdf": False})
    assert made.status_code == 201, made.get_data(as_text=True)
    # the answer says so itself, not only the stored document
    assert made.json["complete"] is False
    assert any("HX-2026-0002" in w["zh"] for w in made.json["warnings"]), made.json["warnings"]
    docx = client.get(made.json["links"]["docx"], headers=users.legal).data
    text = _pdf_text(docx, tmp_path)
    # at the top, before the first table: the notice naming the invoice, its principal and the reason
    notice = text.index(squeeze("计算不完整"))
    assert notice < text.index(squeeze("分段计算明细"))
    assert text[notice:].startswith(squeeze("计算不完整：下列发票的利息未能计算，本表利息合计不含其利息："
                                            "HX-2026-0002（未付本金¥20,000.00；缺少"))
    assert squeeze("未计算") in text
    # the payment: 40000.00 = 1500.00 to interest + 38500.00 to principal (民法典 561)
    for figure in ("ICBC20260608001", "40,000.00", "1,500.00", "38,500.00"):
        assert squeeze(figure) in text, figure
    # the cap: 24654.75 computed, 20000.00 claimed (20% of 100000.00)
    assert squeeze("24654.75") in text and squeeze("约定上限") in text
    # the totals say they leave the missing interest out
    assert squeeze("不含上列未能计算的利息") in text
    # the CLI says so too: it writes the sheet and exits 3
    args = ["calc", "claim", str(cid), "--as-of", "2028-06-30", "--statutory-mode", "floating"]
    out = runner.invoke(args=[*args, "--sheet", str(tmp_path / "cli")])
    assert out.exit_code == 3 and "计算不完整" in out.output
    as_json = runner.invoke(args=args)
    assert as_json.exit_code == 3 and json.loads(as_json.stdout)["complete"] is False


def test_the_printed_sheet_says_how_interest_runs_on_until_payment(client: FlaskClient, users: Users,
                                                                    tmp_path: Path) -> None:
    ledger, _, _ = _ledger(client, users)
    made = client.post(f"/api/v1/customers/{ledger.customer_ids[0]}/claim/sheet", headers=users.legal,
                       json={"as_of": "2026-07-08", "pdf": False})
    assert made.json["complete"] is True
    text = _pdf_text(client.get(made.json["links"]["docx"], headers=users.legal).data, tmp_path)
    assert squeeze("计算不完整") not in text
    # HX-0001: 61500.00 from 2026-07-09 at 日万分之五 (18.25% a year) until actual payment
    assert squeeze("以未付本金61500.00为基数，自2026-07-09起按") in text
    assert squeeze("计至实际清偿之日止") in text
    # HX-0002's statutory rate came from a quote reported by one source only: the sheet says so
    assert squeeze("尚未与官方公告核对") in text
