"""Where each kind of images.yaml error points (file:line:column), its code, and what the
model keeps as written: contexts other than `.`, lenient loading, several schema errors."""

import textwrap

import pytest

from bakegen.emit.bake import render_bake
from bakegen.errors import BakegenError
from bakegen.model import load_project, parse_project
from tests import hclread

HEAD = "version: 1\nvariables: {REGISTRY: reg.example.com/team}\ndefaults:\n  platforms: [linux/arm64]\n"


def load(body, lenient=False):
    return parse_project(HEAD + textwrap.dedent(body), "images.yaml", lenient=lenient)


def problems(body):
    with pytest.raises(BakegenError) as info:
        load(body)
    return [(str(d.position), d.code, d.message) for d in info.value.diagnostics]


@pytest.mark.parametrize(
    "body, expected",
    [
        (
            """\
            images:
              bad.id: {from: ubuntu:22.04, dockerfile: x}
            """,
            (
                "images.yaml:6:3",
                "invalid-id",
                "invalid image id 'bad.id': ids are bake target names and may only use "
                "letters, digits, '-' and '_'; rename it to 'bad-id'",
            ),
        ),
        (
            """\
            images:
              a: {from: ubuntu:22.04, dockerfile: x}
              b:
                from: ubuntu
                dockerfile: x
            """,
            (
                "images.yaml:8:11",
                "unknown-parent",
                "unknown parent 'ubuntu': it is not an image of this file; for an "
                "external image write a full reference with a tag, e.g. 'ubuntu:latest'",
            ),
        ),
        (
            """\
            images:
              a: {from: ubuntu:22.04, dockerfile: x}
              b:
                from: ubuntu:22.04
                dockerfile: x
                contexts:
                  tools: target:c
            """,
            (
                "images.yaml:11:14",
                "unknown-target",
                "context 'tools': 'target:c' names no image of this file; write an image id (or target:<id>)",
            ),
        ),
        (
            """\
            images:
              a: {from: ubuntu:22.04, dockerfile: x}
              b:
                from: a
                dockerfile: x
                contexts:
                  "bad name": ./x
            """,
            (
                "images.yaml:11:7",
                "invalid-context-name",
                "invalid context name 'bad name': use letters, digits, '.', '_' and '-'",
            ),
        ),
        (
            """\
            images:
              a: {from: ubuntu:22.04, dockerfile: x}
            groups:
              npu: [a, b]
            """,
            ("images.yaml:8:12", "unknown-group-member", "group 'npu' lists unknown image 'b'"),
        ),
        (
            """\
            images:
              a: {from: ubuntu:22.04, dockerfile: x}
              b: {from: ubuntu:22.04, dockerfile: x}
            groups:
              a: [b]
            """,
            (
                "images.yaml:9:3",
                "name-collision",
                "group 'a' and image 'a' have the same name; bake needs distinct names",
            ),
        ),
        (
            """\
            images:
              a:
                from: ubuntu:22.04
                dockerfile: x
                platforms: [linux/arm64, linux/arm64]
            """,
            ("images.yaml:9:16", "duplicate-platform", "platforms lists one platform twice"),
        ),
        (
            """\
            images:
              a:
                from: ubuntu:22.04
                dockerfile: x
                platforms: [linux/arm64, linux/arm65]
            """,
            (
                "images.yaml:9:30",
                "unknown-platform",
                "platform 'linux/arm65': unknown architecture 'arm65'; did you mean 'linux/arm64'?",
            ),
        ),
        (
            """\
            images:
              a: {from: ubuntu:22.04, dockerfile: x}
              b:
                from: a
                dockerfile: x
                platforms: [linux/amd64]
            """,
            (
                "images.yaml:10:16",
                "platform-subset",
                "'b' builds for linux/amd64 but its parent 'a' is only built "
                "for linux/arm64; a child's platforms must be a subset of its parent's",
            ),
        ),
        (
            """\
            images:
              a: {from: ubuntu:22.04, dockerfile: x}
              all: {from: a, dockerfile: x}
            """,
            (
                "images.yaml:7:3",
                "reserved-name",
                "image 'all' has the name of the group 'all' that bakegen "
                "generates (every image), and bake would build the group; rename the image",
            ),
        ),
    ],
)
def test_each_kind_of_error_points_at_its_line_and_column(body, expected):
    assert problems(body) == [expected]


def test_two_schema_errors_come_in_document_order_each_at_its_place():
    body = """\
    images:
      b: {from: ubuntu:22.04, dockerfile: x, tag: [b:1]}
      a: {from: ubuntu:22.04}
    """
    found = problems(body)
    assert [(where, code) for where, code, _ in found] == [
        ("images.yaml:7:6", "missing-field"),
        ("images.yaml:6:42", "unknown-field"),
    ]
    assert found[0][2].startswith("images.a: missing required field 'dockerfile' (the Dockerfile's path")
    assert found[1][2].startswith("images.b: unknown field 'tag'; did you mean 'tags'? (allowed: ")
    assert problems(body) == found  # the same order on every load


def test_a_reserved_context_name_is_a_schema_error_with_its_own_code():
    (found,) = problems(
        """\
        images:
          a: {from: ubuntu:22.04, dockerfile: x, contexts: {base: ./here}}
        """
    )
    assert found[1] == "reserved-context"
    assert found[2].endswith("the context name 'base' is reserved for the parent; set the parent with 'from:'")


def test_a_bad_key_is_reported_at_the_key_not_at_the_mapping_that_holds_it():
    # jsonschema reports a key its propertyNames refuse at the mapping; the message must
    # still lead to the key, also when it is not the mapping's first
    text = """\
        version: 1
        variables:
          GOOD: x
          ALSO_GOOD: y
          bad-name: z
        images:
          a:
            from: ubuntu:22.04
            dockerfile: x
            contexts:
              files: ./files
              base: ./here
        """
    with pytest.raises(BakegenError) as info:
        parse_project(textwrap.dedent(text), "images.yaml")
    found = [(str(d.position), d.code, d.message) for d in info.value.diagnostics]
    assert found == [
        (
            "images.yaml:12:7",
            "reserved-context",
            "images.a.contexts: the context name 'base' is reserved for the parent; set the parent with 'from:'",
        ),
        (
            "images.yaml:5:3",
            "invalid-value",
            "variables: invalid variable name 'bad-name': use letters, digits and '_', not starting with a digit",
        ),
    ]


def test_lenient_loading_keeps_graph_errors_as_warnings_but_not_a_cycle():
    unknown = """\
    images:
      a: {from: ubuntu:22.04, dockerfile: x}
    groups:
      npu: [a, b]
    """
    project = load(unknown, lenient=True)
    assert [(d.code, d.severity) for d in project.warnings] == [("unknown-group-member", "error")]
    assert project.graph.order == ["a"]
    cycle = """\
    images:
      a: {from: b, dockerfile: x}
      b: {from: a, dockerfile: x}
      c: {from: ubuntu:22.04, dockerfile: x}
      d: {from: c, dockerfile: x, platforms: [linux/amd64]}
    """
    with pytest.raises(BakegenError) as info:
        load(cycle, lenient=True)
    codes = [d.code for d in info.value.diagnostics]
    assert "cycle" in codes and "platform-subset" in codes
    (cycle_problem,) = [d for d in info.value.diagnostics if d.code == "cycle"]
    assert str(cycle_problem.position) == "images.yaml:6:13"


def test_a_context_other_than_the_folder_of_images_yaml_reaches_the_bake_file():
    project = parse_project(
        """\
        version: 1
        defaults:
          context: build
        images:
          a: {from: ubuntu:22.04, dockerfile: a.dockerfile}
          b: {from: a, dockerfile: b.dockerfile, context: ./other}
          c: {from: a, dockerfile: c.dockerfile, context: "https://github.com/o/r.git#main"}
        """.replace("        ", "")
    )
    a, b, c = (project.images[i] for i in "abc")
    assert (a.context, a.context_is_local, a.dockerfile_path) == ("build", True, "build/a.dockerfile")
    assert (b.context, b.context_is_local, b.dockerfile_path) == ("./other", True, "other/b.dockerfile")
    assert (c.context_is_local, c.dockerfile_path) == (False, None)
    # where each local context is written: defaults, or the image's own entry
    assert [(p.role, p.value, p.field) for p in a.local_paths] == [("context", "build", ("defaults", "context"))]
    assert [(p.role, p.value, p.field) for p in b.local_paths] == [("context", "./other", ("images", "b", "context"))]
    assert c.local_paths == ()
    targets = hclread.targets(render_bake(project))
    assert (targets["a"]["context"], targets["a"]["dockerfile"]) == ("build", "a.dockerfile")
    assert (targets["b"]["context"], targets["b"]["dockerfile"]) == ("./other", "b.dockerfile")
    assert targets["c"]["context"] == "https://github.com/o/r.git#main"


def test_local_paths_of_named_contexts_and_secrets_and_what_an_image_depends_on():
    project = load(
        """\
        images:
          a: {from: ubuntu:22.04, dockerfile: x}
          t: {from: ubuntu:22.04, dockerfile: x}
          b:
            from: a
            dockerfile: x
            contexts: {one: t, two: target:t, files: ./files, remote: "docker-image://x/y:1", self: a}
            secrets: ["id=pip,src=secrets/pip.conf", "id=tok,env=TOKEN"]
        """
    )
    b = project.images["b"]
    # the parent first, then images named in contexts, each once
    assert b.dependencies == ("a", "t")
    assert {name: (c.kind, c.image) for name, c in b.contexts.items()} == {
        "one": ("image", "t"),
        "two": ("image", "t"),
        "files": ("path", None),
        "remote": ("source", None),
        "self": ("image", "a"),
    }
    assert [(p.role, p.value, p.field) for p in b.local_paths] == [
        ("context", ".", ("defaults", "context")),
        ("named context", "./files", ("images", "b", "contexts", "files")),
        ("secret", "secrets/pip.conf", ("images", "b", "secrets", 0)),
    ]


# Each schema problem: where it is, its code, its message (the whole document given).
SCHEMA_CASES = [
    (
        "version: 1\nimages:\n  a: {dockerfile: x}\n",
        "images.yaml:3:6",
        "missing-field",
        "images.a: missing required field 'from' (the parent: an image id of this file or an external image such as ubuntu:22.04)",
    ),
    (
        "images:\n  a: {from: u:1, dockerfile: x}\n",
        "images.yaml:1:1",
        "missing-field",
        "the document: missing required field 'version' (add 'version: 1' at the top)",
    ),
    (
        "version: 1\n",
        "images.yaml:1:1",
        "missing-field",
        "the document: missing required field 'images' (add an 'images:' mapping of image id -> image)",
    ),
    (
        "version: 2\nimages:\n  a: {from: u:1, dockerfile: x}\n",
        "images.yaml:1:10",
        "unsupported-version",
        "unsupported version '2': this bakegen reads 'version: 1'",
    ),
    (
        "version: true\nimages:\n  a: {from: u:1, dockerfile: x}\n",
        "images.yaml:1:10",
        "unsupported-version",
        "unsupported version 'true': this bakegen reads 'version: 1'",
    ),
    ("version: 1\nimages:\n", "images.yaml:2:8", "wrong-type", "images: expected a mapping, got nothing (null)"),
    ("version: 1\nimages: {}\n", "images.yaml:2:9", "empty-value", "images: declare at least one image"),
    ("version: 1\nimages: [a]\n", "images.yaml:2:9", "wrong-type", "images: expected a mapping, got list"),
    (
        "version: 1\nimages:\n  a: {from: u:1, dockerfile: x, platforms: []}\n",
        "images.yaml:3:44",
        "empty-value",
        "images.a.platforms: must not be empty",
    ),
    (
        "version: 1\nvariables: {1X: a}\nimages:\n  a: {from: u:1, dockerfile: x}\n",
        "images.yaml:2:13",
        "invalid-value",
        "variables: invalid variable name '1X': use letters, digits and '_', not starting with a digit",
    ),
    (
        "version: 1\nimages:\n  a: {from: u:1, dockerfile: x, tests: [{name: t}]}\n",
        "images.yaml:3:41",
        "missing-field",
        "images.a.tests.0: missing required field 'run'",
    ),
    (
        "version: 1\nimages:\n  a: {from: u:1, dockerfile: x, layer: top}\n",
        "images.yaml:3:40",
        "invalid-value",
        "images.a.layer: 'top' is not one of base, framework, application",
    ),
    (
        "version: 1\nimages:\n  a: {from: u:1, dockerfile: ''}\n",
        "images.yaml:3:30",
        "empty-value",
        "images.a.dockerfile: must not be empty",
    ),
    (
        "version: 1\nimages:\n  a: {from: u:1, dockerfile: x, secrets: ['src=x']}\n",
        "images.yaml:3:43",
        "invalid-value",
        "images.a.secrets.0: 'src=x' has no id=...; write e.g. 'id=pipconf,env=PIP_CONF'",
    ),
    (
        "version: 1\nimages:\n  a: {from: u:1, dockerfile: x, contexts: {base: ./x}}\n",
        "images.yaml:3:44",
        "reserved-context",
        "images.a.contexts: the context name 'base' is reserved for the parent; set the parent with 'from:'",
    ),
    (
        "version: 1\nimages:\n  a: {from: u:1, dockerfile: x}\n  b: {from: 'a:1', dockerfile: x}\n",
        "images.yaml:4:13",
        "unknown-parent",
        "'a:1' names image 'a' of this file with a tag; write 'from: a' (bake builds it first and links it; a tag would pull an old copy from a registry)",
    ),
    (
        "version: 1\nimages:\n  a: {from: u:1, dockerfile: x}\n  b: {from: 'a@x', dockerfile: x}\n",
        "images.yaml:4:13",
        "unknown-parent",
        "'a@x' names image 'a' of this file with a digest; write 'from: a' (bake builds it first and links it; a digest would pull an old copy from a registry)",
    ),
    (
        "version: 1\nimages:\n  a: {from: u:1, dockerfile: x}\n  b: {from: 'a@x@y', dockerfile: x}\n",
        "images.yaml:4:13",
        "unknown-parent",
        "'a@x@y' names image 'a' of this file with a digest; write 'from: a' (bake builds it first and links it; a digest would pull an old copy from a registry)",
    ),
    (
        "version: 1\nimages:\n  a: {from: u:1, dockerfile: x}\n  b: {from: 'a:1@sha256:x', dockerfile: x}\n",
        "images.yaml:4:13",
        "unknown-parent",
        "'a:1@sha256:x' names image 'a' of this file with a tag and a digest; write 'from: a' (bake builds it first and links it; a tag and a digest would pull an old copy from a registry)",
    ),
    (
        "version: 1\nimages:\n  a: {from: u:1, dockerfile: x}\n  b: {from: 'reg:5000/a@sha256:x', dockerfile: x}\n",
        "images.yaml:4:13",
        "invalid-reference",
        "from: 'reg:5000/a@sha256:x' is not a valid image reference: the part after '@' is not a digest such as sha256:<64 hex digits>",
    ),
    (
        "version: 1\nimages:\n  abc: {from: u:1, dockerfile: x}\n  b: {from: abd, dockerfile: x}\n",
        "images.yaml:4:13",
        "unknown-parent",
        "unknown parent 'abd'; did you mean 'abc'?",
    ),
    (
        "version: 1\nimages:\n  a: {from: u:1, dockerfile: x}\ngroups: {g: []}\n",
        "images.yaml:4:13",
        "empty-value",
        "groups.g: must not be empty",
    ),
]


@pytest.mark.parametrize("text, where, code, message", SCHEMA_CASES)
def test_schema_and_parent_problems_say_where_what_and_how_to_fix(text, where, code, message):
    with pytest.raises(BakegenError) as info:
        parse_project(text)
    assert [(str(d.position), d.code, d.message) for d in info.value.diagnostics] == [(where, code, message)]


def test_a_loaded_file_is_named_as_asked_or_relative_to_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "images.yaml"
    path.write_text("version: 2\nimages:\n  a: {from: u:1, dockerfile: x}\n")
    with pytest.raises(BakegenError) as info:
        load_project(path, "shown.yaml")
    assert str(info.value.diagnostics[0].position) == "shown.yaml:1:10"
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BakegenError) as info:
        load_project(path)
    assert str(info.value.diagnostics[0].position) == "sub/images.yaml:1:10"


def test_an_external_base_that_is_a_tag_of_this_file_warns_where_it_is_written():
    project = parse_project(
        "version: 1\nimages:\n  a: {from: 'u:1', dockerfile: x, tags: ['reg.io/a:1']}\n"
        "  b: {from: 'reg.io/a:1', dockerfile: x}\n"
    )
    assert [(str(d.position), d.severity, d.code, d.message) for d in project.warnings] == [
        (
            "images.yaml:4:13",
            "warning",
            "from-own-tag",
            "'reg.io/a:1' is a tag of image 'a' of this file; write 'from: a' so that bake builds it first "
            "instead of pulling an old copy",
        )
    ]


def test_an_invalid_external_base_is_located():
    with pytest.raises(BakegenError) as info:
        parse_project("version: 1\nimages:\n  a: {from: 'U:1', dockerfile: x}\n")
    assert [(str(d.position), d.code, d.message) for d in info.value.diagnostics] == [
        (
            "images.yaml:3:13",
            "invalid-reference",
            "from: 'U:1' is not a valid image reference: the repository 'U' has upper-case letters; "
            "repositories are lower case ('u')",
        )
    ]


def test_named_contexts_keep_their_names_and_classify_context_says_what_a_value_is():
    from bakegen.model import IMAGE, PATH, SOURCE, NamedContext, classify_context

    project = load(
        """\
        images:
          a: {from: ubuntu:22.04, dockerfile: x}
          b: {from: a, dockerfile: x, contexts: {tools: a, files: ./f, remote: "docker-image://x/y:1"}}
        """
    )
    assert {name: named.name for name, named in project.images["b"].contexts.items()} == {
        "tools": "tools",
        "files": "files",
        "remote": "remote",
    }
    # the name is the image's to give; alone, a value is classified with an empty one
    assert classify_context("a", ["a"]) == NamedContext("", "a", IMAGE, "a")
    assert classify_context("target:a", ["a"]) == NamedContext("", "target:a", IMAGE, "a")
    assert classify_context("./f", ["a"]) == NamedContext("", "./f", PATH)
    assert classify_context("docker-image://x/y:1", ["a"]) == NamedContext("", "docker-image://x/y:1", SOURCE)


def test_a_service_is_located_at_its_entry():
    project = parse_project(
        "version: 1\nimages:\n  a:\n    from: u:1\n    dockerfile: x\n    service: {port: 8080, health: /health}\n"
    )
    service = project.images["a"].service
    assert (service.port, service.health, service.timeout, str(service.position)) == (
        8080,
        "/health",
        120,
        "images.yaml:6:14",
    )
