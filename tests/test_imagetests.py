"""Image checks: which checks each image gets (generated, inherited, skipped), the test
targets of the bake file, how recorded results are judged and reported, and the
conformance warnings of `bakegen check`."""

import json
import textwrap
from pathlib import Path

import pytest

from bakegen.builders import unsupported_platforms
from bakegen.commands.test import as_json, format_report
from bakegen.conformance import conformance_problems, looks_like_credential
from bakegen.dockerfile import Dockerfiles
from bakegen.emit.bake import render_bake
from bakegen.errors import BakegenError, Position
from bakegen.imagetests import Check, Result, Skip, inline_dockerfile, judge, read_result, resolve_checks
from bakegen.model import parse_project
from bakegen.runconfig import resolve_run_configs
from tests import hclread

PYTHON = "ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\nENTRYPOINT [\"/entry.sh\"]\nCMD [\"bash\"]\nUSER ma-user\nWORKDIR /home/ma-user\n"
PLAIN = "ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\nRUN true\n"
SERVICE = "ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\nEXPOSE 8080\nCMD [\"gunicorn\", \"app:app\"]\n"

CHAIN = """\
version: 1
variables: {REGISTRY: r}
images:
  python:
    from: debian:12
    dockerfile: python.dockerfile
    args: {PYTHON_VERSION: "3.10"}
    tests:
      - echo hello
      - {name: greets, run: 'echo "hi $HOME"', expect: '^hi /home/ma-user$'}
  cann:
    from: python
    dockerfile: plain.dockerfile
    args: {CANN_VERSION: 8.3.RC1, COMPONENTS: "toolkit,kernels,nnal"}
  torch:
    from: cann
    layer: framework
    dockerfile: plain.dockerfile
    args: {TORCH_VERSION: 2.7.1, TORCH_NPU_VERSION: 2.7.1, TORCHVISION_VERSION: 0.22.1}
  app:
    from: torch
    dockerfile: service.dockerfile
    service: {port: 8080, health: /health}
    skip-tests: [python-1, pip-check]
    tests: [{name: mine, run: 'true', exit: 0}]
"""


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    """Positions read as the user sees them, relative to where bakegen runs."""
    monkeypatch.chdir(tmp_path)


def project_at(tmp_path: Path, text: str, dockerfiles: dict[str, str] | None = None):
    for name, body in (dockerfiles or {"python.dockerfile": PYTHON, "plain.dockerfile": PLAIN, "service.dockerfile": SERVICE}).items():
        (tmp_path / name).write_text(body)
    (tmp_path / "images.yaml").write_text(text)
    return parse_project(text, tmp_path / "images.yaml")


def resolved(tmp_path, text=CHAIN, dockerfiles=None):
    project = project_at(tmp_path, text, dockerfiles)
    checks, problems = resolve_checks(project, Dockerfiles(project.root))
    return project, checks, problems


# --- which checks ------------------------------------------------------------------------------

EXPECTED_CHECKS = {
    "python": ["python-1", "greets", "python-version", "pip-check", "ma-user"],
    "cann": [
        "python-1", "greets", "python-version", "pip-check", "numpy-below-2", "ma-user",
        "cann-set-env", "ascend-home", "no-cann-installer",
    ],
    "torch": [
        "python-1", "greets", "python-version", "pip-check", "torch-version", "torch-npu-version",
        "torchvision-version", "numpy-below-2", "ma-user", "cann-set-env", "ascend-home", "no-cann-installer",
    ],
    # skip-tests: python-1 and pip-check; its own test after the inherited ones
    "app": [
        "greets", "mine", "python-version", "torch-version", "torch-npu-version", "torchvision-version",
        "numpy-below-2", "ma-user", "runs-as-ma-user", "cann-set-env", "ascend-home", "no-cann-installer",
        "service-health",
    ],
}


@pytest.mark.parametrize("image", EXPECTED_CHECKS)
def test_each_image_gets_its_ancestors_tests_and_its_generated_checks(tmp_path, image):
    _, checks, problems = resolved(tmp_path)
    assert problems == []
    assert [c.name for c in checks[image].checks] == EXPECTED_CHECKS[image]


def test_a_skipped_check_is_reported_with_where_it_was_switched_off(tmp_path):
    _, checks, _ = resolved(tmp_path)
    skipped = {s.check.name: (s.by, str(s.position)) for s in checks["app"].skipped}
    assert skipped == {"python-1": ("app", "images.yaml:24:18"), "pip-check": ("app", "images.yaml:24:28")}


def test_the_generated_checks_say_what_they_expect(tmp_path):
    _, checks, _ = resolved(tmp_path)
    by_name = {c.name: c for c in checks["app"].checks}
    assert by_name["python-version"].run == "python3 --version"
    assert by_name["python-version"].expect == r"^Python 3\.10(\.|\s|$)"
    npu = by_name["torch-npu-version"]
    assert "importlib.metadata" in npu.run and "import torch_npu" not in npu.run
    assert npu.expect == r"^torch_npu 2\.7\.1(\+[0-9A-Za-z.]+)?$"
    assert by_name["numpy-below-2"].expect == r"^numpy [0-1]\."
    assert by_name["ma-user"].expect == r"^ma\-user:[^:]*:1000:100:[^:]*:/home/ma\-user:"
    set_env = by_name["cann-set-env"].script
    assert "/usr/local/Ascend/ascend-toolkit/set_env.sh" in set_env and "/usr/local/Ascend/nnal/atb/set_env.sh" in set_env
    assert "/usr/local/Ascend/nnae/set_env.sh" not in set_env
    # the service: its CMD through its ENTRYPOINT, not the test's sh through the entrypoint
    service = by_name["service-health"]
    assert service.script.count("/entry.sh") == 1 and "'/entry.sh' gunicorn app:app" not in service.script
    assert "/entry.sh gunicorn app:app > \"$log\" 2>&1 &" in service.script
    assert service.timeout == 120 + 30


@pytest.mark.parametrize(
    ("run", "local_label", "matches"),
    [("torch 2.7.1", "", True), ("torch 2.7.1+cpu", "", True), ("torch 2.7.10", "", False), ("torch 2.8.0", "", False)],
)
def test_a_local_label_does_not_count(tmp_path, run, local_label, matches):
    import re

    _, checks, _ = resolved(tmp_path)
    torch = {c.name: c for c in checks["torch"].checks}["torch-version"]
    assert (re.search(torch.expect, run, re.M) is not None) == matches


def test_checks_run_through_the_entrypoint_as_docker_run_would(tmp_path):
    _, checks, _ = resolved(tmp_path)
    greets = {c.name: c for c in checks["python"].checks}["greets"]
    assert greets.script == "exec /entry.sh /bin/sh -c 'echo \"hi $HOME\"'\n"


def test_an_image_without_entrypoint_runs_the_command_with_sh(tmp_path):
    text = "version: 1\nvariables: {REGISTRY: r}\nimages:\n  a: {from: 'debian:12', dockerfile: plain.dockerfile, tests: ['id -u']}\n"
    _, checks, _ = resolved(tmp_path, text)
    assert [c.script for c in checks["a"].checks] == ["exec /bin/sh -c 'id -u'\n"]


@pytest.mark.parametrize(
    ("images", "message"),
    [
        (
            "  a: {from: 'd:1', dockerfile: python.dockerfile, args: {PYTHON_VERSION: '3.10'}, tests: [{name: pip-check, run: 'true'}]}\n",
            "images.yaml:4:91: error: a: test 'pip-check' has the name of a generated check of this image; "
            "a child keeps its parent's tests: switch that one off with skip-tests and name this one differently",
        ),
        (
            "  a: {from: 'd:1', dockerfile: plain.dockerfile, tests: [{name: t, run: 'true'}]}\n"
            "  b: {from: a, dockerfile: plain.dockerfile, tests: [{name: t, run: 'false'}]}\n",
            "images.yaml:5:54: error: b: test 't' has the name of a test of a of this image; "
            "a child keeps its parent's tests: switch that one off with skip-tests and name this one differently",
        ),
        (
            "  a: {from: 'd:1', dockerfile: plain.dockerfile, tests: [{name: greet, run: 'true'}], skip-tests: [gret]}\n",
            "images.yaml:4:100: error: a: skip-tests names 'gret', which is no check of this image; did you mean "
            "'greet'? (its checks: greet)",
        ),
    ],
)
def test_test_names_that_clash_or_name_nothing_are_errors(tmp_path, images, message):
    text = "version: 1\nvariables: {REGISTRY: r}\nimages:\n" + images
    _, _, problems = resolved(tmp_path, text)
    assert [str(p) for p in problems] == [message]


def test_a_skip_is_inherited_and_names_the_image_that_switched_it_off(tmp_path):
    text = CHAIN + "  leaf:\n    from: app\n    dockerfile: plain.dockerfile\n"
    _, checks, problems = resolved(tmp_path, text)
    assert problems == []
    assert {s.check.name: s.by for s in checks["leaf"].skipped} == {"python-1": "app", "pip-check": "app"}
    assert checks["leaf"].service is not None and checks["leaf"].service.port == 8080  # inherited


# --- model errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("images", "code", "message"),
    [
        (
            "  x: {from: 'd:1', dockerfile: D}\n  x-test: {from: x, dockerfile: D}\n",
            "test-target-collision",
            "image 'x-test' has the name of the test target of image 'x' (bakegen generates '<id>-test' for the "
            "checks of every image); rename one of them",
        ),
        (
            "  test: {from: 'd:1', dockerfile: D}\n",
            "reserved-name",
            "image 'test' has the name of the group 'test' that bakegen generates (the checks of every image, "
            "for `bakegen test`), and bake would build the group; rename the image",
        ),
        (
            "  x: {from: 'd:1', dockerfile: D, tests: [{name: t, run: 'true', expect: '(unclosed'}]}\n",
            "invalid-expect",
            "x: test 't': expect is not a regular expression: missing ), unterminated subpattern at position 0",
        ),
        (
            "  x: {from: 'd:1', dockerfile: D, tests: [{name: t, run: 'true', exit: 256}]}\n",
            "invalid-value",
            "x: test 't': exit 256 is not an exit code (0-255)",
        ),
        (
            "  x: {from: 'd:1', dockerfile: D, tests: ['true', 'true', {name: x-1, run: 'false'}]}\n",
            "duplicate-test-name",
            "x: two tests are named 'x-1'; give each its own name",
        ),
        (
            "  x: {from: 'd:1', dockerfile: D, service: {port: 70000, health: /health}}\n",
            "invalid-value",
            "x: service port 70000 is not a TCP port (1-65535)",
        ),
    ],
)
def test_test_definitions_are_validated_at_load(images, code, message):
    with pytest.raises(BakegenError) as caught:
        parse_project("version: 1\nvariables: {REGISTRY: r}\nimages:\n" + images)
    assert [(d.code, d.message) for d in caught.value.diagnostics] == [(code, message)]


def test_a_group_named_like_a_test_target_is_an_error():
    text = "version: 1\nvariables: {REGISTRY: r}\ngroups: {x-test: [x]}\nimages:\n  x: {from: 'd:1', dockerfile: D}\n"
    with pytest.raises(BakegenError) as caught:
        parse_project(text)
    assert [d.code for d in caught.value.diagnostics] == ["test-target-collision"]
    assert "'x-test'" in caught.value.diagnostics[0].message and "image 'x'" in caught.value.diagnostics[0].message


@pytest.mark.parametrize(
    "item",
    ["{run: 'true', expect: 3}", "{name: 'a b', run: 'true'}", "{name: n}", "{run: 'true', timeout: 3}", "''"],
)
def test_the_schema_refuses_malformed_tests(item):
    with pytest.raises(BakegenError):
        parse_project(f"version: 1\nvariables: {{REGISTRY: r}}\nimages:\n  x: {{from: 'd:1', dockerfile: D, tests: [{item}]}}\n")


# --- the bake file -------------------------------------------------------------------------------------------


def test_every_image_gets_a_test_target_in_the_group_test_only(tmp_path):
    project, checks, _ = resolved(tmp_path)
    text = render_bake(project, checks=checks)
    targets, groups = hclread.targets(text), hclread.groups(text)
    for image in project.images:
        target = targets[f"{image}-test"]
        assert target["contexts"] == {"image": f"target:{image}"}
        assert target["secret"] == ["id=bakegen-test-run,env=BAKEGEN_TEST_RUN"]
        assert "output" not in target  # bakegen test sets it
        assert target["dockerfile-inline"] == inline_dockerfile(checks[image])
    assert groups["test"] == ["python-test", "cann-test", "torch-test", "app-test"]
    assert not any(t.endswith("-test") for t in groups["default"] + groups["all"])


def test_the_inline_dockerfile_runs_each_check_in_a_stage_of_its_own(tmp_path):
    _, checks, _ = resolved(tmp_path)
    dockerfile = inline_dockerfile(checks["python"])
    assert dockerfile.count("FROM image AS check-") == 5
    assert "COPY <<'BAKEGEN_EOF' /checks/greets\nexec /entry.sh /bin/sh -c 'echo \"hi $HOME\"'\nBAKEGEN_EOF\n" in dockerfile
    # each RUN mounts its own script only, so that a changed check leaves the others cached
    assert "--mount=type=bind,from=bakegen-runner,source=/checks/greets,target=/tmp/bakegen-check" in dockerfile
    assert dockerfile.count("--network=none") == 5
    assert dockerfile.endswith("COPY --from=check-5 /tmp/bakegen-test/ /\n")


def test_a_command_holding_the_heredoc_delimiter_gets_another(tmp_path):
    text = "version: 1\nvariables: {REGISTRY: r}\nimages:\n  a: {from: 'd:1', dockerfile: plain.dockerfile, tests: [\"cat <<X\\nBAKEGEN_EOF\\nX\"]}\n"
    _, checks, _ = resolved(tmp_path, text)
    dockerfile = inline_dockerfile(checks["a"])
    assert "<<'BAKEGEN_EOF_1'" in dockerfile and "<<'BAKEGEN_EOF'" not in dockerfile


def test_a_plan_file_has_the_test_targets_asked_for_with_their_output(tmp_path):
    from bakegen.plan import plan_build

    project, checks, _ = resolved(tmp_path)
    plan = plan_build(project, ["cann"])
    text = render_bake(project, plan=plan, checks=checks, test_outputs={"cann": "type=local,dest=/tmp/r/cann"})
    targets = hclread.targets(text)
    assert set(targets) == {"python", "cann", "cann-test"}
    assert targets["cann-test"]["output"] == ["type=local,dest=/tmp/r/cann"]


# --- judging and reporting -------------------------------------------------------------------------------------


def check(name="greets", expect=None, exit=0):
    return Check(name, "echo hi", expect, exit, "tests of base", "images.yaml:9:9", "exec sh -c 'echo hi'\n", 600)


@pytest.mark.parametrize(
    ("recorded", "expect", "exit", "status", "reason"),
    [
        ((0, "hi\n", "run-1", "x86_64"), "^hi$", 0, "pass", ""),
        ((0, "ho\n", "run-1", "x86_64"), "^hi$", 0, "fail", "the output does not match /^hi$/"),
        ((3, "hi\n", "run-1", "x86_64"), None, 0, "fail", "exit 3, expected 0"),
        ((3, "hi\n", "run-1", "x86_64"), None, 3, "pass", ""),
        ((124, "", "run-1", "x86_64"), None, 0, "fail", "timed out after 600 s (exit 124)"),
        (None, None, 0, "fail", "no result was recorded"),
    ],
)
def test_results_are_judged_on_exit_code_and_output(recorded, expect, exit, status, reason):
    verdict = judge("base", "linux/amd64", check(expect=expect, exit=exit), recorded, "run-1")
    assert (verdict.status, verdict.reason) == (status, reason)


def test_a_result_recorded_by_another_run_is_cached():
    assert judge("b", "", check(), (0, "", "run-0", "x86_64"), "run-1").cached
    assert not judge("b", "", check(), (0, "", "run-1", "x86_64"), "run-1").cached


def test_recorded_results_are_read_from_the_exported_folder(tmp_path):
    folder = tmp_path / "greets"
    folder.mkdir()
    for name, text in {"exit": "0\n", "output": "hi\n", "run": "abc\n", "machine": "aarch64\n"}.items():
        (folder / name).write_text(text)
    assert read_result(folder) == (0, "hi\n", "abc", "aarch64")
    assert read_result(tmp_path / "other") is None


def verdicts():
    failing = check("says-hello", expect="^hello$")
    return [
        Result("base", "linux/amd64", check("python-version"), "pass", True, 0, "Python 3.11.2\n"),
        Result("base", "linux/arm64", failing, "fail", False, 0, "goodbye\n", "the output does not match /^hello$/"),
        Result(
            "app", "linux/amd64", check("pip-check"), "skipped", False,
            skip=Skip(check("pip-check"), "app", Position("images.yaml", 23, 18)),
        ),
    ]


def test_the_report_is_a_table_then_each_failure():
    assert format_report(verdicts()) == textwrap.dedent(
        """\
        IMAGE  PLATFORM     CHECK           RESULT   CACHED
        base   linux/amd64  python-version  pass     cached
        base   linux/arm64  says-hello      fail     ran
        app    linux/amd64  pip-check       skipped  -       skip-tests of app (images.yaml:23:18)

        bakegen test: 1 passed, 1 failed, 1 skipped (1 from the cache)

        FAILED base linux/arm64 says-hello (tests of base: images.yaml:9:9)
          $ echo hi
          the output does not match /^hello$/
          | goodbye"""
    )


def test_the_json_report_holds_every_result():
    report = as_json(verdicts())
    assert (report["passed"], report["failed"], report["skipped"]) == (1, 1, 1)
    assert report["results"][1]["reason"] == "the output does not match /^hello$/"
    assert report["results"][2]["skipped_by"] == "app" and report["results"][2]["skipped_at"] == "images.yaml:23:18"
    json.dumps(report)


@pytest.mark.parametrize(
    ("needed", "supported", "missing"),
    [
        (["linux/amd64", "linux/arm64"], ["linux/amd64", "linux/amd64/v2", "linux/386"], ["linux/arm64"]),
        (["linux/amd64", "linux/arm64"], ["linux/amd64", "linux/arm64"], []),
        (["linux/arm64"], ["linux/arm64/v8"], []),
        (["linux/arm/v7"], ["linux/arm64"], ["linux/arm/v7"]),
    ],
)
def test_a_platform_the_builder_cannot_run_is_found(needed, supported, missing):
    assert unsupported_platforms(needed, supported) == missing


# --- conformance -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "credential"),
    [
        ("PASSWORD", True), ("DB_PASSWORD", True), ("HF_TOKEN", True), ("AWS_SECRET", True), ("API_KEY", True),
        ("AK", True), ("SK", True), ("HUAWEI_AK", True), ("SKIP", False), ("SKIP_TESTS", False), ("KEY", False),
        ("KEYRING", False), ("TOOLKIT_SHA256", False), ("ASK", False), ("TOKENIZER", False),
    ],
)
def test_credential_names_are_whole_words(name, credential):
    assert looks_like_credential(name) is credential


def conformance(tmp_path, text, dockerfiles):
    project = project_at(tmp_path, text, dockerfiles)
    dockerfiles_ = Dockerfiles(project.root)
    configs = resolve_run_configs(project, dockerfiles_)
    checks, _ = resolve_checks(project, dockerfiles_, configs)
    return [(str(d.position), d.severity, d.code) for d in conformance_problems(project, dockerfiles_, configs, checks)]


@pytest.mark.parametrize(
    ("images", "dockerfiles", "expected"),
    [
        (  # the last USER of the chain counts
            "  a: {from: 'd:1', dockerfile: u.dockerfile}\n  b: {from: a, dockerfile: p.dockerfile, layer: application}\n",
            {"u.dockerfile": PLAIN + "USER ma-user\nUSER nobody\n", "p.dockerfile": PLAIN},
            [("u.dockerfile:5", "warning", "not-ma-user")],
        ),
        (
            "  a: {from: 'd:1', dockerfile: p.dockerfile, layer: application}\n",
            {"p.dockerfile": PLAIN},
            [("images.yaml:4:3", "warning", "not-ma-user")],
        ),
        (  # uid 1000 is ma-user; a framework image is not judged
            "  a: {from: 'd:1', dockerfile: u.dockerfile, layer: application}\n"
            "  f: {from: 'd:1', dockerfile: p.dockerfile, layer: framework}\n",
            {"u.dockerfile": PLAIN + "USER 1000:100\n", "p.dockerfile": PLAIN},
            [],
        ),
        (  # the service is inherited; EXPOSE anywhere along the chain counts
            "  a: {from: 'd:1', dockerfile: e.dockerfile, service: {port: 8080, health: /h}}\n"
            "  b: {from: a, dockerfile: u.dockerfile}\n"
            "  c: {from: 'd:1', dockerfile: u.dockerfile, service: {port: 9000, health: /h}}\n",
            {"e.dockerfile": PLAIN + "EXPOSE 8080/tcp\n", "u.dockerfile": PLAIN + "USER ma-user\n"},
            [("images.yaml:6:62", "warning", "service-port-not-exposed")],
        ),
        (  # in images.yaml (once for defaults) and in Dockerfiles (once per file)
            "  a: {from: 'd:1', dockerfile: c.dockerfile, args: {HF_TOKEN: x, SKIP_BUILD: '1'}}\n"
            "  b: {from: a, dockerfile: c.dockerfile}\n",
            {"c.dockerfile": PLAIN + "ARG MY_SECRET\nUSER ma-user\n"},
            [("images.yaml:4:53", "warning", "credential-build-arg"), ("c.dockerfile:4", "warning", "credential-build-arg")],
        ),
    ],
)
def test_conformance_warnings(tmp_path, images, dockerfiles, expected):
    text = "version: 1\nvariables: {REGISTRY: r}\nimages:\n" + images
    assert conformance(tmp_path, text, dockerfiles) == expected


def test_the_repository_images_conform(tmp_path):
    from bakegen.model import load_project
    from tests.conftest import REPO

    project = load_project(REPO / "images.yaml")
    dockerfiles = Dockerfiles(project.root)
    configs = resolve_run_configs(project, dockerfiles)
    checks, problems = resolve_checks(project, dockerfiles, configs)
    assert problems == []
    assert conformance_problems(project, dockerfiles, configs, checks) == []
    assert checks["flask-api"].service is not None
    assert "service-health" in [c.name for c in checks["flask-api"].checks]


def test_an_inherited_test_named_like_a_check_the_child_gets_is_an_error(tmp_path):
    text = (
        "version: 1\nvariables: {REGISTRY: r}\nimages:\n"
        "  a: {from: 'd:1', dockerfile: plain.dockerfile, tests: [{name: numpy-below-2, run: 'true'}]}\n"
        "  b: {from: a, dockerfile: plain.dockerfile, args: {CANN_VERSION: 8.3.RC1}}\n"
    )
    _, checks, problems = resolved(tmp_path, text)
    assert [str(p) for p in problems] == [
        "images.yaml:5:3: error: b: the test 'numpy-below-2' it inherits (images.yaml:4:58) has the name of a "
        "check bakegen generates for b; rename that test"
    ]
    assert [c.name for c in checks["b"].checks].count("numpy-below-2") == 1
