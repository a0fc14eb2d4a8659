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
    assert "pytorch-npu-910b: torch_npu 2.5.1 was not released for CANN 8.3.RC1 (inherited: CANN_VERSION from cann-8-3rc1-910b)" in err
    assert "pytorch-npu-310p: torch_npu 2.5.1 was not released for CANN 8.2.RC1 (inherited: CANN_VERSION from cann-8-2rc1-310p)" in err
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


def run_import(tmp_path, compose: str, *extra: str):
    (tmp_path / "c.yaml").write_text(compose)
    return subprocess.run(
        [sys.executable, "-m", "bakegen", "import", "c.yaml", "-o", "out.yaml", *extra],
        cwd=tmp_path, capture_output=True, text=True,
    )


def converted(tmp_path) -> dict:
    return yaml.safe_load((tmp_path / "out.yaml").read_text())


@pytest.mark.parametrize(
    "compose, message",
    [
        ("images:\n  a:\n    build: [x]\n", "c.yaml:3:12: error: images.a.build: expected a mapping"),
        ("images:\n  a:\n    build: D\n", "c.yaml:3:12: error: images.a.build: expected a mapping"),
        ("images:\n  a:\n    build:\n      args: [A=1]\n", "c.yaml:4:13: error: images.a.build.args: expected a mapping"),
        ("images:\n  a:\n    build:\n      args: {A: [1]}\n", "c.yaml:4:17: error: images.a.build.args.A: expected a text value"),
        ("images:\n  a: [x]\n", "c.yaml:2:6: error: images.a: expected a mapping"),
        ("images:\n  a: str\n", "c.yaml:2:6: error: images.a: expected a mapping"),
        ("images:\n  a:\n    depends_on: 5\n", "c.yaml:3:17: error: images.a.depends_on: expected a list of image ids"),
        ("images:\n  a:\n    depends_on: [[b]]\n", "c.yaml:3:18: error: images.a.depends_on.0: expected a string"),
        ("images:\n  a:\n    tags: {x: 1}\n", "c.yaml:3:11: error: images.a.tags: expected a list of image references"),
        ("images:\n  a:\n    build:\n      dockerfile: [D]\n", "c.yaml:4:19: error: images.a.build.dockerfile: expected a non-empty string"),
        ("images:\n  a:\n    build:\n      context: 5\n", "c.yaml:4:16: error: images.a.build.context: expected a non-empty string"),
    ],
)
def test_wrong_types_are_located_errors(tmp_path, compose, message):
    result = run_import(tmp_path, compose)
    assert result.returncode == 1, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out.yaml").exists()


def test_every_wrong_type_is_reported_at_once(tmp_path):
    result = run_import(tmp_path, "images:\n  a:\n    build: D\n  b:\n    tags: 5\n")
    assert result.returncode == 1
    assert "c.yaml:3:12: error: images.a.build" in result.stderr
    assert "c.yaml:5:11: error: images.b.tags" in result.stderr


def test_a_string_is_a_list_of_one(tmp_path):
    result = run_import(
        tmp_path,
        "images:\n"
        "  python-3.10:\n"
        "    build: {args: {BASE_IMAGE: 'ubuntu:22.04'}}\n"
        "    tags: xuopoj/python:3.10\n"
        "  a:\n"
        "    depends_on: python-3.10\n"
        "    build: {dockerfile: a.dockerfile}\n"
        "    tags: xuopoj/a:1\n",
    )
    assert result.returncode == 0, result.stderr
    data = converted(tmp_path)
    assert data["variables"] == {"REGISTRY": "xuopoj"}
    assert data["images"]["a"] == {"from": "python-3-10", "dockerfile": "a.dockerfile", "tags": ["a:1"]}
    assert data["images"]["python-3-10"]["tags"] == ["python:3.10"]


def test_compose_long_form_of_depends_on(tmp_path):
    result = run_import(
        tmp_path,
        "images:\n"
        "  p:\n"
        "    build: {args: {BASE_IMAGE: 'ubuntu:22.04'}}\n"
        "  a:\n"
        "    depends_on:\n"
        "      p: {condition: service_started}\n"
        "    build: {}\n",
    )
    assert result.returncode == 0, result.stderr
    assert converted(tmp_path)["images"]["a"]["from"] == "p"


def test_renamed_ids_never_take_a_valid_id(tmp_path):
    result = run_import(
        tmp_path,
        "images:\n"
        "  a.b:\n"
        "    build: {args: {BASE_IMAGE: 'ubuntu:22.04'}}\n"
        "  a-b:\n"
        "    build: {args: {BASE_IMAGE: 'ubuntu:22.04'}}\n"
        "  a/b:\n"
        "    build: {args: {BASE_IMAGE: 'ubuntu:22.04'}}\n"
        "  c:\n"
        "    depends_on: [a.b]\n"
        "    build: {}\n",
    )
    assert result.returncode == 0, result.stderr
    assert list(converted(tmp_path)["images"]) == ["a-b-2", "a-b", "a-b-3", "c"]
    assert converted(tmp_path)["images"]["c"]["from"] == "a-b-2"
    err = result.stderr
    assert "c.yaml:2:3: warning: image id 'a.b' is not a valid bake target name; renamed to 'a-b-2'" in err
    assert "c.yaml:6:3: warning: image id 'a/b' is not a valid bake target name; renamed to 'a-b-3'" in err
    assert "'a-b' is not a valid" not in err


@pytest.mark.parametrize(
    "tags_a, tags_b",
    [(["org1/a:1"], ["org2/b:1"]), (["python:3.10"], ["xuopoj/x:1", "ghcr.io/me/x:1"])],
)
def test_tags_without_a_shared_prefix_still_go_to_docker_hub(tmp_path, tags_a, tags_b):
    (tmp_path / "Dockerfile").write_text("ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\n")
    result = run_import(
        tmp_path,
        "images:\n"
        "  a:\n"
        f"    build: {{args: {{BASE_IMAGE: 'ubuntu:22.04'}}}}\n    tags: {tags_a}\n"
        "  b:\n"
        f"    build: {{args: {{BASE_IMAGE: 'ubuntu:22.04'}}}}\n    tags: {tags_b}\n",
    )
    assert result.returncode == 0, result.stderr
    data = converted(tmp_path)
    assert data["variables"] == {"REGISTRY": "docker.io"}
    assert data["images"]["a"]["tags"] == tags_a and data["images"]["b"]["tags"] == tags_b
    assert "c.yaml:1:1: warning: the tags share no repository prefix; declared 'variables: {REGISTRY: docker.io}'" in result.stderr
    assert "still to fix" not in result.stderr
    check = subprocess.run(
        [sys.executable, "-m", "bakegen", "-f", "out.yaml", "check"], cwd=tmp_path, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    assert "REGISTRY" not in check.stderr


def test_tags_with_their_own_registries_need_no_registry_variable(tmp_path):
    result = run_import(
        tmp_path,
        "images:\n"
        "  a:\n    build: {args: {BASE_IMAGE: 'ubuntu:22.04'}}\n    tags: [ghcr.io/me/a:1]\n"
        "  b:\n    build: {args: {BASE_IMAGE: 'ubuntu:22.04'}}\n    tags: [quay.io/me/b:1]\n",
    )
    assert result.returncode == 0, result.stderr
    data = converted(tmp_path)
    assert "variables" not in data
    assert data["images"]["a"]["tags"] == ["ghcr.io/me/a:1"]


def test_an_image_without_build_is_warned_about(tmp_path):
    result = run_import(tmp_path, "images:\n  a:\n    depends_on: [b]\n  b:\n    build: {args: {BASE_IMAGE: 'ubuntu:22.04'}}\n")
    assert result.returncode == 0, result.stderr
    assert (
        "c.yaml:2:3: warning: 'a' has no build: section; assumed context '.' and dockerfile 'Dockerfile'"
    ) in result.stderr
    assert "'b' has no build: section" not in result.stderr
    assert converted(tmp_path)["images"]["a"] == {"from": "b", "dockerfile": "Dockerfile"}


def test_import_never_writes_over_its_source(tmp_path):
    shutil.copy(FIXTURE, tmp_path / "old.yaml")
    result = subprocess.run(
        [sys.executable, "-m", "bakegen", "import", "old.yaml", "-o", "old.yaml", "--force"],
        cwd=tmp_path, capture_output=True, text=True,
    )
    assert result.returncode == 1 and "refusing to write over the input" in result.stderr
    assert (tmp_path / "old.yaml").read_bytes() == FIXTURE.read_bytes()
