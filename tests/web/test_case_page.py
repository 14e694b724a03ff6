"""The case page: what a clerk sees of a case (header, claim, timeline in time order), each action
through its form (CSRF, the state moves, the audit log names the clerk), a refused action shown again
with its message and the form as typed, approving a 律师函 as the customer's lawyer, the evidence
bundle built and downloaded, the print view, a lawyer refused another's case, both languages.

The case is the one a lawyer would file (``tests/evidence/bundlecase.py``): 上海华东机电设备有限公司
owes 30,000.00 and 12,500.50, our first demand went out by email, the debtor answered that 10,000.00
was paid on 24 November (the reply waits in triage) and that payment is in the ledger."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.cases.casebook import case_audit, draft_lawyer_letter
from tests.conftest import SYSTEM_ACTOR, Users
from tests.evidence.bundlecase import EvidenceCase, evidence_case
from tests.mail.letters import TINY_PDF, with_pdf
from tests.uow import run
from tests.web.desk import PASSWORD, log_in
from workflow.audit.models import AuditEntry
from workflow.cases import casefile
from workflow.cases.models import DunningAction, DunningCase, Promise
from workflow.clock import FixedClock
from workflow.core import Core
from workflow.ledger.models import Customer
from workflow.unit_of_work import UnitOfWork
from workflow.web.ui import labels


@pytest.fixture
def case(core: Core, users: Users, shipped_templates: None) -> EvidenceCase:
    # the customer's clerk is clerk1, its lawyer lawyer1
    return evidence_case(core, clerk_id=users.clerk_id, lawyer_id=users.lawyer_id)


def html_of(resp: Any) -> str:
    return str(resp.get_data(as_text=True))


def ids_of(html: str, prefix: str) -> list[str]:
    return re.findall(rf'data-testid="({prefix}[^"]*)"', html)


def state_label(client: FlaskClient, code: str, lang: str = "zh_CN") -> str:
    """The name the desk gives a state (the case list's labels), in ``lang``."""
    with client.application.test_request_context(headers={"Cookie": f"dunning_lang={lang}"}):
        return labels.case_state(code)


def file_of(core: Core, ref: str) -> dict[str, Any]:
    return run(core, SYSTEM_ACTOR, lambda uow: casefile.show(uow, ref))


def post(client: FlaskClient, token: str, ref: str, action: str, **form: str) -> Any:
    return client.post(f"/cases/{ref}/actions/{action}", data={"csrf_token": token, **form})


# ---- what the clerk sees ----------------------------------------------------------------------------

def test_the_clerk_sees_the_header_the_claim_and_the_limitation(client: FlaskClient, core: Core, users: Users,
                                                                  case: EvidenceCase) -> None:
    log_in(client, "clerk1")
    resp = client.get(f"/cases/{case.ref.lower()}")
    assert resp.status_code == 200
    html = html_of(resp)
    assert 'data-testid="case-ref">AR-2026-0001<' in html
    assert f'href="/customers/{case.customer_id}" data-testid="case-customer">上海华东机电设备有限公司<' in html
    assert "上海宝钢包装股份有限公司" in html  # the creditor
    # the state says its name (not a colour alone), in Chinese by default
    assert f'data-testid="case-state" data-state="overdue">{state_label(client, "overdue")}<' in html
    assert "clerk user (clerk1)" in html and "lawyer user (lawyer1)" in html
    # 42,500.50 owed, 10,000.00 paid: right-aligned with separators, and in capitals under the CNY total
    assert re.search(r'<td class="num">32,500.50</td>', html)
    assert "叁万贰仟伍佰元零伍角" in html
    # the claim: the untouched invoice's principal formatted; each invoice's limitation restarted by
    # the demand that reached the debtor on 26 November: three years on, 2029-11-26
    claim = core.services.claims
    assert re.search(r'data-testid="claim-principal-HD001-FP-0903">12,500.50<', html)
    limitation = re.search(r'data-testid="limitation-HD001-FP-0801">(.*?)</td>', html, re.S)
    assert limitation and "2029-11-26" in limitation.group(1)
    interrupted = re.search(r'data-testid="interruption-HD001-FP-0801">(.*?)</td>', html, re.S)
    assert interrupted and "催告到达债务人 · 2026-11-26" in interrupted.group(1)
    from workflow.calc.schemas import ClaimQuery

    total = run(core, SYSTEM_ACTOR, lambda uow: claim.claim(uow, case.customer_id,
                                                             ClaimQuery(creditor_id=case.creditor_id)))["totals"][0]
    shown = f"{float(total['total']):,.2f}"  # the same figure, as clerks read it
    assert f'data-testid="claim-sum-CNY">CNY {shown}<' in html
    assert total["total_words"] in html


def test_the_timeline_merges_everything_in_time_order(client: FlaskClient, core: Core, users: Users,
                                                      case: EvidenceCase, clock: FixedClock) -> None:
    token = log_in(client, "clerk1")
    clock.advance(timedelta(hours=1))
    assert post(client, token, case.ref, "note", kind="call", contact_name="王会计",
                body="王会计称余款月中付清，已要求发来付款计划。").status_code == 303
    clock.advance(timedelta(hours=1))
    assert post(client, token, case.ref, "pause", reason="客户财务总监出差，下周一回复",
                until="2026-12-07").status_code == 303
    clock.advance(timedelta(hours=1))
    assert post(client, token, case.ref, "resume", reason="财务总监已回复").status_code == 303

    html = html_of(client.get(f"/cases/{case.ref}"))
    order = ids_of(html, "tl-")
    kinds = [t.split("-")[1] for t in order]
    # the payment (value date 24 Nov), the debtor's reply (25 Nov), then today's: the case opened, our
    # letter and its email, the call, the pause and the resumption
    assert kinds[0] == "payment" and kinds[1] == "reply" and kinds[2] == "state"
    assert kinds.index("letter") < kinds.index("email") < kinds.index("call")
    states = [t for t in order if t.startswith("tl-state-")]
    assert order.index("tl-call-" + order[kinds.index("call")].split("-")[-1]) < order.index(states[-2])
    entries = re.findall(r'<li class="tl-state" data-testid="tl-state-\d+" data-kind="state">(.*?)</li>', html, re.S)
    assert "暂停" in entries[-2] and "客户财务总监出差" in entries[-2] and "clerk1" in entries[-2]
    assert "恢复" in entries[-1] and "财务总监已回复" in entries[-1]
    # the reply: what the debtor newly wrote and what the machine read in it
    reply = re.search(rf'data-testid="tl-reply-{case.inbound_id}"(.*?)</li>', html, re.S)
    assert reply and "我司已于11月24日支付10000元" in reply.group(1) and "置信度" in reply.group(1)
    assert 'data-testid="payment-amount-' in html and "CNY 10,000.00" in html
    # the email: status, recipients, when
    email = re.search(rf'data-testid="tl-email-{case.outbox_id}"(.*?)</li>', html, re.S)
    assert email and "已发送" in email.group(1) and "caiwu@huadong-jidian.test" in email.group(1)


def test_a_letter_with_a_pdf_is_previewed_and_served_as_the_api_would(client: FlaskClient, core: Core,
                                                                       users: Users, case: EvidenceCase) -> None:
    log_in(client, "clerk1")
    html = html_of(client.get(f"/cases/{case.ref}"))
    previews = re.findall(r'<iframe class="preview" loading="lazy" title="[^"]*" data-testid="preview-(\d+)" '
                          r'src="([^"]+)"', html)
    assert len(previews) == 1
    pdf = client.get(previews[0][1])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"].startswith("inline;")
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        logged = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "document.download")).all()
        assert [(e.actor, e.entity_id) for e in logged] == [("clerk1", previews[0][0])]
    # another case's letter is not this case's to serve
    assert client.get(f"/cases/{case.ref}/documents/999/pdf").status_code == 404


# ---- actions ------------------------------------------------------------------------------------------

def test_an_action_needs_the_csrf_token(client: FlaskClient, core: Core, users: Users, case: EvidenceCase) -> None:
    log_in(client, "clerk1")
    refused = client.post(f"/cases/{case.ref}/actions/pause", data={"reason": "客户要求暂停"})
    assert refused.status_code == 403
    assert file_of(core, case.ref)["state"] == "overdue"


def test_pause_dispute_and_resolve_through_the_page(client: FlaskClient, core: Core, users: Users,
                                                    case: EvidenceCase) -> None:
    token = log_in(client, "clerk1")
    done = post(client, token, case.ref, "dispute", reason="客户称第二批货物质量不合格", evidence="邮件 2026-11-26")
    assert done.status_code == 303 and done.headers["Location"].startswith(f"/cases/{case.ref}")
    page = html_of(client.get(done.headers["Location"]))
    assert "已标记为争议" in page  # the flash
    assert f'data-state="disputed">{state_label(client, "disputed")}<' in page
    assert 'data-testid="action-resolve"' in page and 'data-testid="action-dispute"' not in page
    assert post(client, token, case.ref, "resolve", reason="已补发合格货物，客户确认").status_code == 303
    assert file_of(core, case.ref)["state"] == "overdue"
    moves = [(e.action, e.actor, (e.after or {}).get("reason")) for e in case_audit(core, case.ref)][-2:]
    assert moves == [("case.dispute_raised", "clerk1", "客户称第二批货物质量不合格"),
                     ("case.dispute_resolved", "clerk1", "已补发合格货物，客户确认")]


def test_a_promise_through_the_page(client: FlaskClient, core: Core, users: Users, case: EvidenceCase) -> None:
    token = log_in(client, "clerk1")
    done = post(client, token, case.ref, "promise", promised_on="2026-12-15", amount="22,500.50", currency="CNY",
                source="call", contact_name="王会计", note="月中前付清余款")
    assert done.status_code == 303
    html = html_of(client.get(f"/cases/{case.ref}"))
    assert f'data-state="promise_pending">{state_label(client, "promise_pending")}<' in html
    promise = re.search(r'data-testid="tl-promise-\d+"(.*?)</li>', html, re.S)
    assert promise and "CNY 22,500.50" in promise.group(1) and "2026-12-15" in promise.group(1)
    assert "待兑现" in promise.group(1) and "王会计" in promise.group(1)
    assert case_audit(core, case.ref)[-1].actor == "clerk1"


def test_a_refused_form_comes_back_with_the_message_and_what_was_typed(client: FlaskClient, core: Core,
                                                                       users: Users, case: EvidenceCase) -> None:
    token = log_in(client, "clerk1")
    bad_date = post(client, token, case.ref, "promise", promised_on="2026-12-45", amount="8000", currency="CNY",
                    source="call", contact_name="王会计", note="周五前付")
    assert bad_date.status_code == 422
    html = html_of(bad_date)
    assert "日期格式应为 YYYY-MM-DD" in html
    form = re.search(r'data-testid="action-promise" open>(.*?)</details>', html, re.S)
    assert form, "the refused form is open"
    assert 'value="2026-12-45"' in form.group(1) and 'value="8000"' in form.group(1)
    assert 'value="王会计"' in form.group(1) and "周五前付</textarea>" in form.group(1)
    past = post(client, token, case.ref, "promise", promised_on="2026-11-01", amount="8000", currency="CNY")
    assert past.status_code == 422 and "承诺付款日不能早于今天" in html_of(past)
    # an illegal move (resuming a case that is not paused): 409, said in the page's language
    illegal = post(client, token, case.ref, "resume", reason="误操作")
    assert illegal.status_code == 409
    assert "不能执行「resumed」" in html_of(illegal) and 'data-testid="action-error"' in html_of(illegal)
    # nothing of any of them was kept
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        assert uow.session.scalars(select(Promise)).all() == []
    assert file_of(core, case.ref)["state"] == "overdue"


def test_the_refusal_in_english(client: FlaskClient, users: Users, case: EvidenceCase) -> None:
    token = log_in(client, "clerk1", lang="en")
    resp = post(client, token, case.ref, "pause", reason="customer asked", until="2026-11-20")
    assert resp.status_code == 422
    html = html_of(resp)
    assert "the pause must end after today" in html and "暂停截止日" not in html
    assert 'value="2026-11-20"' in html and "customer asked</textarea>" in html


def test_the_next_letter_is_the_policys_next_level(client: FlaskClient, core: Core, users: Users,
                                                    case: EvidenceCase) -> None:
    log_in(client, "clerk1")
    assert '<option value="dunning_letter_1" selected>' in html_of(client.get(f"/cases/{case.ref}"))

    def escalated(level: int) -> None:
        def go(uow: UnitOfWork) -> None:
            row = uow.session.get(DunningCase, case.case_id)
            assert row is not None
            row.level = level

        run(core, SYSTEM_ACTOR, go)

    escalated(2)  # the second reminder went out: the default ladder's third level is next
    assert '<option value="dunning_letter_3" selected>' in html_of(client.get(f"/cases/{case.ref}"))
    escalated(4)  # past the 律师函, which goes only through approval: the last letter a clerk may send
    assert '<option value="dunning_letter_3" selected>' in html_of(client.get(f"/cases/{case.ref}"))


def test_send_the_next_letter_now(client: FlaskClient, core: Core, users: Users, case: EvidenceCase) -> None:
    token = log_in(client, "clerk1")
    done = post(client, token, case.ref, "send", kind="dunning_letter_1", language="zh")
    assert done.status_code == 303, html_of(done)[:2000]
    file = file_of(core, case.ref)
    assert [(a["action"], a["decided_by"]) for a in file["actions"]] == [("manual", "clerk1")]
    assert file["emails"][-1]["document_id"] == file["actions"][0]["document_id"]
    assert not file["emails"][-1]["automated"]  # sent by a person
    html = html_of(client.get(f"/cases/{case.ref}"))
    assert "已生成并排队发送" in html
    decision = re.search(r'data-testid="tl-decision-\d+"(.*?)</li>', html, re.S)
    assert decision and "人工发送函件" in decision.group(1) and "clerk1" in decision.group(1)
    sent = [e for e in case_audit(core, case.ref) if e.action == "case.document_sent"]
    assert [e.actor for e in sent] == ["clerk1"]
    # a lawyer's letter is not sent by hand: it goes through approval
    refused = post(client, token, case.ref, "send", kind="lawyer_letter", language="zh")
    assert refused.status_code == 422 and "律师函须经审批" in html_of(refused)


def test_writing_off_is_for_legal(client: FlaskClient, core: Core, users: Users, case: EvidenceCase) -> None:
    log_in(client, "clerk1")
    assert 'data-testid="action-write_off"' not in html_of(client.get(f"/cases/{case.ref}"))
    legal = client.application.test_client()
    token = log_in(legal, "legal1")
    html = html_of(legal.get(f"/cases/{case.ref}"))
    assert 'data-testid="action-write_off"' in html and "data-confirm=" in html
    empty = post(legal, token, case.ref, "write_off", reason="  ")
    assert empty.status_code == 422 and "请填写此项" in html_of(empty)
    assert post(legal, token, case.ref, "write_off", reason="债务人已注销，无财产可供执行").status_code == 303
    assert file_of(core, case.ref)["state"] == "closed_written_off"
    assert case_audit(core, case.ref)[-1].actor == "legal1"


def test_legal_action_and_settling(client: FlaskClient, core: Core, users: Users, case: EvidenceCase) -> None:
    token = log_in(client, "clerk1")
    assert 'data-testid="action-legal_action"' not in html_of(client.get(f"/cases/{case.ref}"))
    # the clerk's own post is refused by the service, and the page says so
    refused = post(client, token, case.ref, "legal_action", reason="起诉")
    assert refused.status_code == 403 and "无权处理此案件" in html_of(refused)
    legal = client.application.test_client()
    legal_token = log_in(legal, "legal1")
    assert post(legal, legal_token, case.ref, "legal_action", reason="已向浦东新区人民法院起诉",
                evidence="(2026)沪0115民初12345号").status_code == 303
    html = html_of(legal.get(f"/cases/{case.ref}"))
    assert f'data-state="legal_action">{state_label(legal, "legal_action")}<' in html
    assert "已向浦东新区人民法院起诉" in html and "(2026)沪0115民初12345号" in html
    # the case settles in court: the clerk closes it
    assert post(client, token, case.ref, "settle", reason="法院调解结案，已收到调解款").status_code == 303
    assert file_of(core, case.ref)["state"] == "closed_settled"
    closed = html_of(client.get(f"/cases/{case.ref}"))
    # a closed case offers no more moves and sends no more letters; a call may still be noted
    assert 'data-testid="action-send"' not in closed and 'data-testid="action-pause"' not in closed
    assert 'data-testid="action-note"' in closed
    assert [e.actor for e in case_audit(core, case.ref)][-2:] == ["legal1", "clerk1"]


def test_the_customers_salesperson_records_a_call_and_a_promise(client: FlaskClient, core: Core, users: Users,
                                                                 case: EvidenceCase) -> None:
    sales = run(core, SYSTEM_ACTOR, core.services.accounts.create_user, username="sales1", display_name="赵销售",
                role="sales", password=PASSWORD)

    def own(uow: UnitOfWork) -> None:
        customer = uow.session.get(Customer, case.customer_id)
        assert customer is not None
        customer.salesperson_id = sales.id

    run(core, SYSTEM_ACTOR, own)
    token = log_in(client, "sales1")
    html = html_of(client.get(f"/cases/{case.ref}"))
    assert 'data-testid="action-note"' in html and 'data-testid="action-promise"' in html
    assert 'data-testid="action-pause"' not in html and 'data-testid="action-send"' not in html
    assert post(client, token, case.ref, "note", kind="call", contact_name="王会计",
                body="拜访客户，财务确认月中付款").status_code == 303
    assert post(client, token, case.ref, "promise", promised_on="2026-12-15", amount="32500.50",
                source="meeting", contact_name="王会计").status_code == 303
    assert file_of(core, case.ref)["state"] == "promise_pending"
    assert case_audit(core, case.ref)[-1].actor == "sales1"


# ---- the lawyer's letter ------------------------------------------------------------------------------

def _draft_with_pdf(core: Core, ref: str) -> int:
    """The run's draft 律师函, with the PDF LibreOffice would have made of it (the tests have none)."""
    draft = run(core, SYSTEM_ACTOR, lambda uow: draft_lawyer_letter(uow, core, ref))
    printed = with_pdf(core, draft, TINY_PDF)

    def point(uow: UnitOfWork) -> None:
        action = uow.session.scalars(select(DunningAction).where(DunningAction.document_id == draft)).one()
        action.document_id = printed

    run(core, SYSTEM_ACTOR, point)
    return printed


def test_the_customers_lawyer_approves_the_lawyers_letter(client: FlaskClient, core: Core, users: Users,
                                                          case: EvidenceCase) -> None:
    _draft_with_pdf(core, case.ref)
    clerk = client.application.test_client()
    log_in(clerk, "clerk1")
    seen = html_of(clerk.get(f"/cases/{case.ref}"))
    assert 'data-testid="pending-letter"' not in seen and 'data-testid="action-approve"' not in seen

    token = log_in(client, "lawyer1")
    html = html_of(client.get(f"/cases/{case.ref}"))
    assert f'data-state="lawyer_letter_pending">{state_label(client, "lawyer_letter_pending")}<' in html
    preview = re.search(r'data-testid="pending-letter-preview" src="([^"]+)"', html)
    assert preview, "the lawyer reads the draft before approving it"
    pdf = client.get(preview.group(1))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert 'data-testid="action-approve"' in html and 'data-testid="action-reject"' in html
    # nothing else a clerk does is offered to the lawyer
    assert 'data-testid="action-pause"' not in html and 'data-testid="action-send"' not in html

    done = post(client, token, case.ref, "approve", reason="已核对欠款金额")
    assert done.status_code == 303, html_of(done)[:3000]
    assert file_of(core, case.ref)["state"] == "lawyer_letter_sent"
    approved = case_audit(core, case.ref)[-1]
    assert (approved.action, approved.actor) == ("case.lawyer_letter_approved", "lawyer1")
    after = html_of(client.get(f"/cases/{case.ref}"))
    assert "律师函已审批" in after and 'data-testid="pending-letter"' not in after


def test_rejecting_the_lawyers_letter_needs_a_reason(client: FlaskClient, core: Core, users: Users,
                                                     case: EvidenceCase) -> None:
    _draft_with_pdf(core, case.ref)
    token = log_in(client, "legal1")
    empty = post(client, token, case.ref, "reject", reason="")
    assert empty.status_code == 422 and "请填写此项" in html_of(empty)
    assert post(client, token, case.ref, "reject", reason="金额需与对账单核对后再发").status_code == 303
    assert file_of(core, case.ref)["state"] == "overdue"  # back where the draft interrupted it


# ---- the evidence bundle ----------------------------------------------------------------------------

def test_build_and_download_the_evidence_bundle(client: FlaskClient, core: Core, users: Users,
                                                case: EvidenceCase) -> None:
    token = log_in(client, "clerk1")
    done = post(client, token, case.ref, "bundle")
    assert done.status_code == 303 and done.headers["Location"].endswith("#bundles")
    html = html_of(client.get(f"/cases/{case.ref}"))
    status = re.search(r'data-testid="bundle-status-(\d+)" data-status="(\w+)">([^<]+)<', html)
    assert status and status.group(2) == "ready" and status.group(3) == "已生成"  # built inline here
    bundle_id = status.group(1)
    entry = re.search(rf'data-testid="tl-bundle-{bundle_id}"(.*?)</li>', html, re.S)
    assert entry and "申请生成证据材料" in entry.group(1) and "clerk1" in entry.group(1)
    pdf = client.get(f"/cases/{case.ref}/bundles/{bundle_id}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    archive = client.get(f"/cases/{case.ref}/bundles/{bundle_id}/zip")
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.data)) as zf:
        assert "manifest.json" in zf.namelist()
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        logged = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "bundle.downloaded")
                                     .order_by(AuditEntry.id)).all()
        assert [(e.actor, (e.after or {})["what"]) for e in logged] == [("clerk1", "pdf"), ("clerk1", "zip")]
    # legal is not assigned to this case: no bundle form, and no bundle
    legal = client.application.test_client()
    log_in(legal, "legal1")
    assert 'data-testid="case-bundles"' not in html_of(legal.get(f"/cases/{case.ref}"))
    assert legal.get(f"/cases/{case.ref}/bundles/{bundle_id}/pdf").status_code == 403


# ---- who sees what, print, languages -----------------------------------------------------------------

def test_a_lawyer_is_refused_a_case_not_assigned_to_them(client: FlaskClient, core: Core, users: Users,
                                                         shipped_templates: None) -> None:
    other = evidence_case(core, clerk_id=users.clerk_id)  # no lawyer assigned to this customer
    token = log_in(client, "lawyer1")
    page = client.get(f"/cases/{other.ref}")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert other.ref in html_of(page) and "上海华东机电设备有限公司" not in html_of(page)
    assert post(client, token, other.ref, "note", body="试图记录").status_code == 404
    assert client.get(f"/cases/{other.ref}/print").status_code == 404
    assert client.get(f"/cases/{other.ref}/documents/1/docx").status_code == 404
    assert client.get("/cases/AR-2026-9999").status_code == 404
    assert client.get("/cases/not%20a%20ref").status_code == 404


def test_the_print_view_carries_the_header_the_claim_and_the_timeline(client: FlaskClient, users: Users,
                                                                      case: EvidenceCase) -> None:
    log_in(client, "clerk1")
    page = html_of(client.get(f"/cases/{case.ref}"))
    assert f'href="/cases/{case.ref}/print"' in page
    html = html_of(client.get(f"/cases/{case.ref}/print"))
    main = html[html.index("<main"):html.index("</main>")]
    for testid in ("case-header", "case-ref", "case-state", "case-balance", "claim-table", "claim-total-CNY",
                   "claim-words", "case-timeline", f"tl-reply-{case.inbound_id}"):
        assert f'data-testid="{testid}"' in main, testid
    assert "叁万贰仟伍佰元零伍角" in main
    assert "<form" not in main and 'data-testid="case-actions"' not in main and "<iframe" not in main
    assert 'data-print' in main
    # on the case page itself, what the print rules hide is the forms (and the frame's navigation)
    with client.get("/static/app.css") as css:
        rules = css.get_data(as_text=True)
    assert re.search(r"@media print \{\s*[^}]*\bform\b[^}]*display: none", rules)


def test_the_page_in_english(client: FlaskClient, users: Users, case: EvidenceCase) -> None:
    log_in(client, "clerk1", lang="en")
    html = html_of(client.get(f"/cases/{case.ref}"))
    assert 'lang="en"' in html
    assert f'data-state="overdue">{state_label(client, "overdue", "en")}<' in html
    for text in ("Timeline", "The claim", "Limitation ends on", "Reply received", "Says it has paid",
                 "a demand reached the debtor", "Record a promise to pay", "In words: "):
        assert text in html, text
    for chinese in ("时间线", state_label(client, "overdue"), "催告到达债务人", "记录承诺付款"):
        assert chinese not in html, chinese
    assert "32,500.50" in html


def test_the_page_in_chinese_has_no_english_labels_left(client: FlaskClient, users: Users,
                                                        case: EvidenceCase) -> None:
    log_in(client, "clerk1")
    html = html_of(client.get(f"/cases/{case.ref}"))
    for chinese in ("时间线", "诉讼时效届满日", "记录承诺付款", "收到回复"):
        assert chinese in html, chinese
    for english in ("Timeline", "The claim", "Reply received", "Record a promise to pay"):
        assert english not in html, english


def test_the_page_and_a_refused_then_accepted_action_on_both_databases(any_db: Core) -> None:
    """The page's queries and the refusal path (the unit of work rolled back, the page drawn again in
    a fresh one) on SQLite and PostgreSQL."""
    from workflow.app import create_app

    report = run(any_db, SYSTEM_ACTOR, any_db.services.templates.sync_shipped)
    assert not report.rejected
    clerk = run(any_db, SYSTEM_ACTOR, any_db.services.accounts.create_user, username="clerk1",
                display_name="clerk user", role="clerk", password=PASSWORD)
    case = evidence_case(any_db, clerk_id=clerk.id)
    app = create_app(core=any_db)
    app.config["TESTING"] = True
    client = app.test_client()
    token = log_in(client, "clerk1")
    assert client.get(f"/cases/{case.ref}").status_code == 200
    refused = post(client, token, case.ref, "promise", promised_on="2026-12-15", amount="0", source="call")
    assert refused.status_code == 422 and "承诺金额须大于零" in html_of(refused)
    assert post(client, token, case.ref, "promise", promised_on="2026-12-15", amount="5000",
                source="call").status_code == 303
    assert file_of(any_db, case.ref)["state"] == "promise_pending"
    assert len(file_of(any_db, case.ref)["promises"]) == 1
