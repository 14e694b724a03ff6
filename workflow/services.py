"""The composition root's second half: every service, built once per process from ``Core``.

Web handlers, CLI commands and jobs get a service from ``core.services`` and nowhere else; the
business packages (ledger, documents, calc, claim, accounts...) never import ``core`` — they receive
the ports they need (clock, file store, PDF converter...) here, and a ``UnitOfWork`` per call.
Process-wide state (template registry and render cache, render worker, LibreOffice pool) is owned
here and released by ``close()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from workflow.accounts.service import Accounts
from workflow.calc.schemas import ClaimQuery
from workflow.calc.service import LawData
from workflow.cases.holds import Webhook
from workflow.cases.run import DunningRun
from workflow.cases.service import CaseService
from workflow.claim.service import ClaimService
from workflow.credit.rating import Thresholds, parse_weights
from workflow.credit.service import CreditService, notify_salesperson
from workflow.documents.pdf import PdfConverter, make_converter
from workflow.documents.registry import TemplateRegistry
from workflow.documents.render import TemplateCache
from workflow.documents.service import DocumentService
from workflow.documents.worker import RenderWorker
from workflow.evidence.collect import Sources
from workflow.evidence.items import EvidenceItems
from workflow.evidence.service import Bundles, assemble_pdf
from workflow.jobs import JOBS_ACTOR
from workflow.ledger.attachments import Attachments
from workflow.ledger.imports import Importer
from workflow.mail.outbox import Outbox
from workflow.mail.replies import Inbox, classify_message
from workflow.mail.transport import make_transport

if TYPE_CHECKING:
    from workflow.core import Core


@dataclass
class Services:
    pdf: PdfConverter  # LibreOffice (a pool of long-lived offices), or the null converter
    render_worker: RenderWorker  # the limited process that checks and renders uploaded templates
    templates: TemplateRegistry  # template versions, shipped and uploaded, and the render cache
    documents: DocumentService  # generated documents: DOCX in the unit of work, PDF after it
    claims: ClaimService  # a customer's claim and its 利息计算表
    accounts: Accounts  # users, API tokens, browser sessions and login throttling
    calc: LawData  # the law calculators, their calendar and rate table
    importer: Importer  # ledger imports, with the upload cap
    attachments: Attachments  # files of contracts and invoices, creditors' seals
    cases: CaseService  # dunning cases: clerk actions, lawyer's letter approval, credit hold and its webhook
    outbox: Outbox  # outgoing mail: queued in the unit of work, sent by a job after commit
    dunning: DunningRun  # the daily run: decide, make and queue each customer's letter of the day
    inbox: Inbox  # replies: the mailbox read without loss, each reply matched to its case, the case moved
    bundles: Bundles  # evidence bundles: asked for in a request, built (PDF, ZIP, manifest) by a job
    evidence: EvidenceItems  # a case's evidence items: collected from its records, chosen and ordered by people
    credit: CreditService  # credit ratings recomputed daily, orders for the exposure, hold recommendations

    def close(self) -> None:
        """Release process-wide state: helper processes, caches."""
        self.render_worker.close()
        self.pdf.close()
        self.outbox.close()


def build_services(core: Core) -> Services:
    law = LawData()
    pdf = core.pdf_port or make_converter(core.settings)
    worker = RenderWorker()
    templates = TemplateRegistry(core.files, worker, core.template_cache or TemplateCache(),
                                 shipped_dir=core.settings.templates_dir,
                                 max_template_bytes=core.settings.max_template_bytes)
    documents = DocumentService(templates, core.files, pdf, core.unit_of_work)
    claims = ClaimService(law, documents)
    # a job POSTs the webhook after commit (the sweep retries it); none when no URL is set
    webhook = (Webhook(core.settings.credit_hold_webhook_url, core.settings.webhook_secret, core.unit_of_work)
               if core.settings.credit_hold_webhook_url else None)
    if webhook is not None:  # each committed delivery becomes a job (inline, or on a worker)
        webhook.schedule = lambda did: core.jobs.enqueue("mail", "deliver_webhook", did, job_id=f"webhook-{did}")
    cases = CaseService(documents, lambda u, c, d, cr: claims.claim(u, c, ClaimQuery(as_of=d, creditor_id=cr)),
                        lambda: core.services.outbox, webhook)
    evidence = EvidenceItems(Sources(core.files, lambda u, c, d, cr: claims.claim(
        u, c, ClaimQuery(as_of=d, creditor_id=cr)), documents), core.settings.max_upload_bytes)
    return Services(
        pdf=pdf, render_worker=worker, templates=templates, documents=documents,
        claims=claims, cases=cases,
        dunning=DunningRun(law, documents, lambda: core.services.outbox,
                           lambda u, c, d, cr: claims.claim(u, c, ClaimQuery(as_of=d, creditor_id=cr)),
                           cases.set_credit_hold, core.unit_of_work, core.settings, core.settings.run_hour),
        accounts=Accounts(token_days=core.settings.token_days,
                          session_idle=timedelta(hours=core.settings.session_idle_hours)),
        calc=law, importer=Importer(core.settings.max_upload_bytes, core.settings.payment_future_days),
        attachments=Attachments(core.files, core.settings.max_upload_bytes), evidence=evidence,
        bundles=Bundles(files=core.files, pdf=pdf, unit_of_work=core.unit_of_work, spec_of=evidence.to_spec,
                        assemble=assemble_pdf, actor=JOBS_ACTOR,
                        enqueue_build=lambda bid: core.jobs.enqueue("documents", "build_bundle", bid,
                                                                    job_id=f"bundle-{bid}")),
        credit=CreditService(core.unit_of_work, cases.set_credit_hold, core.settings.tz,
                             parse_weights(core.settings.credit_weights),
                             Thresholds(core.settings.credit_grade_a, core.settings.credit_grade_b,
                                        core.settings.credit_grade_c), notify=notify_salesperson),
        inbox=Inbox(settings=core.settings, files=core.files, unit_of_work=core.unit_of_work,
                    classify=classify_message, outbox=lambda: core.services.outbox),
        outbox=Outbox(settings=core.settings, files=core.files, transport=make_transport(core.settings),
                      unit_of_work=core.unit_of_work, calendar=law.calendar,
                      enqueue_send=lambda oid: core.jobs.enqueue("mail", "send_outbox", oid,
                                                                 job_id=f"outbox-{oid}"),
                      transport_factory=lambda: make_transport(core.settings)))
