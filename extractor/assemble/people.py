"""Person mentions -> people with title, role and affiliation.

A role attaches to a person as an apposition after the name ("Florian Weidemann,
Klinikgeschäftsführer der Sanovia Klinik Wernau") or before it ("Chefarzt Dr. Bernd Kaltwasser",
"Der Präsident des Landesgesundheitsamts, Ulrich Brenner"); the organisation that closes the role's
apposition (right after the role, after a department or project named first, or between role and
name) is the affiliation. Later mentions by surname ("Herr Lamprecht",
"Prof. Seidlitz") join the person named in full.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractor.nlp import lexicons
from extractor.nlp.labels import ARTICLES

_HOUSE_ROLES = ("geschäftsführ", "direktor", "chefarzt", "chefärztin", "oberarzt", "oberärztin", "leiter", "vorstand",
                "vorsitzend", "aufsichtsrat", "präsident", "rektor", "dekan", "kanzler", "sprecher")
_AUTHOR_OPENERS = ("von ", "autor", "text:", "text von", "redaktion")
# words that introduce an affiliation: "der/des X", "am/im X", "an der X", "bei X", "aus der X", "für das X"
_PREP_WORDS = frozenset("der des dem den die das am im an vom von bei beim in aus für".split())
_CLAUSE_END = frozenset({",", ";", ":", ".", "!", "?", "(", ")", "„", "“", "”", '"', "«", "»"})
_APPOSITION_SPAN = 14  # tokens an apposition may run before its organisation ("Leiter der ... der UKN")


@dataclass(eq=False)
class PersonEntity:
    name: str
    title: str | None = None
    role: str | None = None
    affiliation: object = None  # institutions.Entity
    mentions: list[dict] = field(default_factory=list)


def _is_author(doc, p: dict) -> bool:
    """Bylines: "(Dr. Hedwig Sommerfeld)" after a date line, "Von Anna Muster" at a line start."""
    sent = doc[p["start"]].sent
    before = doc[sent.start : p["start"]].text.strip().lower()
    if before.startswith(_AUTHOR_OPENERS) and p["start"] - sent.start <= 3:
        return True
    if p["start"] > 0 and doc[p["start"] - 1].text == "(" and p["end"] < len(doc) and doc[p["end"]].text == ")":
        line = sent.text
        return any(ch.isdigit() for ch in line[:40]) and len(line) < 120
    return False


def _affiliation_after(doc, k: int, inst_starts: dict[int, tuple[int, object]], end: int | None = None) -> object:
    """Entity that closes the apposition starting at token k: right there ("der Sanovia Klinik
    Wernau", "am UKN") or after a department or project named first ("der Klinik für
    Anästhesie des Emstal Klinikums", "des Pilotprojekts Tele-Visite am UKN").
    The scan stops at clause punctuation, at `end`, or after _APPOSITION_SPAN tokens."""
    if k >= len(doc):
        return None
    stop = min(end if end is not None else len(doc), k + _APPOSITION_SPAN, doc[k].sent.end)
    for j in range(k, stop):
        if j > k and doc[j].text in _CLAUSE_END:
            break
        hit = inst_starts.get(j)
        if hit and (j == k or _introduced(doc, j)):
            return hit[1]
    return None


def build(doc, person_mentions: list[dict], roles: list[dict], inst_starts: dict[int, tuple[int, object]],
          place_entities: dict[str, object], entities: list | None = None) -> list[PersonEntity]:
    role_by_start = {r["start"]: r for r in roles}
    role_by_end = {r["end"]: r for r in roles}
    people: list[PersonEntity] = []
    for p in person_mentions:
        if _is_author(doc, p):
            continue
        name = p["name"]
        role, affil = _role_for(doc, p, role_by_start, role_by_end, inst_starts, place_entities)
        target = _match(people, name)
        if target is None:
            target = PersonEntity(name=name)
            people.append(target)
        elif len(name.split()) > len(target.name.split()):
            target.name = name
        target.mentions.append(p)
        target.title = target.title or p.get("title")
        if role and not target.role:
            target.role = role
            if affil is not None:
                target.affiliation = affil
        elif affil is not None and target.affiliation is None and target.role == role:
            target.affiliation = affil
    for person in people:
        if person.role and person.affiliation is None:
            person.affiliation = _implied_affiliation(person.role, entities or [])
    return people


def _house_words(role: str) -> list[str]:
    """Organisation words inside a role: the head of a compound role ("Instituts|leiter" ->
    "institut") and genitive complements ("des Klinikums" -> "klinikum")."""
    out = []
    lex = lexicons.roles()
    for word in re.findall(r"[\wäöüßÄÖÜ-]+", role):
        low = word.lower().replace("-", "")
        head = lexicons.heads().lookup(word)
        if head is not None:
            out.append(head.base.lower().split("-")[-1] if not head.suffix_of_compound else head.base.lower())
            continue
        for suffix in lex.suffixes:
            if low.endswith(suffix) and len(low) > len(suffix) + 3:
                stem = low[: -len(suffix)].rstrip("s")
                out.append(stem)
                break
    return [w for w in out if len(w) >= 4]


def _house_named_in_role(role: str, entities: list) -> object:
    """The one organisation whose name holds a house word of the role ("Institutsleiter",
    "Geschäftsführerin des Klinikums", "Vorsitzende des Palliativnetzes")."""
    for word in _house_words(role):
        hits = [e for e in entities if word in e.name.lower().replace("-", " ")]
        if len(hits) == 1:
            return hits[0]
    return None


def _implied_affiliation(role: str, entities: list) -> object:
    """Affiliation the role itself implies: "Gesundheitsministerin" -> the Gesundheitsministerium,
    "Vorsitzender der Voltaro-Geschäftsführung" -> Voltaro Systemtechnik GmbH, and in a text about one
    organisation only, that organisation for a function inside it ("Geschäftsführer")."""
    low = role.lower()
    m = re.search(r"(\w+?)(minister|ministerin)\b", low)
    if m:
        stem = m.group(1).rstrip("s")
        hits = [e for e in entities if "ministerium" in e.name.lower() and stem and stem in e.name.lower()]
        if len(hits) == 1:
            return hits[0]
    for word in re.findall(r"\b([A-ZÄÖÜ][\wäöüß]+)-[A-ZÄÖÜ]", role):
        hits = [e for e in entities if word in e.name.split() or e.abbreviation == word]
        if len(hits) == 1:
            return hits[0]
    house = _house_named_in_role(role, entities)
    if house is not None:
        return house
    for prefix, org_words in lexicons.role_organisations():
        if low.startswith(prefix):
            hits = [e for e in entities if any(w in e.name.lower().split() or e.name.lower().endswith(w) for w in org_words)]
            if len(hits) == 1:
                return hits[0]
    houses = sorted((e for e in entities if e.kind not in ("network", "public_authority")), key=lambda e: -len(e.mentions))
    if houses and any(w in low for w in _HOUSE_ROLES) and not _house_words(role):
        top = len(houses[0].mentions)
        second = len(houses[1].mentions) if len(houses) > 1 else 0
        if top >= 2 and top >= 3 * max(second, 1) or (top >= 2 and second == 0):
            return houses[0]  # the text is about this one organisation
    return None


def _match(people: list[PersonEntity], name: str) -> PersonEntity | None:
    toks = name.split()
    for person in people:
        ptoks = person.name.split()
        if ptoks[-1] != toks[-1]:
            continue
        if len(toks) == 1 or len(ptoks) == 1 or ptoks[0] == toks[0]:
            return person
    return None


def _introduced(doc, j: int) -> bool:
    """An organisation at token j is introduced by a preposition or article, possibly across
    attributive adjectives ("der staatlichen Hochschule Lindenau", "am Universitätsklinikum")."""
    i = j - 1
    while i > 0 and doc[i].is_lower and _attributive(doc, doc[i]):
        i -= 1
    return i >= 0 and doc[i].lower_ in _PREP_WORDS


def _attributive(doc, t) -> bool:
    prev = doc[t.i - 1].lower_ if t.i else ""
    return t.is_alpha and prev in ARTICLES and t.lower_.endswith(("e", "en", "er", "es", "em"))


def _in_noun_phrase(doc, t) -> bool:
    """Tokens between a role and the name it introduces: names, articles, prepositions, "und",
    and attributive adjectives after an article ("der selbständigen Abteilung", "der staatlichen
    Hochschule"), but no verb ("Der Chefarzt begrüßte Prof. X")."""
    if t.text[:1].isupper() or t.text in (",", "–", "-") or t.lower_ in ARTICLES or t.lower_ in _PREP_WORDS:
        return True
    if t.lower_ in ("und", "für", "zu", "zur", "zum"):
        return True
    return _attributive(doc, t)


def _role_for(doc, p, role_by_start, role_by_end, inst_starts, place_entities):
    n = len(doc)
    # role after the name: "Name, Role der Org"
    k = p["end"]
    if k < n and doc[k].text == ",":
        k += 1
        if k < n and doc[k].lower_ in ("der", "die") and k + 1 in role_by_start:
            k += 1  # "Name, der Präsident des Verbands"
    r = role_by_start.get(k)
    if r is not None:
        affil = _affiliation_after(doc, r["end"], inst_starts)
        return r["text"], affil
    # "Dr. Bernd Kaltwasser aus Wernau": the house in that place
    if k + 1 < n and doc[p["end"]].lower_ == "aus" and doc[p["end"] + 1].text in place_entities:
        return None, place_entities[doc[p["end"] + 1].text]
    # role before the name: "Chefarzt Dr. X", "Der Präsident des Landesgesundheitsamts, X"
    k = p["start"]
    if k > 0 and doc[k - 1].text == ",":
        k -= 1
    r = role_by_end.get(k)
    if r is not None:
        return r["text"], _affiliation_after(doc, r["end"], inst_starts)
    # role, then the organisation, then the name: "Klinikgeschäftsführer des Herzzentrums Talberg Klaus Dornbusch"
    for gap_end in range(k, max(k - 8, 0), -1):
        r = None
        for e in range(gap_end, max(gap_end - 8, 0), -1):
            if e in role_by_end:
                r = role_by_end[e]
                break
        if r is None:
            break
        gap = doc[r["end"] : k]
        if len(gap) <= _APPOSITION_SPAN and all(_in_noun_phrase(doc, t) for t in gap):
            return r["text"], _affiliation_after(doc, r["end"], inst_starts, end=k)
        break
    return None, None
