"""Fixtures of the end-to-end suite: a real BuildKit builder, the local registry, the test base.

When they are not there, the tests skip, except under CI (CI=true), where they fail: a CI
job that silently skips its builds would be green for nothing.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e import support

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(str(item.path)).resolve()
        if path == HERE or HERE in path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def e2e_env() -> dict[str, str]:
    """The environment for every subprocess: os.environ, completed from
    ${BAKEGEN_STATE_DIR:-~/.cache/bakegen-buildkit}/env when BAKEGEN_BUILDER is unset."""
    return support.e2e_environment()


@pytest.fixture(scope="session")
def builder(e2e_env) -> str:
    name = e2e_env.get("BAKEGEN_BUILDER")
    if not name:
        support.unavailable(f"{support.NEED_BUILDER} (BAKEGEN_BUILDER is unset and {support.state_env_file()} names none)")
    try:
        result = support.run(["docker", "buildx", "inspect", "--bootstrap", name], env=e2e_env, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        support.unavailable(f"{support.NEED_BUILDER} (docker buildx inspect --bootstrap {name}: {exc})")
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        support.unavailable(f"{support.NEED_BUILDER} (builder {name!r} does not answer: {detail[0]})")
    e2e_env["BUILDX_BUILDER"] = name  # for any buildx call that would forget --builder
    return name


@pytest.fixture(scope="session")
def registry(e2e_env, builder) -> str:
    """host:port of a registry that speaks the distribution API over http."""
    host = e2e_env.get("BAKEGEN_REGISTRY")
    if not host:
        support.unavailable(f"{support.NEED_REGISTRY} (BAKEGEN_REGISTRY is unset: no local registry)")
    try:
        status, _, _ = support.http_get(f"http://{host}/v2/")
    except OSError as exc:
        support.unavailable(f"{support.NEED_REGISTRY} (registry {host} does not answer: {exc})")
    if status != 200:
        support.unavailable(f"{support.NEED_REGISTRY} (GET http://{host}/v2/ gave HTTP {status})")
    return host


@pytest.fixture(scope="session")
def test_base(e2e_env, registry) -> str:
    """The multi-platform Debian base of every test project, pushed to the local registry."""
    ref = e2e_env.get("BAKEGEN_TEST_BASE")
    if not ref:
        support.unavailable(f"{support.NEED_TEST_BASE} (BAKEGEN_TEST_BASE is unset: no test base image)")
    host, _, rest = ref.partition("/")
    repo, _, tag = rest.rpartition(":")
    if host == registry and repo:
        try:
            status, _, _ = support.http_get(
                f"http://{host}/v2/{repo}/manifests/{tag}", accept=support.MANIFEST_ACCEPT
            )
        except OSError as exc:
            status = f"{exc}"
        if status != 200:
            support.unavailable(f"{support.NEED_TEST_BASE} (test base {ref} is not in the registry: {status})")
    return ref


@pytest.fixture
def env(e2e_env, builder) -> dict[str, str]:
    return dict(e2e_env)


@pytest.fixture
def make_project(registry, test_base):
    """make_project(root, images={...}, dockerfiles={...}) -> support.Project (see write_project)."""

    def _make(root: Path, **kwargs) -> support.Project:
        return support.write_project(root, registry=registry, test_base=test_base, **kwargs)

    return _make


@pytest.fixture
def out_dir(tmp_path):
    """tmp_path/out for exports, removed after the test: a local export is a whole root
    file system (about 130 MB of the Debian test base), and pytest keeps three sessions."""
    path = tmp_path / "out"
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def multinode(e2e_env, builder) -> Iterator[support.MultiNode]:
    """A buildx builder of two BuildKit nodes, one for linux/amd64 and one for linux/arm64
    (scripts/buildkit-multinode, its state dir BAKEGEN_MULTINODE_DIR or
    ~/.cache/bakegen-multinode kept between sessions for its cache). Daemons that this
    session started are stopped at its end, by the PIDs the script recorded; daemons that
    were running before are left running."""
    script = str(support.REPO / "scripts" / "buildkit-multinode")
    state = Path(e2e_env.get("BAKEGEN_MULTINODE_DIR") or Path.home() / ".cache" / "bakegen-multinode")
    were_running = support.run([script, "status"], env=e2e_env, timeout=60).returncode == 0
    try:
        up = support.run([script, "up"], env=e2e_env, timeout=300)
        if up.returncode == 3:  # what scripts/buildkit-up installs is missing
            support.unavailable(f"the two-node builder cannot start: {up.stderr.strip()}")
        assert up.returncode == 0, support.show(up)
        yield support.read_multinode(state / "env", e2e_env)
    finally:
        if not were_running:
            down = support.run([script, "down"], env=e2e_env, timeout=120)
            assert down.returncode == 0, support.show(down)
