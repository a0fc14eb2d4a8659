"""What a buildx builder can build, decided before bake runs, so that a build it would refuse
fails with what to do instead of buildx's own words.

The docker driver (a stock Docker install, builder `default`) builds one platform per target
unless Docker's containerd image store is on: buildx refuses more with "Multi-platform build
is not supported for the docker driver". buildx tells the two apart by the workers' labels
(with the containerd image store they carry ``org.mobyproject.buildkit.worker.snapshotter``),
as `docker buildx inspect` shows them; bakegen reads the same. The builder is inspected by
the verb (python-on-whales); here only data: a ``Builder`` and the platforms of each target.

A builder that cannot run a platform at all (no QEMU for arm64 on an amd64 machine) is
named too (``platforms_refusal``), before `bakegen test` builds checks that could not start.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bakegen.errors import Diagnostic

SNAPSHOTTER_LABEL = "org.mobyproject.buildkit.worker.snapshotter"


@dataclass(frozen=True)
class Node:
    name: str
    status: str  # "running" when buildx could reach it; its labels are known only then
    platforms: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Builder:
    name: str
    driver: str  # docker, docker-container, remote, kubernetes; "" when buildx could not load it
    nodes: tuple[Node, ...] = ()

    @classmethod
    def of(cls, inspected) -> Builder:
        """From python-on-whales' ``Builder`` (``docker.buildx.inspect()``)."""
        return cls(
            name=inspected.name or "",
            driver=inspected.driver or "",
            nodes=tuple(
                Node(
                    name=node.name or "",
                    status=node.status or "",
                    platforms=tuple(node.platforms or ()),
                    labels=dict(node.labels or {}),
                )
                for node in inspected.nodes or ()
            ),
        )


QEMU_FIX = (
    "install QEMU's binfmt handlers on the machine that runs BuildKit (Debian/Ubuntu: "
    "`apt-get install qemu-user-static binfmt-support`; with Docker: "
    "`docker run --privileged --rm tonistiigi/binfmt --install all`), then restart the builder"
)

# the verbs that build one platform when asked (`--platform P`)
ONE_PLATFORM_VERBS = ("build", "test")


def multi_platform_refusal(
    builder: Builder, platforms: Mapping[str, Sequence[str]], verb: str = "build"
) -> Diagnostic | None:
    """Why buildx would refuse this build, or None. platforms: target -> the platforms bake
    builds it for (bakegen.plan.target_platforms); verb: the bakegen command that builds.
    Only a builder buildx could load is judged; one it could not is bake's to report, in its
    own words."""
    if builder.driver != "docker" or not builder.nodes:
        return None
    if any(node.status != "running" for node in builder.nodes):
        return None
    if any(SNAPSHOTTER_LABEL in node.labels for node in builder.nodes):
        return None  # the containerd image store: multi-platform builds work
    several = {target: list(p) for target, p in platforms.items() if len(p) > 1}
    if not several:
        return None
    asked = "; ".join(f"{target}: {', '.join(p)}" for target, p in sorted(several.items()))
    each = sorted({p for platforms_of in several.values() for p in platforms_of})
    ways = [
        "create a builder that builds several and use it, e.g. "
        "`docker buildx create --name multi --driver docker-container --bootstrap` then "
        f"`bakegen {verb} --builder multi ...` (or a remote driver to a buildkitd, see README: "
        '"A distributed builder")',
        'turn on the containerd image store ("features": {"containerd-snapshotter": true} in '
        "/etc/docker/daemon.json, then restart Docker; Docker Desktop: Settings > General > "
        "Use containerd for pulling and storing images)",
    ]
    if verb in ONE_PLATFORM_VERBS:
        ways.append(
            f"or build one platform at a time: the same `bakegen {verb}` with `--platform {each[0]}`, "
            f"then {', '.join(f'`--platform {p}`' for p in each[1:])}"
        )
    return Diagnostic(
        None,
        f"the builder {builder.name!r} uses the docker driver without Docker's containerd image store, "
        f"which builds one platform per image, and this {verb} asks for several ({asked}). Do one of: "
        + "; ".join(ways),
        code="multi-platform-docker-driver",
    )


def unsupported_platforms(needed: Sequence[str], supported: Sequence[str]) -> list[str]:
    """The platforms of needed that a builder supporting supported does not run
    (linux/arm64 is linux/arm64/v8; a variant the builder lists covers its plain form)."""

    def plain(platform: str) -> str:
        parts = platform.split("/")
        return "/".join(parts[:2]) if len(parts) > 2 and parts[2] in ("v8", "v1") else platform

    have = {plain(p) for p in supported} | {"/".join(p.split("/")[:2]) for p in supported}
    return [p for p in needed if p and plain(p) not in have]


def platforms_refusal(builder: Builder, needed: Sequence[str]) -> Diagnostic | None:
    """Why the builder cannot run a platform of needed (its nodes list none of them), or None."""
    supported = [p for node in builder.nodes for p in node.platforms]
    missing = unsupported_platforms(needed, supported)
    if not missing:
        return None
    return Diagnostic(
        None,
        f"the builder {builder.name} cannot run {', '.join(missing)} "
        f"(it runs {', '.join(supported) or 'nothing'}), so the checks of those platforms cannot start; "
        f"{QEMU_FIX}",
        code="platform-not-supported",
    )
