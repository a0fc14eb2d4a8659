"""The smallest edits that make a project's Dockerfiles follow the FROM convention.

``bakegen import --rewrite-dockerfiles`` shows them as a unified diff and, with ``--write``,
applies them. They are never needed for a build (bakegen passes BASE_IMAGE=base, see
``bakegen.dockerfile``); they make the Dockerfiles say what bakegen does, so that a plain
``docker build --build-context base=...`` of one of them builds on the same parent.

An edit touches only what the convention is about: the BASE_IMAGE word of the last ``ARG``
before the first FROM becomes ``BASE_IMAGE=base`` (or the line ``ARG BASE_IMAGE=base`` is
inserted before that FROM), and a first FROM naming an image (``FROM ubuntu:22.04``) names
``${BASE_IMAGE}`` instead. Everything else keeps its bytes: line endings, a byte order mark,
comments. A Dockerfile whose first FROM completes BASE_IMAGE into an image reference
(``FROM quay.io/ascend/vllm-ascend:${BASE_IMAGE}``, with BASE_IMAGE set in images.yaml) is
left as it is: it builds on the image ``from:`` names. Only files inside the project folder
(symbolic links and ``..`` resolved) are ever rewritten.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from bakegen.dockerfile import CONVENTION, Dockerfile, Dockerfiles, convention_problems, uses_base_arg
from bakegen.errors import BakegenError, Diagnostic, Position
from bakegen.model import BASE_ARG, BASE_CONTEXT, Project

CONVENTIONAL_ARG = f"ARG {BASE_ARG}={BASE_CONTEXT}"
_BASE_WORD = re.compile(rf"(?<=\s){BASE_ARG}(?:=(?:\"[^\"]*\"|'[^']*'|\S*))?(?=\s|$)")


@dataclass(frozen=True)
class Rewrite:
    path: Path  # resolved, inside the project folder
    shown: str  # relative to images.yaml, as diagnostics name it
    old: str
    new: str

    def diff(self) -> str:
        lines = difflib.unified_diff(
            self.old.splitlines(keepends=True),
            self.new.splitlines(keepends=True),
            fromfile=f"a/{self.shown}",
            tofile=f"b/{self.shown}",
        )
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def plan_rewrites(project: Project, dockerfiles: Dockerfiles) -> tuple[list[Rewrite], list[Diagnostic]]:
    """The rewrite of each local Dockerfile of the project that needs one (each file once), and
    notes on those left as they are. A Dockerfile outside the project folder is an error:
    nothing is rewritten then (BakegenError)."""
    root = Path(os.path.realpath(project.root))
    rewrites: list[Rewrite] = []
    notes: list[Diagnostic] = []
    refused: list[Diagnostic] = []
    users: dict[Path, list[str]] = {}  # resolved path -> the images that set BASE_IMAGE themselves
    order: list[tuple[Path, Dockerfile]] = []
    for image in project.images.values():
        dockerfile = dockerfiles.get(image)
        if dockerfile is None:
            continue
        real = Path(os.path.realpath(dockerfile.path))
        if real not in users:
            users[real] = []
            order.append((real, dockerfile))
        if BASE_ARG in image.args:
            users[real].append(image.id)
    for real, dockerfile in order:
        if not real.is_relative_to(root):
            refused.append(
                Diagnostic(
                    Position(dockerfile.shown),
                    f"not rewriting this Dockerfile: it resolves to {real}, outside the project folder "
                    f"{root}; edit it by hand, or copy it into the project and point dockerfile: at the copy",
                    code="outside-project",
                )
            )
            continue
        if users[real]:
            notes.append(
                Diagnostic(
                    Position(dockerfile.shown),
                    f"left as it is: {', '.join(users[real])} set{'s' if len(users[real]) == 1 else ''} "
                    f"BASE_IMAGE in images.yaml, which its FROM line reads",
                    severity="note",
                    code="rewrite-skipped",
                )
            )
            continue
        try:
            text = real.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            notes.append(
                Diagnostic(
                    Position(dockerfile.shown), f"left as it is: cannot read it: {exc}", "note", code="rewrite-skipped"
                )
            )
            continue
        new, why_not = convention_rewrite(dockerfile, text)
        if why_not:
            notes.append(
                Diagnostic(Position(dockerfile.shown), f"left as it is: {why_not}", "note", code="rewrite-skipped")
            )
        elif new is not None and new != text:
            rewrites.append(Rewrite(real, dockerfile.shown, text, new))
    if refused:
        raise BakegenError(refused)
    return rewrites, notes


def convention_rewrite(dockerfile: Dockerfile, text: str) -> tuple[str | None, str | None]:
    """(the text with the convention's edits, None), or (None, why it is left as it is).
    ``dockerfile`` is the parse of ``text``."""
    if not dockerfile.readable:
        return None, "it cannot be read"
    blocking = [d for d in convention_problems(dockerfile) if d.code in ("no-from", "instruction-before-from")]
    if blocking:
        return None, f"{blocking[0].message.partition(';')[0]}; {CONVENTION} by hand"
    first = dockerfile.froms[0]
    lines = text.split("\n")  # a CRLF file keeps its \r at the end of each line
    if first.image not in ("${BASE_IMAGE}", "$BASE_IMAGE"):
        if uses_base_arg(first.image):
            return None, f"its first FROM makes a name of BASE_IMAGE ('{first.image}'); {CONVENTION} by hand"
        if len(dockerfile.froms) > 1:  # the first stage may be a build stage, not what the image is built on
            return None, (
                f"it has {len(dockerfile.froms)} stages and its first FROM ('{first.image}') may be a build stage "
                f"rather than the image's base; {CONVENTION} by hand"
            )
        span = _instruction_lines(lines, first.line)
        if not _replace_in(lines, span, re.compile(rf"(?<=\s){re.escape(first.image)}(?=\s|$)"), "${BASE_IMAGE}"):
            return None, f"the image of its first FROM ('{first.image}') is not written plainly on line {first.line}"
    declared = [arg for arg in dockerfile.args if arg.global_scope and arg.name == BASE_ARG]
    if declared:
        arg = declared[-1]
        if arg.default != BASE_CONTEXT:
            span = _instruction_lines(lines, arg.line)
            if not _replace_in(lines, span, _BASE_WORD, f"{BASE_ARG}={BASE_CONTEXT}"):
                return None, f"the ARG BASE_IMAGE on line {arg.line} is not written plainly"
    else:
        at = first.line - 1
        ending = "\r" if lines[at].endswith("\r") else ""
        bom = "\ufeff" if lines[at].startswith("\ufeff") else ""
        lines[at] = lines[at].removeprefix(bom)
        lines.insert(at, bom + CONVENTIONAL_ARG + ending)
    return "\n".join(lines), None


def _instruction_lines(lines: list[str], start: int) -> range:
    """The indexes of the physical lines of the instruction that starts on line ``start``
    (1-based): it goes on while a line ends with a continuation character."""
    end = start - 1
    while end + 1 < len(lines) and lines[end].rstrip(" \t\r").endswith(("\\", "`")):
        end += 1
    return range(start - 1, end + 1)


def _replace_in(lines: list[str], span: range, pattern: re.Pattern, replacement: str) -> bool:
    for i in span:
        new, count = pattern.subn(lambda _: replacement, lines[i], count=1)
        if count:
            lines[i] = new
            return True
    return False


def writes(rewrites: list[Rewrite]) -> list[tuple[Path, str]]:
    """(file, its new text) of each rewrite, for files.write_all_atomic."""
    return [(rewrite.path, rewrite.new) for rewrite in rewrites]
