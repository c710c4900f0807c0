"""The SQLite state store that makes a batch resumable.

One row per input occurrence (`origin`, the reader's key): `pending` when handed to a worker,
then `ok`, `skipped`, `failed` or `duplicate`. `texts` maps the SHA-256 of each cleaned text
written so far to its first origin (exact duplicates). `meta` holds the byte offsets up to
which the output and errors files are committed.

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
from pathlib import Path

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
"""



def reason_key(reason: str) -> str:
    """'not German (detected: en)' -> 'not German': the summary groups skips by this."""
    return re.sub(r"\s*[(:].*$", "", reason).strip()[:80] or reason[:80]


class StateStore:
    def __init__(self, path: Path, *, resume: bool, job: dict) -> None:
        self.path = path
        if not resume:
            for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
                p.unlink(missing_ok=True)
        self.db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        meta = dict(self.db.execute("SELECT key, value FROM meta"))
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
        self._set("job", json.dumps(job, ensure_ascii=False))
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
        row = self.db.execute("SELECT 1 FROM docs WHERE origin = ? AND run < ? LIMIT 1", (origin, self.run)).fetchone()
        return row is not None

    def seen(self, origin: str) -> bool:
        return self.db.execute("SELECT 1 FROM docs WHERE origin = ? LIMIT 1", (origin,)).fetchone() is not None

    def claim_text(self, sha: str, origin: str) -> str | None:
        """Register a cleaned text; the first origin with the same text if it is a duplicate."""
        cur = self.db.execute("INSERT OR IGNORE INTO texts(sha, origin) VALUES (?, ?)", (sha, origin))
        if cur.rowcount:
            return None
        return self.db.execute("SELECT origin FROM texts WHERE sha = ?", (sha,)).fetchone()[0]

    # -- changes ------------------------------------------------------------------------------
    def add(self, origin: str, status: str = "pending", stage: str | None = None, reason: str | None = None) -> int:
        cur = self.db.execute("INSERT INTO docs(origin, run, status, stage, reason) VALUES (?, ?, ?, ?, ?)",
                              (origin, self.run, status, stage, reason))
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
