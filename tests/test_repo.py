"""The repository's own images.yaml: valid, complete, and its docker-bake.hcl is current."""

import subprocess
import sys

from bakegen.dockerfile import Dockerfiles
from bakegen.model import load_project
from bakegen.rules import check_versions
from tests.conftest import REPO

# Every scenario the old build.py served, under its new id.
SCENARIOS = {
    "python-3-10", "python-3-12", "cann-8-2rc1-910b", "cann-8-3rc1-910b", "cann-8-2rc1-310p",
    "pytorch-cpu", "pytorch-npu-910b", "pytorch-npu-310p", "yolo-cpu", "yolo-910b", "yolo-310p",
    "flask-api", "ascend-vllm", "msit-msmodelslim",
}


def bakegen(*args):
    return subprocess.run([sys.executable, "-m", "bakegen", *args], cwd=REPO, capture_output=True, text=True)


def test_committed_bake_file_is_what_bakegen_generates():
    result = bakegen("--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_repo_images_pass_check():
    result = bakegen("check")
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr


def test_every_old_scenario_is_declared_with_a_real_chain():
    project = load_project(REPO / "images.yaml")
    assert SCENARIOS <= set(project.images)
    graph = project.graph
    assert graph.ancestors("yolo-910b") == ["python-3-10", "cann-8-3rc1-910b", "pytorch-npu-910b"]
    assert graph.ancestors("msit-msmodelslim")[-1] == "pytorch-npu-910b"
    assert project.images["ascend-vllm"].external_base.startswith("quay.io/ascend/vllm-ascend:")
    assert check_versions(project, Dockerfiles(project.root)) == []


def test_valid_current_pairs_are_offered():
    project = load_project(REPO / "images.yaml")
    graph = project.graph
    stacks = set()
    for image_id, image in project.images.items():
        if "TORCH_NPU_VERSION" in image.args:
            cann = next(
                project.images[a].args["CANN_VERSION"]
                for a in reversed(graph.ancestors(image_id))
                if "CANN_VERSION" in project.images[a].args
            )
            stacks.add((cann, image.args["TORCH_NPU_VERSION"]))
    assert {("8.2.RC1", "2.5.1.post1"), ("8.3.RC1", "2.7.1")} <= stacks
    assert ("8.5.0", "2.8.0.post2") in stacks or ("8.5.0", "2.9.0") in stacks
