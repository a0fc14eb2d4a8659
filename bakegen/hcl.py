"""Writing HCL for bake: quoting that carries any string exactly, and stable layout.

(Exactly up to one thing no quoting can change: bake normalises strings to Unicode NFC;
the model warns about values that are not in NFC.)

Bake evaluates every string as an HCL template, so a literal ``${`` must be
written ``$${`` and ``%{`` must be ``%%{``; control characters are escaped.
Expressions we generate on purpose (``${REGISTRY}``, conditionals) are ``Expr``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
# What a character becomes inside an HCL quoted string, for every character that changes.
_CHARACTER_ESCAPES = {code: f"\\u{code:04x}" for code in (*range(0x20), 0x7F)}
_CHARACTER_ESCAPES.update({ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})
INLINE_WIDTH = 100


class Expr(str):
    """HCL source to emit as is (already valid HCL)."""


Value = str | Expr | bool | list | dict | Mapping


def escape(text: str) -> str:
    """The body of an HCL quoted string whose value is exactly ``text``."""
    # Most values (ids, paths, tags) need nothing: a few C-speed scans say so. isprintable()
    # is False for every control character, and for some harmless ones too (they take the
    # long way, with the same result).
    if text.isprintable() and "{" not in text and "\\" not in text and '"' not in text:
        return text
    # No escape sequence contains '$', '%' or '{', so the template openers are found in the
    # translated text exactly where they were, left to right without overlap: "$${" -> "$$${".
    return text.translate(_CHARACTER_ESCAPES).replace("${", "$${").replace("%{", "%%{")


def quote(text: str) -> str:
    return f'"{escape(text)}"'


def template(*parts: tuple[str, str]) -> Expr:
    """A quoted template from ('lit', text) and ('var', NAME) parts: template(('var','REGISTRY'), ('lit','/x'))."""
    body = []
    for kind, text in parts:
        if kind == "var":
            if not IDENT_RE.fullmatch(text):
                raise ValueError(f"not an HCL variable name: {text!r}")
            body.append("${" + text + "}")
        else:
            body.append(escape(text))
    return Expr('"' + "".join(body) + '"')


def render(value: Value, indent: int = 0) -> str:
    if isinstance(value, Expr):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, (list, tuple)):
        items = [render(v, indent + 1) for v in value]
        inline = "[" + ", ".join(items) + "]"
        if len(inline) + indent * 2 <= INLINE_WIDTH and "\n" not in inline:
            return inline
        pad = "  " * (indent + 1)
        return "[\n" + "".join(f"{pad}{item},\n" for item in items) + "  " * indent + "]"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        pad = "  " * (indent + 1)
        lines = [f"{pad}{quote(str(k))} = {render(v, indent + 1)}\n" for k, v in value.items()]
        return "{\n" + "".join(lines) + "  " * indent + "}"
    raise TypeError(f"cannot render {type(value).__name__} as HCL")


def block(kind: str, labels: Iterable[str], attributes: Iterable[tuple[str, Value]]) -> str:
    head = " ".join([kind, *(quote(label) for label in labels)])
    lines = [f"  {name} = {render(value, 1)}\n" for name, value in attributes]
    return head + " {\n" + "".join(lines) + "}\n"
