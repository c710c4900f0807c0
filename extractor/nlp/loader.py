"""Model resolution: de_core_news_lg > coopx's shipped model > blank German; rules on top of any.

Which one ran is returned as `PipelineInfo` and written into every record.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import spacy
from spacy.language import Language

from extractor import __version__
from extractor.errors import CoopxError
from extractor.nlp import components, coordination, ner_crf, org_tagger, tokenizer  # noqa: F401  (they register factories)
from extractor.records import PipelineInfo

SHIPPED_MODEL = ner_crf.SHIPPED_MODEL
EXTERNAL_DEFAULT = "de_core_news_lg"
RULE_COMPONENTS = components.RULE_COMPONENTS
ORG_TAGGER = "coopx_org_tagger"
STRUCTURE = "coopx_structure"  # candidates from lists and places acting as parties
FALLBACK_WARNING = "no statistical German model found: rules-only pipeline (blank German) was used"


def _shipped_available() -> bool:
    return (SHIPPED_MODEL / "meta.json").is_file()


def _load_statistical(name: str | Path) -> Language:
    # Parser/lemmatizer are not read by any rule; dropping them keeps de_core_news_lg fast.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return spacy.load(name, exclude=["lemmatizer", "attribute_ruler", "parser", "tagger", "morphologizer", "senter"])


def resolve(model: str = "auto") -> tuple[Language, PipelineInfo, list[str]]:
    """Return (nlp, which pipeline ran, warnings for the record)."""
    notes: list[str] = []
    if model == "auto":
        if spacy.util.is_package(EXTERNAL_DEFAULT):
            nlp, kind = _load_statistical(EXTERNAL_DEFAULT), "external"
        elif _shipped_available():
            nlp, kind = _load_statistical(SHIPPED_MODEL), "shipped"
        else:
            nlp, kind = spacy.blank("de"), "rules_only"
            notes.append(FALLBACK_WARNING)
    elif model in ("blank", "blank:de", "rules"):
        nlp, kind = spacy.blank("de"), "rules_only"
        notes.append(FALLBACK_WARNING)
    elif model in ("shipped", SHIPPED_MODEL.name):
        if not _shipped_available():
            raise CoopxError(f"the shipped model is not installed at {SHIPPED_MODEL}", stage="setup")
        nlp, kind = _load_statistical(SHIPPED_MODEL), "shipped"
    else:
        try:
            nlp = _load_statistical(model)
        except OSError as exc:
            raise CoopxError(f"cannot load spaCy model {model!r}: not an installed package or a model folder", stage="setup") from exc
        kind = "shipped" if Path(model).resolve() == SHIPPED_MODEL else "external"
    if nlp.lang != "de":
        raise CoopxError(f"model {model!r} is for language {nlp.lang!r}, coopx needs German", stage="setup")
    add_rule_components(nlp)
    name = "blank:de" if kind == "rules_only" else f"{nlp.meta.get('lang', 'de')}_{nlp.meta.get('name', 'model')}"
    info = PipelineInfo(
        model=name,
        model_version=None if kind == "rules_only" else nlp.meta.get("version"),
        kind=kind,
        coopx_version=__version__,
        components=list(nlp.pipe_names),
    )
    return nlp, info, notes


def add_rule_components(nlp: Language) -> Language:
    """Sentence boundaries (if the model has none) and every coopx rule component, in order."""
    tokenizer.customize(nlp)
    if not (nlp.has_pipe("parser") or nlp.has_pipe("senter") or nlp.has_pipe("sentencizer")):
        nlp.add_pipe("coopx_sentences", first=True)
    for name in RULE_COMPONENTS:
        if not nlp.has_pipe(name):
            nlp.add_pipe(name)
    return nlp


def add_candidate_components(nlp: Language) -> Language:
    """The candidate generators the learned decisions were trained on: the press-text
    organisation tagger right after the organisation rules, structure candidates last."""
    if not nlp.has_pipe(ORG_TAGGER):
        nlp.add_pipe(ORG_TAGGER, after="coopx_institutions")
    if not nlp.has_pipe(STRUCTURE):
        nlp.add_pipe(STRUCTURE)
    return nlp
