"""images.yaml's model, the details no other test reads: the names classify_context gives,
where a service and a test's problems point, the NUL check's field and position, the cycle
message (tests/test_model.py and test_model_positions.py have the rest)."""

import textwrap

import pytest

from bakegen.errors import BakegenError
from bakegen.model import IMAGE, PATH, SOURCE, NamedContext, classify_context, parse_project


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
    assert (
        where,
        "nul-character",
        f"app: {shown} contains a NUL character, which no build can carry; remove it",
    ) in found


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
