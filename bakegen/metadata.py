"""What bake's metadata file (`--metadata-file`) says about the images a build pushed: for
`bakegen build --push` (each image's digest and tags) and for `bakegen merge` (the digest
each per-platform job pushed; bakegen.multiarch).

buildx writes one JSON object, keyed by target: ``containerimage.digest`` (the pushed
manifest or index) and ``image.name`` (the tags, or the repositories of a push by digest,
comma-separated), beside keys of its own (``buildx.build.ref``, ``buildx.build.warnings``,
...). `bakegen build --push-by-digest` adds ``bakegen.platform``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bakegen import files
from bakegen.errors import BakegenError, Diagnostic, Position, UsageError

DIGEST_KEY = "containerimage.digest"
DESCRIPTOR_KEY = "containerimage.descriptor"
NAME_KEY = "image.name"
PLATFORM_KEY = "bakegen.platform"  # written by `bakegen build --push-by-digest`


@dataclass(frozen=True)
class Published:
    """An image `bakegen build --push` pushed, with its tags."""

    image: str
    digest: str | None
    tags: tuple[str, ...]


def read(path: Path) -> dict:
    """The metadata file bake wrote, as a JSON object of target -> result."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BakegenError(
            Diagnostic(Position(str(path)), f"cannot read bake's metadata file: {exc}", code="invalid-metadata")
        ) from None
    return _json_object(text, str(path))


def published(metadata: dict, image_ids: Sequence[str]) -> list[Published]:
    """The images of image_ids the metadata names, in that order, with their digest and tags."""
    result = []
    for image_id in image_ids:
        entry = metadata.get(image_id)
        if not isinstance(entry, dict):
            continue
        digest = entry.get(DIGEST_KEY)
        names = entry.get(NAME_KEY) or ""
        tags = tuple(name for name in str(names).split(",") if name)
        result.append(Published(image_id, digest if isinstance(digest, str) else None, tags))
    return result


@dataclass(frozen=True)
class Pushed:
    """One digest a per-platform job pushed, as its metadata file says."""

    target: str
    platform: str
    digest: str
    names: tuple[str, ...]  # the repositories it was pushed to
    source: Position  # the metadata file (and the line of the entry)


def record_platform(metadata_file: Path, requested: Sequence[str], platform: str) -> list[Pushed]:
    """Write the platform into the entries of the requested images in bake's metadata file
    (a digest of an index does not say it); what was pushed."""
    text = files.read_text(metadata_file)
    if text is None:
        raise BakegenError(
            Diagnostic(Position(str(metadata_file)), "bake wrote no metadata file", code="no-metadata-file")
        )
    data = _json_object(text, str(metadata_file))
    for image_id in requested:
        entry = data.get(image_id)
        if isinstance(entry, dict) and DIGEST_KEY in entry:
            entry[PLATFORM_KEY] = platform
    written = json.dumps(data, indent=2) + "\n"
    files.write_atomic(metadata_file, written)
    return [p for p in read_metadata(written, str(metadata_file)) if p.target in requested]


# --- reading metadata files -----------------------------------------------------------------


def read_metadata_dir(directory: Path) -> list[Pushed]:
    """Every digest of the metadata files (*.json) in directory and its subfolders (a CI's
    download of artefacts puts each in a folder of its own)."""
    if not directory.is_dir():
        raise UsageError(f"--metadata-dir {directory}: not a folder")
    paths = sorted(p for p in directory.rglob("*.json") if p.is_file())
    if not paths:
        raise BakegenError(
            Diagnostic(
                Position(str(directory)),
                "no metadata files (*.json) here; each per-platform job writes one with "
                "`bakegen build TARGET --platform P --push-by-digest --metadata-file F`",
                code="no-metadata-file",
            )
        )
    pushed = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise BakegenError(
                Diagnostic(Position(str(path)), f"cannot read: {exc}", code="invalid-metadata")
            ) from None
        pushed.extend(read_metadata(text, str(path)))
    return pushed


def read_metadata(text: str, shown: str) -> list[Pushed]:
    """The digests of one bake metadata file: entries without a digest (images built only
    as another's named context, or not pushed) are left out."""
    data = _json_object(text, shown)
    result = []
    problems = []
    for target, entry in data.items():
        if not isinstance(entry, dict) or DIGEST_KEY not in entry:
            continue
        where = Position(shown, _line_of(text, target))
        digest = entry[DIGEST_KEY]
        platform = _platform(entry)
        names = tuple(n for n in str(entry.get(NAME_KEY) or "").split(",") if n)
        if not isinstance(digest, str) or not digest.startswith("sha256:"):
            problems.append(
                Diagnostic(where, f"{target}: {DIGEST_KEY} is not a sha256 digest", code="invalid-metadata")
            )
        elif platform is None:
            problems.append(
                Diagnostic(
                    where,
                    f"{target}: the file does not say which platform {digest} is for; write it with "
                    "`bakegen build TARGET --platform P --push-by-digest --metadata-file F`",
                    code="metadata-without-platform",
                )
            )
        elif not names:
            problems.append(
                Diagnostic(where, f"{target}: no {NAME_KEY}: the digest was not pushed", code="invalid-metadata")
            )
        else:
            result.append(Pushed(target, platform, digest, names, where))
    if problems:
        raise BakegenError(problems)
    return result


def _json_object(text: str, shown: str) -> dict:
    try:
        data = json.loads(text)
    except ValueError as exc:
        line, column = getattr(exc, "lineno", None), getattr(exc, "colno", None)
        message = getattr(exc, "msg", str(exc))
        raise BakegenError(
            Diagnostic(
                Position(shown, line, column),
                f"not a JSON file ({message}); expected bake's --metadata-file",
                code="invalid-metadata",
            )
        ) from None
    if not isinstance(data, dict):
        raise BakegenError(
            Diagnostic(
                Position(shown, 1),
                "expected bake's metadata: a JSON object of target -> result",
                code="invalid-metadata",
            )
        )
    return data


def _line_of(text: str, key: str) -> int | None:
    needle = json.dumps(key) + ":"
    at = text.find(needle)
    return text.count("\n", 0, at) + 1 if at >= 0 else None


def _platform(entry: dict) -> str | None:
    recorded = entry.get(PLATFORM_KEY)
    if isinstance(recorded, str) and recorded:
        return recorded
    descriptor = entry.get(DESCRIPTOR_KEY)
    if isinstance(descriptor, dict) and isinstance(descriptor.get("platform"), dict):
        p = descriptor["platform"]
        parts = (p.get("os"), p.get("architecture"), p.get("variant") or "")
        if parts[0] and parts[1] and all(isinstance(part, str) for part in parts):
            return "/".join(filter(None, parts))
    return None  # not written by bake: the caller says so
