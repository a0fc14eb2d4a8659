"""`bakegen test` up to the docker CLI, with a fake `docker` on PATH (tests/e2e runs it for
real): the builder is asked for its platforms before anything is built, and bake gets the
test targets with their exports and the id of the run."""

import os
import subprocess
import sys

import pytest

from tests import hclread
from tests.conftest import CONVENTIONAL_DOCKERFILE

IMAGES = """\
version: 1
variables: {REGISTRY: localhost:5000/t}
images:
  par:
    from: debian:bookworm
    dockerfile: D
    platforms: [linux/amd64, linux/arm64]
    tests: [{name: hello, run: echo hello, expect: hello}]
  kid:
    from: par
    dockerfile: D
    platforms: [linux/arm64]
"""

# `docker buildx inspect` and `ls` (python-on-whales reads both) answer as one builder
# running $PLATFORMS (a JSON list); `docker buildx bake` records its arguments, the bake file
# and the run id it was given.
FAKE_DOCKER = """\
#!/bin/sh
if [ "$2" = inspect ]; then
  echo "$*" >> "$RECORD/inspects"
  echo "Name:          fake"
  exit 0
fi
if [ "$2" = ls ]; then
  printf '{"Name":"fake","Driver":"remote","Dynamic":false,"LastActivity":"2026-11-28T21:50:11Z",'
  printf '"Nodes":[{"Name":"fake0","Endpoint":"unix:///run/fake.sock","Status":"running","Platforms":%s}]}\\n' "$PLATFORMS"
  exit 0
fi
printf '%s\\n' "$@" > "$RECORD/argv"
prev=
for arg in "$@"; do
  if [ "$prev" = --file ]; then cp "$arg" "$RECORD/bake.hcl"; fi
  prev=$arg
done
echo "$BAKEGEN_TEST_RUN" > "$RECORD/run"
exit 0
"""


@pytest.fixture
def project(write, tmp_path):
    root = write({"proj/images.yaml": IMAGES, "proj/D": CONVENTIONAL_DOCKERFILE}) / "proj"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(FAKE_DOCKER)
    (bin_dir / "docker").chmod(0o755)
    record = tmp_path / "record"
    record.mkdir()
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "RECORD": str(record)}
    return root, record, env


def bakegen_test(root, env, *args):
    return subprocess.run(
        [sys.executable, "-m", "bakegen", "test", "-f", str(root / "images.yaml"), "--builder", "fake", *args],
        capture_output=True, text=True, env=env, cwd=root,
    )


def test_a_platform_the_builder_cannot_run_is_named_with_the_fix_before_building(project):
    root, record, env = project
    result = bakegen_test(root, {**env, "PLATFORMS": '["linux/amd64", "linux/amd64/v2", "linux/386"]'})
    assert result.returncode == 1, result.stderr
    assert "the builder fake cannot run linux/arm64 (it runs linux/amd64, linux/amd64/v2, linux/386)" in result.stderr
    assert "qemu-user-static" in result.stderr
    assert not (record / "argv").exists()  # nothing was built


def test_the_builder_is_inspected_once_for_its_platforms_and_its_driver(project):
    # the platform check of `bakegen test` and the docker-driver check of the build it
    # hands to bake read one inspection (par is built for two platforms: both apply)
    root, record, env = project
    result = bakegen_test(root, {**env, "PLATFORMS": '["linux/amd64", "linux/arm64"]'})
    assert (record / "argv").exists(), result.stderr
    assert (record / "inspects").read_text().splitlines() == ["buildx inspect fake --bootstrap"]


def test_one_platform_only_needs_that_platform(project):
    root, record, env = project
    result = bakegen_test(root, {**env, "PLATFORMS": '["linux/amd64"]'}, "par", "--platform", "linux/amd64")
    assert (record / "argv").exists(), result.stderr
    targets = hclread.targets((record / "bake.hcl").read_text())
    assert targets["par"]["platforms"] == ["linux/amd64"]
    assert targets["par-test"]["platforms"] == ["linux/amd64"]


def test_bake_gets_the_test_targets_with_their_exports_and_the_run_id(project):
    root, record, env = project
    result = bakegen_test(root, {**env, "PLATFORMS": '["linux/amd64", "linux/arm64"]'}, "--progress", "plain")
    argv = (record / "argv").read_text().splitlines()
    assert argv[-2:] == ["par-test", "kid-test"]
    targets = hclread.targets((record / "bake.hcl").read_text())
    assert set(targets) == {"par", "kid", "par-test", "kid-test"}
    for image in ("par", "kid"):
        (output,) = targets[f"{image}-test"]["output"]
        assert output.startswith("type=local,dest=") and output.endswith(f"/{image}")
        assert targets[f"{image}-test"]["secret"] == ["id=bakegen-test-run,env=BAKEGEN_TEST_RUN"]
    assert len((record / "run").read_text().strip()) == 32
    # the fake bake recorded nothing: every check fails, saying so (kid, a leaf, is an
    # application image: ma-user and runs-as-ma-user too)
    assert result.returncode == 1, result.stderr
    assert "FAILED kid linux/arm64 hello (tests of par: images.yaml:8:13)" in result.stdout
    assert "no result was recorded" in result.stdout
    assert "bakegen test: 0 passed, 5 failed, 0 skipped (0 from the cache)" in result.stdout
