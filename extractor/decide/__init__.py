"""Learned decisions over the rules' candidates, loaded once per process.

One small model per decision, trained from the gold files by ``scripts/train_decisions.py``
and shipped as JSON in ``extractor/models/decisions/`` with its card:

- ``detect``: does the article report a cooperation;
- ``partner``: is this organisation a party of a cooperation the article reports;
- ``partner_list``: the same, second stage, also given what ``partner`` says of the
  organisations coordinated with it (members of one enumeration share their role);
- ``institution``: does this organisation belong in the record (a party, a person's employer,
  an organisation a negative text is about);
- ``types``: the types of the main cooperation (one model per type);
- ``status``: its status (one-vs-rest);
- ``date``: is this date mention the date of the main cooperation.

When the folder holds no models, assembly falls back to the rules alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from extractor.decide.linear import LabelSet, LinearModel, load

MODELS = Path(__file__).resolve().parent.parent / "models" / "decisions"
NAMES = ("detect", "partner", "partner_list", "institution", "types", "status", "date")


@dataclass(frozen=True)
class Decisions:
    detect: LinearModel
    partner: LinearModel
    partner_list: LinearModel
    institution: LinearModel
    types: LabelSet
    status: LabelSet
    date: LinearModel
    version: str = "unversioned"

    @classmethod
    def from_dir(cls, folder: Path) -> Decisions:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8")) if (folder / "meta.json").is_file() else {}
        return cls(**{n: load(folder / f"{n}.json") for n in NAMES}, version=meta.get("version", "unversioned"))

    def to_dir(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for n in NAMES:
            (folder / f"{n}.json").write_text(json.dumps(getattr(self, n).to_json(), ensure_ascii=False, indent=0) + "\n",
                                              encoding="utf-8")


def available(folder: Path = MODELS) -> bool:
    """Every decision and the organisation tagger whose candidates they were trained on."""
    return all((folder / f"{n}.json").is_file() for n in NAMES) and (folder / "org_tagger.crfsuite").is_file()


@lru_cache(maxsize=4)
def shipped(folder: Path = MODELS) -> Decisions | None:
    """The shipped decision models, or None when they are not installed (rules decide)."""
    return Decisions.from_dir(folder) if available(folder) else None
