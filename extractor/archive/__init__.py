"""The archive view: records of many articles consolidated into one DuckDB store of
organisations (entities), cooperations across articles with their timelines, and the sources.

`store` (schema, connections, transactions), `ingest` (batch outputs -> raw tables),
`consolidate` (one transactional write), `names` and `linking` (entity resolution),
`entities` and `cooperations` (the derived tables), `corrections` (analysts' merges and
splits), `describe` (entities for people), `export`, `report`, `synthetic` (benchmark data).
docs/archive.md describes the commands and tables.
"""
