"""What one `bakegen build` hands bake: small images.yaml documents, the targets asked for
and the --set overrides, and the targets of the build's bake file with their platforms."""

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bakegen.emit.bake import render_bake
from bakegen.errors import UsageError
from bakegen.model import parse_project
from bakegen.plan import matching, overrides_for, plan_build
from tests import hclread
from tests.test_property import graphs, to_yaml

BOTH = ["linux/amd64", "linux/arm64"]
ARM = ["linux/arm64"]
AMD = ["linux/amd64"]

DOC = """\
version: 1
variables: {REGISTRY: localhost:5000/t}
groups:
  arm-apps: [kid]
images:
  root: {from: "debian:bookworm", dockerfile: D, platforms: [linux/amd64, linux/arm64]}
  par: {from: root, dockerfile: D, platforms: [linux/amd64, linux/arm64]}
  kid: {from: par, dockerfile: D, platforms: [linux/arm64]}
  amdkid: {from: par, dockerfile: D, platforms: [linux/amd64]}
  sibling: {from: root, dockerfile: D, platforms: [linux/amd64, linux/arm64]}
  helper: {from: "debian:bookworm", dockerfile: D, platforms: [linux/amd64, linux/arm64]}
  user: {from: root, dockerfile: D, platforms: [linux/arm64], contexts: {tools: target:helper}}
  bare: {from: "debian:bookworm", dockerfile: D}
  barekid: {from: bare, dockerfile: D}
"""


def pruned(names, overrides=None, doc=DOC):
    """name -> (platforms, has cache-to) of the build's bake file."""
    project = parse_project(textwrap.dedent(doc), "images.yaml")
    plan = plan_build(project, names, overrides or {})
    targets = hclread.targets(render_bake(project, plan=plan))
    return {name: (t.get("platforms"), "cache-to" in t) for name, t in targets.items()}


@pytest.mark.parametrize(
    "names, overrides, expected",
    [
        pytest.param(
            ["kid"], {},
            {"root": (ARM, False), "par": (ARM, False), "kid": (ARM, True)},
            id="an arm64 child: its ancestors are built for arm64 only, and write no cache",
        ),
        pytest.param(
            ["par", "kid"], {},
            {"root": (BOTH, True), "par": (BOTH, True), "kid": (ARM, True)},
            id="the parent asked for too: built for all its platforms, and so is what it needs",
        ),
        pytest.param(
            ["kid", "amdkid"], {},
            {"root": (BOTH, True), "par": (BOTH, True), "kid": (ARM, True), "amdkid": (AMD, True)},
            id="children on both platforms: nothing narrowed",
        ),
        pytest.param(
            ["arm-apps"], {},
            {"root": (ARM, False), "par": (ARM, False), "kid": (ARM, True)},
            id="a group is expanded to its images",
        ),
        pytest.param(
            ["user"], {},
            {"root": (ARM, False), "helper": (ARM, False), "user": (ARM, True)},
            id="an image named in contexts is narrowed like a parent",
        ),
        pytest.param(
            ["barekid"], {},
            {"bare": (None, True), "barekid": (None, True)},
            id="no platforms declared: nothing to narrow",
        ),
        pytest.param(
            ["kid"], {"*.output": "type=cacheonly"},
            {"root": (ARM, False), "par": (ARM, False), "kid": (ARM, True)},
            id="output cacheonly for every target publishes nothing",
        ),
        pytest.param(
            ["kid"], {"par.output": "type=local,dest=out"},
            {"root": (BOTH, True), "par": (BOTH, True), "kid": (ARM, True)},
            id="an ancestor given an output by name is built in full",
        ),
        pytest.param(
            ["kid"], {"*.output": "type=registry"},
            {"root": (BOTH, True), "par": (BOTH, True), "kid": (ARM, True)},
            id="an output for every target (the pattern *) builds every ancestor in full",
        ),
        pytest.param(
            ["kid"], {"p?r.push": "true"},
            {"root": (BOTH, True), "par": (BOTH, True), "kid": (ARM, True)},
            id="push by a pattern that matches the parent",
        ),
        pytest.param(
            ["kid"], {"r[^o]*.output": "type=local,dest=out"},
            {"root": (ARM, False), "par": (ARM, False), "kid": (ARM, True)},
            id="a pattern that matches no ancestor changes nothing",
        ),
        pytest.param(
            ["kid"], {"par.platform": "linux/amd64,linux/arm64"},
            {"root": (BOTH, True), "par": (BOTH, True), "kid": (ARM, True)},
            id="an ancestor whose platforms a --set sets is left to bake",
        ),
        pytest.param(
            ["kid", "amdkid"], {"amdkid.platform": "linux/arm64"},
            {"root": (ARM, False), "par": (ARM, False), "kid": (ARM, True), "amdkid": (AMD, True)},
            id="a requested image's platforms as a --set makes them",
        ),
        pytest.param(
            ["kid"], {"kid.contexts.extra": "target:sibling"},
            {"root": (BOTH, True), "par": (ARM, False), "sibling": (BOTH, True), "kid": (ARM, True)},
            id="an image a --set links in is handed to bake, in full (and so is what it needs)",
        ),
    ],
)
def test_build_file_targets_and_platforms(names, overrides, expected):
    assert pruned(names, overrides) == expected


def test_build_file_keeps_variables_and_cache_from_and_has_no_groups():
    project = parse_project(DOC, "images.yaml")
    plan = plan_build(project, ["kid"])
    text = render_bake(project, plan=plan)
    assert hclread.variables(text) == hclread.variables(render_bake(project))
    assert hclread.functions(text) == hclread.functions(render_bake(project))
    assert hclread.groups(text) == {}
    par = hclread.targets(text)["par"]  # narrowed: reads the cache, does not write it
    assert hclread.call(par["cache-from"]) == ("bakegen_cache_from", ["par"])
    assert "cache-to" not in par
    assert text.startswith("# Generated by bakegen build from images.yaml for one build")
    assert list(hclread.targets(text)) == ["root", "par", "kid"]  # parents first
    assert plan.requested == ("kid",)
    # the same emitter: a target left as it is reads as in the whole file
    whole = hclread.targets(render_bake(project))
    assert hclread.targets(text)["kid"] == whole["kid"]


def test_unknown_target_is_refused_with_a_suggestion():
    project = parse_project(DOC, "images.yaml")
    with pytest.raises(UsageError, match="unknown target 'kidd'; did you mean 'kid'"):
        plan_build(project, ["kidd"])


@pytest.mark.parametrize(
    "overrides, kept",
    [
        ({"kid.output": "type=local,dest=a", "sibling.output": "type=local,dest=b"}, ["kid.output"]),
        ({"*.output": "type=cacheonly", "*.call": "check"}, ["*.output", "*.call"]),
        ({"s*.args.X": "1", "p*.args.X": "1"}, ["p*.args.X"]),
        # matches no image at all: bake says so, as it would with the whole file
        ({"nosuch.output": "type=cacheonly"}, ["nosuch.output"]),
    ],
)
def test_overrides_for_images_left_out_are_dropped(overrides, kept):
    project = parse_project(DOC, "images.yaml")
    plan = plan_build(project, ["kid"], overrides)
    assert list(overrides_for(plan, project, overrides)) == kept


@pytest.mark.parametrize(
    "pattern, names",
    [
        ("kid", ["kid"]),
        ("*", ["root", "par", "kid"]),
        ("*i*", ["kid"]),
        ("?a?", ["par"]),
        ("[pk]*", ["par", "kid"]),
        ("[^pk]*", ["root"]),
        ("[a-o]*", ["kid"]),
        ("[", []),  # malformed: matches nothing, bake reports it
    ],
)
def test_set_patterns_match_as_bake_matches_them(pattern, names):
    assert matching(pattern, ["root", "par", "kid"]) == names


@settings(max_examples=100)
@given(graphs(), st.data())
def test_every_child_fits_on_its_parents_platforms(document, data):
    """For any graph and any requested images: the build file holds exactly the closure,
    every ancestor is built for platforms it declares, and for every platform a child is
    built for (bake builds the child on the parent's variant of that platform)."""
    project = parse_project(to_yaml(document), "images.yaml")
    ids = list(project.images)
    names = data.draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
    plan = plan_build(project, names)
    targets = hclread.targets(render_bake(project, plan=plan))
    assert list(targets) == project.graph.closure(names)
    for name, target in targets.items():
        declared = list(project.images[name].platforms)
        assert set(target["platforms"]) <= set(declared)
        assert ("cache-to" in target) == (target["platforms"] == declared)
        if name in names:
            assert target["platforms"] == declared
        parent = project.images[name].parent
        if parent:
            assert set(target["platforms"]) <= set(targets[parent]["platforms"])
