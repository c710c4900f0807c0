"""Entities as analysts read them: `coopx entities list|show`, and the archive API's search and
detail answers. Every link of an entity is shown with the rule (or score) that made it."""

from __future__ import annotations

import duckdb

from extractor.archive.entities import resolve
from extractor.archive.store import rows


MAX_EVENTS = 500  # the latest events of an entity's timeline in `detail`


def search(con: duckdb.DuckDBPyConnection, query: str = "", limit: int = 20) -> list[dict]:
    """Entities whose name or any variant contains `query` (case-insensitive, as written: "%"
    and "_" are no wildcards), most reported first."""
    return rows(con, """SELECT e.entity_id, e.name, e.kind, e.location, e.n_articles, e.n_cooperations, e.first_seen,
                                 e.last_seen
                          FROM entities e
                          WHERE $q = '' OR contains(lower(e.name), lower($q)) OR e.entity_id = $q OR EXISTS (
                              SELECT 1 FROM entity_variants v WHERE v.entity_id = e.entity_id
                              AND contains(lower(v.variant), lower($q)))
                          ORDER BY e.n_articles DESC, e.n_cooperations DESC, e.name LIMIT $limit""",
                  {"q": query, "limit": limit})


def detail(con: duckdb.DuckDBPyConnection, entity: str) -> dict:
    """One entity: its row, variants, keys with their links, partners, latest 100 articles and
    latest `MAX_EVENTS` timeline events."""
    eid = resolve(con, [entity])[entity]
    return {
        "entity": rows(con, "SELECT * FROM entities WHERE entity_id = ?", [eid])[0],
        "variants": rows(con, "SELECT variant, count FROM entity_variants WHERE entity_id = ? "
                                "ORDER BY count DESC, variant", [eid]),
        "keys": rows(con, """SELECT k.key, k.key_id, k.names, k.rule, k.score, k.detail, l.names AS linked_names
                               FROM entity_keys k LEFT JOIN entity_keys l ON l.key = k.linked_to
                               WHERE k.entity_id = ? ORDER BY k.rule = 'form' DESC, k.key""", [eid]),
        "partners": rows(con, """SELECT q.entity_id, e.name, e.kind, count(DISTINCT c.cooperation_id) AS cooperations,
                                          sum(c.n_reports) AS reports
                                   FROM cooperation_partners p
                                   JOIN cooperation_partners q ON q.cooperation_id = p.cooperation_id
                                        AND q.entity_id <> p.entity_id
                                   JOIN cooperations c ON c.cooperation_id = p.cooperation_id
                                   JOIN entities e ON e.entity_id = q.entity_id
                                   WHERE p.entity_id = ? GROUP BY ALL ORDER BY reports DESC, e.name""", [eid]),
        "articles": rows(con, """SELECT DISTINCT a.record_id, a.published, a.outlet, a.url, a.title
                                   FROM entity_members m JOIN articles a USING (record_id) WHERE m.entity_id = ?
                                   ORDER BY a.published DESC NULLS LAST, a.record_id LIMIT 100""", [eid]),
        "events": rows(con, """SELECT * FROM (
                                     SELECT ev.cooperation_id, ev.event, ev.date, ev.outlet, ev.url, ev.title, ev.evidence,
                                            ev.record_id, array_to_string(c.partner_names, ' – ') AS partners
                                     FROM cooperation_events ev JOIN cooperations c USING (cooperation_id)
                                     WHERE list_contains(c.partner_ids, ?)
                                     ORDER BY ev.date DESC NULLS LAST, ev.cooperation_id, ev.record_id LIMIT ?)
                                 ORDER BY date NULLS LAST, cooperation_id, record_id""", [eid, MAX_EVENTS]),
    }


def show_lines(d: dict) -> list[str]:
    """`coopx entities show`: the entity, why its names are one organisation, its cooperations."""
    e = d["entity"]
    lines = [f"{e['entity_id']}  {e['name']}  ({e['kind']}{', ' + e['location'] if e['location'] else ''})",
             f"  {e['n_articles']} articles, {e['n_cooperations']} cooperations, seen {e['first_seen'] or '?'} to "
             f"{e['last_seen'] or '?'}", "  names, and why they are this organisation:"]
    for k in d["keys"]:
        names = " | ".join(k["names"])
        if k["rule"] == "form":
            lines.append(f"    {names}  [{k['key']}]  ({k['detail']})")
        else:
            score = f" {k['score']:.0f}" if k["score"] is not None else ""
            lines.append(f"    {names}  [{k['key']}]  -> {' | '.join(k['linked_names'] or [])}: {k['rule']}{score} "
                         f"({k['detail']})")
    lines.append("  variants: " + ", ".join(f"{v['variant']} ({v['count']})" for v in d["variants"]))
    if d["partners"]:
        lines.append("  partners: " + ", ".join(f"{p['name']} ({p['entity_id']}, {p['reports']} reports)"
                                                for p in d["partners"]))
    lines.append(f"  articles ({e['n_articles']}, latest first): " + ", ".join(
        f"{a['published'] or '?'} {a['url'] or a['record_id']}" for a in d["articles"][:5]))
    lines.append(f"  timeline ({len(d['events'])} events{', the latest' if len(d['events']) == MAX_EVENTS else ''}):")
    for ev in d["events"]:
        lines.append(f"    {ev['date'] or '----'}  {ev['event']:<9}  {ev['partners']}  {ev['outlet'] or ''}  "
                     f"{ev['url'] or ''}")
    return lines
