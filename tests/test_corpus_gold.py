"""Validate the team's own gold corpus (corpus/gold/*.json).

Every file must follow the gold annotation format described in corpus/README.md:
structure and types, the closed vocabularies, internal consistency (partners and
affiliations are listed institutions), and literal grounding in the article text
(aliases, surnames, titles and date phrases must occur verbatim). On top of the
per-file checks there are corpus-level coverage checks.

The validator is a plain function (`validate_record`) so that the tests below can
also show that it rejects broken records.
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from pathlib import Path

import pytest

CORPUS_DIR = Path(__file__).resolve().parent.parent / "corpus" / "gold"

INSTITUTION_KINDS = {
    "hospital", "university", "research_institute", "company",
    "public_authority", "association", "network", "other",
}
COOPERATION_TYPES = {
    "patient_care", "education", "research", "telemedicine", "network",
    "joint_center", "administration", "strategic", "other",
}
STATUSES = {"planned", "started", "extended", "ongoing", "ended"}
DATE_KINDS = {"start", "signed", "joined", "announced", "planned", "ended"}

DATE_VALUE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
PUBLISHED_RE = DATE_VALUE_RE
ID_RE = re.compile(r"^[a-z]\d{3}$")
# Academic titles belong in `title`, never in `name`.
TITLE_IN_NAME_RE = re.compile(r"^(Prof\.|Professor\b|Dr\.|PD\b|Univ\.-Prof\.|Dipl\.)")

TOP_KEYS = {"id": str, "url": (str, type(None)), "title": (str, type(None)),
            "published": (str, type(None)), "text": str, "gold": dict}
GOLD_KEYS = {"is_cooperation": bool, "institutions": list, "cooperations": list,
             "people": list, "notes": str}
INSTITUTION_KEYS = {"name": str, "aliases": list, "kind": str}
COOPERATION_KEYS = {"partners": list, "name": (str, type(None)), "types": list,
                    "status": str, "date": (dict, type(None))}
DATE_KEYS = {"value": str, "kind": str, "text": str}
PERSON_KEYS = {"name": str, "title": (str, type(None)), "role": (str, type(None)),
               "affiliation": (str, type(None))}


def _check_keys(obj, spec: dict, where: str, errors: list[str]) -> bool:
    if not isinstance(obj, dict):
        errors.append(f"{where}: expected an object, got {type(obj).__name__}")
        return False
    missing = set(spec) - set(obj)
    extra = set(obj) - set(spec)
    if missing:
        errors.append(f"{where}: missing keys {sorted(missing)}")
    if extra:
        errors.append(f"{where}: unexpected keys {sorted(extra)}")
    ok = not missing
    for key, typ in spec.items():
        if key in obj and not isinstance(obj[key], typ):
            errors.append(f"{where}.{key}: wrong type {type(obj[key]).__name__}")
            ok = False
    return ok


def validate_record(rec: dict, stem: str | None = None) -> list[str]:
    """Return a list of problems with one gold record (empty list = valid)."""
    errors: list[str] = []
    if not _check_keys(rec, TOP_KEYS, "record", errors):
        return errors
    rid = rec["id"]
    if not ID_RE.match(rid):
        errors.append(f"id {rid!r} does not look like 't001'")
    if stem is not None and rid != stem:
        errors.append(f"id {rid!r} differs from file name {stem!r}")
    if rec["published"] is not None and not PUBLISHED_RE.match(rec["published"]):
        errors.append(f"published {rec['published']!r} is not YYYY[-MM[-DD]]")
    text = rec["text"]
    if not text.strip():
        errors.append("text is empty")

    gold = rec["gold"]
    if not _check_keys(gold, GOLD_KEYS, "gold", errors):
        return errors

    # -- institutions
    names: list[str] = []
    for i, inst in enumerate(gold["institutions"]):
        where = f"institutions[{i}]"
        if not _check_keys(inst, INSTITUTION_KEYS, where, errors):
            continue
        name = inst["name"]
        names.append(name)
        if not name.strip():
            errors.append(f"{where}: empty name")
        if inst["kind"] not in INSTITUTION_KINDS:
            errors.append(f"{where}: unknown kind {inst['kind']!r}")
        for alias in inst["aliases"]:
            if not isinstance(alias, str) or not alias.strip():
                errors.append(f"{where}: bad alias {alias!r}")
            elif alias not in text:
                errors.append(f"{where}: alias {alias!r} does not occur in the text")
        if len(set(inst["aliases"])) != len(inst["aliases"]):
            errors.append(f"{where}: duplicate aliases")
        # every institution must be recognisable in the text, by its name or an alias
        if name not in text and not any(a in text for a in inst["aliases"]):
            errors.append(f"{where}: neither {name!r} nor any alias occurs in the text")
    dup = [n for n, c in Counter(names).items() if c > 1]
    if dup:
        errors.append(f"duplicate institution names {dup}")
    known = set(names)

    # -- cooperations
    coops = gold["cooperations"]
    if gold["is_cooperation"] and not coops:
        errors.append("is_cooperation is true but there are no cooperations")
    if not gold["is_cooperation"] and coops:
        errors.append("is_cooperation is false but cooperations is not empty")
    used: set[str] = set()
    for j, co in enumerate(coops):
        where = f"cooperations[{j}]"
        if not _check_keys(co, COOPERATION_KEYS, where, errors):
            continue
        partners = co["partners"]
        if len(set(partners)) < 2:
            errors.append(f"{where}: needs at least two distinct partners, got {partners}")
        if len(set(partners)) != len(partners):
            errors.append(f"{where}: duplicate partners {partners}")
        for p in partners:
            if p not in known:
                errors.append(f"{where}: partner {p!r} is not an institution name")
        used.update(partners)
        if co["name"] is not None:
            if not co["name"].strip():
                errors.append(f"{where}: empty name (use null)")
            used.add(co["name"])
        if not co["types"]:
            errors.append(f"{where}: no types")
        for t in co["types"]:
            if t not in COOPERATION_TYPES:
                errors.append(f"{where}: unknown type {t!r}")
        if len(set(co["types"])) != len(co["types"]):
            errors.append(f"{where}: duplicate types")
        if co["status"] not in STATUSES:
            errors.append(f"{where}: unknown status {co['status']!r}")
        date = co["date"]
        if date is not None and _check_keys(date, DATE_KEYS, f"{where}.date", errors):
            if not DATE_VALUE_RE.match(date["value"]):
                errors.append(f"{where}.date: bad value {date['value']!r}")
            if date["kind"] not in DATE_KINDS:
                errors.append(f"{where}.date: unknown kind {date['kind']!r}")
            if not date["text"] or date["text"] not in text:
                errors.append(f"{where}.date: text {date['text']!r} does not occur in the text")

    # -- people
    affiliations: set[str] = set()
    for k, person in enumerate(gold["people"]):
        where = f"people[{k}]"
        if not _check_keys(person, PERSON_KEYS, where, errors):
            continue
        name = person["name"]
        if not name.strip():
            errors.append(f"{where}: empty name")
            continue
        if TITLE_IN_NAME_RE.match(name):
            errors.append(f"{where}: academic title inside name {name!r}")
        surname = name.split()[-1]
        if surname not in text:
            errors.append(f"{where}: surname {surname!r} does not occur in the text")
        if person["title"] is not None and person["title"] not in text:
            errors.append(f"{where}: title {person['title']!r} does not occur in the text")
        aff = person["affiliation"]
        if aff is not None:
            if aff not in known:
                errors.append(f"{where}: affiliation {aff!r} is not an institution name")
            affiliations.add(aff)

    # -- positives: every listed institution takes part in something
    if gold["is_cooperation"]:
        for name in known - used - affiliations:
            errors.append(f"institution {name!r} is neither partner, cooperation name nor affiliation")
    return errors


def _load_all() -> list[tuple[Path, dict]]:
    files = sorted(CORPUS_DIR.glob("*.json"))
    return [(p, json.loads(p.read_text(encoding="utf-8"))) for p in files]


RECORDS = _load_all()


def test_corpus_exists():
    assert CORPUS_DIR.is_dir(), f"missing {CORPUS_DIR}"
    assert RECORDS, "no gold files found"


@pytest.mark.parametrize("path,rec", RECORDS, ids=[p.stem for p, _ in RECORDS])
def test_gold_record_is_valid(path: Path, rec: dict):
    errors = validate_record(rec, stem=path.stem)
    assert not errors, f"{path.name}:\n  " + "\n  ".join(errors)


def test_ids_unique():
    ids = [rec.get("id") for _, rec in RECORDS]
    dup = [i for i, c in Counter(ids).items() if c > 1]
    assert not dup, f"duplicate ids: {dup}"


def test_corpus_coverage():
    recs = [rec for _, rec in RECORDS]
    assert len(recs) >= 20, f"only {len(recs)} articles"
    negatives = [r for r in recs if not r["gold"]["is_cooperation"]]
    assert len(negatives) >= 5, f"only {len(negatives)} negative articles"
    coops = [c for r in recs for c in r["gold"]["cooperations"]]
    types = Counter(t for c in coops for t in c["types"])
    statuses = Counter(c["status"] for c in coops)
    missing_types = COOPERATION_TYPES - set(types)
    missing_status = STATUSES - set(statuses)
    assert not missing_types, f"cooperation types never used: {sorted(missing_types)}"
    assert not missing_status, f"statuses never used: {sorted(missing_status)}"
    kinds = Counter(c["date"]["kind"] for c in coops if c["date"])
    missing_kinds = DATE_KINDS - set(kinds)
    assert not missing_kinds, f"date kinds never used: {sorted(missing_kinds)}"


def test_texts_have_reasonable_length():
    for _, rec in RECORDS:
        words = len(rec["text"].split())
        assert 150 <= words <= 500, f"{rec['id']}: {words} words"


# -- the validator itself must catch broken records ---------------------------

def _sample_positive() -> dict:
    for _, rec in RECORDS:
        if rec["gold"]["is_cooperation"] and rec["gold"]["people"]:
            return copy.deepcopy(rec)
    pytest.skip("no positive record with people")


def _mutations():
    def unknown_partner(r):
        r["gold"]["cooperations"][0]["partners"][0] = "Klinikum Nirgendwo"

    def single_partner(r):
        c = r["gold"]["cooperations"][0]
        c["partners"] = c["partners"][:1]

    def bad_type(r):
        r["gold"]["cooperations"][0]["types"] = ["friendship"]

    def bad_status(r):
        r["gold"]["cooperations"][0]["status"] = "maybe"

    def bad_date(r):
        r["gold"]["cooperations"][0]["date"] = {"value": "12.07.2023", "kind": "start", "text": "x"}

    def bad_kind(r):
        r["gold"]["institutions"][0]["kind"] = "clinic"

    def alias_not_in_text(r):
        r["gold"]["institutions"][0]["aliases"].append("XYZ-Klinikum Atlantis")

    def surname_not_in_text(r):
        r["gold"]["people"][0]["name"] = "Erika Mustermannova"

    def unknown_affiliation(r):
        r["gold"]["people"][0]["affiliation"] = "Universität Utopia"

    def negative_with_coops(r):
        r["gold"]["is_cooperation"] = False

    def missing_key(r):
        del r["gold"]["notes"]

    def title_in_name(r):
        r["gold"]["people"][0]["name"] = "Dr. " + r["gold"]["people"][0]["name"]

    return [unknown_partner, single_partner, bad_type, bad_status, bad_date, bad_kind,
            alias_not_in_text, surname_not_in_text, unknown_affiliation,
            negative_with_coops, missing_key, title_in_name]


@pytest.mark.parametrize("mutate", _mutations(), ids=lambda f: f.__name__)
def test_validator_rejects_broken_record(mutate):
    rec = _sample_positive()
    assert validate_record(rec, stem=rec["id"]) == []
    mutate(rec)
    assert validate_record(rec, stem=rec["id"]), f"{mutate.__name__} was not detected"


def test_validator_rejects_wrong_stem():
    rec = _sample_positive()
    assert validate_record(rec, stem="t999")
