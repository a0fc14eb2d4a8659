"""The repository's real Dockerfiles, built for real: python -> cann -> flask-api on the
local Debian base, for linux/amd64 and linux/arm64, with stand-in CANN installers
(tests/e2e/standin_cann.py) under the real file names.

What ModelArts and Ascend need is checked twice:
- inside BuildKit, by a test-only image `verify` on top of flask-api whose RUN step runs as
  the image's user (ma-user, uid 1000, gid 100): the CANN paths of the image's ENV exist,
  the entrypoint sources the set_env.sh scripts, and the image's own CMD, started through
  its ENTRYPOINT, serves GET /health on 0.0.0.0:8080. It writes what it saw to
  results.json, exported with output type=local, and the assertions are made here;
- on the flask-api image itself, exported as an OCI layout: every layer of every platform
  is read, and no CANN installer (`*.run`), bind-mounted package folder, cache mount or
  secret is in any of them; the image config runs as ma-user with the entrypoint and CMD
  that the verify step used.

Every pip step gets the `cacert` secret (the machine's CA bundle; on the test machines PyPI
is reachable only with it), the way a user behind a proxy or a private mirror passes theirs,
and `pipconf` from PIP_CONF, as in the repository's images.yaml.

Cold, on 2 cores, the build took 5.5 min for both platforms (arm64, under qemu, about 4.8 of
them); with BuildKit's cache only the verify step runs, in under a minute.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import tarfile
import time
from datetime import datetime
from pathlib import Path

from tests.e2e import standin_cann, support

CANN_VERSION = "8.3.RC1"
CHIP = "910b"
PYTHON_VERSION = "3.11"  # Debian bookworm's own python3
MACHINE = {"linux/amd64": "x86_64", "linux/arm64": "aarch64"}
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
# what the Dockerfiles' ENV (and set_env.sh) must set to an existing path
REQUIRED_PATH_VARS = (
    "ASCEND_TOOLKIT_HOME", "ASCEND_HOME_PATH", "ASCEND_OPP_PATH", "ASCEND_AICPU_PATH",
    "ATB_HOME_PATH", "TOOLCHAIN_HOME",
)
SECRETS = ["id=pipconf,env=PIP_CONF", f"id=cacert,src={CA_BUNDLE}"]
# The chain on both platforms; arm64 runs under qemu.
PLATFORMS = ["linux/amd64", "linux/arm64"]
BUILD_TIMEOUT = 1800  # seconds; cold, both platforms took 5.5 min on 2 cores (arm64 under qemu)

# What the build mounts (installers, scripts, cache, secrets) or unpacks and removes: none
# of it may be in a layer, not even as an empty mount point (paths as in layer tarballs).
TRANSIENT_PATHS = (
    "tmp/cann-packages", "tmp/install-cann.sh", "var/cache/cann-downloads", "var/tmp/cann-install",
    "tmp/add-ma-user.sh", "tmp/requirements.txt", "run/secrets",
)

VERIFY_DOCKERFILE = """\
ARG BASE_IMAGE=base
FROM ${BASE_IMAGE} AS check
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# the image's CMD as a JSON array, and a fresh value per test run so that the checks run
ARG APP_CMD
ARG NONCE
# --network=none: a network namespace of its own, so that both platforms can listen on
# 8080 at once, and the service is seen to need no network to start.
RUN --network=none \\
    --mount=type=bind,source=verify/verify.py,target=/tmp/verify.py \\
    python /tmp/verify.py /home/ma-user/verify-results

FROM scratch
COPY --from=check /home/ma-user/verify-results/ /
"""

# Runs inside the build as the image's user; records, the test asserts.
VERIFY_PY = r'''
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
ENTRYPOINT = "/usr/local/bin/ascend-entrypoint.sh"
ASCEND = "/usr/local/Ascend/"
PATH_VARS = ("ATB_HOME_PATH", "TOOLCHAIN_HOME")
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def run(*argv):
    try:
        done = subprocess.run(argv, capture_output=True, text=True)
    except OSError as exc:  # not found, not executable: recorded, the test says what failed
        return {"argv": list(argv), "rc": None, "out": "", "err": str(exc)}
    return {"argv": list(argv), "rc": done.returncode, "out": done.stdout.strip(), "err": done.stderr.strip()[-2000:]}


def paths(env):
    """Each ASCEND_* (and ATB_HOME_PATH, TOOLCHAIN_HOME) that is a path, and the CANN entries
    of PATH, LD_LIBRARY_PATH and PYTHONPATH (the driver's belong to the host)."""
    single = {
        name: {"value": value, "exists": os.path.exists(value)}
        for name, value in sorted(env.items())
        if (name.startswith("ASCEND_") or name in PATH_VARS) and value.startswith("/")
    }
    lists = {}
    for name in ("PATH", "LD_LIBRARY_PATH", "PYTHONPATH"):
        entries = env.get(name, "").split(":") if env.get(name) else []
        cann = [e for e in entries if e.startswith(ASCEND) and not e.startswith(ASCEND + "driver/")]
        lists[name] = {
            "empty_entries": entries.count(""),
            "cann": cann,
            "missing": [e for e in cann if not os.path.isdir(e)],
        }
    return {"vars": single, "lists": lists}


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError as exc:
        return f"unreadable: {exc}"


def listeners(port):
    """Local addresses listening on port, from this network namespace's /proc/net/tcp{,6}."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in read(table).splitlines()[1:]:
            fields = line.split()
            if len(fields) > 3 and fields[3] == "0A":
                address, _, hex_port = fields[1].rpartition(":")
                if int(hex_port, 16) == port:
                    found.append(address)
    return found


def http(method, url, body=None):
    request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": "application/json"})
    try:
        with NO_PROXY.open(request, timeout=5) as response:
            return {"status": response.status, "content_type": response.headers.get("Content-Type"),
                    "body": response.read().decode()}
    except urllib.error.HTTPError as exc:
        return {"status": exc.code, "body": exc.read().decode()}


results = {
    "machine": platform.machine(),
    "identity": {
        "uid": run("id", "-u")["out"],
        "gid": run("id", "-g")["out"],
        "whoami": run("whoami")["out"],
        "home": os.environ.get("HOME"),
        "cwd": os.getcwd(),
    },
}

# The image's ENV, as any process started without the entrypoint sees it.
plain = dict(os.environ)
results["env"] = {name: plain.get(name) for name in sorted(plain) if not name.startswith(("APP_CMD", "NONCE"))}
results["env_paths"] = paths(plain)

# The entrypoint: sources set_env.sh of the toolkit and of NNAL, then runs the command.
entry = subprocess.run([ENTRYPOINT, "env", "-0"], capture_output=True, text=True)
entry_env = dict(item.partition("=")[::2] for item in entry.stdout.split("\0") if item)
results["entrypoint"] = {"rc": entry.returncode, "err": entry.stderr[-2000:], "env": entry_env,
                         "paths": paths(entry_env)}

# The installed files, through the image's PATH and PYTHONPATH, as this user.
results["tools"] = {
    "atc": shutil.which("atc"),
    "ccec": shutil.which("ccec"),
    "atc_run": run("atc"),
    "ccec_run": run("ccec"),
    "tbe": run("python", "-c", "import tbe; print(tbe.VERSION, tbe.ARCH, tbe.__file__)"),
    "atb_info": run(os.path.join(plain.get("ATB_HOME_PATH", "/nonexistent"), "bin", "atb-info")),
}
machine = platform.machine()
results["installed"] = {
    "toolkit_latest": os.path.realpath("/usr/local/Ascend/ascend-toolkit/latest"),
    "toolkit_info": read(f"/usr/local/Ascend/ascend-toolkit/latest/{machine}-linux/ascend_toolkit_install.info"),
    "kernels_info": read(f"/usr/local/Ascend/ascend-toolkit/latest/{machine}-linux/ascend_kernels_install.info"),
    "nnal_latest": os.path.realpath("/usr/local/Ascend/nnal/atb/latest"),
    "set_env_readable": {p: os.access(p, os.R_OK) for p in (
        "/usr/local/Ascend/ascend-toolkit/set_env.sh", "/usr/local/Ascend/nnal/atb/set_env.sh")},
}

model_dir = plain.get("MODEL_DIR", "/home/mind/model")
stat = os.stat(model_dir) if os.path.isdir(model_dir) else None
results["model_dir"] = {
    "path": model_dir,
    "owner": [stat.st_uid, stat.st_gid] if stat else None,
    "writable": os.access(model_dir, os.W_OK),
}

# The service: the image's CMD through its ENTRYPOINT, as the container runtime starts it.
command = [ENTRYPOINT, *json.loads(os.environ["APP_CMD"])]
log_path = os.path.join(OUT, "app.log")
started = time.monotonic()
with open(log_path, "w") as log:
    app = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
health = None
while time.monotonic() - started < 180 and app.poll() is None:
    try:
        health = http("GET", "http://127.0.0.1:8080/health")
        break
    except OSError:
        time.sleep(0.5)
service = {"command": command, "health": health, "seconds_to_health": round(time.monotonic() - started, 1)}
if health is not None:
    service["listening"] = listeners(8080)
    service["curl"] = run("curl", "--noproxy", "*", "-fsS", "-w", "\n%{http_code}", "http://127.0.0.1:8080/health")
    service["infer"] = http("POST", "http://127.0.0.1:8080/infer", json.dumps({"ping": 1}).encode())
    status = read(f"/proc/{app.pid}/status")
    service["process_uid"] = next((line.split()[1] for line in status.splitlines() if line.startswith("Uid:")), None)
service["exit_before_stop"] = app.poll()
app.terminate()
try:
    app.wait(timeout=30)
except subprocess.TimeoutExpired:
    app.kill()
service["log"] = read(log_path)[-4000:]
results["service"] = service

with open(os.path.join(OUT, "results.json"), "w") as f:
    json.dump(results, f, indent=2, sort_keys=True)
print(json.dumps(results["identity"]), "service:", json.dumps(health))
'''


def dockerfile_cmd(path: Path) -> list[str]:
    """The exec-form CMD of a Dockerfile (the last one; continuation lines joined)."""
    lines = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8")).splitlines()
    commands = [line.strip()[len("CMD"):].strip() for line in lines if line.strip().startswith("CMD ")]
    assert commands, f"{path} has no CMD"
    return json.loads(commands[-1])


# --- reading an OCI layout --------------------------------------------------------------------


def blob(layout: Path, descriptor: dict) -> Path:
    algorithm, _, digest = descriptor["digest"].partition(":")
    return layout / "blobs" / algorithm / digest


def platform_manifests(layout: Path) -> dict[str, dict]:
    """platform ("linux/arm64") -> image manifest, through the indexes of index.json;
    attestation manifests (platform unknown/unknown) are left out."""
    found: dict[str, dict] = {}

    def walk(descriptor: dict) -> None:
        document = json.loads(blob(layout, descriptor).read_text())
        if "manifests" in document:  # an image index
            for child in document["manifests"]:
                walk(child)
            return
        platform = descriptor.get("platform") or {}
        if descriptor.get("annotations", {}).get("vnd.docker.reference.type") == "attestation-manifest":
            return
        if platform.get("os") in (None, "unknown"):
            config = json.loads(blob(layout, document["config"]).read_text())
            platform = {"os": config.get("os"), "architecture": config.get("architecture")}
        if platform.get("os") == "unknown":
            return
        found[f"{platform['os']}/{platform['architecture']}"] = document

    for descriptor in json.loads((layout / "index.json").read_text())["manifests"]:
        walk(descriptor)
    return found


def layer_members(layout: Path, layer: dict) -> list[tarfile.TarInfo]:
    """Every entry of one layer blob (gzip, zstd or plain tar)."""
    path = blob(layout, layer)
    media_type = layer["mediaType"]
    if media_type.endswith("+zstd") or media_type.endswith(".zstd"):
        unpacked = subprocess.run(["zstd", "-dc", str(path)], capture_output=True, check=True).stdout
        with tarfile.open(fileobj=io.BytesIO(unpacked), mode="r:") as archive:
            return archive.getmembers()
    mode = "r:gz" if "gzip" in media_type else "r:"
    with tarfile.open(path, mode=mode) as archive:
        return archive.getmembers()


# --- timing -------------------------------------------------------------------------------------


def _timestamp(value: str) -> float:
    # RFC 3339 with nanoseconds: keep microseconds for datetime
    value = re.sub(r"(\.\d{6})\d+", r"\1", value.replace("Z", "+00:00"))
    return datetime.fromisoformat(value).timestamp()


def timings(stream: str, platforms: list[str]) -> dict[str, dict]:
    """Per platform: the span from its first step's start to its last step's end, and the
    three slowest steps, from buildx's rawjson progress."""
    report = {}
    for platform in platforms:
        spans = []
        for vertex in support.vertices(stream).values():
            name = vertex.get("name", "")
            # vertex names carry the platform only when a build has several
            ours = platform in name or len(platforms) == 1
            if ours and vertex.get("started") and vertex.get("completed"):
                start, end = _timestamp(vertex["started"]), _timestamp(vertex["completed"])
                spans.append((end - start, start, end, name))
        if spans:
            report[platform] = {
                "span_s": round(max(s[2] for s in spans) - min(s[1] for s in spans), 1),
                "slowest": [f"{s[0]:.0f}s {s[3][:100]}" for s in sorted(spans, reverse=True)[:3]],
            }
    return report


# --- the test ------------------------------------------------------------------------------------


def write_chain_project(root: Path, make_project, platforms: list[str]) -> support.Project:
    """The real dockerfiles/ folder, stand-in CANN packages and an images.yaml of the chain."""
    shutil.copytree(support.REPO / "dockerfiles", root / "dockerfiles")
    standin_cann.write_packages(root / "packages" / "cann" / CANN_VERSION, version=CANN_VERSION, chip=CHIP)
    (root / "verify").mkdir()
    (root / "verify" / "verify.py").write_text(VERIFY_PY, encoding="utf-8")
    app_cmd = dockerfile_cmd(root / "dockerfiles" / "flask.dockerfile")
    return make_project(
        root,
        images={
            "python": {
                "dockerfile": "dockerfiles/python.dockerfile",
                "args": {"PYTHON_VERSION": PYTHON_VERSION},
                "platforms": list(platforms),
                "secrets": list(SECRETS),
            },
            "cann": {
                "from": "python",
                "dockerfile": "dockerfiles/cann.dockerfile",
                "args": {
                    "CANN_VERSION": CANN_VERSION,
                    "CHIP": CHIP,
                    "COMPONENTS": "toolkit,kernels,nnal",
                    "DRIVER_VERSION": "25.3.rc1",
                    "ATB_CXX_ABI": "1",
                },
                "contexts": {"cann-packages": f"packages/cann/{CANN_VERSION}"},
                "platforms": list(platforms),
                "secrets": list(SECRETS),
            },
            "flask-api": {
                "from": "cann",
                "dockerfile": "dockerfiles/flask.dockerfile",
                "platforms": list(platforms),
                "secrets": list(SECRETS),
            },
            "verify": {
                "from": "flask-api",
                "args": {"APP_CMD": json.dumps(app_cmd), "NONCE": support.unique()},
                "platforms": list(platforms),
            },
        },
        dockerfiles={"verify": VERIFY_DOCKERFILE},
    )


def check_verify_results(results: dict, platform: str, app_cmd: list[str]) -> None:
    machine = MACHINE[platform]
    assert results["machine"] == machine, results["machine"]

    # ModelArts starts containers as ma-user, uid 1000, gid 100, in its home.
    assert results["identity"] == {
        "uid": "1000", "gid": "100", "whoami": "ma-user", "home": "/home/ma-user", "cwd": "/home/ma-user",
    }, results["identity"]

    # The image's ENV, and the same after the entrypoint sourced set_env.sh: every CANN path
    # exists, and no empty entry puts the working directory on a search path.
    entry = results["entrypoint"]
    assert entry["rc"] == 0, entry["err"]
    for where, found in (("ENV", results["env_paths"]), ("after the entrypoint", entry["paths"])):
        variables = found["vars"]
        for name in REQUIRED_PATH_VARS:
            assert name in variables, f"{platform}: {name} is not set ({where})"
        missing = {name: v["value"] for name, v in variables.items() if not v["exists"]}
        assert not missing, f"{platform}: paths that do not exist ({where}): {missing}"
        for name, listing in found["lists"].items():
            assert not listing["missing"], (
                f"{platform}: {name} names missing CANN folders ({where}): {listing['missing']}"
            )
            assert listing["cann"], f"{platform}: {name} has no CANN folder ({where})"
            if name != "PATH":
                assert listing["empty_entries"] == 0, f"{platform}: {name} has an empty entry ({where})"

    # Only set_env.sh sets the markers: the entrypoint sourced the toolkit's and NNAL's, and
    # NNAL's (no torch: C++ ABI 1) agrees with the image's ATB_HOME_PATH (ATB_CXX_ABI=1).
    env, entry_env = results["env"], entry["env"]
    for marker in (standin_cann.TOOLKIT_ENV_MARKER, standin_cann.NNAL_ENV_MARKER):
        assert marker not in env, f"{marker} is in the image's ENV: the check would prove nothing"
    assert entry_env.get(standin_cann.TOOLKIT_ENV_MARKER) == CANN_VERSION, entry_env
    assert entry_env.get(standin_cann.NNAL_ENV_MARKER) == f"{CANN_VERSION} cxx_abi_1", entry_env
    for name in ("ASCEND_TOOLKIT_HOME", "ASCEND_HOME_PATH", "ASCEND_OPP_PATH", "ATB_HOME_PATH"):
        assert entry_env.get(name) == env.get(name), (name, env.get(name), entry_env.get(name))
    assert env["ASCEND_TOOLKIT_HOME"] == "/usr/local/Ascend/ascend-toolkit/latest"
    assert env["ATB_HOME_PATH"] == "/usr/local/Ascend/nnal/atb/latest/atb/cxx_abi_1"

    # The installers of this platform's architecture were installed, and ma-user reaches
    # their files through PATH and PYTHONPATH (--install-for-all).
    tools = results["tools"]
    assert tools["atc"] == "/usr/local/Ascend/ascend-toolkit/latest/bin/atc", tools
    assert tools["ccec"] == "/usr/local/Ascend/ascend-toolkit/latest/compiler/ccec_compiler/bin/ccec", tools
    assert tools["atc_run"]["out"] == f"atc stand-in {CANN_VERSION} {machine}", tools["atc_run"]
    assert tools["ccec_run"]["out"] == f"ccec stand-in {CANN_VERSION} {machine}", tools["ccec_run"]
    assert tools["tbe"]["rc"] == 0, tools["tbe"]
    tbe_prefix = f"{CANN_VERSION} {machine} /usr/local/Ascend/ascend-toolkit/latest/python/site-packages/"
    assert tools["tbe"]["out"].startswith(tbe_prefix), tools["tbe"]
    assert tools["atb_info"]["out"] == f"atb stand-in {CANN_VERSION} {machine} cxx_abi_1", tools["atb_info"]
    installed = results["installed"]
    assert installed["toolkit_latest"] == f"/usr/local/Ascend/ascend-toolkit/{CANN_VERSION}", installed
    assert f"version={CANN_VERSION}\narch={machine}\n" in installed["toolkit_info"], installed
    assert f"package_name=Ascend-cann-kernels-{CHIP}\n" in installed["kernels_info"], installed
    assert installed["nnal_latest"] == f"/usr/local/Ascend/nnal/atb/{CANN_VERSION}", installed
    assert all(installed["set_env_readable"].values()), installed["set_env_readable"]

    # ModelArts puts the model in /home/mind/model; the service account may write there.
    assert results["model_dir"] == {"path": "/home/mind/model", "owner": [1000, 100], "writable": True}

    # The image's CMD through its ENTRYPOINT serves ModelArts' health check on 0.0.0.0:8080.
    service = results["service"]
    assert service["command"] == ["/usr/local/bin/ascend-entrypoint.sh", *app_cmd], service["command"]
    assert service["health"] is not None, f"{platform}: no answer on :8080 in 180 s; app log:\n{service['log']}"
    assert service["health"]["status"] == 200, service
    assert json.loads(service["health"]["body"]) == {"health": "true"}, service["health"]
    assert service["health"]["content_type"] == "application/json", service["health"]
    assert "00000000" in service["listening"], f"{platform}: not listening on 0.0.0.0:8080: {service['listening']}"
    assert service["curl"]["rc"] == 0 and service["curl"]["out"].endswith("\n200"), service["curl"]
    assert json.loads(service["curl"]["out"].rpartition("\n")[0]) == {"health": "true"}, service["curl"]
    assert service["infer"]["status"] == 200, service["infer"]
    assert json.loads(service["infer"]["body"])["echo"] == {"ping": 1}, service["infer"]
    assert service["process_uid"] == "1000", service
    assert service["exit_before_stop"] is None, f"{platform}: the service exited; log:\n{service['log']}"


def check_oci_image(layout: Path, platforms: list[str], app_cmd: list[str]) -> None:
    manifests = platform_manifests(layout)
    assert sorted(manifests) == sorted(platforms), sorted(manifests)
    for platform, manifest in sorted(manifests.items()):
        machine = MACHINE[platform]
        config = json.loads(blob(layout, manifest["config"]).read_text())
        assert f"{config['os']}/{config['architecture']}" == platform, (config["os"], config["architecture"])
        image = config["config"]
        assert image.get("User") == "ma-user", f"{platform}: User is {image.get('User')!r}"
        assert image.get("WorkingDir") == "/home/ma-user", image.get("WorkingDir")
        assert image.get("Entrypoint") == ["/usr/local/bin/ascend-entrypoint.sh"], image.get("Entrypoint")
        assert image.get("Cmd") == app_cmd, image.get("Cmd")
        assert "8080/tcp" in (image.get("ExposedPorts") or {}), image.get("ExposedPorts")
        assert "ASCEND_TOOLKIT_HOME=/usr/local/Ascend/ascend-toolkit/latest" in image.get("Env", []), image.get("Env")
        assert (image.get("Labels") or {}).get("com.huawei.ascend.cann.version") == CANN_VERSION, image.get("Labels")

        forbidden, seen = [], set()
        assert manifest["layers"], f"{platform}: no layers"
        for layer in manifest["layers"]:
            for member in layer_members(layout, layer):
                name = member.name.removeprefix("./").lstrip("/")
                seen.add(name)
                if name.endswith(".run") or any(name == p or name.startswith(p + "/") for p in TRANSIENT_PATHS):
                    forbidden.append(f"{layer['digest'][:19]}: {name}")
        assert not forbidden, f"{platform}: installer, mount or secret files in layers:\n" + "\n".join(forbidden)
        # the walk did read the layers that matter (a check that cannot fail proves nothing)
        for expected in (
            f"usr/local/Ascend/ascend-toolkit/{CANN_VERSION}/{machine}-linux/ascend_toolkit_install.info",
            f"usr/local/Ascend/nnal/atb/{CANN_VERSION}/atb/cxx_abi_1/lib/libatb.so",
            "usr/local/bin/ascend-entrypoint.sh",
            "opt/flask-api/app.py",
        ):
            assert expected in seen, f"{platform}: {expected} is in no layer"


def test_production_chain(tmp_path, make_project, env, out_dir):
    platforms = PLATFORMS
    project = write_chain_project(tmp_path, make_project, platforms)
    app_cmd = dockerfile_cmd(project.root / "dockerfiles" / "flask.dockerfile")
    oci, verified = out_dir / "flask-api-oci", out_dir / "verify"

    started = time.monotonic()
    result = support.bakegen(
        "build", "flask-api", "verify", "--progress", "rawjson",
        "--set", f"flask-api.output=type=oci,dest={oci},tar=false",
        "--set", f"verify.output=type=local,dest={verified}",
        cwd=project.root, env=env, timeout=BUILD_TIMEOUT,
    )
    elapsed = time.monotonic() - started
    print(f"\nbakegen build {'+'.join(platforms)}: {elapsed:.0f} s")
    for platform, timing in timings(result.stderr, platforms).items():
        print(f"  {platform}: steps span {timing['span_s']} s; slowest: {timing['slowest']}")
    assert result.returncode == 0, support.show(result)

    for platform in platforms:
        folder = verified / platform.replace("/", "_") if len(platforms) > 1 else verified
        results = json.loads((folder / "results.json").read_text())
        check_verify_results(results, platform, app_cmd)

    check_oci_image(oci, platforms, app_cmd)


def test_missing_cann_installer_names_the_file_and_the_folder(tmp_path, make_project, env):
    """Only amd64 (the python layer is cached by the test above): without the toolkit's .run
    file, the cann build stops and says which file it expected, and where."""
    project = write_chain_project(tmp_path, make_project, ["linux/amd64"])
    toolkit = project.root / "packages" / "cann" / CANN_VERSION / f"Ascend-cann-toolkit_{CANN_VERSION}_linux-x86_64.run"
    toolkit.unlink()
    result = support.bakegen(
        "build", "cann", "--progress", "plain", "--set", "cann.output=type=cacheonly",
        cwd=project.root, env=env, timeout=BUILD_TIMEOUT,
    )
    assert result.returncode == 1, support.show(result)
    assert toolkit.name in result.stderr, support.show(result)
    assert "cann-packages" in result.stderr, support.show(result)
    assert "Traceback" not in result.stderr
