"""An image called `base` (the first name people give a root) with a child `from: base`
generates, checks and builds: no group bakegen generates takes that name."""

from __future__ import annotations

from tests.e2e import support


def test_an_image_named_base_builds_under_its_child(tmp_path, make_project, env, out_dir):
    nonce = support.unique()
    project = make_project(
        tmp_path,
        images={
            "base": {"platforms": ["linux/amd64"], "args": {"NONCE": nonce}},
            "app": {"from": "base", "platforms": ["linux/amd64"]},
        },
        dockerfiles={
            "base": 'ARG NONCE\nRUN echo "$NONCE" > /from-base\n',
            "app": "RUN cat /from-base > /seen-by-app\n",
        },
    )
    for args in ((), ("check",)):
        result = support.bakegen(*args, cwd=project.root, env=env)
        assert result.returncode == 0, support.show(result)
    assert '"base" = "target:base"' in project.bake_file.read_text()

    result = support.bakegen(
        "build", "app", "--set", f"app.output=type=local,dest={out_dir / 'app'}", cwd=project.root, env=env
    )
    assert result.returncode == 0, support.show(result)
    assert (out_dir / "app" / "seen-by-app").read_text() == f"{nonce}\n"
