"""Cache backends and base-image mirrors as bake itself reads them: the real
`docker buildx bake --print` of the generated file under each variable, a local-folder cache
that brings the steps back after the builder's own copy is pruned, and a chain built from a
Docker Hub and a quay.io base served by the local registry as their mirror."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from tests.e2e import support

BACKEND_VARIABLES = [
    "CACHE_REF", "CACHE_SUFFIX", "CACHE_FALLBACK_SUFFIX", "CACHE_DIR", "CACHE_GHA", "CACHE_SCOPE_SUFFIX",
    "BASE_MIRROR_DOCKERHUB", "BASE_MIRROR_QUAY",
]


def bake_print(project, env, variables: dict[str, str], *targets: str) -> dict:
    clean = {k: v for k, v in env.items() if k not in BACKEND_VARIABLES}
    result = support.run(
        ["docker", "buildx", "bake", "-f", str(project.bake_file), "--print", *targets],
        cwd=project.root, env={**clean, **variables},
    )
    assert result.returncode == 0, support.show(result)
    return json.loads(result.stdout)["target"]


@pytest.fixture
def printed_project(tmp_path, make_project, env):
    project = make_project(
        tmp_path,
        images={
            "hub": {"from": "ubuntu:22.04"},
            "org": {"from": "nvidia/cuda:12.4.1-base"},
            "quay": {"from": "quay.io/ascend/vllm-ascend:v0.23.0"},
            "local": {},  # the test base, on localhost:5000: no mirror
            "kid": {"from": "hub"},
        },
        dockerfiles={name: "ENV X=1\n" for name in ("hub", "org", "quay", "local", "kid")},
    )
    result = support.bakegen("generate", cwd=project.root, env=env)
    assert result.returncode == 0, support.show(result)
    return project


def caches(target: dict) -> tuple[list[dict], list[dict]]:
    return target.get("cache-from", []), target.get("cache-to", [])


def test_without_variables_no_cache_and_bases_as_written(printed_project, env, test_base):
    targets = bake_print(printed_project, env, {}, "hub", "org", "quay", "local", "kid")
    assert all(caches(t) == ([], []) for t in targets.values()), targets
    assert {name: t["contexts"]["base"] for name, t in targets.items()} == {
        "hub": "docker-image://ubuntu:22.04",
        "org": "docker-image://nvidia/cuda:12.4.1-base",
        "quay": "docker-image://quay.io/ascend/vllm-ascend:v0.23.0",
        "local": f"docker-image://{test_base}",
        "kid": "target:hub",
    }


@pytest.mark.parametrize(
    ("variables", "cache_from", "cache_to"),
    [
        pytest.param(
            {"CACHE_REF": "r.example.com/cache"},
            [{"type": "registry", "ref": "r.example.com/cache:kid"}],
            [{"type": "registry", "ref": "r.example.com/cache:kid", "mode": "max"}],
            id="registry",
        ),
        pytest.param(
            {"CACHE_REF": "r.example.com/cache", "CACHE_SUFFIX": "feature/npu-A3", "CACHE_FALLBACK_SUFFIX": "main"},
            [
                {"type": "registry", "ref": "r.example.com/cache:kid-feature-npu-A3"},
                {"type": "registry", "ref": "r.example.com/cache:kid-main"},
            ],
            [{"type": "registry", "ref": "r.example.com/cache:kid-feature-npu-A3", "mode": "max"}],
            id="registry per branch, reading main's too",
        ),
        pytest.param(
            {"CACHE_REF": "r.example.com/cache", "CACHE_SUFFIX": "main", "CACHE_FALLBACK_SUFFIX": "main"},
            [{"type": "registry", "ref": "r.example.com/cache:kid-main"}],
            [{"type": "registry", "ref": "r.example.com/cache:kid-main", "mode": "max"}],
            id="on main the fallback is the cache itself: read once",
        ),
        pytest.param(
            {"CACHE_FALLBACK_SUFFIX": "main", "CACHE_SUFFIX": "x"}, [], [],
            id="suffixes without CACHE_REF: nothing",
        ),
        pytest.param(
            {"CACHE_DIR": "/var/cache/bake"},
            [{"type": "local", "src": "/var/cache/bake/kid"}],
            [{"type": "local", "dest": "/var/cache/bake/kid", "mode": "max"}],
            id="local folder",
        ),
        pytest.param(
            {"CACHE_GHA": "1"},
            [{"type": "gha", "scope": "kid"}],
            [{"type": "gha", "scope": "kid", "mode": "max"}],
            id="GitHub Actions",
        ),
        pytest.param(
            {"CACHE_GHA": "images", "CACHE_SCOPE_SUFFIX": "linux/arm64"},
            [{"type": "gha", "scope": "images-kid-linux-arm64"}],
            [{"type": "gha", "scope": "images-kid-linux-arm64", "mode": "max"}],
            id="GitHub Actions, a prefix and one scope per platform",
        ),
        pytest.param({"CACHE_GHA": "false"}, [], [], id="CACHE_GHA=false is off"),
        pytest.param(
            {"CACHE_REF": "r.example.com/cache", "CACHE_SUFFIX": "pr-7", "CACHE_DIR": "c", "CACHE_GHA": "true",
             "CACHE_SCOPE_SUFFIX": "linux/amd64"},
            [
                {"type": "registry", "ref": "r.example.com/cache:kid-linux-amd64-pr-7"},
                {"type": "local", "src": "c/kid-linux-amd64"},
                {"type": "gha", "scope": "kid-linux-amd64"},
            ],
            [
                {"type": "registry", "ref": "r.example.com/cache:kid-linux-amd64-pr-7", "mode": "max"},
                {"type": "local", "dest": "c/kid-linux-amd64", "mode": "max"},
                {"type": "gha", "scope": "kid-linux-amd64", "mode": "max"},
            ],
            id="all at once, per platform",
        ),
    ],
)
def test_cache_entries_bake_makes_of_the_variables(printed_project, env, variables, cache_from, cache_to):
    target = bake_print(printed_project, env, variables, "kid")["kid"]
    assert caches(target) == (cache_from, cache_to)


@pytest.mark.parametrize(
    ("suffix", "scope"),
    [("b" * 124, ""), ("b" * 125, ""), ("feature/" + "x" * 200, "linux/arm64"), ("b" * 123, "p")],
    ids=["128 characters: kept", "129: cut", "a long branch and a platform", "the scope counts too"],
)
def test_a_registry_cache_tag_longer_than_a_tag_may_be_is_cut_and_keeps_a_hash(printed_project, env, suffix, scope):
    # kid-<suffix>: 4 + len(suffix) characters; a tag holds at most 128
    variables = {"CACHE_REF": "r.example.com/cache", "CACHE_SUFFIX": suffix, "CACHE_SCOPE_SUFFIX": scope}
    cache_from, cache_to = caches(bake_print(printed_project, env, variables, "kid")["kid"])
    tag = "-".join(part.replace("/", "-") for part in ("kid", scope, suffix) if part)
    if len(tag) > 128:
        tag = f"{tag[:115]}-{hashlib.sha256(tag.encode()).hexdigest()[:12]}"
    assert len(tag) <= 128
    assert cache_from == [{"type": "registry", "ref": f"r.example.com/cache:{tag}"}]
    assert cache_to == [{"type": "registry", "ref": f"r.example.com/cache:{tag}", "mode": "max"}]


def test_two_long_tags_that_share_their_start_stay_apart(printed_project, env):
    refs = {
        caches(bake_print(printed_project, env, {"CACHE_REF": "r/c", "CACHE_SUFFIX": "b" * 130 + end}, "kid")["kid"])[1][0]["ref"]
        for end in ("1", "2")
    }
    assert len(refs) == 2 and all(len(ref.split(":", 1)[1]) == 128 for ref in refs), refs


def test_mirrors_rewrite_docker_hub_and_quay_bases_only(printed_project, env, test_base):
    variables = {"BASE_MIRROR_DOCKERHUB": "mirror.example.com/hub/", "BASE_MIRROR_QUAY": "mirror.example.com/quay"}
    targets = bake_print(printed_project, env, variables, "hub", "org", "quay", "local", "kid")
    assert {name: t["contexts"]["base"] for name, t in targets.items()} == {
        "hub": "docker-image://mirror.example.com/hub/library/ubuntu:22.04",
        "org": "docker-image://mirror.example.com/hub/nvidia/cuda:12.4.1-base",
        "quay": "docker-image://mirror.example.com/quay/ascend/vllm-ascend:v0.23.0",
        "local": f"docker-image://{test_base}",
        "kid": "target:hub",
    }
    # an environment override needs no regeneration: the committed file stays current
    check = support.bakegen("--check", cwd=printed_project.root, env={**env, **variables})
    assert check.returncode == 0, support.show(check)


def copy_image(source: str, target: str, env) -> None:
    result = support.run(["docker", "buildx", "imagetools", "create", "-t", target, source], env=env, timeout=300)
    assert result.returncode == 0, support.show(result)


def test_a_chain_builds_from_bases_served_by_mirrors(tmp_path, make_project, registry, test_base, env):
    """The local registry is the mirror: the test base is copied there under the names a
    mirror of Docker Hub and one of quay.io would give it."""
    token = support.unique()
    hub_ref, quay_ref = f"debian:e2e-{token}", f"quay.io/bakegen-e2e/debian:{token}"
    hub_mirror, quay_mirror = f"{registry}/e2e-hub-{token}", f"{registry}/e2e-quay-{token}"
    copy_image(test_base, f"{hub_mirror}/library/debian:e2e-{token}", env)
    copy_image(test_base, f"{quay_mirror}/bakegen-e2e/debian:{token}", env)
    project = make_project(
        tmp_path,
        images={
            "mroot": {"from": hub_ref, "platforms": ["linux/amd64"]},
            "mkid": {"from": "mroot", "platforms": ["linux/amd64"]},
            "qroot": {"from": quay_ref, "platforms": ["linux/amd64"]},
        },
        dockerfiles={
            "mroot": "RUN test -f /etc/debian_version && echo mroot > /mroot\n",
            "mkid": "RUN cat /mroot\n",
            "qroot": "RUN test -f /etc/debian_version\n",
        },
    )
    # without the variables bake would pull the names as written (Docker Hub, quay.io)
    plain = support.bakegen("build", "mkid", "qroot", "--print", cwd=project.root, env=env)
    assert plain.returncode == 0, support.show(plain)
    printed = json.loads(plain.stdout)["target"]
    assert printed["mroot"]["contexts"]["base"] == f"docker-image://{hub_ref}"
    assert printed["qroot"]["contexts"]["base"] == f"docker-image://{quay_ref}"

    # one mirror given with --var, the other from the environment (no regeneration)
    result = support.bakegen(
        "build", "mkid", "qroot", "--progress", "rawjson", "--set", "*.output=type=cacheonly",
        "--var", f"BASE_MIRROR_DOCKERHUB={hub_mirror}",
        cwd=project.root, env={**env, "BASE_MIRROR_QUAY": quay_mirror},
    )
    assert result.returncode == 0, support.show(result)
    names = [v.get("name", "") for v in support.vertices(result.stderr).values()]
    # "[context base] <ref>" or "[<target> internal] load metadata for <ref>", by cache state
    for mirrored in (f"{hub_mirror}/library/debian:e2e-{token}", f"{quay_mirror}/bakegen-e2e/debian:{token}"):
        assert any(name.endswith(f" {mirrored}") for name in names), (mirrored, names)
    assert not any(name.endswith((f" {hub_ref}", f" {quay_ref}")) for name in names), names
    ran = support.executed(result.stderr) + support.cached(result.stderr)
    assert len(ran) == 3, support.steps(result.stderr)
    check = support.bakegen("--check", cwd=project.root, env={**env, "BASE_MIRROR_QUAY": quay_mirror})
    assert check.returncode == 0, support.show(check)


def test_local_cache_brings_steps_back_after_prune(tmp_path, make_project, env):
    """CACHE_DIR outside the project: bakegen grants bake the entitlement, each target gets
    a folder, and after this test's own steps are pruned from the builder they come back
    from the folder (only this test's records are pruned: their commands carry a token)."""
    buildctl = shutil.which("buildctl", path=env.get("PATH"))
    if not buildctl or not env.get("BUILDKIT_HOST"):
        support.unavailable("the local cache test needs buildctl and BUILDKIT_HOST (run scripts/buildkit-up)")
    token = f"localcache{support.unique()}"
    project = make_project(
        tmp_path / "project",
        images={"lbase": {"platforms": ["linux/amd64"]}, "lapp": {"from": "lbase", "platforms": ["linux/amd64"]}},
        dockerfiles={"lbase": f"RUN echo {token} > /nonce\n", "lapp": f"RUN echo app-{token} > /app\n"},
    )
    cache_dir = tmp_path / "cache"

    def build():
        result = support.bakegen(
            "build", "lapp", "--progress", "rawjson", "--set", "*.output=type=cacheonly",
            cwd=project.root, env={**env, "CACHE_DIR": str(cache_dir)},
        )
        assert result.returncode == 0, support.show(result)
        return result

    first = build()
    assert len(support.executed(first.stderr)) == 2, support.steps(first.stderr)
    assert "granting bake access" in first.stderr
    assert sorted(p.name for p in cache_dir.iterdir()) == ["lapp", "lbase"]
    assert all((cache_dir / name / "index.json").is_file() for name in ("lapp", "lbase"))

    mine = ["--filter", f"description~={token}"]
    pruned = support.run([buildctl, "--addr", env["BUILDKIT_HOST"], "prune", *mine], env=env, timeout=600)
    assert pruned.returncode == 0, support.show(pruned)

    second = build()
    assert support.executed(second.stderr) == [], support.steps(second.stderr)
    assert len(support.cached(second.stderr)) == 2, support.steps(second.stderr)
