"""The embedded default inbox: a local Maildir (``<mailbox_dir>/inbox/``).

Drop an ``.eml`` file into ``new/`` (or let any MDA deliver there) and the next pass reads it. The
Maildir itself is the queue: a file is moved to ``cur/`` (with the Seen flag) only after its bytes
are committed and it was processed, so a crash leaves it in ``new/`` and the next pass, finding the
same bytes already stored, just finishes it. Files in ``tmp/`` are still being written and are left
alone, as the Maildir convention says.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workflow.mail.replies import Inbox, PollReport

log = logging.getLogger(__name__)


class MaildirInbox:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.name = f"maildir:{self.root}"

    def ensure(self) -> None:
        for sub in ("new", "cur", "tmp"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    def poll(self, inbox: Inbox, limit: int) -> PollReport:
        from workflow.mail.replies import PollReport

        self.ensure()
        report = PollReport(self.name)
        new = self.root / "new"
        names = sorted((p.name for p in new.iterdir() if p.is_file() and not p.name.startswith(".")),
                       key=lambda n: ((new / n).stat().st_mtime_ns, n))[:limit]
        done: list[tuple[int, str]] = []
        for name in names:
            try:
                raw = (new / name).read_bytes()
            except FileNotFoundError:  # another pass took it meanwhile
                continue
            report.seen += 1
            stored = inbox.store(raw, mailbox=self.name, maildir_key=name)
            report.stored += int(stored.new)
            done.append((stored.id, name))
        report.processed = inbox.process_pending()
        # finished rows whose file is still in new/ (this pass's, and a crashed pass's)
        moved: list[int] = []
        for inbound_id, key in [*done, *((i, k) for i, _, k in inbox.not_done_on_server(self.name) if k)]:
            if self._to_cur(key):
                moved.append(inbound_id)
        report.server_done = inbox.mark_server_done(moved)
        return report

    def _to_cur(self, key: str) -> bool:
        src = self.root / "new" / key
        base = key.split(":", 1)[0]
        try:
            os.replace(src, self.root / "cur" / f"{base}:2,S")
        except FileNotFoundError:
            # already moved (by an earlier pass that died before recording it): done all the same
            return (self.root / "cur" / f"{base}:2,S").exists()
        return True
