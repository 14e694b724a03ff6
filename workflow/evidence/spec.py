"""The evidence bundle's shared interface: what to put in (a BundleSpec) and what came out.

The collector turns a case into a ``BundleSpec``; ``assemble`` (in ``assemble.py``) turns the spec
and the file store into one paginated PDF and its manifest; ``preflight`` (in ``preflight.py``)
names the originals that cannot go in as they are. Nothing here touches the database, so a spec
can be built, edited by a lawyer (order, names, purposes) and assembled again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
TIFF = "image/tiff"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EML = "message/rfc822"
TEXT = "text/plain"
IMAGE_TYPES = frozenset({JPEG, PNG, TIFF})
SUPPORTED_TYPES = frozenset({PDF, JPEG, PNG, TIFF, DOCX, EML, TEXT})


@dataclass(frozen=True)
class SourceFile:
    """One original behind an item, by its key in the file store."""

    sha256: str
    filename: str
    content_type: str  # one of SUPPORTED_TYPES; anything else becomes a problem page


@dataclass(frozen=True)
class ItemSpec:
    number: int  # 序号 as printed in the 证据目录
    group: str  # stable key of the group ("contract", "invoices"...): bookmarks nest under it
    group_title: str  # the group's printed title (证据组 heading and bookmark)
    name: str  # 证据名称
    source: str  # 来源
    purpose: str  # 证明目的
    files: tuple[SourceFile, ...]  # rendered in order; an email becomes its page + raw-headers appendix
    problem: str | None = None  # pre-flight problem: the item is rendered as one page naming it


@dataclass(frozen=True)
class BundleSpec:
    case_ref: str
    title: str
    parties: dict[str, str]  # "creditor", "debtor" → full legal names (other roles may be added)
    claim_amount: str  # decimal string, e.g. "128450.00"
    currency: str
    submitter: str
    submitted_on: date
    items: tuple[ItemSpec, ...]
    language: str = "zh"
    meta: dict[str, str] = field(default_factory=dict)  # optional extra cover lines (court, case number)


@dataclass(frozen=True)
class BuiltBundle:
    pdf_path: Path
    page_count: int
    manifest: dict[str, Any]  # items → files (sha256, filename), page ranges
