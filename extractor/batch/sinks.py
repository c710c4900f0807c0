"""Durable JSON Lines files: every line goes out whole in one write, fsync on demand, and a
resumed file is cut back to the offset the state store committed (which also drops a
trailing partial line). `StreamSink`: the same lines to stdout or stderr (`-o -`)."""

from __future__ import annotations

import os
from pathlib import Path

from extractor.errors import CoopxError


class LineSink:
    def __init__(self, path: Path, *, resume_at: int | None = None) -> None:
        """`resume_at`: keep the first bytes of an existing file (a resumed run); else start empty."""
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
        if resume_at is None:
            os.ftruncate(self.fd, 0)
            self.size = 0
        else:
            actual = os.fstat(self.fd).st_size
            if actual < resume_at:
                os.close(self.fd)
                raise CoopxError(f"cannot resume: {path} is shorter ({actual} bytes) than the state store says "
                                 f"({resume_at} bytes); was it changed?", stage="setup")
            os.ftruncate(self.fd, resume_at)  # drops uncommitted lines and a trailing partial line
            self.size = resume_at
        os.lseek(self.fd, self.size, os.SEEK_SET)
        self.lines = 0

    def write(self, line: str) -> None:
        """One complete line (no newline inside), in a single write."""
        data = (line + "\n").encode("utf-8")
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]
        self.size += len(data)
        self.lines += 1

    def sync(self) -> int:
        """Flush to disk; the offset that is now durable."""
        os.fsync(self.fd)
        return self.size

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class StreamSink(LineSink):
    """Lines to a stream that is already open (stdout, stderr): nothing to resume or fsync."""

    def __init__(self, fd: int) -> None:
        self.path = None
        self.fd = fd
        self.size = 0
        self.lines = 0

    def sync(self) -> int:
        return self.size

    def close(self) -> None:
        self.fd = -1
