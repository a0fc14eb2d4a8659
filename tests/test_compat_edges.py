"""The compat table's lookups at their edges: the nearest row to a release it lacks, the
snippet that would add one, MindSpore releases newest first (tests/test_compat.py has the
loading and the overlay)."""

import pytest
import yaml

from bakegen import versions
from bakegen.compat import CompatError, load_compat, nearest, newest, overlay_snippet


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
