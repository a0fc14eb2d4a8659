"""root -> mid -> leaf1, leaf2 built in one `bakegen build`: the shared parent runs once,
a rebuild is all cache, and changing one leaf rebuilds only that leaf.

The three tests share one project on purpose (build, rebuild, change) and run in order.
A fresh NONCE arg in root makes every session's first build really execute.
"""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import pytest

from tests.e2e import support

TOKEN_RUN = "RUN head -c16 /dev/urandom | od -An -tx1 | tr -d ' \\n' > /token"


@pytest.fixture(scope="module")
def chain(tmp_path_factory, builder, registry, test_base):
    root = tmp_path_factory.mktemp("shared-parent")
    project = support.write_project(
        root,
        registry=registry,
        test_base=test_base,
        images={
            "root": {"args": {"NONCE": support.unique()}},
            "mid": {"from": "root"},
            "leaf1": {"from": "mid"},
            "leaf2": {"from": "mid"},
        },
        dockerfiles={
            "root": "ARG NONCE\nRUN echo \"$NONCE\" > /nonce\n",
            "mid": TOKEN_RUN + "\n",
            "leaf1": "RUN echo leaf1 > /leaf\n",
            "leaf2": "RUN echo leaf2 > /leaf\n",
        },
    )
    yield SimpleNamespace(project=project, first=None)
    for out in root.glob("out*"):  # exported root file systems, ~130 MB each
        shutil.rmtree(out, ignore_errors=True)


def build_leaves(project: support.Project, env, out: str):
    out_dir = project.root / out
    result = support.bakegen(
        "build", "leaf1", "leaf2", "--progress", "rawjson",
        "--set", f"leaf1.output=type=local,dest={out_dir / 'leaf1'}",
        "--set", f"leaf2.output=type=local,dest={out_dir / 'leaf2'}",
        cwd=project.root, env=env,
    )
    assert result.returncode == 0, support.show(result)
    return result, out_dir


def first_build(chain, env):
    """The first build in this module (once, whichever test asks first), so that each test
    can also run on its own (-k)."""
    if chain.first is None:
        chain.first = build_leaves(chain.project, env, "out1")
    return chain.first


def test_shared_parent_built_once(chain, env):
    result, out = first_build(chain, env)
    token1 = (out / "leaf1" / "token").read_text()
    token2 = (out / "leaf2" / "token").read_text()
    assert token1 and token1 == token2, (token1, token2)
    assert len(token1) == 32 and int(token1, 16) >= 0
    assert (out / "leaf1" / "leaf").read_text() == "leaf1\n"
    assert (out / "leaf2" / "leaf").read_text() == "leaf2\n"

    ran = support.executed(result.stderr)
    token_runs = [name for name in ran if "/dev/urandom" in name]
    assert len(token_runs) == 1, ran
    # and the whole chain ran, each step once: root's, mid's and one per leaf
    assert len(ran) == 4, ran
    assert sum("echo leaf1" in n for n in ran) == 1 and sum("echo leaf2" in n for n in ran) == 1, ran


def test_rebuild_is_fully_cached(chain, env):
    _, first = first_build(chain, env)
    result, out = build_leaves(chain.project, env, "out2")
    assert support.executed(result.stderr) == [], support.executed(result.stderr)
    assert len(support.cached(result.stderr)) == 4, support.steps(result.stderr)
    # same layers, so the same token as the first build
    assert (out / "leaf1" / "token").read_text() == (first / "leaf1" / "token").read_text()


def test_only_changed_leaf_rebuilds(chain, env):
    _, first = first_build(chain, env)
    path = chain.project.dockerfile("leaf1")
    path.write_text(path.read_text() + "RUN echo changed > /changed\n")
    result, out = build_leaves(chain.project, env, "out3")
    ran = support.executed(result.stderr)
    assert len(ran) == 1, ran
    assert ran[0].startswith("[leaf1 ") and "echo changed" in ran[0], ran
    assert (out / "leaf1" / "changed").read_text() == "changed\n"
    assert not (out / "leaf2" / "changed").exists()
    assert (out / "leaf1" / "token").read_text() == (out / "leaf2" / "token").read_text()
    assert (out / "leaf1" / "token").read_text() == (first / "leaf1" / "token").read_text()
