"""A release bakegen's table does not list is a warning, not a failed build (issue 9).

The warning names the nearest release the table knows and the exact ``compat:`` entry that
would make bakegen check the new one; only combinations the table knows to be wrong fail.
"""

import json
import subprocess
import sys

import yaml

from bakegen.dockerfile import Dockerfiles
from bakegen.model import parse_project
from bakegen.rules import check_versions
from tests.conftest import CONVENTIONAL_DOCKERFILE

STACK = """\
version: 1
images:
  cann:
    from: u:1
    dockerfile: x
    args: {{PYTHON_VERSION: "3.10", CANN_VERSION: "{cann}", CHIP: 910b, COMPONENTS: "{components}"}}
  torch: {{from: cann, dockerfile: x, args: {{TORCH_VERSION: "{torch}", TORCH_NPU_VERSION: "{npu}"{more}}}}}
"""


def findings(cann="8.3.RC1", components="toolkit,kernels", torch="2.7.1", npu="2.7.1", more="", compat=""):
    doc = STACK.format(cann=cann, components=components, torch=torch, npu=npu, more=more) + compat
    project = parse_project(doc, "images.yaml")
    return check_versions(project, Dockerfiles(project.root))


def compat_text(message: str) -> str:
    """The compat: entry a message shows, as written there."""
    return "compat: " + message.split(" compat: ", 1)[1]


def snippet(message: str) -> dict:
    return yaml.safe_load(compat_text(message))


def test_an_unknown_cann_release_is_a_warning_naming_the_nearest_and_the_entry_to_add():
    (finding,) = findings(cann="9.2.0", components="toolkit,ops", torch="2.12.0", npu="2.12.0")
    assert (finding.severity, finding.code) == ("warning", "unknown-cann")
    assert finding.message == (
        "cann: CANN 9.2.0 is not in bakegen's compatibility table (nearest known release: 9.1.0), "
        "so its torch_npu releases and operator package are not checked; to check them, list the "
        "torch_npu releases built for 9.2.0 (9.1.0's shown) and add to images.yaml: "
        "compat: {cann: {9.2.0: {torch_npu: [2.12.0, 2.11.0, 2.10.0.post4, 2.9.0.post6, 2.7.1.post8], operators: ops}}}"
    )
    # the entry shown is one images.yaml accepts, and with it the warning is gone
    entry = snippet(finding.message)
    released = ["2.12.0", "2.11.0", "2.10.0.post4", "2.9.0.post6", "2.7.1.post8"]
    assert entry == {"compat": {"cann": {"9.2.0": {"torch_npu": released, "operators": "ops"}}}}
    assert findings(cann="9.2.0", components="toolkit,ops", torch="2.12.0", npu="2.12.0",
                    compat=compat_text(finding.message) + "\n") == []


def test_the_nearest_cann_release_is_the_newest_known_one_before_it():
    def nearest(cann):
        (finding,) = [f for f in findings(cann=cann) if f.code == "unknown-cann"]
        return finding.message.split("nearest known release: ", 1)[1].split(")", 1)[0]

    assert nearest("8.4.0") == "8.3.RC2"
    assert nearest("9.0.5") == "9.0.1"
    assert nearest("8.3.RC3") == "8.3.RC2"
    assert nearest("6.3.RC2") == "7.0.RC1"  # older than all: the oldest
    (typo,) = findings(cann="8.3rc1")  # not written like a release: the closest spelling
    assert typo.message.endswith("is not written like a release (8.3.RC1, 8.5.0), so its torch_npu releases and "
                                 "operator package are not checked; did you mean 8.3.RC1?")


def test_a_torch_npu_release_the_table_does_not_list_is_a_warning():
    (finding,) = findings(npu="2.7.1.post9")
    assert (finding.severity, finding.code) == ("warning", "unknown-torch-npu")
    assert finding.message == (
        "torch: torch_npu 2.7.1.post9 is not in bakegen's compatibility table (inherited: CANN_VERSION from cann); "
        "the nearest release for CANN 8.3.RC1 is 2.7.1 [chain: cann -> torch]; if 2.7.1.post9 was built for "
        "CANN 8.3.RC1, add to images.yaml: "
        "compat: {cann: {8.3.RC1: {torch_npu: [2.8.0, 2.7.1, 2.6.0.post3, 2.1.0.post17, 2.7.1.post9], "
        "operators: kernels}}}"
    )
    assert findings(npu="2.7.1.post9", compat=compat_text(finding.message) + "\n") == []


def test_a_known_torch_npu_on_the_wrong_cann_is_still_an_error():
    (finding,) = findings(torch="2.5.1", npu="2.5.1")
    assert (finding.severity, finding.code) == ("error", "torch-npu-not-for-cann")


def test_an_unknown_vllm_ascend_tag_is_a_warning_with_the_nearest_row():
    (finding,) = findings(cann="8.3.RC2", more=", VLLM_ASCEND_VERSION: v0.11.1-a3")
    assert (finding.severity, finding.code) == ("warning", "unknown-vllm-ascend")
    assert finding.message == (
        "torch: vllm-ascend v0.11.1-a3 is not in bakegen's compatibility table (nearest known release: v0.11.0), "
        "so the stack it is built on is not checked; to check it, add to images.yaml the stack it is built "
        "on (v0.11.0's shown): compat: {vllm_ascend: {v0.11.1: "
        "{cann: 8.3.RC2, torch: 2.7.1, torch_npu: 2.7.1.post1, python: ['3.9', '3.11']}}}"
    )
    assert snippet(finding.message)["compat"]["vllm_ascend"]["v0.11.1"]["python"] == ["3.9", "3.11"]


# --- the commands: check exits 0 with warnings; build fails only on errors ----------------------

UNKNOWN_CANN = """\
version: 1
images:
  cann:
    from: ubuntu:22.04
    dockerfile: dockerfiles/py.dockerfile
    args: {CANN_VERSION: 9.2.0, CHIP: 910b, COMPONENTS: "toolkit,ops"}
"""


def run(*args):
    return subprocess.run([sys.executable, "-m", "bakegen", *args], capture_output=True, text=True)


def test_check_passes_with_warnings_and_build_is_not_stopped_by_them(write, monkeypatch):
    root = write({"images.yaml": UNKNOWN_CANN, "dockerfiles/py.dockerfile": CONVENTIONAL_DOCKERFILE})
    monkeypatch.chdir(root)
    checked = run("check")
    assert checked.returncode == 0, checked.stderr
    assert "warning: cann: CANN 9.2.0 is not in bakegen's compatibility table" in checked.stderr
    assert "1 images, no errors, 1 warning(s)" in checked.stdout
    (listed,) = [f for f in json.loads(run("check", "--json").stdout) if f["severity"] != "note"]
    assert (listed["severity"], listed["code"]) == ("warning", "unknown-cann")
    built = run("build", "cann", "--builder", "no-such-builder")
    assert "warning: cann: CANN 9.2.0 is not in bakegen's compatibility table" in built.stderr
    assert "version rules failed" not in built.stderr  # it went on to docker (which fails here)
    assert "Traceback" not in built.stderr


def test_build_still_stops_on_an_error_among_warnings(write, monkeypatch):
    doc = UNKNOWN_CANN + (
        "  torch:\n"
        "    from: cann\n"
        "    dockerfile: dockerfiles/py.dockerfile\n"
        '    args: {PYTHON_VERSION: "3.14", TORCH_VERSION: 2.5.1}\n'
    )
    root = write({"images.yaml": doc, "dockerfiles/py.dockerfile": CONVENTIONAL_DOCKERFILE})
    monkeypatch.chdir(root)
    built = run("build", "torch", "--builder", "no-such-builder")
    assert built.returncode == 1
    assert "error: torch: torch 2.5.1 supports Python 3.9 to 3.11" in built.stderr
    assert "version rules failed (see above)" in built.stderr


def test_build_gates_on_the_severity_of_the_version_rules(write, monkeypatch, capsys):
    from bakegen import rules
    from bakegen.cli import main
    from bakegen.errors import Diagnostic

    root = write({"images.yaml": UNKNOWN_CANN, "dockerfiles/py.dockerfile": CONVENTIONAL_DOCKERFILE})
    monkeypatch.chdir(root)
    warning = Diagnostic(None, "cann: a warning", severity="warning", code="unknown-cann")
    monkeypatch.setattr(rules, "check_versions", lambda project, dockerfiles: [warning])
    main(["build", "cann", "--builder", "no-such-builder"])  # fails later, in docker
    err = capsys.readouterr().err
    assert "warning: cann: a warning" in err
    assert "version rules failed" not in err


def test_a_tag_or_version_that_is_no_release_asks_for_one():
    doc = (
        "version: 1\nimages:\n"
        '  vllm: {from: "quay.io/ascend/vllm-ascend:latest", dockerfile: x, args: {MINDSPORE_VERSION: latest}}\n'
    )
    project = parse_project(doc, "images.yaml")
    found = sorted((d.code, d.severity, d.message) for d in check_versions(project, Dockerfiles(project.root)))
    assert found == [
        ("unknown-mindspore", "warning", "vllm: MindSpore latest is not in bakegen's compatibility table and is not "
         "a version, so the CANN releases and Python it supports are not checked; set MINDSPORE_VERSION to a release "
         "(the newest listed is 2.7.2)"),
        ("unknown-vllm-ascend", "warning", "vllm: vllm-ascend latest is not in bakegen's compatibility table and is "
         "not a release, so the stack it is built on is not checked; pin a release tag (the newest listed is "
         "v0.25.1rc1)"),
    ]
