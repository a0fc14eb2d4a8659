"""What bakegen reads out of a Dockerfile beyond ARG and FROM: the configuration steps of
each stage, what it reads from its build context, words and quotes, parser directives,
and the reader that reads each file once."""

from pathlib import Path

import pytest

from bakegen.dockerfile import ConfigStep, Dockerfiles, parse_dockerfile, read_dockerfile
from bakegen.model import parse_project


def steps(text):
    return [[(s.keyword, s.value, s.line) for s in stage.steps] for stage in parse_dockerfile(text).stages]


@pytest.mark.parametrize(
    "line, value",
    [
        ("USER 1000:1000", ("1000:1000",)),
        ('WORKDIR "/home/ma user"', ("/home/ma user",)),
        ("ENV A=1 B=\"two words\" C=", ("A", "1", "B", "two words", "C", "")),
        # the old form: ENV NAME value, the value is the rest of the line
        ("ENV PATH /usr/local/bin:$PATH  and more", ("PATH", "/usr/local/bin:$PATH and more")),
        ('ENTRYPOINT ["python", "-m", "app"]', ("python", "-m", "app")),
        ("ENTRYPOINT python -m app", ("/bin/sh", "-c", "python -m app")),
        ('CMD ["--port", "8080"]', ("--port", "8080")),
        ("CMD echo [not json", ("/bin/sh", "-c", "echo [not json")),
        ('CMD ["unclosed"', ("/bin/sh", "-c", '["unclosed"')),
        ("EXPOSE 8080 9090/udp", ("8080", "9090/udp")),
    ],
)
def test_configuration_steps(line, value):
    assert steps(f"FROM x\n{line}\n") == [[(line.split()[0], value, 2)]]


def test_configuration_steps_belong_to_their_stage_and_need_a_stage():
    text = "USER early\nFROM a AS one\nUSER 1\nRUN true\nFROM b\nWORKDIR /w\nENV A=1\n"
    assert steps(text) == [[("USER", ("1",), 3)], [("WORKDIR", ("/w",), 6), ("ENV", ("A", "1"), 7)]]
    parsed = parse_dockerfile(text)
    assert [(s.base.image, s.base.stage) for s in parsed.stages] == [("a", "one"), ("b", None)]
    assert parsed.stages[1].steps[0] == ConfigStep("WORKDIR", ("/w",), 6)


@pytest.mark.parametrize(
    "text, sources",
    [
        ("COPY a.txt /app/\n", ["a.txt"]),
        ("COPY --chown=1000 src/ conf/*.yaml /app/\n", ["src/", "conf/*.yaml"]),
        # a leading / is still the context's root
        ("ADD /abs/file /dst\n", ["abs/file"]),
        # from another stage or context, from a URL, or through a variable: not the context
        ("COPY --from=build /a /b\n", []),
        ("ADD https://example.com/x.tgz $HOME/data/x /dst/\n", []),
        ("COPY ${SRC} /dst\n", []),
        # a heredoc is the source itself
        ("COPY <<EOF /etc/conf\nx\nEOF\n", []),
        ("COPY only-a-destination\n", []),
        ("RUN --mount=type=bind,source=/pkgs,target=/p --mount=type=bind,src=wheels,target=/w true\n", ["pkgs", "wheels"]),
        ("RUN --mount=type=bind,from=other,source=x,target=/x true\n", []),
        ("RUN --mount=type=cache,source=c,target=/c true\n", []),
        ("RUN --mount=type=bind,source=$DIR,target=/d true\n", []),
        # a bind mount without a source mounts the whole context
        ("RUN --mount=type=bind,target=/d true\n", ["."]),
        ("RUN cp a b\n", []),
    ],
)
def test_what_a_dockerfile_reads_from_its_context(text, sources):
    assert list(parse_dockerfile("FROM x\n" + text).context_sources) == sources


def test_context_uses_read_run_mount_and_copy_from_flags():
    text = (
        "FROM x\n"
        'RUN --mount="type=bind,FROM=upper,target=/u" --mount=type=cache,target=/c true\n'
        "RUN --mount=type=bind,from=,target=/e true\n"  # an empty from= names nothing
        "COPY --from= /a /b\n"
        "COPY --link --from=late /a /b\n"
        "COPY a --from=not-a-flag /b\n"
    )
    assert [(u.name, u.line) for u in parse_dockerfile(text).context_uses] == [("upper", 2), ("late", 5)]


@pytest.mark.parametrize(
    "text, args",
    [
        # double quotes: the escape character escapes " $ and itself only
        ('ARG A="x\\"y" B="p\\q" C="\\$" D="\\\\"\n', [("A", 'x"y'), ("B", "p\\q"), ("C", "$"), ("D", "\\")]),
        # single quotes: nothing is escaped
        ("ARG A='x\\y'\n", [("A", "x\\y")]),
        # outside quotes: the next character, whatever it is
        ("ARG A=x\\ y B=1\n", [("A", "x y"), ("B", "1")]),
        ("ARG A=\t'q'\tB\n", [("A", ""), ("q", None), ("B", None)]),
        ("ARG A=''\n", [("A", "")]),
        ("ARG A=end\\\n", [("A", "end")]),
    ],
)
def test_words_quotes_and_escapes(text, args):
    assert [(a.name, a.default) for a in parse_dockerfile(text).args] == args


@pytest.mark.parametrize(
    "text, keywords",
    [
        # spaces around = and upper-case names are still directives
        ("#  ESCAPE = `\nFROM x\nRUN a `\n  b\n", [(2, "FROM"), (3, "RUN")]),
        ("# check=skip=all\n# escape=`\nFROM x\nRUN a `\nUSER 1\n", [(3, "FROM"), (4, "RUN")]),
        # an unknown directive is a comment and ends the directives
        ("# foo=bar\n# escape=`\nFROM x\nRUN a `\nUSER 1\n", [(3, "FROM"), (4, "RUN"), (5, "USER")]),
        # an empty line ends them too
        ("\n# escape=`\nFROM x\nRUN a `\nUSER 1\n", [(3, "FROM"), (4, "RUN"), (5, "USER")]),
        # a continuation at the end of the file, and one whose next lines are blank
        ("FROM x\nRUN a \\", [(1, "FROM"), (2, "RUN")]),
        ("FROM x\nRUN a \\\n\n\nUSER 1\n", [(1, "FROM"), (2, "RUN")]),
        # trailing blanks after the escape character still continue the line
        ("FROM x\nRUN a \\  \t\n  b\nUSER 1\n", [(1, "FROM"), (2, "RUN"), (4, "USER")]),
        # a line of only an escape character continues into nothing
        ("\\\nFROM x\n", [(1, "FROM")]),
    ],
)
def test_directives_and_continuations(text, keywords):
    assert [(s.line, s.keyword) for s in parse_dockerfile(text).instructions] == keywords


def test_an_invalid_escape_directive_keeps_the_backslash():
    parsed = parse_dockerfile("# escape=!\nFROM x\nRUN a \\\n  b\nUSER 1\n", "D")
    assert [(s.line, s.keyword, s.rest) for s in parsed.instructions] == [
        (2, "FROM", "x"),
        (3, "RUN", "a   b"),
        (5, "USER", "1"),
    ]
    assert [d.code for d in parsed.problems] == ["invalid-escape-directive"]


def test_continued_lines_join_without_their_escape_character():
    (_, step) = parse_dockerfile("FROM x\nRUN a \\\n    # note\n  b \\\n  c\n").instructions
    assert step.rest == "a   b   c"


@pytest.mark.parametrize(
    "line, heredocs",
    [
        ("RUN <<EOF", [("EOF", False)]),
        ("RUN 3<<-'END' cat", [("END", True)]),
        ("RUN --network=none <<EOF", [("EOF", False)]),
        ('RUN ["sh", "-c", "x"] <<EOF', [("EOF", False)]),  # not JSON as a whole: a shell form
        ("RUN <<", []),
        ("RUN << EOF", []),
        ("RUN <<'A B'", [("A B", False)]),  # quotes group the word
        ("ONBUILD", []),
        ("ONBUILD COPY <<F /f", [("F", False)]),
        ("ONBUILD ENV A=<<F", []),
    ],
)
def test_heredoc_openers(line, heredocs):
    text = f"FROM x\n{line}\nF\nEOF\nEND\n"
    step = parse_dockerfile(text).instructions[1]
    assert [(h.delimiter, h.chomp) for h in step.heredocs] == heredocs


def test_numpy_specifiers_of_the_whole_file():
    parsed = parse_dockerfile("FROM x\nRUN pip install 'numpy>=1.24'\nRUN pip install numpy<2\n")
    assert parsed.numpy_specifiers == (">=1.24", "<2")
    assert parse_dockerfile("FROM x\n").numpy_specifiers == ()


def test_the_reader_reads_each_file_once_and_names_it_as_first_asked(tmp_path):
    (tmp_path / "a.dockerfile").write_text("FROM x\n")
    files = Dockerfiles(tmp_path)
    first = files.at(tmp_path / "a.dockerfile", "shown/a")
    assert first is not None and first.shown == "shown/a" and first.path == (tmp_path / "a.dockerfile").resolve()
    assert files.at(tmp_path / "." / "a.dockerfile", "other") is first
    assert files.at(tmp_path / "missing.dockerfile") is None
    (tmp_path / "missing.dockerfile").write_text("FROM x\n")
    assert files.at(tmp_path / "missing.dockerfile") is None  # decided once per run


def test_the_reader_has_no_dockerfile_for_a_remote_context(tmp_path):
    (tmp_path / "x.dockerfile").write_text("FROM x\n")
    project = parse_project(
        "version: 1\nimages:\n"
        "  local: {from: u:1, dockerfile: x.dockerfile}\n"
        "  remote: {from: u:1, dockerfile: x.dockerfile, context: 'https://github.com/o/r.git'}\n",
        tmp_path / "images.yaml",
    )
    files = Dockerfiles(tmp_path)
    local = files.get(project.images["local"])
    assert local is not None and local.path == (tmp_path / "x.dockerfile").resolve()
    assert files.get(project.images["remote"]) is None
    assert files.get(project.images["local"]) is local
    assert isinstance(files.root, Path)


@pytest.mark.parametrize(
    "text, value",
    [
        # with the escape directive `, a backslash in the old ENV form is text
        ("# escape=`\nFROM x\nENV WIN c:\\tools `\n  d:\\bin\n", ("WIN", "c:\\tools d:\\bin")),
        ("FROM x\nENV P a\\ b\n", ("P", "a b")),
        ("FROM x\nWORKDIR /my dir\n", ("/my dir",)),
        ("FROM x\nUSER  ma  user\n", ("ma user",)),
    ],
)
def test_configuration_values_follow_the_escape_character(text, value):
    ((step,),) = [stage.steps for stage in parse_dockerfile(text).stages]
    assert step.value == value


@pytest.mark.parametrize(
    "text, found",
    [
        # the escape character of the file applies to FROM, COPY/ADD and --from= words
        ("FROM a\\b\n", "ab"),
        ("# escape=`\nFROM a\\b\n", "a\\b"),
    ],
)
def test_from_words_follow_the_escape_character(text, found):
    assert parse_dockerfile(text).froms[0].image == found


def test_sources_and_context_names_follow_the_escape_character():
    parsed = parse_dockerfile("FROM x\nCOPY my\\ file.txt Xdir /dst/\nRUN --mount=type=bind,source=Xpkgs,target=/p true\n")
    assert parsed.context_sources == ("my file.txt", "Xdir", "Xpkgs")
    parsed = parse_dockerfile(
        "# escape=`\nFROM x\nCOPY --from=my\\ctx /a /b\nCOPY --from=Xtools /a /b\n"
        "RUN --mount=type=bind,from=run\\ctx,target=/r true\n"
    )
    assert [u.name for u in parsed.context_uses] == ["my\\ctx", "Xtools", "run\\ctx"]


@pytest.mark.parametrize(
    "text, keywords",
    [
        # an explicit `# escape=\` is the default, no problem
        ("# escape=\\\nFROM x\nRUN a \\\n  b\nUSER 1\n", [(2, "FROM"), (3, "RUN"), (5, "USER")]),
        # an indented comment is a comment
        ("   # indented comment\nFROM x\n", [(2, "FROM")]),
        # only blanks and tabs may follow the escape character of a continuation
        ("FROM x\nRUN a \\\x0b\nUSER 1\n", [(1, "FROM"), (2, "RUN"), (3, "USER")]),
        # a <<EOF heredoc is not ended by a tab-indented EOF; a <<-EOT one only by tabs, not other text
        ("FROM x\nRUN <<EOF\n\tEOF\nARG A\nEOF\nUSER 1\n", [(1, "FROM"), (2, "RUN"), (6, "USER")]),
        ("FROM x\nRUN <<-EOT\nXEOT\nARG A\n\tEOT\nUSER 1\n", [(1, "FROM"), (2, "RUN"), (6, "USER")]),
        # a heredoc word is read with \ as its escape character: <<E\OF ends at EOF
        ("FROM x\nRUN <<E\\OF\nARG A\nEOF\nUSER 1\n", [(1, "FROM"), (2, "RUN"), (5, "USER")]),
    ],
)
def test_more_directives_comments_continuations_and_heredocs(text, keywords):
    parsed = parse_dockerfile(text)
    assert [(s.line, s.keyword) for s in parsed.instructions] == keywords
    assert parsed.problems == ()


def test_an_escaped_quote_just_before_the_end_leaves_the_quote_open():
    # "x\" never closes: the words are read as plain white-space words, as for any open quote
    assert [(a.name, a.default) for a in parse_dockerfile('ARG A="x\\"\n').args] == [("A", '"x\\"')]


def test_defaults_of_a_parse_from_text():
    parsed = parse_dockerfile("FROM x\n")
    assert (parsed.shown, parsed.path, parsed.readable) == ("Dockerfile", Path("Dockerfile"), True)


def test_an_unreadable_file_is_not_readable(tmp_path):
    (tmp_path / "d").mkdir()
    parsed = read_dockerfile(tmp_path / "d", "d")
    assert parsed.readable is False and parsed.path == (tmp_path / "d").resolve()
    assert [(str(p.position), p.code) for p in parsed.problems] == [("d", "unreadable-dockerfile")]
    assert parsed.problems[0].message.startswith("cannot read Dockerfile: [Errno 21] Is a directory")


def test_a_heredoc_word_ending_in_an_open_quote_and_a_backslash_is_read_not_crashed_on():
    # with `# escape=`, a backslash ends the line without continuing it; heredoc words are
    # still read with \ as their escape character
    parsed = parse_dockerfile('# escape=`\nFROM x\nRUN <<"EOF\\\nUSER 1\n', "D")
    assert [(s.line, s.keyword) for s in parsed.instructions] == [(2, "FROM"), (3, "RUN")]
    assert [(str(p.position), p.code) for p in parsed.problems] == [("D:3", "unterminated-heredoc")]
