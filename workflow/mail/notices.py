"""Internal notices: an email to one of our own users (a salesperson told that their customer's case
is about to get a sterner letter, a grade change of a customer's credit rating).

A notice is an outbox row like any letter, so it is sent with the outbox's lease, retries and proof
(``mail/outbox.py``): the minute sweep picks it up, a permanent failure leaves it ``failed`` in the
outbox for staff to see. What sets it apart from a letter to a debtor:

- ``kind`` is ``internal_notice``, ``customer_id`` is empty and ``user_id`` names the recipient: the
  contact caps count automated mail per debtor (``automated_contacts``, ``cases/contact.py``) and the
  limitation evidence counts delivered demand kinds only (``claim/evidence.py``), so a notice is
  neither a contact with the debtor nor a demand;
- it is not automated in the outbox's sense: it goes at once, not within the debtor's contact hours;
- Reply-To is our plain address (no case ref), so an answer is never taken for the debtor's reply;
- ``notice_key`` is unique: asking twice with one key gives the first row back, and the database
  refuses a second row even from another process.

A user without an email address gets no mail; the audit log says so (once per key), and so does a
case note when the caller names the case.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from workflow.accounts.models import User
from workflow.audit.models import AuditEntry
from workflow.cases.models import CaseNote, DunningCase
from workflow.db import cents_to_decimal
from workflow.errors import NotFound
from workflow.ledger.balances import balance_fen
from workflow.ledger.models import Customer, Invoice
from workflow.ledger.responsibility import salespeople_of_debt
from workflow.mail.compose import new_token
from workflow.mail.models import OutboxMessage, OutboxStatus
from workflow.mail.texts import label
from workflow.unit_of_work import UnitOfWork

KIND = "internal_notice"
NO_ADDRESS = "notice.no_address"


def provisional_message_id() -> str:
    """The row's Message-ID until the outbox claims it: the column is unique and required, and the
    outbox replaces it by one of our domain before any byte is sent (``Outbox._address_notice``)."""
    return f"<N.{new_token()}@unaddressed>"


def language_of(user: User) -> str:
    """``en`` for a user whose profile is in English, else ``zh``."""
    return "en" if (user.locale or "").lower().startswith("en") else "zh"


def notify_user(uow: UnitOfWork, user_id: int, *, key: str, subject: tuple[str, str], body: tuple[str, str],
                case_id: int | None = None) -> OutboxMessage | None:
    """Queue ``subject``/``body`` (each ``(zh, en)``) to the user, in the language of their profile,
    once per ``key``; the row, or None when the user has no email address (then an audit entry, and a
    case note on ``case_id`` if given, say that no notice went out).

    Our sender address is a setting this room does not see: the row is queued without it and the
    outbox fills in the sender, Reply-To and Message-ID when it claims the row, in the transaction
    that commits them before any byte is sent (``Outbox._address_notice``)."""
    s = uow.session
    user = s.get(User, user_id)
    if user is None:
        raise NotFound("用户", "user", user_id)
    existing = s.scalar(select(OutboxMessage).where(OutboxMessage.notice_key == key))
    if existing is not None:
        return existing
    language = language_of(user)
    pick = 1 if language == "en" else 0
    email = (user.email or "").strip()
    if not email or "@" not in email or not email.isascii():
        _no_address(uow, user, key, subject[pick], case_id)
        return None
    now = uow.now()
    row = OutboxMessage(
        case_id=None, customer_id=None, user_id=user.id, notice_key=key, document_id=None, kind=KIND,
        language=language, automated=False, contact_on=uow.today(),
        message_id=provisional_message_id(), sender="", reply_to="",
        recipients=[email], cc=[], subject=subject[pick][:300], body_text=body[pick],
        status=OutboxStatus.PENDING.value, attempts=0, next_attempt_at=now,
        created_by=uow.actor.username, created_at=now)
    try:
        # another process may queue the same key at this moment: its row wins, ours is dropped
        with s.begin_nested():
            s.add(row)
            s.flush()
    except IntegrityError:
        other = s.scalar(select(OutboxMessage).where(OutboxMessage.notice_key == key))
        if other is None:
            raise
        return other
    uow.audit("outbox.queue", "outbox_message", row.id, None, {
        "message_id": row.message_id, "kind": KIND, "user_id": user.id, "key": key, "language": language,
        "recipients": [email], "case_id": case_id})
    if case_id is not None:
        s.add(CaseNote(case_id=case_id, kind="system", author=uow.actor.username, created_at=now,
                       body=f"已通知 {user.display_name}（{email}）：{subject[0]} / "
                            f"{user.display_name} ({email}) notified: {subject[1]} (outbox {row.id})"))
    return row


def _no_address(uow: UnitOfWork, user: User, key: str, subject: str, case_id: int | None) -> None:
    # the audit entry doubles as the "already said so" marker for this key (entity ids are short)
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:64]
    s = uow.session
    said = s.scalar(select(AuditEntry.id).where(AuditEntry.action == NO_ADDRESS, AuditEntry.entity_id == digest))
    if said is not None:
        return
    uow.audit(NO_ADDRESS, "notice", digest, None,
              {"user_id": user.id, "username": user.username, "key": key, "subject": subject, "case_id": case_id})
    if case_id is not None:
        s.add(CaseNote(case_id=case_id, kind="system", author=uow.actor.username, created_at=uow.now(),
                       body=f"未能通知 {user.display_name}：其用户资料没有邮箱（{subject}）。 / "
                            f"{user.display_name} could not be notified: their profile has no email "
                            f"address ({subject})."))


# ---- the salesperson hears of a sterner letter first ------------------------------------------------

def tell_salespeople(uow: UnitOfWork, case: DunningCase, level: int, kind: str, *,
                     awaiting_approval: bool) -> list[OutboxMessage]:
    """Tell the salespeople of the case's open invoices (else the customer's) that level ``level``
    (a ``kind`` letter) has been decided today: once per case, level and person. Called by the run in
    the unit of work that queues the letter, so a letter that is not made tells no one."""
    s = uow.session
    customer = s.get(Customer, case.customer_id)
    if customer is None:
        return []
    owed = s.execute(select(Invoice.currency, func.sum(balance_fen())).where(
        Invoice.creditor_id == case.creditor_id, Invoice.customer_id == case.customer_id,
        Invoice.written_off.is_(False), balance_fen() > 0).group_by(Invoice.currency)
        .order_by(Invoice.currency)).all()
    amounts = "、".join(f"{cur} {cents_to_decimal(fen):,.2f}" for cur, fen in owed) or "-"
    amounts_en = ", ".join(f"{cur} {cents_to_decimal(fen):,.2f}" for cur, fen in owed) or "-"
    name_en = customer.legal_name_en or customer.legal_name
    letter_zh, letter_en = label(kind, "zh"), label(kind, "en")
    when_zh = "已生成草稿，待律师审批后发出" if awaiting_approval else "今日已排队，将在联系时段内发出"
    when_en = ("drafted and goes out once a lawyer approves it" if awaiting_approval
               else "queued today and goes out within the contact hours")
    subject = (f"【催收升级】{customer.legal_name} 将收到第 {level} 级催收函（{letter_zh}）",
               f"[Dunning] {name_en} is about to receive level {level} ({letter_en})")
    body = (
        f"您负责的客户 {customer.legal_name}（{customer.code}）的案件 {case.ref} 已升级至第 {level} 级：{letter_zh}"
        f"{when_zh}。\n未付金额：{amounts}。\n"
        "如客户已付款、已承诺付款或对账目有异议，请尽快告知催收专员或在案件中记录（通话、承诺）。\n",
        f"Case {case.ref} of your customer {name_en} ({customer.code}) has reached level {level}: the "
        f"{letter_en} is {when_en}.\nOutstanding: {amounts_en}.\n"
        "If the customer has paid, promised to pay or disputes the account, tell the collection clerk now or "
        "record it on the case (a call, a promise).\n")
    sent: list[OutboxMessage] = []
    for user in salespeople_of_debt(s, case.creditor_id, case.customer_id):
        row = notify_user(uow, user.id, key=f"salesperson:{case.id}:{level}:{user.id}", subject=subject,
                          body=body, case_id=case.id)
        if row is not None:
            sent.append(row)
    return sent
