"""Base-image mirrors: the ``base`` context of an image on an external image, rewritten by bake.

Where Docker Hub or quay.io cannot be reached, a mirror of it usually can. An image whose
``from:`` is on one of them gets, in the bake file, a ``base`` context that bake computes
at build time from a variable (``BASE_MIRROR_DOCKERHUB``, ``BASE_MIRROR_QUAY``): empty, the
reference as written; set, the same repository under the mirror
(``ubuntu:22.04`` -> ``<mirror>/library/ubuntu:22.04``, ``quay.io/ascend/x:1`` ->
``<quay mirror>/ascend/x:1``). An environment override needs no regeneration, so
``bakegen --check`` stays green. Other registries are left as written.

FROM lines inside Dockerfiles are not seen by bake; BuildKit's own registry mirrors
(buildkitd.toml) serve those.
"""

from __future__ import annotations

from collections.abc import Mapping

from bakegen import hcl
from bakegen.hcl import Expr
from bakegen.references import mirror_path

# source registry (as references.mirror_path names it) -> the variable of its mirror
VARIABLES: dict[str, str] = {
    "docker.io": "BASE_MIRROR_DOCKERHUB",
    "quay.io": "BASE_MIRROR_QUAY",
}
HELP = {
    "docker.io": "Mirror of Docker Hub for external bases (e.g. swr.cn-north-4.myhuaweicloud.com): "
    "ubuntu:22.04 is read as <mirror>/library/ubuntu:22.04; empty = Docker Hub.",
    "quay.io": "Mirror of quay.io for external bases: quay.io/ascend/x:1 is read as <mirror>/ascend/x:1; "
    "empty = quay.io.",
}
FUNCTION = "bakegen_base_image"


def blocks(variables: Mapping[str, str]) -> list[str]:
    """The mirror variables images.yaml does not declare (its `variables:` may give a
    default mirror), and the function the base contexts call."""
    parts = [
        hcl.block("variable", [name], [("default", ""), ("description", HELP[registry])])
        for registry, name in VARIABLES.items()
        if name not in variables
    ]
    parts.append(
        hcl.block(
            "function",
            [FUNCTION],
            [
                ("params", Expr("[mirror, path, reference]")),
                (
                    "result",
                    Expr(
                        'mirror == "" ? "docker-image://${reference}" '
                        ': format("docker-image://%s/%s", trimsuffix(mirror, "/"), path)'
                    ),
                ),
            ],
        )
    )
    return parts


def base_context(reference: str) -> str | Expr:
    """The ``base`` context for an external reference: an expression when a mirror may
    replace its registry, else ``docker-image://<reference>``."""
    found = mirror_path(reference)
    if found is None:
        return f"docker-image://{reference}"
    registry, path = found
    return Expr(f"{FUNCTION}({VARIABLES[registry]}, {hcl.quote(path)}, {hcl.quote(reference)})")
