"""Ascend version rules: refuse impossible stacks before a two-hour arm64 build starts.

The facts are data (``bakegen/data/compat.yaml``, extended by ``compat:`` in
images.yaml); this module only applies them. Each image's versions are its own
build args plus those inherited from its ancestors (the nearest one wins), and a
rule is reported at the image that sets one of the values it compares, so a bad
pair shows up once, not again in every descendant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Mapping

import yaml
from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from bakegen.dockerfile import Dockerfiles
from bakegen.errors import Diagnostic
from bakegen.graph import ImageGraph
from bakegen.model import Project

# quay.io/ascend/vllm-ascend:v0.11.0rc1, ...:v0.11.0rc1-310p (310P/A3 variants), ...:v0.11.0@sha256:...
VLLM_IMAGE = re.compile(r"(^|/)vllm-ascend:(?P<tag>[^@/:]+)(@[^/]*)?$")


@cache
def builtin_table() -> dict:
    text = resources.files("bakegen").joinpath("data/compat.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def table_for(project: Project) -> dict:
    """The built-in table with images.yaml's compat: entries laid over it (entry by entry)."""
    merged = {key: (dict(value) if isinstance(value, dict) else list(value)) for key, value in builtin_table().items()}
    for key, value in (project.compat or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key].update({str(k): v for k, v in value.items()})
        else:
            merged[key] = value
    return merged


@dataclass(frozen=True)
class Setting:
    value: str
    image: str  # the image whose args set it
    arg: str  # the arg name used
    # numpy only: the specifier sets judged one by one (NUMPY_VERSION; the Dockerfile's pins)
    groups: tuple[str, ...] = ()
    # installed_components only: (component, image that installs it), root first
    origins: tuple[tuple[str, str], ...] = ()


def effective(
    project: Project, graph: ImageGraph, image_id: str, table: dict, numpy_pins: dict[str, list[str]]
) -> dict[str, Setting]:
    """fact -> Setting, from the root of the chain down to the image (nearest wins).

    One exception: "installed_components" is the union of COMPONENTS along the chain
    (what an ancestor installed is in the image too); it is set only where
    "components" is, so it is judged at the image that sets COMPONENTS itself.
    """
    found: dict[str, Setting] = {}
    installed: dict[str, str] = {}  # component -> the (first) image that installs it
    for current in graph.ancestors(image_id) + [image_id]:
        image = project.images[current]
        for fact, names in table["args"].items():
            for name in names:
                if name in image.args and image.args[name] != "":
                    found[fact] = Setting(image.args[name], current, name)
                    break
        own_components = found.get("components")
        if own_components is not None and own_components.image == current:
            for name in _component_names(own_components.value):
                installed.setdefault(name, current)
            found["installed_components"] = Setting(
                ",".join(installed), current, own_components.arg, origins=tuple(installed.items())
            )
        pins = numpy_pins[current]
        own = found.get("numpy")
        if own is not None and own.image == current:
            # NUMPY_VERSION: a version (1.26.4) or a specifier set (>=1.24,<2)
            spec = ",".join(_as_specs(own.value))
            groups = (spec, ",".join(pins)) if pins else (spec,)
            found["numpy"] = Setting(",".join(groups), current, own.arg, groups=groups)
        elif pins:
            found["numpy"] = Setting(",".join(pins), current, "dockerfile", groups=(",".join(pins),))
        match = VLLM_IMAGE.search(image.external_base or "")
        if match and "vllm_ascend" not in found:
            found["vllm_ascend"] = Setting(match.group("tag"), current, "from")
    return found


def _component_names(value: str) -> list[str]:
    return [c.strip().lower() for c in value.split(",") if c.strip()]


def _as_specs(value: str) -> list[str]:
    """ "1.26.4" -> ["==1.26.4"]; ">=1.24, <2" -> [">=1.24", "<2"]."""
    specs = [spec.replace(" ", "") for spec in value.split(",") if spec.strip()]
    return [spec if spec[:1] in "=<>~!" else "==" + spec for spec in specs]


# --- version arithmetic: PEP 440 through `packaging`. CANN releases (8.3.RC1) and vllm-ascend
#     tags (v0.11.0rc1-310p) are names, looked up as written (case aside), never parsed here.


def _version(text: str) -> Version | None:
    """A PEP 440 version, or None for text that is not one (3.x, latest)."""
    try:
        return Version(text.strip())
    except InvalidVersion:
        return None


def _public(version: str) -> str:
    """2.7.1+cpu -> 2.7.1 (a PEP 440 local suffix names a build, not another release)."""
    return version.split("+", 1)[0].strip()


def _same_version(a: str, b: str) -> bool:
    """2.7.1 is 2.7.1.0; text that is not a version is compared as text, case aside."""
    va, vb = _version(a), _version(b)
    return va == vb if va is not None and vb is not None else a.strip().lower() == b.strip().lower()


def _torch_of(torch_npu: Version) -> Version:
    """torch_npu 2.7.1.post2 -> torch 2.7.1 (torch_npu's release numbers are torch's)."""
    return Version(".".join(map(str, torch_npu.release[:3])))


def _release3(version: str) -> tuple[int, int, int] | None:
    v = _version(version)
    return (v.release + (0, 0))[:3] if v else None  # type: ignore[return-value]


def _distance(candidate: str, wanted: str) -> tuple:
    """How far a torch_npu release is from the one asked for: same torch first, then nearest line."""
    a, b = _release3(candidate), _release3(wanted)
    if a is None or b is None:
        return (True, 0, 0, 0)  # not comparable: the table's order decides
    return (a != b, abs(a[0] - b[0]), abs(a[1] - b[1]), abs(a[2] - b[2]))


def _minor(version: str) -> tuple[int, ...] | None:
    """3.11.7 -> (3, 11): Python and torch lines are major.minor."""
    v = _version(version)
    return v.release[:2] if v else None


def _within(version: str, span) -> bool:
    """Whether a Python version is in [low, high]; only major.minor counts (3.11.7 is 3.11).
    Text that is not a version (3.x) is in no range."""
    low, high, have = _minor(str(span[0])), _minor(str(span[1])), _minor(version)
    if low is None or high is None:
        return True  # a range bakegen cannot read judges nothing
    return have is not None and low <= have <= high


def _admitted_above(specs: list[str], limit: int) -> bool:
    """Whether pip could pick a release with a major above limit (numpy 2.x for limit 1) from the
    specifier set. Specifiers that are not PEP 440 ("==latest") do not narrow it; none left: not judged."""
    parsed = []
    for spec in specs:
        try:
            parsed.append(Specifier(spec))
        except InvalidSpecifier:
            continue
    if not parsed:
        return False
    allowed = SpecifierSet(",".join(map(str, parsed)))
    # The lowest releases above the limit, and the versions the specifiers name and just past
    # them (>2.3.0, !=2.0.*, ==2.1.*): if the set admits any release above the limit, it admits one of these.
    major = limit + 1
    candidates = {f"{major}.0.0", f"{major}.0.2", f"{major}.2.6", f"{major}.3.0"}
    for spec in parsed:
        named = spec.version.removesuffix(".*")
        version = _version(named)
        if version is None or version.major <= limit:
            continue
        r = (version.release + (0, 0))[:3]
        candidates |= {named, f"{r[0]}.{r[1]}.{r[2] + 1}", f"{r[0]}.{r[1] + 1}.0", f"{r[0] + 1}.0.0"}
    return any(allowed.contains(candidate, prereleases=True) for candidate in candidates)


def _torch_python_span(spans: Mapping[str, Any], torch: str):
    """The Python range of a torch version's line; a line newer than the newest listed gets the
    newest listed range (the table states "2.11 and later"); an older unlisted line is not judged."""
    line = _minor(_public(torch))
    by_line = {_minor(str(k)): v for k, v in spans.items() if _minor(str(k)) is not None}
    if line is None or not by_line:
        return None
    if line in by_line:
        return by_line[line]
    newest = max(by_line)
    return by_line[newest] if line > newest else None


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _vllm_entry(table: dict, tag: str) -> dict | None:
    """The vllm_ascend row for an image tag: the full tag, else the part before the first "-"
    (v0.11.0rc1-310p, v0.11.0rc1-a3), else its release line (v0.10.2 -> v0.10)."""
    entries = table.get("vllm_ascend") or {}
    for key in (tag, tag.split("-")[0], ".".join(tag.split("-")[0].split(".")[:2])):
        if key in entries:
            return entries[key]
    return None


def _same_cann(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower()


def _cann_key(cann_table: Mapping[str, Any], version: str) -> str | None:
    for key in cann_table:
        if str(key).lower() == version.lower():
            return str(key)
    return None


def check_versions(project: Project, dockerfiles: Dockerfiles) -> list[Diagnostic]:
    """The version rules of every image; Dockerfiles come parsed (numpy pins), this reads no file."""
    table = table_for(project)
    graph = project.graph
    numpy_pins: dict[str, list[str]] = {}
    for image_id, image in project.images.items():
        dockerfile = dockerfiles.get(image)
        numpy_pins[image_id] = list(dockerfile.numpy_specifiers) if dockerfile else []
    problems: list[Diagnostic] = []
    for image_id in graph.order:
        facts = effective(project, graph, image_id, table, numpy_pins)
        for rule in RULES:
            for involved, message in rule(facts, table):
                if any(facts[f].image == image_id for f in involved if f in facts):
                    problems.append(_diagnostic(project, graph, image_id, facts, involved, message))
    return problems


def _diagnostic(project, graph, image_id, facts, involved, message) -> Diagnostic:
    own = [facts[f] for f in involved if f in facts and facts[f].image == image_id]
    inherited = sorted({facts[f].image for f in involved if f in facts and facts[f].image != image_id})
    path = ("images", image_id)
    if own and own[0].arg in project.images[image_id].args:
        path += ("args", own[0].arg)
    elif own and own[0].arg in ("from", "dockerfile"):
        path += (own[0].arg,)
    origin = f" (inherited from {', '.join(inherited)})" if inherited else ""
    text = message.replace("{inherited}", origin)
    if inherited:
        text += f" [chain: {' -> '.join(graph.ancestors(image_id) + [image_id])}]"
    return Diagnostic(project.where(*path), f"{image_id}: {text}")


# --- the rules: each yields (facts involved, message); "{inherited}" marks where the
#     origin of inherited values is named ---------------------------------------------


def rule_chip(facts, table):
    chip = facts.get("chip")
    if chip and chip.value.lower() not in [str(c).lower() for c in table["chips"]]:
        yield ("chip",), f"unknown chip '{chip.value}'; supported: {', '.join(map(str, table['chips']))}"


def rule_cann_known(facts, table):
    cann = facts.get("cann")
    if cann and _cann_key(table["cann"], cann.value) is None:
        known = ", ".join(map(str, table["cann"]))
        yield ("cann",), (
            f"CANN {cann.value} is not in bakegen's compatibility table ({known}); "
            "for a newer release add it under compat: cann: in images.yaml"
        )


def rule_torch_npu_for_cann(facts, table):
    cann, npu = facts.get("cann"), facts.get("torch_npu")
    if not (cann and npu):
        return
    key = _cann_key(table["cann"], cann.value)
    if key is None:
        return
    released = [str(v) for v in table["cann"][key].get("torch_npu", [])]
    if any(_same_version(npu.value, v) for v in released):
        return
    vllm = facts.get("vllm_ascend")
    entry = _vllm_entry(table, vllm.value) if vllm else None
    if entry and _same_version(_public(str(entry.get("torch_npu", ""))), _public(npu.value)):
        return  # the image's vllm-ascend release pins it (e.g. 2.7.1.dev20250724 on 8.2.RC1)
    nearest = sorted(released, key=lambda v: (_distance(v, npu.value), released.index(v)))
    elsewhere = [
        str(c) for c, entry in table["cann"].items() if any(_same_version(npu.value, str(v)) for v in entry.get("torch_npu", []))
    ]
    hint = f" (torch_npu {npu.value} was released for CANN {_or_list(elsewhere)})" if elsewhere else ""
    yield ("cann", "torch_npu"), (
        f"torch_npu {npu.value} was not released for CANN {cann.value}{{inherited}}; "
        f"for CANN {cann.value} use {_or_list(nearest)}{hint}"
    )


def rule_torch_matches_torch_npu(facts, table):
    torch, npu = facts.get("torch"), facts.get("torch_npu")
    if not (torch and npu):
        return
    npu_version, torch_version = _version(npu.value), _version(torch.value)
    if npu_version is None or torch_version is None:
        return  # not versions: the torch_npu-for-CANN rule names a torch_npu it does not know
    wanted = _torch_of(npu_version)
    if Version(torch_version.public) != wanted:
        yield ("torch", "torch_npu"), (
            f"torch_npu {npu.value} is built for torch {wanted}, but TORCH_VERSION is "
            f"{torch.value}{{inherited}}; set TORCH_VERSION={wanted}"
        )


def rule_python_for_torch(facts, table):
    torch, python = facts.get("torch"), facts.get("python")
    if not (torch and python):
        return
    span = _torch_python_span(table["torch_python"], torch.value)
    if not span:
        return
    if not _within(python.value, span):
        yield ("torch", "python"), (
            f"torch {torch.value} supports Python {span[0]} to {span[1]}, but PYTHON_VERSION is "
            f"{python.value}{{inherited}}"
        )


def rule_numpy_below_2(facts, table):
    cann, numpy = facts.get("cann"), facts.get("numpy")
    if not (cann and numpy):
        return
    limit = table.get("numpy_max_major", {}).get(cann.value.split(".")[0])
    if limit is None:
        return
    # Each group (NUMPY_VERSION; the Dockerfile's pins) is one specifier set; it is wrong when
    # pip could pick a numpy above the limit from it. An unpinned numpy is not judged.
    for group in numpy.groups or (",".join(_as_specs(numpy.value)),):
        specs = [spec for spec in group.split(",") if spec]
        if specs and _admitted_above(specs, int(limit)):
            yield ("cann", "numpy"), (
                f"numpy {group} with CANN {cann.value}{{inherited}}: CANN {cann.value.split('.')[0]}.x "
                f"needs numpy<{int(limit) + 1} (numpy 2 fails in set_device, error 500001)"
            )


def rule_components(facts, table):
    comps = facts.get("components")
    if not comps:
        return
    names = _component_names(comps.value)  # what this image's COMPONENTS installs
    # with what its ancestors installed (set where COMPONENTS is; inherited otherwise: not judged again)
    union = facts.get("installed_components")
    origins = dict(union.origins) if union and union.image == comps.image else {n: comps.image for n in names}
    known = {"toolkit", "nnae", "kernels", "ops", "nnal"}
    for name in names:
        if name not in known:
            yield ("components",), f"unknown CANN component '{name}'; use toolkit or nnae, kernels or ops, nnal"
    if "toolkit" in origins and "nnae" in origins:
        parents = sorted({origins[n] for n in ("toolkit", "nnae") if origins[n] != comps.image})
        where = f" (with what {', '.join(parents)} installs)" if parents else ""
        yield ("components",), f"COMPONENTS has both toolkit and nnae{where}; pick one (toolkit includes the runtime)"
    if "nnal" in names and "toolkit" not in origins:
        yield ("components",), "nnal needs the toolkit (it is installed on top of the toolkit's set_env.sh); add toolkit to COMPONENTS"
    cann = facts.get("cann")
    key = _cann_key(table["cann"], cann.value) if cann else None
    if key is not None:
        operators = table["cann"][key].get("operators")
        wrong = {"ops": "kernels", "kernels": "ops"}.get(operators)
        if wrong and wrong in names:
            yield ("components", "cann"), (
                f"CANN {cann.value} ships its operators as '{operators}', not '{wrong}'{{inherited}} "
                "(from 8.5.0 kernels became ops); fix COMPONENTS"
            )


def rule_vllm_ascend_stack(facts, table):
    vllm = facts.get("vllm_ascend")
    if not vllm:
        return
    entry = _vllm_entry(table, vllm.value)
    if entry is None:
        return
    for fact, expected in (("torch", entry.get("torch")), ("torch_npu", entry.get("torch_npu")), ("cann", entry.get("cann"))):
        mine = facts.get(fact)
        if not (mine and expected):
            continue
        # a CANN release is a name (8.3.RC2), compared as written; torch and torch_npu are versions
        if fact == "cann":
            same = _same_cann(mine.value, str(expected))
        else:
            same = _same_version(_public(mine.value), _public(str(expected)))
        if not same:
            yield ("vllm_ascend", fact), (
                f"vllm-ascend {vllm.value} is built on {fact} {expected}, but {mine.arg} is {mine.value}{{inherited}}"
            )
    python = facts.get("python")
    span = entry.get("python")
    if python and span and not _within(python.value, span):
        yield ("vllm_ascend", "python"), (
            f"vllm-ascend {vllm.value} supports Python {span[0]} to {span[1]}, but PYTHON_VERSION is {python.value}{{inherited}}"
        )


RULES = (
    rule_chip,
    rule_cann_known,
    rule_torch_npu_for_cann,
    rule_torch_matches_torch_npu,
    rule_python_for_torch,
    rule_numpy_below_2,
    rule_components,
    rule_vllm_ascend_stack,
)
