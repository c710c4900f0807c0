"""One exception type for input problems: the CLI prints its message, never a traceback."""

from __future__ import annotations


class CoopxError(Exception):
    """A problem with one input (or the set-up) that the user can act on."""

    def __init__(self, message: str, *, stage: str = "input"):
        super().__init__(message)
        self.stage = stage
        self.message = message
