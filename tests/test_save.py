"""`bakegen save`: the tarballs of a save, their names, and the bake targets that write them."""

import textwrap
from pathlib import Path

import pytest

from bakegen.emit.save import save_targets
from bakegen.errors import BakegenError
from bakegen.model import parse_project
from bakegen.save import Tarball, file_name, plan_save
from tests import hclread

DOC = """\
version: 1
variables: {REGISTRY: xuopoj}
groups:
  npu: [torch]
images:
  py: {from: "ubuntu:22.04", dockerfile: D, platforms: [linux/amd64, linux/arm64], tags: ["python:3.10"]}
  torch: {from: py, dockerfile: D, platforms: [linux/arm64], tags: ["pytorch:2.7.1-npu-910b", "swr.example.com/o/pytorch:2.7.1"]}
  bare: {from: "debian:bookworm", dockerfile: D}
  torch-save-linux-arm64: {from: py, dockerfile: D, tags: ["odd:1"], platforms: [linux/arm64]}
"""


def project(doc=DOC):
    return parse_project(textwrap.dedent(doc), "images.yaml")


@pytest.mark.parametrize(
    ("name", "platform", "expected"),
    [
        ("xuopoj/pytorch:2.7.1-npu-910b", "linux/arm64", "xuopoj_pytorch_2.7.1-npu-910b_linux-arm64.tar"),
        ("localhost:5000/a/b:1", "linux/amd64", "localhost_5000_a_b_1_linux-amd64.tar"),
        ("x@sha256:abc", "linux/arm/v7", "x_sha256_abc_linux-arm-v7.tar"),
        ("bare", None, "bare.tar"),
    ],
)
def test_file_names_come_from_the_tag_and_platform(name, platform, expected):
    assert file_name(name, platform) == expected


def test_one_tarball_per_image_and_platform_named_from_the_first_tag(monkeypatch):
    monkeypatch.delenv("REGISTRY", raising=False)
    tarballs = plan_save(project(), ["py", "npu"], {})
    assert [(t.image, t.platform, t.target, t.file_name) for t in tarballs] == [
        ("py", "linux/amd64", "py-save-linux-amd64", "xuopoj_python_3.10_linux-amd64.tar"),
        ("py", "linux/arm64", "py-save-linux-arm64", "xuopoj_python_3.10_linux-arm64.tar"),
        # an image is called torch-save-linux-arm64: the save target takes another name
        ("torch", "linux/arm64", "torch-save-linux-arm64_", "xuopoj_pytorch_2.7.1-npu-910b_linux-arm64.tar"),
    ]
    assert tarballs[2].tags == ("xuopoj/pytorch:2.7.1-npu-910b", "swr.example.com/o/pytorch:2.7.1")


def test_registry_as_bake_resolves_it(monkeypatch):
    monkeypatch.setenv("REGISTRY", "from-env.example.com/o")
    (from_env,) = plan_save(project(), ["torch"], {})
    (from_var,) = plan_save(project(), ["torch"], {"REGISTRY": "swr.cn-southwest-2.myhuaweicloud.com/my-org"})
    assert from_env.file_name == "from-env.example.com_o_pytorch_2.7.1-npu-910b_linux-arm64.tar"
    assert from_var.tags[0] == "swr.cn-southwest-2.myhuaweicloud.com/my-org/pytorch:2.7.1-npu-910b"


def test_an_image_without_tags_or_platforms_is_named_by_its_id():
    (tarball,) = plan_save(project(), ["bare"], {})
    assert (tarball.platform, tarball.target, tarball.file_name, tarball.tags) == (None, "bare-save", "bare.tar", ())


def test_two_images_one_file_name_is_an_error():
    doc = DOC + '  a_b: {from: bare, dockerfile: D, tags: ["a_b:1"]}\n  a-b: {from: bare, dockerfile: D, tags: ["a/b:1"]}\n'
    doc = doc.replace("variables: {REGISTRY: xuopoj}", "variables: {REGISTRY: r.example.com}")
    with pytest.raises(BakegenError, match="would both be saved as r.example.com_a_b_1.tar"):
        plan_save(project(doc), ["a_b", "a-b"], {})


def test_save_targets_inherit_the_image_and_export_one_platform_without_cache():
    tarball = Tarball("torch", "linux/arm64", "torch-save-linux-arm64", "t_linux-arm64.tar", ("xuopoj/t:1",))
    bare = Tarball("bare", None, "bare-save", "bare.tar", ())
    targets = hclread.targets(save_targets([tarball, bare], Path("/out/.bakegen-save-x")))
    assert targets["torch-save-linux-arm64"] == {
        "description": "bakegen save: torch for linux/arm64",
        "inherits": ["torch"],
        "platforms": ["linux/arm64"],
        "output": ["type=docker,dest=/out/.bakegen-save-x/t_linux-arm64.tar"],
        "cache-to": [],
    }
    assert "platforms" not in targets["bare-save"]
    assert targets["bare-save"]["output"] == ["type=docker,dest=/out/.bakegen-save-x/bare.tar"]
