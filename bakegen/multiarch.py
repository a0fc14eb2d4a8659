"""Native builds per platform, one multi-platform tag.

A CI builds each (image, platform) on a runner of that architecture (`bakegen matrix
--split-platforms`); each job pushes its image by digest, under no tag, and keeps bake's
metadata file (`bakegen build TARGET --platform P --push-by-digest --metadata-file F`).
`bakegen merge` then reads those files and makes each image's tags one index of the
per-platform digests (`docker buildx imagetools create`), once every platform is there.

bake pushes by digest with the output ``type=image,name=<repositories>,push-by-digest=true,
name-canonical=true,push=true`` and the target's tags emptied (a tagged name cannot be
pushed by digest). Its metadata file gives, per target, ``containerimage.digest`` and
``image.name`` (the repositories, comma-separated); an ancestor built only as a named
context has an entry without a digest. Which platform a digest is for, bake says only for
a plain image manifest (the descriptor's ``platform``); with attestations the digest is an
index without one. `bakegen build` therefore writes the platform into each entry it
pushed (``bakegen.platform``); for a file of a plain `docker buildx bake` run, merge falls
back on the descriptor. Not on the provenance bake records: its ``environment.platform``
is the platform the build ran on, not the one it built for.

imagetools create takes such an index as a source as it is: the new index lists the image
manifest and its attestation manifest (platform unknown/unknown) of every source.

Tags resolve ``${REGISTRY}`` as bake does: a ``--var``, else the environment variable,
else images.yaml's default.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bakegen.errors import BakegenError, Diagnostic
from bakegen.metadata import Pushed
from bakegen.model import Project, resolve_tag

# --- names --------------------------------------------------------------------------------


def repository(reference: str) -> str:
    """A tag without its :tag (the registry's :port stays)."""
    head, slash, last = reference.rpartition("/")
    return head + slash + last.split(":", 1)[0]


def tags(project: Project, image_id: str, variables: Mapping[str, str]) -> list[str]:
    return [resolve_tag(tag, variables) for tag in project.images[image_id].tags]


def repositories(project: Project, image_id: str, variables: Mapping[str, str]) -> list[str]:
    return list(dict.fromkeys(repository(tag) for tag in tags(project, image_id, variables)))


# --- the per-platform build -------------------------------------------------------------------


def platform_overrides(project: Project, requested: Sequence[str], platform: str) -> dict[str, str]:
    """`bakegen build --platform P`: each requested image for P only (its ancestors follow,
    narrowed by the build plan). An image that declares platforms must declare P."""
    problems = [
        Diagnostic(
            project.images[image_id].position,
            f"'{image_id}' is not built for {platform} (its platforms: "
            f"{', '.join(project.images[image_id].platforms)}); pick one of those, or add {platform} to it",
            code="platform-not-declared",
        )
        for image_id in requested
        if project.images[image_id].platforms and platform not in project.images[image_id].platforms
    ]
    if problems:
        raise BakegenError(problems)
    return {f"{image_id}.platform": platform for image_id in requested}


def refuse_narrowed_push(project: Project, pushed: Sequence[str], platform: str) -> None:
    """`bakegen build --push --platform P`: a tag that names more platforms would be replaced
    by an image of P alone (a published tag never loses a platform)."""
    problems = [
        Diagnostic(
            project.images[image_id].position,
            f"--push --platform {platform} would replace the tags of '{image_id}' (platforms: "
            f"{', '.join(project.images[image_id].platforms)}) with an image of {platform} alone; build each "
            "platform with `--platform P --push-by-digest --metadata-file F` and join them with `bakegen merge`, "
            "or push without --platform",
            code="push-drops-platforms",
        )
        for image_id in pushed
        if len(project.images[image_id].platforms) > 1 and project.images[image_id].tags
    ]
    if problems:
        raise BakegenError(problems)


def digest_push_overrides(project: Project, requested: Sequence[str], variables: Mapping[str, str]) -> dict[str, str]:
    """`bakegen build --push-by-digest`: each requested image pushed to its repositories
    under no tag."""
    problems = []
    overrides = {}
    for image_id in requested:
        names = repositories(project, image_id, variables)
        if not names:
            problems.append(
                Diagnostic(
                    project.images[image_id].position,
                    f"'{image_id}' has no tags, so there is no repository to push it to by digest; give it tags",
                    code="no-tags-to-push",
                )
            )
            continue
        overrides[f"{image_id}.tags"] = ""
        overrides[f"{image_id}.output"] = (
            f'type=image,"name={",".join(names)}",push-by-digest=true,name-canonical=true,push=true'
        )
    if problems:
        raise BakegenError(problems)
    return overrides


# --- the merge ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Merge:
    """One image's tags, made one index of its per-platform digests."""

    target: str
    tags: tuple[str, ...]
    sources: tuple[str, ...]  # <repository>@<digest>, in the order of the image's platforms
    platforms: tuple[str, ...]

    def command(self) -> list[str]:
        return [
            "docker",
            "buildx",
            "imagetools",
            "create",
            *(arg for tag in self.tags for arg in ("--tag", tag)),
            *self.sources,
        ]


def plan_merge(
    project: Project, names: Sequence[str], pushed: Iterable[Pushed], variables: Mapping[str, str]
) -> list[Merge]:
    """The merges of the requested images, or an error listing every platform without a
    digest (and every other problem): all or nothing, so that no tag is made while a
    platform is missing."""
    targets = project.graph.expand(names)
    found: dict[tuple[str, str], Pushed] = {}
    problems: list[Diagnostic] = []
    for item in pushed:
        if item.target not in targets:
            continue  # another image's job, or an image not merged now
        image = project.images[item.target]
        if item.platform not in image.platforms:
            problems.append(
                Diagnostic(
                    item.source,
                    f"{item.target}: a digest for {item.platform}, which '{item.target}' does not declare "
                    f"(its platforms: {', '.join(image.platforms) or 'none'})",
                    code="merge-unexpected-platform",
                )
            )
            continue
        earlier = found.setdefault((item.target, item.platform), item)
        if earlier.digest != item.digest:
            problems.append(
                Diagnostic(
                    item.source,
                    f"{item.target} {item.platform}: digest {item.digest} here, {earlier.digest} in "
                    f"{earlier.source}; keep the metadata of one run per platform",
                    code="merge-conflict",
                )
            )
            continue
        expected = repositories(project, item.target, variables)
        if set(item.names) != set(expected):
            problems.append(
                Diagnostic(
                    item.source,
                    f"{item.target} {item.platform} was pushed to {', '.join(item.names)}, but its tags resolve to "
                    f"{', '.join(expected) or 'nothing'}; merge with the variables the build had "
                    f"(REGISTRY={variables.get('REGISTRY', '')!r} now; set it in the environment or with --var)",
                    code="merge-registry-mismatch",
                )
            )
    merges, missing, complete = [], [], []
    for image_id in targets:
        image = project.images[image_id]
        if not image.tags or not image.platforms:
            problems.append(
                Diagnostic(
                    image.position,
                    f"'{image_id}' has no {'tags' if not image.tags else 'platforms'} to merge; "
                    "leave it out of `bakegen merge`",
                    code="merge-nothing-to-tag",
                )
            )
            continue
        absent = [p for p in image.platforms if (image_id, p) not in found]
        if absent:
            missing.append(f"{image_id} ({', '.join(absent)})")
            continue
        complete.append(image_id)
        digests = [found[(image_id, p)] for p in image.platforms]
        merges.append(
            Merge(
                target=image_id,
                tags=tuple(tags(project, image_id, variables)),
                sources=tuple(f"{d.names[0]}@{d.digest}" for d in digests),
                platforms=image.platforms,
            )
        )
    if missing:
        ready = f"complete: {', '.join(complete)}; " if complete else ""
        problems.append(
            Diagnostic(
                None,
                f"no digest for {'; '.join(missing)} in the metadata files; {ready}nothing was tagged. "
                "Wait for those jobs (or re-run them), or merge only the complete images",
                code="merge-missing-platform",
            )
        )
    if problems:
        raise BakegenError(problems)
    return merges


def create_index(merge: Merge, builder: str | None = None) -> None:
    """Push the merge's tags: one index of its sources (python-on-whales' imagetools create)."""
    from python_on_whales import docker
    from python_on_whales.client_config import ClientNotFoundError
    from python_on_whales.exceptions import DockerException

    try:
        docker.buildx.imagetools.create(sources=list(merge.sources), tags=list(merge.tags), builder=builder)
    except ClientNotFoundError:
        raise BakegenError("the docker CLI was not found; install it with the buildx plugin") from None
    except DockerException as exc:
        stderr = exc.stderr if isinstance(exc.stderr, str) else (exc.stderr or b"").decode(errors="replace")
        lines = [line for line in stderr.strip().splitlines() if line.strip()][-3:]
        raise BakegenError(
            [
                Diagnostic(
                    None, f"imagetools create for {merge.target} failed (exit {exc.return_code}):", code="merge-failed"
                )
            ]
            + [Diagnostic(None, line, code="merge-failed") for line in lines]
        ) from None
