"""A failing RUN: `bakegen build` exits non-zero, names the step, and touches no file."""

from __future__ import annotations

from tests.e2e import support


def test_failing_run_reports_step_and_touches_nothing(tmp_path, make_project, env):
    project = make_project(
        tmp_path,
        images={"broken": {"args": {"NONCE": support.unique()}}},
        dockerfiles={"broken": 'ARG NONCE\nRUN echo "$NONCE" > /nonce\nRUN echo about-to-fail && false\n'},
    )
    generated = support.bakegen(cwd=project.root, env=env)
    assert generated.returncode == 0, support.show(generated)
    images_before = project.images_yaml.read_bytes()
    bake_before = project.bake_file.read_bytes()
    files_before = sorted(p.relative_to(project.root) for p in project.root.rglob("*"))

    for progress in ("plain", "rawjson"):
        result = support.bakegen(
            "build", "broken", "--progress", progress, "--set", "*.output=type=cacheonly",
            cwd=project.root, env=env,
        )
        assert result.returncode == 1, support.show(result)
        assert "Traceback" not in result.stderr + result.stdout, support.show(result)
        assert "RUN echo about-to-fail && false" in result.stderr, support.show(result)
        # bakegen's own summary at the end: the failing step and buildx's error
        summary = result.stderr[result.stderr.rfind("docker buildx bake broken failed"):]
        assert summary.startswith("docker buildx bake broken failed (exit 1)"), support.show(result)
        assert "about-to-fail" in summary, support.show(result)
        assert "exit code: 1" in summary, support.show(result)
        if progress == "plain":  # the step's own last words, where buildx prints them
            assert "it printed: about-to-fail" in summary, support.show(result)

    assert project.images_yaml.read_bytes() == images_before
    assert project.bake_file.read_bytes() == bake_before
    assert sorted(p.relative_to(project.root) for p in project.root.rglob("*")) == files_before
