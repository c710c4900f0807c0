"""Analysts' corrections of the linking: `coopx entities merge|split`.

A correction is stored in the terms that survive a rebuild, the name keys of the entities at
the time (`entity_keys.key`), not the entity ids, and is applied by `linking.link` on every
rebuild: a merge joins its keys whatever the rules say; a split forbids every link between the
keys of different sides (and undoes earlier merges across them). Split works on keys: names
that are equal after normalisation (`names.form`) stay one organisation.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from extractor.archive.consolidate import rebuild
from extractor.archive.entities import keys_of, resolve
from extractor.archive.names import form
from extractor.archive.store import opened, transaction
from extractor.errors import CoopxError
from extractor.settings import Settings


def _record(con: duckdb.DuckDBPyConnection, action: str, ids: list[str], sides: list[list[str]], note: str) -> None:
    seq = con.execute("SELECT coalesce(max(seq), 0) + 1 FROM corrections").fetchone()[0]
    con.execute("INSERT INTO corrections (seq, action, entity_ids, sides, note) VALUES (?, ?, ?, ?, ?)",
                [seq, action, ids, json.dumps(sides, ensure_ascii=False), note])


def _entity_of_keys(con: duckdb.DuckDBPyConnection, keys: list[str]) -> str:
    return con.execute("SELECT entity_id FROM entity_keys WHERE key = ?", [keys[0]]).fetchone()[0]


def merge(store: Path, ids: list[str], settings: Settings) -> str:
    """Make the entities `ids` one; the id of the merged entity."""
    if len(ids) < 2:
        raise CoopxError("merge needs at least two entity ids")
    with opened(store, settings) as con, transaction(con):
        current = list(dict.fromkeys(resolve(con, ids).values()))
        if len(current) < 2:
            raise CoopxError(f"{', '.join(ids)}: already one entity ({current[0]})")
        sides = [keys_of(con, e) for e in current]
        _record(con, "merge", ids, sides, f"merge {' '.join(ids)}")
        rebuild(con)
        return _entity_of_keys(con, sides[0])


def split(store: Path, entity: str, names: list[str], settings: Settings) -> list[str]:
    """Split an entity: the keys of `names` from the rest, or (no names) every key on its own;
    the ids of the resulting entities."""
    with opened(store, settings) as con, transaction(con):
        current = resolve(con, [entity])[entity]
        keys = keys_of(con, current)
        if names:
            chosen = _keys_for_names(con, current, names)
            sides = [s for s in (sorted(chosen), [k for k in keys if k not in chosen]) if s]
        else:
            sides = [[k] for k in keys]
        if len(sides) < 2:
            raise CoopxError(f"{entity}: nothing to split (its names are all one name key: {keys[0]!r}; "
                             "names equal after normalisation cannot be split)")
        _record(con, "split", [entity], sides, f"split {entity} {' | '.join(names)}".strip())
        rebuild(con)
        return sorted({_entity_of_keys(con, s) for s in sides})


def _keys_for_names(con: duckdb.DuckDBPyConnection, entity: str, names: list[str]) -> set[str]:
    """The entity's keys that hold these names (as written, or any form equal after normalising)."""
    rows = con.execute("SELECT key, names FROM entity_keys WHERE entity_id = ?", [entity]).fetchall()
    chosen: set[str] = set()
    for name in names:
        hits = {k for k, ns in rows if name in ns or k == form(name).key or k.startswith(form(name).key + "@")}
        if not hits:
            raise CoopxError(f"{entity} has no name {name!r} (see `coopx entities show {entity} --store ...`)")
        chosen |= hits
    return chosen
