"""CI matrices from the graph (GitHub Actions / GitLab style JSON).

``targets``: one entry per requested image; ``waves``: the build waves, so a CI
can run one job per wave, each needing the previous one. Either can be restricted to the
images a change affects (``bakegen.affected``); nothing affected gives an empty matrix
(``{"include": []}``, ``[]``), still valid JSON.

With ``split_platforms``, an entry is one (image, platform) job instead, so that each
platform builds on a runner of its own architecture: ``arch`` is the runner hint
(amd64, arm64) and ``name`` a job-safe name (``torch-linux-arm64``), unique in the
matrix, fit for a job, an artefact and a metadata file. bake builds the job's ancestors
for the same platform in the same job, as the named contexts they are (from the
registry cache when the jobs share one); ``bakegen merge`` makes the multi-platform tags
once every platform's job has pushed its digest.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from bakegen.errors import BakegenError, Diagnostic
from bakegen.model import Project

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def matrix(
    project: Project,
    selection: list[str] | None = None,
    leaves_only: bool = False,
    affected: Collection[str] | None = None,
    split_platforms: bool = False,
) -> dict:
    graph = project.graph
    chosen = graph.leaves() if leaves_only else list(graph.order)
    if selection is not None:
        chosen = [i for i in chosen if i in set(selection)]
    if affected is not None:
        chosen = [i for i in chosen if i in affected]
    include = []
    for image_id in chosen:
        image = project.images[image_id]
        entry = {
            "target": image_id,
            "platforms": ",".join(image.platforms),
            "layer": graph.layer(image_id),
            # everything it is built on: ancestors and images named in contexts, transitively
            "needs": [i for i in graph.closure([image_id]) if i != image_id],
        }
        if not split_platforms:
            include.append(entry)
            continue
        del entry["platforms"]
        include.extend({**job, **entry} for job in platform_jobs(project, image_id))
    return {"include": include}


def waves(
    project: Project,
    selection: list[str] | None = None,
    affected: Collection[str] | None = None,
    split_platforms: bool = False,
) -> list[list]:
    """Image ids per wave; with split_platforms, the (image, platform) jobs of each wave."""
    graph = project.graph
    wanted = set(graph.closure(selection)) if selection is not None else None
    result: list[list] = []
    for wave in graph.waves:
        kept = [i for i in wave if (wanted is None or i in wanted) and (affected is None or i in affected)]
        if kept and split_platforms:
            result.append([job for image_id in kept for job in platform_jobs(project, image_id)])
        elif kept:
            result.append(kept)
    return result


def platform_jobs(project: Project, image_id: str) -> list[dict[str, str]]:
    """One job per platform of the image: target, platform, arch (runner hint), name."""
    image = project.images[image_id]
    if not image.platforms:
        raise BakegenError(
            Diagnostic(
                image.position,
                f"'{image_id}' declares no platforms, so it has no per-platform jobs; add "
                "'platforms: [linux/amd64, linux/arm64]' to it (or to defaults), or leave out --split-platforms",
                code="split-needs-platforms",
            )
        )
    return [
        {"target": image_id, "platform": platform, "arch": platform.split("/")[1], "name": job_name(image_id, platform)}
        for platform in image.platforms
    ]


def job_name(image_id: str, platform: str) -> str:
    """<id>-<os>-<arch>[-<variant>]: image ids are letters, digits, - and _ already."""
    return f"{image_id}-{_UNSAFE.sub('-', platform)}"
