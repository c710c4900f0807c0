"""`coopx report`: the store as one self-contained HTML file (no CDN, works offline).

The page inlines the vendored vis-network (static/vis-network.min.js, MIT or Apache-2.0, from
npm), coopx's own report.js/report.css, and the data as JSON: the most reported organisations
(`report_max_nodes`), their most reported cooperations (`report_max_cooperations`), each with
its latest `report_max_events` events and `report_max_evidence` evidence sentences, so the page
stays small for an archive of any size. `coopx serve --store` serves the same page as
"Archiv", with a search box over all organisations (`api` mode).
"""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timezone
from functools import cache
from importlib import resources
from pathlib import Path

import duckdb

from extractor import __version__
from extractor.archive.store import rows
from extractor.settings import Settings


SHOWN = """SELECT entity_id FROM entities WHERE n_cooperations > 0
           ORDER BY n_articles DESC, n_cooperations DESC, entity_id LIMIT ?"""
SHOWN_COOPERATIONS = """SELECT cooperation_id FROM cooperations WHERE cooperation_id IN (
        SELECT cooperation_id FROM cooperation_partners WHERE list_contains($shown::VARCHAR[], entity_id)
        GROUP BY 1 HAVING count(*) >= 2)
    ORDER BY n_reports DESC, cooperation_id LIMIT $max_coops"""


def data(con: duckdb.DuckDBPyConnection, settings: Settings, title: str) -> dict:
    """What the page draws (docs/archive.md, "report"); plain queries, so a read-only
    connection will do. The organisations and cooperations shown are chosen once."""
    shown = [r[0] for r in con.execute(SHOWN, [settings.report_max_nodes]).fetchall()]
    coop_ids = [r[0] for r in con.execute(SHOWN_COOPERATIONS, {"shown": shown, "max_coops": settings.report_max_cooperations})
                .fetchall()]
    nodes = rows(con, """SELECT entity_id AS id, name, kind, location, first_seen, last_seen, n_articles,
                                 n_cooperations, n_partners
                          FROM entities WHERE list_contains($shown::VARCHAR[], entity_id) ORDER BY n_articles DESC, entity_id""",
                  {"shown": shown})
    coops = rows(con, """WITH partners AS (
                              SELECT cooperation_id, list(entity_id ORDER BY entity_id) AS partners
                              FROM cooperation_partners WHERE list_contains($shown::VARCHAR[], entity_id) GROUP BY 1)
                          SELECT c.cooperation_id AS id, c.name, p.partners, c.types, c.status, c.first_date,
                                 c.last_date, c.n_reports, c.n_articles, c.n_outlets
                          FROM cooperations c JOIN partners p USING (cooperation_id)
                          WHERE list_contains($coops::VARCHAR[], c.cooperation_id)
                          ORDER BY c.n_reports DESC, c.cooperation_id""", {"shown": shown, "coops": coop_ids})
    events = rows(con, """SELECT * FROM (
                               SELECT cooperation_id AS coop, event, date, date_source, status, record_id, url,
                                      outlet, title, evidence,
                                      row_number() OVER (PARTITION BY cooperation_id
                                          ORDER BY date DESC NULLS LAST, record_id) AS recent,
                                      row_number() OVER (PARTITION BY cooperation_id
                                          ORDER BY confidence DESC NULLS LAST, date DESC NULLS LAST, record_id)
                                          AS rank
                               FROM cooperation_events WHERE list_contains($coops::VARCHAR[], cooperation_id))
                           WHERE recent <= $max_events OR rank <= $max_evidence
                           ORDER BY date NULLS LAST, coop, record_id""",
                   {"coops": coop_ids, "max_events": settings.report_max_events,
                    "max_evidence": settings.report_max_evidence})
    for ev in events:
        ev.pop("recent")
        if ev.pop("rank") > settings.report_max_evidence:
            ev["evidence"] = None
    stats = rows(con, """SELECT (SELECT count(*) FROM articles) AS articles, (SELECT count(*) FROM entities) AS entities,
                                 (SELECT count(*) FROM cooperations) AS cooperations,
                                 (SELECT count(*) FROM cooperation_events) AS events,
                                 (SELECT count(DISTINCT outlet) FROM articles) AS outlets""")[0]
    return {"title": title, "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "coopx_version": __version__, "stats": stats, "nodes": nodes, "coops": coops, "events": events,
            "max_nodes": settings.report_max_nodes}


_MARKER = re.compile(r"/\*(?:CSS|VIS|APP|DATA|CONFIG)\*/|<!--TITLE-->")


@cache
def _static(name: str) -> str:
    """A file of the page, read once per process (the served page is rendered per request)."""
    return resources.files("extractor.archive").joinpath("static").joinpath(name).read_text(encoding="utf-8")


def _inline_script(code: str) -> str:
    return code.replace("</script", "<\\/script").replace("//# sourceMappingURL=", "// sourceMappingURL removed: ")


def _script_json(value: object) -> str:
    """JSON that is safe inside <script>: no "<" at all ("</script>", "<!--" cannot occur)."""
    return json.dumps(value, ensure_ascii=False, default=str).replace("<", "\\u003c")


def render(payload: dict, api: str | None = None) -> str:
    """The HTML page for `payload` (from `data`); `api` is the URL prefix of the archive API
    (serve mode: search over all organisations), None for the offline file."""
    blob = _script_json(payload)
    config = _script_json({"api": api})
    parts = {"/*CSS*/": _static("report.css"), "/*VIS*/": _inline_script(_static("vis-network.min.js")),
             "/*APP*/": _inline_script(_static("report.js")), "/*DATA*/": blob, "/*CONFIG*/": config,
             "<!--TITLE-->": html.escape(payload["title"])}
    return _MARKER.sub(lambda m: parts[m.group(0)], _static("report.html"))


def write(con: duckdb.DuckDBPyConnection, settings: Settings, out: Path, title: str) -> Path:
    out.write_text(render(data(con, settings, title)), encoding="utf-8")
    return out
