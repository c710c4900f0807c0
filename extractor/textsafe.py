"""Strings that can always be written out as UTF-8.

Python strings may hold lone surrogates: valid JSON (`"\\ud800"`) decodes to one, and a file
name whose bytes are not UTF-8 arrives as surrogate escapes (PEP 383). Neither can be encoded
as UTF-8, so each would break a JSON line, the SQLite state store or an HTTP answer far from
where it came in. Texts get U+FFFD in their place (`normalize_text`); names, ids and messages
get `label`, which keeps undecodable file-name bytes readable as `\\xNN`.
"""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape(m: re.Match) -> str:
    code = ord(m.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else "\ufffd"


def label(value: str) -> str:
    """`value` as it is when it encodes as UTF-8; else with its lone surrogates replaced."""
    return _SURROGATE.sub(_escape, value) if _SURROGATE.search(value) else value


def text(value: str) -> str:
    """A document text with every lone surrogate replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", value)


def optional(value: str | None) -> str | None:
    return None if value is None else label(value)
