"""Extra pip packages when a container starts (runtime-pip), on the repository's real
python.dockerfile built on the local Debian base, linux/amd64.

The python image is built once for the module, with a test image on top of it: a stand-in
torch_npu 2.7.1 (a tiny wheel made here) installed the way the framework layers install
theirs, then three RUN steps, each as the image's user on a fresh copy of that image, that
start the image's entrypoint with RUNTIME_PIP_* variables as a container runtime would
(tests/e2e/runtime_pip_inside.py) and export what they saw:
- folder: wheels made here, bind-mounted like an OBS/SFS folder, installed at start and
  importable afterwards; a restart installs nothing; nothing asked runs the command as is;
- index: the same from a PEP 503 index with HTTP basic auth that this test serves on
  127.0.0.1 (RUN steps share the host's network here), credentials from a mounted secret;
  the credentials are in no process's argv or environment while pip runs, in nothing the
  entrypoint printed, and in no file afterwards;
- refuse: a request that would replace the image's torch_npu is refused before anything is
  installed, naming it, and the command does not start.
The assertions are made here, on the exported results.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
import shutil
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.e2e import support

PLATFORM = "linux/amd64"
PYTHON_VERSION = "3.11"  # Debian bookworm's own python3
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
SECRETS = ["id=pipconf,env=PIP_CONF", f"id=cacert,src={CA_BUNDLE}"]
ENTRYPOINT = "/usr/local/bin/runtime-pip-entrypoint.sh"
INSIDE = Path(__file__).resolve().parent / "runtime_pip_inside.py"
BUILD_TIMEOUT = 1200

VERIFY_DOCKERFILE = """\
ARG BASE_IMAGE=base
FROM ${BASE_IMAGE} AS image
# A stand-in for the framework: torch_npu 2.7.1 in the system site-packages, installed as
# pytorch-npu.dockerfile installs the real one.
USER root
RUN --mount=type=bind,source=verify/framework,target=/tmp/framework \\
    pip-install --no-index --find-links /tmp/framework torch_npu==2.7.1
USER ma-user

FROM image AS folder
ARG NONCE
RUN --mount=type=bind,source=verify,target=/tmp/verify \\
    --mount=type=bind,source=verify/wheelhouse,target=/mnt/wheels \\
    python /tmp/verify/runtime_pip_inside.py folder /home/ma-user/results

FROM image AS index
ARG NONCE
ARG INDEX_URL
RUN --mount=type=bind,source=verify,target=/tmp/verify \\
    --mount=type=secret,id=index-credentials,target=/run/secrets/index-credentials,uid=1000,gid=100,mode=0400 \\
    python /tmp/verify/runtime_pip_inside.py index /home/ma-user/results

FROM image AS refuse
ARG NONCE
RUN --mount=type=bind,source=verify,target=/tmp/verify \\
    --mount=type=bind,source=verify/wheelhouse,target=/mnt/wheels \\
    python /tmp/verify/runtime_pip_inside.py refuse /home/ma-user/results

FROM scratch
COPY --from=folder /home/ma-user/results/ /folder/
COPY --from=index /home/ma-user/results/ /index/
COPY --from=refuse /home/ma-user/results/ /refuse/
"""


# --- wheels ----------------------------------------------------------------------------------------


def write_wheel(
    folder: Path, name: str, version: str, *, requires: tuple[str, ...] = (), script: str = ""
) -> Path:
    """A pure-Python wheel of one package, `import <name with _>` giving VALUE = "<name> <version>";
    with `script`, a console command of that name printing the same."""
    module = re.sub(r"[-.]+", "_", name).lower()
    dist_info = f"{module}-{version}.dist-info"
    files = {
        f"{module}/__init__.py": f'VALUE = "{name} {version}"\n\n\ndef main():\n    print(VALUE)\n',
        f"{dist_info}/METADATA": "Metadata-Version: 2.1\n"
        f"Name: {name}\nVersion: {version}\n" + "".join(f"Requires-Dist: {r}\n" for r in requires),
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: bakegen-tests\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    if script:
        files[f"{dist_info}/entry_points.txt"] = f"[console_scripts]\n{script} = {module}:main\n"
    record = []
    for path, text in files.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = "\n".join(record) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


# --- a private index on loopback -----------------------------------------------------------------


class PrivateIndex:
    """A PEP 503 simple index of some wheels on 127.0.0.1, every request behind HTTP basic auth.
    It keeps (method, path, status) of each request and never the credentials; it answers at
    most MAX_REQUESTS and lives until stop()."""

    MAX_REQUESTS = 300

    def __init__(self, wheels: list[Path], user: str, password: str):
        self.files = {wheel.name: wheel.read_bytes() for wheel in wheels}
        self.projects: dict[str, list[str]] = {}
        for wheel in wheels:
            project = re.sub(r"[-_.]+", "-", wheel.name.split("-")[0]).lower()
            self.projects.setdefault(project, []).append(wheel.name)
        self.expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.requests: list[tuple[str, str, int]] = []
        index = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                status, body, kind = index.answer(self.path, self.headers.get("Authorization"))
                index.requests.append(("GET", self.path, status))
                self.send_response(status)
                if status == 401:
                    self.send_header("WWW-Authenticate", 'Basic realm="bakegen-test"')
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.timeout = 10
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/simple/"

    def answer(self, path: str, authorization: str | None) -> tuple[int, bytes, str]:
        if len(self.requests) >= self.MAX_REQUESTS:
            return 503, b"too many requests for a test\n", "text/plain"
        if authorization != self.expected:
            return 401, b"unauthorized\n", "text/plain"
        path = path.split("?", 1)[0]
        if path == "/simple/":
            links = "".join(f'<a href="{p}/">{p}</a>\n' for p in sorted(self.projects))
            return 200, f"<!DOCTYPE html><html><body>\n{links}</body></html>\n".encode(), "text/html"
        match = re.fullmatch(r"/simple/([^/]+)/", path)
        if match and match.group(1) in self.projects:
            links = "".join(
                f'<a href="/files/{html.escape(f)}#sha256={hashlib.sha256(self.files[f]).hexdigest()}">{f}</a>\n'
                for f in self.projects[match.group(1)]
            )
            return 200, f"<!DOCTYPE html><html><body>\n{links}</body></html>\n".encode(), "text/html"
        match = re.fullmatch(r"/files/([^/]+)", path)
        if match and match.group(1) in self.files:
            return 200, self.files[match.group(1)], "application/octet-stream"
        return 404, b"not found\n", "text/plain"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


# --- the build, once for the module -----------------------------------------------------------------


def write_wheels(project: Path) -> list[Path]:
    """The test image's torch_npu, the mounted folder of wheels, and the index's wheels."""
    verify = project / "verify"
    write_wheel(verify / "framework", "torch_npu", "2.7.1")
    house = verify / "wheelhouse"
    write_wheel(house, "bakegen-demo", "1.0", script="bakegen-demo")
    write_wheel(house, "torch_npu", "2.8.0")
    write_wheel(house, "ascend-extra", "1.0", requires=("torch_npu>=2.8",))
    write_wheel(house, "ascend-ok", "1.0", requires=("torch_npu>=2.7,<2.8",))
    (house / "requirements.txt").write_text("# what the job needs\nbakegen-demo==1.0\n")
    (house / "requirements-newer-npu.txt").write_text("bakegen-demo\ntorch-npu>=2.8  # a newer NPU build\n")
    private = project.parent / "index-wheels"
    return [
        write_wheel(private, "bakegen-private", "2.0", requires=("bakegen-private-dep",), script="bakegen-private"),
        write_wheel(private, "bakegen-private-dep", "0.1"),
    ]


def image_config(layout: Path) -> dict:
    """The image config of a single-platform OCI layout."""

    def blob(descriptor: dict) -> dict:
        algorithm, _, digest = descriptor["digest"].partition(":")
        return json.loads((layout / "blobs" / algorithm / digest).read_text())

    document = blob(json.loads((layout / "index.json").read_text())["manifests"][0])
    while "manifests" in document:  # an index: the image manifest, not an attestation
        document = blob(next(m for m in document["manifests"] if m.get("platform", {}).get("os") != "unknown"))
    return blob(document["config"])["config"]


@pytest.fixture(scope="module")
def runtime_pip(tmp_path_factory, e2e_env, builder, registry, test_base):
    """Builds python + the test image once; yields what the three RUN steps recorded."""
    root = tmp_path_factory.mktemp("runtime-pip")
    project_root = root / "project"
    shutil.copytree(support.REPO / "dockerfiles", project_root / "dockerfiles")
    (project_root / "verify").mkdir(parents=True)
    shutil.copy(INSIDE, project_root / "verify" / INSIDE.name)
    index_wheels = write_wheels(project_root)

    user, password = f"job-{secrets.token_hex(4)}", secrets.token_urlsafe(24)
    credentials = root / "secrets" / "index-credentials"
    credentials.parent.mkdir()
    credentials.write_text(f"{user}:{password}\n")
    credentials.chmod(0o600)
    index = PrivateIndex(index_wheels, user, password)
    index.start()
    try:
        project = support.write_project(
            project_root, registry=registry, test_base=test_base,
            images={
                "python": {
                    "dockerfile": "dockerfiles/python.dockerfile",
                    "args": {"PYTHON_VERSION": PYTHON_VERSION},
                    "platforms": [PLATFORM],
                    "secrets": list(SECRETS),
                },
                "verify": {
                    "from": "python",
                    "args": {"NONCE": support.unique(), "INDEX_URL": index.url},
                    "platforms": [PLATFORM],
                    "secrets": [f"id=index-credentials,src={credentials}"],
                },
            },
            dockerfiles={"verify": VERIFY_DOCKERFILE},
        )
        out, oci = root / "out", root / "python-oci"
        started = time.monotonic()
        result = support.bakegen(
            "build", "python", "verify", "--progress", "plain",
            "--set", f"python.output=type=oci,dest={oci},tar=false",
            "--set", f"verify.output=type=local,dest={out}",
            cwd=project.root, env=dict(e2e_env), timeout=BUILD_TIMEOUT,
        )
        seconds = time.monotonic() - started
    finally:
        index.stop()
    print(f"\nbakegen build python verify ({PLATFORM}): {seconds:.0f} s")
    assert result.returncode == 0, support.show(result)

    results = {name: json.loads((out / name / "results.json").read_text()) for name in ("folder", "index", "refuse")}
    for scenario, records in results.items():
        timings = ", ".join(
            f"{name} {record['seconds']} s" for name, record in records.items()
            if isinstance(record, dict) and "seconds" in record
        )
        print(f"  {scenario}: {timings}")
    yield {
        "results": results,
        "config": image_config(oci),
        "user": user,
        "password": password,
        "index_requests": list(index.requests),
        "build_log": result.stdout + result.stderr,
    }
    shutil.rmtree(oci, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)


def printed(record: dict) -> str:
    return record["out"] + record["err"]


def assert_ran(record: dict, module_value: str | None = None) -> dict:
    """The entrypoint succeeded and exec'd the command (same pid), which ran."""
    assert record["rc"] == 0, printed(record)
    assert record["command_started"], printed(record)
    probe = record["probe"]
    assert probe is not None, printed(record)
    assert probe["pid"] == record["entrypoint_pid"], f"the command was not exec'd by the entrypoint: {record}"
    if module_value is not None:
        assert probe["module"].get("value") == module_value, probe
    return probe


def assert_stopped(record: dict, *words: str) -> str:
    """The entrypoint failed before the command, with a message holding every word."""
    assert record["rc"] not in (0, None), printed(record)
    assert not record["command_started"], f"the command ran although the installation failed:\n{printed(record)}"
    assert "not starting the command" in record["err"], printed(record)
    errors = [line for line in record["err"].splitlines() if line.startswith("runtime-pip: error:")]
    assert errors, printed(record)
    for word in words:
        assert word in errors[-1], (word, errors[-1])
    return errors[-1]


# --- the tests -----------------------------------------------------------------------------------------


def test_image_runs_the_entrypoint_with_the_old_command(runtime_pip):
    config = runtime_pip["config"]
    assert config.get("Entrypoint") == [ENTRYPOINT], config.get("Entrypoint")
    assert config.get("Cmd") == ["/bin/bash"], config.get("Cmd")
    assert config.get("User") == "ma-user", config.get("User")
    path = next(v for v in config.get("Env", []) if v.startswith("PATH=")).split("=", 1)[1].split(":")
    assert path[-1] == "/home/ma-user/.local/bin", path  # last: never shadows the image's commands


def test_nothing_asked_execs_the_command_as_before(runtime_pip):
    folder = runtime_pip["results"]["folder"]
    for case in ("plain", "plain_empty_values"):
        record = folder[case]
        assert_ran(record)
        assert record["err"] == "", f"{case}: the entrypoint printed something:\n{record['err']}"
    no_command = folder["no_command"]
    assert no_command["rc"] == 0, printed(no_command)
    assert no_command["out"].startswith("shell=/bin/bash 5."), no_command["out"]


def test_wheels_from_a_mounted_folder(runtime_pip):
    folder = runtime_pip["results"]["folder"]
    first = folder["first"]
    probe = assert_ran(first, module_value="bakegen-demo 1.0")
    assert probe["module"]["file"] == "/home/ma-user/.local/lib/python3.11/site-packages/bakegen_demo/__init__.py"
    assert probe["command"] == "/home/ma-user/.local/bin/bakegen-demo", probe
    assert probe["command_out"] == "bakegen-demo 1.0", probe
    err = first["err"]
    assert "runtime-pip: installing -r /mnt/wheels/requirements.txt from the folder /mnt/wheels (no index)" in err, err
    assert "keeping the image's torch_npu 2.7.1" in err, err
    assert re.search(r"runtime-pip: installed 1 package in \d+\.\d s: bakegen-demo 1\.0$", err, re.M), err

    # Afterwards, as ma-user, without the entrypoint (docker exec, a second shell).
    after = folder["after"]
    assert after["import"]["rc"] == 0, after["import"]
    assert after["import"]["out"].endswith("bakegen_demo/__init__.py bakegen-demo 1.0"), after["import"]
    assert after["which"] == "/home/ma-user/.local/bin/bakegen-demo", after
    assert after["user_site"] == ["bakegen_demo-1.0.dist-info"], after


def test_a_restart_installs_nothing_twice(runtime_pip):
    for scenario, module_value in (("folder", "bakegen-demo 1.0"), ("index", "bakegen-private 2.0")):
        restart = runtime_pip["results"][scenario]["restart"]
        assert_ran(restart, module_value=module_value)
        assert re.search(
            r"runtime-pip: nothing to install: every requested package is already installed \(checked in \d+\.\d s\)",
            restart["err"],
        ), restart["err"]
        assert "runtime-pip: installed" not in restart["err"], restart["err"]
    assert runtime_pip["results"]["folder"]["after"]["user_site"] == ["bakegen_demo-1.0.dist-info"]


def test_mistakes_stop_the_container_before_the_command(runtime_pip):
    folder = runtime_pip["results"]["folder"]
    assert_stopped(folder["missing_folder"], "RUNTIME_PIP_FIND_LINKS=/mnt/not-mounted", "no such folder")
    assert_stopped(folder["misspelt"], "unknown variable RUNTIME_PIP_PACKAGE ", "RUNTIME_PIP_PACKAGES")
    assert_stopped(folder["unknown_package"], "pip failed")
    assert "no-such-thing" in printed(folder["unknown_package"]), printed(folder["unknown_package"])


def test_private_index_with_credentials_from_a_file(runtime_pip):
    index = runtime_pip["results"]["index"]
    user, password = runtime_pip["user"], runtime_pip["password"]
    first = index["first"]
    probe = assert_ran(first, module_value="bakegen-private 2.0")
    assert probe["command"] == "/home/ma-user/.local/bin/bakegen-private", probe
    assert re.search(
        r"runtime-pip: installed 2 packages in \d+\.\d s: bakegen-private(-dep)? \S+, bakegen-private(-dep)? \S+$",
        first["err"], re.M,
    ), first["err"]

    # The index was asked with the credentials (it refuses everything without them).
    requests = runtime_pip["index_requests"]
    assert ("GET", "/simple/bakegen-private/", 200) in requests, requests
    assert any(path.startswith("/files/bakegen_private-2.0") and status == 200 for _, path, status in requests)
    assert any(status == 401 for _, _, status in requests), "the wrong password was never tried"

    # While pip ran: the watcher saw pip's argv, and neither it nor any other process's argv
    # or environment held the password; pip read it from a netrc only ma-user can read.
    watch = index["watch"]
    assert watch["pip_argv"], f"the watcher never saw pip run ({watch['scans']} scans): the check proves nothing"
    assert "--index-url" in watch["pip_argv"], watch["pip_argv"]
    assert watch["hits"] == [], watch["hits"]
    netrc = watch["netrc"]
    assert netrc and netrc.get("path", "").startswith("/dev/shm/runtime-pip-"), netrc
    assert (netrc["mode"], netrc["dir_mode"], netrc["uid"], netrc["dir_uid"]) == ("0o600", "0o700", 1000, 1000), netrc
    assert not watch["netrc_left"], netrc

    # Nothing the entrypoint printed holds the credentials, in any of the runs.
    for name in ("first", "restart", "wrong_password", "credentials_in_url"):
        for secret in (password, f"{user}:{password}", user):
            assert secret not in printed(index[name]), f"{name} printed a credential"
    # ... and nothing on disk, nor the private folder, after the runs.
    assert index["leftovers"] == {"files_with_password": [], "private_folders": []}, index["leftovers"]


def test_private_index_mistakes_stop_the_container(runtime_pip):
    index = runtime_pip["results"]["index"]
    assert_stopped(
        index["wrong_password"], "answered HTTP 401 to the credentials in",
        "RUNTIME_PIP_INDEX_CREDENTIALS_FILE=/tmp/wrong-credentials",
    )
    assert_stopped(index["credentials_in_url"], "RUNTIME_PIP_INDEX_URL holds a user name or password")


def test_replacing_a_framework_package_is_refused(runtime_pip):
    refuse = runtime_pip["results"]["refuse"]
    assert refuse["image_torch_npu"]["out"] == "2.7.1", refuse["image_torch_npu"]

    direct = assert_stopped(refuse["direct"], "torch_npu==2.8.0", "asked for directly", "torch_npu 2.7.1")
    assert "nothing was installed" in direct, direct
    in_file = assert_stopped(refuse["direct_in_file"], "torch-npu>=2.8", "torch_npu 2.7.1")
    assert "nothing was installed" in in_file, in_file
    indirect = assert_stopped(
        refuse["indirect"], "torch_npu 2.8.0", "required by ascend-extra 1.0", "the image's torch_npu 2.7.1"
    )
    assert "nothing was installed" in indirect, indirect
    assert refuse["user_site_after_refusals"] == [], refuse["user_site_after_refusals"]

    # The pins let through what fits them, and torch_npu is still the image's.
    compatible = refuse["compatible"]
    assert_ran(compatible, module_value="ascend-ok 1.0")
    assert re.search(r"installed 1 package in \d+\.\d s: ascend-ok 1\.0$", compatible["err"], re.M), compatible["err"]
    assert refuse["user_site_after"] == ["ascend_ok-1.0.dist-info"], refuse["user_site_after"]
    after = refuse["torch_npu_after"]
    assert after["out"].startswith("2.7.1 /usr/local/lib/python3.11/dist-packages/torch_npu/"), after
