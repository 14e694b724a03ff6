"""The file store port: immutable blobs addressed by their SHA-256."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK = 1024 * 1024


class FileStore(Protocol):
    def put(self, data: bytes) -> str:
        """Store bytes, return their SHA-256 hex digest (the key). Idempotent."""
        ...

    def get(self, sha256: str) -> bytes: ...

    def exists(self, sha256: str) -> bool: ...

    def open(self, sha256: str) -> BinaryIO:
        """A read-only stream of the blob: large evidence files are copied in chunks, never held whole."""
        ...

    def size(self, sha256: str) -> int: ...

    def put_file(self, path: Path) -> str:
        """Store a file's bytes by streaming them (a bundle PDF of hundreds of MB); return the key."""
        ...


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class LocalFileStore:
    """Content-addressed files under a folder (the instance folder, or shared storage)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise KeyError(key)
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes) -> str:
        key = sha256_hex(data)
        path = self._path(key)
        if path.exists():
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        # write-then-rename so a crash never leaves a truncated blob under a valid key
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        os.chmod(path, 0o444)
        return key

    def get(self, sha256: str) -> bytes:
        return self._path(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        try:
            return self._path(sha256).exists()
        except KeyError:
            return False

    def open(self, sha256: str) -> BinaryIO:
        return self._path(sha256).open("rb")

    def size(self, sha256: str) -> int:
        return self._path(sha256).stat().st_size

    def put_file(self, path: Path) -> str:
        digest = hashlib.sha256()
        with path.open("rb") as src:
            for chunk in iter(lambda: src.read(CHUNK), b""):
                digest.update(chunk)
        key = digest.hexdigest()
        target = self._path(key)
        if target.exists():
            return key
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out, path.open("rb") as src:
                shutil.copyfileobj(src, out, CHUNK)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        os.chmod(target, 0o444)
        return key


class MemoryFileStore:
    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}

    def put(self, data: bytes) -> str:
        key = sha256_hex(data)
        self._blobs.setdefault(key, bytes(data))
        return key

    def get(self, sha256: str) -> bytes:
        return self._blobs[sha256]

    def exists(self, sha256: str) -> bool:
        return sha256 in self._blobs

    def open(self, sha256: str) -> BinaryIO:
        return io.BytesIO(self._blobs[sha256])

    def size(self, sha256: str) -> int:
        return len(self._blobs[sha256])

    def put_file(self, path: Path) -> str:
        return self.put(path.read_bytes())
