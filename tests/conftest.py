"""Shared fixtures: one rules-only pipeline per test session (loading spaCy is the slow part)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def rules_pipeline():
    from extractor.pipeline import Pipeline
    from extractor.settings import Settings

    return Pipeline(Settings(model="blank"))


@pytest.fixture(scope="session")
def nlp(rules_pipeline):
    return rules_pipeline.nlp


@pytest.fixture(scope="session")
def extract(rules_pipeline):
    """text -> Record with the rules-only pipeline."""
    from extractor.documents import RawDocument

    def run(text: str, published: str | None = None):
        return rules_pipeline.extract(RawDocument(origin="test", content=text, content_type="text", published=published))

    return run
