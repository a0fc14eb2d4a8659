"""CACHE_REF: a registry cache brings every step back after the builder's local cache is gone.

This test prunes the shared builder's whole local cache (`buildctl prune --all`); nothing
else relies on it (the test base lives in the registry, which the prune does not touch).
"""

from __future__ import annotations

import shutil

from tests.e2e import support


def test_registry_cache_after_prune(tmp_path, make_project, registry, env):
    buildctl = shutil.which("buildctl", path=env.get("PATH"))
    if not buildctl or not env.get("BUILDKIT_HOST"):
        support.unavailable("the registry cache test needs buildctl and BUILDKIT_HOST (run scripts/buildkit-up)")
    project = make_project(
        tmp_path,
        images={
            "cbase": {"args": {"NONCE": support.unique()}},
            "capp": {"from": "cbase"},
        },
        dockerfiles={
            "cbase": 'ARG NONCE\nRUN echo "$NONCE" > /nonce\n',
            "capp": "RUN echo app > /app\nRUN echo more > /more\n",
        },
    )
    cache_ref = f"{registry}/e2e-cache-{support.unique()}"

    def build():
        result = support.bakegen(
            "build", "capp", "--progress", "rawjson", "--var", f"CACHE_REF={cache_ref}",
            "--set", "*.output=type=cacheonly", cwd=project.root, env=env,
        )
        assert result.returncode == 0, support.show(result)
        return result

    first = build()
    assert len(support.executed(first.stderr)) == 3, support.steps(first.stderr)
    exports = [v["name"] for v in support.vertices(first.stderr).values() if "exporting cache to registry" in v.get("name", "")]
    assert len(exports) == 2, exports  # capp and its parent cbase, each to <CACHE_REF>:<target>

    pruned = support.run([buildctl, "--addr", env["BUILDKIT_HOST"], "prune", "--all"], env=env, timeout=600)
    assert pruned.returncode == 0, support.show(pruned)

    second = build()
    assert support.executed(second.stderr) == [], support.steps(second.stderr)
    assert len(support.cached(second.stderr)) == 3, support.steps(second.stderr)
    imports = {
        v["name"]: v.get("error")
        for v in support.vertices(second.stderr).values()
        if "importing cache manifest from" in v.get("name", "")
    }
    assert any(f"{cache_ref}:capp" in name for name in imports), imports
    assert not any(imports.values()), imports
