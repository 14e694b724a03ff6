"""POST /api/v1/contracts/lint and /api/v1/letters/lint as a clerk or lawyer uses them."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

from docx import Document
from flask.testing import FlaskClient

from tests.conftest import SYSTEM_ACTOR, Users
from tests.law.linter.corpus import CLEAN_ZH, ZH_PARTIES
from tests.law.linter.files import clean_docx, contract_docx, deep_sdt_docx, entity_bomb, zip_bomb
from tests.ledger.sample_ledger import post, seed
from tests.uow import read, run
from workflow.core import Core

URL = "/api/v1/contracts/lint"
OR_CLAUSE = ZH_PARTIES + "第八条 争议解决\n因本合同发生的争议，可提交上海仲裁委员会仲裁，也可向甲方住所地人民法院起诉。"


def november_quote(core: Core) -> None:
    """The administrator records the 2026-11-20 quote (unchanged at 3.00% / 3.50%)."""
    run(core, SYSTEM_ACTOR, core.services.calc.add_rate, effective=date(2026, 11, 20), rate_1y=Decimal("3.00"),
        rate_5y=Decimal("3.50"), source="全国银行间同业拆借中心 2026-11-20 LPR 公告", verified=True)


def rules(body: dict[str, Any]) -> dict[str, str]:
    return {f["rule"]: f["severity"] for f in body["findings"]}


def upload(client: FlaskClient, data: bytes, name: str, headers: dict[str, str], **form: str) -> Any:
    return client.post(URL, data={"file": (io.BytesIO(data), name), **form}, headers=headers,
                       content_type="multipart/form-data")


def test_text_in_chinese_by_default_and_english_on_request(client: FlaskClient, users: Users, core: Core) -> None:
    november_quote(core)
    resp = client.post(URL, json={"text": OR_CLAUSE}, headers=users.clerk)
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert body["ok"] is False and body["lpr_1y"] == "0.0300" and body["source"] == "text"
    finding = next(f for f in body["findings"] if f["rule"] == "arbitration.or_clause")
    assert finding["severity"] == "error"
    assert finding["message"] == finding["message_zh"] and "仲裁法解释" in finding["message"]
    assert "第7条" in finding["legal_basis"] and "上海仲裁委员会" in finding["suggestion"]
    assert finding["clause_text"].startswith("因本合同发生的争议")
    assert body["findings"][0]["severity"] == "error"  # errors first

    en = client.post(URL, json={"text": OR_CLAUSE}, headers={**users.clerk, "Accept-Language": "en"}).json
    finding_en = next(f for f in en["findings"] if f["rule"] == "arbitration.or_clause")
    assert finding_en["message"] == finding_en["message_en"] and "void" in finding_en["message"]
    assert "art. 7" in finding_en["legal_basis"] and finding_en["message_zh"] == finding["message_zh"]


def test_past_the_last_known_quote_the_latest_lpr_is_used_and_named(client: FlaskClient, users: Users,
                                                                     core: Core) -> None:
    last = read(core, SYSTEM_ACTOR, lambda uow: core.services.calc.rate_table(uow.session)).last_lpr
    assert last is not None and last.effective < core.clock.today()
    resp = client.post(URL, json={"text": CLEAN_ZH}, headers=users.clerk)
    assert resp.status_code == 200
    assert resp.json["lpr_1y"] == str(last.rate_1y.scaleb(-2))
    assert resp.json["lpr_source"] == f"LPR {last.effective.isoformat()} (latest known quote)"
    # the caller may give the LPR it wants compared (e.g. the rate when the contract was signed)
    ok = client.post(URL, json={"text": "乙方逾期付款的，每日按逾期金额的万分之三支付违约金。", "lpr_1y": "0.0345"},
                     headers=users.clerk)
    assert ok.status_code == 200 and ok.json["lpr_1y"] == "0.0345"
    penalty = next(f for f in ok.json["findings"] if f["rule"] == "penalty.excessive")
    assert penalty["severity"] == "info" and penalty["details"]["lpr_multiple"] == "3.17"


def test_penalty_thresholds_come_from_settings(client: FlaskClient, users: Users, core: Core) -> None:
    november_quote(core)
    text = "买方逾期付款的，每日按逾期金额的万分之三支付违约金。"  # 10.95% a year = 3.65 × 3.00%
    body = client.post(URL, json={"text": text}, headers=users.clerk).json
    assert rules(body)["penalty.excessive"] == "info"
    assert body["thresholds"] == {"warn_lpr_multiple": "4", "note_lpr_multiple": "1.5"}


def test_docx_upload_reads_table_cells_and_paragraphs_in_order(client: FlaskClient, users: Users,
                                                                core: Core) -> None:
    november_quote(core)
    resp = upload(client, contract_docx(), "工业品买卖合同.docx", users.clerk)
    assert resp.status_code == 200, resp.json
    got = rules(resp.json)
    assert got["payment.vague_trigger"] == "warning"
    assert got["penalty.excessive"] == "warning"
    assert got["jurisdiction.names_court"] == "warning"
    # 上海 and 深圳 come only from the table rows: the court in 北京 is unconnected
    assert got["jurisdiction.unconnected_place"] == "error"
    assert resp.json["source"] == "upload" and resp.json["filename"] == "工业品买卖合同.docx"


def test_upload_context_fields_and_a_gb18030_text_file(client: FlaskClient, users: Users, core: Core) -> None:
    november_quote(core)
    text = "买方应于交货之日起30日内付款。因本合同发生的争议，由苏州市有管辖权的人民法院管辖。".encode("gb18030")
    far = upload(client, text, "合同.txt", users.clerk, seller_place="上海市宝山区", buyer_place="深圳市光明区")
    assert rules(far.json)["jurisdiction.unconnected_place"] == "error"
    near = upload(client, text, "合同.txt", users.clerk, seller_place="上海市宝山区",
                  performance_place="苏州工业园区星湖街328号")
    assert "jurisdiction.unconnected_place" not in rules(near.json)
    bad = upload(client, text, "合同.txt", users.clerk, court_place="北京")
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "court_place"


def test_hostile_and_unsupported_files_are_refused_naming_the_file(client: FlaskClient, users: Users,
                                                                   core: Core) -> None:
    november_quote(core)
    for data, name, code in [
        (zip_bomb(), "合同.docx", "zip_bomb"),
        (entity_bomb(), "合同.docx", "xml_entities"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "合同.doc", "unsupported_type"),
        (b"PK\x03\x04 not really a zip", "合同.docx", "not_docx"),
        (b"   \n  ", "合同.txt", "empty"),
    ]:
        resp = upload(client, data, name, users.clerk)
        assert resp.status_code == 422, (name, code, resp.json)
        assert resp.json["errors"][0] == {"field": "file", "code": code,
                                          "message": resp.json["errors"][0]["message"]}
    missing = client.post(URL, data={"note": "x"}, headers=users.clerk, content_type="multipart/form-data")
    assert missing.status_code == 422 and missing.json["errors"][0]["field"] == "file"


def test_bad_json_bodies_name_the_field(client: FlaskClient, users: Users, core: Core) -> None:
    november_quote(core)
    for body, field in [
        ({}, ""),
        ({"text": "x", "contract_id": 1}, ""),
        ({"text": "x", "context": {"court_place": "北京"}}, "context.court_place"),
        ({"text": "x", "lpr_1y": "-0.01"}, "lpr_1y"),
        ({"text": "x", "unknown": 1}, "unknown"),
    ]:
        resp = client.post(URL, json=body, headers=users.clerk)
        assert resp.status_code == 422, body
        assert field in {e["field"] for e in resp.json["errors"]}, (body, resp.json)
    resp = client.post(URL, data="text=合同", headers={**users.clerk, "Content-Type": "text/plain"})
    assert resp.status_code == 415 and resp.json["errors"][0]["field"] == "body"
    assert client.post(URL, json={"text": "x"}).status_code == 401


def test_stored_contract_from_its_clauses_then_from_its_docx(client: FlaskClient, users: Users,
                                                              core: Core) -> None:
    november_quote(core)
    ledger = seed(client, users.clerk)
    body = client.post(URL, json={"contract_id": ledger.contract_id}, headers=users.legal).json
    assert body["source"] == "clauses"
    got = rules(body)
    # the seeded contract: 60 days after delivery, 万分之五 a day, court at the seller's home, email notices
    assert got == {"penalty.excessive": "warning"}
    penalty = body["findings"][0]
    assert penalty["details"]["annual_rate"] == "0.1825" and "0.05%" in penalty["clause_text"]

    files = client.post(f"/api/v1/contracts/{ledger.contract_id}/files",
                        data={"file": (io.BytesIO(clean_docx()), "盖章版合同.docx")}, headers=users.clerk,
                        content_type="multipart/form-data")
    assert files.status_code == 201, files.json
    body = client.post(URL, json={"contract_id": ledger.contract_id}, headers=users.legal).json
    assert body["source"] == "attachment" and body["attachment_id"] == files.json["id"]
    assert body["findings"] == []


def test_pay_when_paid_is_void_only_for_a_large_buyer_and_an_sme_seller(client: FlaskClient, users: Users,
                                                                        core: Core) -> None:
    november_quote(core)
    ledger = seed(client, users.clerk)  # the customer is a private_large enterprise
    text = CLEAN_ZH.replace("乙方应于货物交付之日起30日内，将全部货款汇入甲方指定账户。",
                            "乙方在收到其客户支付的货款后15日内，将相应货款汇入甲方指定账户。")
    doc = Document()
    for line in text.split("\n"):
        doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    files = client.post(f"/api/v1/contracts/{ledger.contract_id}/files",
                        data={"file": (io.BytesIO(buf.getvalue()), "背靠背合同.docx")}, headers=users.clerk,
                        content_type="multipart/form-data")
    assert files.status_code == 201, files.json

    # the ledger knows the buyer is large, not whether our own company is an SME
    stored = client.post(URL, json={"contract_id": ledger.contract_id}, headers=users.legal).json
    finding = next(f for f in stored["findings"] if f["rule"] == "payment.pay_when_paid")
    assert finding["severity"] == "warning" and stored["ok"] is True
    assert finding["details"]["buyer_size"] == "large" and finding["details"]["void"] == "unknown"
    assert "法释〔2024〕11号" in finding["legal_basis"]

    sme = client.post(URL, json={"contract_id": ledger.contract_id, "context": {"seller_kind": "sme"}},
                      headers=users.legal).json
    finding = next(f for f in sme["findings"] if f["rule"] == "payment.pay_when_paid")
    assert finding["severity"] == "error" and sme["ok"] is False and "无效" in finding["message"]

    small_buyer = client.post(URL, json={"text": text, "context": {"buyer_kind": "private_small",
                                                                    "seller_kind": "sme"}}, headers=users.clerk)
    finding = next(f for f in small_buyer.json["findings"] if f["rule"] == "payment.pay_when_paid")
    assert finding["severity"] == "warning" and finding["details"]["void"] == "false"
    bad = client.post(URL, json={"text": text, "context": {"buyer_kind": "huge"}}, headers=users.clerk)
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "context.buyer_kind"
    uploaded = upload(client, text.encode("utf-8"), "合同.txt", users.clerk, buyer_kind="large", seller_kind="sme")
    assert rules(uploaded.json)["payment.pay_when_paid"] == "error"


def test_deeply_nested_docx_upload_is_a_422_for_every_role(client: FlaskClient, users: Users, core: Core) -> None:
    november_quote(core)
    for headers in (users.admin, users.clerk, users.legal, users.lawyer):
        resp = upload(client, deep_sdt_docx(1000), "合同.docx", headers)
        assert resp.status_code == 422, resp.json
        problem = resp.json["errors"][0]
        assert (problem["field"], problem["code"]) == ("file", "xml_too_deep")
        assert "word/document.xml" in problem["message"]
    # the same contract with its controls a few levels deep is an ordinary contract
    ok = upload(client, deep_sdt_docx(40), "合同.docx", users.clerk)
    assert ok.status_code == 200 and ok.json["findings"] == []


def _attach(client: FlaskClient, users: Users, contract_id: int, data: bytes) -> int:
    resp = client.post(f"/api/v1/contracts/{contract_id}/files", data={"file": (io.BytesIO(data), "合同.docx")},
                       headers=users.clerk, content_type="multipart/form-data")
    assert resp.status_code == 201, resp.json
    return int(resp.json["id"])


def test_a_stored_deeply_nested_docx_is_a_422_for_its_contract_only(client: FlaskClient, users: Users,
                                                                     core: Core) -> None:
    november_quote(core)
    ledger = seed(client, users.clerk)
    other = post(client, "/contracts", {
        "creditor_id": ledger.creditor_id, "customer_id": ledger.customer_ids[0], "number": "BSP-2026-0159",
        "title": "马口铁罐采购合同（二期）", "signed_on": "2026-04-01", "currency": "CNY", "total": "300000.00",
    }, users.clerk)["id"]
    _attach(client, users, other, clean_docx())
    hostile = _attach(client, users, ledger.contract_id, deep_sdt_docx(1000))

    resp = client.post(URL, json={"contract_id": ledger.contract_id}, headers=users.legal)
    assert resp.status_code == 422, resp.json
    problem = resp.json["errors"][0]
    assert (problem["field"], problem["code"]) == ("contract_id", "xml_too_deep")
    assert "合同.docx" in problem["message"] and f"#{hostile}" in problem["message"]
    assert resp.json["attachment_id"] == hostile
    # the other contract, and linting in general, are unaffected
    fine = client.post(URL, json={"contract_id": other}, headers=users.legal)
    assert fine.status_code == 200 and fine.json["source"] == "attachment" and fine.json["findings"] == []
    assert client.post(URL, json={"text": OR_CLAUSE}, headers=users.clerk).status_code == 200


def test_a_lawyer_cannot_lint_a_contract_of_someone_elses_customer(client: FlaskClient, users: Users,
                                                                   core: Core) -> None:
    november_quote(core)
    ledger = seed(client, users.clerk)
    resp = client.post(URL, json={"contract_id": ledger.contract_id}, headers=users.lawyer)
    assert resp.status_code == 404
    assert client.post(URL, json={"contract_id": 999999}, headers=users.clerk).status_code == 404


def test_letters_lint(client: FlaskClient, users: Users) -> None:
    url = "/api/v1/letters/lint"
    threat = "贵司若再拖延，后果自负。我们将在行业群曝光你们这家老赖公司。"
    bad = client.post(url, json={"text": threat}, headers=users.clerk)
    assert bad.status_code == 200 and bad.json["ok"] is False
    assert bad.json["counts"]["error"] == 3
    assert {f["details"]["category"] for f in bad.json["findings"]} == {"threat", "exposure", "insult"}
    good = client.post(url, json={"text": "逾期未付的，我司将依法通过诉讼途径解决。"}, headers=users.lawyer)
    assert good.json == {"ok": True, "counts": {"error": 0, "warning": 0, "info": 0}, "findings": []}
    assert client.post(url, json={"text": ""}, headers=users.clerk).status_code == 422
