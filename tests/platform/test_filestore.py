"""The file store streams: a large evidence file goes in and out in chunks, under its SHA-256."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from workflow.filestore import LocalFileStore, MemoryFileStore


@pytest.mark.parametrize("kind", ["local", "memory"])
def test_a_file_is_stored_by_streaming_and_read_back_as_a_stream(tmp_path: Path, kind: str) -> None:
    store = LocalFileStore(tmp_path / "files") if kind == "local" else MemoryFileStore()
    big = tmp_path / "送货单扫描件.tif"
    data = bytes(range(256)) * 9000  # ~2.3 MB: more than one chunk
    big.write_bytes(data)
    key = store.put_file(big)
    assert key == hashlib.sha256(data).hexdigest() == store.put(data)
    assert store.size(key) == len(data)
    with store.open(key) as fh:
        assert fh.read(10) == data[:10]
        assert fh.read() == data[10:]
    if kind == "local":
        assert not list((tmp_path / "files").rglob(".tmp-*"))
