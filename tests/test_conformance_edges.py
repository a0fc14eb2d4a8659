"""bakegen.conformance: each warning's whole text and position, which images and build args
it judges, and that each is reported once (tests/test_imagetests.py has the summary table)."""

from __future__ import annotations

import pytest

from bakegen.conformance import conformance_problems, looks_like_credential
from bakegen.dockerfile import Dockerfiles
from bakegen.imagetests import resolve_checks
from bakegen.model import parse_project
from bakegen.runconfig import resolve_run_configs

HEAD = "ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\n"


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def problems(tmp_path, images: str, dockerfiles: dict[str, str], head: str = ""):
    for name, body in dockerfiles.items():
        (tmp_path / name).write_text(body)
    text = "version: 1\nvariables: {REGISTRY: r}\n" + head + "images:\n" + images
    (tmp_path / "images.yaml").write_text(text)
    project = parse_project(text, tmp_path / "images.yaml")
    dockerfiles_ = Dockerfiles(project.root)
    configs = resolve_run_configs(project, dockerfiles_)
    checks, _ = resolve_checks(project, dockerfiles_, configs)
    return [
        (str(d.position), d.severity, d.code, d.message)
        for d in conformance_problems(project, dockerfiles_, configs, checks)
    ]


@pytest.mark.parametrize(
    ("name", "credential"),
    [
        ("PASSWD", True), ("hf-token", True), ("db.password", True), ("MY_SECRET_VALUE", True), ("x_ak", True),
        ("OPENAI_API_KEY", True), ("api-key", True), ("_KEY", False), ("KEY__", False), ("SECRETS", False),
        ("KEY_ID", False), ("TOKENS_MAX", False), ("", False), ("__", False),
    ],
)
def test_credential_words(name, credential):
    assert looks_like_credential(name) is credential


def not_ma_user_at(file_line: str, image: str, user: str):
    return (
        file_line, "warning", "not-ma-user",
        f"{image}: the application image's last USER is '{user}'; ModelArts starts containers as ma-user "
        "(uid 1000, gid 100): end with USER ma-user",
    )


@pytest.mark.parametrize(
    ("user", "accepted"),
    [
        ("ma-user", True), ("1000", True), ("1000:100", True), ("ma-user:users", True),
        ("nobody", False), ("root:1000", False), ("10000", False), ("ma-user2", False), ("100", False),
    ],
)
def test_the_last_user_is_ma_user_by_name_or_uid(tmp_path, user, accepted):
    got = problems(
        tmp_path,
        "  a: {from: 'd:1', dockerfile: u.dockerfile, layer: application}\n",
        {"u.dockerfile": HEAD + f"USER {user}\n"},
    )
    assert got == ([] if accepted else [not_ma_user_at("u.dockerfile:3", "a", user)])


def test_only_application_images_are_judged_each_in_build_order(tmp_path):
    got = problems(
        tmp_path,
        "  z: {from: 'd:1', dockerfile: p.dockerfile}\n"  # a base: not judged
        "  y: {from: z, dockerfile: u.dockerfile}\n"  # a leaf: application
        "  x: {from: z, dockerfile: n.dockerfile, layer: framework}\n"
        "  w: {from: x, dockerfile: p.dockerfile}\n",
        {"p.dockerfile": HEAD + "RUN true\n", "u.dockerfile": HEAD + "USER nobody\n", "n.dockerfile": HEAD + "USER x\n"},
    )
    assert got == [
        not_ma_user_at("u.dockerfile:3", "y", "nobody"),
        not_ma_user_at("n.dockerfile:3", "w", "x"),  # inherited from x, shown where x's Dockerfile sets it
    ]


def test_no_user_at_all_is_shown_at_the_image(tmp_path):
    got = problems(
        tmp_path,
        "  a: {from: 'd:1', dockerfile: p.dockerfile}\n  b: {from: a, dockerfile: p.dockerfile}\n",
        {"p.dockerfile": HEAD + "RUN true\n"},
    )
    assert got == [
        (
            "images.yaml:5:3", "warning", "not-ma-user",
            "b: no USER along its Dockerfiles, so it runs as its base image's user (root unless the base sets one); "
            "ModelArts starts containers as ma-user (uid 1000): end its Dockerfile with USER ma-user",
        )
    ]


def port_message(image: str, port: int, chain: str) -> str:
    return (
        f"{image}: its service listens on port {port}, but no Dockerfile of its chain ({chain}) says EXPOSE {port}; "
        "add it to its Dockerfile (ModelArts and `docker run -P` read it)"
    )


def test_a_service_port_not_exposed_own_and_inherited(tmp_path):
    got = problems(
        tmp_path,
        "  a: {from: 'd:1', dockerfile: p.dockerfile, layer: framework, service: {port: 8080, health: /h}}\n"
        "  b: {from: a, dockerfile: u.dockerfile}\n"
        "  c: {from: 'd:1', dockerfile: e.dockerfile, service: {port: 9000, health: /h}}\n"
        "  n: {from: 'd:1', dockerfile: u.dockerfile}\n",
        {
            "p.dockerfile": HEAD + "RUN true\n",
            "u.dockerfile": HEAD + "USER ma-user\n",
            "e.dockerfile": HEAD + "EXPOSE 9000/tcp\nUSER ma-user\n",
        },
    )
    assert got == [
        ("images.yaml:4:80", "warning", "service-port-not-exposed", port_message("a", 8080, "a")),
        ("images.yaml:5:3", "warning", "service-port-not-exposed", port_message("b", 8080, "a -> b")),
    ]


def credential(where: str, name: str, secret: str):
    return (
        where, "warning", "credential-build-arg",
        f"build arg '{name}' looks like a credential: build args stay in the image's history and the build's "
        f"provenance; pass it as a secret instead (secrets: ['id={secret},env={name}'] and "
        f"RUN --mount=type=secret,id={secret} in the Dockerfile)",
    )


def test_credential_build_args_once_each_where_written(tmp_path):
    got = problems(
        tmp_path,
        "  a: {from: 'd:1', dockerfile: missing.dockerfile, args: {PLAIN: x, MY_SECRET: y}, layer: base}\n"
        "  b: {from: 'd:1', dockerfile: c.dockerfile, args: {OTHER_TOKEN: z}, layer: base}\n"
        "  e: {from: 'd:1', dockerfile: c.dockerfile, layer: base}\n",
        {"c.dockerfile": "ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\nARG PLAIN\nARG Db_Password\nARG API_KEY=x\n"},
        head="defaults: {args: {HF_TOKEN: t}}\n",
    )
    assert got == [
        credential("images.yaml:3:19", "HF_TOKEN", "hf-token"),  # in defaults: once for every image
        credential("images.yaml:5:69", "MY_SECRET", "my-secret"),
        credential("images.yaml:6:53", "OTHER_TOKEN", "other-token"),
        credential("c.dockerfile:4", "Db_Password", "db-password"),  # in a Dockerfile: once for every image of it
        credential("c.dockerfile:5", "API_KEY", "api-key"),
    ]


def test_the_kinds_come_users_then_ports_then_build_args(tmp_path):
    got = problems(
        tmp_path,
        "  a: {from: 'd:1', dockerfile: c.dockerfile, layer: application, service: {port: 80, health: /}}\n",
        {"c.dockerfile": HEAD + "ARG MY_TOKEN\nUSER root\n"},
    )
    assert [code for _, _, code, _ in got] == ["not-ma-user", "service-port-not-exposed", "credential-build-arg"]
