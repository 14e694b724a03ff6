"""Reading replies over IMAP (imapclient), without losing or doubling a message.

``DUNNING_IMAP_URL`` names the account and the folder::

    imaps://USER:PASSWORD@imap.exmail.qq.com:993/INBOX      TLS from the start (the usual form)
    imap://USER:PASSWORD@host:143/INBOX?starttls=1          plain connection upgraded by STARTTLS
    imap://USER:PASSWORD@127.0.0.1:1143/INBOX               no TLS at all (a local test server only)

User and password are URL-encoded (``ar%40example.com``); ``insecure=1`` skips the certificate
check, ``cafile=/path`` trusts a private CA. The folder defaults to ``INBOX``.

One pass (``poll``): log in, send ``ID`` at once (NetEase 163/126 refuse SELECT without it), SELECT
the folder and compare its UIDVALIDITY with the one recorded (``MailboxState``). Then every message
above the last UID read is fetched with ``BODY.PEEK[]`` (which leaves \\Seen alone), in UID order,
and each one's bytes are committed (``Inbox.store``, which also records the UID as read) before
anything parses them. Then the stored messages are processed, and only then settled on the server:
``UID MOVE`` to ``DUNNING_IMAP_PROCESSED_FOLDER`` where the server offers MOVE, else flagged \\Seen
and ``$DunningDone`` (and later passes skip that keyword). A crash before the move leaves the row
"not done on the server": the next pass moves it.

A changed UIDVALIDITY (the folder was rebuilt, the account migrated) means every UID we hold is
void: the folder is read again from UID 1; the bytes already kept are recognised by their hash
(and a second copy of a Message-ID by that) and nothing is processed twice.

``watch`` keeps a connection and repeats the pass: IDLE only wakes it early where the server
offers IDLE (re-issued every 9 minutes, under the 29 of RFC 2177 and the 10 that NAT boxes allow,
with a socket timeout so a dead connection is noticed); polling every ``interval`` is the baseline.
A dropped connection is re-opened with exponential backoff. Exchange Online needs OAuth2 (XOAUTH2),
which this reader does not do.
"""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from workflow.config import Settings

if TYPE_CHECKING:
    from imapclient import IMAPClient

    from workflow.mail.replies import Inbox, PollReport

log = logging.getLogger(__name__)

DONE_KEYWORD = "$DunningDone"
FETCH_CHUNK = 25
IDLE_SECONDS = 9 * 60
SOCKET_TIMEOUT = 60.0
BACKOFF_MAX = 300.0
CLIENT_ID = {"name": "Dunning Desk", "vendor": "dunning-desk", "version": "1"}


@dataclass(frozen=True)
class ImapUrl:
    host: str
    port: int
    tls: bool  # implicit TLS (imaps://)
    starttls: bool
    username: str
    password: str
    folder: str
    insecure: bool = False
    cafile: str | None = None

    @property
    def mailbox(self) -> str:
        """The name the read position is kept under (no password)."""
        return f"imap://{self.username}@{self.host}:{self.port}/{self.folder}"


def parse_imap_url(url: str) -> ImapUrl:
    """Read the URL; ``ValueError`` says what is wrong without repeating the password."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("imap", "imaps"):
        raise ValueError("IMAP URL: the scheme must be imap:// or imaps://")
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise ValueError(f"IMAP URL: bad port ({exc})") from None
    if not host:
        raise ValueError("IMAP URL: no host")
    if not parts.username or parts.password is None:
        raise ValueError("IMAP URL: give the account as USER:PASSWORD@host (URL-encoded)")
    query = parse_qs(parts.query, keep_blank_values=True)
    flags = {k: (v[-1].lower() in ("1", "true", "yes")) for k, v in query.items() if k in ("starttls", "insecure")}
    cafile = query.pop("cafile", [None])[-1]
    unknown = sorted(set(query) - {"starttls", "insecure"})
    if unknown:
        raise ValueError(f"IMAP URL: unknown parameter(s) {', '.join(unknown)}")
    tls = parts.scheme == "imaps"
    if tls and flags.get("starttls"):
        raise ValueError("IMAP URL: imaps:// is already TLS; starttls=1 belongs to imap://")
    return ImapUrl(host=host, port=port or (993 if tls else 143), tls=tls, starttls=flags.get("starttls", False),
                   username=unquote(parts.username), password=unquote(parts.password),
                   folder=unquote(parts.path.lstrip("/")) or "INBOX", insecure=flags.get("insecure", False),
                   cafile=cafile)


def _ssl_context(url: ImapUrl) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=url.cafile)
    if url.insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class ImapInbox:
    def __init__(self, settings: Settings, *, sleep: Callable[[float], None] = time.sleep,
                 use_move: bool | None = None) -> None:
        self.url = parse_imap_url(settings.imap_url)
        self.use_move = use_move  # None: MOVE when the server offers it
        self.processed_folder = settings.imap_processed_folder
        self.name = self.url.mailbox
        self._sleep = sleep

    @contextmanager
    def connect(self) -> Iterator[IMAPClient]:
        from imapclient import IMAPClient

        context = _ssl_context(self.url) if (self.url.tls or self.url.starttls) else None
        client = IMAPClient(self.url.host, port=self.url.port, ssl=self.url.tls, ssl_context=context,
                            timeout=SOCKET_TIMEOUT)
        try:
            if self.url.starttls:
                client.starttls(context)
            client.login(self.url.username, self.url.password)
            if client.has_capability("ID"):
                client.id_(CLIENT_ID)
            yield client
        finally:
            try:
                client.logout()
            except Exception:  # the connection is already gone: nothing to say goodbye to
                log.debug("IMAP logout failed", exc_info=True)

    def poll(self, inbox: Inbox, limit: int) -> PollReport:
        with self.connect() as client:
            return self.read(client, inbox, limit)

    def read(self, client: IMAPClient, inbox: Inbox, limit: int) -> PollReport:
        """One pass on an open connection (module docstring)."""
        from workflow.mail.replies import PollReport

        info = client.select_folder(self.url.folder)
        uidvalidity = int(info[b"UIDVALIDITY"])
        modseq = info.get(b"HIGHESTMODSEQ")
        report = PollReport(self.name)
        known, last = inbox.mailbox_state(self.name)
        if known is not None and known != uidvalidity:
            log.warning("%s: UIDVALIDITY changed from %s to %s; reading the folder again", self.name, known,
                        uidvalidity)
            inbox.reset_mailbox(self.name, uidvalidity, int(modseq) if modseq is not None else None)
            last, report.resynced = 0, True
        can_move = client.has_capability("MOVE") if self.use_move is None else self.use_move
        criteria: list[Any] = ["UID", f"{last + 1}:*"]
        if not can_move:
            criteria += ["NOT", "KEYWORD", DONE_KEYWORD]
        # "n:*" always names the newest message, even when its UID is below n
        uids = sorted(int(u) for u in client.search(criteria) if int(u) > last)[:limit]
        seen: list[tuple[int, int]] = []  # (row, uid): two copies of the same bytes are one row, both moved
        for start in range(0, len(uids), FETCH_CHUNK):
            chunk = uids[start:start + FETCH_CHUNK]
            fetched = client.fetch(chunk, [b"BODY.PEEK[]"])
            for uid in chunk:  # in UID order, so the recorded last UID never passes an unstored message
                data = fetched.get(uid)
                body = data.get(b"BODY[]") if data else None
                if not isinstance(body, bytes):
                    continue  # expunged by another client meanwhile
                report.seen += 1
                stored = inbox.store(body, mailbox=self.name, uid=uid, uidvalidity=uidvalidity)
                report.stored += int(stored.new)
                seen.append((stored.id, uid))
        report.processed = inbox.process_pending()
        report.server_done = self.settle(client, inbox, uidvalidity, can_move, seen)
        return report

    def settle(self, client: IMAPClient, inbox: Inbox, uidvalidity: int, can_move: bool,
               seen: Sequence[tuple[int, int]] = ()) -> int:
        """Move (or flag) every processed message still in the folder: this pass's, and those a
        crashed pass left (their rows say so); the rows record it."""
        left = [(i, u) for i, u, _ in inbox.not_done_on_server(self.name, uidvalidity) if u is not None]
        todo = sorted(set(left) | set(seen), key=lambda p: p[1])
        if not todo:
            return 0
        if can_move and not client.folder_exists(self.processed_folder):
            client.create_folder(self.processed_folder)
        done = 0
        for start in range(0, len(todo), FETCH_CHUNK):
            chunk = todo[start:start + FETCH_CHUNK]
            uids = [u for _, u in chunk]
            if can_move:
                client.move(uids, self.processed_folder)
            else:
                client.add_flags(uids, [b"\\Seen", DONE_KEYWORD.encode()])
            done += inbox.mark_server_done(i for i, _ in chunk)
        return done

    def wait(self, client: IMAPClient, seconds: float) -> bool:
        """Until something arrives (IDLE, where offered) or ``seconds`` pass; True when the server
        said something (a new message, an expunge) before the time was up."""
        if not client.has_capability("IDLE"):
            self._sleep(seconds)
            return False
        # mail that arrived since the last command is announced by the next one; if that is IDLE,
        # the announcement can come before IDLE's go-ahead, where imapclient files it away unseen
        _text, untagged = client.noop()
        if any(_announces_change(r) for r in untagged):
            return True
        client.idle()
        try:
            responses = client.idle_check(timeout=min(seconds, IDLE_SECONDS))
        finally:
            client.idle_done()
        return bool(responses)

    def watch(self, inbox: Inbox, limit: int, interval: float, stop: Callable[[], bool],
              on_pass: Callable[[PollReport], None] = lambda _r: None) -> None:
        """Read, wait, read again, until ``stop()``; reconnect with backoff when the connection fails."""
        from imapclient.exceptions import IMAPClientError

        backoff = 1.0
        while not stop():
            try:
                with self.connect() as client:
                    backoff = 1.0
                    while not stop():
                        on_pass(self.read(client, inbox, limit))
                        self.wait(client, interval)
            except (OSError, IMAPClientError) as exc:
                log.warning("%s: %s; reconnecting in %.0f s", self.name, exc, backoff)
                self._sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)


def _announces_change(response: object) -> bool:
    """An untagged ``n EXISTS`` or ``n EXPUNGE`` as imapclient parses it."""
    return isinstance(response, tuple) and len(response) >= 2 and response[1] in (b"EXISTS", b"EXPUNGE")
