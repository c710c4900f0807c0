"""String-keyed tables held as two sorted numpy arrays under a stable 64-bit hash.

Half a million place names or word frequencies as a Python dict take about half a second to
build at every start and some 60 MB per process; as arrays they load in milliseconds and hold
9 bytes a key. Python's own `hash` changes with every process, so the keys are a blake2b digest,
which can be computed once and saved. A look-up is a hash and a binary search (about 1 us), so
the users cache it per word type (`cached`).
"""

from __future__ import annotations

import hashlib
import sys
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np


def stable_hash(text: str) -> int:
    """The same 64-bit number for the same string in every process and on every machine."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


@dataclass(frozen=True)
class HashTable:
    """`stable_hash(key)` -> an unsigned integer; `keys` sorted and unique, `values` beside them.
    Read like a dict (`get`), so code written for a dict of counts reads it unchanged."""

    keys: np.ndarray  # uint64
    values: np.ndarray  # an unsigned integer type

    def __post_init__(self) -> None:
        """The arrays move into Python `array`s, which `bisect` searches at half the cost of
        numpy's scalar search; `keys` and `values` become numpy views of them (one copy in memory)."""
        keys = array("Q")
        keys.frombytes(np.ascontiguousarray(self.keys, dtype=np.uint64).tobytes())
        values = array({1: "B", 2: "H", 4: "I", 8: "Q"}[self.values.dtype.itemsize])
        values.frombytes(np.ascontiguousarray(self.values).tobytes())
        object.__setattr__(self, "_search", (keys, values))
        object.__setattr__(self, "keys", np.frombuffer(keys, dtype=np.uint64))
        object.__setattr__(self, "values", np.frombuffer(values, dtype=self.values.dtype))

    @classmethod
    def build(cls, pairs: Iterable[tuple[str, int]], dtype: type = np.uint8) -> HashTable:
        """A key given twice keeps its last value, as in a dict."""
        table = {stable_hash(key): value for key, value in pairs}
        keys = np.fromiter(table.keys(), dtype=np.uint64, count=len(table))
        values = np.fromiter(table.values(), dtype=dtype, count=len(table))
        order = np.argsort(keys, kind="stable")
        return cls(keys[order], values[order])

    def __len__(self) -> int:
        return len(self.keys)

    def get(self, key: str, default: int | None = None) -> int | None:
        h = stable_hash(key)
        keys, values = self._search
        i = bisect_left(keys, h)
        return values[i] if i < len(keys) and keys[i] == h else default

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}keys": self.keys, f"{prefix}values": self.values}

    @classmethod
    def from_arrays(cls, arrays, prefix: str) -> HashTable:
        keys, values = np.asarray(arrays[f"{prefix}keys"]), np.asarray(arrays[f"{prefix}values"])
        if keys.dtype != np.uint64 or values.dtype.kind != "u" or keys.shape != values.shape:
            raise ValueError(f"not a hashed table: {prefix}keys {keys.dtype} {keys.shape}, {prefix}values {values.dtype} {values.shape}")
        return cls(keys, values)


@dataclass(frozen=True)
class Lookup:
    """A dict-like `str -> one of a few distinct values`: the table holds each key's index in
    `values`. Saved (`arrays`) when the values are tuples of strings without tabs."""

    table: HashTable
    values: tuple

    @classmethod
    def build(cls, items: Iterable[tuple[str, object]]) -> Lookup:
        index: dict[object, int] = {}
        pairs = [(key, index.setdefault(value, len(index))) for key, value in items]
        return cls(HashTable.build(pairs, np.uint32), tuple(index))

    def __len__(self) -> int:
        return len(self.table)

    def get(self, key: str, default=None):
        k = self.table.get(key)
        return default if k is None else self.values[k]

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {**self.table.arrays(prefix), f"{prefix}tuples": np.array(["\t".join(v) for v in self.values], dtype=str)}

    @classmethod
    def from_arrays(cls, arrays, prefix: str) -> Lookup:
        return cls(HashTable.from_arrays(arrays, prefix),
                   tuple(tuple(sys.intern(x) for x in str(v).split("\t")) if v else () for v in arrays[f"{prefix}tuples"]))


def cached(lookup: Callable[[str], int | None], size: int) -> Callable[[str], int | None]:
    """`lookup` behind a bounded per-word cache: a long batch run sees each word type once."""
    return lru_cache(maxsize=size)(lookup)


def save(path: Path, **arrays: np.ndarray) -> None:
    """Uncompressed: the hashes are random bits, and reading them back is a plain copy."""
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
