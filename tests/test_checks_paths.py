"""What images.yaml names on disk (bakegen.checks): missing and wrong-kind paths, each
reported once and where it is written; Dockerfile problems once per file; named contexts a
Dockerfile uses but the image does not set; the inputs no output may replace."""

import textwrap

from bakegen import checks
from bakegen.dockerfile import Dockerfiles
from bakegen.model import parse_project

GOOD = "ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\n"


def project_at(tmp_path, images, files=None, defaults="{}"):
    for name, text in (files or {}).items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if text is None:
            path.mkdir()
        else:
            path.write_text(text)
    text = f"version: 1\ndefaults: {defaults}\nimages:\n" + textwrap.indent(textwrap.dedent(images), "  ")
    (tmp_path / "images.yaml").write_text(text)
    return parse_project(text, tmp_path / "images.yaml")


def found(problems):
    return [(f"{d.position.line}:{d.position.column}", d.code, d.message) for d in problems]


def test_missing_paths_name_each_kind_and_where_it_is_written(tmp_path):
    project = project_at(
        tmp_path,
        """\
        a:
          from: u:1
          dockerfile: a.dockerfile
          context: ctx
        b:
          from: u:1
          dockerfile: b.dockerfile
          contexts: {tools: ./tools, helper: hlper}
          secrets: ["id=pip,src=pip.conf"]
        helper: {from: u:1, dockerfile: h.dockerfile}
        """,
        {"b.dockerfile": GOOD, "h.dockerfile": GOOD},
    )
    assert found(checks.missing_paths(project)) == [
        # the Dockerfile of a missing context is not reported on top of it
        ("7:14", "missing-context", "context folder 'ctx' does not exist (relative to images.yaml)"),
        (
            "11:23",
            "missing-named-context",
            "context 'tools': path './tools' does not exist (relative to images.yaml); create it, or point it at "
            "an image id or a URL",
        ),
        (
            "11:40",
            "missing-named-context",
            "context 'helper': path 'hlper' does not exist (relative to images.yaml); create it, or point it at "
            "an image id or a URL; did you mean 'helper'?",
        ),
        (
            "12:15",
            "missing-secret",
            "secret file 'pip.conf' does not exist (relative to images.yaml); create it or use env= instead of src=",
        ),
    ]


def test_a_path_of_the_wrong_kind_says_what_it_must_be(tmp_path):
    project = project_at(
        tmp_path,
        """\
        a:
          from: u:1
          dockerfile: a.dockerfile
          contexts: {notes: notes.txt}
          secrets: ["id=pip,src=secret-dir"]
        """,
        {"a.dockerfile": GOOD, "notes.txt": "x", "secret-dir": None},
    )
    assert found(checks.missing_paths(project)) == [
        (
            "7:23",
            "named-context-not-folder",
            "named context 'notes.txt' is not a folder; a build context or named context is a folder (put the file in one)",
        ),
        ("8:15", "secret-not-file", "secret 'secret-dir' is not a file; a secret's src= is a file"),
    ]


def test_a_missing_dockerfile_and_a_path_in_defaults_reported_once(tmp_path):
    project = project_at(
        tmp_path,
        """\
        a: {from: u:1, dockerfile: a.dockerfile, context: sub}
        b: {from: u:1, dockerfile: b.dockerfile}
        c: {from: u:1, dockerfile: c.dockerfile}
        """,
        {"sub/a.dockerfile": GOOD},
        defaults="{secrets: ['id=pip,src=pip.conf']}",
    )
    assert found(checks.missing_paths(project)) == [
        ("2:22", "missing-secret", "secret file 'pip.conf' does not exist (relative to images.yaml); create it or "
         "use env= instead of src="),
        ("5:30", "missing-dockerfile", "Dockerfile 'b.dockerfile' does not exist; the dockerfile path is relative "
         "to the context '.'"),
        ("6:30", "missing-dockerfile", "Dockerfile 'c.dockerfile' does not exist; the dockerfile path is relative "
         "to the context '.'"),
    ]


def test_everything_present_is_no_problem(tmp_path):
    project = project_at(
        tmp_path,
        """\
        a:
          from: u:1
          dockerfile: a.dockerfile
          contexts: {tools: tools}
          secrets: ["id=pip,src=pip.conf"]
        """,
        {"a.dockerfile": GOOD, "tools": None, "pip.conf": "[global]\n"},
    )
    assert checks.missing_paths(project) == []


FROM_NOT_BASE = (
    "{image}: the first FROM builds on 'ubuntu:22.04', so 'u:1' (from:), which bakegen passes as the named context "
    "'base', is ignored; start it with `ARG BASE_IMAGE=base` and `FROM ${{BASE_IMAGE}}`"
)
UNSET = (
    "{image}: shared.dockerfile:2 uses the named context 'wheels', which this image does not set; add it under "
    "contexts: (wheels: <a folder, an image id or a URL>)"
)


def test_what_the_first_from_builds_on_and_unset_named_contexts_are_judged_per_image(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # Dockerfiles are named relative to the working directory
    shared = "FROM ubuntu:22.04\nCOPY --from=wheels /w /w\nRUN --mount=from=base,target=/b true\n"
    project = project_at(
        tmp_path,
        """\
        a: {from: u:1, dockerfile: shared.dockerfile}
        b: {from: u:1, dockerfile: shared.dockerfile, contexts: {wheels: a}}
        c: {from: u:1, dockerfile: shared.dockerfile}
        """,
        {"shared.dockerfile": shared},
    )
    problems = checks.dockerfile_problems(project, Dockerfiles(project.root))
    # what the first FROM builds on depends on each image's args and from:, so each image is
    # judged (at the Dockerfile's line); `base` is always set; b sets wheels
    assert found(problems) == [
        ("1:None", "from-not-base", FROM_NOT_BASE.format(image="a")),
        ("4:3", "unset-named-context", UNSET.format(image="a")),
        ("1:None", "from-not-base", FROM_NOT_BASE.format(image="b")),
        ("1:None", "from-not-base", FROM_NOT_BASE.format(image="c")),
        ("6:3", "unset-named-context", UNSET.format(image="c")),
    ]
    assert problems[0].position.file == "shared.dockerfile"
    # an image on a remote context has no Dockerfile to judge
    remote = project_at(tmp_path, "r: {from: u:1, dockerfile: x, context: 'https://github.com/o/r.git'}\n")
    assert checks.dockerfile_problems(remote, Dockerfiles(remote.root)) == []


def test_the_inputs_no_output_may_replace(tmp_path):
    project = project_at(
        tmp_path,
        """\
        a:
          from: u:1
          dockerfile: a.dockerfile
          context: ctx
          secrets: ["id=pip,src=pip.conf", "id=tok,env=TOKEN"]
        r: {from: u:1, dockerfile: x, context: 'https://github.com/o/r.git'}
        """,
        {
            "ctx/a.dockerfile": GOOD + "COPY app.py conf/*.yaml /app/\nCOPY --from=a /x /y\n",
            "ctx/conf/one.yaml": "",
            "ctx/conf/two.yaml": "",
            "pip.conf": "",
        },
    )
    dockerfiles = Dockerfiles(project.root)
    inputs = checks.project_inputs(project, dockerfiles)
    assert inputs == sorted(
        [
            tmp_path / "pip.conf",
            tmp_path / "ctx/a.dockerfile",
            tmp_path / "ctx/app.py",
            tmp_path / "ctx/conf/one.yaml",
            tmp_path / "ctx/conf/two.yaml",
        ]
    )
    # an output that does not exist yet, or that bakegen wrote, replaces nothing
    assert checks.inputs_an_output_would_replace(project, dockerfiles, tmp_path / "new.hcl") == []
    generated = tmp_path / "docker-bake.hcl"
    generated.write_text("# Generated by bakegen from images.yaml\n")
    assert checks.inputs_an_output_would_replace(project, dockerfiles, generated) == []
    mine = tmp_path / "mine.txt"
    mine.write_text("mine\n")
    assert checks.inputs_an_output_would_replace(project, dockerfiles, mine) == inputs


def test_predefined_args():
    for name in ("HTTP_PROXY", "https_proxy", "NO_PROXY", "all_proxy", "TARGETPLATFORM", "BUILDVARIANT",
                 "SOURCE_DATE_EPOCH", "BUILDKIT_INLINE_CACHE", "BUILDKIT_ANYTHING"):
        assert checks.predefined_arg(name), name
    for name in ("PROXY", "TARGET", "Http_Proxy", "XBUILDKIT_", "CHIP"):
        assert not checks.predefined_arg(name), name


def test_a_missing_named_context_suggests_an_image_id_only_for_a_bare_name_of_near_length(tmp_path):
    project = project_at(
        tmp_path,
        """\
        abcdef: {from: u:1, dockerfile: a.dockerfile}
        abcdefg: {from: u:1, dockerfile: a.dockerfile}
        tools: {from: u:1, dockerfile: a.dockerfile}
        x:
          from: u:1
          dockerfile: a.dockerfile
          contexts: {one: abcd, two: abcdefgxyz, three: ./tols}
        """,
        {"a.dockerfile": GOOD},
    )
    hints = [d.message.partition("a URL")[2] for d in checks.missing_paths(project)]
    # abcd: abcdef is 2 longer (abcdefg, 3 longer, is not offered); abcdefgxyz: 3 longer than
    # abcdefg, too far; ./tols is a path, not a mistyped id
    assert hints == ["; did you mean 'abcdef'?", "", ""]


def test_inputs_of_every_image_whatever_comes_first(tmp_path):
    project = project_at(
        tmp_path,
        """\
        r: {from: u:1, dockerfile: x, context: 'https://github.com/o/r.git'}
        gone: {from: u:1, dockerfile: gone.dockerfile}
        a: {from: u:1, dockerfile: a.dockerfile}
        """,
        {"a.dockerfile": GOOD + "COPY Xmissing.txt /x\n"},
    )
    inputs = checks.project_inputs(project, Dockerfiles(project.root))
    # a source that does not exist (yet) is still an input; only glob patterns are expanded
    assert inputs == [tmp_path / "Xmissing.txt", tmp_path / "a.dockerfile"]


def test_undeclared_args_of_every_image_and_every_arg(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    project = project_at(
        tmp_path,
        """\
        r: {from: u:1, dockerfile: x, context: 'https://github.com/o/r.git', args: {Z: '1'}}
        a: {from: u:1, dockerfile: a.dockerfile, args: {A: '1', HTTP_PROXY: p, Z: '2'}}
        """,
        {"a.dockerfile": GOOD + "ARG A\n"},
    )
    problems = checks.undeclared_args(project, Dockerfiles(project.root))
    assert [(d.code, d.message.split(" (")[0]) for d in problems] == [
        ("undeclared-arg", "a: build arg Z is not declared in a.dockerfile")
    ]
