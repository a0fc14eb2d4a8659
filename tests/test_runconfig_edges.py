"""bakegen.runconfig: what a container of each image starts with, step by step along its chain
(which stage is built, which base continues the parent, variables, WORKDIR joins, ENTRYPOINT
clearing CMD), with every value and the line that set it written out."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from bakegen.dockerfile import Dockerfiles
from bakegen.errors import Position
from bakegen.model import parse_project
from bakegen.runconfig import RunConfig, Where, resolve_run_configs

HEAD = "ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\n"


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    """Positions read as the user sees them, relative to where bakegen runs."""
    monkeypatch.chdir(tmp_path)


def configs(tmp_path, images: str, dockerfiles: dict[str, str]) -> dict[str, RunConfig]:
    for name, body in dockerfiles.items():
        (tmp_path / name).write_text(body)
    text = "version: 1\nvariables: {REGISTRY: r}\nimages:\n" + images
    (tmp_path / "images.yaml").write_text(text)
    project = parse_project(text, tmp_path / "images.yaml")
    return resolve_run_configs(project, Dockerfiles(project.root))


def at(file: str, line: int) -> Position:
    return Position(file, line)


def test_a_fresh_config_is_empty():
    config = RunConfig()
    assert (config.user, config.workdir, config.entrypoint, config.cmd, dict(config.env), config.exposed) == (
        None, None, None, None, {}, (),
    )


@pytest.mark.parametrize(
    ("ports", "port", "exposed"),
    [
        (("8080",), 8080, True),
        (("8080/tcp",), 8080, True),
        (("8080/udp", "9000"), 9000, True),
        (("80800",), 8080, False),
        (("80",), 8080, False),
        (("tcp/8080",), 8080, False),
        ((), 8080, False),
    ],
)
def test_exposes_compares_the_port_before_the_protocol(ports, port, exposed):
    config = RunConfig(exposed=tuple(Where(p, Position("D", 1)) for p in ports))
    assert config.exposes(port) is exposed


def test_every_step_with_its_value_and_line(tmp_path):
    body = (
        HEAD
        + "USER ma-user\n"  # 3
        + "WORKDIR /home/ma-user\n"  # 4
        + "ENV A=1 B=two\n"  # 5
        + 'ENTRYPOINT ["/entry.sh"]\n'  # 6
        + 'CMD ["bash", "-l"]\n'  # 7
        + "EXPOSE 8080 9000/udp\n"  # 8
    )
    got = configs(tmp_path, "  a: {from: 'd:1', dockerfile: a.dockerfile}\n", {"a.dockerfile": body})["a"]
    assert got == RunConfig(
        user=Where("ma-user", at("a.dockerfile", 3)),
        workdir=Where("/home/ma-user", at("a.dockerfile", 4)),
        entrypoint=("/entry.sh",),
        cmd=("bash", "-l"),
        env=MappingProxyType({"A": "1", "B": "two"}),
        exposed=(Where("8080", at("a.dockerfile", 8)), Where("9000/udp", at("a.dockerfile", 8))),
    )
    assert isinstance(got.env, MappingProxyType)


def test_a_child_continues_its_parent_and_the_last_user_and_workdir_win(tmp_path):
    got = configs(
        tmp_path,
        "  a: {from: 'd:1', dockerfile: a.dockerfile}\n  b: {from: a, dockerfile: b.dockerfile}\n"
        "  c: {from: b, dockerfile: c.dockerfile}\n",
        {
            "a.dockerfile": HEAD + "USER root\nWORKDIR /opt\nENV A=1 B=1\nEXPOSE 80\nCMD [\"a\"]\n",
            "b.dockerfile": HEAD + "USER ma-user\nWORKDIR app\nENV B=2\nEXPOSE 81\n",
            "c.dockerfile": HEAD + "RUN true\n",
        },
    )
    b = got["b"]
    assert b.user == Where("ma-user", at("b.dockerfile", 3))
    assert b.workdir == Where("/opt/app", at("b.dockerfile", 4))
    assert dict(b.env) == {"A": "1", "B": "2"}
    assert [p.value for p in b.exposed] == ["80", "81"]
    assert b.cmd == ("a",)
    assert got["c"] == b  # no configuration step: the parent's, unchanged
    assert got["a"].env == {"A": "1", "B": "1"}  # the child did not write into its parent's


@pytest.mark.parametrize(
    ("steps", "workdir"),
    [
        ("WORKDIR /opt/\nWORKDIR app\n", "/opt/app"),
        ("WORKDIR /opt\nWORKDIR app\nWORKDIR sub\n", "/opt/app/sub"),
        ("WORKDIR /opt\nWORKDIR /srv\n", "/srv"),
        ("WORKDIR app\n", "app"),  # nothing before to join: left as written
        ("WORKDIR /\nWORKDIR app\n", "/app"),
        ("WORKDIR /srvX\nWORKDIR app\n", "/srvX/app"),  # only slashes are trimmed
    ],
)
def test_a_relative_workdir_joins_the_one_before(tmp_path, steps, workdir):
    got = configs(tmp_path, "  a: {from: 'd:1', dockerfile: a.dockerfile}\n", {"a.dockerfile": HEAD + steps})
    assert got["a"].workdir.value == workdir


def test_variables_from_env_then_build_args_then_arg_defaults(tmp_path):
    body = (
        "ARG BASE_IMAGE=base\nARG HOME_DIR=/home/default\nARG NAME=default\nARG BARE\n"
        "FROM ${BASE_IMAGE}\n"
        "ENV APP=/srv/app\n"
        "USER $NAME\n"
        "WORKDIR ${HOME_DIR}\n"
        "ENV WHERE=$APP/bin ELSE=${UNSET}-$BARE\n"
        "EXPOSE ${PORT}\n"
    )
    got = configs(
        tmp_path,
        "  a: {from: 'd:1', dockerfile: a.dockerfile, args: {NAME: ma-user, PORT: '8080'}}\n",
        {"a.dockerfile": body},
    )["a"]
    assert got.user.value == "ma-user"  # the build arg over the ARG default
    assert got.workdir.value == "/home/default"  # the ARG default
    assert dict(got.env) == {"APP": "/srv/app", "WHERE": "/srv/app/bin", "ELSE": "${UNSET}-$BARE"}
    assert [p.value for p in got.exposed] == ["8080"]
    assert got.exposes(8080)


def test_env_wins_over_a_build_arg_of_the_same_name(tmp_path):
    body = HEAD + "ENV WHO=env\nUSER ${WHO}\n"
    got = configs(
        tmp_path, "  a: {from: 'd:1', dockerfile: a.dockerfile, args: {WHO: arg}}\n", {"a.dockerfile": body}
    )["a"]
    assert got.user.value == "env"


def test_an_entrypoint_clears_the_inherited_cmd(tmp_path):
    got = configs(
        tmp_path,
        "  a: {from: 'd:1', dockerfile: a.dockerfile}\n"
        "  b: {from: a, dockerfile: b.dockerfile}\n"
        "  c: {from: a, dockerfile: c.dockerfile}\n"
        "  e: {from: a, dockerfile: e.dockerfile}\n",
        {
            "a.dockerfile": HEAD + 'ENTRYPOINT ["/a"]\nCMD ["bash"]\n',
            "b.dockerfile": HEAD + 'ENTRYPOINT ["/b"]\n',  # the inherited CMD goes
            "c.dockerfile": HEAD + 'CMD ["sh"]\nENTRYPOINT ["/c"]\n',  # this build's CMD stays
            "e.dockerfile": HEAD + 'ENTRYPOINT ["/e"]\nCMD ["zsh"]\n',
        },
    )
    assert (got["a"].entrypoint, got["a"].cmd) == (("/a",), ("bash",))
    assert (got["b"].entrypoint, got["b"].cmd) == (("/b",), None)
    assert (got["c"].entrypoint, got["c"].cmd) == (("/c",), ("sh",))
    assert (got["e"].entrypoint, got["e"].cmd) == (("/e",), ("zsh",))


def test_a_shell_form_entrypoint_runs_through_sh(tmp_path):
    got = configs(
        tmp_path, "  a: {from: 'd:1', dockerfile: a.dockerfile}\n", {"a.dockerfile": HEAD + "ENTRYPOINT exec /a\n"}
    )["a"]
    assert got.entrypoint == ("/bin/sh", "-c", "exec /a")


@pytest.mark.parametrize("base", ["$BASE_IMAGE", "${BASE_IMAGE}"])
def test_a_stage_on_base_image_continues_the_parent(tmp_path, base):
    got = configs(
        tmp_path,
        "  a: {from: 'd:1', dockerfile: a.dockerfile}\n  b: {from: a, dockerfile: b.dockerfile}\n",
        {"a.dockerfile": HEAD + "USER ma-user\n", "b.dockerfile": f"ARG BASE_IMAGE=x\nFROM {base}\nENV B=1\n"},
    )
    assert got["b"].user == Where("ma-user", at("a.dockerfile", 3))
    assert dict(got["b"].env) == {"B": "1"}


@pytest.mark.parametrize("base", ["scratch", "ubuntu:22.04", "${BASE_IMAGE}-slim", "x$BASE_IMAGE"])
def test_a_stage_on_another_image_starts_afresh(tmp_path, base):
    got = configs(
        tmp_path,
        "  a: {from: 'd:1', dockerfile: a.dockerfile}\n  b: {from: a, dockerfile: b.dockerfile}\n",
        {"a.dockerfile": HEAD + "USER ma-user\nENV A=1\n", "b.dockerfile": f"ARG BASE_IMAGE=x\nFROM {base}\nENV B=1\n"},
    )
    assert got["b"] == RunConfig(env=MappingProxyType({"B": "1"}))


def test_an_image_without_a_local_dockerfile_or_stages_keeps_its_parents(tmp_path):
    got = configs(
        tmp_path,
        "  a: {from: 'd:1', dockerfile: a.dockerfile}\n"
        "  b: {from: a, dockerfile: nofrom.dockerfile}\n"
        "  c: {from: a, dockerfile: missing.dockerfile}\n"
        "  e: {from: 'd:1', dockerfile: missing.dockerfile}\n",
        {"a.dockerfile": HEAD + "USER ma-user\n", "nofrom.dockerfile": "ARG X=1\n"},
    )
    assert got["b"] == got["a"] == got["c"]
    assert got["a"].user == Where("ma-user", at("a.dockerfile", 3))
    assert got["e"] == RunConfig()


MULTI = (
    "ARG BASE_IMAGE=base\n"
    "FROM ${BASE_IMAGE} AS Build\n"  # 2
    "USER builder\n"  # 3
    "ENV STAGE=build\n"  # 4
    "FROM build AS Runtime\n"  # 5
    "ENV RUNTIME=1\n"  # 6
    "FROM scratch AS other\n"  # 7
    "USER nobody\n"  # 8
    "FROM runtime AS final\n"  # 9
    "WORKDIR /app\n"  # 10
)


@pytest.mark.parametrize(
    ("target", "user", "env", "workdir"),
    [
        (None, "builder", {"STAGE": "build", "RUNTIME": "1"}, "/app"),  # the last stage, through its chain
        ("runtime", "builder", {"STAGE": "build", "RUNTIME": "1"}, None),  # names match in any case
        ("BUILD", "builder", {"STAGE": "build"}, None),
        ("other", "nobody", {}, None),  # on scratch: nothing of the parent
        ("nowhere", "builder", {"STAGE": "build", "RUNTIME": "1"}, "/app"),  # an unknown target: the last
    ],
)
def test_the_target_stage_and_the_stages_it_stands_on(tmp_path, target, user, env, workdir):
    images = "  p: {from: 'd:1', dockerfile: p.dockerfile}\n  a: {from: p, dockerfile: m.dockerfile"
    images += f", target: {target}}}\n" if target else "}\n"
    got = configs(tmp_path, images, {"p.dockerfile": HEAD + "ENV P=1\n", "m.dockerfile": MULTI})["a"]
    assert got.user.value == user
    assert dict(got.env) == ({"P": "1"} if user != "nobody" else {}) | env
    assert (got.workdir.value if got.workdir else None) == workdir


def test_stages_built_on_each_other_in_a_loop_end(tmp_path):
    body = "FROM two AS one\nENV ONE=1\nFROM one AS two\nENV TWO=2\n"
    got = configs(tmp_path, "  a: {from: 'd:1', dockerfile: a.dockerfile}\n", {"a.dockerfile": body})["a"]
    assert dict(got.env) == {"ONE": "1", "TWO": "2"}
    assert list(got.env) == ["ONE", "TWO"]  # the chain is walked first stage first
