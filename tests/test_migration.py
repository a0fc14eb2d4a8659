"""Moving a project of the old build.py over with no hand edits: `bakegen import` of its
dockerfile-compose.yaml and Dockerfiles as they are, then `bakegen check` and the bake file;
and `import --rewrite-dockerfiles`, the opt-in edits to the FROM convention.

tests/e2e/test_migration.py builds the same fixture with BuildKit."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bakegen.dockerfile import parse_dockerfile
from bakegen.rewrite import convention_rewrite
from tests import hclread

FIXTURE = Path(__file__).parent / "fixtures" / "old-tool-project"
DOCKERFILES = sorted(p.name for p in (FIXTURE / "dockerfiles").iterdir())


def bakegen(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bakegen", *args], cwd=cwd, capture_output=True, text=True)


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "old-tool-project"
    shutil.copytree(FIXTURE, root)
    return root


def dockerfile_bytes(root: Path) -> dict[str, bytes]:
    return {name: (root / "dockerfiles" / name).read_bytes() for name in DOCKERFILES}


def test_import_then_check_passes_with_the_dockerfiles_unedited(project):
    before = dockerfile_bytes(project)
    imported = bakegen("import", "dockerfile-compose.yaml", cwd=project)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout == ""  # no diff unless asked for
    checked = bakegen("check", cwd=project)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout == "images.yaml: 7 images, no errors, 2 warning(s)\n"
    assert " error: " not in checked.stderr
    # the old defaults are explained, once per Dockerfile, as notes
    for name, said in [
        ("python.dockerfile", "defaults to 'ubuntu:22.04'"),
        ("pytorch-cpu.dockerfile", "has no default"),
        ("cann.dockerfile", "defaults to 'xuopoj/python:3.10'"),
        ("pytorch-npu.dockerfile", "defaults to 'xuopoj/cann:8.2rc1-910b'"),
        ("yolo.dockerfile", "has no default"),
    ]:
        line = f"dockerfiles/{name}:1: note: ARG BASE_IMAGE {said}; bakegen passes BASE_IMAGE=base"
        assert checked.stderr.count(line) == 1, (line, checked.stderr)
    assert dockerfile_bytes(project) == before


def test_a_from_that_completes_base_image_becomes_the_full_reference(project):
    imported = bakegen("import", "dockerfile-compose.yaml", cwd=project)
    assert imported.returncode == 0, imported.stderr
    vllm = yaml.safe_load((project / "images.yaml").read_text())["images"]["ascend-vllm"]
    assert vllm == {
        "from": "quay.io/ascend/vllm-ascend:v0.11.0rc2",
        "dockerfile": "dockerfiles/vllm.dockerfile",
        "args": {"BASE_IMAGE": "v0.11.0rc2"},
        "tags": ["ascend-vllm:v0.11.0rc2"],
    }
    assert (
        "dockerfile-compose.yaml:90:21: warning: 'ascend-vllm': BASE_IMAGE 'v0.11.0rc2' completes the first FROM "
        "of its Dockerfile (line 4) into 'quay.io/ascend/vllm-ascend:v0.11.0rc2': it builds on that image, not on "
        "a parent; from: quay.io/ascend/vllm-ascend:v0.11.0rc2, and BASE_IMAGE stays in args"
    ) in imported.stderr
    assert "is not an image reference" not in imported.stderr
    checked = bakegen("check", cwd=project)
    assert (
        "dockerfiles/vllm.dockerfile:4: note: ascend-vllm: the first FROM builds on "
        "'quay.io/ascend/vllm-ascend:v0.11.0rc2' (written '${REGISTRY_PREFIX}/vllm-ascend:${BASE_IMAGE}'), "
        "the image its from: names"
    ) in checked.stderr


def test_the_bake_file_passes_base_image_base_except_where_images_yaml_sets_it(project):
    assert bakegen("import", "dockerfile-compose.yaml", cwd=project).returncode == 0
    generated = bakegen(cwd=project)
    assert generated.returncode == 0, generated.stderr
    targets = hclread.targets((project / "docker-bake.hcl").read_text())
    assert {name: t["args"]["BASE_IMAGE"] for name, t in targets.items() if "args" in t} == {
        "python-3-10": "base",
        "pytorch-cpu": "base",
        "cann-8-3rc1-910b": "base",
        "pytorch-npu-910b": "base",
        "yolo-cpu": "base",
        "yolo-910b": "base",
        "ascend-vllm": "v0.11.0rc2",
    }
    assert targets["yolo-cpu"]["contexts"] == {"base": "target:pytorch-cpu"}
    # an external base on quay.io, through the base-image mirror function (bakegen.emit.mirror)
    assert hclread.call(targets["ascend-vllm"]["contexts"]["base"]) == (
        "bakegen_base_image",
        ["BASE_MIRROR_QUAY", "ascend/vllm-ascend:v0.11.0rc2", "quay.io/ascend/vllm-ascend:v0.11.0rc2"],
    )


def test_the_only_errors_left_are_version_pairs_that_cannot_work(project):
    compose = project / "dockerfile-compose.yaml"
    # the old tool's 910B image: torch 2.5.1 on CANN 8.3.RC1
    old_pair = 'TORCH_VERSION: "2.5.1"\n        TORCH_NPU_VERSION: "2.5.1"'
    compose.write_text(
        compose.read_text().replace('TORCH_VERSION: "2.7.1"\n        TORCH_NPU_VERSION: "2.7.1"', old_pair)
    )
    assert bakegen("import", "dockerfile-compose.yaml", cwd=project).returncode == 0
    checked = bakegen("check", "--json", cwd=project)
    assert checked.returncode == 1
    errors = [(d["code"], d["message"]) for d in json.loads(checked.stdout) if d["severity"] == "error"]
    assert len(errors) == 1, errors
    assert errors[0][1].startswith("pytorch-npu-910b: torch_npu 2.5.1 was not released for CANN 8.3.RC1")


def test_rewrite_dockerfiles_prints_the_edits_and_changes_nothing(project):
    before = dockerfile_bytes(project)
    result = bakegen("import", "dockerfile-compose.yaml", "--rewrite-dockerfiles", cwd=project)
    assert result.returncode == 0, result.stderr
    assert dockerfile_bytes(project) == before
    assert (
        "--- a/dockerfiles/python.dockerfile\n"
        "+++ b/dockerfiles/python.dockerfile\n"
        "@@ -1,4 +1,4 @@\n"
        "-ARG BASE_IMAGE=ubuntu:22.04\n"
        "+ARG BASE_IMAGE=base\n"
        " FROM ${BASE_IMAGE}\n"
    ) in result.stdout
    assert "-ARG BASE_IMAGE\n+ARG BASE_IMAGE=base\n" in result.stdout
    # one diff per Dockerfile (yolo.dockerfile serves two images); vllm.dockerfile is left alone
    changed = [line[len("--- a/") :] for line in result.stdout.splitlines() if line.startswith("--- a/")]
    assert sorted(changed) == [f"dockerfiles/{n}" for n in DOCKERFILES if n != "vllm.dockerfile"]
    assert (
        "dockerfiles/vllm.dockerfile: note: left as it is: ascend-vllm sets BASE_IMAGE in images.yaml, "
        "which its FROM line reads"
    ) in result.stderr
    assert "5 Dockerfile(s) would change (the diff above); add --write to apply it" in result.stderr


def test_rewrite_dockerfiles_write_applies_them_and_check_has_nothing_to_explain(project):
    diff = bakegen("import", "dockerfile-compose.yaml", "-o", "preview.yaml", "--rewrite-dockerfiles", cwd=project)
    result = bakegen("import", "dockerfile-compose.yaml", "--rewrite-dockerfiles", "--write", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == diff.stdout
    assert "rewrote 5 Dockerfile(s) to the FROM convention" in result.stderr
    assert (
        (project / "dockerfiles" / "python.dockerfile")
        .read_text()
        .startswith("ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\n\nARG PYTHON_VERSION\n")
    )
    assert (project / "dockerfiles" / "vllm.dockerfile").read_bytes() == (
        FIXTURE / "dockerfiles" / "vllm.dockerfile"
    ).read_bytes()
    checked = bakegen("check", cwd=project)
    assert checked.returncode == 0, checked.stderr
    assert "base-image-default" not in checked.stderr and "ARG BASE_IMAGE" not in checked.stderr
    again = bakegen("import", "dockerfile-compose.yaml", "--force", "--rewrite-dockerfiles", cwd=project)
    assert again.returncode == 0 and again.stdout == ""
    assert "0 Dockerfile(s) would change" in again.stderr


def test_write_without_rewrite_is_a_usage_error(project):
    result = bakegen("import", "dockerfile-compose.yaml", "--write", cwd=project)
    assert result.returncode == 2
    assert "--write applies the edits of --rewrite-dockerfiles; give both" in result.stderr
    assert not (project / "images.yaml").exists()


def outside_dockerfile(tmp_path: Path) -> Path:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "x.dockerfile").write_text("ARG BASE_IMAGE=ubuntu:22.04\nFROM ${BASE_IMAGE}\n")
    return outside / "x.dockerfile"


@pytest.mark.parametrize("how", ["dotdot", "symlink"])
def test_a_dockerfile_outside_the_project_is_never_rewritten(project, tmp_path, how):
    target = outside_dockerfile(tmp_path)
    compose = project / "dockerfile-compose.yaml"
    if how == "dotdot":
        dockerfile = "dockerfiles/../../elsewhere/x.dockerfile"
    else:
        (project / "dockerfiles" / "x.dockerfile").symlink_to(target)
        dockerfile = "dockerfiles/x.dockerfile"
    compose.write_text(compose.read_text().replace("dockerfiles/yolo.dockerfile", dockerfile, 1))
    before = dockerfile_bytes(project)
    for extra in ([], ["--write"]):
        result = bakegen("import", "dockerfile-compose.yaml", "--rewrite-dockerfiles", *extra, cwd=project)
        assert result.returncode == 1, result.stderr
        shown = dockerfile if how == "symlink" else "../elsewhere/x.dockerfile"
        assert f"{shown}: error: not rewriting this Dockerfile: " in result.stderr
        assert f"it resolves to {target.resolve()}, outside the project folder {project.resolve()}" in result.stderr
        assert "Traceback" not in result.stderr
        assert target.read_text() == "ARG BASE_IMAGE=ubuntu:22.04\nFROM ${BASE_IMAGE}\n"
        assert dockerfile_bytes(project) == before
        assert not (project / "images.yaml").exists()  # nothing is written when anything is refused


@pytest.mark.parametrize(
    "old, new",
    [
        (
            "ARG BASE_IMAGE=ubuntu:22.04\nFROM ${BASE_IMAGE}\nRUN true\n",
            "ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\nRUN true\n",
        ),
        ("ARG BASE_IMAGE\nFROM $BASE_IMAGE\n", "ARG BASE_IMAGE=base\nFROM $BASE_IMAGE\n"),
        # only the BASE_IMAGE word of a line of several args; quotes and CRLF line ends kept elsewhere
        (
            'ARG PY="3.10" BASE_IMAGE="x:1" OTHER=2\r\nFROM ${BASE_IMAGE} AS main\r\n',
            'ARG PY="3.10" BASE_IMAGE=base OTHER=2\r\nFROM ${BASE_IMAGE} AS main\r\n',
        ),
        # the last declaration is the one that counts
        (
            "ARG BASE_IMAGE=base\nARG BASE_IMAGE=x:1\nFROM ${BASE_IMAGE}\n",
            "ARG BASE_IMAGE=base\nARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\n",
        ),
        # no ARG before the FROM: one is inserted, after a byte order mark, with the file's line end
        ("\ufeffFROM ${BASE_IMAGE}\r\nRUN true\r\n", "\ufeffARG BASE_IMAGE=base\r\nFROM ${BASE_IMAGE}\r\nRUN true\r\n"),
        (
            "# comment\nFROM ${BASE_IMAGE}\nARG BASE_IMAGE=x\n",
            "# comment\nARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\nARG BASE_IMAGE=x\n",
        ),
        # a FROM naming an image names the parent instead
        (
            "FROM --platform=$BUILDPLATFORM ubuntu:22.04 AS build\n",
            "ARG BASE_IMAGE=base\nFROM --platform=$BUILDPLATFORM ${BASE_IMAGE} AS build\n",
        ),
        ("ARG BASE_IMAGE=x:1\nFROM \\\n  ubuntu:22.04\n", "ARG BASE_IMAGE=base\nFROM \\\n  ${BASE_IMAGE}\n"),
        ("ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\n", "ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\n"),
    ],
)
def test_the_smallest_edit_to_the_convention(old, new):
    assert convention_rewrite(parse_dockerfile(old, "D"), old) == (new, None)


@pytest.mark.parametrize(
    "text, why",
    [
        (
            "ARG BASE_IMAGE=v1\nFROM quay.io/x/y:${BASE_IMAGE}\n",
            "its first FROM makes a name of BASE_IMAGE ('quay.io/x/y:${BASE_IMAGE}')",
        ),
        ("RUN true\nFROM x\n", "RUN before the first FROM"),
        ("# nothing\n", "no FROM instruction"),
        # a build stage first: rewriting it would put the parent under the builder, not the image
        (
            "FROM golang:1.22 AS build\nRUN go build\nFROM ubuntu:22.04\nCOPY --from=build /app /app\n",
            "it has 2 stages and its first FROM ('golang:1.22') may be a build stage",
        ),
    ],
)
def test_what_is_left_for_a_person(text, why):
    new, reason = convention_rewrite(parse_dockerfile(text, "D"), text)
    assert new is None and reason.startswith(why), reason
