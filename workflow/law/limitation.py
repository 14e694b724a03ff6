"""The 3-year limitation period (诉讼时效) of an invoice, its interruptions and the 20-year long stop.

- first counted day: the day after the due date (民法典 188, 201); for instalments of one debt,
  the day after the last instalment's due date (民法典 189);
- end: the same calendar date three years later (28 Feb for a 29 Feb start; 民法典 202), moved to
  the next working day when that is a rest day (民法典 203);
- an interruption (demand that reached the debtor, acknowledgment, part payment, suit...) restarts
  the period from the day after it (民法典 195; 时效规定 8–14) — but only while the period still runs;
  an event after expiry does not revive it;
- never later than 20 years from the first counted day (民法典 188 ¶2), which nothing interrupts.
When the end date falls in a year whose holiday calendar is not loaded, weekends alone are applied
and the answer is marked provisional (docs/law.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from workflow.law.refusals import LawRefusal
from workflow.law.workdays import WorkCalendar

InterruptionKind = Literal["demand", "acknowledgment", "part_payment", "suit"]
KIND_WORDS: dict[str, tuple[str, str, str]] = {
    "demand": ("催告到达债务人", "a demand reached the debtor", "《民法典》第一百九十五条第（一）项；时效规定第八条"),
    "acknowledgment": ("债务人同意履行（确认债务）", "the debtor acknowledged the debt",
                       "《民法典》第一百九十五条第（二）项；时效规定第十四条"),
    "part_payment": ("债务人部分履行（部分付款）", "the debtor paid part of the debt",
                     "《民法典》第一百九十五条第（二）项；时效规定第十四条"),
    "suit": ("提起诉讼、仲裁或申请支付令等", "suit, arbitration, payment order or the like",
             "《民法典》第一百九十五条第（三）、（四）项；时效规定第十至十二条"),
}


Day = date  # the field ``Interruption.date`` hides the type inside the class


@dataclass(frozen=True)
class Interruption:
    date: date
    kind: InterruptionKind
    note: str = ""  # the evidence: bank reference, the signed statement's file, the case number
    # a suit, arbitration or payment order: the day those proceedings ended; the three years run again
    # from the next day (民法典 195: "从中断、有关程序终结时起"); unknown → counted from the filing, the
    # earlier and safer date
    ends_on: Day | None = None

    @property
    def restarts_after(self) -> Day:
        return self.ends_on if self.kind == "suit" and self.ends_on is not None else self.date


@dataclass(frozen=True)
class LimitationRequest:
    due_date: date
    interruptions: Sequence[Interruption] = ()
    instalment_due_dates: Sequence[date] = ()
    as_of: date | None = None


@dataclass
class LimitationResult:
    starts_on: date  # first counted day of the running period
    expires_on: date
    long_stop: date
    provisional: bool
    last_interruption: Interruption | None
    steps: list[dict[str, str]] = field(default_factory=list)
    as_of: date | None = None

    @property
    def expired(self) -> bool | None:
        return None if self.as_of is None else self.as_of > self.expires_on

    def as_json(self) -> dict[str, Any]:
        last = self.last_interruption
        out: dict[str, Any] = {
            "starts_on": self.starts_on.isoformat(),
            "expires_on": self.expires_on.isoformat(),
            "long_stop": self.long_stop.isoformat(),
            "provisional": self.provisional,
            "last_interruption": None if last is None else {
                "date": last.date.isoformat(), "kind": last.kind, "note": last.note,
                **({"ends_on": last.ends_on.isoformat()} if last.ends_on else {})},
            "steps": self.steps,
        }
        if self.as_of is not None:
            out["as_of"] = self.as_of.isoformat()
            out["expired"] = self.expired
            out["days_left"] = max(0, (self.expires_on - self.as_of).days)
        return out


def same_date_years_later(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 Feb → 28 Feb (民法典 202: no corresponding day → the month's last day)
        return d.replace(year=d.year + years, day=28)


def _end_of_period(anchor: date, years: int, calendar: WorkCalendar,
                   steps: list[dict[str, str]]) -> tuple[date, bool]:
    raw = same_date_years_later(anchor, years)
    provisional = calendar.is_provisional(raw)
    end = calendar.roll_forward(raw, provisional=True)
    # a roll across New Year may leave the loaded years; is_provisional checks every day looked at
    provisional = provisional or calendar.is_provisional(end)
    if end != raw:
        steps.append({"zh": f"{raw.isoformat()} 为休息日，顺延至其后第一个工作日 {end.isoformat()}"
                            "（《民法典》第二百零三条）",
                      "en": f"{raw.isoformat()} is a rest day: moved to the next working day, {end.isoformat()} "
                            "(Civil Code art. 203)"})
    if provisional:
        steps.append({"zh": f"{raw.year} 年节假日安排尚未载入，仅按周末推算，结果为暂定",
                      "en": f"the {raw.year} holiday calendar is not loaded: weekends only, the result is provisional"})
    return end, provisional


def compute_limitation(req: LimitationRequest, calendar: WorkCalendar) -> LimitationResult:
    steps: list[dict[str, str]] = []
    anchor = req.due_date
    for i, d in enumerate(req.instalment_due_dates):
        if d < req.due_date:
            raise LawRefusal(f"instalment_due_dates.{i}", "before_due_date", "分期到期日不应早于首期到期日",
                             "an instalment cannot fall due before due_date")
    for i, ev in enumerate(req.interruptions):
        if ev.ends_on is not None and (ev.kind != "suit" or ev.ends_on < ev.date):
            raise LawRefusal(f"interruptions.{i}.ends_on", "bad_end",
                             "仅诉讼等程序可填写终结日，且不得早于起诉日",
                             "ends_on is for a suit (or the like) only, and cannot be before it was filed")
    if req.instalment_due_dates:
        anchor = max(req.instalment_due_dates)
        steps.append({"zh": f"同一债务分期履行，自最后一期到期日 {anchor.isoformat()} 起算（《民法典》第一百八十九条）",
                      "en": f"instalments of one debt: counted from the last instalment's due date, "
                            f"{anchor.isoformat()} (Civil Code art. 189)"})
    else:
        steps.append({"zh": f"到期日 {anchor.isoformat()}，自次日起算三年（《民法典》第一百八十八条、第二百零一条）",
                      "en": f"due {anchor.isoformat()}: three years counted from the next day "
                            "(Civil Code arts. 188, 201)"})
    # from the original due date, even for instalments: the earlier, safer date
    long_stop = same_date_years_later(req.due_date, 20)
    expires, provisional = _end_of_period(anchor, 3, calendar, steps)
    steps.append({"zh": f"期间届满日 {expires.isoformat()}", "en": f"the period ends on {expires.isoformat()}"})
    last: Interruption | None = None
    for ev in sorted(req.interruptions, key=lambda e: e.date):
        zh_kind, en_kind, source = KIND_WORDS[ev.kind]
        if ev.date <= anchor:
            steps.append({"zh": f"{ev.date.isoformat()} {zh_kind}：发生在起算前，不构成中断",
                          "en": f"{ev.date.isoformat()} {en_kind}: before the period began, no interruption"})
            continue
        if ev.date > expires:
            steps.append({"zh": f"{ev.date.isoformat()} {zh_kind}：时效已于 {expires.isoformat()} 届满，不再中断；"
                                "债务人届满后同意履行的，可能构成放弃时效抗辩（《民法典》第一百九十二条，时效规定第十九条）",
                          "en": f"{ev.date.isoformat()} {en_kind}: the period had already ended on "
                                f"{expires.isoformat()}; "
                                "it cannot be interrupted, though the debtor's later promise to pay may waive the "
                                "defence (Civil Code art. 192; SPC limitation rules art. 19)"})
            continue
        if last is not None and ev.restarts_after <= last.restarts_after:
            steps.append({"zh": f"{ev.date.isoformat()} {zh_kind}：发生在 {last.restarts_after.isoformat()} "
                                "终结的程序期间，期间自该程序终结后方重新计算",
                          "en": f"{ev.date.isoformat()} {en_kind}: during proceedings that ended on "
                                f"{last.restarts_after.isoformat()}; the period runs again only after them"})
            continue
        last = ev
        if ev.restarts_after != ev.date:
            steps.append({"zh": f"{ev.date.isoformat()} {zh_kind}，时效中断，自程序终结日 "
                                f"{ev.restarts_after.isoformat()} 次日起重新计算三年（{source}）",
                          "en": f"{ev.date.isoformat()} {en_kind}: interrupted; three years run again from the day "
                                f"after the proceedings ended on {ev.restarts_after.isoformat()}"})
        elif ev.kind == "suit":
            steps.append({"zh": f"{ev.date.isoformat()} {zh_kind}，时效中断；程序终结日未输入，"
                                f"保守起见自起诉次日起重新计算三年（{source}）",
                          "en": f"{ev.date.isoformat()} {en_kind}: interrupted; the end of the proceedings was not "
                                "given, so three years are counted from the day after the filing (the earlier date)"})
        else:
            steps.append({"zh": f"{ev.date.isoformat()} {zh_kind}，时效中断，自次日重新计算三年（{source}）",
                          "en": f"{ev.date.isoformat()} {en_kind}: interrupted; three years run again from the "
                                "next day"})
        expires, provisional = _end_of_period(ev.restarts_after, 3, calendar, steps)
        steps.append({"zh": f"新的期间届满日 {expires.isoformat()}",
                      "en": f"the new period ends on {expires.isoformat()}"})
    if expires > long_stop:
        steps.append({"zh": f"超过自权利受损之日起二十年的最长保护期 {long_stop.isoformat()}，"
                            "以该日为准（《民法典》第一百八十八条第二款）",
                      "en": f"capped at the 20-year long stop, {long_stop.isoformat()} (Civil Code art. 188(2))"})
        expires = long_stop
        provisional = False
    starts = (last.restarts_after if last else anchor).toordinal() + 1
    return LimitationResult(date.fromordinal(starts), expires, long_stop, provisional, last, steps, req.as_of)
