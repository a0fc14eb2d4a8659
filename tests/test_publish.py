"""What `bakegen build --push` publishes (bakegen.plan.published) and what it reports from
bake's metadata file (bakegen.metadata)."""

import json
import textwrap

import pytest

from bakegen.errors import BakegenError
from bakegen.metadata import Published, read
from bakegen.metadata import published as published_images
from bakegen.model import parse_project
from bakegen.plan import published

DOC = """\
version: 1
variables: {REGISTRY: r.example.com/t}
groups:
  leaves: [kid, other]
images:
  root: {from: "debian:bookworm", dockerfile: D, tags: ["root:1"]}
  untagged: {from: root, dockerfile: D}
  par: {from: untagged, dockerfile: D, tags: ["par:1"]}
  kid: {from: par, dockerfile: D, tags: ["kid:1"], contexts: {tools: helper}}
  helper: {from: "debian:bookworm", dockerfile: D, tags: ["helper:1"]}
  other: {from: root, dockerfile: D, tags: ["other:1"]}
"""


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        pytest.param(["kid"], ["root", "par", "kid"], id="the parent chain, but not an untagged one nor a COPY --from"),
        pytest.param(["root"], ["root"], id="a root alone"),
        pytest.param(["leaves"], ["root", "other", "par", "kid"], id="groups expanded, a shared ancestor once"),
        pytest.param(["untagged"], ["root", "untagged"], id="an untagged image asked for is kept (bake says why)"),
    ],
)
def test_published_images(names, expected):
    project = parse_project(textwrap.dedent(DOC), "images.yaml")
    assert published(project, names) == expected


def test_pushed_images_from_bake_metadata(tmp_path):
    path = tmp_path / "metadata.json"
    path.write_text(
        json.dumps(
            {
                "kid": {"containerimage.digest": "sha256:" + "b" * 64, "image.name": "r/kid:1,r/kid:latest"},
                "par": {"containerimage.digest": "sha256:" + "a" * 64, "image.name": "r/par:1"},
                "buildx.build.warnings": [],
            }
        )
    )
    assert published_images(read(path), ["par", "kid", "absent"]) == [
        Published("par", "sha256:" + "a" * 64, ("r/par:1",)),
        Published("kid", "sha256:" + "b" * 64, ("r/kid:1", "r/kid:latest")),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [("{", "not a JSON file"), ("[]", "a JSON object of target -> result"), (None, "cannot read")],
)
def test_unreadable_metadata_is_a_message_naming_the_file(tmp_path, content, message):
    path = tmp_path / "metadata.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(BakegenError) as error:
        read(path)
    assert str(error.value).startswith(f"{path}:") and message in str(error.value)
    assert "invalid-metadata" in [d.code for d in error.value.diagnostics]
