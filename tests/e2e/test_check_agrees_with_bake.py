"""What `bakegen check` accepts, `docker buildx bake` accepts: random projects with awkward
names, platforms, tags and contexts, checked by bakegen and then printed by the real bake.
A project bakegen refuses is fine (that is the point of check); one it accepts must print.

`--print` parses names, platforms and contexts but not tags (those fail only at push time),
so the tag classes are pinned by tests/test_hostile.py instead. With bakegen's platform check
switched off, this test fails on `linux/arm64\n` (tried)."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bakegen import checks
from bakegen.dockerfile import Dockerfiles
from bakegen.emit.bake import render_bake
from bakegen.errors import BakegenError
from bakegen.graph import GENERATED_GROUPS, TEST_GROUP, TEST_SUFFIX
from bakegen.model import load_project
from tests.conftest import CONVENTIONAL_DOCKERFILE

# Mostly what people write, with the awkward members of each class among them (about one in four).
ids = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,10}", fullmatch=True)
odd_ids = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,10}\n?", fullmatch=True)
names = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,10}", fullmatch=True) | odd_ids
platforms = st.lists(
    st.sampled_from(["linux/amd64", "linux/arm64", "linux/arm/v7", "linux/riscv64", "linux/386", "linux/arm64/v8"] * 3
                    + ["linux/amd65", "linux/arm64\n", "Linux/amd64"]),
    min_size=1, max_size=3, unique=True,
)
repositories = st.sampled_from(["app", "my_org/app", "a--b", "localhost:5000/x", "ok.io/p/q", "x.y/z_z"] * 3
                               + ["App", "x:", "x::1", "reg.io/Team/x", "a" * 130, "-x", "x-"])
tag_words = st.sampled_from(["1", "latest", "v1.0", "1_0", "A.b-c"] * 3 + [":1", "a" * 129, "-x"])
context_values = st.sampled_from(["target:{other}", "{other}", "docker-image://debian:bookworm", ".", "nope",
                                  "target:missing", "oci-layout://./x"])


ids_or_now_and_then_an_odd_one = st.sampled_from([0] * 9 + [1]).flatmap(lambda odd: odd_ids if odd else ids)


@st.composite
def projects(draw):
    image_ids = draw(st.lists(ids_or_now_and_then_an_odd_one, min_size=1, max_size=4, unique_by=str.lower))
    images = {}
    for i, image_id in enumerate(image_ids):
        entry = {"from": image_ids[i - 1] if i and draw(st.booleans()) else "debian:bookworm", "dockerfile": "Dockerfile",
                 "platforms": draw(platforms)}
        if draw(st.booleans()):
            entry["tags"] = [f"{draw(repositories)}:{draw(tag_words)}"]
        if draw(st.booleans()):
            other = draw(st.sampled_from(image_ids))
            entry["contexts"] = {draw(names): draw(context_values).format(other=other)}
        images[image_id] = entry
    return {"version": 1, "variables": {"REGISTRY": draw(st.sampled_from(["r.example.com/t"] * 4 + ["R.io/x", "r.io/x/", "r io"]))},
            "images": images}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(document=projects())
def test_what_check_accepts_bake_prints(tmp_path, env, document):
    folder = Path(tempfile.mkdtemp(dir=tmp_path))  # one per example (the same one may come twice)
    (folder / "images.yaml").write_text(json.dumps(document))  # JSON is YAML, with every string exact
    (folder / "Dockerfile").write_text(CONVENTIONAL_DOCKERFILE)
    try:
        project = load_project(folder / "images.yaml")
    except BakegenError as exc:
        event(f"refused: {exc.diagnostics[0].code}")
        return  # refused with a message: fine
    dockerfiles = Dockerfiles(project.root)
    found = checks.missing_paths(project) + checks.dockerfile_problems(project, dockerfiles)
    if any(d.severity == "error" for d in found) or any(d.severity == "error" for d in project.warnings):
        event("refused by check's file rules")
        return
    event("accepted: bake --print")
    assert not set(project.images) & {*GENERATED_GROUPS, TEST_GROUP}
    assert not any(i.endswith(TEST_SUFFIX) and i[: -len(TEST_SUFFIX)] in project.images for i in project.images)
    (folder / "docker-bake.hcl").write_text(render_bake(project, folder / "docker-bake.hcl"))
    printed = subprocess.run(
        ["docker", "buildx", "bake", "--print", "all"], cwd=folder, env=env, capture_output=True, text=True, timeout=60
    )
    assert printed.returncode == 0, (document, printed.stderr[-2000:])
    targets = json.loads(printed.stdout)["target"]
    assert set(project.images) <= set(targets)
