"""Rule-based organisation mentions: head nouns with their name parts, legal forms,
abbreviations in parentheses, and coordinated plurals
("Universitätskliniken Talberg und Nordhain" -> two mentions).

Each mention carries a canonical nominative name built from its parts, so genitive and dative
forms ("des Herzzentrums Talberg") fold to "Herzzentrum Talberg".
"""

from __future__ import annotations

from spacy.tokens import Doc

from extractor.nlp import abbreviations, lexicons
from extractor.nlp.docdata import words
from extractor.nlp.labels import ARTICLES, DASHES, PREPOSITIONS
from extractor.nlp.mentions import InstMention
from extractor.nlp.segmentation import SentenceBounds, sentence_bounds
from extractor.nlp.names import (
    ADJ,
    ALLCAPS,
    fold_adjective,
    is_cap,
    is_cap_word,
    is_namepart,
    is_network_name,
    join_name,
    looks_like_person_start,
    lower_brand,
    nonname,
    place_of_adjective,
    place_run,
    proper_compound,
)

_FOR_HEADS = {"institut", "zentrum", "center", "centre", "ministerium", "bundesministerium", "landesministerium",
              "gesellschaft", "stiftung", "verband", "verein", "akademie", "netzwerk", "verbund", "hochschule",
              "universität", "kammer", "agentur", "amt", "forschungszentrum"}
_WHERE_PREPS = frozenset(("im", "in", "aus", "nach", "ins"))  # before an area head: where, not who
_LOCATION_HEADS = {"Landkreis", "Kreis", "Stadt", "Gemeinde", "Freistaat", "Region", "Land", "Bundesland", "Kanton", "Bezirk",
                   "Provinz", "Woiwodschaft"}


_FOREIGN_LINKS = frozenset(("of", "for", "de", "di", "del", "della", "du"))
_FOREIGN_WORDS = 4  # name words a foreign complement takes at most: "of Science and Technology Austria"


def _after_aside(doc: Doc, k: int, limit: int) -> int:
    """Past a short parenthesis after a list member: "Wernau (Kreis Talberg), Kaltenbach"."""
    if k < limit and doc[k].text == "(":
        for j in range(k + 1, min(limit, k + 7)):
            if doc[j].text == ")":
                return j + 1
    return k


def _located(doc: Doc, k: int, limit: int) -> int:
    """End of the place the NER marks at k (a town or region, not a country), else k."""
    for e in doc.ents:
        if e.start == k and e.label_ == "LOC" and e.end <= limit and e.text not in lexicons.countries():
            return e.end
    return k


def _foreign_complement(doc: Doc, k: int, limit: int) -> int:
    """End of "of Negev", "de Madrid", "for Advanced Studies", "of Science and Technology" after a
    head: in German text these words only continue a foreign name; k when no name part follows."""
    e = k + 1
    if e < limit and doc[e].lower_ in ("the", "la", "le", "el"):
        e += 1
    last, taken = k, 0
    while e < limit and taken < _FOREIGN_WORDS:
        if is_namepart(doc[e]):
            e += 1
            last, taken = e, taken + 1
        elif doc[e].lower_ in ("and", "&", "y", "e", "et") and e + 1 < limit and is_namepart(doc[e + 1]):
            e += 1
        else:
            break
    return last


def _truncated_pair(doc: Doc, j: int, sent_start: int) -> bool:
    """Tokens j-2, j-1 are "Mühlen-" "und": a truncated compound coordinated with the next word."""
    return j - 2 >= sent_start and doc[j - 1].lower_ in ("und", "oder") and len(doc[j - 2].text) > 2 \
        and doc[j - 2].text.endswith("-") and doc[j - 2].text[:1].isupper()


class InstitutionFinder:
    """Finds organisation mentions in one Doc; pure function of the tokens and the lexicons."""

    def __init__(self) -> None:
        self.heads = lexicons.heads()
        self.legal = lexicons.legal_forms()
        self._legal_firsts: dict[str, list[tuple[str, ...]]] = {}
        for form in self.legal:
            self._legal_firsts.setdefault(form[0], []).append(form)

    def _sent(self, i: int) -> SentenceBounds:
        return self._bounds[i]

    def __call__(self, doc: Doc, blocked: set[int] | None = None) -> list[InstMention]:
        blocked = blocked or set()
        self._bounds = sentence_bounds(doc)
        self._texts = texts = words(doc)[0]
        self._words = set(texts)
        found: list[InstMention] = []
        taken: set[int] = set()

        def add(m: InstMention) -> None:
            # a name never ends in a truncated compound ("die Unternehmen Innenraum- und ...")
            if any(k in taken for k in range(m.start, m.end)) or texts[m.end - 1].endswith("-"):
                return
            found.append(m)
            taken.update(range(m.start, m.end))

        for m in self._legal_forms(doc):
            add(m)
        for i, text in enumerate(texts):
            # cheap text tests first: most tokens are no head noun
            if i in taken or i in blocked or not text[:1].isupper() or self.heads.lookup(text) is None:
                continue
            for m in self._from_head(doc, i):
                add(m)
        abbreviations.attach_definitions(doc, found, taken, lambda i: self._sent(i).end, lambda i: self._sent(i).start)
        abbreviations.find_uses(doc, found, taken, blocked)
        for m in self._after_descriptor(doc, taken, blocked):
            add(m)
        found.sort(key=lambda m: m.start)
        return [m for m in found if not any(k in blocked for k in range(m.start, m.end))]

    # -- head nouns ---------------------------------------------------------------------------
    def _from_head(self, doc: Doc, i: int) -> list[InstMention]:
        tok = doc[i]
        if not is_cap(tok) or (tok.text.isupper() and tok.text.lower() not in self.heads.exact):
            return []
        head = self.heads.lookup(tok.text)
        if head is None:
            return []
        if tok.text.isupper() and (not (i + 1 < len(doc) and is_namepart(doc[i + 1])) or (i > 0 and doc[i - 1].text == "(")):
            return []  # "TU Talberg" names a house; a bare "TU" or an abbreviation in parentheses does not
        if head.base in _LOCATION_HEADS and i > 0 and (doc[i - 1].lower_ in _WHERE_PREPS or (
                i > 1 and doc[i - 1].lower_ in ARTICLES and doc[i - 2].lower_ in _WHERE_PREPS)):
            return []  # "im Kreis Talberg", "in den Kreisen Talberg und Nordhain": where, not who
        sent = self._sent(i)
        # left: modifiers (brands, adjectives, place adjectives)
        j = i
        while j - 1 >= sent.start and i - (j - 1) <= 4:
            prev = doc[j - 1]
            if prev.text in DASHES and j - 2 >= sent.start and doc[j - 2].text.endswith("-"):
                j -= 1
                continue
            if _truncated_pair(doc, j, sent.start):
                j -= 2  # "Industrie- und Handelskammer", "Herz- und Gefäßzentrum": one name
                continue
            if prev.text in ("–", "—") and j - 3 >= sent.start and doc[j - 3].lower_ in ARTICLES and is_namepart(doc[j - 2]):
                j -= 2  # "das Aurelia – Forschungszentrum Lübeck": a name joined by a dash (not a dateline)
                continue
            if prev.is_lower and lexicons.is_name_adjective(prev.text):
                j -= 1  # "die evangelische Kirchengemeinde Talberg": the adjective names it too
                continue
            if j == i - 1 and prev.text in lexicons.first_names() and is_cap(doc[j]) \
                    and (j - 2 < sent.start or doc[j - 2].lower_ in ARTICLES or doc[j - 2].lower_ in PREPOSITIONS):
                j -= 1  # "die Dietmar Talmann Stiftung": named after a person
                break
            if not is_namepart(prev) or looks_like_person_start(doc, j - 1):
                break
            if j - 1 == sent.start and not ADJ.match(prev.text) and not prev.text.endswith("er") \
                    and not prev.text[:1].isupper():
                break
            j -= 1
        # sentence-initial common nouns ("Patient:innen Klinikum") are rare; a lone first-word
        # modifier that is a plain noun would be wrong more often than right
        mods = [t.text[:1].upper() + t.text[1:] if t.is_lower and lexicons.is_name_adjective(t.text) else t.text
                for t in doc[j:i]]
        # right: abbreviation, place, "für"-complement, "der Universität X"
        end = i + 1
        limit = sent.end
        place = None
        if end < limit and doc[end].lower_ == "für" and (mods or head.base.lower().split("-")[-1] in _FOR_HEADS
                                                         or any(head.base.lower().endswith(h) for h in _FOR_HEADS)) \
                and head.base.lower() not in ("klinik", "abteilung"):
            k = self._for_complement(doc, end + 1, limit)
            if k > end + 1:
                end = k
        if end + 1 < limit and doc[end].lower_ in _FOREIGN_LINKS:
            end = _foreign_complement(doc, end, limit)  # "University of Negev", "Universidad Complutense de Madrid"
        if end + 1 < limit and doc[end].lower_ in ("der", "des") and not head.suffix_of_compound:
            end = self._parent_unit(doc, end + 1, limit) or end  # a compound ("Leberzentrum des X") is a unit of X
        if end + 1 < limit and doc[end].lower_ == "zu" and is_namepart(doc[end + 1]):
            end += 1  # "Universität zu Talberg"
        p_end = place_run(doc, end, limit)
        if p_end > end:
            place = doc[end:p_end].text
            end = p_end
        elif not head.plural and self._unnamed(doc, j, i, tok) and end + 1 < limit and doc[end].lower_ == "in" \
                and (mods or end > i + 1 or (head.suffix_of_compound and head.kind == "public_authority")):
            k = _located(doc, end + 1, limit)
            if k > end + 1:  # "die Hochschule für Musik in Talberg", "das Städtische Krankenhaus in Wernau"
                place, end = doc[end + 1 : k].text, k
        mentions: list[InstMention] = []
        # coordinated plural: "Universitätskliniken Talberg und Nordhain", "Sanovia Kliniken in Wernau und Borna"
        if head.plural:
            start_places = i + 1
            if place is None and start_places < limit and doc[start_places].lower_ in ("in", "aus") :
                k = place_run(doc, start_places + 1, limit)
                if k > start_places + 1:
                    place, end = doc[start_places + 1 : k].text, k
            elif place is None and start_places + 2 < limit and doc[start_places].lower_ == "der":
                area = self.heads.lookup(doc[start_places + 1].text)
                k = place_run(doc, start_places + 2, limit)
                if area is not None and area.plural and area.base in _LOCATION_HEADS and head.base not in _LOCATION_HEADS \
                        and k > start_places + 2:
                    place, end = doc[start_places + 2 : k].text, k  # "die Sportbünde der Kreise Talberg und Nordhain"
            if place is not None:
                spans = [(i, end, place)]
                k = _after_aside(doc, end, limit)
                while k + 1 < limit and doc[k].lower_ in ("und", "sowie", ","):
                    k2 = place_run(doc, k + 1, limit)
                    if k2 == k + 1:
                        break
                    spans.append((k + 1, k2, doc[k + 1 : k2].text))
                    k = _after_aside(doc, k2, limit)
                if len(spans) == 1 and doc[i + 1].lower_ in ("in", "aus"):
                    return []  # "Kliniken in Mittelhessen": a region, not a named house
                if len(spans) > 1:
                    for s, e, pl in spans:
                        start = j if s == i else s
                        canon = self._canonical(mods, head, None, pl)
                        mentions.append(InstMention(start, e, canon, self._kind(mods, head, canon), head.base, pl,
                                                    modifiers=mods, source="coord"))
                    return mentions
            # a plural without places is generic ("beide Kliniken", "Medizinische Versorgungszentren")
            if place is None:
                return []
        named = bool(mods) or place is not None or end > i + 1 or proper_compound(tok.text)
        if not named:
            # a compound public authority names itself ("Landesgesundheitsamt", "Gesundheitsministerium")
            if head.suffix_of_compound and head.kind == "public_authority" and not head.plural:
                named = True
            elif end < limit and doc[end].text == "(" and end + 2 < limit and doc[end + 2].text == ")" and ALLCAPS.match(doc[end + 1].text):
                named = True
        if not named:
            k = self._genitive_name(doc, end, limit) if not head.suffix_of_compound else end
            if k > end:  # "Klinikum der Lindenau-Universität"; a compound head ("Leberzentrum des X") is a unit of X
                canon = self._canonical(mods, head, doc[end:k].text, None)
                return [InstMention(j, k, canon, self._kind(mods, head, canon), head.base, None, modifiers=mods)]
            return []
        place_adj = None
        if mods and place is None and end == i + 1:
            stem = place_of_adjective(self._words, mods[-1])
            if stem:
                place_adj, place, mods = mods[-1], stem, mods[:-1]
                canon = self._canonical(mods, head, None, stem)
                return [InstMention(j, end, canon, self._kind(mods, head, canon), head.base, None, place_adj, modifiers=mods)]
        describing = lexicons.describing_compound(head.base) and _located(doc, i + 1, limit) != end
        if end > i + 1 and is_cap(doc[i + 1]) and (describing or (
                not mods and lexicons.is_descriptor(tok.text) and self._names_itself(doc[i + 1 : end]))):
            # "der Verein Palliativnetz Altmark", "des Wiener Baukonzerns Talag": the descriptor is not
            # part of the name, but "der Verein Waldzeit" is the name itself, and "der Energiekonzern
            # Talberg" is named for its town
            canon = doc[i + 1 : end].text
            kind = "network" if is_network_name(canon) else head.kind
            return [InstMention(i + 1, end, canon, kind, None, place, modifiers=[])]
        canon = self._canonical(mods, head, doc[i + 1 : end].text if end > i + 1 else None, None)
        return [InstMention(j, end, canon, self._kind(mods, head, canon), head.base, place, place_adj, modifiers=mods)]

    @staticmethod
    def _unnamed(doc: Doc, j: int, i: int, tok) -> bool:
        """A head alone or with adjectives only ("Städtisches Klinikum", "Kassenärztliche
        Vereinigung"): no brand, person or place of its own."""
        return not proper_compound(tok.text) and all(ADJ.match(t.text) and not t.text.endswith("er") for t in doc[j:i])

    def _names_itself(self, span) -> bool:
        """A complement that is an organisation's name on its own: it has its own head noun."""
        return is_network_name(span.text) or any(self.heads.lookup(t.text) for t in span)

    def _parent_unit(self, doc: Doc, k: int, limit: int) -> int | None:
        """End of a named organisation in the genitive that the name belongs to ("Medizinische
        Fakultät der Talberg-Universität", "Ministerium für Verkehr des Landes Nordhain", "Dienst
        der Stadt Wernau"): the canonical name is the fullest form, the parent included."""
        tok = doc[k]
        parent = self.heads.lookup(tok.text) if is_cap(tok) else None
        if parent is None or parent.plural:
            return None
        e = place_run(doc, k + 1, limit)
        if e > k + 1 or proper_compound(tok.text):
            return e
        return None

    def _genitive_name(self, doc: Doc, k: int, limit: int) -> int:
        """End of "der/des <name>" after a bare head, when the complement is itself a name
        (a capitalised name part or a head with one); else k."""
        if k + 1 >= limit or doc[k].lower_ not in ("der", "des"):
            return k
        e = k + 1
        named = False
        while e < limit and e - k <= 5 and (is_namepart(doc[e], allow_heads=True) or doc[e].text in DASHES):
            if (is_namepart(doc[e]) and not self.heads.lookup(doc[e].text)) or proper_compound(doc[e].text):
                named = True
            e += 1
        return e if named else k

    def _for_complement(self, doc: Doc, k: int, limit: int) -> int:
        """End of "für Technologie", "für Wasser- und Bodenschutz", "für Anästhesiologie Talberg/Wernau"."""
        start = k
        last_good = k
        while k < limit and k - start < 8:
            tok = doc[k]
            if is_cap(tok) and not nonname(tok) and not lexicons.roles().is_role(tok.text):
                k += 1
                last_good = k
            elif tok.lower_ in ("und", "sowie") and k + 1 < limit and (is_cap(doc[k + 1]) or doc[k + 1].is_lower):
                k += 1
            elif tok.text in ("/", ",") and k + 1 < limit and is_cap(doc[k + 1]):
                k += 1
            elif tok.is_lower and tok.is_alpha and tok.text.endswith(("e", "en", "er", "es")) and k + 1 < limit and is_cap(doc[k + 1]) \
                    and tok.lower_ not in ARTICLES and tok.lower_ not in PREPOSITIONS:
                k += 1  # adjective: "für angewandte Forschung"
            elif tok.text.endswith("-") and k + 1 < limit:
                k += 1
            else:
                break
        return last_good

    def _canonical(self, mods: list[str], head, right: str | None, place: str | None) -> str:
        parts = [fold_adjective(m, head.gender) for m in mods]
        base = head.base
        parts.append(base)
        if right:
            parts.append(right)
        if place:
            parts.append(place)
        return join_name(parts)

    def _kind(self, mods: list[str], head, canon: str) -> str:
        if is_network_name(canon):
            return "network"
        low = canon.lower()
        if head.kind in ("other", "network") and any(w in low for w in ("klinik", "krankenhaus", "universitätsmedizin", "spital")):
            return "hospital"
        if head.kind == "research_institute" and "für technologie" in low:
            return "university"
        return "other" if head.kind == "network" else head.kind

    # -- legal forms ------------------------------------------------------------------------
    def _legal_forms(self, doc: Doc) -> list[InstMention]:
        out = []
        texts = self._texts
        firsts = self._legal_firsts
        i = 0
        while i < len(doc):
            match = None
            for form in firsts.get(texts[i], ()):
                n = len(form)
                if tuple(texts[i : i + n]) == form:
                    match = n
                    break
            if match is None:
                i += 1
                continue
            sent = self._sent(i)
            j = i
            while j - 1 >= sent.start and i - (j - 1) <= 6:
                prev = doc[j - 1]
                if lexicons.is_descriptor(prev.text) and j < i:
                    break
                if prev.text in ("&", "-", "+") or (is_cap(prev) and not nonname(prev) and not lexicons.roles().is_role(prev.text)) \
                        or lower_brand(prev) \
                        or (prev.like_num and j - 1 > sent.start):
                    j -= 1
                    continue
                if _truncated_pair(doc, j, sent.start):
                    j -= 2  # "Mühlen- und Speicherbau AG"
                    continue
                break
            while j < i and doc[j].text in ("&", "-", "+"):
                j += 1  # a connector joins name parts, it never starts a name ("- Kliniken Talberg AG" in a list)
            if j < i:
                canon = doc[j : i + match].text
                out.append(InstMention(j, i + match, canon, "company", None, source="legal"))
            i += match
        return out

    # -- descriptor + name -------------------------------------------------------------------
    def _after_descriptor(self, doc: Doc, taken: set[int], blocked: set[int]) -> list[InstMention]:
        """"der Medizintechnikhersteller Dräger", "das Start-up Nia Health": a describing noun, then a
        name that no other rule found."""
        out = []
        texts = words(doc)[0]
        for i in range(len(doc) - 1):
            if i in taken or i in blocked or not is_cap_word(texts[i]) or not lexicons.is_descriptor(texts[i]):
                continue
            tok = doc[i]
            if i == 0 or doc[i - 1].lower_ not in ARTICLES | {"dem", "den", "vom", "beim", "zum", "zur"}:
                continue
            k = i + 1
            while k < self._sent(i).end and k - i <= 3 and k not in taken and is_namepart(doc[k]) \
                    and not (k == i + 1 and looks_like_person_start(doc, k)):
                k += 1
            if k == i + 1:
                continue
            name = doc[i + 1 : k].text
            kind = "association" if tok.lower_.endswith(("verein", "verband")) else "company"
            out.append(InstMention(i + 1, k, name, "network" if is_network_name(name) else kind, None, source="descriptor"))
        return out
