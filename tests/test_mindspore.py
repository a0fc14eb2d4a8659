"""MindSpore on CANN: its own version rules, as data (compat.yaml mindspore:), issue 9."""

import pytest
import yaml

from bakegen.dockerfile import Dockerfiles
from bakegen.model import parse_project
from bakegen.rules import check_versions

CHAIN = """\
version: 1
images:
  python:
    from: ubuntu:22.04
    dockerfile: x
    args: {{PYTHON_VERSION: "{python}"}}
  cann:
    from: python
    dockerfile: x
    args: {{CANN_VERSION: {cann}, CHIP: 910b, COMPONENTS: "{components}"}}
  mindspore:
    from: cann
    dockerfile: x
    args: {{MINDSPORE_VERSION: {mindspore}}}
"""


def findings(python="3.10", cann="8.1.RC1", components="toolkit,kernels,nnal", mindspore="2.6.0", compat=""):
    doc = CHAIN.format(python=python, cann=cann, components=components, mindspore=mindspore) + compat
    project = parse_project(doc, "images.yaml")
    return check_versions(project, Dockerfiles(project.root))


@pytest.mark.parametrize(
    "mindspore, cann, python",
    [
        # mindspore-ai/docs resource/release/release_list_en.md (mindspore.cn/versions)
        ("2.6.0", "8.1.RC1", "3.11"),
        ("2.6.0rc1", "8.1.RC1", "3.9"),
        ("2.6.0-rc1", "8.1.RC1", "3.9"),  # as MindSpore writes it
        ("2.5.0", "8.0.0", "3.10"),
        ("2.4.10", "8.0.0", "3.11"),
        ("2.4.1", "8.0.RC3", "3.9"),
        ("2.3.1", "8.0.RC2", "3.8"),
        ("2.3.0rc2", "8.0.RC1", "3.7"),
        ("2.2.14", "7.0.0", "3.9"),
        # mindspore-ai/docs install/mindspore_ascend_install_docker.md at r2.7.0; mindspore.cn r2.7.2 release notes
        ("2.7.0", "8.2.RC1", "3.11"),
        ("2.7.2", "8.5.0", "3.11"),
    ],
)
def test_the_official_pairs_pass(mindspore, cann, python):
    components = "toolkit,ops,nnal" if cann.startswith("8.5") else "toolkit,kernels,nnal"
    assert findings(python=python, cann=cann, components=components, mindspore=mindspore) == []


def test_a_mindspore_release_not_for_the_cann_in_the_chain_names_what_it_supports():
    (finding,) = findings(cann="8.0.0", mindspore="2.6.0")
    assert (finding.severity, finding.code) == ("error", "mindspore-not-for-cann")
    assert finding.message == (
        "mindspore: MindSpore 2.6.0 is not for CANN 8.0.0 (inherited: CANN_VERSION from cann): it supports CANN 8.1.RC1; "
        "for CANN 8.0.0 use MindSpore 2.5.0 or 2.4.10 [chain: python -> cann -> mindspore]"
    )
    assert str(finding.position) == "images.yaml:14:31"  # at the value of MINDSPORE_VERSION


def test_a_cann_no_mindspore_release_is_listed_for():
    (finding,) = findings(cann="8.3.RC1", mindspore="2.6.0")
    assert finding.message.startswith(
        "mindspore: MindSpore 2.6.0 is not for CANN 8.3.RC1 (inherited: CANN_VERSION from cann): it supports CANN 8.1.RC1; "
        "the table lists no MindSpore release for CANN 8.3.RC1"
    )


def test_python_outside_the_range_of_the_mindspore_release():
    (finding,) = findings(python="3.11", cann="8.0.RC2", components="toolkit,kernels", mindspore="2.3.1")
    assert (finding.severity, finding.code) == ("error", "python-not-for-mindspore")
    assert finding.message.startswith(
        "mindspore: MindSpore 2.3.1 supports Python 3.8 to 3.10, but PYTHON_VERSION is 3.11 (inherited: PYTHON_VERSION from python)"
    )


def test_an_unknown_mindspore_release_is_a_warning_with_the_entry_to_add():
    (finding,) = findings(cann="8.5.1", components="toolkit,ops", mindspore="2.8.0")
    assert (finding.severity, finding.code) == ("warning", "unknown-mindspore")
    assert finding.message == (
        "mindspore: MindSpore 2.8.0 is not in bakegen's compatibility table (nearest known release: 2.7.2), "
        "so the CANN releases and Python it supports are not checked; to check them, add to images.yaml the "
        "CANN releases MindSpore 2.8.0 supports (the chain's CANN release shown): "
        "compat: {mindspore: {2.8.0: {cann: [8.5.1]}}}"
    )
    entry = "compat: " + finding.message.split(" compat: ", 1)[1]
    assert yaml.safe_load(entry) == {"compat": {"mindspore": {"2.8.0": {"cann": ["8.5.1"]}}}}
    assert findings(cann="8.5.1", components="toolkit,ops", mindspore="2.8.0", compat=entry + "\n") == []


def test_an_unknown_cann_release_is_not_judged_for_mindspore_too():
    (finding,) = findings(cann="9.2.0", components="toolkit,ops", mindspore="2.6.0")
    assert finding.code == "unknown-cann"  # the warning at the CANN image, nothing more


def test_the_mindspore_rules_are_data():
    compat = "compat:\n  mindspore:\n    2.6.0: {cann: [8.1.RC1, 8.3.RC1], python: ['3.9', '3.12']}\n"
    assert findings(python="3.12", cann="8.3.RC1", mindspore="2.6.0", compat=compat) == []


def test_a_mindspore_entry_that_is_no_version_is_an_error_where_it_is_written():
    from bakegen.errors import BakegenError

    with pytest.raises(BakegenError) as caught:
        findings(compat="compat:\n  mindspore:\n    2.x: {cann: [8.1.RC1]}\n")
    (diagnostic,) = caught.value.diagnostics
    assert str(diagnostic) == "images.yaml:17:5: error: compat: '2.x' is not a MindSpore version such as 2.6.0"
    assert diagnostic.code == "invalid-compat"


def test_an_unknown_patch_release_shows_the_python_range_of_the_nearest():
    (finding,) = findings(cann="8.1.RC1", mindspore="2.6.1")
    assert finding.message.endswith(
        "add to images.yaml the CANN releases and Python range MindSpore 2.6.1 supports (the chain's CANN release "
        "and 2.6.0's Python range shown): compat: {mindspore: {2.6.1: {cann: [8.1.RC1], python: ['3.9', '3.11']}}}"
    )
