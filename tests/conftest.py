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


@pytest.fixture(scope="session")
def make_httpserver():
    """pytest-httpserver on 127.0.0.1, threaded: a deliberately slow page (timeout tests) must
    not hold up the requests of the tests that follow it."""
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()
