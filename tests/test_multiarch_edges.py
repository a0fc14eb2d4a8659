"""bakegen.multiarch: each refusal's whole text and the merge's edges, with Pushed values
written out (tests/test_split_merge.py reads the metadata files real runs wrote)."""

from __future__ import annotations

import pytest

from bakegen import multiarch
from bakegen.errors import BakegenError, Position
from bakegen.metadata import Pushed
from bakegen.model import parse_project

DOC = """\
version: 1
variables: {REGISTRY: r.io/t}
images:
  par: {from: "ubuntu:22.04", dockerfile: D, platforms: [linux/amd64, linux/arm64], tags: ["par:1", "par:latest", "other/par:1"]}
  one: {from: par, dockerfile: D, platforms: [linux/arm64], tags: ["one:1"]}
  untagged: {from: par, dockerfile: D, platforms: [linux/amd64, linux/arm64]}
  anywhere: {from: "ubuntu:22.04", dockerfile: D, tags: ["anywhere:1"]}
"""
V = {"REGISTRY": "r.io/t"}
A = "sha256:" + "a" * 64
B = "sha256:" + "b" * 64
C = "sha256:" + "c" * 64


@pytest.fixture
def project():
    return parse_project(DOC, "images.yaml")


def errors(call):
    with pytest.raises(BakegenError) as caught:
        call()
    return [(str(d.position) if d.position else None, d.code, d.message) for d in caught.value.diagnostics]


def test_repository_keeps_a_port_and_drops_the_tag():
    assert multiarch.repository("localhost:5000/a:1") == "localhost:5000/a"
    assert multiarch.repository("localhost:5000/a") == "localhost:5000/a"
    assert multiarch.repository("a:1:2") == "a"
    assert multiarch.repository("a") == "a"


def test_repositories_once_each_in_tag_order(project):
    assert multiarch.repositories(project, "par", V) == ["r.io/t/par", "r.io/t/other/par"]
    assert multiarch.tags(project, "par", {}) == ["par:1", "par:latest", "other/par:1"]


def test_refuse_narrowed_push(project):
    multiarch.refuse_narrowed_push(project, ["one", "untagged", "anywhere"], "linux/arm64")  # nothing to lose
    assert errors(lambda: multiarch.refuse_narrowed_push(project, ["par", "one"], "linux/arm64")) == [
        (
            "images.yaml:4:3",
            "push-drops-platforms",
            "--push --platform linux/arm64 would replace the tags of 'par' (platforms: linux/amd64, linux/arm64) "
            "with an image of linux/arm64 alone; build each platform with `--platform P --push-by-digest "
            "--metadata-file F` and join them with `bakegen merge`, or push without --platform",
        )
    ]


def test_platform_overrides_for_images_with_and_without_platforms(project):
    # an image that declares no platforms builds whichever it is asked for
    assert multiarch.platform_overrides(project, ["anywhere"], "linux/s390x") == {"anywhere.platform": "linux/s390x"}
    assert [
        code for _, code, _ in errors(lambda: multiarch.platform_overrides(project, ["par", "one"], "linux/s390x"))
    ] == [
        "platform-not-declared",
        "platform-not-declared",
    ]
    assert multiarch.platform_overrides(project, ["anywhere", "par"], "linux/arm64") == {
        "anywhere.platform": "linux/arm64",
        "par.platform": "linux/arm64",
    }


def test_every_image_without_tags_is_named(project):
    assert (
        errors(lambda: multiarch.digest_push_overrides(project, ["untagged", "one", "untagged"], V))
        == [
            (
                "images.yaml:6:3",
                "no-tags-to-push",
                "'untagged' has no tags, so there is no repository to push it to by digest; give it tags",
            )
        ]
        * 2
    )


def test_the_merge_command():
    merge = multiarch.Merge("par", ("r/par:1", "r/par:2"), ("r/par@" + A, "r/par@" + B), ("linux/amd64", "linux/arm64"))
    assert merge.command() == [
        "docker", "buildx", "imagetools", "create",
        "--tag", "r/par:1", "--tag", "r/par:2",
        "r/par@" + A, "r/par@" + B,
    ]  # fmt: skip


def pushed(target, platform, digest, names=("r.io/t/par", "r.io/t/other/par"), line=1):
    return Pushed(target, platform, digest, tuple(names), Position("m.json", line))


def test_a_merge_in_the_image_platform_order_from_the_first_repository(project):
    items = [
        pushed("par", "linux/arm64", B, names=("r.io/t/other/par", "r.io/t/par")),
        pushed("par", "linux/amd64", A),
        pushed("par", "linux/amd64", A, line=9),  # the same digest twice is no conflict
        pushed("one", "linux/arm64", C, names=("elsewhere/one",)),  # not merged now: not judged
    ]
    assert multiarch.plan_merge(project, ["par"], items, V) == [
        multiarch.Merge(
            "par",
            ("r.io/t/par:1", "r.io/t/par:latest", "r.io/t/other/par:1"),
            ("r.io/t/par@" + A, "r.io/t/other/par@" + B),
            ("linux/amd64", "linux/arm64"),
        )
    ]


def test_every_problem_of_a_merge(project):
    items = [
        pushed("par", "linux/s390x", A, line=2),
        pushed("par", "linux/amd64", A, line=3),
        pushed("par", "linux/amd64", B, line=4),
        pushed("one", "linux/arm64", C, names=("elsewhere/one",), line=5),
    ]
    got = errors(lambda: multiarch.plan_merge(project, ["par", "one", "untagged", "anywhere"], items, V))
    assert got == [
        (
            "m.json:2",
            "merge-unexpected-platform",
            "par: a digest for linux/s390x, which 'par' does not declare (its platforms: linux/amd64, linux/arm64)",
        ),
        (
            "m.json:4",
            "merge-conflict",
            f"par linux/amd64: digest {B} here, {A} in m.json:3; keep the metadata of one run per platform",
        ),
        (
            "m.json:5",
            "merge-registry-mismatch",
            "one linux/arm64 was pushed to elsewhere/one, but its tags resolve to r.io/t/one; merge with the "
            "variables the build had (REGISTRY='r.io/t' now; set it in the environment or with --var)",
        ),
        # in build order: anywhere has no parent
        (
            "images.yaml:7:3",
            "merge-nothing-to-tag",
            "'anywhere' has no platforms to merge; leave it out of `bakegen merge`",
        ),
        (
            "images.yaml:6:3",
            "merge-nothing-to-tag",
            "'untagged' has no tags to merge; leave it out of `bakegen merge`",
        ),
        (
            None,
            "merge-missing-platform",
            "no digest for par (linux/arm64) in the metadata files; complete: one; nothing was tagged. "
            "Wait for those jobs (or re-run them), or merge only the complete images",
        ),
    ]


def test_nothing_complete(project):
    items = [pushed("par", "linux/amd64", A)]
    assert errors(lambda: multiarch.plan_merge(project, ["par", "one"], items, V)) == [
        (
            None,
            "merge-missing-platform",
            "no digest for par (linux/arm64); one (linux/arm64) in the metadata files; nothing was tagged. "
            "Wait for those jobs (or re-run them), or merge only the complete images",
        )
    ]


def test_a_digest_for_an_image_without_platforms(project):
    items = [pushed("anywhere", "linux/amd64", A, names=("r.io/t/anywhere",))]
    assert errors(lambda: multiarch.plan_merge(project, ["anywhere"], items, V))[0] == (
        "m.json:1",
        "merge-unexpected-platform",
        "anywhere: a digest for linux/amd64, which 'anywhere' does not declare (its platforms: none)",
    )


def test_a_registry_mismatch_with_no_tags_says_nothing(project):
    items = [pushed("untagged", "linux/amd64", A, names=("x/untagged",))]
    assert errors(lambda: multiarch.plan_merge(project, ["untagged"], items, V))[0][2] == (
        "untagged linux/amd64 was pushed to x/untagged, but its tags resolve to nothing; merge with the variables "
        "the build had (REGISTRY='r.io/t' now; set it in the environment or with --var)"
    )


# A docker CLI that records its arguments and, with $FAIL set, fails as buildx does (exit 3, stderr).
FAKE_DOCKER = """\
#!/bin/sh
printf '%s\\n' "$@" > "$RECORD"
if [ -n "$FAIL" ]; then printf 'first\\n\\nsecond\\nthird\\nfourth\\n' >&2; exit 3; fi
"""
MERGE = multiarch.Merge("par", ("r/par:1", "r/par:2"), ("r/par@" + A, "r/par@" + B), ("linux/amd64", "linux/arm64"))


@pytest.fixture
def fake_docker(tmp_path, monkeypatch):
    """python-on-whales' global client, made to look the docker binary up again on this PATH."""
    import python_on_whales

    (tmp_path / "bin").mkdir()
    docker = tmp_path / "bin" / "docker"
    docker.write_text(FAKE_DOCKER)
    docker.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    monkeypatch.setenv("RECORD", str(tmp_path / "record"))
    monkeypatch.setattr(python_on_whales.docker.client_config, "_client_call_with_path", None)
    return tmp_path / "record"


def test_create_index_runs_imagetools_create(fake_docker):
    multiarch.create_index(MERGE, "my-builder")
    assert fake_docker.read_text().splitlines() == [
        "buildx", "imagetools", "create",
        "--tag", "r/par:1", "--tag", "r/par:2",
        "--builder", "my-builder",
        "r/par@" + A, "r/par@" + B,
    ]  # fmt: skip
    multiarch.create_index(MERGE)
    assert "--builder" not in fake_docker.read_text().splitlines()


def test_a_failed_create_names_the_image_the_exit_and_the_last_three_lines(fake_docker, monkeypatch):
    monkeypatch.setenv("FAIL", "1")
    with pytest.raises(BakegenError) as caught:
        multiarch.create_index(MERGE)
    assert [(d.position, d.code, d.message) for d in caught.value.diagnostics] == [
        (None, "merge-failed", "imagetools create for par failed (exit 3):"),
        (None, "merge-failed", "second"),
        (None, "merge-failed", "third"),
        (None, "merge-failed", "fourth"),
    ]


def test_without_a_docker_cli(tmp_path, monkeypatch):
    import python_on_whales

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(python_on_whales.docker.client_config, "_client_call_with_path", None)
    with pytest.raises(BakegenError) as caught:
        multiarch.create_index(MERGE)
    [d] = caught.value.diagnostics
    assert d.message == "the docker CLI was not found; install it with the buildx plugin"


def test_lists_in_messages_are_comma_separated(project):
    assert errors(lambda: multiarch.platform_overrides(project, ["par"], "linux/s390x"))[0][2] == (
        "'par' is not built for linux/s390x (its platforms: linux/amd64, linux/arm64); "
        "pick one of those, or add linux/s390x to it"
    )
    items = [
        pushed("par", "linux/amd64", A, names=("x/par", "y/par")),
        pushed("one", "linux/arm64", C, names=("r.io/t/one",)),
    ]
    got = errors(lambda: multiarch.plan_merge(project, ["one", "par", "untagged"], items, {"REGISTRY": "r.io/t"}))
    assert [message for _, _, message in got] == [
        "par linux/amd64 was pushed to x/par, y/par, but its tags resolve to r.io/t/par, r.io/t/other/par; merge "
        "with the variables the build had (REGISTRY='r.io/t' now; set it in the environment or with --var)",
        "'untagged' has no tags to merge; leave it out of `bakegen merge`",
        "no digest for par (linux/arm64) in the metadata files; complete: one; nothing was tagged. "
        "Wait for those jobs (or re-run them), or merge only the complete images",
    ]


def test_no_registry_variable_is_shown_as_empty(project):
    items = [pushed("one", "linux/arm64", C, names=("r.io/t/one",))]
    [(_, code, message)] = errors(lambda: multiarch.plan_merge(project, ["one"], items, {}))
    assert code == "merge-registry-mismatch" and "(REGISTRY='' now;" in message


def test_every_absent_platform_and_every_complete_image_is_listed():
    doc = DOC.replace(
        'tags: ["one:1"]',
        'tags: ["one:1"]}\n  two: {from: par, dockerfile: D, platforms: [linux/arm64], tags: ["two:1"]',
    )
    project = parse_project(doc, "images.yaml")
    items = [
        pushed("one", "linux/arm64", C, names=("r.io/t/one",)),
        pushed("two", "linux/arm64", C, names=("r.io/t/two",)),
    ]
    [(_, _, message)] = errors(lambda: multiarch.plan_merge(project, ["par", "one", "two"], items, V))
    assert message.startswith(
        "no digest for par (linux/amd64, linux/arm64) in the metadata files; complete: one, two; nothing was tagged."
    )
