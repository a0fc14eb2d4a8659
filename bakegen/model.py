"""The one place that knows the images.yaml format.

``load_project`` reads images.yaml, validates it against the JSON schema and the
graph rules (known parents, no cycles, valid ids, unique tags, platform
subsets), and returns frozen dataclasses. Emitters and commands never look at
raw YAML. Paths are kept as written (relative to images.yaml).
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from bakegen import schemacheck
from bakegen.compat import Compat, CompatError, load_compat
from bakegen.errors import BakegenError, Diagnostic, Position, did_you_mean
from bakegen.expand import expand_matrices
from bakegen.graph import GENERATED_GROUPS, LAYER_GROUPS, TEST_GROUP, TEST_SUFFIX, ImageGraph, find_cycle
from bakegen.references import COMMON_PLATFORMS, platform_problem, reference_problem, registry_problem
from bakegen.yamldoc import Document, load_document, parse_document

if TYPE_CHECKING:
    import jsonschema

DEFAULT_NAME = "images.yaml"
# Matched with fullmatch: `$` would also match before a final newline.
ID_RE = re.compile(r"[A-Za-z0-9_-]+")
CONTEXT_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
TARGET_PREFIX = "target:"
MERGED_MAPPINGS = ("args", "labels", "contexts", "attest")
# Every image gets its parent as the named context `base`, and the build arg BASE_IMAGE set
# to that name unless images.yaml sets BASE_IMAGE itself: `FROM ${BASE_IMAGE}` then builds on
# the parent whatever the Dockerfile's `ARG BASE_IMAGE=...` default says (the old build.py's
# Dockerfiles name a tag there, or nothing).
BASE_CONTEXT = "base"
BASE_ARG = "BASE_IMAGE"

# What a context value is; decided once, at load (``classify_context``).
IMAGE = "image"  # an image of this file: written as its id or as target:<id>
PATH = "path"  # a local folder or file, relative to images.yaml
SOURCE = "source"  # any other buildx context string (docker-image://, oci-layout://, git URL, ...)


@dataclass(frozen=True)
class NamedContext:
    name: str
    value: str  # as written
    kind: str  # IMAGE, PATH or SOURCE
    image: str | None = None  # the image id, when kind is IMAGE


@dataclass(frozen=True)
class LocalPath:
    """A local path that an image uses: its context, a named context or a secret's src=."""

    role: str  # "context" | "named context" | "secret"
    value: str  # as written: relative to images.yaml, or absolute
    field: tuple  # where it is written in images.yaml (the image's entry or defaults)


@dataclass(frozen=True)
class ImageTest:
    """One entry of an image's ``tests:``: a shell command and what its run must show."""

    name: str  # as given, or <image id>-<n> for a bare command
    run: str
    expect: str | None  # a Python regular expression the output must contain
    exit: int
    position: Position


@dataclass(frozen=True)
class Service:
    """``service:``: the image's own command serves HTTP; inherited by descendants."""

    port: int
    health: str
    timeout: int
    position: Position


DEFAULT_SERVICE_TIMEOUT = 120


@dataclass(frozen=True)
class Attestations:
    """``attest:``: what BuildKit attaches to a pushed image besides it. Off unless asked:
    a provenance manifest (platform unknown/unknown) in every pushed index confuses some
    registries and runtimes, and the official Ascend images are pushed without one."""

    provenance: str = "false"  # "false", or the provenance mode: "min" | "max" (true is min)
    sbom: bool = False


def _attestations(raw: Mapping[str, Any] | None) -> Attestations:
    raw = raw or {}
    provenance = raw.get("provenance", False)
    mode = {False: "false", True: "min"}.get(provenance, provenance) if isinstance(provenance, bool) else provenance
    return Attestations(provenance=str(mode), sbom=bool(raw.get("sbom", False)))


@dataclass(frozen=True)
class Image:
    id: str
    parent: str | None  # an image id of this file, built first
    external_base: str | None  # an image reference outside this file
    dockerfile: str  # relative to context
    context: str  # as written: relative to images.yaml, or a URL
    context_is_local: bool
    args: Mapping[str, str]
    own_args: frozenset[str]  # the args written in the image's own entry (not from defaults)
    contexts: Mapping[str, NamedContext]  # extra named contexts, resolved
    tags: tuple[str, ...]  # as written; relative ones get ${REGISTRY}/ in the bake file
    platforms: tuple[str, ...]
    labels: Mapping[str, str]
    description: str | None
    target: str | None
    secrets: tuple[str, ...]
    declared_layer: str | None
    dependencies: tuple[str, ...]  # the parent, then images named in contexts, each once
    local_paths: tuple[LocalPath, ...]
    position: Position
    tests: tuple[ImageTest, ...] = ()  # its own; bakegen.imagetests adds the inherited and generated
    skip_tests: tuple[tuple[str, Position], ...] = ()  # check names switched off here, and where
    service: Service | None = None  # its own
    inputs: tuple[str, ...] = ()  # globs relative to images.yaml: more files it depends on (`bakegen affected`)
    attest: Attestations = Attestations()

    @property
    def base_ref(self) -> str:
        """What `from:` said: the parent id or the external reference."""
        return self.parent or self.external_base  # type: ignore[return-value]

    @property
    def build_args(self) -> Mapping[str, str]:
        """The build args the bake file passes: ``args``, and BASE_IMAGE=base unless set there."""
        if BASE_ARG in self.args:
            return self.args
        return MappingProxyType({**self.args, BASE_ARG: BASE_CONTEXT})

    @property
    def dockerfile_path(self) -> str | None:
        """The Dockerfile relative to images.yaml; None when the context is not local."""
        if not self.context_is_local:
            return None
        return os.path.normpath(os.path.join(self.context, self.dockerfile))


@dataclass(frozen=True)
class Project:
    path: Path  # images.yaml
    document: Document
    variables: Mapping[str, str]
    groups: Mapping[str, tuple[str, ...]]
    images: Mapping[str, Image]  # in file order
    compat: Compat  # bakegen's compatibility table with this file's compat: laid over it
    graph: ImageGraph
    warnings: tuple[Diagnostic, ...] = ()

    @property
    def root(self) -> Path:
        return self.path.parent

    def where(self, *path: Any, key: bool = False) -> Position:
        return self.document.where(path, key=key)


# --- contexts and tags -----------------------------------------------------------


def classify_context(value: str, image_ids: Collection[str]) -> NamedContext:
    """What a context value names. Called at load only; everything else reads the result."""
    if value in image_ids:
        return NamedContext("", value, IMAGE, value)
    if value.startswith(TARGET_PREFIX) and value[len(TARGET_PREFIX) :] in image_ids:
        return NamedContext("", value, IMAGE, value[len(TARGET_PREFIX) :])
    if "://" in value or value.startswith(TARGET_PREFIX):
        return NamedContext("", value, SOURCE)
    return NamedContext("", value, PATH)


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


# --- loading ------------------------------------------------------------------


@cache
def schema() -> dict:
    text = resources.files("bakegen").joinpath("data/images.schema.json").read_text("utf-8")
    return json.loads(text)


def load_project(path: str | Path, display_name: str | None = None) -> Project:
    path = Path(path)
    doc = load_document(path, display_name or display_path(path))
    # A stream (-f /dev/stdin, a pipe) has no folder of its own: its paths are relative to
    # the working directory, never to /dev.
    return build_project(doc, path if path.is_file() else Path.cwd() / DEFAULT_NAME)


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
            Diagnostic(
                doc.where(()), "images.yaml must be a mapping with 'version: 1' and 'images:'", code="not-a-mapping"
            )
        )
    doc = expand_matrices(doc)  # matrix: entries become plain images before anything reads them
    _validate_schema(doc)
    data = doc.data
    try:
        compat = load_compat(data.get("compat"))
    except CompatError as exc:
        where = doc.where(("compat", *exc.path), key=exc.key)
        raise BakegenError(Diagnostic(where, f"compat: {exc.message}", code="invalid-compat")) from None
    variables = {
        name: scalar_as_written(doc, ("variables", name), value)
        for name, value in (data.get("variables") or {}).items()
    }
    defaults = data.get("defaults") or {}
    ids = data["images"]
    images: dict[str, Image] = {image_id: _image(doc, image_id, raw, defaults, ids) for image_id, raw in ids.items()}
    groups = {name: tuple(members) for name, members in (data.get("groups") or {}).items()}
    problems = validate_graph(doc, variables, images, groups)
    cycle = any(d.code == "cycle" for d in problems)
    if any(d.severity == "error" for d in problems) and (not lenient or cycle):
        raise BakegenError(problems)
    return Project(
        path=path,
        document=doc,
        variables=MappingProxyType(variables),
        groups=MappingProxyType(groups),
        images=MappingProxyType(images),
        compat=compat,
        graph=ImageGraph(images, groups),
        warnings=tuple(problems),
    )


def scalar_as_written(doc: Document, path: tuple, value: Any) -> str:
    """Scalars as the user wrote them: YAML would read 3.10 as 3.1 and yes as True."""
    if isinstance(value, str):
        return value
    written = doc.scalar_text(path)
    return written if written is not None else str(value)


def _image(doc: Document, image_id: str, raw: dict, defaults: dict, ids: Mapping[str, Any]) -> Image:
    """One image entry with defaults merged in and every value resolved: what its parent and
    contexts name, what it depends on, and which local paths it uses."""
    merged: dict[str, Any] = dict(defaults)
    for key, value in raw.items():
        if key in MERGED_MAPPINGS and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value

    def source(*field: Any) -> tuple:
        """Where a merged value is written: the image's own entry, else defaults."""
        own = ("images", image_id, *field)
        return own if field[0] in raw and (len(field) == 1 or doc.has(own)) else ("defaults", *field)

    def texts(field: str) -> dict[str, str]:
        return {
            name: value if isinstance(value, str) else scalar_as_written(doc, source(field, name), value)
            for name, value in (merged.get(field) or {}).items()
        }

    base = raw["from"]
    parent = base if base in ids else None
    context = merged.get("context", ".")
    context_is_local = classify_context(context, ()).kind == PATH
    local_paths = [LocalPath("context", context, source("context"))] if context_is_local else []
    contexts: dict[str, NamedContext] = {}
    dependencies = [parent] if parent else []
    for name, value in (merged.get("contexts") or {}).items():
        named = replace(classify_context(value, ids), name=name)
        contexts[name] = named
        if named.kind == IMAGE and named.image not in dependencies:
            dependencies.append(named.image)
        elif named.kind == PATH:
            local_paths.append(LocalPath("named context", value, source("contexts", name)))
    secrets = tuple(merged.get("secrets") or ())
    for i, spec in enumerate(secrets):
        path_key = secret_file_key(spec)
        for key, _, value in secret_fields(spec):
            if key == path_key:
                local_paths.append(LocalPath("secret", value, source("secrets", i)))
    return Image(
        id=image_id,
        parent=parent,
        external_base=None if parent else base,
        dockerfile=merged["dockerfile"],
        context=context,
        context_is_local=context_is_local,
        args=MappingProxyType(texts("args")),
        own_args=frozenset(raw.get("args") or ()),
        contexts=MappingProxyType(contexts),
        tags=tuple(merged.get("tags") or ()),
        platforms=tuple(merged.get("platforms") or ()),
        labels=MappingProxyType(texts("labels")),
        description=merged.get("description"),
        target=merged.get("target"),
        secrets=secrets,
        declared_layer=merged.get("layer"),
        dependencies=tuple(dependencies),
        local_paths=tuple(local_paths),
        position=doc.where(("images", image_id), key=True),
        tests=tuple(_test(doc, image_id, i, item) for i, item in enumerate(raw.get("tests") or ())),
        skip_tests=tuple(
            (name, doc.where(("images", image_id, "skip-tests", i)))
            for i, name in enumerate(raw.get("skip-tests") or ())
        ),
        service=_service(doc, image_id, raw.get("service")),
        inputs=tuple(merged.get("inputs") or ()),
        attest=_attestations(merged.get("attest")),
    )


def _test(doc: Document, image_id: str, index: int, item: str | dict) -> ImageTest:
    where = doc.where(("images", image_id, "tests", index))
    if isinstance(item, str):
        return ImageTest(f"{image_id}-{index + 1}", item, None, 0, where)
    return ImageTest(
        item.get("name") or f"{image_id}-{index + 1}", item["run"], item.get("expect"), item.get("exit", 0), where
    )


def _service(doc: Document, image_id: str, raw: dict | None) -> Service | None:
    if raw is None:
        return None
    return Service(
        raw["port"],
        raw["health"],
        raw.get("timeout", DEFAULT_SERVICE_TIMEOUT),
        doc.where(("images", image_id, "service")),
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
        message = _schema_message(err, path)
        if err.validator == "const" and path == ("version",):  # quoted as written: `true`, not True
            written = doc.scalar_text(path)
            shown = repr(written) if written is not None else repr(err.instance)
            message = f"unsupported version {shown}: this bakegen reads 'version: 1'"
        problems.append(Diagnostic(_schema_position(doc, err), message, code=_schema_code(err, path)))
    if problems:
        raise BakegenError(problems)


def _schema_position(doc: Document, err: jsonschema.ValidationError) -> Position:
    path = tuple(err.absolute_path)
    schema: Any = err.schema  # jsonschema types it as a union with bool and "unset"
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        extra = [k for k in err.instance if k not in (schema.get("properties") or {})]
        if extra:
            return doc.where(path + (extra[0],), key=True)
    if "propertyNames" in err.schema_path and isinstance(err.instance, str):
        # jsonschema reports a bad key at the mapping that holds it: point at the key itself
        return doc.where(path + (err.instance,), key=True)
    return doc.where(path)


_SCHEMA_CODES = {
    "required": "missing-field",
    "additionalProperties": "unknown-field",
    "type": "wrong-type",
    "enum": "invalid-value",
    "pattern": "invalid-value",
    "const": "invalid-value",
    "minItems": "empty-value",
    "minLength": "empty-value",
    "minProperties": "empty-value",
}


def _schema_code(err: jsonschema.ValidationError, path: tuple) -> str:
    if err.validator == "const" and path == ("version",):
        return "unsupported-version"
    if "propertyNames" in err.schema_path and "contexts" in path:
        return "reserved-context"
    return _SCHEMA_CODES.get(str(err.validator), "schema")


def _field_name(path: tuple) -> str:
    return ".".join(str(p) for p in path) or "the document"


def _schema_message(err: jsonschema.ValidationError, path: tuple) -> str:
    field = _field_name(path)
    v = err.validator
    schema: Any = err.schema  # jsonschema types these as unions with bool and "unset"
    instance: Any = err.instance
    expected: Any = err.validator_value
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
        allowed = sorted((schema.get("properties") or {}).keys())
        extra = [k for k in instance if k not in allowed]
        name = extra[0] if extra else "?"
        return f"{field}: unknown field '{name}'{did_you_mean(name, allowed)} (allowed: {', '.join(allowed)})"
    if v == "enum":
        return f"{field}: {err.instance!r} is not one of {', '.join(map(str, expected))}"
    if v == "type":
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        expected = {"object": "a mapping", "array": "a list"}.get(expected, expected)
        got = "nothing (null)" if err.instance is None else type(err.instance).__name__
        return f"{field}: expected {expected}, got {got}"
    if v == "pattern" and "platforms" in path:
        return f"{field}: {err.instance!r} is not a platform like linux/arm64 or linux/amd64"
    if v == "pattern" and "inputs" in path:
        return (
            f"{field}: {err.instance!r} is an absolute path; inputs are globs relative to images.yaml, "
            "e.g. 'requirements/*.txt'"
        )
    if v == "pattern" and "secrets" in path:
        return f"{field}: {err.instance!r} has no id=...; write e.g. 'id=pipconf,env=PIP_CONF'"
    if "propertyNames" in err.schema_path and "contexts" in path:
        return f"{field}: the context name 'base' is reserved for the parent; set the parent with 'from:'"
    if "propertyNames" in err.schema_path and path == ("variables",):
        # (a matrix's axis and field names are checked, in these words, when it is expanded)
        return f"variables: invalid variable name {instance!r}: use letters, digits and '_', not starting with a digit"
    if v == "minItems":
        return f"{field}: must not be empty"
    if v == "minLength":
        return f"{field}: must not be empty"
    if v == "minProperties":
        return f"{field}: declare at least one image"
    return f"{field}: {err.message}"


# --- graph rules ------------------------------------------------------------------


def validate_graph(
    doc: Document, variables: Mapping[str, str], images: Mapping[str, Image], groups: Mapping[str, tuple[str, ...]]
) -> list[Diagnostic]:
    """Rules without which the bake file would be wrong; `bakegen check` adds file and version rules."""
    problems: list[Diagnostic] = []
    ids = set(images)

    producers: dict[str, str] = {}  # a tag as it is pushed -> the image that pushes it
    for image in images.values():
        for tag in image.tags:
            producers.setdefault(resolve_tag(tag, variables), image.id)
    for image in images.values():
        if not ID_RE.fullmatch(image.id):
            problems.append(
                Diagnostic(
                    image.position,
                    f"invalid image id '{image.id}': ids are bake target names and may only use "
                    f"letters, digits, '-' and '_'; rename it to '{suggest_id(image.id)}'",
                    code="invalid-id",
                )
            )
        if image.id in GENERATED_GROUPS or image.id == TEST_GROUP:
            problems.append(
                Diagnostic(
                    image.position,
                    f"image '{image.id}' has the name of the group '{image.id}' that bakegen generates "
                    f"({_generated_group_meaning(image.id)}), and bake would build the group; rename the image",
                    code="reserved-name",
                )
            )
        nul = False
        for path, value in _text_fields(image):
            if "\0" in value:
                nul = True
                field = ".".join(map(str, path))
                problems.append(
                    Diagnostic(
                        doc.where(("images", image.id, *path)),
                        f"{image.id}: {field} contains a NUL character, which no build can carry; remove it",
                        code="nul-character",
                    )
                )
        if image.external_base is not None and not nul:
            problems.extend(_external_base_problems(doc, image, ids, producers, variables))
        for name, named in image.contexts.items():
            if named.kind == SOURCE and named.value.startswith(TARGET_PREFIX):
                wanted = named.value[len(TARGET_PREFIX) :]
                problems.append(
                    Diagnostic(
                        doc.where(("images", image.id, "contexts", name)),
                        f"context '{name}': '{named.value}' names no image of this file"
                        f"{did_you_mean(wanted, ids) or '; write an image id (or target:<id>)'}",
                        code="unknown-target",
                    )
                )
        for field in ("args", "labels"):
            for name, value in getattr(image, field).items():
                if unicodedata.normalize("NFC", value) != value:
                    problems.append(
                        Diagnostic(
                            doc.where(("images", image.id, field, name)),
                            f"{field}.{name} is not in Unicode NFC form; bake normalises every string "
                            "to NFC, so the build would receive "
                            f"{unicodedata.normalize('NFC', value)!r}; write it in NFC",
                            severity="warning",
                            code="not-nfc",
                        )
                    )
        for name in image.contexts:
            if not CONTEXT_NAME_RE.fullmatch(name):
                problems.append(
                    Diagnostic(
                        doc.where(("images", image.id, "contexts", name), key=True),
                        f"invalid context name '{name}': use letters, digits, '.', '_' and '-'",
                        code="invalid-context-name",
                    )
                )

    cycle = find_cycle({image.id: image.dependencies for image in images.values()})
    if cycle:
        first = cycle[0]
        problems.append(
            Diagnostic(
                doc.where(("images", first, "from")),
                "cycle in the image graph: " + " -> ".join(cycle) + "; an image cannot be its own ancestor",
                code="cycle",
            )
        )

    problems.extend(_test_problems(doc, images))
    problems.extend(_tag_problems(doc, variables, images))
    problems.extend(_attest_variable_problems(doc, variables))
    problems.extend(_platform_problems(doc, images))
    problems.extend(_group_problems(doc, groups, ids))
    return problems


def _text_fields(image: Image) -> Iterator[tuple[tuple, str]]:
    """Every text of an image that reaches the bake file, with where it is written."""
    yield ("from",), image.base_ref
    yield ("dockerfile",), image.dockerfile
    yield ("context",), image.context
    for field in ("description", "target"):
        if getattr(image, field) is not None:
            yield (field,), getattr(image, field)
    for name, named in image.contexts.items():
        yield ("contexts", name), named.value
    for field in ("args", "labels"):
        for name, value in getattr(image, field).items():
            yield (field, name), value
    for field in ("tags", "platforms", "secrets"):
        for i, value in enumerate(getattr(image, field)):
            yield (field, i), value


def _generated_group_meaning(name: str) -> str:
    for layer, group in LAYER_GROUPS.items():
        if group == name:
            return f"every image of the {layer} layer"
    if name == TEST_GROUP:
        return "the checks of every image, for `bakegen test`"
    return "every image"


def _test_problems(doc: Document, images: Mapping[str, Image]) -> list[Diagnostic]:
    """tests:, service: and the names of the test targets (<id>-test) bakegen generates."""
    problems = []
    for image in images.values():
        if image.id.endswith(TEST_SUFFIX) and image.id[: -len(TEST_SUFFIX)] in images:
            tested = image.id[: -len(TEST_SUFFIX)]
            problems.append(
                Diagnostic(
                    image.position,
                    f"image '{image.id}' has the name of the test target of image '{tested}' (bakegen "
                    f"generates '<id>{TEST_SUFFIX}' for the checks of every image); rename one of them",
                    code="test-target-collision",
                )
            )
        seen: dict[str, ImageTest] = {}
        for i, test in enumerate(image.tests):
            path = ("images", image.id, "tests", i)
            if test.name in seen:
                problems.append(
                    Diagnostic(
                        test.position,
                        f"{image.id}: two tests are named '{test.name}'; give each its own name",
                        code="duplicate-test-name",
                    )
                )
            seen.setdefault(test.name, test)
            if test.expect is not None:
                try:
                    re.compile(test.expect)
                except re.error as exc:
                    problems.append(
                        Diagnostic(
                            doc.where(path + ("expect",)),
                            f"{image.id}: test '{test.name}': expect is not a regular expression: {exc}",
                            code="invalid-expect",
                        )
                    )
            if not 0 <= test.exit <= 255:
                problems.append(
                    Diagnostic(
                        doc.where(path + ("exit",)),
                        f"{image.id}: test '{test.name}': exit {test.exit} is not an exit code (0-255)",
                        code="invalid-value",
                    )
                )
            for field, value in (("run", test.run), ("expect", test.expect or "")):
                if unicodedata.normalize("NFC", value) != value:
                    problems.append(
                        Diagnostic(
                            doc.where(path + ((field,) if doc.has(path + (field,)) else ())),
                            f"{image.id}: test '{test.name}': {field} is not in Unicode NFC form; bake "
                            "normalises every string to NFC, so the check would run something else; write it in NFC",
                            severity="warning",
                            code="not-nfc",
                        )
                    )
        service = image.service
        if service is not None:
            if not 1 <= service.port <= 65535:
                problems.append(
                    Diagnostic(
                        doc.where(("images", image.id, "service", "port")),
                        f"{image.id}: service port {service.port} is not a TCP port (1-65535)",
                        code="invalid-value",
                    )
                )
            if service.timeout < 1:
                problems.append(
                    Diagnostic(
                        doc.where(("images", image.id, "service", "timeout")),
                        f"{image.id}: service timeout must be at least 1 second",
                        code="invalid-value",
                    )
                )
    return problems


def _external_base_problems(
    doc: Document, image: Image, ids: set[str], producers: dict[str, str], variables: Mapping[str, str]
) -> list[Diagnostic]:
    ref = image.external_base or ""
    where = doc.where(("images", image.id, "from"))
    looks_like_reference = any(c in ref for c in ":/@")
    if not looks_like_reference:
        hint = did_you_mean(ref, ids)
        if hint:
            return [Diagnostic(where, f"unknown parent '{ref}'{hint}", code="unknown-parent")]
        return [
            Diagnostic(
                where,
                f"unknown parent '{ref}': it is not an image of this file; for an external image "
                f"write a full reference with a tag, e.g. '{ref}:latest'",
                code="unknown-parent",
            )
        ]
    without_digest, at, _ = ref.partition("@")
    has_tag = ":" in without_digest.rsplit("/", 1)[-1]
    name = without_digest.rsplit(":", 1)[0] if has_tag else without_digest
    if name in ids:
        pinned = " and ".join(what for what, given in (("a tag", has_tag), ("a digest", at)) if given)
        return [
            Diagnostic(
                where,
                f"'{ref}' names image '{name}' of this file with {pinned}; write 'from: {name}' (bake builds it "
                f"first and links it; {pinned} would pull an old copy from a registry)",
                code="unknown-parent",
            )
        ]
    problem = reference_problem(ref)
    if problem:
        return [Diagnostic(where, f"from: '{ref}' is not a valid image reference: {problem}", code="invalid-reference")]
    owner = producers.get(ref)
    if owner:
        return [
            Diagnostic(
                where,
                f"'{ref}' is a tag of image '{owner}' of this file; write 'from: {owner}' so that "
                "bake builds it first instead of pulling an old copy",
                severity="warning",
                code="from-own-tag",
            )
        ]
    return []


def resolve_tag(tag: str, variables: Mapping[str, str]) -> str:
    """A tag as it is pushed with the variables' default values."""
    if tag_has_registry(tag):
        return tag
    registry = variables.get("REGISTRY", "")
    return f"{registry}/{tag}" if registry else tag


def _tag_problems(doc: Document, variables: Mapping[str, str], images: Mapping[str, Image]) -> list[Diagnostic]:
    problems = []
    seen: dict[str, str] = {}
    registry = variables.get("REGISTRY")
    registry_wrong = registry_problem(registry) if registry else None
    if registry_wrong:
        problems.append(
            Diagnostic(
                doc.where(("variables", "REGISTRY")),
                f"REGISTRY {registry!r} cannot prefix a tag: {registry_wrong}",
                code="invalid-registry",
            )
        )
    for image in images.values():
        for i, tag in enumerate(image.tags):
            written = ("images", image.id, "tags", i)  # its position, only for a problem
            if "\0" in tag:
                continue  # said once, as a NUL character
            if not tag_has_registry(tag) and not registry:
                problems.append(
                    Diagnostic(
                        doc.where(written),
                        f"tag '{tag}' has no registry host, so it gets ${{REGISTRY}}/ in front, but "
                        "no REGISTRY variable is declared (or it is empty); add "
                        "'variables: {REGISTRY: <registry/org>}' or write the full reference",
                        code="no-registry",
                    )
                )
            pushed = resolve_tag(tag, variables)  # x:1 and <REGISTRY>/x:1 are one image
            invalid = reference_problem(pushed if registry and not registry_wrong else tag)
            if invalid and (tag_has_registry(tag) or not registry_wrong):
                shown = "" if pushed == tag or not registry else f" (pushed as '{pushed}')"
                problems.append(
                    Diagnostic(
                        doc.where(written),
                        f"tag '{tag}'{shown} is not a valid image reference: {invalid}",
                        code="invalid-tag",
                    )
                )
            if pushed in seen and seen[pushed] != image.id:
                same = "" if pushed == tag else f" (pushed as '{pushed}')"
                problems.append(
                    Diagnostic(
                        doc.where(written),
                        f"duplicate tag '{tag}'{same}: image '{seen[pushed]}' already produces it; "
                        "give each image its own tag",
                        code="duplicate-tag",
                    )
                )
            elif pushed in seen:
                problems.append(
                    Diagnostic(
                        doc.where(written), f"tag '{tag}' is listed twice for '{image.id}'", code="duplicate-tag"
                    )
                )
            seen.setdefault(pushed, image.id)
    return problems


# The values bake's attest function (bakegen.emit.attest) reads from these variables; empty:
# as images.yaml's `attest:` says.
ATTEST_VARIABLE_VALUES = {
    "ATTEST_PROVENANCE": ("", "false", "true", "min", "max"),
    "ATTEST_SBOM": ("", "true", "false"),
}


def _attest_variable_problems(doc: Document, variables: Mapping[str, str]) -> list[Diagnostic]:
    """A default of ATTEST_PROVENANCE or ATTEST_SBOM in `variables:` that bake's attest
    function would hand buildx as it is (buildx refuses it only when it builds)."""
    return [
        Diagnostic(
            doc.where(("variables", name)),
            f"{name} {variables[name]!r} is not a value bake's attest function takes; write one of "
            f"{', '.join(repr(v) for v in allowed)} (empty: as each image's attest: says)",
            code="invalid-attest-variable",
        )
        for name, allowed in ATTEST_VARIABLE_VALUES.items()
        if name in variables and variables[name] not in allowed
    ]


def _platform_problems(doc: Document, images: Mapping[str, Image]) -> list[Diagnostic]:
    problems = []
    for image in images.values():
        for i, platform in enumerate(image.platforms):
            wrong = platform_problem(platform)
            if wrong and "\0" not in platform:
                written = ("images", image.id, "platforms", i)
                problems.append(
                    Diagnostic(
                        doc.where(written if doc.has(written) else ("defaults", "platforms", i)),
                        f"platform {platform!r}: {wrong}{did_you_mean(platform, COMMON_PLATFORMS)}",
                        code="unknown-platform",
                    )
                )
        if len(set(image.platforms)) != len(image.platforms):
            problems.append(
                Diagnostic(
                    doc.where(("images", image.id, "platforms")),
                    "platforms lists one platform twice",
                    code="duplicate-platform",
                )
            )
        linked: list[tuple[str, tuple[str, ...]]] = []
        if image.parent:
            linked.append((image.parent, ("images", image.id, "from")))
        for name, named in image.contexts.items():
            if named.kind == IMAGE and named.image is not None and named.image in images:
                linked.append((named.image, ("images", image.id, "contexts", name)))
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
                        doc.where(path),
                        f"'{image.id}' and '{other_id}' must both declare platforms "
                        f"('{missing_on}' has none; set them there or in defaults)",
                        code="platforms-missing",
                    )
                )
                continue
            extra = sorted(mine - theirs)
            if extra:
                own = ("images", image.id, "platforms")
                problems.append(
                    Diagnostic(
                        doc.where(own) if doc.has(own) else doc.where(path),
                        f"'{image.id}' builds for {', '.join(extra)} but its "
                        f"{'parent' if path[-1] == 'from' else 'context'} '{other_id}' is only built for "
                        f"{', '.join(sorted(theirs))}; a child's platforms must be a subset of its parent's",
                        code="platform-subset",
                    )
                )
    return problems


def _group_problems(doc: Document, groups: Mapping[str, tuple[str, ...]], ids: set[str]) -> list[Diagnostic]:
    problems = []
    names = set(groups)
    cycle = find_cycle({name: [m for m in members if m in groups] for name, members in groups.items()})
    if cycle:
        problems.append(
            Diagnostic(
                doc.where(("groups", cycle[0]), key=True),
                f"groups {' -> '.join(cycle)} include each other in a cycle; bake refuses that",
                code="group-cycle",
            )
        )
    for name, members in groups.items():
        where = doc.where(("groups", name), key=True)
        if not ID_RE.fullmatch(name):
            problems.append(
                Diagnostic(where, f"invalid group name '{name}'; rename it to '{suggest_id(name)}'", code="invalid-id")
            )
        if name in GENERATED_GROUPS or name == TEST_GROUP:
            problems.append(
                Diagnostic(
                    where,
                    f"group '{name}' is generated by bakegen ({_generated_group_meaning(name)}); pick another name",
                    code="reserved-name",
                )
            )
        if name in ids:
            problems.append(
                Diagnostic(
                    where,
                    f"group '{name}' and image '{name}' have the same name; bake needs distinct names",
                    code="name-collision",
                )
            )
        if name.endswith(TEST_SUFFIX) and name[: -len(TEST_SUFFIX)] in ids:
            problems.append(
                Diagnostic(
                    where,
                    f"group '{name}' has the name of the test target of image '{name[: -len(TEST_SUFFIX)]}' "
                    f"(bakegen generates '<id>{TEST_SUFFIX}' for the checks of every image); pick another name",
                    code="test-target-collision",
                )
            )
        for i, member in enumerate(members):
            if member not in ids and member not in names and member not in GENERATED_GROUPS:
                problems.append(
                    Diagnostic(
                        doc.where(("groups", name, i)),
                        f"group '{name}' lists unknown image '{member}'{did_you_mean(member, ids | names)}",
                        code="unknown-group-member",
                    )
                )
    return problems
