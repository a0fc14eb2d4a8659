"""bakegen.builders: the builder read from python-on-whales in this process, and the refusal's
whole text (tests/test_builders.py checks the decision and parts of the text)."""

from __future__ import annotations

import json

import pytest
from python_on_whales import DockerClient

from bakegen.builders import (
    QEMU_FIX,
    SNAPSHOTTER_LABEL,
    Builder,
    Node,
    multi_platform_refusal,
    platforms_refusal,
    unsupported_platforms,
)
from tests.test_builders import STOCK_DOCKER, STOCK_DOCKER_LS

BOTH = ("linux/amd64", "linux/arm64")


def test_of_reads_python_on_whales_inspect_of_a_stock_docker(tmp_path, monkeypatch):
    docker = tmp_path / "docker"
    docker.write_text(STOCK_DOCKER)
    docker.chmod(0o755)
    (tmp_path / "ls.json").write_text(json.dumps(STOCK_DOCKER_LS) + "\n")
    monkeypatch.setenv("LS_JSON", str(tmp_path / "ls.json"))
    monkeypatch.setenv("BAKED", str(tmp_path / "baked"))
    inspected = DockerClient(client_call=[str(docker)]).buildx.inspect("default")
    assert Builder.of(inspected) == Builder(
        "default",
        "docker",
        (
            Node(
                "default",
                "running",
                ("linux/amd64", "linux/amd64/v2", "linux/386"),
                {"org.mobyproject.buildkit.worker.moby.host-gateway-ip": "172.17.0.1"},
            ),
        ),
    )


UNLOADED_DOCKER = """\
#!/bin/sh
case "$1 $2" in
  "buildx inspect") printf 'Name:          default\\nDriver:        \\n' ;;
  "buildx ls") echo '{"Name": "default", "Nodes": [{}]}' ;;
esac
"""


def test_of_a_builder_buildx_could_not_load(tmp_path):
    """No driver, a node without name, status, platforms or labels: python-on-whales gives None for each."""
    docker = tmp_path / "docker"
    docker.write_text(UNLOADED_DOCKER)
    docker.chmod(0o755)
    inspected = DockerClient(client_call=[str(docker)]).buildx.inspect("default")
    assert inspected.driver is None and inspected.nodes[0].name is None and inspected.nodes[0].status is None
    assert Builder.of(inspected) == Builder("default", "", (Node("", "", (), {}),))


def stock(nodes=1, labels=None):
    return Builder("default", "docker", tuple(Node(f"n{i}", "running", BOTH, dict(labels or {})) for i in range(nodes)))


def test_the_whole_refusal_of_a_build():
    refusal = multi_platform_refusal(stock(), {"b": ("linux/arm64", "linux/amd64", "linux/s390x"), "a": BOTH})
    assert refusal is not None and refusal.position is None
    assert refusal.message == (
        "the builder 'default' uses the docker driver without Docker's containerd image store, which builds "
        "one platform per image, and this build asks for several (a: linux/amd64, linux/arm64; "
        "b: linux/arm64, linux/amd64, linux/s390x). Do one of: "
        "create a builder that builds several and use it, e.g. "
        "`docker buildx create --name multi --driver docker-container --bootstrap` then "
        '`bakegen build --builder multi ...` (or a remote driver to a buildkitd, see README: "A distributed builder"); '
        'turn on the containerd image store ("features": {"containerd-snapshotter": true} in '
        "/etc/docker/daemon.json, then restart Docker; Docker Desktop: Settings > General > "
        "Use containerd for pulling and storing images); "
        "or build one platform at a time: the same `bakegen build` with `--platform linux/amd64`, "
        "then `--platform linux/arm64`, `--platform linux/s390x`"
    )


def test_the_refusal_of_a_test_run_offers_one_platform_at_a_time():
    refusal = multi_platform_refusal(stock(), {"a": BOTH}, "test")
    assert refusal is not None
    assert refusal.message.endswith(
        "or build one platform at a time: the same `bakegen test` with `--platform linux/amd64`, "
        "then `--platform linux/arm64`"
    )
    assert "this test asks for several (a: linux/amd64, linux/arm64)" in refusal.message


def test_the_default_verb_is_build():
    refusal = multi_platform_refusal(stock(), {"a": BOTH})
    assert refusal is not None and "this build asks" in refusal.message


@pytest.mark.parametrize(
    ("nodes", "refused"),
    [
        # one node with the containerd image store is enough
        ((Node("a", "running", BOTH, {}), Node("b", "running", BOTH, {SNAPSHOTTER_LABEL: "x"})), False),
        # every node must be running for its labels to be known
        ((Node("a", "running", BOTH, {}), Node("b", "stopped", BOTH, {})), False),
        ((Node("a", "running", BOTH, {}), Node("b", "running", BOTH, {})), True),
    ],
)
def test_several_nodes(nodes, refused):
    assert (multi_platform_refusal(Builder("default", "docker", nodes), {"a": BOTH}) is not None) == refused


# --- the platforms a builder runs (bakegen test asks before it builds) ---------------------------


@pytest.mark.parametrize(
    ("needed", "supported", "missing"),
    [
        (["linux/arm64/v8"], ["linux/arm64"], []),  # v8 is arm64's only variant
        (["linux/amd64/v1"], ["linux/amd64"], []),  # v1 is plain amd64
        (["linux/arm64"], ["linux/arm64/v8"], []),
        (["linux/arm/v7"], ["linux/arm/v6"], ["linux/arm/v7"]),  # another variant is no match
        (["linux/arm/v7"], ["linux/arm/v7"], []),
        (["linux/arm"], ["linux/arm/v7"], []),  # a variant the builder lists covers its plain form
        (["linux/amd64"], ["linux/amd64/v2"], []),
        (["linux/amd64/v2"], ["linux/amd64"], ["linux/amd64/v2"]),
        (["linux/amd64/v2"], ["linux/amd64/v2"], []),
        (["windows/amd64", "linux/amd64"], ["linux/amd64"], ["windows/amd64"]),
        (["", "linux/s390x"], [], ["linux/s390x"]),  # "" is the builder's own platform
        (["linux/riscv64", "linux/arm64"], ["linux/arm64"], ["linux/riscv64"]),
    ],
)
def test_unsupported_platforms(needed, supported, missing):
    assert unsupported_platforms(needed, supported) == missing


def nodes(*platforms_of_each: tuple[str, ...]) -> Builder:
    return Builder("b", "remote", tuple(Node(f"b{i}", "running", p) for i, p in enumerate(platforms_of_each)))


def test_platforms_refusal_names_what_is_missing_what_runs_and_the_fix():
    refusal = platforms_refusal(nodes(("linux/amd64", "linux/386")), ["linux/amd64", "linux/arm64", "linux/arm/v7"])
    assert refusal is not None and refusal.code == "platform-not-supported" and refusal.position is None
    assert refusal.severity == "error"
    assert refusal.message == (
        "the builder b cannot run linux/arm64, linux/arm/v7 (it runs linux/amd64, linux/386), so the checks of "
        "those platforms cannot start; " + QEMU_FIX
    )
    assert "qemu-user-static binfmt-support" in QEMU_FIX and "tonistiigi/binfmt --install all" in QEMU_FIX


def test_platforms_refusal_reads_every_node_and_says_nothing_when_all_run():
    assert platforms_refusal(nodes(("linux/amd64",), ("linux/arm64",)), ["linux/amd64", "linux/arm64"]) is None
    assert platforms_refusal(nodes(), []) is None
    refusal = platforms_refusal(nodes(), ["linux/arm64"])
    assert refusal is not None and "(it runs nothing)" in refusal.message
