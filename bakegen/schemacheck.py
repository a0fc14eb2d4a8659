"""A fast yes-or-no check of data against a JSON schema, for the common case: valid data.

jsonschema writes the messages bakegen shows, but it takes seconds on a 10,000-image
images.yaml and a tenth of a second to import. ``conforms`` compiles a schema once into plain
Python checks and answers only whether the data are valid; when they are not, the caller
asks jsonschema what is wrong. It knows exactly the keywords of bakegen's schema (draft
2020-12, read the way jsonschema reads them); a schema with any other keyword is not
checked here at all (``conforms`` says False), so that a later change to the schema cannot
let data through unchecked.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import unquote

Check = Callable[[Any], bool]

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
# Keywords that check nothing: annotations, and $defs (reached through $ref).
NOT_CHECKS = frozenset({"title", "description", "$comment", "examples", "default", "$defs"})
ROOT_ONLY = frozenset({"$schema", "$id"})
OBJECT_KEYWORDS = frozenset({"properties", "additionalProperties", "required", "propertyNames", "minProperties"})
ARRAY_KEYWORDS = frozenset({"items", "minItems", "maxItems"})
STRING_KEYWORDS = frozenset({"minLength", "pattern"})
OTHER_KEYWORDS = frozenset({"type", "const", "enum", "not", "$ref"})
KEYWORDS = NOT_CHECKS | ROOT_ONLY | OBJECT_KEYWORDS | ARRAY_KEYWORDS | STRING_KEYWORDS | OTHER_KEYWORDS


class UnsupportedSchema(Exception):
    """The schema uses something this module does not check."""


def conforms(instance: Any, schema: Mapping | bool) -> bool:
    """True when ``instance`` is valid under ``schema``; False when it is not, or when this
    module cannot tell (then only jsonschema can). A schema is compiled on its first use:
    it must not change afterwards."""
    check = _compiled(schema)
    return check is not None and check(instance)


# id(schema) -> (the schema, kept alive so that its id stays its own; its check, or None if unsupported)
_cache: dict[int, tuple[Any, Check | None]] = {}


def _compiled(schema: Mapping | bool) -> Check | None:
    cached = _cache.get(id(schema))
    if cached is None:
        try:
            check = _Compiler(schema).root()
        except UnsupportedSchema:
            check = None
        cached = _cache[id(schema)] = (schema, check)
    return cached[1]


def _always(instance: Any) -> bool:
    return True


def _never(instance: Any) -> bool:
    return False


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


TYPE_TESTS: dict[str, Check] = {
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
    "number": _is_number,
    "integer": _is_integer,
}


def json_equal(one: Any, two: Any) -> bool:
    """Equality as JSON Schema's const and enum mean it: true is not 1, 1.0 is 1."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return one == two
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(json_equal(a, b) for a, b in zip(one, two, strict=False))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(key in two and json_equal(value, two[key]) for key, value in one.items())
    if isinstance(one, bool) or isinstance(two, bool):
        return False  # the same bool was `one is two`
    return one == two


class _Compiler:
    def __init__(self, root: Mapping | bool):
        self.root_schema = root
        self.by_ref: dict[str, list[Check]] = {}  # one cell per $ref, filled once compiled

    def root(self) -> Check:
        if isinstance(self.root_schema, Mapping) and self.root_schema.get("$schema", DRAFT_2020_12) != DRAFT_2020_12:
            raise UnsupportedSchema(f"$schema {self.root_schema['$schema']!r}")
        return self.compile(self.root_schema, is_root=True)

    def compile(self, schema: Mapping | bool, is_root: bool = False) -> Check:
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, Mapping):
            raise UnsupportedSchema(f"a schema must be an object or a boolean, not {schema!r}")
        unknown = set(schema) - KEYWORDS if is_root else set(schema) - (KEYWORDS - ROOT_ONLY)
        if unknown:
            raise UnsupportedSchema(f"keyword {sorted(unknown)[0]!r}")
        checks = []
        if "$ref" in schema:
            checks.append(self.ref(schema["$ref"]))
        if "type" in schema:
            checks.append(self.type_check(schema["type"]))
        if "const" in schema:
            const = schema["const"]
            checks.append(lambda value: json_equal(value, const))
        if "enum" in schema:
            checks.append(self.enum_check(schema["enum"]))
        if "not" in schema:
            inner = self.compile(schema["not"])
            checks.append(lambda value: not inner(value))
        if OBJECT_KEYWORDS & schema.keys():
            checks.append(self.object_check(schema))
        if ARRAY_KEYWORDS & schema.keys():
            checks.append(self.array_check(schema))
        if STRING_KEYWORDS & schema.keys():
            checks.append(self.string_check(schema))
        return _all(checks)

    def ref(self, ref: str) -> Check:
        if not isinstance(ref, str) or not (ref == "#" or ref.startswith("#/")):
            # "#name" is an anchor, not a JSON pointer: jsonschema looks for a $anchor
            raise UnsupportedSchema(f"$ref {ref!r}: only references inside the schema are checked here")
        cell = self.by_ref.get(ref)
        if cell is None:
            cell = self.by_ref[ref] = []
            target = self.root_schema
            for token in filter(None, ref[1:].split("/")):
                token = unquote(token).replace("~1", "/").replace("~0", "~")
                if isinstance(target, Mapping) and token in target:
                    target = target[token]
                elif isinstance(target, list) and token.isdigit() and int(token) < len(target):
                    target = target[int(token)]
                else:
                    raise UnsupportedSchema(f"$ref {ref!r} points at nothing")
            cell.append(self.compile(target))
        if cell:
            return cell[0]
        return lambda value: cell[0](value)  # a schema that refers to itself: look up when checking

    def type_check(self, types: str | list) -> Check:
        names = [types] if isinstance(types, str) else types
        if not isinstance(names, list) or not names or any(name not in TYPE_TESTS for name in names):
            raise UnsupportedSchema(f"type {types!r}")
        tests = [TYPE_TESTS[name] for name in names]
        if len(tests) == 1:
            return tests[0]
        return lambda value: any(test(value) for test in tests)

    def enum_check(self, values: list) -> Check:
        if not isinstance(values, list):
            raise UnsupportedSchema(f"enum {values!r}")
        if all(isinstance(each, str) for each in values):
            strings = frozenset(values)
            return lambda value: isinstance(value, str) and value in strings
        return lambda value: any(json_equal(value, each) for each in values)

    def object_check(self, schema: Mapping) -> Check:
        properties = {name: self.compile(sub) for name, sub in schema.get("properties", {}).items()}
        additional = schema.get("additionalProperties", True)
        additional_check = None if additional is True else self.compile(additional)
        names_check = self.compile(schema["propertyNames"]) if "propertyNames" in schema else None
        required = tuple(schema.get("required", ()))
        min_properties = schema.get("minProperties", 0)
        if not isinstance(min_properties, int) or not all(isinstance(name, str) for name in required):
            raise UnsupportedSchema("required or minProperties")

        def check(value: Any) -> bool:
            if not isinstance(value, dict):
                return True
            if len(value) < min_properties:
                return False
            for name in required:
                if name not in value:
                    return False
            for key, item in value.items():
                item_check = properties.get(key, additional_check)
                if item_check is not None and not item_check(item):
                    return False
                if names_check is not None and not names_check(key):
                    return False
            return True

        return check

    def array_check(self, schema: Mapping) -> Check:
        items = self.compile(schema.get("items", True))
        min_items = schema.get("minItems", 0)
        max_items = schema.get("maxItems")
        if not isinstance(min_items, int) or not (max_items is None or isinstance(max_items, int)):
            raise UnsupportedSchema("minItems or maxItems")

        def check(value: Any) -> bool:
            if not isinstance(value, list):
                return True
            if len(value) < min_items or (max_items is not None and len(value) > max_items):
                return False
            if items is not _always:
                for item in value:
                    if not items(item):
                        return False
            return True

        return check

    def string_check(self, schema: Mapping) -> Check:
        min_length = schema.get("minLength", 0)
        pattern = re.compile(schema["pattern"]) if "pattern" in schema else None  # re.search, as jsonschema
        if not isinstance(min_length, int):
            raise UnsupportedSchema("minLength")

        def check(value: Any) -> bool:
            if not isinstance(value, str):
                return True
            return len(value) >= min_length and (pattern is None or pattern.search(value) is not None)

        return check


def _all(checks: list[Check]) -> Check:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]

    def check(value: Any) -> bool:
        return all(each(value) for each in checks)

    return check
