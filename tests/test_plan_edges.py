"""bakegen.plan at its edges: the plan itself (requested, images, narrowed) for each kind of
--set, the --set patterns as Go's path.Match reads them, the values buildx reads as true or
as an export, and the local paths outside bake's folder."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bakegen.model import parse_project
from bakegen.plan import (
    _exports,
    _glob,
    _true,
    inside,
    matching,
    outside_paths,
    overrides_for,
    plan_build,
    published,
    target_platforms,
)

BOTH = ("linux/amd64", "linux/arm64")
ARM = ("linux/arm64",)

DOC = """\
version: 1
variables: {REGISTRY: r}
groups:
  kids: [kid, free]
images:
  root: {from: "debian:bookworm", dockerfile: D, platforms: [linux/amd64, linux/arm64], tags: ["root:1"]}
  par: {from: root, dockerfile: D, platforms: [linux/amd64, linux/arm64]}
  kid: {from: par, dockerfile: D, platforms: [linux/arm64], tags: ["kid:1"]}
  free: {from: "debian:bookworm", dockerfile: D}
  helper: {from: "debian:bookworm", dockerfile: D, platforms: [linux/amd64, linux/arm64]}
"""


@pytest.fixture(scope="module")
def project():
    return parse_project(DOC, "images.yaml")


def plan_of(project, names, overrides=None):
    plan = plan_build(project, names, overrides)
    return plan.requested, plan.images, dict(plan.narrowed)


def test_the_plan_of_a_child_narrows_its_ancestors(project):
    assert plan_of(project, ["kid"]) == (("kid",), ("root", "par", "kid"), {"root": ARM, "par": ARM})
    assert plan_of(project, ["kid"], {}) == plan_of(project, ["kid"], None)


def test_a_group_is_expanded_in_build_order(project):
    assert plan_of(project, ["kids"]) == (("free", "kid"), ("free", "root", "par", "kid"), {"root": ARM, "par": ARM})


@pytest.mark.parametrize(
    ("overrides", "narrowed"),
    [
        ({"par.push": "false"}, {"root": ARM, "par": ARM}),
        ({"par.push": "yes"}, {"root": ARM, "par": ARM}),  # buildx reads only 1, t, true as true
        ({"par.push": "TRUE"}, {}),
        ({"par.load": " t "}, {}),
        ({"par.load": "0"}, {"root": ARM, "par": ARM}),
        ({"par.output": "type=cacheonly"}, {"root": ARM, "par": ARM}),
        ({"par.output": "out"}, {}),  # a bare path: a local export
        ({"par.args.X": "true"}, {"root": ARM, "par": ARM}),
        ({"par.output.x": "type=registry"}, {"root": ARM, "par": ARM}),
        ({"par.outputX": "type=registry"}, {"root": ARM, "par": ARM}),  # not the output: buildx refuses it
        ({"par.pushX+": "true"}, {"root": ARM, "par": ARM}),
        ({"root.platform": "linux/arm64"}, {"par": ARM}),  # set: left to bake
        ({"kid.contexts.tools": "target:helper"}, {"root": ARM, "par": ARM}),  # linked: in full
        ({"kid.contexts.tools": "docker-image://helper"}, {"root": ARM, "par": ARM}),
        ({"kid.contexts.tools": "target:nosuch"}, {"root": ARM, "par": ARM}),
        ({"kid.args.tools": "target:helper"}, {"root": ARM, "par": ARM}),
    ],
)
def test_what_a_set_changes(project, overrides, narrowed):
    assert plan_of(project, ["kid"], overrides)[2] == narrowed


def test_an_image_a_set_links_in_is_built_with_what_it_needs(project):
    assert plan_of(project, ["kid"], {"kid.contexts.tools": "target:helper"}) == (
        ("kid",), ("helper", "root", "par", "kid"), {"root": ARM, "par": ARM},
    )


def test_a_set_platform_decides_what_an_ancestor_needs(project):
    # kid built for both by a --set: its parents need both, nothing narrowed
    assert plan_of(project, ["kid"], {"kid.platform": "linux/amd64,linux/arm64"})[2] == {}
    assert plan_of(project, ["kid"], {"kid.platform+": "linux/amd64"})[2] == {}
    overrides = {"kid.platform": "linux/arm64,,"}
    plan = plan_build(project, ["kid"], overrides)
    assert target_platforms(plan, project, overrides) == {"root": ARM, "par": ARM, "kid": ARM}
    overrides = {"k*.platform+": "linux/riscv64"}
    plan = plan_build(project, ["kid"], overrides)
    assert target_platforms(plan, project, overrides) == {
        "root": ARM, "par": ARM, "kid": ("linux/arm64", "linux/riscv64"),
    }


def test_published_takes_tagged_ancestors(project):
    assert published(project, ["kid"]) == ["root", "kid"]
    assert published(project, ["kids"]) == ["free", "root", "kid"]


def test_overrides_for_keeps_a_pattern_of_the_plan_or_of_nothing(project):
    plan = plan_build(project, ["kid"])
    overrides = {"helper.args.A": "1", "kid.args.A": "1", "k?d.args.B": "1", "nosuch.args.C": "1", "h*.args.D": "1"}
    assert overrides_for(plan, project, overrides) == {"kid.args.A": "1", "k?d.args.B": "1", "nosuch.args.C": "1"}


@pytest.mark.parametrize(
    ("pattern", "matches", "misses"),
    [
        ("a*", ["a", "abc", "a.b"], ["ba", "a/b"]),
        ("a?c", ["abc", "a.c"], ["ac", "abbc", "a/c"]),
        ("a.c", ["a.c"], ["abc"]),
        ("a\\*", ["a*"], ["ab"]),
        ("a\\?b", ["a?b"], ["axb"]),
        ("[a]", ["a"], ["b", "]"]),
        ("[X]", ["X"], ["x"]),
        ("[ab]x", ["ax", "bx"], ["cx", "x", "abx", "Xx"]),
        ("[^ab]", ["c", "]", "/"], ["a", "b"]),
        ("[[]", ["["], ["a"]),
        ("[\\]]", ["]"], ["\\", "a"]),
        ("[\\-a]", ["-", "a"], ["b"]),
        ("[\\^a]", ["^", "a"], ["b"]),
        ("[a-c]x", ["ax", "bx", "cx"], ["dx", "x", "Xx"]),
        ("[a-c0-1]", ["b", "0", "1"], ["2", "d"]),
        ("[a-\\c]", ["b", "c"], ["d", "\\"]),
        ("[z-a]", [], ["a", "z", "m"]),  # Go: a range from high to low holds nothing
        ("[^z-a]", ["a", "/"], ["", "ab"]),
        ("[^z-a]b", ["ab"], ["a", "abb"]),
        ("[z-a]|a", [], ["a", "|a"]),
        ("[z-ab]", ["b"], ["a", "z"]),
        ("[!a]", ["!", "a"], ["b"]),  # Go negates with ^ only
    ],
)
def test_globs_as_go_reads_them(pattern, matches, misses):
    regex = _glob(pattern)
    assert regex is not None
    assert [m for m in matches if regex.fullmatch(m)] == matches
    assert [m for m in misses if regex.fullmatch(m)] == []


@pytest.mark.parametrize(
    "pattern",
    [
        "a\\", "[", "[]", "[^]", "a[b", "[a", "[a-", "[a-]", "[-a]", "[]a]", "[^]a]", "[a\\]", "[a-c-e]", "[a\\",
        "x[a-\\",
    ],
)
def test_a_malformed_glob_is_none(pattern):
    assert _glob(pattern) is None


def test_matching_a_name_first_then_a_glob():
    names = {"root": 1, "par": 2, "kid": 3}
    assert matching("par", names) == ["par"]
    assert matching("*", names) == ["root", "par", "kid"]
    assert matching("[z-a]*", names) == []
    assert matching("[-a]*", names) == []  # malformed: bake refuses it
    assert matching("nosuch", names) == []


@pytest.mark.parametrize(
    ("value", "exports"),
    [
        ("type=registry", True), ("type=cacheonly", False), ("type= cacheonly ", False),
        ("type=cacheonly,mode=max", False), ("mode=max,type=cacheonly", False), ("dest=out", True),
        ("out", True), ("type=docker", True),
        ("type=cacheonly,type=registry=x", True),  # buildx: the last type, split at the first "="
    ],
)
def test_exports(value, exports):
    assert _exports(value) is exports


@pytest.mark.parametrize(
    ("value", "true"),
    [("1", True), ("t", True), ("true", True), ("True", True), (" TRUE ", True), ("T", True),
     ("0", False), ("false", False), ("yes", False), ("", False), ("tru", False)],
)
def test_true(value, true):
    assert _true(value) is true


def test_inside():
    assert inside(Path("/a"), Path("/a"))
    assert inside(Path("/a/b/c"), Path("/a"))
    assert not inside(Path("/ab"), Path("/a"))
    assert not inside(Path("/"), Path("/a"))


def test_outside_paths(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    text = textwrap.dedent(
        f"""\
        version: 1
        variables: {{REGISTRY: r}}
        images:
          a: {{from: "d:1", dockerfile: D, context: ../shared, contexts: {{x: ./in, y: {tmp_path}/abs}}}}
          b: {{from: a, dockerfile: D, context: ., secrets: ["id=s,src=../s.txt"]}}
          c: {{from: a, dockerfile: D, context: ../shared}}
          e: {{from: a, dockerfile: D, context: ../elsewhere}}
        """
    )
    project = parse_project(text, root / "images.yaml")
    assert outside_paths(project, ["a", "b", "c"], root) == [
        str(tmp_path / "abs"), str(tmp_path / "s.txt"), str(tmp_path / "shared"),
    ]
    assert outside_paths(project, ["b"], tmp_path) == []
    assert outside_paths(project, [], root) == []
