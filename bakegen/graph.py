"""Operations on the image graph: dependencies, order, waves, ancestry, layers, groups.

An image depends on its parent and on every image it names in ``contexts`` (the model
resolves those at load; this module never reads a context string). Orders are
deterministic: ties are broken by image id. The model builds one ``ImageGraph`` per
loaded project (``Project.graph``); every query after that is a dictionary look-up.

The groups bakegen generates (``default``, ``all``, one per layer) and the expansion of
target and group names into images live here, so the bake file, ``build`` and
``matrix`` agree on what a name means.
"""

from __future__ import annotations

import graphlib
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from bakegen.errors import Diagnostic, UsageError, did_you_mean

if TYPE_CHECKING:
    from bakegen.model import Image

LAYERS = ("base", "framework", "application")
# Layer groups have a form of their own so that they never take a name people give images
# (`base` is the first name of many a root image).
LAYER_GROUPS = {layer: f"layer-{layer}" for layer in LAYERS}
GENERATED_GROUPS = ("default", "all", *LAYER_GROUPS.values())
# `bakegen test`: the checks of image <id> are the bake target <id>-test, all of them the
# group `test`. Neither is an image: `default`, `all` and `expand` never hold them.
TEST_SUFFIX = "-test"
TEST_GROUP = "test"


def test_target(image_id: str) -> str:
    return image_id + TEST_SUFFIX


def find_cycle(dependencies: Mapping[str, Sequence[str]]) -> list[str] | None:
    """A cycle as a path that returns to its start (a -> b -> a), or None."""
    sorter = graphlib.TopologicalSorter({k: [d for d in v if d in dependencies] for k, v in dependencies.items()})
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        return list(exc.args[1])  # [x, ..., x], each entry the parent of the next
    return None


class UnknownTarget(UsageError):
    """A target or group name that the bake file does not have."""


class ImageGraph:
    def __init__(self, images: Mapping[str, Image], groups: Mapping[str, Sequence[str]]):
        self.images = images
        self.user_groups = groups
        self.deps: dict[str, tuple[str, ...]] = {i.id: i.dependencies for i in images.values()}
        kids: dict[str, list[str]] = {image_id: [] for image_id in images}
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

    def in_order(self, image_ids: set[str] | Sequence[str]) -> list[str]:
        return sorted(set(image_ids), key=self._rank.__getitem__)

    def ancestors(self, image_id: str) -> list[str]:
        """The parent chain from the root down to the direct parent."""
        chain = []
        current = self.images[image_id].parent
        while current is not None:
            chain.append(current)
            current = self.images[current].parent
        chain.reverse()
        return chain

    def descendants(self, image_id: str) -> list[str]:
        """Everything built on the image, through parents and image-valued contexts."""
        seen: set[str] = set()
        todo = [image_id]
        while todo:
            for child in self.kids[todo.pop()]:
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        return self.in_order(seen)

    def closure(self, image_ids: Sequence[str]) -> list[str]:
        """The images and everything they depend on, in build order."""
        needed: set[str] = set()
        todo = list(image_ids)
        while todo:
            current = todo.pop()
            if current not in needed:
                needed.add(current)
                todo.extend(self.deps[current])
        return self.in_order(needed)

    def leaves(self) -> list[str]:
        return [i for i in self.order if not self.kids[i]]

    def layer(self, image_id: str) -> str:
        """The declared layer; else a root on an external image is 'base', a leaf
        'application', anything between 'framework'."""
        image = self.images[image_id]
        if image.declared_layer:
            return image.declared_layer
        if image.parent is None:
            return "base"
        if not self.kids[image_id]:
            return "application"
        return "framework"

    def critical_path(self, weight: Mapping[str, float]) -> tuple[float, list[str]]:
        """The heaviest chain of dependencies, given a weight (e.g. seconds) per image."""
        best: dict[str, tuple[float, list[str]]] = {}
        for image_id in self.order:
            base = max((best[d] for d in self.deps[image_id]), default=(0.0, []), key=lambda t: t[0])
            best[image_id] = (base[0] + weight.get(image_id, 0.0), base[1] + [image_id])
        return max(best.values(), default=(0.0, []), key=lambda t: t[0])

    # --- groups ---------------------------------------------------------------------------

    @cached_property
    def groups(self) -> dict[str, list[str]]:
        """Every group of the bake file, in the order it declares them: the generated ones
        (default, all, layer-<layer> for each layer that has images), then images.yaml's."""
        everything = list(self.order)
        result = {"default": everything, "all": everything}
        for layer in LAYERS:
            members = [i for i in self.order if self.layer(i) == layer]
            if members:
                result[LAYER_GROUPS[layer]] = members
        result.update((name, list(members)) for name, members in self.user_groups.items())
        return result

    def expand(self, names: Sequence[str]) -> list[str]:
        """Image ids for target and group names, in build order; an unknown name is an error."""
        chosen: set[str] = set()
        groups = self.groups

        def add(name: str, trail: tuple[str, ...]) -> None:
            if name in self.images:
                chosen.add(name)
            elif name in groups:
                if name not in trail:
                    for member in groups[name]:
                        add(member, trail + (name,))
            else:
                known = set(self.images) | set(groups)
                raise UnknownTarget(
                    Diagnostic(
                        None,
                        f"unknown target '{name}'{did_you_mean(name, known)} (see `bakegen list`)",
                        code="unknown-target",
                    )
                )

        for name in names:
            add(name, ())
        return self.in_order(chosen)
