"""A build the builder would refuse is refused first, with what to do: the docker driver of a
stock Docker install (no containerd image store) and a target of several platforms.

The decision is a function of data (bakegen.builders); the platforms of each target come from
the build's plan (bakegen.plan.target_platforms). No Docker daemon runs on the machines of
this project, so no test here talks to a real docker-driver builder; the last test drives
`bakegen build` with a `docker` on PATH that answers `buildx inspect`/`ls` as a stock Docker
install does (buildx's own JSON), to show the refusal stops the build before bake runs.
"""

import json
import os
import subprocess
import sys

import pytest

from bakegen.builders import SNAPSHOTTER_LABEL, Builder, Node, multi_platform_refusal
from bakegen.model import parse_project
from bakegen.plan import plan_build, target_platforms
from tests.conftest import CONVENTIONAL_DOCKERFILE

BOTH = ("linux/amd64", "linux/arm64")
# the labels of a Docker Engine worker with the classic image store, and with containerd's
CLASSIC = {"org.mobyproject.buildkit.worker.moby.host-gateway-ip": "172.17.0.1"}
CONTAINERD = {**CLASSIC, SNAPSHOTTER_LABEL: "overlayfs"}


def builder(driver: str, labels=CLASSIC, status: str = "running", nodes: int = 1) -> Builder:
    return Builder(
        "default", driver, tuple(Node(f"n{i}", status, BOTH[:1], dict(labels)) for i in range(nodes))
    )


@pytest.mark.parametrize(
    "the_builder, platforms, refused",
    [
        # a stock Docker install: one platform per target
        (builder("docker"), {"par": BOTH}, True),
        (builder("docker"), {"par": BOTH, "kid": ("linux/arm64",)}, True),
        (builder("docker"), {"par": ("linux/arm64",), "kid": ("linux/arm64",)}, False),
        (builder("docker"), {"bare": ()}, False),  # the builder's default platform
        # the containerd image store builds several
        (builder("docker", CONTAINERD), {"par": BOTH}, False),
        # other drivers build several (and several nodes split them)
        (builder("docker-container"), {"par": BOTH}, False),
        (builder("remote", nodes=2), {"par": BOTH}, False),
        (builder("kubernetes"), {"par": BOTH}, False),
        # a builder buildx could not load (no Docker daemon): bake reports it in its own words
        (Builder("default", "", (Node("", ""),)), {"par": BOTH}, False),
        (builder("docker", status="inactive"), {"par": BOTH}, False),
        (Builder("default", "docker", ()), {"par": BOTH}, False),
    ],
)
def test_refusal_by_driver_image_store_and_platforms(the_builder, platforms, refused):
    assert (multi_platform_refusal(the_builder, platforms) is not None) == refused


def test_the_refusal_names_the_targets_and_every_way_out():
    refusal = multi_platform_refusal(builder("docker"), {"kid": BOTH, "par": BOTH, "one": ("linux/arm64",)})
    assert refusal is not None and refusal.code == "multi-platform-docker-driver" and refusal.severity == "error"
    text = refusal.message
    assert "'default' uses the docker driver without Docker's containerd image store" in text
    assert "this build asks for several" in text
    assert "(kid: linux/amd64, linux/arm64; par: linux/amd64, linux/arm64)" in text  # not "one"
    assert "docker buildx create --name multi --driver docker-container" in text
    assert '"containerd-snapshotter": true' in text
    assert "the same `bakegen build` with `--platform linux/amd64`, then `--platform linux/arm64`" in text


def test_a_verb_without_platform_is_not_told_to_pass_it():
    refusal = multi_platform_refusal(builder("docker"), {"par": BOTH}, "save")
    assert refusal is not None
    assert "this save asks for several" in refusal.message and "`bakegen save --builder multi ...`" in refusal.message
    assert "--platform" not in refusal.message


DOC = """\
version: 1
images:
  par: {from: "debian:bookworm", dockerfile: D, platforms: [linux/amd64, linux/arm64]}
  kid: {from: par, dockerfile: D, platforms: [linux/arm64]}
  bare: {from: "debian:bookworm", dockerfile: D}
"""


@pytest.mark.parametrize(
    "names, overrides, expected",
    [
        (["par"], {}, {"par": BOTH}),
        # an unrequested parent is built only for what its child needs
        (["kid"], {}, {"par": ("linux/arm64",), "kid": ("linux/arm64",)}),
        (["par"], {"par.platform": "linux/arm64"}, {"par": ("linux/arm64",)}),
        (["par"], {"*.platform": "linux/amd64"}, {"par": ("linux/amd64",)}),
        (["kid"], {"kid.platform+": "linux/amd64"}, {"par": BOTH, "kid": ("linux/arm64", "linux/amd64")}),
        (["bare"], {}, {"bare": ()}),
    ],
)
def test_the_platforms_each_target_is_built_for(names, overrides, expected):
    project = parse_project(DOC, "images.yaml")
    plan = plan_build(project, names, overrides)
    assert target_platforms(plan, project, overrides) == expected


# What `docker buildx ls --format json` prints for a stock Docker install's builder (buildx
# v0.36): the docker driver, one node, the Engine's worker labels without the snapshotter.
STOCK_DOCKER_LS = {
    "Current": True,
    "Driver": "docker",
    "Dynamic": False,
    "LastActivity": "0001-01-01T00:00:00Z",
    "Name": "default",
    "Nodes": [
        {
            "Endpoint": "default",
            "Name": "default",
            "Status": "running",
            "Version": "v0.20.2",
            "IDs": ["default"],
            "Platforms": ["linux/amd64", "linux/amd64/v2", "linux/386"],
            "Labels": {
                "org.mobyproject.buildkit.worker.moby.host-gateway-ip": "172.17.0.1",
            },
        }
    ],
}
STOCK_DOCKER = """\
#!/bin/sh
case "$1 $2" in
  "buildx inspect") printf 'Name:          default\\nDriver:        docker\\n' ;;
  "buildx ls") cat "$LS_JSON" ;;
  *) echo "$@" >> "$BAKED"; echo "bake ran" >&2; exit 1 ;;
esac
"""


def test_build_refuses_before_bake_runs(tmp_path):
    (tmp_path / "images.yaml").write_text(DOC)
    (tmp_path / "D").write_text(CONVENTIONAL_DOCKERFILE)
    (tmp_path / "bin").mkdir()
    docker = tmp_path / "bin" / "docker"
    docker.write_text(STOCK_DOCKER)
    docker.chmod(0o755)
    (tmp_path / "ls.json").write_text(json.dumps(STOCK_DOCKER_LS) + "\n")
    env = {
        **os.environ,
        "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}",
        "LS_JSON": str(tmp_path / "ls.json"),
        "BAKED": str(tmp_path / "baked"),
    }
    run = [sys.executable, "-m", "bakegen", "build", "-f", str(tmp_path / "images.yaml")]

    refused = subprocess.run([*run, "par"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert refused.returncode == 1
    assert "error: the builder 'default' uses the docker driver" in refused.stderr
    assert "Traceback" not in refused.stderr and not (tmp_path / "baked").exists()

    # one platform per target: bake runs (and this docker fails it)
    single = subprocess.run([*run, "kid"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert single.returncode == 1 and "docker buildx bake kid failed" in single.stderr
    assert (tmp_path / "baked").read_text().startswith("buildx bake")
