"""A readable terminal view of one record (`coopx extract ... --format summary`), drawn with rich.

For every fact the evidence sentence is shown with the institutions, people and dates in it
highlighted. Cooperation evidence comes with offsets in the record; for people the sentence
around their first mention is cut from the cleaned text, which `render` takes as `text=` or, for
a file input, recovers by cleaning the file again (used only when its SHA-256 matches the record).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from rich.console import Console, Group
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from extractor.records import Person, Record

STYLE_INST = "bold cyan"
STYLE_PERSON = "bold green"
STYLE_ROLE = "magenta"
STYLE_DATE = "bold yellow"
STYLE_EVIDENCE = "italic"
STYLE_LABEL = "dim"

STATUS_STYLE = {"planned": "blue", "started": "green", "extended": "green", "ongoing": "cyan", "ended": "red"}

MAX_SENTENCE = 600  # characters of a cut-out sentence before it is shortened

# Words ending in "." that do not end a sentence (titles, common German abbreviations).
_ABBREV = {
    "dr", "prof", "med", "dent", "vet", "rer", "nat", "phil", "pd", "dipl", "ing", "univ", "habil", "jur",
    "st", "nr", "bzw", "ca", "vgl", "inkl", "ggf", "evtl", "u", "a", "z", "b", "d", "h", "e", "v", "abs", "str",
    "mio", "mrd", "tel", "ltd", "gem", "jan", "feb", "febr", "mär", "apr", "jun", "jul", "aug", "sep", "sept",
    "okt", "nov", "dez", "hr", "fr", "sog", "usw", "etc", "bspw", "zb", "uvm", "mag", "msc", "bsc", "mba",
}
_BOUNDARY = re.compile(r"[.!?…][\"“”»«'’)]*\s+(?=[\"„“»«(]?[A-ZÄÖÜ0-9])|\n\s*")


def render(record: Record, source: str | None = None, *, text: str | None = None, console: Console | None = None) -> None:
    """Print the summary of `record`; `text` is the cleaned text the offsets refer to (optional)."""
    console = console or Console(highlight=False, soft_wrap=False)
    if text is None:
        text = _recover_text(record)
    console.print(_header(record, source))
    console.print(_cooperations(record, text))
    console.print(_people(record, text))
    console.print(_institutions(record))
    if record.warnings:
        console.print(_pad(Group(*(Text.assemble(("! ", "bold yellow"), (w, "yellow")) for w in record.warnings)),
                              (0, 0, 1, 0)))


def _pad(renderable, pad) -> Padding:
    return Padding(renderable, pad, expand=False)


# -- sections ------------------------------------------------------------------------------
def _header(record: Record, source: str | None) -> Panel:
    src = record.source
    verdict = (Text("cooperation", style="bold green") if record.is_cooperation
               else Text("no cooperation", style="bold red"))
    line1 = Text.assemble(verdict, (f"  ·  {len(record.cooperations)} cooperation(s), {len(record.people)} "
                                    f"person(s), {len(record.institutions)} institution(s)", ""))
    lines = [line1]
    if src.title:
        lines.append(Text.assemble(("title     ", STYLE_LABEL), src.title))
    meta = [p for p in (src.published and f"published {src.published}", src.sitename, src.url) if p]
    if meta:
        lines.append(Text.assemble(("source    ", STYLE_LABEL), " · ".join(meta)))
    pipe = record.pipeline
    lines.append(Text.assemble(("pipeline  ", STYLE_LABEL),
                               f"{pipe.model}{' ' + pipe.model_version if pipe.model_version else ''} ({pipe.kind})",
                               (f" · coopx {pipe.coopx_version} · record {record.id}", STYLE_LABEL)))
    title = source or src.path or src.url or src.id or "record"
    return Panel(Group(*lines), title=Text(f"coopx · {title}", style="bold"), title_align="left", expand=True)


def _section(title: str, count: int) -> list:
    """A section heading with its count, and "none found" when it is empty."""
    parts: list = [Text(f"{title} ({count})", style="bold underline")]
    if not count:
        parts.append(_pad(Text("none found", style="dim italic"), (0, 0, 1, 2)))
    return parts


def _cooperations(record: Record, text: str | None) -> Group:
    names = {i.id: i.name for i in record.institutions}
    parts = _section("Cooperations", len(record.cooperations))
    if not record.cooperations:
        return Group(*parts)
    for n, c in enumerate(record.cooperations, 1):
        partners = Text()
        for k, pid in enumerate(c.partners):
            if k:
                partners.append(" + ")
            partners.append(names.get(pid, pid), style=STYLE_INST)
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style=STYLE_LABEL, no_wrap=True)
        grid.add_column()
        if c.name:
            grid.add_row("network", Text(c.name, style="bold"))
        grid.add_row("types", ", ".join(c.types))
        status = Text(c.status, style=STATUS_STYLE.get(c.status, ""))
        status.append(f"   confidence {c.confidence:.2f}", style=STYLE_LABEL)
        grid.add_row("status", status)
        if c.date:
            grid.add_row("date", Text.assemble((c.date.value, STYLE_DATE), f" ({c.date.kind}) ",
                                               (f"„{c.date.text}“", STYLE_LABEL)))
        for k, ev in enumerate(c.evidence):
            label = "evidence" if len(c.evidence) == 1 else f"evidence {k + 1}"
            grid.add_row(label, _evidence(record, ev.text, ev.start, dates=[c.date.text] if c.date else []))
        item = Table.grid(padding=(0, 1))
        item.add_column(no_wrap=True, style="bold", min_width=3, justify="right")
        item.add_column()
        item.add_row(f"{n}.", partners)
        item.add_row("", grid)
        parts.append(_pad(item, (0, 0, 1, 0)))
    return Group(*parts)


def _people(record: Record, text: str | None) -> Group:
    names = {i.id: i.name for i in record.institutions}
    parts = _section("People", len(record.people))
    if not record.people:
        return Group(*parts)
    for p in record.people:
        head = Text()
        if p.title:
            head.append(p.title + " ", style="green")
        head.append(p.name, style=STYLE_PERSON)
        if p.role:
            head.append(" — ")
            head.append(p.role, style=STYLE_ROLE)
        if p.affiliation:
            head.append(", " if p.role else " — ")
            head.append(names.get(p.affiliation, p.affiliation), style=STYLE_INST)
        item = Table.grid(padding=(0, 1))
        item.add_column(no_wrap=True, min_width=3, justify="right")
        item.add_column()
        item.add_row("•", head)
        sentence = _person_evidence(record, p, text)
        if sentence is not None:
            grid = Table.grid(padding=(0, 1))
            grid.add_column(style=STYLE_LABEL, no_wrap=True)
            grid.add_column()
            grid.add_row("evidence", sentence)
            item.add_row("", grid)
        parts.append(item)
    parts.append(Text(""))
    return Group(*parts)


def _institutions(record: Record) -> Group:
    parts: list = [Text(f"Institutions ({len(record.institutions)})", style="bold underline")]
    if not record.institutions:
        parts.append(_pad(Text("none found", style="dim italic"), (0, 0, 1, 2)))
        return Group(*parts)
    table = Table(box=None, padding=(0, 2, 0, 0), show_edge=False, header_style=STYLE_LABEL)
    table.add_column("name", style=STYLE_INST, ratio=3)
    table.add_column("kind", no_wrap=True)
    table.add_column("abbr.", no_wrap=True)
    table.add_column("location", ratio=1)
    table.add_column("n", justify="right", no_wrap=True)
    for i in record.institutions:
        table.add_row(i.name, i.kind, i.abbreviation or "", i.location or "", str(len(i.spans)))
    parts.append(_pad(table, (0, 0, 1, 2)))
    return Group(*parts)


# -- evidence ------------------------------------------------------------------------------
def _evidence(record: Record, sentence: str, offset: int, dates: list[str] = ()) -> Text:
    """The sentence (starting at `offset` in the cleaned text) with facts highlighted."""
    body = Text(sentence, style=STYLE_EVIDENCE)
    end = offset + len(sentence)
    for spans, style in ([(i.spans, STYLE_INST) for i in record.institutions]
                         + [(p.spans, STYLE_PERSON) for p in record.people]):
        for s in spans:
            if s.start >= offset and s.end <= end:
                body.stylize(style, s.start - offset, s.end - offset)
    for p in record.people:
        if p.role:
            for m in re.finditer(re.escape(p.role), sentence):
                body.stylize(STYLE_ROLE, m.start(), m.end())
    for d in dates:
        for m in re.finditer(re.escape(d), sentence):
            body.stylize(STYLE_DATE, m.start(), m.end())
    body.append(f"  [{offset}–{end}]", style=STYLE_LABEL)
    return body


def _person_evidence(record: Record, person: Person, text: str | None) -> Text | None:
    if not person.spans:
        return None
    first = person.spans[0]
    if text is not None and first.end <= len(text) and text[first.start:first.end] == first.text:
        start, end = sentence_bounds(text, first.start, first.end)
        return _evidence(record, text[start:end], start)
    for c in record.cooperations:  # no text: a cooperation's evidence that contains the mention
        for ev in c.evidence:
            if ev.start <= first.start and first.end <= ev.end:
                return _evidence(record, ev.text, ev.start)
    return Text.assemble((first.text, STYLE_EVIDENCE), (f"  [{first.start}–{first.end}]", STYLE_LABEL))


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """(start, end) of the sentence around text[start:end], by punctuation and line breaks,
    not cutting after titles and abbreviations ("Prof. Dr. med.", "z. B.", "12. März")."""
    left = max(0, start - MAX_SENTENCE)
    s = left if left else 0
    for m in _BOUNDARY.finditer(text, left, min(len(text), start + 3)):  # +3: the lookahead needs to see
        if m.end() <= start and _is_boundary(text, m):
            s = m.end()
    e = len(text)
    for m in _BOUNDARY.finditer(text, end, min(len(text), end + MAX_SENTENCE)):
        if _is_boundary(text, m):
            e = m.start() + (1 if text[m.start()] in ".!?…" else 0)
            # keep closing quotes after the final punctuation
            while e < len(text) and text[e] in "\"“”»«'’)":
                e += 1
            break
    else:
        e = min(len(text), end + MAX_SENTENCE)
    return _open_quote(text, s), e


def _open_quote(text: str, s: int) -> int:
    """Move a sentence start back to the „ of a quotation it continues (whole quotes for people)."""
    para = text.rfind("\n", 0, s) + 1
    depth, opened = 0, None
    for k in range(max(para, s - MAX_SENTENCE), s):
        ch = text[k]
        if ch in "„»":
            if depth == 0:
                opened = k
            depth += 1
        elif ch in "“«" and depth:
            depth -= 1
    return opened if depth and opened is not None else s


def _is_boundary(text: str, m: re.Match) -> bool:
    if text[m.start()] == "\n":
        return True
    word = re.search(r"(\S+)$", text[max(0, m.start() - 30):m.start()])
    if word is None:
        return True
    token = word.group(1).lstrip("(„\"“»").lower()
    if token.rstrip(".").split(".")[-1] in _ABBREV or (token.isdigit() and len(token) <= 2):
        return False  # "Prof. Dr. med.", "u. a.", "12. März"
    return not re.fullmatch(r"[a-zäöü]", token)


# -- the cleaned text for a file input -----------------------------------------------------
def _recover_text(record: Record) -> str | None:
    """Clean the record's source file again; trusted only when the text hash matches."""
    path = record.source.path
    if not path:
        return None
    try:
        from extractor.clean import clean
        from extractor.documents import RawDocument
        from extractor.settings import DEFAULT

        p = Path(path)
        if not p.is_file() or p.stat().st_size > DEFAULT.max_input_bytes:
            return None
        ctype = "html" if p.suffix.lower() in (".html", ".htm") else None
        doc = clean(RawDocument(origin=path, content=p.read_bytes(), content_type=ctype, path=path), DEFAULT)
    except Exception:
        return None
    if hashlib.sha256(doc.text.encode("utf-8")).hexdigest() != record.source.text_sha256:
        return None
    return doc.text
