"""`bakegen save`: docker-loadable tarballs written by BuildKit's docker exporter, no Docker
daemon. Each tarball is read as `docker load` reads it: manifest.json (RepoTags, Config,
Layers), the config (the platform) and every layer file; the child's layers sit on its
parent's."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

from tests.e2e import support


def read_tarball(path: Path, into: Path) -> tuple[dict, dict, list[str]]:
    """manifest.json's one entry, the image config, and the layer files as extracted."""
    into.mkdir(parents=True)
    with tarfile.open(path) as archive:
        archive.extractall(into, filter="data")
    (entry,) = json.loads((into / "manifest.json").read_text())
    config = json.loads((into / entry["Config"]).read_text())
    return entry, config, entry["Layers"]


def test_save_writes_one_loadable_tarball_per_image_and_platform(tmp_path, make_project, env):
    project = make_project(
        tmp_path / "project",
        images={
            "spar": {"platforms": ["linux/amd64", "linux/arm64"], "tags": ["spar:e2e"]},
            "skid": {"from": "spar", "platforms": ["linux/amd64", "linux/arm64"], "tags": ["skid:e2e", "skid:latest"]},
        },
        # COPY: a layer each, nothing run under emulation
        dockerfiles={"spar": f"COPY spar.txt /spar-{support.unique()}\n", "skid": "COPY skid.txt /skid\n"},
    )
    (project.root / "spar.txt").write_text("parent\n")
    (project.root / "skid.txt").write_text("kid\n")
    dest = tmp_path / "offline"
    result = support.bakegen(
        "save", "skid", "spar", "--dest", str(dest), "--builder", env["BAKEGEN_BUILDER"], "--progress", "plain",
        cwd=project.root, env=env,
    )
    assert result.returncode == 0, support.show(result)

    prefix = project.registry_prefix
    stem = prefix.replace(":", "_").replace("/", "_")
    expected = {
        f"{stem}_spar_e2e_linux-amd64.tar": ("linux/amd64", [f"{prefix}/spar:e2e"]),
        f"{stem}_spar_e2e_linux-arm64.tar": ("linux/arm64", [f"{prefix}/spar:e2e"]),
        f"{stem}_skid_e2e_linux-amd64.tar": ("linux/amd64", [f"{prefix}/skid:e2e", f"{prefix}/skid:latest"]),
        f"{stem}_skid_e2e_linux-arm64.tar": ("linux/arm64", [f"{prefix}/skid:e2e", f"{prefix}/skid:latest"]),
    }
    assert sorted(p.name for p in dest.iterdir()) == sorted(expected)  # nothing else: no staging folder
    assert sorted(line.split()[0] for line in result.stdout.splitlines()) == sorted(str(dest / n) for n in expected)

    layers: dict[tuple[str, str], list[str]] = {}
    for name, (platform, tags) in expected.items():
        entry, config, layer_files = read_tarball(dest / name, tmp_path / "x" / name)
        assert sorted(entry["RepoTags"]) == sorted(tags), (name, entry)
        assert f"{config['os']}/{config['architecture']}" == platform, (name, config["os"], config["architecture"])
        assert layer_files, name
        for layer in layer_files:
            assert (tmp_path / "x" / name / layer).is_file(), (name, layer)
        # every layer the config lists is in the tarball, in order
        assert len(config["rootfs"]["diff_ids"]) == len(layer_files), (name, config["rootfs"])
        image = "skid" if "_skid_" in name else "spar"
        layers[(image, platform)] = layer_files
    for platform in ("linux/amd64", "linux/arm64"):
        parent, child = layers[("spar", platform)], layers[("skid", platform)]
        assert child[: len(parent)] == parent and len(child) == len(parent) + 1, (platform, parent, child)
    assert layers[("skid", "linux/amd64")][0] != layers[("skid", "linux/arm64")][0]  # the base's own platforms


def test_a_failed_save_leaves_no_tarball(tmp_path, make_project, env):
    project = make_project(
        tmp_path / "project",
        images={"sbad": {"platforms": ["linux/amd64"], "tags": ["sbad:e2e"]}},
        dockerfiles={"sbad": "RUN echo about to fail && false\n"},
    )
    dest = tmp_path / "offline"
    dest.mkdir()
    (dest / "kept.txt").write_text("the user's\n")
    result = support.bakegen(
        "save", "sbad", "--dest", str(dest), "--builder", env["BAKEGEN_BUILDER"], cwd=project.root, env=env
    )
    assert result.returncode == 1, support.show(result)
    assert "Traceback" not in result.stderr
    assert "failing step" in result.stderr, result.stderr
    assert sorted(p.name for p in dest.iterdir()) == ["kept.txt"]
