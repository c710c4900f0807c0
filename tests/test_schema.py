"""The published JSON Schema is generated from the pydantic contract and must not go stale."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from extractor.records import Record, json_schema
from tests.conftest import ROOT


def test_schema_file_is_current():
    published = json.loads((ROOT / "schemas" / "record.v1.schema.json").read_text(encoding="utf-8"))
    assert published == json_schema(), "schemas/record.v1.schema.json is stale: run `make schema`"


def test_record_forbids_unknown_fields(extract):
    rec = extract("Das Klinikum Musterstadt und die Universität Beispielhausen kooperieren seit 2020 in der Forschung.")
    data = rec.model_dump()
    data["surprise"] = 1
    with pytest.raises(ValidationError):
        Record.model_validate(data)


def test_dates_must_be_iso_with_precision(extract):
    rec = extract("Das Klinikum Musterstadt und die Universität Beispielhausen kooperieren seit März 2020 in der Forschung.")
    data = rec.model_dump()
    assert data["cooperations"][0]["date"]["value"] == "2020-03"
    data["cooperations"][0]["date"]["value"] = "März 2020"
    with pytest.raises(ValidationError):
        Record.model_validate(data)


def test_evidence_offsets_point_into_the_text(extract):
    text = ("Talberg. Das Universitätsklinikum Talberg und die Sanovia Klinik Borna haben am 3. Juni 2025 einen "
            "Kooperationsvertrag unterzeichnet. Die Zusammenarbeit umfasst die Weiterbildung von Ärzt:innen.")
    rec = extract(text)
    for coop in rec.cooperations:
        for ev in coop.evidence:
            assert text[ev.start : ev.end] == ev.text
    for inst in rec.institutions:
        for sp in inst.spans:
            assert text[sp.start : sp.end] == sp.text
