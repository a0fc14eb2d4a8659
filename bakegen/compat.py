"""The Ascend compatibility facts the version rules apply, read and typed once per project.

The facts are data: ``bakegen/data/compat.yaml``, built from the official tables, with
images.yaml's ``compat:`` laid over it section by section (an entry there replaces the
built-in entry of the same name; a section that is a list, such as ``chips``, replaces the
built-in list). ``load_compat`` turns the result into frozen dataclasses when the project is
loaded, so that ``bakegen.rules`` never reads YAML and a ``compat:`` that contradicts itself
is reported where it is written.

CANN releases (8.3.RC1) and vllm-ascend tags (v0.11.0rc1-310p) are names, looked up as
written (CANN case aside); torch lines and Python ranges are versions (``bakegen.versions``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from types import MappingProxyType
from typing import Any, Mapping

import yaml

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


@dataclass(frozen=True)
class VllmAscendStack:
    """What an official vllm-ascend image of a release is built on."""

    cann: str | None
    torch: str | None
    torch_npu: str | None
    python: PythonRange | None


@dataclass(frozen=True)
class Components:
    """The CANN components COMPONENTS may list."""

    runtimes: tuple[str, ...]  # pick one; the first is the full toolkit (development kit and runtime)
    operators: tuple[str, ...]  # operator packages; a CANN release ships one of them (CannRelease.operators)
    extras: tuple[str, ...]
    requires: Mapping[str, str]  # component -> the component it is installed on top of

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

    @cached_property
    def _cann_by_name(self) -> dict[str, CannRelease]:
        return {release.name.lower(): release for release in self.cann}

    def cann_release(self, name: str) -> CannRelease | None:
        """The release of that name, case aside (8.3.rc1 is 8.3.RC1; 8.3rc1 is no release name)."""
        return self._cann_by_name.get(name.strip().lower())

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


def _components(section: Mapping[str, Any]) -> Components:
    components = Components(
        runtimes=_texts(section.get("runtimes")),
        operators=_texts(section.get("operators")),
        extras=_texts(section.get("extras")),
        requires=MappingProxyType({str(k): str(v) for k, v in (section.get("requires") or {}).items()}),
    )
    for name, needed in components.requires.items():
        for component in (name, needed):
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
