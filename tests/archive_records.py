"""Small contract-v1 records for the archive tests: articles about invented organisations,
written the way different outlets write them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from extractor.records import Record


def inst(iid: str, name: str, *mentions: str, kind: str = "hospital", location: str | None = None,
         abbreviation: str | None = None) -> dict:
    forms = [name, *mentions]
    return {"id": iid, "name": name, "mentions": forms, "kind": kind, "abbreviation": abbreviation, "location": location,
            "spans": [{"text": f, "start": 0, "end": len(f)} for f in forms]}


def coop(cid: str, partners: list[str], types: list[str], status: str, evidence: str, *, date: str | None = None,
         kind: str | None = None, name: str | None = None, confidence: float = 0.8) -> dict:
    return {"id": cid, "partners": partners, "name": name, "types": types, "status": status,
            "date": {"value": date, "kind": kind, "text": date} if date else None,
            "evidence": [{"text": evidence, "start": 0, "end": len(evidence)}], "confidence": confidence}


def record(key: str, institutions: list[dict], cooperations: list[dict], *, outlet: str = "zeitung.example",
           published: str | None = "2024-05-02") -> dict:
    rid = hashlib.sha256(key.encode()).hexdigest()[:16]
    rec = {"schema_version": "1.0", "id": rid,
           "source": {"id": key, "path": None, "url": f"https://www.{outlet}/artikel/{key}", "title": f"Artikel {key}",
                      "published": published, "sitename": None, "language": "de", "text_sha256": rid * 4},
           "pipeline": {"model": "blank:de", "model_version": None, "kind": "rules_only", "coopx_version": "0.1.0",
                        "components": []},
           "is_cooperation": bool(cooperations), "institutions": institutions, "people": [],
           "cooperations": cooperations, "warnings": []}
    Record.model_validate(rec)  # the helper itself stays on the contract
    return rec


def talberg_articles() -> list[dict]:
    """Five articles from three outlets about one cooperation (Universitätsklinikum Talberg and
    Kreisklinik Bergtal: announced, signed, extended), under varying names, plus an unrelated
    cooperation of two organisations that share words and a place with the first."""
    ukt = lambda i, name="Universitätsklinikum Talberg", *m: inst(i, name, *m, location="Talberg")  # noqa: E731
    kkb = lambda i, name="Kreisklinik Bergtal", *m: inst(i, name, *m, location="Bergtal")  # noqa: E731
    ev = "Das Universitätsklinikum Talberg und die Kreisklinik Bergtal arbeiten in der Schlaganfallversorgung zusammen."
    return [
        record("a1", [ukt("i1", "Universitätsklinikum Talberg", "Universitätsklinikums Talberg", "UKT"), kkb("i2")],
               [coop("c1", ["i1", "i2"], ["patient_care", "telemedicine"], "planned", ev, date="2023-11", kind="announced")],
               outlet="talberger-zeitung.example", published="2023-11-20"),
        record("a2", [ukt("i1", "Uniklinik Talberg"), kkb("i2", "Kreisklinik Bergtal GmbH")],
               [coop("c1", ["i1", "i2"], ["telemedicine"], "started", "Am 3. Mai 2024 unterzeichneten Uniklinik Talberg "
                     "und Kreisklinik Bergtal den Vertrag.", date="2024-05-03", kind="signed")],
               outlet="bergtal-kurier.example", published="2024-05-04"),
        record("a3", [ukt("i1", "UKT"), kkb("i2", "Kreis-Klinik Bergtal")],
               [coop("c1", ["i1", "i2"], ["telemedicine", "patient_care"], "started", "Das UKT und die Kreis-Klinik "
                     "Bergtal beginnen die Telekonsile.", date="2024-06", kind="start")],
               outlet="talberger-zeitung.example", published="2024-06-10"),
        record("a4", [ukt("i1"), kkb("i2")],
               [coop("c1", ["i1", "i2"], ["telemedicine", "education"], "extended", "Die Kooperation wird um "
                     "Fortbildungen erweitert.")],
               outlet="aerzteblatt.example", published="2025-02-01"),
        record("a5", [inst("i1", "Universität Talberg", kind="university", location="Talberg"),
                      inst("i2", "Stadtwerke Talberg", "Stadtwerken Talberg", kind="company", location="Talberg"),
                      inst("i3", "Stadt Talberg", kind="public_authority", location="Talberg")],
               [coop("c1", ["i1", "i2"], ["research"], "started", "Universität und Stadtwerke Talberg forschen gemeinsam "
                     "an Wärmenetzen.", date="2024-09-12", kind="signed")],
               outlet="talberger-zeitung.example", published="2024-09-12"),
    ]


def write(path: Path, recs: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    return path
