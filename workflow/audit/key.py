"""The key that signs the audit log's checkpoints, kept outside the database.

``DUNNING_AUDIT_KEY`` when set (so several hosts share one key); otherwise ``audit.key`` in the
instance folder, made once from the OS's random source and readable by its owner only. Someone who
can rewrite the database but cannot read this key cannot forge a checkpoint. Lose the key and every
existing checkpoint reads as forged: back it up with the instance folder, not with the database.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from pathlib import Path

from workflow.config import AUDIT_KEY_MIN_LENGTH, SettingsError

log = logging.getLogger(__name__)

KEY_FILE = "audit.key"


class AuditKeyError(SettingsError):
    """The audit key is configured too weakly, or its file cannot be read or made."""


class AuditKey:
    def __init__(self, configured: str, path: Path) -> None:
        self._configured = configured
        self.path = path
        self._key: bytes | None = None

    @classmethod
    def for_instance(cls, configured: str, instance_path: Path) -> AuditKey:
        return cls(configured, instance_path / KEY_FILE)

    @property
    def source(self) -> str:
        return "DUNNING_AUDIT_KEY" if self._configured else str(self.path)

    def get(self) -> bytes:
        """The key, read (or made) on first use: building the app touches no files."""
        if self._key is None:
            self._key = self._from_setting() if self._configured else self._from_file()
        return self._key

    def _from_setting(self) -> bytes:
        if len(self._configured) < AUDIT_KEY_MIN_LENGTH:
            raise AuditKeyError(f"DUNNING_AUDIT_KEY: use at least {AUDIT_KEY_MIN_LENGTH} random characters",
                                f"DUNNING_AUDIT_KEY：至少使用 {AUDIT_KEY_MIN_LENGTH} 个随机字符")
        return self._configured.encode()

    def _from_file(self) -> bytes:
        if not self.path.exists():
            self._create()
        try:
            text = self.path.read_text(encoding="ascii").strip()
            key = bytes.fromhex(text)
        except (OSError, ValueError) as exc:
            raise AuditKeyError(f"audit key file {self.path}: cannot be read as a hex key ({exc})",
                                f"审计密钥文件 {self.path} 无法按十六进制密钥读取（{exc}）") from exc
        if len(key) < 32:
            raise AuditKeyError(f"audit key file {self.path}: holds fewer than 32 bytes",
                                f"审计密钥文件 {self.path} 不足 32 字节")
        if self.path.stat().st_mode & 0o077:
            log.warning("audit key file %s can be read by other users: chmod 600 it", self.path)
        return key

    def _create(self) -> None:
        # written under a private name and linked into place, so two processes starting at once
        # both end up with the one key that won, never with a half-written file
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, (secrets.token_hex(32) + "\n").encode("ascii"))
                os.fsync(fd)
            finally:
                os.close(fd)
            with contextlib.suppress(FileExistsError):
                os.link(tmp, self.path)
        except OSError as exc:
            raise AuditKeyError(f"audit key file {self.path}: cannot be created ({exc})",
                                f"无法创建审计密钥文件 {self.path}（{exc}）") from exc
        finally:
            tmp.unlink(missing_ok=True)
