"""bakegen affected, in this process: the .dockerignore files an image reads, and the reason
`--why` gives for each kind of input (tests/test_affected.py has the rest)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bakegen.affected import Affected, Input, affected_since, compare, covers, inputs
from bakegen.dockerfile import Dockerfiles
from bakegen.errors import BakegenError, Position
from bakegen.model import load_project
from tests.test_affected import (  # noqa: F401  (repo is a fixture)
    ALL,
    IMAGES,
    affected,
    commit,
    commit_broken_images_yaml,
    edit,
    repo,
    write,
)


def test_the_dockerignore_files_an_image_reads(repo):  # noqa: F811
    write(repo, {"dockerfiles/torch.dockerfile.dockerignore": "*.md\n"})
    assert affected("--why") == [
        "torch: dockerfiles/torch.dockerfile.dockerignore changed (its Dockerfile's .dockerignore)",
        "app: built on torch, which is rebuilt",
    ]


def test_the_context_dockerignore_of_a_context_that_is_the_project_folder(repo):  # noqa: F811
    """context: . gives ./.dockerignore, which git names .dockerignore (missed before)."""
    write(repo, {".dockerignore": "docs/\n"})
    assert "torch: .dockerignore changed (its context's .dockerignore)" in affected("--why")


def test_why_names_the_dockerfile_and_a_context_file(repo):  # noqa: F811
    write(repo, {"dockerfiles/torch.dockerfile": "ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\nRUN false\n"})
    assert affected("--why") == [
        "torch: dockerfiles/torch.dockerfile changed (its Dockerfile)",
        "app: built on torch, which is rebuilt",
    ]


# --- the reasons `--why` gives, one kind at a time ----------------------------------------------


def test_an_image_keeps_its_own_reason_when_its_parent_is_rebuilt_too(repo):  # noqa: F811
    edit(repo, "images.yaml", "TORCH_VERSION: 2.7.1,", "TORCH_VERSION: 2.7.1, EXTRA: x,")
    edit(repo, "images.yaml", 'inputs: ["requirements/*.txt"]', 'inputs: ["requirements/*.txt"]\n    args: {A: b}')
    assert affected("--why") == ["torch: images.yaml: args changed", "app: images.yaml: args changed"]


def test_every_attribute_that_changed_is_named(repo):  # noqa: F811
    edit(repo, "images.yaml", 'args: {PYTHON_VERSION: "3.10"}', 'args: {PYTHON_VERSION: "3.11"}')
    edit(repo, "images.yaml", 'tags: ["python:3.10"]', 'tags: ["python:3.11"]')
    # the tags differ in the bake file and where they are pushed: named once
    assert affected("--why")[0] == "python: images.yaml: args, tags changed"


def test_an_attribute_the_bake_file_had_not_before(repo):  # noqa: F811
    edit(
        repo,
        "images.yaml",
        "dockerfile: dockerfiles/wheels.dockerfile",
        "dockerfile: dockerfiles/wheels.dockerfile\n    target: wheels",
    )
    assert affected("--why") == [
        "wheel-maker: images.yaml: target changed",
        "app: built on wheel-maker, which is rebuilt",
    ]


def test_tags_pushed_elsewhere_are_a_change_of_tags(repo):  # noqa: F811
    edit(repo, "images.yaml", "REGISTRY: reg.example.com/team", "REGISTRY: swr.cn-north-4.myhuaweicloud.com/org")
    assert affected("--why")[:2] == ["python: images.yaml: tags changed", "cann: built on python, which is rebuilt"]


def test_compat_keeps_looking_after_the_first_image_it_judges_differently(repo):  # noqa: F811
    edit(repo, "images.yaml", "images:\n", "compat:\n  cann:\n    8.3.RC1: {torch_npu: [2.8.0]}\nimages:\n")
    edit(repo, "dockerfiles/app.dockerfile", "/opt/app/", "/srv/app/")
    assert affected("--why") == [
        "torch: the version rules judge its stack differently under the changed compat: section",
        "app: dockerfiles/app.dockerfile changed (its Dockerfile)",
    ]


def test_a_file_in_a_named_context_says_which(repo):  # noqa: F811
    edit(repo, "packages/cann/README.md", "here", "here, please")
    assert affected("--why")[0] == "cann: packages/cann/README.md changed (in its named context 'cann-packages')"


def test_a_file_of_a_context_read_through_a_variable_says_so(repo):  # noqa: F811
    edit(repo, "dockerfiles/other.dockerfile", "RUN true", "ARG SOURCE=docs\nCOPY ${SOURCE} /src")
    commit(repo)
    edit(repo, "docs/guide.md", "guide", "guide, changed")
    assert affected("--why") == ["other: docs/guide.md changed (in its build context .)"]


@pytest.mark.parametrize(
    "change, retested",
    [
        ("    service: {port: 8080, health: /health}", "images.yaml: service changed"),
        ("    skip-tests: [ma-user]", "images.yaml: skip-tests changed"),
        ("    service: {port: 8080, health: /}\n    skip-tests: [ma-user]", "images.yaml: skip-tests, service changed"),
    ],
)
def test_the_checks_that_changed_are_named(repo, change, retested):  # noqa: F811
    edit(repo, "images.yaml", 'inputs: ["requirements/*.txt"]', 'inputs: ["requirements/*.txt"]\n' + change)
    assert affected("--tests", "--why") == [f"app: {retested}"]


# --- an image whose build context is a folder of its own -------------------------------------------

SUB = """\
version: 1
images:
  base:
    from: ubuntu:22.04
    context: sub
    dockerfile: Dockerfile
"""


def _sub_project(root: Path, dockerfile: bytes | None, context: str = "sub"):
    write(root, {"images.yaml": SUB.replace("context: sub", f"context: {context}"), "sub/app.py": "x\n"})
    if dockerfile is not None:
        (root / "sub" / "Dockerfile").write_bytes(dockerfile)
    project = load_project(root / "images.yaml")
    return project, project.images["base"]


def test_a_context_folder_of_its_own_reads_its_own_dockerignore_and_sources(tmp_path):
    project, image = _sub_project(tmp_path, b"FROM ubuntu:22.04\nCOPY app.py /app.py\n")
    assert [(i.pattern, i.what) for i in inputs(project, image, Dockerfiles(tmp_path))] == [
        ("sub/Dockerfile", "its Dockerfile"),
        ("sub/Dockerfile.dockerignore", "its Dockerfile's .dockerignore"),
        ("sub/.dockerignore", "its context's .dockerignore"),
        ("sub/app.py", "read from its build context"),
    ]


@pytest.mark.parametrize(
    "dockerfile",
    [None, b"FROM ubuntu:22.04\nCOPY \xff /x\n"],
    ids=["missing", "not-utf-8"],
)
def test_a_dockerfile_that_cannot_be_read_reads_the_whole_context(tmp_path, dockerfile):
    project, image = _sub_project(tmp_path, dockerfile)
    assert [(i.pattern, i.what) for i in inputs(project, image, Dockerfiles(tmp_path))][-1] == (
        "sub",
        "in its build context sub",
    )


def test_an_absolute_context_is_made_relative_to_images_yaml_not_to_the_working_folder(tmp_path, monkeypatch):
    root = tmp_path / "project"
    root.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    project, image = _sub_project(root, b"FROM ubuntu:22.04\nCOPY app.py /app.py\n", context=str(root / "sub"))
    found = [i.pattern for i in inputs(project, image, Dockerfiles(root))]
    assert found == ["sub/Dockerfile", "sub/Dockerfile.dockerignore", "sub/.dockerignore", "sub/app.py"]
    old = load_project(root / "images.yaml")
    assert compare(old, project, ["sub/app.py"], Dockerfiles(root)).rebuild == {
        "base": "sub/app.py changed (read from its build context)"
    }


def test_an_absolute_named_context_is_made_relative_to_images_yaml(tmp_path, monkeypatch):
    root = tmp_path / "project"
    write(root, {"images.yaml": SUB + f"    contexts: {{extra: {root / 'pkgs'}}}\n", "sub/Dockerfile": "FROM x\n"})
    monkeypatch.chdir(tmp_path)
    project = load_project(root / "images.yaml")
    assert inputs(project, project.images["base"], Dockerfiles(root))[-1] == Input(
        "pkgs", "in its named context 'extra'"
    )


def test_with_no_images_yaml_before_every_image_is_new_since_the_ref(tmp_path):
    project, _ = _sub_project(tmp_path, b"FROM ubuntu:22.04\n")
    assert compare(None, project, [], Dockerfiles(tmp_path)) == Affected({"base": "new since the ref"}, {})


# --- affected_since: git around the comparison ------------------------------------------------------


def test_affected_since_asks_git_about_the_folder_of_images_yaml_not_the_working_folder(repo, tmp_path, monkeypatch):  # noqa: F811
    edit(repo, "dockerfiles/other.dockerfile", "true", "echo changed")
    project = load_project(repo / "images.yaml")
    elsewhere = tmp_path / "elsewhere"  # no git repository here
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert affected_since(project, "HEAD") == Affected(
        {"other": "dockerfiles/other.dockerfile changed (its Dockerfile)"}, {}
    )


def test_an_images_yaml_that_links_out_of_the_work_tree(repo, tmp_path):  # noqa: F811
    outside = tmp_path / "outside.yaml"
    outside.write_text(IMAGES)
    (repo / "linked.yaml").symlink_to(outside)
    project = load_project(repo / "linked.yaml")
    with pytest.raises(BakegenError) as info:
        affected_since(project, "HEAD")
    (problem,) = info.value.diagnostics
    assert problem.position == Position(str(repo / "linked.yaml"))
    assert problem.code == "not-a-git-repository"
    assert problem.message == (
        f"{repo / 'linked.yaml'} is outside the git work tree at {repo.resolve()}; run bakegen affected on an "
        "images.yaml of the repository"
    )


def test_an_images_yaml_that_does_not_load_at_the_ref(repo):  # noqa: F811
    commit_broken_images_yaml(repo)
    project = load_project(repo / "images.yaml")
    found = affected_since(project, "HEAD")
    assert found.rebuild == {image_id: "images.yaml at HEAD does not load" for image_id in ALL}
    assert found.retest == {}
    (warning,) = found.warnings
    assert (warning.position.file, warning.position.line) == ("HEAD:images.yaml", 14)  # where pyton is
    assert warning.code == "invalid-at-ref" and warning.severity == "warning"
    assert warning.message.startswith("images.yaml at HEAD does not load (unknown parent 'pyton'")
    assert warning.message.endswith("), so it cannot be compared; every image counts as affected")


@pytest.mark.parametrize(
    "pattern, path, expected",
    [
        (".", "..", False),
        ("*.md", "README.md", True),  # a glob of one name, in the folder itself
        ("app*", "app/main.py", True),  # the folder matches: what is in it is covered
        ("**/*.py", "app/main.txt", False),
        ("requirements/**/*.txt", "requirements/base.md", False),
        ("requirements/**/sub/*.txt", "requirements/a/sub/x.txt", True),
        ("requirements/**/sub/*.txt", "requirements/a/x.txt", False),
    ],
)
def test_covers_more(pattern, path, expected):
    assert covers(pattern, path) is expected
