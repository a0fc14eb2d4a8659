"""What one `bakegen build` hands bake: the requested images, what they need, and for
which platforms.

buildx parses the whole bake file for a single target (`--print` of one leaf of a
10,000-target file: 77 s and 0.9 GB on a busy 2-core machine), and builds an unrequested parent for every platform it declares even when the
requested child needs one of them. A ``BuildPlan`` keeps the images the requested ones
depend on (``ImageGraph.closure``) and builds each unrequested ancestor only for the
platforms its requested descendants need. The bake emitter renders it
(``render_bake(project, output, plan)``).

A narrowed ancestor is never published. buildx v0.36.1 replaces the outputs of a target
it builds only because another one names it (``target:`` context) with ``cacheonly``,
whatever --push, --load or --set say: `bake --push kid --set par.output=type=registry`
pushed kid only, and `--print` shows par with output cacheonly. An ancestor that a --set
asks to export, or whose platforms a --set sets, is still built for all its platforms,
so that its tag would not lose one should buildx ever honour that output. Only such a
full build writes the registry cache (cache-to): a narrowed one would replace the cache
of every platform with the cache of a few.

The ``--set`` keys are read the way buildx reads them: ``<pattern>.<key>=<value>``, the
pattern a target name or a glob (``*``, ``?``, ``[...]``, Go's ``path.Match``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bakegen.model import TARGET_PREFIX

if TYPE_CHECKING:
    from bakegen.model import Project


@dataclass(frozen=True)
class BuildPlan:
    requested: tuple[str, ...]  # image ids named on the command line, groups expanded, build order
    images: tuple[str, ...]  # requested + everything they depend on, build order
    narrowed: Mapping[str, tuple[str, ...]]  # ancestor -> the platforms built, fewer than declared


def plan_build(project: Project, names: Sequence[str], overrides: Mapping[str, str] | None = None) -> BuildPlan:
    """The plan for `bakegen build NAMES --set KEY=VALUE...`; an unknown name is an error."""
    overrides = overrides or {}
    requested = project.graph.expand(names)
    # A --set may point a context at another image (contexts.x=target:other): bake needs it too.
    linked = [
        value[len(TARGET_PREFIX) :]
        for key, value in overrides.items()
        if _field(key)[:1] == ["contexts"]
        and value.startswith(TARGET_PREFIX)
        and value[len(TARGET_PREFIX) :] in project.images
    ]
    images = project.graph.closure(requested + linked)
    full = set(requested) | set(linked)  # built for all their platforms
    set_platforms = _set_platforms(project, images, overrides)  # the platforms a --set gives an image
    full.update(set_platforms)
    for key, value in overrides.items():
        field = _field(key)
        if field == ["output"] and _exports(value) or field in (["push"], ["load"]) and _true(value):
            full.update(matching(_pattern(key), images))

    # Dependents come after their dependencies in build order: walking it backwards, every
    # image has heard from all its dependents before it is decided.
    needed: dict[str, set[str] | None] = {}  # None: a dependent builds for the default platform
    narrowed: dict[str, tuple[str, ...]] = {}
    for image_id in reversed(images):
        image = project.images[image_id]
        built: Sequence[str] = set_platforms.get(image_id) or image.platforms
        need = needed.get(image_id)  # absent only for a requested or linked image, built in full
        if image_id not in full and image.platforms and need is not None:
            subset = tuple(p for p in image.platforms if p in need)
            if subset and subset != image.platforms:
                narrowed[image_id] = built = subset
        for dependency in image.dependencies:
            if needed.get(dependency, ()) is None:
                continue
            if built:
                needed.setdefault(dependency, set()).update(built)  # type: ignore[union-attr]
            else:
                needed[dependency] = None
    return BuildPlan(requested=tuple(requested), images=tuple(images), narrowed=narrowed)


def published(project: Project, names: Sequence[str]) -> list[str]:
    """What `bakegen build --push NAMES` publishes: the requested images (groups expanded)
    and, for each, the ancestors it is built on (its parent chain) that have tags, in build
    order. buildx pushes only the targets it is asked for (buildx #1112: `bake kid --push`
    builds the parent and pushes only kid), so a child's layers would sit on a parent
    whose published tag is older or missing. Asked for, such an ancestor is built for all
    its platforms and pushed; one without tags has no name to be pushed under and stays a
    dependency only. Images named in extra contexts (COPY --from) are not bases: not pushed."""
    graph = project.graph
    requested = graph.expand(names)
    chosen = set(requested)
    for image_id in requested:
        chosen.update(a for a in graph.ancestors(image_id) if project.images[a].tags)
    return graph.in_order(chosen)


def target_platforms(plan: BuildPlan, project: Project, overrides: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """image id -> the platforms bake builds its target for in this plan (the overrides are
    the plan's --set ones); empty: the builder's default platform."""
    set_platforms = _set_platforms(project, plan.images, overrides)
    return {
        image_id: tuple(
            set_platforms.get(image_id) or plan.narrowed.get(image_id) or project.images[image_id].platforms
        )
        for image_id in plan.images
    }


def _set_platforms(project: Project, images: Sequence[str], overrides: Mapping[str, str]) -> dict[str, list[str]]:
    """image id -> the platforms a --set gives it (`<t>.platform=`, or `<t>.platform+=` after
    the declared ones)."""
    result: dict[str, list[str]] = {}
    for key, value in overrides.items():
        if _field(key) == ["platform"]:
            for image_id in matching(_pattern(key), images):
                declared = list(project.images[image_id].platforms) if key.endswith("+") else []
                result.setdefault(image_id, declared).extend(p for p in value.split(",") if p)
    return result


def overrides_for(plan: BuildPlan, project: Project, overrides: Mapping[str, str]) -> dict[str, str]:
    """The --set overrides for the plan's bake file. bake refuses a pattern that matches none
    of its targets; one that matches only images this build leaves out changed nothing in
    the whole file's build either, so it is dropped. One that matches no image at all is
    kept, for bake to report."""
    kept = {}
    for key, value in overrides.items():
        pattern = _pattern(key)
        if matching(pattern, plan.images) or not matching(pattern, project.images):
            kept[key] = value
    return kept


def matching(pattern: str, names: Sequence[str] | Mapping[str, object]) -> list[str]:
    """The names a --set pattern selects, as buildx selects them: by name, else by glob."""
    if pattern in names:
        return [pattern]
    regex = _glob(pattern)
    if regex is None:
        return []
    return [name for name in names if regex.fullmatch(name)]


def _pattern(key: str) -> str:
    return key.split(".", 1)[0]


def _field(key: str) -> list[str]:
    return key.rstrip("+").split(".")[1:]


def _exports(value: str) -> bool:
    """An --set output that writes the image somewhere: anything but type=cacheonly (a bare
    path is a local export)."""
    fields = dict(field.partition("=")[::2] for field in value.split(","))
    return fields.get("type", "").strip() != "cacheonly"


def _true(value: str) -> bool:
    return value.strip().lower() in ("1", "t", "true")


def _glob(pattern: str) -> re.Pattern[str] | None:
    """Go's path.Match pattern as a regex; None for a malformed pattern (bake reports it)."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "\\":
            if i + 1 == len(pattern):
                return None
            i += 1
            out.append(re.escape(pattern[i]))
        elif ch == "[":
            parsed = _class(pattern, i + 1)
            if parsed is None:
                return None
            regex, i = parsed
            out.append(regex)
            continue
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out))


def _class(pattern: str, i: int) -> tuple[str, int] | None:
    """The character class that starts at pattern[i] (after its '['), read as Go reads it:
    an optional '^', then one or more ranges (c or lo-hi; '\\' escapes; a bare '-' or ']'
    there is malformed), then ']'. Its regex and where the pattern goes on; None if malformed."""
    negate = pattern.startswith("^", i)
    i += negate
    ranges: list[str] = []
    while True:
        lo = _class_char(pattern, i)
        if lo is None:
            return None
        low, i = lo
        high = low
        if pattern.startswith("-", i):
            hi = _class_char(pattern, i + 1)
            if hi is None:
                return None
            high, i = hi
        if low <= high:  # Go lets lo > hi stand for nothing; a regex would refuse it
            ranges.append(re.escape(low) + "-" + re.escape(high))
        if pattern.startswith("]", i):  # no range starts with ']': after one, it closes the class
            break
    if not ranges:
        return ("(?s:.)" if negate else "(?!)"), i + 1  # not in any range: any character, or none
    return "[" + ("^" if negate else "") + "".join(ranges) + "]", i + 1


def _class_char(pattern: str, i: int) -> tuple[str, int] | None:
    """One character of a class and the index after it; None where Go's getEsc fails: at the
    end or at an unescaped '-' or ']'."""
    if pattern.startswith("\\", i):
        i += 1
    elif pattern.startswith(("-", "]"), i):
        return None
    if i >= len(pattern):
        return None
    return pattern[i], i + 1


def outside_paths(project: Project, image_ids: Sequence[str], folder: Path) -> list[str]:
    """The local paths (contexts, named contexts, secret files) of the images that lie outside
    folder, where bake runs: bake's file-system entitlement check stops at them unless allowed."""
    outside = set()
    for image_id in image_ids:
        for local in project.images[image_id].local_paths:
            path = (project.root / local.value).resolve()
            if not inside(path, folder):
                outside.add(str(path))
    return sorted(outside)


def inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents
