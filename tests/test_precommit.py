"""The pre-commit hooks (.pre-commit-hooks.yaml), run by pre-commit itself as another
repository runs them: a project in a git repository of its own whose .pre-commit-config.yaml
names this repository (a snapshot of the working tree, committed into a local repository, so
that what is tested is what is here) at that commit.

pre-commit installs the hook repository into a virtualenv of its own with pip (`pip install
.`), so these tests need what pip needs for bakegen and its dependencies: PyPI, a mirror
(PIP_INDEX_URL) or a wheel folder (PIP_FIND_LINKS). The virtualenv is made once per module.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

HOOKS = ["bakegen-generate-check", "bakegen-check"]

IMAGES = """\
version: 1
variables: {REGISTRY: registry.example.com/team}
images:
  base:
    from: ubuntu:22.04
    dockerfile: dockerfiles/base.dockerfile
    platforms: [linux/arm64]
    tags: ["base:1"]
  app:
    from: base
    dockerfile: dockerfiles/app.dockerfile
    platforms: [linux/arm64]
    tags: ["app:1"]
"""
DOCKERFILE = "ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\nRUN set -eux; true\n"


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=git_env())
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout.strip()


def git_env() -> dict[str, str]:
    return {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> tuple[Path, str]:
    """This repository's working tree (tracked and new files, not ignored ones) committed into
    a local git repository: (its path, the commit)."""
    root = tmp_path_factory.mktemp("hook-repo")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():  # not a file deleted in the working tree
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / name)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "snapshot")
    return root, git(root, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def project(tmp_path, hook_repo) -> Path:
    """A project repository with images.yaml, its Dockerfiles, its generated bake file and a
    .pre-commit-config.yaml that uses both hooks, all committed."""
    repo, rev = hook_repo
    root = tmp_path / "project"
    (root / "dockerfiles").mkdir(parents=True)
    (root / "images.yaml").write_text(IMAGES)
    for image in ("base", "app"):
        (root / "dockerfiles" / f"{image}.dockerfile").write_text(DOCKERFILE)
    config = {"repos": [{"repo": str(repo), "rev": rev, "hooks": [{"id": hook} for hook in HOOKS]}]}
    (root / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    generated = subprocess.run([sys.executable, "-m", "bakegen"], cwd=root, capture_output=True, text=True)
    assert generated.returncode == 0, generated.stderr
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "project")
    return root


def pre_commit(root: Path, home: Path) -> subprocess.CompletedProcess:
    # Without PYTHONPATH: the hooks must run the bakegen pre-commit installed, not this checkout.
    env = {k: v for k, v in git_env().items() if k != "PYTHONPATH"}
    env["PRE_COMMIT_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
        cwd=root, capture_output=True, text=True, env=env, timeout=900,
    )


def outcome(result: subprocess.CompletedProcess) -> dict[str, str]:
    """hook name -> Passed / Failed / Skipped, from pre-commit's summary lines."""
    lines = {}
    for line in result.stdout.splitlines():
        for word in ("Passed", "Failed", "Skipped"):
            if line.endswith(word) and "...." in line:
                lines[line.split("..")[0].strip()] = word
    return lines


def hook_names() -> dict[str, str]:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    return {hook["id"]: hook["name"] for hook in hooks}


def test_the_hooks_pass_on_a_project_whose_bake_file_is_current(project, pre_commit_home):
    result = pre_commit(project, pre_commit_home)
    names = hook_names()
    assert result.returncode == 0, result.stdout + result.stderr
    assert outcome(result) == {names[hook]: "Passed" for hook in HOOKS}


def test_a_stale_bake_file_fails_with_its_diff(project, pre_commit_home):
    images = project / "images.yaml"
    images.write_text(IMAGES.replace('tags: ["app:1"]', 'tags: ["app:2"]'))
    git(project, "commit", "-q", "-am", "a new tag, the bake file not regenerated")
    result = pre_commit(project, pre_commit_home)
    names = hook_names()
    assert result.returncode == 1
    assert outcome(result) == {names["bakegen-generate-check"]: "Failed", names["bakegen-check"]: "Passed"}
    assert '-  tags = ["${REGISTRY}/app:1"]\n+  tags = ["${REGISTRY}/app:2"]\n' in result.stdout, result.stdout
    assert "is out of date with images.yaml; run `bakegen` and commit both" in result.stdout


def test_an_unknown_parent_fails_the_check_hook_with_its_line(project, pre_commit_home):
    images = project / "images.yaml"
    images.write_text(IMAGES.replace("from: base", "from: bsae"))
    git(project, "commit", "-q", "-am", "a typo")
    result = pre_commit(project, pre_commit_home)
    names = hook_names()
    assert result.returncode == 1
    assert outcome(result)[names["bakegen-check"]] == "Failed"
    assert "images.yaml:10:11: error: unknown parent 'bsae'; did you mean 'base'?" in result.stdout, result.stdout
    assert "Traceback" not in result.stdout


def test_the_hooks_are_declared_for_pre_commit():
    """What pre-commit needs of each hook, and the two entries being bakegen's own commands."""
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert [hook["id"] for hook in hooks] == HOOKS
    for hook in hooks:
        assert hook["language"] == "python" and hook["pass_filenames"] is False
    assert [hook["entry"] for hook in hooks] == ["bakegen --check", "bakegen check"]


@pytest.mark.parametrize(
    "path, runs",
    [
        ("images.yaml", True),
        ("sub/images.yml", True),
        ("docker-bake.hcl", True),
        ("dockerfiles/cann.dockerfile", True),
        ("Dockerfile", True),
        ("app/Dockerfile.gpu", True),
        ("README.md", False),
        ("my-images.yaml.bak", False),
        ("bakegen/model.py", False),
    ],
)
def test_the_hooks_run_when_a_file_bakegen_reads_changes(path, runs):
    """pre-commit matches `files` with re.search against each changed path."""
    for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text()):
        assert bool(re.search(hook["files"], path)) == runs, (hook["id"], path)
