"""CACHE_REF: a registry cache brings every step back after the builder's local copy is gone.

Only this test's own steps are pruned from the shared builder (their commands carry a token,
and `buildctl prune --filter description~=<token>` removes just those records): the other
tests' cache stays, so the suite does not rebuild the production chain cold.
"""

from __future__ import annotations

import shutil

from tests.e2e import support


def test_registry_cache_after_prune(tmp_path, make_project, registry, env):
    buildctl = shutil.which("buildctl", path=env.get("PATH"))
    if not buildctl or not env.get("BUILDKIT_HOST"):
        support.unavailable("the registry cache test needs buildctl and BUILDKIT_HOST (run scripts/buildkit-up)")
    token = f"regcache{support.unique()}"  # in every RUN command: what the prune below matches
    project = make_project(
        tmp_path,
        images={
            "cbase": {},
            "capp": {"from": "cbase"},
        },
        dockerfiles={
            "cbase": f"RUN echo {token} > /nonce\n",
            "capp": f"RUN echo app-{token} > /app\nRUN echo more-{token} > /more\n",
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

    mine = ["--filter", f"description~={token}"]

    def local_records():
        listed = support.run([buildctl, "--addr", env["BUILDKIT_HOST"], "du", "--verbose", *mine], env=env, timeout=120)
        assert listed.returncode == 0, support.show(listed)
        return listed.stdout.count(token)

    assert local_records() >= 3  # the three RUN steps, in the builder's local cache
    pruned = support.run([buildctl, "--addr", env["BUILDKIT_HOST"], "prune", *mine], env=env, timeout=600)
    assert pruned.returncode == 0, support.show(pruned)
    assert local_records() == 0  # ... and gone from it, and only they

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
