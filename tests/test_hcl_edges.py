"""HCL writing at its edges: template openers at the end of a value, every control
character, and the width at which a list goes from one line to one item per line."""

import pytest

from bakegen.hcl import INLINE_WIDTH, Expr, block, escape, quote, render, template


@pytest.mark.parametrize(
    "text, body",
    [
        ("ends with ${", "ends with $${"),
        ("ends with %{", "ends with %%{"),
        ("$", "$"),
        ("%", "%"),
        ("{", "{"),
        ("${x}%{y}", "$${x}%%{y}"),
        ("$${", "$$${"),
        ("%%{", "%%%{"),
        ("$ {", "$ {"),
        ('say "hi" \\ there', 'say \\"hi\\" \\\\ there'),
        ("a\nb\rc\td", "a\\nb\\rc\\td"),
        ("nul\x00 soh\x01 esc\x1b us\x1f", "nul\\u0000 soh\\u0001 esc\\u001b us\\u001f"),
        ("del\x7f", "del\\u007f"),
        ("space and ~ and é", "space and ~ and é"),
        # not printable to Python, yet no HCL escape: taken the long way, unchanged
        ("nbsp\u00a0", "nbsp\u00a0"),
    ],
)
def test_escape(text, body):
    assert escape(text) == body
    assert quote(text) == f'"{body}"'


def test_template_joins_variables_and_escaped_text():
    assert template(("var", "REGISTRY"), ("lit", "/x:${1}")) == '"${REGISTRY}/x:$${1}"'
    assert isinstance(template(("lit", "a")), Expr)
    with pytest.raises(ValueError, match="not an HCL variable name: '1x'"):
        template(("var", "1x"))
    with pytest.raises(ValueError):
        template(("var", "a}b"))


def test_render_scalars_mappings_and_what_it_cannot():
    assert render(True) == "true" and render(False) == "false"
    assert render(Expr("a ? b : c")) == "a ? b : c"
    assert render("x") == '"x"'
    assert render({}) == "{}"
    assert render({"b": "1", "a": ["x"]}) == '{\n  "b" = "1"\n  "a" = ["x"]\n}'
    assert render({"k": {"n": "v"}}, 1) == '{\n    "k" = {\n      "n" = "v"\n    }\n  }'
    with pytest.raises(TypeError, match="cannot render int as HCL"):
        render(1)  # type: ignore[arg-type]


def item(n):
    return "x" * n


@pytest.mark.parametrize("indent", [0, 1, 3])
def test_a_list_stays_on_one_line_up_to_the_width(indent):
    # ["xxx…"] is the item's length + 4 characters, indented by two spaces per level
    fits = [item(INLINE_WIDTH - 4 - 2 * indent)]
    assert render(fits, indent) == f'["{fits[0]}"]'
    wide = [item(INLINE_WIDTH - 3 - 2 * indent)]
    pad = "  " * (indent + 1)
    assert render(wide, indent) == f'[\n{pad}"{wide[0]}",\n{"  " * indent}]'


def test_a_list_with_a_multi_line_item_is_one_item_per_line():
    assert render([{"a": "b"}]) == '[\n  {\n    "a" = "b"\n  },\n]'
    assert render([]) == "[]"
    assert render(("a", "b")) == '["a", "b"]'


def test_block():
    assert block("target", ["a b"], [("tags", ["t"]), ("x", Expr("y"))]) == 'target "a b" {\n  tags = ["t"]\n  x = y\n}\n'
    assert block("group", [], []) == "group {\n}\n"
    # a value inside a block is indented one level
    assert block("t", ["x"], [("m", {"a": "b"})]) == 't "x" {\n  m = {\n    "a" = "b"\n  }\n}\n'
