"""The value bake will give a variable of the bake file, known before bake runs.

bake takes a declared variable from the environment when it is set there, else its
default (images.yaml's ``variables:``, or the empty default bakegen declares). bakegen
hands bake its ``--var`` values through the environment of the bake process, so they
come first. `bakegen build` reads CACHE_DIR this way (a local cache outside the bake
file's folder needs bake's file-system entitlement), `bakegen save` REGISTRY (the
tarballs are named from the tags), and every verb that builds the attestation variables
(bake hands buildx what they say as it is, and buildx refuses a wrong one only at build
time).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from bakegen.emit import cache
from bakegen.errors import Diagnostic
from bakegen.model import ATTEST_VARIABLE_VALUES, Project, resolve_tag
from bakegen.plan import inside


def effective(name: str, project: Project, given: Mapping[str, str], environ: Mapping[str, str] = os.environ) -> str:
    """given: the --var values of this run."""
    if name in given:
        return given[name]
    if name in environ:
        return environ[name]
    return project.variables.get(name, "")


def values(project: Project, given: Mapping[str, str], environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The value bake gives each variable of images.yaml (`variables:`)."""
    return {name: effective(name, project, given, environ) for name in project.variables}


def resolved_tag(tag: str, project: Project, given: Mapping[str, str]) -> str:
    """A tag of images.yaml as bake will write it: ${REGISTRY}/ resolved the way bake resolves it."""
    return resolve_tag(tag, {**project.variables, "REGISTRY": effective("REGISTRY", project, given)})


def local_cache_outside(project: Project, given: Mapping[str, str], bake_dir: Path) -> str | None:
    """CACHE_DIR as bake will read it (relative to bake_dir, where bake runs), when it lies
    outside bake_dir: bake's file-system entitlement would stop the build there."""
    value = effective(cache.DIR, project, given)
    if not value:
        return None
    path = (bake_dir / value).resolve()
    return None if inside(path, bake_dir) else str(path)


def attest_problems(
    project: Project, given: Mapping[str, str], environ: Mapping[str, str] = os.environ
) -> list[Diagnostic]:
    """ATTEST_PROVENANCE or ATTEST_SBOM set by --var or the environment to a value bake's
    attest function does not take (a default in images.yaml is checked when it is loaded)."""
    problems = []
    for name, allowed in ATTEST_VARIABLE_VALUES.items():
        if name in given:
            source, value = f"--var {name}", given[name]
        elif name in environ:
            source, value = f"the environment variable {name}", environ[name]
        else:
            continue
        if value not in allowed:
            problems.append(
                Diagnostic(
                    None,
                    f"{source} is {value!r}, not a value bake's attest function takes; set one of "
                    f"{', '.join(repr(v) for v in allowed if v)}, or leave it empty (as each image's attest: says)",
                    code="invalid-attest-variable",
                )
            )
    return problems
