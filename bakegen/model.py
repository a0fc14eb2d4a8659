"""The one place that knows the images.yaml format.

``load_project`` reads images.yaml, validates it against the JSON schema and the
graph rules (known parents, no cycles, valid ids, unique tags, platform
subsets), and returns frozen dataclasses. Emitters and commands never look at
raw YAML. Paths are kept as written (relative to images.yaml).
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping

from bakegen import schemacheck
from bakegen.errors import BakegenError, Diagnostic, Position
from bakegen.yamldoc import Document, load_document, parse_document

if TYPE_CHECKING:
    import jsonschema

LAYERS = ("base", "framework", "application")
BUILTIN_GROUPS = ("default", "all") + LAYERS
ID_RE = re.compile(r"^[A-Za-z0-9_-]+$")
CONTEXT_URL_PREFIXES = ("target:",)
MERGED_MAPPINGS = ("args", "labels", "contexts")


@dataclass(frozen=True)
class Image:
    id: str
    parent: str | None  # an image id of this file, built first
    external_base: str | None  # an image reference outside this file
    dockerfile: str  # relative to context
    context: str  # relative to images.yaml, or a URL
    args: Mapping[str, str]
    contexts: Mapping[str, str]  # extra named contexts, values as written
    tags: tuple[str, ...]  # as written; relative ones get ${REGISTRY}/ in the bake file
    platforms: tuple[str, ...]
    labels: Mapping[str, str]
    description: str | None
    target: str | None
    secrets: tuple[str, ...]
    declared_layer: str | None
    position: Position

    @property
    def base_ref(self) -> str:
        """What `from:` said: the parent id or the external reference."""
        return self.parent or self.external_base  # type: ignore[return-value]


@dataclass(frozen=True)
class Project:
    path: Path  # images.yaml
    document: Document
    variables: Mapping[str, str]
    groups: Mapping[str, tuple[str, ...]]
    images: Mapping[str, Image]  # in file order
    compat: Mapping[str, Any]
    warnings: tuple[Diagnostic, ...] = ()

    @property
    def root(self) -> Path:
        return self.path.parent

    def where(self, *path: Any, key: bool = False) -> Position:
        return self.document.where(path, key=key)


# --- contexts and tags -----------------------------------------------------------


def context_kind(value: str, image_ids: Mapping[str, Any] | set[str]) -> str:
    """'image' (an image of this file), 'url' (any buildx context source) or 'path'."""
    if value in image_ids:
        return "image"
    if "://" in value or value.startswith(CONTEXT_URL_PREFIXES):
        return "url"
    return "path"


def tag_has_registry(tag: str) -> bool:
    """Docker's rule: the part before the first '/' is a registry host if it has '.' or ':' or is localhost."""
    if "/" not in tag:
        return False
    head = tag.split("/", 1)[0]
    return "." in head or ":" in head or head == "localhost"


def secret_fields(spec: str) -> list[tuple[str, str, str]]:
    """A bake secret spec as (key, '=', value) triples, in order."""
    return [field.partition("=") for field in spec.split(",")]


def secret_file_key(spec: str) -> str | None:
    """The key (src or source, any case) that holds a file path, unless the secret is type=env."""
    fields = secret_fields(spec)
    if any(key.lower() == "type" and value.lower() == "env" for key, _, value in fields):
        return None
    for key, sep, value in fields:
        if sep and key.lower() in ("src", "source") and value:
            return key
    return None


def suggest_id(name: str) -> str:
    fixed = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")
    return fixed or "image"


def did_you_mean(name: str, choices: list[str] | tuple[str, ...] | set[str]) -> str:
    close = difflib.get_close_matches(name, sorted(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


# --- loading ------------------------------------------------------------------


@cache
def schema() -> dict:
    text = resources.files("bakegen").joinpath("data/images.schema.json").read_text("utf-8")
    return json.loads(text)


def load_project(path: str | Path, display_name: str | None = None) -> Project:
    path = Path(path)
    doc = load_document(path, display_name or display_path(path))
    return build_project(doc, path)


def parse_project(text: str, path: str | Path = "images.yaml", lenient: bool = False) -> Project:
    """For tests and tools: a project from text; relative paths resolve against path's folder."""
    path = Path(path)
    return build_project(parse_document(text, display_path(path)), path, lenient)


def display_path(path: Path) -> str:
    """A path as the user can use it from here: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def build_project(doc: Document, path: Path, lenient: bool = False) -> Project:
    """lenient: graph errors (not schema errors, not cycles) come back in .warnings instead of
    raising, for tools such as `bakegen import` that must report on a file still being fixed."""
    if not isinstance(doc.data, dict):
        raise BakegenError(
            Diagnostic(doc.where(()), "images.yaml must be a mapping with 'version: 1' and 'images:'")
        )
    _validate_schema(doc)
    data = doc.data
    variables = {name: _text(doc, ("variables", name), value) for name, value in (data.get("variables") or {}).items()}
    defaults = data.get("defaults") or {}
    images: dict[str, Image] = {}
    for image_id, raw in data["images"].items():
        images[image_id] = _image(doc, image_id, raw, defaults)
    groups = {name: tuple(members) for name, members in (data.get("groups") or {}).items()}
    project = Project(
        path=path,
        document=doc,
        variables=MappingProxyType(variables),
        groups=MappingProxyType(groups),
        images=MappingProxyType(images),
        compat=MappingProxyType(data.get("compat") or {}),
    )
    problems = validate_graph(project)
    cycle = any("cycle in the image graph" in d.message for d in problems)
    if any(d.severity == "error" for d in problems) and (not lenient or cycle):
        raise BakegenError(problems)
    return replace(project, warnings=tuple(problems))


def _text(doc: Document, path: tuple, value: Any) -> str:
    """Scalars as the user wrote them: YAML would read 3.10 as 3.1 and yes as True."""
    if isinstance(value, str):
        return value
    written = doc.scalar_text(path)
    return written if written is not None else str(value)


def _image(doc: Document, image_id: str, raw: dict, defaults: dict) -> Image:
    merged: dict[str, Any] = {}
    sources: dict[str, tuple] = {}
    for key, value in defaults.items():
        merged[key] = value
        sources[key] = ("defaults", key)
    for key, value in raw.items():
        if key in MERGED_MAPPINGS and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
        sources[key] = ("images", image_id, key)

    def texts(field: str) -> dict[str, str]:
        out = {}
        for name, value in (merged.get(field) or {}).items():
            own = ("images", image_id, field, name)
            src = own if doc.has(own) else ("defaults", field, name)
            out[name] = _text(doc, src, value)
        return out

    ids = doc.data["images"]
    base = raw["from"]
    is_internal = base in ids
    return Image(
        id=image_id,
        parent=base if is_internal else None,
        external_base=None if is_internal else base,
        dockerfile=merged["dockerfile"],
        context=merged.get("context", "."),
        args=MappingProxyType(texts("args")),
        contexts=MappingProxyType(dict(merged.get("contexts") or {})),
        tags=tuple(merged.get("tags") or ()),
        platforms=tuple(merged.get("platforms") or ()),
        labels=MappingProxyType(texts("labels")),
        description=merged.get("description"),
        target=merged.get("target"),
        secrets=tuple(merged.get("secrets") or ()),
        declared_layer=merged.get("layer"),
        position=doc.where(("images", image_id), key=True),
    )


def _validate_schema(doc: Document) -> None:
    if schemacheck.conforms(doc.data, schema()):
        return
    # Invalid (or a schema the fast check does not know): jsonschema says what is wrong.
    # Imported only now: it is slow to import and to run on large files.
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    problems = []
    for err in sorted(validator.iter_errors(doc.data), key=lambda e: list(map(str, e.absolute_path))):
        path = tuple(err.absolute_path)
        problems.append(Diagnostic(_schema_position(doc, err), _schema_message(err, path)))
    if problems:
        raise BakegenError(problems)


def _schema_position(doc: Document, err: jsonschema.ValidationError) -> Position:
    path = tuple(err.absolute_path)
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        extra = [k for k in err.instance if k not in (err.schema.get("properties") or {})]
        if extra:
            return doc.where(path + (extra[0],), key=True)
    if err.validator == "propertyNames":
        return doc.where(path, key=True)
    return doc.where(path)


def _field_name(path: tuple) -> str:
    return ".".join(str(p) for p in path) or "the document"


def _schema_message(err: jsonschema.ValidationError, path: tuple) -> str:
    field = _field_name(path)
    v = err.validator
    if v == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        hint = {
            "from": "the parent: an image id of this file or an external image such as ubuntu:22.04",
            "dockerfile": "the Dockerfile's path relative to the context, e.g. dockerfiles/python.dockerfile",
            "version": "add 'version: 1' at the top",
            "images": "add an 'images:' mapping of image id -> image",
        }.get(missing, "")
        return f"{field}: missing required field '{missing}'" + (f" ({hint})" if hint else "")
    if v == "additionalProperties":
        allowed = sorted((err.schema.get("properties") or {}).keys())
        extra = [k for k in err.instance if k not in allowed]
        name = extra[0] if extra else "?"
        return f"{field}: unknown field '{name}'{did_you_mean(name, allowed)} (allowed: {', '.join(allowed)})"
    if v == "const" and path == ("version",):
        return f"unsupported version {err.instance!r}: this bakegen reads 'version: 1'"
    if v == "enum":
        return f"{field}: {err.instance!r} is not one of {', '.join(map(str, err.validator_value))}"
    if v == "type":
        expected = err.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        expected = {"object": "a mapping", "array": "a list"}.get(expected, expected)
        got = "nothing (null)" if err.instance is None else type(err.instance).__name__
        return f"{field}: expected {expected}, got {got}"
    if v == "pattern" and "platforms" in path:
        return f"{field}: {err.instance!r} is not a platform like linux/arm64 or linux/amd64"
    if v == "pattern" and "secrets" in path:
        return f"{field}: {err.instance!r} has no id=...; write e.g. 'id=pipconf,env=PIP_CONF'"
    if "propertyNames" in err.schema_path and "contexts" in path:
        return f"{field}: the context name 'base' is reserved for the parent; set the parent with 'from:'"
    if v == "propertyNames":
        return f"{field}: {err.message}"
    if v == "minItems":
        return f"{field}: must not be empty"
    if v == "minLength":
        return f"{field}: must not be empty"
    if v == "minProperties":
        return f"{field}: declare at least one image"
    return f"{field}: {err.message}"


# --- graph rules ------------------------------------------------------------------


def validate_graph(project: Project) -> list[Diagnostic]:
    """Rules without which the bake file would be wrong; `bakegen check` adds file and version rules."""
    from bakegen import graph  # graph imports model

    problems: list[Diagnostic] = []
    images = project.images
    ids = set(images)

    producers: dict[str, str] = {}
    for image in images.values():
        for tag in image.tags:
            producers.setdefault(tag, image.id)
            producers.setdefault(resolve_tag(tag, project.variables), image.id)
    for image in images.values():
        if not ID_RE.match(image.id):
            problems.append(
                Diagnostic(
                    image.position,
                    f"invalid image id '{image.id}': ids are bake target names and may only use "
                    f"letters, digits, '-' and '_'; rename it to '{suggest_id(image.id)}'",
                )
            )
        if image.id in BUILTIN_GROUPS:
            problems.append(
                Diagnostic(
                    image.position,
                    f"image id '{image.id}' is also the name of a group bakegen generates "
                    f"({', '.join(BUILTIN_GROUPS)}), and bake would build the group; rename the image",
                )
            )
        for field, value in (("dockerfile", image.dockerfile), ("context", image.context), *(
            (f"contexts.{name}", v) for name, v in image.contexts.items()
        )):
            if "\0" in value:
                problems.append(
                    Diagnostic(project.where("images", image.id, *field.split(".")), f"{field} contains a NUL character")
                )
        if image.external_base is not None:
            problems.extend(_external_base_problems(project, image, ids, producers))
        for field in ("args", "labels"):
            for name, value in getattr(image, field).items():
                if unicodedata.normalize("NFC", value) != value:
                    problems.append(
                        Diagnostic(
                            project.where("images", image.id, field, name),
                            f"{field}.{name} is not in Unicode NFC form; bake normalises every string "
                            "to NFC, so the build would receive "
                            f"{unicodedata.normalize('NFC', value)!r}; write it in NFC",
                            severity="warning",
                        )
                    )
        for name, value in image.contexts.items():
            if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", name):
                problems.append(
                    Diagnostic(
                        project.where("images", image.id, "contexts", name, key=True),
                        f"invalid context name '{name}': use letters, digits, '.', '_' and '-'",
                    )
                )

    cycle = graph.find_cycle(project)
    if cycle:
        first = cycle[0]
        problems.append(
            Diagnostic(
                project.where("images", first, "from"),
                "cycle in the image graph: " + " -> ".join(cycle) + "; an image cannot be its own ancestor",
            )
        )

    problems.extend(_tag_problems(project))
    problems.extend(_platform_problems(project))
    problems.extend(_group_problems(project, ids))
    return problems


def _external_base_problems(
    project: Project, image: Image, ids: set[str], producers: dict[str, str]
) -> list[Diagnostic]:
    ref = image.external_base or ""
    where = project.where("images", image.id, "from")
    looks_like_reference = any(c in ref for c in ":/@")
    if not looks_like_reference:
        hint = did_you_mean(ref, ids)
        if hint:
            return [Diagnostic(where, f"unknown parent '{ref}'{hint}")]
        return [
            Diagnostic(
                where,
                f"unknown parent '{ref}': it is not an image of this file; for an external image "
                f"write a full reference with a tag, e.g. '{ref}:latest'",
            )
        ]
    owner = producers.get(ref)
    if owner:
        return [
            Diagnostic(
                where,
                f"'{ref}' is a tag of image '{owner}' of this file; write 'from: {owner}' so that "
                "bake builds it first instead of pulling an old copy",
                severity="warning",
            )
        ]
    return []


def resolve_tag(tag: str, variables: Mapping[str, str]) -> str:
    """A tag as it is pushed with the variables' default values."""
    if tag_has_registry(tag):
        return tag
    registry = variables.get("REGISTRY", "")
    return f"{registry}/{tag}" if registry else tag


def _tag_problems(project: Project) -> list[Diagnostic]:
    problems = []
    seen: dict[str, str] = {}
    for image in project.images.values():
        for i, tag in enumerate(image.tags):
            where = project.where("images", image.id, "tags", i)
            if not tag_has_registry(tag) and not project.variables.get("REGISTRY"):
                problems.append(
                    Diagnostic(
                        where,
                        f"tag '{tag}' has no registry host, so it gets ${{REGISTRY}}/ in front, but "
                        "no REGISTRY variable is declared (or it is empty); add "
                        "'variables: {REGISTRY: <registry/org>}' or write the full reference",
                    )
                )
            if any(c.isspace() for c in tag):
                problems.append(Diagnostic(where, f"tag '{tag}' contains white space"))
            pushed = resolve_tag(tag, project.variables)  # x:1 and <REGISTRY>/x:1 are one image
            if pushed in seen and seen[pushed] != image.id:
                same = "" if pushed == tag else f" (pushed as '{pushed}')"
                problems.append(
                    Diagnostic(
                        where,
                        f"duplicate tag '{tag}'{same}: image '{seen[pushed]}' already produces it; "
                        "give each image its own tag",
                    )
                )
            elif pushed in seen:
                problems.append(Diagnostic(where, f"tag '{tag}' is listed twice for '{image.id}'"))
            seen.setdefault(pushed, image.id)
    return problems


def _platform_problems(project: Project) -> list[Diagnostic]:
    problems = []
    images = project.images
    for image in images.values():
        if len(set(image.platforms)) != len(image.platforms):
            problems.append(
                Diagnostic(project.where("images", image.id, "platforms"), "platforms lists one platform twice")
            )
        linked = []
        if image.parent:
            linked.append((image.parent, ("images", image.id, "from")))
        for name, value in image.contexts.items():
            if context_kind(value, images) == "image":
                linked.append((value, ("images", image.id, "contexts", name)))
        for other_id, path in linked:
            other = images[other_id]
            mine = set(image.platforms or ())
            theirs = set(other.platforms or ())
            if not mine and not theirs:
                continue
            if not mine or not theirs:
                missing_on = image.id if not mine else other.id
                problems.append(
                    Diagnostic(
                        project.where(*path),
                        f"'{image.id}' and '{other_id}' must both declare platforms "
                        f"('{missing_on}' has none; set them there or in defaults)",
                    )
                )
                continue
            extra = sorted(mine - theirs)
            if extra:
                problems.append(
                    Diagnostic(
                        project.where("images", image.id, "platforms")
                        if project.document.has(("images", image.id, "platforms"))
                        else project.where(*path),
                        f"'{image.id}' builds for {', '.join(extra)} but its "
                        f"{'parent' if path[-1] == 'from' else 'context'} '{other_id}' is only built for "
                        f"{', '.join(sorted(theirs))}; a child's platforms must be a subset of its parent's",
                    )
                )
    return problems


def _group_problems(project: Project, ids: set[str]) -> list[Diagnostic]:
    problems = []
    names = set(project.groups)
    for name, members in project.groups.items():
        where = project.where("groups", name, key=True)
        if not ID_RE.match(name):
            problems.append(
                Diagnostic(where, f"invalid group name '{name}'; rename it to '{suggest_id(name)}'")
            )
        if name in BUILTIN_GROUPS:
            problems.append(
                Diagnostic(where, f"group '{name}' is generated by bakegen ({', '.join(BUILTIN_GROUPS)}); pick another name")
            )
        if name in ids:
            problems.append(Diagnostic(where, f"group '{name}' has the same name as an image; bake needs distinct names"))
        for i, member in enumerate(members):
            if member not in ids and member not in names and member not in BUILTIN_GROUPS:
                problems.append(
                    Diagnostic(
                        project.where("groups", name, i),
                        f"group '{name}' lists unknown image '{member}'{did_you_mean(member, ids | names)}",
                    )
                )
    return problems
