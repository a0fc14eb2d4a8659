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

from bakegen.dockerfile import Dockerfiles
from bakegen.errors import Diagnostic
from bakegen.graph import ImageGraph
from bakegen.model import Project

# quay.io/ascend/vllm-ascend:v0.11.0rc1, ...:v0.11.0rc1-310p (310P/A3 variants), ...:v0.11.0@sha256:...
VLLM_IMAGE = re.compile(r"(^|/)vllm-ascend:(?P<tag>[^@/:]+)(@[^/]*)?$")
SPECIFIER = re.compile(r"(?P<op>===|==|>=|~=|>|<=|<|!=)\s*(?P<version>[0-9][0-9A-Za-z.*]*)")


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


def _release(version: str) -> tuple[int, ...]:
    """The release numbers of a version: 2.0.2 -> (2, 0, 2); 1.26.0rc1 -> (1, 26, 0); 2.x -> (2,)."""
    numbers: list[int] = []
    for part in version.split("."):
        m = re.match(r"\d+", part)
        if not m:
            break
        numbers.append(int(m.group()))
        if m.group() != part:
            break
    return tuple(numbers)


def _padded(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)), b + (0,) * (width - len(b))


def _admits(spec: str, candidate: str) -> bool:
    """Whether one specifier (==, !=, <, <=, >, >=, ~=, == / != with .*) admits a release.
    Release numbers only (pre/post/local parts are not compared): enough for "does it allow numpy 2"."""
    m = SPECIFIER.fullmatch(spec.strip())
    if not m:
        return True  # not understood: it does not narrow the set
    op, version = m.group("op"), m.group("version")
    have = _release(candidate)
    if op in ("==", "!=") and version.endswith(".*"):
        prefix = _release(version[:-2])
        equal = (have + (0,) * len(prefix))[: len(prefix)] == prefix
        return equal if op == "==" else not equal
    want = _release(version)
    if not want:
        return True
    a, b = _padded(have, want)
    if op in ("==", "==="):
        return a == b
    if op == "!=":
        return a != b
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    if op == ">=":
        return a >= b
    # ~=: >= version and the same release except for the last number given
    prefix = want[:-1] if len(want) > 1 else want
    return a >= b and (have + (0,) * len(prefix))[: len(prefix)] == prefix


def _admitted_above(specs: list[str], limit: int) -> bool:
    """Whether the specifier set admits some release with a major above limit (numpy 2.x for limit 1)."""
    specs = [spec for spec in specs if SPECIFIER.fullmatch(spec.strip())]  # "latest" and the like: not judged
    if not specs:
        return False
    major = limit + 1
    candidates = {f"{major}.0.0", f"{major}.0.2", f"{major}.2.6", f"{major}.3.0"}
    for spec in specs:  # the versions the specifiers name, and just past them: >2.3.0, ==2.1.*
        m = SPECIFIER.fullmatch(spec.strip())
        release = _release(m.group("version")) if m else ()
        if release and release[0] > limit:
            r = release + (0,) * (3 - len(release))
            candidates |= {".".join(map(str, r)), f"{r[0]}.{r[1]}.{r[2] + 1}", f"{r[0]}.{r[1] + 1}.0", f"{r[0] + 1}.0.0"}
    return any(all(_admits(spec, candidate) for spec in specs) for candidate in candidates)


def _version_key(version: str) -> tuple[int, ...]:
    """3.10 -> (3, 10); a part without leading digits (3.x) counts as -1, so it never raises."""
    return tuple(int(m.group()) if (m := re.match(r"\d+", part)) else -1 for part in version.split("."))


def _within(version: str, span) -> bool:
    """Whether a Python version is in [low, high]; only major.minor counts (3.11.7 is 3.11)."""
    low, high = (str(v) for v in span)
    return _version_key(low)[:2] <= _version_key(version)[:2] <= _version_key(high)[:2]


def _public(version: str) -> str:
    """2.7.1+cpu -> 2.7.1 (a PEP 440 local suffix names a build, not another release)."""
    return version.split("+", 1)[0].strip()


def _distance(candidate: str, wanted: str) -> tuple:
    """How far a torch_npu release is from the one asked for: same torch first, then nearest line."""
    def numbers(v: str) -> list[int]:
        return [int(p) for p in _base(v).split(".") if p.isdigit()] + [0, 0, 0]

    a, b = numbers(candidate), numbers(wanted)
    return (_base(candidate) != _base(wanted), abs(a[0] - b[0]), abs(a[1] - b[1]), abs(a[2] - b[2]))


def _base(torch_npu: str) -> str:
    """torch_npu 2.7.1.post2 -> 2.7.1 (torch_npu's base version is torch's version)."""
    return ".".join(torch_npu.split(".")[:3])


def _line(version: str) -> str:
    return ".".join(version.split(".")[:2])


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
    if npu.value in released:
        return
    vllm = facts.get("vllm_ascend")
    entry = _vllm_entry(table, vllm.value) if vllm else None
    if entry and _public(str(entry.get("torch_npu", ""))) == _public(npu.value):
        return  # the image's vllm-ascend release pins it (e.g. 2.7.1.dev20250724 on 8.2.RC1)
    nearest = sorted(released, key=lambda v: (_distance(v, npu.value), released.index(v)))
    elsewhere = [str(c) for c, entry in table["cann"].items() if npu.value in map(str, entry.get("torch_npu", []))]
    hint = f" (torch_npu {npu.value} was released for CANN {_or_list(elsewhere)})" if elsewhere else ""
    yield ("cann", "torch_npu"), (
        f"torch_npu {npu.value} was not released for CANN {cann.value}{{inherited}}; "
        f"for CANN {cann.value} use {_or_list(nearest)}{hint}"
    )


def rule_torch_matches_torch_npu(facts, table):
    torch, npu = facts.get("torch"), facts.get("torch_npu")
    if torch and npu and _base(_public(npu.value)) != _public(torch.value):
        yield ("torch", "torch_npu"), (
            f"torch_npu {npu.value} is built for torch {_base(_public(npu.value))}, but TORCH_VERSION is "
            f"{torch.value}{{inherited}}; set TORCH_VERSION={_base(_public(npu.value))}"
        )


def _torch_python_span(spans: Mapping[str, Any], line: str):
    """The Python range of a torch line; a line newer than the newest listed gets the newest
    listed range (the table states "2.11 and later"); an older unlisted line is not judged."""
    spans = {str(k): v for k, v in spans.items()}
    if line in spans:
        return spans[line]
    if not spans or not _version_key(line) or -1 in _version_key(line):
        return None
    newest = max(spans, key=_version_key)
    return spans[newest] if _version_key(line) > _version_key(newest) else None


def rule_python_for_torch(facts, table):
    torch, python = facts.get("torch"), facts.get("python")
    if not (torch and python):
        return
    span = _torch_python_span(table["torch_python"], _line(_public(torch.value)))
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
        if mine and expected and _public(mine.value).lower() != _public(str(expected)).lower():
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
