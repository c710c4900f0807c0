"""Shared fixtures: one rules-only pipeline per test session (loading spaCy is the slow part),
synthetic training corpora, a threaded local HTTP server."""

from __future__ import annotations

import json
import random
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now (for a server a test starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def rules_pipeline():
    from extractor.pipeline import Pipeline
    from extractor.settings import Settings

    return Pipeline(Settings(model="blank"))


@pytest.fixture(scope="session")
def nlp(rules_pipeline):
    return rules_pipeline.nlp


@pytest.fixture(scope="session")
def extract(rules_pipeline):
    """text -> Record with the rules-only pipeline."""
    from extractor.documents import RawDocument

    def run(text: str, published: str | None = None):
        return rules_pipeline.extract(RawDocument(origin="test", content=text, content_type="text", published=published))

    return run


@pytest.fixture(scope="session")
def make_httpserver():
    """pytest-httpserver on 127.0.0.1, threaded: a deliberately slow page (timeout tests) must
    not hold up the requests of the tests that follow it."""
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


PERSONS = [["Anna", "Berger"], ["Jonas", "Keller"], ["Maria", "Schulte"], ["Tobias", "Wendt"]]
ORGS = [["Klinikum", "Rheinfurt"], ["Stadtwerke", "Nordhain"], ["Hochschule", "Lindenau"], ["Aurelia", "AG"]]
LOCS = [["Rheinfurt"], ["Nordhain"], ["Lindenau"], ["Kassel"]]
TEMPLATES = [
    ["{PER}", "leitet", "seit", "2020", "das", "{ORG}", "in", "{LOC}", "."],
    ["Das", "{ORG}", "kooperiert", "künftig", "mit", "{PER}", "."],
    ["In", "{LOC}", "sprach", "{PER}", "über", "das", "Buch", "{MISC}", "."],
]


def _sentences(n: int, seed: int) -> list[list[tuple[str, str]]]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        sent = []
        for slot in rnd.choice(TEMPLATES):
            if slot.startswith("{"):
                label = slot[1:-1]
                words = {"PER": rnd.choice(PERSONS), "ORG": rnd.choice(ORGS), "LOC": rnd.choice(LOCS),
                         "MISC": ["Roter", "Mond"]}[label]
                tag = "OTH" if label == "MISC" else label
                sent += [(w, ("B-" if i == 0 else "I-") + tag) for i, w in enumerate(words)]
            else:
                sent.append((slot, "O"))
        out.append(sent)
    return out


def write_synthetic_corpora(root: Path) -> None:
    ge = root / "germeval2014"
    ge.mkdir(parents=True)
    with open(ge / "NER-de-train.reconstructed.outer-bio.tsv", "w", encoding="utf-8") as fh:
        for sent in _sentences(40, 1):
            fh.write("".join(f"{w}\t{t}\n" for w, t in sent) + "\n")
    with open(ge / "NER-de-dev.tsv", "w", encoding="utf-8") as fh:
        for sent in _sentences(12, 2):
            fh.write("#\thttp://example.org\t[2014-01-01]\t\n")
            fh.write("".join(f"{i}\t{w}\t{t}\tO\n" for i, (w, t) in enumerate(sent, 1)) + "\n")
    sd = root / "smartdata"
    (sd / "v1_20180119").mkdir(parents=True)
    (sd / "v3_20200302").mkdir(parents=True)
    text = "Tobias Wendt übernimmt die Stadtwerke Nordhain."
    rec = {"id": "sd1", "text": text, "conceptMentions": [
        {"span": {"start": 0, "end": 12}, "type": "person"},
        {"span": {"start": 27, "end": 46}, "type": "organization-company"}]}
    for name in ("v1_20180119/train.jsonl", "v1_20180119/test.jsonl", "v3_20200302/test.jsonl"):
        (sd / name).write_text(json.dumps(dict(rec, id=name)) + "\n", encoding="utf-8")
    mobie = root / "mobie"
    mobie.mkdir()
    for split in ("train", "dev", "test"):
        (mobie / f"{split}.conll2003").write_text(
            "-DOCSTART- -1- O O\n\nStau\tNN\tI-NN\tB-trigger\nin\tAPPR\tI-AP\tO\nKassel\tNE\tI-NE\tB-location-city\n\n",
            encoding="utf-8")
    eu = root / "europeana-newspapers-de"
    eu.mkdir()
    for part in ("lft", "onb", "sbb"):
        (eu / f"enp_DE.{part}.bio").write_text(
            "# file: 1\nHerr O\nMaria B-PER\nSchulte I-PER\nreiste O\nnach O\nKassel B-LOC\n. O\n", encoding="utf-8")


@pytest.fixture
def synthetic_corpora(tmp_path) -> Path:
    """A tiny corpora folder in every format the training scripts read (GermEval 2-column train,
    4-column dev, SmartData JSONL, MobIE CoNLL, Europeana BIO), with invented sentences."""
    root = tmp_path / "corpora"
    write_synthetic_corpora(root)
    return root

