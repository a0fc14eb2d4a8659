"""What a container of each image starts with: USER, WORKDIR, ENV, ENTRYPOINT, CMD and EXPOSE,
as the Dockerfiles along its chain set them.

``resolve_run_configs`` walks the graph in build order, each image once: a child starts
from its parent's configuration and applies the configuration steps of the stage its
Dockerfile builds (``image.target`` or the last), through the stages of the same file
that stage is built on. A stage on ``${BASE_IMAGE}`` continues the parent's
configuration; one on any other image (an external base, ``scratch``) starts from what
bakegen cannot see: ``known`` is False then, and so it is for an image on an external
base or without a local Dockerfile.

As BuildKit does: an ENTRYPOINT clears the CMD inherited from the base unless the same
build set a CMD before it; ENV, EXPOSE accumulate; the last USER and WORKDIR win.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from bakegen.dockerfile import Dockerfile, Dockerfiles, Stage
from bakegen.errors import Position
from bakegen.model import Project

_BASE = re.compile(r"^\$\{?BASE_IMAGE\}?$")
_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


@dataclass(frozen=True)
class Where:
    """A value and the Dockerfile line that set it."""

    value: str
    position: Position


@dataclass(frozen=True)
class RunConfig:
    user: Where | None = None
    workdir: Where | None = None
    entrypoint: tuple[str, ...] | None = None
    cmd: tuple[str, ...] | None = None
    env: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    exposed: tuple[Where, ...] = ()  # ports as written: 8080, 8080/tcp

    def exposes(self, port: int) -> bool:
        return any(p.value.split("/")[0] == str(port) for p in self.exposed)


def resolve_run_configs(project: Project, dockerfiles: Dockerfiles) -> dict[str, RunConfig]:
    resolved: dict[str, RunConfig] = {}
    for image_id in project.graph.order:
        image = project.images[image_id]
        parent = resolved[image.parent] if image.parent else RunConfig()
        dockerfile = dockerfiles.get(image)
        if dockerfile is None or not dockerfile.stages:
            resolved[image_id] = parent
            continue
        chain, from_base = _stage_chain(dockerfile, image.target)
        start = parent if from_base else RunConfig()
        resolved[image_id] = _apply(start, chain, dockerfile, dict(image.build_args))
    return resolved


def _stage_chain(dockerfile: Dockerfile, target: str | None) -> tuple[list[Stage], bool]:
    """The stages the built one stands on, first one first, and whether the first is on the parent."""
    stages = list(dockerfile.stages)
    by_name = {s.base.stage.lower(): s for s in stages if s.base.stage}
    current = by_name.get(target.lower()) if target else stages[-1]
    if current is None:
        current = stages[-1]
    chain: list[Stage] = []
    while current is not None and current not in chain:
        chain.append(current)
        current = by_name.get(current.base.image.lower())
    chain.reverse()
    return chain, bool(_BASE.match(chain[0].base.image))


def _apply(start: RunConfig, chain: list[Stage], dockerfile: Dockerfile, args: dict[str, str]) -> RunConfig:
    user, workdir = start.user, start.workdir
    entrypoint, cmd = start.entrypoint, start.cmd
    env = dict(start.env)
    exposed = list(start.exposed)
    cmd_set = False
    defaults = {a.name: a.default for a in dockerfile.args if a.default is not None}
    scope = {**defaults, **args}

    def lookup(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return env.get(name, scope.get(name, match.group(0)))

    def expand(text: str) -> str:
        return _VARIABLE.sub(lookup, text)

    for stage in chain:
        for step in stage.steps:
            where = Position(dockerfile.shown, step.line)
            if step.keyword == "USER":
                user = Where(expand(step.value[0]), where)
            elif step.keyword == "WORKDIR":
                path = expand(step.value[0])
                if not path.startswith("/") and workdir is not None:
                    path = workdir.value.rstrip("/") + "/" + path
                workdir = Where(path, where)
            elif step.keyword == "ENV":
                for name, value in zip(step.value[::2], step.value[1::2], strict=False):
                    env[name] = expand(value)
            elif step.keyword == "ENTRYPOINT":
                entrypoint = step.value
                if not cmd_set:
                    cmd = None
            elif step.keyword == "CMD":
                cmd, cmd_set = step.value, True
            elif step.keyword == "EXPOSE":
                exposed.extend(Where(expand(port), where) for port in step.value)
    return RunConfig(
        user=user,
        workdir=workdir,
        entrypoint=entrypoint,
        cmd=cmd,
        env=MappingProxyType(env),
        exposed=tuple(exposed),
    )
