"""Expand the `matrix:` entries of images.yaml into plain images, before anything reads them.

An image entry with a `matrix:` stands for one image per combination of its axes' values, as
bake's target `matrix` and the official cann-container-image build matrix do::

    cann-{{cann}}-{{chip}}:                  # the id pattern
      from: python-3-10
      dockerfile: dockerfiles/cann.dockerfile
      args: {CANN_VERSION: "{{cann}}", CHIP: "{{chip}}"}
      tags: ["cann:{{cann}}-{{chip}}"]
      matrix:
        cann: [8.2.RC1, 8.3.RC1]
        chip: [910b, 310p]
        exclude: [{cann: 8.3.RC1, chip: 310p}]   # partial assignments left out

gives cann-8-2rc1-910b, cann-8-2rc1-310p and cann-8-3rc1-910b, in this order (the first axis
varies slowest), where the entry stood. The values of an axis are text (numbers as written:
`3.10` stays "3.10") or all mappings with the same fields, named `{{axis.field}}`.

Placeholders are `{{axis}}`: args reach the build exactly as written, and may carry `${`
(bake's own interpolation, which the bake file escapes), so a placeholder must not look like
it; `[chip]` would be read in pip extras (`ultralytics[export]`) and starts a YAML list.
`{{ }}` is what Helm, Ansible and Go templates write, and no Docker, pip or HCL syntax uses it.
Inside a matrix entry every `{{` opens a placeholder; `{{"{{"}}` is a literal `{{` (any
`{{"text"}}` is its text). `${{chip}}` (GitHub Actions' form) and `${chip}` naming an axis
(bake's form, which would reach the build literally) are errors saying what to write. Plain
entries are never expanded: a `{{` there is text like any other.

Values are filled in as written (tags, args, labels, ...), except in the id, which takes each
value in its id form (``id_form``: `8.3.RC1` -> `8-3rc1`), and in `from:` and `contexts:`,
which take the id form when it names an image of the file (`from: cann-{{cann}}-{{chip}}`
in another matrix picks the parent by the same axes) and the text as written otherwise
(`ubuntu:{{ubuntu}}`). Placeholders fill values, not names (arg names, context names).

The expanded document keeps, for every field of an expanded image, the position of the field
in the matrix entry, marked with the image and its axis values (``errors.Expansion``), so any
later problem (schema, parent, tags, version rules, Dockerfile args) points at the line as
written and names the combination. Two combinations giving one id, or an id that another
image already has, is an error.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from bakegen.errors import BakegenError, Diagnostic, Expansion, Position, did_you_mean
from bakegen.yamldoc import Document, PathKey

MAX_IMAGES = 1000  # per matrix entry: a few axes of many values grow fast
NAME = r"[A-Za-z_][A-Za-z0-9_]*"
NAME_RE = re.compile(NAME)
REFERENCE_RE = re.compile(rf"\s*({NAME})(?:\.({NAME}))?\s*")
LITERAL_RE = re.compile(r'\s*"([^"]*)"\s*')
BAKE_STYLE_RE = re.compile(rf"\$\{{({NAME})(?:\.{NAME})?\}}")  # ${chip}: bake's matrix variables
RESOLVED_FIELDS = ("from", "contexts")  # an image id, when the id form names one


def id_form(value: str) -> str:
    """A value as it goes into an image id: lower-case; a dot between a digit and a letter
    dropped (8.3.RC1 -> 8.3rc1); every other character that an id may not hold, dots
    included, becomes '-' (8.3rc1 -> 8-3rc1, 8.5.0 -> 8-5-0)."""
    value = value.lower()
    value = re.sub(r"(?<=[0-9])\.(?=[a-z])|(?<=[a-z])\.(?=[0-9])", "", value)
    return re.sub(r"[^a-z0-9_-]", "-", value)


@dataclass(frozen=True)
class Placeholder:
    axis: str
    field: str | None = None

    def __str__(self) -> str:
        return "{{" + self.axis + (f".{self.field}" if self.field else "") + "}}"


Pieces = tuple  # of str (literal text) and Placeholder


def split(text: str) -> Pieces:
    """Text as literal parts and placeholders; ValueError says what is malformed."""
    pieces: list[str | Placeholder] = []
    pos = 0
    while (start := text.find("{{", pos)) != -1:
        end = text.find("}}", start + 2)
        if end == -1:
            raise ValueError("'{{' opens a placeholder that no '}}' closes; for a literal '{{' write {{\"{{\"}}")
        inner = text[start + 2 : end]
        reference, literal = REFERENCE_RE.fullmatch(inner), LITERAL_RE.fullmatch(inner)
        if start and text[start - 1] == "$":
            shown = f"{{{{{reference[1]}}}}}" if reference else "{{axis}}"
            raise ValueError(
                f"'${{{{{inner}}}}}' is GitHub Actions' form; a placeholder is written {shown}, "
                f"without '$' (for a literal '$' before the value write {{{{\"$\"}}}}{shown})"
            )
        if reference:
            pieces += [text[pos:start], Placeholder(reference[1], reference[2])]
        elif literal:
            pieces += [text[pos:start], literal[1]]
        else:
            raise ValueError(
                f"'{{{{{inner}}}}}' is not a placeholder: write {{{{axis}}}} or {{{{axis.field}}}}, "
                f'or {{{{"{{{{"}}}}{inner}}}}} for literal text'
            )
        pos = end + 2
    pieces.append(text[pos:])
    return tuple(p for p in pieces if p != "")


def fill(pieces: Pieces, values: Mapping[str, Any], form: Callable[[str], str] = str) -> str:
    out = []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
        else:
            value = values[piece.axis]
            out.append(form(value[piece.field] if piece.field else value))
    return "".join(out)


@dataclass(frozen=True)
class Axis:
    name: str
    values: tuple  # of str, or of dicts field -> str
    fields: tuple[str, ...] | None  # the fields of mapping values; None for plain values


@dataclass
class _Entry:
    """One matrix entry being expanded: its axes, combinations, and the templates of its fields."""

    pattern: str
    raw: dict
    axes: dict[str, Axis]
    combinations: list[dict[str, Any]]
    id_pieces: Pieces = ()
    templates: dict[PathKey, Pieces] = field(default_factory=dict)  # path in the entry -> its pieces


def expand_matrices(doc: Document) -> Document:
    """The document with every matrix entry replaced by its images; the same document when
    there is none. Problems with a matrix itself raise, all at once."""
    images = doc.data.get("images") if isinstance(doc.data, dict) else None
    if not isinstance(images, dict):
        return doc
    problems: list[Diagnostic] = []
    entries: dict[str, _Entry] = {}
    for pattern, raw in images.items():
        if isinstance(raw, dict) and "matrix" in raw:
            entry = _read_entry(doc, pattern, raw, problems)
            if entry is not None:
                entries[pattern] = entry
        elif "{{" in pattern:
            problems.append(
                Diagnostic(
                    doc.where(("images", pattern), key=True),
                    f"'{pattern}' has placeholders but no matrix: add 'matrix:' with the axes it names, "
                    "or rename it (image ids are letters, digits, '-' and '_')",
                    code="invalid-placeholder",
                )
            )
    if problems:
        raise BakegenError(problems)
    if not entries:
        return doc

    ids = _expanded_ids(doc, images, entries, problems)
    if problems:
        raise BakegenError(problems)
    all_ids = {image_id for image_id in images if image_id not in entries} | {
        image_id for made in ids.values() for image_id, _, _ in made
    }
    return _expanded_document(doc, images, entries, ids, all_ids)


# --- reading a matrix entry ------------------------------------------------------------


def _read_entry(doc: Document, pattern: str, raw: dict, problems: list[Diagnostic]) -> _Entry | None:
    start = len(problems)
    at = ("images", pattern, "matrix")
    matrix = raw["matrix"]
    if not isinstance(matrix, dict) or not [k for k in matrix if k != "exclude"]:
        problems.append(
            Diagnostic(
                doc.where(at),
                f"{pattern}: matrix must map axis names to lists of values, e.g. matrix: {{chip: [910b, 310p]}}",
                code="invalid-matrix",
            )
        )
        return None
    axes: dict[str, Axis] = {}
    for name, values in matrix.items():
        if name != "exclude":
            axis = _read_axis(doc, pattern, name, values, problems)
            if axis is not None:
                axes[name] = axis
    if len(problems) > start:
        return None
    count = math.prod(len(a.values) for a in axes.values())
    if count > MAX_IMAGES:
        problems.append(
            Diagnostic(
                doc.where(at),
                f"{pattern}: the matrix gives {count:,} images; bakegen expands at most {MAX_IMAGES:,} per entry",
                code="invalid-matrix",
            )
        )
        return None
    entry = _Entry(pattern, raw, axes, [])
    _read_templates(doc, entry, problems)
    product = itertools.product(*(axis.values for axis in axes.values()))
    combinations = [dict(zip(axes, chosen, strict=True)) for chosen in product]
    excluded = len(problems)
    entry.combinations = _exclude(doc, pattern, axes, matrix.get("exclude"), combinations, problems)
    if not entry.combinations and len(problems) == excluded:
        problems.append(
            Diagnostic(
                doc.where(at + ("exclude",)), f"{pattern}: exclude leaves out every combination", code="invalid-matrix"
            )
        )
    return entry if len(problems) == start else None


def _read_axis(doc: Document, pattern: str, name: str, values: Any, problems: list[Diagnostic]) -> Axis | None:
    at = ("images", pattern, "matrix", name)
    if not NAME_RE.fullmatch(name):
        problems.append(
            Diagnostic(
                doc.where(at, key=True),
                f"{pattern}: invalid axis name '{name}': use letters, digits and '_', not starting with a digit",
                code="invalid-matrix",
            )
        )
        return None
    if not isinstance(values, list) or not values:
        problems.append(
            Diagnostic(
                doc.where(at),
                f"{pattern}: axis '{name}' must be a non-empty list of values, e.g. {name}: [a, b]",
                code="invalid-matrix",
            )
        )
        return None
    read: list[Any] = []
    fields = tuple(values[0]) if isinstance(values[0], dict) else None
    for i, value in enumerate(values):
        where = doc.where(at + (i,))
        if isinstance(value, dict):
            if fields is None or tuple(value) != fields or not value:
                first = "text or numbers" if fields is None else "mappings with the fields " + ", ".join(fields)
                problems.append(
                    Diagnostic(
                        where,
                        f"{pattern}: the values of axis '{name}' must all be {first}, like its first value"
                        if value
                        else f"{pattern}: {name}[{i}] is an empty mapping",
                        code="invalid-matrix",
                    )
                )
                return None
            texts = {}
            for key, item in value.items():
                if not NAME_RE.fullmatch(key):
                    problems.append(
                        Diagnostic(
                            doc.where(at + (i, key), key=True),
                            f"{pattern}: invalid field name '{key}' in axis '{name}': use letters, digits and '_'",
                            code="invalid-matrix",
                        )
                    )
                    return None
                text = _text(doc, at + (i, key), item)
                if text is None:
                    problems.append(
                        Diagnostic(
                            doc.where(at + (i, key)),
                            f"{pattern}: {name}[{i}].{key} must be text or a number",
                            code="invalid-matrix",
                        )
                    )
                    return None
                texts[key] = text
            read.append(texts)
            continue
        text = _text(doc, at + (i,), value)
        if text is None or fields is not None:
            kind = "text, a number or a mapping of those" if fields is None else "a mapping like its first value"
            problems.append(Diagnostic(where, f"{pattern}: {name}[{i}] must be {kind}", code="invalid-matrix"))
            return None
        read.append(text)
    return Axis(name, tuple(read), fields)


def _text(doc: Document, path: PathKey, value: Any) -> str | None:
    """A scalar as written (3.10 stays "3.10"); None for null, lists and mappings."""
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, (list, dict)):
        return None
    written = doc.scalar_text(path)
    return written if written is not None else str(value)


def _matches(value: Any, wanted: Any) -> bool:
    if isinstance(value, dict):
        return all(value.get(k) == v for k, v in wanted.items())
    return value == wanted


def _exclude(
    doc: Document, pattern: str, axes: dict[str, Axis], exclude: Any, combinations: list, problems: list[Diagnostic]
) -> list:
    if exclude is None:
        return combinations
    at = ("images", pattern, "matrix", "exclude")
    if not isinstance(exclude, list):
        problems.append(
            Diagnostic(
                doc.where(at),
                f"{pattern}: exclude must be a list of partial combinations, e.g. exclude: [{{chip: 310p}}]",
                code="invalid-matrix",
            )
        )
        return combinations
    rules = []
    for i, item in enumerate(exclude):
        if not isinstance(item, dict) or not item:
            problems.append(
                Diagnostic(
                    doc.where(at + (i,)),
                    f"{pattern}: exclude[{i}] must map axes to values, e.g. {{chip: 310p}}",
                    code="invalid-matrix",
                )
            )
            continue
        rule: dict[str, Any] = {}
        for name, wanted in item.items():
            where = doc.where(at + (i, name))
            axis = axes.get(name)
            if axis is None:
                problems.append(
                    Diagnostic(
                        doc.where(at + (i, name), key=True),
                        f"{pattern}: exclude[{i}] names no axis '{name}'{did_you_mean(name, axes)} "
                        f"(axes: {', '.join(axes)})",
                        code="unknown-axis",
                    )
                )
                continue
            if axis.fields is None:
                text = _text(doc, at + (i, name), wanted)
                if text is None or text not in axis.values:
                    shown = text if text is not None else wanted
                    problems.append(
                        Diagnostic(
                            where,
                            f"{pattern}: exclude[{i}]: {shown!r} is not a value of axis '{name}'"
                            f"{did_you_mean(str(shown), axis.values)} (values: {', '.join(axis.values)})",
                            code="unknown-matrix-value",
                        )
                    )
                    continue
                rule[name] = text
                continue
            if not isinstance(wanted, dict) or not wanted:
                problems.append(
                    Diagnostic(
                        where,
                        f"{pattern}: exclude[{i}]: the values of axis '{name}' are mappings; name fields, "
                        f"e.g. {{{name}: {{{axis.fields[0]}: ...}}}}",
                        code="invalid-matrix",
                    )
                )
                continue
            fields = {}
            for key, item_value in wanted.items():
                if key not in axis.fields:
                    problems.append(
                        Diagnostic(
                            doc.where(at + (i, name, key), key=True),
                            f"{pattern}: exclude[{i}]: axis '{name}' has no field '{key}'"
                            f"{did_you_mean(key, axis.fields)} (fields: {', '.join(axis.fields)})",
                            code="unknown-axis",
                        )
                    )
                    break
                fields[key] = _text(doc, at + (i, name, key), item_value)
            else:
                if not any(_matches(value, fields) for value in axis.values):
                    problems.append(
                        Diagnostic(
                            where,
                            f"{pattern}: exclude[{i}]: no value of axis '{name}' has "
                            + ", ".join(f"{k}: {v}" for k, v in fields.items()),
                            code="unknown-matrix-value",
                        )
                    )
                    continue
                rule[name] = fields
        rules.append(rule)
    return [c for c in combinations if not any(r and all(_matches(c[n], w) for n, w in r.items()) for r in rules)]


def _strings(value: Any, path: PathKey) -> Iterator[tuple[PathKey, Any, bool]]:
    """(path, text, is a key) for every string and mapping key inside an entry's field."""
    if isinstance(value, str):
        yield path, value, False
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, path + (i,))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield path + (key,), key, True
            yield from _strings(item, path + (key,))


def _read_templates(doc: Document, entry: _Entry, problems: list[Diagnostic]) -> None:
    """Split the id and every value into pieces, checking each placeholder against the axes."""
    key_path = ("images", entry.pattern)
    entry.id_pieces = _pieces(entry, entry.pattern, doc.where(key_path, key=True), "the id", problems) or ()
    for name, value in entry.raw.items():
        if name == "matrix":
            continue
        for path, text, is_key in _strings(value, (name,)):
            where = doc.where(key_path + path, key=is_key)
            shown = ".".join(map(str, path))
            if is_key:
                if "{{" in text:
                    problems.append(
                        Diagnostic(
                            where,
                            f"{entry.pattern}: placeholders fill values, not names: '{text}' in "
                            f"{'.'.join(map(str, path[:-1]))}",
                            code="invalid-placeholder",
                        )
                    )
                continue
            pieces = _pieces(entry, text, where, shown, problems)
            if pieces is not None and pieces != (text,):
                entry.templates[path] = pieces


def _pieces(entry: _Entry, text: str, where: Position, shown: str, problems: list[Diagnostic]) -> Pieces | None:
    """The text's pieces, each placeholder naming an axis (and a field of it) of the entry."""
    try:
        pieces = split(text)
    except ValueError as exc:
        problems.append(Diagnostic(where, f"{entry.pattern}: {shown}: {exc}", code="invalid-placeholder"))
        return None
    axes = entry.axes
    for literal in (p for p in pieces if isinstance(p, str)):
        for match in BAKE_STYLE_RE.finditer(literal):
            if match[1] in axes:
                problems.append(
                    Diagnostic(
                        where,
                        f"{entry.pattern}: {shown}: '{match[0]}' is bake's form and would reach the build as "
                        f"written; the axis value is {{{{{match[0][2:-1]}}}}} (the text '{match[0]}' is "
                        f'{{{{"${{"}}}}{match[0][2:]})',
                        code="invalid-placeholder",
                    )
                )
                return None
    for piece in pieces:
        if not isinstance(piece, Placeholder):
            continue
        axis = axes.get(piece.axis)
        problem = None
        if axis is None:
            hint = did_you_mean(piece.axis, axes)
            problem = f"placeholder {piece} names no axis of the matrix{hint} (axes: {', '.join(axes)})"
        elif axis.fields is None and piece.field:
            plain = Placeholder(axis.name)
            problem = f"placeholder {piece}: the values of axis '{axis.name}' are not mappings; write {plain}"
        elif axis.fields is not None and not piece.field:
            fields = ", ".join(str(Placeholder(axis.name, f)) for f in axis.fields)
            problem = f"placeholder {piece}: the values of axis '{axis.name}' are mappings; name a field: {fields}"
        elif axis.fields is not None and piece.field not in axis.fields:
            hint = did_you_mean(piece.field or "", axis.fields)
            known = ", ".join(axis.fields)
            problem = f"placeholder {piece}: axis '{axis.name}' has no field '{piece.field}'{hint} (fields: {known})"
        if problem:
            problems.append(Diagnostic(where, f"{entry.pattern}: {shown}: {problem}", code="unknown-axis"))
            return None
    return pieces


# --- the expanded images ------------------------------------------------------------------


def _label(entry: _Entry, values: Mapping[str, Any]) -> str:
    """The axis values that tell the entry's images apart: those the id names, else all."""
    named = [p for p in dict.fromkeys(p for p in entry.id_pieces if isinstance(p, Placeholder))]
    if not named:
        named = [
            Placeholder(a.name, f) for a in entry.axes.values() for f in (a.fields if a.fields is not None else (None,))
        ]
    return ", ".join(f"{str(p)[2:-2]}={values[p.axis][p.field] if p.field else values[p.axis]}" for p in named)


Made = list  # of (image id, Expansion, the axis values), one per combination kept


def _expanded_ids(
    doc: Document, images: dict, entries: dict[str, _Entry], problems: list[Diagnostic]
) -> dict[str, Made]:
    """The ids each matrix entry gives; two images with one id are an error."""
    made: dict[str, Made] = {}
    owner: dict[str, tuple[str, Expansion | None]] = {i: (i, None) for i in images if i not in entries}
    for pattern, entry in entries.items():
        where = doc.where(("images", pattern), key=True)
        made[pattern] = []
        for values in entry.combinations:
            image_id = fill(entry.id_pieces, values, id_form)
            expansion = Expansion(image_id, _label(entry, values))
            if image_id in owner:
                other, other_expansion = owner[image_id]
                if other_expansion is None:
                    line = doc.where(("images", other), key=True).line
                    clash = f"which image '{other}' (line {line}) already has; rename one"
                elif other == pattern:
                    clash = f"as ({other_expansion.values}) does; every axis with more than one value must be in the id"
                else:
                    line = doc.where(("images", other), key=True).line
                    clash = f"as the matrix entry '{other}' (line {line}) does for ({other_expansion.values})"
                problems.append(
                    Diagnostic(
                        where,
                        f"{pattern}: ({expansion.values}) gives the image id '{image_id}' {clash}",
                        code="duplicate-id",
                    )
                )
                continue
            owner[image_id] = (pattern, expansion)
            made[pattern].append((image_id, expansion, values))
    return made


def _resolve(pieces: Pieces, values: Mapping[str, Any], ids: set[str]) -> str:
    """from: and contexts: values name an image by its id form, else are text as written."""
    as_id = fill(pieces, values, id_form)
    name = as_id[len("target:") :] if as_id.startswith("target:") else as_id
    return as_id if name in ids else fill(pieces, values)


def _instance(value: Any, path: PathKey, templates: dict, values: Mapping[str, Any], ids: set[str]) -> Any:
    if isinstance(value, dict):
        return {k: _instance(v, path + (k,), templates, values, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_instance(v, path + (i,), templates, values, ids) for i, v in enumerate(value)]
    pieces = templates.get(path)
    if pieces is None:
        return value
    if path[0] in RESOLVED_FIELDS:
        return _resolve(pieces, values, ids)
    return fill(pieces, values)


@dataclass
class ExpandedDocument(Document):
    """The document with each matrix entry replaced by its images. Positions, presence and
    source text of an expanded image are those of its matrix entry (positions carry the
    expansion, so a message names the axis values); a field filled from placeholders has no
    source text of its own (its value is the filled text)."""

    expansions: dict[str, tuple[str, Expansion, frozenset]] = field(default_factory=dict, repr=False, compare=False)

    def _entry_path(self, path: PathKey) -> tuple[PathKey, Expansion | None, frozenset]:
        path = tuple(path)
        if len(path) >= 2 and path[0] == "images" and path[1] in self.expansions:
            pattern, expansion, templated = self.expansions[path[1]]
            return ("images", pattern, *path[2:]), expansion, templated
        return path, None, frozenset()

    def where(self, path: PathKey, key: bool = False) -> Position:
        entry_path, expansion, _ = self._entry_path(path)
        position = super().where(entry_path, key)
        return replace(position, expansion=expansion) if expansion is not None else position

    def has(self, path: PathKey) -> bool:
        return super().has(self._entry_path(path)[0])

    def scalar_text(self, path: PathKey) -> str | None:
        entry_path, expansion, templated = self._entry_path(path)
        if expansion is not None and tuple(entry_path[2:]) in templated:
            return None
        return super().scalar_text(entry_path)


def _expanded_document(
    doc: Document,
    images: dict,
    entries: dict[str, _Entry],
    ids: dict[str, Made],
    all_ids: set[str],
) -> Document:
    expanded: dict[str, Any] = {}
    expansions: dict[str, tuple[str, Expansion, frozenset]] = {}
    for pattern, raw in images.items():
        entry = entries.get(pattern)
        if entry is None:
            expanded[pattern] = raw
            continue
        fields = {k: v for k, v in raw.items() if k != "matrix"}
        for image_id, expansion, values in ids[pattern]:
            expanded[image_id] = _instance(fields, (), entry.templates, values, all_ids)
            expansions[image_id] = (pattern, expansion, frozenset(entry.templates))
    return ExpandedDocument(
        file=doc.file,
        data={**doc.data, "images": expanded},
        root=doc.root,
        merged_pairs=doc.merged_pairs,
        expansions=expansions,
    )
