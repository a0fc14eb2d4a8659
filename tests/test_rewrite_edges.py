"""bakegen.rewrite called directly: which files a project's rewrite touches, the notes on those
it leaves, the diff it shows and what it writes (tests/test_migration.py drives the same
through `bakegen import` in a process, and checks convention_rewrite's edits)."""

from __future__ import annotations

import pytest

from bakegen import files, rewrite
from bakegen.dockerfile import Dockerfiles, parse_dockerfile, read_dockerfile
from bakegen.errors import BakegenError, Position
from bakegen.model import load_project

IMAGES = """\
version: 1
images:
  plain: {from: "ubuntu:22.04", dockerfile: d/plain.dockerfile}
  shared-a: {from: "ubuntu:22.04", dockerfile: d/shared.dockerfile}
  shared-b: {from: "ubuntu:22.04", dockerfile: d/../d/shared.dockerfile}
  done: {from: "ubuntu:22.04", dockerfile: d/done.dockerfile}
  own-arg: {from: "ubuntu:22.04", dockerfile: d/own.dockerfile, args: {BASE_IMAGE: "v1"}}
  own-arg-2: {from: "ubuntu:22.04", dockerfile: d/own.dockerfile, args: {BASE_IMAGE: "v2"}}
  one-user: {from: "ubuntu:22.04", dockerfile: d/one.dockerfile, args: {BASE_IMAGE: "v1"}}
  stages: {from: "ubuntu:22.04", dockerfile: d/stages.dockerfile}
  missing: {from: "ubuntu:22.04", dockerfile: d/missing.dockerfile}
  remote: {from: "ubuntu:22.04", context: "https://github.com/o/r.git", dockerfile: Dockerfile}
"""
FILES = {
    "d/plain.dockerfile": "ARG BASE_IMAGE=ubuntu:22.04\nFROM ${BASE_IMAGE}\nRUN true\n",
    "d/shared.dockerfile": "FROM ubuntu:22.04\nRUN true",
    "d/done.dockerfile": "ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\n",
    "d/own.dockerfile": "ARG BASE_IMAGE\nFROM quay.io/x:${BASE_IMAGE}\n",
    "d/one.dockerfile": "ARG BASE_IMAGE\nFROM quay.io/x:${BASE_IMAGE}\n",
    "d/stages.dockerfile": "FROM golang:1 AS build\nFROM ubuntu:22.04\n",
}


@pytest.fixture
def project_dir(tmp_path, monkeypatch):
    root = tmp_path / "p"
    for name, text in {"images.yaml": IMAGES, **FILES}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    monkeypatch.chdir(root)
    return root


def plan(root):
    project = load_project(root / "images.yaml")
    return rewrite.plan_rewrites(project, Dockerfiles(project.root))


def test_each_file_once_and_a_note_on_each_left_as_it_is(project_dir):
    rewrites, notes = plan(project_dir)
    assert [(r.shown, r.path) for r in rewrites] == [
        ("d/plain.dockerfile", project_dir.resolve() / "d/plain.dockerfile"),
        ("d/shared.dockerfile", project_dir.resolve() / "d/shared.dockerfile"),
    ]
    assert rewrites[0].old == FILES["d/plain.dockerfile"]
    assert rewrites[0].new == "ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\nRUN true\n"
    assert rewrites[1].new == "ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\nRUN true"
    assert [(str(n.position), n.severity, n.code, n.message) for n in notes] == [
        (
            "d/own.dockerfile",
            "note",
            "rewrite-skipped",
            "left as it is: own-arg, own-arg-2 set BASE_IMAGE in images.yaml, which its FROM line reads",
        ),
        (
            "d/one.dockerfile",
            "note",
            "rewrite-skipped",
            "left as it is: one-user sets BASE_IMAGE in images.yaml, which its FROM line reads",
        ),
        (
            "d/stages.dockerfile",
            "note",
            "rewrite-skipped",
            "left as it is: it has 2 stages and its first FROM ('golang:1') may be a build stage rather than "
            "the image's base; " + rewrite.CONVENTION + " by hand",
        ),
    ]


def test_an_undecodable_file_is_left_with_a_note(project_dir):
    (project_dir / "d/plain.dockerfile").write_bytes(b"ARG BASE_IMAGE=x\nFROM ${BASE_IMAGE}\nRUN echo \xff\n")
    rewrites, notes = plan(project_dir)
    assert [r.shown for r in rewrites] == ["d/shared.dockerfile"]
    [note] = [n for n in notes if n.position == Position("d/plain.dockerfile")]
    assert note.severity == "note" and note.code == "rewrite-skipped"
    assert note.message.startswith("left as it is: cannot read it: 'utf-8' codec can't decode byte 0xff")


def test_a_file_outside_the_project_refuses_every_rewrite(project_dir, tmp_path):
    outside = tmp_path / "elsewhere.dockerfile"
    outside.write_text("FROM ubuntu:22.04\n")
    (project_dir / "d/link.dockerfile").symlink_to(outside)
    with open(project_dir / "images.yaml", "a") as f:
        f.write('  linked: {from: "ubuntu:22.04", dockerfile: d/link.dockerfile}\n')
    outside2 = tmp_path / "elsewhere2.dockerfile"
    outside2.write_text("FROM ubuntu:22.04\n")
    (project_dir / "d/link2.dockerfile").symlink_to(outside2)
    with open(project_dir / "images.yaml", "a") as f:
        f.write('  linked2: {from: "ubuntu:22.04", dockerfile: d/link2.dockerfile}\n')
    with pytest.raises(BakegenError) as caught:
        plan(project_dir)
    d, d2 = caught.value.diagnostics  # every file outside, not only the first
    assert d2.position == Position(str(project_dir / "d/link2.dockerfile"))
    # named by the path images.yaml gives (it resolves outside the working folder)
    assert (
        d.position == Position(str(project_dir / "d/link.dockerfile"))
        and d.code == "outside-project"
        and d.severity == "error"
    )
    assert d.message == (
        f"not rewriting this Dockerfile: it resolves to {outside.resolve()}, outside the project folder "
        f"{project_dir.resolve()}; edit it by hand, or copy it into the project and point dockerfile: at the copy"
    )


def test_the_diff_names_the_file_and_marks_a_missing_last_newline(project_dir):
    rewrites, _ = plan(project_dir)
    assert rewrites[0].diff() == (
        "--- a/d/plain.dockerfile\n"
        "+++ b/d/plain.dockerfile\n"
        "@@ -1,3 +1,3 @@\n"
        "-ARG BASE_IMAGE=ubuntu:22.04\n"
        "+ARG BASE_IMAGE=base\n"
        " FROM ${BASE_IMAGE}\n"
        " RUN true\n"
    )
    assert rewrites[1].diff() == (
        "--- a/d/shared.dockerfile\n"
        "+++ b/d/shared.dockerfile\n"
        "@@ -1,2 +1,3 @@\n"
        "-FROM ubuntu:22.04\n"
        "+ARG BASE_IMAGE=base\n"
        "+FROM ${BASE_IMAGE}\n"
        " RUN true\n"
        "\\ No newline at end of file\n"
    )


def test_writes_gives_each_rewrite(project_dir):
    rewrites, _ = plan(project_dir)
    assert rewrite.writes(rewrites) == [(r.path, r.new) for r in rewrites] and len(rewrites) == 2
    files.write_all_atomic(rewrite.writes(rewrites))
    assert (project_dir / "d/plain.dockerfile").read_text() == rewrites[0].new
    assert (project_dir / "d/shared.dockerfile").read_text() == rewrites[1].new
    assert plan(project_dir)[0] == []


BY_HAND = "; " + rewrite.CONVENTION + " by hand"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the reason keeps the first clause of the convention problem, then says what to do
        ("RUN true\nFROM x\n", (None, "RUN before the first FROM" + BY_HAND)),
        ("# nothing\n", (None, "no FROM instruction" + BY_HAND)),
        (
            "FROM ub\\\nuntu:22.04\n",
            (None, "the image of its first FROM ('ubuntu:22.04') is not written plainly on line 1"),
        ),
        ("ARG BA\\\nSE_IMAGE=x\nFROM ${BASE_IMAGE}\n", (None, "the ARG BASE_IMAGE on line 1 is not written plainly")),
        ('ARG "BASE_IMAGE=x"\nFROM ${BASE_IMAGE}\n', (None, "the ARG BASE_IMAGE on line 1 is not written plainly")),
        # a FROM with a variable in its tag is an image reference like any other
        ("ARG BASE_IMAGE=x\nFROM ubuntu:${TAG:-22.04}\n", ("ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\n", None)),
        # only the first occurrence of the image on its line
        ("FROM ubuntu AS ubuntu\n", ("ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE} AS ubuntu\n", None)),
        # the image is looked for in the FROM instruction's lines only, not in the next instruction
        (
            "FROM ub\\\nuntu:22.04\nRUN echo ubuntu:22.04\n",
            (None, "the image of its first FROM ('ubuntu:22.04') is not written plainly on line 1"),
        ),
        # a backtick continues the line under `# escape=``
        ("# escape=`\nFROM `\n  ubuntu:22.04\n", ("# escape=`\nARG BASE_IMAGE=base\nFROM `\n  ${BASE_IMAGE}\n", None)),
        # the file ends inside the continued FROM
        ("FROM \\\n  ubuntu:22.04 \\", ("ARG BASE_IMAGE=base\nFROM \\\n  ${BASE_IMAGE} \\", None)),
        # a continuation that ends the file, the image not found in it
        ("FROM ub\\\nuntu \\", (None, "the image of its first FROM ('ubuntu') is not written plainly on line 1")),
        # a backslash followed by other text, or by a form feed, continues nothing
        (
            "FROM ub\\\nuntu:22.04 AS x\\X\nRUN echo ubuntu:22.04\n",
            (None, "the image of its first FROM ('ubuntu:22.04') is not written plainly on line 1"),
        ),
        (
            "FROM ub\\\nuntu:22.04 \\\x0c\nRUN echo ubuntu:22.04\n",
            (None, "the image of its first FROM ('ubuntu:22.04') is not written plainly on line 1"),
        ),
        # an ARG after the first FROM is a stage's, left alone
        (
            "ARG BASE_IMAGE=x\nFROM ${BASE_IMAGE}\nARG BASE_IMAGE=y\n",
            ("ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\nARG BASE_IMAGE=y\n", None),
        ),
    ],
)
def test_edits_and_reasons(text, expected):
    assert rewrite.convention_rewrite(parse_dockerfile(text, "D"), text) == expected


def test_an_unreadable_parse_is_left_as_it_is(tmp_path):
    missing = tmp_path / "nope.dockerfile"
    parsed = read_dockerfile(missing, "nope.dockerfile")
    assert rewrite.convention_rewrite(parsed, "") == (None, "it cannot be read")


def test_a_continued_from_is_rewritten_on_the_line_that_holds_the_image():
    text = "FROM \\\r\n  --platform=linux/arm64 \\\r\n  ubuntu:22.04 AS main\r\n"
    assert rewrite.convention_rewrite(parse_dockerfile(text, "D"), text) == (
        "ARG BASE_IMAGE=base\r\nFROM \\\r\n  --platform=linux/arm64 \\\r\n  ${BASE_IMAGE} AS main\r\n",
        None,
    )


def test_the_base_image_word_with_single_quotes_and_at_the_end_of_a_continued_arg():
    text = "ARG A=1 \\\n  BASE_IMAGE='x:1'\nFROM ${BASE_IMAGE}\n"
    assert rewrite.convention_rewrite(parse_dockerfile(text, "D"), text) == (
        "ARG A=1 \\\n  BASE_IMAGE=base\nFROM ${BASE_IMAGE}\n",
        None,
    )
