"""coopx: cooperation facts from German press releases.

Public API::

    from extractor import Pipeline, extract_text
    record = extract_text("Das Klinikum A und die Universität B ...", published="2024-05-02")
"""

from __future__ import annotations

__version__ = "0.1.0"

from extractor.pipeline import Pipeline, extract_html, extract_text  # noqa: E402,F401
from extractor.records import Record  # noqa: E402

__all__ = ["Pipeline", "Record", "extract_text", "extract_html", "__version__"]
