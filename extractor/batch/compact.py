"""Dropping superseded lines from a finished output file, crash-safely.

An exact duplicate with richer metadata than the copy already written replaces it (see
`job`): its line is appended and the old line's byte range is recorded. When the run ends,
`write` copies the file without those ranges to `FILE.compact` (fsynced), the state store
commits the new offsets together with a "compacting" mark, `install` renames the copy over
the file, and the mark is cleared. A run that stops between the two steps finishes the rename
when it is resumed (`install` again: the copy is still there, or already in place).
"""

from __future__ import annotations

import os
from pathlib import Path

BLOCK = 1 << 20


def temporary(path: Path) -> Path:
    return Path(f"{path}.compact")


def write(path: Path, drop: list[tuple[int, int]], size: int) -> int:
    """Write `path`'s first `size` bytes without the (start, length) ranges in `drop` to its
    temporary copy; return the copy's size."""
    tmp = temporary(path)
    with path.open("rb") as src, tmp.open("wb") as dst:
        pos = 0
        for start, length in [*sorted(drop), (size, 0)]:
            src.seek(pos)
            left = start - pos
            while left > 0:
                block = src.read(min(BLOCK, left))
                if not block:
                    break
                dst.write(block)
                left -= len(block)
            pos = start + length
        dst.flush()
        os.fsync(dst.fileno())
        return dst.tell()


def install(path: Path) -> None:
    """Put the compacted copy in place of `path` (nothing to do when it already is)."""
    tmp = temporary(path)
    if tmp.exists():
        os.replace(tmp, path)
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
