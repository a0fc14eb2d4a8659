"""Native builds per platform, one multi-platform tag: each (image, platform) job of
`bakegen matrix --split-platforms` runs on its own (`bakegen build --platform P
--push-by-digest`), pushing to the local registry under no tag; `bakegen merge` then makes
each image's tags one index of both platforms. Read back through the registry's HTTP API.

Run with attestations off (images.yaml's default) and with provenance on (the bake variable
ATTEST_PROVENANCE, no regeneration). Both runs share one project, so the second builds
nothing: the images are the same, only the attestations and the repositories differ.
"""

from __future__ import annotations

import json

import pytest

from tests.e2e import support
from tests.e2e.test_push import INDEX_TYPES, get_json

PLATFORMS = ["linux/amd64", "linux/arm64"]
ATTESTATION = "attestation-manifest"


@pytest.fixture(scope="module")
def chain(tmp_path_factory, registry, test_base):
    """parent (on the test base) -> child, both for amd64 and arm64; RUN steps (arm64 under
    QEMU) so that each platform has layers of its own."""
    root = tmp_path_factory.mktemp("splitmerge")
    return support.write_project(
        root,
        registry=registry,
        test_base=test_base,
        images={
            "parent": {"platforms": PLATFORMS, "tags": ["split-parent:1"]},
            "child": {"from": "parent", "platforms": PLATFORMS, "tags": ["split-child:1", "split-child:latest"]},
        },
        dockerfiles={
            "parent": "ARG TARGETARCH\nRUN echo \"parent on $TARGETARCH\" > /parent.txt\n",
            "child": "ARG TARGETARCH\nRUN echo \"child on $TARGETARCH\" > /child.txt\n",
        },
    )


def platform_of(entry: dict) -> str:
    platform = entry.get("platform") or {}
    return "/".join(filter(None, (platform.get("os"), platform.get("architecture"), platform.get("variant"))))


def layers(registry: str, repo: str, digest: str) -> list[str]:
    manifest, _ = get_json(registry, repo, "manifests", digest)
    return [layer["digest"] for layer in manifest["layers"]]


@pytest.mark.parametrize("provenance", [False, True], ids=["attestations-off", "provenance-on"])
def test_per_platform_jobs_pushed_by_digest_merge_into_one_index(chain, registry, env, provenance, tmp_path):
    env = dict(env)
    prefix = f"{chain.registry_prefix}-{'prov' if provenance else 'plain'}"
    env["REGISTRY"] = prefix  # bake's variable from the environment; merge resolves it the same way
    if provenance:
        env["ATTEST_PROVENANCE"] = "min"
    metadata = tmp_path / "metadata"

    result = support.bakegen("matrix", "--split-platforms", cwd=chain.root, env=env)
    assert result.returncode == 0, support.show(result)
    jobs = json.loads(result.stdout)["include"]
    assert [(j["target"], j["platform"], j["arch"], j["name"]) for j in jobs] == [
        ("parent", "linux/amd64", "amd64", "parent-linux-amd64"),
        ("parent", "linux/arm64", "arm64", "parent-linux-arm64"),
        ("child", "linux/amd64", "amd64", "child-linux-amd64"),
        ("child", "linux/arm64", "arm64", "child-linux-arm64"),
    ]

    def run_job(job: dict) -> None:
        result = support.bakegen(
            "build", job["target"], "--platform", job["platform"], "--push-by-digest",
            "--metadata-file", str(metadata / job["name"] / "metadata.json"), "--progress", "plain",
            cwd=chain.root, env=env,
        )
        assert result.returncode == 0, support.show(result)
        assert f"pushed {job['target']} {job['platform']}: {prefix}/split-{job['target']}@sha256:" in result.stdout

    # the amd64 jobs first: a merge now must refuse, naming what is missing, and tag nothing
    for job in jobs:
        if job["arch"] == "amd64":
            run_job(job)
    early = support.bakegen("merge", "parent", "child", "--metadata-dir", str(metadata), cwd=chain.root, env=env)
    assert early.returncode == 1, support.show(early)
    assert "no digest for parent (linux/arm64); child (linux/arm64)" in early.stderr, early.stderr
    assert "nothing was tagged" in early.stderr
    for image in ("split-parent", "split-child"):
        status, _, _ = support.http_get(f"http://{registry}/v2/{prefix.split('/', 1)[1]}/{image}/manifests/1")
        assert status == 404, (image, status)

    for job in jobs:
        if job["arch"] == "arm64":
            run_job(job)

    # what each job's metadata file says: a manifest per platform, or an index with its attestation
    for job in jobs:
        entry = json.loads((metadata / job["name"] / "metadata.json").read_text())[job["target"]]
        assert entry["bakegen.platform"] == job["platform"]
        media_type = entry["containerimage.descriptor"]["mediaType"]
        assert (media_type in INDEX_TYPES) is provenance, media_type
        assert "," not in entry["image.name"]  # the first tag's repository: one per image here

    merged = support.bakegen(
        "merge", "parent", "child", "--metadata-dir", str(metadata), "--builder", env["BAKEGEN_BUILDER"],
        cwd=chain.root, env=env,
    )
    assert merged.returncode == 0, support.show(merged)
    assert f"merged parent (linux/amd64, linux/arm64): {prefix}/split-parent:1" in merged.stdout
    assert f"merged child (linux/amd64, linux/arm64): {prefix}/split-child:1, {prefix}/split-child:latest" in (
        merged.stdout
    )

    namespace = prefix.split("/", 1)[1]
    per_platform: dict[str, dict[str, str]] = {}  # image -> platform -> manifest digest
    for image, tag in (("split-parent", "1"), ("split-child", "1"), ("split-child", "latest")):
        index, media_type = get_json(registry, f"{namespace}/{image}", "manifests", tag)
        assert (index.get("mediaType") or media_type) in INDEX_TYPES, (image, tag, media_type)
        images = [m for m in index["manifests"] if platform_of(m) != "unknown/unknown"]
        attestations = [m for m in index["manifests"] if platform_of(m) == "unknown/unknown"]
        assert sorted(platform_of(m) for m in images) == PLATFORMS, (image, tag, index)
        if provenance:  # one provenance manifest per platform, each pointing at its image
            assert {a["annotations"]["vnd.docker.reference.type"] for a in attestations} == {ATTESTATION}
            assert {a["annotations"]["vnd.docker.reference.digest"] for a in attestations} == {
                m["digest"] for m in images
            }
        else:
            assert attestations == [], index
        digests = {platform_of(m): m["digest"] for m in images}
        assert per_platform.setdefault(image, digests) == digests  # both child tags: the same index

    # the child of each platform sits on the parent of that platform, layer for layer
    for platform in PLATFORMS:
        parent_layers = layers(registry, f"{namespace}/split-parent", per_platform["split-parent"][platform])
        child_layers = layers(registry, f"{namespace}/split-child", per_platform["split-child"][platform])
        assert child_layers[: len(parent_layers)] == parent_layers, platform
        assert len(child_layers) == len(parent_layers) + 1, platform
    amd64, arm64 = (
        layers(registry, f"{namespace}/split-child", per_platform["split-child"][p])[-1] for p in PLATFORMS
    )
    assert amd64 != arm64  # each platform ran its own RUN step
