"""A case's evidence items as people work on them: list, include or exclude, reorder, rename, say
what each proves, add an uploaded file; and the included items as the ``BundleSpec`` to build.

Who: clerks, the legal team and administrators work on every case; a lawyer only on the cases of
the customers assigned to them (``Customer.assigned_lawyer_id``), anyone else's is a 403 (issue 16).
Every change is in the audit log with what it was before.

An upload's type is read from its bytes (PDF, JPEG, PNG, TIFF, DOCX, or an email as .eml), never
from its name; its name is reduced to a safe base name with the extension of what it really is.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from email.parser import BytesHeaderParser
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from sqlalchemy import select

from workflow.accounts.models import Role
from workflow.cases.lifecycle import case_by_ref
from workflow.cases.models import DunningCase
from workflow.cases.service import REF_SHAPE
from workflow.errors import Conflict, DomainError, Forbidden, NotFound, TooLarge, invalid
from workflow.evidence.collect import (
    GROUP_TITLES,
    PURPOSES,
    Sources,
    _slot,
    case_language,
    collect,
    creditor_and_debtor,
    ordered,
    renumber,
)
from workflow.evidence.models import EvidenceItem, Group
from workflow.evidence.preflight import preflight
from workflow.evidence.spec import DOCX, EML, JPEG, PDF, PNG, TIFF, BundleSpec, ItemSpec, SourceFile
from workflow.filestore import sha256_hex
from workflow.ledger.attachments import check_filename, sniff
from workflow.ledger.models import Customer, Invoice
from workflow.unit_of_work import UnitOfWork

EVIDENCE_WORKERS = frozenset({Role.CLERK, Role.LEGAL, Role.ADMIN, Role.LAWYER})
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png", TIFF: ".tif", DOCX: ".docx", EML: ".eml"}
GROUP_PURPOSE = {Group.CONTRACT: "contract", Group.INVOICES: "invoices", Group.STATEMENTS: "confirmation",
                 Group.LETTERS: "letter", Group.REPLIES: "reply", Group.PAYMENTS: "payments",
                 Group.PROMISES: "promises", Group.CALCULATION: "sheet"}
_HEADER_LINE = re.compile(rb"^[!-9;-~]{1,76}:")  # an RFC 5322 field name, then the colon
MAX_NAME = 300
MAX_PURPOSE = 2000


# ---- who may see a case --------------------------------------------------------------------------

def may_see(uow: UnitOfWork, case: DunningCase) -> bool:
    """Staff see every case; a lawyer the cases of the customers assigned to them."""
    actor = uow.actor
    if actor.role not in EVIDENCE_WORKERS:
        return False
    if not actor.is_lawyer:
        return True
    lawyer = uow.session.scalar(select(Customer.assigned_lawyer_id).where(Customer.id == case.customer_id))
    return lawyer is not None and lawyer == actor.user_id


def visible_case(uow: UnitOfWork, ref: str, *, lock: bool = False) -> DunningCase:
    """The case, or 403 for a lawyer it is not assigned to. ``lock``: changes to a case's items are
    made one at a time (positions are renumbered across the whole list)."""
    if not REF_SHAPE.fullmatch(ref.strip()):
        raise NotFound("案件", "case", ref[:40])
    case = case_by_ref(uow, ref)
    if not may_see(uow, case):
        raise Forbidden("您无权查看本案的证据材料", "You may not see this case's evidence")
    if lock:
        uow.session.get(DunningCase, case.id, with_for_update=True, populate_existing=True)
    return case


# ---- uploads -------------------------------------------------------------------------------------

def sniff_upload(data: bytes) -> str | None:
    """What the bytes really are, among the types a bundle takes; None for anything else."""
    known = sniff(data)
    if known is not None:
        return known
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    return EML if _looks_like_email(data) else None


def _looks_like_email(data: bytes) -> bool:
    """An RFC 5322 message: header lines from the first byte, a blank line, and From plus Date or
    Message-ID among the headers."""
    head, sep, _ = data[:256 * 1024].partition(b"\r\n\r\n")
    if not sep:
        head, sep, _ = data[:256 * 1024].partition(b"\n\n")
    if not sep or not _HEADER_LINE.match(head):
        return False
    headers = BytesHeaderParser().parse(io.BytesIO(head + b"\n\n"))
    return headers.get("From") is not None and (headers.get("Date") is not None
                                                 or headers.get("Message-ID") is not None)


def safe_filename(name: str | None, content_type: str) -> str:
    """The base name only (no client path), never empty, ending in the extension of the content."""
    check_filename(name)
    # no leading dots: a name like "..." or ".htaccess" is no name to save a file under
    base = PureWindowsPath(PurePosixPath(name or "").name).name.strip().lstrip(".").strip()[:200]
    ext = EXTENSIONS[content_type]
    if not base:
        return "upload" + ext
    lower = base.lower()
    same = {".jpg": (".jpg", ".jpeg"), ".tif": (".tif", ".tiff")}.get(ext, (ext,))
    return base if lower.endswith(same) else base + ext


# ---- describing ----------------------------------------------------------------------------------

def describe(item: EvidenceItem, problem: str | None = None) -> dict[str, Any]:
    return {
        "id": item.id, "position": item.position, "group": item.group, "kind": item.kind, "ref": item.ref,
        "name": item.name, "source": item.source, "purpose": item.purpose, "included": item.included,
        "edited": item.edited, "files": [dict(f) for f in item.files], "problem": problem,
        "updated_at": item.updated_at.isoformat(),
    }


def _snapshot(item: EvidenceItem) -> dict[str, Any]:
    return {"position": item.position, "name": item.name, "purpose": item.purpose, "included": item.included,
            "group": item.group}


@dataclass(frozen=True)
class Edit:
    included: bool | None = None
    name: str | None = None
    purpose: str | None = None
    position: int | None = None


class EvidenceItems:
    """The use cases on a case's items; built once in the composition root with its ports."""

    def __init__(self, sources: Sources, max_upload_bytes: int) -> None:
        self.sources = sources
        self.max_upload_bytes = max_upload_bytes

    def collect(self, uow: UnitOfWork, ref: str) -> tuple[DunningCase, list[EvidenceItem]]:
        """The case's items, brought up to date with its records (a writing unit of work)."""
        case = visible_case(uow, ref)
        before = {i.ref for i in ordered(uow.session, case.id)}
        items = collect(uow, case.id, self.sources)
        after = {i.ref for i in items}
        if before != after:
            uow.audit("evidence.collect", "dunning_case", case.id, {"items": len(before)},
                      {"items": len(after), "added": sorted(after - before), "dropped": sorted(before - after)})
        return case, items

    def problems(self, items: Iterable[EvidenceItem]) -> dict[int, str]:
        """The pre-flight report: item id → what stops its originals going into a bundle as they are."""
        return item_problems(items, self.sources, self.max_upload_bytes)

    def update(self, uow: UnitOfWork, ref: str, item_id: int, edit: Edit) -> EvidenceItem:
        case = visible_case(uow, ref, lock=True)
        s = uow.session
        item = s.get(EvidenceItem, item_id, with_for_update=True)
        if item is None or item.case_id != case.id:
            raise NotFound("证据", "evidence item", item_id)
        before = _snapshot(item)
        now = uow.now()
        if edit.included is not None:
            item.included = edit.included
        if edit.name is not None:
            item.name = _text("name", edit.name, MAX_NAME)
            item.edited = True
        if edit.purpose is not None:
            item.purpose = _text("purpose", edit.purpose, MAX_PURPOSE)
            item.edited = True
        if edit.position is not None:
            order = [i for i in ordered(s, case.id) if i.id != item.id]
            if not 1 <= edit.position <= len(order) + 1:
                raise invalid("position", "out_of_range", f"位置应在 1 到 {len(order) + 1} 之间",
                              f"position must be between 1 and {len(order) + 1}")
            order.insert(edit.position - 1, item)
            renumber(order, now)
            item.edited = True
        after = _snapshot(item)
        if after != before:
            item.updated_at = now
            s.flush()
            uow.audit("evidence.update", "evidence_item", item.id, before, after)
        return item

    def upload(self, uow: UnitOfWork, ref: str, filename: str | None, data: bytes, *, name: str | None,
               purpose: str | None, group: str) -> EvidenceItem:
        """A file a person adds to the case's evidence (a scan of a delivery note, a 回执, an email)."""
        case = visible_case(uow, ref, lock=True)
        if group not in {g.value for g in Group}:
            raise invalid("group", "unknown", f"证据组应为：{'、'.join(g.value for g in Group)}",
                          f"group must be one of: {', '.join(g.value for g in Group)}")
        if len(data) > self.max_upload_bytes:
            raise TooLarge("file", self.max_upload_bytes)
        if not data:
            raise invalid("file", "empty", "文件为空", "the file is empty")
        content_type = sniff_upload(data)
        if content_type is None:
            raise invalid("file", "forbidden_type", "只接受 PDF、JPEG、PNG、TIFF、DOCX 或 EML 文件",
                          "only PDF, JPEG, PNG, TIFF, DOCX or EML files are accepted")
        clean = safe_filename(filename, content_type)
        s = uow.session
        sha = sha256_hex(data)
        ref_key = f"upload:{sha}"
        if s.scalar(select(EvidenceItem.id).where(EvidenceItem.case_id == case.id, EvidenceItem.ref == ref_key)):
            raise Conflict("该文件已在本案证据中", "This file is already among the case's evidence",
                           [])
        self.sources.files.put(data)
        en = case_language(s, case) == "en"
        zh_p, en_p = PURPOSES[GROUP_PURPOSE[Group(group)]]
        now = uow.now()
        item = EvidenceItem(
            case_id=case.id, position=0, group=group, kind="upload", ref=ref_key,
            name=_text("name", name, MAX_NAME) if name else clean,
            source=f"Uploaded by {uow.actor.username}" if en else f"上传人：{uow.actor.username}",
            purpose=_text("purpose", purpose, MAX_PURPOSE) if purpose else (en_p if en else zh_p),
            included=True, files=[{"sha256": sha, "filename": clean, "content_type": content_type}],
            edited=True, created_at=now, updated_at=now)
        s.add(item)
        order = ordered(s, case.id)
        order.insert(_slot(order, group), item)
        renumber(order, now)
        s.flush()
        uow.audit("evidence.upload", "evidence_item", item.id, None,
                  {**_snapshot(item), "sha256": sha, "filename": clean, "content_type": content_type,
                   "size": len(data), "case_id": case.id})
        return item

    def to_spec(self, uow: UnitOfWork, case_id: int, submitter: str) -> BundleSpec:
        return to_spec(uow, case_id, submitter, self.sources, self.max_upload_bytes)


def _text(field: str, value: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise invalid(field, "empty", "不能为空", "must not be empty")
    if len(value) > limit:
        raise invalid(field, "too_long", f"不能超过 {limit} 个字符", f"at most {limit} characters")
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise invalid(field, "control_character", "含有控制字符", "contains a control character")
    return value


def item_problems(items: Iterable[EvidenceItem], sources: Sources, max_bytes: int) -> dict[int, str]:
    items = list(items)
    found = preflight([SourceFile(f["sha256"], f["filename"], f["content_type"]) for i in items for f in i.files],
                      sources.files, max_bytes)
    out: dict[int, str] = {}
    for item in items:
        if not item.files:
            out[item.id] = "没有可附的原件 / no original file to attach"
            continue
        named = [f"{f['filename']}: {found[f['sha256']]}" for f in item.files if f["sha256"] in found]
        if named:
            out[item.id] = "; ".join(named)
    return out


def to_spec(uow: UnitOfWork, case_id: int, submitter: str, sources: Sources, max_bytes: int) -> BundleSpec:
    """The case's included items in order, numbered 1, 2, ...; an item whose originals fail the
    pre-flight check carries the problem, so the bundle shows a page naming it instead of dropping it.
    The items are brought up to date first when ``uow`` may write (a read-only one takes them as stored)."""
    s = uow.session
    case = s.get(DunningCase, case_id)
    if case is None:
        raise NotFound("案件", "case", case_id)
    items = collect(uow, case_id, sources) if not uow.read_only else ordered(s, case_id)
    included = [i for i in items if i.included]
    problems = item_problems(included, sources, max_bytes)
    language = case_language(s, case)
    en = language == "en"
    creditor, debtor = creditor_and_debtor(s, case)
    specs = tuple(
        ItemSpec(number=n, group=i.group, group_title=_group_title(i.group, en), name=i.name, source=i.source,
                 purpose=i.purpose, files=tuple(SourceFile(f["sha256"], f["filename"], f["content_type"])
                                                for f in i.files),
                 problem=problems.get(i.id))
        for n, i in enumerate(included, start=1))
    return BundleSpec(
        case_ref=case.ref, title=f"{case.ref} {'Evidence' if en else '证据材料'}",
        parties={"creditor": (creditor.legal_name_en or creditor.legal_name) if en else creditor.legal_name,
                 "debtor": (debtor.legal_name_en or debtor.legal_name) if en else debtor.legal_name},
        claim_amount=claim_amount(uow, case, sources), currency=case.currency, submitter=submitter,
        submitted_on=uow.today(), items=specs, language=language)


def _group_title(group: str, en: bool) -> str:
    zh, eng = GROUP_TITLES.get(group, (group, group))
    return eng if en else zh


def claim_amount(uow: UnitOfWork, case: DunningCase, sources: Sources) -> str:
    """Principal and interest outstanding in the case's currency; the principal alone (from the
    ledger) when the interest cannot be computed (rates not loaded for the period)."""
    try:
        claim = sources.claim(uow, case.customer_id, uow.today(), case.creditor_id)
    except DomainError:
        claim = None
    if claim is not None:
        for total in claim.get("totals", []):
            if total.get("currency") == case.currency:
                return str(total["total"])
    rows = uow.session.execute(select(Invoice.amount, Invoice.paid_amount, Invoice.credited_amount).where(
        Invoice.customer_id == case.customer_id, Invoice.creditor_id == case.creditor_id,
        Invoice.currency == case.currency, Invoice.written_off.is_(False)))
    owed = sum((max(Decimal(0), a - p - c) for a, p, c in rows), Decimal("0.00"))
    return format(owed.quantize(Decimal("0.01")), "f")
