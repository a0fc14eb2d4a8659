"""Where images.yaml and the generated files live, and writing them safely."""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from pathlib import Path

from bakegen.errors import BakegenError, Diagnostic, Position

DEFAULT_SOURCE = "images.yaml"
DEFAULT_OUTPUT = "docker-bake.hcl"
# The bake file one `bakegen build` hands buildx, in the temporary folder: hidden, and named
# after bakegen and the process, so that a run can tell its own from a killed run's.
BUILD_FILE = re.compile(r"\.bakegen-build-([1-9][0-9]*)\.hcl")


def find_source(given: str | None) -> Path:
    """The images.yaml to read: the one given, else the nearest one in this folder or above."""
    if given:
        path = Path(given)
        if not path.exists():
            raise BakegenError(Diagnostic(Position(given), "file not found", code="file-not-found"))
        if path.is_dir():
            path = path / DEFAULT_SOURCE
            if not path.exists():
                raise BakegenError(Diagnostic(Position(str(path)), "file not found", code="file-not-found"))
        return path
    here = Path.cwd()
    for folder in (here, *here.parents):
        candidate = folder / DEFAULT_SOURCE
        if candidate.is_file():
            return candidate if folder != here else Path(DEFAULT_SOURCE)
    raise BakegenError(
        f"no {DEFAULT_SOURCE} in {here} or any folder above it; pass one with -f FILE, "
        "or create one (`bakegen import dockerfile-compose.yaml` converts the old format)"
    )


def default_output(source: Path) -> Path:
    """docker-bake.hcl beside images.yaml; for a stream (-f /dev/stdin) in the working directory."""
    return (source.parent if source.is_file() else Path.cwd()) / DEFAULT_OUTPUT


def refuse_overwriting(output: Path, *inputs: Path) -> None:
    """An output that is one of the inputs (`-o images.yaml`, `-o Dockerfile`, a file a
    Dockerfile copies) would destroy it; an input that is a folder covers what is in it."""
    if not output.exists():
        return
    real = Path(os.path.realpath(output))
    for source in inputs:
        try:
            same = os.path.samefile(output, source) or (
                source.is_dir() and Path(os.path.realpath(source)) in real.parents
            )
        except OSError:
            same = False
        if same:
            raise BakegenError(
                Diagnostic(
                    Position(str(output)),
                    f"refusing to write over the input {source}; choose another -o",
                    code="output-is-input",
                )
            )


def write_atomic(path: Path, text: str) -> None:
    """Replace path with text, or leave it untouched if anything fails.

    A symlink is followed (its target is replaced, the link stays); anything that is not a
    regular file (a device, a folder) is refused: renaming over it would replace it."""
    path = Path(os.path.realpath(path))
    if path.exists() and not path.is_file():
        raise BakegenError(Diagnostic(Position(str(path)), "cannot write: not a regular file", code="cannot-write"))
    folder = path.parent
    remove_stale_partial_files(path)
    try:
        # the pid in the name: a run that was killed is recognised and its file removed
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.bakegen-{os.getpid()}-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise BakegenError(
            Diagnostic(Position(str(path)), f"cannot write: {exc.strerror}", code="cannot-write")
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise BakegenError(
                Diagnostic(Position(str(path)), f"cannot write: {exc.strerror}", code="cannot-write")
            ) from None
        raise


def remove_stale_partial_files(path: Path) -> None:
    """Remove what a killed run left of its write of path: `.NAME.bakegen-PID-XXXX.tmp` files
    whose process is gone. Nothing else matches that pattern."""
    pattern = re.compile(rf"\.{re.escape(path.name)}\.bakegen-([1-9][0-9]*)-[A-Za-z0-9_]+\.tmp")
    try:
        names = os.listdir(path.parent)
    except OSError:
        return
    for name in names:
        match = pattern.fullmatch(name)
        if match and not _alive(int(match.group(1))):
            try:
                (path.parent / name).unlink()
            except OSError:
                continue


def read_text(path: Path) -> str | None:
    """The file's text exactly as stored (no newline translation: a CRLF copy of the bake file
    is stale); None when it does not exist. A file that is not UTF-8 text reads as "" (it
    differs from anything bakegen writes, so it is stale). Anything but a regular file (a FIFO,
    a device, /dev/stdout) is refused without being opened: reading it could block."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise BakegenError(
            Diagnostic(Position(str(path)), f"cannot read: {exc.strerror}", code="cannot-read")
        ) from None
    if not stat.S_ISREG(mode):
        raise BakegenError(
            Diagnostic(
                Position(str(path)),
                "not a regular file (a folder, a device or a pipe); bakegen writes only regular files"
                + ("; use -o - to print to standard output" if str(path).startswith("/dev/") else ""),
                code="not-a-file",
            )
        )
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return ""
    except OSError as exc:
        raise BakegenError(
            Diagnostic(Position(str(path)), f"cannot read: {exc.strerror}", code="cannot-read")
        ) from None


def build_file_folder() -> Path:
    return Path(tempfile.gettempdir())


def build_file(folder: Path, pid: int | None = None) -> Path:
    return folder / f".bakegen-build-{pid or os.getpid()}.hcl"


def remove_stale_build_files(folder: Path) -> list[Path]:
    """Remove the build files of `bakegen build` runs that were killed: a name of exactly
    that pattern whose process is gone. The paths removed."""
    removed: list[Path] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        match = BUILD_FILE.fullmatch(name)
        if not match or _alive(int(match.group(1))):
            continue
        path = folder / name
        try:
            path.unlink()
        except FileNotFoundError:
            continue  # another run removed it first
        except OSError:
            continue  # not ours to remove (permissions); it does no harm
        removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except OSError:  # EPERM: another user's process
        return True
    return True
