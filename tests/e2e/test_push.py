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
