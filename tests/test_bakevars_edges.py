"""bakegen.bakevars: a variable's value as bake will give it (--var, then the environment,
then images.yaml's default), called directly."""

from __future__ import annotations

from pathlib import Path

import pytest

from bakegen import bakevars
from bakegen.model import parse_project

DOC = """\
version: 1
variables: {REGISTRY: "r.example.com/team", CACHE_DIR: "", OTHER: "x"}
images:
  a: {from: "ubuntu:22.04", dockerfile: D, tags: ["a:1"]}
"""


@pytest.fixture
def project():
    return parse_project(DOC, "images.yaml")


def test_given_then_environment_then_default(project):
    assert bakevars.effective("OTHER", project, {"OTHER": "g"}, {"OTHER": "e"}) == "g"
    assert bakevars.effective("OTHER", project, {"OTHER": ""}, {"OTHER": "e"}) == ""  # a --var of "" counts
    assert bakevars.effective("OTHER", project, {}, {"OTHER": "e"}) == "e"
    assert bakevars.effective("OTHER", project, {}, {"OTHER": ""}) == ""
    assert bakevars.effective("OTHER", project, {}, {}) == "x"
    assert bakevars.effective("UNDECLARED", project, {}, {}) == ""


def test_the_process_environment_is_the_default(project, monkeypatch):
    monkeypatch.setenv("OTHER", "from-env")
    assert bakevars.effective("OTHER", project, {}) == "from-env"
    assert bakevars.values(project, {})["OTHER"] == "from-env"
    monkeypatch.delenv("OTHER")
    assert bakevars.values(project, {}) == {"REGISTRY": "r.example.com/team", "CACHE_DIR": "", "OTHER": "x"}


def test_values_of_each_declared_variable(project):
    assert bakevars.values(project, {"OTHER": "g", "NOT_DECLARED": "n"}, {"CACHE_DIR": "/c"}) == {
        "REGISTRY": "r.example.com/team",
        "CACHE_DIR": "/c",
        "OTHER": "g",
    }


def test_resolved_tag_reads_registry_from_var_and_environment(project, monkeypatch):
    monkeypatch.delenv("REGISTRY", raising=False)
    assert bakevars.resolved_tag("a:1", project, {}) == "r.example.com/team/a:1"
    assert bakevars.resolved_tag("a:1", project, {"REGISTRY": "g.io/x"}) == "g.io/x/a:1"
    assert bakevars.resolved_tag("a:1", project, {"REGISTRY": ""}) == "a:1"
    assert bakevars.resolved_tag("other.io/a:1", project, {}) == "other.io/a:1"
    monkeypatch.setenv("REGISTRY", "env.io/y")
    assert bakevars.resolved_tag("a:1", project, {}) == "env.io/y/a:1"


@pytest.mark.parametrize(
    ("value", "outside"),
    [
        ("", None),
        (".", None),
        ("cache", None),
        ("sub/../cache", None),
        ("../elsewhere", "elsewhere"),
        ("/abs/cache", "/abs/cache"),
    ],
)
def test_local_cache_outside_the_bake_folder(project, tmp_path, monkeypatch, value, outside):
    monkeypatch.delenv("CACHE_DIR", raising=False)
    bake_dir = (tmp_path / "proj").resolve()
    bake_dir.mkdir()
    found = bakevars.local_cache_outside(project, {"CACHE_DIR": value}, bake_dir)
    if outside is None:
        assert found is None
    elif outside.startswith("/"):
        assert found == outside
    else:
        assert found == str(tmp_path.resolve() / outside)


def test_local_cache_from_the_environment(project, tmp_path, monkeypatch):
    monkeypatch.setenv("CACHE_DIR", "/srv/cache")
    assert bakevars.local_cache_outside(project, {}, Path(tmp_path)) == "/srv/cache"
    monkeypatch.delenv("CACHE_DIR")
    assert bakevars.local_cache_outside(project, {}, Path(tmp_path)) is None  # images.yaml's default: empty


def test_attest_values_set_by_var_or_the_environment_are_checked(project):
    assert bakevars.attest_problems(project, {}, {}) == []
    ok = {"ATTEST_PROVENANCE": "max", "ATTEST_SBOM": ""}
    assert bakevars.attest_problems(project, ok, {"ATTEST_SBOM": "bogus"}) == []  # --var wins
    (problem,) = bakevars.attest_problems(project, {"ATTEST_SBOM": "yes"}, {"ATTEST_PROVENANCE": "false"})
    assert problem.code == "invalid-attest-variable" and problem.position is None
    assert problem.message == (
        "--var ATTEST_SBOM is 'yes', not a value bake's attest function takes; set one of 'true', 'false', "
        "or leave it empty (as each image's attest: says)"
    )
    first, second = bakevars.attest_problems(project, {}, {"ATTEST_PROVENANCE": "on", "ATTEST_SBOM": "1"})
    assert first.message.startswith("the environment variable ATTEST_PROVENANCE is 'on', not")
    assert "'false', 'true', 'min', 'max', or leave it empty" in first.message
    assert second.message.startswith("the environment variable ATTEST_SBOM is '1', not")


def test_attest_sbom_is_checked_when_provenance_is_set_nowhere(project):
    (problem,) = bakevars.attest_problems(project, {}, {"ATTEST_SBOM": "on"})
    assert problem.message.startswith("the environment variable ATTEST_SBOM is 'on', not")
