"""The bake file `bakegen build` hands buildx: only the requested targets and what they
need (read back with `--print`), never a published parent, outside every build context,
and gone when the build ends, also when bakegen is stopped by SIGTERM or SIGINT, with the
build it started. Each test gives bakegen a temporary folder (TMPDIR) of its own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e import support
from tests.e2e.test_push import pushed_platforms


@pytest.fixture
def env(env, tmp_path):
    temporary = tmp_path / "tmpdir"
    temporary.mkdir()
    return {**env, "TMPDIR": str(temporary)}


def build_files(env) -> list[str]:
    return sorted(p.name for p in Path(env["TMPDIR"]).glob(".bakegen-build-*"))


def test_print_shows_only_the_targets_and_what_they_need(tmp_path, make_project, env):
    project = make_project(
        tmp_path,
        images={
            "par": {"platforms": ["linux/amd64", "linux/arm64"]},
            "kid": {"from": "par", "platforms": ["linux/arm64"]},
            "other": {"platforms": ["linux/amd64"]},
        },
        dockerfiles={"par": "ENV PAR=1\n", "kid": "ENV KID=1\n", "other": "ENV OTHER=1\n"},
    )
    result = support.bakegen("build", "kid", "--print", cwd=project.root, env=env)
    assert result.returncode == 0, support.show(result)
    config = json.loads(result.stdout)
    assert config["group"]["default"]["targets"] == ["kid"]
    assert {name: t["platforms"] for name, t in config["target"].items()} == {
        "par": ["linux/arm64"],
        "kid": ["linux/arm64"],
    }
    assert config["target"]["par"]["output"] == [{"type": "cacheonly"}]
    assert build_files(env) == []
    # the committed file still has every image
    assert '"other"' in project.bake_file.read_text()


def test_push_publishes_the_parent_for_all_its_platforms(tmp_path, make_project, registry, env):
    """An arm64 child narrows its parent, but a pushed parent is built and pushed for all
    its platforms: its tag must not lose one (tests/e2e/test_push.py has the layers)."""
    project = make_project(
        tmp_path,
        images={
            "par": {"platforms": ["linux/amd64", "linux/arm64"], "tags": ["par:e2e"]},
            "kid": {"from": "par", "platforms": ["linux/arm64"], "tags": ["kid:e2e"]},
        },
        dockerfiles={"par": "ENV PAR=1\n", "kid": "ENV KID=1\n"},
    )
    namespace = f"e2e-push-{support.unique()}"
    printed = support.bakegen(
        "build", "kid", "--push", "--print", "--var", f"REGISTRY={registry}/{namespace}", cwd=project.root, env=env
    )
    assert printed.returncode == 0, support.show(printed)
    config = json.loads(printed.stdout)
    assert sorted(config["group"]["default"]["targets"]) == ["kid", "par"]
    assert config["target"]["par"]["platforms"] == ["linux/amd64", "linux/arm64"]
    result = support.bakegen(
        "build", "kid", "--push", "--var", f"REGISTRY={registry}/{namespace}", "--progress", "plain",
        cwd=project.root, env=env,
    )
    assert result.returncode == 0, support.show(result)
    assert pushed_platforms(registry, f"{namespace}/kid", "e2e") == {"linux/arm64"}
    assert pushed_platforms(registry, f"{namespace}/par", "e2e") == {"linux/amd64", "linux/arm64"}


def test_a_context_copied_whole_is_cached_and_holds_no_bakegen_file(tmp_path, make_project, env, out_dir):
    """The bake folder is the build context here, and the image copies it whole."""
    project = make_project(
        tmp_path / "project",  # the exports (out_dir) outside it
        images={"app": {"args": {"NONCE": support.unique()}}},
        dockerfiles={"app": 'COPY . /src\nARG NONCE\nRUN echo "$NONCE" && ls -a /src > /listing\n'},
    )

    def build(out: str):
        result = support.bakegen(
            "build", "app", "--progress", "rawjson", "--set", f"app.output=type=local,dest={out_dir / out}",
            cwd=project.root, env=env,
        )
        assert result.returncode == 0, support.show(result)
        return result

    first = build("first")
    assert len(support.executed(first.stderr)) == 1, support.steps(first.stderr)
    listing = (out_dir / "first" / "listing").read_text().split()
    assert "docker-bake.hcl" in listing and not [n for n in listing if "bakegen-build" in n], listing
    second = build("second")
    assert support.executed(second.stderr) == [], support.steps(second.stderr)


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("stop, status", [(signal.SIGTERM, 128 + signal.SIGTERM), (signal.SIGINT, 130)])
def test_stopped_build_removes_its_file_and_stops_its_build(tmp_path, make_project, env, stop, status):
    project = make_project(
        tmp_path,
        images={"slow": {"args": {"NONCE": support.unique()}}},
        dockerfiles={"slow": 'ARG NONCE\nRUN echo "$NONCE" && sleep 120\n'},
    )
    argv = [sys.executable, "-m", "bakegen", "build", "--builder", env["BAKEGEN_BUILDER"], "slow",
            "--progress", "plain", "--set", "*.output=type=cacheonly"]
    # SIGINT as a terminal's Ctrl-C gives it: a process started in the background by a shell
    # without job control (`(scripts/test &)`) starts with SIGINT ignored, and Python then
    # installs no KeyboardInterrupt handler, rightly; this test is about a foreground build.
    process = subprocess.Popen(
        argv, cwd=project.root, env=env, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 120
        while not (build_files(env) and children(process.pid)):
            assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
            time.sleep(0.2)
        docker_cli = children(process.pid)
        time.sleep(3)  # well into the build
        process.send_signal(stop)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == status, stderr
    assert build_files(env) == [], stderr
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in docker_cli) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(pid) for pid in docker_cli), "the docker CLI outlived bakegen"
