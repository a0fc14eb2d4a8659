"""Load YAML keeping where every value came from.

PyYAML's ``safe_load`` forgets positions and silently keeps the last of two
duplicate keys. Error messages must name file:line:column, so we compose the
node tree ourselves and record, for every path of keys, the node's position
and its source text (``3.10`` must reach a build arg as ``"3.10"``, not 3.1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import datetime

import yaml

from bakegen.errors import BakegenError, Diagnostic, Position

PathKey = tuple  # a tuple of str keys and int indexes from the document root
# libyaml's composer when PyYAML has it (about twice as fast on large files); same marks.
Composer = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Document:
    file: str
    data: Any
    positions: dict[PathKey, Position] = field(default_factory=dict)
    key_positions: dict[PathKey, Position] = field(default_factory=dict)
    source_text: dict[PathKey, str] = field(default_factory=dict)

    def where(self, path: PathKey, key: bool = False) -> Position:
        """The position of the value at ``path`` (or of its key), else its nearest parent's."""
        table = self.key_positions if key else self.positions
        path = tuple(path)
        while path:
            if path in table:
                return table[path]
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), Position(self.file, 1, 1))

    def has(self, path: PathKey) -> bool:
        """Whether the document holds a value at ``path``."""
        return tuple(path) in self.positions

    def scalar_text(self, path: PathKey) -> str | None:
        """The scalar exactly as written (``3.10``, ``true``), for values that are text to Docker."""
        return self.source_text.get(tuple(path))


def _position(file: str, node: yaml.Node) -> Position:
    mark = node.start_mark
    return Position(file, mark.line + 1, mark.column + 1)


def load_document(path: str | Path, display_name: str | None = None) -> Document:
    path = Path(path)
    name = display_name or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BakegenError(Diagnostic(Position(name), "file not found")) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BakegenError(Diagnostic(Position(name), f"cannot read: {exc}")) from None
    return parse_document(text, name)


def parse_document(text: str, file: str) -> Document:
    try:
        root = yaml.compose(text, Loader=Composer)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Position(file, mark.line + 1, mark.column + 1) if mark else Position(file)
        problem = exc.problem or str(exc)
        context = f" ({exc.context})" if exc.context else ""
        raise BakegenError(Diagnostic(pos, f"invalid YAML: {problem}{context}")) from None
    except yaml.YAMLError as exc:
        raise BakegenError(Diagnostic(Position(file), f"invalid YAML: {exc}")) from None
    doc = Document(file=file, data=None)
    if root is None:
        return doc
    builder = _Builder(doc)
    try:
        doc.data = builder.build(root, ())
    except RecursionError:
        raise BakegenError(Diagnostic(Position(file), "nested too deeply to read")) from None
    return doc


MAX_NODES = 2_000_000  # aliases can make a small file expand without bound ("billion laughs")
MERGE_TAG = "tag:yaml.org,2002:merge"


class _Builder:
    def __init__(self, doc: Document):
        self.doc = doc
        self.constructor = yaml.SafeLoader("")
        self.active: set[int] = set()  # nodes being built, to refuse an alias of an ancestor
        self.count = 0

    def fail(self, node: yaml.Node, message: str) -> BakegenError:
        return BakegenError(Diagnostic(_position(self.doc.file, node), message))

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(node, f"the document expands to more than {MAX_NODES:,} values (through aliases)")
        if id(node) in self.active:
            raise self.fail(node, "an alias refers to a value that contains it (a recursive alias)")
        self.doc.positions[path] = _position(self.doc.file, node)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
            return self.mapping(node, path)
        finally:
            self.active.discard(id(node))

    def scalar(self, node: yaml.ScalarNode, path: PathKey) -> Any:
        self.doc.source_text[path] = node.value
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError) as exc:
            problem = getattr(exc, "problem", None) or str(exc)
            raise self.fail(node, f"invalid value: {problem}") from None
        if isinstance(value, (datetime.date, datetime.datetime)):
            return node.value  # a date is text to Docker: keep it as written
        return value

    def mapping(self, node: yaml.MappingNode, path: PathKey) -> dict:
        explicit = sum(1 for key, _ in node.value if key.tag != MERGE_TAG)
        try:
            self.constructor.flatten_mapping(node)  # resolves merge keys (<<): merged pairs first
        except yaml.YAMLError as exc:
            raise self.fail(node, f"invalid merge key: {getattr(exc, 'problem', None) or exc}") from None
        merged = len(node.value) - explicit
        result: dict = {}
        from_merge: set[str] = set()
        for index, (key_node, value_node) in enumerate(node.value):
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, "a mapping key must be plain text, not a list or mapping")
            key = key_node.value  # as written: 1.10 stays "1.10", yes stays "yes"
            if key in result and key not in from_merge:
                first = self.doc.key_positions[path + (key,)]
                raise self.fail(
                    key_node,
                    f"duplicate key '{key}' (first defined at line {first.line}); "
                    "YAML would silently keep only the last one: remove or rename one",
                )
            # explicit keys override merged ones, as YAML's merge key says
            (from_merge.add if index < merged else from_merge.discard)(key)
            self.doc.key_positions[path + (key,)] = _position(self.doc.file, key_node)
            result[key] = self.build(value_node, path + (key,))
        return result
