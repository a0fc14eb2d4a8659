"""Ascend version rules: refuse impossible stacks before a two-hour arm64 build starts.

The facts are data, typed once at load (``bakegen.compat``: compat.yaml with images.yaml's
``compat:`` over it); Dockerfiles come parsed (``bakegen.dockerfile``); versions are compared
by ``bakegen.versions``. This module only applies the facts and reads no file. Each image's
versions are its own build args plus those inherited from its ancestors (the nearest one
wins), and a rule is reported at the image that sets one of the values it compares, so a
bad pair shows up once, not again in every descendant.

Only what the table knows to be wrong is an error. A release it does not list (a CANN release,
a torch_npu build, a vllm-ascend tag, a MindSpore release) is a warning that names the nearest listed one and the
``compat:`` entry that would add it: a newer release must not stop a build.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from bakegen import versions
from bakegen.compat import Compat, newest, overlay_snippet
from bakegen.dockerfile import Dockerfiles
from bakegen.errors import Diagnostic
from bakegen.graph import ImageGraph
from bakegen.model import Image, Project

# quay.io/ascend/vllm-ascend:v0.11.0rc1, ...:v0.11.0rc1-310p (310P/A3 variants), ...:v0.11.0@sha256:...
VLLM_IMAGE = re.compile(r"(^|/)vllm-ascend:(?P<tag>[^@/:]+)(@[^/]*)?$")


@dataclass(frozen=True)
class Setting:
    value: str  # as written (numpy: the sets judged are in groups)
    image: str  # the image whose args set it
    arg: str  # the arg name used
    # numpy only: the specifier sets judged one by one (NUMPY_VERSION; the Dockerfile's pins)
    groups: tuple[str, ...] = ()
    # installed_components only: (component, image that installs it), root first
    origins: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Finding:
    code: str
    involved: tuple[str, ...]  # the facts it compares
    message: str  # "{inherited}" marks where the origin of inherited values is named
    severity: str = "error"  # "warning": the table does not list a value, so nothing is judged
    fix: str = ""  # said after the chain: the compat: entry to add, for instance


Facts = Mapping[str, Setting]


def resolve_facts(
    project: Project, compat: Compat, numpy_pins: Mapping[str, list[str]]
) -> dict[str, dict[str, Setting]]:
    """image id -> fact -> Setting: the image's own args over what it inherits (nearest wins).

    Images are resolved in build order, each once: a child starts from its parent's resolved
    facts, so a chain of n images takes n steps (and no recursion, whatever its depth).
    """
    resolved: dict[str, dict[str, Setting]] = {}
    for image_id in project.graph.order:
        image = project.images[image_id]
        facts = dict(resolved[image.parent]) if image.parent else {}
        _add_own_facts(facts, image, compat, numpy_pins[image_id])
        resolved[image_id] = facts
    return resolved


def _add_own_facts(facts: dict[str, Setting], image: Image, compat: Compat, pins: list[str]) -> None:
    """What the image itself sets, over the facts it inherits.

    One exception to nearest-wins: "installed_components" is the union of COMPONENTS along
    the chain (what an ancestor installed is in the image too); it is set only where
    "components" is, so it is judged at the image that sets COMPONENTS itself.
    """
    for fact, names in compat.args.items():
        for name in names:
            if name in image.args and image.args[name] != "":
                facts[fact] = Setting(image.args[name], image.id, name)
                break
    own_components = facts.get("components")
    if own_components is not None and own_components.image == image.id:
        inherited = facts.get("installed_components")
        installed = dict(inherited.origins) if inherited else {}  # component -> the (first) image installing it
        for name in _component_names(own_components.value):
            installed.setdefault(name, image.id)
        facts["installed_components"] = Setting(
            ",".join(installed), image.id, own_components.arg, origins=tuple(installed.items())
        )
    own = facts.get("numpy")
    if own is not None and own.image == image.id:
        # NUMPY_VERSION: a version (1.26.4) or a specifier set (>=1.24,<2)
        spec = ",".join(_as_specs(own.value))
        groups = (spec, ",".join(pins)) if pins else (spec,)
        facts["numpy"] = Setting(own.value, image.id, own.arg, groups=groups)
    elif pins:
        facts["numpy"] = Setting(",".join(pins), image.id, "dockerfile", groups=(",".join(pins),))
    match = VLLM_IMAGE.search(image.external_base or "")
    if match and "vllm_ascend" not in facts:
        facts["vllm_ascend"] = Setting(match.group("tag"), image.id, "from")


def _component_names(value: str) -> list[str]:
    return [c.strip().lower() for c in value.split(",") if c.strip()]


def _as_specs(value: str) -> list[str]:
    """ "1.26.4" -> ["==1.26.4"]; ">=1.24, <2" -> [">=1.24", "<2"]."""
    specs = [spec.replace(" ", "") for spec in value.split(",") if spec.strip()]
    return [spec if spec[:1] in "=<>~!" else "==" + spec for spec in specs]


def image_facts(project: Project, dockerfiles: Dockerfiles) -> dict[str, dict[str, Setting]]:
    """Every image's facts, its Dockerfile's numpy pins included (the Dockerfiles come parsed).
    Worked out once per run: the Dockerfiles keep them for the next caller."""
    known = dockerfiles.derived.get("image_facts")
    if known is not None and known[0] is project:
        return known[1]  # type: ignore[return-value]
    facts = _image_facts(project, dockerfiles)
    dockerfiles.derived["image_facts"] = (project, facts)
    return facts


def _image_facts(project: Project, dockerfiles: Dockerfiles) -> dict[str, dict[str, Setting]]:
    numpy_pins: dict[str, list[str]] = {}
    for image_id, image in project.images.items():
        dockerfile = dockerfiles.get(image)
        numpy_pins[image_id] = list(dockerfile.numpy_specifiers) if dockerfile else []
    return resolve_facts(project, project.compat, numpy_pins)


def check_versions(project: Project, dockerfiles: Dockerfiles) -> list[Diagnostic]:
    """The version rules of every image; Dockerfiles come parsed (numpy pins), this reads no file."""
    resolved = image_facts(project, dockerfiles)
    return [
        _diagnostic(project, project.graph, image_id, resolved[image_id], finding)
        for image_id, findings in _findings(project, resolved).items()
        for finding in findings
    ]


def verdicts(project: Project, dockerfiles: Dockerfiles) -> dict[str, tuple[Finding, ...]]:
    """image id -> what the rules say at that image (nothing: its stack passes), in build order.
    `bakegen affected` compares them under two compat tables."""
    return _findings(project, image_facts(project, dockerfiles))


def _findings(project: Project, resolved: Mapping[str, Facts]) -> dict[str, tuple[Finding, ...]]:
    """The findings of each image: a rule is reported at an image that sets one of the values it compares."""
    result = {}
    for image_id in project.graph.order:
        facts = resolved[image_id]
        result[image_id] = tuple(
            finding
            for rule in RULES
            for finding in rule(facts, project.compat)
            if any(facts[f].image == image_id for f in finding.involved if f in facts)
        )
    return result


def _diagnostic(project: Project, graph: ImageGraph, image_id: str, facts: Facts, finding: Finding) -> Diagnostic:
    involved = [facts[f] for f in finding.involved if f in facts]
    own = [setting for setting in involved if setting.image == image_id]
    inherited = list(dict.fromkeys(_inherited(s) for s in involved if s.image != image_id))
    path: tuple = ("images", image_id)
    if own and own[0].arg in project.images[image_id].args:
        path += ("args", own[0].arg)
    elif own and own[0].arg in ("from", "dockerfile"):
        path += (own[0].arg,)
    origin = f" (inherited: {', '.join(inherited)})" if inherited else ""
    text = finding.message.replace("{inherited}", origin)
    if inherited:
        text += f" [chain: {' -> '.join(graph.ancestors(image_id) + [image_id])}]"
    if finding.fix:
        text += f"; {finding.fix}"
    return Diagnostic(project.where(*path), f"{image_id}: {text}", severity=finding.severity, code=finding.code)


def _inherited(setting: Setting) -> str:
    """Which value an image inherits, and from where: the message names each, so that it is
    right whichever of the values it compares came from an ancestor."""
    if setting.arg == "dockerfile":
        return f"the numpy pins of {setting.image}'s Dockerfile"
    if setting.arg == "from":
        return f"{setting.image}'s from: image"
    return f"{setting.arg} from {setting.image}"


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _distance(candidate: str, wanted: str) -> tuple:
    """How far a torch_npu release is from the one asked for: same torch first, then nearest line."""
    a, b = versions.release3(candidate), versions.release3(wanted)
    if a is None or b is None:
        return (True, 0, 0, 0)  # not comparable: the table's order decides
    return (a != b, abs(a[0] - b[0]), abs(a[1] - b[1]), abs(a[2] - b[2]))


# --- the rules: each yields Findings ---------------------------------------------------------


def rule_white_space(facts: Facts, compat: Compat) -> Iterator[Finding]:
    """A version is judged without the white space around it, but a Dockerfile gets it as
    written: a shell splits `pip install torch==${TORCH_VERSION}` at the space, and a path made
    of it names no folder."""
    for fact, setting in facts.items():
        if setting.value != setting.value.strip():
            yield Finding(
                "white-space-around-version",
                (fact,),
                f"{setting.arg} {setting.value!r} has white space around it: the rules judge "
                f"{setting.value.strip()!r}, but a Dockerfile gets the value as written, and a shell splits "
                f"pip install torch==${{TORCH_VERSION}} at the space",
                fix=f"write {setting.value.strip()!r}",
            )


def rule_chip(facts: Facts, compat: Compat) -> Iterator[Finding]:
    chip = facts.get("chip")
    if chip and chip.value.lower() not in [c.lower() for c in compat.chips]:
        yield Finding("unknown-chip", ("chip",), f"unknown chip '{chip.value}'; supported: {', '.join(compat.chips)}")


def rule_cann_known(facts: Facts, compat: Compat) -> Iterator[Finding]:
    cann = facts.get("cann")
    if cann is None or compat.cann_release(cann.value) is not None:
        return
    name = cann.value.strip()
    nearest = compat.nearest_cann(name)
    unknown = f"CANN {name} is not in bakegen's compatibility table"
    unchecked = "so its torch_npu releases and operator package are not checked"
    if versions.cann_order(name) is None or nearest is None:  # not written like a release: a typo, most likely
        text = f"{unknown} and is not written like a release (8.3.RC1, 8.5.0), {unchecked}"
        fix = f"did you mean {nearest.name}?" if nearest else f"set {cann.arg} to a release name"
    else:
        text = f"{unknown} (nearest known release: {nearest.name}), {unchecked}"
        fix = (
            f"to check them, list the torch_npu releases built for {name} ({nearest.name}'s shown) and add to "
            f"images.yaml: {overlay_snippet('cann', name, nearest.entry())}"
        )
    yield Finding("unknown-cann", ("cann",), text, severity="warning", fix=fix)


def rule_torch_npu_for_cann(facts: Facts, compat: Compat) -> Iterator[Finding]:
    cann, npu = facts.get("cann"), facts.get("torch_npu")
    if cann is None or npu is None:
        return
    release = compat.cann_release(cann.value)
    if release is None:
        return
    released = list(release.torch_npu)
    if any(versions.same(npu.value, v) for v in released):
        return
    vllm = facts.get("vllm_ascend")
    stack = compat.vllm_ascend_stack(vllm.value) if vllm else None
    if stack and stack.torch_npu and versions.same(versions.public(stack.torch_npu), versions.public(npu.value)):
        return  # the image's vllm-ascend release pins it (e.g. 2.7.1.dev20250724 on 8.2.RC1)
    nearest = sorted(released, key=lambda v: (_distance(v, npu.value), released.index(v)))
    if not compat.torch_npu_listed(npu.value):
        closest = (
            f"the nearest release for CANN {release.name} is {nearest[0]}"
            if nearest
            else (f"the table lists no torch_npu release for CANN {release.name}")
        )
        entry = {**release.entry(), "torch_npu": [*release.torch_npu, npu.value.strip()]}
        yield Finding(
            "unknown-torch-npu",
            ("cann", "torch_npu"),
            f"torch_npu {npu.value} is not in bakegen's compatibility table{{inherited}}; {closest}",
            severity="warning",
            fix=f"if {npu.value.strip()} was built for CANN {release.name}, add to images.yaml: "
            + overlay_snippet("cann", release.name, entry),
        )
        return
    elsewhere = [r.name for r in compat.cann if any(versions.same(npu.value, v) for v in r.torch_npu)]
    hint = f" (torch_npu {npu.value} was released for CANN {_or_list(elsewhere)})" if elsewhere else ""
    yield Finding(
        "torch-npu-not-for-cann",
        ("cann", "torch_npu"),
        f"torch_npu {npu.value} was not released for CANN {cann.value}{{inherited}}; "
        f"for CANN {cann.value} use {_or_list(nearest)}{hint}",
    )


def rule_torch_matches_torch_npu(facts: Facts, compat: Compat) -> Iterator[Finding]:
    torch, npu = facts.get("torch"), facts.get("torch_npu")
    if torch is None or npu is None:
        return
    npu_version, torch_version = versions.parse(npu.value), versions.parse(torch.value)
    if npu_version is None or torch_version is None:
        return  # text that is no version: rule_torch_npu_for_cann names a torch_npu it does not know
    wanted = versions.torch_of(npu_version)
    if versions.parse(torch_version.public) != wanted:
        yield Finding(
            "torch-npu-torch-mismatch",
            ("torch", "torch_npu"),
            f"torch_npu {npu.value} is built for torch {wanted}, but TORCH_VERSION is "
            f"{torch.value}{{inherited}}; set TORCH_VERSION={wanted}",
        )


def rule_python_for_torch(facts: Facts, compat: Compat) -> Iterator[Finding]:
    torch, python = facts.get("torch"), facts.get("python")
    if torch is None or python is None:
        return
    span = compat.python_for_torch(torch.value)
    if span and not span.admits(python.value):
        yield Finding(
            "python-not-for-torch",
            ("torch", "python"),
            f"torch {torch.value} supports Python {span.lowest} to {span.highest}, but PYTHON_VERSION is "
            f"{python.value}{{inherited}}",
        )


def numpy_limit_reason(cann: str, limit: int) -> str:
    """Why a CANN release needs numpy below limit + 1. The sources know one failure (numpy 2
    with CANN 8: vllm-ascend issue 2210); another limit comes from a compat: overlay, whose
    reason bakegen does not know."""
    if cann.split(".")[0] == "8" and limit == 1:
        return "numpy 2 fails in set_device, error 500001"
    return "numpy_max_major of the compatibility table"


def rule_numpy_for_cann(facts: Facts, compat: Compat) -> Iterator[Finding]:
    cann, numpy = facts.get("cann"), facts.get("numpy")
    if cann is None or numpy is None:
        return
    limit = compat.numpy_limit(cann.value)
    if limit is None:
        return
    # Each group (NUMPY_VERSION; the Dockerfile's pins) is one specifier set; it is wrong when
    # pip could pick a numpy above the limit from it. An unpinned numpy is not judged.
    for group in numpy.groups or (",".join(_as_specs(numpy.value)),):
        specs = [spec for spec in group.split(",") if spec]
        if specs and versions.admits_major_above(specs, limit):
            major = cann.value.split(".")[0]
            yield Finding(
                "numpy-too-new-for-cann",
                ("cann", "numpy"),
                f"numpy {group} with CANN {cann.value}{{inherited}}: CANN {major}.x needs numpy<{limit + 1} "
                f"({numpy_limit_reason(cann.value, limit)})",
            )


def rule_components(facts: Facts, compat: Compat) -> Iterator[Finding]:
    comps = facts.get("components")
    if not comps:
        return
    components = compat.components
    names = _component_names(comps.value)  # what this image's COMPONENTS installs
    # with what its ancestors installed (set where COMPONENTS is; inherited otherwise: not judged again)
    union = facts.get("installed_components")
    origins = dict(union.origins) if union and union.image == comps.image else {n: comps.image for n in names}
    for name in names:
        if name not in components.known:
            yield Finding(
                "unknown-component",
                ("components",),
                f"unknown CANN component '{name}'; use {' or '.join(components.runtimes)}, "
                f"{' or '.join(components.operators)}, {', '.join(components.extras)}",
            )
    runtimes = [name for name in components.runtimes if name in origins]
    if len(runtimes) > 1:
        parents = sorted({origins[n] for n in runtimes if origins[n] != comps.image})
        where = f" (with what {', '.join(parents)} installs)" if parents else ""
        yield Finding(
            "several-runtimes",
            ("components",),
            f"COMPONENTS has both {' and '.join(runtimes)}{where}; "
            f"pick one ({components.runtimes[0]} includes the runtime)",
        )
    for name in names:
        needed = components.requires.get(name, ())
        if needed and not any(component in origins for component in needed):
            either = " or ".join(needed)
            base = f"the {needed[0]}'s set_env.sh" if len(needed) == 1 else "the set_env.sh of one of them"
            yield Finding(
                "missing-required-component",
                ("components",),
                f"{name} needs the {either} (it is installed on top of {base}); add {either} to COMPONENTS",
            )
    cann = facts.get("cann")
    release = compat.cann_release(cann.value) if cann else None
    if cann is not None and release is not None and release.operators:
        for wrong in components.operators:
            if wrong != release.operators and wrong in names:
                yield Finding(
                    "wrong-operator-package",
                    ("components", "cann"),
                    f"CANN {cann.value} ships its operators as '{release.operators}', not '{wrong}'{{inherited}} "
                    "(from 8.5.0 kernels became ops); fix COMPONENTS",
                )


def rule_vllm_ascend_stack(facts: Facts, compat: Compat) -> Iterator[Finding]:
    vllm = facts.get("vllm_ascend")
    if vllm is None:
        return
    stack = compat.vllm_ascend_stack(vllm.value)
    if stack is None:
        release = vllm.value.strip().split("-")[0]
        nearest = compat.nearest_vllm_ascend(vllm.value)
        unknown = f"vllm-ascend {vllm.value} is not in bakegen's compatibility table"
        unchecked = "so the stack it is built on is not checked"
        if versions.parse(release) is None or nearest is None:  # latest, main: no release to compare
            text = f"{unknown} and is not a release, {unchecked}"
            fix = f"pin a release tag (the newest listed is {newest(compat.vllm_ascend, versions.parse)})"
        else:
            text = f"{unknown} (nearest known release: {nearest}), {unchecked}"
            fix = f"to check it, add to images.yaml the stack it is built on ({nearest}'s shown): " + overlay_snippet(
                "vllm_ascend", release, compat.vllm_ascend[nearest].entry()
            )
        yield Finding("unknown-vllm-ascend", ("vllm_ascend",), text, severity="warning", fix=fix)
        return
    for fact, expected in (("torch", stack.torch), ("torch_npu", stack.torch_npu), ("cann", stack.cann)):
        mine = facts.get(fact)
        if not (mine and expected):
            continue
        if fact == "cann":  # a CANN release is a name (8.3.RC2), compared as written, case aside
            same = mine.value.strip().lower() == expected.lower()
        else:
            same = versions.same(versions.public(mine.value), versions.public(expected))
        if not same:
            yield Finding(
                "vllm-ascend-stack-mismatch",
                ("vllm_ascend", fact),
                f"vllm-ascend {vllm.value} is built on {fact} {expected}, but {mine.arg} is {mine.value}{{inherited}}",
            )
    python, span = facts.get("python"), stack.python
    if python and span and not span.admits(python.value):
        yield Finding(
            "python-not-for-vllm-ascend",
            ("vllm_ascend", "python"),
            f"vllm-ascend {vllm.value} supports Python {span.lowest} to {span.highest}, but PYTHON_VERSION is "
            f"{python.value}{{inherited}}",
        )


def rule_mindspore(facts: Facts, compat: Compat) -> Iterator[Finding]:
    mindspore, cann, python = facts.get("mindspore"), facts.get("cann"), facts.get("python")
    if mindspore is None:
        return
    name = mindspore.value.strip()
    release = compat.mindspore_release(name)
    if release is None and versions.parse(name) is None:  # latest: no release to compare
        listed = newest([r.name for r in compat.mindspore], versions.parse)
        yield Finding(
            "unknown-mindspore",
            ("mindspore",),
            f"MindSpore {name} is not in bakegen's compatibility table and is not a version, so the CANN "
            "releases and Python it supports are not checked",
            severity="warning",
            fix=f"set {mindspore.arg} to a release (the newest listed is {listed})",
        )
        return
    if release is None:
        nearest = compat.nearest_mindspore(name)
        entry = nearest.entry() if nearest else {"cann": []}
        shown = [f"{nearest.name}'s CANN releases"] if nearest else []
        if cann is not None:  # the CANN release this image is built on, rather than the nearest's
            entry["cann"], shown = [cann.value.strip()], ["the chain's CANN release"]
        if nearest and nearest.python:
            shown.append(f"{nearest.name}'s Python range")
        known = f" (nearest known release: {nearest.name})" if nearest else ""
        what = "CANN releases and Python range" if "python" in entry else "CANN releases"
        yield Finding(
            "unknown-mindspore",
            ("mindspore",),
            f"MindSpore {name} is not in bakegen's compatibility table{known}, so the CANN releases and Python "
            "it supports are not checked",
            severity="warning",
            fix=f"to check them, add to images.yaml the {what} MindSpore {name} supports"
            + (f" ({' and '.join(shown)} shown)" if shown else "")
            + f": {overlay_snippet('mindspore', name, entry)}",
        )
        return
    # a CANN release no table lists is said at its image (unknown-cann), not judged here
    known_cann = cann is not None and (
        compat.cann_release(cann.value) is not None or any(r.supports(cann.value) for r in compat.mindspore)
    )
    if cann is not None and known_cann and not release.supports(cann.value):
        others = compat.mindspore_for_cann(cann.value)
        choices = (
            f"for CANN {cann.value} use MindSpore {_or_list(others)}"
            if others
            else f"the table lists no MindSpore release for CANN {cann.value}"
        )
        yield Finding(
            "mindspore-not-for-cann",
            ("mindspore", "cann"),
            f"MindSpore {mindspore.value} is not for CANN {cann.value}{{inherited}}: it supports CANN "
            f"{_or_list(list(release.cann))}; {choices}",
        )
    span = release.python
    if python is not None and span is not None and not span.admits(python.value):
        yield Finding(
            "python-not-for-mindspore",
            ("mindspore", "python"),
            f"MindSpore {mindspore.value} supports Python {span.lowest} to {span.highest}, but PYTHON_VERSION is "
            f"{python.value}{{inherited}}",
        )


RULES = (
    rule_white_space,
    rule_chip,
    rule_cann_known,
    rule_torch_npu_for_cann,
    rule_torch_matches_torch_npu,
    rule_python_for_torch,
    rule_numpy_for_cann,
    rule_components,
    rule_vllm_ascend_stack,
    rule_mindspore,
)
