"""Printing diagnostics the same way for every command."""

from __future__ import annotations

import sys
from dataclasses import replace

from bakegen.errors import Diagnostic


def report(diagnostics: list[Diagnostic], as_warnings: bool = False) -> None:
    for diagnostic in diagnostics:
        if as_warnings and diagnostic.severity == "error":
            diagnostic = replace(diagnostic, severity="warning")
        print(diagnostic, file=sys.stderr)
