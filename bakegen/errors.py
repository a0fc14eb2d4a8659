"""User-facing problems: each one names where it is and how to fix it.

Anything the user caused (bad YAML, an unknown parent, a failed build) is a
``Diagnostic``; the CLI prints them and exits 1. Tracebacks are for bugs only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Expansion:
    """One image of a `matrix:` entry (bakegen/expand.py). Its images share the entry's lines,
    so a problem located there names the image and its axis values."""

    image: str
    values: str  # "cann=8.3.RC1, chip=310p"

    def __str__(self) -> str:
        return f"{self.image} (matrix {self.values})"

    def named_in(self, message: str) -> str:
        """The message led by the image and its axis values (once, where it began with the id)."""
        if message.startswith(str(self)):
            return message
        if message.startswith(f"{self.image}: "):
            return f"{self}{message[len(self.image) :]}"
        return f"{self}: {message}"


@dataclass(frozen=True)
class Position:
    file: str
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    # set where the position stands for an image expanded from a matrix entry
    expansion: Expansion | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    """One problem. ``code`` is a stable kebab-case name (``unknown-parent``, ``cycle``) that
    tools and bakegen itself decide by; the message is for people and may change."""

    position: Position | None
    message: str
    severity: str = "error"  # "error" | "warning" | "note"
    code: str = field(default="error", kw_only=True)

    def __post_init__(self) -> None:
        expansion = self.position.expansion if self.position else None
        if expansion is not None:
            object.__setattr__(self, "message", expansion.named_in(self.message))

    def __str__(self) -> str:
        """One line: a newline inside a quoted value must not split a diagnostic (editors and
        CI annotations read one finding per line)."""
        where = f"{self.position}: " if self.position else ""
        return one_line(f"{where}{self.severity}: {self.message}")

    def as_json(self) -> dict:
        """For `check --json`: editors and CI annotations."""
        position = self.position
        return {
            "file": position.file if position else None,
            "line": position.line if position else None,
            "column": position.column if position else None,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
        }


class BakegenError(Exception):
    """One or more problems with the user's input; exit status 1."""

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic | str):
        if isinstance(diagnostics, str):
            diagnostics = [Diagnostic(None, diagnostics)]
        elif isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class UsageError(BakegenError):
    """The command line itself is wrong; exit status 2."""


_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def one_line(text: str) -> str:
    """Control characters as escapes (\\n, \\t, \\x00): the text stays on one line."""
    return _CONTROL.sub(lambda m: _NAMED.get(m.group(), f"\\x{ord(m.group()):02x}"), text)


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """ "; did you mean 'x'?" for the closest choice, or "" when none is close."""
    import difflib  # only on the way to an error message

    options = sorted(choices)
    same_but_case = [option for option in options if option.lower() == name.lower()]
    if same_but_case:  # names are case-sensitive; a different case is the likeliest slip
        return f"; did you mean '{same_but_case[0]}'?"
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""
