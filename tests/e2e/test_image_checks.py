"""`bakegen test` on real images: the repository's production chain passes its checks on
linux/amd64 and linux/arm64 (under qemu), and deliberately broken images fail, each naming
the check that caught it.

The chain is test_production_chain's (the same Dockerfiles, args and stand-in CANN
installers, so BuildKit's cache serves both modules): python -> cann -> flask-api, plus
pytorch-npu on cann with stand-in torch, torch_npu and torchvision wheels
(tests/e2e/standin_torch.py) served on 127.0.0.1 through the pipconf secret. The broken
images are small Dockerfiles on that chain's python image (amd64, cached), tested in one
bake.

On 2 cores, after test_production_chain built the chain (402 s cold on an empty builder),
the chain test took 83 s (pytorch-npu built and 58 checks run, arm64 under qemu; 110 s in
another run), its second `bakegen test` 2 s, the broken images 8 s.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from tests.e2e import standin_cann, standin_torch, support
from tests.e2e.test_production_chain import BUILD_TIMEOUT, CANN_VERSION, CHIP, PYTHON_VERSION, SECRETS

PLATFORMS = ["linux/amd64", "linux/arm64"]
STANDIN_PIP_CONF = "BAKEGEN_STANDIN_PIP_CONF"  # the pip.conf of the stand-in torch wheels


def chain_images(platforms: list[str]) -> dict[str, dict]:
    """test_production_chain's images (same args and secrets), with flask-api's service and
    pytorch-npu on cann."""
    return {
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
        "pytorch-npu": {
            "from": "cann",
            "layer": "framework",
            "dockerfile": "dockerfiles/pytorch-npu.dockerfile",
            "args": {
                "TORCH_VERSION": "2.7.1",
                "TORCH_NPU_VERSION": standin_torch.TORCH_NPU,
                "TORCHVISION_VERSION": standin_torch.TORCHVISION,
                # amd64 takes the CPU build from this index by default (download.pytorch.org,
                # out of reach here): empty means the pipconf index, the stand-in wheels
                "TORCH_CPU_INDEX_URL": "",
            },
            "platforms": list(platforms),
            "secrets": [f"id=pipconf,env={STANDIN_PIP_CONF}", SECRETS[1]],
        },
        "flask-api": {
            "from": "cann",
            "dockerfile": "dockerfiles/flask.dockerfile",
            "service": {"port": 8080, "health": "/health", "timeout": 180},
            "platforms": list(platforms),
            "secrets": list(SECRETS),
        },
    }


def write_chain(root: Path, make_project, images: dict[str, dict], dockerfiles: dict[str, str] | None = None):
    shutil.copytree(support.REPO / "dockerfiles", root / "dockerfiles")
    standin_cann.write_packages(root / "packages" / "cann" / CANN_VERSION, version=CANN_VERSION, chip=CHIP)
    return make_project(root, images=images, dockerfiles=dockerfiles or {})


def bakegen_test(project, env, builder, *args, timeout=BUILD_TIMEOUT):
    return support.bakegen("test", "--builder", builder, *args, cwd=project.root, env=env, timeout=timeout)


def by_check(report: dict) -> dict[tuple[str, str, str], dict]:
    return {(r["image"], r["platform"], r["check"]): r for r in report["results"]}


def test_the_production_chain_passes_its_checks(tmp_path, make_project, env, builder):
    project = write_chain(tmp_path / "chain", make_project, chain_images(PLATFORMS))
    wheels = standin_torch.write_wheels(tmp_path / "wheels")
    with standin_torch.WheelServer(wheels) as server:
        env = {**env, STANDIN_PIP_CONF: server.pip_conf()}
        started = time.monotonic()
        first = bakegen_test(project, env, builder, "--progress", "plain", "--json")
        cold = time.monotonic() - started
        started = time.monotonic()
        again = bakegen_test(project, env, builder, "--progress", "quiet")
        warm = time.monotonic() - started
    print(f"\nbakegen test (chain, {'+'.join(PLATFORMS)}): {cold:.0f} s; again: {warm:.1f} s")
    print(again.stdout)
    assert first.returncode == 0, support.show(first)
    report = json.loads(first.stdout)
    results = by_check(report)
    assert report["failed"] == 0 and report["passed"] == len(results), report

    expected = {
        "python": {"python-version", "pip-check", "ma-user"},
        "cann": {
            "python-version", "pip-check", "ma-user", "numpy-below-2", "cann-set-env", "ascend-home",
            "no-cann-installer",
        },
        "pytorch-npu": {
            "python-version", "pip-check", "ma-user", "numpy-below-2", "cann-set-env", "ascend-home",
            "no-cann-installer", "torch-version", "torch-npu-version", "torchvision-version",
        },
        "flask-api": {
            "python-version", "pip-check", "ma-user", "numpy-below-2", "cann-set-env", "ascend-home",
            "no-cann-installer", "runs-as-ma-user", "service-health",
        },
    }
    for image, checks in expected.items():
        for platform in PLATFORMS:
            got = {c for (i, p, c) in results if i == image and p == platform}
            assert got == checks, (image, platform, sorted(got))
    # what the checks saw: the stand-in's version (its local label aside; arm64's real torch
    # has none, so this is the stand-in, built now or by an earlier run), the service's answer
    torch = results[("pytorch-npu", "linux/arm64", "torch-version")]
    assert torch["output"].strip() == f"torch {standin_torch.TORCH}", torch
    health = results[("flask-api", "linux/arm64", "service-health")]
    assert '{"health":"true"}' in health["output"].replace(" ", ""), health

    # Nothing changed: every check is reported from BuildKit's cache, and still passes.
    assert again.returncode == 0, support.show(again)
    rows = [line.split() for line in again.stdout.splitlines()[1:] if line.strip() and not line.startswith("bakegen")]
    assert rows and all(row[3] == "pass" and row[4] == "cached" for row in rows), again.stdout
    assert len(rows) == len(results)


BROKEN_DOCKERFILES = {
    # ModelArts needs uid 1000
    "uid-1001": """
        USER root
        RUN usermod -u 1001 ma-user
        USER ma-user
    """,
    # numpy 2 under CANN 8.x: its metadata is what the check reads
    "numpy-2": """
        USER root
        RUN mkdir -p /usr/local/lib/python3.11/dist-packages/numpy-2.0.2.dist-info && \\
            printf 'Metadata-Version: 2.1\\nName: numpy\\nVersion: 2.0.2\\n' \\
            > /usr/local/lib/python3.11/dist-packages/numpy-2.0.2.dist-info/METADATA
        USER ma-user
    """,
    # torch_npu's metadata does not match TORCH_NPU_VERSION
    "torch-npu-mismatch": """
        USER root
        RUN mkdir -p /usr/local/lib/python3.11/dist-packages/torch_npu-2.7.0.dist-info && \\
            printf 'Metadata-Version: 2.1\\nName: torch_npu\\nVersion: 2.7.0\\n' \\
            > /usr/local/lib/python3.11/dist-packages/torch_npu-2.7.0.dist-info/METADATA
        USER ma-user
    """,
    # ASCEND_TOOLKIT_HOME names a folder that was never installed
    "ascend-missing": """
        ENV ASCEND_TOOLKIT_HOME=/usr/local/Ascend/ascend-toolkit/latest
    """,
    "wrong-output": "",
    # the service's command never listens
    "silent-service": """
        EXPOSE 8080
        CMD ["sleep", "600"]
    """,
}
# image -> the check that must fail
BROKEN = {
    "uid-1001": "ma-user",
    "numpy-2": "numpy-below-2",
    "torch-npu-mismatch": "torch-npu-version",
    "ascend-missing": "ascend-home",
    "wrong-output": "says-hello",
    "silent-service": "service-health",
}


def test_broken_images_fail_naming_the_check(tmp_path, make_project, env, builder):
    amd64 = ["linux/amd64"]
    images = {"python": chain_images(PLATFORMS)["python"]}
    cann_only = ["cann-set-env", "no-cann-installer"]  # these images install no CANN; not what is tested
    for image_id in BROKEN:
        images[image_id] = {"from": "python", "platforms": amd64, "layer": "application"}
    images["numpy-2"]["args"] = {"CANN_VERSION": CANN_VERSION}
    images["numpy-2"]["skip-tests"] = [*cann_only, "ascend-home"]
    images["torch-npu-mismatch"]["args"] = {"TORCH_NPU_VERSION": "2.7.1"}
    images["ascend-missing"]["args"] = {"CANN_VERSION": CANN_VERSION}
    images["ascend-missing"]["skip-tests"] = [*cann_only, "numpy-below-2"]
    images["wrong-output"]["tests"] = [{"name": "says-hello", "run": "echo goodbye", "expect": "^hello$"}]
    images["silent-service"]["service"] = {"port": 8080, "health": "/health", "timeout": 5}
    project = write_chain(tmp_path / "broken", make_project, images, BROKEN_DOCKERFILES)

    started = time.monotonic()
    result = bakegen_test(project, env, builder, *BROKEN, "--progress", "plain", "--json")
    print(f"\nbakegen test (broken images, amd64): {time.monotonic() - started:.0f} s")
    assert result.returncode == 1, support.show(result)
    report = json.loads(result.stdout)
    results = by_check(report)
    for image_id, check in BROKEN.items():
        verdict = results[(image_id, "linux/amd64", check)]
        assert verdict["status"] == "fail", verdict
        # the rest of the image's checks ran too, and the generic ones pass
        assert results[(image_id, "linux/amd64", "python-version")]["status"] == "pass", image_id
    assert ":1001:100:" in results[("uid-1001", "linux/amd64", "ma-user")]["output"]
    assert results[("numpy-2", "linux/amd64", "numpy-below-2")]["output"].strip() == "numpy 2.0.2"
    assert results[("torch-npu-mismatch", "linux/amd64", "torch-npu-version")]["output"].strip() == "torch_npu 2.7.0"
    assert "no such folder" in results[("ascend-missing", "linux/amd64", "ascend-home")]["output"]
    assert results[("wrong-output", "linux/amd64", "says-hello")]["reason"] == "the output does not match /^hello$/"
    assert "no answer from http://127.0.0.1:8080/health within 5 s" in results[
        ("silent-service", "linux/amd64", "service-health")
    ]["output"]
    skipped = results[("numpy-2", "linux/amd64", "cann-set-env")]
    assert skipped["status"] == "skipped" and skipped["skipped_by"] == "numpy-2", skipped

    # The table names each failure with its check, command and output.
    table = bakegen_test(project, env, builder, *BROKEN, "--progress", "quiet")
    assert table.returncode == 1, support.show(table)
    for image_id, check in BROKEN.items():
        assert f"FAILED {image_id} linux/amd64 {check} " in table.stdout, table.stdout
