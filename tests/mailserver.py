"""Real mail servers for tests: a throw-away Dovecot (IMAP + LMTP) behind an aiosmtpd SMTP relay.

The application speaks real SMTP to the relay on loopback; the relay asks Dovecot over LMTP about
every recipient and hands it every message, answering with Dovecot's own verdict (250 / 550 / 451),
so tests read what really arrived over IMAP. Knobs on ``servers.relay`` make the relay misbehave
on purpose: a forced reply for an address (``rcpt_replies``: e.g. a 451 for a busy mailbox) and a
dropped connection after the message data (``drop_after_data``: the message is delivered, then the
connection is cut before the 250 reply — the window in which a sender cannot know the outcome) and
silence after the data (``silent_after_data``: delivered, then no reply until the client times out).

    with mail_servers() as servers:             # or the ``mail_servers`` fixture of tests/mail
        transport = SmtpTransport(servers.smtp_url, "dunning.test", 10)
        ...
        assert servers.count_by_message_id("billing@example.test") == {"<id@dunning.example>": 1}

``start_mail_servers()`` needs the ``dovecot`` binary with its IMAP and LMTP parts (Debian:
dovecot-imapd, dovecot-lmtpd). As root, Dovecot's processes run as its ``dovecot`` user (which then
owns the mail folder); as anyone else, they run as the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
DOVECOT = "dovecot"
LOOPBACK = "127.0.0.1"
STARTUP_SECONDS = 20.0

# the mailboxes every test server has: our own AR address and some debtors' finance departments
DEFAULT_USERS: dict[str, str] = {
    "ar@dunning.example": "ar-secret",
    "billing@example.test": "billing-secret",
    "customer@kehu.test": "kehu-secret",
    "caiwu@huadong-jidian.test": "huadong-secret",  # 上海华东机电设备有限公司 财务部
}

CONFIG = """\
protocols = imap lmtp
listen = 127.0.0.1
base_dir = {root}/run
instance_name = {instance}
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:{root}/mail/%u
mail_fsync = never
recipient_delimiter = +
first_valid_uid = 0
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={internal_user} gid={internal_group} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp_port}
  }}
}}
protocol lmtp {{
  postmaster_address = postmaster@example.test
}}
protocol imap {{
  mail_max_userip_connections = 50
}}
{unprivileged}"""

# without root Dovecot runs everything as the calling user and cannot chroot its helpers
UNPRIVILEGED = """\
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
"""


class MailServerError(RuntimeError):
    pass


def missing_binaries() -> list[str]:
    """What this machine lacks to run the servers (empty when everything is there)."""
    missing = []
    if shutil.which(DOVECOT) is None and not Path("/usr/sbin/dovecot").exists():
        missing.append("dovecot (apt-get install dovecot-imapd dovecot-lmtpd)")
    else:
        # dovecot-core alone has no imap or lmtp: the start would fail with a confusing log line
        libexec = Path("/usr/lib/dovecot")
        for part in ("imap", "lmtp"):
            if libexec.is_dir() and not (libexec / part).exists():
                missing.append(f"dovecot {part} (apt-get install dovecot-{part}d)")
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:
        missing.append("aiosmtpd (pip install -e '.[test]')")
    return missing


def _dovecot_binary() -> str:
    return shutil.which(DOVECOT) or "/usr/sbin/dovecot"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def _wait_for_banner(port: int, banner: bytes, deadline: float) -> None:
    """Connect until the server greets us: a started process is not yet a listening server."""
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((LOOPBACK, port), timeout=2) as s:
                data = b""
                while b"\n" not in data:
                    chunk = s.recv(1024)
                    if not chunk:
                        break
                    data += chunk
                if data.startswith(banner):
                    return
                last = MailServerError(f"port {port} greeted with {data!r}")
        except OSError as exc:
            last = exc
        time.sleep(0.05)
    raise MailServerError(f"no {banner!r} banner on port {port}: {last}")


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".replace("\n", " ")


def _dot_stuffed(content: bytes) -> bytes:
    data = re.sub(rb"\r\n|\r|\n", b"\r\n", content)
    if data.startswith(b"."):
        data = b"." + data
    data = data.replace(b"\r\n.", b"\r\n..")
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


class LmtpRelay:
    """The aiosmtpd handler: every recipient and every message goes to Dovecot over LMTP.

    Each SMTP connection gets its own LMTP connection (on ``RelaySMTP``), so an SMTP transaction
    is mirrored by one LMTP transaction: Dovecot answers each RCPT itself, and after the data it
    answers once per recipient (LMTP, RFC 2033); the first refusal becomes the SMTP reply.
    """

    def __init__(self, lmtp_port: int) -> None:
        self.lmtp_port = lmtp_port
        # address (lower case) → the reply RCPT gets instead of asking Dovecot, e.g. a 451
        self.rcpt_replies: dict[str, str] = {}
        # messages to any of these addresses are delivered, then the connection is cut unanswered
        self.drop_after_data: set[str] = set()
        # messages to these are delivered, then no answer at all until the client gives up and hangs up
        self.silent_after_data: set[str] = set()
        self.received: list[tuple[str, tuple[str, ...], bytes]] = []
        self.replies: list[str] = []  # the final answer to each DATA, as sent to the client
        self._lock = threading.Lock()

    # blocking LMTP steps, run in the executor; each owns the connection of one SMTP session

    def _open(self, server: RelaySMTP) -> smtplib.LMTP:
        if server.client_gone:  # nobody would close a connection opened now
            raise OSError("the SMTP client is gone")
        if server.lmtp is None:
            lmtp = smtplib.LMTP(LOOPBACK, self.lmtp_port, local_hostname="relay.test", timeout=30)
            lmtp.ehlo("relay.test")  # LMTP's LHLO
            server.lmtp = lmtp
        return server.lmtp

    def _rcpt(self, server: RelaySMTP, sender: str, body_8bit: bool, address: str) -> str:
        try:
            lmtp = self._open(server)
            if not server.lmtp_mail:
                code, text = lmtp.mail(sender, ["BODY=8BITMIME"] if body_8bit else [])
                if code != 250:
                    return _reply(code, text)
                server.lmtp_mail = True
            return _reply(*lmtp.rcpt(address))
        except (OSError, smtplib.SMTPException) as exc:
            server.close_lmtp()
            return f"451 4.4.0 LMTP: {exc}"

    def _data(self, server: RelaySMTP, content: bytes, count: int) -> list[str]:
        try:
            lmtp = self._open(server)
            server.lmtp_mail = False
            lmtp.putcmd("data")
            code, text = lmtp.getreply()
            if code != 354:
                return [_reply(code, text)] * count
            lmtp.send(_dot_stuffed(content))
            return [_reply(*lmtp.getreply()) for _ in range(count)]
        except (OSError, smtplib.SMTPException) as exc:
            server.close_lmtp()
            return [f"451 4.4.0 LMTP: {exc}"] * count

    def _rset(self, server: RelaySMTP) -> None:
        if server.lmtp is not None and server.lmtp_mail:
            server.lmtp_mail = False
            try:
                server.lmtp.rset()
            except (OSError, smtplib.SMTPException):
                server.close_lmtp()

    async def _blocking(self, server: RelaySMTP, step: Callable[..., T], *args: Any) -> T:
        """Run an LMTP step off the event loop, one at a time per session.

        A step already running finishes when the client vanishes (aiosmtpd cancels our hook, not
        the thread), and only then is the LMTP connection closed. Whether a sender killed right
        after its final dot gets its message delivered depends on whether aiosmtpd had passed the
        data to us before it saw the disconnect: either outcome is one a real sender must survive.
        """

        def locked() -> T:
            with server.lmtp_lock:
                return step(*args)

        return await asyncio.get_running_loop().run_in_executor(None, locked)

    # aiosmtpd hooks

    async def handle_MAIL(self, server: RelaySMTP, session: Any, envelope: Any, address: str,
                          mail_options: list[str]) -> str:
        await self._blocking(server, self._rset, server)  # a transaction left open
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 Ok"

    async def handle_RSET(self, server: RelaySMTP, session: Any, envelope: Any) -> str:
        await self._blocking(server, self._rset, server)
        return "250 2.0.0 Ok"

    async def handle_RCPT(self, server: RelaySMTP, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        forced = self.rcpt_replies.get(address.lower())
        if forced is not None:
            return forced
        if not address.isascii():  # Dovecot's LMTP here takes ASCII addresses only
            return "553 5.6.7 Non-ASCII addresses are not supported by this mailbox"
        body_8bit = any(o.upper() == "BODY=8BITMIME" for o in envelope.mail_options)
        reply = await self._blocking(server, self._rcpt, server, envelope.mail_from or "", body_8bit, address)
        if reply.startswith("250"):
            envelope.rcpt_tos.append(address)
            return "250 2.1.5 Ok"
        return reply

    async def handle_DATA(self, server: RelaySMTP, session: Any, envelope: Any) -> str:
        content: bytes = envelope.original_content
        recipients = tuple(envelope.rcpt_tos)
        with self._lock:
            self.received.append((envelope.mail_from or "", recipients, content))
        answers = await self._blocking(server, self._data, server, content, len(recipients))
        if any(r.lower() in self.drop_after_data for r in recipients):
            server.transport.abort()  # delivered, but the sender never hears the 250
            return "250 never sent"
        if any(r.lower() in self.silent_after_data for r in recipients):
            while not server.transport.is_closing():  # the client's timeout ends this, not ours
                await asyncio.sleep(0.05)
            return "250 never heard"
        failures = [a for a in answers if not a.startswith("250")]
        reply = failures[0] if failures else f"250 2.0.0 Ok: queued as {uuid.uuid4().hex[:12].upper()}"
        with self._lock:
            self.replies.append(reply)
        return reply


def _relay_smtp_class() -> type[Any]:
    from aiosmtpd.smtp import SMTP

    class _RelaySMTP(SMTP):  # type: ignore[misc]
        """aiosmtpd's server with the LMTP connection of its session, closed when the client goes."""

        lmtp: smtplib.LMTP | None = None
        lmtp_mail = False  # an LMTP transaction (MAIL FROM) is open
        client_gone = False
        lmtp_lock = threading.Lock()  # replaced per instance in connection_made

        def connection_made(self, transport: Any) -> None:
            self.lmtp_lock = threading.Lock()
            super().connection_made(transport)

        def close_lmtp(self) -> None:
            lmtp, self.lmtp, self.lmtp_mail = self.lmtp, None, False
            if lmtp is not None:
                with contextlib.suppress(OSError):
                    lmtp.close()

        def _close_when_idle(self) -> None:
            with self.lmtp_lock:  # after the step that may still be delivering
                self.close_lmtp()

        def connection_lost(self, error: Exception | None) -> None:
            super().connection_lost(error)
            self.client_gone = True
            self.loop.run_in_executor(None, self._close_when_idle)

    return _RelaySMTP


RelaySMTP = Any  # the class above, built when aiosmtpd is imported (an optional test dependency)


@dataclass
class MailServers:
    root: Path
    smtp_host: str
    smtp_port: int
    imap_host: str
    imap_port: int
    lmtp_port: int
    users: dict[str, str]
    relay: LmtpRelay
    _controller: Any = field(repr=False, default=None)
    _conf: Path | None = field(repr=False, default=None)

    @property
    def smtp_url(self) -> str:
        return f"smtp://{self.smtp_host}:{self.smtp_port}"

    @contextlib.contextmanager
    def imap(self, user: str) -> Iterator[Any]:
        from imapclient import IMAPClient

        client = IMAPClient(self.imap_host, port=self.imap_port, ssl=False, timeout=30)
        try:
            client.login(user, self.users[user])
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.logout()

    def messages(self, user: str, folder: str = "INBOX") -> list[bytes]:
        """Every message in the folder, the raw bytes Dovecot stored, in arrival order."""
        with self.imap(user) as client:
            client.select_folder(folder, readonly=True)
            uids = sorted(client.search("ALL"))
            if not uids:
                return []
            fetched = client.fetch(uids, [b"BODY.PEEK[]"])
            return [fetched[uid][b"BODY[]"] for uid in uids]

    def count_by_message_id(self, user: str, folder: str = "INBOX") -> Counter[str]:
        """How many copies of each Message-ID the mailbox holds ('' counts messages without one)."""
        counts: Counter[str] = Counter()
        parser = BytesHeaderParser(policy=compat32)
        with self.imap(user) as client:
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            if not uids:
                return counts
            part = b"BODY[HEADER.FIELDS (MESSAGE-ID)]"
            fetched = client.fetch(uids, [b"BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
            for data in fetched.values():
                header = parser.parsebytes(data[part]).get("Message-ID", "")
                counts[str(header).strip()] += 1
        return counts

    def empty(self, user: str, folder: str = "INBOX") -> None:
        """Delete every message: tests sharing one server each count from zero."""
        with self.imap(user) as client:
            client.select_folder(folder)
            uids = client.search("ALL")
            if uids:
                client.delete_messages(uids)
                client.expunge()

    def reset_relay(self) -> None:
        self.relay.rcpt_replies.clear()
        self.relay.drop_after_data.clear()
        self.relay.silent_after_data.clear()
        with self.relay._lock:
            self.relay.received.clear()
            self.relay.replies.clear()

    def restart_smtp(self) -> None:
        """Stop the relay and start it again on the same port: every open client connection dies."""
        if self._controller is not None:
            self._controller.stop()
        self._controller = _start_relay(self.relay, self.smtp_port)

    def stop(self) -> None:
        try:
            if self._controller is not None:
                with contextlib.suppress(Exception):
                    self._controller.stop()
                self._controller = None
        finally:
            if self._conf is not None:
                _stop_dovecot(self.root, self._conf)
                self._conf = None
            shutil.rmtree(self.root, ignore_errors=True)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie is dead for our purposes (its parent, maybe us, reaps it)
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _stop_dovecot(root: Path, conf: Path) -> None:
    pid_file = root / "run" / "master.pid"
    master = int(pid_file.read_text().strip()) if pid_file.exists() else None
    processes = [master, *_children(master)] if master else []
    subprocess.run([_dovecot_binary(), "-c", str(conf), "stop"], stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30, check=False)
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in processes) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in processes:  # only the processes of this instance, never others by name
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _configure_dovecot(root: Path, users: Mapping[str, str], imap_port: int, lmtp_port: int) -> Path:
    import grp
    import pwd

    mail = root / "mail"
    for folder in ("run", "state", "mail"):
        (root / folder).mkdir()
    if os.geteuid() == 0:
        internal = pwd.getpwnam("dovecot")
        os.chown(mail, internal.pw_uid, internal.pw_gid)
        names = {"internal_user": "dovecot", "internal_group": grp.getgrgid(internal.pw_gid).gr_name,
                 "login_user": "dovenull", "unprivileged": ""}
    else:
        me = pwd.getpwuid(os.geteuid()).pw_name
        names = {"internal_user": me, "internal_group": grp.getgrgid(os.getegid()).gr_name,
                 "login_user": me, "unprivileged": UNPRIVILEGED}
    (root / "users").write_text("".join(f"{u}:{{PLAIN}}{p}\n" for u, p in users.items()))
    conf = root / "dovecot.conf"
    conf.write_text(CONFIG.format(root=root, instance=f"dunning-test-{root.name}", imap_port=imap_port,
                                  lmtp_port=lmtp_port, **names))
    return conf


def _run_dovecot(root: Path, conf: Path) -> None:
    # the daemon's children inherit stdout/stderr: a pipe would never close, so output goes to a file
    output = root / "dovecot.out"
    with output.open("wb") as out:
        started = subprocess.run([_dovecot_binary(), "-c", str(conf)], stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=subprocess.STDOUT, timeout=30, check=False)
    if started.returncode != 0:
        log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
        raise MailServerError(f"dovecot did not start: {output.read_text()}\n{log[-2000:]}")


def _start_relay(relay: LmtpRelay, port: int) -> Any:
    from aiosmtpd.controller import Controller

    server_class = _relay_smtp_class()

    class RelayController(Controller):  # type: ignore[misc]
        def factory(self) -> Any:
            return server_class(self.handler, **self.SMTP_kwargs)

    controller = RelayController(relay, hostname=LOOPBACK, port=port, enable_SMTPUTF8=True,
                                 ready_timeout=STARTUP_SECONDS)
    controller.start()  # returns once the relay answers its own banner
    return controller


def start_mail_servers(users: Mapping[str, str] | None = None) -> MailServers:
    """Dovecot and the SMTP relay on free loopback ports; call ``stop()`` (or use ``mail_servers``)."""
    users = dict(users or DEFAULT_USERS)
    root = Path(tempfile.mkdtemp(prefix="dunning-mail-"))
    root.chmod(0o755)  # Dovecot's processes run as dovecot and must reach the mail folder
    imap_port, lmtp_port, smtp_port = free_port(), free_port(), free_port()
    relay = LmtpRelay(lmtp_port)
    servers = MailServers(root, LOOPBACK, smtp_port, LOOPBACK, imap_port, lmtp_port, users, relay)
    try:
        servers._conf = _configure_dovecot(root, users, imap_port, lmtp_port)
        _run_dovecot(root, servers._conf)
        deadline = time.monotonic() + STARTUP_SECONDS
        _wait_for_banner(imap_port, b"* OK", deadline)
        _wait_for_banner(lmtp_port, b"220", deadline)
        servers._controller = _start_relay(relay, smtp_port)
        _wait_for_banner(smtp_port, b"220", deadline)
    except BaseException:
        servers.stop()
        raise
    return servers


@contextlib.contextmanager
def mail_servers(users: Mapping[str, str] | None = None) -> Iterator[MailServers]:
    servers = start_mail_servers(users)
    try:
        yield servers
    finally:
        servers.stop()
