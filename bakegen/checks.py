"""File and Dockerfile rules: what images.yaml names must exist and fit together.

The model says which local paths each image uses (``Image.local_paths``) and where its
Dockerfile is; this module looks at the file system. ``missing_paths`` is cheap (a stat
per path) and runs on every ``bakegen``; ``dockerfile_problems`` works on the Dockerfiles
as ``bakegen.dockerfile`` parsed them (each once per run) and runs in ``bakegen check``.
"""

from __future__ import annotations

from pathlib import Path

from bakegen.dockerfile import Dockerfile, Dockerfiles, convention_problems
from bakegen.errors import Diagnostic
from bakegen.model import Image, Project


def missing_paths(project: Project) -> list[Diagnostic]:
    """Contexts, named contexts, secret files and Dockerfiles that do not exist; each place
    in images.yaml is reported once (a path in defaults is not repeated for every image)."""
    problems = []
    seen: set[tuple] = set()
    root = project.root
    for image in project.images.values():
        context_missing = False
        for local in image.local_paths:
            path = root / local.value
            if local.role == "context":
                ok = path.is_dir()
                context_missing = not ok
            else:
                ok = path.exists()
            if ok or local.field in seen:
                continue
            seen.add(local.field)
            problems.append(
                Diagnostic(
                    project.where(*local.field),
                    _missing_message(project, local.role, local.value, local.field),
                    code=f"missing-{local.role.replace(' ', '-')}",
                )
            )
        if image.dockerfile_path is not None and not context_missing:
            if not (root / image.dockerfile_path).is_file():
                problems.append(
                    Diagnostic(
                        project.where("images", image.id, "dockerfile"),
                        f"Dockerfile '{image.dockerfile_path}' does not exist; the dockerfile "
                        f"path is relative to the context '{image.context}'",
                        code="missing-dockerfile",
                    )
                )
    return problems


def _missing_message(project: Project, role: str, value: str, field: tuple) -> str:
    where = f"relative to {project.path.name}"
    if role == "context":
        return f"context folder '{value}' does not exist ({where})"
    if role == "secret":
        return f"secret file '{value}' does not exist ({where}); create it or use env= instead of src="
    return (
        f"context '{field[-1]}': path '{value}' does not exist ({where}); create it, "
        "or point it at an image id or a URL"
    )


def dockerfile_problems(project: Project, dockerfiles: Dockerfiles) -> list[Diagnostic]:
    """What could not be read or parsed and the FROM convention of each Dockerfile (once per
    file), and named contexts that a Dockerfile uses but an image does not set."""
    problems: list[Diagnostic] = []
    judged: set[Path] = set()
    for image in project.images.values():
        dockerfile = dockerfiles.get(image)
        if dockerfile is None:
            continue  # not local, or missing: missing_paths says so
        if dockerfile.path not in judged:
            judged.add(dockerfile.path)
            problems.extend(dockerfile.problems)
            problems.extend(convention_problems(dockerfile))
        problems.extend(_unset_contexts(project, image, dockerfile))
    return problems


def _unset_contexts(project: Project, image: Image, dockerfile: Dockerfile) -> list[Diagnostic]:
    """A Dockerfile that mounts or copies from a named context the image does not get would
    make BuildKit try to pull an image of that name: say so before the build."""
    problems = []
    for use in dockerfile.context_uses:
        if use.name != "base" and use.name not in image.contexts:
            problems.append(
                Diagnostic(
                    project.where("images", image.id, key=True),
                    f"{image.id}: {dockerfile.shown}:{use.line} uses the named context '{use.name}', which this "
                    f"image does not set; add it under contexts: ({use.name}: <a folder, an image id or a URL>)",
                    code="unset-named-context",
                )
            )
    return problems
