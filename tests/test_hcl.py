"""HCL quoting: escape() carries any string exactly, checked against a plain reference."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bakegen.hcl import escape


def reference_escape(text: str) -> str:
    """The rules read one character at a time: what escape() must equal for every input."""
    named = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in named:
            out.append(named[ch])
        elif ch in "$%" and text[i + 1 : i + 2] == "{":
            out.append(ch + ch + "{")  # a literal ${ or %{, not a template
            i += 2
            continue
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("plain/path:1.0", "plain/path:1.0"),
        ("${X}", "$${X}"),
        ("%{if}", "%%{if}"),
        ("$${", "$$${"),
        ("%%{", "%%%{"),
        ("$%{", "$%%{"),
        ("%${", "%$${"),
        ("${${", "$${$${"),
        ("$\n{", "$\\n{"),
        ('a "b" \\ c', 'a \\"b\\" \\\\ c'),
        ("\t\r\n", "\\t\\r\\n"),
        ("\x00\x1b\x7f", "\\u0000\\u001b\\u007f"),
        ("\x80 \u00a0 \u2028 é \U0001f600", "\x80 \u00a0 \u2028 é \U0001f600"),
    ],
)
def test_escape_table(text, expected):
    assert escape(text) == expected == reference_escape(text)


# Text made of the characters that matter to HCL, which random text rarely puts side by side.
hcl_pieces = st.lists(
    st.sampled_from(["$", "%", "{", "}", "${", "%{", "\\", '"', "\n", "\r", "\t", "\x00", "\x1f", "\x7f",
                     "\x80", "\u00a0", "\u2028", "a", " ", "é", "\U0001f600"]),
    max_size=20,
).map("".join)


@given(st.text(max_size=60) | hcl_pieces)
@example("$${")
def test_escape_equals_the_reference(text):
    assert escape(text) == reference_escape(text)
