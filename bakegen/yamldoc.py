"""Load YAML keeping where every value came from.

PyYAML's ``safe_load`` forgets positions and silently keeps the last of two
duplicate keys. Error messages must name file:line:column, so we compose the
node tree ourselves, build the data from it, and keep the tree: the position
of a path of keys, and its source text (``3.10`` must reach a build arg as
``"3.10"``, not 3.1), are looked up in it when asked for. Nothing is recorded
per value up front, so a large file costs little more than PyYAML's own load.
"""

from __future__ import annotations

import datetime
import gc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from bakegen.errors import BakegenError, Diagnostic, Position

PathKey = tuple  # a tuple of str keys and int indexes from the document root
# libyaml's composer when PyYAML has it (about twice as fast on large files); same marks.
Composer = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

STR_TAG = "tag:yaml.org,2002:str"
MERGE_TAG = "tag:yaml.org,2002:merge"
MAX_NODES = 2_000_000  # aliases can make a small file expand without bound ("billion laughs")
# A mapping of at most this many pairs is searched when a key is looked up; a larger one
# (the images) gets a dict on its first look-up, so that look-ups stay O(1).
SEARCHED_MAPPING_SIZE = 8

Pair = tuple  # (key node, value node) of a mapping; (None, item node) of a sequence


@dataclass
class Document:
    file: str
    data: Any
    root: yaml.Node | None = field(default=None, repr=False, compare=False)
    # Mappings with merge keys (<<): id(node) -> one pair per key, the one that counts. The pairs of
    # every other mapping are its node.value (where a key is never twice: that is refused).
    merged_pairs: dict[int, list[Pair]] = field(default_factory=dict, repr=False, compare=False)
    _key_index: dict[int, dict[str, Pair]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def where(self, path: PathKey, key: bool = False) -> Position:
        """The position of the value at ``path`` (or of its key), else its nearest parent's."""
        if self.root is None:
            return Position(self.file, 1, 1)
        key_node, value_node, _ = self._deepest(path)
        return _position(self.file, key_node if key and key_node is not None else value_node)

    def has(self, path: PathKey) -> bool:
        """Whether the document has a value at ``path``."""
        path = tuple(path)
        return self.root is not None and self._deepest(path)[2] == len(path)

    def scalar_text(self, path: PathKey) -> str | None:
        """The scalar exactly as written (``3.10``, ``true``), for values that are text to Docker."""
        if self.root is None:
            return None
        path = tuple(path)
        _, node, depth = self._deepest(path)
        return node.value if depth == len(path) and isinstance(node, ScalarNode) else None

    def _deepest(self, path: PathKey) -> tuple[yaml.Node | None, yaml.Node, int]:
        """For the longest prefix of ``path`` that exists: its key node (None for the root and
        list items), its value node and its length. Called for every image: kept tight."""
        key_node: yaml.Node | None = None
        node: yaml.Node = self.root  # type: ignore[assignment]  # callers check root first
        depth = 0
        for step in path:
            if isinstance(node, MappingNode):
                if not isinstance(step, str):
                    break
                index = self._key_index.get(id(node))
                pair: Pair | None
                if index is not None:
                    pair = index.get(step)
                else:
                    merged = self.merged_pairs.get(id(node))
                    pairs: list[Pair] = node.value if merged is None else merged
                    if len(pairs) > SEARCHED_MAPPING_SIZE:
                        index = self._key_index[id(node)] = {pair[0].value: pair for pair in pairs}
                        pair = index.get(step)
                    else:
                        for pair in reversed(pairs):
                            if pair[0].value == step:
                                break
                        else:
                            pair = None
                if pair is None:
                    break
                key_node, node = pair
            elif isinstance(node, SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
                key_node, node = None, node.value[step]
            else:
                break
            depth += 1
        return key_node, node, depth


def _position(file: str, node: yaml.Node) -> Position:
    mark = node.start_mark
    return Position(file, mark.line + 1, mark.column + 1)


def load_document(path: str | Path, display_name: str | None = None) -> Document:
    path = Path(path)
    name = display_name or str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BakegenError(Diagnostic(Position(name), "file not found", code="file-not-found")) from None
    except OSError as exc:
        raise BakegenError(Diagnostic(Position(name), f"cannot read: {exc.strerror}", code="cannot-read")) from None
    return parse_document(decode(data, name), name)


_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def decode(data: bytes, name: str) -> str:
    """The text of a UTF-8 file; any other encoding is named, with where it shows, and the fix."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            raise BakegenError(
                Diagnostic(
                    Position(name, 1, 1),
                    f"the file is {encoding} (it starts with a {encoding} byte order mark); bakegen reads "
                    f"UTF-8: convert it, e.g. `iconv -f {encoding} -t UTF-8`",
                    code="not-utf8",
                )
            )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise BakegenError(
            Diagnostic(
                Position(name, line, column),
                f"byte 0x{data[exc.start]:02x} is not UTF-8 (the file looks like Latin-1 or another "
                "8-bit encoding); bakegen reads UTF-8: save it as UTF-8",
                code="not-utf8",
            )
        ) from None


def parse_document(text: str, file: str) -> Document:
    # Reading makes several containers per value (node, marks, pairs) and nothing for the cyclic
    # garbage collector to free, yet the collector would traverse the growing tree again and
    # again: most of the time to read a 10,000-image file. So it pauses while reading, and the
    # new objects then go straight to its oldest generation (freeze + unfreeze moves them
    # without a traversal), where its next full collection looks at them once. Unless someone
    # froze objects for good: unfreeze would release theirs too.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _parse(text, file)
    finally:
        if collecting:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def _parse(text: str, file: str) -> Document:
    try:
        root = yaml.compose(text, Loader=Composer)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Position(file, mark.line + 1, mark.column + 1) if mark else Position(file)
        problem = exc.problem or str(exc)
        context = f" ({exc.context})" if exc.context else ""
        raise BakegenError(Diagnostic(pos, f"invalid YAML: {problem}{context}", code="invalid-yaml")) from None
    except yaml.YAMLError as exc:
        # the reader's errors (a NUL, a control character) carry an offset, not a mark
        position = getattr(exc, "position", None)
        if isinstance(position, int):
            line = text.count("\n", 0, position) + 1
            column = position - (text.rfind("\n", 0, position) + 1) + 1
            character = getattr(exc, "character", None)
            code = ord(character) if isinstance(character, str) else character
            shown = f"the character U+{code:04X}" if isinstance(code, int) else "a control character"
            raise BakegenError(
                Diagnostic(
                    Position(file, line, column),
                    f"invalid YAML: {shown} is not allowed in YAML text; remove it (inside double quotes, "
                    "write it as an escape such as \\t)",
                    code="invalid-yaml",
                )
            ) from None
        raise BakegenError(Diagnostic(Position(file), f"invalid YAML: {exc}", code="invalid-yaml")) from None
    except RecursionError:  # PyYAML's own composer (without libyaml) recurses per level
        raise BakegenError(Diagnostic(Position(file), "nested too deeply to read", code="too-deep")) from None
    if root is None:
        return Document(file=file, data=None)
    builder = _Builder(file)
    try:
        data = builder.value(root)
    except RecursionError:
        raise BakegenError(Diagnostic(Position(file), "nested too deeply to read", code="too-deep")) from None
    return Document(file=file, data=data, root=root, merged_pairs=builder.merged_pairs)


class _Builder:
    """Python values from a node tree: plain text as written, other scalars as YAML types."""

    def __init__(self, file: str):
        self.file = file
        self.constructor = SafeConstructor()  # for scalars tagged other than str
        self.active: set[int] = set()  # containers being built, to refuse an alias of an ancestor
        self.count = 1  # values built (through aliases, many may come from one node), the root first
        # Merge keys (<<), by id(node) of the mapping: see resolve_merges and Document.merged_pairs.
        self.resolved: dict[int, tuple[list[Pair], dict[str, Pair]]] = {}
        self.merged_count: dict[int, int] = {}  # how many of a mapping's resolved pairs are merged ones
        self.merged_pairs: dict[int, list[Pair]] = {}
        self.merging: set[int] = set()  # mappings whose merge keys are being resolved

    def fail(self, node: yaml.Node, message: str, code: str) -> BakegenError:
        return BakegenError(Diagnostic(_position(self.file, node), message, code=code))

    def expand(self, node: yaml.Node, count: int) -> None:
        self.count += count
        if self.count > MAX_NODES:
            raise self.fail(
                node, f"the document expands to more than {MAX_NODES:,} values (through aliases)", "too-many-values"
            )

    def value(self, node: yaml.Node) -> Any:
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        if id(node) in self.active:
            raise self.fail(node, "an alias refers to a value that contains it (a recursive alias)", "recursive-alias")
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return self.sequence(node)
            assert isinstance(node, MappingNode)
            return self.mapping(node)
        finally:
            self.active.discard(id(node))

    def scalar(self, node: ScalarNode) -> Any:
        if node.tag == STR_TAG:
            return node.value
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError) as exc:
            problem = getattr(exc, "problem", None) or str(exc)
            raise self.fail(node, f"invalid value: {problem}", "invalid-value") from None
        except (LookupError, AttributeError):  # PyYAML's own slips on text its tag cannot read (!!bool maybe)
            tag = node.tag.rsplit(":", 1)[-1]
            raise self.fail(node, f"invalid value: {node.value!r} is not a !!{tag} value", "invalid-value") from None
        if isinstance(value, (datetime.date, datetime.datetime)):
            return node.value  # a date is text to Docker: keep it as written
        return value

    # Plain text is most of a file: sequence() and mapping() take it from its node inline
    # rather than through value(), which is most of the time a large file takes to build.

    def sequence(self, node: SequenceNode) -> list:
        items = node.value
        self.expand(node, len(items))
        value = self.value
        return [item.value if item.__class__ is ScalarNode and item.tag == STR_TAG else value(item) for item in items]

    def mapping(self, node: MappingNode) -> dict:
        pairs = node.value
        for key_node, _ in pairs:
            if key_node.tag == MERGE_TAG:
                return self.merged_mapping(node)
        self.expand(node, len(pairs))
        value = self.value
        result: dict = {}
        for key_node, value_node in pairs:
            if key_node.__class__ is not ScalarNode:
                raise self.not_text(key_node)
            key = key_node.value  # as written: 1.10 stays "1.10", yes stays "yes"
            if key in result:
                first = next(k for k, _ in pairs if k.value == key)
                raise self.duplicate(key_node, first)
            if value_node.__class__ is ScalarNode and value_node.tag == STR_TAG:
                result[key] = value_node.value
            else:
                result[key] = value(value_node)
        return result

    def merged_mapping(self, node: MappingNode) -> dict:
        """A mapping with merge keys (<<): merged pairs first; its own keys override them."""
        pairs, winners = self.resolve_merges(node)
        self.expand(node, len(pairs))
        merged = self.merged_count[id(node)]
        result: dict = {}
        own: dict[str, yaml.Node] = {}  # key -> key node, of the mapping's own keys
        for index, pair in enumerate(pairs):
            key_node, value_node = pair
            key = key_node.value
            if index >= merged:
                if key in own:
                    raise self.duplicate(key_node, own[key])
                own[key] = key_node
            # every merged value is built (an invalid one is reported even when overridden);
            # the key keeps the place of its first pair and takes the value of the one that counts
            value = self.value(value_node)
            if key not in result or winners[key] is pair:
                result[key] = value
        return result

    def resolve_merges(self, node: MappingNode, merging_into: MappingNode | None = None) -> tuple[list[Pair], dict]:
        """What node brings to a mapping: its pairs with each merge key replaced by the pairs it
        merges (those first; each pair once, however often aliases repeat it), and per key the
        pair that counts (its own, else of a merged list of mappings the earliest, as YAML says).
        A bad merge key is reported at the mapping being built, wherever the merge chain leads."""
        if id(node) in self.resolved:
            return self.resolved[id(node)]
        at = merging_into or node
        if not any(key_node.tag == MERGE_TAG for key_node, _ in node.value):
            self.resolved[id(node)] = resolved = (node.value, self.winners(node.value))
            return resolved
        if id(node) in self.merging:
            raise self.fail(at, "an alias refers to a value that contains it (a recursive alias)", "recursive-alias")
        self.merging.add(id(node))
        merged: dict[int, Pair] = {}  # id(pair) -> pair, in the order of first appearance
        winners: dict[str, Pair] = {}
        own: list[Pair] = []
        for pair in node.value:
            key_node, value_node = pair
            if key_node.tag != MERGE_TAG:
                own.append(pair)
                continue
            if isinstance(value_node, MappingNode):
                sources = [value_node]
            elif isinstance(value_node, SequenceNode):
                sources = value_node.value
            else:
                raise self.fail(
                    at,
                    f"invalid merge key: expected a mapping or list of mappings for merging, but found {value_node.id}",
                    "invalid-merge-key",
                )
            resolved_sources = []
            for source in sources:
                if not isinstance(source, MappingNode):
                    raise self.fail(
                        at,
                        f"invalid merge key: expected a mapping for merging, but found {source.id}",
                        "invalid-merge-key",
                    )
                resolved_sources.append(self.resolve_merges(source, at))
            for source, (source_pairs, source_winners) in zip(
                reversed(sources), reversed(resolved_sources), strict=False
            ):
                self.expand(source, len(source_pairs))
                for source_pair in source_pairs:
                    merged.setdefault(id(source_pair), source_pair)
                winners.update(source_winners)
        winners.update(self.winners(own))
        self.merging.discard(id(node))
        self.merged_count[id(node)] = len(merged)
        self.merged_pairs[id(node)] = list(winners.values())
        self.resolved[id(node)] = resolved = ([*merged.values(), *own], winners)
        return resolved

    def winners(self, pairs: list[Pair]) -> dict[str, Pair]:
        for key_node, _ in pairs:
            if key_node.__class__ is not ScalarNode:
                raise self.not_text(key_node)
        return {pair[0].value: pair for pair in pairs}

    def not_text(self, key_node: yaml.Node) -> BakegenError:
        return self.fail(key_node, "a mapping key must be plain text, not a list or mapping", "key-not-text")

    def duplicate(self, key_node: yaml.Node, first: yaml.Node) -> BakegenError:
        return self.fail(
            key_node,
            f"duplicate key '{key_node.value}' (first defined at line {first.start_mark.line + 1}); "
            "YAML would silently keep only the last one: remove or rename one",
            "duplicate-key",
        )
