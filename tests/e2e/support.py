"""Helpers for the end-to-end suite: where the builder is, small projects, running bakegen,
and reading buildx's ``--progress=rawjson`` stream."""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
NEED_BUILDER = "e2e tests need a builder: run scripts/buildkit-up or set BAKEGEN_BUILDER"
NEED_REGISTRY = "e2e tests need the local registry: run scripts/buildkit-up or set BAKEGEN_REGISTRY"
NEED_TEST_BASE = "e2e tests need the test base image: run scripts/buildkit-up or set BAKEGEN_TEST_BASE"
MANIFEST_ACCEPT = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)
# Every Dockerfile of a bakegen project starts like this: the parent is the named context `base`.
HEAD = "ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\n"


def unique(prefix: str = "") -> str:
    return prefix + uuid.uuid4().hex[:12]


# --- environment ------------------------------------------------------------------------


def state_env_file() -> Path:
    state = os.environ.get("BAKEGEN_STATE_DIR") or os.path.expanduser("~/.cache/bakegen-buildkit")
    return Path(state) / "env"


def read_env_file(path: Path, base: dict[str, str]) -> dict[str, str]:
    """The `export NAME=value` lines of scripts/buildkit-up's env file ($VARS expanded against base)."""
    values: dict[str, str] = {}
    try:
        text = path.read_text()
    except OSError:
        return values
    for line in text.splitlines():
        words = shlex.split(line, comments=True)
        if words[:1] == ["export"]:
            words = words[1:]
        for word in words:
            name, sep, value = word.partition("=")
            if sep and name.isidentifier():
                scope = {**base, **values}
                values[name] = _expand(value, scope)
    return values


def _expand(value: str, scope: dict[str, str]) -> str:
    """$NAME and ${NAME} as the shell expands them in a double-quoted word (unset: empty)."""
    return re.sub(
        r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))",
        lambda m: scope.get(m.group(1) or m.group(2), ""),
        value,
    )


def e2e_environment() -> dict[str, str]:
    """os.environ, completed from the provisioning env file when BAKEGEN_BUILDER is not set."""
    env = dict(os.environ)
    if not env.get("BAKEGEN_BUILDER"):
        for name, value in read_env_file(state_env_file(), env).items():
            if name == "PATH" or not env.get(name):
                env[name] = value
    return env


def unavailable(message: str):
    """Fail under CI (a missing builder there is a broken pipeline), skip elsewhere."""
    import pytest

    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def http_get(url: str, accept: str | None = None, timeout: float = 10) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers or {}), exc.read()


# --- the two-node builder (scripts/buildkit-multinode) ------------------------------------------


@dataclass
class MultiNode:
    builder: str  # the buildx builder's name
    nodes: dict[str, str]  # platform -> the address of the buildkitd that builds it


def read_multinode(env_file: Path, base: dict[str, str]) -> MultiNode:
    values = read_env_file(env_file, base)
    return MultiNode(
        builder=values["BAKEGEN_MULTINODE_BUILDER"],
        nodes={
            "linux/amd64": values["BAKEGEN_MULTINODE_AMD64"],
            "linux/arm64": values["BAKEGEN_MULTINODE_ARM64"],
        },
    )


def build_records(address: str, env: dict[str, str]) -> list[dict]:
    """The build records a buildkitd keeps (its history: one per build it ran, with the
    frontend's attributes: platform, labels, ...), from `buildctl debug histories`."""
    result = run(["buildctl", "--addr", address, "debug", "histories", "--format", "{{json .}}"], env=env)
    assert result.returncode == 0, show(result)
    return [json.loads(line)["record"] for line in result.stdout.splitlines() if line.strip()]


def build_log(address: str, ref: str, env: dict[str, str]) -> str:
    """What a build printed, as the buildkitd that ran it recorded it (`buildctl debug logs`)."""
    result = run(["buildctl", "--addr", address, "debug", "logs", "--progress", "plain", ref], env=env)
    assert result.returncode == 0, show(result)
    return result.stdout + result.stderr


# --- projects -----------------------------------------------------------------------------


@dataclass
class Project:
    root: Path
    registry_prefix: str  # what REGISTRY is set to: <registry>/e2e-<unique>

    @property
    def images_yaml(self) -> Path:
        return self.root / "images.yaml"

    @property
    def bake_file(self) -> Path:
        return self.root / "docker-bake.hcl"

    def dockerfile(self, image: str) -> Path:
        return self.root / "dockerfiles" / f"{image}.dockerfile"


def write_project(
    root: Path,
    *,
    registry: str,
    test_base: str,
    images: dict[str, dict],
    dockerfiles: dict[str, str],
    variables: dict[str, str] | None = None,
) -> Project:
    """images.yaml and dockerfiles/<id>.dockerfile under root.

    ``images`` maps id -> image fields; ``from`` defaults to the test base (an external
    reference, so the bake file says docker-image://<test base>) and ``dockerfile`` to
    dockerfiles/<id>.dockerfile. A Dockerfile body gets the conventional two-line head
    unless it already starts with ARG BASE_IMAGE.
    """
    root.mkdir(parents=True, exist_ok=True)
    prefix = f"{registry}/e2e-{unique()}"
    doc_images = {}
    for image_id, fields in images.items():
        fields = dict(fields)
        fields.setdefault("from", test_base)
        fields.setdefault("dockerfile", f"dockerfiles/{image_id}.dockerfile")
        doc_images[image_id] = fields
    doc = {
        "version": 1,
        "variables": {"REGISTRY": prefix, **(variables or {})},
        "images": doc_images,
    }
    (root / "images.yaml").write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    project = Project(root, prefix)
    for image_id, body in dockerfiles.items():
        write_dockerfile(project, image_id, body)
    return project


def write_dockerfile(project: Project, image_id: str, body: str) -> None:
    body = textwrap.dedent(body).lstrip("\n")
    if not body.startswith("ARG BASE_IMAGE"):
        body = HEAD + body
    path = project.dockerfile(image_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")


# --- running --------------------------------------------------------------------------------


def bakegen(*args: str, cwd: Path, env: dict[str, str], timeout: float = 900) -> subprocess.CompletedProcess:
    """`python -m bakegen ARGS` in cwd; `build` always gets --builder explicitly."""
    argv = [sys.executable, "-m", "bakegen", *args]
    if "build" in args and "--builder" not in args and env.get("BAKEGEN_BUILDER"):
        at = argv.index("build") + 1
        argv[at:at] = ["--builder", env["BAKEGEN_BUILDER"]]
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    return result


def run(argv: list[str], *, cwd: Path | None = None, env: dict[str, str], timeout: float = 600):
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def show(result: subprocess.CompletedProcess, limit: int = 6000) -> str:
    """A CompletedProcess for an assertion message (the tail of long outputs)."""
    argv = result.args if isinstance(result.args, str) else shlex.join(map(str, result.args))
    return (
        f"$ {argv}\nexit {result.returncode}\n--- stdout ---\n{(result.stdout or '')[-limit:]}"
        f"\n--- stderr ---\n{(result.stderr or '')[-limit:]}"
    )


# --- rawjson progress -------------------------------------------------------------------------


def vertices(stream: str) -> dict[str, dict]:
    """buildx --progress=rawjson: one JSON object per line; a vertex comes back several times
    as it progresses, so the updates are merged by digest (later fields win)."""
    merged: dict[str, dict] = {}
    for line in stream.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue  # bakegen's own messages, e.g. "regenerated docker-bake.hcl"
        try:
            record = json.loads(line)
        except ValueError:
            continue
        for vertex in record.get("vertexes") or []:
            merged.setdefault(vertex["digest"], {}).update(vertex)
    return merged


def steps(stream: str, kind: str = "RUN") -> list[dict]:
    """Dockerfile steps of one kind ("[target n/m] RUN ...") among the vertices."""
    return [
        v for v in vertices(stream).values()
        if v.get("name", "").startswith("[") and f" {kind} " in v.get("name", "")
    ]


def executed(stream: str, kind: str = "RUN") -> list[str]:
    """Names of the steps that really ran: completed, not cached, no error."""
    return sorted(
        v["name"] for v in steps(stream, kind)
        if v.get("completed") and not v.get("cached") and not v.get("error")
    )


def cached(stream: str, kind: str = "RUN") -> list[str]:
    return sorted(v["name"] for v in steps(stream, kind) if v.get("cached"))


def outputs(stream: str) -> dict[str, str]:
    """What each vertex printed (a RUN step's stdout and stderr), by vertex name."""
    names: dict[str, str] = {}
    data: dict[str, bytes] = {}
    for line in stream.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        for vertex in record.get("vertexes") or []:
            names[vertex["digest"]] = vertex.get("name", "")
        for log in record.get("logs") or []:
            data[log["vertex"]] = data.get(log["vertex"], b"") + base64.b64decode(log.get("data") or "")
    return {names.get(digest, digest): text.decode(errors="replace") for digest, text in data.items()}
