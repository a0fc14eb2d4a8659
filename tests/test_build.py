"""`bakegen build` up to the docker CLI: the bake file it hands buildx and the arguments,
with a recording `docker` on PATH (tests/e2e builds for real), and the life of that file
in the temporary folder (TMPDIR)."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bakegen import files
from bakegen.commands.build import _bake_file
from tests import hclread
from tests.conftest import CONVENTIONAL_DOCKERFILE

IMAGES = """\
version: 1
variables: {REGISTRY: localhost:5000/t}
groups:
  apps: [kid]
images:
  par:
    from: debian:bookworm
    dockerfile: D
    platforms: [linux/amd64, linux/arm64]
  kid:
    from: par
    dockerfile: D
    platforms: [linux/arm64]
  other:
    from: debian:bookworm
    dockerfile: D
    platforms: [linux/amd64]
"""

# Records its arguments and a copy of the bake file it is given, one line per argument.
RECORDING_DOCKER = """\
#!/bin/sh
printf '%s\\n' "$@" > "$RECORD/argv"
prev=
for arg in "$@"; do
  if [ "$prev" = --file ]; then cp "$arg" "$RECORD/bake.hcl"; echo "$arg" > "$RECORD/path"; fi
  prev=$arg
done
pwd > "$RECORD/cwd"
echo "$BUILDX_BAKE_FILE_RELATIVE_PATHS" > "$RECORD/relative"
ls -a "$TMPDIR" > "$RECORD/ls"
exit "${DOCKER_EXIT:-0}"
"""


@pytest.fixture
def project(write, tmp_path):
    root = write({"proj/images.yaml": IMAGES, "proj/D": CONVENTIONAL_DOCKERFILE}) / "proj"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(RECORDING_DOCKER)
    (bin_dir / "docker").chmod(0o755)
    record = tmp_path / "record"
    record.mkdir()
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "RECORD": str(record), "TMPDIR": str(temporary)}
    return root, record, env


def temporary_files(env: dict) -> list[str]:
    return sorted(p.name for p in Path(env["TMPDIR"]).iterdir())


def build(root: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bakegen", "build", "-f", str(root / "images.yaml"), *args],
        capture_output=True, text=True, env=env, cwd=root.parent,
    )


def test_bake_gets_a_file_of_the_targets_and_what_they_need(project):
    root, record, env = project
    result = build(root, {**env, "BUILDX_BAKE_FILE_RELATIVE_PATHS": "1"}, "apps", "--set", "*.output=type=cacheonly")
    assert result.returncode == 0, result.stderr
    argv = (record / "argv").read_text().splitlines()
    assert argv[:2] == ["buildx", "bake"]
    assert argv[-1] == "kid"  # the group, expanded
    path = Path((record / "path").read_text().strip())
    assert path.parent == Path(env["TMPDIR"]) and files.BUILD_FILE.fullmatch(path.name)
    assert (record / "cwd").read_text().strip() == str(root)  # bake runs beside docker-bake.hcl
    # the paths in it are relative to where bake runs, not to the file's folder
    assert (record / "relative").read_text().strip() == "0"
    targets = hclread.targets((record / "bake.hcl").read_text())
    assert {n: t["platforms"] for n, t in targets.items()} == {"par": ["linux/arm64"], "kid": ["linux/arm64"]}
    # the whole file is written as before, with every image's test target; the build's file is gone
    assert set(hclread.targets((root / "docker-bake.hcl").read_text())) == {
        "par", "kid", "other", "par-test", "kid-test", "other-test",
    }
    assert sorted(p.name for p in root.iterdir()) == ["D", "docker-bake.hcl", "images.yaml"]
    assert temporary_files(env) == []


def test_the_file_is_removed_when_bake_fails(project):
    root, record, env = project
    result = build(root, {**env, "DOCKER_EXIT": "3"}, "kid")
    assert result.returncode == 1
    assert "docker buildx bake kid failed (exit 3)" in result.stderr
    assert (record / "bake.hcl").exists()
    assert temporary_files(env) == []


@pytest.mark.parametrize(
    ("env_value", "args", "said"),
    [
        ("bogus", (), "the environment variable ATTEST_PROVENANCE is 'bogus'"),
        ("min", ("--var", "ATTEST_PROVENANCE=TRUE"), "--var ATTEST_PROVENANCE is 'TRUE'"),
    ],
)
def test_an_attest_variable_bake_would_hand_buildx_wrong_stops_the_build_first(project, env_value, args, said):
    root, record, env = project
    result = build(root, {**env, "ATTEST_PROVENANCE": env_value}, "kid", *args)
    assert result.returncode == 1
    assert said in result.stderr and "'false', 'true', 'min', 'max'" in result.stderr, result.stderr
    assert "invalid-attest-variable" not in result.stdout
    assert not (record / "argv").exists()  # bake never ran
    assert temporary_files(env) == []


def test_an_override_for_an_image_left_out_is_not_handed_to_bake(project):
    root, record, env = project
    result = build(root, env, "kid", "--set", "other.output=type=cacheonly", "--set", "kid.args.X=1")
    assert result.returncode == 0, result.stderr
    argv = (record / "argv").read_text().splitlines()
    assert "kid.args.X=1" in argv and "other.output=type=cacheonly" not in argv


def test_stale_files_of_killed_runs_are_removed_and_nothing_else(project):
    root, record, env = project
    temporary = Path(env["TMPDIR"])
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        keep = [
            f".bakegen-build-{alive.pid}.hcl",  # a build still running
            ".bakegen-build-x.hcl", f".bakegen-build-{dead.pid}.hcl.bak", f"bakegen-build-{dead.pid}.hcl",
            f".bakegen-build-0{dead.pid}.hcl",
        ]
        for name in keep + [f".bakegen-build-{dead.pid}.hcl"]:
            (temporary / name).write_text("")
        result = build(root, env, "kid")
        assert result.returncode == 0, result.stderr
        assert f"removed {temporary / f'.bakegen-build-{dead.pid}.hcl'}, left by a build that was killed" in result.stderr
        assert temporary_files(env) == sorted(keep)
        # bake saw the old ones it was not handed, and its own
        assert f".bakegen-build-{alive.pid}.hcl" in (record / "ls").read_text().split()
        assert Path((record / "path").read_text().strip()).name in (record / "ls").read_text().split()
    finally:
        alive.kill()
        alive.wait()


def test_the_file_is_made_afresh_never_through_a_link(project, tmp_path):
    """The temporary folder is shared: a link planted under the name a build will use
    must not make bakegen write through it."""
    root, record, env = project
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    # the build's name is its pid, unknown beforehand: plant the link for the next pids
    code = (
        "import os, sys; from pathlib import Path\n"
        f"victim = {str(victim)!r}; folder = Path({env['TMPDIR']!r})\n"
        "for pid in range(os.getpid() + 1, os.getpid() + 200):\n"
        "    (folder / f'.bakegen-build-{pid}.hcl').symlink_to(victim)\n"
        "print(os.getpid())\n"
    )
    planter = int(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)
    result = build(root, env, "kid")
    assert result.returncode == 0, result.stderr
    assert victim.read_text() == "keep me"
    # the build's own name was among the links (else this test proved nothing)
    pid = int(files.BUILD_FILE.fullmatch(Path((record / "path").read_text().strip()).name).group(1))
    assert planter < pid < planter + 200


def test_build_file_is_removed_on_an_error_and_on_sigterm(tmp_path):
    with pytest.raises(RuntimeError):
        with _bake_file(tmp_path, "x") as path:
            assert path.read_text() == "x"
            raise RuntimeError
    assert list(tmp_path.iterdir()) == []

    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as stopped:
        with _bake_file(tmp_path, "x") as path:
            os.kill(os.getpid(), signal.SIGTERM)
            pytest.fail("SIGTERM did not stop the build")
    assert stopped.value.code == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) == before


def test_build_file_name_pattern():
    assert files.BUILD_FILE.fullmatch(files.build_file(Path("."), 4242).name).group(1) == "4242"
    assert files.build_file(Path("/x")).name == f".bakegen-build-{os.getpid()}.hcl"


def test_partial_python_on_whales_import_leaves_the_package_whole():
    """build imports python-on-whales' buildx part only; whatever imports the package later
    gets all of it."""
    code = (
        "import sys\n"
        "from bakegen.commands.build import _whales\n"
        "buildx, not_found, failed = _whales()\n"
        "assert 'python_on_whales.components.compose.models' not in sys.modules\n"
        "assert type(buildx).__name__ == 'BuildxCLI' and hasattr(buildx, 'bake')\n"
        "assert 'docker' not in vars(sys.modules['python_on_whales'])\n"
        "import python_on_whales\n"
        "assert python_on_whales.DockerException is failed\n"
        "assert python_on_whales.ClientNotFoundError is not_found\n"
        "assert type(python_on_whales.docker.buildx) is type(buildx)\n"
        "assert python_on_whales.docker.buildx.docker_cmd == buildx.docker_cmd\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
