"""bakegen.save: the edges of tarball names and save-target names (tests/test_save.py has the rest)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bakegen.emit.save import save_targets
from bakegen.errors import BakegenError
from bakegen.model import parse_project
from bakegen.save import Tarball, file_name, plan_save
from tests import hclread


@pytest.mark.parametrize(
    ("name", "platform", "expected"),
    [
        ("._x_.", None, "x.tar"),  # leading and trailing dots and underscores go
        ("__", None, "image.tar"),  # nothing left: a fixed name
        ("@@", "linux/amd64", "image_linux-amd64.tar"),
        ("a..b--c__d", None, "a..b--c__d.tar"),  # kept inside the name
        ("a:b", "", "a_b.tar"),  # an empty platform adds nothing
        ("XaX", None, "XaX.tar"),
    ],
)
def test_file_name_edges(name, platform, expected):
    assert file_name(name, platform) == expected


def test_a_save_target_name_taken_twice_takes_another_underscore():
    doc = """\
version: 1
images:
  a: {from: "ubuntu:22.04", dockerfile: D}
  a-save: {from: "ubuntu:22.04", dockerfile: D}
  a-save_: {from: "ubuntu:22.04", dockerfile: D}
"""
    [tarball] = plan_save(parse_project(doc, "images.yaml"), ["a"], {})
    assert tarball.target == "a-save__"


def test_the_file_name_clash_message(monkeypatch):
    monkeypatch.delenv("REGISTRY", raising=False)
    doc = """\
version: 1
variables: {REGISTRY: r.io}
images:
  a_b: {from: "ubuntu:22.04", dockerfile: D, tags: ["a_b:1"]}
  a-b: {from: "ubuntu:22.04", dockerfile: D, tags: ["a/b:1"]}
"""
    with pytest.raises(BakegenError) as caught:
        plan_save(parse_project(doc, "images.yaml"), ["a-b", "a_b"], {})
    [d] = caught.value.diagnostics
    assert d.message == (
        "images a-b and a_b would both be saved as r.io_a_b_1.tar; save them one at a time, into different folders"
    )


def test_the_description_of_a_save_target_without_a_platform():
    bare = Tarball("bare", None, "bare-save", "bare.tar", ())
    assert hclread.targets(save_targets([bare], Path("/out")))["bare-save"]["description"] == "bakegen save: bare"
