"""The compatibility table: compat.yaml typed once, images.yaml's compat: laid over it."""

import textwrap

import jsonschema
import pytest

from bakegen.compat import builtin_table, load_compat
from bakegen.errors import BakegenError
from bakegen.model import parse_project, schema


def test_the_builtin_table_has_the_shape_compat_sections_are_checked_against():
    jsonschema.validate(builtin_table(), schema()["properties"]["compat"])


def test_the_builtin_table_typed():
    compat = load_compat()
    assert compat.args["chip"] == ("CHIP",)  # not the old build.py's CHIP_TYPE: cann.dockerfile reads CHIP
    assert compat.args["components"] == ("COMPONENTS",)
    assert compat.cann_release("8.3.rc1").name == "8.3.RC1"
    assert compat.cann_release("8.5.0").operators == "ops"
    assert compat.components.known == ("toolkit", "nnae", "kernels", "ops", "nnal")
    assert compat.components.requires == {"nnal": ("toolkit", "nnae")}  # on either runtime
    assert compat.numpy_limit("8.2.RC1") == 1 and compat.numpy_limit("9.0.0") is None
    assert compat.vllm_ascend_stack("v0.11.0rc1-a3") == compat.vllm_ascend["v0.11.0rc1"]
    assert compat.python_for_torch("2.10.0.post4+cpu").lowest == "3.10"


def project(compat: str):
    doc = textwrap.dedent(
        """\
        version: 1
        images:
          a: {from: u:1, dockerfile: x}
        """
    )
    return parse_project(doc + textwrap.dedent(compat), "images.yaml")


def test_compat_entries_replace_entries_and_lists_replace_lists():
    compat = project(
        """\
        compat:
          chips: [910b]
          cann:
            8.3.RC1: {torch_npu: [2.7.1], operators: kernels}
            9.2.0: {torch_npu: [2.12.0.post1], operators: ops}
          components: {requires: {}}
        """
    ).compat
    assert compat.chips == ("910b",)
    assert compat.cann_release("8.3.RC1").torch_npu == ("2.7.1",)
    assert compat.cann_release("8.2.RC1").torch_npu == ("2.6.0", "2.5.1.post1", "2.1.0.post13")  # kept
    assert [r.name for r in compat.cann][-1] == "9.2.0"
    assert compat.components.runtimes == ("toolkit", "nnae") and compat.components.requires == {}


@pytest.mark.parametrize(
    "compat, expected",
    [
        (
            "compat:\n  cann:\n    9.2.0: {operators: opp}\n",
            "images.yaml:6:24: error: compat: CANN 9.2.0: 'opp' is not an operator package (components: operators: kernels, ops)",
        ),
        (  # the built-in releases ship "kernels" or "ops": a compat: that renames them must say so
            "compat:\n  components: {operators: [kernel, ops]}\n",
            "images.yaml:5:3: error: compat: CANN 8.0.RC2: 'kernels' is not an operator package (components: operators: kernel, ops)",
        ),
        (
            "compat:\n  components: {requires: {nnal: toolkits}}\n",
            "images.yaml:5:33: error: compat: 'toolkits' is not a component (components: runtimes, operators, extras: "
            "toolkit, nnae, kernels, ops, nnal)",
        ),
        (
            "compat:\n  torch_python: {2.x: ['3.10', '3.12']}\n",
            "images.yaml:5:18: error: compat: '2.x' is not a torch line such as 2.7",
        ),
        (
            "compat:\n  vllm_ascend: {v1.0.0: {python: ['3.10', 3.x]}}\n",
            "images.yaml:5:34: error: compat: '3.x' is not a Python version such as 3.11",
        ),
        (
            "compat:\n  mindspore: {two: {cann: [8.0.0]}}\n",
            "images.yaml:5:15: error: compat: 'two' is not a MindSpore version such as 2.6.0",
        ),
        (
            "compat:\n  mindspore: {2.9.0: {cann: [8.0.0], python: ['3.9', x]}}\n",
            "images.yaml:5:46: error: compat: 'x' is not a Python version such as 3.11",
        ),
        (
            "compat:\n  torch_python: {'2.20': [three, '3.14']}\n",
            "images.yaml:5:26: error: compat: 'three' is not a Python version such as 3.11",
        ),
    ],
)
def test_a_compat_section_that_contradicts_itself_is_an_error_where_it_is_written(compat, expected):
    with pytest.raises(BakegenError) as caught:
        project(compat)
    (diagnostic,) = caught.value.diagnostics
    assert str(diagnostic) == expected
    assert diagnostic.code == "invalid-compat"
