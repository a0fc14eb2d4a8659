"""The compat table's lookups at their edges: the nearest row to a release it lacks, the
snippet that would add one, MindSpore releases newest first (tests/test_compat.py has the
loading and the overlay)."""

from dataclasses import replace

import pytest
import yaml

from bakegen import versions
from bakegen.compat import (
    CannRelease,
    CompatError,
    MindSporeRelease,
    PythonRange,
    VllmAscendStack,
    load_compat,
    merged,
    nearest,
    newest,
    overlay_snippet,
)
from tests.test_compat import project


def test_a_compat_error_says_its_message():
    error = CompatError(("cann", "9.9.0"), "CANN 9.9.0: 'x' is not an operator package")
    assert str(error) == "CANN 9.9.0: 'x' is not an operator package"
    assert (error.path, error.message, error.key) == (("cann", "9.9.0"), str(error), False)


def test_the_snippet_quotes_a_quote_by_doubling_it():
    snippet = overlay_snippet("cann", "it's", {"torch_npu": ["2.7.1'x"]})
    assert snippet == "compat: {cann: {'it''s': {torch_npu: ['2.7.1''x']}}}"
    assert yaml.safe_load(snippet) == {"compat": {"cann": {"it's": {"torch_npu": ["2.7.1'x"]}}}}


def test_nearest_by_spelling_ignores_case():
    assert nearest("Abcd", ["XYZW", "aBce"], lambda name: None) == "aBce"


def test_newest_of_names_none_of_which_can_be_read():
    assert newest(["main", "latest"], versions.parse) is None
    assert newest(["main", "2.9.0", "2.10.0"], versions.parse) == "2.10.0"


def test_nothing_near_a_name_like_no_other():
    compat = load_compat()
    assert compat.nearest_cann("zzz") is None
    assert compat.nearest_mindspore("zzz") is None


@pytest.mark.parametrize(
    "tag, row",
    [
        ("v0.18.0-a3", "v0.18.0"),  # the part before "-" (v0.18.0-a3 alone would read as 0.18.0a3)
        ("v0.13.0-310p", "v0.13.0"),
    ],
)
def test_the_vllm_ascend_row_nearest_to_a_tag_is_read_by_its_release(tag, row):
    assert load_compat().nearest_vllm_ascend(tag) == row


def test_mindspore_releases_for_a_cann_release_newest_first_as_versions():
    compat = load_compat({"mindspore": {name: {"cann": ["9.9.0"]} for name in ("2.9.0", "2.10.0", "2.10.0rc1")}})
    assert compat.mindspore_for_cann("9.9.0") == ["2.10.0", "2.10.0rc1", "2.9.0"]


# --- the table typed: each section, an overlay's rows (contradictions: test_compat) ---


def project_compat(compat: str):
    return project(compat).compat


def test_overlay_rows_typed():
    compat = project_compat(
        """\
        compat:
          cann:
            9.9.0: {}
          vllm_ascend:
            v9.0.0: {cann: 9.9.0, torch: 2.12.0, torch_npu: 2.12.0.post1, python: ['3.10', '3.13']}
            v9.1.0: {}
          mindspore:
            2.9.0: {cann: [9.9.0], python: ['3.9', '3.11']}
            2.9.1: {}
          components:
            requires: {nnal: toolkit, kernels: [toolkit, nnae]}
          torch_python: {'2.20': ['3.11', '3.14']}
        """
    )
    assert compat.cann_release("9.9.0") == CannRelease("9.9.0", (), None)
    assert compat.vllm_ascend["v9.0.0"] == VllmAscendStack(
        "9.9.0", "2.12.0", "2.12.0.post1", PythonRange("3.10", "3.13")
    )
    assert compat.vllm_ascend["v9.1.0"] == VllmAscendStack(None, None, None, None)
    assert compat.mindspore[-2:] == (
        MindSporeRelease("2.9.0", ("9.9.0",), PythonRange("3.9", "3.11")),
        MindSporeRelease("2.9.1", (), None),
    )
    assert compat.components.requires == {"nnal": ("toolkit",), "kernels": ("toolkit", "nnae")}
    assert compat.torch_python["2.20"] == PythonRange("3.11", "3.14")
    assert compat.args["chip"] == ("CHIP",) and "910b" in compat.chips and compat.numpy_max_major == {"8": 1}


def test_an_entry_left_empty_in_the_table_is_an_empty_entry():
    compat = load_compat({"cann": {"9.9.0": None}, "vllm_ascend": {"v9.1.0": None}, "mindspore": {"2.9.1": None}})
    assert compat.cann_release("9.9.0") == CannRelease("9.9.0", (), None)
    assert compat.vllm_ascend["v9.1.0"] == VllmAscendStack(None, None, None, None)
    assert compat.mindspore[-1] == MindSporeRelease("2.9.1", (), None)


def test_merged_lays_sections_over_and_leaves_the_builtin_table_alone():
    builtin = {"cann": {"8.0.0": 1}, "chips": ["910b"], "args": {"chip": ["CHIP"]}}
    overlay = {"cann": {9.2: 2}, "chips": ["310p"], "args": ["not", "a", "mapping"], "new": {"k": 1}}
    assert merged(builtin, overlay) == {
        "cann": {"8.0.0": 1, "9.2": 2},
        "chips": ["310p"],
        "args": ["not", "a", "mapping"],
        "new": {"k": 1},
    }
    assert builtin == {"cann": {"8.0.0": 1}, "chips": ["910b"], "args": {"chip": ["CHIP"]}}


@pytest.mark.parametrize(
    "python, admitted",
    [("3.9", False), ("3.10", True), ("3.11.7", True), ("3.12", True), ("3.13", False), ("3.x", False)],
)
def test_a_python_range_admits_its_bounds_by_major_minor(python, admitted):
    assert PythonRange("3.10", "3.12").admits(python) is admitted


@pytest.mark.parametrize(
    "torch, expected",
    [
        ("2.7.1", PythonRange("3.9", "3.13")),
        ("2.13.0", PythonRange("3.10", "3.14")),  # the newest line listed
        ("2.99.0", PythonRange("3.10", "3.14")),  # newer than the newest: its range
        ("1.0.0", None),  # older and not listed: not judged
        ("main", None),
    ],
)
def test_the_python_range_of_a_torch_version(torch, expected):
    assert load_compat().python_for_torch(torch) == expected


def test_no_torch_lines_no_range():
    assert replace(load_compat(), torch_python={}).python_for_torch("2.7.1") is None


@pytest.mark.parametrize(
    "tag, row",
    [
        ("v0.11.0rc1-a3", "v0.11.0rc1"),  # without its variant suffix
        ("v0.10.2-a3", "v0.10"),  # by its release line
        ("v0.10", "v0.10"),
        ("v0.9.9", None),
        ("v1.0.0.1", None),
    ],
)
def test_the_vllm_ascend_row_of_a_tag(tag, row):
    compat = load_compat()
    assert compat.vllm_ascend_stack(tag) == (compat.vllm_ascend[row] if row else None)


def test_the_numpy_limit_is_by_the_cann_major():
    compat = load_compat()
    assert (compat.numpy_limit("8.3.RC1"), compat.numpy_limit("8"), compat.numpy_limit("9.0.0")) == (1, 1, None)


def test_a_torch_npu_release_is_listed_by_its_release_and_text_by_itself():
    compat = project_compat("compat:\n  cann:\n    9.9.0: {torch_npu: [Nightly-Build]}\n")
    assert compat.torch_npu_listed("2.7.1+cpu") and compat.torch_npu_listed("2.7.1")
    assert compat.torch_npu_listed(" nightly-build") and not compat.torch_npu_listed("9.9.9")
    assert not compat.torch_npu_listed("weekly-build")  # text no version reads: itself, not "None"
    assert compat.cann_release(" 8.3.rc1 ").name == "8.3.RC1"
