"""bakegen.files.write_all_atomic: several files replaced all or none (import --write
rewrites images.yaml and Dockerfiles together)."""

from __future__ import annotations

import errno
import os

import pytest

from bakegen import files
from bakegen.errors import BakegenError


def leftovers(folder):
    return sorted(p.name for p in folder.rglob("*.tmp"))


def test_every_file_is_replaced_and_keeps_its_mode(tmp_path):
    a, b = tmp_path / "a", tmp_path / "sub" / "b"
    b.parent.mkdir()
    a.write_text("old a")
    a.chmod(0o600)
    files.write_all_atomic([(a, "new a"), (b, ["new ", "b"])])
    assert (a.read_text(), b.read_text()) == ("new a", "new b")
    assert (a.stat().st_mode & 0o777, b.stat().st_mode & 0o777) == (0o600, 0o644)
    assert leftovers(tmp_path) == []


def test_a_file_that_cannot_be_written_changes_none(tmp_path):
    a, folder = tmp_path / "a", tmp_path / "folder"
    a.write_text("old a")
    folder.mkdir()
    with pytest.raises(BakegenError) as caught:
        files.write_all_atomic([(a, "new a"), (folder, "text")])
    (problem,) = caught.value.diagnostics
    assert problem.code == "cannot-write" and problem.message == "cannot write: not a regular file"
    assert str(problem.position) == str(folder)
    assert a.read_text() == "old a"
    assert leftovers(tmp_path) == []  # the text staged for a is gone


def test_a_folder_that_is_not_there_changes_none(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text("old a")
    b.write_text("old b")
    with pytest.raises(BakegenError) as caught:
        files.write_all_atomic([(a, "new a"), (tmp_path / "gone" / "c", "c"), (b, "new b")])
    (problem,) = caught.value.diagnostics
    assert problem.message == "cannot write: No such file or directory"
    assert str(problem.position) == str(tmp_path / "gone" / "c")
    assert (a.read_text(), b.read_text()) == ("old a", "old b")
    assert leftovers(tmp_path) == []


def test_a_failed_write_whose_staged_file_is_gone_already_is_still_a_message(tmp_path, monkeypatch):
    # the disk fills while the text is written, and the staged file has vanished meanwhile
    # (another run's cleanup): the removal's own error is no traceback
    def full(fd):
        for name in os.listdir(tmp_path):
            if name.endswith(".tmp"):
                os.unlink(tmp_path / name)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    target = tmp_path / "a"
    target.write_text("old")
    with pytest.raises(BakegenError) as caught:
        files.write_all_atomic([(target, "new")])
    assert caught.value.diagnostics[0].message == "cannot write: No space left on device"
    assert target.read_text() == "old" and leftovers(tmp_path) == []
