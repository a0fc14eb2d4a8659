"""Dockerfiles parsed once: instructions, ARGs, FROMs, named contexts, numpy pins, the FROM convention."""

import pytest

from bakegen import dockerfile as dockerfile_module
from bakegen.dockerfile import (
    CONVENTION,
    ArgDeclaration,
    ContextUse,
    Dockerfiles,
    FromLine,
    NumpyPin,
    convention_problems,
    from_problems,
    parse_dockerfile,
    read_dockerfile,
)
from bakegen.model import parse_project

# A heredoc whose body looks like instructions: a reader that does not know heredocs takes
# `FROM evil AS stage` for a stage, `ARG SNEAKY` for an ARG and `ghost` for a named context.
HEREDOC_LOOKS_LIKE_INSTRUCTIONS = """\
ARG BASE_IMAGE=base
FROM ${BASE_IMAGE}
RUN <<EOF
FROM evil AS stage
ARG SNEAKY=1
COPY --from=ghost /a /b
# pip install "numpy>=2" is what a comment in the script says
pip install "numpy<2"
EOF
COPY --from=stage /x /y
"""


def keywords(text):
    return [(step.line, step.keyword) for step in parse_dockerfile(text).instructions]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("# comment\n\nFROM x\n  run true\n", [(3, "FROM"), (4, "RUN")]),
        (HEREDOC_LOOKS_LIKE_INSTRUCTIONS, [(1, "ARG"), (2, "FROM"), (3, "RUN"), (10, "COPY")]),
        # continuation lines, with a comment and an empty line inside (BuildKit skips both)
        ("FROM x\nRUN apt-get install \\\n# gcc for the build\n    gcc \\\n\n    make\nARG Y\n", [(1, "FROM"), (2, "RUN"), (7, "ARG")]),
        # an escaped backslash at the end is no continuation
        ("FROM x\nRUN echo \\\\\nRUN true\n", [(1, "FROM"), (2, "RUN"), (3, "RUN")]),
        # <<- ends at a tab-indented delimiter
        ("FROM x\nRUN <<-EOT\n\tARG X\n\tEOT\nUSER 1\n", [(1, "FROM"), (2, "RUN"), (5, "USER")]),
        # quoted delimiters; a delimiter with leading spaces does not end a <<EOF heredoc
        ("FROM x\nRUN <<'EOF'\n  EOF\nARG X\nEOF\nCOPY <<\"END\" /f\nFROM y\nEND\nUSER 1\n", [(1, "FROM"), (2, "RUN"), (6, "COPY"), (9, "USER")]),
        # several heredocs on one line, read one after the other
        ("FROM x\nCOPY <<FILE1 <<FILE2 /dest/\nARG A\nFILE1\nARG B\nFILE2\nARG C\n", [(1, "FROM"), (2, "COPY"), (7, "ARG")]),
        # a heredoc opened on a continuation line (as the repo's Dockerfiles do)
        ("FROM x\nRUN --mount=type=cache,target=/c \\\n    <<'EOF'\nFROM y\nEOF\nUSER 1\n", [(1, "FROM"), (2, "RUN"), (6, "USER")]),
        # not heredocs: a quoted <<EOF, the exec form, an instruction that takes none
        ('FROM x\nRUN echo "<<EOF"\nARG A\n', [(1, "FROM"), (2, "RUN"), (3, "ARG")]),
        ('FROM x\nRUN ["sh", "-c", "cat <<EOF"]\nARG A\n', [(1, "FROM"), (2, "RUN"), (3, "ARG")]),
        ("FROM x\nENV A=<<EOF\nARG B\n", [(1, "FROM"), (2, "ENV"), (3, "ARG")]),
        ("FROM x\nONBUILD RUN <<EOF\nARG A\nEOF\nUSER 1\n", [(1, "FROM"), (2, "ONBUILD"), (5, "USER")]),
        # the escape directive makes ` the continuation character; \ at the end is then text
        ("# escape=`\nFROM x\nRUN dir `\n  c:\\\nUSER 1\n", [(2, "FROM"), (3, "RUN"), (5, "USER")]),
        ("# syntax=docker/dockerfile:1\n# escape=`\nFROM x\nRUN a \\\nUSER 1\n", [(3, "FROM"), (4, "RUN"), (5, "USER")]),
        # a directive after a comment is a comment
        ("# hello\n# escape=`\nFROM x\nRUN a \\\n  b\n", [(3, "FROM"), (4, "RUN")]),
        ("\ufeffARG A=1\r\nFROM x\r\n", [(1, "ARG"), (2, "FROM")]),
    ],
)
def test_instructions(text, expected):
    assert keywords(text) == expected


def test_heredoc_bodies_belong_to_their_instruction():
    parsed = parse_dockerfile("FROM x\nCOPY <<FILE1 <<-FILE2 /dest/\none\nFILE1\n\ttwo\n\tFILE2\n")
    (_, copy) = parsed.instructions
    assert copy.rest == "<<FILE1 <<-FILE2 /dest/"
    assert [(h.delimiter, h.chomp, h.line, h.body) for h in copy.heredocs] == [
        ("FILE1", False, 3, "one"),
        ("FILE2", True, 5, "\ttwo"),
    ]


def test_continuation_lines_are_joined_as_buildkit_joins_them():
    (step,) = parse_dockerfile("RUN apt-get install \\\n    gcc\\\n    make\n").instructions
    assert step.rest == "apt-get install     gcc    make"


def test_a_heredoc_body_is_not_read_as_instructions():
    parsed = parse_dockerfile(HEREDOC_LOOKS_LIKE_INSTRUCTIONS)
    assert parsed.froms == (FromLine("${BASE_IMAGE}", None, None, 2),)
    assert parsed.args == (ArgDeclaration("BASE_IMAGE", "base", 1, True),)
    # `stage` is no stage of this file, so COPY --from=stage reads a named context
    assert parsed.context_uses == (ContextUse("stage", 10),)
    # a pin in the script counts, one in a comment of the script does not
    assert parsed.numpy_pins == (NumpyPin(("<2",), 8),)
    assert convention_problems(parsed) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            'ARG PY=3.10 BASE_IMAGE="base" EMPTY= NONE \'Q=a b\'\nFROM ${BASE_IMAGE}\nARG LATE=1\n',
            [("PY", "3.10", 1, True), ("BASE_IMAGE", "base", 1, True), ("EMPTY", "", 1, True), ("NONE", None, 1, True),
             ("Q", "a b", 1, True), ("LATE", "1", 3, False)],
        ),
        ("ARG A=x \\\n    B=y\nFROM a\n", [("A", "x", 1, True), ("B", "y", 1, True)]),
        ('ARG A="unclosed\n', [("A", '"unclosed', 1, True)]),  # as BuildKit would not: read as plain words
        ("# escape=`\nARG WIN=c:\\tools\n", [("WIN", "c:\\tools", 2, True)]),
    ],
)
def test_arg_declarations(text, expected):
    assert [(a.name, a.default, a.line, a.global_scope) for a in parse_dockerfile(text).args] == expected


@pytest.mark.parametrize(
    "line, expected",
    [
        ("FROM ubuntu:22.04", FromLine("ubuntu:22.04", None, None, 1)),
        ("FROM --platform=$BUILDPLATFORM golang:1.22 AS Build", FromLine("golang:1.22", "Build", "$BUILDPLATFORM", 1)),
        ("from ${BASE_IMAGE} as runtime", FromLine("${BASE_IMAGE}", "runtime", None, 1)),
        ("FROM", FromLine("", None, None, 1)),
    ],
)
def test_from_lines(line, expected):
    assert parse_dockerfile(line + "\n").froms == (expected,)


def test_named_contexts_used_leave_out_stages_numbers_variables_and_images():
    text = (
        "FROM x AS Build\n"
        "FROM ${BASE_IMAGE}\n"
        "RUN --mount=type=cache,target=/root/.cache --mount=type=bind,from=wheels,target=/w true\n"
        "COPY --from=build /a /b\n"  # a stage, whatever its case
        "COPY --from=0 /a /b\n"
        "COPY --from=$STAGE /a /b\n"
        "COPY --from=alpine:3 /a /b\n"
        "ADD --chown=1 --from=docker.io/library/x /a /b\n"
        "COPY --from=x@sha256:abc /a /b\n"
        "RUN --mount=type=bind,from=cann-packages,target=/p \\\n    <<EOF\n--mount=from=not-a-flag\nEOF\n"
        "RUN echo --mount=type=bind,from=in-the-command\n"  # not a flag of RUN
        "ADD --from=models /m /m\n"
    )
    assert parse_dockerfile(text).context_uses == (
        ContextUse("wheels", 3),
        ContextUse("cann-packages", 10),
        ContextUse("models", 15),
    )


@pytest.mark.parametrize(
    "text, sources, unknown",
    [
        ("COPY app/ scripts/*.sh /opt/\n", ("app/", "scripts/*.sh"), False),
        ("COPY --from=wheels /w /w\nADD https://example.com/x.tar /x\nCOPY <<EOF /f\nhi\nEOF\n", (), False),
        ("COPY . /src\n", (".",), False),
        ("RUN --mount=type=bind,source=/req.txt,target=/r true\n", ("req.txt",), False),
        # a bind mount is the default type; without a source it mounts the whole context
        ("RUN --mount=target=/src true\n", (".",), False),
        ("RUN --mount=type=cache,target=/c --mount=type=secret,id=x true\n", (), False),
        # named through a variable: what is read is known only at build time
        ("ARG APP=app\nCOPY ${APP} conf/ /opt/\n", ("conf/",), True),
        ("RUN --mount=type=bind,source=$REQ,target=/r true\n", (), True),
        # the JSON form, flags first or not, a name with a space
        ('COPY ["files/a.txt", "/a.txt"]\n', ("files/a.txt",), False),
        ('COPY --chown=1000:100 ["my app/", "conf", "/opt/"]\n', ("my app/", "conf"), False),
        ('ADD ["https://example.com/x.tar", "/x"]\n', (), False),
    ],
)
def test_what_a_dockerfile_reads_from_its_build_context(text, sources, unknown):
    parsed = parse_dockerfile("FROM x\n" + text)
    assert (parsed.context_sources, parsed.context_sources_unknown) == (sources, unknown)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("RUN pip install numpy<2\n", [(("<2",), 1)]),
        ('RUN pip install "numpy>1.23,<2" scipy\n', [((">1.23", "<2"), 1)]),
        ("RUN pip install numpy==1.26.* && pip install 'NumPy == 1.26.4'\n", [(("==1.26.*",), 1), (("==1.26.4",), 1)]),
        ("# numpy>=2 breaks CANN 8\nRUN pip install numpy scipy\n", []),
        ("RUN pip install numpy-quaternion>=2 mynumpy>=2\n", []),
        ("RUN pip install \\\n  # numpy>=2 in a comment line of a continuation\n  numpy~=1.26\n", [(("~=1.26",), 1)]),
        ("COPY <<EOF /requirements.txt\ntorch==2.7.1\nnumpy<2.0.0\nEOF\n", [(("<2.0.0",), 3)]),
    ],
)
def test_numpy_pins(text, expected):
    assert [(p.specifiers, p.line) for p in parse_dockerfile(text).numpy_pins] == expected


def test_parse_problems_name_the_line():
    parsed = parse_dockerfile("FROM x\nRUN <<EOF\ntrue\n", "d/Dockerfile")
    assert [(str(d.position), d.message, d.code) for d in parsed.problems] == [
        ("d/Dockerfile:2", "unterminated heredoc: no line 'EOF' after this RUN ends its <<EOF", "unterminated-heredoc")
    ]
    parsed = parse_dockerfile("# escape=!\nFROM x\n", "d/Dockerfile")
    assert [(str(d.position), d.message, d.code) for d in parsed.problems] == [
        ("d/Dockerfile:1", "invalid escape directive '!': the escape character is \\ or `", "invalid-escape-directive")
    ]


NOTE = (
    "bakegen passes BASE_IMAGE=base, so FROM ${BASE_IMAGE} still builds on the parent (the named context "
    "'base') and this default counts only in a build without bakegen; the convention is "
    "`ARG BASE_IMAGE=base` (`bakegen import --rewrite-dockerfiles` proposes the edit)"
)
BLANK = "BuildKit expands only ARGs declared before the first FROM, so the base name is blank"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\nRUN true\n", []),
        ("\ufeffARG PY=3.10 BASE_IMAGE=base\nFROM $BASE_IMAGE\n", []),
        ('ARG BASE_IMAGE="base" OTHER=1\nFROM --platform=$TARGETPLATFORM ${BASE_IMAGE} AS main\n', []),
        ("", [("D", f"no FROM instruction; {CONVENTION}", "no-from", "error")]),
        ("# only a comment\n", [("D", f"no FROM instruction; {CONVENTION}", "no-from", "error")]),
        ("ARG BASE_IMAGE=base\n", [("D", f"no FROM instruction; {CONVENTION}", "no-from", "error")]),
        (
            "ARG BASE_IMAGE=base\n\nRUN true\nFROM ${BASE_IMAGE}\n",
            [("D:3", f"RUN before the first FROM; {CONVENTION}", "instruction-before-from", "error")],
        ),
        # what a FROM without BASE_IMAGE builds on depends on the image: from_problems
        ("ARG BASE_IMAGE=base\nFROM ubuntu:22.04\n", []),
        (
            "FROM ${BASE_IMAGE}\nARG BASE_IMAGE=base\n",
            [("D:1", f"FROM ${{BASE_IMAGE}} without `ARG BASE_IMAGE` before it: {BLANK}; {CONVENTION}", "base-image-arg-missing", "error")],
        ),
        (
            "FROM quay.io/ascend/vllm-ascend:${BASE_IMAGE}\n",
            [
                (
                    "D:1",
                    f"FROM quay.io/ascend/vllm-ascend:${{BASE_IMAGE}} without `ARG BASE_IMAGE` before it: {BLANK}; {CONVENTION}",
                    "base-image-arg-missing",
                    "error",
                )
            ],
        ),
        # the old build.py's Dockerfiles: bakegen's BASE_IMAGE=base wins over the default
        (
            "# the base\nARG BASE_IMAGE=ubuntu:22.04\nFROM ${BASE_IMAGE}\n",
            [("D:2", f"ARG BASE_IMAGE defaults to 'ubuntu:22.04'; {NOTE}", "base-image-default", "note")],
        ),
        ("ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n", [("D:1", f"ARG BASE_IMAGE has no default; {NOTE}", "base-image-default", "note")]),
        (
            "ARG BASE_IMAGE=base\nARG BASE_IMAGE=other\nFROM ${BASE_IMAGE}\n",
            [("D:2", f"ARG BASE_IMAGE defaults to 'other'; {NOTE}", "base-image-default", "note")],
        ),
        # a FROM that only completes BASE_IMAGE needs it set in images.yaml: from_problems
        ("ARG BASE_IMAGE=v0.11.0rc2\nFROM quay.io/ascend/vllm-ascend:${BASE_IMAGE}\n", []),
    ],
)
def test_from_convention(text, expected):
    found = convention_problems(parse_dockerfile(text, "D"))
    assert [(str(d.position), d.message, d.code, d.severity) for d in found] == expected


def image(fields: str):
    return parse_project(f"version: 1\nimages:\n  p: {{from: 'ubuntu:22.04', dockerfile: D}}\n  a: {fields}\n").images["a"]


IGNORED = "which bakegen passes as the named context 'base', is ignored; " + CONVENTION


@pytest.mark.parametrize(
    "fields, text, expected",
    [
        # the convention, and old defaults that bakegen's BASE_IMAGE=base overrides
        ("{from: p, dockerfile: D}", "ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\n", []),
        ("{from: p, dockerfile: D}", "ARG BASE_IMAGE=xuopoj/cann:8.2rc1-910b\nFROM ${BASE_IMAGE}\n", []),
        ("{from: p, dockerfile: D}", "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n", []),
        ("{from: p, dockerfile: D}", "ARG BASE_IMAGE\nFROM ${BASE_IMAGE:-ubuntu:22.04}\n", []),
        ("{from: p, dockerfile: D}", "ARG BASE_IMAGE\nFROM ${BASE_IMAGE:+$OTHER}\n", []),  # not judged
        ("{from: p, dockerfile: D}", "ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}-${TARGETARCH}\n", []),  # not judged
        ("{from: p, dockerfile: D, args: {BASE_IMAGE: base}}", "ARG BASE_IMAGE=x:1\nFROM ${BASE_IMAGE}\n", []),
        # the old vLLM image: from: names the image the FROM line completes
        (
            "{from: 'quay.io/ascend/vllm-ascend:v0.11.0rc2', dockerfile: D, args: {BASE_IMAGE: v0.11.0rc2}}",
            "ARG BASE_IMAGE=v0.11.0rc2\n\nFROM quay.io/ascend/vllm-ascend:${BASE_IMAGE}\n",
            [
                (
                    "D:3",
                    "a: the first FROM builds on 'quay.io/ascend/vllm-ascend:v0.11.0rc2' (written "
                    "'quay.io/ascend/vllm-ascend:${BASE_IMAGE}'), the image its from: names, directly rather than "
                    "through the named context 'base' that bakegen sets to it",
                    "from-external-directly",
                    "note",
                )
            ],
        ),
        (
            "{from: 'ubuntu:22.04', dockerfile: D}",
            "FROM docker.io/library/ubuntu:22.04 AS build\n",
            [
                (
                    "D:1",
                    "a: the first FROM builds on 'docker.io/library/ubuntu:22.04', the image its from: names, "
                    "directly rather than through the named context 'base' that bakegen sets to it",
                    "from-external-directly",
                    "note",
                )
            ],
        ),
        # bakegen passes BASE_IMAGE=base: the tag completed from it is not the image from: names
        (
            "{from: 'quay.io/ascend/vllm-ascend:v0.11.0rc2', dockerfile: D}",
            "ARG BASE_IMAGE=v0.11.0rc2\nFROM quay.io/ascend/vllm-ascend:${BASE_IMAGE}\n",
            [
                (
                    "D:2",
                    "a: the first FROM builds on 'quay.io/ascend/vllm-ascend:base' (written "
                    "'quay.io/ascend/vllm-ascend:${BASE_IMAGE}'), so 'quay.io/ascend/vllm-ascend:v0.11.0rc2' "
                    f"(from:), {IGNORED}",
                    "from-not-base",
                    "error",
                )
            ],
        ),
        (
            "{from: p, dockerfile: D}",
            "ARG BASE_IMAGE=base\nFROM ubuntu:22.04\n",
            [("D:2", f"a: the first FROM builds on 'ubuntu:22.04', so the parent 'p', {IGNORED}", "from-not-base", "error")],
        ),
        (
            "{from: p, dockerfile: D, args: {BASE_IMAGE: 'ubuntu:22.04'}}",
            "ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\n",
            [
                (
                    "D:2",
                    f"a: the first FROM builds on 'ubuntu:22.04' (written '${{BASE_IMAGE}}'), so the parent 'p', {IGNORED}",
                    "from-not-base",
                    "error",
                )
            ],
        ),
        (
            "{from: p, dockerfile: D, args: {BASE_IMAGE: ''}}",
            "ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\n",
            [
                (
                    "D:2",
                    "a: the first FROM ('${BASE_IMAGE}') is blank with the args bakegen passes, and BuildKit refuses "
                    f"a blank base name; set it to build on the parent 'p': {CONVENTION}",
                    "from-not-base",
                    "error",
                )
            ],
        ),
        # what convention_problems reports for the file is not repeated per image
        ("{from: p, dockerfile: D}", "FROM ${BASE_IMAGE}\n", []),
        ("{from: p, dockerfile: D}", "RUN true\nFROM x\n", []),
    ],
)
def test_what_the_first_from_builds_on(fields, text, expected):
    found = from_problems(image(fields), parse_dockerfile(text, "D"))
    assert [(str(d.position), d.message, d.code, d.severity) for d in found] == expected


def test_an_unreadable_dockerfile_is_a_problem_not_a_convention_breach(tmp_path):
    path = tmp_path / "bad.dockerfile"
    path.write_bytes(b"\xffARG BASE_IMAGE=base\n")
    parsed = read_dockerfile(path, "bad.dockerfile")
    assert not parsed.readable
    assert [(str(d.position), d.message, d.code) for d in parsed.problems] == [
        (
            "bad.dockerfile",
            "cannot read Dockerfile: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte",
            "unreadable-dockerfile",
        )
    ]
    assert convention_problems(parsed) == []


def test_each_dockerfile_is_read_once_per_run(tmp_path, monkeypatch):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "shared.dockerfile").write_text("ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\n")
    project = parse_project(
        "version: 1\nimages:\n"
        "  a: {from: u:1, dockerfile: d/shared.dockerfile}\n"
        "  b: {from: a, dockerfile: shared.dockerfile, context: d}\n"
        "  c: {from: a, dockerfile: d/../d/shared.dockerfile}\n"
        "  remote: {from: a, dockerfile: Dockerfile, context: 'https://github.com/x/y.git'}\n"
        "  missing: {from: a, dockerfile: d/none.dockerfile}\n",
        tmp_path / "images.yaml",
    )
    reads = []
    real = dockerfile_module.read_dockerfile
    monkeypatch.setattr(dockerfile_module, "read_dockerfile", lambda path, shown: reads.append(path) or real(path, shown))
    dockerfiles = Dockerfiles(project.root)
    parsed = [dockerfiles.get(project.images[i]) for i in ("a", "b", "c", "a", "remote", "missing")]
    assert len(reads) == 1
    assert parsed[0] is parsed[1] is parsed[2] is parsed[3]
    assert parsed[0].args == (ArgDeclaration("BASE_IMAGE", "base", 1, True),)
    assert parsed[4:] == [None, None]
