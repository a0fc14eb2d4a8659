"""A project of the old build.py, imported and built with BuildKit without editing a Dockerfile.

tests/fixtures/old-tool-project is laid out as the old tool's users have it. Its Dockerfiles
say `ARG BASE_IMAGE=ubuntu:22.04`, `ARG BASE_IMAGE=xuopoj/cann:8.2rc1-910b` (tags no registry
here can resolve) or no default before `FROM ${BASE_IMAGE}`; the vLLM one says
`FROM ${REGISTRY_PREFIX}/vllm-ascend:${BASE_IMAGE}` with BASE_IMAGE a bare tag. Each layer
fails its RUN unless the file its parent wrote is there, so a build that succeeds stood on
the parent images.yaml gives it. The copy differs from the fixture only in its
dockerfile-compose.yaml: the external bases point at the local test base.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.e2e import support

FIXTURE = support.REPO / "tests" / "fixtures" / "old-tool-project"


def fixture_dockerfiles() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((FIXTURE / "dockerfiles").iterdir())}


def test_old_tool_project_imports_and_builds_unedited(tmp_path, env, registry, test_base, out_dir):
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root)
    # The vLLM image's base, under the name its FROM line builds: <prefix>/vllm-ascend:<tag>
    prefix = f"{registry}/e2e-{support.unique()}"
    copied = support.run(
        ["docker", "buildx", "imagetools", "create", "-t", f"{prefix}/vllm-ascend:v0.11.0rc2", test_base],
        env=env,
        timeout=120,
    )
    assert copied.returncode == 0, support.show(copied)
    compose = root / "dockerfile-compose.yaml"
    text = compose.read_text()
    assert text.count('BASE_IMAGE: "ubuntu:22.04"') == 1 and text.count('BASE_IMAGE: "v0.11.0rc2"') == 1
    text = text.replace('BASE_IMAGE: "ubuntu:22.04"', f'BASE_IMAGE: "{test_base}"')
    text = text.replace('BASE_IMAGE: "v0.11.0rc2"', f'BASE_IMAGE: "v0.11.0rc2"\n        REGISTRY_PREFIX: "{prefix}"')
    compose.write_text(text)

    imported = support.bakegen("import", "dockerfile-compose.yaml", cwd=root, env=env)
    assert imported.returncode == 0, support.show(imported)
    checked = support.bakegen("check", cwd=root, env=env)
    assert checked.returncode == 0, support.show(checked)
    generated = support.bakegen(cwd=root, env=env)
    assert generated.returncode == 0, support.show(generated)
    bake = (root / "docker-bake.hcl").read_text()
    assert f'"base" = "docker-image://{prefix}/vllm-ascend:v0.11.0rc2"' in bake

    # yolo-910b: python -> cann -> pytorch-npu (ARG BASE_IMAGE=xuopoj/cann:8.2rc1-910b) -> yolo;
    # nothing of it is inspected but its RUN checks, so it is built into the cache only
    built = support.bakegen(
        "build", "yolo-cpu", "yolo-910b", "ascend-vllm",
        "--set", f"yolo-cpu.output=type=local,dest={out_dir / 'yolo-cpu'}",
        "--set", "yolo-910b.output=type=cacheonly",
        "--set", f"ascend-vllm.output=type=local,dest={out_dir / 'ascend-vllm'}",
        "--progress", "plain",
        cwd=root, env=env,
    )  # fmt: skip
    assert built.returncode == 0, support.show(built)

    leaf = out_dir / "yolo-cpu"
    layers = {p.name: p.read_text() for p in (leaf / "opt" / "oldtool").iterdir()}
    assert layers == {"python": "python 3.10\n", "torch": "torch 2.7.1+cpu\n", "yolo": "yolo\n"}
    assert (leaf / "etc" / "debian_version").is_file()  # the test base, not ubuntu:22.04
    vllm = out_dir / "ascend-vllm"
    assert (vllm / "opt" / "oldtool" / "vllm").read_text() == "vllm-ascend v0.11.0rc2\n"
    assert (vllm / "etc" / "debian_version").is_file()
    assert not (vllm / "opt" / "oldtool" / "python").exists()  # built on its own base, not on a parent

    # the Dockerfiles were used exactly as the old tool has them
    assert {p.name: p.read_bytes() for p in sorted((root / "dockerfiles").iterdir())} == fixture_dockerfiles()


def test_rewritten_dockerfiles_build_the_same_chain(tmp_path, env, test_base, out_dir):
    """After `import --rewrite-dockerfiles --write` the Dockerfiles say ARG BASE_IMAGE=base; a
    plain build of one, given only the named context, stands on that context."""
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root)
    compose = root / "dockerfile-compose.yaml"
    compose.write_text(compose.read_text().replace('BASE_IMAGE: "ubuntu:22.04"', f'BASE_IMAGE: "{test_base}"'))
    imported = support.bakegen(
        "import", "dockerfile-compose.yaml", "--rewrite-dockerfiles", "--write", cwd=root, env=env
    )
    assert imported.returncode == 0, support.show(imported)
    dockerfile: Path = root / "dockerfiles" / "python.dockerfile"
    assert dockerfile.read_text().startswith("ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\n")
    # no --build-arg: the Dockerfile's own default now names the context
    built = support.run(
        [
            "docker", "buildx", "build", "--builder", env["BAKEGEN_BUILDER"],
            "-f", str(dockerfile), "--build-arg", "PYTHON_VERSION=3.10",
            "--build-context", f"base=docker-image://{test_base}",
            "--output", f"type=local,dest={out_dir / 'python'}", str(root),
        ],
        env=env,
    )  # fmt: skip
    assert built.returncode == 0, support.show(built)
    assert (out_dir / "python" / "opt" / "oldtool" / "python").read_text() == "python 3.10\n"
