"""`bakegen lint` with the real buildx and BuildKit: findings of a chain's Dockerfiles with
file, line and rule, the stand-ins for parents (`--call check` builds nothing, so these
tests are cheap), and the repository's own images lint clean."""

from __future__ import annotations

import json

from tests.e2e import support

VIOLATIONS = "ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE} as build\nMAINTAINER someone\n"


def lint(project_root, env, *args: str):
    return support.bakegen("lint", "--builder", env["BAKEGEN_BUILDER"], *args, cwd=project_root, env=env)


def test_a_child_dockerfile_violation_is_reported_with_its_file_and_line(tmp_path, make_project, test_base, env):
    project = make_project(
        tmp_path,
        images={"root": {}, "kid": {"from": "root"}, "other": {}},
        dockerfiles={"root": "ENV ROOT=1\n", "kid": VIOLATIONS, "other": "ENV OTHER=1\n"},
    )
    result = lint(project.root, env, "kid")
    assert result.returncode == 0, support.show(result)  # BuildKit's findings are warnings
    lines = result.stderr.splitlines()
    assert any(
        line.startswith("dockerfiles/kid.dockerfile:2: warning: FromAsCasing: 'as' and 'FROM' keywords' casing do not match")
        and "https://docs.docker.com/go/dockerfile/rule/from-as-casing/" in line
        for line in lines
    ), support.show(result)
    assert any(
        line.startswith("dockerfiles/kid.dockerfile:3: warning: MaintainerDeprecated: ") for line in lines
    ), support.show(result)
    # root has no tag to look up: kid was checked on the chain's base, and says so
    assert any(
        "note: root: it has no tag to look up; kid checked on" in line and test_base in line for line in lines
    ), support.show(result)
    assert result.stdout.strip().endswith("2 image(s) checked, 0 error(s), 2 warning(s)"), support.show(result)
    assert "Traceback" not in result.stderr

    strict = lint(project.root, env, "kid", "--strict")
    assert strict.returncode == 1, support.show(strict)

    as_json = lint(project.root, env, "kid", "--json")
    assert as_json.returncode == 0, support.show(as_json)
    findings = [e for e in json.loads(as_json.stdout) if e["code"].startswith("lint:")]
    assert sorted((e["file"], e["line"], e["rule"], e["severity"]) for e in findings) == [
        ("dockerfiles/kid.dockerfile", 2, "FromAsCasing", "warning"),
        ("dockerfiles/kid.dockerfile", 3, "MaintainerDeprecated", "warning"),
    ]


def test_check_error_true_makes_findings_errors_in_lint_and_check_lint(tmp_path, make_project, env):
    project = make_project(
        tmp_path,
        images={"root": {}, "kid": {"from": "root"}},
        dockerfiles={"root": "ENV ROOT=1\n"},
    )
    # a parser directive: only on the first lines, before the conventional head
    project.dockerfile("kid").write_text("# check=error=true\n" + VIOLATIONS, encoding="utf-8")
    result = lint(project.root, env)
    assert result.returncode == 1, support.show(result)
    assert "dockerfiles/kid.dockerfile:4: error: MaintainerDeprecated: " in result.stderr, support.show(result)
    assert "dockerfiles/kid.dockerfile:3: error: FromAsCasing: " in result.stderr, support.show(result)

    checked = support.bakegen(
        "check", "--lint", "--json", "--builder", env["BAKEGEN_BUILDER"], cwd=project.root, env=env
    )
    assert checked.returncode == 1, support.show(checked)
    entries = json.loads(checked.stdout)
    lint_entries = sorted(
        (e["file"], e["line"], e["code"], e["severity"]) for e in entries if e["code"].startswith("lint:")
    )
    assert lint_entries == [
        ("dockerfiles/kid.dockerfile", 3, "lint:FromAsCasing", "error"),
        ("dockerfiles/kid.dockerfile", 4, "lint:MaintainerDeprecated", "error"),
    ], checked.stdout


def test_a_clean_chain_reports_nothing_and_exits_0(tmp_path, make_project, env):
    project = make_project(
        tmp_path,
        images={"root": {}, "mid": {"from": "root"}, "leaf": {"from": "mid"}},
        dockerfiles={
            "root": "ENV ROOT_HOME=/opt/root\n",
            "mid": "WORKDIR /opt\nENV PATH=/opt/bin:$PATH\n",
            "leaf": 'CMD ["sh", "-c", "echo leaf"]\n',
        },
    )
    result = lint(project.root, env, "leaf")
    assert result.returncode == 0, support.show(result)
    assert " warning: " not in result.stderr and " error: " not in result.stderr, support.show(result)
    assert result.stdout.strip().endswith("3 image(s) checked, 0 error(s), 0 warning(s)"), support.show(result)


def test_a_built_parent_stands_in_for_itself(tmp_path, make_project, registry, env):
    """Before the parent is pushed, the child is checked on the chain's base, where the
    parent's ENV is missing (UndefinedVar, with a note saying why); once it is pushed, on it."""
    project = make_project(
        tmp_path,
        images={"par": {"tags": ["par:e2e"]}, "kid": {"from": "par"}},
        dockerfiles={"par": "ENV PARENT_HOME=/opt/par\n", "kid": "ENV PATH=$PARENT_HOME/bin:$PATH\n"},
    )
    before = lint(project.root, env)
    assert before.returncode == 0, support.show(before)
    assert "dockerfiles/kid.dockerfile:3: warning: UndefinedVar: Usage of undefined variable '$PARENT_HOME'" in (
        before.stderr
    ), support.show(before)
    tag = f"{project.registry_prefix}/par:e2e"
    assert f"note: par: the builder could not resolve its tag {tag} (not built, or not pushed)" in before.stderr

    built = support.bakegen("build", "par", "--push", "--progress", "plain", cwd=project.root, env=env)
    assert built.returncode == 0, support.show(built)

    after = lint(project.root, env)
    assert after.returncode == 0, support.show(after)
    assert "UndefinedVar" not in after.stderr and "note:" not in after.stderr, support.show(after)
    assert after.stdout.strip().endswith("2 image(s) checked, 0 error(s), 0 warning(s)"), support.show(after)


def test_a_base_no_stand_in_resolves_is_an_error_with_the_fix(tmp_path, make_project, registry, test_base, env):
    missing = f"{registry}/{support.unique('e2e-')}/missing:1"
    project = make_project(
        tmp_path,
        images={"root": {"from": missing}, "kid": {"from": "root"}},
        dockerfiles={"root": "ENV ROOT=1\n", "kid": "ENV KID=1\n"},
    )
    result = lint(project.root, env)
    assert result.returncode == 1, support.show(result)
    assert f"error: root: not checked: the builder could not resolve {missing} (" in result.stderr, support.show(
        result
    )
    assert "(nor were kid, for the same reason); make it reachable from the builder, or pass --stand-in REF" in (
        result.stderr
    ), support.show(result)

    stood_in = lint(project.root, env, "--stand-in", test_base)
    assert stood_in.returncode == 0, support.show(stood_in)
    assert f"note: root: the builder could not resolve its base {missing}; checked on {test_base}" in stood_in.stderr


def test_a_missing_builder_is_a_message_with_the_fix(tmp_path, make_project, env):
    project = make_project(tmp_path, images={"root": {}}, dockerfiles={"root": "ENV ROOT=1\n"})
    result = support.bakegen("lint", "--builder", "bakegen-no-such-builder", cwd=project.root, env=env)
    assert result.returncode == 1, support.show(result)
    assert "there is no buildx builder 'bakegen-no-such-builder'" in result.stderr, support.show(result)
    assert "Traceback" not in result.stderr


def test_the_repositorys_images_lint_clean(test_base, env):
    """Every image of images.yaml, the external bases (Docker Hub, quay.io: not reachable
    from the test machines) stood in for by the test base."""
    result = lint(support.REPO, env, "--stand-in", test_base)
    assert result.returncode == 0, support.show(result)
    assert " warning: " not in result.stderr and " error: " not in result.stderr, support.show(result)
    assert "0 error(s), 0 warning(s)" in result.stdout, support.show(result)


def test_a_context_outside_the_project_is_read_with_bakes_permission(tmp_path, test_base, env):
    """bake asks for `--allow=fs.read=<path>` before it reads a context outside the folder
    it runs in (the folder of images.yaml); lint grants it for the paths images.yaml names."""
    (tmp_path / "ctx").mkdir()
    (tmp_path / "ctx" / "Dockerfile").write_text(VIOLATIONS, encoding="utf-8")
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "images.yaml").write_text(
        f"version: 1\nimages:\n  a: {{from: '{test_base}', context: ../ctx, dockerfile: Dockerfile}}\n", encoding="utf-8"
    )
    result = lint(tmp_path / "proj", env)
    assert result.returncode == 0, support.show(result)
    assert "../ctx/Dockerfile:3: warning: MaintainerDeprecated: " in result.stderr, support.show(result)
