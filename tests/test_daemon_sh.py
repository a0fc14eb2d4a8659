"""scripts/daemon.sh: how buildkit-up, buildkit-down and buildkit-multinode recognise,
wait for and stop their daemons. Each test runs the functions in bash against real
processes (Python sleeping, started under a name we choose with `exec -a`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

DAEMON_SH = Path(__file__).resolve().parent.parent / "scripts" / "daemon.sh"


def bash(script: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    prelude = f'set -euo pipefail\nlog() {{ echo "log: $*"; }}\n. "{DAEMON_SH}"\n'
    return subprocess.run(
        ["bash", "-c", prelude + script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def fake_daemon(tmp_path: Path):
    """A process whose command line is `<name> -c ... --root <tmp_path>/state`."""
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str = "fakedaemon") -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [
                "bash",
                "-c",
                f'exec -a {name} "{sys.executable}" -c "import time; time.sleep(300)" --root "{tmp_path}/state"',
            ],
            start_new_session=True,
        )
        for _ in range(100):  # until bash has exec'd sleep under the new name
            cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes()
            if cmdline.startswith(name.encode() + b"\0"):
                break
            time.sleep(0.05)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_pid_alive_is_true_only_for_the_named_daemon_of_the_state_dir(tmp_path: Path, fake_daemon) -> None:
    process = fake_daemon()
    (tmp_path / "d.pid").write_text(f"{process.pid}\n")
    done = bash(
        f'pid_alive d.pid "fakedaemon.*{tmp_path}/state" && echo ours\n'
        f'pid_alive d.pid "fakedaemon.*{tmp_path}/other" || echo "other state dir"\n'
        f'pid_alive d.pid "registry.*{tmp_path}/state" || echo "other daemon"\n'
        f'pid_alive missing.pid "fakedaemon" || echo "no pid file"\n',
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["ours", "other state dir", "other daemon", "no pid file"]


@pytest.mark.parametrize("content", ["", "abc\n", "999999999\n"])
def test_pid_alive_is_false_for_a_pid_file_without_a_live_pid(tmp_path: Path, content: str) -> None:
    (tmp_path / "d.pid").write_text(content)
    done = bash('pid_alive d.pid "." && echo alive || echo dead\n', tmp_path)
    assert done.stdout == "dead\n", done.stderr


def test_still_running_sees_a_running_process_and_not_a_zombie(tmp_path: Path, fake_daemon) -> None:
    running = fake_daemon()
    # A child of this test that exits and is not waited for stays a zombie: `kill -0`
    # still succeeds on it, still_running must call it gone.
    zombie = subprocess.Popen(["true"])
    for _ in range(100):
        if Path(f"/proc/{zombie.pid}/stat").read_text().rpartition(") ")[2].startswith("Z"):
            break
        time.sleep(0.05)
    try:
        done = bash(
            f"still_running {running.pid} && echo running\n"
            f"kill -0 {zombie.pid} && echo 'kill -0 sees it'\n"
            f"still_running {zombie.pid} || echo zombie\n"
            "still_running 999999999 || echo gone\n",
            tmp_path,
        )
    finally:
        zombie.wait()
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["running", "kill -0 sees it", "zombie", "gone"]


def test_stop_daemon_stops_the_daemon_and_removes_its_pid_file(tmp_path: Path, fake_daemon) -> None:
    process = fake_daemon()
    (tmp_path / "d.pid").write_text(f"{process.pid}\n")
    done = bash(f'stop_daemon d.pid "fakedaemon.*{tmp_path}/state" "fake daemon"\n', tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"log: stopping fake daemon (pid {process.pid})\n"
    assert process.wait(timeout=10) == -signal.SIGTERM
    assert not (tmp_path / "d.pid").exists()


def test_stop_daemon_leaves_another_process_with_the_same_pid_alone(tmp_path: Path, fake_daemon) -> None:
    stranger = fake_daemon("stranger")
    (tmp_path / "d.pid").write_text(f"{stranger.pid}\n")
    done = bash(f'stop_daemon d.pid "fakedaemon.*{tmp_path}/state" "fake daemon"\n', tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"log: fake daemon: pid {stranger.pid} is gone or is another process (stale pid file)\n"
    assert stranger.poll() is None
    assert not (tmp_path / "d.pid").exists()


def test_stop_daemon_without_a_pid_file_says_so(tmp_path: Path) -> None:
    done = bash('stop_daemon d.pid "." "fake daemon"\n', tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "log: fake daemon: not running (no pid file)\n"


def test_tail_log_frames_the_last_30_lines_on_stderr(tmp_path: Path) -> None:
    (tmp_path / "d.log").write_text("".join(f"line {n}\n" for n in range(1, 41)))
    done = bash("tail_log d.log\ntail_log missing.log\necho after\n", tmp_path)
    assert done.returncode == 0
    assert done.stdout == "after\n"
    lines = done.stderr.splitlines()
    assert lines[0] == "---- last lines of d.log ----"
    assert lines[1:-1] == [f"line {n}" for n in range(11, 41)]
    assert lines[-1] == "----"
