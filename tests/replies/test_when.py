"""Relative dates in debtors' words, resolved against the day the message was sent (Asia/Shanghai)."""

from __future__ import annotations

from datetime import date

import pytest

from workflow.mail.when import find_dates

THU = date(2026, 11, 26)  # a Thursday
TUE = date(2026, 11, 24)


@pytest.mark.parametrize(("text", "anchor", "expected"), [
    ("今天付", THU, date(2026, 11, 26)),
    ("明天付", THU, date(2026, 11, 27)),
    ("后天付", THU, date(2026, 11, 28)),
    ("昨天已付", THU, date(2026, 11, 25)),
    ("下周五付款", THU, date(2026, 12, 4)),
    ("下周一", date(2026, 11, 23), date(2026, 11, 30)),
    ("这周五", TUE, date(2026, 11, 27)),
    ("本周五", TUE, date(2026, 11, 27)),
    ("周三前", TUE, date(2026, 11, 25)),
    ("上周五付了3万", date(2026, 12, 1), date(2026, 11, 27)),
    ("本周内", TUE, date(2026, 11, 27)),
    ("下周内", TUE, date(2026, 12, 4)),
    ("月底前", date(2026, 11, 25), date(2026, 11, 30)),
    ("月末", date(2026, 11, 25), date(2026, 11, 30)),
    ("下月底", date(2026, 11, 27), date(2026, 12, 31)),
    ("下月初", date(2026, 11, 25), date(2026, 12, 5)),
    ("下个月初", date(2026, 11, 25), date(2026, 12, 5)),
    ("月中", TUE, date(2026, 12, 15)),  # this month's 15th is past: next month's
    ("月中", date(2026, 11, 3), date(2026, 11, 15)),
    ("下月中", TUE, date(2026, 12, 15)),
    ("12月中旬", TUE, date(2026, 12, 20)),
    ("12月上旬", TUE, date(2026, 12, 10)),
    ("12月下旬", TUE, date(2026, 12, 31)),
    ("下个月15号之前", date(2026, 11, 30), date(2026, 12, 15)),
    ("15号前", THU, date(2026, 12, 15)),
    ("3天内", THU, date(2026, 11, 29)),
    ("5个工作日内", THU, date(2026, 12, 3)),  # skips the weekend
    ("一周内", THU, date(2026, 12, 3)),
    ("年底前", THU, date(2026, 12, 31)),
    ("元旦前付清", THU, date(2027, 1, 1)),
    ("2026年12月15日前", THU, date(2026, 12, 15)),
    ("2026-12-15", THU, date(2026, 12, 15)),
    ("2026/12/5", THU, date(2026, 12, 5)),
    ("by Friday", THU, date(2026, 11, 27)),
    ("next Monday", date(2026, 11, 24), date(2026, 11, 30)),
    ("last Friday", date(2026, 12, 1), date(2026, 11, 27)),
    ("this week", TUE, date(2026, 11, 27)),
    ("next week", TUE, date(2026, 12, 4)),
    ("by the end of the month", THU, date(2026, 11, 30)),
    ("end of next month", THU, date(2026, 12, 31)),
    ("early next month", THU, date(2026, 12, 5)),
    ("within 3 days", THU, date(2026, 11, 29)),
    ("within 5 business days", THU, date(2026, 12, 3)),
    ("tomorrow", THU, date(2026, 11, 27)),
    ("on 15 December 2026", THU, date(2026, 12, 15)),
    ("on December 15th, 2026", THU, date(2026, 12, 15)),
])
def test_each_form_resolves_to_its_day(text: str, anchor: date, expected: date) -> None:
    found = find_dates(text, anchor)
    assert [f.day for f in found] == [expected], text


def test_a_date_without_a_year_is_the_next_one_for_a_promise_and_the_last_one_for_a_payment() -> None:
    (found,) = find_dates("3月15日", date(2026, 11, 19))
    assert found.ahead(date(2026, 11, 19)) == date(2027, 3, 15)
    assert found.behind(date(2026, 11, 19)) == date(2026, 3, 15)
    (jan,) = find_dates("1月10日前付", date(2026, 11, 28))
    assert jan.ahead(date(2026, 11, 28)) == date(2027, 1, 10)


@pytest.mark.parametrize("text", ["余款下周付", "春节后付清", "等客户回款", "第3批货", "发票号 31002341",
                                  "电话 0755-2671 8833", "12件超差", "2026年13月40日"])
def test_no_date_is_read_where_there_is_none(text: str) -> None:
    assert find_dates(text, THU) == []
