"""Image references, registries and platforms (bakegen.references): what is refused and why."""

import pytest

from bakegen.references import NAME_MAX, platform_problem, reference_problem, registry_problem


@pytest.mark.parametrize(
    "reference, problem",
    [
        ("ubuntu:22.04", None),
        ("a b", "it contains white space"),
        ("x\x00y", "it contains a NUL character"),
        ("x@sha256:abc", "the part after '@' is not a digest such as sha256:<64 hex digits>"),
        ("x:-bad", "the tag '-bad' may only use letters, digits, '_', '.' and '-', and not start with '.' or '-'"),
        (
            "x:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "the tag is longer than 128 characters",
        ),
        ("Ubuntu:1", "the repository 'Ubuntu' has upper-case letters; repositories are lower case ('ubuntu')"),
        ("Reg.io/Org/x:1", "the repository 'Org/x' has upper-case letters; repositories are lower case ('org/x')"),
        ("localhost/Ab:1", "the repository 'Ab' has upper-case letters; repositories are lower case ('ab')"),
        ("LocalHost:5000/ab:1", None),
        ("org/Ab:1", "the repository 'org/Ab' has upper-case letters; repositories are lower case ('org/ab')"),
        (
            "x//y",
            "it is not an image reference ([registry/]repository[:tag][@digest], repository parts of lower-case letters and digits joined by '.', '_', '__' or '-')",
        ),
        ("reg.io:5000/x:1", None),
        ("quay.io/a/b@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", None),
        ("reg.io:5000/Ab:1", "the repository 'Ab' has upper-case letters; repositories are lower case ('ab')"),
        ("a" * (NAME_MAX + 1) + ":1", f"the repository name is longer than {NAME_MAX} characters"),
        ("a" * NAME_MAX + ":1", None),
        # a host with a port is a registry; an upper-case path is named without it
        ("localhost:5000/Ab:1", "the repository 'Ab' has upper-case letters; repositories are lower case ('ab')"),
        # the tag is after the first ':' of the last path part, never in an earlier part
        ("x:1:2", "the tag '1:2' may only use letters, digits, '_', '.' and '-', and not start with '.' or '-'"),
        ("a/b:c/D", "the repository 'a/b:c/D' has upper-case letters; repositories are lower case ('a/b:c/d')"),
        # only a first part with a dot, a colon or localhost is a registry
        ("a/b.c/D:1", "the repository 'a/b.c/D' has upper-case letters; repositories are lower case ('a/b.c/d')"),
        # a valid digest: the name is judged
        ("Ab@sha256:" + "a" * 64, "the repository 'Ab' has upper-case letters; repositories are lower case ('ab')"),
        # 128 characters is the longest tag: this one is refused for its first character
        ("x:-" + "a" * 127, "the tag '-" + "a" * 127 + "' may only use letters, digits, '_', '.' and '-', and not start with '.' or '-'"),
        # the digest does not count toward the length of the name
        ("a" * 200 + "@sha256:" + "a" * 64, None),
    ],
)
def test_reference_problem(reference, problem):
    assert reference_problem(reference) == problem


@pytest.mark.parametrize(
    "registry, problem",
    [
        ("swr.cn-north-4.myhuaweicloud.com/org", None),
        (" x", "it contains white space"),
        ("a b", "it contains white space"),
        ("reg/", "it ends in '/'; write 'reg' (bakegen adds the '/')"),
        (
            "Reg.io/Org",
            "Reg.io/Org/<tag> would not be an image reference: the repository 'Org/x' has upper-case letters; repositories are lower case ('org/x')",
        ),
        ("reg.io", None),
        ("regX/", "it ends in '/'; write 'regX' (bakegen adds the '/')"),
    ],
)
def test_registry_problem(registry, problem):
    assert registry_problem(registry) == problem


@pytest.mark.parametrize(
    "platform, problem",
    [
        ("linux/arm64", None),
        ("linux", "a platform is os/arch or os/arch/variant, e.g. linux/arm64"),
        ("linux/arm64/v8/x", "a platform is os/arch or os/arch/variant, e.g. linux/arm64"),
        ("linux//x", "a platform is os/arch or os/arch/variant, e.g. linux/arm64"),
        (" linux/arm64", "a platform is os/arch or os/arch/variant, e.g. linux/arm64"),
        ("beos/arm64", "unknown operating system 'beos'"),
        ("linux/z80", "unknown architecture 'z80'"),
        ("linux/arm/V7", "invalid variant 'V7'"),
        ("linux/arm/v7", None),
    ],
)
def test_platform_problem(platform, problem):
    assert platform_problem(platform) == problem
