"""Records are the contract: a change made for speed must leave every record as it was.

`tests/data/records_reference.jsonl` holds field digests of the records the previous version
made (scripts/record_reference.py) for the team's texts and, where ../shared is present, for
../shared/dev and ../shared/train. This test makes them again and compares field by field."""

from __future__ import annotations

import json
import sys

import pytest

from tests.conftest import ROOT, SHARED

sys.path.insert(0, str(ROOT / "scripts"))
import record_reference  # noqa: E402

REFERENCE = ROOT / "tests" / "data" / "records_reference.jsonl"


def _reference() -> dict[str, dict[str, str]]:
    rows = [json.loads(line) for line in REFERENCE.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {r.pop("key"): r for r in rows}


def _compare(prints: dict, reference: dict) -> list[str]:
    diffs = []
    for key, fields in prints.items():
        want = reference.get(key)
        if want is None:
            diffs.append(f"{key}: not in the reference")
            continue
        diffs += [f"{key}: field {f!r} differs" for f in sorted(set(want) | set(fields)) if want.get(f) != fields.get(f)]
    return diffs


def _check(items: list) -> None:
    from extractor.pipeline import Pipeline

    reference = _reference()
    prints = record_reference.fingerprints(Pipeline(), items)
    diffs = _compare(prints, reference)
    assert not diffs, (f"{len(diffs)} differences against the previous version's records (rerun "
                       "scripts/record_reference.py only when the change is meant to change records):\n"
                       + "\n".join(diffs[:40]))


def test_records_of_the_team_texts_are_unchanged():
    items = [(k, raw) for k, raw in record_reference.inputs() if not k.startswith("shared/")]
    assert len(items) >= 25
    _check(items)


@pytest.mark.skipif(not (SHARED / "dev").is_dir(), reason="../shared is not present")
def test_records_of_shared_articles_are_unchanged():
    items = [(k, raw) for k, raw in record_reference.inputs() if k.startswith("shared/")]
    assert len(items) >= 400
    _check(items)


def test_a_changed_field_is_reported():
    """The comparison names the article and the field, and an article the reference lacks."""
    ref = {"a": {"people": "1", "institutions": "2"}}
    assert _compare({"a": {"people": "1", "institutions": "3"}}, ref) == ["a: field 'institutions' differs"]
    assert _compare({"b": {"people": "1"}}, ref) == ["b: not in the reference"]
    assert _compare({"a": {"people": "1", "institutions": "2"}}, ref) == []
