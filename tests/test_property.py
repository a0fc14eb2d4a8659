"""Any valid graph with any arg strings becomes HCL that another parser reads back the same."""

import shlex

from hypothesis import given, settings
from hypothesis import strategies as st

from bakegen.dockerfile import Dockerfiles
from bakegen.emit.bake import render_bake
from bakegen.graph import GENERATED_GROUPS, TEST_GROUP, TEST_SUFFIX
from bakegen.imagetests import inline_dockerfile, resolve_checks
from bakegen.model import parse_project
from tests import hclread

# Only valid projects: an id may not be a generated group's name nor end like a test target;
# ids are unique by case too (tags are valid references of their own, repo-<n>:<m>).
ids = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,12}", fullmatch=True).filter(
    lambda i: i not in GENERATED_GROUPS and i != TEST_GROUP and not i.endswith(TEST_SUFFIX)
)
arg_names = st.from_regex(r"[A-Z_][A-Z0-9_]{0,10}", fullmatch=True)


def python_hcl2_can_lex(text: str) -> bool:
    """python-hcl2 8 only lexes an escaped $${ or %%{ when a '}' follows it somewhere; Go's
    HCL has no such limit, and the e2e suite checks those strings against buildx itself."""
    for opener in ("${", "%{"):
        start = text.find(opener)
        while start != -1:
            if "}" not in text[start:]:
                return False
            start = text.find(opener, start + 1)
    return True


# Any text a YAML double-quoted string can carry (no surrogates); HCL must pass it through intact.
# NUL is left out: no build can carry it, so bakegen refuses it (tests/test_model.py).
any_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=40)
# ... and text built from the pieces that matter to HCL, which random text rarely meets.
hcl_pieces = st.lists(
    st.sampled_from(["${", "%{", "$${", "}", "$", "%", "\\", '"', "\n", "\t", "{", "a", " ", "é", "\U0001f600"]),
    max_size=12,
).map("".join)
arg_values = (any_text | hcl_pieces).filter(python_hcl2_can_lex)
platform_sets = st.sampled_from([["linux/amd64", "linux/arm64"], ["linux/arm64"], ["linux/amd64"]])


@st.composite
def graphs(draw):
    names = draw(st.lists(ids, min_size=1, max_size=8, unique_by=str.lower))
    images = {}
    for i, name in enumerate(names):
        parent = draw(st.none() | st.sampled_from(names[:i])) if i else None
        platforms = draw(platform_sets)
        if parent is not None:
            platforms = [p for p in images[parent]["platforms"] if p in platforms] or images[parent]["platforms"]
        images[name] = {
            "from": parent if parent is not None else "debian:bookworm",
            "dockerfile": "Dockerfile",
            "args": draw(st.dictionaries(arg_names, arg_values, max_size=4)),
            "platforms": platforms,
            "tags": [f"repo-{i}:{n}" for n in range(draw(st.integers(0, 2)))],
            "description": draw(arg_values),
            "tests": draw(st.lists(arg_values.filter(bool), max_size=2)),
        }
    return {"version": 1, "variables": {"REGISTRY": "localhost:5000/t"}, "images": images}


def to_yaml(value) -> str:
    """A YAML flow document whose strings are exactly ours: every character outside
    printable ASCII is written as an escape, so no YAML reader rule can change it."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{to_yaml(k)}: {to_yaml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(to_yaml(v) for v in value) + "]"
    if isinstance(value, int):
        return str(value)
    out = []
    for ch in value:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= code < 0x7F:
            out.append(ch)
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


@settings(max_examples=150)
@given(graphs())
def test_hcl_round_trip(document):
    project = parse_project(to_yaml(document), "images.yaml")
    checks, problems = resolve_checks(project, Dockerfiles(project.root))
    assert problems == []
    text = render_bake(project, checks=checks)
    targets = hclread.targets(text)
    assert set(targets) == set(document["images"]) | {i + TEST_SUFFIX for i in document["images"]}
    for name, image in document["images"].items():
        target = targets[name]
        assert target.get("args", {}) == image["args"]
        assert target["platforms"] == image["platforms"]
        if image["from"] in document["images"]:
            assert target["contexts"]["base"] == f"target:{image['from']}"
        else:  # a Docker Hub image, read from a mirror when BASE_MIRROR_DOCKERHUB is set
            mirrored = ["BASE_MIRROR_DOCKERHUB", f"library/{image['from']}", image["from"]]
            assert hclread.call(target["contexts"]["base"]) == ("bakegen_base_image", mirrored)
        assert target.get("description", "") == image["description"]
        assert target["tags"] == ['"${REGISTRY}/' + t + '"' for t in image["tags"]] if image["tags"] else "tags" not in target
        # every test of the image and its ancestors reaches the test target's Dockerfile intact
        test = targets[name + TEST_SUFFIX]
        assert test["dockerfile-inline"] == inline_dockerfile(checks[name])
        commands = [shlex.split(c.script)[-1] for c in checks[name].checks if c.origin != "generated"]
        chain = [*project.graph.ancestors(name), name]
        assert commands == [t for image_id in chain for t in document["images"][image_id]["tests"]]
    assert render_bake(parse_project(to_yaml(document), "images.yaml"), checks=checks) == text
