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

from bakegen.errors import Diagnostic
from bakegen.graph import ImageGraph
from bakegen.model import Project

VLLM_IMAGE = re.compile(r"(^|/)vllm-ascend:(?P<tag>[^@/]+)$")
NUMPY_PIN = re.compile(r"numpy\s*(?P<op>==|>=|~=|>|<=|<|!=)\s*(?P<version>[0-9][0-9.]*)", re.IGNORECASE)


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


def effective(project: Project, graph: ImageGraph, image_id: str, table: dict) -> dict[str, Setting]:
    """fact -> Setting, from the root of the chain down to the image (nearest wins)."""
    found: dict[str, Setting] = {}
    for current in graph.ancestors(image_id) + [image_id]:
        image = project.images[current]
        for fact, names in table["args"].items():
            for name in names:
                if name in image.args and image.args[name] != "":
                    found[fact] = Setting(image.args[name], current, name)
                    break
        pins = _dockerfile_numpy_pins(project, current)
        if pins:
            own = found.get("numpy")
            if own is not None and own.image == current:  # NUMPY_VERSION and the Dockerfile's pins
                found["numpy"] = Setting(",".join([own.value, *pins]), current, own.arg)
            else:
                found["numpy"] = Setting(",".join(pins), current, "dockerfile")
        match = VLLM_IMAGE.search(image.external_base or "")
        if match and "vllm_ascend" not in found:
            found["vllm_ascend"] = Setting(match.group("tag"), current, "from")
    return found


def _dockerfile_numpy_pins(project: Project, image_id: str) -> list[str]:
    """numpy version pins written in the image's Dockerfile (e.g. "numpy<2", numpy==1.26.4)."""
    image = project.images[image_id]
    path = project.root / image.context / image.dockerfile
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    return [m.group("op") + m.group("version") for m in NUMPY_PIN.finditer(text)]


def _version_key(version: str) -> tuple[int, ...]:
    """3.10 -> (3, 10); a part without leading digits (3.x) counts as -1, so it never raises."""
    return tuple(int(m.group()) if (m := re.match(r"\d+", part)) else -1 for part in version.split("."))


def _within(version: str, span) -> bool:
    low, high = (str(v) for v in span)
    return _version_key(low) <= _version_key(version) <= _version_key(high)


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


def _cann_key(cann_table: Mapping[str, Any], version: str) -> str | None:
    for key in cann_table:
        if str(key).lower() == version.lower():
            return str(key)
    return None


def check_versions(project: Project) -> list[Diagnostic]:
    table = table_for(project)
    graph = ImageGraph(project)
    problems: list[Diagnostic] = []
    for image_id in graph.order:
        facts = effective(project, graph, image_id, table)
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
    nearest = sorted(released, key=lambda v: (_distance(v, npu.value), released.index(v)))
    elsewhere = [str(c) for c, entry in table["cann"].items() if npu.value in map(str, entry.get("torch_npu", []))]
    hint = f" (torch_npu {npu.value} was released for CANN {_or_list(elsewhere)})" if elsewhere else ""
    yield ("cann", "torch_npu"), (
        f"torch_npu {npu.value} was not released for CANN {cann.value}{{inherited}}; "
        f"for CANN {cann.value} use {_or_list(nearest)}{hint}"
    )


def rule_torch_matches_torch_npu(facts, table):
    torch, npu = facts.get("torch"), facts.get("torch_npu")
    if torch and npu and _base(npu.value) != torch.value:
        yield ("torch", "torch_npu"), (
            f"torch_npu {npu.value} is built for torch {_base(npu.value)}, but TORCH_VERSION is "
            f"{torch.value}{{inherited}}; set TORCH_VERSION={_base(npu.value)}"
        )


def rule_python_for_torch(facts, table):
    torch, python = facts.get("torch"), facts.get("python")
    if not (torch and python):
        return
    span = table["torch_python"].get(_line(torch.value))
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
    specs = [spec.strip() for spec in numpy.value.split(",") if spec.strip()]
    specs = [spec if spec[:1] in "=<>~!" else "==" + spec for spec in specs]  # NUMPY_VERSION=1.26.4
    for match in NUMPY_PIN.finditer(" ".join("numpy" + spec for spec in specs)):
        op, version = match.group("op"), match.group("version")
        major = int(version.split(".")[0])
        if (op in ("==", "~=", ">=") and major > int(limit)) or (op == ">" and major >= int(limit)):
            yield ("cann", "numpy"), (
                f"numpy {op}{version} with CANN {cann.value}{{inherited}}: CANN {cann.value.split('.')[0]}.x "
                f"needs numpy<{int(limit) + 1} (numpy 2 fails in set_device, error 500001)"
            )


def rule_components(facts, table):
    comps = facts.get("components")
    if not comps:
        return
    names = [c.strip().lower() for c in comps.value.split(",") if c.strip()]
    known = {"toolkit", "nnae", "kernels", "ops", "nnal"}
    for name in names:
        if name not in known:
            yield ("components",), f"unknown CANN component '{name}'; use toolkit or nnae, kernels or ops, nnal"
    if "toolkit" in names and "nnae" in names:
        yield ("components",), "COMPONENTS has both toolkit and nnae; pick one (toolkit includes the runtime)"
    if "nnal" in names and "toolkit" not in names:
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
    entries = table.get("vllm_ascend", {})
    entry = entries.get(vllm.value) or entries.get(".".join(vllm.value.split(".")[:2]))
    if entry is None:
        return
    for fact, expected in (("torch", entry.get("torch")), ("torch_npu", entry.get("torch_npu")), ("cann", entry.get("cann"))):
        mine = facts.get(fact)
        if mine and expected and mine.value.lower() != str(expected).lower():
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
