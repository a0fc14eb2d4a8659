"""Reading just enough of a Dockerfile to check bakegen's FROM convention.

bakegen hands every image its parent as the named context ``base``. That only
reaches the build if the Dockerfile says ``ARG BASE_IMAGE=base`` and then
``FROM ${BASE_IMAGE}``: a different default (``ubuntu:22.04``) would silently
build on that image instead of the parent.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from bakegen.errors import Diagnostic, Position

CONVENTION = "start it with `ARG BASE_IMAGE=base` and `FROM ${BASE_IMAGE}`"
_FROM_BASE = re.compile(r"^\$\{?BASE_IMAGE\}?$")


@dataclass(frozen=True)
class Instruction:
    line: int
    keyword: str
    rest: str


def instructions(text: str) -> list[Instruction]:
    """Instructions with continuation lines joined; comments and blank lines dropped."""
    result = []
    pending: list[str] = []
    start = 0
    text = text.removeprefix("\ufeff")  # a UTF-8 byte order mark is not part of the first line
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1])
            continue
        pending.append(stripped)
        joined = " ".join(pending).strip()
        pending = []
        keyword, _, rest = joined.partition(" ")
        result.append(Instruction(start, keyword.upper(), rest.strip()))
    return result


def shlex_split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:  # an unclosed quote: fall back to plain words
        return text.split()


def convention_problems(path: Path, display: str) -> list[Diagnostic]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [Diagnostic(Position(display), f"cannot read Dockerfile: {exc}")]
    steps = instructions(text)
    arg_default: tuple[int, str | None] | None = None
    for step in steps:
        if step.keyword == "ARG":
            # one ARG may declare several: ARG PY=3.10 BASE_IMAGE=base
            for word in shlex_split(step.rest):
                name, eq, default = word.partition("=")
                if name == "BASE_IMAGE":
                    arg_default = (step.line, default if eq else None)
            continue
        if step.keyword != "FROM":
            return [Diagnostic(Position(display, step.line), f"{step.keyword} before the first FROM; {CONVENTION}")]
        words = [w for w in step.rest.split() if not w.startswith("--")]
        image = words[0] if words else ""
        if not _FROM_BASE.match(image):
            return [
                Diagnostic(
                    Position(display, step.line),
                    f"the first FROM is '{image}', so the parent that bakegen passes as context "
                    f"'base' is ignored; {CONVENTION}",
                )
            ]
        if arg_default is None:
            return [
                Diagnostic(
                    Position(display, step.line),
                    f"FROM ${{BASE_IMAGE}} without `ARG BASE_IMAGE=base` before it; {CONVENTION}",
                )
            ]
        line, value = arg_default
        if value != "base":
            return [
                Diagnostic(
                    Position(display, line),
                    f"ARG BASE_IMAGE defaults to {value!r}; it must be `ARG BASE_IMAGE=base`, "
                    "the named context bakegen sets to the parent (any other value builds on that "
                    "image instead of the parent)",
                )
            ]
        return []
    return [Diagnostic(Position(display), f"no FROM instruction; {CONVENTION}")]


_MOUNT_FROM = re.compile(r"--mount=\S*?\bfrom=([^,\s]+)")
_COPY_FROM = re.compile(r"--from=(\S+)")


def named_contexts_used(text: str) -> list[tuple[int, str]]:
    """(line, name) for every `RUN --mount=...,from=NAME` and `COPY --from=NAME` that names
    neither a stage of the file nor an image reference: such a name is a named context."""
    steps = instructions(text)
    stages = set()
    for step in steps:
        if step.keyword == "FROM":
            words = step.rest.split()
            if len(words) >= 3 and words[-2].upper() == "AS":
                stages.add(words[-1].lower())
    used = []
    for step in steps:
        pattern = _MOUNT_FROM if step.keyword == "RUN" else _COPY_FROM if step.keyword in ("COPY", "ADD") else None
        if pattern is None:
            continue
        for name in pattern.findall(step.rest):
            name = name.strip("\"'")
            if name.lower() in stages or name.isdigit() or "$" in name or any(c in name for c in ":/@"):
                continue
            used.append((step.line, name))
    return used
