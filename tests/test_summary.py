"""`coopx extract --format summary`: the rich terminal view of one record."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys

import pytest
from rich.console import Console

from extractor.clean import normalize_text
from extractor.records import (
    Cooperation,
    CooperationDate,
    Institution,
    Person,
    PipelineInfo,
    Record,
    Source,
    TextSpan,
)
from extractor.summary import render, sentence_bounds
from tests.conftest import ROOT

EXAMPLE = ROOT / "corpus" / "examples" / "netzwerk_kooperation.txt"


def spans(text: str, *forms: str) -> list[TextSpan]:
    out: list[TextSpan] = []
    for form in forms:
        for m in re.finditer(re.escape(form), text):
            if not any(o.start <= m.start() < o.end for o in out):
                out.append(TextSpan(text=form, start=m.start(), end=m.end()))
    return sorted(out, key=lambda s: s.start)


def sentence(text: str, needle: str) -> TextSpan:
    i = text.index(needle)
    s, e = sentence_bounds(text, i, i + len(needle))
    return TextSpan(text=text[s:e], start=s, end=e)


def example_record(path: str | None = str(EXAMPLE)) -> tuple[Record, str]:
    """A hand-made record of the bundled example (what a good extraction looks like)."""
    text = normalize_text(EXAMPLE.read_text(encoding="utf-8"))
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    insts = [
        Institution(id="i1", name="Universitätsklinikum Donau-Regen", kind="hospital", abbreviation="UKDR",
                    spans=spans(text, "Universitätsklinikums Donau-Regen", "Universitätsklinikum Donau-Regen", "UKDR")),
        Institution(id="i2", name="Kinderklinik Straubing-Land", kind="hospital", spans=spans(text, "Kinderklinik Straubing-Land")),
        Institution(id="i3", name="Klinikum Deggendorf-Isar", kind="hospital", spans=spans(text, "Klinikum Deggendorf-Isar")),
        Institution(id="i4", name="Kinderklinik Passau-Inn", kind="hospital", spans=spans(text, "Kinderklinik Passau-Inn")),
    ]
    people = [
        Person(id="p1", name="Cornelius Habermehl", title="Prof. Dr. med.", role="Leiter der Kinderrheumatologie",
               affiliation="i1", spans=spans(text, "Cornelius Habermehl")),
        Person(id="p2", name="Svenja Pfaffinger", title="Dr.", role="Chefärztin", affiliation="i2",
               spans=spans(text, "Svenja Pfaffinger")),
    ]
    coops = [
        Cooperation(id="c1", partners=["i1", "i2", "i3"], name="Netzwerk Kinderrheumatologie Ostbayern",
                    types=["network", "telemedicine"], status="extended",
                    date=CooperationDate(value="2025-03-10", kind="signed", text="am 10. März 2025"),
                    evidence=[sentence(text, "Mit der Kinderklinik"), sentence(text, "Die Kooperationsverträge")],
                    confidence=0.86),
        Cooperation(id="c2", partners=["i1", "i4"], name="Netzwerk Kinderrheumatologie Ostbayern", types=["network"],
                    status="ongoing", date=CooperationDate(value="2023-09", kind="joined", text="im September 2023"),
                    evidence=[sentence(text, "Als erster Partner")], confidence=0.7),
    ]
    record = Record(
        id=sha[:16],
        source=Source(id="netzwerk_kooperation", path=path, language="de", text_sha256=sha),
        pipeline=PipelineInfo(model="de_coopx_ner", model_version="0.1.0", kind="shipped", coopx_version="0.1.0"),
        is_cooperation=True, institutions=insts, people=people, cooperations=coops,
        warnings=["text truncated to 200000 characters"],
    )
    return record, text


def rendered(record: Record, **kwargs) -> str:
    console = Console(width=120, record=True, force_terminal=False, color_system=None)
    render(record, source="pm.txt", console=console, **kwargs)
    return re.sub(r"\s+", " ", console.export_text())


def test_summary_shows_cooperations_people_evidence_pipeline_warnings():
    record, text = example_record()
    out = rendered(record, text=text)
    # cooperations: partners, network, types, status, date
    assert "Universitätsklinikum Donau-Regen + Kinderklinik Straubing-Land + Klinikum Deggendorf-Isar" in out
    assert "Netzwerk Kinderrheumatologie Ostbayern" in out
    assert "network, telemedicine" in out and "extended" in out and "ongoing" in out
    assert "2025-03-10 (signed) „am 10. März 2025“" in out and "2023-09 (joined)" in out
    # evidence sentences of the cooperations
    assert "Die Kooperationsverträge wurden am 10. März 2025 in Regensburg unterzeichnet." in out
    assert "Als erster Partner trat im September 2023 die Kinderklinik Passau-Inn bei." in out
    # people with title, role, affiliation and their sentence (the whole quote)
    assert "Prof. Dr. med. Cornelius Habermehl — Leiter der Kinderrheumatologie, Universitätsklinikum Donau-Regen" in out
    assert "Dr. Svenja Pfaffinger — Chefärztin, Kinderklinik Straubing-Land" in out
    assert ("„Rheuma bei Kindern wird häufig zu spät erkannt. Jeder Monat ohne passende Therapie kann bleibende Schäden "
            "an den Gelenken hinterlassen“, sagt Prof. Dr. med. Cornelius Habermehl") in out
    assert "erklärt Dr. Svenja Pfaffinger, Chefärztin der Kinderklinik Straubing-Land." in out
    # pipeline and warnings
    assert "de_coopx_ner 0.1.0 (shipped)" in out
    assert "! text truncated to 200000 characters" in out


def test_summary_recovers_text_of_a_file_source():
    record, _ = example_record(path=str(EXAMPLE))
    out = rendered(record)  # no text given: the file is cleaned again, its hash matches
    assert "„Für unsere jungen Kolleginnen und Kollegen ist das eine große Chance“, erklärt Dr. Svenja Pfaffinger" in out


def test_summary_ignores_a_changed_file(tmp_path):
    changed = tmp_path / "pm.txt"
    changed.write_text(EXAMPLE.read_text(encoding="utf-8").replace("Rheuma", "Gicht"), encoding="utf-8")
    record, _ = example_record(path=str(changed))
    out = rendered(record)
    assert "Gicht" not in out  # hash differs: the file's text is not used
    assert "Svenja Pfaffinger [" in out  # only the mention, with its offsets


def test_summary_without_text_uses_cooperation_evidence():
    record, text = example_record(path=None)
    p = record.people[0]
    ev = sentence(text, "Cornelius Habermehl")
    coop = record.cooperations[1].model_copy(update={"evidence": [ev]})
    record = record.model_copy(update={"cooperations": [record.cooperations[0], coop]})
    out = rendered(record)
    assert out.count("sagt Prof. Dr. med. Cornelius Habermehl") == 2  # cooperation evidence and person evidence
    assert p.name in out


def test_summary_of_a_record_without_facts():
    record, _ = example_record(path=None)
    empty = record.model_copy(update={"is_cooperation": False, "institutions": [], "people": [], "cooperations": [],
                                      "warnings": []})
    out = rendered(empty)
    assert "no cooperation" in out
    assert out.count("none found") == 3


@pytest.mark.parametrize(
    "text, needle, expected",
    [
        ("Erster Satz. Es sagt Prof. Dr. med. Anna Muster, Chefärztin. Dritter Satz.", "Anna Muster",
         "Es sagt Prof. Dr. med. Anna Muster, Chefärztin."),
        ("Vorher. Der Vertrag wurde am 12. März 2025 unterzeichnet. Danach.", "unterzeichnet",
         "Der Vertrag wurde am 12. März 2025 unterzeichnet."),
        ("Titel\n„Das ist gut. Wir freuen uns“, sagt Max Muster. Ende.", "Max Muster",
         "„Das ist gut. Wir freuen uns“, sagt Max Muster."),
        ("Die Klinik u. a. in Bonn kooperiert z. B. mit der Uni. Ende.", "kooperiert",
         "Die Klinik u. a. in Bonn kooperiert z. B. mit der Uni."),
    ],
)
def test_sentence_bounds(text, needle, expected):
    i = text.index(needle)
    s, e = sentence_bounds(text, i, i + len(needle))
    assert text[s:e] == expected


def test_cli_summary_of_the_bundled_example():
    res = subprocess.run([sys.executable, "-m", "extractor.cli", "extract", str(EXAMPLE), "--format", "summary",
                          "--model", "blank"], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    out = re.sub(r"\s+", " ", res.stdout)
    assert "Cooperations (" in out and "People (" in out
    assert "Kinderklinik Straubing-Land" in out
    assert "blank:de (rules_only)" in out
    assert "evidence" in out and "[" in out
    assert "! no statistical German model found" in out
    assert not res.stdout.lstrip().startswith("{")  # json stays the default only without --format
