"""`bakegen lint` short of BuildKit, case by case: the stand-ins of each kind of link, how a
check run's JSON is read when fields are missing, which stand-in is tried next when one does
not resolve, and every message the report gives (with its code and position).

The check runs here are answered by ``answer``, which writes what
`docker buildx bake --call check,format=json` prints (the shape of the runs recorded in
tests/fixtures/lint/, read by tests/test_lint.py) for the bake file it is handed, from a
list of references the builder "cannot resolve"; tests/e2e/test_lint.py runs BuildKit."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from bakegen import lint
from bakegen.errors import BakegenError
from bakegen.lint import CheckWarning, Finding, LintReport, StandIn
from bakegen.model import parse_project
from tests import hclread

GIVEN = "localhost:5000/bakegen-test/debian:bookworm"
PLAIN = "ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\nRUN true\n"

DOC = """\
version: 1
variables: {REGISTRY: reg.example/team}
images:
  root:
    from: ubuntu:22.04
    dockerfile: root.dockerfile
    tags: ["root:1"]
  notag:
    from: root
    dockerfile: root.dockerfile
  kid:
    from: notag
    dockerfile: kid.dockerfile
    contexts: {tools: root, other: notag, files: ./files}
  far:
    from: quay.io/x/far:2
    dockerfile: far.dockerfile
    tags: ["quay.io/x/far:3"]
"""


def project_at(tmp_path: Path, text: str = DOC, files=("root.dockerfile", "kid.dockerfile", "far.dockerfile")):
    for name in files:
        (tmp_path / name).write_text(PLAIN)
    (tmp_path / "images.yaml").write_text(text)
    return parse_project(text, tmp_path / "images.yaml")


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def warning(rule, line, detail="d", url="https://u/"):
    return {
        "description": f"about {rule}",
        "detail": detail,
        "location": {"ranges": [{"end": {"line": line}, "start": {"line": line}}]},
        "ruleName": rule,
        "url": url,
    }


def answer(unresolvable=(), warnings=None, errors=None):
    """A runner: for each target of the bake file, its contexts with ${REGISTRY} filled in, a
    buildError for the first docker-image context in `unresolvable`, else the given error,
    and the given warnings. Keeps what it was handed."""
    handed = []

    def runner(text, targets):
        handed.append((text, list(targets)))
        registry = hclread.variables(text).get("REGISTRY", "")
        out = {}
        for name in targets:
            target = hclread.targets(text)[name]
            contexts = {
                key: value.strip('"').replace("${REGISTRY}", registry)  # plain values here: no escapes
                for key, value in target.get("contexts", {}).items()
            }
            check: dict = {"warnings": (warnings or {}).get(name)}
            for value in contexts.values():
                ref = value.removeprefix("docker-image://")
                if value.startswith("docker-image://") and ref in unresolvable:
                    message = f"failed to resolve source metadata for {ref}: {ref}: not found"
                    check["buildError"] = {"location": {"ranges": [{"start": {"line": 2}}]}, "message": message}
                    check["error"] = message + "\n"
                    break
            else:
                if name in (errors or {}):
                    check["buildError"] = {"location": {}, "message": errors[name]}
            out[name] = {"build": {"context": ".", "contexts": contexts}, "check": check}
        return json.dumps({"target": out})

    return runner, handed


# --- stand-ins ---------------------------------------------------------------------------------


def test_the_root_of_a_chain_is_the_image_built_on_an_external_reference(tmp_path):
    project = project_at(tmp_path)
    assert lint.root_of(project, "kid").id == "root"
    assert lint.root_of(project, "root").id == "root"
    assert lint.root_of(project, "far").id == "far"


def test_each_link_stands_in_for_the_tag_then_the_chain_base_then_the_given_image(tmp_path):
    project = project_at(tmp_path)
    kid = lint.stand_ins(project, project.images["kid"], GIVEN)
    assert list(kid) == ["base", "other", "tools"]  # the base, then the links by name; ./files is no link
    assert kid["base"] == (
        StandIn("docker-image://ubuntu:22.04", "root", "notag"),  # notag has no tag
        StandIn(f"docker-image://{GIVEN}", "given"),
    )
    assert kid["tools"][0].kind == "built" and kid["tools"][0].image == "root"
    assert [s.kind for s in kid["tools"]] == ["built", "root", "given"]
    assert kid["tools"][1] == StandIn("docker-image://ubuntu:22.04", "root", "root")
    assert [(s.kind, s.image) for s in kid["other"]] == [("root", "notag"), ("given", None)]
    # without --stand-in, nothing is tried after the chain's base
    assert lint.stand_ins(project, project.images["kid"], None)["base"] == (
        StandIn("docker-image://ubuntu:22.04", "root", "notag"),
    )
    assert lint.stand_ins(project, project.images["far"], "oci-layout:///l:x") == {
        "base": (StandIn("docker-image://quay.io/x/far:2", "external"), StandIn("oci-layout:///l:x", "given"))
    }


def test_a_tag_with_a_registry_host_is_taken_as_written(tmp_path):
    project = project_at(tmp_path)
    assert lint.linked(project, "far") == (
        StandIn("docker-image://quay.io/x/far:3", "built", "far"),
        StandIn("docker-image://quay.io/x/far:2", "root", "far"),
    )
    assert lint.tag_context("localhost/x:1") == "docker-image://localhost/x:1"
    assert lint.tag_context("host:5000/x:1") == "docker-image://host:5000/x:1"
    assert lint.image_context("ubuntu:22.04") == "docker-image://ubuntu:22.04"
    assert lint.image_context("docker-image://ubuntu:22.04") == "docker-image://ubuntu:22.04"


# --- reading a check run -----------------------------------------------------------------------


def test_a_check_run_with_fields_missing_or_null_reads_as_empty():
    text = json.dumps(
        {
            "target": {
                "bare": {},
                "nulls": {"build": None, "check": None},
                "partial": {
                    "build": {"contexts": None},
                    "check": {"warnings": [{"location": {"ranges": [{"start": {}}, {"start": {"line": 0}}]}}]},
                },
                "noerrmsg": {"check": {"buildError": {"location": None}, "error": "the error text"}},
                "nothing": {"check": {"buildError": {"x": 1}}},
                "empty": {"check": {"buildError": {}}},
            }
        }
    )
    results = lint.parse_check_output(text)
    assert results["bare"] == lint.CheckResult(contexts={})
    assert results["nulls"] == lint.CheckResult(contexts={})
    assert results["partial"].warnings == (CheckWarning("", "", "", "", None),)
    assert (results["noerrmsg"].error, results["noerrmsg"].error_line) == ("the error text", None)
    assert results["nothing"].error == "unknown error"
    assert results["empty"].error is None  # an empty buildError is no error
    assert lint.parse_check_output('{"target": null}') == {}
    assert lint.parse_check_output("{}") == {}


@pytest.mark.parametrize(
    ("location", "line"),
    [
        (None, None),
        ({}, None),
        ({"ranges": None}, None),
        ({"ranges": [{"start": None}]}, None),
        ({"ranges": [{"start": {"line": 0}}, {"start": {"line": 7}}]}, 7),
        ({"ranges": [{"start": {"line": "3"}}, {"start": {"line": 4}}]}, 4),
        ({"ranges": [{"start": {"line": 1}}, {"start": {"line": 4}}]}, 1),
        ({"ranges": [{"start": {"line": -1}}]}, None),
    ],
)
def test_the_first_line_of_a_location(location, line):
    assert lint._first_line(location) == line


@pytest.mark.parametrize(
    ("error", "ref"),
    [
        ("failed to resolve source metadata for a/b:1: a/b:1: not found", "a/b:1"),
        ("failed to resolve source metadata for localhost:5000/x:1: failed to do request", "localhost:5000/x:1"),
        ("ERROR: failed to resolve source metadata for q.io/x@sha256:ab: nope", "q.io/x@sha256:ab"),
        ("failed to resolve source metadata for a/b:1", None),  # no reason after it
        ("lint violation found for rules: X", None),
        ("", None),
        (None, None),
    ],
)
def test_the_reference_that_did_not_resolve(error, ref):
    assert lint.unresolved_ref(error) == ref


@pytest.mark.parametrize(
    ("error", "rules"),
    [
        ("lint violation found for rules: A", {"A"}),
        ("lint violation found for rules: A, B,C\n", {"A", "B", "C"}),
        ("  lint violation found for rules: A  ", {"A"}),
        ("error: lint violation found for rules: A", None),
        ("lint violation found for rules: A\nmore", None),
        ("lint violation found for rules: ", None),
        (None, None),
    ],
)
def test_the_rules_a_strict_check_failed_on(error, rules):
    assert lint.violated_rules(error) == rules


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("ubuntu", "docker.io/library/ubuntu:latest"),
        ("org/x", "docker.io/org/x:latest"),
        ("docker-image://org/x:1", "docker.io/org/x:1"),
        ("localhost/x", "localhost/x:latest"),
        ("reg.io:5000/x@sha256:ab", "reg.io:5000/x@sha256:ab"),
        ("reg.io:5000/a/x:2", "reg.io:5000/a/x:2"),
        ("ubuntu@sha256:ab", "docker.io/library/ubuntu@sha256:ab"),
    ],
)
def test_references_are_named_as_the_registry_client_names_them(ref, expected):
    assert lint.normalized(ref) == expected


def test_a_run_that_printed_no_json_or_left_out_a_target_is_an_error():
    with pytest.raises(BakegenError) as caught:
        lint.parse_output("ERROR: no", ["a"])
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.code == "lint-failed" and diagnostic.position is None
    assert diagnostic.message.startswith("docker buildx bake --call check,format=json printed no JSON (Expecting value")
    with pytest.raises(BakegenError) as caught:
        lint.parse_output("[1]", ["a"])  # JSON, but not an object
    assert caught.value.diagnostics[0].message.startswith("docker buildx bake --call check,format=json printed no JSON (")
    with pytest.raises(BakegenError) as caught:
        lint.parse_output('{"target": {"b": {}}}', ["a", "b", "c"])
    [diagnostic] = caught.value.diagnostics
    assert (diagnostic.code, diagnostic.message) == (
        "lint-failed",
        "docker buildx bake --call check,format=json said nothing of a, c",
    )
    assert set(lint.parse_output('{"target": {"b": {}}}', ["b"])) == {"b"}


# --- findings, notes and problems ------------------------------------------------------------------


def test_a_finding_names_its_image_or_images():
    one = Finding("k.dockerfile", 3, "R", "the detail", "desc", "https://u/", "warning", ("a",))
    assert str(one.diagnostic()) == "k.dockerfile:3: warning: R: the detail (image a; https://u/)"
    two = Finding("k.dockerfile", None, "R", "the detail", "desc", "https://u/", "error", ("a", "b"))
    diagnostic = two.diagnostic()
    assert (diagnostic.severity, diagnostic.code, diagnostic.position.line) == ("error", "lint:R", None)
    assert diagnostic.message == "R: the detail (images a, b; https://u/)"
    entry = two.as_json()
    assert {k: entry[k] for k in ("rule", "detail", "description", "url", "images", "code", "severity")} == {
        "rule": "R", "detail": "the detail", "description": "desc", "url": "https://u/", "images": ["a", "b"],
        "code": "lint:R", "severity": "error",
    }
    assert entry["message"] == diagnostic.message


def test_the_report_lists_notes_then_skipped_then_problems_then_findings(tmp_path):
    from bakegen.errors import Diagnostic

    finding = Finding("f", 1, "R", "d", "x", "u", "warning", ("a",))
    report = LintReport(
        checked=["a"],
        findings=[finding],
        problems=[Diagnostic(None, "p", code="lint-failed")],
        notes=[Diagnostic(None, "n", "note", code="lint-stand-in")],
        skipped=[Diagnostic(None, "s", code="lint-not-checked")],
    )
    assert [d.message for d in report.diagnostics()] == ["n", "s", "p", finding.diagnostic().message]
    assert [e["message"] for e in report.as_json()] == ["n", "s", "p", finding.diagnostic().message]
    assert report.as_json()[-1]["rule"] == "R"
    assert LintReport(checked=[]).diagnostics() == [] and LintReport(checked=[]).as_json() == []


def test_an_image_whose_context_or_dockerfile_is_missing_is_not_checked(tmp_path):
    text = DOC + (
        "  gone:\n    from: root\n    context: nowhere\n    dockerfile: D\n"
        "  nofile:\n    from: root\n    dockerfile: none.dockerfile\n"
        "  remote:\n    from: root\n    context: https://github.com/x/y.git\n    dockerfile: D\n"
    )
    project = project_at(tmp_path, text)
    runner, handed = answer()
    report = lint.lint(project, ["root", "gone", "nofile", "remote"], runner=runner)
    assert report.checked == ["root", "remote"]
    assert [(str(d.position), d.severity, d.code, d.message) for d in report.skipped] == [
        (
            "images.yaml:22:17", "error", "lint-not-checked",
            "gone: not checked: its context 'nowhere' does not exist (see `bakegen check`)",
        ),
        (
            "images.yaml:25:17", "error", "lint-not-checked",
            "nofile: not checked: its Dockerfile 'none.dockerfile' does not exist (see `bakegen check`)",
        ),
    ]
    assert [targets for _, targets in handed] == [["root", "remote"]]
    assert report.problems == [] and report.notes == [] and report.findings == []


def test_nothing_to_check_runs_nothing(tmp_path):
    project = project_at(tmp_path)
    report = lint.lint(project, [], runner=lambda text, targets: pytest.fail("ran"))
    assert (report.checked, report.findings, report.problems) == ([], [], [])


def test_a_tag_that_does_not_resolve_falls_back_to_the_chain_base_then_the_given_image(tmp_path):
    project = project_at(tmp_path)
    runner, handed = answer(unresolvable={"reg.example/team/root:1", "ubuntu:22.04"})
    report = lint.lint(project, ["root", "notag", "kid"], runner=runner, stand_in=GIVEN)
    # each image is checked again, one context at a time, until a stand-in resolves
    assert [targets for _, targets in handed] == [
        ["root", "notag", "kid"], ["root", "notag", "kid"], ["notag", "kid"], ["kid"], ["kid"]
    ]
    assert hclread.targets(handed[-1][0])["kid"]["contexts"] == {
        "base": f"docker-image://{GIVEN}", "other": f"docker-image://{GIVEN}", "tools": f"docker-image://{GIVEN}",
        "files": "./files",
    }
    assert report.problems == []
    # per image, its base then its contexts by name; at the image linked to (or root's from:)
    assert [(str(n.position), n.severity, n.code) for n in report.notes] == [
        ("images.yaml:5:11", "note", "lint-stand-in"),
        ("images.yaml:5:5", "note", "lint-stand-in"),
        ("images.yaml:9:5", "note", "lint-stand-in"),
        ("images.yaml:9:5", "note", "lint-stand-in"),
        ("images.yaml:5:5", "note", "lint-stand-in"),
    ]
    assert [n.message for n in report.notes] == [
        f"root: the builder could not resolve its base ubuntu:22.04; checked on {GIVEN} (the --stand-in image) "
        "in its place; findings that depend on the ENV or ARGs of ubuntu:22.04 may differ",
        "root: the builder could not resolve its tag reg.example/team/root:1 (not built, or not pushed), nor "
        f"ubuntu:22.04; notag checked on {GIVEN} (the --stand-in image) in its place; findings that depend on "
        "the ENV or ARGs of root may differ",
        "notag: it has no tag to look up; the builder could not resolve ubuntu:22.04; kid checked on "
        f"{GIVEN} (the --stand-in image) in its place; findings that depend on the ENV or ARGs of notag may differ",
        "notag: it has no tag to look up; the builder could not resolve ubuntu:22.04; kid checked on "
        f"{GIVEN} (the --stand-in image) in its place as their context 'other'; findings that depend on the ENV "
        "or ARGs of notag may differ",
        "root: the builder could not resolve its tag reg.example/team/root:1 (not built, or not pushed), nor "
        f"ubuntu:22.04; kid checked on {GIVEN} (the --stand-in image) in its place as their context 'tools'; "
        "findings that depend on the ENV or ARGs of root may differ",
    ]


def test_an_external_base_on_the_given_image_is_noted_once_for_all_its_images(tmp_path):
    text = DOC + "  far2:\n    from: quay.io/x/far:2\n    dockerfile: far.dockerfile\n"
    project = project_at(tmp_path, text)
    runner, _ = answer(unresolvable={"quay.io/x/far:2"})
    report = lint.lint(project, ["far", "far2"], runner=runner, stand_in=GIVEN)
    [note] = report.notes
    assert (str(note.position), note.code) == ("images.yaml:16:11", "lint-stand-in")
    assert note.message == (
        f"far: the builder could not resolve its base quay.io/x/far:2; checked on {GIVEN} (the --stand-in image) "
        "in its place, as were far2; findings that depend on the ENV or ARGs of quay.io/x/far:2 may differ"
    )


def test_images_on_one_stand_in_share_a_note(tmp_path):
    text = DOC + "  kid2:\n    from: notag\n    dockerfile: kid.dockerfile\n"
    project = project_at(tmp_path, text)
    runner, handed = answer()
    report = lint.lint(project, ["kid", "kid2", "far"], runner=runner)
    assert len(handed) == 1
    assert [n.message for n in report.notes] == [
        "notag: it has no tag to look up; kid, kid2 checked on ubuntu:22.04 (the external base of its chain) "
        "in its place; findings that depend on the ENV or ARGs of notag may differ",
        "notag: it has no tag to look up; kid checked on ubuntu:22.04 (the external base of its chain) in its "
        "place as their context 'other'; findings that depend on the ENV or ARGs of notag may differ",
    ]
    assert [str(n.position) for n in report.notes] == ["images.yaml:9:5", "images.yaml:9:5"]


def test_a_base_nothing_resolves_is_a_problem_naming_the_fix(tmp_path):
    text = DOC + "  far2:\n    from: quay.io/x/far:2\n    dockerfile: far.dockerfile\n"
    project = project_at(tmp_path, text)
    runner, handed = answer(unresolvable={"quay.io/x/far:2"})
    report = lint.lint(project, ["far", "far2"], runner=runner)
    assert len(handed) == 1  # nothing else to try
    assert report.notes == []
    [problem] = report.problems
    assert (str(problem.position), problem.severity, problem.code) == ("images.yaml:16:11", "error", "lint-unresolved")
    assert problem.message == (
        "far: not checked: the builder could not resolve quay.io/x/far:2 (failed to resolve source metadata for "
        "quay.io/x/far:2: quay.io/x/far:2: not found) (nor were far2, for the same reason); make it reachable "
        "from the builder, or pass --stand-in REF (an image it can pull)"
    )
    # with --stand-in that does not resolve either, the fix is only to make it reachable
    runner, handed = answer(unresolvable={"quay.io/x/far:2", GIVEN})
    report = lint.lint(project, ["far"], runner=runner, stand_in=GIVEN)
    assert len(handed) == 2
    [problem] = report.problems
    assert problem.message == (
        f"far: not checked: the builder could not resolve {GIVEN} (failed to resolve source metadata for "
        f"{GIVEN}: {GIVEN}: not found); make it reachable from the builder"
    )
    assert report.notes == []


def test_a_named_context_nothing_resolves_points_at_the_contexts(tmp_path):
    text = DOC + "  kid3:\n    from: far\n    dockerfile: kid.dockerfile\n    contexts: {tools: root}\n"
    project = project_at(tmp_path, text)
    runner, _ = answer(unresolvable={"reg.example/team/root:1", "ubuntu:22.04"})
    report = lint.lint(project, ["kid3"], runner=runner)
    [problem] = report.problems
    assert (str(problem.position), problem.code) == ("images.yaml:22:15", "lint-unresolved")
    assert problem.message.startswith("kid3: not checked: the builder could not resolve ubuntu:22.04 (")
    assert report.notes == []


def test_a_check_that_failed_otherwise_is_a_problem_at_its_dockerfile_line(tmp_path):
    project = project_at(tmp_path)
    runner, _ = answer(
        errors={"far": "dockerfile parse error on line 3: unknown instruction: COPIE", "root": "lint violation found for rules: R"},
        warnings={"root": [warning("R", 2, "the detail")]},
    )
    report = lint.lint(project, ["root", "far"], runner=runner)
    [problem] = report.problems
    assert (problem.position.file, problem.position.line) == ("far.dockerfile", None)
    assert (problem.severity, problem.code) == ("error", "lint-failed")
    assert problem.message == "far: BuildKit's check failed: dockerfile parse error on line 3: unknown instruction: COPIE"
    # check=error=true: the rules named are errors, not a problem
    assert [(f.rule, f.severity, f.images) for f in report.findings] == [("R", "error", ("root",))]


def test_an_unresolved_reference_that_is_no_replaced_context_is_a_failed_check(tmp_path):
    project = project_at(tmp_path)

    def runner(text, targets):
        message = "failed to resolve source metadata for docker.io/library/alpine:3: not found"
        check = {"buildError": {"location": {"ranges": [{"start": {"line": 5}}]}, "message": message}}
        return json.dumps({"target": {"far": {"build": {"contexts": {"base": "docker-image://quay.io/x/far:2"}}, "check": check}}})

    report = lint.lint(project, ["far"], runner=runner)
    [problem] = report.problems
    assert (problem.code, problem.position.file, problem.position.line) == ("lint-failed", "far.dockerfile", 5)
    assert problem.message == (
        "far: BuildKit's check failed: failed to resolve source metadata for docker.io/library/alpine:3: not found"
    )


def test_a_context_that_is_no_image_never_matches_an_unresolved_reference():
    result = lint.CheckResult(
        contexts={"base": "quay.io/x/y:1", "tools": "docker-image://quay.io/x/y:1"},
        error="failed to resolve source metadata for quay.io/x/y:1: not found",
    )
    candidates = {"base": (StandIn("x", "built"),), "tools": (StandIn("y", "built"),)}
    assert lint._unresolved_context(result, candidates) == "tools"
    assert lint._unresolved_context(result, {"base": candidates["base"]}) is None
    # compared as the registry client names them
    result = lint.CheckResult(
        contexts={"base": "docker-image://ubuntu"}, error="failed to resolve source metadata for docker.io/library/ubuntu:latest: x"
    )
    assert lint._unresolved_context(result, {"base": ()}) == "base"
    assert lint._unresolved_context(lint.CheckResult(contexts={}), {"base": ()}) is None
    # a context the run does not name is none that did not resolve
    missing = lint.CheckResult(contexts={}, error="failed to resolve source metadata for a/b:1: x")
    assert lint._unresolved_context(missing, {"base": ()}) is None


def test_findings_are_merged_per_line_rule_and_detail_and_sorted(tmp_path):
    text = DOC + "  far2:\n    from: quay.io/x/far:2\n    dockerfile: far.dockerfile\n"
    project = project_at(tmp_path, text)
    runner, _ = answer(
        warnings={
            "root": [warning("B", 3, "x"), warning("A", 3, "y"), warning("A", 3, "x"), warning("Z", None)],
            "far": [warning("A", 1, "x", url="https://far/"), warning("A", 2, "x")],
            "far2": [warning("A", 1, "x", url="https://other/"), warning("A", 2, "other detail")],
        }
    )
    report = lint.lint(project, ["root", "far", "far2"], runner=runner)
    assert [(f.file, f.line, f.rule, f.detail, f.images) for f in report.findings] == [
        ("far.dockerfile", 1, "A", "x", ("far", "far2")),
        ("far.dockerfile", 2, "A", "other detail", ("far2",)),
        ("far.dockerfile", 2, "A", "x", ("far",)),
        ("root.dockerfile", None, "Z", "d", ("root",)),
        ("root.dockerfile", 3, "A", "x", ("root",)),
        ("root.dockerfile", 3, "A", "y", ("root",)),
        ("root.dockerfile", 3, "B", "x", ("root",)),
    ]
    first = report.findings[0]
    assert (first.url, first.description, first.severity) == ("https://far/", "about A", "warning")


def test_the_same_finding_under_check_error_in_one_image_only_is_told_apart(tmp_path):
    project = project_at(tmp_path, DOC + "  far2:\n    from: quay.io/x/far:2\n    dockerfile: far.dockerfile\n")
    runner, _ = answer(
        warnings={"far": [warning("A", 1)], "far2": [warning("A", 1)]},
        errors={"far2": "lint violation found for rules: A"},
    )
    report = lint.lint(project, ["far", "far2"], runner=runner)
    # in the order of the images (the sort keeps it for the same line, rule and detail)
    assert [(f.severity, f.images) for f in report.findings] == [("warning", ("far",)), ("error", ("far2",))]
    assert report.problems == []


def test_the_default_runner_calls_run_check_with_the_builder(tmp_path, monkeypatch):
    project = project_at(tmp_path)
    seen = []

    def run_check(project_, text, targets, builder):
        seen.append((project_ is project, list(targets), builder))
        runner, _ = answer()
        return runner(text, targets)

    monkeypatch.setattr(lint, "run_check", run_check)
    report = lint.lint(project, ["far"], builder="b1")
    assert seen == [(True, ["far"], "b1")]
    assert report.checked == ["far"]


# --- the docker CLI ------------------------------------------------------------------------------------


def test_without_the_docker_cli_the_run_says_what_to_install(tmp_path, monkeypatch):
    project = project_at(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(BakegenError) as caught:
        lint.run_check(project, "", ["far"], None)
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.code == "no-docker" and diagnostic.position is None
    assert diagnostic.message == (
        "the docker CLI was not found; install it with the buildx plugin (scripts/buildkit-up does this for the tests)"
    )


@pytest.mark.skipif(not any(os.access(Path(p) / "docker", os.X_OK) for p in os.environ.get("PATH", "").split(os.pathsep)), reason="no docker CLI")
def test_a_builder_that_does_not_exist_is_named(tmp_path):
    project = project_at(tmp_path)
    with pytest.raises(BakegenError) as caught:
        lint.run_check(project, 'target "far" {\n  context = "."\n  dockerfile = "far.dockerfile"\n}\n', ["far"], "no-such-builder-mut-c")
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.code == "no-builder"
    assert diagnostic.message.startswith("there is no buildx builder 'no-such-builder-mut-c': create it")


@pytest.mark.parametrize(
    ("stderr", "builder", "env", "code", "message"),
    [
        (
            '#0 building\nERROR: no builder "x" found\n', "x", None, "no-builder",
            "there is no buildx builder 'x': create it (`docker buildx create --name x --driver remote "
            "unix:///path/to/buildkitd.sock`; scripts/buildkit-up provisions 'bakegen'), or pass --builder NAME of "
            "one that `docker buildx ls` lists",
        ),
        (
            'ERROR: no builder "y" found\n', None, "y", "no-builder",
            "there is no buildx builder 'y': create it (`docker buildx create --name y --driver remote "
            "unix:///path/to/buildkitd.sock`; scripts/buildkit-up provisions 'bakegen'), or pass --builder NAME of "
            "one that `docker buildx ls` lists",
        ),
        (
            "noise\nerror: Cannot connect to the Docker daemon at unix:///s.sock\n", "b", "other", "no-builder",
            "builder 'b' does not answer (error: Cannot connect to the Docker daemon at unix:///s.sock); pass "
            "--builder NAME (or set BUILDX_BUILDER) to a builder that `docker buildx ls` shows running "
            "(scripts/buildkit-up provisions 'bakegen')",
        ),
        (
            "ERROR: failed to connect to the docker API at x\n  ERROR: again\n", None, "env-b", "no-builder",
            "builder 'env-b' does not answer (ERROR: failed to connect to the docker API at x ERROR: again); pass "
            "--builder NAME (or set BUILDX_BUILDER) to a builder that `docker buildx ls` shows running "
            "(scripts/buildkit-up provisions 'bakegen')",
        ),
        (
            "something broke\n\n", None, None, "lint-failed",
            "docker buildx bake --call check,format=json failed (exit 3): something broke",
        ),
        ("", None, None, "lint-failed", "docker buildx bake --call check,format=json failed (exit 3): exit 3"),
        (
            "warning: x\nERROR: one\nError: not this\nerror: two\n", None, None, "lint-failed",
            "docker buildx bake --call check,format=json failed (exit 3): ERROR: one error: two",
        ),
    ],
)
def test_what_a_failed_run_says(monkeypatch, stderr, builder, env, code, message):
    if env is None:
        monkeypatch.delenv("BUILDX_BUILDER", raising=False)
    else:
        monkeypatch.setenv("BUILDX_BUILDER", env)
    [diagnostic] = lint.bake_failure(3, stderr, builder)
    assert (diagnostic.position, diagnostic.severity, diagnostic.code, diagnostic.message) == (None, "error", code, message)


def test_only_the_tail_of_a_long_error_output_is_kept():
    stderr = "x" * 1000 + "y" * 2000 + "\n"
    [diagnostic] = lint.bake_failure(1, stderr, None)
    assert diagnostic.message.endswith(": " + "y" * 2000)


def test_a_finding_without_a_line_comes_before_line_1_of_its_file(tmp_path):
    project = project_at(tmp_path)
    runner, _ = answer(warnings={"far": [warning("A", 1), warning("Z", None)]})
    report = lint.lint(project, ["far"], runner=runner)
    assert [(f.line, f.rule) for f in report.findings] == [(None, "Z"), (1, "A")]


def test_findings_and_problems_name_the_dockerfile_as_the_user_finds_it(tmp_path):
    text = DOC + "  sub:\n    from: quay.io/x/far:2\n    context: sub\n    dockerfile: s.dockerfile\n"
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "s.dockerfile").write_text(PLAIN)
    project = project_at(tmp_path, text)
    runner, _ = answer(warnings={"sub": [warning("A", 2)]}, errors={"sub": "something else"})
    report = lint.lint(project, ["sub"], runner=runner)
    assert [(f.file, f.line) for f in report.findings] == [("sub/s.dockerfile", 2)]
    assert [str(p.position) for p in report.problems] == ["sub/s.dockerfile"]


def test_a_run_that_names_no_contexts_is_read_as_such(tmp_path):
    project = project_at(tmp_path)
    report = lint.lint(project, ["far", "kid"], runner=lambda text, targets: '{"target": {"far": {}, "kid": {"build": {}}}}')
    assert report.checked == ["far", "kid"]
    assert report.problems == [] and report.findings == []
    # kid was checked on its chain's base, which the run did not name
    assert [n.message for n in report.notes] == [
        "notag: it has no tag to look up; kid checked on  (the external base of its chain) in its place; "
        "findings that depend on the ENV or ARGs of notag may differ",
        "notag: it has no tag to look up; kid checked on  (the external base of its chain) in its place as "
        "their context 'other'; findings that depend on the ENV or ARGs of notag may differ",
    ]


def test_the_tag_is_read_from_the_last_part_of_a_reference_only():
    assert lint.normalized("reg.io/a:1/b") == "reg.io/a:1/b:latest"


@pytest.mark.skipif(not any(os.access(Path(p) / "docker", os.X_OK) for p in os.environ.get("PATH", "").split(os.pathsep)), reason="no docker CLI")
def test_what_bake_refuses_before_it_reaches_the_builder(tmp_path, monkeypatch):
    # a builder of a buildx configuration of this test's own, whose daemon does not exist:
    # bake reads the file and the targets before it connects
    monkeypatch.setenv("BUILDX_CONFIG", str(tmp_path / "buildx"))
    subprocess.run(
        ["docker", "buildx", "create", "--name", "unreachable", "--driver", "remote", f"unix://{tmp_path}/none.sock"],
        check=True, capture_output=True,
    )
    project = project_at(tmp_path)
    with pytest.raises(BakegenError) as caught:
        lint.run_check(project, 'target "far" {\n', ["far"], "unreachable")
    [diagnostic] = caught.value.diagnostics
    assert (diagnostic.code, diagnostic.position) == ("lint-failed", None)
    assert diagnostic.message.startswith(
        "docker buildx bake --call check,format=json failed (exit 1): ERROR: failed to parse -: "
    )
    with pytest.raises(BakegenError) as caught:
        lint.run_check(project, 'target "root" {\n}\n', ["far"], "unreachable")
    assert [d.message for d in caught.value.diagnostics] == [
        "docker buildx bake --call check,format=json failed (exit 1): ERROR: failed to find target far"
    ]
