"""The fast schema check keyword by keyword: small schemas and values, the verdict written
out, and jsonschema's for the same pair (they must agree); and what makes a schema one that
only jsonschema can check."""

import jsonschema
import pytest

from bakegen import schemacheck
from bakegen.schemacheck import UnsupportedSchema, conforms, json_equal

DRAFT = "https://json-schema.org/draft/2020-12/schema"


@pytest.fixture(autouse=True)
def _compiled_afresh(monkeypatch):
    """Each test compiles its schemas itself: a check compiled before (conforms keeps them
    by the schema's id) would say what that compile said."""
    monkeypatch.setattr(schemacheck, "_cache", {})


def jsonschema_says(instance, schema) -> bool:
    return jsonschema.Draft202012Validator(schema).is_valid(instance)


# (schema, instance, valid)
TABLE = [
    # boolean schemas
    (True, {"a": 1}, True),
    (False, None, False),
    (False, "x", False),
    # annotations check nothing, at the root and below
    ({"title": "t", "description": "d", "$comment": "c", "examples": [1], "default": 2}, [1, "x"], True),
    ({"$schema": DRAFT, "$id": "https://example.org/s", "type": "string"}, "x", True),
    ({"$schema": DRAFT, "type": "string"}, 1, False),
    ({"properties": {"a": {"title": "t", "description": "d", "$comment": "c", "examples": [], "default": 0}}}, {"a": 1}, True),
    # type
    ({"type": "object"}, {}, True),
    ({"type": "object"}, [], False),
    ({"type": "array"}, [], True),
    ({"type": "array"}, {}, False),
    ({"type": "string"}, "", True),
    ({"type": "string"}, None, False),
    ({"type": "boolean"}, False, True),
    ({"type": "boolean"}, 0, False),
    ({"type": "null"}, None, True),
    ({"type": "null"}, False, False),
    ({"type": "number"}, 2.5, True),
    ({"type": "number"}, 3, True),
    ({"type": "number"}, True, False),
    ({"type": "number"}, "1", False),
    ({"type": "integer"}, 3, True),
    ({"type": "integer"}, 2.0, True),
    ({"type": "integer"}, 2.5, False),
    ({"type": "integer"}, True, False),
    ({"type": "integer"}, False, False),
    ({"type": "integer"}, "1", False),
    ({"type": ["string", "null"]}, None, True),
    ({"type": ["string", "null"]}, "x", True),
    ({"type": ["string", "null"]}, 1, False),
    ({"type": ["integer"]}, 1, True),
    ({"type": ["integer"]}, "1", False),
    # const: JSON equality (true is not 1, 1.0 is 1)
    ({"const": 1}, 1, True),
    ({"const": 1}, 1.0, True),
    ({"const": 1}, True, False),
    ({"const": True}, 1, False),
    ({"const": True}, True, True),
    ({"const": False}, 0, False),
    ({"const": "1"}, 1, False),
    ({"const": 1}, "1", False),
    ({"const": "a"}, "a", True),
    ({"const": [1, "a"]}, [1, "a"], True),
    ({"const": [1, "a"]}, [1, "a", 2], False),
    ({"const": [1, "a"]}, [1], False),
    ({"const": [1, "a"]}, [1, "b"], False),
    ({"const": [1]}, [True], False),
    ({"const": {"a": 1}}, {"a": 1.0}, True),
    ({"const": {"a": 1}}, {"a": 2}, False),
    ({"const": {"a": 1}}, {"b": 1}, False),
    ({"const": {"a": 1}}, {"a": 1, "b": 1}, False),
    ({"const": {"a": 1}}, {}, False),
    ({"const": {"a": [1]}}, {"a": [True]}, False),
    ({"const": None}, None, True),
    ({"const": None}, False, False),
    ({"const": "ab"}, ["a", "b"], False),
    ({"const": ["a", "b"]}, "ab", False),
    # enum: of strings (the fast path), or of anything
    ({"enum": ["a", "b"]}, "b", True),
    ({"enum": ["a", "b"]}, "c", False),
    ({"enum": ["1"]}, 1, False),
    ({"enum": [["a"]]}, ["a"], True),
    ({"enum": [1, "a"]}, 1.0, True),
    ({"enum": [1, "a"]}, "a", True),
    ({"enum": [1, "a"]}, True, False),
    ({"enum": [1, "a"]}, 2, False),
    # not
    ({"not": {"const": "base"}}, "base", False),
    ({"not": {"const": "base"}}, "other", True),
    ({"not": {"type": "string"}}, 1, True),
    # object keywords; a value that is no object passes them
    ({"properties": {"a": {"type": "string"}}}, {"a": "x"}, True),
    ({"properties": {"a": {"type": "string"}}}, {"a": 1}, False),
    ({"properties": {"a": {"type": "string"}}}, {"b": 1}, True),
    ({"properties": {"a": {"type": "string"}}}, [1], True),
    ({"properties": {"a": {"type": "string"}}}, {}, True),
    ({"required": []}, {}, True),
    ({"properties": {"a": {"type": "string"}}, "additionalProperties": False}, {"a": "x"}, True),
    ({"properties": {"a": {"type": "string"}}, "additionalProperties": False}, {"b": "x"}, False),
    ({"additionalProperties": {"type": "integer"}}, {"b": 1, "c": 2}, True),
    ({"additionalProperties": {"type": "integer"}}, {"b": 1, "c": "2"}, False),
    ({"additionalProperties": {"type": "integer"}}, {"b": "1", "c": 2}, False),
    ({"additionalProperties": True}, {"b": "1"}, True),
    ({"required": ["a", "b"]}, {"a": 1, "b": 2}, True),
    ({"required": ["a", "b"]}, {"a": 1}, False),
    ({"required": ["a", "b"]}, {"b": 1}, False),
    ({"required": ["a"]}, "a", True),
    ({"propertyNames": {"pattern": "^[a-z]+$"}}, {"ab": 1, "cd": 2}, True),
    ({"propertyNames": {"pattern": "^[a-z]+$"}}, {"ab": 1, "C": 2}, False),
    ({"propertyNames": {"pattern": "^[a-z]+$"}}, {"C": 1, "ab": 2}, False),
    ({"propertyNames": {"not": {"const": "base"}}, "additionalProperties": {"type": "string"}}, {"base": "x"}, False),
    ({"minProperties": 1}, {"a": 1}, True),
    ({"minProperties": 1}, {}, False),
    ({"minProperties": 2}, {"a": 1}, False),
    ({"minProperties": 2}, {"a": 1, "b": 2}, True),
    ({"minProperties": 1}, [], True),
    # array keywords; a value that is no array passes them
    ({"items": {"type": "string"}}, ["a", "b"], True),
    ({"items": {"type": "string"}}, ["a", 1], False),
    ({"items": {"type": "string"}}, [1, "a"], False),
    ({"items": {"type": "string"}}, {"a": 1}, True),
    ({"items": True}, [1, "a"], True),
    ({"items": False}, [], True),
    ({"items": False}, [1], False),
    ({"minItems": 1}, [1], True),
    ({"minItems": 1}, [], False),
    ({"minItems": 2}, [1], False),
    ({"minItems": 1}, "", True),
    ({"maxItems": 2}, [1, 2], True),
    ({"maxItems": 2}, [1, 2, 3], False),
    ({"maxItems": 0}, [], True),
    ({"maxItems": 0}, [1], False),
    ({"minItems": 1, "maxItems": 1}, [1], True),
    # string keywords; a value that is no string passes them
    ({"minLength": 1}, "x", True),
    ({"minLength": 1}, "", False),
    ({"minLength": 2}, "x", False),
    ({"minLength": 2}, "xy", True),
    ({"minLength": 1}, 5, True),
    ({"pattern": "b"}, "abc", True),  # searched for, not matched at the start
    ({"pattern": "^b"}, "abc", False),
    ({"pattern": "^a"}, 1, True),
    ({"pattern": "^$"}, "", True),
    ({"pattern": "^a", "minLength": 3}, "ab", False),
    ({"pattern": "^a", "minLength": 3}, "bbb", False),
    ({"pattern": "^a", "minLength": 3}, "abb", True),
    # several keywords: all of them must hold
    ({"type": "string", "enum": ["a", "1"]}, "a", True),
    ({"type": "string", "enum": ["a", 1]}, 1, False),
    ({"type": "integer", "const": 1}, 1, True),
    ({"type": "integer", "const": 1}, 2, False),  # the first holds, the second not
    ({"type": "integer", "enum": [1, 2]}, 3, False),
    ({"type": "integer", "not": {"const": 3}}, 3, False),
    ({"type": "object", "minProperties": 1}, {}, False),
    ({"type": "array", "minItems": 1}, [], False),
    ({"type": "string", "minLength": 1}, "", False),
    ({"$defs": {"s": {"type": "string"}}, "$ref": "#/$defs/s", "minLength": 1}, "", False),
    ({"type": "string", "const": 1}, 1, False),
    ({"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}}, {"a": "x"}, True),
    ({"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}}, {"a": 1}, False),
    ({"type": "array", "items": {"type": "integer"}, "minItems": 1}, ["1"], False),
    ({"type": "array", "items": {"type": "integer"}, "minItems": 1}, [1], True),
    ({"type": "string", "minLength": 1, "not": {"const": "x"}}, "x", False),
    ({"type": "string", "minLength": 1, "not": {"const": "x"}}, "y", True),
    # $ref: into $defs, an escaped name (~1 is "/", ~0 is "~", %25 is "%"), an item of a list, the root
    ({"$defs": {"s": {"type": "string"}}, "properties": {"a": {"$ref": "#/$defs/s"}}}, {"a": "x"}, True),
    ({"$defs": {"s": {"type": "string"}}, "properties": {"a": {"$ref": "#/$defs/s"}}}, {"a": 1}, False),
    ({"$defs": {"a/b": {"type": "string"}}, "properties": {"x": {"$ref": "#/$defs/a~1b"}}}, {"x": 1}, False),
    ({"$defs": {"a~b": {"type": "string"}}, "properties": {"x": {"$ref": "#/$defs/a~0b"}}}, {"x": 1}, False),
    ({"$defs": {"a/b": {"type": "string"}}, "properties": {"x": {"$ref": "#/$defs/a~1b"}}}, {"x": "1"}, True),
    ({"$defs": {"a~b": {"type": "string"}}, "properties": {"x": {"$ref": "#/$defs/a~0b"}}}, {"x": "1"}, True),
    ({"$defs": {"a~1b": {"type": "string"}}, "properties": {"x": {"$ref": "#/$defs/a~01b"}}}, {"x": "1"}, True),
    ({"$defs": {"a%b": {"type": "string"}}, "properties": {"x": {"$ref": "#/$defs/a%25b"}}}, {"x": 1}, False),
    ({"$defs": {"a%b": {"type": "string"}}, "properties": {"x": {"$ref": "#/$defs/a%25b"}}}, {"x": "1"}, True),
    ({"examples": [{"type": "string"}, {"type": "integer"}], "properties": {"x": {"$ref": "#/examples/1"}}}, {"x": 1}, True),
    ({"examples": [{"type": "string"}, {"type": "integer"}], "properties": {"x": {"$ref": "#/examples/1"}}}, {"x": "1"}, False),
    ({"examples": [{"type": "string"}, {"type": "integer"}], "properties": {"x": {"$ref": "#/examples/0"}}}, {"x": "1"}, True),
    # two $refs to one place, and a $ref next to other keywords
    ({"$defs": {"s": {"type": "string"}}, "properties": {"a": {"$ref": "#/$defs/s"}, "b": {"$ref": "#/$defs/s"}}}, {"a": "x", "b": 1}, False),
    ({"$defs": {"s": {"type": "string"}}, "properties": {"a": {"$ref": "#/$defs/s"}, "b": {"$ref": "#/$defs/s"}}}, {"a": "x", "b": "y"}, True),
    ({"$defs": {"s": {"type": "string"}}, "properties": {"a": {"$ref": "#/$defs/s", "minLength": 2}}}, {"a": "x"}, False),
    ({"$defs": {"s": {"type": "string"}}, "properties": {"a": {"$ref": "#/$defs/s", "minLength": 2}}}, {"a": 12}, False),
    # a schema that refers to itself: a tree of lists of strings
    ({"type": ["string", "array"], "items": {"$ref": "#"}}, ["a", ["b", ["c"]]], True),
    ({"type": ["string", "array"], "items": {"$ref": "#"}}, ["a", ["b", [1]]], False),
    ({"$defs": {"t": {"type": "array", "items": {"$ref": "#/$defs/t"}}}, "$ref": "#/$defs/t"}, [[[]]], True),
    ({"$defs": {"t": {"type": "array", "items": {"$ref": "#/$defs/t"}}}, "$ref": "#/$defs/t"}, [[["x"]]], False),
    ({"$defs": {"t": {"type": "array", "items": {"$ref": "#/$defs/t"}}}, "$ref": "#/$defs/t"}, "x", False),
    # nothing to check
    ({}, "anything", True),
]


@pytest.mark.parametrize(("schema", "instance", "valid"), TABLE)
def test_each_keyword_is_checked_as_jsonschema_checks_it(schema, instance, valid):
    assert jsonschema_says(instance, schema) is valid  # the table itself is right
    assert conforms(instance, schema) is valid


@pytest.mark.parametrize(
    ("schema", "reason"),
    [
        ({"$schema": "http://json-schema.org/draft-07/schema#"}, "$schema 'http://json-schema.org/draft-07/schema#'"),
        ({"$schema": "https://json-schema.org/draft/2019-09/schema", "type": "string"}, "$schema 'https://json-schema.org/draft/2019-09/schema'"),
        ({"properties": {"a": {"$schema": DRAFT}}}, "keyword '$schema'"),
        ({"properties": {"a": {"$id": "x"}}}, "keyword '$id'"),
        ({"format": "email", "anyOf": []}, "keyword 'anyOf'"),  # the first unknown one, sorted
        ({"properties": {"a": 3}}, "a schema must be an object or a boolean, not 3"),
        ({"items": None}, "a schema must be an object or a boolean, not None"),
        ({"$ref": "other.json#/x"}, "$ref 'other.json#/x': only references inside the schema are checked here"),
        ({"$ref": 3}, "$ref 3: only references inside the schema are checked here"),
        ({"$defs": {"s": {}}, "$ref": "#$defs/s"}, "$ref '#$defs/s': only references inside the schema are checked here"),
        ({"$defs": {"s": {}}, "$ref": "#s"}, "$ref '#s': only references inside the schema are checked here"),
        ({"$ref": "#/$defs/none"}, "$ref '#/$defs/none' points at nothing"),
        ({"$defs": {"l": [{}]}, "$ref": "#/$defs/l/1"}, "$ref '#/$defs/l/1' points at nothing"),
        ({"$defs": {"l": [{}]}, "$ref": "#/$defs/l/x"}, "$ref '#/$defs/l/x' points at nothing"),
        ({"$defs": {"s": "x"}, "$ref": "#/$defs/s/0"}, "$ref '#/$defs/s/0' points at nothing"),
        ({"type": "float"}, "type 'float'"),
        ({"type": []}, "type []"),
        ({"type": ["string", "float"]}, "type ['string', 'float']"),
        ({"type": 3}, "type 3"),
        ({"enum": "ab"}, "enum 'ab'"),
        ({"required": [1]}, "required or minProperties"),
        ({"minProperties": "1"}, "required or minProperties"),
        ({"minItems": 1.5}, "minItems or maxItems"),
        ({"maxItems": "2"}, "minItems or maxItems"),
        ({"minLength": None}, "minLength"),
    ],
)
def test_what_only_jsonschema_can_check_is_named(schema, reason):
    with pytest.raises(UnsupportedSchema) as caught:
        schemacheck._Compiler(schema).root()
    assert str(caught.value) == reason
    assert conforms("x", schema) is False
    assert conforms([], schema) is False


KNOWN = {
    "title": "t", "description": "d", "$comment": "c", "examples": [], "default": 1, "$defs": {},
    "properties": {}, "additionalProperties": True, "required": [], "propertyNames": True,
    "minProperties": 0, "items": True, "minItems": 0, "maxItems": 5, "minLength": 0, "pattern": "",
    "type": "string", "const": "x", "enum": ["x"], "not": False,
}


@pytest.mark.parametrize("keyword", KNOWN)
def test_every_keyword_below_the_root_is_known(keyword):
    assert conforms({"a": "x"}, {"properties": {"a": {keyword: KNOWN[keyword]}}}) is True


def test_the_keywords_known_are_those_of_bakegens_schema_and_no_more():
    assert set(KNOWN) | {"$schema", "$id", "$ref"} == schemacheck.KEYWORDS


def test_a_schema_is_compiled_once_and_kept_while_its_check_is_cached():
    schema = {"type": "string", "minLength": 1}  # two checks: each compile makes a new function
    assert conforms("x", schema)
    kept, check = schemacheck._cache[id(schema)]
    assert kept is schema
    assert conforms("y", schema) and schemacheck._cache[id(schema)][1] is check


def test_schemas_made_and_dropped_one_after_another_each_get_their_own_check():
    # A schema's check is cached under its id; the cache keeps the schema alive so that a new
    # schema never gets the id (and the check) of one that was dropped.
    for n in range(40):
        schema = {"type": "string"} if n % 2 else {"type": "integer"}
        assert conforms("x", schema) is bool(n % 2)
        assert conforms(1, schema) is not bool(n % 2)
        del schema


def test_a_schema_that_only_jsonschema_can_check_is_tried_once():
    schema = {"type": "float"}
    assert conforms(1.0, schema) is False
    assert schemacheck._cache[id(schema)] == (schema, None)
    assert conforms(1.0, schema) is False


@pytest.mark.parametrize(
    ("one", "two", "equal"),
    [
        (1, 1, True),
        (1, 1.0, True),
        (True, 1, False),
        (1, True, False),
        (True, True, True),
        (False, False, True),
        (False, 0, False),
        (0, False, False),
        ("a", "a", True),
        ("a", ["a"], False),
        (["a"], "a", False),
        ("ab", ("a", "b"), False),
        ([1, [2]], [1.0, [2.0]], True),
        ([1, 2], [1], False),
        ([1], [1, 2], False),
        ([1, 2], [2, 1], False),
        ({"a": [1]}, {"a": [1.0]}, True),
        ({"a": 1}, {"b": 1}, False),
        ({"a": 1}, {"a": 1, "b": 2}, False),
        ({"a": 1, "b": 2}, {"a": 1}, False),
        ({"a": True}, {"a": 1}, False),
        ({}, [], False),
        (None, None, True),
        (None, 0, False),
        (1.5, 1.5, True),
    ],
)
def test_json_equality(one, two, equal):
    assert json_equal(one, two) is equal
    assert json_equal(two, one) is equal
