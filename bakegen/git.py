"""The git repository images.yaml lives in, read through the git command line (no library).

`bakegen affected` needs three things from git: the commit a ref names, the paths that
differ between that commit and the working tree (committed, staged, unstaged or untracked
and not ignored), and a file as it was at that commit. Each is one git command; a ref that
the clone does not have (a shallow clone in CI) or a folder outside any repository is a
``BakegenError`` that names the ref and the fix, never a traceback.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from bakegen.errors import BakegenError, Diagnostic

FETCH_HINT = (
    "fetch it first: `git fetch --deepen=100` (or `git fetch origin <branch>` for a branch), or in GitHub "
    "Actions check out with `fetch-depth: 0` (actions/checkout fetches one commit by default)"
)


@dataclass(frozen=True)
class Repository:
    top: Path  # the work tree's top folder, resolved

    def relative(self, path: Path) -> str | None:
        """path as git names it (relative to the top, with /); None when it is outside the work tree."""
        try:
            return path.resolve().relative_to(self.top).as_posix()
        except ValueError:
            return None


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-c", "core.quotepath=off", *args],
            cwd=cwd,
            capture_output=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise BakegenError(
            Diagnostic(
                None, "git is not installed (bakegen affected compares with a git ref); install git", code="no-git"
            )
        ) from None


def repository(folder: Path) -> Repository:
    """The repository whose work tree holds folder."""
    done = _git(["rev-parse", "--show-toplevel"], folder)
    if done.returncode != 0:
        raise BakegenError(
            Diagnostic(
                None,
                f"{folder} is not in a git repository, so there is no ref to compare with; run bakegen affected "
                "in a clone (in CI: check out the repository with actions/checkout and `fetch-depth: 0`)",
                code="not-a-git-repository",
            )
        )
    return Repository(Path(done.stdout.decode().strip()).resolve())


def commit(repo: Repository, ref: str) -> str:
    """The commit ref names; an error naming the ref and how to fetch it when the clone lacks it."""
    done = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], repo.top)
    if done.returncode == 0:
        return done.stdout.decode().strip()
    shallow = _git(["rev-parse", "--is-shallow-repository"], repo.top).stdout.decode().strip() == "true"
    why = " (this clone is shallow: it holds only the newest commits)" if shallow else ""
    raise BakegenError(Diagnostic(None, f"git ref '{ref}' is not in this clone{why}; {FETCH_HINT}", code="unknown-ref"))


def changed_paths(repo: Repository, since: str) -> set[str]:
    """Paths (relative to the top) that differ between the commit and the working tree:
    changed, added, deleted (both names of a rename), and untracked files git does not ignore."""
    tracked = _git(["diff", "--name-only", "--no-renames", "-z", since, "--"], repo.top)
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], repo.top)
    for done in (tracked, untracked):
        if done.returncode != 0:
            raise BakegenError(
                Diagnostic(None, f"git failed: {done.stderr.decode(errors='replace').strip()}", code="git-failed")
            )
    names = tracked.stdout.split(b"\0") + untracked.stdout.split(b"\0")
    return {name.decode("utf-8", "surrogateescape") for name in names if name}


def file_at(repo: Repository, since: str, path: str) -> str | None:
    """The file's text at the commit; None when it did not exist there."""
    done = _git(["show", f"{since}:{path}"], repo.top)
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "replace")
