"""A readable terminal view of one record."""

from __future__ import annotations

from extractor.records import Record


def render(record: Record, source: str | None = None) -> None:
    names = {i.id: i.name for i in record.institutions}
    print(f"{source or record.source.id}: {'cooperation' if record.is_cooperation else 'no cooperation'} "
          f"({record.pipeline.model}, {record.pipeline.kind})")
    for c in record.cooperations:
        date = f", {c.date.value} ({c.date.kind})" if c.date else ""
        print(f"- {' + '.join(names[p] for p in c.partners)}: {', '.join(c.types)}; {c.status}{date}"
              + (f"; {c.name}" if c.name else ""))
        print(f"    evidence: {c.evidence[0].text}")
    for p in record.people:
        print(f"- {' '.join(filter(None, [p.title, p.name]))}: {p.role or '-'}"
              + (f" ({names[p.affiliation]})" if p.affiliation else ""))
    for w in record.warnings:
        print(f"! {w}")
