"""The daily recompute: a rating a day kept as history, a change of grade audited and told to the
salesperson once, the schedule claiming it daily, and credit-hold recommendations for a person to
confirm (the hold set, the webhook queued) or dismiss — never a hold by itself."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.credit.ledger import JOBS, TODAY, CreditBook, days_ago
from tests.uow import run
from workflow.accounts.actor import SYSTEM
from workflow.audit.models import AuditEntry
from workflow.cases.models import ScheduledRun, WebhookDelivery
from workflow.clock import FixedClock
from workflow.config import Settings
from workflow.core import Core
from workflow.credit.models import CreditRecommendation, CustomerRating
from workflow.errors import Conflict, ValidationFailed
from workflow.jobs.queue import InlineQueue
from workflow.jobs.schedule import CREDIT_RUN, Scheduler
from workflow.jobs.tasks import TASKS
from workflow.ledger.models import Customer
from workflow.mail.models import OutboxMessage


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Credit holds are pushed to another system: a confirmed recommendation queues a delivery."""
    return Settings(instance_path=tmp_path / "instance", mailbox_dir=tmp_path / "mailbox", mail_transport="memory",
                    pdf_converter="none", secret_key="test-secret",
                    credit_hold_webhook_url="http://127.0.0.1:9/hooks/credit", webhook_secret="erp-shared-secret")


def audit(core: Core, action: str) -> list[AuditEntry]:
    with core.unit_of_work(SYSTEM, read_only=True) as uow:
        rows = list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))
        uow.session.expunge_all()
        return rows


def recommendations(core: Core) -> list[CreditRecommendation]:
    with core.unit_of_work(SYSTEM, read_only=True) as uow:
        rows = list(uow.session.scalars(select(CreditRecommendation).order_by(CreditRecommendation.id)))
        uow.session.expunge_all()
        return rows


def test_one_rating_a_day_is_kept_and_a_second_recompute_replaces_the_days_row(any_db: Core) -> None:
    book = CreditBook(any_db)
    book.customer("KH2001", "南京金陵电子科技有限公司")
    book.paid_invoice("KH2001", days_ago(40), None)
    any_db.services.credit.recompute(JOBS, days_ago(1))
    any_db.services.credit.recompute(JOBS)
    any_db.services.credit.recompute(JOBS)
    rows = book.ratings("KH2001")
    assert [r.as_of for r in rows] == [days_ago(1), TODAY]
    # open 39 days yesterday, 40 today: the history shows the slide
    assert [r.figures["worst_days_late"] for r in rows] == [39, 40]


def test_a_change_of_grade_is_audited_and_the_salesperson_told_once(any_db: Core) -> None:
    book = CreditBook(any_db)
    sales = book.user("li.na", "sales", email="li.na@ourfirm.example")
    cid = book.customer("KH2002", "无锡华光纺织有限公司", salesperson=sales)
    book.paid_invoice("KH2002", days_ago(90), days_ago(90))
    any_db.services.credit.recompute(JOBS, days_ago(1))
    assert book.ratings("KH2002")[0].grade == "A"
    case = book.case("KH2002", "disputed")
    book.promise(case, days_ago(20), "broken", days_ago(18))
    book.promise(case, days_ago(12), "broken", days_ago(10))
    report = any_db.services.credit.recompute(JOBS)
    # 1 dispute × 10 + 2 broken promises × 8 = 26 → 74 → B
    assert report.changed == [{"customer_id": cid, "code": "KH2002", "from": "A", "to": "B", "score": 74}]
    [entry] = audit(any_db, "credit.grade_changed")
    assert entry.entity_id == str(cid) and entry.before == {"grade": "A"}
    after = entry.after
    assert isinstance(after, dict) and after["grade"] == "B"
    assert {r["figure"] for r in after["reasons"]} == {"open_disputes", "broken_promises"}
    any_db.services.credit.recompute(JOBS)  # again the same day: no change any more, nothing more said
    assert len(audit(any_db, "credit.grade_changed")) == 1
    with any_db.unit_of_work(SYSTEM, read_only=True) as uow:
        [notice] = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == sales)).all()
        assert notice.kind == "internal_notice" and notice.recipients == ["li.na@ourfirm.example"]
        assert notice.subject == "客户信用等级变更：无锡华光纺织有限公司（KH2002）A → B"
        assert "存在 1 件未解决的争议：扣 10.0 分" in notice.body_text


def test_the_salesperson_reads_the_notice_in_the_language_of_their_profile(core: Core) -> None:
    book = CreditBook(core)
    sales = book.user("tom.wu", "sales", email="tom.wu@ourfirm.example", locale="en")
    book.customer("KH2003", "Pacific Rim Trading Ltd.", salesperson=sales)
    core.services.credit.recompute(JOBS, days_ago(1))
    book.case("KH2003", "disputed")
    book.paid_invoice("KH2003", days_ago(200), None)
    core.services.credit.recompute(JOBS)
    with core.unit_of_work(SYSTEM, read_only=True) as uow:
        [notice] = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == sales)).all()
        assert notice.subject.startswith("Credit grade changed: Pacific Rim Trading Ltd. (KH2003) A → D")
        assert "1 open dispute(s): −10.0 points" in notice.body_text


def test_the_schedule_runs_the_recompute_once_a_day_after_the_run_hour(core: Core) -> None:
    book = CreditBook(core)
    book.customer("KH2004", "常州天宁精密铸造有限公司")
    scheduler = Scheduler(core, InlineQueue(core, TASKS), name="host-a")
    shanghai = ZoneInfo("Asia/Shanghai")
    assert isinstance(core.clock, FixedClock)
    for hour in (8, 9, 10, 15):
        core.clock.advance(datetime(2026, 11, 27, hour, tzinfo=shanghai) - core.clock.now())
        scheduler.tick()
    with core.unit_of_work(SYSTEM, read_only=True) as uow:
        [row] = uow.session.scalars(select(ScheduledRun).where(ScheduledRun.job == CREDIT_RUN)).all()
        assert row.run_on == date(2026, 11, 27) and row.status == "done" and row.summary is not None
        assert row.summary["customers"] == 1 and row.summary["grades"] == {"A": 1}
        assert uow.session.scalars(select(CustomerRating.as_of)).all() == [date(2026, 11, 27)]


def test_over_the_limit_a_hold_is_recommended_not_set(any_db: Core) -> None:
    book = CreditBook(any_db)
    cid = book.customer("KH2005", "青岛海达食品有限公司", limit="100000.00")
    book.invoice("KH2005", days_ago(5), days_ago(-25), "120000.00")  # not due: only the limit is crossed
    report = any_db.services.credit.recompute(JOBS)
    [rec] = recommendations(any_db)
    assert report.recommendations == [rec.id] and rec.customer_id == cid
    assert (rec.trigger, rec.status) == ("over_limit", "pending")
    assert rec.reason_zh == ("建议停止赊销：敞口 120000.00 CNY 超过信用额度 100000.00 CNY"
                             "（未结发票 120000.00，未开票订单 0.00）")
    with any_db.unit_of_work(SYSTEM, read_only=True) as uow:
        customer = uow.session.get(Customer, cid)
        assert customer is not None and customer.credit_hold is False
    any_db.services.credit.recompute(JOBS)  # the next recompute: still pending, no second one
    assert len(recommendations(any_db)) == 1


def test_grade_d_recommends_a_hold_and_a_customer_on_hold_gets_none(core: Core) -> None:
    book = CreditBook(core)
    book.customer("KH2006", "石家庄冀中钢构有限公司")
    book.customer("KH2007", "太原晋阳煤机配件有限公司", hold=True)
    for code in ("KH2006", "KH2007"):
        book.paid_invoice(code, days_ago(300), None)
        book.case(code, "disputed")
    core.services.credit.recompute(JOBS)
    [rec] = recommendations(core)
    assert rec.customer_id == book.customers["KH2006"] and rec.trigger == "grade_d"
    # 300 days: 25 + 15 + 30 (1 of 1 late) + 10 (dispute) = 80 → 20
    assert rec.reason_en == "credit hold recommended: credit grade fell to D (score 20)"


def test_a_past_day_recomputed_recommends_nothing(core: Core) -> None:
    book = CreditBook(core)
    book.customer("KH2008", "郑州中原机电设备有限公司", limit="10000.00")
    book.paid_invoice("KH2008", days_ago(30), None, "50000.00")
    core.services.credit.recompute(JOBS, days_ago(3))
    assert recommendations(core) == []
    with pytest.raises(ValidationFailed) as err:
        core.services.credit.recompute(JOBS, days_ago(-1))
    assert err.value.problems[0].field == "as_of"


def test_confirming_sets_the_hold_and_queues_the_webhook(core: Core) -> None:
    book = CreditBook(core)
    cid = book.customer("KH2009", "长沙湘江重工有限公司", limit="50000.00")
    book.invoice("KH2009", days_ago(5), days_ago(-25), "80000.00")
    core.services.credit.recompute(JOBS)
    [rec] = recommendations(core)
    out = run(core, SYSTEM, core.services.credit.confirm, rec.id, "销售总监同意")
    assert out["status"] == "confirmed" and out["decided_by"] == "system"
    with core.unit_of_work(SYSTEM, read_only=True) as uow:
        customer = uow.session.get(Customer, cid)
        assert customer is not None and customer.credit_hold is True
        [delivery] = uow.session.scalars(select(WebhookDelivery)).all()
        assert delivery.event == "credit_hold.set" and delivery.customer_id == cid
        assert delivery.payload["reason"].startswith("建议停止赊销：敞口 80000.00 CNY 超过信用额度")
    assert [e.entity_id for e in audit(core, "credit.recommendation_confirmed")] == [str(rec.id)]
    assert [e.entity_id for e in audit(core, "customer.credit_hold.set")] == [str(cid)]
    with pytest.raises(Conflict):
        run(core, SYSTEM, core.services.credit.confirm, rec.id, "")
    core.services.credit.recompute(JOBS)  # on hold now: nothing more to recommend
    assert len(recommendations(core)) == 1


def test_dismissing_needs_a_reason_and_quiets_the_trigger(core: Core) -> None:
    book = CreditBook(core)
    cid = book.customer("KH2010", "成都蜀锦家居有限公司", limit="50000.00")
    book.invoice("KH2010", days_ago(5), days_ago(-25), "80000.00")
    core.services.credit.recompute(JOBS)
    [rec] = recommendations(core)
    with pytest.raises(ValidationFailed) as err:
        run(core, SYSTEM, core.services.credit.dismiss, rec.id, " ")
    assert err.value.problems[0].field == "note"
    run(core, SYSTEM, core.services.credit.dismiss, rec.id, "客户已提供银行保函")
    core.services.credit.recompute(JOBS)
    [again] = recommendations(core)
    assert again.status == "dismissed" and again.decision_note == "客户已提供银行保函"
    with core.unit_of_work(SYSTEM, read_only=True) as uow:
        customer = uow.session.get(Customer, cid)
        assert customer is not None and customer.credit_hold is False


def test_the_current_rating_for_the_customer_page(core: Core) -> None:
    from workflow.accounts.actor import Actor
    from workflow.accounts.models import Role
    from workflow.credit.service import current_rating
    from workflow.errors import NotFound

    book = CreditBook(core)
    cid = book.customer("KH2011", "合肥高新区徽商电子商务有限公司", limit="10000.00")
    assert run(core, SYSTEM, current_rating, cid) is None  # not rated yet
    book.invoice("KH2011", days_ago(3), days_ago(-27), "12500.00")
    core.services.credit.recompute(JOBS)
    shown = run(core, SYSTEM, current_rating, cid)
    assert shown is not None
    # 125 % of the limit: (125 − 80) × 0.5 = 22.5 → the cap 20 → 80, A; and over the limit: a recommendation
    assert (shown["grade"], shown["score"], shown["as_of"]) == ("A", 80, "2026-11-26")
    [reason] = shown["reasons"]
    assert set(reason) == {"figure", "value", "points", "zh", "en"} and reason["points"] == "20.0"
    assert [r["trigger"] for r in shown["recommendations"]] == ["over_limit"] and shown["flags"] == []
    stranger = Actor(user_id=987654, username="other.lawyer", role=Role.LAWYER)
    with pytest.raises(NotFound):
        run(core, stranger, current_rating, cid)
