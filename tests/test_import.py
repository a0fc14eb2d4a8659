"""`bakegen import`: the old dockerfile-compose.yaml becomes images.yaml, drift reported."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

FIXTURE = Path(__file__).parent / "fixtures" / "old-tool" / "dockerfile-compose.yaml"


@pytest.fixture
def imported(tmp_path):
    shutil.copy(FIXTURE, tmp_path / "dockerfile-compose.yaml")
    result = subprocess.run(
        [sys.executable, "-m", "bakegen", "import", "dockerfile-compose.yaml", "-o", "images.yaml"],
        cwd=tmp_path, capture_output=True, text=True,
    )
    return result, tmp_path


def test_conversion_completes_and_keeps_every_scenario(imported):
    result, root = imported
    assert result.returncode == 0, result.stderr
    data = yaml.safe_load((root / "images.yaml").read_text())
    assert data["version"] == 1
    assert data["variables"] == {"REGISTRY": "xuopoj"}
    assert data["defaults"] == {"context": "."}
    assert list(data["images"]) == [
        "python-3-10", "python-3-12", "pytorch-cpu", "cann-8-2rc1-910b", "cann-8-3rc1-910b",
        "cann-8-2rc1-310p", "pytorch-npu-910b", "pytorch-npu-310p", "yolo-cpu", "yolo-910b",
        "yolo-310p", "flask-api", "ascend-vllm", "msit-msmodelslim",
    ]
    py = data["images"]["python-3-10"]
    assert py == {
        "from": "ubuntu:22.04",
        "dockerfile": "dockerfiles/python.dockerfile",
        "args": {"PYTHON_VERSION": "3.10"},
        "tags": ["python:3.10"],
    }
    # depends_on and BASE_IMAGE merged into one `from`, BASE_IMAGE gone from args
    assert data["images"]["pytorch-npu-910b"]["from"] == "cann-8-3rc1-910b"
    assert "BASE_IMAGE" not in data["images"]["pytorch-npu-910b"]["args"]
    assert data["images"]["yolo-cpu"]["from"] == "pytorch-cpu"
    assert (root / "images.yaml").read_text().startswith("# yaml-language-server: $schema=schema/images.schema.json\n")


def test_drift_and_bad_pairs_are_reported(imported):
    result, _ = imported
    err = result.stderr
    assert "dockerfile-compose.yaml:6:3: warning: image id 'python-3.10' is not a valid bake target name; renamed to 'python-3-10'" in err
    assert (
        "dockerfile-compose.yaml:117:21: warning: parent drift in 'yolo-cpu': depends_on says 'pytorch-cpu' "
        "(tags: xuopoj/pytorch:2.7.1-cpu) but BASE_IMAGE is 'xuopoj/pytorch:2.5.1-cpu', a tag that no image "
        "of this file produces; following depends_on: from: pytorch-cpu"
    ) in err
    assert "parent drift in 'flask-api'" in err and "xuopoj/python:3.10-ubuntu22.04" in err
    assert "BASE_IMAGE 'v0.11.0rc2' of 'ascend-vllm' is not an image reference" in err
    # the two known bad version pairs of the seed project
    assert "pytorch-npu-910b: torch_npu 2.5.1 was not released for CANN 8.3.RC1 (inherited from cann-8-3rc1-910b)" in err
    assert "pytorch-npu-310p: torch_npu 2.5.1 was not released for CANN 8.2.RC1 (inherited from cann-8-2rc1-310p)" in err
    assert "use 2.5.1.post1, 2.6.0 or 2.1.0.post13" in err
    assert "Traceback" not in err


def test_existing_output_is_never_overwritten_without_force(imported):
    result, root = imported
    before = (root / "images.yaml").read_bytes()
    again = subprocess.run(
        [sys.executable, "-m", "bakegen", "import", "dockerfile-compose.yaml"], cwd=root, capture_output=True, text=True
    )
    assert again.returncode == 1 and "images.yaml already exists; pass --force" in again.stderr
    assert (root / "images.yaml").read_bytes() == before


def test_not_an_old_file(tmp_path):
    (tmp_path / "x.yaml").write_text("services: {}\n")
    result = subprocess.run(
        [sys.executable, "-m", "bakegen", "import", "x.yaml", "-o", "out.yaml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stderr.startswith("x.yaml:1:1: error: not a dockerfile-compose.yaml: no 'images:' mapping")
    assert not (tmp_path / "out.yaml").exists()
