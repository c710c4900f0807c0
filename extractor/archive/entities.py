"""Rebuild the organisation tables: institutions of all articles -> entities.

Python sees only distinct names (with their kinds, locations and other forms aggregated by
DuckDB), links them (`linking.link`), and hands back small mapping tables; DuckDB does every
per-row join and aggregate. So the cost grows with the number of distinct names, not rows.
"""

from __future__ import annotations

import json
from collections import Counter

import duckdb
import pyarrow as pa

from extractor.archive.linking import Correction, Linking, NameStat, Unit, entity_id, link, qualifier
from extractor.archive.names import inflected_names
from extractor.archive.store import replace_table
from extractor.errors import CoopxError

MAX_PASSES = 4  # linking again with the partners it had put into one organisation kept apart


def create_units(con: duckdb.DuckDBPyConnection) -> None:
    """The temp table `units`: every institution of the store with its `linking.qualifier`
    (computed in Python once per distinct located name; a name without location has none)."""
    pairs = con.execute("""SELECT DISTINCT name, location FROM institutions
                           WHERE name IS NOT NULL AND nullif(trim(location), '') IS NOT NULL""").fetchall()
    quals = [(n, loc, q) for n, loc in pairs if (q := qualifier(n, loc))]
    con.register("qualifiers", pa.table({"name": pa.array([n for n, _, _ in quals], pa.string()),
                                         "location": pa.array([loc for _, loc, _ in quals], pa.string()),
                                         "qualifier": pa.array([q for _, _, q in quals], pa.string())}))
    con.execute("""CREATE OR REPLACE TEMP TABLE units AS
        SELECT i.record_id, i.institution_id, i.name, q.qualifier, i.kind, i.location, i.abbreviation, i.mentions,
               r.ingest_id
        FROM institutions i JOIN articles r USING (record_id)
        LEFT JOIN qualifiers q ON q.name = i.name AND q.location = i.location
        WHERE i.name IS NOT NULL""")
    con.unregister("qualifiers")


def name_stats(con: duckdb.DuckDBPyConnection) -> list[NameStat]:
    """The distinct (name, qualifier) units of the temp table `units` (`create_units`) with
    their aggregated evidence."""
    stats: dict[tuple, NameStat] = {}
    for name, qual, count, kinds, locations, first in con.execute("""
            SELECT name, qualifier, count(*), histogram(kind), histogram(location), min(ingest_id)
            FROM units GROUP BY ALL""").fetchall():
        stats[(name, qual)] = NameStat(name, qual, count, Counter(kinds or {}), Counter(locations or {}),
                                       first=first or 0)
    for name, qual, mention, n in con.execute("""
            SELECT name, qualifier, m, count(*) FROM (SELECT name, qualifier, unnest(mentions) AS m FROM units)
            WHERE m IS NOT NULL AND m <> name GROUP BY ALL""").fetchall():
        stats[(name, qual)].mentions[mention] = n
    return list(stats.values())


def corrections(con: duckdb.DuckDBPyConnection) -> list[Correction]:
    """The analysts' corrections in the order made (`linking.effective_corrections` settles
    where a later one disagrees with an earlier one)."""
    return [Correction(action, [[tuple(u) if isinstance(u, list) else u for u in side] for side in json.loads(sides)])
            for action, sides in con.execute("SELECT action, sides FROM corrections ORDER BY seq").fetchall()]


def _collapsed_partners(con: duckdb.DuckDBPyConnection) -> set[tuple[Unit, Unit]]:
    """Pairs of units, of different keys, that one report names as partners of each other
    and the current linking put into one organisation."""
    rows = con.execute("""
        WITH p AS (SELECT DISTINCT record_id, cooperation_id, unnest(partner_ids) AS institution_id
                   FROM record_cooperations),
        u AS (SELECT p.record_id, p.cooperation_id, u.name, u.qualifier, n.key, k.entity_id
              FROM p JOIN units u USING (record_id, institution_id)
              JOIN name_units n ON n.name = u.name AND n.qualifier IS NOT DISTINCT FROM u.qualifier
              JOIN entity_keys k ON k.key = n.key)
        SELECT DISTINCT a.name, a.qualifier, b.name, b.qualifier FROM u a JOIN u b
            ON a.record_id = b.record_id AND a.cooperation_id = b.cooperation_id AND a.entity_id = b.entity_id
            AND a.key < b.key""").fetchall()
    return {((a, qa), (b, qb)) for a, qa, b, qb in rows}


def _write_mappings(con: duckdb.DuckDBPyConnection, linking: Linking) -> None:
    units = list(linking.key_of.items())
    inflected = set().union(*(inflected_names(info.names) for info in linking.infos.values()))
    con.register("unit_map", pa.table({
        "name": pa.array([n for (n, _), _ in units], pa.string()),
        "qualifier": pa.array([q for (_, q), _ in units], pa.string()),
        "abbreviation": [bool(linking.infos[k].form.abbreviation) for _, k in units],
        "inflected": [n in inflected for (n, _), _ in units], "key": pa.array([k for _, k in units], pa.string())}))
    replace_table(con, "name_units", "SELECT * FROM unit_map")
    con.unregister("unit_map")
    via = {lk.key: lk for lk in linking.links}
    keys = list(linking.entity_of)
    con.register("key_map", pa.table({
        "key": keys, "entity_id": [linking.entity_of[k] for k in keys], "key_id": [entity_id(k) for k in keys],
        "names": [sorted(set(linking.infos[k].names)) for k in keys],
        "linked_to": [via[k].other if k in via else None for k in keys],
        "rule": [via[k].rule if k in via else "form" for k in keys],
        "score": pa.array([via[k].score if k in via else None for k in keys], pa.float64()),
        "detail": [via[k].detail if k in via else "equal after normalising inflection, case, legal form, word order"
                   for k in keys]}))
    replace_table(con, "entity_keys", "SELECT * FROM key_map")
    con.unregister("key_map")


def rebuild(con: duckdb.DuckDBPyConnection) -> Linking:
    """Refill entity_keys, name_units, entity_members, entities and entity_variants."""
    create_units(con)
    stats, corrected = name_stats(con), corrections(con)
    cannot: set[tuple[Unit, Unit]] = set()
    for _ in range(MAX_PASSES):
        linking = link(stats, corrected, cannot_link=cannot)
        _write_mappings(con, linking)
        found = _collapsed_partners(con)
        if found <= cannot:
            break
        cannot |= found
    con.execute("""CREATE OR REPLACE TEMP TABLE member_rows AS
        SELECT k.entity_id, u.*, a.published, n.abbreviation AS is_abbreviation, n.inflected FROM units u
        JOIN name_units n ON n.name = u.name AND n.qualifier IS NOT DISTINCT FROM u.qualifier
        JOIN entity_keys k ON k.key = n.key
        JOIN articles a USING (record_id)""")
    replace_table(con, "entity_members", "SELECT record_id, institution_id, entity_id FROM member_rows")
    replace_table(con, "entity_variants", """
        SELECT entity_id, variant, count(*) AS count FROM (
            SELECT entity_id, unnest(list_distinct(list_concat([name], mentions,
                   CASE WHEN abbreviation IS NULL THEN [] ELSE [abbreviation] END))) AS variant
            FROM member_rows)
        WHERE variant IS NOT NULL AND trim(variant) <> '' GROUP BY ALL""")
    replace_table(con, "entities", """
        WITH names AS (
            SELECT entity_id, name, is_abbreviation, inflected, count(*) AS n FROM member_rows GROUP BY ALL),
        best AS (
            SELECT entity_id, arg_max(name, (NOT is_abbreviation, NOT inflected, n, -length(name), name)) AS name
            FROM names GROUP BY 1),
        kinds AS (
            SELECT entity_id, arg_max(kind, n) AS kind FROM (
                SELECT entity_id, kind, count(*) AS n FROM member_rows WHERE kind IS NOT NULL AND kind <> 'other'
                GROUP BY ALL) GROUP BY 1),
        places AS (
            SELECT entity_id, arg_max(location, n) AS location FROM (
                SELECT entity_id, location, count(*) AS n FROM member_rows WHERE nullif(trim(location), '') IS NOT NULL
                GROUP BY ALL) GROUP BY 1),
        agg AS (
            SELECT entity_id, min(published) AS first_seen, max(published) AS last_seen,
                   count(DISTINCT record_id) AS n_articles, count(*) AS n_mentions FROM member_rows GROUP BY 1),
        variants AS (SELECT entity_id, count(*) AS n_variants FROM entity_variants GROUP BY 1)
        SELECT agg.entity_id, best.name, coalesce(kinds.kind, 'other') AS kind, places.location, first_seen, last_seen,
               n_articles, n_mentions, coalesce(n_variants, 0) AS n_variants, 0 AS n_cooperations, 0 AS n_partners
        FROM agg JOIN best USING (entity_id) LEFT JOIN kinds USING (entity_id) LEFT JOIN places USING (entity_id)
        LEFT JOIN variants USING (entity_id)""")
    for t in ("units", "member_rows"):
        con.execute(f"DROP TABLE {t}")
    return linking


def resolve(con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, str]:
    """Entity ids as the user gives them (current, or an older id of a key now merged into
    another entity) -> the current entity id; a CoopxError naming the unknown ones."""
    found = dict(con.execute("""SELECT q.id, coalesce(e.entity_id, k.entity_id) FROM unnest(?::VARCHAR[]) q(id)
        LEFT JOIN (SELECT DISTINCT entity_id FROM entity_keys) e ON e.entity_id = q.id
        LEFT JOIN entity_keys k ON k.key_id = q.id""", [ids]).fetchall())
    unknown = [i for i in ids if not found.get(i)]
    if unknown:
        raise CoopxError(f"no such entity: {', '.join(unknown)} (list them with `coopx entities list --store ...`)")
    return {i: found[i] for i in ids}
