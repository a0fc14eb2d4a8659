"""The fast schema check says valid exactly when jsonschema does, at every level of images.yaml."""

import random
import subprocess
import sys

import jsonschema
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bakegen import schemacheck
from bakegen.model import schema
from bakegen.yamldoc import load_document
from tests.conftest import REPO

SCHEMA = schema()


def jsonschema_says_valid(data) -> bool:
    return not any(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data))


def follow(node: dict) -> dict:
    """A subschema with its $ref followed (bakegen's refs have only annotations beside them)."""
    while "$ref" in node:
        target = SCHEMA
        for token in node["$ref"].lstrip("#/").split("/"):
            target = target[token]
        node = target
    return node


# Anything YAML can give, for a value that is wrong as a whole.
anything = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 2) | st.sampled_from([1.0, 2.0, 2.5, float("inf")])
    | st.text(max_size=6) | st.binary(max_size=2),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
# Text that meets or misses the schema's patterns, enums, names and the reserved context name.
texts = st.sampled_from(
    ["", "x", "base", "linux/arm64", "linux/arm_64/v8", "arm64", "Linux/amd64", "linux/arm64\n",
     "id=pip,env=X", "env=X,id=a", "id=", "kernels", "ops", "framework", "_V1", "1V", "a-b", "é"]
) | st.text(max_size=8)


@st.composite
def instances(draw, node: dict, sites: list):
    """A valid value for ``node``. Each value made is noted in ``sites`` as (its schema, the
    container that holds it, its key there), for faults() to break one of them later."""

    def part(sub: dict, holder, key) -> None:
        holder[key] = draw(instances(sub, sites))
        sites.append((sub, holder, key))

    node = follow(node)
    if "const" in node:
        return draw(st.sampled_from([node["const"], float(node["const"])]))
    if "enum" in node:
        return draw(st.sampled_from(node["enum"]))
    kind = draw(st.sampled_from(node["type"] if isinstance(node["type"], list) else [node["type"]]))
    if kind == "object":
        value: dict = {}
        for name, sub in node.get("properties", {}).items():
            if name in node.get("required", ()) or draw(st.booleans()):
                part(sub, value, name)
        extra = node.get("additionalProperties", True)
        if extra is not False:
            names = node.get("propertyNames", {})
            if "pattern" in names:
                name_strategy = st.from_regex(names["pattern"], fullmatch=True)
            else:
                name_strategy = texts.filter(lambda name: name != names.get("not", {}).get("const"))
            least = node.get("minProperties", 0)
            for _ in range(draw(st.integers(least, least + 2))):
                part({} if extra is True else extra, value, draw(name_strategy))
        return value
    if kind == "array":
        value = [None] * draw(st.integers(node.get("minItems", 0), node.get("maxItems", 3)))
        for index in range(len(value)):
            part(node.get("items", {}), value, index)
        return value
    if kind == "string":
        if "pattern" in node:
            return draw(st.from_regex(node["pattern"]))
        return draw(st.text(min_size=node.get("minLength", 0), max_size=8))
    if kind == "integer":
        return draw(st.integers(-2, 2) | st.just(2.0))
    if kind == "number":
        return draw(st.integers(-2, 2) | st.floats(allow_nan=False))
    if kind == "boolean":
        return draw(st.booleans())
    return draw(anything)  # an empty schema: anything goes


def faults(node: dict, value) -> dict[str, st.SearchStrategy]:
    """The ways to break ``value`` under ``node``: wrong as a whole, or against one of its rules."""
    node = follow(node)
    ways = {"anything": anything}
    if "const" in node:
        ways["const"] = st.sampled_from([True, "1", 2])
    if "enum" in node:
        ways["enum"] = texts
    if "pattern" in node:
        ways["pattern"] = texts
    if "minLength" in node:
        ways["minLength"] = st.just("")
    if node.get("type") == "integer":
        ways["integer"] = st.sampled_from([2.5, True, "1"])
    if isinstance(value, dict):
        for name in node.get("required", ()):
            ways[f"required {name}"] = st.just({k: v for k, v in value.items() if k != name})
        ways["another key"] = st.builds(lambda name, extra: {**value, name: extra}, texts, anything)
        ways["no keys"] = st.just({})
    if isinstance(value, list):
        ways["no items"] = st.just([])
        ways["more items"] = st.just(value * 2 + [None])
    return ways


@st.composite
def documents(draw):
    """Valid documents, and documents with one or a few faults anywhere."""
    sites: list = []
    holder = [draw(instances(SCHEMA, sites))]
    sites.append((SCHEMA, holder, 0))
    # Each way to break each rule of the schema is as likely as any other, so that a fault in
    # a rule met once (compat.torch_python's maxItems) is tried as often as one met everywhere.
    breaks: dict[tuple, list] = {}
    for node, container, key in sites:
        for way, strategy in faults(node, container[key]).items():
            breaks.setdefault((id(follow(node)), way), []).append((container, key, strategy))
    # (chosen by a seeded Random: Hypothesis's own choices favour the first ones of a list)
    chance = random.Random(draw(st.integers(0, 2**32)))
    for _ in range(chance.choice([0, 1, 1, 1, 2])):
        container, key, strategy = chance.choice(chance.choice(list(breaks.values())))
        container[key] = draw(strategy)
    return holder[0]


@settings(max_examples=200)
@given(documents())
@example({"version": 1, "images": {"a": {"from": "x", "dockerfile": "d"}}})
@example({"version": True, "images": {"a": {"from": "x", "dockerfile": "d"}}})
@example({"version": 1.0, "images": {"a": {"from": "x", "dockerfile": "d", "platforms": ["linux/arm64\n"]}}})
@example({"version": 1, "images": {}})
@example({"version": 1, "images": {"a": {"from": "x", "dockerfile": "d", "contexts": {"base": "."}}}})
@example({"version": 1, "images": {"a": {"from": "", "dockerfile": "d"}}})
@example({"version": 1, "images": {"a": {"from": "x", "dockerfile": "d", "secrets": ["env=X"]}}})
@example({"version": 1, "images": {"a": {"from": "x", "dockerfile": "d"}}, "compat": {"numpy_max_major": {"2": 2.5}}})
@example({"version": 1, "images": {"a": {"from": "x", "dockerfile": "d"}}, "variables": {"1V": "x"}})
@example({"version": 1, "images": {"a": {"from": "x", "dockerfile": "d", "args": {"X": b"\x00"}}}})
@example({"version": 1, "images": {"a": {"from": "x"}}})
@example({"version": 1, "images": {"a": {"from": "x", "dockerfile": "d", "tags": b""}}})
@example({"version": 1, "images": {"a": {"from": "x", "dockerfile": "d", "layer": "top"}}})
@example({"version": 1, "images": {"a": {"from": "x", "dockerfile": "d"}}, "compat": {"torch_python": {"2": ["a", "b", "c"]}}})
def test_fast_check_agrees_with_jsonschema(data):
    assert schemacheck.conforms(data, SCHEMA) == jsonschema_says_valid(data)


def test_the_repository_images_yaml_conforms():
    data = load_document(REPO / "images.yaml").data
    assert schemacheck.conforms(data, SCHEMA) and jsonschema_says_valid(data)


@pytest.mark.parametrize(
    "unsupported",
    [
        {"type": "object", "patternProperties": {"^x": {"type": "string"}}},
        {"type": "object", "properties": {"a": {"type": "string", "format": "email"}}},
        {"$ref": "other.json#/x"},
        {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"},
        {"type": "object", "properties": {"a": {"$id": "x", "type": "string"}}},
    ],
)
def test_a_schema_with_other_keywords_is_left_to_jsonschema(unsupported):
    assert schemacheck.conforms({"a": "b"}, {"type": "object", "properties": {"a": {"type": "string"}}})
    assert schemacheck.conforms({"a": "b"}, unsupported) is False


def test_valid_files_are_checked_without_importing_jsonschema():
    code = (
        "import sys; from bakegen.model import parse_project; "
        "parse_project('version: 1\\nimages:\\n  a: {from: u:1, dockerfile: d}\\n'); "
        "print('jsonschema' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert result.stdout.strip() == "False", result.stderr
