"""The SMTP adapter of the transport port.

URL forms (``DUNNING_SMTP_URL``):

- ``smtp://user:pass@host:587?starttls=1`` — STARTTLS, required: if the server does not offer it
  (or a man in the middle strips it) nothing is sent, credentials least of all.
- ``smtps://user:pass@host:465`` — implicit TLS.
- ``smtp://host:2525`` — no TLS, no authentication (a relay on loopback).

Credentials are percent-decoded (``billing%40example.test``). Authenticating without TLS is refused
unless the URL says ``insecure=1`` (loopback test servers only). ``cafile=/path.pem`` trusts a private
CA (a company relay with its own certificate); certificates are always verified.

Why ``mail()``, ``rcpt()`` and the DATA exchange by hand instead of ``sendmail()``: the outbox keeps
the server's final answer as proof that the demand was handed over ("250 2.0.0 Ok: queued as …"),
and ``sendmail()`` throws it away; and only by hand can we tell "the connection broke before the
final dot" (nothing accepted: retry) from "it broke while we waited for the answer" (maybe
accepted: ambiguous), which decides between a retry and a possible duplicate letter.

How failures map (the outbox acts on the class): connection refused, timeouts, 4xx, a missing
STARTTLS, a refused password → ``TemporaryFailure`` (nothing was accepted; our account or the path
may be fixed meanwhile); 5xx at MAIL FROM or at DATA, or every recipient refused with 5xx →
``PermanentFailure`` with ``refused`` per recipient; the connection lost or silent after the final
dot → ``AmbiguousFailure``. Some recipients refused, the others accepted → ``Accepted`` naming the
refused ones. Options are announced only when needed and offered: SMTPUTF8 for a non-ASCII
address (refused permanently if the server lacks it), BODY=8BITMIME for 8-bit bytes, SIZE.
The message bytes go out as given; only line ends become CRLF and leading dots are doubled, as
the protocol requires (the outbox composes with CRLF, so the stored evidence is what went out).
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from workflow.mail.transport import (
    Accepted,
    AmbiguousFailure,
    Envelope,
    PermanentFailure,
    TemporaryFailure,
    TransportError,
)

# a kept connection idle for longer is checked with NOOP first: servers drop idle clients
# after a minute or so, and a dead connection found at MAIL FROM costs a reconnect anyway
IDLE_CHECK_SECONDS = 10.0
TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off")
_EOL = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True)
class SmtpUrl:
    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    username: str | None
    password: str | None
    insecure: bool
    cafile: str | None

    @property
    def tls(self) -> bool:
        return self.implicit_tls or self.starttls


def _flag(query: dict[str, list[str]], name: str, default: bool) -> bool:
    values = query.pop(name, None)
    if not values:
        return default
    value = values[-1].strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ValueError(f"SMTP URL: {name}={values[-1]!r} is not 1 or 0")


def parse_smtp_url(url: str) -> SmtpUrl:
    """Read an SMTP URL; ``ValueError`` names what is wrong (the password never appears in it)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("SMTP URL: the scheme must be smtp:// or smtps://")
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise ValueError(f"SMTP URL: bad port ({exc})") from None
    if not host:
        raise ValueError("SMTP URL: no host")
    query = parse_qs(parts.query, keep_blank_values=True)
    implicit_tls = parts.scheme == "smtps"
    starttls = _flag(query, "starttls", False)
    insecure = _flag(query, "insecure", False)
    cafiles = query.pop("cafile", None)
    if query:
        raise ValueError(f"SMTP URL: unknown parameter(s) {', '.join(sorted(query))}")
    if implicit_tls and starttls:
        raise ValueError("SMTP URL: smtps:// is already TLS; starttls=1 belongs to smtp://")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if username is not None and password is None:
        raise ValueError("SMTP URL: a user name without a password")
    return SmtpUrl(
        host=host,
        port=port or (465 if implicit_tls else 25),
        implicit_tls=implicit_tls,
        starttls=starttls,
        username=username,
        password=password,
        insecure=insecure,
        cafile=cafiles[-1] if cafiles else None,
    )


def _text(code: int, message: bytes | str) -> str:
    if isinstance(message, bytes):
        # a diagnostic for people: one odd byte must not lose the rest of the reply
        message = message.decode("utf-8", "replace")
    return f"{code} {message}".strip()


def _stuffed(message: bytes) -> bytes:
    """The DATA payload: CRLF line ends, leading dots doubled (RFC 5321 4.5.2), the final dot."""
    data = _EOL.sub(b"\r\n", message)
    if data.startswith(b"."):
        data = b"." + data
    data = data.replace(b"\r\n.", b"\r\n..")
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


class SmtpTransport:
    """One kept connection, reopened when the server has dropped it; sends are serialised by a lock."""

    name = "smtp"

    def __init__(self, url: str, local_hostname: str, timeout: float = 30.0) -> None:
        self.url = parse_smtp_url(url)
        if self.url.username is not None and not self.url.tls and not self.url.insecure:
            raise ValueError("SMTP URL: credentials without TLS; add starttls=1, use smtps://, "
                             "or insecure=1 for a loopback test server")
        self.local_hostname = local_hostname
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None
        self._last_used = 0.0
        self._lock = threading.Lock()

    # --- connection -------------------------------------------------------------------------------

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.url.cafile)

    def _connect(self) -> smtplib.SMTP:
        u = self.url
        smtp: smtplib.SMTP
        try:
            if u.implicit_tls:
                smtp = smtplib.SMTP_SSL(u.host, u.port, local_hostname=self.local_hostname,
                                        timeout=self.timeout, context=self._context())
            else:
                smtp = smtplib.SMTP(u.host, u.port, local_hostname=self.local_hostname, timeout=self.timeout)
        except smtplib.SMTPConnectError as exc:  # the greeting was not 220
            raise TemporaryFailure(f"connect to {u.host}:{u.port}: {_text(exc.smtp_code, exc.smtp_error)}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(f"connect to {u.host}:{u.port}: {exc}") from exc
        try:
            self._hello(smtp)
            if u.starttls:
                if not smtp.has_extn("starttls"):
                    raise TemporaryFailure(
                        f"{u.host}:{u.port} does not offer STARTTLS, which the URL requires: nothing sent "
                        "(a server misconfiguration, or someone on the path stripping it)")
                code, message = smtp.starttls(context=self._context())
                if code != 220:
                    raise TemporaryFailure(f"STARTTLS refused: {_text(code, message)}")
                self._hello(smtp)  # the TLS session starts over: extensions (AUTH) may differ now
            if u.username is not None and u.password is not None:
                if not (u.tls or u.insecure):  # __init__ refuses such URLs; kept for the invariant
                    raise TemporaryFailure("refusing to send credentials without TLS")
                self._login(smtp, u.username, u.password)
        except TransportError:
            _abandon(smtp)
            raise
        except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
            _abandon(smtp)
            raise TemporaryFailure(f"{u.host}:{u.port}: {exc}") from exc
        return smtp

    def _hello(self, smtp: smtplib.SMTP) -> None:
        code, message = smtp.ehlo(self.local_hostname)
        if code != 250:
            code, message = smtp.helo(self.local_hostname)
            if code != 250:
                raise TemporaryFailure(f"EHLO/HELO refused: {_text(code, message)}")

    def _login(self, smtp: smtplib.SMTP, username: str, password: str) -> None:
        # one mechanism, one attempt: smtplib's login() retries a refused password with every other
        # mechanism, and providers count each try towards locking the account
        offered = smtp.esmtp_features.get("auth", "").upper().split()
        mechanism = next((m for m in ("PLAIN", "LOGIN") if m in offered), None)
        if mechanism is None:
            raise TemporaryFailure(f"the server offers no PLAIN or LOGIN authentication (offers: {offered})")
        smtp.user, smtp.password = username, password
        method = smtp.auth_plain if mechanism == "PLAIN" else smtp.auth_login
        try:
            smtp.auth(mechanism, method, initial_response_ok=True)
        except smtplib.SMTPAuthenticationError as exc:
            # our account, not this letter: temporary, so that fixing the password lets the queue drain
            raise TemporaryFailure(f"authentication failed: {_text(exc.smtp_code, exc.smtp_error)}") from exc

    def _connection(self) -> tuple[smtplib.SMTP, bool]:
        """The kept connection if it still answers, else a new one; the flag says it was reused."""
        smtp = self._smtp
        if smtp is not None and time.monotonic() - self._last_used > IDLE_CHECK_SECONDS:
            try:
                alive = smtp.noop()[0] == 250
            except (OSError, smtplib.SMTPException):
                alive = False
            if not alive:
                _abandon(smtp)
                smtp = self._smtp = None
        if smtp is not None:
            return smtp, True
        self._smtp = self._connect()
        return self._smtp, False

    def _drop(self) -> None:
        if self._smtp is not None:
            _abandon(self._smtp)
            self._smtp = None

    def close(self) -> None:
        with self._lock:
            if self._smtp is not None:
                try:
                    self._smtp.quit()
                except (OSError, smtplib.SMTPException):
                    _abandon(self._smtp)
                self._smtp = None

    # --- one message ------------------------------------------------------------------------------

    def send(self, envelope: Envelope, message: bytes) -> Accepted:
        if not envelope.recipients:
            raise PermanentFailure("no recipients")
        with self._lock:
            smtp, reused = self._connection()
            try:
                try:
                    return self._transaction(smtp, envelope, message)
                except _StaleConnection:
                    if not reused:
                        raise
                    # the server had closed our kept connection (idle, or a per-connection limit):
                    # nothing of this message reached it, so a fresh connection is a clean start
                    self._drop()
                    smtp, _ = self._connection()
                    return self._transaction(smtp, envelope, message)
            except _StaleConnection as exc:
                self._drop()
                raise TemporaryFailure(exc.reply) from exc
            except (TemporaryFailure, PermanentFailure):
                self._reset()
                raise
            except AmbiguousFailure:
                self._drop()
                raise
            finally:
                self._last_used = time.monotonic()

    def _reset(self) -> None:
        """After a refused transaction the connection is reusable once RSET succeeds."""
        if self._smtp is None:
            return
        try:
            if self._smtp.rset()[0] != 250:
                self._drop()
        except (OSError, smtplib.SMTPException):
            self._drop()

    def _transaction(self, smtp: smtplib.SMTP, envelope: Envelope, message: bytes) -> Accepted:
        mail_options: list[str] = []
        addresses = (envelope.sender, *envelope.recipients)
        if not all(a.isascii() for a in addresses):
            if not smtp.has_extn("smtputf8"):
                raise PermanentFailure("a non-ASCII address and the server does not offer SMTPUTF8")
            mail_options.append("SMTPUTF8")
        if not message.isascii() and smtp.has_extn("8bitmime"):
            mail_options.append("BODY=8BITMIME")
        payload = _stuffed(message)
        if smtp.has_extn("size"):  # a letter too large for the server is refused at MAIL FROM, not after upload
            mail_options.append(f"SIZE={len(payload)}")

        try:
            code, text = smtp.mail(envelope.sender, mail_options)
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            raise _StaleConnection(f"connection lost before MAIL FROM: {exc}") from exc
        if code == 421:  # "service closing": the kept connection was at its limit
            raise _StaleConnection(_text(code, text))
        _refuse(code, text, "MAIL FROM", envelope.recipients)

        refused: dict[str, str] = {}
        accepted: list[str] = []
        for recipient in envelope.recipients:
            try:
                code, text = smtp.rcpt(recipient)
            except (OSError, smtplib.SMTPServerDisconnected) as exc:
                self._drop()
                raise TemporaryFailure(f"connection lost at RCPT TO: {exc}") from exc
            if code in (250, 251):
                accepted.append(recipient)
            else:
                refused[recipient] = _text(code, text)
        if not accepted:
            replies = list(refused.values())
            if any(r.startswith("4") for r in replies):
                raise TemporaryFailure("; ".join(replies))
            raise PermanentFailure("; ".join(replies), refused=refused)

        try:
            smtp.putcmd("data")
            code, text = smtp.getreply()
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            self._drop()
            raise TemporaryFailure(f"connection lost at DATA: {exc}") from exc
        if code != 354:
            _refuse(code, text, "DATA", accepted, refused)
            raise TemporaryFailure(f"unexpected answer to DATA: {_text(code, text)}")

        sock = smtp.sock
        if sock is None:
            self._drop()
            raise TemporaryFailure("connection lost before the message data")
        try:
            sock.sendall(payload)
        except OSError as exc:
            # sendall failed before handing the final dot to the kernel: the server cannot have
            # taken the message as complete
            self._drop()
            raise TemporaryFailure(f"connection lost while sending the message: {exc}") from exc

        try:
            code, text = smtp.getreply()
        except (OSError, smtplib.SMTPException) as exc:  # dropped, timed out, or a garbled reply
            raise AmbiguousFailure(
                f"no answer after the message data ({exc}): the server may have accepted it") from exc
        if code == 250:
            return Accepted(_text(code, text), refused=refused)
        _refuse(code, text, "end of DATA", accepted, refused)
        raise AmbiguousFailure(f"unexpected answer after the message data: {_text(code, text)}")


class _StaleConnection(Exception):
    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


def _refuse(code: int, text: bytes, stage: str, recipients: list[str] | tuple[str, ...],
            refused: dict[str, str] | None = None) -> None:
    """Raise for a 4xx/5xx answer; the reply starts with the server's code, then says where it came."""
    if 200 <= code < 400:
        return
    reply = f"{_text(code, text)} (at {stage})"
    if 400 <= code < 500:
        raise TemporaryFailure(reply)
    if 500 <= code < 600:
        raise PermanentFailure(reply, refused={**(refused or {}), **dict.fromkeys(recipients, reply)})
    raise TemporaryFailure(f"unexpected reply {reply}")


def _abandon(smtp: smtplib.SMTP) -> None:
    """Close without a polite QUIT: the connection is broken or its state unknown."""
    with contextlib.suppress(OSError):
        smtp.close()

