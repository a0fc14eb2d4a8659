"""bakegen.git called directly (the affected tests run it through the verb, some in a process)."""

from __future__ import annotations

import os
import subprocess

import pytest

from bakegen import git
from bakegen.errors import BakegenError
from tests.test_affected import git as run_git


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    (root / "sub").mkdir(parents=True)
    run_git(root, "init", "-q", "-b", "main")
    (root / "a.txt").write_text("a\n")
    (root / "sub" / "b.txt").write_text("b\n")
    (root / ".gitignore").write_text("*.log\n")
    run_git(root, "add", "-A")
    run_git(root, "commit", "-q", "-m", "first")
    return root


def test_repository_is_the_resolved_top_from_a_subfolder(repo):
    found = git.repository(repo / "sub")
    assert found == git.Repository(repo.resolve())
    assert found.relative(repo / "sub" / "b.txt") == "sub/b.txt"
    assert found.relative(repo / "sub" / ".." / "a.txt") == "a.txt"
    assert found.relative(repo.parent / "elsewhere.txt") is None


def test_outside_a_repository(tmp_path):
    with pytest.raises(BakegenError) as caught:
        git.repository(tmp_path)
    [d] = caught.value.diagnostics
    assert d.code == "not-a-git-repository"
    assert d.message == (
        f"{tmp_path} is not in a git repository, so there is no ref to compare with; run bakegen affected "
        "in a clone (in CI: check out the repository with actions/checkout and `fetch-depth: 0`)"
    )


def test_without_git_installed(repo, monkeypatch, tmp_path):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(BakegenError) as caught:
        git.repository(repo)
    [d] = caught.value.diagnostics
    assert d.code == "no-git" and d.position is None
    assert d.message == "git is not installed (bakegen affected compares with a git ref); install git"


def test_commit_names_the_full_hash_without_a_newline(repo):
    top = git.repository(repo)
    expected = run_git(repo, "rev-parse", "HEAD").strip()
    assert git.commit(top, "HEAD") == expected
    assert git.commit(top, "main") == expected
    assert len(expected) == 40


def test_an_unknown_ref_in_a_full_clone_does_not_say_shallow(repo):
    top = git.repository(repo)
    with pytest.raises(BakegenError) as caught:
        git.commit(top, "no-such")
    [d] = caught.value.diagnostics
    assert d.code == "unknown-ref" and d.position is None
    assert d.message == f"git ref 'no-such' is not in this clone; {git.FETCH_HINT}"


def test_an_unknown_ref_in_a_shallow_clone_says_so(repo, tmp_path):
    (repo / "a.txt").write_text("a2\n")
    run_git(repo, "commit", "-q", "-am", "second")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)], check=True)
    top = git.repository(clone)
    with pytest.raises(BakegenError) as caught:
        git.commit(top, "HEAD~1")
    [d] = caught.value.diagnostics
    assert d.message == (
        "git ref 'HEAD~1' is not in this clone (this clone is shallow: it holds only the newest commits); "
        + git.FETCH_HINT
    )


def test_changed_paths_committed_staged_unstaged_untracked_deleted(repo):
    top = git.repository(repo)
    base = git.commit(top, "HEAD")
    assert git.changed_paths(top, base) == set()
    (repo / "a.txt").write_text("changed\n")  # unstaged
    (repo / "new file ü.txt").write_text("new\n")  # untracked, with a space and a non-ASCII letter
    (repo / "ignored.log").write_text("ignored\n")  # ignored
    (repo / "sub" / "b.txt").unlink()  # deleted
    assert git.changed_paths(top, base) == {"a.txt", "new file ü.txt", "sub/b.txt"}
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", "second")
    assert git.changed_paths(top, base) == {"a.txt", "new file ü.txt", "sub/b.txt"}
    assert git.changed_paths(top, "HEAD") == set()


def test_a_rename_gives_both_names(repo):
    top = git.repository(repo)
    run_git(repo, "mv", "a.txt", "renamed.txt")
    assert git.changed_paths(top, "HEAD") == {"a.txt", "renamed.txt"}


def test_changed_paths_since_a_bad_commit_is_git_failed(repo):
    top = git.repository(repo)
    with pytest.raises(BakegenError) as caught:
        git.changed_paths(top, "0" * 40)
    [d] = caught.value.diagnostics
    assert d.code == "git-failed"
    assert d.message.startswith("git failed: fatal: ")
    assert not d.message.endswith("\n")


def test_a_path_that_is_not_utf8_comes_back_surrogate_escaped(repo):
    top = git.repository(repo)
    fd = os.open(os.fsencode(repo) + b"/bad\xff.txt", os.O_WRONLY | os.O_CREAT, 0o644)
    os.close(fd)
    assert git.changed_paths(top, "HEAD") == {"bad\udcff.txt"}


def test_git_failed_keeps_bytes_that_are_not_utf8_readable(repo):
    top = git.repository(repo)
    with pytest.raises(BakegenError) as caught:
        git.changed_paths(top, "no-such-\udcff")  # the byte 0xff on git's command line, echoed on stderr
    [d] = caught.value.diagnostics
    assert d.code == "git-failed" and "no-such-\ufffd" in d.message


def test_file_at_the_commit(repo):
    top = git.repository(repo)
    base = git.commit(top, "HEAD")
    (repo / "sub" / "b.txt").write_text("b changed\n")
    assert git.file_at(top, base, "sub/b.txt") == "b\n"
    assert git.file_at(top, base, "no-such.txt") is None
    (repo / "bad.bin").write_bytes(b"x\xffy\n")
    run_git(repo, "add", "bad.bin")
    run_git(repo, "commit", "-q", "-m", "bytes")
    assert git.file_at(top, "HEAD", "bad.bin") == "x\ufffdy\n"
