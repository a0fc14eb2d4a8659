"""File and Dockerfile rules (bakegen.checks): inline images.yaml and Dockerfiles -> findings."""

import textwrap

import pytest

from bakegen import checks
from bakegen.dockerfile import Dockerfiles
from bakegen.model import parse_project

CANN_DOCKERFILE = """\
ARG BASE_IMAGE=base
FROM ${BASE_IMAGE}
ARG CANN_VERSION
ARG CHIP=910b
ARG COMPONENTS=toolkit,kernels
RUN echo "$CANN_VERSION $CHIP $COMPONENTS $HTTP_PROXY"
"""


def findings(tmp_path, images: str, defaults: str = "{}") -> list[tuple[str, str, str]]:
    (tmp_path / "cann.dockerfile").write_text(CANN_DOCKERFILE)
    text = f"version: 1\ndefaults: {defaults}\nimages:\n" + textwrap.indent(textwrap.dedent(images), "  ")
    (tmp_path / "images.yaml").write_text(text)
    project = parse_project(text, tmp_path / "images.yaml")
    return [
        (d.severity, d.code, f"{d.position.line}:{d.position.column}: {d.message}")
        for d in checks.undeclared_args(project, Dockerfiles(project.root))
    ]


@pytest.mark.parametrize(
    "args, expected",
    [
        # the old tool's name: the Dockerfile reads CHIP, so the build would install 910B kernels
        (
            "{CANN_VERSION: 8.2.RC1, CHIP_TYPE: 310p}",
            [
                (
                    "error",
                    "undeclared-arg",
                    "4:91: cann: build arg CHIP_TYPE is not declared in cann.dockerfile (no `ARG CHIP_TYPE`), "
                    "so the build never sees it; did you mean 'CHIP'?",
                )
            ],
        ),
        ("{CANN_VERSION: 8.2.RC1, CHIP: 310p}", []),
        # BuildKit's predefined args need no ARG
        ("{HTTP_PROXY: 'http://proxy:3128', no_proxy: localhost, TARGETARCH: arm64, BUILDKIT_INLINE_CACHE: '1'}", []),
        (
            "{NUMPY_VERSION: '1.26.4'}",
            [
                (
                    "note",
                    "arg-for-rules-only",
                    "4:68: cann: cann.dockerfile declares no `ARG NUMPY_VERSION`, so the build does not receive "
                    "it; only bakegen's version rules read it",
                )
            ],
        ),
    ],
)
def test_args_an_image_sets_must_reach_its_dockerfile(tmp_path, monkeypatch, args, expected):
    monkeypatch.chdir(tmp_path)  # Dockerfiles are named relative to the working directory
    assert findings(tmp_path, f"cann: {{from: 'ubuntu:22.04', dockerfile: cann.dockerfile, args: {args}}}\n") == expected


def test_args_from_defaults_serve_many_dockerfiles(tmp_path):
    images = "cann: {from: 'ubuntu:22.04', dockerfile: cann.dockerfile}\n"
    assert findings(tmp_path, images, defaults="{args: {PIP_INDEX_URL: 'https://mirror/simple'}}") == []


def test_an_image_without_a_readable_dockerfile_is_left_to_missing_paths(tmp_path):
    images = "other: {from: 'ubuntu:22.04', dockerfile: missing.dockerfile, args: {X: '1'}}\n"
    assert findings(tmp_path, images) == []
