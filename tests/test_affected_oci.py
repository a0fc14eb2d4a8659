"""bakegen affected: an `oci-layout://` named context reads the files of its local OCI
layout, whatever tag or digest the reference adds (buildx's reading of the reference)."""

from __future__ import annotations

import pytest

from bakegen.affected import oci_layout_path
from tests.test_affected import affected, commit, edit, repo, write  # noqa: F401  (repo is a fixture)


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ("oci-layout://./layouts/wheels", "./layouts/wheels"),
        ("oci-layout://./layouts/wheels:v1.2", "./layouts/wheels"),
        ("oci-layout:///srv/layouts/wheels:latest", "/srv/layouts/wheels"),
        ("oci-layout://layouts/wheels@sha256:" + "ab" * 32, "layouts/wheels"),
        ("oci-layout://layouts/wheels:v1@sha256:" + "ab" * 32, "layouts/wheels"),
        # what is not a tag or a digest stays in the path
        ("oci-layout://layouts/a:b/wheels", "layouts/a:b/wheels"),
        ("oci-layout://layouts/wheels@v1", "layouts/wheels@v1"),
        ("oci-layout://layouts/wheels:", "layouts/wheels:"),
        ("oci-layout://layouts/wheels:-v1", "layouts/wheels:-v1"),
        ("oci-layout://C:v1", "C:v1"),  # a Windows drive, not a tag
        ("oci-layout://models:v1", "models"),
        ("oci-layout://layouts/a:b/wheels:v1", "layouts/a:b/wheels"),  # the last colon
        ("oci-layout://layouts/a@b/wheels@sha256:" + "cd" * 32, "layouts/a@b/wheels"),  # the last @
    ],
)
def test_the_folder_of_an_oci_layout_reference(value, path):
    assert oci_layout_path(value) == path


@pytest.mark.parametrize("value", ["docker-image://debian:bookworm", "target:python", "layouts/wheels", "https://x/y.git"])
def test_other_contexts_are_no_oci_layout(value):
    assert oci_layout_path(value) is None


@pytest.fixture
def layout_repo(repo):  # noqa: F811
    edit(repo, "images.yaml", "contexts: {wheels: wheel-maker}", "contexts: {wheels: wheel-maker, models: 'oci-layout://./layouts/models:v1'}")
    write(repo, {"layouts/models/index.json": '{"schemaVersion": 2, "manifests": []}\n', "layouts/models/oci-layout": "{}\n"})
    commit(repo, "an OCI layout")
    return repo


def test_a_changed_file_in_the_layout_affects_the_image(layout_repo):
    write(layout_repo, {"layouts/models/index.json": '{"schemaVersion": 2, "manifests": [{}]}\n'})
    assert affected("--why") == [
        "app: layouts/models/index.json changed (in the OCI layout of its named context 'models')"
    ]


def test_a_file_beside_the_layout_affects_nothing(layout_repo):
    write(layout_repo, {"layouts/README.md": "the layouts\n"})
    assert affected() == []


def test_an_absolute_layout_folder_in_the_project_is_read_relative_to_it(repo):  # noqa: F811
    layout = repo / "layouts" / "models"
    edit(repo, "images.yaml", "contexts: {wheels: wheel-maker}", f"contexts: {{wheels: wheel-maker, models: 'oci-layout://{layout}'}}")
    write(repo, {"layouts/models/index.json": "{}\n"})
    commit(repo, "an OCI layout by its absolute path")
    write(repo, {"layouts/models/index.json": '{"manifests": []}\n'})
    assert affected("--why") == [
        "app: layouts/models/index.json changed (in the OCI layout of its named context 'models')"
    ]
