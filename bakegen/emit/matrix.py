"""CI matrices from the graph (GitHub Actions / GitLab style JSON).

``targets``: one entry per requested image; ``waves``: the build waves, so a CI
can run one job per wave, each needing the previous one. Either can be restricted to the
images a change affects (``bakegen.affected``); nothing affected gives an empty matrix
(``{"include": []}``, ``[]``), still valid JSON.
"""

from __future__ import annotations

from collections.abc import Collection

from bakegen.model import Project


def matrix(
    project: Project,
    selection: list[str] | None = None,
    leaves_only: bool = False,
    affected: Collection[str] | None = None,
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
        include.append(
            {
                "target": image_id,
                "platforms": ",".join(image.platforms),
                "layer": graph.layer(image_id),
                # everything it is built on: ancestors and images named in contexts, transitively
                "needs": [i for i in graph.closure([image_id]) if i != image_id],
            }
        )
    return {"include": include}


def waves(
    project: Project, selection: list[str] | None = None, affected: Collection[str] | None = None
) -> list[list[str]]:
    graph = project.graph
    wanted = set(graph.closure(selection)) if selection is not None else None
    result = []
    for wave in graph.waves:
        kept = [i for i in wave if (wanted is None or i in wanted) and (affected is None or i in affected)]
        if kept:
            result.append(kept)
    return result
