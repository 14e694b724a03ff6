"""A case's evidence items: collected from its records in the order a court reads them, people's
choices kept across collections, uploads checked by their bytes, every change audited."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from tests.conftest import SYSTEM_ACTOR, Users
from tests.inbox.desk import reply
from tests.ledger.sample_ledger import CREDITOR
from tests.mail.letters import CLERK, FINANCE, TINY_PDF, Debtor, memory_outbox, queue, seed_debtor, with_pdf
from tests.uow import run
from workflow.audit.models import AuditEntry
from workflow.core import Core
from workflow.errors import DomainError
from workflow.evidence.collect import Sources
from workflow.evidence.items import Edit, EvidenceItems, safe_filename, sniff_upload
from workflow.evidence.spec import DOCX, EML, PDF, PNG, TEXT, TIFF
from workflow.ledger.models import Contract, Customer, Invoice
from workflow.ledger.payments import record_payment
from workflow.ledger.schemas import PaymentIn
from workflow.mail.inbound import InboundMessage
from workflow.mail.models import OutboxMessage
from workflow.unit_of_work import UnitOfWork

pytestmark = pytest.mark.usefixtures("shipped_templates")


@dataclass
class Case:
    debtor: Debtor
    contract_id: int
    outbox_id: int
    eml_sha256: str
    letter_pdf_sha256: str
    inbound_id: int
    reply_sha256: str


def png(text: str = "scan") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (250, 250, 250)).save(buf, "PNG")
    return buf.getvalue()


def tiff() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (250, 250, 250)).save(buf, "TIFF")
    return buf.getvalue()


def send_letter(core: Core, d: Debtor) -> tuple[int, str, str]:
    """A demand letter as a PDF, sent by email: the stored bytes are the proof it went out."""
    desk = memory_outbox(core)
    letter = with_pdf(core, d.document_id)
    oid = queue(desk, d, document_id=letter)
    assert desk.outbox.send(oid) == "sent"

    def sent(uow: UnitOfWork) -> tuple[str, str]:
        row = uow.session.get(OutboxMessage, oid)
        assert row is not None and row.raw_sha256 is not None
        return row.raw_sha256, core.files.put(TINY_PDF)

    eml, pdf = run(core, SYSTEM_ACTOR, sent)
    return oid, eml, pdf


def make_case(core: Core, *, lawyer_id: int | None = None) -> Case:
    """A debtor with a contract (no scan yet), two invoices, a letter sent, the debtor's reply
    with a remittance slip, and a part payment."""
    d = seed_debtor(core)

    def ledger(uow: UnitOfWork) -> int:
        s = uow.session
        customer = s.get(Customer, d.customer_id)
        assert customer is not None
        customer.assigned_lawyer_id = lawyer_id
        contract = Contract(creditor_id=d.creditor_id, customer_id=d.customer_id, number="HX-2026-017",
                            title="工业设备买卖合同", currency="CNY", created_at=uow.now(),
                            penalty={"kind": "daily_rate", "rate": "0.0005"})
        s.add(contract)
        s.flush()
        return contract.id

    contract_id = run(core, SYSTEM_ACTOR, ledger)
    oid, eml, pdf = send_letter(core, d)

    def message_id(uow: UnitOfWork) -> str:
        row = uow.session.get(OutboxMessage, oid)
        assert row is not None
        return row.message_id

    raw = reply(sender=f"王会计 <{FINANCE}>", to=core.settings.mail_from or "ar@example.cn",
                subject="回复：【催款函】应收账款", in_reply_to=run(core, SYSTEM_ACTOR, message_id),
                when=datetime.fromisoformat("2026-11-25T09:30:00+08:00"), message_id="<r1@huadong-jidian.test>",
                body="您好，已收到贵司催款函。余款将于12月15日前付清。\n王会计",
                attachment=("汇款回单.png", "image/png", png("slip")))
    stored = core.services.inbox.store(raw, mailbox="INBOX")
    core.services.inbox.process(stored.id)
    run(core, SYSTEM_ACTOR, lambda uow: record_payment(uow, PaymentIn.model_validate(
        {"creditor_id": d.creditor_id, "customer_id": d.customer_id, "received_on": "2026-11-24",
         "amount": "10000.00", "currency": "CNY", "bank_reference": "HX20261124-0001"})))

    def inbound(uow: UnitOfWork) -> str:
        row = uow.session.get(InboundMessage, stored.id)
        assert row is not None and row.case_id == d.case_id
        return row.sha256

    return Case(d, contract_id, oid, eml, pdf, stored.id, run(core, SYSTEM_ACTOR, inbound))


def evidence(client: FlaskClient, headers: dict[str, str], ref: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/cases/{ref}/evidence", headers=headers)
    assert r.status_code == 200, r.get_json()
    data: dict[str, Any] = r.get_json()
    return data


def by_ref(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["ref"]: i for i in data["items"]}


def audit(core: Core, action: str) -> list[AuditEntry]:
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        rows = list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                        .order_by(AuditEntry.id)))
        for r in rows:
            uow.session.expunge(r)
        return rows


def test_the_default_items_are_grouped_in_the_order_a_court_reads_them(core: Core, client: FlaskClient,
                                                                       users: Users) -> None:
    c = make_case(core)
    data = evidence(client, users.clerk, c.debtor.case_ref)
    items = data["items"]
    assert [i["position"] for i in items] == list(range(1, len(items) + 1))
    assert [i["ref"] for i in items] == [
        f"contract:{c.contract_id}", "invoices", f"outbox:{c.outbox_id}", f"inbound:{c.inbound_id}", "payments",
        "promises", "claim_sheet", "limitation"]
    assert [i["group"] for i in items] == ["contract", "invoices", "letters", "replies", "payments", "promises",
                                           "calculation", "calculation"]
    refs = by_ref(data)
    # no signed scan yet: the contract as our ledger records it, as text
    contract = refs[f"contract:{c.contract_id}"]
    assert [f["content_type"] for f in contract["files"]] == [TEXT]
    assert contract["purpose"] == "证明双方存在买卖合同关系及付款期限、违约责任约定"
    # the letter's PDF, then the exact bytes sent as proof of delivery
    letter = refs[f"outbox:{c.outbox_id}"]
    assert [(f["sha256"], f["content_type"]) for f in letter["files"]] == [(c.letter_pdf_sha256, PDF),
                                                                           (c.eml_sha256, EML)]
    assert "诉讼时效中断" in letter["purpose"]
    assert FINANCE in letter["source"]
    # the reply as received, then its remittance slip as a page of its own (a court reads the slip)
    answer = refs[f"inbound:{c.inbound_id}"]
    assert [(f["sha256"], f["content_type"]) for f in answer["files"]] == [
        (c.reply_sha256, EML), (hashlib.sha256(png("slip")).hexdigest(), PNG)]
    assert answer["files"][1]["filename"] == "汇款回单.png"
    assert "汇款回单.png" in answer["source"]
    # the 利息计算表 is made for the case once and found again afterwards
    sheet = refs["claim_sheet"]["files"]
    assert len(sheet) == 1 and sheet[0]["content_type"] in (PDF, DOCX)
    assert by_ref(evidence(client, users.clerk, c.debtor.case_ref))["claim_sheet"]["files"] == sheet
    docs = client.get(f"/api/v1/documents?case={c.debtor.case_id}&kind=interest_sheet", headers=users.clerk)
    assert docs.get_json()["total"] == 1


def test_a_case_conducted_in_english_gets_english_names_and_purposes(core: Core, client: FlaskClient,
                                                                    users: Users) -> None:
    d = seed_debtor(core)
    desk = memory_outbox(core)
    oid = queue(desk, d, document_id=with_pdf(core, d.document_id), language="en")
    assert desk.outbox.send(oid) == "sent"
    items = by_ref(evidence(client, users.clerk, d.case_ref))
    assert items[f"outbox:{oid}"]["purpose"] == ("We demanded payment and the demand reached the debtor "
                                                 "(interrupting the limitation period)")
    assert items["invoices"]["name"] == "List of invoices and deliveries"
    listed = core.files.get(items["invoices"]["files"][0]["sha256"]).decode("utf-8")
    assert listed.startswith("Invoice\tTax invoice\tIssued\tDue")
    spec = run(core, CLERK, core.services.evidence.to_spec, d.case_id, "Counsel")
    assert spec.language == "en" and spec.parties["debtor"] == "Shanghai Huadong Electromechanical Co., Ltd."
    assert spec.items[0].group_title == "Invoices and delivery notes"


def test_a_statement_signed_by_the_debtor_is_one_confirmation_item_however_many_invoices_it_covers(
        core: Core, client: FlaskClient, users: Users) -> None:
    c = make_case(core)
    signed = png("对账单 核对无误 盖章")

    def invoice_ids(uow: UnitOfWork) -> list[int]:
        return list(uow.session.scalars(select(Invoice.id).where(Invoice.customer_id == c.debtor.customer_id)
                                        .order_by(Invoice.id)))

    atts = [run(core, SYSTEM_ACTOR, core.services.attachments.upload, Invoice, iid, "对账单.png", signed,
                kind="signed_statement", signed_on="2026-11-20") for iid in run(core, SYSTEM_ACTOR, invoice_ids)]
    data = evidence(client, users.clerk, c.debtor.case_ref)
    confirmations = [i for i in data["items"] if i["group"] == "statements"]
    assert [(i["ref"], i["name"]) for i in confirmations] == [(f"attachment:{atts[0].id}",
                                                               "债务人签章确认的对账单（2026-11-20）")]
    assert confirmations[0]["purpose"] == "证明债务人确认欠款金额（诉讼时效中断）"
    # it is no invoice scan: the invoices are still listed from the ledger
    assert [i["ref"] for i in data["items"] if i["group"] == "invoices"] == ["invoices"]
    order = [i["group"] for i in data["items"]]
    assert order.index("statements") == order.index("invoices") + 1


def test_lists_are_text_made_from_the_records_and_the_same_records_give_the_same_bytes(
        core: Core, client: FlaskClient, users: Users) -> None:
    c = make_case(core)
    first = by_ref(evidence(client, users.clerk, c.debtor.case_ref))
    payments = first["payments"]["files"][0]
    assert payments["content_type"] == TEXT
    text = core.files.get(payments["sha256"]).decode("utf-8")
    assert "2026-11-24\tCNY\t10000.00" in text and "HX20261124-0001" in text
    invoices = core.files.get(first["invoices"]["files"][0]["sha256"]).decode("utf-8")
    assert "HD001-FP-0801" in invoices and "30000.00" in invoices and "2026-08-31" in invoices
    limitation = core.files.get(first["limitation"]["files"][0]["sha256"]).decode("utf-8")
    # the letter that reached the debtor on 2026-11-26 restarted the period (民法典 195)
    assert "HD001-FP-0801\t2026-08-31\t2026-11-27\t2029-11-26" in limitation
    again = by_ref(evidence(client, users.clerk, c.debtor.case_ref))
    assert {r: i["files"] for r, i in again.items()} == {r: i["files"] for r, i in first.items()}


def test_a_signed_scan_uploaded_later_replaces_the_contract_record_in_the_same_item(
        core: Core, client: FlaskClient, users: Users) -> None:
    c = make_case(core)
    before = by_ref(evidence(client, users.clerk, c.debtor.case_ref))[f"contract:{c.contract_id}"]
    scan = png("signed contract")
    att = run(core, SYSTEM_ACTOR, core.services.attachments.upload, Contract, c.contract_id, "合同.png", scan)
    after = by_ref(evidence(client, users.clerk, c.debtor.case_ref))[f"contract:{c.contract_id}"]
    assert after["id"] == before["id"]
    assert after["files"] == [{"sha256": att.sha256, "filename": "合同.png", "content_type": "image/png"}]
    assert after["source"] == "双方签署的合同原件扫描件"


def test_peoples_edits_and_exclusions_survive_a_new_collection(core: Core, client: FlaskClient,
                                                                users: Users) -> None:
    c = make_case(core)
    ref = c.debtor.case_ref
    items = by_ref(evidence(client, users.clerk, ref))
    letter, payments = items[f"outbox:{c.outbox_id}"], items["payments"]
    r = client.patch(f"/api/v1/cases/{ref}/evidence/{letter['id']}", headers=users.clerk,
                     json={"name": "第一次催款函", "purpose": "证明2026年11月催款已送达", "position": 1})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["edited"] is True and r.get_json()["position"] == 1
    r = client.patch(f"/api/v1/cases/{ref}/evidence/{payments['id']}", headers=users.clerk,
                     json={"included": False})
    assert r.status_code == 200 and r.get_json()["included"] is False

    # a second letter goes out: it joins the letters, and nothing people decided is undone
    oid2, _, _ = send_letter(core, c.debtor)
    data = evidence(client, users.clerk, ref)
    now = by_ref(data)
    assert now[f"outbox:{c.outbox_id}"]["name"] == "第一次催款函"
    assert now[f"outbox:{c.outbox_id}"]["purpose"] == "证明2026年11月催款已送达"
    assert now["payments"]["included"] is False
    order = [i["ref"] for i in data["items"]]
    assert order[0] == f"outbox:{c.outbox_id}"
    assert order.index(f"outbox:{oid2}") == order.index(f"outbox:{c.outbox_id}") + 1  # in its group
    assert [i["position"] for i in data["items"]] == list(range(1, len(order) + 1))

    # the bundle takes what is included, numbered anew, with the edited wording
    spec = run(core, CLERK, core.services.evidence.to_spec, c.debtor.case_id, "张律师")
    assert [i.number for i in spec.items] == list(range(1, len(spec.items) + 1))
    assert spec.items[0].name == "第一次催款函" and spec.items[0].group_title == "催款函件及送达凭证"
    assert all(i.name != "回款明细" for i in spec.items)
    assert spec.parties == {"creditor": CREDITOR["legal_name"], "debtor": "上海华东机电设备有限公司"}
    assert spec.case_ref == ref and spec.submitter == "张律师" and spec.currency == "CNY"
    # 42,500.50 invoiced less 10,000.00 paid, plus the contract's late-payment interest
    assert Decimal(spec.claim_amount) > Decimal("32500.50")


def test_collecting_keeps_edits_on_sqlite_and_postgresql(any_db: Core) -> None:
    core = any_db
    run(core, SYSTEM_ACTOR, core.services.templates.sync_shipped)
    c = make_case(core)
    evidence = core.services.evidence
    _, items = run(core, CLERK, evidence.collect, c.debtor.case_ref)
    first = {i.ref: (i.id, i.position) for i in items}
    letter = first[f"outbox:{c.outbox_id}"][0]
    run(core, CLERK, evidence.update, c.debtor.case_ref, letter, Edit(name="催款函一", position=1, included=False))
    _, again = run(core, CLERK, evidence.collect, c.debtor.case_ref)
    assert (again[0].ref, again[0].name, again[0].included) == (f"outbox:{c.outbox_id}", "催款函一", False)
    assert {i.ref: i.id for i in again} == {r: v[0] for r, v in first.items()}
    assert [i.position for i in again] == list(range(1, len(again) + 1))


def test_edits_are_audited_with_what_they_were_before(core: Core, client: FlaskClient, users: Users) -> None:
    c = make_case(core)
    item = by_ref(evidence(client, users.clerk, c.debtor.case_ref))["payments"]
    r = client.patch(f"/api/v1/cases/{c.debtor.case_ref}/evidence/{item['id']}", headers=users.legal,
                     json={"purpose": "证明部分付款"})
    assert r.status_code == 200
    [entry] = audit(core, "evidence.update")
    assert entry.actor == "legal1" and entry.entity_id == str(item["id"])
    assert entry.before["purpose"] == item["purpose"] and entry.after["purpose"] == "证明部分付款"


@pytest.mark.parametrize("body", [{"name": ""}, {"position": 0}, {"position": 99}, {"included": "maybe"},
                                  {"purpose": "a\x00b"}, {"unknown": 1}])
def test_bad_edits_are_refused_naming_the_field(core: Core, client: FlaskClient, users: Users,
                                                body: dict[str, Any]) -> None:
    c = make_case(core)
    item = by_ref(evidence(client, users.clerk, c.debtor.case_ref))["payments"]
    r = client.patch(f"/api/v1/cases/{c.debtor.case_ref}/evidence/{item['id']}", headers=users.clerk, json=body)
    assert r.status_code == 422, r.get_json()
    assert evidence(client, users.clerk, c.debtor.case_ref)["items"][item["position"] - 1] == {
        **item, "updated_at": item["updated_at"]}


def test_an_item_of_another_case_is_not_found(core: Core, client: FlaskClient, users: Users) -> None:
    c = make_case(core)
    other = seed_debtor(core, code="HD002", creditor_id=c.debtor.creditor_id)
    item = by_ref(evidence(client, users.clerk, c.debtor.case_ref))["payments"]
    r = client.patch(f"/api/v1/cases/{other.case_ref}/evidence/{item['id']}", headers=users.clerk,
                     json={"included": False})
    assert r.status_code == 404


# ---- uploads -------------------------------------------------------------------------------------

def upload(client: FlaskClient, headers: dict[str, str], ref: str, data: bytes, filename: str,
           **form: str) -> Any:
    return client.post(f"/api/v1/cases/{ref}/evidence", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), filename), **form})


def test_an_upload_becomes_an_item_in_its_group_with_a_safe_name(core: Core, client: FlaskClient,
                                                                  users: Users) -> None:
    c = make_case(core)
    ref = c.debtor.case_ref
    evidence(client, users.clerk, ref)
    scan = tiff()
    r = upload(client, users.clerk, ref, scan, "..\\..\\送货单 签收.png", group="invoices",
               purpose="证明货物已签收")
    assert r.status_code == 201, r.get_json()
    item = r.get_json()
    assert item["files"][0]["content_type"] == TIFF
    assert item["files"][0]["filename"] == "送货单 签收.png.tif"  # what it really is, not what it claimed
    assert item["name"] == "送货单 签收.png.tif" and item["purpose"] == "证明货物已签收"
    assert item["group"] == "invoices" and item["ref"] == f"upload:{item['files'][0]['sha256']}"
    assert core.files.get(item["files"][0]["sha256"]) == scan
    order = [i["ref"] for i in evidence(client, users.clerk, ref)["items"]]
    assert order.index(item["ref"]) == order.index("invoices") + 1  # kept on the next collection, in its group
    [entry] = audit(core, "evidence.upload")
    assert entry.after["sha256"] == item["files"][0]["sha256"] and entry.after["content_type"] == TIFF
    # the same file twice is one item
    assert upload(client, users.clerk, ref, scan, "again.tif").status_code == 409


def test_an_email_saved_as_eml_is_accepted_and_its_default_purpose_is_its_groups(
        core: Core, client: FlaskClient, users: Users) -> None:
    c = make_case(core)
    raw = reply(sender=f"王会计 <{FINANCE}>", subject="对账确认", body="核对无误。")
    r = upload(client, users.clerk, c.debtor.case_ref, raw, "confirm", group="statements")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["files"][0] == {"sha256": r.get_json()["files"][0]["sha256"], "filename": "confirm.eml",
                                        "content_type": EML}
    assert r.get_json()["purpose"] == "证明债务人确认欠款金额（诉讼时效中断）"


@pytest.mark.parametrize(("data", "field", "status"), [
    (b"MZ\x90\x00 a windows program", "file", 422),
    (b"just some text, not an email\n\nbody", "file", 422),
    (b"<html><body>hi</body></html>", "file", 422),
    (b"", "file", 422),
])
def test_uploads_of_other_types_are_refused(core: Core, client: FlaskClient, users: Users, data: bytes,
                                            field: str, status: int) -> None:
    c = make_case(core)
    r = upload(client, users.clerk, c.debtor.case_ref, data, "evil.pdf")
    assert r.status_code == status, r.get_json()
    assert [p["field"] for p in r.get_json()["errors"]] == [field]
    assert audit(core, "evidence.upload") == []


def test_an_unknown_group_or_a_missing_file_is_a_422(core: Core, client: FlaskClient, users: Users) -> None:
    c = make_case(core)
    r = upload(client, users.clerk, c.debtor.case_ref, png(), "a.png", group="gossip")
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "group"
    r = client.post(f"/api/v1/cases/{c.debtor.case_ref}/evidence", headers=users.clerk,
                    content_type="multipart/form-data", data={"name": "x"})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "file"


def test_uploads_over_the_cap_are_refused_and_nothing_is_stored(core: Core) -> None:
    c = make_case(core)
    small = EvidenceItems(Sources(core.files, core.services.evidence.sources.claim), max_upload_bytes=1000)
    big = png() + b"\x00" * 1000
    with pytest.raises(DomainError) as exc:
        run(core, CLERK, small.upload, c.debtor.case_ref, "big.png", big, name=None, purpose=None, group="invoices")
    assert exc.value.status == 413
    assert not core.files.exists(hashlib.sha256(big).hexdigest())


def test_a_corrupt_upload_is_named_in_the_preflight_and_carried_into_the_spec(
        core: Core, client: FlaskClient, users: Users) -> None:
    c = make_case(core)
    r = upload(client, users.clerk, c.debtor.case_ref, b"%PDF-1.7\nnot really a pdf", "回执.pdf", group="letters")
    assert r.status_code == 201
    assert r.get_json()["problem"] and "回执.pdf" in r.get_json()["problem"]
    data = evidence(client, users.clerk, c.debtor.case_ref)
    assert by_ref(data)[r.get_json()["ref"]]["problem"]
    assert data["problems"] >= 1
    spec = run(core, CLERK, core.services.evidence.to_spec, c.debtor.case_id, "clerk")
    [bad] = [i for i in spec.items if i.name == "回执.pdf"]
    assert bad.problem and bad.files[0].content_type == PDF


def test_sniffing_reads_the_bytes_not_the_name() -> None:
    assert sniff_upload(TINY_PDF) == PDF
    assert sniff_upload(tiff()) == TIFF
    assert sniff_upload(png()) == "image/png"
    assert sniff_upload(b"From: a@b.c\r\nDate: Mon, 1 Jan 2026 00:00:00 +0800\r\n\r\nhi") == EML
    assert sniff_upload(b"From: a@b.c\r\nSubject: no date nor id\r\n\r\nhi") is None
    assert sniff_upload(b"Hello: world\n\nbut no sender") is None
    assert safe_filename("/etc/passwd", PDF) == "passwd.pdf"
    assert safe_filename("", EML) == "upload.eml"
    assert safe_filename("scan.JPEG", "image/jpeg") == "scan.JPEG"
    with pytest.raises(DomainError):
        safe_filename("bad\r\nname.pdf", PDF)
