"""The repository's own docker-bake.hcl: current, resolvable by real bake, and lint-clean."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from bakegen.model import IMAGE, load_project
from tests.e2e import support

REPO = Path(__file__).resolve().parents[2]
WARNING_LINE = re.compile(r"^\s*(WARNING|warning)\b", re.MULTILINE)


def repo_files() -> tuple[Path, Path]:
    images_yaml, bake_file = REPO / "images.yaml", REPO / "docker-bake.hcl"
    if not images_yaml.is_file():
        pytest.fail(f"{images_yaml} is missing", pytrace=False)
    if not bake_file.is_file():
        pytest.fail(f"{bake_file} is missing: run `bakegen` in the repository and commit it", pytrace=False)
    return images_yaml, bake_file


@pytest.fixture(scope="module")
def repo_project(builder, e2e_env):
    images_yaml, bake_file = repo_files()
    current = support.bakegen("--check", cwd=REPO, env=dict(e2e_env))
    if current.returncode != 0:
        pytest.fail("docker-bake.hcl is not what bakegen generates:\n" + support.show(current), pytrace=False)
    return load_project(images_yaml)


def bake(env, *args: str) -> subprocess.CompletedProcess:
    argv = ["docker", "buildx", "bake", "--builder", env["BAKEGEN_BUILDER"], "-f", "docker-bake.hcl", *args]
    return support.run(argv, cwd=REPO, env=env, timeout=300)


def test_repo_bake_file_resolves(repo_project, env):
    result = bake(env, "--print", "all")
    assert result.returncode == 0, support.show(result)
    targets = json.loads(result.stdout)["target"]
    assert set(targets) == set(repo_project.images)
    for image_id, image in repo_project.images.items():
        base = targets[image_id]["contexts"]["base"]
        if image.parent:
            assert base == f"target:{image.parent}", (image_id, base)
        else:
            assert base == f"docker-image://{image.external_base}", (image_id, base)
        for name, named in image.contexts.items():
            if named.kind == IMAGE:
                assert targets[image_id]["contexts"][name] == f"target:{named.image}", (image_id, name)


def test_repo_dockerfiles_pass_bake_check(repo_project, test_base, env):
    """`--call check` per target, its image links replaced by the local test base: buildx
    v0.36.1 stops at a `target:` context ("unsupported context source target"), and the
    external bases (Docker Hub, quay.io) are not reachable from the test machines."""
    printed = bake(env, "--print", "all")
    assert printed.returncode == 0, support.show(printed)
    targets = json.loads(printed.stdout)["target"]
    failures = []
    for target, config in targets.items():
        overrides = []
        for name, value in sorted((config.get("contexts") or {}).items()):
            if name == "base" or value.startswith(("target:", "docker-image://")):
                overrides += ["--set", f"{target}.contexts.{name}=docker-image://{test_base}"]
        result = bake(env, "--call", "check", *overrides, target)
        output = result.stdout + result.stderr
        if result.returncode != 0 or WARNING_LINE.search(output) or "no warnings found" not in output:
            failures.append(support.show(result))
    assert not failures, "\n\n".join(failures)


def test_repo_test_targets_resolve_and_pass_bake_check(repo_project, test_base, env):
    """The group `test` holds one `<id>-test` target per image, none of them in `all`; their
    inline Dockerfiles are lint-clean (the image they check replaced by the test base)."""
    printed = bake(env, "--print", "test")
    assert printed.returncode == 0, support.show(printed)
    # --print lists the images the test targets need too
    targets = {name: t for name, t in json.loads(printed.stdout)["target"].items() if name not in repo_project.images}
    assert set(targets) == {f"{image_id}-test" for image_id in repo_project.images}
    failures = []
    for target, config in targets.items():
        assert config["contexts"] == {"image": f"target:{target.removesuffix('-test')}"}, config
        result = bake(env, "--call", "check", "--set", f"{target}.contexts.image=docker-image://{test_base}", target)
        output = result.stdout + result.stderr
        if result.returncode != 0 or WARNING_LINE.search(output) or "no warnings found" not in output:
            failures.append(support.show(result))
    assert not failures, "\n\n".join(failures[:3])
