"""`bakegen check`: everything that can be known wrong before a build starts.

Schema and graph rules (from loading), then the files the graph names, the
Dockerfiles' FROM convention, and the Ascend version rules.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bakegen import files, rules
from bakegen.dockerfile import convention_problems, named_contexts_used
from bakegen.errors import Diagnostic
from bakegen.model import Project, context_kind, display_path, load_project
from bakegen.output import report


def file_problems(project: Project) -> list[Diagnostic]:
    problems = []
    root = project.root
    seen_dockerfiles: set[Path] = set()
    for image in project.images.values():
        context_is_local = context_kind(image.context, project.images) == "path"
        if context_is_local:
            context_dir = root / image.context
            if not context_dir.is_dir():
                problems.append(
                    Diagnostic(
                        project.where("images", image.id, "context"),
                        f"context folder '{image.context}' does not exist (relative to {project.path.name})",
                    )
                )
                continue
            dockerfile = context_dir / image.dockerfile
            shown = os.path.normpath(os.path.join(image.context, image.dockerfile))
            if not dockerfile.is_file():
                problems.append(
                    Diagnostic(
                        project.where("images", image.id, "dockerfile"),
                        f"Dockerfile '{shown}' does not exist; the dockerfile path is relative to "
                        f"the context '{image.context}'",
                    )
                )
            else:
                here = display_path(dockerfile)  # file:line of a Dockerfile, from where the user is
                if dockerfile.resolve() not in seen_dockerfiles:
                    seen_dockerfiles.add(dockerfile.resolve())
                    problems.extend(convention_problems(dockerfile, here))
                problems.extend(_missing_contexts(project, image, dockerfile, here))
        for name, value in image.contexts.items():
            if context_kind(value, project.images) == "path" and not (root / value).exists():
                problems.append(
                    Diagnostic(
                        project.where("images", image.id, "contexts", name),
                        f"context '{name}': path '{value}' does not exist (relative to "
                        f"{project.path.name}); create it, or point it at an image id or a URL",
                    )
                )
    return problems


def _missing_contexts(project: Project, image, dockerfile: Path, shown: str) -> list[Diagnostic]:
    """A Dockerfile that mounts or copies from a named context the image does not get would
    make BuildKit try to pull an image of that name: say so before the build."""
    try:
        text = dockerfile.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []  # convention_problems has said so
    problems = []
    for line, name in named_contexts_used(text):
        if name != "base" and name not in image.contexts:
            problems.append(
                Diagnostic(
                    project.where("images", image.id, key=True),
                    f"{image.id}: {shown}:{line} uses the named context '{name}', which this image "
                    f"does not set; add it under contexts: ({name}: <a folder, an image id or a URL>)",
                )
            )
    return problems


def run(args) -> int:
    source = files.find_source(args.file)
    project = load_project(source)
    problems = list(project.warnings) + file_problems(project) + rules.check_versions(project)
    report(problems)
    errors = sum(d.severity == "error" for d in problems)
    warnings = len(problems) - errors
    if errors:
        print(f"{source}: {errors} error(s), {warnings} warning(s)", file=sys.stderr)
        return 1
    print(f"{source}: {len(project.images)} images, no errors" + (f", {warnings} warning(s)" if warnings else ""))
    return 0
