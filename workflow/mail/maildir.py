"""The Maildir adapter of the transport port: the embedded default, letters land in a local folder.

Each message goes to ``<root>/new/`` exactly as given (the stdlib writes it to ``tmp/``, fsyncs it
and renames it into ``new/``, so a reader never sees half a letter), where any mail client or
``mailbox.Maildir`` can open it. Nothing leaves the machine: a clerk can look at the letters a
demo or a test run would have sent. Sending the same row twice is the outbox's concern, not ours.

(The repository has a top-level ``mailbox/`` data folder without ``__init__.py``: a namespace
portion never shadows a regular module, so ``import mailbox`` is still the standard library.)
"""

from __future__ import annotations

import mailbox
import os
import threading
from pathlib import Path

from workflow.mail.transport import Accepted, Envelope, PermanentFailure, TemporaryFailure


class MaildirTransport:
    name = "maildir"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()
        self._maildir: mailbox.Maildir | None = None

    def _box(self) -> mailbox.Maildir:
        if self._maildir is None:
            # created on first use, so that merely building the services touches no disk; Maildir
            # creates only its own folder, so its parents (the git-ignored mailbox/dev/) come first
            self.root.parent.mkdir(parents=True, exist_ok=True)
            self._maildir = mailbox.Maildir(self.root, factory=None, create=True)
        return self._maildir

    def send(self, envelope: Envelope, message: bytes) -> Accepted:
        if not envelope.recipients:
            raise PermanentFailure("no recipients")
        with self._lock:
            try:
                key = self._box().add(message)
                _fsync_dir(self.root / "new")  # the rename itself must survive a power cut
            except OSError as exc:  # disk full, folder removed or not writable: may work later
                self._maildir = None
                raise TemporaryFailure(f"maildir {self.root}: {exc}") from exc
        return Accepted(f"250 maildir {key}")

    def close(self) -> None:
        pass


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
