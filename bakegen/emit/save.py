"""The bake targets of `bakegen save` (bakegen.save), added to a build's bake file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bakegen import hcl
from bakegen.hcl import Expr
from bakegen.save import Tarball


def save_targets(tarballs: Sequence[Tarball], folder: Path) -> str:
    """One target per tarball: the image's target for one platform, exported by BuildKit's
    docker exporter into folder, writing no cache."""
    blocks = []
    for tarball in tarballs:
        attrs: list[tuple[str, hcl.Value]] = [
            (
                "description",
                f"bakegen save: {tarball.image}" + (f" for {tarball.platform}" if tarball.platform else ""),
            ),
            ("inherits", [tarball.image]),
        ]
        if tarball.platform:
            attrs.append(("platforms", [tarball.platform]))
        attrs.append(("output", [f"type=docker,dest={folder / tarball.file_name}"]))
        attrs.append(("cache-to", Expr("[]")))
        blocks.append(hcl.block("target", [tarball.target], attrs))
    return "\n".join(blocks)
