"""A trained python-crfsuite model as arrays, for tagging without building feature strings.

crfsuite scores a label at a token as the sum of the weights of the token's attributes, and a
sequence as those scores plus label-to-label transitions; Viterbi finds the best sequence. The
same sums can be taken from arrays: one row of label weights per attribute, and for a word type
the rows of its cached features added up once. Tagging then costs a few array operations per
sentence instead of tens of strings per token handed to crfsuite. The labels are crfsuite's:
`tests/test_linear_chain.py` compares them with `Tagger.tag` over the team's texts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path

import numpy as np
import pycrfsuite

MAX_CACHED_TYPES = 100_000  # word types whose rows are kept (at most 36 MB for the NER, 20 MB for the org tagger)
_CELLS = 100_000  # padded tokens decoded at once (at most 14 MB of scores and back pointers for the NER)


class LinearChain:
    """The state and transition weights of a crfsuite model; `tag_many` is its Viterbi."""

    def __init__(self, labels: list[str], attributes: list[str], weights: np.ndarray, transitions: np.ndarray) -> None:
        self.labels = labels
        self.index: dict[str, int] = {a: k for k, a in enumerate(attributes)}
        self.weights = weights  # (attributes, labels)
        self.transitions = transitions  # (labels, labels): from, to
        self._slot: dict[str, int] = {}  # word type -> its row in _rows
        self._rows: np.ndarray | None = None

    @classmethod
    def from_tagger(cls, tagger: pycrfsuite.Tagger) -> LinearChain:
        """Read through crfsuite's own dump of the model (slow: most of a second for the NER)."""
        info = tagger.info()
        labels = list(tagger.labels())
        column = {label: k for k, label in enumerate(labels)}
        attributes = sorted({a for a, _ in info.state_features})
        row = {a: k for k, a in enumerate(attributes)}
        weights = np.zeros((len(attributes), len(labels)))
        for (attribute, label), weight in info.state_features.items():
            weights[row[attribute], column[label]] = weight
        transitions = np.zeros((len(labels), len(labels)))
        for (a, b), weight in info.transitions.items():
            transitions[column[a], column[b]] = weight
        return cls(labels, attributes, weights, transitions)

    @classmethod
    def for_model(cls, tagger: pycrfsuite.Tagger, model: bytes, saved: Path) -> LinearChain:
        """The arrays `save` wrote next to the model when they were made from these model bytes
        (and hold one weight row per attribute), else read from the tagger."""
        if saved.is_file():
            with np.load(saved) as data:
                if {"digest", "labels", "attributes", "weights", "transitions"} <= set(data.files) \
                        and str(data["digest"]) == _digest(model):
                    attributes = data["attributes"].tobytes().decode("utf-8").split("\n")
                    weights = data["weights"]  # each access reads the array again
                    if len(attributes) == len(weights):
                        return cls(data["labels"].tolist(), attributes, weights, data["transitions"])
        return cls.from_tagger(tagger)

    def save(self, path: Path, model: bytes) -> None:
        if any("\n" in a for a in self.index):
            raise ValueError("an attribute with a line break cannot be saved one per line")
        attributes = np.frombuffer("\n".join(self.index).encode("utf-8"), dtype=np.uint8)
        np.savez_compressed(path, digest=_digest(model), labels=np.array(self.labels), attributes=attributes,
                            weights=self.weights, transitions=self.transitions)

    def type_rows(self, words: Sequence[str], groups_of: Callable[[int], Sequence[Sequence[str]]]) -> np.ndarray:
        """(words, groups, labels): for each word, the summed label weights of each of its type's
        feature groups (`groups_of(k)` for the k-th word; attributes the model has no weight for
        add nothing), computed once per type and kept in one array."""
        slot = self._slot
        if len(slot) + len(words) > MAX_CACHED_TYPES:
            slot.clear()
        ids = [slot.get(w, -1) for w in words]
        for k, j in enumerate(ids):
            if j < 0:
                ids[k] = slot.get(words[k], -1)
                if ids[k] < 0:
                    ids[k] = self._add(words[k], groups_of(k))
        return self._rows[ids]

    def _found(self, lists: Iterable[Iterable[str]]) -> tuple[list[int], list[int]]:
        """(list number, weight row) of every attribute in these lists the model has weights for."""
        index = self.index
        pos: list[int] = []
        found: list[int] = []
        for k, attributes in enumerate(lists):
            for a in attributes:
                j = index.get(a)
                if j is not None:
                    pos.append(k)
                    found.append(j)
        return pos, found

    def _add(self, word: str, groups: Sequence[Sequence[str]]) -> int:
        pos, found = self._found(groups)
        row = len(self._slot)
        if self._rows is None or row >= len(self._rows):
            grown = np.zeros((min(max(4096, 2 * row), MAX_CACHED_TYPES), len(groups), len(self.labels)))
            if self._rows is not None:
                grown[:row] = self._rows[:row]
            self._rows = grown
        self._rows[row] = 0.0
        np.add.at(self._rows[row], pos, self.weights[found])
        self._slot[word] = row
        return row

    def add_local(self, emissions: np.ndarray, local: Sequence[Iterable[str]]) -> np.ndarray:
        """Adds, token by token, the weights of features that depend on the sentence."""
        pos, found = self._found(local)
        if found:
            np.add.at(emissions, pos, self.weights[found])
        return emissions

    def tag_many(self, emissions: Sequence[np.ndarray]) -> list[list[str]]:
        """The best label sequence of each sentence (rows: tokens, columns: `labels`); ties go
        to the first label, as in crfsuite. Sentences are decoded together, longest first, in
        groups of at most `_CELLS` padded tokens: one very long sentence is decoded alone."""
        order = sorted(range(len(emissions)), key=lambda k: -len(emissions[k]))
        out: list[list[str]] = [[] for _ in order]
        start = 0
        while start < len(order):
            size = max(1, _CELLS // max(1, len(emissions[order[start]])))
            group = order[start : start + size]
            for k, labels in zip(group, self._viterbi([emissions[k] for k in group])):
                out[k] = labels
            start += size
        return out

    def _viterbi(self, emissions: list[np.ndarray]) -> list[list[str]]:
        """Viterbi over sentences sorted longest first: each step only touches those still running."""
        lengths = np.array([len(e) for e in emissions])
        n, longest, n_labels = len(emissions), int(lengths[0]), len(self.labels)
        if longest == 0:
            return [[] for _ in emissions]
        scores = np.zeros((n, longest, n_labels))
        for row, e in enumerate(emissions):
            scores[row, : lengths[row]] = e
        running = [int((lengths > t).sum()) for t in range(longest)]  # a prefix, as lengths fall
        back = np.zeros((n, longest, n_labels), dtype=np.intp)
        delta = scores[:, 0].copy()
        trans = self.transitions[None]
        for t in range(1, longest):
            m = running[t]
            cand = delta[:m, :, None] + trans
            best = cand.argmax(axis=1)
            back[:m, t] = best
            delta[:m] = np.take_along_axis(cand, best[:, None, :], axis=1)[:, 0] + scores[:m, t]
        path = np.zeros((n, longest), dtype=np.intp)
        cur = delta.argmax(axis=1)
        for t in range(longest - 1, -1, -1):
            m = running[t]
            inner = lengths[:m] - 1 != t  # the others end at t: their last label is `cur` already
            if inner.any():
                cur[:m][inner] = back[np.flatnonzero(inner), t + 1, cur[:m][inner]]
            path[:m, t] = cur[:m]
        labels = self.labels
        return [[labels[j] for j in path[row, : lengths[row]].tolist()] for row in range(n)]


def batches(items: Iterable, size: int) -> Iterator[list]:
    """Lists of `size` items (the last one shorter): a component's `pipe` decodes a batch at once."""
    items = iter(items)
    while batch := list(islice(items, size)):
        yield batch


def _digest(model: bytes) -> str:
    return hashlib.sha256(model).hexdigest()


def saved_path(model_path: Path) -> Path:
    """Where the arrays of a model file are saved: beside it, ".npz" for its suffix."""
    return model_path.with_suffix(".npz")
