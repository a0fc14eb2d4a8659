"""What bake's metadata file (`--metadata-file`) says about the images a build pushed.

buildx writes one JSON object, keyed by target: ``containerimage.digest`` (the pushed
manifest or index) and ``image.name`` (the tags, comma-separated), beside keys of its own
(``buildx.build.ref``, ``buildx.build.warnings``, ...).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bakegen.errors import BakegenError, Diagnostic, Position


@dataclass(frozen=True)
class Pushed:
    image: str
    digest: str | None
    tags: tuple[str, ...]


def read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BakegenError(
            Diagnostic(Position(str(path)), f"cannot read bake's metadata file: {exc.strerror}")
        ) from None
    except ValueError as exc:
        raise BakegenError(Diagnostic(Position(str(path)), f"bake's metadata file is not JSON: {exc}")) from None
    if not isinstance(data, dict):
        raise BakegenError(Diagnostic(Position(str(path)), "bake's metadata file is not a JSON object"))
    return data


def pushed(metadata: dict, image_ids: Sequence[str]) -> list[Pushed]:
    """The images of image_ids the metadata names, in that order, with their digest and tags."""
    result = []
    for image_id in image_ids:
        entry = metadata.get(image_id)
        if not isinstance(entry, dict):
            continue
        digest = entry.get("containerimage.digest")
        names = entry.get("image.name") or ""
        tags = tuple(name for name in str(names).split(",") if name)
        result.append(Pushed(image_id, digest if isinstance(digest, str) else None, tags))
    return result
