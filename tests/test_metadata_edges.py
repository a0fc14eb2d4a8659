"""bakegen.metadata: bake's metadata file read, each problem with its position and code."""

from __future__ import annotations

import json

import pytest

from bakegen import metadata
from bakegen.errors import BakegenError, Position, UsageError

DIGEST = "sha256:" + "a" * 64
OTHER = "sha256:" + "b" * 64


def diagnostics(call):
    with pytest.raises(BakegenError) as caught:
        call()
    return caught.value.diagnostics


def test_read_a_metadata_file(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"kid": {metadata.DIGEST_KEY: DIGEST}}), encoding="utf-8")
    assert metadata.read(path) == {"kid": {"containerimage.digest": DIGEST}}


def test_read_a_missing_or_undecodable_file(tmp_path):
    [d] = diagnostics(lambda: metadata.read(tmp_path / "none.json"))
    assert d.code == "invalid-metadata" and d.position == Position(str(tmp_path / "none.json"))
    assert d.message.startswith("cannot read bake's metadata file: [Errno 2]")
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"x": "\xff"}')
    [d] = diagnostics(lambda: metadata.read(bad))
    assert d.code == "invalid-metadata" and d.message.startswith("cannot read bake's metadata file: 'utf-8' codec")


def test_not_json_names_line_and_column(tmp_path):
    path = tmp_path / "m.json"
    path.write_text('{\n  "kid": ,\n}\n')
    [d] = diagnostics(lambda: metadata.read(path))
    assert d.position == Position(str(path), 2, 10)
    assert d.message == "not a JSON file (Expecting value); expected bake's --metadata-file"
    assert d.code == "invalid-metadata"


def test_json_that_is_not_an_object(tmp_path):
    [d] = diagnostics(lambda: metadata.read_metadata("[1, 2]", "m.json"))
    assert d.position == Position("m.json", 1)
    assert d.message == "expected bake's metadata: a JSON object of target -> result"
    assert d.code == "invalid-metadata"


def test_published_in_the_order_asked_skipping_what_is_not_there():
    data = {
        "a": {metadata.DIGEST_KEY: DIGEST, metadata.NAME_KEY: "r/a:1,,r/a:latest"},
        "b": {metadata.DIGEST_KEY: 7},
        "c": "not an entry",
        "d": {metadata.NAME_KEY: None},
    }
    assert metadata.published(data, ["d", "c", "missing", "b", "a"]) == [
        metadata.Published("d", None, ()),
        metadata.Published("b", None, ()),
        metadata.Published("a", DIGEST, ("r/a:1", "r/a:latest")),
    ]


def entry(platform=None, digest=DIGEST, names="localhost:5000/kid", descriptor=None):
    e = {metadata.DIGEST_KEY: digest}
    if names is not None:
        e[metadata.NAME_KEY] = names
    if platform is not None:
        e[metadata.PLATFORM_KEY] = platform
    if descriptor is not None:
        e[metadata.DESCRIPTOR_KEY] = descriptor
    return e


def test_read_metadata_positions_each_entry_at_its_line():
    text = json.dumps({"par": {"no": "digest"}, "kid": entry("linux/arm64", names="r/kid,,r2/kid")}, indent=2)
    [pushed] = metadata.read_metadata(text, "m.json")
    assert pushed == metadata.Pushed("kid", "linux/arm64", DIGEST, ("r/kid", "r2/kid"), Position("m.json", 5))
    assert pushed.source.line == 5


@pytest.mark.parametrize(
    ("descriptor", "expected"),
    [
        ({"platform": {"os": "linux", "architecture": "arm64"}}, "linux/arm64"),
        ({"platform": {"os": "linux", "architecture": "arm", "variant": "v7"}}, "linux/arm/v7"),
        ({"platform": {"os": "linux", "architecture": "amd64", "variant": ""}}, "linux/amd64"),
        ({"platform": {"os": "linux", "architecture": "amd64", "variant": None}}, "linux/amd64"),
    ],
)
def test_the_platform_from_the_descriptor(descriptor, expected):
    text = json.dumps({"kid": entry(descriptor=descriptor)})
    [pushed] = metadata.read_metadata(text, "m.json")
    assert pushed.platform == expected


def test_the_recorded_platform_wins_over_the_descriptor():
    descriptor = {"platform": {"os": "linux", "architecture": "amd64"}}
    [pushed] = metadata.read_metadata(json.dumps({"kid": entry("linux/arm64", descriptor=descriptor)}), "m")
    assert pushed.platform == "linux/arm64"
    [pushed] = metadata.read_metadata(json.dumps({"kid": entry("", descriptor=descriptor)}), "m")
    assert pushed.platform == "linux/amd64"
    [pushed] = metadata.read_metadata(json.dumps({"kid": entry(5, descriptor=descriptor)}), "m")
    assert pushed.platform == "linux/amd64"


@pytest.mark.parametrize(
    "descriptor",
    [
        {"platform": {"os": "linux"}},
        {"platform": {"architecture": "amd64"}},
        {"platform": {"os": "", "architecture": "amd64"}},
        {"platform": {"os": "linux", "architecture": 64}},
        {"platform": {"os": 1, "architecture": "amd64"}},
        {"platform": {"os": "linux", "architecture": "arm", "variant": 7}},
        {"platform": "linux/amd64"},
        "linux/amd64",
    ],
)
def test_a_descriptor_without_a_usable_platform(descriptor):
    text = json.dumps({"kid": entry(descriptor=descriptor)})
    [d] = diagnostics(lambda: metadata.read_metadata(text, "m.json"))
    assert d.code == "metadata-without-platform"


def test_every_problem_of_a_file_with_its_message():
    text = json.dumps(
        {
            "a": entry("linux/amd64", digest="md5:x"),
            "b": entry("linux/amd64", digest=5),
            "c": entry(),
            "d": entry("linux/amd64", names=""),
            "e": entry("linux/amd64", names=None),
        },
        indent=2,
    )
    problems = diagnostics(lambda: metadata.read_metadata(text, "m.json"))
    assert [(str(d.position), d.code, d.message) for d in problems] == [
        ("m.json:2", "invalid-metadata", "a: containerimage.digest is not a sha256 digest"),
        ("m.json:7", "invalid-metadata", "b: containerimage.digest is not a sha256 digest"),
        (
            "m.json:12",
            "metadata-without-platform",
            f"c: the file does not say which platform {DIGEST} is for; write it with "
            "`bakegen build TARGET --platform P --push-by-digest --metadata-file F`",
        ),
        ("m.json:16", "invalid-metadata", "d: no image.name: the digest was not pushed"),
        ("m.json:21", "invalid-metadata", "e: no image.name: the digest was not pushed"),
    ]


def test_record_platform_writes_it_into_the_requested_entries(tmp_path):
    path = tmp_path / "m.json"
    data = {
        "kid": entry(),
        "par": {"buildx.build.ref": "x"},
        "other": entry("linux/amd64", digest=OTHER),
    }
    path.write_text(json.dumps(data))
    pushed = metadata.record_platform(path, ["kid", "par"], "linux/arm64")
    assert pushed == [metadata.Pushed("kid", "linux/arm64", DIGEST, ("localhost:5000/kid",), Position(str(path), 2))]
    written = path.read_text()
    assert written.endswith("}\n") and written.startswith('{\n  "kid": {\n')
    assert json.loads(written) == {
        "kid": {**entry(), metadata.PLATFORM_KEY: "linux/arm64"},
        "par": {"buildx.build.ref": "x"},
        "other": entry("linux/amd64", digest=OTHER),
    }


def test_record_platform_without_a_file(tmp_path):
    [d] = diagnostics(lambda: metadata.record_platform(tmp_path / "m.json", ["kid"], "linux/amd64"))
    assert d.code == "no-metadata-file" and d.message == "bake wrote no metadata file"
    assert d.position == Position(str(tmp_path / "m.json"))


def test_read_metadata_dir_reads_subfolders_in_order(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a").mkdir()
    (tmp_path / "b" / "m.json").write_text(json.dumps({"kid": entry("linux/arm64", digest=OTHER)}))
    (tmp_path / "a" / "m.json").write_text(json.dumps({"kid": entry("linux/amd64")}))
    (tmp_path / "a" / "notes.txt").write_text("not metadata")
    (tmp_path / "c.json").mkdir()  # a folder named like a file is not read
    pushed = metadata.read_metadata_dir(tmp_path)
    assert [(p.platform, p.source.file) for p in pushed] == [
        ("linux/amd64", str(tmp_path / "a" / "m.json")),
        ("linux/arm64", str(tmp_path / "b" / "m.json")),
    ]


def test_read_metadata_dir_problems(tmp_path):
    with pytest.raises(UsageError) as caught:
        metadata.read_metadata_dir(tmp_path / "nope")
    assert str(caught.value) == f"error: --metadata-dir {tmp_path / 'nope'}: not a folder"
    [d] = diagnostics(lambda: metadata.read_metadata_dir(tmp_path))
    assert d.code == "no-metadata-file" and d.position == Position(str(tmp_path))
    assert d.message.startswith("no metadata files (*.json) here; each per-platform job writes one with `bakegen build")
    (tmp_path / "m.json").write_bytes(b"\xff")
    [d] = diagnostics(lambda: metadata.read_metadata_dir(tmp_path))
    assert d.code == "invalid-metadata" and d.position == Position(str(tmp_path / "m.json"))
    assert d.message.startswith("cannot read: 'utf-8' codec")


def test_the_line_of_an_entry_is_that_of_its_key_at_the_top_level():
    text = '\n{"kid": ' + json.dumps(entry("linux/amd64")) + ',\n "par": {"kid": 1}}'
    [pushed] = metadata.read_metadata(text, "m.json")
    assert pushed.source == Position("m.json", 2)


def test_an_entry_whose_key_is_not_written_as_json_dumps_writes_it_has_no_line():
    text = '{"kü": ' + json.dumps(entry("linux/amd64")) + "}"  # json.dumps writes "k\\u00fc"
    [pushed] = metadata.read_metadata(text, "m.json")
    assert pushed.source == Position("m.json", None)


def test_record_platform_names_the_file_of_a_broken_metadata_file(tmp_path):
    path = tmp_path / "m.json"
    path.write_text("{")
    [d] = diagnostics(lambda: metadata.record_platform(path, ["kid"], "linux/amd64"))
    assert d.position.file == str(path) and d.code == "invalid-metadata"


def test_the_whole_message_of_an_empty_metadata_folder(tmp_path):
    [d] = diagnostics(lambda: metadata.read_metadata_dir(tmp_path))
    assert d.message == (
        "no metadata files (*.json) here; each per-platform job writes one with "
        "`bakegen build TARGET --platform P --push-by-digest --metadata-file F`"
    )
