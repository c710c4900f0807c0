"""The SQLite state store that makes a batch resumable.

One row per input occurrence (`origin`, the reader's key): `pending` when handed to a worker,
then `ok`, `skipped`, `failed` or `duplicate`. `texts` maps the SHA-256 of each cleaned text
written so far to the origin whose record is kept, with how rich its metadata is and where its
line lies in the output (exact duplicates: the copy with more metadata wins, see `job`);
`superseded` lists the output lines of copies that lost, dropped when the run ends
(`compact`). `meta` holds the byte offsets up to which the output and errors files are
committed. Origins are stored as `textsafe.label` gives them (SQLite text must be UTF-8).

Consistency rule: lines are written to the files first, the files are fsynced, and then one
transaction commits the rows and the new offsets. After a crash, `open(resume=True)` drops
`pending` rows and the caller truncates both files to the committed offsets, so every input
ends up with exactly one line, whatever the moment of the crash.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from extractor import textsafe
from extractor.errors import CoopxError

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    seq INTEGER PRIMARY KEY,
    origin TEXT NOT NULL,
    run INTEGER NOT NULL,
    status TEXT NOT NULL,          -- pending | ok | skipped | failed | duplicate
    stage TEXT,
    reason TEXT                    -- short reason (skipped: the summary's grouping key)
);
CREATE INDEX IF NOT EXISTS docs_origin ON docs(origin);
CREATE TABLE IF NOT EXISTS texts (sha TEXT PRIMARY KEY, origin TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS superseded (start INTEGER PRIMARY KEY, length INTEGER NOT NULL);
"""
# columns added to `texts` after its first version (a resumed older store gets them empty)
TEXT_COLUMNS = {"seq": "INTEGER", "id": "TEXT", "score": "INTEGER NOT NULL DEFAULT 0", "start": "INTEGER",
                "length": "INTEGER"}


@dataclass(frozen=True)
class KeptText:
    """The record kept for a cleaned text: whose it is, how rich, where its line is."""

    origin: str
    seq: int | None
    id: str | None
    score: int
    start: int | None
    length: int | None



def reason_key(reason: str) -> str:
    """'not German (detected: en)' -> 'not German': the summary groups skips by this."""
    return re.sub(r"\s*[(:].*$", "", reason).strip()[:80] or reason[:80]


class StateStore:
    def __init__(self, path: Path | None, *, resume: bool, job: dict) -> None:
        """`path` None: an in-memory store (output streamed to stdout: nothing to resume)."""
        self.path = path
        if not resume and path is not None:
            for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
                p.unlink(missing_ok=True)
        self.db = sqlite3.connect(str(path) if path is not None else ":memory:", isolation_level=None,
                                  check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        have = {row[1] for row in self.db.execute("PRAGMA table_info(texts)")}
        for column, kind in TEXT_COLUMNS.items():
            if column not in have:
                self.db.execute(f"ALTER TABLE texts ADD COLUMN {column} {kind}")
        meta = dict(self.db.execute("SELECT key, value FROM meta"))
        self.compacting = meta.get("compacting") == "1"  # a run ended between compaction's two steps
        if resume and meta:
            for key in ("format", "model"):
                before = json.loads(meta.get("job", "{}")).get(key)
                if before is not None and before != job.get(key):
                    raise CoopxError(f"cannot resume: the earlier run used {key} {before!r}, this one {job.get(key)!r}",
                                     stage="setup")
        self.run = int(meta.get("run", "0")) + 1
        self.out_offset = int(meta.get("output_offset", "0"))
        self.err_offset = int(meta.get("errors_offset", "0"))
        self.db.execute("BEGIN")
        self.db.execute("DELETE FROM docs WHERE status = 'pending'")
        self._set("run", str(self.run))
        self._set("job", json.dumps(job))  # ASCII: a path that is not UTF-8 stays a valid JSON escape
        self._set("output_offset", str(self.out_offset))
        self._set("errors_offset", str(self.err_offset))
        self.db.execute("COMMIT")
        self.earlier = self.db.execute("SELECT count(*) FROM docs").fetchone()[0]
        self.db.execute("BEGIN")
        self.last_commit = time.monotonic()
        self.uncommitted = 0

    def _set(self, key: str, value: str) -> None:
        self.db.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        (key, value))

    # -- lookups ------------------------------------------------------------------------------
    def done_before(self, origin: str) -> bool:
        """Finished by an earlier run (so `--resume` passes it over)."""
        row = self.db.execute("SELECT 1 FROM docs WHERE origin = ? AND run < ? LIMIT 1",
                              (textsafe.label(origin), self.run)).fetchone()
        return row is not None

    def seen(self, origin: str) -> bool:
        return self.db.execute("SELECT 1 FROM docs WHERE origin = ? LIMIT 1",
                               (textsafe.label(origin),)).fetchone() is not None

    def kept_text(self, sha: str) -> KeptText | None:
        """The record kept so far for this cleaned text, if any."""
        row = self.db.execute("SELECT origin, seq, id, score, start, length FROM texts WHERE sha = ?", (sha,)).fetchone()
        return KeptText(*row) if row else None

    def keep_text(self, sha: str, kept: KeptText, replaces: KeptText | None = None) -> None:
        """`kept` is now the record for this text; the line of the one it `replaces` is superseded."""
        self.db.execute("INSERT INTO texts(sha, origin, seq, id, score, start, length) VALUES (?, ?, ?, ?, ?, ?, ?) "
                        "ON CONFLICT(sha) DO UPDATE SET origin = excluded.origin, seq = excluded.seq, id = excluded.id, "
                        "score = excluded.score, start = excluded.start, length = excluded.length",
                        (sha, textsafe.label(kept.origin), kept.seq, kept.id, kept.score, kept.start, kept.length))
        if replaces is not None and replaces.start is not None:
            self.db.execute("INSERT OR IGNORE INTO superseded(start, length) VALUES (?, ?)",
                            (replaces.start, replaces.length))
        self.uncommitted += 1

    def superseded(self) -> list[tuple[int, int]]:
        return list(self.db.execute("SELECT start, length FROM superseded ORDER BY start"))

    def compacted(self, out_size: int, err_offset: int) -> None:
        """The output without its superseded lines is written (not yet in place): commit its offsets."""
        self.db.execute("UPDATE texts SET start = start - (SELECT coalesce(sum(s.length), 0) FROM superseded AS s "
                        "WHERE s.start < texts.start) WHERE start IS NOT NULL")
        self.db.execute("DELETE FROM superseded")
        self._set("compacting", "1")
        self.commit(out_size, err_offset)

    def compaction_done(self) -> None:
        self.db.execute("DELETE FROM meta WHERE key = 'compacting'")
        self.commit(self.out_offset, self.err_offset)
        self.compacting = False

    # -- changes ------------------------------------------------------------------------------
    def add(self, origin: str, status: str = "pending", stage: str | None = None, reason: str | None = None) -> int:
        cur = self.db.execute("INSERT INTO docs(origin, run, status, stage, reason) VALUES (?, ?, ?, ?, ?)",
                              (textsafe.label(origin), self.run, status, stage, reason))
        self.uncommitted += 1
        return int(cur.lastrowid)

    def finish(self, seq: int, status: str, stage: str | None = None, reason: str | None = None) -> None:
        self.db.execute("UPDATE docs SET status = ?, stage = ?, reason = ? WHERE seq = ?", (status, stage, reason, seq))
        self.uncommitted += 1

    def commit(self, out_offset: int, err_offset: int) -> None:
        """Call after the files are fsynced up to these offsets."""
        self.out_offset, self.err_offset = out_offset, err_offset
        self._set("output_offset", str(out_offset))
        self._set("errors_offset", str(err_offset))
        self.db.execute("COMMIT")
        self.db.execute("BEGIN")
        self.last_commit = time.monotonic()
        self.uncommitted = 0

    def close(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")
        self.db.close()

    # -- totals -------------------------------------------------------------------------------
    def totals(self) -> dict:
        counts = dict(self.db.execute("SELECT status, count(*) FROM docs WHERE status != 'pending' GROUP BY status"))
        skipped = dict(self.db.execute("SELECT coalesce(reason, stage, '?'), count(*) FROM docs WHERE status = 'skipped' "
                                       "GROUP BY 1"))
        this_run = self.db.execute("SELECT count(*) FROM docs WHERE run = ? AND status != 'pending'",
                                   (self.run,)).fetchone()[0]
        return {"counts": counts, "skipped": skipped, "this_run": this_run}
