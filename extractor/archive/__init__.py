"""The archive view: records of many articles consolidated into one DuckDB store of
organisations (entities), cooperations across articles with their timelines, and the sources.

`store` (schema, transactions), `ingest` (batch outputs -> raw tables), `names` and `linking`
(entity resolution), `entities`, `cooperations` (derived tables), `corrections` (analysts'
merges and splits), `export`, `report`; `docs/archive.md` describes the tables.
"""
