"""File and Dockerfile rules: what images.yaml names must exist and fit together.

The model says which local paths each image uses (``Image.local_paths``) and where its
Dockerfile is; this module looks at the file system. ``missing_paths`` is cheap (a stat
per path) and runs on every ``bakegen``; ``dockerfile_problems`` works on the Dockerfiles
as ``bakegen.dockerfile`` parsed them (each once per run) and runs in ``bakegen check``.
"""

from __future__ import annotations

from pathlib import Path

from bakegen import files
from bakegen.dockerfile import Dockerfile, Dockerfiles, convention_problems
from bakegen.errors import Diagnostic, did_you_mean
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
            if local.role == "secret":
                ok = path.is_file()
            else:  # a build context and a named context are folders
                ok = path.is_dir()
                context_missing = context_missing or (local.role == "context" and not ok)
            if ok or local.field in seen:
                continue
            seen.add(local.field)
            if path.exists():
                kind = "a folder" if local.role != "secret" else "a file"
                problems.append(
                    Diagnostic(
                        project.where(*local.field),
                        f"{local.role} '{local.value}' is not {kind}; "
                        + (
                            "a build context or named context is a folder (put the file in one)"
                            if local.role != "secret"
                            else "a secret's src= is a file"
                        ),
                        code=f"{local.role.replace(' ', '-')}-not-{kind.split()[-1]}",
                    )
                )
                continue
            message = _missing_message(project, local.role, local.value, local.field)
            if local.role == "named context" and "/" not in local.value:  # a mistyped image id?
                near = [i for i in project.images if abs(len(i) - len(local.value)) <= 2]
                message += did_you_mean(local.value, near)
            problems.append(
                Diagnostic(project.where(*local.field), message, code=f"missing-{local.role.replace(' ', '-')}")
            )
        dockerfile = image.dockerfile_path
        if dockerfile is not None and not context_missing and not (root / dockerfile).is_file():
            problems.append(
                Diagnostic(
                    project.where("images", image.id, "dockerfile"),
                    f"Dockerfile '{dockerfile}' does not exist; the dockerfile "
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


def unmatched_inputs(project: Project) -> list[Diagnostic]:
    """`inputs:` globs that name no file or folder: `bakegen affected` would never see a change
    there (a typo, most likely). Each place in images.yaml is reported once."""
    import glob  # only for `bakegen check`

    problems = []
    seen: set[tuple] = set()
    for image in project.images.values():
        for i, pattern in enumerate(image.inputs):
            own = ("images", image.id, "inputs", i)
            field = own if project.document.has(own) else ("defaults", "inputs", i)
            if field in seen:
                continue
            seen.add(field)
            if not glob.glob(pattern, root_dir=project.root, recursive=True):
                problems.append(
                    Diagnostic(
                        project.where(*field),
                        f"inputs: '{pattern}' matches no file or folder (relative to {project.path.name}), "
                        "so `bakegen affected` never sees a change there; fix the glob or remove it",
                        severity="warning",
                        code="unmatched-inputs",
                    )
                )
    return problems


# Build args that BuildKit defines for every build: a Dockerfile reads them without an ARG.
_PROXIES = ("HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY")
PREDEFINED_ARGS = frozenset(
    {
        *_PROXIES,
        *(name.lower() for name in _PROXIES),
        *(f"{kind}{part}" for kind in ("TARGET", "BUILD") for part in ("PLATFORM", "OS", "ARCH", "VARIANT")),
        "SOURCE_DATE_EPOCH",
    }
)


def predefined_arg(name: str) -> bool:
    return name in PREDEFINED_ARGS or name.startswith("BUILDKIT_")


def undeclared_args(project: Project, dockerfiles: Dockerfiles) -> list[Diagnostic]:
    """An arg an image sets itself that its Dockerfile never declares does not reach the build:
    `CHIP_TYPE: 310p` for a Dockerfile that reads `ARG CHIP` builds the default chip. Args from
    defaults: are exempt (they serve many Dockerfiles), and so are BuildKit's predefined args;
    an arg that only the version rules read is a note."""
    problems: list[Diagnostic] = []
    read_by_rules = {name for names in project.compat.args.values() for name in names}
    for image in project.images.values():
        dockerfile = dockerfiles.get(image)
        if dockerfile is None or not dockerfile.readable:
            continue
        declared = {arg.name for arg in dockerfile.args}
        for name in sorted(image.own_args):
            if name in declared or predefined_arg(name):
                continue
            where = project.where("images", image.id, "args", name, key=True)
            if name in read_by_rules:
                problems.append(
                    Diagnostic(
                        where,
                        f"{image.id}: {dockerfile.shown} declares no `ARG {name}`, so the build does not "
                        f"receive it; only bakegen's version rules read it",
                        severity="note",
                        code="arg-for-rules-only",
                    )
                )
                continue
            hint = did_you_mean(name, declared)
            problems.append(
                Diagnostic(
                    where,
                    f"{image.id}: build arg {name} is not declared in {dockerfile.shown} (no `ARG {name}`), "
                    f"so the build never sees it{hint}",
                    code="undeclared-arg",
                )
            )
    return problems


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


def project_inputs(project: Project, dockerfiles: Dockerfiles) -> list[Path]:
    """The files a build of the project reads, which no output may replace: every Dockerfile,
    every secret file, and what the Dockerfiles copy or bind-mount from their build context
    (a folder stands for what is in it)."""
    found: set[Path] = set()
    for image in project.images.values():
        for local in image.local_paths:
            if local.role == "secret":
                found.add(project.root / local.value)
        dockerfile = dockerfiles.get(image)
        if dockerfile is None or image.dockerfile_path is None:
            continue
        found.add(project.root / image.dockerfile_path)
        context = project.root / image.context
        for source in dockerfile.context_sources:
            found.update(context.glob(source) if any(c in source for c in "*?[") else [context / source])
    return sorted(found)


def inputs_an_output_would_replace(project: Project, dockerfiles: Dockerfiles, output: Path) -> list[Path]:
    """project_inputs, for an output that exists and that bakegen did not write: a new file,
    or one bakegen generated (a bake file that `COPY . /src` takes along), harms nothing."""
    if not output.is_file() or files.written_by_bakegen(output):
        return []
    return project_inputs(project, dockerfiles)
