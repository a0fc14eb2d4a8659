"""The repository's images and Dockerfiles against the facts of the official sources
(Ascend/cann-container-image, Ascend/pytorch's README) and what ModelArts users depend on
(the old tool's tags, the READMEs)."""

import os
import re
import subprocess

import pytest

from bakegen.dockerfile import parse_dockerfile
from bakegen.model import load_project
from tests.conftest import REPO


def project():
    return load_project(REPO / "images.yaml")


def cann_line(version: str) -> tuple[int, int]:
    major, minor = re.match(r"(\d+)\.(\d+)\.", version).groups()
    return int(major), int(minor)


def test_cann_images_point_at_the_runtime_where_their_line_installs_it():
    """Up to 8.3 the toolkit is /usr/local/Ascend/ascend-toolkit/latest (cann.dockerfile's
    default); from 8.5.0 on the official images set ASCEND_TOOLKIT_HOME to
    /usr/local/Ascend/cann-<version> (install-cann.sh refuses any other)."""
    found = {}
    for image_id, image in project().images.items():
        if not image.dockerfile.endswith("/cann.dockerfile"):
            continue
        version = image.args["CANN_VERSION"]
        components = image.args.get("COMPONENTS", "toolkit,kernels,nnal").split(",")
        home = image.args.get("ASCEND_TOOLKIT_HOME", "/usr/local/Ascend/ascend-toolkit/latest")
        if "nnae" in components:
            expected = "/usr/local/Ascend/nnae/latest"
        elif cann_line(version) >= (8, 5):
            expected = f"/usr/local/Ascend/cann-{version}"
        else:
            expected = "/usr/local/Ascend/ascend-toolkit/latest"
        found[image_id] = (home, expected)
    assert any(cann_line(project().images[i].args["CANN_VERSION"]) >= (8, 5) for i in found), found
    assert {i: h for i, (h, e) in found.items() if h != e} == {}, found


# --- pytorch-npu.dockerfile: which torch build each architecture asks for -----------------

PIP_LOG_STUB = """#!/bin/sh
printf '%s\\n' "$*" >> "$STUB_LOG"
"""


def run_torch_step(tmp_path, targetarch: str, **args: str) -> list[str]:
    """The RUN step of pytorch-npu.dockerfile that installs torch, run by bash with the
    Dockerfile's ARG defaults, the given args and TARGETARCH, and pip-install and python
    stubbed: the pip-install command lines it ran."""
    parsed = parse_dockerfile((REPO / "dockerfiles/pytorch-npu.dockerfile").read_text())
    env = {a.name: a.default or "" for a in parsed.args}
    env.update(args, TARGETARCH=targetarch)
    (step,) = [i for i in parsed.instructions if i.keyword == "RUN" and "torch_npu" in i.heredocs[0].body]
    stubs = tmp_path / "bin"
    stubs.mkdir(exist_ok=True)
    for name in ("pip-install", "python"):
        (stubs / name).write_text(PIP_LOG_STUB if name == "pip-install" else "#!/bin/sh\ncat >/dev/null\n")
        (stubs / name).chmod(0o755)
    log = tmp_path / "pip-install.log"
    log.unlink(missing_ok=True)
    env.update(PATH=f"{stubs}:{os.environ['PATH']}", STUB_LOG=str(log))
    done = subprocess.run(["bash", "-o", "pipefail", "-c", step.heredocs[0].body], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return log.read_text().splitlines()


VERSIONS = {"TORCH_VERSION": "2.7.1", "TORCH_NPU_VERSION": "2.7.1", "TORCHVISION_VERSION": "0.22.1"}


def test_amd64_takes_the_cpu_build_of_torch_from_the_pytorch_cpu_index(tmp_path):
    """torch_npu's x86_64 wheels pair with torch==X+cpu (Ascend/pytorch README); PyPI's
    x86_64 torch is the CUDA build."""
    first = run_torch_step(tmp_path, "amd64", **VERSIONS)[0]
    assert first == "--index-url https://download.pytorch.org/whl/cpu torch==2.7.1+cpu torchvision==0.22.1+cpu"


def test_arm64_keeps_the_index_of_pip_up_to_torch_2_10_whose_torch_is_the_cpu_build_there(tmp_path):
    assert run_torch_step(tmp_path, "arm64", **VERSIONS)[0] == "torch==2.7.1 torchvision==0.22.1"
    tenth = {"TORCH_VERSION": "2.10.0", "TORCH_NPU_VERSION": "2.10.0.post4", "TORCHVISION_VERSION": "0.25.0"}
    assert run_torch_step(tmp_path, "arm64", **tenth)[0] == "torch==2.10.0 torchvision==0.25.0"


@pytest.mark.parametrize("torch, torchvision", [("2.11.0", "0.26.0"), ("2.12.0", "0.27.0"), ("3.0.0", "0.30.0")])
def test_arm64_takes_the_cpu_index_from_torch_2_11_on(tmp_path, torch, torchvision):
    """PyPI's linux aarch64 torch depends on CUDA 13 from 2.11 on; Ascend/pytorch's README
    (v2.11.0, v2.12.0) installs it from the CPU index on aarch64 too."""
    versions = {"TORCH_VERSION": torch, "TORCH_NPU_VERSION": torch, "TORCHVISION_VERSION": torchvision}
    first = run_torch_step(tmp_path, "arm64", **versions)[0]
    assert first == f"--index-url https://download.pytorch.org/whl/cpu torch=={torch} torchvision=={torchvision}"


@pytest.mark.parametrize(
    "args, expected",
    [
        # a mirror of the CPU index
        ({"TORCH_CPU_INDEX_URL": "https://mirror.example/whl/cpu"},
         "--index-url https://mirror.example/whl/cpu torch==2.7.1+cpu torchvision==0.22.1+cpu"),
        # empty: the pipconf secret's index, still the CPU build
        ({"TORCH_CPU_INDEX_URL": ""}, "torch==2.7.1+cpu torchvision==0.22.1+cpu"),
        # TORCH_INDEX_URL, as before, wins on every architecture
        ({"TORCH_INDEX_URL": "https://mirror.example/simple"},
         "--index-url https://mirror.example/simple torch==2.7.1+cpu torchvision==0.22.1+cpu"),
    ],
)
def test_amd64_index_can_be_overridden(tmp_path, args, expected):
    assert run_torch_step(tmp_path, "amd64", **VERSIONS, **args)[0] == expected


def test_torch_npu_goes_in_without_its_dependencies_after_torch(tmp_path):
    calls = run_torch_step(tmp_path, "amd64", **VERSIONS)
    assert calls[1] == "--no-deps torch_npu==2.7.1", calls


# --- the old tool's tags, and the READMEs ---------------------------------------------------

OLD_TOOL = REPO / "tests/fixtures/old-tool/dockerfile-compose.yaml"
READMES = (REPO / "README.md", REPO / "README.zh.md")
# Old tags that name a version no image here is built on: not carried over (a tag naming a
# version stays only on an image of that version). The READMEs say what to use instead.
NOT_CARRIED = {
    "xuopoj/pytorch:2.5.1-npu-910b",  # torch 2.5.1 on the 910B: pytorch-npu-910b has torch 2.7.1
    "xuopoj/ascend-vllm:v0.11.0rc2",  # vllm-ascend v0.11.0rc2: ascend-vllm is a final release
}
# old tag -> the image that carries it now (tags that already were an image's own tag included)
CARRIED = {
    "xuopoj/python:3.10": "python-3-10",
    "xuopoj/python:3.12": "python-3-12",
    "xuopoj/pytorch:2.7.1-cpu": "pytorch-cpu",
    "xuopoj/cann:8.2rc1-910b": "cann-8-2rc1-910b",
    "xuopoj/cann:8.3rc1-910b": "cann-8-3rc1-910b",
    "xuopoj/cann:8.2rc1-310p": "cann-8-2rc1-310p",
    "xuopoj/pytorch:2.5.1-npu-310p": "pytorch-npu-310p",
    "xuopoj/yolo:v11-cpu": "yolo-cpu",
    "xuopoj/yolo:v11-npu-910b": "yolo-910b",
    "xuopoj/yolo:v11-npu-310p": "yolo-310p",
    "xuopoj/flask-api:latest": "flask-api",
    "xuopoj/msit-msmodelslim:latest-npu-910b": "msit-msmodelslim",
}


def old_tags() -> set[str]:
    import yaml

    images = yaml.safe_load(OLD_TOOL.read_text())["images"]
    return {tag for image in images.values() for tag in image.get("tags", [])}


def tags_now() -> dict[str, str]:
    """tag as pushed (REGISTRY applied) -> image id, from `bakegen list --json`."""
    import json
    import sys

    done = subprocess.run([sys.executable, "-m", "bakegen", "list", "--json"], cwd=REPO,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return {tag: image["id"] for image in json.loads(done.stdout) for tag in image["tags"]}


def test_every_old_tag_is_on_the_image_that_replaces_it_or_named_as_dropped():
    assert set(CARRIED) | NOT_CARRIED == old_tags()
    now = tags_now()
    assert {tag: now.get(tag) for tag in CARRIED} == CARRIED
    assert NOT_CARRIED.isdisjoint(now), sorted(NOT_CARRIED & set(now))


def test_a_tag_naming_a_vllm_ascend_release_is_on_an_image_of_that_release():
    images = project().images
    for tag, image_id in tags_now().items():
        release = re.search(r"(?:vllm-ascend|ascend-vllm):(v\d+\.\d+\.\d+\w*?)(?:-|$)", tag)
        if release:
            assert images[image_id].args.get("VLLM_ASCEND_VERSION") == release.group(1), (tag, image_id)


@pytest.mark.parametrize("readme", READMES, ids=lambda p: p.name)
def test_readme_maps_every_old_tag(readme):
    text = readme.read_text(encoding="utf-8")
    missing = sorted(tag for tag in old_tags() if f"`{tag}`" not in text)
    assert not missing, f"{readme.name} does not map these old tags: {missing}"


@pytest.mark.parametrize("readme", READMES, ids=lambda p: p.name)
def test_readme_lists_every_image(readme):
    text = readme.read_text(encoding="utf-8")
    missing = sorted(image_id for image_id in project().images if f"`{image_id}`" not in text)
    assert not missing, f"{readme.name} does not list these images: {missing}"


@pytest.mark.parametrize("readme", READMES, ids=lambda p: p.name)
def test_readme_explains_moving_images_to_an_offline_region(readme):
    text = readme.read_text(encoding="utf-8")
    for needed in ("docker save", "docker load", "docker push", "swr."):
        assert needed in text, f"{readme.name} lacks {needed!r}"


@pytest.mark.parametrize("readme, claim", [(READMES[0], "LLM training"), (READMES[1], "大模型训练")],
                         ids=lambda v: getattr(v, "name", v))
def test_readme_claims_llm_training_only_with_an_llm_training_image(readme, claim):
    if claim in readme.read_text(encoding="utf-8"):
        assert any(i.dockerfile.endswith("/llm-training.dockerfile") for i in project().images.values())
