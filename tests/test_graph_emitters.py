"""The graph and what is drawn from it: Mermaid flowcharts and CI matrices, from small
inline images.yaml documents (the library functions, not the verbs that print them)."""

from dataclasses import replace

import pytest

from bakegen.emit import comment_text
from bakegen.emit.matrix import matrix, waves
from bakegen.emit.mermaid import render_mermaid
from bakegen.errors import UsageError
from bakegen.graph import ImageGraph, UnknownTarget
from bakegen.model import parse_project

# root (external base) -> mid -> leaf-a, leaf-b; tool on root; leaf-b names tool in a context
DOC = """\
version: 1
defaults:
  platforms: [linux/amd64, linux/arm64]
images:
  root:
    from: ubuntu:22.04
    dockerfile: root.dockerfile
    description: the root
  mid:
    from: root
    dockerfile: mid.dockerfile
  tool:
    from: root
    dockerfile: tool.dockerfile
  leaf-a:
    from: mid
    dockerfile: a.dockerfile
  leaf-b:
    from: mid
    dockerfile: b.dockerfile
    contexts: {helper: tool, files: ./files, remote: "docker-image://quay.io/x/y:1"}
  other:
    from: debian:12
    dockerfile: other.dockerfile
    layer: framework
"""


@pytest.fixture(scope="module")
def project():
    return parse_project(DOC)


def body(text):
    return text.splitlines()[2:]


# --- graph --------------------------------------------------------------------------


def test_waves_order_leaves_and_layers(project):
    graph = project.graph
    assert graph.waves == [["other", "root"], ["mid", "tool"], ["leaf-a", "leaf-b"]]
    assert graph.order == ["other", "root", "mid", "tool", "leaf-a", "leaf-b"]
    # tool is no leaf: leaf-b names it in a context
    assert graph.leaves() == ["other", "leaf-a", "leaf-b"]
    # a declared layer wins; else a root is base, a leaf application, between framework
    assert {i: graph.layer(i) for i in graph.order} == {
        "other": "framework",
        "root": "base",
        "mid": "framework",
        "tool": "framework",
        "leaf-a": "application",
        "leaf-b": "application",
    }


def test_ancestors_descendants_and_closure(project):
    graph = project.graph
    assert graph.ancestors("leaf-b") == ["root", "mid"]
    assert graph.ancestors("root") == []
    # through parents and image-valued contexts, in build order
    assert graph.descendants("root") == ["mid", "tool", "leaf-a", "leaf-b"]
    assert graph.descendants("tool") == ["leaf-b"]
    assert graph.descendants("leaf-a") == []
    assert graph.closure(["leaf-b"]) == ["root", "mid", "tool", "leaf-b"]
    assert graph.closure(["leaf-a", "other"]) == ["other", "root", "mid", "leaf-a"]
    assert graph.in_order({"leaf-a", "root", "tool"}) == ["root", "tool", "leaf-a"]


def test_generated_groups_come_first_and_expand_in_build_order():
    project = parse_project(DOC + "groups:\n  mine: [leaf-b, layer-base, leaf-b]\n")
    graph = project.graph
    assert list(graph.groups) == ["default", "all", "layer-base", "layer-framework", "layer-application", "mine"]
    assert graph.groups["layer-base"] == ["root"]
    assert graph.groups["layer-framework"] == ["other", "mid", "tool"]
    assert graph.expand(["mine"]) == ["root", "leaf-b"]
    assert graph.expand(["leaf-a", "root"]) == ["root", "leaf-a"]


def test_an_unknown_target_is_a_usage_error_with_a_suggestion(project):
    with pytest.raises(UnknownTarget) as info:
        project.graph.expand(["leaf-a", "leaf_b"])
    (problem,) = info.value.diagnostics
    assert (problem.position, problem.code) == (None, "unknown-target")
    assert problem.message == "unknown target 'leaf_b'; did you mean 'leaf-b'? (see `bakegen list`)"
    assert isinstance(info.value, UsageError)


def test_an_empty_graph_has_an_empty_critical_path():
    assert ImageGraph({}, {}).critical_path({"x": 1.0}) == (0.0, [])


def test_a_layer_without_images_has_no_group():
    project = parse_project("version: 1\nimages:\n  solo:\n    from: debian:12\n    dockerfile: x.dockerfile\n")
    assert project.graph.groups == {"default": ["solo"], "all": ["solo"], "layer-base": ["solo"]}


def test_critical_path_is_the_heaviest_chain(project):
    graph = project.graph
    weights = {"root": 10.0, "mid": 5.0, "tool": 30.0, "leaf-a": 1.0, "leaf-b": 2.0, "other": 40.0}
    # leaf-b needs mid and tool; tool (30) outweighs mid (5)
    assert graph.critical_path(weights) == (42.0, ["root", "tool", "leaf-b"])
    # the heavier branch wins whatever the names: mid (30) over tool (5)
    weights = {"root": 10.0, "mid": 30.0, "tool": 5.0, "leaf-b": 2.0}
    assert graph.critical_path(weights) == (42.0, ["root", "mid", "leaf-b"])
    # a tie goes to the first dependency: the parent before images named in contexts
    weights = {"root": 10.0, "mid": 5.0, "tool": 5.0, "leaf-b": 2.0}
    assert graph.critical_path(weights) == (17.0, ["root", "mid", "leaf-b"])
    # images without a weight weigh nothing
    assert graph.critical_path({"other": 1.0}) == (1.0, ["other"])
    assert graph.critical_path({}) == (0.0, ["other"])


# --- matrix -------------------------------------------------------------------------


def test_matrix_of_every_image_in_build_order(project):
    include = matrix(project)["include"]
    assert [e["target"] for e in include] == project.graph.order
    by_target = {e["target"]: e for e in include}
    assert by_target["mid"] == {
        "target": "mid",
        "platforms": "linux/amd64,linux/arm64",
        "layer": "framework",
        "needs": ["root"],
    }
    # needs: ancestors and images named in contexts, never the image itself
    assert by_target["leaf-b"]["needs"] == ["root", "mid", "tool"]
    assert by_target["root"]["needs"] == []


def test_matrix_of_leaves_and_of_a_selection(project):
    assert [e["target"] for e in matrix(project, leaves_only=True)["include"]] == ["other", "leaf-a", "leaf-b"]
    # a selection keeps the build order, whatever order it is given in
    assert [e["target"] for e in matrix(project, ["leaf-a", "mid"])["include"]] == ["mid", "leaf-a"]
    assert [e["target"] for e in matrix(project, ["leaf-a", "mid"], leaves_only=True)["include"]] == ["leaf-a"]
    assert matrix(project, []) == {"include": []}


def test_waves_with_and_without_a_selection(project):
    assert waves(project) == [["other", "root"], ["mid", "tool"], ["leaf-a", "leaf-b"]]
    # what the selection needs, wave by wave; waves left empty are dropped
    assert waves(project, ["leaf-a"]) == [["root"], ["mid"], ["leaf-a"]]
    assert waves(project, ["tool", "other"]) == [["other", "root"], ["tool"]]


# --- mermaid ------------------------------------------------------------------------


def test_mermaid_nodes_edges_and_styles(project):
    text = render_mermaid(project)
    lines = text.splitlines()
    assert lines[0] == "%% Generated by bakegen from images.yaml; regenerate with `bakegen graph`."
    assert lines[1] == "flowchart TD"
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert body(text) == [
        # external bases first, sorted, then the images in build order
        '  ext_debian_12["debian:12"]:::external',
        '  ext_ubuntu_22_04["ubuntu:22.04"]:::external',
        '  img_other["other"]:::framework',
        '  img_root["root<br/><small>the root</small>"]:::base',
        '  img_mid["mid"]:::framework',
        '  img_tool["tool"]:::framework',
        '  img_leaf_a["leaf-a"]:::application',
        '  img_leaf_b["leaf-b"]:::application',
        # solid: parent or external base; dotted: a context naming an image (not a path or source)
        "  ext_debian_12 --> img_other",
        "  ext_ubuntu_22_04 --> img_root",
        "  img_root --> img_mid",
        "  img_root --> img_tool",
        "  img_mid --> img_leaf_a",
        "  img_mid --> img_leaf_b",
        '  img_tool -. "helper" .-> img_leaf_b',
        "  classDef external fill:#eeeeee,stroke:#999999,stroke-dasharray:4 3,color:#333333",
        "  classDef base fill:#dbeafe,stroke:#1d4ed8,color:#0b1f44",
        "  classDef framework fill:#dcfce7,stroke:#15803d,color:#052e16",
        "  classDef application fill:#fef3c7,stroke:#b45309,color:#451a03",
    ]


def test_mermaid_header_names_the_source_on_one_line(project):
    first = render_mermaid(project, "sub/dir\nx.yaml").splitlines()[0]
    assert first == "%% Generated by bakegen from sub/dir\\x0ax.yaml; regenerate with `bakegen graph`."


def test_mermaid_ids_are_unique_after_replacing_characters():
    doc = """\
version: 1
images:
  a-b:
    from: debian:12
    dockerfile: x.dockerfile
  a_b:
    from: a-b
    dockerfile: x.dockerfile
  a_b_2:
    from: a_b
    dockerfile: x.dockerfile
  Big-9:
    from: a-b
    dockerfile: x.dockerfile
  x-y-z:
    from: a-b
    dockerfile: x.dockerfile
  x_y-z:
    from: a-b
    dockerfile: x.dockerfile
  x-y_z:
    from: a-b
    dockerfile: x.dockerfile
"""
    lines = body(render_mermaid(parse_project(doc)))
    # a-b and a_b both become img_a_b: the second takes _2, and a_b_2 (its own id taken) _3
    assert '  img_a_b["a-b"]:::base' in lines
    assert '  img_a_b_2["a_b"]:::framework' in lines
    assert '  img_a_b_2_2["a_b_2"]:::application' in lines
    assert "  img_a_b --> img_a_b_2" in lines and "  img_a_b_2 --> img_a_b_2_2" in lines
    # three ids that become one: _2, then _3
    assert [line.split("[")[0] for line in lines if '["x' in line] == ["  img_x_y_z", "  img_x_y_z_2", "  img_x_y_z_3"]
    # letters of either case and digits are kept
    assert '  img_Big_9["Big-9"]:::application' in lines


@pytest.mark.parametrize(
    "description, label",
    [
        ('a & b "c" <d> `e`', "a #amp; b #quot;c#quot; #lt;d#gt; #96;e#96;"),
        ("#quot; stays text", "#quot; stays text"),
        ("line\nbreak\r\nand\rcr", "line<br/>break<br/>and<br/>cr"),
        ("tab\there\x01\x1f\x7f end", "tab#9;here#1;#31;#127; end"),
        ("sep\u2028\u2029\x85", "sep#8232;#8233;#133;"),
        ("plain ~ text é XX", "plain ~ text é XX"),
    ],
)
def test_mermaid_labels_escape_what_would_end_or_break_them(project, description, label):
    # descriptions with control characters are refused at load; the renderer still escapes them
    image = replace(project.images["root"], description=description)
    changed = replace(project, images={**project.images, "root": image})
    line = next(line for line in body(render_mermaid(changed)) if line.startswith("  img_root["))
    assert line == f'  img_root["root<br/><small>{label}</small>"]:::base'


@pytest.mark.parametrize(
    "text, expected",
    [
        ("plain", "plain"),
        ("back\\slash", "back\\\\slash"),
        ("new\nline", "new\\x0aline"),
        ("nul\x00 esc\x1b del\x7f", "nul\\x00 esc\\x1b del\\x7f"),
        ("tab\tcr\r", "tab\\x09cr\\x0d"),
        ("ls\u2028ps\u2029nel\x85", "ls\\x2028ps\\x2029nel\\x85"),
        ("space ~", "space ~"),
    ],
)
def test_comment_text_keeps_a_comment_on_its_line(text, expected):
    assert comment_text(text) == expected
