"""One module per verb; each exposes ``run(args) -> exit status``."""

from __future__ import annotations

from bakegen.errors import UsageError


def key_values(pairs: list[str] | None, flag: str) -> dict[str, str]:
    """Repeated `--set K=V` / `--var NAME=VALUE` options of a verb, as a mapping."""
    result = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"{flag} takes KEY=VALUE, got {pair!r}")
        result[key] = value
    return result
