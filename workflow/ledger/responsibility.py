"""Who answers for collecting a debt: the salesperson (业务员) who sold on credit, and the collection
clerk (催收员) who chases it.

Each customer has a salesperson (``Customer.salesperson_id``) and a collection clerk
(``Customer.assigned_clerk_id``); a contract, and an invoice, may name others
(``salesperson_id``, ``collector_id``). The effective people of an invoice are the invoice's, else
its contract's, else its customer's: ``effective_salesperson()`` and ``effective_collector()`` say
so once, as SQL, for the KPIs (ledger/collectors.py) and the visibility of a salesperson
(ledger/access.py).

People are named as clerks' spreadsheets name them: by login name, employee number (工号) or
display name. A name nobody has, or one two people share, is a 422 naming the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from workflow.accounts.models import Role, User
from workflow.errors import FieldProblem, ValidationFailed
from workflow.ledger.balances import balance_fen
from workflow.ledger.models import Contract, Customer, Invoice

# who may be named as a customer's salesperson: salespeople, and staff who sell themselves in a small firm
SALES_ROLES = frozenset({Role.SALES, Role.CLERK, Role.LEGAL, Role.ADMIN})
# who may chase a debt (the same people as a customer's assigned clerk)
COLLECTOR_ROLES = frozenset({Role.CLERK, Role.LEGAL, Role.ADMIN})

ROLE_NAMES = {Role.SALES: "业务员", Role.CLERK: "催收专员", Role.LEGAL: "法务", Role.ADMIN: "管理员",
              Role.LAWYER: "律师"}


@dataclass(frozen=True)
class Named:
    """A person named in input: the user, or why nobody could be taken for them."""

    user_id: int | None
    problem: FieldProblem | None = None


@dataclass
class People:
    """Every user, indexed the three ways a spreadsheet names them (users are few: one query)."""

    by_username: dict[str, User] = field(default_factory=dict)
    by_employee_no: dict[str, User] = field(default_factory=dict)
    by_name: dict[str, list[User]] = field(default_factory=dict)
    by_id: dict[int, User] = field(default_factory=dict)

    @classmethod
    def load(cls, s: Session) -> People:
        people = cls()
        for u in s.scalars(select(User).order_by(User.id)):
            people.by_id[u.id] = u
            people.by_username[u.username.lower()] = u
            if u.employee_no:
                people.by_employee_no[u.employee_no.strip().lower()] = u
            people.by_name.setdefault(_name_key(u.display_name), []).append(u)
        return people

    def find(self, fld: str, text: str, roles: Iterable[Role]) -> Named:
        """The one user ``text`` names, by login name, employee number or display name (in that
        order), who is active and holds one of ``roles``; else the problem, for field ``fld``."""
        wanted = (text or "").strip()
        if not wanted:
            return Named(None)
        key = wanted.lower()
        user = self.by_username.get(key) or self.by_employee_no.get(key)
        if user is None:
            same = self.by_name.get(_name_key(wanted), [])
            active = [u for u in same if u.active] or same
            if len(active) > 1:
                who = ", ".join(f"{u.username}" + (f"/{u.employee_no}" if u.employee_no else "") for u in active)
                return Named(None, FieldProblem(
                    fld, "ambiguous_person",
                    f"有多个用户叫“{wanted}”（{who}），请填写登录名或工号",
                    f"several users are called \u201c{wanted}\u201d ({who}): give the login name or employee number"))
            user = active[0] if active else None
        if user is None:
            return Named(None, FieldProblem(
                fld, "unknown_person", f"没有登录名、工号或姓名为“{wanted}”的用户",
                f"no user has the login name, employee number or name \u201c{wanted}\u201d"))
        return self.check(fld, user, roles)

    def check(self, fld: str, user: User | None, roles: Iterable[Role], ident: object = None) -> Named:
        if user is None:
            return Named(None, FieldProblem(fld, "unknown_user", f"无此用户：{ident}", f"no such user: {ident}"))
        if not user.active:
            return Named(None, FieldProblem(fld, "inactive_user", f"用户 {user.display_name}（{user.username}）已停用",
                                            f"user {user.display_name} ({user.username}) is deactivated"))
        allowed = frozenset(roles)
        if Role(user.role) not in allowed:
            zh = "、".join(ROLE_NAMES.get(r, r.value) for r in sorted(allowed))
            en = ", ".join(sorted(r.value for r in allowed))
            return Named(None, FieldProblem(
                fld, "wrong_role", f"{user.display_name}（{user.username}）的角色是 {user.role}，应为：{zh}",
                f"{user.display_name} ({user.username}) is a {user.role}; expected one of: {en}"))
        return Named(user.id)


def _name_key(name: str) -> str:
    # "王 建国" and "王建国" are one name; Latin names ignore case
    return "".join((name or "").split()).lower()


def resolve_person(s: Session, fld: str, text: str, roles: Iterable[Role]) -> int:
    """The id of the active user ``text`` names (login name, employee number or display name), who
    holds one of ``roles``; a 422 naming ``fld`` otherwise."""
    named = People.load(s).find(fld, text, roles)
    if named.problem is not None:
        raise ValidationFailed([named.problem])
    assert named.user_id is not None
    return named.user_id


# the people fields of each record: name field → (id column, roles)
PEOPLE_FIELDS: dict[str, dict[str, tuple[str, frozenset[Role]]]] = {
    "customer": {"salesperson": ("salesperson_id", SALES_ROLES), "collector": ("assigned_clerk_id", COLLECTOR_ROLES)},
    "contract": {"salesperson": ("salesperson_id", SALES_ROLES), "collector": ("collector_id", COLLECTOR_ROLES)},
    "invoice": {"salesperson": ("salesperson_id", SALES_ROLES), "collector": ("collector_id", COLLECTOR_ROLES)},
}


def take_people(s: Session, record: str, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (a create body or a patch's changes) with the people it names by name turned into
    ids, and every id checked: an active user of the right role. Naming one person twice (by name and
    by id) is refused; a null id clears the person."""
    out = dict(data)
    people: People | None = None
    problems: list[FieldProblem] = []
    for name_field, (id_field, roles) in PEOPLE_FIELDS[record].items():
        text = out.pop(name_field, None)
        if text is not None:
            if out.get(id_field) is not None:
                problems.append(FieldProblem(name_field, "named_twice", f"请只填写 {name_field} 或 {id_field} 之一",
                                             f"give either {name_field} or {id_field}, not both"))
                continue
            people = people or People.load(s)
            named = people.find(name_field, text, roles)
            if named.problem is not None:
                problems.append(named.problem)
                continue
            out[id_field] = named.user_id
        elif out.get(id_field) is not None:
            ident = out[id_field]
            named = People().check(id_field, s.get(User, ident), roles, ident)
            if named.problem is not None:
                problems.append(named.problem)
    if problems:
        raise ValidationFailed(problems)
    return out


# ---- the effective people of an invoice -------------------------------------------------------------

def effective_salesperson() -> ColumnElement[Any]:
    """The invoice's salesperson, else its contract's, else its customer's (a query joining
    Invoice, outer-joined Contract, and Customer)."""
    return func.coalesce(Invoice.salesperson_id, Contract.salesperson_id, Customer.salesperson_id)


def effective_collector() -> ColumnElement[Any]:
    """The invoice's collector, else its contract's, else its customer's collection clerk."""
    return func.coalesce(Invoice.collector_id, Contract.collector_id, Customer.assigned_clerk_id)


def salesperson_of_customer(s: Session, customer_id: int) -> User | None:
    """The customer's salesperson (the one named on the customer), if any."""
    uid = s.scalar(select(Customer.salesperson_id).where(Customer.id == customer_id))
    return s.get(User, uid) if uid is not None else None


def salespeople_of_debt(s: Session, creditor_id: int, customer_id: int) -> list[User]:
    """The effective salespeople of the customer's open invoices with this creditor (a letter about
    them concerns each one), else the customer's salesperson."""
    ids = sorted(set(s.scalars(
        select(effective_salesperson()).select_from(Invoice)
        .join(Customer, Customer.id == Invoice.customer_id)
        .outerjoin(Contract, Contract.id == Invoice.contract_id)
        .where(Invoice.creditor_id == creditor_id, Invoice.customer_id == customer_id,
               Invoice.written_off.is_(False), balance_fen() > 0).distinct())) - {None})
    if not ids:
        one = salesperson_of_customer(s, customer_id)
        return [one] if one is not None else []
    return [u for u in (s.get(User, i) for i in ids) if u is not None]


def describe_person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "employee_no": user.employee_no}
