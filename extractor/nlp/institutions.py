"""Rule-based organisation mentions: head nouns with their name parts, legal forms, known
organisations, abbreviations in parentheses, and coordinated plurals
("Universitätskliniken Leipzig und Jena" -> two mentions).

Each mention carries a canonical nominative name built from its parts, so genitive and dative
forms ("des Herzzentrums Leipzig") fold to "Herzzentrum Leipzig".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from spacy.tokens import Doc, Token

from extractor.nlp import lexicons
from extractor.nlp.labels import ARTICLES, DASHES, PLACE_LINKS, PREPOSITIONS

_ABBR = re.compile(r"^[A-ZÄÖÜ][A-Za-zÄÖÜäöü0-9&\-]{0,9}$")
_ALLCAPS = re.compile(r"^[A-ZÄÖÜ][A-ZÄÖÜ0-9&\-]{1,7}[a-z]?$")
_ADJ = re.compile(
    r"^(?P<stem>[A-ZÄÖÜ][\wäöüß\-]*?(isch|lich|ig|ell|iv|al|är|sam|bar|eutsch|neu|frei|privat|ersten|ober|unter|ost|west|nord|süd))"
    r"(?P<end>e|en|em|er|es)$"
)
_FOR_HEADS = {"institut", "zentrum", "center", "centre", "ministerium", "bundesministerium", "landesministerium",
              "gesellschaft", "stiftung", "verband", "verein", "akademie", "netzwerk", "verbund", "hochschule",
              "universität", "kammer", "agentur", "amt", "forschungszentrum"}
_LOCATION_HEADS = {"Landkreis", "Kreis", "Stadt", "Gemeinde", "Freistaat", "Region"}
_GENDER_END = {"n": "es", "f": "e", "m": "er", "p": "e"}


class _Bounds(NamedTuple):
    start: int
    end: int


@dataclass
class InstMention:
    start: int
    end: int  # token end (exclusive)
    canonical: str
    kind: str
    head: str | None = None  # nominative head, e.g. "Klinikum"
    place: str | None = None
    place_adj: str | None = None  # "Leipziger" in "Leipziger Universitätsklinikum"
    abbr: str | None = None
    modifiers: list[str] = field(default_factory=list)
    source: str = "head"  # head | legal | known | abbr | ner | coord


def _is_cap(tok: Token) -> bool:
    t = tok.text
    return bool(t) and t[0].isupper() and any(c.isalpha() for c in t)


def _nonname(tok: Token) -> bool:
    return tok.text in lexicons.nonname_words() or tok.lower_ in ARTICLES


def _is_namepart(tok: Token, *, allow_heads: bool = False) -> bool:
    """A capitalised token that can be part of a proper name (place, brand, name)."""
    if not _is_cap(tok) or _nonname(tok) or tok.is_punct:
        return False
    if tok.text in lexicons.titles() or lexicons.roles().is_role(tok.text):
        return False
    months, weekdays = lexicons.calendar()
    if tok.lower_ in months or tok.lower_ in weekdays:
        return False
    if not allow_heads and lexicons.heads().lookup(tok.text) and not tok.text.isupper():
        return False
    return True


def _proper_compound(word: str) -> bool:
    """"Emstal-Klinikverbund", "Südharz-Klinikum": a capitalised proper-name part before the head."""
    parts = word.split("-")
    return len(parts) >= 2 and len(parts[0]) >= 4 and parts[0][:1].isupper() and lexicons.heads().lookup(parts[0]) is None \
        and parts[0] not in ("Reha", "Herz", "Kinder", "Frauen", "Notfall", "Akut", "Fach", "Haupt", "Kreis", "Tele", "Uni", "Gesundheits")


def _place_of_adjective(words: set[str], word: str) -> str | None:
    """"Leipziger" -> "Leipzig" when the text also names the place itself."""
    if not (word.endswith("er") and len(word) > 5 and word[:1].isupper()):
        return None
    stem = word[:-2]
    for cand in (stem, stem + "e", stem.replace("ä", "a").replace("ö", "o").replace("ü", "u")):
        if cand in words:
            return cand
    return None


def _looks_like_person_start(doc: Doc, i: int) -> bool:
    tok = doc[i]
    if tok.text in lexicons.titles():
        return True
    return tok.text in lexicons.first_names() and i + 1 < len(doc) and _is_cap(doc[i + 1]) and not lexicons.heads().lookup(doc[i + 1].text)


def fold_adjective(word: str, gender: str) -> str:
    """Inflected adjective -> the form it takes before the head without article."""
    m = _ADJ.match(word)
    if not m:
        return word
    return m.group("stem") + _GENDER_END.get(gender, "e")


def _place_run(doc: Doc, i: int, limit: int) -> int:
    """End of a place-like name starting at i (0 tokens if none): Erfurt, Rothenburg ob der Tauber,
    Münster/Osnabrück, Halle (Saale)."""
    if i >= limit or not _is_namepart(doc[i]) or _looks_like_person_start(doc, i):
        return i
    j = i + 1
    while j < limit:
        tok = doc[j]
        if j - i < 3 and _is_namepart(tok) and not _looks_like_person_start(doc, j) and tok.text not in lexicons.first_names():
            j += 1  # "Schloss Hohenfels", "Teleintensivmedizin Bayern"
            continue
        if tok.text == "/" and j + 1 < limit and _is_namepart(doc[j + 1]):
            j += 2
            continue
        linked = False
        for link in PLACE_LINKS:
            n = len(link)
            if j + n < limit and tuple(t.lower_ for t in doc[j : j + n]) == link and _is_namepart(doc[j + n]) \
                    and doc[j + n].text not in lexicons.organisations():
                nxt = doc[j + n + 1] if j + n + 1 < limit else None
                # "Rothenburg ob der Tauber" but not "Erfurt am Montag" (weekday filtered) or "Leipzig in Sachsen ist"
                if link[0] in ("ob", "am", "an", "im") and (nxt is None or not _is_cap(nxt) or nxt.is_punct):
                    j += n + 1
                    linked = True
                break
        if linked:
            continue
        if tok.text == "(" and j + 2 < limit and doc[j + 2].text == ")" and _is_namepart(doc[j + 1]) and not _ALLCAPS.match(doc[j + 1].text):
            j += 3  # Halle (Saale)
            continue
        break
    return j


_NETWORK_NAME = re.compile(r"(^|\s)(netzwerk|verbund|allianz|konsortium|plattform|cluster|initiative)\b|netzwerk\b|netz\s", re.IGNORECASE)


def is_network_name(name: str) -> bool:
    """"Netzwerk Herzgesundheit", "Schlaganfallnetzwerk Mittelhessen", "Verbund X", "Palliativnetz Altmark";
    not an operator such as "Klinikverbund Emstal"."""
    return bool(_NETWORK_NAME.search(name + " "))


def _pieces(name: str) -> list[str]:
    """Name -> capitalised pieces whose initials may spell an abbreviation; compounds split at
    their head ("Universitätsklinikum" -> "Universitäts", "Klinikum")."""
    out = []
    for word in re.split(r"[\s\-–/]+", name):
        if not word or not word[0].isupper():
            continue
        head = lexicons.heads().lookup(word)
        if head is not None and head.suffix_of_compound:
            low = word.lower()
            for suffix, *_ in lexicons.heads().suffixes:
                if low.endswith(suffix) and len(low) > len(suffix) + 2:
                    out += [word[: len(word) - len(suffix)], suffix.capitalize()]
                    break
        elif word.lower().startswith(("universitäts", "uni")) and head is not None:
            cut = 12 if word.lower().startswith("universitäts") else 3
            out += [word[:cut], word[cut:].capitalize()]
        else:
            out.append(word)
    return out


def initials_match(abbr: str, name: str) -> bool:
    """"UKM" ~ "Universitätsklinikum Münster", "RKI" ~ "Robert Koch-Institut", "KIT" ~ "Karlsruher
    Institut für Technologie": the letters are the initials of consecutive capitalised pieces."""
    letters = [c for c in abbr.upper() if c.isalpha()]
    initials = [p[0].upper() for p in _pieces(name) if p]
    return len(letters) >= 2 and letters == initials[: len(letters)] and len(initials) - len(letters) <= 1


class InstitutionFinder:
    """Finds organisation mentions in one Doc; pure function of the tokens and the lexicons."""

    def __init__(self) -> None:
        self.heads = lexicons.heads()
        self.legal = lexicons.legal_forms()
        self._legal_firsts: dict[str, list[tuple[str, ...]]] = {}
        for form in self.legal:
            self._legal_firsts.setdefault(form[0], []).append(form)
        self.known = lexicons.organisations()
        self._known_tokens = {}
        for form in self.known:
            toks = tuple(form.split())
            self._known_tokens.setdefault(toks[0], []).append(toks)
        for firsts in self._known_tokens.values():
            firsts.sort(key=len, reverse=True)

    def _sent(self, i: int) -> "_Bounds":
        return self._bounds[i]

    def __call__(self, doc: Doc, blocked: set[int] | None = None) -> list[InstMention]:
        blocked = blocked or set()
        # sentence bounds per token, computed once (Token.sent rescans the Doc on every call)
        self._bounds = [_Bounds(0, 0)] * len(doc)
        for sent in doc.sents:
            b = _Bounds(sent.start, sent.end)
            for k in range(sent.start, sent.end):
                self._bounds[k] = b
        self._words = {t.text for t in doc}
        found: list[InstMention] = []
        taken: set[int] = set()

        def add(m: InstMention) -> None:
            if any(k in taken for k in range(m.start, m.end)):
                return
            found.append(m)
            taken.update(range(m.start, m.end))

        for m in self._legal_forms(doc):
            add(m)
        texts = [t.text for t in doc]
        for i, text in enumerate(texts):
            # cheap text tests first: most tokens are no head noun
            if i in taken or i in blocked or not text[:1].isupper() or self.heads.lookup(text) is None:
                continue
            for m in self._from_head(doc, i):
                add(m)
        self._attach_abbreviations(doc, found, taken)
        self._abbreviation_uses(doc, found, taken, blocked)
        for m in self._known_orgs(doc, taken):
            add(m)
        for m in self._after_descriptor(doc, taken, blocked):
            add(m)
        found.sort(key=lambda m: m.start)
        return [m for m in found if not any(k in blocked for k in range(m.start, m.end))]

    # -- head nouns ---------------------------------------------------------------------------
    def _from_head(self, doc: Doc, i: int) -> list[InstMention]:
        tok = doc[i]
        if not _is_cap(tok) or (tok.text.isupper() and tok.text.lower() not in self.heads.exact):
            return []
        head = self.heads.lookup(tok.text)
        if head is None:
            return []
        if tok.text.isupper() and (not (i + 1 < len(doc) and _is_namepart(doc[i + 1])) or (i > 0 and doc[i - 1].text == "(")):
            return []  # "TU Dresden" names a house; a bare "TU" or an abbreviation in parentheses does not
        if head.base in _LOCATION_HEADS and i > 0 and doc[i - 1].lower_ in ("im", "in", "aus", "nach", "ins"):
            return []
        sent = self._sent(i)
        # left: modifiers (brands, adjectives, place adjectives)
        j = i
        while j - 1 >= sent.start and i - (j - 1) <= 4:
            prev = doc[j - 1]
            if prev.text in DASHES and j - 2 >= sent.start and doc[j - 2].text.endswith("-"):
                j -= 1
                continue
            if prev.text in ("–", "—") and j - 2 >= sent.start and doc[j - 2].text in self.known:
                j -= 2  # "Charité – Universitätsmedizin Berlin": a known name joined by a dash
                continue
            if not _is_namepart(prev) or _looks_like_person_start(doc, j - 1):
                break
            if j - 1 == sent.start and prev.text not in self.known and not _ADJ.match(prev.text) and not prev.text.endswith("er") \
                    and not prev.text[:1].isupper():
                break
            j -= 1
        # sentence-initial common nouns ("Patient:innen Klinikum") are rare; a lone first-word
        # modifier that is a plain noun would be wrong more often than right
        mods = [t.text for t in doc[j:i]]
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
        if end + 2 < limit and doc[end].lower_ == "der" and doc[end + 1].text in ("Universität", "Hochschule", "Stadt"):
            k = _place_run(doc, end + 2, limit)
            if k > end + 2:
                end = k
        if end + 1 < limit and doc[end].lower_ == "zu" and _is_namepart(doc[end + 1]):
            end += 1  # "Universität zu Lübeck"
        p_end = _place_run(doc, end, limit)
        if p_end > end:
            place = doc[end:p_end].text
            end = p_end
        mentions: list[InstMention] = []
        # coordinated plural: "Universitätskliniken Leipzig und Jena", "Helios Kliniken in Plauen und Erfurt"
        if head.plural:
            start_places = i + 1
            if place is None and start_places < limit and doc[start_places].lower_ in ("in", "aus") :
                k = _place_run(doc, start_places + 1, limit)
                if k > start_places + 1:
                    place, end = doc[start_places + 1 : k].text, k
            if place is not None:
                spans = [(i, end, place)]
                k = end
                while k + 1 < limit and doc[k].lower_ in ("und", "sowie", ","):
                    k2 = _place_run(doc, k + 1, limit)
                    if k2 == k + 1:
                        break
                    spans.append((k + 1, k2, doc[k + 1 : k2].text))
                    k = k2
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
        named = bool(mods) or place is not None or end > i + 1 or _proper_compound(tok.text)
        if not named:
            # a compound public authority names itself ("Bundeskartellamt", "Bildungsministerium")
            if head.suffix_of_compound and head.kind == "public_authority" and not head.plural:
                named = True
            elif end < limit and doc[end].text == "(" and end + 2 < limit and doc[end + 2].text == ")" and _ALLCAPS.match(doc[end + 1].text):
                named = True
        if not named:
            return []
        place_adj = None
        if mods and place is None and end == i + 1:
            stem = _place_of_adjective(self._words, mods[-1])
            if stem:
                place_adj, place, mods = mods[-1], stem, mods[:-1]
                canon = self._canonical(mods, head, None, stem)
                return [InstMention(j, end, canon, self._kind(mods, head, canon), head.base, None, place_adj, modifiers=mods)]
        if not mods and end > i + 1 and lexicons.is_descriptor(tok.text) and _is_cap(doc[i + 1]):
            # "der Verein Palliativnetz Altmark": the descriptor is not part of the name
            canon = doc[i + 1 : end].text
            kind = "network" if is_network_name(canon) else head.kind
            return [InstMention(i + 1, end, canon, kind, None, place, modifiers=[])]
        canon = self._canonical(mods, head, doc[i + 1 : end].text if end > i + 1 else None, None)
        return [InstMention(j, end, canon, self._kind(mods, head, canon), head.base, place, place_adj, modifiers=mods)]

    def _for_complement(self, doc: Doc, k: int, limit: int) -> int:
        """End of "für Technologie", "für Luft- und Raumfahrt", "für Anästhesiologie Münster/Osnabrück"."""
        start = k
        last_good = k
        while k < limit and k - start < 8:
            tok = doc[k]
            if _is_cap(tok) and not _nonname(tok) and not lexicons.roles().is_role(tok.text):
                k += 1
                last_good = k
            elif tok.lower_ in ("und", "sowie") and k + 1 < limit and (_is_cap(doc[k + 1]) or doc[k + 1].is_lower):
                k += 1
            elif tok.text in ("/", ",") and k + 1 < limit and _is_cap(doc[k + 1]):
                k += 1
            elif tok.is_lower and tok.is_alpha and tok.text.endswith(("e", "en", "er", "es")) and k + 1 < limit and _is_cap(doc[k + 1]) \
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
        name = " ".join(parts)
        return re.sub(r"\s+", " ", name.replace("- ", "-")).strip()

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
        texts = [t.text for t in doc]
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
                if prev.text in ("&", "-", "+") or (_is_cap(prev) and not _nonname(prev) and not lexicons.roles().is_role(prev.text)) \
                        or (prev.like_num and j - 1 > sent.start):
                    j -= 1
                    continue
                break
            if j < i:
                canon = doc[j : i + match].text
                out.append(InstMention(j, i + match, canon, "company", None, source="legal"))
            i += match
        return out

    # -- known organisations -----------------------------------------------------------------
    def _known_orgs(self, doc: Doc, taken: set[int]) -> list[InstMention]:
        out = []
        for i, text in enumerate(t.text for t in doc):
            if i in taken or text not in self._known_tokens:
                continue
            for toks in self._known_tokens[text]:
                n = len(toks)
                if tuple(t.text for t in doc[i : i + n]) == toks and not any(k in taken for k in range(i, i + n)):
                    form = " ".join(toks)
                    name, kind = self.known[form]
                    out.append(InstMention(i, i + n, name, kind, None, source="known",
                                           abbr=form if form != name and _ALLCAPS.match(form) else None))
                    break
        return out

    # -- descriptor + name -------------------------------------------------------------------
    def _after_descriptor(self, doc: Doc, taken: set[int], blocked: set[int]) -> list[InstMention]:
        """"der Medizintechnikhersteller Dräger", "das Start-up Nia Health": a describing noun, then a
        name that no other rule found."""
        out = []
        for i, tok in enumerate(doc[:-1]):
            if i in taken or i in blocked or not _is_cap(tok) or not lexicons.is_descriptor(tok.text):
                continue
            if i == 0 or doc[i - 1].lower_ not in ARTICLES | {"dem", "den", "vom", "beim", "zum", "zur"}:
                continue
            k = i + 1
            while k < self._sent(i).end and k - i <= 3 and k not in taken and _is_namepart(doc[k]) \
                    and not (k == i + 1 and _looks_like_person_start(doc, k)):
                k += 1
            if k == i + 1:
                continue
            name = doc[i + 1 : k].text
            kind = "association" if tok.lower_.endswith(("verein", "verband")) else "company"
            out.append(InstMention(i + 1, k, name, "network" if is_network_name(name) else kind, None, source="descriptor"))
        return out

    # -- abbreviations -----------------------------------------------------------------------
    def _attach_abbreviations(self, doc: Doc, found: list[InstMention], taken: set[int]) -> None:
        """"Universitätsmedizin Magdeburg (UMMD)", "International Neuroscience Institute (INI) Hannover",
        "Medizinische Universität Lausitz – Carl Thiem (MUL – CT)"."""
        by_end = {m.end: m for m in found}
        for i, tok in enumerate(doc):
            if tok.text != "(":
                continue
            k = i + 1
            while k < len(doc) and doc[k].text != ")" and k - i <= 5:
                k += 1
            if k >= len(doc) or doc[k].text != ")" or k == i + 1:
                continue
            inner = doc[i + 1 : k]
            abbr = inner.text
            if not all(_ABBR.match(t.text) or t.text in DASHES for t in inner) or not any(c.isupper() for c in abbr[1:] + abbr[:1]):
                continue
            letters = [c for c in abbr if c.isupper()]
            if len(letters) < 2:
                continue
            m = by_end.get(i)
            if m is None:
                m = self._extend_before_paren(doc, i, letters, by_end)
            if m is None:
                continue
            m.abbr = abbr
            taken.update(range(i, k + 1))  # the definition itself is no further mention
            # a place after the parenthesis belongs to the name: "(INI) Hannover"
            p_end = _place_run(doc, k + 1, self._sent(i).end)
            if p_end > k + 1 and not any(q in taken for q in range(k + 1, p_end)) and m.place is None:
                m.place = doc[k + 1 : p_end].text
                m.canonical = f"{m.canonical} {m.place}"
            if m not in found:
                found.append(m)
                taken.update(range(m.start, m.end))
                by_end[m.end] = m

    def _abbreviation_uses(self, doc: Doc, found: list[InstMention], taken: set[int], blocked: set[int]) -> None:
        """Later uses of an abbreviation ("des INI", "der UMMD"), and all-caps short forms whose
        letters are the initials of a name in the text ("UKM" for Universitätsklinikum Münster)."""
        defined = {m.abbr: m for m in found if m.abbr}
        texts = [t.text for t in doc]
        for abbr, target in list(defined.items()):
            parts = abbr.split()
            if len(parts) < 2:
                continue
            for i in range(len(doc) - len(parts) + 1):  # "MUL – CT" used again later
                if texts[i : i + len(parts)] == parts and not any(k in taken or k in blocked for k in range(i, i + len(parts))):
                    found.append(InstMention(i, i + len(parts), target.canonical, target.kind, target.head, target.place,
                                             abbr=abbr, source="abbr-use"))
                    taken.update(range(i, i + len(parts)))
        for i, tok in enumerate(doc):
            if i in taken or i in blocked or not _ALLCAPS.match(tok.text):
                continue
            text = tok.text[:-1] if tok.text.endswith("s") and tok.text[:-1] in defined else tok.text
            target = defined.get(text)
            if target is None:
                target = next((m for m in found if m.source != "abbr-use" and initials_match(text, m.canonical)), None)
            if target is None:
                continue
            found.append(InstMention(i, i + 1, target.canonical, target.kind, target.head, target.place, abbr=text,
                                     source="abbr-use"))
            taken.add(i)

    def _extend_before_paren(self, doc: Doc, i: int, letters: list[str], by_end: dict) -> InstMention | None:
        """A name right before "(ABBR)" whose initials spell the abbreviation ("Robert Koch-Institut (RKI)",
        "Medizinische Universität Lausitz – Carl Thiem (MUL – CT)") and that no head rule found."""
        sent = self._sent(i)
        j = i
        initials: list[str] = []
        while j - 1 >= sent.start and i - j < 8:
            prev = doc[j - 1]
            if prev.text in DASHES:
                j -= 1
                continue
            if not _is_cap(prev) or _nonname(prev):
                if prev.lower_ in ("für", "und", "der", "des") and j - 2 >= sent.start and _is_cap(doc[j - 2]):
                    j -= 1
                    continue
                break
            j -= 1
            parts = re.split(r"[-\s]", prev.text)
            initials = [p[0].upper() for p in parts if p] + initials
            if "".join(initials).endswith("".join(letters)) or "".join(initials) == "".join(letters):
                break
        inner = by_end.get(j) if j in by_end else None
        if inner is not None:
            return None
        if "".join(initials)[: len(letters)] != "".join(letters) and "".join(initials) != "".join(letters):
            return None
        head = None
        for t in doc[j:i]:
            head = self.heads.lookup(t.text) or head
        kind = head.kind if head else "other"
        return InstMention(j, i, doc[j:i].text, kind, head.base if head else None, source="abbr")
