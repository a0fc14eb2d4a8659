"""`bakegen` / `bakegen generate`: images.yaml -> docker-bake.hcl (or check it is current)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from bakegen import checks, files, rules
from bakegen.dockerfile import Dockerfiles
from bakegen.emit.bake import bake_pieces
from bakegen.errors import Diagnostic, UsageError
from bakegen.imagetests import ImageChecks, resolve_checks
from bakegen.model import Project, load_project
from bakegen.output import report


@dataclass(frozen=True)
class Generated:
    project: Project
    output: Path  # the bake file
    pieces: list[str]  # what it must hold, in pieces (a large text is not held twice)
    dockerfiles: Dockerfiles  # parsed while generating
    checks: dict[str, ImageChecks]  # each image's checks (its test target)
    check_problems: list[Diagnostic]  # tests named twice, skips of no check

    @property
    def text(self) -> str:
        return "".join(self.pieces)


def generated(source: Path, output: Path | None) -> Generated:
    project = load_project(source)
    output = output or files.default_output(source)
    dockerfiles = Dockerfiles(project.root)
    files.refuse_overwriting(output, source, *checks.inputs_an_output_would_replace(project, dockerfiles, output))
    image_checks, problems = resolve_checks(project, dockerfiles)
    pieces = bake_pieces(project, output, checks=image_checks)
    return Generated(project, output, pieces, dockerfiles, image_checks, problems)


def stale_diff(output: Path, text: str) -> str | None:
    """A unified diff from the file on disk to what would be generated, or None when they match."""
    import difflib  # `bakegen build` imports this module too, and never diffs

    current = files.read_text(output)
    if current == text:
        return None
    if current is not None and current.replace("\r\n", "\n") == text:
        return (
            f"{output}: differs only in line endings (CRLF on disk, LF generated); run `bakegen`, "
            "and keep generated files LF (.gitattributes: `docker-bake.hcl text eol=lf`)\n"
        )
    before = (current or "").splitlines(keepends=True)
    after = text.splitlines(keepends=True)
    label = str(output)
    diff = difflib.unified_diff(before, after, f"{label} (on disk)", f"{label} (generated)")
    return "".join(diff) or f"{label}: differs only in line endings\n"


def run(args) -> int:
    source = files.find_source(args.file)
    to_stdout = args.output == "-"  # paths in it are then relative to images.yaml's folder
    if to_stdout and args.check:
        raise UsageError("--check compares a bake file on disk; it does not go with -o -")
    result = generated(source, Path(args.output) if args.output and not to_stdout else None)
    project, output, pieces = result.project, result.output, result.pieces
    # Generating never fails on what only a build would trip over; it says so.
    report(
        list(project.warnings)
        + checks.missing_paths(project)
        + checks.undeclared_args(project, result.dockerfiles)
        + rules.check_versions(project, result.dockerfiles)
        + result.check_problems,
        as_warnings=True,
    )
    if to_stdout:
        sys.stdout.writelines(pieces)
        return 0
    if args.check:
        diff = None if files.holds(output, pieces) else stale_diff(output, result.text)
        if diff is None:
            print(f"{output} is up to date with {source}")
            return 0
        sys.stdout.write(diff)
        print(
            f"{output} is out of date with {source}; run `bakegen` and commit both",
            file=sys.stderr,
        )
        return 1
    if files.holds(output, pieces):
        print(f"{output} is up to date ({len(project.images)} images)", file=sys.stderr)
        return 0
    files.write_atomic(output, pieces)
    print(f"wrote {output} ({len(project.images)} images)", file=sys.stderr)
    return 0
