"""Analysts' corrections of the linking: `coopx entities merge|split`.

A correction is stored in the terms that survive a rebuild and a change of the normalisation:
the units (canonical name, qualifier) of the entities at the time, not entity ids or name
keys. `linking.link` applies it on every rebuild: a merge joins its units whatever the rules
say; a split forbids every link between the units of different sides, even of names equal
after normalisation ("Klinikum Nord" in two places, "Stadtwerke Talberg" and "Stadtwerke
Talberg GmbH"). Where a later correction disagrees with an earlier one, the later one wins,
and only where they disagree (`linking.effective_corrections`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import duckdb

from extractor.archive.consolidate import rebuild
from extractor.archive.entities import resolve
from extractor.archive.linking import Unit
from extractor.archive.names import form
from extractor.archive.store import opened, transaction
from extractor.errors import CoopxError
from extractor.settings import Settings


def _record(con: duckdb.DuckDBPyConnection, action: str, ids: list[str], sides: list[list[Unit]], note: str) -> None:
    seq = con.execute("SELECT coalesce(max(seq), 0) + 1 FROM corrections").fetchone()[0]
    con.execute("INSERT INTO corrections (seq, action, entity_ids, sides, note) VALUES (?, ?, ?, ?, ?)",
                [seq, action, ids, json.dumps([[list(u) for u in side] for side in sides], ensure_ascii=False), note])


def _units(con: duckdb.DuckDBPyConnection, entity: str) -> list[tuple[str, Unit]]:
    """(key, unit) of every name of an entity."""
    rows = con.execute("""SELECT n.key, n.name, n.qualifier FROM name_units n JOIN entity_keys k USING (key)
                          WHERE k.entity_id = ? ORDER BY n.key, n.name, n.qualifier NULLS FIRST""", [entity]).fetchall()
    return [(key, (name, qual)) for key, name, qual in rows]


def _entity_of(con: duckdb.DuckDBPyConnection, unit: Unit) -> str:
    return con.execute("""SELECT k.entity_id FROM name_units n JOIN entity_keys k USING (key)
                          WHERE n.name = ? AND n.qualifier IS NOT DISTINCT FROM ?""", list(unit)).fetchone()[0]


def merge(store: Path, ids: list[str], settings: Settings) -> str:
    """Make the entities `ids` one; the id of the merged entity."""
    if len(ids) < 2:
        raise CoopxError("merge needs at least two entity ids")
    with opened(store, settings) as con, transaction(con):
        current = list(dict.fromkeys(resolve(con, ids).values()))
        if len(current) < 2:
            raise CoopxError(f"{', '.join(ids)}: already one entity ({current[0]})")
        sides = [[u for _, u in _units(con, e)] for e in current]
        _record(con, "merge", ids, sides, f"merge {' '.join(ids)}")
        rebuild(con)
        return _entity_of(con, sides[0][0])


def _label(unit: Unit) -> str:
    return f"'{unit[0]}'" + (f" in {unit[1]}" if unit[1] else "")


def split(store: Path, entity: str, names: list[str], settings: Settings, location: str | None = None) -> list[str]:
    """Split an entity: the names `names` (in `location` only, when given) from the rest, or (no
    names) every name key apart (every name, when it has one key only); the ids of the
    resulting entities."""
    with opened(store, settings) as con, transaction(con):
        current = resolve(con, [entity])[entity]
        units = _units(con, current)
        if names:
            chosen = _chosen(current, units, names, location)
            sides = [[u for _, u in units if u in chosen], [u for _, u in units if u not in chosen]]
            if not sides[1]:
                raise CoopxError(f"{entity}: nothing to split: the names given are all its names "
                                 f"({', '.join(_label(u) for u in sides[0])})")
        else:
            by_key: dict[str, list[Unit]] = defaultdict(list)
            for key, unit in units:
                by_key[key].append(unit)
            sides = list(by_key.values()) if len(by_key) > 1 else [[u] for _, u in units]
            if len(sides) < 2:
                raise CoopxError(f"{entity}: nothing to split: it has one name only ({_label(units[0][1])})")
        _record(con, "split", [entity], sides, f"split {entity} {' | '.join(names)}".strip())
        rebuild(con)
        return sorted({_entity_of(con, side[0]) for side in sides})


def _chosen(entity: str, units: list[tuple[str, Unit]], names: list[str], location: str | None) -> set[Unit]:
    """The entity's units of these names: as written, else any name equal after normalising;
    with `location`, only the units in that location."""
    place = form(location) if location else None
    chosen: set[Unit] = set()
    for name in names:
        hits = {u for _, u in units if u[0] == name} or {u for _, u in units if form(u[0]).key == form(name).key}
        if place is not None:  # a unit without qualifier is in the place its name says
            hits = {u for u in hits if (form(u[1]).key == place.key if u[1] else
                                        set(place.tokens) <= set(form(u[0]).tokens))}
        if not hits:
            where = f" in {location}" if location else ""
            raise CoopxError(f"{entity} has no name {name!r}{where} (see `coopx entities show {entity} --store ...`)")
        chosen |= hits
    return chosen
