"""Runs inside BuildKit, in a RUN step of the test image of test_runtime_pip.py, as the image's
user: starts the image's entrypoint with RUNTIME_PIP_* variables the way a container runtime
would, and records what happened in OUT/results.json. It asserts nothing: the test does.

    python runtime_pip_inside.py SCENARIO OUT     SCENARIO: folder | index | refuse
    python runtime_pip_inside.py probe MARKER [MODULE [COMMAND]]

`probe` is the command the entrypoint starts: it writes MARKER (so a test can see whether the
command ran at all), then prints one JSON line: its pid (the entrypoint's, if it was exec'd),
what importing MODULE gave and where COMMAND is on PATH.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

ENTRYPOINT = "/usr/local/bin/runtime-pip-entrypoint.sh"
WHEELS = "/mnt/wheels"  # the bind-mounted folder of wheels: an OBS or SFS mount in ModelArts
CREDENTIALS = "/run/secrets/index-credentials"  # a mounted secret
HERE = os.path.abspath(__file__)


def probe(marker: str, module: str = "", command: str = "") -> None:
    Path(marker).write_text("started\n")
    found: dict = {"pid": os.getpid()}
    if module:
        try:
            imported = importlib.import_module(module)
            found["module"] = {"file": imported.__file__, "value": getattr(imported, "VALUE", None)}
        except ImportError as exc:
            found["module"] = {"error": str(exc)}
    if command:
        found["command"] = shutil.which(command)
        if found["command"]:
            done = subprocess.run([command], capture_output=True, text=True)
            found["command_out"] = done.stdout.strip()
    print(json.dumps(found))


def clean_environment() -> dict[str, str]:
    """The RUN step's environment (the image's ENV) without the build args of the test."""
    return {k: v for k, v in os.environ.items() if k not in ("NONCE", "INDEX_URL")}


class Run:
    """One start of the entrypoint: ENTRYPOINT + COMMAND with some RUNTIME_PIP_* variables."""

    count = 0

    def __init__(self, variables: dict[str, str], module: str = "", command: str = "", argv=None, stdin=None):
        Run.count += 1
        self.marker = f"/tmp/command-started-{Run.count}"
        self.variables = variables
        self.argv = argv if argv is not None else [
            ENTRYPOINT, sys.executable, HERE, "probe", self.marker, module, command
        ]
        self.stdin = stdin

    def start(self) -> subprocess.Popen:
        self.started = time.monotonic()
        return subprocess.Popen(
            self.argv, env={**clean_environment(), **self.variables}, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )

    def finish(self, process: subprocess.Popen) -> dict:
        out, err = process.communicate(self.stdin, timeout=300)
        record = {
            "variables": self.variables,
            "rc": process.returncode,
            "seconds": round(time.monotonic() - self.started, 2),
            "out": out,
            "err": err,
            "entrypoint_pid": process.pid,
            "command_started": os.path.exists(self.marker),
        }
        lines = [line for line in out.splitlines() if line.startswith("{")]
        record["probe"] = json.loads(lines[-1]) if lines else None
        return record

    def __call__(self) -> dict:
        return self.finish(self.start())


def user_site_distributions() -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", "import site; print(site.getusersitepackages())"], capture_output=True, text=True
    )
    folder = Path(done.stdout.strip())
    return sorted(p.name for p in folder.glob("*.dist-info")) if folder.is_dir() else []


def plain_python(code: str) -> dict:
    """Python as a process started without the entrypoint sees things (docker exec, a second shell)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=clean_environment())
    return {"rc": done.returncode, "out": done.stdout.strip(), "err": done.stderr.strip()[-2000:]}


# --- scenarios --------------------------------------------------------------------------------------


def folder() -> dict:
    results: dict = {}
    # Nothing asked: the command is exec'd directly (same pid), nothing is printed.
    results["plain"] = Run({})()
    results["plain_empty_values"] = Run({"RUNTIME_PIP_PACKAGES": "", "RUNTIME_PIP_REQUIREMENTS": ""})()
    results["no_command"] = Run({}, argv=[ENTRYPOINT], stdin='echo "shell=$0 $BASH_VERSION"\n')()

    wanted = {"RUNTIME_PIP_FIND_LINKS": WHEELS, "RUNTIME_PIP_REQUIREMENTS": f"{WHEELS}/requirements.txt"}
    results["first"] = Run(wanted, module="bakegen_demo", command="bakegen-demo")()
    # A restarted container: the same variables, the packages already in ~/.local.
    results["restart"] = Run(wanted, module="bakegen_demo", command="bakegen-demo")()
    results["after"] = {
        "import": plain_python("import bakegen_demo; print(bakegen_demo.__file__, bakegen_demo.VALUE)"),
        "which": shutil.which("bakegen-demo", path=clean_environment()["PATH"]),
        "path": clean_environment()["PATH"],
        "user_site": user_site_distributions(),
    }
    # Mistakes stop the container before the command.
    results["missing_folder"] = Run({"RUNTIME_PIP_FIND_LINKS": "/mnt/not-mounted", "RUNTIME_PIP_PACKAGES": "x"})()
    results["misspelt"] = Run({"RUNTIME_PIP_FIND_LINKS": WHEELS, "RUNTIME_PIP_PACKAGE": "bakegen-demo"})()
    results["unknown_package"] = Run({"RUNTIME_PIP_FIND_LINKS": WHEELS, "RUNTIME_PIP_PACKAGES": "no-such-thing"})()
    return results


class ProcessWatcher(threading.Thread):
    """Reads every process's argv (/proc/*/cmdline) and, where allowed, its environment, over and
    over while the entrypoint runs; notes any that hold the secret, and what pip got."""

    def __init__(self, secrets: list[bytes]):
        super().__init__(daemon=True)
        self.secrets = [s for s in secrets if s]
        self.stop = threading.Event()
        self.scans = 0
        self.hits: set[str] = set()
        self.pip_argv: list[str] | None = None
        self.netrc: dict | None = None

    def run(self) -> None:
        while not self.stop.is_set():
            self.scans += 1
            for entry in os.scandir("/proc"):
                if entry.name.isdigit():
                    self.look(entry.name)
            time.sleep(0.002)

    def look(self, pid: str) -> None:
        for part in ("cmdline", "environ"):
            try:
                with open(f"/proc/{pid}/{part}", "rb") as f:
                    data = f.read()
            except OSError:
                continue
            for secret in self.secrets:
                if secret in data:
                    self.hits.add(f"/proc/{pid}/{part}")
            if part == "cmdline":
                argv = data.decode(errors="replace").split("\0")
                if "pip" in argv and "install" in argv and self.pip_argv is None:
                    self.pip_argv = argv
                    self.inspect_netrc(pid)

    def inspect_netrc(self, pid: str) -> None:
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                environ = dict(item.partition("=")[::2] for item in f.read().decode().split("\0") if item)
        except OSError as exc:
            self.netrc = {"error": str(exc)}
            return
        path = environ.get("NETRC")
        self.netrc = {"path": path}
        if path:
            try:
                file_stat, dir_stat = os.stat(path), os.stat(os.path.dirname(path))
                self.netrc.update(
                    mode=oct(stat.S_IMODE(file_stat.st_mode)), uid=file_stat.st_uid,
                    dir_mode=oct(stat.S_IMODE(dir_stat.st_mode)), dir_uid=dir_stat.st_uid,
                )
            except OSError as exc:
                self.netrc["error"] = str(exc)


def files_holding(secret: bytes, roots: list[str]) -> list[str]:
    found = []
    for root in roots:
        for folder, _, names in os.walk(root):
            for name in names:
                path = os.path.join(folder, name)
                try:
                    if os.path.isfile(path) and not os.path.islink(path) and secret in Path(path).read_bytes():
                        found.append(path)
                except OSError:
                    continue
    return found


def index() -> dict:
    results: dict = {}
    user, _, password = Path(CREDENTIALS).read_text().strip().partition(":")
    url = os.environ["INDEX_URL"]
    wanted = {
        "RUNTIME_PIP_INDEX_URL": url,
        "RUNTIME_PIP_INDEX_CREDENTIALS_FILE": CREDENTIALS,
        "RUNTIME_PIP_PACKAGES": "bakegen-private==2.0",
    }
    # First a wrong password (nothing is installed yet, so pip must ask the index): it
    # answers 401, and the command does not start.
    wrong = Path("/tmp/wrong-credentials")
    wrong.write_text(f"{user}:not-{password[:4]}\n")
    wrong.chmod(0o600)
    results["wrong_password"] = Run({**wanted, "RUNTIME_PIP_INDEX_CREDENTIALS_FILE": str(wrong)})()

    watcher = ProcessWatcher([password.encode(), f"{user}:{password}".encode()])
    watcher.start()
    results["first"] = Run(wanted, module="bakegen_private", command="bakegen-private")()
    watcher.stop.set()
    watcher.join()
    results["watch"] = {
        "scans": watcher.scans, "hits": sorted(watcher.hits), "pip_argv": watcher.pip_argv, "netrc": watcher.netrc,
        "netrc_left": bool(watcher.netrc and watcher.netrc.get("path") and os.path.exists(watcher.netrc["path"])),
    }
    results["restart"] = Run(wanted, module="bakegen_private")()

    # Credentials written into the URL are refused without being repeated.
    with_secret = url.replace("://", f"://{user}:{password}@", 1)
    results["credentials_in_url"] = Run({**wanted, "RUNTIME_PIP_INDEX_URL": with_secret})()

    results["leftovers"] = {
        "files_with_password": files_holding(password.encode(), ["/tmp", "/var/tmp", "/dev/shm", "/home/ma-user"]),
        "private_folders": sorted(
            str(p) for root in ("/tmp", "/dev/shm", "/var/tmp") for p in Path(root).glob("runtime-pip-*")
        ),
    }
    return results


def refuse() -> dict:
    results: dict = {}
    source = {"RUNTIME_PIP_FIND_LINKS": WHEELS}
    results["image_torch_npu"] = plain_python("from importlib.metadata import version; print(version('torch_npu'))")
    results["direct"] = Run({**source, "RUNTIME_PIP_PACKAGES": "torch_npu==2.8.0"}, module="torch_npu")()
    results["direct_in_file"] = Run(
        {**source, "RUNTIME_PIP_REQUIREMENTS": f"{WHEELS}/requirements-newer-npu.txt"}, module="torch_npu"
    )()
    results["indirect"] = Run({**source, "RUNTIME_PIP_PACKAGES": "ascend-extra"}, module="ascend_extra")()
    results["user_site_after_refusals"] = user_site_distributions()
    # A package that works with the image's torch_npu goes in.
    results["compatible"] = Run({**source, "RUNTIME_PIP_PACKAGES": "ascend-ok"}, module="ascend_ok")()
    results["user_site_after"] = user_site_distributions()
    results["torch_npu_after"] = plain_python(
        "import torch_npu; from importlib.metadata import version; print(version('torch_npu'), torch_npu.__file__)"
    )
    return results


def main() -> None:
    if sys.argv[1] == "probe":
        probe(*sys.argv[2:])
        return
    scenario, out = sys.argv[1], Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    results = {"folder": folder, "index": index, "refuse": refuse}[scenario]()
    (out / "results.json").write_text(json.dumps(results, indent=2, sort_keys=True))
    for name, record in results.items():
        if isinstance(record, dict) and "rc" in record:
            print(f"{scenario}/{name}: exit {record['rc']} in {record.get('seconds')} s")


if __name__ == "__main__":
    main()
