"""Dunning policies: the escalation ladder a customer's case climbs, and each customer's settings.

A policy is a list of levels. A level says when (``offset``: working days from the due date,
negative = before it), what (``kind``: the document made from the ledger), how (``channel``: email),
whether a person must approve it first (always for a 律师函), whether reaching it stops supply
(``credit_hold``), and whether the salesperson hears of it first (``notify_salesperson``: an email in
the language of their profile the day the level is decided, ahead of the letter). The one negative
level is the friendly pre-due reminder (docs/dunning.md); the others are the escalation levels
1, 2, 3... in offset order, which is what ``DunningCase.level`` counts. A 律师函 level names the law
firm and lawyer that sign it: the run never invents one.

The default policy is seeded the first time a writing unit of work asks for it (the daily run, the
policy commands, the API), idempotently: an administrator's changes to it are never overwritten.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from workflow.accounts.models import Role
from workflow.cases.models import CustomerDunning, DunningPolicy
from workflow.errors import Conflict, FieldProblem, NotFound, ValidationFailed, invalid
from workflow.ledger.models import Customer
from workflow.unit_of_work import UnitOfWork

PRE_DUE_KIND = "payment_reminder"
ESCALATION_KINDS = ("dunning_letter_1", "dunning_letter_2", "dunning_letter_3", "lawyer_letter", "statement")
KINDS = (PRE_DUE_KIND, *ESCALATION_KINDS)
CHANNELS = ("email",)
SCHEDULES = ("monthly", "quarterly", "none")
DEFAULT_NAME = "默认策略 / default"
MAX_LEVELS = 12
MAX_OFFSET = 400  # working days: well over a year and a half
MAX_GRACE_DAYS = 30
POLICY_EDITORS = (Role.ADMIN, Role.LEGAL)
SETTINGS_EDITORS = (Role.ADMIN, Role.LEGAL, Role.CLERK)

# docs/dunning.md: a reminder 3 working days ahead, then rising firmness, the final notice with the
# supply stopped, and the lawyer's letter (which a lawyer approves and which names its firm)
DEFAULT_LEVELS: tuple[dict[str, Any], ...] = (
    {"offset": -3, "kind": "payment_reminder", "channel": "email", "approval": False, "credit_hold": False},
    {"offset": 1, "kind": "dunning_letter_1", "channel": "email", "approval": False, "credit_hold": False},
    {"offset": 10, "kind": "dunning_letter_2", "channel": "email", "approval": False, "credit_hold": False},
    {"offset": 20, "kind": "dunning_letter_3", "channel": "email", "approval": False, "credit_hold": True,
     "notify_salesperson": True},
    {"offset": 30, "kind": "lawyer_letter", "channel": "email", "approval": True, "credit_hold": False,
     "notify_salesperson": True},
)
DEFAULT_GRACE_DAYS = 2

_FIRM_FIELDS = ("name", "address", "phone", "email")
_FIRM_OPTIONAL = ("name_en", "address_en")
_LAWYER_FIELDS = ("name", "licence_no")
_LAWYER_OPTIONAL = ("name_en", "phone", "email")


@dataclass(frozen=True)
class Level:
    offset: int
    kind: str
    channel: str = "email"
    approval: bool = False
    credit_hold: bool = False
    law_firm: Mapping[str, str] | None = None
    lawyer: Mapping[str, str] | None = None
    # the salesperson is told by email before the letter goes out (cases/run.py)
    notify_salesperson: bool = False

    @property
    def pre_due(self) -> bool:
        return self.offset < 0

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"offset": self.offset, "kind": self.kind, "channel": self.channel,
                               "approval": self.approval, "credit_hold": self.credit_hold}
        if self.law_firm is not None:
            out["law_firm"] = dict(self.law_firm)
        if self.lawyer is not None:
            out["lawyer"] = dict(self.lawyer)
        if self.notify_salesperson:
            out["notify_salesperson"] = True
        return out


@dataclass(frozen=True)
class Ladder:
    """A policy read for the run: its pre-due level and its escalation levels (level n = ``levels[n-1]``)."""

    policy_id: int | None
    name: str
    pre_due: Level | None
    levels: tuple[Level, ...]
    promise_grace_days: int = DEFAULT_GRACE_DAYS
    raw: tuple[Level, ...] = field(default=())

    def level(self, n: int) -> Level | None:
        return self.levels[n - 1] if 1 <= n <= len(self.levels) else None


def _problem(where: str, code: str, zh: str, en: str) -> FieldProblem:
    return FieldProblem(where, code, zh, en)


def _text_block(raw: Any, where: str, required: Sequence[str], optional: Sequence[str],
                problems: list[FieldProblem]) -> dict[str, str] | None:
    if not isinstance(raw, dict):
        problems.append(_problem(where, "not_object", "应为对象", "must be an object"))
        return None
    out: dict[str, str] = {}
    for key in raw:
        if key not in (*required, *optional):
            problems.append(_problem(f"{where}.{key}", "unknown_field", "未知字段", "unknown field"))
    for key in (*required, *optional):
        value = raw.get(key, "")
        if not isinstance(value, str) or len(value) > 300:
            problems.append(_problem(f"{where}.{key}", "invalid", "应为不超过 300 字的文字",
                                     "must be text of at most 300 characters"))
            continue
        if key in required and not value.strip():
            problems.append(_problem(f"{where}.{key}", "required", "必填", "required"))
            continue
        out[key] = value.strip()
    return out


def parse_levels(raw: Any, where: str = "levels") -> tuple[Level, ...]:
    """The levels as an administrator wrote them, or a 422 naming every wrong field."""
    problems: list[FieldProblem] = []
    if not isinstance(raw, list) or not raw:
        raise invalid(where, "empty", "策略至少需要一个级别", "a policy needs at least one level")
    if len(raw) > MAX_LEVELS:
        raise invalid(where, "too_many", f"级别不能超过 {MAX_LEVELS} 个", f"at most {MAX_LEVELS} levels")
    levels: list[Level] = []
    known = {"offset", "kind", "channel", "approval", "credit_hold", "law_firm", "lawyer", "notify_salesperson"}
    for i, item in enumerate(raw):
        at = f"{where}[{i}]"
        if not isinstance(item, dict):
            problems.append(_problem(at, "not_object", "应为对象", "must be an object"))
            continue
        for key in item:
            if key not in known:
                problems.append(_problem(f"{at}.{key}", "unknown_field", "未知字段", "unknown field"))
        offset, kind = item.get("offset"), item.get("kind")
        channel = item.get("channel", "email")
        approval, hold = item.get("approval", False), item.get("credit_hold", False)
        notify = item.get("notify_salesperson", False)
        ok = True
        if not isinstance(offset, int) or isinstance(offset, bool) or not -MAX_OFFSET <= offset <= MAX_OFFSET \
                or offset == 0:
            problems.append(_problem(f"{at}.offset", "invalid_offset",
                                     f"偏移应为 -{MAX_OFFSET} 至 {MAX_OFFSET} 之间的非零整数（到期日前为负）",
                                     f"offset must be a non-zero integer from -{MAX_OFFSET} to {MAX_OFFSET} "
                                     "(negative: before the due date)"))
            ok = False
        if kind not in KINDS:
            problems.append(_problem(f"{at}.kind", "unknown_kind", f"文书类型应为 {'、'.join(KINDS)} 之一",
                                     f"kind must be one of {', '.join(KINDS)}"))
            ok = False
        if channel not in CHANNELS:
            problems.append(_problem(f"{at}.channel", "unknown_channel", "渠道目前只能是 email",
                                     "the channel can only be email"))
            ok = False
        for name, value in (("approval", approval), ("credit_hold", hold), ("notify_salesperson", notify)):
            if not isinstance(value, bool):
                problems.append(_problem(f"{at}.{name}", "not_boolean", "应为 true 或 false", "must be true or false"))
                ok = False
        if not ok or not isinstance(offset, int) or not isinstance(kind, str):
            continue
        if kind == PRE_DUE_KIND and offset > 0:
            problems.append(_problem(f"{at}.offset", "pre_due_after_due", "到期前提醒的偏移应为负数",
                                     "a payment reminder comes before the due date: its offset must be negative"))
        if offset < 0 and kind != PRE_DUE_KIND:
            problems.append(_problem(f"{at}.kind", "before_due", "到期日之前只能发送付款提醒（payment_reminder）",
                                     "before the due date only a payment_reminder may go out"))
        if approval is True and kind != "lawyer_letter":
            # the approval flow (a lawyer signs off by name, then it is sent) is the 律师函's
            problems.append(_problem(f"{at}.approval", "approval_unsupported", "只有律师函级别可设为需审批",
                                     "only a lawyer_letter level can wait for approval"))
        if kind == "lawyer_letter" and approval is not True:
            problems.append(_problem(f"{at}.approval", "approval_required", "律师函必须经律师审批后才能发出",
                                     "a lawyer's letter always needs a lawyer's approval"))
        firm = lawyer = None
        if "law_firm" in item or "lawyer" in item:
            if kind != "lawyer_letter":
                problems.append(_problem(f"{at}.law_firm", "not_lawyer_letter", "只有律师函级别需要律师事务所",
                                         "only a lawyer_letter level names a law firm"))
            firm = _text_block(item.get("law_firm"), f"{at}.law_firm", _FIRM_FIELDS, _FIRM_OPTIONAL, problems)
            lawyer = _text_block(item.get("lawyer"), f"{at}.lawyer", _LAWYER_FIELDS, _LAWYER_OPTIONAL, problems)
        if notify is True and offset < 0:
            problems.append(_problem(f"{at}.notify_salesperson", "pre_due_notice", "到期前提醒无需通知业务员",
                                     "the salesperson is told of escalation levels, not of the pre-due reminder"))
        levels.append(Level(offset, kind, channel, approval, hold, firm, lawyer, notify is True))
    offsets = [lv.offset for lv in levels]
    for i in range(1, len(offsets)):
        if offsets[i] <= offsets[i - 1]:
            problems.append(_problem(f"{where}[{i}].offset", "not_increasing", "各级别的偏移必须严格递增",
                                     "offsets must be strictly increasing"))
    if sum(1 for o in offsets if o < 0) > 1:
        problems.append(_problem(where, "several_pre_due", "到期前最多只能有一个提醒级别",
                                 "at most one level may come before the due date"))
    if levels and all(lv.pre_due for lv in levels) and not problems:
        problems.append(_problem(where, "no_escalation", "策略至少需要一个到期后的级别",
                                 "a policy needs at least one level after the due date"))
    if problems:
        raise ValidationFailed(problems)
    return tuple(levels)


def check_grace(days: Any, where: str = "promise_grace_days") -> int:
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= MAX_GRACE_DAYS:
        raise invalid(where, "out_of_range", f"宽限期应为 0 至 {MAX_GRACE_DAYS} 个工作日",
                      f"the grace period must be 0 to {MAX_GRACE_DAYS} working days")
    return days


def ladder_of(policy: DunningPolicy) -> Ladder:
    levels = parse_levels(policy.levels)
    return Ladder(policy.id, policy.name, next((lv for lv in levels if lv.pre_due), None),
                  tuple(lv for lv in levels if not lv.pre_due), policy.promise_grace_days, levels)


def default_ladder() -> Ladder:
    """The shipped default, for a read-only look before anything was seeded."""
    levels = parse_levels([dict(lv) for lv in DEFAULT_LEVELS])
    return Ladder(None, DEFAULT_NAME, levels[0], levels[1:], DEFAULT_GRACE_DAYS, levels)


# ---- reading -----------------------------------------------------------------------------------

def describe(policy: DunningPolicy, assigned: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": policy.id, "name": policy.name, "is_default": policy.is_default,
                           "promise_grace_days": policy.promise_grace_days, "levels": policy.levels,
                           "created_at": policy.created_at.isoformat(), "updated_at": policy.updated_at.isoformat()}
    if assigned is not None:
        out["customers"] = assigned
    return out


def list_policies(s: Session) -> list[DunningPolicy]:
    return list(s.scalars(select(DunningPolicy).order_by(DunningPolicy.id)))


def assigned_counts(s: Session) -> dict[int, int]:
    rows = s.execute(select(CustomerDunning.policy_id, func.count()).where(CustomerDunning.policy_id.is_not(None))
                     .group_by(CustomerDunning.policy_id))
    return {int(pid): int(n) for pid, n in rows if pid is not None}


def get_policy(s: Session, ident: int | str) -> DunningPolicy:
    """By id, or by name (the CLI's way)."""
    policy: DunningPolicy | None
    if isinstance(ident, int) or (isinstance(ident, str) and ident.isdigit()):
        policy = s.get(DunningPolicy, int(ident))
    else:
        policy = s.scalar(select(DunningPolicy).where(DunningPolicy.name == ident.strip()))
    if policy is None:
        raise NotFound("催收策略", "dunning policy", ident)
    return policy


def find_default(s: Session) -> DunningPolicy | None:
    return s.scalar(select(DunningPolicy).where(DunningPolicy.is_default.is_(True)).order_by(DunningPolicy.id))


def default_policy(uow: UnitOfWork) -> DunningPolicy | None:
    """The default policy, seeded now if the database has none (not in a read-only unit of work)."""
    found = find_default(uow.session)
    if found is not None or uow.read_only:
        return found
    return seed_default(uow)


def seed_default(uow: UnitOfWork) -> DunningPolicy:
    """The shipped default policy, once. A policy already named like it (made default again later)
    is taken as is; an administrator's edits are never overwritten."""
    s = uow.session
    found = find_default(s)
    if found is not None:
        return found
    now = uow.now()
    named = s.scalar(select(DunningPolicy).where(DunningPolicy.name == DEFAULT_NAME))
    if named is not None:
        named.is_default, named.updated_at = True, now
        s.flush()
        uow.audit("policy.set_default", "dunning_policy", named.id, None, {"name": named.name})
        return named
    policy = DunningPolicy(name=DEFAULT_NAME, is_default=True, levels=[dict(lv) for lv in DEFAULT_LEVELS],
                           promise_grace_days=DEFAULT_GRACE_DAYS, created_at=now, updated_at=now)
    s.add(policy)
    s.flush()
    uow.audit("policy.seed", "dunning_policy", policy.id, None, describe(policy))
    return policy


def customer_settings(s: Session, customer_id: int) -> CustomerDunning | None:
    return s.get(CustomerDunning, customer_id)


def describe_settings(s: Session, customer_id: int) -> dict[str, Any]:
    customer = s.get(Customer, customer_id)
    if customer is None:
        raise NotFound("客户", "customer", customer_id)
    row = s.get(CustomerDunning, customer_id)
    policy = s.get(DunningPolicy, row.policy_id) if row is not None and row.policy_id else None
    default = find_default(s)
    effective = policy or default
    return {"customer_id": customer_id, "do_not_dun": customer.do_not_dun,
            "policy_id": policy.id if policy else None,
            "effective_policy": None if effective is None else {"id": effective.id, "name": effective.name},
            "statement_schedule": row.statement_schedule if row is not None else "monthly",
            "credit_hold": customer.credit_hold,
            "credit_hold_reason": row.credit_hold_reason if row is not None else None}


# ---- writing -----------------------------------------------------------------------------------

def _unique_name(s: Session, name: Any, own_id: int | None = None) -> str:
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 100:
        raise invalid("name", "invalid", "名称应为 1 至 100 字", "the name must be 1 to 100 characters")
    clean = name.strip()
    other = s.scalar(select(DunningPolicy.id).where(DunningPolicy.name == clean))
    if other is not None and other != own_id:
        raise Conflict(f"已有名为「{clean}」的策略", f"a policy named {clean!r} already exists",
                       [FieldProblem("name", "taken", "名称已被使用", "the name is taken")])
    return clean


def create_policy(uow: UnitOfWork, *, name: str, levels: Any, promise_grace_days: int = DEFAULT_GRACE_DAYS,
                  is_default: bool = False) -> DunningPolicy:
    uow.require(POLICY_EDITORS, "仅管理员或法务可编辑催收策略", "Only an administrator or legal may edit policies")
    s = uow.session
    clean = _unique_name(s, name)
    parsed = parse_levels(levels)
    grace = check_grace(promise_grace_days)
    now = uow.now()
    policy = DunningPolicy(name=clean, is_default=False, levels=[lv.as_json() for lv in parsed],
                           promise_grace_days=grace, created_at=now, updated_at=now)
    s.add(policy)
    s.flush()
    uow.audit("policy.create", "dunning_policy", policy.id, None, describe(policy))
    if is_default:
        set_default(uow, policy.id)
    return policy


def update_policy(uow: UnitOfWork, policy_id: int, *, name: str | None = None, levels: Any = None,
                  promise_grace_days: int | None = None) -> DunningPolicy:
    uow.require(POLICY_EDITORS, "仅管理员或法务可编辑催收策略", "Only an administrator or legal may edit policies")
    s = uow.session
    policy = s.get(DunningPolicy, policy_id, with_for_update=True)
    if policy is None:
        raise NotFound("催收策略", "dunning policy", policy_id)
    before = describe(policy)
    if name is not None:
        policy.name = _unique_name(s, name, policy.id)
    if levels is not None:
        policy.levels = [lv.as_json() for lv in parse_levels(levels)]
    if promise_grace_days is not None:
        policy.promise_grace_days = check_grace(promise_grace_days)
    policy.updated_at = uow.now()
    s.flush()
    uow.audit("policy.update", "dunning_policy", policy.id, before, describe(policy))
    return policy


def delete_policy(uow: UnitOfWork, policy_id: int) -> None:
    uow.require(POLICY_EDITORS, "仅管理员或法务可编辑催收策略", "Only an administrator or legal may edit policies")
    s = uow.session
    policy = s.get(DunningPolicy, policy_id, with_for_update=True)
    if policy is None:
        raise NotFound("催收策略", "dunning policy", policy_id)
    if policy.is_default:
        raise Conflict("默认策略不能删除：请先把另一个策略设为默认",
                       "the default policy cannot be deleted: make another policy the default first")
    used = s.scalar(select(func.count()).select_from(CustomerDunning).where(CustomerDunning.policy_id == policy_id))
    if used:
        raise Conflict(f"有 {used} 个客户使用此策略，不能删除",
                       f"{used} customers use this policy: it cannot be deleted")
    before = describe(policy)
    s.delete(policy)
    s.flush()
    uow.audit("policy.delete", "dunning_policy", policy_id, before, None)


def set_default(uow: UnitOfWork, policy_id: int) -> DunningPolicy:
    uow.require(POLICY_EDITORS, "仅管理员或法务可编辑催收策略", "Only an administrator or legal may edit policies")
    s = uow.session
    policy = s.get(DunningPolicy, policy_id, with_for_update=True)
    if policy is None:
        raise NotFound("催收策略", "dunning policy", policy_id)
    previous = find_default(s)
    s.execute(update(DunningPolicy).where(DunningPolicy.id != policy_id, DunningPolicy.is_default.is_(True))
              .values(is_default=False, updated_at=uow.now()))
    policy.is_default, policy.updated_at = True, uow.now()
    s.flush()
    uow.audit("policy.set_default", "dunning_policy", policy.id,
              {"default": None if previous is None else previous.id}, {"default": policy.id})
    return policy


def _settings_row(uow: UnitOfWork, customer_id: int) -> tuple[Customer, CustomerDunning]:
    uow.require(SETTINGS_EDITORS, "无权修改客户的催收设置", "You may not change a customer's dunning settings")
    s = uow.session
    customer = s.get(Customer, customer_id, with_for_update=True)
    if customer is None:
        raise NotFound("客户", "customer", customer_id)
    row = s.get(CustomerDunning, customer_id, with_for_update=True)
    if row is None:
        row = CustomerDunning(customer_id=customer_id, policy_id=None, statement_schedule="monthly",
                              updated_at=uow.now())
        s.add(row)
        s.flush()
    return customer, row


def assign_policy(uow: UnitOfWork, customer_id: int, policy_id: int | None) -> CustomerDunning:
    """The customer's own policy; ``None`` goes back to the default."""
    customer, row = _settings_row(uow, customer_id)
    if policy_id is not None and uow.session.get(DunningPolicy, policy_id) is None:
        raise invalid("policy_id", "unknown_policy", f"没有编号为 {policy_id} 的策略", f"no policy with id {policy_id}")
    before = row.policy_id
    row.policy_id, row.updated_at = policy_id, uow.now()
    uow.session.flush()
    uow.audit("customer.dunning_policy", "customer", customer.id, {"policy_id": before}, {"policy_id": policy_id})
    return row


def set_do_not_dun(uow: UnitOfWork, customer_id: int, on: bool, reason: str = "") -> Customer:
    customer, _row = _settings_row(uow, customer_id)
    before = customer.do_not_dun
    customer.do_not_dun = on
    uow.session.flush()
    uow.audit("customer.do_not_dun", "customer", customer.id, {"do_not_dun": before},
              {"do_not_dun": on, "reason": reason})
    return customer


def set_statement_schedule(uow: UnitOfWork, customer_id: int, schedule: str) -> CustomerDunning:
    if schedule not in SCHEDULES:
        raise invalid("statement_schedule", "unknown_schedule", "对账周期应为 monthly、quarterly 或 none",
                      "the statement schedule must be monthly, quarterly or none")
    customer, row = _settings_row(uow, customer_id)
    before = row.statement_schedule
    row.statement_schedule, row.updated_at = schedule, uow.now()
    uow.session.flush()
    uow.audit("customer.statement_schedule", "customer", customer.id, {"statement_schedule": before},
              {"statement_schedule": schedule})
    return row


def ladders(uow: UnitOfWork) -> tuple[dict[int, Ladder], Ladder]:
    """Every policy read for the run (by id), and the default's ladder."""
    default = default_policy(uow)
    by_id = {p.id: ladder_of(p) for p in list_policies(uow.session)}
    return by_id, (by_id[default.id] if default is not None else default_ladder())
