"""coopx: cooperation facts from German press releases.

Public API::

    from extractor import Pipeline, extract_text
    record = extract_text("Das Klinikum A und die Universität B ...", published="2024-05-02")

The names are imported on first use, so `coopx --help` (and a Ctrl-C right after start) does
not wait for spaCy to load.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["Pipeline", "Record", "extract_text", "extract_html", "__version__"]

_LAZY = {"Pipeline": "extractor.pipeline", "extract_text": "extractor.pipeline", "extract_html": "extractor.pipeline",
         "Record": "extractor.records"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'extractor' has no attribute {name!r}")
