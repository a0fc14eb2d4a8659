"""Operations on the image graph: dependencies, order, waves, ancestry, layers.

An image depends on its parent and on every image it names in ``contexts``.
Orders are deterministic: ties are broken by image id. Build an ``ImageGraph``
once per project; every query after that is a dictionary look-up.
"""

from __future__ import annotations

import graphlib
from functools import cached_property
from typing import TYPE_CHECKING

from bakegen.model import context_kind

if TYPE_CHECKING:
    from bakegen.model import Image, Project


def dependencies(project: Project, image: Image) -> list[str]:
    deps = [image.parent] if image.parent else []
    for value in image.contexts.values():
        if context_kind(value, project.images) == "image" and value not in deps:
            deps.append(value)
    return deps


def find_cycle(project: Project) -> list[str] | None:
    """A cycle as a path that returns to its start (a -> b -> a), or None."""
    sorter = graphlib.TopologicalSorter({i.id: dependencies(project, i) for i in project.images.values()})
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        return list(exc.args[1])  # [x, ..., x], each entry the parent of the next
    return None


class ImageGraph:
    def __init__(self, project: Project):
        self.project = project
        self.deps: dict[str, list[str]] = {i.id: dependencies(project, i) for i in project.images.values()}
        kids: dict[str, list[str]] = {image_id: [] for image_id in project.images}
        for image_id, deps in self.deps.items():
            for dep in deps:
                kids[dep].append(image_id)
        self.kids = {k: sorted(v) for k, v in kids.items()}

    @cached_property
    def waves(self) -> list[list[str]]:
        """Images grouped by build wave: each wave needs only images of earlier waves."""
        sorter = graphlib.TopologicalSorter(self.deps)
        sorter.prepare()
        result = []
        while sorter.is_active():
            ready = sorted(sorter.get_ready())
            result.append(ready)
            sorter.done(*ready)
        return result

    @cached_property
    def order(self) -> list[str]:
        return [image_id for wave in self.waves for image_id in wave]

    @cached_property
    def _rank(self) -> dict[str, int]:
        return {image_id: n for n, image_id in enumerate(self.order)}

    def children(self, image_id: str) -> list[str]:
        return self.kids[image_id]

    def ancestors(self, image_id: str) -> list[str]:
        """The parent chain from the root down to the direct parent."""
        chain = []
        current = self.project.images[image_id].parent
        while current is not None:
            chain.append(current)
            current = self.project.images[current].parent
        chain.reverse()
        return chain

    def descendants(self, image_id: str) -> list[str]:
        seen: set[str] = set()
        todo = [image_id]
        while todo:
            for child in self.kids[todo.pop()]:
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        return sorted(seen, key=self._rank.__getitem__)

    def closure(self, image_ids: list[str]) -> list[str]:
        """The images and everything they depend on, in build order."""
        needed: set[str] = set()
        todo = list(image_ids)
        while todo:
            current = todo.pop()
            if current not in needed:
                needed.add(current)
                todo.extend(self.deps[current])
        return sorted(needed, key=self._rank.__getitem__)

    def leaves(self) -> list[str]:
        return [i for i in self.order if not self.kids[i]]

    def layer(self, image_id: str) -> str:
        """The declared layer; else a root on an external image is 'base', a leaf
        'application', anything between 'framework'."""
        image = self.project.images[image_id]
        if image.declared_layer:
            return image.declared_layer
        if image.parent is None:
            return "base"
        if not self.kids[image_id]:
            return "application"
        return "framework"

    def critical_path(self, weight: dict[str, float]) -> tuple[float, list[str]]:
        """The heaviest chain of dependencies, given a weight (e.g. seconds) per image."""
        best: dict[str, tuple[float, list[str]]] = {}
        for image_id in self.order:
            base = max((best[d] for d in self.deps[image_id]), default=(0.0, []), key=lambda t: t[0])
            best[image_id] = (base[0] + weight.get(image_id, 0.0), base[1] + [image_id])
        return max(best.values(), default=(0.0, []), key=lambda t: t[0])
