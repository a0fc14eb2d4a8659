"""Emitters: pure functions from a validated Project to text."""

from __future__ import annotations

import re

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")


def comment_text(text: str) -> str:
    """Text that stays on its comment line: a path with a newline must not start a line of
    HCL or Mermaid. Control characters become \\xNN escapes (a backslash is doubled)."""
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", text.replace("\\", "\\\\"))
