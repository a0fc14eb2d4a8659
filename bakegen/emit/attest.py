"""The attestations of each bake target: images.yaml's ``attest:``, which the bake variables
ATTEST_PROVENANCE and ATTEST_SBOM override for every image at bake time.

Off unless asked. buildx attaches a provenance attestation to every pushed image by default,
as a manifest of platform unknown/unknown in the image's index; some registries and
runtimes mishandle it, and the official Ascend images are pushed without one. bake's
``attest`` attribute says it per target (``type=provenance,disabled=true``); the choice
between images.yaml's value and the variable is made by bake, in one function of the bake
file, so that an environment override needs no regeneration.
"""

from __future__ import annotations

from collections.abc import Mapping

from bakegen import hcl
from bakegen.hcl import Expr
from bakegen.model import Image

PROVENANCE_VARIABLE = "ATTEST_PROVENANCE"
SBOM_VARIABLE = "ATTEST_SBOM"
FUNCTION = "bakegen_attest"
PROVENANCE_HELP = 'Provenance of every image: "false", "min" or "max" ("true" = min); empty = as images.yaml says.'
SBOM_HELP = 'SBOM of every image: "true" or "false"; empty = as images.yaml says.'


def blocks(variables: Mapping[str, str]) -> list[str]:
    """The two variables (unless images.yaml declares them) and the function the targets call."""
    parts = []
    for name, help_text in ((PROVENANCE_VARIABLE, PROVENANCE_HELP), (SBOM_VARIABLE, SBOM_HELP)):
        if name not in variables:
            parts.append(hcl.block("variable", [name], [("default", ""), ("description", help_text)]))
    provenance = f'({PROVENANCE_VARIABLE} == "" ? provenance : {PROVENANCE_VARIABLE})'
    sbom = f'({SBOM_VARIABLE} == "" ? sbom : {SBOM_VARIABLE})'
    mode = f'{provenance} == "true" ? "min" : {provenance}'
    result = [
        Expr(f'"type=provenance,${{{provenance} == "false" ? "disabled=true" : "mode=${{{mode}}}"}}"'),
        Expr(f'"type=sbom,disabled=${{{sbom} == "true" ? "false" : "true"}}"'),
    ]
    parts.append(hcl.block("function", [FUNCTION], [("params", Expr("[provenance, sbom]")), ("result", result)]))
    return parts


def attribute(image: Image) -> Expr:
    """The target's `attest`: images.yaml's choice, which the variables may override."""
    sbom = "true" if image.attest.sbom else "false"
    return Expr(f"{FUNCTION}({hcl.quote(image.attest.provenance)}, {hcl.quote(sbom)})")
