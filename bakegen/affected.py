"""Which images a change affects: images.yaml compared by meaning, changed files mapped to images.

``compare`` is the pure part: two loaded projects (images.yaml then and now) and the paths
that changed give, per image, why it must be rebuilt or only re-tested. ``affected_since``
puts git around it (``bakegen.git``: the paths that differ between a ref and the working
tree, images.yaml as it was at the ref).

An image is rebuilt when
- it is new (its id was not in images.yaml then);
- what the bake file says of it differs (``emit.bake.target_attributes``: args, contexts,
  platforms, dockerfile, secrets, labels, after defaults and matrix expansion) or its tags
  push elsewhere (``REGISTRY``); whitespace, comments and key order are not part of that;
- a file it reads changed: its Dockerfile and .dockerignore, what the Dockerfile copies or
  bind-mounts from the build context (the whole context when it copies ``.`` or names a
  source through a variable), a local named context or the folder of an
  ``oci-layout://`` one, a path matching its ``inputs:``;
- the version rules judge its stack differently under the changed ``compat:`` section (a
  stack they refused may now be built; one they passed may now be refused);
- or it is built on an image that is rebuilt (its parent, or an image it names in contexts).

An image is re-tested, not rebuilt, when only its ``tests:``, ``skip-tests:`` or ``service:``
changed, or those of an image it is built on (descendants run their ancestors' checks).
A secret's file is not an input: BuildKit leaves a secret's content out of the cache key,
and a rotated credential is no change of the image.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from pathlib import Path

from bakegen import git, rules
from bakegen.dockerfile import Dockerfiles
from bakegen.emit.bake import target_attributes
from bakegen.errors import BakegenError, Diagnostic, Position
from bakegen.model import PATH, Image, Project, build_project, resolve_tag
from bakegen.yamldoc import parse_document


@dataclass(frozen=True)
class Affected:
    rebuild: Mapping[str, str]  # image id -> why it must be rebuilt, in build order
    retest: Mapping[str, str]  # image id -> why its checks must run again (not rebuilt), in build order
    warnings: tuple[Diagnostic, ...] = ()

    def tested(self, order: Iterable[str]) -> list[str]:
        """The images whose checks must run: the rebuilt ones and the re-tested ones, in order."""
        return [i for i in order if i in self.rebuild or i in self.retest]


@dataclass(frozen=True)
class Input:
    """A path an image reads, relative to images.yaml's folder: a file, a folder (what is in
    it) or a glob (* and ? within a folder, ** across folders)."""

    pattern: str
    what: str  # for the reason: "its Dockerfile", "inputs: requirements/*.txt"

    def covers(self, path: str) -> bool:
        return covers(self.pattern, path)


# --- with git ----------------------------------------------------------------------------------


def affected_since(project: Project, ref: str, dockerfiles: Dockerfiles | None = None) -> Affected:
    """The images affected between the git ref and the working tree (committed or not)."""
    repo = git.repository(project.root)
    source = repo.relative(project.path)
    if source is None:
        raise BakegenError(
            Diagnostic(
                Position(str(project.path)),
                f"{project.path} is outside the git work tree at {repo.top}; run bakegen affected on an "
                "images.yaml of the repository",
                code="not-a-git-repository",
            )
        )
    since = git.commit(repo, ref)
    root = posixpath.dirname(source) or "."
    changed = {posixpath.relpath(path, root) for path in git.changed_paths(repo, since)}
    text = git.file_at(repo, since, source)
    old: Project | None = None
    if text is not None:
        shown = f"{ref}:{source}"
        try:
            old = build_project(parse_document(text, shown), project.path)
        except BakegenError as exc:
            first = exc.diagnostics[0]
            warning = Diagnostic(
                first.position or Position(shown),
                f"images.yaml at {ref} does not load ({first.message}), so it cannot be compared; "
                "every image counts as affected",
                severity="warning",
                code="invalid-at-ref",
            )
            everything = {image_id: f"images.yaml at {ref} does not load" for image_id in project.graph.order}
            return Affected(everything, {}, (warning,))
    return compare(old, project, changed, dockerfiles or Dockerfiles(project.root), ref)


# --- the comparison ------------------------------------------------------------------------------


def compare(
    old: Project | None, new: Project, changed: Iterable[str], dockerfiles: Dockerfiles, ref: str = "the ref"
) -> Affected:
    """Old: images.yaml at the ref (None: it did not exist); changed: the paths that differ,
    relative to images.yaml's folder."""
    changed = sorted(set(changed))
    graph = new.graph
    own: dict[str, str] = {}
    retested: dict[str, str] = {}
    judged_then = judged_now = None
    if old is not None and old.compat != new.compat:
        judged_then = rules.verdicts(replace(new, compat=old.compat), dockerfiles)
        judged_now = rules.verdicts(new, dockerfiles)
    for image_id in graph.order:
        image = new.images[image_id]
        before = old.images.get(image_id) if old is not None else None
        if old is None or before is None:
            own[image_id] = f"new since {ref}"
            continue
        differs = _entry_changes(old, before, new, image)
        if differs:
            own[image_id] = f"images.yaml: {', '.join(differs)} changed"
            continue
        path_reason = next(
            (
                f"{path} changed ({spec.what})"
                for spec in inputs(new, image, dockerfiles)
                for path in changed
                if spec.covers(path)
            ),
            None,
        )
        if path_reason:
            own[image_id] = path_reason
            continue
        if judged_then is not None and judged_now is not None and judged_then[image_id] != judged_now[image_id]:
            own[image_id] = "the version rules judge its stack differently under the changed compat: section"
            continue
        checks = _check_changes(before, image)
        if checks:
            retested[image_id] = f"images.yaml: {', '.join(checks)} changed"
    rebuild = _with_descendants(new, own, "built on {}, which is rebuilt")
    retest = {
        image_id: why
        for image_id, why in _with_descendants(new, retested, "runs the checks of {}, which changed").items()
        if image_id not in rebuild
    }
    return Affected(rebuild, retest)


def _with_descendants(project: Project, reasons: Mapping[str, str], inherited: str) -> dict[str, str]:
    """The images and everything built on them, in build order; an image's own reason first."""
    graph = project.graph
    result = dict(reasons)
    for image_id in graph.order:  # ancestors first: the reason names the nearest affected one
        if image_id in result:
            continue
        source = next((dep for dep in graph.deps[image_id] if dep in result), None)
        if source is not None:
            result[image_id] = inherited.format(source)
    return {image_id: result[image_id] for image_id in graph.order if image_id in result}


def _entry_changes(old: Project, before: Image, new: Project, after: Image) -> list[str]:
    """What differs in the image as bake builds it and pushes it: bake attribute names."""
    then, now = target_attributes(old, before), target_attributes(new, after)
    differs = [name for name in sorted(then.keys() | now.keys()) if then.get(name) != now.get(name)]
    pushed_then = [resolve_tag(tag, old.variables) for tag in before.tags]
    if pushed_then != [resolve_tag(tag, new.variables) for tag in after.tags] and "tags" not in differs:
        differs.append("tags")
    return differs


def _check_changes(before: Image, after: Image) -> list[str]:
    """Which of the fields only `bakegen test` reads differ (positions aside)."""
    fields = {
        "tests": lambda image: [(t.name, t.run, t.expect, t.exit) for t in image.tests],
        "skip-tests": lambda image: sorted(name for name, _ in image.skip_tests),
        "service": lambda image: image.service and (image.service.port, image.service.health, image.service.timeout),
    }
    return [name for name, read in fields.items() if read(before) != read(after)]


def inputs(project: Project, image: Image, dockerfiles: Dockerfiles) -> list[Input]:
    """The paths the image reads, relative to images.yaml's folder."""
    found: list[Input] = []
    if image.dockerfile_path is not None:  # None when the context is not local
        context = _relative(project, image.context)
        dockerfile_path = _relative(project, image.dockerfile_path)
        found.append(Input(dockerfile_path, "its Dockerfile"))
        # BuildKit reads <Dockerfile>.dockerignore beside the Dockerfile, else the context's .dockerignore
        found.append(Input(dockerfile_path + ".dockerignore", "its Dockerfile's .dockerignore"))
        found.append(Input(posixpath.normpath(posixpath.join(context, ".dockerignore")), "its context's .dockerignore"))
        dockerfile = dockerfiles.get(image)
        if dockerfile is None or not dockerfile.readable or dockerfile.context_sources_unknown:
            found.append(Input(context, f"in its build context {image.context}"))
        else:
            found.extend(
                Input(posixpath.normpath(posixpath.join(context, source)), "read from its build context")
                for source in dockerfile.context_sources
            )
    for name, named in image.contexts.items():
        if named.kind == PATH:
            found.append(Input(_relative(project, named.value), f"in its named context '{name}'"))
        elif (layout := oci_layout_path(named.value)) is not None:
            found.append(Input(_relative(project, layout), f"in the OCI layout of its named context '{name}'"))
    found.extend(Input(_relative(project, pattern), f"inputs: {pattern}") for pattern in image.inputs)
    return found


OCI_LAYOUT = "oci-layout://"
_DIGEST = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}")
_TAG = re.compile(r"[\w][\w.-]{0,127}")


def oci_layout_path(value: str) -> str | None:
    """The folder of an `oci-layout://PATH[:TAG][@DIGEST]` context (buildx's reading: a
    trailing @digest, then a trailing :tag, come off), or None for another context."""
    if not value.startswith(OCI_LAYOUT):
        return None
    path = value[len(OCI_LAYOUT) :]
    head, at, after = path.rpartition("@")
    if at and _DIGEST.fullmatch(after):
        path = head
    head, colon, after = path.rpartition(":")
    if colon and _TAG.fullmatch(after) and not (len(head) == 1 and head.isalpha()):  # not C:\ on Windows
        path = head
    return path


def _relative(project: Project, value: str) -> str:
    """A path of images.yaml relative to its folder, normalised, with /."""
    if os.path.isabs(value):
        return Path(os.path.relpath(Path(value).resolve(), project.root.resolve())).as_posix()
    return posixpath.normpath(value.replace(os.sep, "/"))


# --- paths and globs ----------------------------------------------------------------------------

_GLOB = frozenset("*?[")


def covers(pattern: str, path: str) -> bool:
    """Whether the pattern names the path or a folder it is in. Both are relative and
    normalised ('.' is the folder itself); * ? [..] match within one name, ** any number of them."""
    if pattern == ".":
        return not path.startswith("../") and path != ".."
    if not _GLOB & set(pattern):
        return path == pattern or path.startswith(pattern + "/")
    wanted, names = pattern.split("/"), path.split("/")
    return any(_match(wanted, names[:k]) for k in range(1, len(names) + 1))


def _match(wanted: list[str], names: list[str]) -> bool:
    if not wanted:
        return not names
    if wanted[0] == "**":
        return any(_match(wanted[1:], names[i:]) for i in range(len(names) + 1))
    return bool(names) and fnmatchcase(names[0], wanted[0]) and _match(wanted[1:], names[1:])
