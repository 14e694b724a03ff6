"""Imports every room's tables so that Base.metadata is complete (Alembic, create_all)."""

from workflow.accounts import models as accounts_models
from workflow.audit import models as audit_models
from workflow.calc import models as calc_models  # noqa: F401
from workflow.cases import models as cases_models
from workflow.credit import models as credit_models
from workflow.db import Base
from workflow.documents import models as documents_models
from workflow.evidence import models as evidence_models
from workflow.ledger import models as ledger_models
from workflow.mail import inbound as inbound_models
from workflow.mail import models as mail_models

__all__ = ["Base", "accounts_models", "audit_models", "cases_models", "credit_models", "documents_models",
           "evidence_models", "inbound_models", "ledger_models", "mail_models"]
