"""How common a German word is: its Zipf class "1".."7" from the `wordfreq` package's 'large' list.

The NER's features and the rules ("a rare word is a name rather than a noun") read it for
every word type. wordfreq's data file (msgpack: a header, then one word list per centibel of
frequency) is read directly: importing wordfreq itself costs 0.3 s, and its cached
`get_frequency_dict` would hold ~80 MB of strings. Its 634,000 words are turned into a
`HashTable` once and kept in the user's cache folder (``$COOPX_CACHE``, else an absolute
``$XDG_CACHE_HOME/coopx`` or ``~/.cache/coopx``), keyed by the data file's size and date, so a
process loads them in milliseconds; where the folder cannot be written, each process builds
them (about 0.7 s).
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import os
import tempfile
import zipfile
from functools import lru_cache
from pathlib import Path

import msgpack
import numpy as np

from extractor.nlp import hashed

FORMAT = "zipf-1"  # part of the cache key: a change of what is cached invalidates old files
CLASSES = tuple(str(k) for k in range(8))  # value -> class; 0 never occurs (unknown words have none)


class Frequencies:
    """Zipf class of a lower-cased word, or None for a word wordfreq does not list."""

    def __init__(self, table: hashed.HashTable):
        self.table = table
        self._get = hashed.cached(table.get, 1 << 18)

    def __len__(self) -> int:
        return len(self.table)

    def get(self, word: str, default: str | None = None) -> str | None:
        k = self._get(word)
        return default if k is None else CLASSES[k]


def _data_file() -> Path:
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("coopx's NER model needs the 'wordfreq' package (pip install wordfreq)")
    return Path(spec.submodule_search_locations[0]) / "data" / "large_de.msgpack.gz"


def _build(path: Path) -> hashed.HashTable:
    with gzip.open(path, "rb") as fh:
        header, *lists = msgpack.unpackb(fh.read(), raw=False)
    if not isinstance(header, dict) or header.get("format") != "cB":
        raise ValueError(f"unexpected wordfreq data format in {path}")
    # rarest first, so that a word listed twice keeps its higher class
    return hashed.HashTable.build((w, max(1, min(7, int(9 - i / 100)))) for i in range(len(lists) - 1, -1, -1) for w in lists[i])


def cache_folder() -> Path | None:
    """None where no absolute folder is known (no home directory: a relative path would put the
    cache wherever the command happens to run)."""
    own = os.environ.get("COOPX_CACHE")
    if own:
        return Path(own)
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path(os.path.expanduser("~")) / ".cache"
    return base / "coopx" if base.is_absolute() else None


def _cache_name(path: Path) -> str:
    st = path.stat()
    key = f"{FORMAT}|{path.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode()
    return f"zipf_de.{hashlib.sha1(key).hexdigest()[:16]}.npz"


def _cached(path: Path) -> hashed.HashTable:
    folder = cache_folder()
    if folder is None:
        return _build(path)
    target = folder / _cache_name(path)
    try:
        with np.load(target, allow_pickle=False) as arrays:
            return hashed.HashTable.from_arrays(arrays, "")
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):  # absent or damaged: built again
        pass
    table = _build(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        os.close(fd)
    except OSError:
        return table
    try:  # written beside, then renamed: parallel workers never read half a file
        hashed.save(Path(tmp), **table.arrays(""))
        os.replace(tmp, target)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
    return table


@lru_cache(maxsize=1)
def load_frequencies() -> Frequencies:
    """Loaded once per process."""
    return Frequencies(_cached(_data_file()))
