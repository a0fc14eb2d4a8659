"""`bakegen build --push` to the local registry: every tag lands, with one manifest per platform."""

from __future__ import annotations

import json

from tests.e2e import support

INDEX_TYPES = {
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
}


def get_json(registry: str, repo: str, kind: str, ref: str) -> tuple[dict, str]:
    status, headers, body = support.http_get(
        f"http://{registry}/v2/{repo}/{kind}/{ref}", accept=support.MANIFEST_ACCEPT
    )
    assert status == 200, (repo, kind, ref, status, body[:500])
    return json.loads(body), headers.get("Content-Type", "")


def image_configs(registry: str, repo: str, tag: str) -> list[dict]:
    """The image configs of every platform of a pushed tag (attestations left out)."""
    manifest, media_type = get_json(registry, repo, "manifests", tag)
    if (manifest.get("mediaType") or media_type) in INDEX_TYPES:
        manifests = [
            get_json(registry, repo, "manifests", entry["digest"])[0]
            for entry in manifest["manifests"]
            if (entry.get("platform") or {}).get("os") != "unknown"
        ]
    else:
        manifests = [manifest]
    return [get_json(registry, repo, "blobs", m["config"]["digest"])[0] for m in manifests]


def pushed_platforms(registry: str, repo: str, tag: str) -> set[str]:
    """The platforms of a pushed tag, read through the registry's HTTP API."""
    manifest, media_type = get_json(registry, repo, "manifests", tag)
    if (manifest.get("mediaType") or media_type) in INDEX_TYPES:
        platforms = set()
        for entry in manifest["manifests"]:
            platform = entry.get("platform") or {}
            os_arch = f"{platform.get('os')}/{platform.get('architecture')}"
            if os_arch == "unknown/unknown":  # attestation manifests (provenance)
                continue
            if platform.get("variant"):
                os_arch += "/" + platform["variant"]
            platforms.add(os_arch)
        return platforms
    # a single image manifest: its platform is in the config blob
    config = get_json(registry, repo, "blobs", manifest["config"]["digest"])[0]
    return {f"{config['os']}/{config['architecture']}"}


def test_push_to_local_registry(tmp_path, make_project, registry, env):
    project = make_project(
        tmp_path,
        images={
            "pushbase": {"platforms": ["linux/amd64", "linux/arm64"], "tags": ["pushbase:e2e"]},
            "pushapp": {"from": "pushbase", "platforms": ["linux/amd64"], "tags": ["pushapp:e2e", "pushapp:latest"]},
        },
        dockerfiles={
            # no RUN in the multi-platform image: nothing to emulate
            "pushbase": "ENV BAKEGEN_E2E=push\n",
            "pushapp": "RUN echo app > /app\n",
        },
    )
    # the tags say ${REGISTRY}/pushbase:e2e; point REGISTRY at a fresh namespace
    namespace = f"e2e-push-{support.unique()}"
    result = support.bakegen(
        "build", "pushbase", "pushapp", "--push", "--var", f"REGISTRY={registry}/{namespace}",
        "--progress", "plain", cwd=project.root, env=env,
    )
    assert result.returncode == 0, support.show(result)

    expected = {
        ("pushbase", "e2e"): {"linux/amd64", "linux/arm64"},
        ("pushapp", "e2e"): {"linux/amd64"},
        ("pushapp", "latest"): {"linux/amd64"},
    }
    for (image, tag), platforms in expected.items():
        repo = f"{namespace}/{image}"
        status, _, body = support.http_get(f"http://{registry}/v2/{repo}/tags/list")
        assert status == 200, (repo, status, body[:300])
        assert tag in json.loads(body)["tags"], (repo, body)
        assert pushed_platforms(registry, repo, tag) == platforms, (repo, tag)

    # the labels bakegen sets follow the REGISTRY given at build time
    (config,) = image_configs(registry, f"{namespace}/pushapp", "e2e")
    labels = config["config"]["Labels"]
    assert labels["bakegen.image"] == "pushapp"
    assert labels["bakegen.parent"] == "pushbase"
    assert labels["org.opencontainers.image.base.name"] == f"{registry}/{namespace}/pushbase:e2e"
    assert config["config"]["Env"].count("BAKEGEN_E2E=push") == 1  # built on pushbase


def manifest_of(registry: str, repo: str, tag: str, platform: str) -> tuple[dict, str]:
    """The image manifest of one platform of a pushed tag, and the digest the tag points at."""
    status, headers, body = support.http_get(
        f"http://{registry}/v2/{repo}/manifests/{tag}", accept=support.MANIFEST_ACCEPT
    )
    assert status == 200, (repo, tag, status, body[:300])
    top = json.loads(body)
    digest = headers.get("Docker-Content-Digest", "")
    if (top.get("mediaType") or headers.get("Content-Type")) not in INDEX_TYPES:
        return top, digest
    os_name, arch = platform.split("/")
    (entry,) = [
        m for m in top["manifests"]
        if (m.get("platform") or {}).get("os") == os_name and m["platform"].get("architecture") == arch
    ]
    return get_json(registry, repo, "manifests", entry["digest"])[0], digest


def test_pushing_a_child_pushes_the_parent_it_is_built_on(tmp_path, make_project, registry, env):
    """buildx #1112: `bake kid --push` builds the parent and pushes kid only. bakegen pushes
    the parent too, for all its platforms, and prints each image's tags and digest."""
    project = make_project(
        tmp_path,
        images={
            "ppar": {"platforms": ["linux/amd64", "linux/arm64"], "tags": ["ppar:e2e"]},
            "pkid": {"from": "ppar", "platforms": ["linux/arm64"], "tags": ["pkid:e2e", "pkid:latest"]},
        },
        # COPY makes a layer of its own without running anything under emulation
        dockerfiles={"ppar": f"COPY ppar.txt /ppar-{support.unique()}\n", "pkid": "COPY pkid.txt /pkid\n"},
    )
    (project.root / "ppar.txt").write_text("parent\n")
    (project.root / "pkid.txt").write_text("kid\n")
    namespace = f"e2e-push-{support.unique()}"
    result = support.bakegen(
        "build", "pkid", "--push", "--var", f"REGISTRY={registry}/{namespace}", "--progress", "plain",
        cwd=project.root, env=env,
    )
    assert result.returncode == 0, support.show(result)
    assert "--push also pushes what they are built on: ppar" in result.stderr

    # the parent's tag exists, with every platform it declares
    assert pushed_platforms(registry, f"{namespace}/ppar", "e2e") == {"linux/amd64", "linux/arm64"}
    assert pushed_platforms(registry, f"{namespace}/pkid", "e2e") == {"linux/arm64"}
    # ... and is the image the child's layers sit on
    parent, parent_digest = manifest_of(registry, f"{namespace}/ppar", "e2e", "linux/arm64")
    child, child_digest = manifest_of(registry, f"{namespace}/pkid", "e2e", "linux/arm64")
    parent_layers = [layer["digest"] for layer in parent["layers"]]
    child_layers = [layer["digest"] for layer in child["layers"]]
    assert len(child_layers) == len(parent_layers) + 1, (parent_layers, child_layers)
    assert child_layers[: len(parent_layers)] == parent_layers

    # stdout: one line per pushed image, parents first: id, digest, tags
    lines = [line.split() for line in result.stdout.splitlines()]
    assert lines == [
        ["ppar", parent_digest, f"{registry}/{namespace}/ppar:e2e"],
        ["pkid", child_digest, f"{registry}/{namespace}/pkid:e2e", f"{registry}/{namespace}/pkid:latest"],
    ], result.stdout
    _, latest_digest = manifest_of(registry, f"{namespace}/pkid", "latest", "linux/arm64")
    assert latest_digest == child_digest
