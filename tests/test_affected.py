"""`bakegen affected` and `matrix --affected-since`: which images a change since a git ref
affects, in temporary git repositories, with a small images.yaml of every kind of link:

    ubuntu:22.04 -> python -> cann -> torch -> app        (app also names wheel-maker as a
                          \\-> wheel-maker ------------/    named context: a diamond)
    ubuntu:22.04 -> other
"""

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bakegen.affected import covers
from bakegen.cli import main
from bakegen.errors import BakegenError
from bakegen.model import parse_project
from tests.conftest import REPO

IMAGES = """\
# the test project
version: 1
variables: {REGISTRY: reg.example.com/team}
defaults:
  platforms: [linux/amd64]
  args: {PIP_INDEX_URL: "https://pypi.org/simple"}
images:
  python:
    from: ubuntu:22.04
    dockerfile: dockerfiles/python.dockerfile
    args: {PYTHON_VERSION: "3.10"}
    tags: ["python:3.10"]
  cann:
    from: python
    dockerfile: dockerfiles/cann.dockerfile
    args: {CANN_VERSION: 8.3.RC1, CHIP: 910b}
    contexts: {cann-packages: packages/cann}
  torch:
    from: cann
    dockerfile: dockerfiles/torch.dockerfile
    args: {TORCH_VERSION: 2.7.1, TORCH_NPU_VERSION: 2.7.1}
    tests: ["python3 -c 'import torch'"]
  wheel-maker:
    from: python
    dockerfile: dockerfiles/wheels.dockerfile
  app:
    from: torch
    dockerfile: dockerfiles/app.dockerfile
    contexts: {wheels: wheel-maker}
    inputs: ["requirements/*.txt"]
  other:
    from: ubuntu:22.04
    dockerfile: dockerfiles/other.dockerfile
    args: {PIP_INDEX_URL: "https://mirror.example.com/simple"}
"""
BASE = "ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\n"
FILES = {
    "images.yaml": IMAGES,
    "dockerfiles/python.dockerfile": BASE + "COPY scripts/setup.sh /usr/local/bin/\n",
    "dockerfiles/cann.dockerfile": BASE + "RUN --mount=type=bind,from=cann-packages,target=/p true\n",
    "dockerfiles/torch.dockerfile": BASE + "RUN true\n",
    "dockerfiles/wheels.dockerfile": BASE + "RUN true\n",
    "dockerfiles/app.dockerfile": BASE + "COPY app/ /opt/app/\nCOPY --from=wheels /w /w\n",
    "dockerfiles/other.dockerfile": BASE + "RUN true\n",
    "scripts/setup.sh": "echo setup\n",
    "scripts/unused.sh": "echo nobody copies me\n",
    "app/main.py": "print('app')\n",
    "packages/cann/README.md": "put the .run files here\n",
    "packages/cann/.gitignore": "*.run\n",
    "requirements/base.txt": "flask==3.1.0\n",
    "README.md": "the project\n",
    "docs/guide.md": "a guide\n",
}
ALL = ["other", "python", "cann", "wheel-maker", "torch", "app"]  # build order


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def commit(root: Path, message: str = "change") -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, FILES)
    commit(root, "the project")
    monkeypatch.chdir(root)
    return root


def affected(*args: str) -> list[str]:
    """What `bakegen affected --since HEAD ARGS` prints, line by line."""
    out = run("affected", "--since", "HEAD", *args)
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text()
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1))


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run(*args: str, cwd: Path | None = None) -> Ran:
    """bakegen in this process (a process each would double the time of this file); the
    tests of what a user sees in a terminal run it as a process (``run_process``)."""
    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse
                code = int(exc.code or 0)
    finally:
        os.chdir(here)
    return Ran(code, out.getvalue(), err.getvalue())


def run_process(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bakegen", *args], capture_output=True, text=True, cwd=cwd)


# --- images.yaml, by meaning -------------------------------------------------------------------


def test_a_clean_tree_affects_nothing(repo):
    assert affected() == []
    assert affected("--tests") == []


def test_reformatting_images_yaml_affects_nothing(repo):
    data = yaml.safe_load(IMAGES)
    # another layout, other comments, keys sorted, block style, quotes changed: the same images
    (repo / "images.yaml").write_text("# rewritten\n" + yaml.safe_dump(data, sort_keys=True, default_flow_style=False))
    edit(repo, "images.yaml", "PYTHON_VERSION: '3.10'", 'PYTHON_VERSION: "3.10"   # as before')
    assert affected() == []


def test_an_entry_changed_by_meaning_affects_the_image_and_what_is_built_on_it(repo):
    edit(repo, "images.yaml", "TORCH_VERSION: 2.7.1,", "TORCH_VERSION: 2.7.1, EXTRA: x,")
    assert affected() == ["torch", "app"]
    assert affected("--why") == ["torch: images.yaml: args changed", "app: built on torch, which is rebuilt"]


def test_a_committed_change_counts_as_much_as_an_uncommitted_one(repo):
    edit(repo, "images.yaml", 'tags: ["python:3.10"]', 'tags: ["python:3.10", "python:3"]')
    commit(repo)
    assert affected() == []
    out = run("affected", "--since", "HEAD~1")
    assert out.stdout.split() == ["python", "cann", "wheel-maker", "torch", "app"]


def test_a_changed_default_affects_the_images_that_inherit_it(repo):
    # other sets PIP_INDEX_URL itself, so the default does not reach it
    edit(repo, "images.yaml", 'PIP_INDEX_URL: "https://pypi.org/simple"', 'PIP_INDEX_URL: "https://pypi.example.com"')
    assert affected() == ["python", "cann", "wheel-maker", "torch", "app"]


def test_the_registry_variable_moves_the_tags_it_prefixes(repo):
    edit(repo, "images.yaml", "REGISTRY: reg.example.com/team", "REGISTRY: swr.cn-north-4.myhuaweicloud.com/org")
    # python's tag has no registry host, so it is pushed elsewhere now; what is built on it follows
    assert affected() == ["python", "cann", "wheel-maker", "torch", "app"]


def test_a_new_image_is_affected_and_a_deleted_one_is_simply_gone(repo):
    edit(
        repo,
        "images.yaml",
        "  other:\n",
        "  extra:\n    from: python\n    dockerfile: dockerfiles/torch.dockerfile\n  other:\n",
    )
    assert affected("--why") == ["extra: new since HEAD"]
    write(repo, {"images.yaml": IMAGES.split("  other:\n")[0]})  # other deleted
    assert affected() == []


def test_a_renamed_image_is_a_new_one(repo):
    (repo / "images.yaml").write_text(IMAGES.replace("  app:", "  application:"))
    assert affected() == ["application"]


def test_images_of_a_matrix_entry_are_compared_one_by_one(repo):
    entry = (
        "  torch-{{torch}}:\n    from: cann\n    dockerfile: dockerfiles/torch.dockerfile\n"
        "    args: {TORCH_VERSION: '{{torch}}', TORCH_NPU_VERSION: '{{torch}}'}\n"
        "    matrix: {torch: [2.7.1, 2.8.0]}\n"
    )
    write(repo, {"images.yaml": IMAGES + entry})
    commit(repo)
    # the same images, written out by hand: nothing changed
    (repo / "images.yaml").write_text(
        IMAGES
        + "".join(
            f"  torch-{v.replace('.', '-')}:\n    from: cann\n    dockerfile: dockerfiles/torch.dockerfile\n"
            f"    args: {{TORCH_VERSION: '{v}', TORCH_NPU_VERSION: '{v}'}}\n"
            for v in ("2.7.1", "2.8.0")
        )
    )
    assert affected() == []
    write(repo, {"images.yaml": IMAGES + entry.replace("[2.7.1, 2.8.0]", "[2.7.1, 2.8.0, 2.6.0]")})
    assert affected() == ["torch-2-6-0"]


# --- files ------------------------------------------------------------------------------------


def test_a_changed_dockerfile_affects_its_images_and_their_descendants(repo):
    edit(repo, "dockerfiles/cann.dockerfile", "true", "echo changed")
    assert affected() == ["cann", "torch", "app"]


def test_a_file_the_dockerfile_copies_from_the_context(repo):
    edit(repo, "scripts/setup.sh", "setup", "set up")
    assert affected() == ["python", "cann", "wheel-maker", "torch", "app"]
    assert (
        "python: scripts/setup.sh changed (read from its build context)"
        in run("affected", "--since", "HEAD", "--why").stdout.splitlines()
    )


def test_a_file_in_a_copied_folder(repo):
    write(repo, {"app/lib/util.py": "x = 1\n"})  # untracked, not ignored: it will be copied
    assert affected() == ["app"]


def test_files_no_image_reads_affect_nothing(repo):
    # in the build context of every image, but no Dockerfile copies or mounts them
    edit(repo, "scripts/unused.sh", "nobody", "still nobody")
    edit(repo, "README.md", "project", "project, changed")
    write(repo, {"docs/new.md": "new\n"})
    (repo / "docs/guide.md").unlink()
    assert affected() == []


def test_a_file_in_a_local_named_context(repo):
    edit(repo, "packages/cann/README.md", "here", "here, please")
    assert affected() == ["cann", "torch", "app"]


def test_a_file_git_ignores_is_not_seen(repo):
    write(repo, {"packages/cann/Ascend-cann-toolkit_8.3.RC1_linux-x86_64.run": "installer"})
    assert affected() == []


def test_a_deletion_counts(repo):
    (repo / "packages/cann/README.md").unlink()
    assert affected() == ["cann", "torch", "app"]
    git(repo, "rm", "-q", "app/main.py")
    assert affected() == ["cann", "torch", "app"]


@pytest.mark.parametrize(
    "old, new, expected",
    [
        # the old name is read (the build now fails: it must run to say so)
        ("scripts/setup.sh", "scripts/setup-renamed.sh", ["python", "cann", "wheel-maker", "torch", "app"]),
        # the new name is read
        ("docs/guide.md", "app/guide.md", ["app"]),
        # neither is read
        ("docs/guide.md", "docs/manual.md", []),
    ],
)
def test_a_rename_counts_both_names(repo, old, new, expected):
    (repo / new).parent.mkdir(parents=True, exist_ok=True)
    git(repo, "mv", old, new)
    assert affected() == expected
    commit(repo, "renamed")
    out = run("affected", "--since", "HEAD~1")
    assert out.stdout.split() == expected


def test_inputs_globs(repo):
    edit(repo, "requirements/base.txt", "3.1.0", "3.1.1")
    assert affected() == ["app"]
    assert (
        "app: requirements/base.txt changed (inputs: requirements/*.txt)"
        in run("affected", "--since", "HEAD", "--why").stdout.splitlines()
    )


def test_an_inputs_star_stays_within_its_folder(repo):
    write(repo, {"requirements/extra/dev.txt": "pytest\n"})
    assert affected() == []
    edit(repo, "images.yaml", 'inputs: ["requirements/*.txt"]', 'inputs: ["requirements/**/*.txt"]')
    assert affected() == ["app"]  # ** crosses folders; the new inputs: alone would change nothing


def test_inputs_are_inherited_from_defaults(repo):
    edit(repo, "images.yaml", "defaults:\n", "defaults:\n  inputs: [docs]\n")
    commit(repo)
    edit(repo, "docs/guide.md", "guide", "guide, changed")
    assert affected() == ALL
    # except app, whose own inputs: replace the default (as lists in defaults do): it is only built on torch
    assert affected("--why")[-2:] == [
        "torch: docs/guide.md changed (inputs: docs)",
        "app: built on torch, which is rebuilt",
    ]


def test_a_diamond_through_an_extra_named_context(repo):
    edit(repo, "dockerfiles/wheels.dockerfile", "true", "pip wheel .")
    assert affected() == ["wheel-maker", "app"]


def test_a_dockerfile_that_copies_the_whole_context_reads_every_file_in_it(repo):
    edit(repo, "dockerfiles/other.dockerfile", "RUN true", "COPY . /src")
    commit(repo)
    edit(repo, "docs/guide.md", "guide", "guide, changed")
    assert affected() == ["other"]


@pytest.mark.parametrize(
    "instruction",
    [
        "COPY ${SOURCE} /src",  # a variable: known only at build time
        "RUN --mount=target=/src true",  # a bind mount (the default type) of the whole context
    ],
)
def test_a_dockerfile_whose_context_reads_are_not_known_reads_every_file(repo, instruction):
    edit(repo, "dockerfiles/other.dockerfile", "RUN true", "ARG SOURCE=docs\n" + instruction)
    commit(repo)
    edit(repo, "README.md", "project", "project, changed")
    assert affected() == ["other"]


def test_images_yaml_in_a_folder_of_the_repository(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    (root / "images").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    write(root / "images", FILES)
    write(root, {"scripts/setup.sh": "not this one\n"})
    commit(root)
    monkeypatch.chdir(root)
    edit(root, "scripts/setup.sh", "not", "still not")
    assert run("affected", "--since", "HEAD", "-f", "images/images.yaml").stdout.split() == []
    edit(root, "images/scripts/setup.sh", "setup", "set up")
    out = run("affected", "--since", "HEAD", "-f", "images/images.yaml")
    assert out.stdout.split() == ["python", "cann", "wheel-maker", "torch", "app"]
    # and from inside that folder, finding images.yaml by itself
    out = run("affected", "--since", "HEAD", cwd=root / "images")
    assert out.stdout.split() == ["python", "cann", "wheel-maker", "torch", "app"]


# --- compat -----------------------------------------------------------------------------------


def test_a_compat_change_affects_the_images_it_judges_differently(repo):
    # CANN 8.3.RC1 without torch_npu 2.7.1: torch's stack is now refused (and app is built on it)
    edit(repo, "images.yaml", "images:\n", "compat:\n  cann:\n    8.3.RC1: {torch_npu: [2.8.0]}\nimages:\n")
    assert affected() == ["torch", "app"]
    out = run("affected", "--since", "HEAD", "--why")
    assert "torch: the version rules judge its stack differently under the changed compat: section" in out.stdout


def test_a_compat_change_that_judges_no_image_differently_affects_nothing(repo):
    edit(repo, "images.yaml", "images:\n", "compat:\n  cann:\n    9.9.0: {torch_npu: [2.13.0]}\nimages:\n")
    assert affected() == []


def test_a_compat_entry_for_a_release_the_table_lacks_affects_the_image_that_uses_it(repo):
    edit(repo, "images.yaml", "CANN_VERSION: 8.3.RC1", "CANN_VERSION: 9.9.0")
    commit(repo)  # unknown release: a warning at cann
    edit(
        repo, "images.yaml", "images:\n", "compat:\n  cann:\n    9.9.0: {torch_npu: [2.7.1], operators: ops}\nimages:\n"
    )
    assert affected() == ["cann", "torch", "app"]


# --- tests only -------------------------------------------------------------------------------


def test_a_change_only_to_tests_retests_without_rebuilding(repo):
    edit(repo, "images.yaml", "import torch", "import torch, torch_npu")
    assert affected() == []
    assert affected("--tests") == ["torch", "app"]  # app runs the checks of torch too
    out = run("affected", "--since", "HEAD", "--tests", "--why")
    assert "torch: images.yaml: tests changed" in out.stdout.splitlines()
    assert "app: runs the checks of torch, which changed" in out.stdout.splitlines()


def test_service_and_skip_tests_changes_retest(repo):
    edit(
        repo,
        "images.yaml",
        'inputs: ["requirements/*.txt"]',
        'inputs: ["requirements/*.txt"]\n    service: {port: 8080, health: /health}\n    skip-tests: [ma-user]',
    )
    assert affected() == []
    assert affected("--tests") == ["app"]


def test_tests_lists_the_rebuilt_images_too(repo):
    edit(repo, "images.yaml", "import torch", "import torch, torch_npu")
    edit(repo, "dockerfiles/wheels.dockerfile", "true", "pip wheel .")
    assert affected() == ["wheel-maker", "app"]
    assert affected("--tests") == ["wheel-maker", "torch", "app"]


# --- the command line -------------------------------------------------------------------------


def test_targets_restrict_the_list(repo):
    edit(repo, "scripts/setup.sh", "setup", "set up")
    assert affected("torch", "other") == ["torch"]
    out = run("affected", "--since", "HEAD", "nosuch")
    assert out.returncode == 2 and "unknown target 'nosuch'" in out.stderr


def test_a_ref_the_clone_does_not_have(repo):
    out = run_process("affected", "--since", "origin/no-such-branch")
    assert out.returncode == 1
    assert "git ref 'origin/no-such-branch' is not in this clone" in out.stderr
    assert "git fetch --deepen" in out.stderr and "fetch-depth: 0" in out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""


def test_a_shallow_clone_says_so(repo, tmp_path):
    commit(repo, "second")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)], check=True)
    out = run_process("affected", "--since", "HEAD~1", cwd=clone)
    assert out.returncode == 1
    assert "git ref 'HEAD~1' is not in this clone (this clone is shallow" in out.stderr
    assert "Traceback" not in out.stderr
    assert run("affected", "--since", "HEAD", cwd=clone).returncode == 0


def test_outside_a_git_repository(tmp_path):
    write(tmp_path, FILES)
    out = run_process("affected", "--since", "main", cwd=tmp_path)
    assert out.returncode == 1
    assert "is not in a git repository" in out.stderr and "fetch-depth: 0" in out.stderr
    assert "Traceback" not in out.stderr


def test_a_ref_that_looks_like_an_option_is_a_ref(repo):
    out = run("affected", "--since=--output=/tmp/x")
    assert out.returncode == 1 and "git ref '--output=/tmp/x' is not in this clone" in out.stderr


def test_images_yaml_new_since_the_ref(repo):
    git(repo, "rm", "-q", "--cached", "images.yaml")
    git(repo, "commit", "-q", "-m", "images.yaml not committed")
    assert affected("--why")[0] == "other: new since HEAD"
    assert affected() == ALL


def commit_broken_images_yaml(repo):
    """HEAD gets an images.yaml that does not load (an unknown parent); the working tree's is fixed again."""
    edit(
        repo,
        "images.yaml",
        "from: python\n    dockerfile: dockerfiles/cann",
        "from: pyton\n    dockerfile: dockerfiles/cann",
    )
    commit(repo, "broken")
    edit(repo, "images.yaml", "from: pyton", "from: python")


def test_an_invalid_images_yaml_at_the_ref_affects_everything_with_a_warning(repo):
    commit_broken_images_yaml(repo)
    out = run("affected", "--since", "HEAD")
    assert out.returncode == 0
    assert out.stdout.split() == ALL
    assert "warning: images.yaml at HEAD does not load (unknown parent 'pyton'" in out.stderr
    assert "HEAD:images.yaml:" in out.stderr and "every image counts as affected" in out.stderr


def test_the_current_images_yaml_invalid_is_an_error(repo):
    edit(
        repo,
        "images.yaml",
        "from: python\n    dockerfile: dockerfiles/cann",
        "from: pyton\n    dockerfile: dockerfiles/cann",
    )
    out = run("affected", "--since", "HEAD")
    assert out.returncode == 1 and "unknown parent 'pyton'" in out.stderr and "Traceback" not in out.stderr


def test_help_says_what_is_compared(capsys):
    with pytest.raises(SystemExit):
        main(["affected", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "compared with the working tree as it is now (committed, staged, unstaged and untracked changes" in text


# --- matrix --affected-since ------------------------------------------------------------------


def matrix(*args: str):
    out = run("matrix", "--affected-since", "HEAD", "--compact", *args)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_matrix_of_the_affected_images(repo):
    edit(repo, "dockerfiles/cann.dockerfile", "true", "echo changed")
    assert [job["target"] for job in matrix()["include"]] == ["cann", "torch", "app"]
    # each job still names everything it is built on (from the cache, or built by an earlier job)
    assert matrix()["include"][0]["needs"] == ["python"]
    assert [job["target"] for job in matrix("--leaves")["include"]] == ["app"]
    assert matrix("--waves") == [["cann"], ["torch"], ["app"]]
    assert [job["target"] for job in matrix("torch", "other")["include"]] == ["torch"]
    assert matrix("--waves", "torch") == [["cann"], ["torch"]]


def test_an_empty_matrix_is_valid_json(repo):
    edit(repo, "README.md", "project", "project, changed")
    assert matrix() == {"include": []}
    assert matrix("--leaves") == {"include": []}
    assert matrix("--waves") == []


def test_matrix_with_a_missing_ref(repo):
    out = run("matrix", "--affected-since", "v9.9")
    assert out.returncode == 1 and "git ref 'v9.9' is not in this clone" in out.stderr and out.stdout == ""


# --- the repository's own images.yaml ---------------------------------------------------------


@pytest.fixture
def own(tmp_path, monkeypatch):
    """The repository's images.yaml and the files its images read, committed in a new repository."""
    root = tmp_path / "own"
    root.mkdir()
    for name in ("images.yaml", "README.md", ".gitignore"):
        shutil.copy(REPO / name, root / name)
    for folder in ("dockerfiles", "packages"):
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns("*.run"))
    git(root, "init", "-q", "-b", "main")
    commit(root)
    monkeypatch.chdir(root)
    return root


def test_the_repository_images_on_a_clean_tree(own):
    assert affected() == []


def test_the_repository_images_a_flask_change(own):
    edit(own, "dockerfiles/flask-api/app.py", "", "# changed\n")
    assert affected() == ["flask-api"]
    edit(own, "README.md", "bakegen", "bakegen!")
    assert affected() == ["flask-api"]


def test_the_repository_images_the_ma_user_script(own):
    # python.dockerfile and vllm.dockerfile mount it: every image is built on one of them
    edit(own, "dockerfiles/scripts/add-ma-user.sh", "", "# changed\n")
    project = parse_project((own / "images.yaml").read_text(), own / "images.yaml")
    assert affected() == list(project.graph.order)


def test_the_repository_images_a_cann_package_folder(own):
    readme = next(own.glob("packages/cann/8.5.0/*.md"))
    readme.write_text(readme.read_text() + "\nchanged\n")
    graph = parse_project((own / "images.yaml").read_text(), own / "images.yaml").graph
    cann = ["cann-8-5-0-910b", "cann-8-5-0-a3"]  # the images whose cann-packages is packages/cann/8.5.0
    assert affected() == graph.in_order({*cann, *graph.descendants(cann[0]), *graph.descendants(cann[1])})
    assert "pytorch-npu-a3" in affected() and "cann-8-3rc1-910b" not in affected()


# --- the pieces -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern, path, expected",
    [
        ("scripts/setup.sh", "scripts/setup.sh", True),
        ("scripts", "scripts/setup.sh", True),  # a folder stands for what is in it
        ("scripts", "scripts-old/setup.sh", False),
        (".", "anything/at/all", True),
        (".", "../outside", False),
        ("requirements/*.txt", "requirements/base.txt", True),
        ("requirements/*.txt", "requirements/sub/base.txt", False),  # * stays within a folder
        ("requirements/**/*.txt", "requirements/sub/deep/base.txt", True),
        ("requirements/**/*.txt", "requirements/base.txt", True),  # ** may be no folder at all
        ("**/*.py", "app/main.py", True),
        ("app/*", "app/lib/util.py", True),  # app/lib matches, and the file is in it
        ("req?/[ab].txt", "reqs/a.txt", True),
        ("req?/[!ab].txt", "reqs/a.txt", False),
        ("../shared/*.sh", "../shared/x.sh", True),
    ],
)
def test_covers(pattern, path, expected):
    assert covers(pattern, path) is expected


def test_an_absolute_inputs_glob_is_refused_where_it_is_written():
    text = textwrap.dedent(
        """\
        version: 1
        images:
          a:
            from: ubuntu:22.04
            dockerfile: Dockerfile
            inputs: [/etc/passwd]
        """
    )
    with pytest.raises(BakegenError) as info:
        parse_project(text, "images.yaml")
    assert [str(d) for d in info.value.diagnostics] == [
        "images.yaml:6:14: error: images.a.inputs.0: '/etc/passwd' is an absolute path; inputs are globs "
        "relative to images.yaml, e.g. 'requirements/*.txt'"
    ]


def test_check_warns_of_an_inputs_glob_that_matches_nothing(repo):
    edit(repo, "images.yaml", 'inputs: ["requirements/*.txt"]', 'inputs: ["requirements/*.txt", "requirement/*.txt"]')
    edit(repo, "images.yaml", "defaults:\n", "defaults:\n  inputs: [docs/*.md, nothing-here]\n")
    out = run("check", "--json")
    found = [(d["line"], d["column"], d["severity"], d["message"]) for d in json.loads(out.stdout)]
    unmatched = "matches no file or folder (relative to images.yaml), so `bakegen affected` never sees a change there"
    # the default is said once, where it is written, not for each image
    assert [f for f in found if "inputs:" in f[3]] == [
        (5, 23, "warning", f"inputs: 'nothing-here' {unmatched}; fix the glob or remove it"),
        (31, 36, "warning", f"inputs: 'requirement/*.txt' {unmatched}; fix the glob or remove it"),
    ]
