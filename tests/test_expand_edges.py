"""`matrix:` expansion at its edges (bakegen/expand.py, called on the document as read): every
message about a matrix, its axes and its exclude list with its position and code; how `from:`
and `contexts:` pick an image by the id form; what the expanded document answers for an
expanded image (positions, presence, text as written); the size limit."""

import textwrap

import pytest

from bakegen import expand
from bakegen.errors import BakegenError, Expansion, Position
from bakegen.expand import ExpandedDocument, Placeholder, expand_matrices, fill, split
from bakegen.yamldoc import parse_document


def read(body: str):
    """The document `images:` + body (indented under it), as read, before expansion."""
    return parse_document("images:\n" + textwrap.indent(textwrap.dedent(body).lstrip("\n"), "  "), "f.yaml")


def images(body: str) -> dict:
    return expand_matrices(read(body)).data["images"]


def problems(body: str) -> list[tuple[str, str]]:
    """(where: message, code) of each problem."""
    with pytest.raises(BakegenError) as info:
        expand_matrices(read(body))
    return [(str(d), d.code) for d in info.value.diagnostics]


# --- documents without a matrix -------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "images: [a]\n", "version: 1\n", "[images]\n", "images: {a: {from: u}}\n"])
def test_a_document_without_a_matrix_entry_is_returned_as_it_is(text):
    doc = parse_document(text, "f.yaml")
    assert expand_matrices(doc) is doc


def test_a_plain_entry_is_never_expanded_and_everything_else_is_kept():
    doc = parse_document(
        "version: 1\nimages:\n  a: {from: u, args: {A: '{{n}}'}}\n  x-{{n}}: {args: {A: '{{n}}'}, matrix: {n: [p, q]}}\n"
        "  z: {matrix_like: 1}\ngroups: {g: [a]}\n",
        "f.yaml",
    )
    result = expand_matrices(doc)
    assert isinstance(result, ExpandedDocument)
    assert result.data == {
        "version": 1,
        "images": {
            "a": {"from": "u", "args": {"A": "{{n}}"}},
            "x-p": {"args": {"A": "p"}},
            "x-q": {"args": {"A": "q"}},
            "z": {"matrix_like": 1},
        },
        "groups": {"g": ["a"]},
    }
    assert list(result.data["images"]) == ["a", "x-p", "x-q", "z"]
    assert result.file == "f.yaml" and result.root is doc.root
    assert doc.data["images"]["x-{{n}}"]["matrix"] == {"n": ["p", "q"]}  # the document read is left as it was


# --- the matrix and its axes ----------------------------------------------------------------


@pytest.mark.parametrize(
    "body, expected",
    [
        (
            "x-{{n}}: {matrix: [a]}",
            "f.yaml:2:21: error: x-{{n}}: matrix must map axis names to lists of values, e.g. matrix: {chip: [910b, 310p]}",
        ),
        (
            "x-{{n}}: {matrix: {exclude: []}}",
            "f.yaml:2:21: error: x-{{n}}: matrix must map axis names to lists of values, e.g. matrix: {chip: [910b, 310p]}",
        ),
        (
            "x-{{n}}: {matrix: ~}",
            "f.yaml:2:21: error: x-{{n}}: matrix must map axis names to lists of values, e.g. matrix: {chip: [910b, 310p]}",
        ),
        ("x-{{n}}: {matrix: {n: [{}]}}", "f.yaml:2:26: error: x-{{n}}: n[0] is an empty mapping"),
        ("x-{{n.a}}: {matrix: {n: [{a: 1}, {}]}}", "f.yaml:2:36: error: x-{{n.a}}: n[1] is an empty mapping"),
        (
            "x-{{n}}: {matrix: {n: [{a: 1}, {b: 1}]}}",
            "f.yaml:2:34: error: x-{{n}}: the values of axis 'n' must all be mappings with the fields a, like its "
            "first value",
        ),
        (
            "x-{{n}}: {matrix: {n: [{a: 1, b: 1}, {b: 1, a: 2}]}}",
            "f.yaml:2:40: error: x-{{n}}: the values of axis 'n' must all be mappings with the fields a, b, like its "
            "first value",
        ),
        (
            "x-{{n}}: {matrix: {n: [a, {a: 1}]}}",
            "f.yaml:2:29: error: x-{{n}}: the values of axis 'n' must all be text or numbers, like its first value",
        ),
        (
            "x-{{n.a}}: {matrix: {n: [{1a: 1}]}}",
            "f.yaml:2:29: error: x-{{n.a}}: invalid field name '1a' in axis 'n': use letters, digits and '_'",
        ),
        ("x-{{n.a}}: {matrix: {n: [{a: [1]}]}}", "f.yaml:2:32: error: x-{{n.a}}: n[0].a must be text or a number"),
        (
            "x-{{n.a}}: {matrix: {n: [{a: 1}, {a: ~}]}}",
            "f.yaml:2:40: error: x-{{n.a}}: n[1].a must be text or a number",
        ),
        (
            "x-{{n}}: {matrix: {n: [a, ~]}}",
            "f.yaml:2:29: error: x-{{n}}: n[1] must be text, a number or a mapping of those",
        ),
        (
            "x-{{n}}: {matrix: {n: [[a]]}}",
            "f.yaml:2:26: error: x-{{n}}: n[0] must be text, a number or a mapping of those",
        ),
        (
            "x-{{n.a}}: {matrix: {n: [{a: 1}, b]}}",
            "f.yaml:2:36: error: x-{{n.a}}: n[1] must be a mapping like its first value",
        ),
        (
            "x-{{n}}: {matrix: {n: {a: 1}}}",
            "f.yaml:2:25: error: x-{{n}}: axis 'n' must be a non-empty list of values, e.g. n: [a, b]",
        ),
        (
            "x-{{n}}: {matrix: {n: [a], n-1: [b]}}",
            "f.yaml:2:30: error: x-{{n}}: invalid axis name 'n-1': use letters, digits and '_', not starting with a "
            "digit",
        ),
    ],
)
def test_what_is_wrong_with_a_matrix_or_an_axis_is_named_where_it_is(body, expected):
    assert problems(body) == [(expected, "invalid-matrix")]


def test_axis_and_field_names_are_letters_digits_and_underscores():
    assert list(images("x-{{_a1}}-{{B.c_2}}: {matrix: {_a1: [p], B: [{c_2: q}]}}")) == ["x-p-q"]


def test_numbers_are_values_as_written():
    assert images("x-{{n}}: {args: {A: '{{n}}'}, matrix: {n: [3.10, 0x1F, 1e3, true]}}") == {
        "x-3-10": {"args": {"A": "3.10"}},
        "x-0x1f": {"args": {"A": "0x1F"}},
        "x-1e3": {"args": {"A": "1e3"}},
        "x-true": {"args": {"A": "true"}},
    }
    assert images("x-{{n.v}}: {args: {A: '{{n.v}}'}, matrix: {n: [{v: 3.10}]}}") == {"x-3-10": {"args": {"A": "3.10"}}}


def test_a_number_reached_through_an_alias_is_its_value_as_written():
    assert _text_of("a: &a 3.10\nimages:\n  x-{{n}}: {args: {A: '{{n}}'}, matrix: {n: [*a]}}\n") == {
        "x-3-10": {"args": {"A": "3.10"}}
    }


def _text_of(text: str) -> dict:
    return expand_matrices(parse_document(text, "f.yaml")).data["images"]


@pytest.mark.parametrize(
    "values, allowed",
    [("[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]", True), ("[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]", False)],
)
def test_an_entry_gives_at_most_a_thousand_images(values, allowed):
    body = f"x-{{{{a}}}}-{{{{b}}}}-{{{{c}}}}: {{matrix: {{a: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], b: {values}, c: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]}}}}"
    if allowed:
        made = images(body)
        assert len(made) == 1000 and list(made)[:2] == ["x-0-0-0", "x-0-0-1"] and list(made)[-1] == "x-9-9-9"
    else:
        assert problems(body) == [
            (
                "f.yaml:2:33: error: x-{{a}}-{{b}}-{{c}}: the matrix gives 1,100 images; bakegen expands at most "
                "1,000 per entry",
                "invalid-matrix",
            )
        ]


def test_the_limit_is_checked_before_the_templates(monkeypatch):
    monkeypatch.setattr(expand, "MAX_IMAGES", 2)
    assert list(images("x-{{n}}: {matrix: {n: [a, b]}}")) == ["x-a", "x-b"]
    assert problems("x-{{n}}: {args: {A: '{{m}}'}, matrix: {n: [a, b, c]}}") == [
        (
            "f.yaml:2:41: error: x-{{n}}: the matrix gives 3 images; bakegen expands at most 2 per entry",
            "invalid-matrix",
        )
    ]


def test_every_entry_is_read_before_the_problems_are_raised():
    assert problems("x-{{n}}: {matrix: {n: []}}\ny-{{n}}: {from: u}\nz-{{n}}: {matrix: {n: [~]}}") == [
        ("f.yaml:2:25: error: x-{{n}}: axis 'n' must be a non-empty list of values, e.g. n: [a, b]", "invalid-matrix"),
        (
            "f.yaml:3:3: error: 'y-{{n}}' has placeholders but no matrix: add 'matrix:' with the axes it names, or "
            "rename it (image ids are letters, digits, '-' and '_')",
            "invalid-placeholder",
        ),
        ("f.yaml:4:26: error: z-{{n}}: n[0] must be text, a number or a mapping of those", "invalid-matrix"),
    ]


def test_a_bad_axis_stops_its_entry_before_its_placeholders_are_checked():
    assert problems("x-{{n}}: {args: {A: '{{m}}'}, matrix: {n: [a], m: []}}") == [
        ("f.yaml:2:53: error: x-{{n}}: axis 'm' must be a non-empty list of values, e.g. m: [a, b]", "invalid-matrix"),
    ]


# --- exclude --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, expected",
    [
        (
            "x-{{n}}: {matrix: {n: [a], exclude: {n: a}}}",
            [
                (
                    "f.yaml:2:39: error: x-{{n}}: exclude must be a list of partial combinations, e.g. exclude: "
                    "[{chip: 310p}]",
                    "invalid-matrix",
                )
            ],
        ),
        (
            "x-{{n}}: {matrix: {n: [a, b], exclude: [a, {}]}}",
            [
                (
                    "f.yaml:2:43: error: x-{{n}}: exclude[0] must map axes to values, e.g. {chip: 310p}",
                    "invalid-matrix",
                ),
                (
                    "f.yaml:2:46: error: x-{{n}}: exclude[1] must map axes to values, e.g. {chip: 310p}",
                    "invalid-matrix",
                ),
            ],
        ),
        (
            "x-{{n}}: {matrix: {n: [a, b], exclude: [{N: a}]}}",
            [
                (
                    "f.yaml:2:44: error: x-{{n}}: exclude[0] names no axis 'N'; did you mean 'n'? (axes: n)",
                    "unknown-axis",
                )
            ],
        ),
        (
            "x-{{n}}-{{m}}: {matrix: {n: [a], m: [b], exclude: [{q: a}]}}",
            [("f.yaml:2:55: error: x-{{n}}-{{m}}: exclude[0] names no axis 'q' (axes: n, m)", "unknown-axis")],
        ),
        (
            "x-{{n}}: {matrix: {n: [abc, b], exclude: [{n: abd}]}}",
            [
                (
                    "f.yaml:2:49: error: x-{{n}}: exclude[0]: 'abd' is not a value of axis 'n'; did you mean 'abc'? "
                    "(values: abc, b)",
                    "unknown-matrix-value",
                )
            ],
        ),
        (
            "x-{{n}}: {matrix: {n: [a, b], exclude: [{n: [a]}]}}",
            [
                (
                    "f.yaml:2:47: error: x-{{n}}: exclude[0]: ['a'] is not a value of axis 'n' (values: a, b)",
                    "unknown-matrix-value",
                )
            ],
        ),
        (
            "x-{{n}}: {matrix: {n: [1.10, 2], exclude: [{n: 1.1}]}}",
            [
                (
                    "f.yaml:2:50: error: x-{{n}}: exclude[0]: '1.1' is not a value of axis 'n'; did you mean '1.10'? "
                    "(values: 1.10, 2)",
                    "unknown-matrix-value",
                )
            ],
        ),
        (
            "x-{{n.a}}: {matrix: {n: [{a: 1}, {a: 2}], exclude: [{n: 1}]}}",
            [
                (
                    "f.yaml:2:59: error: x-{{n.a}}: exclude[0]: the values of axis 'n' are mappings; name fields, "
                    "e.g. {n: {a: ...}}",
                    "invalid-matrix",
                )
            ],
        ),
        (
            "x-{{n.a}}: {matrix: {n: [{a: 1}, {a: 2}], exclude: [{n: {}}]}}",
            [
                (
                    "f.yaml:2:59: error: x-{{n.a}}: exclude[0]: the values of axis 'n' are mappings; name fields, "
                    "e.g. {n: {a: ...}}",
                    "invalid-matrix",
                )
            ],
        ),
        (
            "x-{{n.a}}: {matrix: {n: [{a: 1, bb: 2}, {a: 2, bb: 3}], exclude: [{n: {b: 1, c: 2}}]}}",
            [
                (
                    "f.yaml:2:74: error: x-{{n.a}}: exclude[0]: axis 'n' has no field 'b'; did you mean 'bb'? "
                    "(fields: a, bb)",
                    "unknown-axis",
                )
            ],
        ),
        (
            "x-{{n.a}}: {matrix: {n: [{a: 1, b: 2}, {a: 2, b: 3}], exclude: [{n: {a: 1, b: 3}}]}}",
            [
                (
                    "f.yaml:2:71: error: x-{{n.a}}: exclude[0]: no value of axis 'n' has a: 1, b: 3",
                    "unknown-matrix-value",
                )
            ],
        ),
        # every problem of every rule is named, and no "leaves out every combination" besides
        (
            "x-{{n}}: {matrix: {n: [a], exclude: [{n: c}, {n: d}]}}",
            [
                (
                    "f.yaml:2:44: error: x-{{n}}: exclude[0]: 'c' is not a value of axis 'n' (values: a)",
                    "unknown-matrix-value",
                ),
                (
                    "f.yaml:2:52: error: x-{{n}}: exclude[1]: 'd' is not a value of axis 'n' (values: a)",
                    "unknown-matrix-value",
                ),
            ],
        ),
    ],
)
def test_what_is_wrong_with_exclude_is_named_where_it_is(body, expected):
    assert problems(body) == expected


@pytest.mark.parametrize(
    "exclude, ids",
    [
        ("[{n: {a: 1, b: 2}}]", ["x-2"]),  # every field named must match
        ("[{n: {a: 1}}]", ["x-2"]),  # the fields named
        ("[{n: {b: 3}, m: q}]", ["x-1-p", "x-1-q", "x-2-p"]),
        ("[{m: p}, {m: q, n: {a: 1}}]", ["x-2-q"]),
        ("[{n: {a: 1.0}}]", None),  # as written: 1.0 is not 1
    ],
)
def test_exclude_on_mappings_compares_the_fields_named(exclude, ids):
    body = (
        f"x-{{{{n.a}}}}-{{{{m}}}}: {{matrix: {{n: [{{a: 1, b: 2}}, {{a: 2, b: 3}}], m: [p, q], exclude: {exclude}}}}}"
    )
    if "m" not in exclude:
        body = body.replace("-{{m}}", "").replace(", m: [p, q]", "")
    if ids is None:
        assert problems(body) == [
            ("f.yaml:2:71: error: x-{{n.a}}: exclude[0]: no value of axis 'n' has a: 1.0", "unknown-matrix-value")
        ]
    else:
        assert list(images(body)) == ids


def test_an_exclude_that_leaves_nothing_is_named_at_exclude():
    assert problems("x-{{n}}: {matrix: {n: [a], exclude: [{n: a}]}}") == [
        ("f.yaml:2:39: error: x-{{n}}: exclude leaves out every combination", "invalid-matrix")
    ]


# --- placeholders ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, pieces",
    [
        ("{{n}}$", (Placeholder("n"), "$")),  # a '$' after a placeholder is text
        ("a{{ n.f }}b", ("a", Placeholder("n", "f"), "b")),
        ('{{ "x" }}{{""}}', ("x",)),
        ("", ()),
        ("}}{{n}}", ("}}", Placeholder("n"))),
    ],
)
def test_split_into_text_and_placeholders(text, pieces):
    assert split(text) == pieces


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "a${{n-1}}",
            "'${{n-1}}' is GitHub Actions' form; a placeholder is written {{axis}}, without '$' (for a literal '$' "
            'before the value write {{"$"}}{{axis}})',
        ),
        (
            "${{ n.f }}",
            "'${{ n.f }}' is GitHub Actions' form; a placeholder is written {{n}}, without '$' (for a literal '$' "
            'before the value write {{"$"}}{{n}})',
        ),
        ("{{n}}{{", "'{{' opens a placeholder that no '}}' closes; for a literal '{{' write {{\"{{\"}}"),
        ("{{}}", "'{{}}' is not a placeholder: write {{axis}} or {{axis.field}}, or {{\"{{\"}}}} for literal text"),
    ],
)
def test_split_says_what_is_malformed(text, message):
    with pytest.raises(ValueError) as info:
        split(text)
    assert str(info.value) == message


def test_fill_puts_values_or_their_fields_in():
    pieces = split("a-{{n}}-{{m.f}}")
    assert fill(pieces, {"n": "8.3.RC1", "m": {"f": "X.Y", "g": "z"}}) == "a-8.3.RC1-X.Y"
    assert fill(pieces, {"n": "8.3.RC1", "m": {"f": "X.Y"}}, str.lower) == "a-8.3.rc1-x.y"
    assert str(Placeholder("n")) == "{{n}}" and str(Placeholder("n", "f")) == "{{n.f}}"


@pytest.mark.parametrize(
    "args, expected",
    [
        (
            "{A: '{{n.f}}'}",
            "f.yaml:2:41: error: x-{{n}}: args.A: placeholder {{n.f}}: the values of axis 'n' are not mappings; "
            "write {{n}}",
        ),
        (
            "{A: 'v${n.f}'}",
            "f.yaml:2:41: error: x-{{n}}: args.A: '${n.f}' is bake's form and would reach the build as written; the "
            "axis value is {{n.f}} (the text '${n.f}' is {{\"${\"}}n.f})",
        ),
        (
            "{A: '{{N}}'}",
            "f.yaml:2:41: error: x-{{n}}: args.A: placeholder {{N}} names no axis of the matrix; did you mean 'n'? "
            "(axes: n)",
        ),
    ],
)
def test_placeholders_in_values_are_checked_against_the_axes(args, expected):
    assert problems(f"x-{{{{n}}}}: {{matrix: {{n: [a]}}, args: {args}}}") == [
        (expected, "invalid-placeholder" if "form" in expected else "unknown-axis")
    ]


def test_placeholders_in_lists_and_nested_keys_are_checked_where_they_are():
    assert problems(
        """
        x-{{n}}:
          tags: [ok, "t:{{m}}"]
          labels:
            "a.{{n}}": x
          matrix: {n: [a]}
        """
    ) == [
        (
            "f.yaml:3:16: error: x-{{n}}: tags.1: placeholder {{m}} names no axis of the matrix (axes: n)",
            "unknown-axis",
        ),
        (
            "f.yaml:5:7: error: x-{{n}}: placeholders fill values, not names: 'a.{{n}}' in labels",
            "invalid-placeholder",
        ),
    ]


def test_bakes_own_variables_and_other_text_pass_through():
    assert images("x-{{n}}: {matrix: {n: [a]}, args: {A: '${HOME}-${m}-$n-{n}'}}") == {
        "x-a": {"args": {"A": "${HOME}-${m}-$n-{n}"}}
    }


# --- the ids --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, expected",
    [
        # an id naming no axis: every axis value tells the images apart in the message
        (
            "x: {matrix: {n: [a, b]}}",
            "f.yaml:2:3: error: x: (n=b) gives the image id 'x' as (n=a) does; every axis with more than one value "
            "must be in the id",
        ),
        (
            "x: {matrix: {n: [{a: 1, b: X}], m: [c, d]}}",
            "f.yaml:2:3: error: x: (n.a=1, n.b=X, m=d) gives the image id 'x' as (n.a=1, n.b=X, m=c) does; every "
            "axis with more than one value must be in the id",
        ),
        # an axis named twice in the id is named once
        (
            "x-{{n}}-{{n}}: {matrix: {n: [a, A]}}",
            "f.yaml:2:3: error: x-{{n}}-{{n}}: (n=A) gives the image id 'x-a-a' as (n=a) does; every axis with more "
            "than one value must be in the id",
        ),
    ],
)
def test_two_combinations_with_one_id(body, expected):
    assert problems(body) == [(expected, "duplicate-id")]


def test_an_id_clash_with_a_plain_image_after_the_entry_names_its_line():
    assert problems("x-{{n}}: {matrix: {n: [a]}}\nx-a: {from: u}") == [
        (
            "f.yaml:2:3: error: x-{{n}}: (n=a) gives the image id 'x-a' which image 'x-a' (line 3) already has; "
            "rename one",
            "duplicate-id",
        )
    ]


def test_an_axis_with_one_value_need_not_be_in_the_id():
    assert images("x-{{n}}: {args: {M: '{{m}}'}, matrix: {n: [a, b], m: [c]}}") == {
        "x-a": {"args": {"M": "c"}},
        "x-b": {"args": {"M": "c"}},
    }


# --- from: and contexts: name an image by its id form -----------------------------------------


def test_from_and_contexts_take_the_id_form_where_it_names_an_image():
    made = images(
        """
        base-{{v}}: {from: "ubuntu:{{v}}", matrix: {v: [22.04, 24.04]}}
        app-{{v}}:
          from: "base-{{v}}"
          contexts: {b: "target:base-{{v}}", o: "docker-image://ubuntu:{{v}}", t: "target:ubuntu-{{v}}"}
          args: {BASE: "base-{{v}}"}
          matrix: {v: [22.04]}
        """
    )
    assert made["base-22-04"] == {"from": "ubuntu:22.04"}
    assert made["app-22-04"] == {
        "from": "base-22-04",
        "contexts": {"b": "target:base-22-04", "o": "docker-image://ubuntu:22.04", "t": "target:ubuntu-22.04"},
        "args": {"BASE": "base-22.04"},  # args are text as written
    }


def test_from_takes_the_id_form_of_a_plain_image_too():
    assert images("py-3-10: {from: u}\napp-{{p}}: {from: 'py-{{p}}', matrix: {p: [3.10]}}")["app-3-10"] == {
        "from": "py-3-10"
    }


# --- the expanded document ------------------------------------------------------------------


def test_an_expanded_image_answers_with_its_entrys_positions_and_names_its_values():
    doc = expand_matrices(
        read(
            """
            plain: {from: u}
            x-{{n}}-{{m}}:
              from: u
              args: {PY: 3.10, N: "{{n}}"}
              matrix: {n: [a, b], m: [c]}
            """
        )
    )
    assert isinstance(doc, ExpandedDocument)
    where = doc.where(("images", "x-b-c", "args", "PY"))
    assert where == Position("f.yaml", 5, 16)
    assert where.expansion == Expansion("x-b-c", "n=b, m=c")
    assert doc.where(("images", "x-b-c"), key=True) == Position("f.yaml", 3, 3)
    assert doc.where(("images", "plain", "from")) == Position("f.yaml", 2, 17)
    assert doc.where(("images", "plain", "from")).expansion is None
    assert doc.where(("images",)).expansion is None
    assert doc.where(()) == Position("f.yaml", 1, 1)
    assert doc.has(("images", "x-a-c", "args", "N")) and doc.has(["images", "x-a-c", "from"])
    assert not doc.has(("images", "x-a-c", "tags")) and not doc.has(("images", "x-a-c", "matrix", "q"))
    assert doc.has(("images", "plain", "from")) and not doc.has(("images", "x-q-c"))
    assert doc.scalar_text(("images", "x-a-c", "args", "PY")) == "3.10"  # not filled: as written
    assert doc.scalar_text(["images", "x-a-c", "args", "N"]) is None  # filled: no text of its own
    assert doc.scalar_text(("images", "plain", "from")) == "u"
    assert doc.scalar_text(("images", "x-{{n}}-{{m}}", "args", "N")) == "{{n}}"  # the entry itself, as read
    assert doc.where(("images", "x-{{n}}-{{m}}", "from")).expansion is None


def test_the_expanded_document_keeps_the_positions_of_merged_keys():
    doc = expand_matrices(
        parse_document(
            "base: &b {from: u, dockerfile: d}\nimages:\n  p: {<<: *b, tags: [t]}\n  x-{{n}}: {<<: *b, matrix: {n: [a]}}\n",
            "f.yaml",
        )
    )
    assert doc.data["images"] == {
        "p": {"from": "u", "dockerfile": "d", "tags": ["t"]},
        "x-a": {"from": "u", "dockerfile": "d"},
    }
    assert doc.where(("images", "p", "dockerfile")) == Position("f.yaml", 1, 32)
    assert doc.where(("images", "x-a", "from"), key=True) == Position("f.yaml", 1, 11)
    assert doc.scalar_text(("images", "x-a", "dockerfile")) == "d"


def test_every_exclude_rule_is_checked_after_one_names_an_unknown_field():
    assert problems("x-{{n.a}}: {matrix: {n: [{a: 1}, {a: 2}], exclude: [{n: {b: 1}}, {q: 1}]}}") == [
        ("f.yaml:2:60: error: x-{{n.a}}: exclude[0]: axis 'n' has no field 'b' (fields: a)", "unknown-axis"),
        ("f.yaml:2:69: error: x-{{n.a}}: exclude[1] names no axis 'q' (axes: n)", "unknown-axis"),
    ]


def test_every_id_clash_is_named_and_a_plain_image_by_the_line_of_its_id():
    assert problems("x-a:\n    from: u\nx-{{n}}: {matrix: {n: [a, b, B, c, C]}}") == [
        (
            "f.yaml:4:3: error: x-{{n}}: (n=a) gives the image id 'x-a' which image 'x-a' (line 2) already has; "
            "rename one",
            "duplicate-id",
        ),
        (
            "f.yaml:4:3: error: x-{{n}}: (n=B) gives the image id 'x-b' as (n=b) does; every axis with more than one "
            "value must be in the id",
            "duplicate-id",
        ),
        (
            "f.yaml:4:3: error: x-{{n}}: (n=C) gives the image id 'x-c' as (n=c) does; every axis with more than one "
            "value must be in the id",
            "duplicate-id",
        ),
    ]


def test_a_placeholder_in_a_nested_name_is_named_by_the_path_to_it():
    assert problems("x-{{n}}: {matrix: {n: [a]}, tests: [{name: t, env: {'V_{{n}}': x}}]}") == [
        (
            "f.yaml:2:55: error: x-{{n}}: placeholders fill values, not names: 'V_{{n}}' in tests.0.env",
            "invalid-placeholder",
        )
    ]
