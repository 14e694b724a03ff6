"""Outbox throughput: letters per second, PDF attached (already made), into the local SMTP server
(aiosmtpd relaying over LMTP into Dovecot), with 1 and 2 sending processes, against a baseline in
the same run: raw smtplib handing the very same bytes to the same server over one kept connection
per process.

    .venv/bin/python benchmarks/dunning_outbox.py [--letters 400] [--pdf-kib 60] [--database-url URL]

Each sender is a real ``dunning outbox send-due --until-empty`` process on a SQLite file (or the
PostgreSQL database given), so every letter pays what production pays: the lease transaction, the
composition and the stored bytes (fsync'd) before the send, the SMTP conversation, the commit of
the outcome with its audit entry. Throughput is counted from the first letter's ``sent_at`` to the
last one's (process start-up excluded; printed separately). Target: ≥ 50 letters/s per worker.
"""

from __future__ import annotations

import argparse
import os
import resource
import smtplib
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, func, select, update  # noqa: E402

from tests.conftest import FIXED_NOW, SYSTEM_ACTOR  # noqa: E402
from tests.mail.letters import CLERK, FINANCE, TINY_PDF, seed_debtor, with_pdf  # noqa: E402
from tests.mailserver import MailServers, start_mail_servers  # noqa: E402
from tests.uow import run  # noqa: E402
from workflow.clock import FixedClock  # noqa: E402
from workflow.config import Settings  # noqa: E402
from workflow.core import Core, build_core  # noqa: E402
from workflow.mail.models import OutboxAttempt, OutboxMessage  # noqa: E402
from workflow.mail.outbox import LocalRateLimiter, Outbox  # noqa: E402
from workflow.mail.transport import MemoryTransport  # noqa: E402
from workflow.migrate import upgrade  # noqa: E402
from workflow.unit_of_work import UnitOfWork  # noqa: E402

TARGET = 50.0


def _pdf(n: int, kib: int) -> bytes:
    # incompressible filler, so the attachment weighs what a real letter's PDF does
    filler = os.urandom(kib * 512).hex().encode()
    return TINY_PDF.replace(b"%%EOF", b"%" + filler + f"\n% {n}\n%%EOF".encode())


def _stage(settings: Settings, letters: int, kib: int) -> Core:
    if settings.database_url.startswith("postgresql"):  # a database of its own: emptied first
        from sqlalchemy import create_engine, text

        engine = create_engine(settings.database_url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(settings.effective_database_url)
    core = build_core(settings, clock=FixedClock(FIXED_NOW))
    run(core, SYSTEM_ACTOR, core.services.templates.sync_shipped)
    debtor = seed_debtor(core)
    outbox = Outbox(settings=settings, files=core.files, transport=MemoryTransport(), unit_of_work=core.unit_of_work,
                    calendar=core.services.calc.calendar, enqueue_send=lambda _id: None,
                    limiter=LocalRateLimiter(100_000))
    docs = [with_pdf(core, debtor.document_id, _pdf(n, kib)) for n in range(letters)]

    def queue_all(uow: UnitOfWork) -> None:
        for doc in docs:
            outbox.queue(uow, customer_id=debtor.customer_id, case_id=debtor.case_id, document_id=doc,
                         kind="dunning_letter_1", language="zh", automated=False, contact_on=uow.today(),
                         not_before=datetime(2020, 1, 1, tzinfo=UTC))

    run(core, CLERK, queue_all)
    return core


def _reset(core: Core) -> None:
    """Every row pending again and not yet composed: the next round composes and sends them all."""
    with core.unit_of_work(SYSTEM_ACTOR) as uow:
        uow.session.execute(delete(OutboxAttempt))
        uow.session.execute(update(OutboxMessage).values(
            status="pending", attempts=0, raw_sha256=None, raw_size=None, sent_at=None, smtp_reply=None,
            lease_owner=None, lease_until=None, next_attempt_at=datetime(2020, 1, 1, tzinfo=UTC)))


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUNNING_")}
    env.update({"DUNNING_INSTANCE_PATH": str(settings.instance_path),
                "DUNNING_DATABASE_URL": settings.effective_database_url, "DUNNING_MAIL_TRANSPORT": "smtp",
                "DUNNING_SMTP_URL": settings.smtp_url, "DUNNING_SMTP_RATE_PER_MINUTE": "100000",
                "DUNNING_PDF_CONVERTER": "none", "DUNNING_SECRET_KEY": "bench"})
    return env


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


THREADS = 1  # SMTP connections per sender process (--threads)


def _senders(settings: Settings, workers: int) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", "from workflow.cli import main; main()", "outbox", "send-due",
                               "--until-empty", "--limit", "1000", "--threads", str(THREADS)], env=_env(settings),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(workers)]
    for p in procs:
        _, err = p.communicate()
        if p.returncode != 0:
            raise SystemExit(err.decode(errors="replace"))


def _idle_cpu(settings: Settings) -> float:
    """CPU seconds of a sender process that finds nothing to send: its start-up and one sweep."""
    cpu = _children_cpu()
    _senders(settings, 1)
    return _children_cpu() - cpu


def _outbox_round(core: Core, settings: Settings, workers: int, letters: int) -> tuple[float, float, float]:
    """(letters/s between the first and last sent_at, wall seconds including process start-up,
    CPU seconds of the sender processes)."""
    _reset(core)
    cpu = _children_cpu()
    start = time.perf_counter()
    _senders(settings, workers)
    wall = time.perf_counter() - start
    cpu = _children_cpu() - cpu
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        first, last, sent = uow.session.execute(select(
            func.min(OutboxMessage.sent_at), func.max(OutboxMessage.sent_at), func.count())
            .where(OutboxMessage.status == "sent")).one()
    if sent != letters:
        raise SystemExit(f"only {sent} of {letters} sent")
    span = (last - first).total_seconds()
    return (letters - 1) / span if span > 0 else float("inf"), wall, cpu


def _raw_messages(core: Core) -> list[bytes]:
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        shas = list(uow.session.scalars(select(OutboxMessage.raw_sha256).order_by(OutboxMessage.id)))
    return [core.files.get(sha) for sha in shas if sha]


def _smtplib_send(host: str, port: int, messages: list[bytes]) -> float:
    start = time.perf_counter()
    with smtplib.SMTP(host, port, local_hostname="bench.local", timeout=30) as smtp:
        for raw in messages:
            smtp.sendmail("ar+bench@dunning.example", [FINANCE], raw)
    return time.perf_counter() - start


def _smtplib_process(host: str, port: int, messages: list[bytes], threads: int) -> float:
    shares = [messages[i::threads] for i in range(threads)]
    with ThreadPoolExecutor(threads) as pool:
        return max(pool.map(_smtplib_send, [host] * threads, [port] * threads, shares))


def _baseline(servers: MailServers, messages: list[bytes], workers: int) -> float:
    shares = [messages[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        spans = list(pool.map(_smtplib_process, [servers.smtp_host] * workers, [servers.smtp_port] * workers, shares,
                              [THREADS] * workers))
    return len(messages) / max(spans)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--letters", type=int, default=400)
    ap.add_argument("--pdf-kib", type=int, default=60, help="size of each attached PDF")
    ap.add_argument("--database-url", default="", help="PostgreSQL URL (default: a SQLite file)")
    ap.add_argument("--threads", type=int, default=4, help="SMTP connections per sender process")
    args = ap.parse_args()
    global THREADS
    THREADS = args.threads
    servers = start_mail_servers()
    tmp = Path(tempfile.mkdtemp(prefix="dunning-outbox-bench-"))
    try:
        settings = Settings(instance_path=tmp / "instance", database_url=args.database_url, mail_transport="smtp",
                            smtp_url=servers.smtp_url, smtp_rate_per_minute=100_000, pdf_converter="none",
                            secret_key="bench", mailbox_dir=tmp / "mailbox")
        settings.instance_path.mkdir(parents=True)
        core = _stage(settings, args.letters, args.pdf_kib)
        db = "PostgreSQL" if args.database_url else "SQLite file"
        print(f"outbox throughput: {args.letters} letters, {args.pdf_kib} KiB PDF each, {db}, "
              f"aiosmtpd → LMTP → Dovecot on loopback; {THREADS} SMTP connection(s) per sender process "
              f"and per raw smtplib process")
        results = []
        for workers in (1, 2):
            rate, wall, cpu = _outbox_round(core, settings, workers, args.letters)
            servers.empty(FINANCE)
            base = _baseline(servers, _raw_messages(core), workers)
            servers.empty(FINANCE)
            results.append((workers, rate, wall, cpu, base))
        idle = _idle_cpu(settings)  # everything is sent now: this sender finds nothing to do
        print(f"  a sender's start-up and an empty sweep: {idle:4.2f} s CPU (left out of the per-letter CPU)")
        for workers, rate, wall, cpu, base in results:
            per = rate / workers
            print(f"  {workers} worker{'s' if workers > 1 else ' '}: outbox {rate:7.1f} letters/s "
                  f"({per:5.1f} per worker, target ≥ {TARGET:.0f}: {'met' if per >= TARGET else 'NOT met'}); "
                  f"raw smtplib, same bytes: {base:7.1f} letters/s; outbox/raw {rate / base:4.0%}; "
                  f"wall incl. start-up {wall:5.1f} s; sender CPU "
                  f"{(cpu - workers * idle) / args.letters * 1000:4.1f} ms a letter")
        core.close()
    finally:
        servers.stop()


if __name__ == "__main__":
    main()
