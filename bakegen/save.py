"""`bakegen save`: which docker-loadable tarballs a save writes, and their names.

One tarball per image and platform: BuildKit's docker exporter (``type=docker,dest=...``)
writes one platform per file unless the builder can export several in one, which a
BuildKit without Docker's containerd image store cannot. Each tarball comes from a bake
target of its own (``<id>-save-<os>-<arch>``) that inherits the image's target, builds
one platform and writes no cache (one platform would replace the cache of all). The
image's ancestors are built as `bakegen build` builds them (bakegen.plan).

A tarball is named from the image's first tag as bake will write it (REGISTRY resolved
as bake resolves it, bakegen.bakevars), every character but letters, digits, ``.``, ``_``
and ``-`` turned into ``_``, then the platform: ``xuopoj/pytorch:2.7.1-npu-910b`` on
linux/arm64 is ``xuopoj_pytorch_2.7.1-npu-910b_linux-arm64.tar``. An image without tags
is named by its id, and `docker load` gives it no name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bakegen.bakevars import resolved_tag
from bakegen.errors import BakegenError
from bakegen.model import Project

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Tarball:
    image: str
    platform: str | None  # None: the image declares none; the builder's default platform
    target: str  # the bake target that writes it
    file_name: str
    tags: tuple[str, ...]  # as bake will write them into the tarball


def file_name(name: str, platform: str | None) -> str:
    stem = _UNSAFE.sub("_", name).strip("._") or "image"
    if platform:
        stem += "_" + platform.replace("/", "-")
    return stem + ".tar"


def plan_save(project: Project, names: Sequence[str], given: Mapping[str, str]) -> list[Tarball]:
    """The tarballs of `bakegen save NAMES` (groups expanded), in build order; given: --var."""
    taken = set(project.images)
    tarballs = []
    for image_id in project.graph.expand(names):
        image = project.images[image_id]
        tags = tuple(resolved_tag(tag, project, given) for tag in image.tags)
        for platform in image.platforms or (None,):
            target = f"{image_id}-save" + (f"-{platform.replace('/', '-')}" if platform else "")
            while target in taken:  # an image of that name: the save target takes another
                target += "_"
            taken.add(target)
            tarballs.append(
                Tarball(image_id, platform, target, file_name(tags[0] if tags else image_id, platform), tags)
            )
    seen: dict[str, str] = {}
    for tarball in tarballs:
        other = seen.setdefault(tarball.file_name, tarball.image)
        if other != tarball.image:
            raise BakegenError(
                f"images {other} and {tarball.image} would both be saved as {tarball.file_name}; "
                "save them one at a time, into different folders"
            )
    return tarballs
