"""images.yaml's model, the details no other test reads: the names classify_context gives,
where a service and a test's problems point, the NUL check's field and position, the cycle
message (tests/test_model.py and test_model_positions.py have the rest)."""

import textwrap

import pytest

from bakegen.errors import BakegenError
from bakegen.model import (
    DEFAULT_SERVICE_TIMEOUT,
    IMAGE,
    PATH,
    SOURCE,
    LocalPath,
    NamedContext,
    classify_context,
    parse_project,
)


def load(body: str):
    return parse_project("version: 1\n" + textwrap.dedent(body), "images.yaml")


def problems(body: str) -> list[tuple[str, str | None, str]]:
    with pytest.raises(BakegenError) as info:
        load(body)
    return [(str(d.position), d.code, d.message) for d in info.value.diagnostics]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("app", NamedContext("", "app", IMAGE, "app")),
        ("target:app", NamedContext("", "target:app", IMAGE, "app")),
        ("target:nosuch", NamedContext("", "target:nosuch", SOURCE)),
        ("docker-image://ubuntu:22.04", NamedContext("", "docker-image://ubuntu:22.04", SOURCE)),
        ("packages/cann", NamedContext("", "packages/cann", PATH)),
    ],
)
def test_classify_context_leaves_the_name_to_its_caller(value, expected):
    assert classify_context(value, {"app"}) == expected


def test_a_named_context_is_called_by_its_key():
    project = load(
        """\
        images:
          app: {from: ubuntu:22.04, dockerfile: x}
          b:
            from: ubuntu:22.04
            dockerfile: x
            contexts: {wheels: app, pkgs: packages, img: "docker-image://alpine:3"}
        """
    )
    assert dict(project.images["b"].contexts) == {
        "wheels": NamedContext("wheels", "app", IMAGE, "app"),
        "pkgs": NamedContext("pkgs", "packages", PATH),
        "img": NamedContext("img", "docker-image://alpine:3", SOURCE),
    }


def test_a_service_is_where_it_is_written():
    project = load(
        """\
        images:
          app:
            from: ubuntu:22.04
            dockerfile: x
            service: {port: 8080, health: /health}
        """
    )
    service = project.images["app"].service
    assert (service.position.line, service.position.column) == (6, 14)


def test_the_problems_of_a_test_point_at_its_field():
    found = problems(
        """\
        images:
          app:
            from: ubuntu:22.04
            dockerfile: x
            tests:
              - {run: "true", expect: "(", exit: 256}  # expect at column 31, exit at 42
        """
    )
    assert [(where, code) for where, code, _ in found] == [
        ("images.yaml:7:31", "invalid-expect"),
        ("images.yaml:7:42", "invalid-value"),
    ]


def test_a_test_not_in_nfc_points_at_its_run():
    project = parse_project(
        "version: 1\nimages:\n  app:\n    from: ubuntu:22.04\n    dockerfile: x\n"
        '    tests:\n      - {run: "echo Cafe\u0301"}\n',
        "images.yaml",
    )
    (warning,) = [w for w in project.warnings if w.code == "not-nfc"]
    assert (warning.position.line, warning.position.column) == (7, 15)


@pytest.mark.parametrize(
    "field, where, shown",
    [
        ('from: "ubuntu:22.04\\0"', "images.yaml:4:11", "from"),
        ('contexts: {extra: "pkgs\\0"}', "images.yaml:6:23", "contexts.extra"),
    ],
)
def test_a_nul_character_is_refused_where_it_is_written(field, where, shown):
    lines = ["images:", "  app:", "    dockerfile: x"]
    if field.startswith("from"):
        lines.insert(2, "    " + field)
    else:
        lines[2:2] = ["    from: ubuntu:22.04"]
        lines.append("    " + field)
    found = problems("\n".join(lines) + "\n")
    # said once: a from: with a NUL is not judged as a reference too
    assert found == [
        (where, "nul-character", f"app: {shown} contains a NUL character, which no build can carry; remove it")
    ]


def test_a_cycle_says_an_image_cannot_be_its_own_ancestor():
    found = problems(
        """\
        images:
          a: {from: b, dockerfile: x}
          b: {from: a, dockerfile: x}
        """
    )
    assert found == [
        ("images.yaml:3:13", "cycle", "cycle in the image graph: a -> b -> a; an image cannot be its own ancestor")
    ]


def test_a_test_without_a_name_is_named_after_its_image_and_place():
    project = load(
        """\
        images:
          app:
            from: ubuntu:22.04
            dockerfile: x
            tests: ["true", {run: "false", exit: 1}, {name: own, run: "true"}, {run: "true"}]
        """
    )
    assert [t.name for t in project.images["app"].tests] == ["app-1", "app-2", "own", "app-4"]


# --- each kind of problem: where it points, its code, severity and message -----------------------

ERRORS = [
    pytest.param(
        """\
        images:
          app:
            from: ubuntu:22.04
            dockerfile: x
            service: {port: 70000, health: /, timeout: 0}
        """,
        [
            ("images.yaml:6:21", "invalid-value", "error", "app: service port 70000 is not a TCP port (1-65535)"),
            ("images.yaml:6:48", "invalid-value", "error", "app: service timeout must be at least 1 second"),
        ],
        id="service",
    ),
    pytest.param(
        """\
        images:
          app:
            from: ubuntu:22.04
            dockerfile: x
            tests: [{name: a, run: "true"}, {name: a, run: "false"}]
        """,
        [("images.yaml:6:37", "duplicate-test-name", "error", "app: two tests are named 'a'; give each its own name")],
        id="duplicate-test-name",
    ),
    pytest.param(
        """\
        images:
          test: {from: ubuntu:22.04, dockerfile: x}
          all: {from: ubuntu:22.04, dockerfile: x}
        """,
        [
            (
                "images.yaml:3:3",
                "reserved-name",
                "error",
                "image 'test' has the name of the group 'test' that bakegen generates (the checks of every "
                "image, for `bakegen test`), and bake would build the group; rename the image",
            ),
            (
                "images.yaml:4:3",
                "reserved-name",
                "error",
                "image 'all' has the name of the group 'all' that bakegen generates (every image), and bake "
                "would build the group; rename the image",
            ),
        ],
        id="reserved-name",
    ),
    pytest.param(
        """\
        images:
          app: {from: ubuntu:22.04, dockerfile: x}
          b:
            from: ubuntu:22.04
            dockerfile: x
            contexts: {w: "target:ap", "bad name": "target:zzz"}
        """,
        [
            (
                "images.yaml:7:19",
                "unknown-target",
                "error",
                "context 'w': 'target:ap' names no image of this file; did you mean 'app'?",
            ),
            (
                "images.yaml:7:44",
                "unknown-target",
                "error",
                "context 'bad name': 'target:zzz' names no image of this file; write an image id (or target:<id>)",
            ),
            (
                "images.yaml:7:32",
                "invalid-context-name",
                "error",
                "invalid context name 'bad name': use letters, digits, '.', '_' and '-'",
            ),
        ],
        id="contexts",
    ),
    pytest.param(
        """\
        defaults:
          platforms: [linux/amd46]
        images:
          app: {from: ubuntu:22.04, dockerfile: x}
        """,
        [
            (
                "images.yaml:3:15",
                "unknown-platform",
                "error",
                "platform 'linux/amd46': unknown architecture 'amd46'; did you mean 'linux/amd64'?",
            )
        ],
        id="platform-in-defaults",
    ),
    pytest.param(
        """\
        images:
          app: {from: ubuntu:22.04, dockerfile: x, platforms: [linux/amd64]}
          b: {from: app, dockerfile: x, platforms: [linux/amd64, linux/arm64, linux/arm64]}
          c:
            from: ubuntu:22.04
            dockerfile: x
            platforms: [linux/arm64]
            contexts: {w: app}
        """,
        [
            ("images.yaml:4:44", "duplicate-platform", "error", "platforms lists one platform twice"),
            (
                "images.yaml:4:44",
                "platform-subset",
                "error",
                "'b' builds for linux/arm64 but its parent 'app' is only built for linux/amd64; a child's "
                "platforms must be a subset of its parent's",
            ),
            (
                "images.yaml:8:16",
                "platform-subset",
                "error",
                "'c' builds for linux/arm64 but its context 'app' is only built for linux/amd64; a child's "
                "platforms must be a subset of its parent's",
            ),
        ],
        id="platforms",
    ),
    pytest.param(
        """\
        variables: {REGISTRY: "bad registry"}
        images:
          app: {from: ubuntu:22.04, dockerfile: x, tags: ["a:1", "a:1", "reg.io/Bad:1"]}
        """,
        [
            (
                "images.yaml:2:23",
                "invalid-registry",
                "error",
                "REGISTRY 'bad registry' cannot prefix a tag: it contains white space",
            ),
            ("images.yaml:4:58", "duplicate-tag", "error", "tag 'a:1' is listed twice for 'app'"),
            (
                "images.yaml:4:65",
                "invalid-tag",
                "error",
                "tag 'reg.io/Bad:1' is not a valid image reference: the repository 'Bad' has upper-case "
                "letters; repositories are lower case ('bad')",
            ),
        ],
        id="tags",
    ),
    pytest.param(
        """\
        images:
          app: {from: ubuntu:22.04, dockerfile: x, tags: ["a:1"]}
        """,
        [
            (
                "images.yaml:3:51",
                "no-registry",
                "error",
                "tag 'a:1' has no registry host, so it gets ${REGISTRY}/ in front, but no REGISTRY variable is "
                "declared (or it is empty); add 'variables: {REGISTRY: <registry/org>}' or write the full reference",
            )
        ],
        id="no-registry",
    ),
    pytest.param(
        """\
        variables: {REGISTRY: reg.io/team}
        images:
          app: {from: ubuntu:22.04, dockerfile: x, tags: ["Bad:1"]}
        """,
        [
            (
                "images.yaml:4:51",
                "invalid-tag",
                "error",
                "tag 'Bad:1' (pushed as 'reg.io/team/Bad:1') is not a valid image reference: the repository "
                "'team/Bad' has upper-case letters; repositories are lower case ('team/bad')",
            )
        ],
        id="invalid-tag-pushed",
    ),
    pytest.param(
        """\
        groups:
          app: [app]
          g1: [g2, ap]
          g2: [g1]
          app-test: [app]
        images:
          app: {from: ubuntu:22.04, dockerfile: x}
        """,
        [
            (
                "images.yaml:3:3",
                "group-cycle",
                "error",
                "groups app -> app include each other in a cycle; bake refuses that",
            ),
            (
                "images.yaml:3:3",
                "name-collision",
                "error",
                "group 'app' and image 'app' have the same name; bake needs distinct names",
            ),
            (
                "images.yaml:4:12",
                "unknown-group-member",
                "error",
                "group 'g1' lists unknown image 'ap'; did you mean 'app'?",
            ),
            (
                "images.yaml:6:3",
                "test-target-collision",
                "error",
                "group 'app-test' has the name of the test target of image 'app' (bakegen generates "
                "'<id>-test' for the checks of every image); pick another name",
            ),
        ],
        id="groups",
    ),
    pytest.param(
        """\
        images:
          app: {from: ubuntu:22.04, dockerfile: x, tags: ["reg.io/app:1"]}
          b: {from: "reg.io/app:1", dockerfile: x}
          c: {from: apq, dockerfile: x}
          d: {from: zzzzzz, dockerfile: x}
          e: {from: "app:2", dockerfile: x}
          f: {from: "app@sha256:abc", dockerfile: x}
          g: {from: "UPPER:1", dockerfile: x}
        """,
        [
            (
                "images.yaml:4:13",
                "from-own-tag",
                "warning",
                "'reg.io/app:1' is a tag of image 'app' of this file; write 'from: app' so that bake builds "
                "it first instead of pulling an old copy",
            ),
            ("images.yaml:5:13", "unknown-parent", "error", "unknown parent 'apq'; did you mean 'app'?"),
            (
                "images.yaml:6:13",
                "unknown-parent",
                "error",
                "unknown parent 'zzzzzz': it is not an image of this file; for an external image write a full "
                "reference with a tag, e.g. 'zzzzzz:latest'",
            ),
            (
                "images.yaml:7:13",
                "unknown-parent",
                "error",
                "'app:2' names image 'app' of this file with a tag; write 'from: app' (bake builds it first "
                "and links it; a tag would pull an old copy from a registry)",
            ),
            (
                "images.yaml:8:13",
                "unknown-parent",
                "error",
                "'app@sha256:abc' names image 'app' of this file with a digest; write 'from: app' (bake builds "
                "it first and links it; a digest would pull an old copy from a registry)",
            ),
            (
                "images.yaml:9:13",
                "invalid-reference",
                "error",
                "from: 'UPPER:1' is not a valid image reference: the repository 'UPPER' has upper-case "
                "letters; repositories are lower case ('upper')",
            ),
        ],
        id="from",
    ),
    pytest.param(
        """\
        images:
          app: {from: ubuntu:22.04, dockerfile: x, tags: ["reg.io/app:1\\0"]}
        """,
        # said once, as a NUL character: the tag is not judged as a reference too
        [
            (
                "images.yaml:3:51",
                "nul-character",
                "error",
                "app: tags.0 contains a NUL character, which no build can carry; remove it",
            )
        ],
        id="nul-in-tag",
    ),
    pytest.param(
        """\
        images:
          app:
            from: ubuntu:22.04
            dockerfile: x
            context: "ctx\\0"
        """,
        [
            (
                "images.yaml:6:14",
                "nul-character",
                "error",
                "app: context contains a NUL character, which no build can carry; remove it",
            )
        ],
        id="nul-in-context",
    ),
    pytest.param(
        """\
        images:
          app: {from: ubuntu:22.04, dockerfile: x}
          app-test: {from: app, dockerfile: x}
        """,
        [
            (
                "images.yaml:4:3",
                "test-target-collision",
                "error",
                "image 'app-test' has the name of the test target of image 'app' (bakegen generates '<id>-test' "
                "for the checks of every image); rename one of them",
            )
        ],
        id="image-named-as-a-test-target",
    ),
    pytest.param(
        """\
        images:
          p: {from: ubuntu:22.04, dockerfile: x, platforms: [linux/arm64]}
          c:
            dockerfile: x
            from: p
        """,
        # a platform problem with the parent points at from:
        [
            (
                "images.yaml:6:11",
                "platforms-missing",
                "error",
                "'c' and 'p' must both declare platforms ('c' has none; set them there or in defaults)",
            )
        ],
        id="platforms-missing-on-the-child",
    ),
    pytest.param(
        """\
        images:
          p: {from: ubuntu:22.04, dockerfile: x}
          c: {from: p, dockerfile: x, platforms: [linux/arm64]}
        """,
        [
            (
                "images.yaml:4:13",
                "platforms-missing",
                "error",
                "'c' and 'p' must both declare platforms ('p' has none; set them there or in defaults)",
            )
        ],
        id="platforms-missing-on-the-parent",
    ),
    pytest.param(
        """\
        images:
          a: {from: ubuntu:22.04, dockerfile: x, tags: ["reg.io/x:1"]}
          b: {from: ubuntu:22.04, dockerfile: x, tags: ["reg.io/x:1"]}
        """,
        [
            (
                "images.yaml:4:49",
                "duplicate-tag",
                "error",
                "duplicate tag 'reg.io/x:1': image 'a' already produces it; give each image its own tag",
            )
        ],
        id="a-tag-two-images-produce",
    ),
    pytest.param(
        """\
        groups:
          layer-base: [a]
        images:
          a: {from: ubuntu:22.04, dockerfile: x}
        """,
        [
            (
                "images.yaml:3:3",
                "reserved-name",
                "error",
                "group 'layer-base' is generated by bakegen (every image of the base layer); pick another name",
            )
        ],
        id="group-named-as-a-generated-group",
    ),
]


@pytest.mark.parametrize("body, expected", ERRORS)
def test_each_problem_where_it_is_written(body, expected):
    with pytest.raises(BakegenError) as info:
        load(body)
    assert [(str(d.position), d.code, d.severity, d.message) for d in info.value.diagnostics] == expected


def test_text_not_in_nfc_is_a_warning_where_it_is_written():
    project = load(
        """\
        images:
          app:
            from: ubuntu:22.04
            dockerfile: x
            args: {A: "Cafe\u0301"}
            labels: {l: "Cafe\u0301"}
            tests: [{run: "echo Cafe\u0301", expect: "Cafe\u0301"}]
        """
    )
    build = "bake normalises every string to NFC, so the build would receive 'Café'; write it in NFC"
    check = "bake normalises every string to NFC, so the check would run something else; write it in NFC"
    assert [(str(w.position), w.code, w.severity, w.message) for w in project.warnings] == [
        ("images.yaml:6:15", "not-nfc", "warning", f"args.A is not in Unicode NFC form; {build}"),
        ("images.yaml:7:17", "not-nfc", "warning", f"labels.l is not in Unicode NFC form; {build}"),
        ("images.yaml:8:19", "not-nfc", "warning", f"app: test 'app-1': run is not in Unicode NFC form; {check}"),
        ("images.yaml:8:41", "not-nfc", "warning", f"app: test 'app-1': expect is not in Unicode NFC form; {check}"),
    ]


def test_a_service_timeout_as_written_else_the_default():
    project = load(
        """\
        images:
          a: {from: ubuntu:22.04, dockerfile: x, service: {port: 80, health: /, timeout: 7}}
          b: {from: ubuntu:22.04, dockerfile: x, service: {port: 80, health: /}}
        """
    )
    assert [(s.port, s.health, s.timeout) for s in (project.images[i].service for i in "ab")] == [
        (80, "/", 7),
        (80, "/", DEFAULT_SERVICE_TIMEOUT),
    ]


def test_provenance_modes():
    project = load(
        """\
        images:
          a: {from: ubuntu:22.04, dockerfile: x, attest: {provenance: false}}
          b: {from: ubuntu:22.04, dockerfile: x, attest: {provenance: true, sbom: true}}
          c: {from: ubuntu:22.04, dockerfile: x}
        """
    )
    assert {i: (image.attest.provenance, image.attest.sbom) for i, image in project.images.items()} == {
        "a": ("false", False),
        "b": ("min", True),
        "c": ("false", False),
    }


def test_an_unsupported_version_points_at_it():
    with pytest.raises(BakegenError) as info:
        parse_project("version: 2\nimages:\n  a: {from: ubuntu:22.04, dockerfile: x}\n")
    assert [(str(d.position), d.code, d.message) for d in info.value.diagnostics] == [
        ("images.yaml:1:10", "unsupported-version", "unsupported version '2': this bakegen reads 'version: 1'")
    ]


def test_the_local_paths_of_an_image_and_where_each_is_written():
    project = load(
        """\
        defaults:
          context: ctx
          contexts: {shared: pkgs}
        images:
          a:
            from: ubuntu:22.04
            dockerfile: x
            contexts: {own: ownpkgs, base-image: b}
            secrets: ["id=pip,src=secrets/pip.conf", "id=tok,env=TOKEN"]
            skip-tests: [one, two]
          b: {from: ubuntu:22.04, dockerfile: x, context: ., args: {V: 3.10}}
        """
    )
    a, b = project.images["a"], project.images["b"]
    assert a.local_paths == (
        LocalPath("context", "ctx", ("defaults", "context")),
        LocalPath("named context", "pkgs", ("defaults", "contexts", "shared")),
        LocalPath("named context", "ownpkgs", ("images", "a", "contexts", "own")),
        LocalPath("secret", "secrets/pip.conf", ("images", "a", "secrets", 0)),
    )
    assert b.local_paths == (
        LocalPath("context", ".", ("images", "b", "context")),
        LocalPath("named context", "pkgs", ("defaults", "contexts", "shared")),
    )
    assert [(name, (where.line, where.column)) for name, where in a.skip_tests] == [
        ("one", (11, 18)),
        ("two", (11, 23)),
    ]
    assert (a.parent, a.external_base, a.dependencies) == (None, "ubuntu:22.04", ("b",))
    assert dict(b.args) == {"V": "3.10"} and b.own_args == frozenset({"V"})


def test_a_document_that_is_not_a_mapping():
    with pytest.raises(BakegenError) as info:
        parse_project("- a\n")
    assert [(str(d.position), d.code, d.message) for d in info.value.diagnostics] == [
        ("images.yaml:1:1", "not-a-mapping", "images.yaml must be a mapping with 'version: 1' and 'images:'")
    ]


def test_a_compat_section_that_contradicts_itself_is_refused_where_it_is_written():
    with pytest.raises(BakegenError) as info:
        load(
            """\
            compat:
              cann:
                9.9.0: {operators: nosuch}
            images:
              a: {from: ubuntu:22.04, dockerfile: x}
            """
        )
    assert [(str(d.position), d.code, d.message) for d in info.value.diagnostics] == [
        (
            "images.yaml:4:24",
            "invalid-compat",
            "compat: CANN 9.9.0: 'nosuch' is not an operator package (components: operators: kernels, ops)",
        )
    ]


def test_a_parent_with_capitals_and_no_registry_is_an_unknown_parent_not_a_bad_reference():
    assert problems(
        """\
        images:
          app: {from: ubuntu:22.04, dockerfile: x, tags: ["reg.io/a:1"]}
          b: {from: Xapp, dockerfile: x}
        """
    ) == [("images.yaml:4:13", "unknown-parent", "unknown parent 'Xapp'; did you mean 'app'?")]


def test_a_registry_port_is_not_read_as_the_tag_of_an_image_of_this_file():
    project = load(
        """\
        images:
          localhost: {from: ubuntu:22.04, dockerfile: x, tags: ["reg.io/a:1"]}
          b: {from: "localhost:5000/base:1", dockerfile: x, tags: ["reg.io/b:1"]}
        """
    )
    assert project.images["b"].external_base == "localhost:5000/base:1" and project.warnings == ()


def test_scalar_as_written_keeps_what_it_can_find_and_else_the_value_as_text():
    from bakegen.model import scalar_as_written
    from bakegen.yamldoc import parse_document

    doc = parse_document("args:\n  V: 3.10\n  FLAG: yes\n  1: 2\n  S: text\n", "c.yaml")
    assert scalar_as_written(doc, ("args", "V"), 3.1) == "3.10"
    assert scalar_as_written(doc, ("args", "FLAG"), True) == "yes"
    assert scalar_as_written(doc, ("args", "S"), "text") == "text"
    # a key YAML reads as a number is no step of a path to its text: the value, as text
    assert scalar_as_written(doc, ("args", 1), 2) == "2"


def test_import_keeps_an_argument_under_a_numeric_name(tmp_path, monkeypatch):
    from bakegen.cli import main

    (tmp_path / "c.yaml").write_text(
        "images:\n  a:\n    build:\n      args: {BASE_IMAGE: 'ubuntu:22.04', 1: 2, V: 3.10}\n"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["import", "c.yaml", "-o", "out.yaml"]) == 0
    written = (tmp_path / "out.yaml").read_text()
    assert "    args:\n      '1': '2'\n      V: '3.10'\n" in written


def test_a_registry_port_without_a_tag_is_not_read_as_an_image_of_this_file():
    project = load(
        """\
        images:
          localhost: {from: ubuntu:22.04, dockerfile: x, tags: ["reg.io/a:1"]}
          b: {from: "localhost:5000/base", dockerfile: x, tags: ["reg.io/b:1"]}
        """
    )
    assert project.images["b"].external_base == "localhost:5000/base"
    assert project.images["b"].parent is None


def test_the_edges_of_a_service_port_and_timeout_are_accepted():
    project = load(
        """\
        images:
          app:
            from: ubuntu:22.04
            dockerfile: x
            service: {port: 65535, health: /, timeout: 1}
          low:
            from: ubuntu:22.04
            dockerfile: x
            service: {port: 1, health: /}
        """
    )
    assert (project.images["app"].service.port, project.images["app"].service.timeout) == (65535, 1)
    assert project.images["low"].service.port == 1


def test_a_variable_keeps_its_value_as_written():
    project = load(
        """\
        variables: {PYTHON: 3.10, FLAG: yes, COUNT: 010, NAME: text}
        images:
          app: {from: ubuntu:22.04, dockerfile: x}
        """
    )
    assert project.variables == {"PYTHON": "3.10", "FLAG": "yes", "COUNT": "010", "NAME": "text"}
