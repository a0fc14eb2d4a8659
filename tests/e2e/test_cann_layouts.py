"""The repository's cann.dockerfile, built for real with stand-in installers
(tests/e2e/standin_cann.py) for the CANN layouts the production chain does not cover:

- CANN 8.5.0 (toolkit, ops, nnal) on linux/amd64 and linux/arm64: the runtime lives in
  /usr/local/Ascend/cann-8.5.0 (ascend-toolkit/latest kept as a link to it), the entrypoint
  also sources AscendNPU IR's set_env.sh (bisheng) and passes the image's ATB_CXX_ABI to
  NNAL's set_env.sh, and LD_LIBRARY_PATH has /usr/local/Ascend/driver/lib64 besides
  lib64/common and lib64/driver, as the official 8.5.0 image sets it;
- CANN 8.3.RC1 on the runtime-only nnae with NNAL (nnae, kernels, nnal), linux/amd64 only:
  NNAL is installed against nnae's set_env.sh, as hiascend's ATB docs allow;
- vllm.dockerfile on the CANN 8.5.0 image, linux/amd64 only, standing in for the official
  vllm-ascend image (a CANN 8.5+ image too): its ENTRYPOINT, the CANN layer's
  ascend-entrypoint.sh, must give the same environment as the CANN image's.

ATB_CXX_ABI is 0 in both: the stand-in NNAL, like the real one, picks cxx_abi_1 when it is
not told and finds no torch, so cxx_abi_0 after the entrypoint shows the argument was passed.

On each image a test-only step runs as the image's user (ma-user) and starts the image's
ENTRYPOINT (read from cann.dockerfile) the way a container runtime does; it writes what it
saw to results.json, exported with output type=local, and the assertions are made here.

The python layer is declared exactly as in test_production_chain.py (same args, secrets,
platforms and base), and so are cann.dockerfile's steps before its first version-specific
ARG, so BuildKit's cache serves both tests: after the production chain, this test builds
only the installer steps and the checks.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

from tests.e2e import standin_cann, support

PYTHON_VERSION = "3.11"  # Debian bookworm's own python3, as in test_production_chain.py
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
SECRETS = ["id=pipconf,env=PIP_CONF", f"id=cacert,src={CA_BUNDLE}"]
PLATFORMS = ["linux/amd64", "linux/arm64"]
MACHINE = {"linux/amd64": "x86_64", "linux/arm64": "aarch64"}
BUILD_TIMEOUT = 1800
ASCEND = "/usr/local/Ascend"
DRIVER_LIBRARY_PATH = [f"{ASCEND}/driver/lib64", f"{ASCEND}/driver/lib64/common", f"{ASCEND}/driver/lib64/driver"]
REQUIRED_PATH_VARS = (
    "ASCEND_TOOLKIT_HOME", "ASCEND_HOME_PATH", "ASCEND_OPP_PATH", "ASCEND_AICPU_PATH",
    "ATB_HOME_PATH", "TOOLCHAIN_HOME",
)
# The layouts under test: image id -> what it is built from and what its environment must be.
V850 = "8.5.0"
V83 = "8.3.RC1"
LAYOUTS = {
    "cann-850": {
        "version": V850,
        "components": "toolkit,ops,nnal",
        "standins": ("toolkit", "kernels", "nnal"),
        "home": f"{ASCEND}/cann-{V850}",
        "platforms": PLATFORMS,
    },
    "cann-nnae": {
        "version": V83,
        "components": "nnae,kernels,nnal",
        "standins": ("nnae", "kernels", "nnal"),
        "home": f"{ASCEND}/nnae/latest",
        "platforms": ["linux/amd64"],
    },
}

# Images on top of a layout, checked like it: id -> (parent, Dockerfile, args, platforms)
ON_TOP = {
    "vllm-on-cann-850": ("cann-850", "dockerfiles/vllm.dockerfile", {"VLLM_ASCEND_VERSION": "stand-in"}, ["linux/amd64"]),
}

VERIFY_DOCKERFILE = """\
ARG BASE_IMAGE=base
FROM ${BASE_IMAGE} AS check
# the image's ENTRYPOINT as a JSON array, and a fresh value per test run so that the checks run
ARG ENTRYPOINT_JSON
ARG NONCE
RUN --network=none \\
    --mount=type=bind,source=verify/verify_cann.py,target=/tmp/verify_cann.py \\
    python3 /tmp/verify_cann.py /home/ma-user/verify-results

FROM scratch
COPY --from=check /home/ma-user/verify-results/ /
"""

# Runs inside the build as the image's user; records, the test asserts.
VERIFY_PY = r'''
import json
import os
import platform
import subprocess
import sys

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
ENTRYPOINT = json.loads(os.environ["ENTRYPOINT_JSON"])
ASCEND = "/usr/local/Ascend/"
PATH_VARS = ("ATB_HOME_PATH", "TOOLCHAIN_HOME")
OWN = ("ENTRYPOINT_JSON", "NONCE")


def run(argv, env=None):
    try:
        done = subprocess.run(argv, capture_output=True, text=True, env=env)
    except OSError as exc:
        return {"argv": argv, "rc": None, "out": "", "err": str(exc)}
    return {"argv": argv, "rc": done.returncode, "out": done.stdout.strip(), "err": done.stderr.strip()[-2000:]}


def paths(env):
    """Each ASCEND_* (and ATB_HOME_PATH, TOOLCHAIN_HOME) that is a path, and the entries of
    PATH, LD_LIBRARY_PATH and PYTHONPATH under /usr/local/Ascend (the driver's belong to the host)."""
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
            "entries": entries,
            "empty_entries": entries.count(""),
            "cann": cann,
            "missing": [e for e in cann if not os.path.isdir(e)],
        }
    return {"vars": single, "lists": lists}


plain = {name: value for name, value in os.environ.items() if name not in OWN}
results = {
    "machine": platform.machine(),
    "identity": {"uid": os.getuid(), "gid": os.getgid(), "user": run(["whoami"])["out"],
                 "home": os.environ.get("HOME")},
    "entrypoint_argv": ENTRYPOINT,
    "env": plain,
    "env_paths": paths(plain),
}

# The entrypoint, started as a container runtime starts it: ENTRYPOINT + the command.
entry = subprocess.run([*ENTRYPOINT, "env", "-0"], capture_output=True, text=True, env=plain)
entry_env = dict(item.partition("=")[::2] for item in entry.stdout.split("\0") if item)
results["entrypoint"] = {"rc": entry.returncode, "err": entry.stderr[-2000:], "env": entry_env,
                         "paths": paths(entry_env)}
# Tools that only the set_env.sh scripts put on PATH.
results["after_entrypoint"] = {
    "bishengir": run([*ENTRYPOINT, "bishengir-compile"], env=plain),
    "atb_info": run([*ENTRYPOINT, "atb-info"], env=plain),
}
# The chain ends in runtime-pip-entrypoint.sh: a misspelt RUNTIME_PIP_* name stops the
# container there, before the command.
results["runtime_pip"] = run([*ENTRYPOINT, "touch", "/tmp/command-ran"], env={**plain, "RUNTIME_PIP_PACKAGE": "x"})
results["runtime_pip"]["command_ran"] = os.path.exists("/tmp/command-ran")

home = plain.get("ASCEND_TOOLKIT_HOME", "")
results["installed"] = {
    "home_is_link": os.path.islink(home),
    "toolkit_latest": os.path.realpath(ASCEND + "ascend-toolkit/latest") if os.path.lexists(ASCEND + "ascend-toolkit/latest") else None,
    "cann_link": os.path.realpath(ASCEND + "cann") if os.path.lexists(ASCEND + "cann") else None,
    "runtime_info": sorted(name for name in os.listdir(os.path.join(home, platform.machine() + "-linux"))
                           if name.endswith("_install.info")) if os.path.isdir(home) else None,
}

with open(os.path.join(OUT, "results.json"), "w") as f:
    json.dump(results, f, indent=2, sort_keys=True)
print(json.dumps(results["identity"]), "entrypoint rc:", entry.returncode)
'''


def dockerfile_entrypoint(path: Path) -> list[str]:
    """The exec-form ENTRYPOINT of a Dockerfile (the last one; continuation lines joined)."""
    lines = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8")).splitlines()
    found = [line.strip()[len("ENTRYPOINT"):].strip() for line in lines if line.strip().startswith("ENTRYPOINT ")]
    assert found, f"{path} has no ENTRYPOINT"
    return json.loads(found[-1])


def write_project(root: Path, make_project) -> support.Project:
    shutil.copytree(support.REPO / "dockerfiles", root / "dockerfiles")
    (root / "verify").mkdir()
    (root / "verify" / "verify_cann.py").write_text(VERIFY_PY, encoding="utf-8")
    def entrypoint(dockerfile: str) -> str:
        return json.dumps(dockerfile_entrypoint(root / dockerfile))

    images: dict[str, dict] = {
        # as in test_production_chain.py, so that BuildKit's cache serves both
        "python": {
            "dockerfile": "dockerfiles/python.dockerfile",
            "args": {"PYTHON_VERSION": PYTHON_VERSION},
            "platforms": list(PLATFORMS),
            "secrets": list(SECRETS),
        },
    }
    for image_id, layout in LAYOUTS.items():
        packages = f"packages/{image_id}"
        standin_cann.write_packages(
            root / packages, version=layout["version"], chip="910b", components=layout["standins"],
            arches=[MACHINE[p] for p in layout["platforms"]],
        )
        images[image_id] = {
            "from": "python",
            "dockerfile": "dockerfiles/cann.dockerfile",
            "args": {
                "CANN_VERSION": layout["version"],
                "CHIP": "910b",
                "COMPONENTS": layout["components"],
                "ATB_CXX_ABI": "0",
                "ASCEND_TOOLKIT_HOME": layout["home"],
            },
            "contexts": {"cann-packages": packages},
            "platforms": list(layout["platforms"]),
            "secrets": list(SECRETS),
        }
        images[f"verify-{image_id}"] = {
            "from": image_id,
            "dockerfile": "dockerfiles/verify.dockerfile",
            "args": {"ENTRYPOINT_JSON": entrypoint("dockerfiles/cann.dockerfile"), "NONCE": support.unique()},
            "platforms": list(layout["platforms"]),
        }
    for image_id, (parent, dockerfile, args, platforms) in ON_TOP.items():
        images[image_id] = {"from": parent, "dockerfile": dockerfile, "args": args, "platforms": platforms}
        images[f"verify-{image_id}"] = {
            "from": image_id,
            "dockerfile": "dockerfiles/verify.dockerfile",
            "args": {"ENTRYPOINT_JSON": entrypoint(dockerfile), "NONCE": support.unique()},
            "platforms": platforms,
        }
    return make_project(root, images=images, dockerfiles={"verify": VERIFY_DOCKERFILE})


def results_of(out: Path, image_id: str, platform: str) -> dict:
    folder = out / image_id
    platforms = LAYOUTS[image_id]["platforms"] if image_id in LAYOUTS else ON_TOP[image_id][3]
    if len(platforms) > 1:
        folder = folder / platform.replace("/", "_")
    return json.loads((folder / "results.json").read_text())


def check_common(results: dict, platform: str, layout: dict) -> dict:
    """What every layout must give, as ma-user, in the image's ENV and after the entrypoint;
    returns the environment after the entrypoint."""
    version, home = layout["version"], layout["home"]
    assert results["machine"] == MACHINE[platform], results["machine"]
    assert results["identity"] == {"uid": 1000, "gid": 100, "user": "ma-user", "home": "/home/ma-user"}, results["identity"]

    env, entry = results["env"], results["entrypoint"]
    assert entry["rc"] == 0, entry["err"]
    entry_env = entry["env"]
    for where, found in (("ENV", results["env_paths"]), ("after the entrypoint", entry["paths"])):
        for name in REQUIRED_PATH_VARS:
            assert name in found["vars"], f"{platform}: {name} is not set ({where})"
        missing = {name: v["value"] for name, v in found["vars"].items() if not v["exists"]}
        assert not missing, f"{platform}: paths that do not exist ({where}): {missing}"
        for name, listing in found["lists"].items():
            assert listing["cann"], f"{platform}: {name} has no CANN folder ({where})"
            assert not listing["missing"], f"{platform}: {name} names missing CANN folders ({where}): {listing['missing']}"
            if name != "PATH":
                assert listing["empty_entries"] == 0, f"{platform}: {name} has an empty entry ({where})"

    # The runtime's home, in the image's ENV and as its set_env.sh says it.
    for name in ("ASCEND_TOOLKIT_HOME", "ASCEND_HOME_PATH"):
        assert env[name] == home, (platform, name, env[name])
        assert entry_env[name] == home, (platform, name, entry_env[name])
    # The host's driver folders, all three, in the image's ENV.
    library_path = results["env_paths"]["lists"]["LD_LIBRARY_PATH"]["entries"]
    assert [p for p in library_path if p in DRIVER_LIBRARY_PATH] == DRIVER_LIBRARY_PATH, library_path

    # NNAL's set_env.sh ran, told ATB_CXX_ABI=0 (unasked, it would pick 1 here: no torch).
    atb_home = f"{ASCEND}/nnal/atb/latest/atb/cxx_abi_0"
    assert env["ATB_CXX_ABI"] == "0", env.get("ATB_CXX_ABI")
    assert env["ATB_HOME_PATH"] == atb_home, env["ATB_HOME_PATH"]
    assert entry_env["ATB_HOME_PATH"] == atb_home, entry_env["ATB_HOME_PATH"]
    assert entry_env.get(standin_cann.NNAL_ENV_MARKER) == f"{version} cxx_abi_0", entry_env.get(standin_cann.NNAL_ENV_MARKER)
    atb_info = results["after_entrypoint"]["atb_info"]
    assert atb_info["out"] == f"atb stand-in {version} {MACHINE[platform]} cxx_abi_0", atb_info

    # Only set_env.sh sets the markers: none may be in the image's ENV.
    for marker in (standin_cann.TOOLKIT_ENV_MARKER, standin_cann.NNAE_ENV_MARKER,
                   standin_cann.BISHENG_ENV_MARKER, standin_cann.NNAL_ENV_MARKER):
        assert marker not in env, f"{marker} is in the image's ENV: the check would prove nothing"

    # The entrypoint ends in the python layer's runtime-pip-entrypoint.sh: a misspelt
    # RUNTIME_PIP_* variable stops the container there, and the command does not run.
    chain = results["runtime_pip"]
    assert chain["rc"] not in (0, None), chain
    assert "runtime-pip" in chain["err"] and "RUNTIME_PIP_PACKAGE" in chain["err"], chain
    assert chain["command_ran"] is False, chain
    return entry_env


def check_cann_850(results: dict, platform: str) -> None:
    layout = LAYOUTS["cann-850"]
    entry_env = check_common(results, platform, layout)
    home = layout["home"]
    installed = results["installed"]
    # cann-8.5.0 is the real folder; ascend-toolkit/latest and cann are links to it.
    assert installed["home_is_link"] is False, installed
    assert installed["toolkit_latest"] == home, installed
    assert installed["cann_link"] == home, installed
    assert installed["runtime_info"] == ["ascend_kernels_install.info", "ascend_toolkit_install.info"], installed
    assert entry_env.get(standin_cann.TOOLKIT_ENV_MARKER) == V850, entry_env
    assert entry_env.get("ASCEND_TOOLKIT_LATEST_HOME") == f"{ASCEND}/ascend-toolkit/latest", entry_env
    # AscendNPU IR's set_env.sh: its marker, and bisheng on PATH.
    assert entry_env.get(standin_cann.BISHENG_ENV_MARKER) == V850, entry_env
    assert f"{home}/tools/bishengir/bin" in entry_env["PATH"].split(":"), entry_env["PATH"]
    bishengir = results["after_entrypoint"]["bishengir"]
    assert bishengir["out"] == f"bishengir-compile stand-in {V850} {MACHINE[platform]}", bishengir


def check_cann_nnae(results: dict, platform: str) -> None:
    layout = LAYOUTS["cann-nnae"]
    entry_env = check_common(results, platform, layout)
    installed = results["installed"]
    assert installed["toolkit_latest"] is None, installed  # no toolkit at all
    assert installed["runtime_info"] == ["ascend_kernels_install.info", "ascend_nnae_install.info"], installed
    assert entry_env.get(standin_cann.NNAE_ENV_MARKER) == V83, entry_env
    assert standin_cann.TOOLKIT_ENV_MARKER not in entry_env, entry_env
    assert standin_cann.BISHENG_ENV_MARKER not in entry_env, entry_env


def test_cann_850_layout_and_nnal_on_nnae(tmp_path, make_project, env, out_dir):
    project = write_project(tmp_path, make_project)
    targets = [f"verify-{image_id}" for image_id in [*LAYOUTS, *ON_TOP]]
    overrides = []
    for target in targets:
        overrides += ["--set", f"{target}.output=type=local,dest={out_dir / target.removeprefix('verify-')}"]

    started = time.monotonic()
    result = support.bakegen(
        "build", *targets, "--progress", "plain", *overrides,
        cwd=project.root, env=env, timeout=BUILD_TIMEOUT,
    )
    print(f"\nbakegen build {' '.join(targets)}: {time.monotonic() - started:.0f} s")
    assert result.returncode == 0, support.show(result)

    for platform in LAYOUTS["cann-850"]["platforms"]:
        check_cann_850(results_of(out_dir, "cann-850", platform), platform)
    for platform in LAYOUTS["cann-nnae"]["platforms"]:
        check_cann_nnae(results_of(out_dir, "cann-nnae", platform), platform)
    # the vllm image's own ENTRYPOINT gives its CANN 8.5.0 parent's environment
    for platform in ON_TOP["vllm-on-cann-850"][3]:
        results = results_of(out_dir, "vllm-on-cann-850", platform)
        assert results["entrypoint_argv"] == ["/usr/local/bin/ascend-entrypoint.sh"], results["entrypoint_argv"]
        check_cann_850(results, platform)
