"""bakegen affected, in this process: the .dockerignore files an image reads, and the reason
`--why` gives for each kind of input (tests/test_affected.py has the rest)."""

from __future__ import annotations

from tests.test_affected import affected, repo, write  # noqa: F401  (repo is a fixture)


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
