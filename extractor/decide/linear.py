"""Logistic models over named features, shipped as JSON and scored without scikit-learn.

A decision is a weighted sum of named features (``{"cue_sentence": 2, "src=legal": 1}``), so
every prediction can say which features carried it. Training (scikit-learn) lives in
``scripts/train_decisions.py``; this module only reads the weights it exported.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

Features = Mapping[str, float]


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@dataclass(frozen=True)
class LinearModel:
    """One binary decision: P(yes | features) = sigmoid(bias + sum(weight[name] * value)).

    A decision that picks one candidate per article may also have a `second_threshold`: the
    likeliest candidate of another value is picked too when it is at least this likely."""

    name: str
    weights: dict[str, float]
    bias: float
    threshold: float = 0.5
    second_threshold: float | None = None

    def score(self, features: Features) -> float:
        w = self.weights
        return self.bias + sum(w.get(k, 0.0) * v for k, v in features.items())

    def proba(self, features: Features) -> float:
        return _sigmoid(self.score(features))

    def decide(self, features: Features) -> bool:
        return self.proba(features) >= self.threshold

    def explain(self, features: Features, top: int = 5) -> list[tuple[str, float]]:
        """The features that moved this decision most, with their contribution to the log-odds."""
        parts = [(k, self.weights.get(k, 0.0) * v) for k, v in features.items()]
        parts = [p for p in parts if p[1]]
        parts.sort(key=lambda p: -abs(p[1]))
        return [(k, round(c, 3)) for k, c in parts[:top]]

    def to_json(self) -> dict:
        out = {"name": self.name, "bias": self.bias, "threshold": self.threshold,
               "weights": {k: round(v, 6) for k, v in sorted(self.weights.items()) if v}}
        if self.second_threshold is not None:
            out["second_threshold"] = self.second_threshold
        return out

    @classmethod
    def from_json(cls, data: dict) -> LinearModel:
        second = data.get("second_threshold")
        return cls(data["name"], dict(data["weights"]), float(data["bias"]), float(data.get("threshold", 0.5)),
                   None if second is None else float(second))


@dataclass(frozen=True)
class LabelSet:
    """Several labels decided one by one (multi-label), or the best of them (multi-class)."""

    name: str
    models: dict[str, LinearModel]

    @cached_property
    def _matrix(self) -> tuple[list[str], dict[str, np.ndarray], np.ndarray]:
        """Every label's weight of a feature side by side: one pass over the features scores all."""
        labels = list(self.models)
        index: dict[str, np.ndarray] = {}
        for j, label in enumerate(labels):
            for k, w in self.models[label].weights.items():
                index.setdefault(k, np.zeros(len(labels)))[j] = w
        return labels, index, np.array([self.models[label].bias for label in labels])

    def scores(self, features: Features) -> dict[str, float]:
        labels, index, bias = self._matrix
        z = bias.copy()
        for k, v in features.items():
            w = index.get(k)
            if w is not None:
                z += v * w
        return dict(zip(labels, z.tolist()))

    def chosen(self, features: Features) -> list[str]:
        """Multi-label: every label whose model says yes; when none does, the most likely one."""
        scores = self.scores(features)
        out = [label for label, z in scores.items() if _sigmoid(z) >= self.models[label].threshold]
        return out or [max(scores, key=scores.get)]

    def best(self, features: Features) -> str:
        """Multi-class (one-vs-rest): the label with the highest score."""
        scores = self.scores(features)
        return max(scores, key=scores.get)

    def to_json(self) -> dict:
        return {"name": self.name, "labels": {k: m.to_json() for k, m in self.models.items()}}

    @classmethod
    def from_json(cls, data: dict) -> LabelSet:
        return cls(data["name"], {k: LinearModel.from_json(v) for k, v in data["labels"].items()})


def load(path: Path) -> LinearModel | LabelSet:
    data = json.loads(path.read_text(encoding="utf-8"))
    return LabelSet.from_json(data) if "labels" in data else LinearModel.from_json(data)
