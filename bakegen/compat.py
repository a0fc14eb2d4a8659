"""The Ascend compatibility facts the version rules apply, read and typed once per project.

The facts are data: ``bakegen/data/compat.yaml``, built from the official tables, with
images.yaml's ``compat:`` laid over it section by section (an entry there replaces the
built-in entry of the same name; a section that is a list, such as ``chips``, replaces the
built-in list). ``load_compat`` turns the result into frozen dataclasses when the project is
loaded, so that ``bakegen.rules`` never reads YAML and a ``compat:`` that contradicts itself
is reported where it is written.

CANN releases (8.3.RC1) and vllm-ascend tags (v0.11.0rc1-310p) are names, looked up as
written (CANN case aside); torch lines and Python ranges are versions (``bakegen.versions``).
A release the table does not list gets the nearest one it does (``nearest_*``) and the
``compat:`` entry that would add it (``overlay_snippet``), for the rules' warnings.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from types import MappingProxyType
from typing import Any

import yaml
from packaging.version import Version

from bakegen import versions


class CompatError(Exception):
    """A compat table that contradicts itself; path is where, under ``compat:`` (its key, if key)."""

    def __init__(self, path: tuple, message: str, key: bool = False):
        super().__init__(message)
        self.path = path
        self.message = message
        self.key = key


@dataclass(frozen=True)
class PythonRange:
    lowest: str  # major.minor, as written
    highest: str

    def admits(self, python: str) -> bool:
        """Only major.minor counts (3.11.7 is 3.11); text that is not a version (3.x) is in no range."""
        have = versions.line(python)
        low, high = versions.line(self.lowest), versions.line(self.highest)  # versions: checked at load
        return have is not None and low <= have <= high  # type: ignore[operator]


@dataclass(frozen=True)
class CannRelease:
    name: str  # as the table writes it: 8.3.RC1
    torch_npu: tuple[str, ...]  # the torch_npu releases built for it
    operators: str | None  # the name of its operator package: kernels up to 8.3, ops from 8.5.0

    def entry(self) -> dict:
        """As compat.yaml writes it."""
        entry: dict[str, Any] = {"torch_npu": list(self.torch_npu)}
        if self.operators:
            entry["operators"] = self.operators
        return entry


@dataclass(frozen=True)
class VllmAscendStack:
    """What an official vllm-ascend image of a release is built on."""

    cann: str | None
    torch: str | None
    torch_npu: str | None
    python: PythonRange | None

    def entry(self) -> dict:
        """As compat.yaml writes it (what is known of the stack)."""
        known = (("cann", self.cann), ("torch", self.torch), ("torch_npu", self.torch_npu))
        entry: dict[str, Any] = {key: value for key, value in known if value}
        if self.python:
            entry["python"] = [self.python.lowest, self.python.highest]
        return entry


@dataclass(frozen=True)
class MindSporeRelease:
    name: str  # as the table writes it: 2.6.0, 2.3.0rc1
    cann: tuple[str, ...]  # the CANN releases it is for
    python: PythonRange | None  # None: no source read states it, not judged

    def entry(self) -> dict:
        entry: dict[str, Any] = {"cann": list(self.cann)}
        if self.python:
            entry["python"] = [self.python.lowest, self.python.highest]
        return entry

    def supports(self, cann: str) -> bool:
        return cann.strip().lower() in (name.lower() for name in self.cann)


@dataclass(frozen=True)
class Components:
    """The CANN components COMPONENTS may list."""

    runtimes: tuple[str, ...]  # pick one; the first is the full toolkit (development kit and runtime)
    operators: tuple[str, ...]  # operator packages; a CANN release ships one of them (CannRelease.operators)
    extras: tuple[str, ...]
    requires: Mapping[str, tuple[str, ...]]  # component -> the components it can be installed on top of (one of)

    @property
    def known(self) -> tuple[str, ...]:
        return self.runtimes + self.operators + self.extras


@dataclass(frozen=True)
class Compat:
    args: Mapping[str, tuple[str, ...]]  # fact -> the build args that set it, the preferred one first
    chips: tuple[str, ...]
    cann: tuple[CannRelease, ...]  # in table order
    torch_python: Mapping[str, PythonRange]  # torch line (2.10) -> the Python versions it supports
    numpy_max_major: Mapping[str, int]  # CANN major -> the highest numpy major that works with it
    vllm_ascend: Mapping[str, VllmAscendStack]  # tag or release line -> its stack
    components: Components
    mindspore: tuple[MindSporeRelease, ...]  # in table order

    @cached_property
    def _cann_by_name(self) -> dict[str, CannRelease]:
        return {release.name.lower(): release for release in self.cann}

    def cann_release(self, name: str) -> CannRelease | None:
        """The release of that name, case aside (8.3.rc1 is 8.3.RC1; 8.3rc1 is no release name)."""
        return self._cann_by_name.get(name.strip().lower())

    def nearest_cann(self, name: str) -> CannRelease | None:
        """The listed release nearest to one the table does not list (see ``nearest``)."""
        found = nearest(name, [release.name for release in self.cann], versions.cann_order)
        return self.cann_release(found) if found else None

    @cached_property
    def _torch_npu_releases(self) -> frozenset[str]:
        listed = [v for release in self.cann for v in release.torch_npu]
        listed += [stack.torch_npu for stack in self.vllm_ascend.values() if stack.torch_npu]
        return frozenset(_release_key(v) for v in listed)

    def torch_npu_listed(self, version: str) -> bool:
        """Whether the table names this torch_npu release anywhere (for a CANN release or in a
        vllm-ascend stack); a local suffix (+cpu, +git1234) names a build of that release."""
        return _release_key(version) in self._torch_npu_releases

    def numpy_limit(self, cann: str) -> int | None:
        """The highest numpy major for a CANN release, by its major (8.3.RC1 -> "8")."""
        return self.numpy_max_major.get(cann.split(".")[0])

    def vllm_ascend_stack(self, tag: str) -> VllmAscendStack | None:
        """The row for an image tag: the full tag, else the part before the first "-"
        (v0.11.0rc1-310p, v0.11.0rc1-a3), else its release line (v0.10.2 -> v0.10)."""
        release = tag.split("-")[0]
        for key in (tag, release, ".".join(release.split(".")[:2])):
            if key in self.vllm_ascend:
                return self.vllm_ascend[key]
        return None

    def mindspore_release(self, version: str) -> MindSporeRelease | None:
        """The release of that version, as pip compares them (2.6.0-rc1 is 2.6.0rc1)."""
        return next((release for release in self.mindspore if versions.same(release.name, version)), None)

    def nearest_mindspore(self, version: str) -> MindSporeRelease | None:
        found = nearest(version, [release.name for release in self.mindspore], versions.parse)
        return self.mindspore_release(found) if found else None

    def mindspore_for_cann(self, cann: str) -> list[str]:
        """The MindSpore releases for a CANN release, newest first."""
        names = [release.name for release in self.mindspore if release.supports(cann)]
        return sorted(names, key=lambda name: versions.parse(name) or Version("0"), reverse=True)

    def nearest_vllm_ascend(self, tag: str) -> str | None:
        """The row nearest to a tag that has none, by its release (v0.11.1-a3 -> v0.11.0)."""
        return nearest(tag.split("-")[0], list(self.vllm_ascend), versions.parse)

    @cached_property
    def _torch_lines(self) -> dict[tuple[int, ...], PythonRange]:
        return {versions.line(key): span for key, span in self.torch_python.items()}  # type: ignore[misc]

    def python_for_torch(self, torch: str) -> PythonRange | None:
        """The Python range of a torch version's line. A line newer than the newest listed gets
        the newest listed range (the table states "2.11 and later"); an older unlisted line, or
        text that is not a version, is not judged."""
        line = versions.line(versions.public(torch))
        if line is None or not self._torch_lines:
            return None
        if line in self._torch_lines:
            return self._torch_lines[line]
        newest = max(self._torch_lines)
        return self._torch_lines[newest] if line > newest else None


def nearest(wanted: str, known: Iterable[str], order: Callable[[str], Any]) -> str | None:
    """The known name nearest to one a table lacks: the newest not newer than it (the release it
    most likely follows), else the oldest. For text ``order`` cannot read (returns None), the
    closest spelling, if any is close."""
    known = list(known)
    key = order(wanted)
    ordered = [(order(name), name) for name in known]
    ordered = [(k, name) for k, name in ordered if k is not None]
    if key is None or not ordered:
        close = difflib.get_close_matches(wanted.lower(), [name.lower() for name in known], n=1, cutoff=0.6)
        return next((name for name in known if close and name.lower() == close[0]), None)
    older = [(k, name) for k, name in ordered if k <= key]
    return max(older)[1] if older else min(ordered)[1]


def newest(known: Iterable[str], order: Callable[[str], Any]) -> str | None:
    """The newest of the names ``order`` can read."""
    ordered = [(key, name) for name in known if (key := order(name)) is not None]
    return max(ordered)[1] if ordered else None


def _release_key(version: str) -> str:
    parsed = versions.parse(versions.public(version))
    return str(parsed) if parsed else version.strip().lower()


def overlay_snippet(section: str, name: str, entry: Mapping[str, Any]) -> str:
    """The one-line ``compat:`` that adds an entry, as images.yaml would take it:
    compat: {cann: {9.2.0: {torch_npu: [2.12.0.post1], operators: ops}}}."""
    return f"compat: {{{section}: {{{_yaml_flow(name)}: {_yaml_flow(entry)}}}}}"


def _yaml_flow(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_yaml_flow(k)}: {_yaml_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_yaml_flow(v) for v in value) + "]"
    text = str(value)
    # bare only when YAML reads it back as the same text (3.10 would be the number 3.1)
    if re.fullmatch(r"[\w][\w.+-]*", text) and yaml.safe_load(text) == text:
        return text
    return "'" + text.replace("'", "''") + "'"


# --- loading ------------------------------------------------------------------------------


@cache
def builtin_table() -> dict:
    text = resources.files("bakegen").joinpath("data/compat.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def load_compat(overlay: Mapping[str, Any] | None = None) -> Compat:
    """The built-in table with images.yaml's ``compat:`` laid over it, typed. Raises CompatError."""
    table = merged(builtin_table(), overlay or {})
    components = _components(table["components"])
    return Compat(
        args=MappingProxyType({str(fact): _texts(names) for fact, names in table["args"].items()}),
        chips=_texts(table["chips"]),
        cann=tuple(_cann_release(str(name), entry or {}, components) for name, entry in table["cann"].items()),
        torch_python=MappingProxyType(
            {_torch_line(str(k)): _range(("torch_python", str(k)), span) for k, span in table["torch_python"].items()}
        ),
        numpy_max_major=MappingProxyType({str(k): int(v) for k, v in (table.get("numpy_max_major") or {}).items()}),
        vllm_ascend=MappingProxyType({str(k): _stack(str(k), row or {}) for k, row in table["vllm_ascend"].items()}),
        components=components,
        mindspore=tuple(_mindspore(str(name), entry or {}) for name, entry in (table.get("mindspore") or {}).items()),
    )


def merged(builtin: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict:
    """overlay's sections laid over builtin's: entry by entry where both are mappings, else replaced."""
    result = {key: (dict(value) if isinstance(value, dict) else value) for key, value in builtin.items()}
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), dict):
            result[key].update({str(k): v for k, v in value.items()})
        else:
            result[key] = value
    return result


def _texts(values: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in values or ())


def _one_or_more(value: Any) -> tuple[str, ...]:
    """requires: {nnal: toolkit} or {nnal: [toolkit, nnae]}."""
    return _texts(value) if isinstance(value, (list, tuple)) else (str(value),)


def _components(section: Mapping[str, Any]) -> Components:
    components = Components(
        runtimes=_texts(section.get("runtimes")),
        operators=_texts(section.get("operators")),
        extras=_texts(section.get("extras")),
        requires=MappingProxyType({str(k): _one_or_more(v) for k, v in (section.get("requires") or {}).items()}),
    )
    for name, needed in components.requires.items():
        for component in (name, *needed):
            if component not in components.known:
                raise CompatError(
                    ("components", "requires", name),
                    f"'{component}' is not a component (components: runtimes, operators, extras: "
                    f"{', '.join(components.known)})",
                )
    return components


def _cann_release(name: str, entry: Mapping[str, Any], components: Components) -> CannRelease:
    operators = None if entry.get("operators") is None else str(entry["operators"])
    if operators is not None and operators not in components.operators:
        raise CompatError(
            ("cann", name, "operators"),
            f"CANN {name}: '{operators}' is not an operator package (components: operators: "
            f"{', '.join(components.operators)})",
        )
    return CannRelease(name, _texts(entry.get("torch_npu")), operators)


def _torch_line(text: str) -> str:
    if versions.line(text) is None:
        raise CompatError(("torch_python", text), f"'{text}' is not a torch line such as 2.7", key=True)
    return text


def _range(path: tuple, span: Any) -> PythonRange:
    lowest, highest = (str(v) for v in span)
    for bound in (lowest, highest):
        if versions.line(bound) is None:
            raise CompatError(path, f"'{bound}' is not a Python version such as 3.11")
    return PythonRange(lowest, highest)


def _mindspore(name: str, entry: Mapping[str, Any]) -> MindSporeRelease:
    if versions.parse(name) is None:
        raise CompatError(("mindspore", name), f"'{name}' is not a MindSpore version such as 2.6.0", key=True)
    python = entry.get("python")
    return MindSporeRelease(
        name,
        _texts(entry.get("cann")),
        _range(("mindspore", name, "python"), python) if python else None,
    )


def _stack(tag: str, row: Mapping[str, Any]) -> VllmAscendStack:
    def text(key: str) -> str | None:
        return None if row.get(key) is None else str(row[key])

    python = row.get("python")
    return VllmAscendStack(
        cann=text("cann"),
        torch=text("torch"),
        torch_npu=text("torch_npu"),
        python=_range(("vllm_ascend", tag, "python"), python) if python else None,
    )
