"""linux/arm64 under qemu: an arm64-only child of a multi-platform parent runs on aarch64,
and the parent's amd64 variant on x86_64."""

from __future__ import annotations

from tests.e2e import support


def test_arm64_under_qemu(tmp_path, make_project, env, out_dir):
    project = make_project(
        tmp_path,
        images={
            "multi": {"platforms": ["linux/amd64", "linux/arm64"], "args": {"NONCE": support.unique()}},
            "armchild": {"from": "multi", "platforms": ["linux/arm64"]},
        },
        dockerfiles={
            "multi": 'ARG NONCE\nRUN echo "$NONCE" > /nonce && uname -m > /parent-arch\n',
            "armchild": "RUN uname -m > /arch\n",
        },
    )
    out = out_dir
    result = support.bakegen(
        "build", "multi", "armchild", "--progress", "rawjson",
        "--set", f"multi.output=type=local,dest={out / 'multi'}",
        "--set", f"armchild.output=type=local,dest={out / 'armchild'}",
        cwd=project.root, env=env,
    )
    assert result.returncode == 0, support.show(result)

    # a single-platform local export is the root file system itself
    assert (out / "armchild" / "arch").read_text() == "aarch64\n"
    # a multi-platform one has a folder per platform
    assert sorted(p.name for p in (out / "multi").iterdir()) == ["linux_amd64", "linux_arm64"]
    assert (out / "multi" / "linux_amd64" / "parent-arch").read_text() == "x86_64\n"
    assert (out / "multi" / "linux_arm64" / "parent-arch").read_text() == "aarch64\n"
    # the child sits on the parent's arm64 variant
    assert (out / "armchild" / "parent-arch").read_text() == "aarch64\n"
    assert (out / "armchild" / "nonce").read_text() == (out / "multi" / "linux_arm64" / "nonce").read_text()

    ran = support.executed(result.stderr)
    assert len(ran) == 3, ran  # the parent once per platform, the child once
