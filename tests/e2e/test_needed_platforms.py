"""`bakegen build` builds an ancestor only for the platforms its requested descendants
need: an arm64-only child of a two-platform parent runs the parent's steps for arm64 only
(and writes no registry cache for it), unless the parent is asked for too."""

from __future__ import annotations

from tests.e2e import support

PARENT_RUN = 'ARG NONCE\nRUN echo "parent $NONCE $(uname -m)"\n'


def two_platform_parent(root, make_project):
    return make_project(
        root,
        images={
            "par": {"platforms": ["linux/amd64", "linux/arm64"], "args": {"NONCE": support.unique()}},
            "kid": {"from": "par", "platforms": ["linux/arm64"]},
        },
        dockerfiles={"par": PARENT_RUN, "kid": 'RUN echo "kid $(uname -m)"\n'},
    )


def parent_steps(stream: str) -> dict[str, str]:
    """The parent's RUN steps that ran, and what each printed."""
    printed = support.outputs(stream)
    return {name: printed.get(name, "") for name in support.executed(stream) if 'echo "parent' in name}


def test_ancestor_runs_only_for_the_platform_its_child_needs(tmp_path, make_project, registry, env):
    project = two_platform_parent(tmp_path, make_project)
    cache_ref = f"{registry}/e2e-cache-{support.unique()}"
    result = support.bakegen(
        "build", "kid", "--progress", "rawjson", "--set", "*.output=type=cacheonly",
        "--var", f"CACHE_REF={cache_ref}", cwd=project.root, env=env,
    )
    assert result.returncode == 0, support.show(result)

    steps = parent_steps(result.stderr)
    assert len(steps) == 1, support.executed(result.stderr)
    (printed,) = steps.values()
    assert printed.split()[-1:] == ["aarch64"], steps
    assert not any("x86_64" in text for text in support.outputs(result.stderr).values())
    # the narrowed parent reads the registry cache but does not write it
    names = [v.get("name", "") for v in support.vertices(result.stderr).values()]
    assert [n for n in names if "exporting cache to registry" in n] == ["[kid] exporting cache to registry"], names
    assert any(f"importing cache manifest from {cache_ref}:par" in n for n in names), names


def test_ancestor_asked_for_too_runs_for_all_its_platforms(tmp_path, make_project, env):
    project = two_platform_parent(tmp_path, make_project)
    result = support.bakegen(
        "build", "par", "kid", "--progress", "rawjson", "--set", "*.output=type=cacheonly",
        cwd=project.root, env=env,
    )
    assert result.returncode == 0, support.show(result)

    steps = parent_steps(result.stderr)
    assert sorted(text.split()[-1] for text in steps.values()) == ["aarch64", "x86_64"], steps
