"""Hostile input, one row per member of each class: what `bakegen check` accepts, bake must
accept. Each row: an images.yaml (and files), the finding's code and message, and the proof
that nothing was written (the old bake file keeps its bytes)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import CONVENTIONAL_DOCKERFILE

HEAD = "version: 1\nvariables: {REGISTRY: r.example.com/team}\n"
OK = "{from: 'debian:bookworm', dockerfile: Dockerfile}"

ROWS = [
    # names: a full match, not Python's `$` that matches before a final newline
    ("id-ends-in-newline", 'images:\n  "a\\n": ' + OK, "invalid-id", "invalid image id 'a\n'"),
    ("group-ends-in-newline", "groups: {\"g\\n\": [a]}\nimages:\n  a: " + OK, "invalid-id", "invalid group name"),
    ("context-name-ends-in-newline",
     'images:\n  a: {from: "debian:bookworm", dockerfile: Dockerfile, contexts: {"c\\n": "target:b"}}\n  b: ' + OK,
     "invalid-context-name", "invalid context name"),
    # hand-typed target: contexts are dependencies
    ("target-to-itself", "images:\n  a: {from: 'debian:bookworm', dockerfile: Dockerfile, contexts: {x: 'target:a'}}",
     "cycle", "cycle in the image graph: a -> a"),
    ("target-to-nothing", "images:\n  a: {from: 'debian:bookworm', dockerfile: Dockerfile, contexts: {x: 'target:b'}}",
     "unknown-target", "context 'x': 'target:b' names no image of this file"),
    ("target-one-letter-off",
     "images:\n  base1: " + OK + "\n  a: {from: 'debian:bookworm', dockerfile: Dockerfile, contexts: {x: 'target:base2'}}",
     "unknown-target", "did you mean 'base1'?"),
    ("cycle-through-target",
     "images:\n  a: {from: b, dockerfile: Dockerfile}\n  b: {from: 'debian:bookworm', dockerfile: Dockerfile, "
     "contexts: {x: 'target:a'}}", "cycle", "cycle in the image graph"),
    ("group-cycle", "groups: {g: [h], h: [g]}\nimages:\n  a: " + OK, "group-cycle", "groups g -> h -> g"),
    ("group-self", "groups: {g: [g]}\nimages:\n  a: " + OK, "group-cycle", "groups g -> g"),
    # NUL anywhere it would reach the build
    ("nul-in-arg", 'images:\n  a: {from: "debian:bookworm", dockerfile: Dockerfile, args: {X: "a\\0b"}}',
     "nul-character", "a: args.X contains a NUL character"),
    ("nul-in-label", 'images:\n  a: {from: "debian:bookworm", dockerfile: Dockerfile, labels: {x: "\\0"}}',
     "nul-character", "a: labels.x contains a NUL character"),
    ("nul-in-from", 'images:\n  a: {from: "debian:\\0bookworm", dockerfile: Dockerfile}',
     "nul-character", "a: from contains a NUL character"),
    # tags that are not image references
    ("uppercase-repository", "images:\n  a: {from: 'debian:bookworm', dockerfile: Dockerfile, tags: ['MyApp:1']}",
     "invalid-tag", "upper-case letters"),
    ("double-colon", "images:\n  a: {from: 'debian:bookworm', dockerfile: Dockerfile, tags: ['x::1']}",
     "invalid-tag", "the tag ':1' may only use"),
    ("tag-over-128", "images:\n  a: {from: 'debian:bookworm', dockerfile: Dockerfile, tags: ['x:" + "a" * 129 + "']}",
     "invalid-tag", "longer than 128 characters"),
    ("from-not-a-reference", "images:\n  a: {from: 'Debian:bookworm', dockerfile: Dockerfile}",
     "invalid-reference", "upper-case letters"),
    # REGISTRY
    ("registry-with-space", "images:\n  a: {from: 'debian:bookworm', dockerfile: Dockerfile, tags: ['x:1']}",
     "invalid-registry", "contains white space", {"REGISTRY": "my org"}),
    ("registry-trailing-slash", "images:\n  a: {from: 'debian:bookworm', dockerfile: Dockerfile, tags: ['x:1']}",
     "invalid-registry", "ends in '/'", {"REGISTRY": "r.example.com/team/"}),
    # platforms BuildKit does not know
    ("unknown-platform", "images:\n  a: {from: 'debian:bookworm', dockerfile: Dockerfile, platforms: [linux/amd65]}",
     "unknown-platform", "unknown architecture 'amd65'; did you mean 'linux/amd64'?"),
    ("platform-newline", 'images:\n  a: {from: "debian:bookworm", dockerfile: Dockerfile, platforms: ["linux/arm64\\n"]}',
     "unknown-platform", "a platform is os/arch"),
    # from: an image of this file written with a tag
    ("own-id-with-tag", "images:\n  python-3-10: " + OK + "\n  a: {from: 'python-3-10:latest', dockerfile: Dockerfile}",
     "unknown-parent", "write 'from: python-3-10'"),
    # files the bake file would name
    ("named-context-is-a-file",
     "images:\n  a: {from: 'debian:bookworm', dockerfile: Dockerfile, contexts: {wheels: Dockerfile}}",
     "named-context-not-folder", "named context 'Dockerfile' is not a folder"),
    ("secret-file-missing",
     "images:\n  a: {from: 'debian:bookworm', dockerfile: Dockerfile, secrets: ['id=pip,src=pip.conf']}",
     "missing-secret", "secret file 'pip.conf' does not exist"),
    ("context-path-one-letter-off-an-image",
     "images:\n  tools: " + OK + "\n  a: {from: 'debian:bookworm', dockerfile: Dockerfile, contexts: {t: tool}}",
     "missing-named-context", "did you mean 'tools'?"),
]


def _row(row):
    name, body, code, fragment, *rest = row
    variables = rest[0] if rest else None
    return pytest.param(body, code, fragment, variables, id=name)


@pytest.mark.parametrize("body, code, fragment, variables", [_row(r) for r in ROWS])
def test_check_refuses_what_bake_would_refuse(tmp_path, body, code, fragment, variables):
    head = HEAD if variables is None else "version: 1\nvariables: " + json.dumps(variables) + "\n"
    (tmp_path / "images.yaml").write_text(head + textwrap.dedent(body) + "\n")
    (tmp_path / "Dockerfile").write_text(CONVENTIONAL_DOCKERFILE)
    (tmp_path / "docker-bake.hcl").write_text("# the old bake file\n")
    result = subprocess.run(
        [sys.executable, "-m", "bakegen", "check", "--json"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    findings = json.loads(result.stdout)
    assert any(f["code"] == code and fragment in f["message"] and f["line"] for f in findings), findings
    generated = subprocess.run([sys.executable, "-m", "bakegen"], cwd=tmp_path, capture_output=True, text=True)
    if generated.returncode != 0:  # generate refuses what would make the bake file invalid...
        assert (tmp_path / "docker-bake.hcl").read_text() == "# the old bake file\n"
        assert "Traceback" not in generated.stderr and generated.stderr.count("\n") >= 1
    else:  # ...and warns about what only a build would trip over
        assert "warning:" in generated.stderr, generated.stderr


# --- outputs: never a hang, never a write where it does not belong -------------------------


def bakegen(*args, cwd, timeout=30):
    return subprocess.run(
        [sys.executable, "-m", "bakegen", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def project(tmp_path):
    (tmp_path / "images.yaml").write_text(HEAD + "images:\n  a: " + OK + "\n")
    (tmp_path / "Dockerfile").write_text(CONVENTIONAL_DOCKERFILE)
    return tmp_path


def test_a_fifo_as_output_is_refused_without_blocking(project):
    import os

    os.mkfifo(project / "out.hcl")
    for args in (("-o", "out.hcl"), ("--check", "-o", "out.hcl"), ("graph", "-o", "out.hcl")):
        result = bakegen(*args, cwd=project, timeout=20)  # a read or write of a FIFO would block
        assert result.returncode == 1, result
        assert "not a regular file" in result.stderr and "Traceback" not in result.stderr


def test_dev_stdout_is_refused_with_the_way_to_print(project):
    result = bakegen("-o", "/dev/stdout", cwd=project)
    assert result.returncode == 1 and "use -o - to print to standard output" in result.stderr


def test_dash_means_standard_output(project):
    result = bakegen("-o", "-", cwd=project)
    assert result.returncode == 0 and result.stdout.startswith("# Generated by bakegen from images.yaml")
    assert not (project / "-").exists() and not (project / "docker-bake.hcl").exists()
    graph = bakegen("graph", "-o", "-", cwd=project)
    assert graph.returncode == 0 and "flowchart TD" in graph.stdout and not (project / "-").exists()
    assert bakegen("--check", "-o", "-", cwd=project).returncode == 2


def test_check_is_byte_exact(project):
    assert bakegen(cwd=project).returncode == 0
    bake_file = project / "docker-bake.hcl"
    bake_file.write_bytes(bake_file.read_bytes().replace(b"\n", b"\r\n"))
    result = bakegen("--check", cwd=project)
    assert result.returncode == 1 and "differs only in line endings" in result.stdout


def test_a_path_with_a_newline_cannot_inject_hcl_or_mermaid(tmp_path):
    from tests import hclread

    folder = tmp_path / 'x\ntarget "evil" {'
    folder.mkdir()
    (folder / "images.yaml").write_text(HEAD + "images:\n  a: " + OK + "\n")
    out = tmp_path / "out"
    out.mkdir()
    assert bakegen("-f", str(folder / "images.yaml"), "-o", str(out / "docker-bake.hcl"), cwd=tmp_path).returncode == 0
    text = (out / "docker-bake.hcl").read_text()
    assert set(hclread.targets(text)) == {"a", "a-test"}
    assert all(line.startswith("#") for line in text.splitlines()[:2])
    graph = bakegen("graph", "-f", str(folder / "images.yaml"), "-o", str(out / "g.md"), cwd=tmp_path)
    assert graph.returncode == 0
    lines = (out / "g.md").read_text().splitlines()
    assert lines[1].startswith("%% Generated by bakegen from ") and lines[2] == "flowchart TD"


def test_a_description_cannot_break_the_markdown_fence(project):
    (project / "images.yaml").write_text(
        HEAD + 'images:\n  a: {from: "debian:bookworm", dockerfile: Dockerfile, description: "x\\n```\\n# y `"}\n'
    )
    assert bakegen("graph", "-o", "g.md", cwd=project).returncode == 0
    lines = (project / "g.md").read_text().splitlines()
    assert [n for n, line in enumerate(lines) if line.startswith("```")] == [0, len(lines) - 1]


# --- options mean one thing; dependencies are dependencies everywhere ------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (("-f", "images.yaml", "check", "-f", "other.yaml"), "-f is given twice with different values"),
        (("-o", "a.hcl", "generate", "-o", "b.hcl"), "-o is given twice with different values"),
        (("matrix", "--leaves", "--waves"), "--leaves and --waves do not go together"),
    ],
)
def test_an_option_never_silently_loses_a_value(project, args, message):
    result = bakegen(*args, cwd=project)
    assert result.returncode == 2 and message in result.stderr


def test_the_same_option_twice_with_one_value_is_fine(project):
    assert bakegen("-f", "images.yaml", "check", "-f", "images.yaml", cwd=project).returncode == 0


def test_matrix_needs_counts_images_named_in_contexts(project):
    (project / "images.yaml").write_text(
        HEAD + "images:\n  a: " + OK + "\n  helper: " + OK + "\n"
        "  b: {from: a, dockerfile: Dockerfile, contexts: {tools: 'target:helper'}}\n"
    )
    result = bakegen("matrix", "b", cwd=project)
    (job,) = json.loads(result.stdout)["include"]
    assert job["needs"] == ["a", "helper"]
    waves = json.loads(bakegen("matrix", "--waves", "b", cwd=project).stdout)
    assert waves == [["a", "helper"], ["b"]]


def test_non_ascii_prints_without_a_traceback_when_stdout_is_not_utf8(project):
    (project / "images.yaml").write_text(
        HEAD + 'images:\n  a: {from: "debian:bookworm", dockerfile: Dockerfile, description: "中文 é"}\n', encoding="utf-8"
    )
    import os

    env = {**os.environ, "PYTHONIOENCODING": "ascii", "LANG": "C", "LC_ALL": "C"}
    for args in (("list",), ("list", "--json"), ("graph",), ("matrix",)):
        result = subprocess.run([sys.executable, "-m", "bakegen", *args], cwd=project, env=env, capture_output=True)
        assert result.returncode == 0 and b"Traceback" not in result.stderr, (args, result.stderr)


def test_sigterm_cleans_up_like_ctrl_c(tmp_path):
    """A generation stopped by SIGTERM leaves no temporary file and the old bake file intact."""
    import os
    import signal
    import time

    (tmp_path / "images.yaml").write_text(HEAD + "images:\n" + "".join(
        f"  i{n}: {{from: 'debian:bookworm', dockerfile: Dockerfile, tags: ['x:{n}']}}\n" for n in range(20000)
    ))
    (tmp_path / "Dockerfile").write_text(CONVENTIONAL_DOCKERFILE)
    (tmp_path / "docker-bake.hcl").write_text("# old\n")
    process = subprocess.Popen([sys.executable, "-m", "bakegen"], cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert "Traceback" not in stderr
    if process.returncode != 0:  # stopped before it finished (a fast machine may finish first)
        assert process.returncode == 143 and "terminated" in stderr
        assert (tmp_path / "docker-bake.hcl").read_text() == "# old\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert os.listdir(tmp_path)


def test_a_killed_runs_partial_file_is_removed_by_the_next_run(project):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    leftover = project / f".docker-bake.hcl.bakegen-{dead.stdout.strip()}-abc123.tmp"
    leftover.write_text("half a bake file")
    unrelated = project / ".docker-bake.hcl.mine.tmp"
    unrelated.write_text("not bakegen's")
    assert bakegen(cwd=project).returncode == 0
    assert not leftover.exists() and unrelated.exists()
    assert (project / "docker-bake.hcl").read_text().startswith("# Generated by bakegen")


# --- messages a person can act on ---------------------------------------------------------------


@pytest.mark.parametrize(
    "content, expected",
    [
        ("version: 1\n".encode("utf-16"),
         "images.yaml:1:1: error: the file is UTF-16 (it starts with a UTF-16 byte order mark); bakegen reads "
         "UTF-8: convert it, e.g. `iconv -f UTF-16 -t UTF-8`"),
        (b"version: 1\n# caf\xe9\n",
         "images.yaml:2:6: error: byte 0xe9 is not UTF-8 (the file looks like Latin-1 or another 8-bit encoding); "
         "bakegen reads UTF-8: save it as UTF-8"),
        (b'version: 1\nimages:\n  a: {from: "x\x00y", dockerfile: D}\n',
         "images.yaml:3:15: error: invalid YAML: the character U+0000 is not allowed in YAML text; remove it"),
        (b"version: true\nimages: {a: {from: 'u:1', dockerfile: D}}\n",
         "images.yaml:1:10: error: unsupported version 'true': this bakegen reads 'version: 1'"),
        (b'version: 1\nimages: {a: {from: "x\\ny", dockerfile: D}}\n',
         "images.yaml:2:20: error: unknown parent 'x\\ny'"),
    ],
)
def test_messages_name_the_place_and_stay_on_one_line(tmp_path, content, expected):
    (tmp_path / "images.yaml").write_bytes(content)
    result = bakegen("check", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0].startswith(expected), result.stderr


def test_a_docker_hub_tag_is_not_an_image_of_this_file_pushed_elsewhere(project):
    """`python:3.10` from Docker Hub is not this file's `python:3.10` pushed as <REGISTRY>/python:3.10."""
    (project / "images.yaml").write_text(
        HEAD + "images:\n  py: {from: 'debian:bookworm', dockerfile: Dockerfile, tags: ['python:3.10']}\n"
        "  app: {from: 'python:3.10', dockerfile: Dockerfile}\n"
        "  app2: {from: 'r.example.com/team/python:3.10', dockerfile: Dockerfile}\n"
    )
    findings = json.loads(bakegen("check", "--json", cwd=project).stdout)
    assert [(f["code"], f["line"]) for f in findings if f["code"] == "from-own-tag"] == [("from-own-tag", 6)]


def test_no_output_replaces_an_input_of_the_project(project):
    (project / "Dockerfile").write_text(
        CONVENTIONAL_DOCKERFILE + "COPY app/ /app/\nRUN --mount=type=bind,source=tools/x.sh,target=/x.sh sh /x.sh\n"
    )
    (project / "images.yaml").write_text(
        HEAD + "images:\n  a: {from: 'debian:bookworm', dockerfile: Dockerfile, secrets: ['id=s,src=s.txt']}\n"
    )
    for name, text in {"app/main.py": "print()\n", "tools/x.sh": "true\n", "s.txt": "secret\n"}.items():
        (project / name).parent.mkdir(exist_ok=True)
        (project / name).write_text(text)
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    for target in ("Dockerfile", "app/main.py", "tools/x.sh", "s.txt"):
        for args in (("-o", target), ("graph", "-o", target)):
            result = bakegen(*args, cwd=project)
            assert result.returncode == 1 and "refusing to write over the input" in result.stderr, (args, result.stderr)
    assert {p: p.read_bytes() for p in project.rglob("*") if p.is_file()} == before
    assert bakegen("-o", "docker-bake.hcl", cwd=project).returncode == 0  # a new file in the context is fine
    assert bakegen("-o", "docker-bake.hcl", cwd=project).returncode == 0  # and so is writing it again


def test_images_yaml_from_stdin_keeps_paths_in_the_working_directory(project):
    text = (project / "images.yaml").read_text()
    result = subprocess.run(
        [sys.executable, "-m", "bakegen", "-f", "/dev/stdin"], cwd=project, input=text, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert (project / "docker-bake.hcl").exists() and 'context = "."' in (project / "docker-bake.hcl").read_text()
    assert "/dev" not in result.stderr


def test_the_bake_file_may_be_rewritten_even_when_a_dockerfile_copies_the_whole_context(project):
    (project / "Dockerfile").write_text(CONVENTIONAL_DOCKERFILE + "COPY . /src\n")
    assert bakegen(cwd=project).returncode == 0
    (project / "images.yaml").write_text((project / "images.yaml").read_text().replace("Dockerfile}", "Dockerfile, tags: ['x:1']}"))
    result = bakegen(cwd=project)
    assert result.returncode == 0, result.stderr
    assert "x:1" in (project / "docker-bake.hcl").read_text()
    (project / "notes.txt").write_text("mine\n")  # a file of the project the Dockerfile copies
    assert bakegen("-o", "notes.txt", cwd=project).returncode == 1
    assert (project / "notes.txt").read_text() == "mine\n"


def test_a_build_that_fails_on_its_arguments_leaves_the_bake_file_as_it_was(project):
    assert bakegen(cwd=project).returncode == 0
    before = (project / "docker-bake.hcl").read_bytes()
    (project / "images.yaml").write_text((project / "images.yaml").read_text() + "  b: " + OK + "\n")  # now stale
    result = bakegen("build", "A", "--builder", "none", cwd=project)
    assert result.returncode == 2 and "unknown target 'A'; did you mean 'a'?" in result.stderr
    assert (project / "docker-bake.hcl").read_bytes() == before


def test_the_build_failure_summary_keeps_what_the_step_printed():
    from bakegen.commands.build import failure_summary

    plain = (
        "#7 [app 2/2] RUN foo --bar\n#7 0.105 /bin/sh: 1: foo: not found\n#7 ERROR: process did not complete\n"
        "------\n > [app 2/2] RUN foo --bar:\n0.105 /bin/sh: 1: foo: not found\n------\n"
        "Dockerfile:3\n--------------------\nERROR: failed to build: process \"/bin/sh -c foo --bar\" did not "
        "complete successfully: exit code: 127\n"
    )
    assert failure_summary(plain).splitlines() == [
        "failing step [app 2/2] RUN foo --bar",
        "  it printed: /bin/sh: 1: foo: not found",
        'ERROR: failed to build: process "/bin/sh -c foo --bar" did not complete successfully: exit code: 127',
    ]
