"""Reading YAML at its edges: files that cannot be read or decoded, every kind of invalid YAML
with its exact message and position, merge keys' corner cases, the expansion limit, and the
garbage collector's pause."""

import gc
import textwrap

import pytest
import yaml

from bakegen import yamldoc
from bakegen.errors import BakegenError, Position
from bakegen.yamldoc import decode, load_document, parse_document


def doc(text: str):
    return parse_document(textwrap.dedent(text).lstrip("\n"), "f.yaml")


def problem(text: str):
    with pytest.raises(BakegenError) as info:
        doc(text)
    (diagnostic,) = info.value.diagnostics
    return diagnostic


def at(line: int | None = None, column: int | None = None) -> Position:
    return Position("f.yaml", line, column)


# The stable code of each kind of message that reading a document can give (`check --json`)
CODE_OF = {
    "duplicate key": "duplicate-key",
    "a mapping key must be plain text": "key-not-text",
    "an alias refers to a value that contains it": "recursive-alias",
    "invalid merge key": "invalid-merge-key",
}


def code_of(message: str) -> str:
    (code,) = [code for start, code in CODE_OF.items() if message.startswith(start)]
    return code


# --- files ----------------------------------------------------------------------------------


def test_a_missing_file_is_named_as_the_caller_shows_it(tmp_path):
    with pytest.raises(BakegenError) as info:
        load_document(tmp_path / "nope.yaml", "images.yaml")
    (diagnostic,) = info.value.diagnostics
    assert (diagnostic.position, diagnostic.message, diagnostic.code) == (
        Position("images.yaml"),
        "file not found",
        "file-not-found",
    )
    with pytest.raises(BakegenError) as info:
        load_document(tmp_path / "nope.yaml")
    assert info.value.diagnostics[0].position == Position(str(tmp_path / "nope.yaml"))


def test_a_file_that_cannot_be_read_says_why(tmp_path):
    with pytest.raises(BakegenError) as info:
        load_document(tmp_path, "images.yaml")  # a folder
    (diagnostic,) = info.value.diagnostics
    assert (diagnostic.position, diagnostic.message, diagnostic.code) == (
        Position("images.yaml"),
        "cannot read: Is a directory",
        "cannot-read",
    )


def test_a_file_is_read_and_named(tmp_path):
    path = tmp_path / "i.yaml"
    path.write_bytes("a: café\nb: [1]\n".encode())
    d = load_document(path, "shown.yaml")
    assert d.data == {"a": "café", "b": [1]}
    assert d.file == "shown.yaml"
    assert d.where(("b", 0)) == Position("shown.yaml", 2, 5)
    assert load_document(path).file == str(path)


@pytest.mark.parametrize(
    "start, encoding",
    [
        (b"\xff\xfe\x00\x00", "UTF-32"),  # little-endian: it starts with UTF-16's mark too
        (b"\x00\x00\xfe\xff", "UTF-32"),
        (b"\xff\xfe", "UTF-16"),
        (b"\xfe\xff", "UTF-16"),
    ],
)
def test_a_byte_order_mark_names_the_encoding_and_the_fix(start, encoding):
    with pytest.raises(BakegenError) as info:
        decode(start + b"a\x00:\x00", "images.yaml")
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.position == Position("images.yaml", 1, 1)
    assert diagnostic.code == "not-utf8"
    assert diagnostic.message == (
        f"the file is {encoding} (it starts with a {encoding} byte order mark); bakegen reads UTF-8: "
        f"convert it, e.g. `iconv -f {encoding} -t UTF-8`"
    )


@pytest.mark.parametrize(
    "data, line, column, byte",
    [
        (b"\xe9", 1, 1, "e9"),
        (b"ab\xe9", 1, 3, "e9"),
        (b"ab\ncd\nef\x80g", 3, 3, "80"),
        (b"ab\n\xfe", 2, 1, "fe"),
        (b"\n\nab\xc3(", 3, 3, "c3"),  # a lead byte without its continuation
        (b"ab\xe9\ncd\n", 1, 3, "e9"),  # the lines after it do not count
        (b"x\nab\xe9c\nd\n", 2, 3, "e9"),
    ],
)
def test_a_byte_that_is_not_utf8_is_named_where_it_is(data, line, column, byte):
    with pytest.raises(BakegenError) as info:
        decode(data, "images.yaml")
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.position == Position("images.yaml", line, column)
    assert diagnostic.code == "not-utf8"
    assert diagnostic.message == (
        f"byte 0x{byte} is not UTF-8 (the file looks like Latin-1 or another 8-bit encoding); "
        "bakegen reads UTF-8: save it as UTF-8"
    )


def test_utf8_is_decoded_and_a_utf8_byte_order_mark_is_no_error():
    assert decode("a: é\n".encode(), "n") == "a: é\n"
    assert parse_document(decode(b"\xef\xbb\xbfa: 1\n", "n"), "n").data == {"a": 1}


# --- invalid YAML ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, position, message",
    [
        # the problem's mark, not the context's (1:4), and the context in parentheses
        ("a: [1, 2\n", at(2, 1), "invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence)"),
        ("a: b: c\n", at(1, 5), "invalid YAML: mapping values are not allowed in this context"),
        ("a: *x\n", at(1, 4), "invalid YAML: found undefined alias"),
        (
            "--- a\n--- b\n",
            at(2, 1),
            "invalid YAML: but found another document (expected a single document in the stream)",
        ),
    ],
)
def test_invalid_yaml_is_named_where_the_parser_stopped(text, position, message):
    diagnostic = problem(text)
    assert (diagnostic.position, diagnostic.message, diagnostic.code) == (position, message, "invalid-yaml")


@pytest.mark.parametrize("composer", [yamldoc.Composer, yaml.SafeLoader], ids=["libyaml", "python"])
@pytest.mark.parametrize(
    "text, position, code",
    [
        ("a: 'x\x01y'\n", at(1, 6), "0001"),
        ("a: x\n\x7fb: 1\n", at(2, 1), "007F"),
        ("a: x\nb: c\x00\n", at(2, 5), "0000"),
        ("\x1b", at(1, 1), "001B"),
    ],
)
def test_a_control_character_is_named_by_its_code_point_and_where_it_is(monkeypatch, composer, text, position, code):
    monkeypatch.setattr(yamldoc, "Composer", composer)
    diagnostic = problem(text)
    assert diagnostic.position == position
    assert diagnostic.code == "invalid-yaml"
    assert diagnostic.message == (
        f"invalid YAML: the character U+{code} is not allowed in YAML text; remove it (inside double quotes, "
        "write it as an escape such as \\t)"
    )


def test_a_control_character_after_an_empty_first_line_is_on_the_second():
    with pytest.raises(BakegenError) as info:
        parse_document("\na: \x02\n", "f.yaml")  # not through doc(), which drops the first line
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.position == at(2, 4)


@pytest.mark.parametrize("composer", [yamldoc.Composer, yaml.SafeLoader], ids=["libyaml", "python"])
def test_nesting_too_deep_to_read_is_a_message(monkeypatch, composer):
    monkeypatch.setattr(yamldoc, "Composer", composer)
    diagnostic = problem("[" * 3000 + "]" * 3000)
    assert (diagnostic.position, diagnostic.code, diagnostic.message) == (
        Position("f.yaml"),
        "too-deep",
        "nested too deeply to read",
    )


def test_an_empty_or_comment_only_document_has_no_data():
    for text in ("", "# nothing\n", "\n\n"):
        d = parse_document(text, "f.yaml")
        assert d.data is None and d.root is None and d.file == "f.yaml"
        assert d.where(("a", 0), key=True) == at(1, 1)
        assert not d.has(())


# --- values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, message",
    [
        ("a: !!int 0x\n", "invalid value: invalid literal for int() with base 16: ''"),
        ("a: !!float abc\n", "invalid value: could not convert string to float: 'abc'"),
        ("a: !!binary zz\n", "invalid value: failed to decode base64 data: Incorrect padding"),
        ("a: !!seq x\n", "invalid value: expected a sequence node, but found scalar"),
        ("a: !!timestamp 2025-13-45\n", "invalid value: month must be in 1..12"),
        # PyYAML's constructor slips on these (a KeyError, an AttributeError): still a message
        ("a: !!bool maybe\n", "invalid value: 'maybe' is not a !!bool value"),
        ("a: !!timestamp abc\n", "invalid value: 'abc' is not a !!timestamp value"),
    ],
)
def test_a_scalar_its_tag_cannot_read_is_named_at_the_value(text, message):
    diagnostic = problem(text)
    assert (diagnostic.position, diagnostic.code, diagnostic.message) == (at(1, 4), "invalid-value", message)


def test_dates_and_times_stay_text_other_tags_are_typed():
    d = doc(
        """
        day: 2025-01-01
        time: 2025-01-01 10:00:00
        tagged: !!timestamp 2025-01-02
        n: !!str 3.10
        f: !!float 1
        list: [yes, 017, ~, 1.5e+3, x]
        """
    )
    assert d.data == {
        "day": "2025-01-01",
        "time": "2025-01-01 10:00:00",
        "tagged": "2025-01-02",
        "n": "3.10",
        "f": 1.0,
        "list": [True, 15, None, 1500.0, "x"],
    }
    assert d.scalar_text(("list", 1)) == "017"
    assert d.scalar_text(("list", 2)) == "~"


def test_a_mapping_key_is_text_as_written():
    d = doc("{1.10: a, yes: b, 3: c, ~: d}\n")
    assert d.data == {"1.10": "a", "yes": "b", "3": "c", "~": "d"}


@pytest.mark.parametrize(
    "text, position, message",
    [
        ("a: 1\nb: 2\na: 3\n", at(3, 1), "duplicate key 'a' (first defined at line 1)"),
        ("m:\n  x: 1\n  y: [1]\n  x: {}\n", at(4, 3), "duplicate key 'x' (first defined at line 2)"),
        ("? [a]\n: 1\n", at(1, 3), "a mapping key must be plain text, not a list or mapping"),
        ("{x: 1, {a: 1}: 2}\n", at(1, 8), "a mapping key must be plain text, not a list or mapping"),
        ("a: &a [1, *a]\n", at(1, 4), "an alias refers to a value that contains it (a recursive alias)"),
        ("a: &a {b: [*a]}\n", at(1, 4), "an alias refers to a value that contains it (a recursive alias)"),
    ],
)
def test_keys_and_aliases_that_cannot_be_data_are_messages(text, position, message):
    diagnostic = problem(text)
    assert diagnostic.position == position
    assert diagnostic.message.startswith(message)
    assert diagnostic.code == code_of(message)
    if "duplicate" in message:
        assert diagnostic.message == message + "; YAML would silently keep only the last one: remove or rename one"


def test_a_value_aliased_twice_is_no_recursion():
    d = doc("x: &x [1]\ny: [*x, *x, {z: *x}]\n")
    assert d.data == {"x": [1], "y": [[1], [1], {"z": [1]}]}


# --- merge keys -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, position, message",
    [
        (
            "a: {<<: x}\n",
            at(1, 4),
            "invalid merge key: expected a mapping or list of mappings for merging, but found scalar",
        ),
        ("a: {<<: [x]}\n", at(1, 4), "invalid merge key: expected a mapping for merging, but found scalar"),
        ("a: {<<: [{}, {}, [1]]}\n", at(1, 4), "invalid merge key: expected a mapping for merging, but found sequence"),
        # a bad merge key deep in a chain is reported at the mapping being built
        (
            "a: {<<: {<<: x}}\n",
            at(1, 4),
            "invalid merge key: expected a mapping or list of mappings for merging, but found scalar",
        ),
        ("b: {<<: [{<<: [x]}]}\n", at(1, 4), "invalid merge key: expected a mapping for merging, but found scalar"),
        ("a: &a {<<: {b: *a}}\n", at(1, 4), "an alias refers to a value that contains it (a recursive alias)"),
        ("a: &a {<<: {<<: *a}}\n", at(1, 4), "an alias refers to a value that contains it (a recursive alias)"),
        ("m: {<<: {x: 1}, {a: 1}: 2}\n", at(1, 17), "a mapping key must be plain text, not a list or mapping"),
        ("m: {y: 0, <<: {x: 1}, y: 2}\n", at(1, 23), "duplicate key 'y' (first defined at line 1)"),
    ],
)
def test_bad_merge_keys_are_named_at_the_mapping_being_built(text, position, message):
    diagnostic = problem(text)
    assert diagnostic.position == position
    assert diagnostic.message.startswith(message)
    assert diagnostic.code == code_of(message)


def test_a_merged_mapping_keeps_each_keys_first_place_and_its_winning_value():
    d = doc(
        """
        b: &b {x: 1, y: 2}
        c: &c {y: 3, w: 4}
        m:
          z: 0
          <<: [*b, *b, *c]
          x: own
        n: {<<: {p: 1}, <<: {q: 2, p: 3}}
        """
    )
    assert d.data["m"] == {"x": "own", "y": 2, "w": 4, "z": 0}
    assert list(d.data["m"]) == ["y", "w", "x", "z"]  # merged ones first (the last source first), each once
    assert d.data["n"] == {"p": 3, "q": 2}  # of two merge keys the later, as PyYAML does
    assert d.where(("m", "y")) == at(1, 17)  # the value that counts: *b's
    assert d.where(("m", "w"), key=True) == at(2, 14)
    assert d.where(("m", "x"), key=True) == at(6, 3)
    assert d.where(("m", "z")) == at(4, 6)
    assert d.scalar_text(("m", "x")) == "own"
    assert d.has(("m", "w")) and not d.has(("m", "v"))


def test_a_merge_of_a_merged_mapping_brings_its_merged_keys():
    d = doc(
        """
        a: &a {x: 1}
        b: &b {<<: *a, y: 2}
        c: {<<: *b, z: 3}
        d: *b
        """
    )
    assert d.data["c"] == {"x": 1, "y": 2, "z": 3}
    assert d.data["d"] == {"x": 1, "y": 2}
    assert d.where(("c", "x")) == at(1, 11)
    assert d.where(("d", "y")) == at(2, 19)


# --- positions ------------------------------------------------------------------------------


def test_a_large_mapping_is_looked_up_as_a_small_one_is():
    for size in (7, 8, 9, 20):
        d = doc("m:\n" + "".join(f"  k{i}: {i}\n" for i in range(size)))
        for _ in range(2):  # the second look-up uses the index the first one made
            assert [d.where(("m", f"k{i}")) for i in range(size)] == [at(i + 2, 5 + len(f"k{i}")) for i in range(size)]
            assert [d.scalar_text(("m", f"k{i}")) for i in range(size)] == [str(i) for i in range(size)]
            assert d.where(("m", "nope"), key=True) == at(1, 1)
            assert not d.has(("m", "nope"))


def test_a_large_merged_mapping_is_looked_up_by_the_pair_that_counts():
    keys = [f"k{i}" for i in range(10)]
    d = doc("b: &b {" + ", ".join(f"{k}: base" for k in keys) + "}\nm:\n  <<: *b\n  k3: own\n")
    assert d.where(("m", "k3")) == at(4, 7)
    assert d.where(("m", "k4")) == at(1, 8 + 4 * 10 + 4)
    assert d.scalar_text(("m", "k3")) == "own"


def test_a_step_of_the_wrong_kind_stops_at_the_value_it_cannot_enter():
    d = doc("images:\n  a: [x, y]\n  '0': z\n")
    assert d.where((), key=True) == d.where(("nope",), key=True) == at(1, 1)  # the root has no key: its value
    assert d.where(("images", 0, "a")) == at(2, 3)  # a mapping has no index 0
    assert d.where(("images", 0), key=True) == at(1, 1)
    assert not d.has(("images", 0))
    assert d.where(("images", "a", "0")) == at(2, 6)  # a list has no key "0"
    assert d.where(("images", "a", 1, "x")) == at(2, 10)  # text has nothing inside
    assert d.scalar_text(("images", "a", 1)) == "y"
    assert d.scalar_text(("images", "a", 1, "x")) is None
    assert d.where(("images", "a", 1), key=True) == at(2, 10)


# --- limits ---------------------------------------------------------------------------------


def test_the_expansion_limit_counts_every_value_built_the_root_first(monkeypatch):
    monkeypatch.setattr(yamldoc, "MAX_NODES", 5)
    assert doc("[1, 2, 3, 4]\n").data == [1, 2, 3, 4]  # the root and 4 values: at the limit
    diagnostic = problem("[1, 2, 3, 4, 5]\n")
    assert (diagnostic.position, diagnostic.code, diagnostic.message) == (
        at(1, 1),
        "too-many-values",
        "the document expands to more than 5 values (through aliases)",
    )
    assert doc("a: &a {x: 1}\nb: *a\n").data == {"a": {"x": 1}, "b": {"x": 1}}  # 1 + 2 + 1 + 1
    assert problem("a: &a {x: 1}\nb: *a\nc: 1\n").message.startswith("the document expands")
    # merged pairs count too
    assert problem("a: &a {x: 1, y: 2}\nb: {<<: *a}\n").message.startswith("the document expands")


def test_the_expansion_limit_is_written_with_thousands_separators():
    lines = ["a0: &a0 [x]"]
    for n in range(1, 10):
        lines.append(f"a{n}: &a{n} {{<<: [" + ", ".join([f"{{k{i}: *a{n - 1}}}" for i in range(10)]) + "]}")
    diagnostic = problem("\n".join(lines) + "\n")
    assert diagnostic.message == "the document expands to more than 2,000,000 values (through aliases)"


# --- the garbage collector ------------------------------------------------------------------


def test_the_collector_pauses_while_reading_and_is_enabled_again():
    text = "a: [" + ", ".join(f"{{k: v{i}}}" for i in range(3000)) + "]\n"  # some 20,000 new objects
    collections = []

    def record(phase, info):
        if phase == "start":
            collections.append(info["generation"])

    assert gc.isenabled()
    gc.callbacks.append(record)
    try:
        frozen = gc.get_freeze_count()
        document = parse_document(text, "f.yaml")  # kept: freed, its objects would leave the count
        assert gc.isenabled()
        assert gc.get_freeze_count() == frozen  # nothing kept frozen that was not
        if frozen == 0:
            assert collections == []  # none while reading: it would traverse the growing tree
            assert gc.get_count()[0] < 500  # what was read went to the oldest generation, not the youngest
        else:
            # someone froze objects for good: they stay frozen, and what was read stays young, so
            # the first allocation after reading may start one collection (a dozen, had it run)
            assert len(collections) <= 1
        assert len(document.data["a"]) == 3000
        with pytest.raises(BakegenError):
            parse_document("a: {<<: x}\n", "f.yaml")
        assert gc.isenabled()
    finally:
        gc.callbacks.remove(record)
    gc.disable()
    try:
        parse_document("a: 1\n", "f.yaml")
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()


def test_with_nothing_frozen_what_was_read_goes_to_the_oldest_generation():
    # bakegen's own process has nothing frozen when it reads images.yaml; a test runner may
    # have (mutmut freezes what it loaded), so this test unfreezes it for the time of the test
    text = "a: [" + ", ".join(f"{{k: v{i}}}" for i in range(3000)) + "]\n"
    frozen = gc.get_freeze_count()
    gc.unfreeze()
    try:
        document = parse_document(text, "f.yaml")
        assert gc.get_freeze_count() == 0
        assert gc.get_count()[0] < 500  # some 20,000 objects read, none left in the youngest generation
        assert len(document.data["a"]) == 3000
    finally:
        if frozen:
            gc.freeze()  # frozen again (with what else is alive: a test process, nothing lost)


def test_a_str_tag_on_a_list_or_mapping_does_not_make_it_text():
    # the shortcut for plain text is taken for scalars only: a collection tagged !!str is
    # still built as a collection
    assert doc("a: !!str {b: 1}\nc: [!!str [1], x]\n").data == {"a": {"b": 1}, "c": [[1], "x"]}
