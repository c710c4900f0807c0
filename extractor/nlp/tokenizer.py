"""German press-text tokenizer tweaks: academic titles stay whole ("Dr. med.", "Univ.-Prof.") and
gender forms stay one word ("Patient:innen", "Ärzt*innen")."""

from __future__ import annotations

import re

from spacy.attrs import ORTH
from spacy.language import Language

from extractor.nlp import lexicons

_GENDER = re.compile(r"^[A-Za-zÄÖÜäöüß\-]+[:*_/][Ii]nnen$|^[A-Za-zÄÖÜäöüß\-]+[:*_][Ii]n$")


def customize(nlp: Language) -> Language:
    for title in lexicons.titles():
        if title.endswith(".") and len(title) > 1:
            nlp.tokenizer.add_special_case(title, [{ORTH: title}])
    previous = nlp.tokenizer.token_match

    def token_match(text: str):
        return _GENDER.match(text) or (previous(text) if previous else None)

    nlp.tokenizer.token_match = token_match
    return nlp
