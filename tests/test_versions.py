"""Version arithmetic (bakegen.versions) on its own: what each function means, at the edges
where a wrong constant would still pass the rules' tests."""

import pytest
from packaging.version import Version

from bakegen import versions


@pytest.mark.parametrize(
    "specs, too_new",
    [
        # the lowest release above the limit: numpy 2.0.0
        (["<2.0.1"], True),
        # just past what a specifier names: >2 admits 2.0.1, >2.0.2 admits 2.0.3, ~=2.3 but not 2.3.x admits 2.4.0
        (["<2.0.2", ">2"], True),
        (["<2.1", ">2.0.2"], True),
        (["~=2.3", "!=2.3.*"], True),
        ([">2.3.5", "<2.4.1", "!=2.3.*"], True),
        # the next major: numpy 3
        (["<3.1", "!=2.*"], True),
        # a specifier that is not PEP 440 is left out; the others still judge
        (["latest", ">=2"], True),
        (["latest"], False),
        # one below the limit is skipped, one above still names its candidates
        ([">=1.0", "==2.3.6"], True),
        (["<2"], False),
        ([">=2.0,<2.0"], False),
    ],
)
def test_admits_major_above(specs, too_new):
    assert versions.admits_major_above(specs, 1) is too_new


def test_release3_line_and_torch_of():
    assert versions.release3("2") == (2, 0, 0)
    assert versions.release3("2.8") == (2, 8, 0)
    assert versions.release3("2.7.1.3") == (2, 7, 1)
    assert versions.release3("2.7.1.post2") == (2, 7, 1)
    assert versions.release3("latest") is None
    assert versions.line("3.11.7") == (3, 11)
    assert versions.line("3.x") is None
    assert versions.torch_of(Version("2.7.1.3")) == Version("2.7.1")
    assert versions.torch_of(Version("2.7.1.post2")) == Version("2.7.1")


def test_public_same_and_cann_order():
    assert versions.public(" 2.7.1+cpu+extra ") == "2.7.1"
    assert versions.same("2.7.1", "2.7.1.0")
    assert versions.same("Latest", "latest") and versions.same("main ", "MAIN")
    assert not versions.same("latest", "2.7.1")
    assert versions.cann_order("8.3.RC1") == (8, 3, 0, 1)
    assert versions.cann_order("8.3.0") == (8, 3, 1, 0)
    assert versions.cann_order("9.1.0-beta.1") == (9, 1, 1, 0)
    assert versions.cann_order("8.3rc1") is None
