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
        doc.data = None
        return doc
    constructor = yaml.SafeLoader("")
    doc.data = _build(root, (), doc, constructor)
    return doc


def _build(node: yaml.Node, path: PathKey, doc: Document, constructor: yaml.SafeLoader) -> Any:
    doc.positions[path] = _position(doc.file, node)
    if isinstance(node, yaml.MappingNode):
        constructor.flatten_mapping(node)  # resolves YAML merge keys (<<)
        result: dict = {}
        for key_node, value_node in node.value:
            key = constructor.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise BakegenError(
                    Diagnostic(_position(doc.file, key_node), "a mapping key must be plain text")
                )
            key = str(key) if not isinstance(key, str) else key
            if key in result:
                first = doc.key_positions[path + (key,)]
                raise BakegenError(
                    Diagnostic(
                        _position(doc.file, key_node),
                        f"duplicate key '{key}' (first defined at line {first.line}); "
                        "YAML would silently keep only the last one: remove or rename one",
                    )
                )
            doc.key_positions[path + (key,)] = _position(doc.file, key_node)
            result[key] = _build(value_node, path + (key,), doc, constructor)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), doc, constructor) for i, item in enumerate(node.value)]
    doc.source_text[path] = node.value
    return constructor.construct_object(node, deep=True)
