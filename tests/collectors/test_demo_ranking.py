"""The demo has salespeople, so `dunning up` shows a ranking: four 业务员 with their 工号, one with an
English profile, every demo customer attributed, and the collector report ranks them."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import SYSTEM_ACTOR
from tests.uow import run
from workflow.accounts.models import User
from workflow.core import Core
from workflow.ledger.collectors import collectors_report, resolve_period
from workflow.ledger.demo import load_demo
from workflow.ledger.models import Customer


def test_the_demo_ranks_its_salespeople(core: Core) -> None:
    run(core, SYSTEM_ACTOR, load_demo, core.services.accounts)
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        s = uow.session
        sales = {u.username: (u.employee_no, u.locale) for u in s.scalars(select(User).where(User.role == "sales"))}
        assert sales == {"wangjianguo": ("XS1001", "zh_CN"), "liuyang": ("XS1002", "zh_CN"),
                         "zhoumin": ("XS1007", "zh_CN"), "lisa.wu": ("XS1015", "en")}
        assert s.scalar(select(Customer.id).where(Customer.salesperson_id.is_(None))) is None
        today = uow.today()
        start, end = resolve_period(today, None, None)
        rows = collectors_report(s, "salesperson", today, start, end).as_dict()["rows"]
    cny = [r for r in rows if r["currency"] == "CNY"]
    assert [r["rank"] for r in cny] == [1, 2, 3, 4]
    assert {r["person"]["username"] for r in cny} == set(sales)
    rates = [float(r["collection_rate_percent"]) for r in cny]
    assert rates == sorted(rates, reverse=True) and rates[0] > rates[-1]  # a ranking with a spread


def test_the_demo_loads_the_same_ranking_every_time(core: Core) -> None:
    def ranking() -> list[tuple[str, str]]:
        with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
            today = uow.today()
            start, end = resolve_period(today, None, None)
            rows = collectors_report(uow.session, "salesperson", today, start, end).as_dict()["rows"]
        return [(r["person"]["username"], r["collection_rate_percent"]) for r in rows if r["person"]]

    run(core, SYSTEM_ACTOR, load_demo, core.services.accounts)
    first = ranking()
    run(core, SYSTEM_ACTOR, load_demo, core.services.accounts, reset=True)
    assert ranking() == first
