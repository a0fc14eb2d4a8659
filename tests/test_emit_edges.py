"""The blocks that emit/attest.py, emit/cache.py and emit/mirror.py write once into a bake
file: each variable's default and description, read back by an HCL parser."""

from __future__ import annotations

import hcl2

from bakegen.emit import attest, cache, mirror


def declared(blocks: list[str]) -> dict[str, dict]:
    data = hcl2.loads("\n".join(blocks))
    return {
        name.strip('"'): {key: value.strip('"') for key, value in body.items() if not key.startswith("__")}
        for block in data.get("variable", [])
        for name, body in block.items()
    }


def described(help_text: str) -> str:
    return help_text.replace('"', '\\"')


def test_attest_variables_have_an_empty_default_and_their_description():
    assert declared(attest.blocks({})) == {
        "ATTEST_PROVENANCE": {"default": "", "description": described(attest.PROVENANCE_HELP)},
        "ATTEST_SBOM": {"default": "", "description": described(attest.SBOM_HELP)},
    }
    assert list(declared(attest.blocks({"ATTEST_SBOM": "true"}))) == ["ATTEST_PROVENANCE"]


def test_cache_variables_have_an_empty_default_and_their_description():
    assert declared(cache.blocks({})) == {
        name: {"default": "", "description": described(help_text)} for name, help_text in cache.VARIABLES.items()
    }
    assert list(declared(cache.blocks({"CACHE_REF": "r/c", "CACHE_GHA": "1"}))) == [
        "CACHE_SUFFIX",
        "CACHE_FALLBACK_SUFFIX",
        "CACHE_DIR",
        "CACHE_SCOPE_SUFFIX",
    ]


def test_mirror_variables_have_an_empty_default_and_their_description():
    assert declared(mirror.blocks({})) == {
        "BASE_MIRROR_DOCKERHUB": {"default": "", "description": described(mirror.HELP["docker.io"])},
        "BASE_MIRROR_QUAY": {"default": "", "description": described(mirror.HELP["quay.io"])},
    }
    assert list(declared(mirror.blocks({"BASE_MIRROR_DOCKERHUB": "m.example.com"}))) == ["BASE_MIRROR_QUAY"]
