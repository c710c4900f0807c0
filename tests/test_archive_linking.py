"""Organisation linking across articles: name forms, the rules with their guards, every link
explained, and the measured quality on corpus/linking (and ../shared when present)."""

from __future__ import annotations

import sys
from collections import Counter

import pytest

from extractor.archive.linking import Correction, NameStat, link
from extractor.archive.names import form, split_abbreviation
from tests.conftest import ROOT, SHARED

sys.path.insert(0, str(ROOT / "scripts"))
import eval_linking  # noqa: E402


@pytest.mark.parametrize("a, b", [
    ("Universitätsklinikum Talberg", "Universitätsklinikums Talberg"),
    ("Universitätsklinikum Talberg", "Uniklinik Talberg"),
    ("Universität Talberg", "Uni Talberg"),
    ("Stadtwerke Brackenheide", "Brackenheides Stadtwerke"),
    ("Klinikum Lindenau gGmbH", "Klinikum Lindenau"),
    ("Datavia AG", "Datavia GmbH"),
    ("AWO Kreisverband Bergtal e.V.", "AWO Kreisverband Bergtal"),
    ("Evangelisches Krankenhaus Bückeburg", "Ev. Krankenhaus Bückeburg"),
    ("St. Marien-Hospital Haldenstein", "Sankt Marien Hospital Haldenstein"),
    ("Technische Universität Wiesenfurt", "TU Wiesenfurt"),
    ("SANOVA Klinikum Erlenbach", "Sanova Klinikum Erlenbach"),
])
def test_equal_forms(a, b):
    assert form(a).key == form(b).key


@pytest.mark.parametrize("a, b", [
    ("Universität Leipzig", "Universitätsklinikum Leipzig"),
    ("Stadt Neustadt", "Stadtwerke Neustadt"),
    ("Helios Klinikum Erfurt", "Helios Klinik Erfurt-Nord"),
    ("Evangelisches Krankenhaus Bückeburg", "Katholisches Krankenhaus Bückeburg"),
])
def test_different_forms(a, b):
    assert form(a).key != form(b).key and form(a).squash != form(b).squash


def test_abbreviations_in_names():
    assert split_abbreviation("Universitätsmedizin Talberg (UMT)") == ("Universitätsmedizin Talberg", "UMT")
    assert split_abbreviation("KRT Klinikum Region Talberg") == ("Klinikum Region Talberg", "KRT")
    assert split_abbreviation("Klinikum Region Talberg") == ("Klinikum Region Talberg", None)
    assert form("UMMD").abbreviation == "UMMD" and form("Universitätsmedizin Magdeburg").abbreviation is None


def stat(name, kind="hospital", location=None, mentions=(), qualifier=None, count=1):
    return NameStat(name, qualifier, count, Counter({kind: count}), Counter({location: count}), Counter(mentions))


def entity_of(linking, name, qualifier=None):
    return linking.entity_of[linking.key_of[(name, qualifier)]]


def test_hard_negatives_from_the_issue_stay_apart():
    names = [stat("Universität Leipzig", "university", "Leipzig"), stat("Universitätsklinikum Leipzig", "hospital", "Leipzig"),
             stat("Uniklinik Leipzig", "hospital", "Leipzig"), stat("Stadt Neustadt", "public_authority", "Neustadt"),
             stat("Stadtwerke Neustadt", "company", "Neustadt"), stat("Helios Klinikum Erfurt", location="Erfurt"),
             stat("Helios Klinik Erfurt-Nord", location="Erfurt"), stat("Helios Klinikums Erfurt", location="Erfurt")]
    lk = link(names)
    assert len(set(lk.entity_of.values())) == 6
    assert entity_of(lk, "Uniklinik Leipzig") == entity_of(lk, "Universitätsklinikum Leipzig")
    assert entity_of(lk, "Helios Klinikums Erfurt") == entity_of(lk, "Helios Klinikum Erfurt")


def test_every_link_is_explained():
    names = [stat("Universitätsmedizin Talberg", mentions=["UMT"]), stat("UMT", qualifier=None),
             stat("Mosel-Klinikum Zeltingen"), stat("Moselklinikum Zeltingen"),
             stat("AWO Kreisverband Bergtal", "association"), stat("AWO Bergtal", "association"),
             stat("Universitätsklinkum Talberg"), stat("Universitätsklinikum Talberg"), stat("Klinikum Rheinhagen"),
             stat("Industrie- und Handelskammer Hohenwald", "association", mentions=["IHK Hohenwald"]),
             stat("IHK Hohenwald", "association")]
    lk = link(names)
    rules = {(lk.infos[x.key].names[0], x.rule) for x in lk.links}
    assert rules == {("UMT", "abbreviation"), ("Moselklinikum Zeltingen", "spelling"),
                     ("AWO Kreisverband Bergtal", "optional word"), ("Universitätsklinkum Talberg", "similar spelling"),
                     ("IHK Hohenwald", "alias")} or rules == {
                     ("UMT", "abbreviation"), ("Mosel-Klinikum Zeltingen", "spelling"),
                     ("AWO Kreisverband Bergtal", "optional word"), ("Universitätsklinkum Talberg", "similar spelling"),
                     ("IHK Hohenwald", "alias")}
    assert all(x.detail and 0 < x.score <= 100 for x in lk.links)
    assert len(set(lk.entity_of.values())) == 6


def test_ambiguous_short_forms_link_to_nothing():
    names = [stat("AWO Kreisverband Ostwalde", "association"), stat("AWO Ortsverein Ostwalde", "association"),
             stat("AWO Ostwalde", "association"),
             stat("Universitätsklinikum Mühlbach", location="Mühlbach", mentions=["UKM"]),
             stat("Unfallklinik Marienau", location="Marienau", mentions=["UKM"]), stat("UKM")]
    lk = link(names)
    assert len(set(lk.entity_of.values())) == len(names)
    located = link(names[3:] + [stat("UKM", location="Marienau", qualifier="Marienau")])
    assert entity_of(located, "UKM", "Marienau") == entity_of(located, "Unfallklinik Marienau")
    assert entity_of(located, "UKM") != entity_of(located, "Universitätsklinikum Mühlbach")


def test_corrections_win_over_rules():
    names = [stat("Universitätsklinikum Talberg"), stat("Uniklinik Talberg"), stat("Klinikum Talberg-Süd")]
    auto = link(names)
    ukt, south = form("Universitätsklinikum Talberg").key, form("Klinikum Talberg-Süd").key
    assert auto.entity_of[ukt] != auto.entity_of[south]
    merged = link(names, [Correction("merge", [[ukt], [south]])])
    assert merged.entity_of[ukt] == merged.entity_of[south]
    assert [x.rule for x in merged.links] == ["analyst merge"]
    split = link(names + [stat("Universitätsklinikum Talberg GmbH")], [Correction("split", [[ukt], [south]])])
    assert split.entity_of[ukt] != split.entity_of[south]


def test_entity_ids_are_stable_and_older_keys_anchor_them():
    old = [NameStat("Klinikum Lindenau", first=1)]
    lk1 = link(old)
    lk2 = link(old + [NameStat("Klinikum Lindenau gGmbH", first=2), NameStat("Lindenauer Klinikum", first=3)])
    assert len(set(lk2.entity_of.values())) == 1
    assert set(lk2.entity_of.values()) == set(lk1.entity_of.values())


def test_corpus_targets():
    result, _, _ = eval_linking.evaluate(eval_linking.corpus_occurrences())
    assert result["clusters"] >= 60
    assert result["precision"] >= 0.98 and result["recall"] >= 0.90, result
    assert result["b3_f1"] >= 0.95, result


def test_corpus_is_invented_and_has_hard_negatives():
    import json

    corpus = json.loads((ROOT / "corpus" / "linking" / "clusters.json").read_text(encoding="utf-8"))
    ids = {c["id"] for c in corpus["clusters"]}
    assert len([c for c in corpus["clusters"] if len(c["occurrences"]) > 1]) >= 60
    assert len(corpus["hard_negatives"]) >= 30 and all(a in ids and b in ids for a, b, _ in corpus["hard_negatives"])
    if (SHARED / "train").is_dir():  # no organisation copied from the real articles
        real = {o.truth for o in eval_linking.gold_occurrences(SHARED)}
        ours = {o.name for o in eval_linking.corpus_occurrences()}
        assert not real & ours, real & ours


@pytest.mark.skipif(not (SHARED / "train").is_dir(), reason="../shared/train not present")
def test_shared_gold_institutions():
    result, _, _ = eval_linking.evaluate(eval_linking.gold_occurrences(SHARED))
    # equal canonical names are the truth there, so correct merges of two spellings count as
    # errors (see scripts/eval_linking.py); floors against regressions, not targets
    assert result["recall"] >= 0.99 and result["precision"] >= 0.88 and result["b3_f1"] >= 0.97, result
