"""IMAP ingest rate: messages per second read from the local Dovecot and taken all the way through the
inbox (fetched with BODY.PEEK[], stored and committed, classified, matched, the case moved, moved to
the processed folder), against a baseline in the same run: plain imapclient fetching the very same
messages from the same server (BODY.PEEK[] in chunks of 25, nothing else).

    .venv/bin/python benchmarks/inbox.py [--messages 400] [--database-url URL]

The messages are the corpus replies (mailbox/samples/replies), each made unique by its Message-ID
and appended over IMAP before timing starts. The inbox runs on a SQLite file (or the PostgreSQL
database given) with the file store on disk, as ``dunning inbox poll`` does. Where the time goes
is printed too: the fetch alone, and per message the pass's database and classification work.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.inbox.desk import MAIL_FROM, debtor  # noqa: E402
from tests.mailserver import MailServers, start_mail_servers  # noqa: E402
from workflow.config import Settings  # noqa: E402
from workflow.core import build_core  # noqa: E402
from workflow.migrate import upgrade  # noqa: E402

USER = "ar@dunning.example"
FOLDER = "Bench"
PROCESSED = "Bench-Processed"
CHUNK = 25


def _messages(n: int) -> list[bytes]:
    corpus = sorted((ROOT / "mailbox" / "samples" / "replies").glob("*.eml"))
    out = []
    for i in range(n):
        raw = corpus[i % len(corpus)].read_bytes()
        # each copy its own message: a fresh Message-ID (else the second copy is a "duplicate")
        raw, count = re.subn(rb"(?im)^Message-ID:[^\r\n]*", f"Message-ID: <bench-{i}@client.test>".encode(), raw,
                             count=1)
        if not count:
            raw = f"Message-ID: <bench-{i}@client.test>\r\n".encode() + raw
        out.append(raw)
    return out


def _fill(servers: MailServers, raws: list[bytes]) -> None:
    with servers.imap(USER) as client:
        for folder in (FOLDER, PROCESSED):
            if client.folder_exists(folder):
                client.delete_folder(folder)
        client.create_folder(FOLDER)
        for raw in raws:
            client.append(FOLDER, raw)


def _baseline(servers: MailServers) -> tuple[int, float]:
    """Plain imapclient: log in, select, fetch every message's bytes."""
    from imapclient import IMAPClient

    start = time.perf_counter()
    client = IMAPClient(servers.imap_host, port=servers.imap_port, ssl=False, timeout=60)
    client.login(USER, servers.users[USER])
    client.select_folder(FOLDER, readonly=True)
    uids = sorted(client.search("ALL"))
    total = 0
    for i in range(0, len(uids), CHUNK):
        fetched = client.fetch(uids[i:i + CHUNK], [b"BODY.PEEK[]"])
        total += sum(1 for v in fetched.values() if isinstance(v.get(b"BODY[]"), bytes))
    client.logout()
    return total, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    servers = start_mail_servers()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            account = f"{quote(USER, safe='')}:{servers.users[USER]}"
            url = f"imap://{account}@{servers.imap_host}:{servers.imap_port}/{FOLDER}"
            settings = Settings(instance_path=Path(tmp) / "instance", mailbox_dir=Path(tmp) / "mailbox",
                                database_url=args.database_url, mail_transport="memory", pdf_converter="none",
                                secret_key="bench", mail_from=MAIL_FROM, imap_url=url, imap_processed_folder=PROCESSED,
                                reply_confidence_threshold=Decimal("0.5"))
            settings.instance_path.mkdir(parents=True)
            if args.database_url.startswith("postgresql"):
                from sqlalchemy import create_engine, text

                from workflow.models import Base

                engine = create_engine(args.database_url)
                Base.metadata.drop_all(engine)
                with engine.begin() as conn:
                    conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
                engine.dispose()
            upgrade(settings.effective_database_url)
            core = build_core(settings)
            try:
                debtor(core, "AR-2026-0042", "lina@csot.com.cn")
                raws = _messages(args.messages)
                _fill(servers, raws)

                fetched, base_s = _baseline(servers)
                inbox = core.services.inbox
                start = time.perf_counter()
                report = inbox.poll(limit=len(raws) + 10)
                ours_s = time.perf_counter() - start
            finally:
                core.close()
    finally:
        servers.stop()

    assert fetched == len(raws) and report.stored == len(raws) and report.server_done == len(raws), report
    base_rate, ours_rate = fetched / base_s, report.stored / ours_s
    print(f"messages: {len(raws)} (corpus replies, {sum(map(len, raws)) // len(raws)} bytes on average)")
    print(f"baseline, plain imapclient fetch: {base_rate:8.1f} messages/s ({base_s:.2f} s)")
    print(f"inbox, fetch + store + classify + match + move + MOVE: {ours_rate:8.1f} messages/s ({ours_s:.2f} s)")
    print(f"processed: {report.processed}")
    print(f"ratio: the inbox takes {ours_s / base_s:.1f}x the plain fetch")


if __name__ == "__main__":
    main()
