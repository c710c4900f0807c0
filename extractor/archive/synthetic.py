"""Realistic synthetic records (contract v1) for the consolidation benchmark and tests.

Invented organisations in invented towns, each written in the ways press texts vary a name
(inflected mentions, abbreviations, Uni/Universität, hyphens, legal forms, place adjectives);
cooperations between them, most bilateral, some networks, reported again and again over the
years by many outlets, with the events of a cooperation's life (announced ... ended).
Deterministic for a seed.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_FIRST = ("Adel Alt Berg Birken Blumen Braun Buchen Dorn Eich Eller Erlen Falken Fichten Fried Glad Grün Hagen Hain "
          "Hasel Heide Herms Hohen Kalk Kirch Klee Linden Lohr Marien Mühl Neu Nord Ost Rosen Sand Schön Seel Sonnen "
          "Stein Tann Wald Wasser Weiden Wein West Wiesen Wolfs").split()
_LAST = "au bach berg born brück burg dorf feld furt hagen hausen heim hof ingen kirchen rode stadt stedt tal wald".split()
_BRANDS = "Sanova Vivaris Medicon Aurelia Helmsfeld Salvia Corvita Novum Lumen Aquila Tessera Orbis".split()
_SAINTS = "Marien Elisabeth Josef Vinzenz Franziskus Barbara Anna Martin".split()
_TOPICS = "Schlaganfall Herz Krebs Demenz Diabetes Palliativ Trauma Geburtshilfe".split()
_TYPES = ("patient_care", "education", "research", "telemedicine", "network", "joint_center", "administration",
          "strategic", "other")


@dataclass(frozen=True)
class Org:
    name: str
    kind: str
    location: str
    variants: tuple[str, ...]  # other canonical spellings other articles use
    mentions: tuple[str, ...]  # inflected forms and abbreviations within an article
    abbreviation: str | None = None


# kind, name, other spellings, forms within an article, abbreviation; {adj} is the place
# adjective ("Talberger"), {initials}/{end} spell abbreviations, {brand}/{saint}/{topic} vary
_TEMPLATES = (
    ("hospital", "Universitätsklinikum {place}", ("Uniklinik {place}", "Uniklinikum {place}", "{abbr}"),
     ("Universitätsklinikums {place}", "{abbr}"), "UK{initials}{end}"),
    ("university", "Universität {place}", ("Uni {place}", "{adj} Universität"), ("der Universität {place}",), None),
    ("hospital", "Klinikum {place}", ("Klinikum {place} gGmbH", "{adj} Klinikum"), ("Klinikums {place}",), None),
    ("company", "Stadtwerke {place}", ("Stadtwerke {place} GmbH", "{adj} Stadtwerke"), ("Stadtwerken {place}",), None),
    ("public_authority", "Stadt {place}", (), ("der Stadt {place}",), None),
    ("hospital", "{brand} Klinikum {place}", ("{BRAND} Klinikum {place}", "{brand}-Klinikum {place}"),
     ("{brand} Klinikums {place}",), None),
    ("hospital", "{brand} Klinik {place}-Nord", ("{brand} Klinik {place} Nord",), (), None),
    ("university", "Hochschule {place}", ("Hochschule {place} ({abbr})",), ("{abbr}",), "HS{initials}"),
    ("association", "AWO Kreisverband {place}", ("AWO Kreisverband {place} e.V.", "AWO {place}"),
     ("AWO Kreisverbands {place}",), None),
    ("hospital", "St. {saint}-Krankenhaus {place}", ("Sankt {saint}-Krankenhaus {place}", "St. {saint} Krankenhaus {place}"),
     ("St. {saint}-Krankenhauses {place}",), None),
    ("network", "{topic}netzwerk {place}", ("{topic}-Netzwerk {place}",), ("{topic}netzwerks {place}",), None),
    ("company", "{brand} {place} Medizintechnik GmbH", ("{brand} {place} Medizintechnik", "{brand} {place} Medizintechnik AG"),
     (), None),
)


def _org(rnd: random.Random, place: str, n: int) -> Org:
    """One organisation of `place` (n chooses the template)."""
    kind, name, variants, mentions, abbr = _TEMPLATES[n % len(_TEMPLATES)]
    brand = rnd.choice(_BRANDS)
    values = {"place": place, "adj": place + ("r" if place.endswith("e") else "er"), "brand": brand,
              "BRAND": brand.upper(), "saint": rnd.choice(_SAINTS), "topic": rnd.choice(_TOPICS),
              "initials": "".join(w[0] for w in place.split()).upper(), "end": place[-2:].upper()}
    values["abbr"] = abbr.format(**values) if abbr else None
    return Org(name.format(**values), kind, place, tuple(v.format(**values) for v in variants),
               tuple(m.format(**values) for m in mentions), values["abbr"])


def organisations(count: int, seed: int = 7) -> list[Org]:
    """`count` distinct organisations in ~count/10 towns (several of each town: the hard cases)."""
    rnd = random.Random(seed)
    places: list[str] = []
    seen: set[str] = set()
    while len(places) < max(4, count // 10):
        prefix, first = rnd.choice(("", "", "", "Bad ", "Groß", "Ober", "Unter")), rnd.choice(_FIRST)
        p = prefix + (first.lower() if prefix.isalpha() else first) + rnd.choice(_LAST)
        if rnd.random() < 0.3:
            p += rnd.choice(("", " am See", " an der Aue"))
        if p not in seen:
            seen.add(p)
            places.append(p)
    out = []
    for n in range(count):
        out.append(_org(rnd, places[n % len(places)], n // len(places) * 5 + n))
    return list({o.name: o for o in out}.values())


def _rid(seed: int, n: int) -> str:
    return hashlib.blake2b(f"{seed}:{n}".encode(), digest_size=8).hexdigest()


def _date(rnd: random.Random, year: int) -> str:
    month, day = rnd.randint(1, 12), rnd.randint(1, 28)
    r = rnd.random()
    return f"{year}" if r < 0.1 else f"{year}-{month:02d}" if r < 0.3 else f"{year}-{month:02d}-{day:02d}"


# (event, status, date kind) of a report at each stage of a cooperation's life; an extension
# carries no date kind of its own (its event comes from the status)
_LIFE = (("announced", "planned", "announced"), ("planned", "planned", "planned"), ("signed", "started", "signed"),
         ("started", "started", "start"), ("joined", "extended", "joined"), ("extended", "extended", None),
         ("reported", "ongoing", None), ("ended", "ended", "ended"))


def records(n_records: int, seed: int = 7, *, archive: int | None = None, outlets: int = 2000,
            start: int = 0) -> Iterator[dict]:
    """`n_records` records of an archive of `archive` records (default: n_records) with about
    archive/30 organisations and archive/8 cooperations; `start` continues a numbering (new ids,
    same organisations and cooperations), so a second call adds further reports to the archive."""
    archive = archive or n_records
    orgs = organisations(max(20, archive // 30), seed)
    rnd = random.Random(f"{seed}:{start}")
    n_coops = max(5, archive // 8)
    coop_rnd = random.Random(seed + 1)
    cum, total = [], 0.0
    for i in range(len(orgs)):  # a few hubs, a long tail
        total += 1.0 / (i + 1) ** 0.6
        cum.append(total)
    coops = []
    for c in range(n_coops):
        size = 2 if coop_rnd.random() < 0.85 else coop_rnd.randint(3, 5)
        partners = list(dict.fromkeys(coop_rnd.choices(range(len(orgs)), cum_weights=cum, k=size)))
        if len(partners) < 2:
            partners.append((partners[0] + 1) % len(orgs))
        types = coop_rnd.sample(_TYPES, coop_rnd.choice((1, 1, 2, 3)))
        name = f"Verbund {coop_rnd.choice(_TOPICS)} {c}" if size > 2 else None
        coops.append((partners, types, name, coop_rnd.randint(2012, 2025)))
    site = [f"nachrichten-{i}.example" for i in range(outlets)]
    for n in range(start, start + n_records):
        partners, types, name, year = coops[int(rnd.paretovariate(1.1) * 7 + n) % len(coops)]
        stage = rnd.randrange(len(_LIFE))
        event, status, date_kind = _LIFE[stage]
        event_year = min(2026, year + max(0, stage - 2) + rnd.randint(0, 1))
        insts = []
        for i, p in enumerate(partners):
            org = orgs[p]
            written = rnd.choice((org.name,) * 3 + org.variants) if org.variants else org.name
            mentions = sorted({written, *rnd.sample(org.mentions, k=min(len(org.mentions), rnd.randint(0, 2)))})
            insts.append({"id": f"i{i + 1}", "name": written, "mentions": mentions,
                          "spans": [{"text": written, "start": 10 * i, "end": 10 * i + len(written)}],
                          "kind": org.kind, "abbreviation": org.abbreviation if org.abbreviation in mentions else None,
                          "location": org.location if rnd.random() < 0.8 else None})
        names = " und ".join(i["name"] for i in insts)
        evidence = f"{names} arbeiten künftig zusammen ({', '.join(types)}); Meldung {n}."
        date = _date(rnd, event_year) if date_kind and rnd.random() < 0.7 else None
        published = _date(rnd, event_year)[:7] if rnd.random() < 0.9 else None
        outlet = site[min(int(rnd.paretovariate(0.8)) - 1, outlets - 1)]
        rid = _rid(seed, n)
        yield {
            "schema_version": "1.0", "id": rid,
            "source": {"id": f"doc{n}", "path": None, "url": f"https://{outlet}/artikel/{rid}", "title": f"Meldung {n}",
                       "published": published, "sitename": outlet, "language": "de", "text_sha256": rid * 4},
            "pipeline": {"model": "synthetic", "model_version": None, "kind": "rules_only", "coopx_version": "0.1.0",
                         "components": []},
            "is_cooperation": True, "institutions": insts, "people": [],
            "cooperations": [{"id": "c1", "partners": [i["id"] for i in insts], "name": name, "types": types,
                              "status": status,
                              "date": {"value": date, "kind": date_kind, "text": date} if date else None,
                              "evidence": [{"text": evidence, "start": 0, "end": len(evidence)}],
                              "confidence": round(0.5 + rnd.random() / 2, 2)}],
            "warnings": [],
        }


def write_jsonl(path: Path, n_records: int, seed: int = 7, *, start: int = 0, archive: int | None = None) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for rec in records(n_records, seed, start=start, archive=archive):
            fh.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
    return path
