"""`bakegen import`: the old build.py's dockerfile-compose.yaml -> images.yaml.

The old format declared each parent twice, in ``depends_on`` and again as the
``BASE_IMAGE`` build arg, and the two drifted apart. The conversion follows
``depends_on`` (what build.py actually ordered by), merges both into ``from``,
and reports every place where they disagree or where BASE_IMAGE names a tag
that no image produces. It still writes the file: drift is reported, not fatal.
A field of the wrong type (``build: D``, ``args: [A=1]``) is a located error;
a single string stands for a list of one in ``depends_on`` and ``tags``.

The Dockerfiles are used as they are (the bake file passes BASE_IMAGE=base). Each image's
Dockerfile is read for one case: a first FROM that only completes BASE_IMAGE
(``quay.io/ascend/vllm-ascend:${BASE_IMAGE}``) makes the completed reference the ``from``,
and BASE_IMAGE stays in ``args``. ``--rewrite-dockerfiles`` shows the edits of
``bakegen.rewrite`` as a diff (``--write`` applies them), after images.yaml is written.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import yaml

from bakegen import checks, files, rewrite, rules
from bakegen.dockerfile import Dockerfile, Dockerfiles, from_image, uses_base_arg
from bakegen.errors import BakegenError, Diagnostic, UsageError
from bakegen.model import BASE_ARG, ID_RE, Project, parse_project, scalar_as_written, suggest_id, tag_has_registry
from bakegen.output import report
from bakegen.references import reference_problem
from bakegen.yamldoc import Document, load_document

HEADER = (
    "# yaml-language-server: $schema=schema/images.schema.json\n"
    "# Converted by `bakegen import` from {source}. Review the report it printed,\n"
    "# then run `bakegen check` and `bakegen` to write docker-bake.hcl.\n"
)
OLD_IMAGE_KEYS = {"depends_on", "build", "tags"}


def convert(doc: Document, compose_dir: Path, dockerfiles: Dockerfiles) -> tuple[dict, list[Diagnostic]]:
    notes: list[Diagnostic] = []

    def note(path: tuple, message: str, code: str, key: bool = False) -> None:
        notes.append(Diagnostic(doc.where(path, key=key), message, severity="warning", code=code))

    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("images"), dict):
        raise BakegenError(
            Diagnostic(doc.where(()), "not a dockerfile-compose.yaml: no 'images:' mapping", code="not-compose-file")
        )
    old = data["images"]
    for key in data:
        if key not in ("images", "version"):
            note(
                (key,),
                f"top-level '{key}' has no equivalent in images.yaml and was left out",
                "import-dropped",
                key=True,
            )

    normalized = _normalize(doc, old)

    new_ids = _new_ids(old)
    for old_id, new_id in new_ids.items():
        if new_id != old_id:
            note(
                ("images", old_id),
                f"image id '{old_id}' is not a valid bake target name; renamed to '{new_id}'",
                "import-renamed",
                key=True,
            )

    producers: dict[str, str] = {}
    for old_id, entry in normalized.items():
        for tag in entry["tags"]:
            producers.setdefault(tag, old_id)

    all_tags = [t for entry in normalized.values() for t in entry["tags"]]
    prefix = _shared_prefix(all_tags)
    if prefix and any(tag_has_registry(t[len(prefix) :]) for t in all_tags):
        prefix = ""  # stripping it would turn a repository path into a registry host
    registry = prefix.rstrip("/")
    if not prefix and any(not tag_has_registry(t) for t in all_tags):
        # build.py pushed a tag without a registry host to Docker Hub; bakegen puts
        # ${REGISTRY}/ in front of such a tag, so REGISTRY must be Docker Hub's host.
        registry = "docker.io"
        notes.append(
            Diagnostic(
                doc.where(("images",), key=True),
                "the tags share no repository prefix; declared 'variables: {REGISTRY: docker.io}' so they "
                "are still pushed to Docker Hub, where build.py pushed them",
                severity="warning",
                code="import-registry",
            )
        )

    images: dict[str, dict] = {}
    contexts_seen: set[str] = set()
    for old_id, entry in normalized.items():
        raw = old[old_id] or {}
        where = ("images", old_id)
        for key in raw:
            if key not in OLD_IMAGE_KEYS:
                note(
                    where + (key,), f"'{key}' is not converted; add its equivalent by hand", "import-dropped", key=True
                )
        if entry["build"] is None:
            note(
                where,
                f"'{old_id}' has no build: section; assumed context '.' and dockerfile 'Dockerfile'; "
                "check them in the converted file",
                "import-assumed",
                key=True,
            )
        args = dict(entry["args"])
        context = entry["context"]
        shown = os.path.normpath(os.path.join(context, entry["dockerfile"]))
        dockerfile = dockerfiles.at(compose_dir / context / entry["dockerfile"], shown)
        completed = completed_base(dockerfile, args)
        # A FROM that reads BASE_IMAGE as part of a name needs the value build.py passed:
        # kept in args, the bake file passes it instead of BASE_IMAGE=base.
        base_arg = args.get(BASE_ARG) if completed else args.pop(BASE_ARG, None)
        depends = entry["depends"]
        parent = _parent(doc, old_id, depends, base_arg, normalized, producers, new_ids, note, completed)

        image: dict = {}
        image["from"] = parent
        contexts_seen.add(context)
        image["context"] = context
        image["dockerfile"] = entry["dockerfile"]
        if args:
            image["args"] = args
        tags = entry["tags"]
        if tags:
            image["tags"] = [t[len(prefix) :] if prefix else t for t in tags]
        images[new_ids[old_id]] = image

    result: dict = {"version": 1}
    if registry:
        result["variables"] = {"REGISTRY": registry}
    if len(contexts_seen) == 1:
        result["defaults"] = {"context": contexts_seen.pop()}
        for image in images.values():
            del image["context"]
    result["images"] = images
    return result, notes


def _new_ids(old: dict) -> dict[str, str]:
    """Old id -> bake target name. Valid ids keep their name; the others get an unused one."""
    used = {old_id for old_id in old if ID_RE.fullmatch(old_id)}
    new_ids: dict[str, str] = {}
    for old_id in old:
        if ID_RE.fullmatch(old_id):
            new_ids[old_id] = old_id
            continue
        base = suggest_id(old_id)
        new_id, n = base, 2
        while new_id in used:
            new_id, n = f"{base}-{n}", n + 1
        used.add(new_id)
        new_ids[old_id] = new_id
    return new_ids


def _normalize(doc: Document, old: dict) -> dict[str, dict]:
    """Each old image's fields, type-checked: every mistake is a located error, all at once."""
    errors: list[Diagnostic] = []

    def error(path: tuple, message: str) -> None:
        errors.append(Diagnostic(doc.where(path), f"{'.'.join(str(p) for p in path)}: {message}", code="wrong-type"))

    def names(path: tuple, value, what: str) -> list[str]:
        """A list of names, where one string means a list of one (as docker compose reads it)."""
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        if isinstance(value, dict) and what == "depends_on":
            return list(value)  # compose's long form: {parent: {condition: ...}}
        if not isinstance(value, list):
            shape = (
                "a list of image ids, or a mapping of them" if what == "depends_on" else "a list of image references"
            )
            error(path, f"expected {shape}, got {_kind(value)}")
            return []
        items = []
        for i, item in enumerate(value):
            if isinstance(item, (dict, list)) or item is None:
                error(path + (i,), f"expected a string, got {_kind(item)}")
            else:
                items.append(scalar_as_written(doc, path + (i,), item))
        return items

    def string(path: tuple, value, default: str) -> str:
        if value is _MISSING:
            return default
        if not isinstance(value, str) or not value:
            error(path, f"expected a non-empty string, got {_kind(value)}")
            return default
        return value

    result: dict[str, dict] = {}
    for old_id, raw in old.items():
        where = ("images", old_id)
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            error(where, f"expected a mapping (depends_on, build, tags), got {_kind(raw)}")
            raw = {}
        build = raw.get("build")
        if build is not None and not isinstance(build, dict):
            error(where + ("build",), f"expected a mapping (context, dockerfile, args), got {_kind(build)}")
            build = {}
        build_fields = build or {}
        raw_args = build_fields.get("args")
        args: dict[str, str] = {}
        if raw_args is not None and not isinstance(raw_args, dict):
            error(where + ("build", "args"), f"expected a mapping of NAME: value, got {_kind(raw_args)}")
        elif raw_args:
            for name, value in raw_args.items():
                if isinstance(value, (dict, list)):
                    error(where + ("build", "args", name), f"expected a text value, got {_kind(value)}")
                else:
                    args[name] = scalar_as_written(doc, where + ("build", "args", name), value)
        result[old_id] = {
            "build": build,
            "args": args,
            "context": string(where + ("build", "context"), build_fields.get("context", _MISSING), "."),
            "dockerfile": string(
                where + ("build", "dockerfile"), build_fields.get("dockerfile", _MISSING), "Dockerfile"
            ),
            "depends": names(where + ("depends_on",), raw.get("depends_on"), "depends_on"),
            "tags": names(where + ("tags",), raw.get("tags"), "tags"),
        }
    if errors:
        raise BakegenError(errors)
    return result


_MISSING = object()


def _kind(value) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"'{str(value).lower()}'"
    if isinstance(value, str):
        return f"the string '{value}'"
    return f"'{value}'"


def completed_base(dockerfile: Dockerfile | None, args: dict[str, str]) -> tuple[str, int] | None:
    """(the image reference, the FROM's line) when the Dockerfile's first FROM makes one of
    BASE_IMAGE and more (`quay.io/ascend/vllm-ascend:${BASE_IMAGE}`), expanded with the args
    build.py passed; None for `FROM ${BASE_IMAGE}` and for a FROM without BASE_IMAGE."""
    if dockerfile is None or not dockerfile.readable or not dockerfile.froms:
        return None
    first = dockerfile.froms[0]
    if BASE_ARG not in args or not uses_base_arg(first.image):
        return None
    resolved = from_image(dockerfile, args)
    if resolved is None or resolved == args[BASE_ARG] or reference_problem(resolved) is not None:
        return None
    return resolved, first.line


def _parent(doc, old_id, depends, base_arg, old, producers, new_ids, note, completed=None) -> str:
    where = ("images", old_id)
    if len(depends) > 1:
        note(
            where + ("depends_on",),
            f"'{old_id}' depends on {', '.join(depends)}; images.yaml has one parent, so '{depends[0]}' "
            "is the parent; name the others under contexts: if the Dockerfile uses them",
            "import-several-parents",
        )
    if depends:
        parent_old = depends[0]
        if parent_old not in old:
            note(
                where + ("depends_on", 0),
                f"depends_on names '{parent_old}', which is not an image of this file",
                "unknown-parent",
            )
            return parent_old
        parent_tags = old[parent_old]["tags"]
        if base_arg is not None and base_arg not in parent_tags:
            producer = producers.get(base_arg)
            detail = f"a tag of '{producer}'" if producer else "a tag that no image of this file produces"
            note(
                where + ("build", "args", "BASE_IMAGE"),
                f"parent drift in '{old_id}': depends_on says '{parent_old}' (tags: "
                f"{', '.join(parent_tags) or 'none'}) but BASE_IMAGE is '{base_arg}', {detail}; "
                f"following depends_on: from: {new_ids[parent_old]}",
                "parent-drift",
            )
        return new_ids[parent_old]
    if base_arg is None:
        note(
            where,
            f"'{old_id}' declares no parent (no depends_on, no BASE_IMAGE); set 'from:' by hand",
            "no-parent",
            key=True,
        )
        return "TODO-set-the-parent-image"
    if completed is not None:
        reference, line = completed
        note(
            where + ("build", "args", "BASE_IMAGE"),
            f"'{old_id}': BASE_IMAGE '{base_arg}' completes the first FROM of its Dockerfile (line {line}) "
            f"into '{reference}': it builds on that image, not on a parent; from: {reference}, and BASE_IMAGE "
            "stays in args so that the FROM line gets its value",
            "import-completed-from",
        )
        return reference
    producer = producers.get(base_arg)
    if producer:
        note(
            where + ("build", "args", "BASE_IMAGE"),
            f"'{old_id}' has BASE_IMAGE '{base_arg}' (built by '{producer}') but no depends_on; "
            f"linked as from: {new_ids[producer]}",
            "import-linked",
        )
        return new_ids[producer]
    if not any(c in base_arg for c in ":/@"):
        note(
            where + ("build", "args", "BASE_IMAGE"),
            f"BASE_IMAGE '{base_arg}' of '{old_id}' is not an image reference (no repository); "
            "its Dockerfile probably completes it; write the full reference in 'from:'",
            "import-partial-reference",
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
    if args.write and not args.rewrite_dockerfiles:
        raise UsageError("--write applies the edits of --rewrite-dockerfiles; give both")
    source = Path(args.compose_file)
    output = Path(args.output)
    files.refuse_overwriting(output, source)
    if output.exists() and not args.force:
        raise BakegenError(
            Diagnostic(
                None, f"{output} already exists; pass --force to overwrite it, or -o another file", code="exists"
            )
        )
    doc = load_document(source)
    dockerfiles = Dockerfiles(output.parent)  # the converted file's folder, as for a project there
    result, notes = convert(doc, source.parent, dockerfiles)
    same_folder = source.resolve().parent == output.resolve().parent
    name = source.name if same_folder else str(source)
    text = dump(result, name)
    # Say what bakegen itself will still reject in the result, and which version pairs
    # can never work, so nothing is a surprise at the first build.
    converted: Project | None
    try:
        converted = parse_project(text, output, lenient=True)
        remaining = list(converted.warnings)
    except BakegenError as exc:
        converted, remaining = None, exc.diagnostics
    rewrites: list[rewrite.Rewrite] = []
    rewrite_notes: list[Diagnostic] = []
    if args.rewrite_dockerfiles:
        if converted is None:
            raise BakegenError(
                remaining
                + [
                    Diagnostic(
                        None, "--rewrite-dockerfiles needs a converted file bakegen can read", code="not-converted"
                    )
                ]
            )
        rewrites, rewrite_notes = rewrite.plan_rewrites(converted, dockerfiles)  # refuses before anything is written
    report(notes)
    report(
        [
            Diagnostic(d.position, f"still to fix in the converted file: {d.message}", "warning", code=d.code)
            for d in remaining
        ]
    )
    if converted is not None:
        report(checks.dockerfile_problems(converted, dockerfiles), as_warnings=True)
        report(rules.check_versions(converted, dockerfiles), as_warnings=True)
    # images.yaml and the rewritten Dockerfiles are written all or none: an images.yaml
    # that assumes the FROM convention beside Dockerfiles that do not follow it builds wrong
    rewriting = args.rewrite_dockerfiles and args.write
    files.write_all_atomic([(output, text), *(rewrite.writes(rewrites) if rewriting else [])])
    print(
        f"wrote {output}: {len(result['images'])} images, {len(notes)} note(s) to review",
        file=sys.stderr,
    )
    if args.rewrite_dockerfiles:
        report(rewrite_notes)
        sys.stdout.write("".join(r.diff() for r in rewrites))
        if rewriting:
            print(f"rewrote {len(rewrites)} Dockerfile(s) to the FROM convention", file=sys.stderr)
        else:
            print(
                f"{len(rewrites)} Dockerfile(s) would change (the diff above); add --write to apply it",
                file=sys.stderr,
            )
    return 0
