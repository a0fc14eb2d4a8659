"""`bakegen import`: the old build.py's dockerfile-compose.yaml -> images.yaml.

The old format declared each parent twice, in ``depends_on`` and again as the
``BASE_IMAGE`` build arg, and the two drifted apart. The conversion follows
``depends_on`` (what build.py actually ordered by), merges both into ``from``,
and reports every place where they disagree or where BASE_IMAGE names a tag
that no image produces. It still writes the file: drift is reported, not fatal.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import yaml

from bakegen import files, rules
from bakegen.dockerfile import convention_problems
from bakegen.errors import BakegenError, Diagnostic
from bakegen.model import parse_project, suggest_id
from bakegen.output import report
from bakegen.yamldoc import Document, load_document

HEADER = (
    "# yaml-language-server: $schema=schema/images.schema.json\n"
    "# Converted by `bakegen import` from {source}. Review the report it printed,\n"
    "# then run `bakegen check` and `bakegen` to write docker-bake.hcl.\n"
)
OLD_IMAGE_KEYS = {"depends_on", "build", "tags"}


def convert(doc: Document, compose_dir: Path) -> tuple[dict, list[Diagnostic]]:
    notes: list[Diagnostic] = []

    def note(path: tuple, message: str, key: bool = False) -> None:
        notes.append(Diagnostic(doc.where(path, key=key), message, severity="warning"))

    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("images"), dict):
        raise BakegenError(Diagnostic(doc.where(()), "not a dockerfile-compose.yaml: no 'images:' mapping"))
    old = data["images"]
    for key in data:
        if key not in ("images", "version"):
            note((key,), f"top-level '{key}' has no equivalent in images.yaml and was left out", key=True)

    new_ids: dict[str, str] = {}
    for old_id in old:
        new_id = suggest_id(old_id)
        while new_id in new_ids.values():
            new_id += "-x"
        if new_id != old_id:
            note(("images", old_id), f"image id '{old_id}' is not a valid bake target name; renamed to '{new_id}'", key=True)
        new_ids[old_id] = new_id

    producers: dict[str, str] = {}
    for old_id, raw in old.items():
        for tag in (raw or {}).get("tags") or []:
            producers.setdefault(str(tag), old_id)

    prefix = _shared_prefix([str(t) for raw in old.values() for t in (raw or {}).get("tags") or []])

    images: dict[str, dict] = {}
    contexts_seen: set[str] = set()
    for old_id, raw in old.items():
        raw = raw or {}
        where = ("images", old_id)
        for key in raw:
            if key not in OLD_IMAGE_KEYS:
                note(where + (key,), f"'{key}' is not converted; add its equivalent by hand", key=True)
        build = raw.get("build") or {}
        args = {str(k): _text(doc, where + ("build", "args", k), v) for k, v in (build.get("args") or {}).items()}
        base_arg = args.pop("BASE_IMAGE", None)
        depends = [str(d) for d in raw.get("depends_on") or []]
        parent = _parent(doc, old_id, depends, base_arg, old, producers, new_ids, note)

        image: dict = {}
        image["from"] = parent
        context = str(build.get("context", "."))
        contexts_seen.add(context)
        image["context"] = context
        image["dockerfile"] = str(build.get("dockerfile", "Dockerfile"))
        if args:
            image["args"] = args
        tags = [str(t) for t in raw.get("tags") or []]
        if tags:
            image["tags"] = [t[len(prefix):] if prefix else t for t in tags]
        images[new_ids[old_id]] = image

        dockerfile = compose_dir / context / image["dockerfile"]
        if dockerfile.is_file():
            shown = os.path.normpath(os.path.join(context, image["dockerfile"]))
            notes.extend(
                Diagnostic(d.position, d.message, severity="warning")
                for d in convention_problems(dockerfile, shown)
            )

    result: dict = {"version": 1}
    if prefix:
        result["variables"] = {"REGISTRY": prefix.rstrip("/")}
    if len(contexts_seen) == 1:
        result["defaults"] = {"context": contexts_seen.pop()}
        for image in images.values():
            del image["context"]
    result["images"] = images
    return result, notes


def _text(doc: Document, path: tuple, value) -> str:
    if isinstance(value, str):
        return value
    written = doc.scalar_text(path)
    return written if written is not None else str(value)


def _parent(doc, old_id, depends, base_arg, old, producers, new_ids, note) -> str:
    where = ("images", old_id)
    if len(depends) > 1:
        note(
            where + ("depends_on",),
            f"'{old_id}' depends on {', '.join(depends)}; images.yaml has one parent, so '{depends[0]}' "
            "is the parent; name the others under contexts: if the Dockerfile uses them",
        )
    if depends:
        parent_old = depends[0]
        if parent_old not in old:
            note(where + ("depends_on", 0), f"depends_on names '{parent_old}', which is not an image of this file")
            return parent_old
        parent_tags = [str(t) for t in (old[parent_old] or {}).get("tags") or []]
        if base_arg is not None and base_arg not in parent_tags:
            producer = producers.get(base_arg)
            detail = (
                f"a tag of '{producer}'" if producer else "a tag that no image of this file produces"
            )
            note(
                where + ("build", "args", "BASE_IMAGE"),
                f"parent drift in '{old_id}': depends_on says '{parent_old}' (tags: "
                f"{', '.join(parent_tags) or 'none'}) but BASE_IMAGE is '{base_arg}', {detail}; "
                f"following depends_on: from: {new_ids[parent_old]}",
            )
        return new_ids[parent_old]
    if base_arg is None:
        note(where, f"'{old_id}' declares no parent (no depends_on, no BASE_IMAGE); set 'from:' by hand", key=True)
        return "TODO-set-the-parent-image"
    producer = producers.get(base_arg)
    if producer:
        note(
            where + ("build", "args", "BASE_IMAGE"),
            f"'{old_id}' has BASE_IMAGE '{base_arg}' (built by '{producer}') but no depends_on; "
            f"linked as from: {new_ids[producer]}",
        )
        return new_ids[producer]
    if not any(c in base_arg for c in ":/@"):
        note(
            where + ("build", "args", "BASE_IMAGE"),
            f"BASE_IMAGE '{base_arg}' of '{old_id}' is not an image reference (no repository); "
            "its Dockerfile probably completes it; write the full reference in 'from:'",
        )
    return base_arg


def _shared_prefix(tags: list[str]) -> str:
    """The repository prefix ('xuopoj/') that every tag starts with, if any."""
    if not tags:
        return ""
    heads = [t.rsplit("/", 1)[0] + "/" if "/" in t else "" for t in tags]
    common = os.path.commonprefix(heads)
    if not common.endswith("/"):
        common = common[: common.rfind("/") + 1]
    return common


def dump(result: dict, source_name: str) -> str:
    body = yaml.safe_dump(result, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    return HEADER.format(source=source_name) + body


def run(args) -> int:
    source = Path(args.compose_file)
    output = Path(args.output)
    if output.exists() and not args.force:
        raise BakegenError(f"{output} already exists; pass --force to overwrite it, or -o another file")
    doc = load_document(source)
    result, notes = convert(doc, source.parent)
    same_folder = source.resolve().parent == output.resolve().parent
    name = source.name if same_folder else str(source)
    text = dump(result, name)
    report(notes)
    # Say what bakegen itself will still reject in the result, and which version pairs
    # can never work, so nothing is a surprise at the first build.
    try:
        converted = parse_project(text, output, lenient=True)
    except BakegenError as exc:
        converted, remaining = None, exc.diagnostics
    else:
        remaining = list(converted.warnings)
    report([Diagnostic(d.position, f"still to fix in the converted file: {d.message}", "warning") for d in remaining])
    if converted is not None:
        report(rules.check_versions(converted), as_warnings=True)
    files.write_atomic(output, text)
    print(
        f"wrote {output}: {len(result['images'])} images, {len(notes)} note(s) to review",
        file=sys.stderr,
    )
    return 0
