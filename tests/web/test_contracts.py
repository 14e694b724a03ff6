"""The contracts' pages: the list, a contract's terms with the clause linter's findings beside the
clause each concerns (from the structured terms, or from the attached Word file), and checking an
uploaded contract."""

from __future__ import annotations

import io
import re

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook

from tests.conftest import Users
from tests.law.linter.files import contract_docx
from tests.ledger.sample_ledger import Ledger, seed
from tests.web.desk import log_in


@pytest.fixture
def ledger(client: FlaskClient, users: Users) -> Ledger:
    return seed(client, users.admin)


def _block(html: str, testid: str) -> str:
    """The HTML of one clause row (a term or a paragraph with the findings beside it)."""
    start = html.index(f'data-testid="{testid}"')
    following = html.find('<div class="clause-row', start + 1)
    return html[start:following if following != -1 else len(html)]


def test_the_list_filters_sorts_and_exports(client: FlaskClient, users: Users, ledger: Ledger) -> None:
    log_in(client, "clerk1")
    html = client.get("/contracts").get_data(as_text=True)
    assert 'data-testid="row-BSP-2026-0158"' in html
    assert "1,200,000.00" in html and "自交货之日起 60 日内付款" in html and "上海市宝山区有管辖权的人民法院" in html
    assert "row-BSP-2026-0158" in client.get("/contracts?q=马口铁").get_data(as_text=True)
    assert "row-BSP-2026-0158" not in client.get("/contracts?customer=娃哈哈").get_data(as_text=True)
    assert "row-BSP-2026-0158" not in client.get("/contracts?signed_from=2026-04-01").get_data(as_text=True)
    assert client.get("/contracts?signed_from=not-a-date&sort=nonsense").status_code == 200
    export = client.get("/contracts?export=xlsx")
    sheet = load_workbook(io.BytesIO(export.data)).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "合同编号" and rows[1][0] == "BSP-2026-0158"


def test_findings_sit_beside_the_structured_term_they_concern(client: FlaskClient, users: Users,
                                                             ledger: Ledger) -> None:
    log_in(client, "clerk1")
    html = client.get(f"/contracts/{ledger.contract_id}").get_data(as_text=True)
    penalty = _block(html, "term-penalty")
    # 0.05% a day is about 18% a year: over four times the LPR, a warning with its legal basis
    assert "每日按逾期金额的 0.05%" in penalty and 'data-rule="penalty.excessive"' in penalty
    assert "警告" in penalty and "《民法典》第585条" in penalty
    assert 'data-rule="penalty' not in _block(html, "term-payment")
    assert "壹佰贰拾万元整" in html  # the contract total in words
    assert re.search(r"一年期 LPR 3\.\d+% 为比较基准（\d{4}-\d{2}-\d{2} 报价", html)
    client.set_cookie("dunning_lang", "en")
    english = _block(client.get(f"/contracts/{ledger.contract_id}").get_data(as_text=True), "term-penalty")
    assert "Warning" in english and "0.05% of the overdue amount per day" in english and "Civil Code" in english


def test_an_attached_word_file_is_checked_paragraph_by_paragraph(client: FlaskClient, users: Users,
                                                                 ledger: Ledger) -> None:
    upload = client.post(f"/api/v1/contracts/{ledger.contract_id}/files", headers=users.admin,
                         content_type="multipart/form-data",
                         data={"file": (io.BytesIO(contract_docx()), "购销合同.docx")})
    assert upload.status_code == 201, upload.json
    log_in(client, "clerk1")
    html = client.get(f"/contracts/{ledger.contract_id}").get_data(as_text=True)
    rows = re.findall(r'data-testid="(clause-\d+)"', html)
    beside = {testid: _block(html, testid) for testid in rows}
    court = next(b for b in beside.values() if "北京市朝阳区人民法院" in b.split("clause-findings")[0])
    assert 'data-rule="jurisdiction.unconnected_place"' in court and "错误" in court
    payment = next(b for b in beside.values() if "货物售完后付款" in b.split("clause-findings")[0])
    assert 'data-rule="payment.vague_trigger"' in payment and 'data-rule="jurisdiction' not in payment
    # what is missing altogether concerns the whole contract
    assert 'data-rule="notice.missing"' in _block(html, "lint-general")


def test_checking_an_uploaded_contract(client: FlaskClient, users: Users, ledger: Ledger) -> None:
    token = log_in(client, "lawyer1")  # anyone may check a draft: nothing is stored
    form = client.get(f"/contracts/lint?contract_id={ledger.contract_id}")
    assert form.status_code == 404  # but only for a contract they may see
    assert client.get("/contracts/lint").status_code == 200
    resp = client.post("/contracts/lint", content_type="multipart/form-data", data={
        "csrf_token": token, "buyer_kind": "private_large",
        "file": (io.BytesIO(contract_docx()), "草稿.docx")})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "草稿.docx" in html and "错误 1 项" in html and 'data-rule="jurisdiction.unconnected_place"' in html
    pdf = client.post("/contracts/lint", content_type="multipart/form-data", data={
        "csrf_token": token, "file": (io.BytesIO(b"%PDF-1.7"), "合同.pdf")})
    assert pdf.status_code == 422 and "另存为 .docx" in pdf.get_data(as_text=True)
    nothing = client.post("/contracts/lint", data={"csrf_token": token})
    assert nothing.status_code == 422 and "请上传合同文件" in nothing.get_data(as_text=True)
    bad_kind = client.post("/contracts/lint", content_type="multipart/form-data", data={
        "csrf_token": token, "buyer_kind": "giant", "file": (io.BytesIO(contract_docx()), "草稿.docx")})
    assert bad_kind.status_code == 422 and "buyer_kind" in bad_kind.get_data(as_text=True)


def test_a_lawyer_sees_only_their_customers_contracts(client: FlaskClient, users: Users, ledger: Ledger) -> None:
    log_in(client, "lawyer1")
    assert "row-BSP-2026-0158" not in client.get("/contracts").get_data(as_text=True)
    refused = client.get(f"/contracts/{ledger.contract_id}")
    assert refused.status_code == 404 and "text/html" in refused.content_type
    client.patch(f"/api/v1/customers/{ledger.customer_ids[0]}", json={"assigned_lawyer_id": users.lawyer_id},
                 headers=users.admin)
    assert client.get(f"/contracts/{ledger.contract_id}").status_code == 200
