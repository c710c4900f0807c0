"""coopx's rule components, registered as spaCy factories.

Each component writes spans into `doc.spans[<key>]` (for display and inspection) and the facts
the assembly needs as plain dicts into `doc.user_data["coopx"]` (msgpack-safe, so Docs survive
multiprocessing). They run on any German pipeline: blank, the shipped model or de_core_news_lg;
when the pipeline has a statistical NER, its PER/ORG entities are merged with the rule mentions.
"""

from __future__ import annotations

import re
from spacy.language import Language
from spacy.tokens import Doc, Span

from extractor.nlp import labels, lexicons
from extractor.nlp.cues import find_cues
from extractor.nlp.docdata import blocked as blocked_tokens
from extractor.nlp.docdata import facts, set_mentions, words
from extractor.nlp.dates import find_dates
from extractor.nlp.institutions import InstitutionFinder
from extractor.nlp.names import lower_brand
from extractor.nlp.lexicons import heads
from extractor.nlp.mentions import InstMention, plain
from extractor.nlp.people import PersonMention, credited, find_people, find_roles, first_name, inside_org_name, is_particle
from extractor.nlp.segmentation import boilerplate_spans, set_sentences

RULE_COMPONENTS = ("coopx_boilerplate", "coopx_institutions", "coopx_people", "coopx_dates", "coopx_cues")


@Language.component("coopx_sentences")
def sentences_component(doc: Doc) -> Doc:
    """Sentence boundaries for press text (line breaks, periods before capitals)."""
    return set_sentences(doc)


@Language.component("coopx_boilerplate")
def boilerplate_component(doc: Doc) -> Doc:
    doc.spans[labels.BOILERPLATE] = boilerplate_spans(doc)
    return doc


@Language.factory("coopx_institutions", default_config={"use_ner": True})
def make_institutions(nlp: Language, name: str, use_ner: bool) -> "InstitutionsComponent":
    return InstitutionsComponent(use_ner)


class InstitutionsComponent:
    """Organisation mentions from rules, plus ORG entities of a statistical NER the rules missed."""

    def __init__(self, use_ner: bool) -> None:
        self.finder = InstitutionFinder()
        self.use_ner = use_ner

    def __call__(self, doc: Doc) -> Doc:
        blocked = blocked_tokens(doc)
        mentions = self.finder(doc, blocked)
        if self.use_ner and doc.ents:
            taken = {k for m in mentions for k in range(m.start, m.end)}
            by_abbr = {m.abbr: m for m in mentions if m.abbr}
            common = _common_nouns(doc)
            for ent in doc.ents:
                if ent.label_ != "ORG" or any(k in taken or k in blocked for k in range(ent.start, ent.end)):
                    continue
                if ent.text in common or not _plausible_org(doc, ent):
                    continue
                if ent.text in by_abbr:  # a statistical hit on an abbreviation the rules already resolved
                    if not (ent.start > 0 and doc[ent.start - 1].text == "("):
                        mentions.append(by_abbr[ent.text].used_as(ent.start, ent.end, ent.text))
                    continue
                mentions.append(_ner_institution(ent))
            mentions.sort(key=lambda m: m.start)
        set_mentions(doc, [m.as_dict() for m in mentions])
        return doc


# inflected attributive adjectives ("strategische", "neuen", "langjährige", "digitalen")
_ADJECTIVE = re.compile(r"(isch|lich|ig|al|iv|ell|är|neu|eng|groß|stark)(e|en|er|es|em)$")


def _plausible_org(doc: Doc, ent: Span) -> bool:
    """Statistical ORG spans that are really titled people, agencies, parenthesised abbreviations,
    departments or line labels are dropped."""
    first = ent[0].text
    if first in lexicons.titles() or first in lexicons.media() or ent.text in lexicons.media():
        return False
    if first in lexicons.first_names() and len(ent) >= 2 and not any(heads().lookup(t.text) for t in ent):
        return False
    if ent.start > 0 and doc[ent.start - 1].text == "(" and ent.end < len(doc) and doc[ent.end].text == ")":
        return False
    if len(ent) > 1 and ent[0].lower_ in ("klinik", "abteilung") and ent[1].lower_ == "für":
        return False  # a department ("Klinik für Dermatologie ... der UMTB"), as the rules read it too
    if len(ent) == 1:
        if ent.text in lexicons.generic_abbreviations():
            return False
        if ent.text.isupper() and len(ent.text) <= 3 and ent.end < len(doc) and doc[ent.end].text == ":":
            return False  # a label such as "BU:" (caption) or "PM:"
    if ent.start > 0 and ent.end < len(doc) and doc[ent.start - 1].is_quote and doc[ent.end].is_quote:
        return False  # a quoted name is a project, lab or centre ("„Labor für Zellchemie“"), not a partner
    return ent.text[:1].isupper() or lower_brand(ent[0])


def _common_nouns(doc: Doc) -> set[str]:
    """Capitalised words this text uses as common nouns: after an inflected adjective
    ("strategische Allianz"), so "die Allianz" later is the alliance, not the insurer."""
    texts = words(doc)[0]
    return {w for prev, w in zip(texts, texts[1:]) if w.istitle() and prev.islower() and _ADJECTIVE.search(prev)}


def _plausible_person(doc: Doc, ent: Span) -> bool:
    """Statistical PER spans count when they look like a name: every token a capitalised word
    (or a particle) and no title inside, and one of: after "Herr"/"Frau" or a role
    ("Bürgermeister Talhuber", "Talberg-Chef Namenlos"), a known first name and a surname, or two
    words and a role after the comma ("Jorvan Mekenstedt, der CEO von ...")."""
    words = [t for t in ent if not is_particle(t.lower_)]
    if not words or any(not t.text[:1].isupper() or not t.text.replace("-", "").isalpha() or t.text in lexicons.titles()
                        or t.text in lexicons.nonname_words() for t in words):
        return False
    before = doc[ent.start - 1].text if ent.start > 0 else ""
    if before in ("Herr", "Herrn", "Frau") or lexicons.roles().is_role(before):
        return True
    if len(words) < 2:
        return False
    return first_name(words[0].text) or _role_after(doc, ent.end)  # "Gemeinsames Labor", "Kersting Antriebstechnik" are no people


def _role_after(doc: Doc, k: int) -> bool:
    """", der CEO", ", Leiterin des ...", ", Stellvertretender Vorsitzender" right after a name."""
    if k >= len(doc) or doc[k].text != ",":
        return False
    k += 1
    if k < len(doc) and doc[k].lower_ in ("der", "die"):
        k += 1
    roles = lexicons.roles()
    while k < len(doc) and roles.is_modifier(doc[k].text) and not roles.is_role(doc[k].text):
        k += 1
    return k < len(doc) and roles.is_role(doc[k].text)


def _ner_institution(ent: Span) -> InstMention:
    head = heads().last_in(t.text for t in ent)
    text = ent.text
    # genitive "-s" of a single-word name ("Philips" keeps it: only strip when a head says so)
    if head is not None and len(ent) == 1:
        text = head.base
    return InstMention(ent.start, ent.end, text, head.kind if head else "other", head.base if head else None, source="ner")


@Language.factory("coopx_people", default_config={"use_ner": True})
def make_people(nlp: Language, name: str, use_ner: bool) -> "PeopleComponent":
    return PeopleComponent(use_ner)


class PeopleComponent:
    """Person mentions (titles kept apart from the name) and role phrases."""

    def __init__(self, use_ner: bool) -> None:
        self.use_ner = use_ner

    def __call__(self, doc: Doc) -> Doc:
        blocked = blocked_tokens(doc)
        inst_tokens: dict[int, int] = {}
        inst_set: set[int] = set()
        for m in facts(doc).get("inst", []):
            inst_tokens[m["start"]] = m["end"]
            inst_set.update(range(m["start"], m["end"]))
        def of_article(start: int, end: int) -> bool:
            """Not a credit or byline, not inside an organisation's name."""
            return not credited(doc, start, end) and not inside_org_name(doc, start, inst_set)

        people = [p for p in find_people(doc, inst_set)
                  if not any(k in blocked for k in range(p.start, p.end)) and of_article(p.start, p.end)]
        if self.use_ner and doc.ents:
            taken = {k for p in people for k in range(p.start, p.end)} | inst_set | blocked
            for ent in doc.ents:
                if ent.label_ == "PER" and not any(k in taken for k in range(ent.start, ent.end)) and _plausible_person(doc, ent) \
                        and of_article(ent.start, ent.end):
                    people.append(PersonMention(ent.start, ent.end, ent.text, None))
            people.sort(key=lambda p: p.start)
        person_tokens = {k for p in people for k in range(p.start, p.end)}
        roles = [r for r in find_roles(doc, inst_tokens, person_tokens) if not any(k in blocked for k in range(r.start, r.end))]
        doc.spans[labels.PERSON] = [Span(doc, p.start, p.end, label="PER") for p in people]
        doc.spans[labels.ROLE] = [Span(doc, r.start, r.end, label="ROLE") for r in roles]
        facts(doc)["person"] = [plain(p) for p in people]
        facts(doc)["role"] = [plain(r) for r in roles]
        return doc


@Language.component("coopx_dates")
def dates_component(doc: Doc) -> Doc:
    blocked = blocked_tokens(doc)
    dates = [d for d in find_dates(doc) if d.start not in blocked]
    doc.spans[labels.DATE] = [Span(doc, d.start, d.end, label="DATE") for d in dates]
    facts(doc)["date"] = [plain(d) for d in dates]
    return doc


@Language.component("coopx_cues")
def cues_component(doc: Doc) -> Doc:
    blocked = blocked_tokens(doc)
    cues = [c for c in find_cues(doc) if c.start not in blocked]
    doc.spans[labels.CUE] = [Span(doc, c.start, c.end, label=f"{c.group}:{c.label}") for c in cues]
    facts(doc)["cue"] = [plain(c) for c in cues]
    return doc
