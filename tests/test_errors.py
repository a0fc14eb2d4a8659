"""Diagnostics (bakegen.errors): how a problem prints, as text and as JSON, and the
did-you-mean that many messages end with."""

import pytest

from bakegen.errors import BakegenError, Diagnostic, Expansion, Position, did_you_mean, one_line


@pytest.mark.parametrize(
    "name, choices, hint",
    [
        # a different case is the likeliest slip, before any near spelling; the first in order
        ("Torch", ["torch", "TORCH", "torc"], "; did you mean 'TORCH'?"),
        ("torch", ["TORCH", "Torch"], "; did you mean 'TORCH'?"),
        ("pytorch-cpu2", ["pytorch-cpu", "pytorch-gpu"], "; did you mean 'pytorch-cpu'?"),
        # only the closest one, and only when it is close (difflib's ratio 0.6)
        ("abcd", ["abcx", "abxy"], "; did you mean 'abcx'?"),
        ("abcd", ["abxy"], ""),
        ("abc", ["abd"], "; did you mean 'abd'?"),
        ("abc", ["xyz"], ""),
        ("abc", [], ""),
    ],
)
def test_did_you_mean(name, choices, hint):
    assert did_you_mean(name, choices) == hint


def test_one_line():
    assert one_line("a\nb\rc\td") == "a\\nb\\rc\\td"
    assert one_line("nul\x00 esc\x1b del\x7f ls\u2028 nel\x85") == "nul\\x00 esc\\x1b del\\x7f ls\\x2028 nel\\x85"
    assert one_line("plain é") == "plain é"


def test_a_diagnostic_prints_on_one_line_with_or_without_a_position():
    assert str(Diagnostic(Position("f.yaml", 3, 7), "bad\nvalue")) == "f.yaml:3:7: error: bad\\nvalue"
    assert str(Diagnostic(Position("f.yaml", 3), "x", "warning")) == "f.yaml:3: warning: x"
    assert str(Diagnostic(Position("f.yaml"), "x", "note")) == "f.yaml: note: x"
    assert str(Diagnostic(None, "x")) == "error: x"


def test_a_diagnostic_as_json():
    located = Diagnostic(Position("f.yaml", 3, 7), "m", "warning", code="c")
    assert located.as_json() == {"file": "f.yaml", "line": 3, "column": 7, "code": "c", "severity": "warning", "message": "m"}
    assert Diagnostic(None, "m").as_json() == {
        "file": None,
        "line": None,
        "column": None,
        "code": "error",
        "severity": "error",
        "message": "m",
    }


def test_an_error_holds_its_diagnostics_and_prints_one_per_line():
    error = BakegenError("plain text")
    assert [(d.position, d.message, d.code) for d in error.diagnostics] == [(None, "plain text", "error")]
    assert str(error) == "error: plain text"
    one = Diagnostic(Position("f", 1), "a")
    assert BakegenError(one).diagnostics == [one]
    two = BakegenError([one, Diagnostic(None, "b")])
    assert str(two) == "f:1: error: a\nerror: b"


def test_a_problem_of_an_expanded_image_names_the_image_and_its_values():
    expansion = Expansion("cann-8-910b", "cann=8, chip=910b")
    where = Position("images.yaml", 4, 3, expansion)
    assert Diagnostic(where, "something").message == "cann-8-910b (matrix cann=8, chip=910b): something"
    assert Diagnostic(where, "cann-8-910b: bad").message == "cann-8-910b (matrix cann=8, chip=910b): bad"
    already = "cann-8-910b (matrix cann=8, chip=910b): once"
    assert Diagnostic(where, already).message == already
