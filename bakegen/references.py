"""Image references and platforms as BuildKit will parse them, judged before bake is run.

What `bakegen check` accepts, `docker buildx bake` must accept: a tag that the registry
client refuses (an upper-case repository, `x::1`, a tag over 128 characters) or a
platform that BuildKit does not know (`linux/amd65`) is reported here, with where it is
written, instead of failing a build half-way.

The grammar is the one of the distribution reference format (docker/distribution's
reference package, described in its docs): ``[domain[:port]/]path[:tag][@digest]``, path
components of lower-case letters and digits joined by ``.``, ``_``, ``__`` or runs of
``-``, a tag of at most 128 word characters, dots and dashes (not starting with either).
"""

from __future__ import annotations

import re

_COMPONENT = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
_DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
REFERENCE = re.compile(
    rf"(?:(?P<domain>{_DOMAIN})/)?(?P<path>{_COMPONENT}(?:/{_COMPONENT})*)(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?"
)
NAME_MAX = 255

# GOOS and GOARCH values: what BuildKit's platform parser accepts.
KNOWN_OS = frozenset(
    [
        "aix",
        "android",
        "darwin",
        "dragonfly",
        "freebsd",
        "hurd",
        "illumos",
        "ios",
        "js",
        "linux",
        "nacl",
        "netbsd",
        "openbsd",
        "plan9",
        "solaris",
        "wasip1",
        "windows",
        "zos",
    ]
)
KNOWN_ARCH = frozenset(
    [
        "386",
        "amd64",
        "amd64p32",
        "arm",
        "armbe",
        "arm64",
        "arm64be",
        "loong64",
        "mips",
        "mipsle",
        "mips64",
        "mips64le",
        "mips64p32",
        "mips64p32le",
        "ppc",
        "ppc64",
        "ppc64le",
        "riscv",
        "riscv64",
        "s390",
        "s390x",
        "sparc",
        "sparc64",
        "wasm",
    ]
)
COMMON_PLATFORMS = (
    "linux/amd64",
    "linux/arm64",
    "linux/arm/v7",
    "linux/arm/v6",
    "linux/386",
    "linux/ppc64le",
    "linux/s390x",
    "linux/riscv64",
    "linux/loong64",
    "linux/amd64/v2",
    "linux/amd64/v3",
    "linux/arm64/v8",
    "windows/amd64",
)


def reference_problem(reference: str) -> str | None:
    """Why a full image reference would be refused, or None when it is valid."""
    if reference.split() != [reference] and any(c.isspace() for c in reference):  # split(): a fast first look
        return "it contains white space"
    if "\0" in reference:
        return "it contains a NUL character"
    match = REFERENCE.fullmatch(reference)
    if match is None:
        return _why_not(reference)
    name = reference.split("@", 1)[0]
    if match.group("tag"):
        name = name[: -len(match.group("tag")) - 1]
    if len(name) > NAME_MAX:
        return f"the repository name is longer than {NAME_MAX} characters"
    return None


def _why_not(reference: str) -> str:
    """A reason a person can act on, for a reference the grammar refuses."""
    name, _, digest = reference.partition("@")
    if "@" in reference and not re.fullmatch(_DIGEST, digest):
        return "the part after '@' is not a digest such as sha256:<64 hex digits>"
    repository, tag = name, None
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        repository = name[: len(name) - len(last) + last.index(":")]
        tag = last[last.index(":") + 1 :]
    if tag is not None and not re.fullmatch(_TAG, tag):
        if len(tag) > 128:
            return "the tag is longer than 128 characters"
        return f"the tag {tag!r} may only use letters, digits, '_', '.' and '-', and not start with '.' or '-'"
    path = repository.split("/", 1)[1] if "/" in repository and _is_domain(repository.split("/", 1)[0]) else repository
    if path != path.lower():
        return f"the repository {path!r} has upper-case letters; repositories are lower case ({path.lower()!r})"
    return (
        "it is not an image reference ([registry/]repository[:tag][@digest], repository parts of "
        "lower-case letters and digits joined by '.', '_', '__' or '-')"
    )


def _is_domain(head: str) -> bool:
    return "." in head or ":" in head or head == "localhost"


def registry_problem(registry: str) -> str | None:
    """Why a REGISTRY value (a registry host with an optional path: `swr.cn-north-4.myhuaweicloud.com/org`)
    cannot prefix a tag, or None."""
    if registry != registry.strip() or any(c.isspace() for c in registry):
        return "it contains white space"
    if registry.endswith("/"):
        return f"it ends in '/'; write {registry.rstrip('/')!r} (bakegen adds the '/')"
    problem = reference_problem(f"{registry}/x:1")
    return f"{registry}/<tag> would not be an image reference: {problem}" if problem else None


def platform_problem(platform: str) -> str | None:
    """Why BuildKit would refuse a platform (os/arch[/variant]), or None."""
    parts = platform.split("/")
    if len(parts) not in (2, 3) or not all(parts) or platform != platform.strip():
        return "a platform is os/arch or os/arch/variant, e.g. linux/arm64"
    os_name, arch = parts[0], parts[1]
    if os_name not in KNOWN_OS:
        return f"unknown operating system {os_name!r}"
    if arch not in KNOWN_ARCH:
        return f"unknown architecture {arch!r}"
    if len(parts) == 3 and not re.fullmatch(r"[a-z0-9.]+", parts[2]):
        return f"invalid variant {parts[2]!r}"
    return None


DOCKER_HUB_NAMES = ("docker.io", "index.docker.io", "registry-1.docker.io")
MIRRORED_REGISTRIES = ("docker.io", "quay.io")


def mirror_path(reference: str) -> tuple[str, str] | None:
    """(registry, path) of a reference on Docker Hub or quay.io, the path as a mirror of
    that registry serves it: ``ubuntu:22.04`` -> ("docker.io", "library/ubuntu:22.04"),
    ``quay.io/ascend/x:1`` -> ("quay.io", "ascend/x:1"); None for any other registry."""
    head, sep, rest = reference.partition("/")
    if sep and _is_domain(head):
        registry, path = ("docker.io" if head in DOCKER_HUB_NAMES else head), rest
    else:
        registry, path = "docker.io", reference
    if registry not in MIRRORED_REGISTRIES:
        return None
    if registry == "docker.io" and "/" not in path.split("@", 1)[0]:
        path = f"library/{path}"  # official images: ubuntu is library/ubuntu
    return registry, path
