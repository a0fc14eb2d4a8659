"""`bakegen lint` short of BuildKit: the check-only bake file with its stand-ins, and reading
what `docker buildx bake --call check,format=json` printed (tests/e2e/test_lint.py runs it).

tests/fixtures/lint/check-run.json and check-run-2.json are the stdout of two real runs
(buildx v0.36.1, BuildKit v0.32.2) of the project beside them: the first with every image
link standing in for the linked image's tag (never pushed: `par` does not resolve), the
second for `kid` and `kid-again` on the external base of their chain. To record them
again: build the check file with ``render_check_bake`` and hand it to ``run_check``, as
``lint`` does, with ``source ~/.cache/bakegen-buildkit/env`` and the builder `bakegen`.
"""

from pathlib import Path

import pytest

from bakegen import lint
from bakegen.cli import main
from bakegen.emit.bake import render_check_bake
from bakegen.graph import UnknownTarget
from bakegen.model import load_project, parse_project
from tests import hclread

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "lint"
BASE = "localhost:5000/bakegen-test/debian:bookworm"

DOC = """\
version: 1
variables: {REGISTRY: localhost:5000/team}
defaults: {platforms: [linux/arm64]}
images:
  root:
    from: ubuntu:22.04
    dockerfile: dockerfiles/root.dockerfile
    tags: ["root:1"]
  helper:
    from: root
    dockerfile: dockerfiles/helper.dockerfile
  kid:
    from: root
    dockerfile: dockerfiles/kid.dockerfile
    target: final
    args: {CHIP: 910b}
    contexts: {tools: helper, packages: packages/cann, remote: "docker-image://quay.io/x/y:1"}
    secrets: ["id=pipconf,env=PIP_CONF"]
    tags: ["kid:1", "swr.cn-north-4.myhuaweicloud.com/org/kid:1"]
    labels: {team: npu}
  grandkid:
    from: kid
    dockerfile: dockerfiles/kid.dockerfile
"""


def first_stand_ins(project, image_ids, given=None):
    return {
        image_id: {
            name: options[0].value for name, options in lint.stand_ins(project, project.images[image_id], given).items()
        }
        for image_id in image_ids
    }


def test_check_file_replaces_every_image_link_with_the_linked_images_tag_or_its_chains_base():
    project = parse_project(DOC)
    text = render_check_bake(project, project.graph.order, first_stand_ins(project, project.graph.order))
    targets = hclread.targets(text)
    assert "target:" not in text
    assert targets["root"]["contexts"] == {"base": "docker-image://ubuntu:22.04"}
    assert targets["kid"]["contexts"] == {
        "base": '"docker-image://${REGISTRY}/root:1"',  # root's tag, as bake would push it
        "tools": "docker-image://ubuntu:22.04",  # helper has no tag: its chain's external base
        "packages": "packages/cann",
        "remote": "docker-image://quay.io/x/y:1",
    }
    # a tag with a registry host is taken as written
    assert targets["grandkid"]["contexts"] == {"base": '"docker-image://${REGISTRY}/kid:1"'}
    assert hclread.variables(text) == {"REGISTRY": "localhost:5000/team"}


def test_check_file_keeps_what_the_checks_read_and_nothing_a_build_outputs():
    project = parse_project(DOC)
    kid = hclread.targets(render_check_bake(project, ["kid"], first_stand_ins(project, ["kid"])))["kid"]
    assert set(kid) == {"context", "dockerfile", "target", "contexts", "args", "platforms"}
    assert (kid["context"], kid["dockerfile"], kid["target"]) == (".", "dockerfiles/kid.dockerfile", "final")
    assert kid["args"] == {"CHIP": "910b", "BASE_IMAGE": "base"}  # as the bake file passes them
    assert kid["platforms"] == ["linux/arm64"]


def test_stand_ins_are_tried_in_order_tag_then_chain_base_then_the_given_image():
    project = parse_project(DOC)
    kid = lint.stand_ins(project, project.images["kid"], BASE)
    assert [(s.kind, s.image) for s in kid["base"]] == [("built", "root"), ("root", "root"), ("given", None)]
    assert [s.kind for s in kid["tools"]] == ["root", "given"]  # helper has no tag
    assert kid["tools"][-1].value == f"docker-image://{BASE}"
    assert "packages" not in kid and "remote" not in kid  # not image links: left as they are
    root = lint.stand_ins(project, project.images["root"], None)
    assert [(s.kind, s.value) for s in root["base"]] == [("external", "docker-image://ubuntu:22.04")]
    assert lint.image_context("oci-layout:///srv/layout:base") == "oci-layout:///srv/layout:base"


def test_the_chains_of_the_named_images_are_linted_in_build_order():
    project = parse_project(DOC)
    assert lint.lint_targets(project, ["grandkid"]) == ["root", "helper", "kid", "grandkid"]
    assert lint.lint_targets(project, []) == project.graph.order
    with pytest.raises(UnknownTarget, match="did you mean 'grandkid'"):
        lint.lint_targets(project, ["grandkidd"])


def test_a_real_check_run_is_read_per_target():
    results = lint.parse_check_output((FIXTURE / "check-run.json").read_text())
    assert set(results) == {"par", "kid", "kid-again", "strict", "broken"}
    assert results["par"].warnings == () and results["par"].error is None
    kid = results["kid"]
    assert [(w.rule, w.line) for w in kid.warnings] == [("FromAsCasing", 2), ("MaintainerDeprecated", 3)]
    assert kid.warnings[1].url == "https://docs.docker.com/go/dockerfile/rule/maintainer-deprecated/"
    assert kid.contexts == {"base": "docker-image://localhost:5000/lint-fixture/par:never-pushed"}
    assert lint.unresolved_ref(kid.error) == "localhost:5000/lint-fixture/par:never-pushed"
    # `# check=error=true`: the check fails, naming the rules
    assert lint.violated_rules(results["strict"].error) == {"MaintainerDeprecated"}
    assert lint.unresolved_ref(results["strict"].error) is None
    broken = results["broken"]
    assert broken.error.startswith("dockerfile parse error on line 3: unknown instruction: COPIE")
    assert broken.error_line == 3 and lint.violated_rules(broken.error) is None


@pytest.mark.parametrize(
    "ref, expected",
    [
        ("ubuntu:22.04", "docker.io/library/ubuntu:22.04"),
        ("docker-image://xuopoj/python:3.10", "docker.io/xuopoj/python:3.10"),
        ("localhost:5000/x/y", "localhost:5000/x/y:latest"),
        ("quay.io/ascend/vllm-ascend:v0.23.0", "quay.io/ascend/vllm-ascend:v0.23.0"),
        ("quay.io/a/b@sha256:" + "0" * 64, "quay.io/a/b@sha256:" + "0" * 64),
    ],
)
def test_references_compare_as_the_registry_client_names_them(ref, expected):
    assert lint.normalized(ref) == expected


def replay(*outputs: str):
    """The recorded stdout of each check run in turn; the bake files handed over are kept."""
    handed: list[tuple[str, list[str]]] = []
    answers = iter(outputs)

    def runner(text, targets):
        handed.append((text, list(targets)))
        return next(answers)

    return runner, handed


def test_findings_of_the_recorded_runs_with_file_line_rule_and_images():
    project = load_project(FIXTURE / "images.yaml")
    runner, handed = replay((FIXTURE / "check-run.json").read_text(), (FIXTURE / "check-run-2.json").read_text())
    report = lint.lint(project, project.graph.order, runner=runner)

    # the images whose parent's tag did not resolve were checked again, on the chain's base
    assert [targets for _, targets in handed] == [["broken", "par", "strict", "kid", "kid-again"], ["kid", "kid-again"]]
    again = hclread.targets(handed[1][0])
    assert again["kid"]["contexts"] == {"base": f"docker-image://{BASE}"}

    found = [(f.file.rsplit("/", 1)[-1], f.line, f.rule, f.severity, f.images) for f in report.findings]
    assert found == [
        ("kid.dockerfile", 2, "FromAsCasing", "warning", ("kid", "kid-again")),
        ("kid.dockerfile", 3, "MaintainerDeprecated", "warning", ("kid", "kid-again")),
        ("kid.dockerfile", 4, "UndefinedVar", "warning", ("kid", "kid-again")),  # PARENT_HOME is par's ENV
        ("strict.dockerfile", 4, "MaintainerDeprecated", "error", ("strict",)),  # check=error=true
    ]
    diagnostic = report.findings[1].diagnostic()
    assert diagnostic.code == "lint:MaintainerDeprecated"
    assert str(diagnostic).endswith(
        "kid.dockerfile:3: warning: MaintainerDeprecated: Maintainer instruction is deprecated in favor of "
        "using label (images kid, kid-again; https://docs.docker.com/go/dockerfile/rule/maintainer-deprecated/)"
    )

    [problem] = report.problems
    assert (problem.code, problem.position.line) == ("lint-failed", 3)
    assert problem.position.file.endswith("broken.dockerfile")
    assert "unknown instruction: COPIE" in problem.message

    [note] = report.notes
    assert (note.code, note.severity) == ("lint-stand-in", "note")
    assert note.message == (
        "par: the builder could not resolve its tag localhost:5000/lint-fixture/par:never-pushed (not built, "
        f"or not pushed); kid, kid-again checked on {BASE} (the external base of its chain) in its place; "
        "findings that depend on the ENV or ARGs of par may differ"
    )
    assert (note.position.file, note.position.line) == (project.where("images", "par").file, 9)

    entry = report.as_json()[-1]
    assert entry["code"] == "lint:MaintainerDeprecated" and entry["rule"] == "MaintainerDeprecated"
    assert entry["images"] == ["strict"] and entry["severity"] == "error" and entry["line"] == 4


def test_a_missing_builder_is_named_with_the_fix():
    [diagnostic] = lint.bake_failure(1, 'ERROR: no builder "nope" found\n', "nope")
    assert diagnostic.code == "no-builder"
    assert "there is no buildx builder 'nope'" in diagnostic.message
    assert "docker buildx create --name nope" in diagnostic.message and "--builder NAME" in diagnostic.message
    stderr = "ERROR: failed to connect to the docker API at unix:///var/run/docker.sock; check if the path is correct\n"
    [diagnostic] = lint.bake_failure(1, stderr, None)
    assert diagnostic.message.startswith("the default buildx builder does not answer")


def test_builder_and_stand_in_go_with_check_lint_only(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check", "--builder", "bakegen"])
    assert exc.value.code == 2
    assert "--builder and --stand-in go with `check --lint`" in capsys.readouterr().err
