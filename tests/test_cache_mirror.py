"""Cache backends and base-image mirrors in the bake file: variables, functions, and the
calls each target makes. What bake makes of them (the cache entries, the mirrored
references) is checked with the real `docker buildx bake --print` in
tests/e2e/test_cache_mirror_print.py."""

import textwrap

import pytest

from bakegen.emit.bake import render_bake
from bakegen.model import parse_project
from bakegen.plan import plan_build
from bakegen.references import mirror_path
from tests import hclread

DOC = """\
version: 1
variables: {REGISTRY: r.example.com/t}
images:
  hub: {from: "ubuntu:22.04", dockerfile: D, platforms: [linux/amd64, linux/arm64]}
  hub-org: {from: "nvidia/cuda:12.4.1-base", dockerfile: D}
  quay: {from: "quay.io/ascend/vllm-ascend:v0.23.0", dockerfile: D}
  swr: {from: "swr.cn-north-4.myhuaweicloud.com/org/base:1", dockerfile: D}
  local: {from: "localhost:5000/bakegen-test/debian:bookworm", dockerfile: D}
  kid: {from: hub, dockerfile: D, platforms: [linux/arm64]}
"""

CACHE_VARIABLES = ["CACHE_REF", "CACHE_SUFFIX", "CACHE_FALLBACK_SUFFIX", "CACHE_DIR", "CACHE_GHA", "CACHE_SCOPE_SUFFIX"]
MIRROR_VARIABLES = ["BASE_MIRROR_DOCKERHUB", "BASE_MIRROR_QUAY"]


def bake(doc=DOC, plan_for=None):
    project = parse_project(textwrap.dedent(doc), "images.yaml")
    plan = plan_build(project, plan_for) if plan_for else None
    return render_bake(project, plan=plan)


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("ubuntu:22.04", ("docker.io", "library/ubuntu:22.04")),
        ("ubuntu", ("docker.io", "library/ubuntu")),
        ("ubuntu@sha256:" + "a" * 64, ("docker.io", "library/ubuntu@sha256:" + "a" * 64)),
        ("library/ubuntu:22.04", ("docker.io", "library/ubuntu:22.04")),
        ("nvidia/cuda:12.4.1-base", ("docker.io", "nvidia/cuda:12.4.1-base")),
        ("docker.io/ubuntu:22.04", ("docker.io", "library/ubuntu:22.04")),
        ("docker.io/library/ubuntu:22.04", ("docker.io", "library/ubuntu:22.04")),
        ("index.docker.io/nvidia/cuda:12", ("docker.io", "nvidia/cuda:12")),
        ("registry-1.docker.io/ubuntu:22.04", ("docker.io", "library/ubuntu:22.04")),
        ("quay.io/ascend/vllm-ascend:v0.23.0", ("quay.io", "ascend/vllm-ascend:v0.23.0")),
        ("quay.io/x:1", ("quay.io", "x:1")),  # no library/ on quay.io
        ("swr.cn-north-4.myhuaweicloud.com/org/base:1", None),
        ("localhost:5000/bakegen-test/debian:bookworm", None),
        ("localhost/x:1", None),
        ("ghcr.io/org/x:1", None),
    ],
)
def test_which_references_a_mirror_serves_and_under_which_path(reference, expected):
    assert mirror_path(reference) == expected


def test_bases_on_docker_hub_and_quay_call_the_mirror_function_others_stay_as_written():
    t = hclread.targets(bake())
    base = {name: target["contexts"]["base"] for name, target in t.items()}
    assert hclread.call(base["hub"]) == (
        "bakegen_base_image",
        ["BASE_MIRROR_DOCKERHUB", "library/ubuntu:22.04", "ubuntu:22.04"],
    )
    assert hclread.call(base["hub-org"]) == (
        "bakegen_base_image",
        ["BASE_MIRROR_DOCKERHUB", "nvidia/cuda:12.4.1-base", "nvidia/cuda:12.4.1-base"],
    )
    assert hclread.call(base["quay"]) == (
        "bakegen_base_image",
        ["BASE_MIRROR_QUAY", "ascend/vllm-ascend:v0.23.0", "quay.io/ascend/vllm-ascend:v0.23.0"],
    )
    assert base["swr"] == "docker-image://swr.cn-north-4.myhuaweicloud.com/org/base:1"
    assert base["local"] == "docker-image://localhost:5000/bakegen-test/debian:bookworm"
    assert base["kid"] == "target:hub"
    # the label names the image as written, mirror or not
    assert t["hub"]["labels"]["org.opencontainers.image.base.name"] == "ubuntu:22.04"


def test_the_mirror_function_keeps_the_reference_when_empty_and_puts_the_path_under_the_mirror():
    function = hclread.functions(bake())["bakegen_base_image"]
    assert function["params"] == ["mirror", "path", "reference"]
    assert function["result"] == (
        '${mirror == "" ? "docker-image://${reference}" '
        ': format("docker-image://%s/%s", trimsuffix(mirror, "/"), path)}'
    )


def test_every_backend_variable_is_declared_empty_so_the_file_builds_without_any():
    assert hclread.variables(bake()) == {
        "REGISTRY": "r.example.com/t",
        **dict.fromkeys(CACHE_VARIABLES + MIRROR_VARIABLES, ""),
        **dict.fromkeys(["ATTEST_PROVENANCE", "ATTEST_SBOM"], ""),  # bakegen.emit.attest
    }


def test_a_default_from_images_yaml_is_the_variable_and_is_declared_once():
    doc = DOC.replace(
        "variables: {REGISTRY: r.example.com/t}",
        "variables: {REGISTRY: r.example.com/t, CACHE_REF: r.example.com/cache, BASE_MIRROR_QUAY: m.example.com/q}",
    )
    text = bake(doc)
    variables = hclread.variables(text)
    assert variables["CACHE_REF"] == "r.example.com/cache"
    assert variables["BASE_MIRROR_QUAY"] == "m.example.com/q"
    assert text.count('variable "CACHE_REF"') == 1
    assert text.count('variable "BASE_MIRROR_QUAY"') == 1


def test_each_target_reads_and_writes_its_cache_through_the_functions():
    for name, target in hclread.targets(bake()).items():
        assert hclread.call(target["cache-from"]) == ("bakegen_cache_from", [name])
        assert hclread.call(target["cache-to"]) == ("bakegen_cache_to", [name])


def test_a_narrowed_ancestor_reads_the_cache_and_writes_none():
    targets = hclread.targets(bake(plan_for=["kid"]))
    assert targets["hub"]["platforms"] == ["linux/arm64"]  # narrowed: kid needs arm64 only
    assert hclread.call(targets["hub"]["cache-from"]) == ("bakegen_cache_from", ["hub"])
    assert "cache-to" not in targets["hub"]
    assert hclread.call(targets["kid"]["cache-to"]) == ("bakegen_cache_to", ["kid"])


def test_the_cache_functions():
    functions = hclread.functions(bake())
    results = {name: f["result"] for name, f in functions.items()}
    assert functions["bakegen_cache_from"]["params"] == ["target"]
    # one key per target, and per platform when a job sets CACHE_SCOPE_SUFFIX
    assert results["bakegen_cache_key"] == (
        '${CACHE_SCOPE_SUFFIX == "" ? target : "${target}-${bakegen_tag_text(CACHE_SCOPE_SUFFIX)}"}'
    )
    assert results["bakegen_tag_text"] == '${regex_replace(text, "[^A-Za-z0-9_.-]", "-")}'
    # a tag holds 128 characters: a longer one keeps 115, then - and 12 of its sha256 (115 + 1 + 12)
    assert results["bakegen_registry_tag"] == (
        '${strlen(tag) <= 128 ? tag : "${substr(tag, 0, 115)}-${substr(sha256(tag), 0, 12)}"}'
    )
    cache_from, cache_to = results["bakegen_cache_from"], results["bakegen_cache_to"]
    # each backend: no entry while its variable is empty
    assert 'CACHE_REF == "" ? [] : [bakegen_registry_cache(bakegen_cache_key(target), CACHE_SUFFIX)]' in cache_from
    assert 'CACHE_DIR == "" ? [] : ["type=local,src=${CACHE_DIR}/${bakegen_cache_key(target)}"]' in cache_from
    assert '"type=gha,scope=${bakegen_gha_scope(bakegen_cache_key(target))}"' in cache_from
    # the fallback suffix is read, never written
    assert "CACHE_FALLBACK_SUFFIX" in cache_from
    assert "CACHE_FALLBACK_SUFFIX" not in cache_to
    assert '"${bakegen_registry_cache(bakegen_cache_key(target), CACHE_SUFFIX)},mode=max"' in cache_to
    assert '"type=local,dest=${CACHE_DIR}/${bakegen_cache_key(target)},mode=max"' in cache_to
    assert '"type=gha,scope=${bakegen_gha_scope(bakegen_cache_key(target))},mode=max"' in cache_to


def test_the_build_file_has_the_same_variables_and_functions():
    whole, build = bake(), bake(plan_for=["kid"])
    assert hclread.variables(build) == hclread.variables(whole)
    assert hclread.functions(build) == hclread.functions(whole)
