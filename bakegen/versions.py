"""Version arithmetic for the version rules: PEP 440, through `packaging`.

torch, torch_npu, Python and numpy versions are PEP 440 versions, compared as pip compares
them (2.7.1 is 2.7.1.0; 2.7.1+cpu is a build of 2.7.1). CANN releases (8.3.RC1) and
vllm-ascend tags (v0.11.0rc1-310p) are names, looked up as written; they are parsed only to
order them (``cann_order``; a vllm-ascend tag by its PEP 440 release), to name the nearest
release a table knows. Text that is not a version (3.x, latest) never raises: each function
says what it means then.
"""

from __future__ import annotations

import re
from functools import cache

from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.version import InvalidVersion, Version


@cache
def parse(text: str) -> Version | None:
    """A PEP 440 version, or None for text that is not one."""
    try:
        return Version(text.strip())
    except InvalidVersion:
        return None


def public(version: str) -> str:
    """2.7.1+cpu -> 2.7.1 (a local suffix names a build, not another release)."""
    return version.split("+", 1)[0].strip()


def same(a: str, b: str) -> bool:
    """Whether two versions are one (2.7.1 and 2.7.1.0); text that is not a version is
    compared as text, case aside."""
    va, vb = parse(a), parse(b)
    if va is None or vb is None:
        return a.strip().lower() == b.strip().lower()
    return va == vb


def line(version: str) -> tuple[int, ...] | None:
    """3.11.7 -> (3, 11): Python and torch lines are major.minor; None for text that is not a version."""
    v = parse(version)
    return v.release[:2] if v else None


def release3(version: str) -> tuple[int, int, int] | None:
    """2.7.1.post2 -> (2, 7, 1); 2.8 -> (2, 8, 0)."""
    v = parse(version)
    return (v.release + (0, 0))[:3] if v else None  # type: ignore[return-value]


# 8.3.RC1, 8.5.0; a suffix (9.1.0-beta.1, 8.5.0.alpha001) does not change the order
CANN_NAME = re.compile(r"^(\d+)\.(\d+)\.(?:rc(\d+)|(\d+))(?=$|[.-])", re.IGNORECASE)


def cann_order(name: str) -> tuple[int, int, int, int] | None:
    """8.3.RC1 -> (8, 3, 0, 1), 8.3.RC2 before 8.3.0 -> (8, 3, 1, 0): release candidates of a
    line come before its releases. None for text that is not a CANN release name (8.3rc1)."""
    match = CANN_NAME.match(name.strip())
    if match is None:
        return None
    major, minor, rc, patch = match.groups()
    return (int(major), int(minor), 0, int(rc)) if rc is not None else (int(major), int(minor), 1, int(patch))


def torch_of(torch_npu: Version) -> Version:
    """torch_npu 2.7.1.post2 -> torch 2.7.1 (torch_npu's release numbers are torch's)."""
    return Version(".".join(map(str, torch_npu.release[:3])))


def admits_major_above(specifiers: list[str], limit: int) -> bool:
    """Whether pip could pick a release with a major above limit (numpy 2.x for limit 1) from the
    specifier set. Specifiers that are not PEP 440 ("==latest", "~=2") do not narrow the set; with
    none left, nothing is judged (False)."""
    return _admits_major_above(tuple(specifiers), limit)


@cache
def _admits_major_above(specifiers: tuple[str, ...], limit: int) -> bool:
    parsed: list[Specifier] = []
    for text in specifiers:
        try:
            parsed.append(Specifier(text))
        except InvalidSpecifier:
            continue
    if not parsed:
        return False
    allowed = SpecifierSet(",".join(map(str, parsed)))
    # The lowest releases above the limit, and the versions the specifiers name and just past
    # them (>2.3.0, !=2.0.*, ==2.1.*): a set that admits a release above the limit admits one of these.
    major = limit + 1
    candidates = {f"{major}.0.0", f"{major}.0.2", f"{major}.2.6", f"{major}.3.0"}
    for spec in parsed:
        named = spec.version.removesuffix(".*")
        version = parse(named)
        if version is None or version.major <= limit:
            continue
        r = (version.release + (0, 0))[:3]
        candidates |= {named, f"{r[0]}.{r[1]}.{r[2] + 1}", f"{r[0]}.{r[1] + 1}.0", f"{r[0] + 1}.0.0"}
    return any(allowed.contains(candidate, prereleases=True) for candidate in candidates)
