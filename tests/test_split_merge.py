"""Native builds per platform, one multi-platform tag (bakegen/multiarch.py, emit/matrix.py,
emit/attest.py): the split matrix, the overrides of a per-platform build, reading the jobs'
metadata files and deciding the merge, and the attestation setting.

The metadata files under tests/fixtures/metadata were written by real runs on this project's
builder (tests/e2e/test_split_merge.py makes them afresh):
- bakegen-plain: `bakegen build kid par --platform P --push-by-digest` (attestations off);
- bakegen-provenance: the same for kid with ATTEST_PROVENANCE=min (each digest an index);
- bake: plain `docker buildx bake` pushing by digest (no bakegen.platform): a manifest,
  an index with the provenance bake records, an index without it (BUILDX_METADATA_PROVENANCE=disabled).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bakegen import bakevars, multiarch
from bakegen import metadata as meta
from bakegen.cli import main
from bakegen.emit import matrix as emit
from bakegen.emit.bake import render_bake
from bakegen.errors import BakegenError
from bakegen.model import parse_project
from bakegen.plan import plan_build
from tests import hclread
from tests.conftest import CONVENTIONAL_DOCKERFILE

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "metadata"

# The project the fixtures were built from.
PROJECT = """\
version: 1
variables: {REGISTRY: localhost:5000/smexp2}
defaults:
  platforms: [linux/amd64, linux/arm64]
images:
  par:
    from: debian:bookworm
    dockerfile: D
    tags: ["par:1"]
  kid:
    from: par
    dockerfile: D
    tags: ["kid:1", "kid-alias:latest"]
"""
KID = {
    "linux/amd64": "sha256:d37959a948d6907fa180a519a3d76a1af260cae49772a80b5067cd69ceeb6eb7",
    "linux/arm64": "sha256:1cb4de432af60f21b6fc3c527f2cd3ac93162d6bea5b5dd48fa4b0c0d37f4197",
}
PAR = {
    "linux/amd64": "sha256:5795e5a4bed6a75266573117179c7ee3999b363f643aefcd1fea65db888598f8",
    "linux/arm64": "sha256:9a1fab89021d41e0af82a3f31e729cad2f98f794fccf06d537d936c7f2308ea3",
}
KID_INDEX = {
    "linux/amd64": "sha256:c4f84231b283769e043c10c893742dd2074b4acfd641155ce5a9c9c0c2b783e8",
    "linux/arm64": "sha256:9fb97fa82bca26566a6aafc7d625c326021b94d577861008ffa5d00de4d755e0",
}
VARIABLES = {"REGISTRY": "localhost:5000/smexp2"}


def project(text: str = PROJECT):
    return parse_project(text, "images.yaml")


def folder(tmp_path: Path, *files: str) -> Path:
    """A metadata folder of the fixtures named (relative to tests/fixtures/metadata), each in a
    subfolder of its own, as a CI's artefact download lays them out."""
    target = tmp_path / "metadata"
    for n, name in enumerate(files):
        (target / f"job{n}").mkdir(parents=True)
        shutil.copy(FIXTURES / name, target / f"job{n}" / Path(name).name)
    return target


def merge_errors(names, metadata: Path, text: str = PROJECT, variables=VARIABLES) -> list[tuple[str, str]]:
    with pytest.raises(BakegenError) as info:
        multiarch.plan_merge(project(text), names, meta.read_metadata_dir(metadata), variables)
    return [(d.code, str(d)) for d in info.value.diagnostics]


PLAIN = ("bakegen-plain/kid-par-linux-amd64.json", "bakegen-plain/kid-par-linux-arm64.json")
PROVENANCE = ("bakegen-provenance/kid-linux-amd64.json", "bakegen-provenance/kid-linux-arm64.json")


# --- the merge -----------------------------------------------------------------------------------


def test_plain_digests_merge_into_each_images_tags_in_platform_order(tmp_path):
    metadata = folder(tmp_path, *reversed(PLAIN))
    merges = multiarch.plan_merge(project(), ["kid", "par"], meta.read_metadata_dir(metadata), VARIABLES)
    assert [(m.target, m.tags, m.sources, m.platforms) for m in merges] == [
        (
            "par",
            ("localhost:5000/smexp2/par:1",),
            tuple(f"localhost:5000/smexp2/par@{PAR[p]}" for p in ("linux/amd64", "linux/arm64")),
            ("linux/amd64", "linux/arm64"),
        ),
        (
            "kid",
            ("localhost:5000/smexp2/kid:1", "localhost:5000/smexp2/kid-alias:latest"),
            tuple(f"localhost:5000/smexp2/kid@{KID[p]}" for p in ("linux/amd64", "linux/arm64")),
            ("linux/amd64", "linux/arm64"),
        ),
    ]
    assert merges[1].command() == [
        "docker", "buildx", "imagetools", "create",
        "--tag", "localhost:5000/smexp2/kid:1", "--tag", "localhost:5000/smexp2/kid-alias:latest",
        f"localhost:5000/smexp2/kid@{KID['linux/amd64']}", f"localhost:5000/smexp2/kid@{KID['linux/arm64']}",
    ]  # fmt: skip


def test_with_provenance_each_digest_is_an_index_and_its_platform_is_the_one_bakegen_wrote(tmp_path):
    pushed = meta.read_metadata_dir(folder(tmp_path, *PROVENANCE))
    # par was built in those runs only as kid's named context: no digest, left out
    assert [(p.target, p.platform, p.digest) for p in pushed] == [
        ("kid", platform, KID_INDEX[platform]) for platform in ("linux/amd64", "linux/arm64")
    ]
    (merge,) = multiarch.plan_merge(project(), ["kid"], pushed, VARIABLES)
    assert merge.sources == tuple(f"localhost:5000/smexp2/kid@{KID_INDEX[p]}" for p in ("linux/amd64", "linux/arm64"))


RAW = """\
version: 1
variables: {REGISTRY: localhost:5000/smexp}
images:
  kid:
    from: debian:bookworm
    dockerfile: D
    tags: ["kid:1", "kid2:1"]
    platforms: [linux/amd64, linux/arm64]
"""


def test_a_plain_bake_file_gives_the_platform_of_a_manifest_in_its_descriptor(tmp_path):
    (pushed,) = meta.read_metadata_dir(folder(tmp_path, "bake/kid-linux-amd64-manifest.json"))
    assert (pushed.target, pushed.platform, pushed.names) == (
        "kid",
        "linux/amd64",
        ("localhost:5000/smexp/kid", "localhost:5000/smexp/kid2"),
    )
    assert multiarch.repositories(project(RAW), "kid", {"REGISTRY": "localhost:5000/smexp"}) == list(pushed.names)


@pytest.mark.parametrize(
    "name",
    [
        "bake/kid-linux-arm64-index-no-provenance.json",
        # its provenance says linux/amd64: the platform the build ran on, not the one it built
        "bake/kid-linux-arm64-index-provenance.json",
    ],
)
def test_an_index_digest_of_unknown_platform_is_refused_with_the_fix(tmp_path, name):
    metadata = folder(tmp_path, name)
    with pytest.raises(BakegenError) as info:
        meta.read_metadata_dir(metadata)
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.code == "metadata-without-platform"
    assert str(diagnostic).startswith(f"{metadata}/job0/{Path(name).name}:2: error: kid: ")
    assert "bakegen build TARGET --platform P --push-by-digest --metadata-file F" in diagnostic.message


def test_a_descriptor_platform_that_is_not_text_is_refused_not_a_traceback(tmp_path):
    (tmp_path / "m.json").write_text(
        json.dumps(
            {
                "kid": {
                    "containerimage.digest": "sha256:" + "0" * 64,
                    "containerimage.descriptor": {"platform": {"os": ["linux"], "architecture": 3}},
                }
            }
        )
    )
    with pytest.raises(BakegenError) as info:
        meta.read_metadata_dir(tmp_path)
    assert [d.code for d in info.value.diagnostics] == ["metadata-without-platform"]


def test_a_missing_platform_tags_nothing_and_says_what_is_missing_and_what_is_complete(tmp_path):
    metadata = folder(tmp_path, PLAIN[0], PROVENANCE[1])  # par: amd64 only; kid: both
    assert merge_errors(["par", "kid"], metadata) == [
        (
            "merge-missing-platform",
            "error: no digest for par (linux/arm64) in the metadata files; complete: kid; nothing was tagged. "
            "Wait for those jobs (or re-run them), or merge only the complete images",
        )
    ]
    # the complete image alone merges
    (merge,) = multiarch.plan_merge(project(), ["kid"], meta.read_metadata_dir(metadata), VARIABLES)
    assert merge.sources[0].endswith(KID["linux/amd64"]) and merge.sources[1].endswith(KID_INDEX["linux/arm64"])


def test_two_digests_for_one_platform_are_a_conflict(tmp_path):
    metadata = folder(tmp_path, PLAIN[0], PROVENANCE[0], PLAIN[1])
    ((code, message),) = merge_errors(["kid"], metadata)
    assert code == "merge-conflict"
    assert f"kid linux/amd64: digest {KID_INDEX['linux/amd64']} here, {KID['linux/amd64']} in " in message
    assert "job1/kid-linux-amd64.json:2: error:" in message


def test_tags_that_resolve_elsewhere_than_the_push_are_refused(tmp_path):
    errors = merge_errors(["par"], folder(tmp_path, *PLAIN), variables={"REGISTRY": "swr.example.com/team"})
    assert {code for code, _ in errors} == {"merge-registry-mismatch"}
    assert (
        "par linux/amd64 was pushed to localhost:5000/smexp2/par, but its tags resolve to swr.example.com/team/par; "
        "merge with the variables the build had (REGISTRY='swr.example.com/team' now" in errors[0][1]
    )


def test_a_digest_for_a_platform_the_image_does_not_declare(tmp_path):
    text = PROJECT.replace("platforms: [linux/amd64, linux/arm64]", "platforms: [linux/amd64]")
    errors = merge_errors(["kid"], folder(tmp_path, *PLAIN), text)
    assert [code for code, _ in errors] == ["merge-unexpected-platform"]
    assert "kid: a digest for linux/arm64, which 'kid' does not declare (its platforms: linux/amd64)" in errors[0][1]


@pytest.mark.parametrize(
    "content, expected",
    [
        ('{"kid": ', ":1:9: error: not a JSON file (Expecting value); expected bake's --metadata-file"),
        ("[1]", ":1: error: expected bake's metadata: a JSON object of target -> result"),
        ('{\n  "kid": {"containerimage.digest": "md5:x", "image.name": "a"}}', ":2: error: kid: containerimage.digest"),
    ],
)
def test_files_that_are_not_bake_metadata(tmp_path, content, expected):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "x.json").write_text(content)
    with pytest.raises(BakegenError) as info:
        meta.read_metadata_dir(tmp_path / "m")
    assert str(info.value.diagnostics[0]).startswith(str(tmp_path / "m" / "x.json") + expected)


def test_an_empty_folder_says_how_the_files_are_made(tmp_path):
    with pytest.raises(BakegenError) as info:
        meta.read_metadata_dir(tmp_path)
    assert info.value.diagnostics[0].code == "no-metadata-file"


def test_registry_resolves_as_bake_does_var_then_environment_then_default():
    p = project()
    assert bakevars.values(p, {}, {}) == {"REGISTRY": "localhost:5000/smexp2"}
    assert bakevars.values(p, {}, {"REGISTRY": "swr.example.com/a"}) == {"REGISTRY": "swr.example.com/a"}
    assert bakevars.values(p, {"REGISTRY": "b.io/c"}, {"REGISTRY": "swr.example.com/a"}) == {
        "REGISTRY": "b.io/c"
    }
    assert multiarch.repository("localhost:5000/a/b:1") == "localhost:5000/a/b"
    assert multiarch.repository("localhost:5000/a/b") == "localhost:5000/a/b"


def test_merge_command_dry_run_prints_the_commands_and_a_missing_platform_exits_1(tmp_path, capsys, monkeypatch):
    (tmp_path / "images.yaml").write_text(PROJECT)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REGISTRY", raising=False)
    metadata = folder(tmp_path, *PLAIN)
    assert main(["merge", "layer-application", "--metadata-dir", str(metadata), "--dry-run"]) == 0
    assert capsys.readouterr().out == (
        "docker buildx imagetools create --tag localhost:5000/smexp2/kid:1 --tag localhost:5000/smexp2/kid-alias:latest "
        f"localhost:5000/smexp2/kid@{KID['linux/amd64']} localhost:5000/smexp2/kid@{KID['linux/arm64']}\n"
    )
    (metadata / "job1" / Path(PLAIN[1]).name).unlink()
    assert main(["merge", "kid", "par", "--metadata-dir", str(metadata), "--dry-run"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no digest for par (linux/arm64); kid (linux/arm64)" in captured.err
    assert main(["merge", "kid", "--metadata-dir", str(tmp_path / "nowhere")]) == 2


# --- the split matrix ------------------------------------------------------------------------------

CHAIN = """\
version: 1
variables: {REGISTRY: r.example.com/t}
defaults:
  platforms: [linux/amd64, linux/arm64]
images:
  base:
    from: debian:bookworm
    dockerfile: D
  tool:
    from: base
    dockerfile: D
    platforms: [linux/arm64]
  app:
    from: base
    dockerfile: D
"""


def test_split_matrix_has_one_job_per_image_and_platform_with_a_runner_hint():
    jobs = emit.matrix(project(CHAIN), split_platforms=True)["include"]
    assert [(j["target"], j["platform"], j["arch"], j["name"], j["needs"]) for j in jobs] == [
        ("base", "linux/amd64", "amd64", "base-linux-amd64", []),
        ("base", "linux/arm64", "arm64", "base-linux-arm64", []),
        ("app", "linux/amd64", "amd64", "app-linux-amd64", ["base"]),
        ("app", "linux/arm64", "arm64", "app-linux-arm64", ["base"]),
        ("tool", "linux/arm64", "arm64", "tool-linux-arm64", ["base"]),
    ]
    assert all("platforms" not in j and j["layer"] for j in jobs)


def test_split_matrix_with_leaves_selection_and_waves():
    p = project(CHAIN)
    leaves = emit.matrix(p, leaves_only=True, split_platforms=True)["include"]
    assert [j["name"] for j in leaves] == ["app-linux-amd64", "app-linux-arm64", "tool-linux-arm64"]
    chosen = emit.matrix(p, p.graph.expand(["tool"]), split_platforms=True)["include"]
    assert [j["name"] for j in chosen] == ["tool-linux-arm64"]
    assert emit.waves(p, p.graph.expand(["tool"]), split_platforms=True) == [
        [
            {"target": "base", "platform": "linux/amd64", "arch": "amd64", "name": "base-linux-amd64"},
            {"target": "base", "platform": "linux/arm64", "arch": "arm64", "name": "base-linux-arm64"},
        ],
        [{"target": "tool", "platform": "linux/arm64", "arch": "arm64", "name": "tool-linux-arm64"}],
    ]
    assert emit.waves(p, p.graph.expand(["tool"])) == [["base"], ["tool"]]  # unchanged without the flag


def test_a_platform_variant_is_in_the_job_name():
    jobs = emit.matrix(project(CHAIN.replace("platforms: [linux/amd64, linux/arm64]", "platforms: [linux/amd64, linux/arm/v7, linux/arm64]")), split_platforms=True)["include"]  # fmt: skip
    (arm,) = [j for j in jobs if j["platform"] == "linux/arm/v7" and j["target"] == "app"]
    assert (arm["arch"], arm["name"]) == ("arm", "app-linux-arm-v7")


def test_split_needs_declared_platforms(tmp_path, capsys, monkeypatch):
    text = "version: 1\nimages:\n  a:\n    from: debian:bookworm\n    dockerfile: D\n"
    (tmp_path / "images.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    assert main(["matrix", "--split-platforms"]) == 1
    assert capsys.readouterr().err == (
        "images.yaml:3:3: error: 'a' declares no platforms, so it has no per-platform jobs; add "
        "'platforms: [linux/amd64, linux/arm64]' to it (or to defaults), or leave out --split-platforms\n"
    )
    assert main(["matrix"]) == 0


def test_split_matrix_on_the_command_line(tmp_path, capsys, monkeypatch):
    (tmp_path / "images.yaml").write_text(CHAIN)
    monkeypatch.chdir(tmp_path)
    assert main(["matrix", "--split-platforms", "--leaves", "--compact", "tool"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out) == {
        "include": [
            {
                "target": "tool",
                "platform": "linux/arm64",
                "arch": "arm64",
                "name": "tool-linux-arm64",
                "layer": "application",
                "needs": ["base"],
            }
        ]
    }
    assert out.count("\n") == 1
    assert main(["matrix", "--split-platforms", "--waves", "--compact"]) == 0
    assert [[j["name"] for j in wave] for wave in json.loads(capsys.readouterr().out)] == [
        ["base-linux-amd64", "base-linux-arm64"],
        ["app-linux-amd64", "app-linux-arm64", "tool-linux-arm64"],
    ]


# --- the per-platform build ----------------------------------------------------------------------


def test_a_per_platform_build_narrows_the_ancestors_to_its_platform():
    p = project(CHAIN)
    overrides = multiarch.platform_overrides(p, ["app"], "linux/amd64")
    assert overrides == {"app.platform": "linux/amd64"}
    assert plan_build(p, ["app"], overrides).narrowed == {"base": ("linux/amd64",)}
    with pytest.raises(BakegenError) as info:
        multiarch.digest_push_overrides(p, ["app"], {"REGISTRY": "r.example.com/t"})
    assert info.value.diagnostics[0].code == "no-tags-to-push"


def test_push_by_digest_names_the_repositories_of_the_tags_and_empties_the_tags():
    p = project()
    assert multiarch.digest_push_overrides(p, ["kid"], {"REGISTRY": "swr.example.com/team"}) == {
        "kid.tags": "",
        "kid.output": 'type=image,"name=swr.example.com/team/kid,swr.example.com/team/kid-alias",'
        "push-by-digest=true,name-canonical=true,push=true",
    }


def test_a_platform_the_image_does_not_build_is_refused():
    with pytest.raises(BakegenError) as info:
        multiarch.platform_overrides(project(CHAIN), ["tool"], "linux/amd64")
    assert [str(d) for d in info.value.diagnostics] == [
        "images.yaml:9:3: error: 'tool' is not built for linux/amd64 (its platforms: linux/arm64); "
        "pick one of those, or add linux/amd64 to it"
    ]


# Records bake's arguments and writes the metadata file a real run wrote (the fixture in $METADATA).
RECORDING_DOCKER = """\
#!/bin/sh
printf '%s\\n' "$@" > "$RECORD"
prev=
for arg in "$@"; do
  if [ "$prev" = --metadata-file ]; then cp "$METADATA" "$arg"; fi
  prev=$arg
done
"""


def test_build_push_by_digest_hands_bake_the_output_and_records_the_platform(tmp_path):
    (tmp_path / "images.yaml").write_text(PROJECT)
    (tmp_path / "D").write_text(CONVENTIONAL_DOCKERFILE)
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "docker").write_text(RECORDING_DOCKER)
    (tmp_path / "bin" / "docker").chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}",
        "RECORD": str(tmp_path / "argv"),
        "METADATA": str(FIXTURES / PROVENANCE[1]),
        "REGISTRY": "localhost:5000/smexp2",
    }
    argv = [sys.executable, "-m", "bakegen", "build", "kid", "--platform", "linux/arm64", "--push-by-digest"]
    result = subprocess.run(
        [*argv, "--metadata-file", "out/kid.json"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    args = (tmp_path / "argv").read_text().splitlines()
    assert "kid.platform=linux/arm64" in args and "kid.tags=" in args
    assert (
        'kid.output=type=image,"name=localhost:5000/smexp2/kid,localhost:5000/smexp2/kid-alias",'
        "push-by-digest=true,name-canonical=true,push=true"
    ) in args
    assert "--push" not in args
    written = json.loads((tmp_path / "out" / "kid.json").read_text())
    assert written["kid"]["bakegen.platform"] == "linux/arm64"
    assert "bakegen.platform" not in written["par"]  # no digest: not pushed in that run
    assert result.stdout == f"pushed kid linux/arm64: localhost:5000/smexp2/kid@{KID_INDEX['linux/arm64']}\n"

    for extra, message in (
        ([], "--push-by-digest goes with --platform P and --metadata-file F"),
        (["--metadata-file", "m.json", "--push"], "and without --push or --load"),
    ):
        bad = subprocess.run([*argv, *extra], capture_output=True, text=True, env=env, cwd=tmp_path)
        assert bad.returncode == 2 and message in bad.stderr, bad.stderr

    # --push --platform would replace kid's (and par's) multi-platform tags with one platform
    (tmp_path / "argv").unlink()
    narrowed = subprocess.run(
        [sys.executable, "-m", "bakegen", "build", "kid", "--push", "--platform", "linux/arm64"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert narrowed.returncode == 1, narrowed.stderr
    assert "push-drops-platforms" in narrowed.stderr or "would replace the tags of 'kid'" in narrowed.stderr
    assert "would replace the tags of 'par'" in narrowed.stderr and "bakegen merge" in narrowed.stderr
    assert "Traceback" not in narrowed.stderr and not (tmp_path / "argv").exists()  # bake never ran


# --- attestations -----------------------------------------------------------------------------------


ATTEST = """\
version: 1
variables: {REGISTRY: r.example.com/t}
defaults:
  attest: {provenance: max}
images:
  a:
    from: debian:bookworm
    dockerfile: D
  b:
    from: a
    dockerfile: D
    attest: {sbom: true}
  c:
    from: a
    dockerfile: D
    attest: {provenance: false}
  d:
    from: debian:bookworm
    dockerfile: D
"""


def test_attestations_are_off_by_default_and_merged_key_by_key_with_defaults():
    images = project(ATTEST).images
    assert [(i.id, i.attest.provenance, i.attest.sbom) for i in images.values()] == [
        ("a", "max", False),
        ("b", "max", True),
        ("c", "false", False),
        ("d", "max", False),
    ]
    plain = project(ATTEST.replace("defaults:\n  attest: {provenance: max}\n", "")).images
    assert (plain["a"].attest.provenance, plain["a"].attest.sbom) == ("false", False)
    assert project(ATTEST.replace("max", "true")).images["a"].attest.provenance == "min"


def test_each_target_calls_the_attest_function_that_the_variables_override():
    text = render_bake(project(ATTEST))
    targets = hclread.targets(text)
    assert targets["b"]["attest"] == '${bakegen_attest("max", "true")}'
    assert targets["c"]["attest"] == '${bakegen_attest("false", "false")}'
    assert hclread.variables(text)["ATTEST_PROVENANCE"] == ""
    assert 'function "bakegen_attest" {' in text


def test_a_wrong_attest_value_names_the_field():
    with pytest.raises(BakegenError) as info:
        project(ATTEST.replace("provenance: max", "provenance: maximal"))
    (message,) = [str(d) for d in info.value.diagnostics]
    assert message.startswith("images.yaml:4:")
    assert "'maximal'" in message and "min" in message and "max" in message


@pytest.mark.skipif(shutil.which("docker") is None, reason="needs the docker CLI with buildx")
@pytest.mark.parametrize(
    "environment, expected",
    [
        ({}, [{"type": "provenance", "mode": "max"}, {"type": "sbom"}]),
        ({"ATTEST_PROVENANCE": "false"}, [{"type": "provenance", "disabled": True}, {"type": "sbom"}]),
        ({"ATTEST_PROVENANCE": "true", "ATTEST_SBOM": "false"}, [{"type": "provenance", "mode": "min"}, {"type": "sbom", "disabled": True}]),
    ],
)  # fmt: skip
def test_bake_reads_the_attest_function_as_meant(tmp_path, environment, expected):
    """bake itself evaluates the function (no builder needed for --print)."""
    (tmp_path / "docker-bake.hcl").write_text(render_bake(project(ATTEST), tmp_path / "docker-bake.hcl"))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ATTEST_")}, **environment}
    result = subprocess.run(
        ["docker", "buildx", "bake", "--print", "--progress", "quiet", "b"],
        capture_output=True, text=True, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["target"]["b"]["attest"] == expected


@pytest.mark.parametrize("name, value", [("ATTEST_PROVENANCE", "bogus"), ("ATTEST_SBOM", "min"), ("ATTEST_PROVENANCE", "MIN")])
def test_a_default_of_an_attest_variable_that_bake_would_pass_on_as_it_is_is_refused(name, value):
    doc = ATTEST.replace("variables: {REGISTRY: r.example.com/t}", f"variables: {{REGISTRY: r.example.com/t, {name}: {value}}}")
    with pytest.raises(BakegenError) as info:
        parse_project(doc)
    (diagnostic,) = [d for d in info.value.diagnostics if d.code == "invalid-attest-variable"]
    assert diagnostic.position.line == 2 and f"{name} '{value}'" in diagnostic.message


def test_the_attest_variables_values_are_taken():
    for provenance in ("", "false", "true", "min", "max"):
        for sbom in ("", "true", "false"):
            doc = ATTEST.replace(
                "variables: {REGISTRY: r.example.com/t}",
                f"variables: {{REGISTRY: r.example.com/t, ATTEST_PROVENANCE: '{provenance}', ATTEST_SBOM: '{sbom}'}}",
            )
            assert parse_project(doc).variables["ATTEST_PROVENANCE"] == provenance
