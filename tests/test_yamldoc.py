"""Reading YAML with positions: where a value (or its key) is, and what exactly was written."""

import gc
import textwrap

import pytest

from bakegen.errors import BakegenError, Position
from bakegen.yamldoc import parse_document


def doc(text: str):
    return parse_document(textwrap.dedent(text).lstrip("\n"), "f.yaml")


def at(line: int, column: int) -> Position:
    return Position("f.yaml", line, column)


def refused(text: str) -> str:
    with pytest.raises(BakegenError) as info:
        doc(text)
    return str(info.value)


SAMPLE = """
version: 1
images:
  a:
    from: ubuntu:22.04
    tags: [a:1, "a:2"]
    args: {PY: 3.10, ON: yes, HEX: 0x1F, DAY: 2025-01-01, TEXT: "3.10"}
"""


def test_where_names_the_value_or_its_key_else_the_nearest_parent():
    d = doc(SAMPLE)
    assert d.where(("images", "a", "from")) == at(4, 11)
    assert d.where(("images", "a", "from"), key=True) == at(4, 5)
    assert d.where(("images", "a", "tags", 1)) == at(5, 17)
    assert d.where(("images", "a", "tags", 1), key=True) == at(5, 17)  # a list item has no key
    assert d.where(("images", "a", "nope", "deeper")) == at(4, 5)  # the value of images.a
    assert d.where(("images", "a", "nope"), key=True) == at(3, 3)  # the key of images.a
    assert d.where(("images", "a", "tags", 2)) == at(5, 11)
    assert d.where(("images", "a", "tags", -1)) == at(5, 11)
    assert d.where(("images", "a", "tags", "0")) == at(5, 11)
    assert d.where(()) == d.where(("nope",)) == at(1, 1)


def test_has_says_whether_a_value_is_there():
    d = doc(SAMPLE)
    assert d.has(()) and d.has(("images", "a", "tags", 0)) and d.has(["images", "a", "args", "PY"])
    assert not d.has(("images", "a", "tags", 2))
    assert not d.has(("images", "a", "tags", -1))
    assert not d.has(("images", "b"))
    assert not d.has(("version", "x"))
    assert not doc("").has(())


def test_scalars_are_kept_as_written():
    d = doc(SAMPLE)
    assert d.data["images"]["a"]["args"] == {"PY": 3.1, "ON": True, "HEX": 31, "DAY": "2025-01-01", "TEXT": "3.10"}
    written = {name: d.scalar_text(("images", "a", "args", name)) for name in d.data["images"]["a"]["args"]}
    assert written == {"PY": "3.10", "ON": "yes", "HEX": "0x1F", "DAY": "2025-01-01", "TEXT": "3.10"}
    assert d.scalar_text(("images", "a", "args")) is None  # a mapping, not a scalar
    assert d.scalar_text(("images", "a", "args", "NOPE")) is None


def test_an_empty_document_has_no_data_and_positions_at_its_start():
    d = doc("")
    assert d.data is None
    assert d.where(("images",)) == at(1, 1)
    assert d.scalar_text(()) is None


def test_aliased_values_are_where_their_anchor_is():
    d = doc(
        """
        defaults: &d {platforms: [linux/arm64]}
        images:
          a: *d
        """
    )
    assert d.data["images"]["a"] == {"platforms": ["linux/arm64"]}
    assert d.data["images"]["a"] is not d.data["defaults"]  # each alias is its own copy
    assert d.where(("images", "a", "platforms", 0)) == at(1, 27)
    assert d.where(("images", "a"), key=True) == at(3, 3)


def test_merge_keys_own_keys_win_and_of_a_merged_list_the_first():
    d = doc(
        """
        one: &one {x: 1, y: 1}
        two: &two {x: 2, y: 2, z: 2}
        m:
          <<: [*one, *two]
          y: own
        """
    )
    assert d.data["m"] == {"x": 1, "y": "own", "z": 2}
    assert list(d.data["m"]) == ["x", "y", "z"]
    assert d.where(("m", "x")) == at(1, 15)  # from *one
    assert d.where(("m", "z"), key=True) == at(2, 24)  # from *two
    assert d.where(("m", "y")) == at(5, 6)
    assert d.where(("m", "y"), key=True) == at(5, 3)
    assert d.scalar_text(("m", "x")) == "1"
    assert not d.has(("m", "<<"))


def test_an_alias_of_a_mapping_that_overrides_a_merged_key_is_no_duplicate():
    d = doc(
        """
        a: &a
          <<: {from: "u:1", dockerfile: y}
          dockerfile: x
        b: *a
        """
    )
    assert d.data["a"] == d.data["b"] == {"from": "u:1", "dockerfile": "x"}


def test_duplicate_keys_name_both_positions_even_beside_merged_ones():
    message = refused(
        """
        base: &b {x: 1}
        m:
          <<: *b
          x: 2
          x: 3
        """
    )
    assert message.startswith("f.yaml:5:3: error: duplicate key 'x' (first defined at line 4)")


def test_an_invalid_merged_value_is_reported_even_when_overridden():
    assert refused("m: {<<: [{x: 1}, {x: !!int no}]}\n").startswith("f.yaml:1:22: error: invalid value")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a: &a {x: 1, <<: *a}\n", "f.yaml:1:4: error: an alias refers to a value that contains it"),
        ("a: {<<: [{x: 1}, [y]]}\n", "f.yaml:1:4: error: invalid merge key: expected a mapping for merging, but found sequence"),
        ("a: {<<: x}\n", "f.yaml:1:4: error: invalid merge key: expected a mapping or list of mappings"),
        ("m: {<<: {[a]: 1}}\n", "f.yaml:1:10: error: a mapping key must be plain text"),
    ],
)
def test_bad_merges_are_messages(text, expected):
    assert refused(text).startswith(expected)


def test_merges_cannot_expand_without_bound():
    # each level merges the one before ten times: 10**7 pairs if each were kept
    lines = ["a0: &a0 {k: v}"]
    for n in range(1, 8):
        lines.append(f"a{n}: &a{n} {{<<: [" + ", ".join([f"*a{n - 1}"] * 10) + "]}")
    d = doc("\n".join(lines) + "\n")
    assert d.data["a7"] == {"k": "v"}
    lines = ["a0: &a0 [x]"]
    for n in range(1, 10):
        lines.append(f"a{n}: &a{n} {{<<: [" + ", ".join([f"{{k{i}: *a{n - 1}}}" for i in range(10)]) + "]}")
    assert "expands to more than" in refused("\n".join(lines) + "\n")


def test_reading_leaves_the_garbage_collector_as_it_found_it():
    frozen = gc.get_freeze_count()  # another test may have run `bakegen build`, which freezes
    assert gc.isenabled()
    doc(SAMPLE)
    assert gc.isenabled() and gc.get_freeze_count() == frozen  # nothing kept out of its sight
    with pytest.raises(BakegenError):
        doc("a: {<<: x}\n")
    assert gc.isenabled()
    gc.disable()
    try:
        doc(SAMPLE)
        assert not gc.isenabled()
    finally:
        gc.enable()
    gc.freeze()  # what someone else froze stays frozen
    try:
        count = gc.get_freeze_count()
        doc(SAMPLE)
        assert gc.get_freeze_count() == count
    finally:
        gc.unfreeze()
