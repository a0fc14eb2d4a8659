"""`matrix:` entries (bakegen/expand.py): inline images.yaml -> the plain images they stand for,
and the messages for what is wrong, located at the entry's lines and naming the axis values."""

import json
import textwrap

import pytest

from bakegen import checks
from bakegen.cli import main
from bakegen.dockerfile import Dockerfiles
from bakegen.errors import BakegenError
from bakegen.expand import id_form, split
from bakegen.model import parse_project
from bakegen.rules import check_versions

HEAD = "version: 1\nvariables: {REGISTRY: reg.example.com/team}\nimages:\n"
PYTHON = "  python:\n    from: ubuntu:22.04\n    dockerfile: python.dockerfile\n"


def load(body: str, root: str = PYTHON):
    """images.yaml with the root image `python` and the entries of body (written as under images:)."""
    return parse_project(HEAD + root + textwrap.indent(textwrap.dedent(body).lstrip("\n"), "  "), "images.yaml")


def expanded(body: str) -> dict[str, dict]:
    """id -> what a reader of the project sees of each image (the python root left out)."""
    return {
        image.id: {"from": image.base_ref, "args": dict(image.args), "tags": list(image.tags)}
        for image in load(body).images.values()
        if image.id != "python"
    }


def errors(body: str, root: str = PYTHON) -> list[str]:
    with pytest.raises(BakegenError) as info:
        load(body, root)
    return [str(d) for d in info.value.diagnostics]


@pytest.mark.parametrize(
    "body, images",
    [
        # two axes: every combination, the first axis varying slowest, in the entry's place
        (
            """
              cann-{{cann}}-{{chip}}:
                from: python
                dockerfile: cann.dockerfile
                args: {CANN_VERSION: "{{cann}}", CHIP: "{{chip}}", PYTHON_VERSION: 3.10}
                tags: ["cann:{{cann}}-{{chip}}"]
                matrix:
                  cann: [8.2.RC1, 8.5.0]
                  chip: [910b, 310p]
            """,
            {
                "cann-8-2rc1-910b": {
                    "from": "python",
                    "args": {"CANN_VERSION": "8.2.RC1", "CHIP": "910b", "PYTHON_VERSION": "3.10"},
                    "tags": ["cann:8.2.RC1-910b"],
                },
                "cann-8-2rc1-310p": {
                    "from": "python",
                    "args": {"CANN_VERSION": "8.2.RC1", "CHIP": "310p", "PYTHON_VERSION": "3.10"},
                    "tags": ["cann:8.2.RC1-310p"],
                },
                "cann-8-5-0-910b": {
                    "from": "python",
                    "args": {"CANN_VERSION": "8.5.0", "CHIP": "910b", "PYTHON_VERSION": "3.10"},
                    "tags": ["cann:8.5.0-910b"],
                },
                "cann-8-5-0-310p": {
                    "from": "python",
                    "args": {"CANN_VERSION": "8.5.0", "CHIP": "310p", "PYTHON_VERSION": "3.10"},
                    "tags": ["cann:8.5.0-310p"],
                },
            },
        ),
        # values as written: 3.10 is not 3.1, a number axis gives text
        (
            """
              py-{{python}}:
                from: ubuntu:22.04
                dockerfile: python.dockerfile
                args: {PYTHON_VERSION: "{{python}}"}
                tags: ["python:{{python}}"]
                matrix: {python: [3.10, 3.12]}
            """,
            {
                "py-3-10": {"from": "ubuntu:22.04", "args": {"PYTHON_VERSION": "3.10"}, "tags": ["python:3.10"]},
                "py-3-12": {"from": "ubuntu:22.04", "args": {"PYTHON_VERSION": "3.12"}, "tags": ["python:3.12"]},
            },
        ),
        # an axis of mappings: several fields that go together, each named {{axis.field}}
        (
            """
              torch-{{release.torch}}:
                from: python
                dockerfile: torch.dockerfile
                args: {TORCH_VERSION: "{{release.torch}}", TORCH_NPU_VERSION: "{{release.torch_npu}}"}
                tags: ["pytorch:{{release.torch}}-npu"]
                matrix:
                  release:
                    - {torch: 2.7.1, torch_npu: 2.7.1}
                    - {torch: 2.8.0, torch_npu: 2.8.0.post2}
            """,
            {
                "torch-2-7-1": {
                    "from": "python",
                    "args": {"TORCH_VERSION": "2.7.1", "TORCH_NPU_VERSION": "2.7.1"},
                    "tags": ["pytorch:2.7.1-npu"],
                },
                "torch-2-8-0": {
                    "from": "python",
                    "args": {"TORCH_VERSION": "2.8.0", "TORCH_NPU_VERSION": "2.8.0.post2"},
                    "tags": ["pytorch:2.8.0-npu"],
                },
            },
        ),
        # children pick their parent by the same axes: from: takes the values' id form when that
        # names an image of the file (here another matrix entry's image) ...
        (
            """
              cann-{{cann}}-{{chip}}:
                from: python
                dockerfile: cann.dockerfile
                matrix: {cann: [8.3.RC1], chip: [910b, 310p]}
              pytorch-{{chip}}:
                from: cann-{{cann}}-{{chip}}
                dockerfile: torch.dockerfile
                contexts: {cann: "target:cann-{{cann}}-{{chip}}", packages: "packages/{{cann}}"}
                matrix: {cann: [8.3.RC1], chip: [910b, 310p]}
            """,
            {
                "cann-8-3rc1-910b": {"from": "python", "args": {}, "tags": []},
                "cann-8-3rc1-310p": {"from": "python", "args": {}, "tags": []},
                "pytorch-910b": {"from": "cann-8-3rc1-910b", "args": {}, "tags": []},
                "pytorch-310p": {"from": "cann-8-3rc1-310p", "args": {}, "tags": []},
            },
        ),
        # ... and the text as written otherwise (an external image)
        (
            """
              vllm-{{tag}}:
                from: quay.io/ascend/vllm-ascend:{{tag}}
                dockerfile: vllm.dockerfile
                matrix: {tag: [v0.11.0rc2]}
            """,
            {"vllm-v0-11-0rc2": {"from": "quay.io/ascend/vllm-ascend:v0.11.0rc2", "args": {}, "tags": []}},
        ),
        # {{"text"}} is its text: a literal {{ in a matrix entry; plain entries keep {{ as written
        (
            """
              fmt-{{n}}:
                from: python
                dockerfile: x
                args: {FORMAT: '{{"{{"}}.ID}} {{ n }}', ID: '{{"{{"}}.ID}}', HOME_DIR: "${HOME}/{{n}}",
                       TEXT: '{{"${"}}n}'}
                matrix: {n: [a]}
              plain:
                from: python
                dockerfile: x
                args: {FORMAT: "{{.ID}} {{n}}"}
            """,
            {
                "fmt-a": {
                    "from": "python",
                    "args": {"FORMAT": "{{.ID}} a", "ID": "{{.ID}}", "HOME_DIR": "${HOME}/a", "TEXT": "${n}"},
                    "tags": [],
                },
                "plain": {"from": "python", "args": {"FORMAT": "{{.ID}} {{n}}"}, "tags": []},
            },
        ),
    ],
)
def test_a_matrix_entry_stands_for_one_plain_image_per_combination(body, images):
    assert expanded(body) == images


def test_expanded_images_get_contexts_defaults_and_file_order():
    project = parse_project(
        HEAD.replace("images:\n", "defaults: {platforms: [linux/arm64], args: {PIP: mirror}}\nimages:\n")
        + PYTHON
        + textwrap.indent(
            textwrap.dedent(
                """\
                cann-{{cann}}:
                  from: python
                  dockerfile: cann.dockerfile
                  contexts: {cann-packages: "packages/cann/{{cann}}", base-tools: python}
                  matrix: {cann: [8.3.RC1, 8.2.RC1]}
                last: {from: cann-8-2rc1, dockerfile: x}
                """
            ),
            "  ",
        ),
        "images.yaml",
    )
    assert list(project.images) == ["python", "cann-8-3rc1", "cann-8-2rc1", "last"]
    cann = project.images["cann-8-2rc1"]
    assert {name: (c.value, c.kind) for name, c in cann.contexts.items()} == {
        "cann-packages": ("packages/cann/8.2.RC1", "path"),
        "base-tools": ("python", "image"),
    }
    assert dict(cann.args) == {"PIP": "mirror"} and cann.platforms == ("linux/arm64",)
    assert cann.own_args == frozenset() and project.graph.ancestors("last") == ["python", "cann-8-2rc1"]


@pytest.mark.parametrize(
    "matrix, ids",
    [
        ("{cann: [8.2.RC1, 8.3.RC1], chip: [910b, 310p], exclude: [{cann: 8.3.RC1, chip: 310p}]}", [
            "cann-8-2rc1-910b", "cann-8-2rc1-310p", "cann-8-3rc1-910b",
        ]),
        # a partial assignment leaves out every combination it matches
        ("{cann: [8.2.RC1, 8.3.RC1], chip: [910b, 310p], exclude: [{chip: 310p}]}", [
            "cann-8-2rc1-910b", "cann-8-3rc1-910b",
        ]),
        # exclude compares values as written: 8.10 is not 8.1
        ("{cann: [8.1, 8.10], chip: [910b], exclude: [{cann: 8.10}]}", ["cann-8-1-910b"]),
    ],
)
def test_exclude_leaves_out_partial_combinations(matrix, ids):
    body = f"""
      cann-{{{{cann}}}}-{{{{chip}}}}:
        from: python
        dockerfile: x
        matrix: {matrix}
    """
    assert list(expanded(body)) == ids


def test_exclude_on_an_axis_of_mappings_names_fields():
    body = """
      torch-{{release.torch}}-{{chip}}:
        from: python
        dockerfile: x
        matrix:
          release: [{cann: 8.2.RC1, torch: 2.5.1}, {cann: 8.3.RC1, torch: 2.7.1}]
          chip: [910b, 310p]
          exclude: [{release: {cann: 8.3.RC1}, chip: 310p}]
    """
    assert list(expanded(body)) == ["torch-2-5-1-910b", "torch-2-5-1-310p", "torch-2-7-1-910b"]


@pytest.mark.parametrize(
    "value, form",
    [
        ("8.3.RC1", "8-3rc1"),  # the repo's ids: cann-8-3rc1-910b, cann-8-2rc1-310p, cann-8-5-0-910b
        ("8.2.RC1", "8-2rc1"),
        ("8.5.0", "8-5-0"),
        ("910b", "910b"),
        ("Atlas-A3", "atlas-a3"),
        ("8.2.RC1.alpha003", "8-2rc1alpha003"),  # a dot between a digit and a letter, either way round
        ("v0.11.0rc2", "v0-11-0rc2"),
        ("py3.11", "py3-11"),
        ("linux/arm64", "linux-arm64"),
        ("2.8.0+cpu", "2-8-0-cpu"),
        ("a_b-c", "a_b-c"),
        ("", ""),
    ],
)
def test_the_id_form_of_a_value(value, form):
    assert id_form(value) == form


@pytest.mark.parametrize(
    "text, pieces",
    [
        ("cann-{{cann}}-{{chip}}", ("cann-", "{{cann}}", "-", "{{chip}}")),
        ("{{ release.torch }}", ("{{release.torch}}",)),
        ('{{"{{"}}x}}', ("{{", "x}}")),
        ('{{"${"}}chip}', ("${", "chip}")),  # the text ${chip}, where chip is an axis
        ("${HOME} {x} }}", ("${HOME} {x} }}",)),
    ],
)
def test_placeholders_and_literal_text(text, pieces):
    assert tuple(str(p) for p in split(text)) == pieces


@pytest.mark.parametrize(
    "body, expected",
    [
        # a placeholder naming no axis: located at the value, with a did-you-mean
        (
            """
              cann-{{cann}}:
                from: python
                dockerfile: x
                args: {CHIP: "{{chp}}"}
                matrix: {cann: [8.3.RC1], chip: [910b]}
            """,
            [
                "images.yaml:10:18: error: cann-{{cann}}: args.CHIP: placeholder {{chp}} names no axis of the "
                "matrix; did you mean 'chip'? (axes: cann, chip)"
            ],
        ),
        (
            """
              cann-{{cann}}-{{chips}}:
                from: python
                dockerfile: x
                matrix: {cann: [8.3.RC1], chip: [910b]}
            """,
            [
                "images.yaml:7:3: error: cann-{{cann}}-{{chips}}: the id: placeholder {{chips}} names no axis of "
                "the matrix; did you mean 'chip'? (axes: cann, chip)"
            ],
        ),
        (
            """
              torch-{{release}}:
                from: python
                dockerfile: x
                tags: ["t:{{release.torh}}"]
                matrix: {release: [{torch: 2.7.1, torch_npu: 2.7.1}]}
            """,
            [
                "images.yaml:7:3: error: torch-{{release}}: the id: placeholder {{release}}: the values of axis "
                "'release' are mappings; name a field: {{release.torch}}, {{release.torch_npu}}",
                "images.yaml:10:12: error: torch-{{release}}: tags.0: placeholder {{release.torh}}: axis 'release' "
                "has no field 'torh'; did you mean 'torch'? (fields: torch, torch_npu)",
            ],
        ),
        # malformed placeholders, and the forms of other tools that would reach the build as written
        (
            """
              x-{{n}}:
                from: python
                dockerfile: x
                args: {A: "{{n", B: "{{n-1}}", C: "${{n}}", D: "${n}", E: "${HOME}"}
                matrix: {n: [a]}
            """,
            [
                "images.yaml:10:15: error: x-{{n}}: args.A: '{{' opens a placeholder that no '}}' closes; "
                'for a literal \'{{\' write {{"{{"}}',
                "images.yaml:10:25: error: x-{{n}}: args.B: '{{n-1}}' is not a placeholder: write {{axis}} or "
                '{{axis.field}}, or {{"{{"}}n-1}} for literal text',
                "images.yaml:10:39: error: x-{{n}}: args.C: '${{n}}' is GitHub Actions' form; a placeholder is "
                "written {{n}}, without '$' (for a literal '$' before the value write {{\"$\"}}{{n}})",
                "images.yaml:10:52: error: x-{{n}}: args.D: '${n}' is bake's form and would reach the build as "
                "written; the axis value is {{n}} (the text '${n}' is {{\"${\"}}n})",
            ],
        ),
        # placeholders fill values, not names; an id with placeholders needs a matrix
        (
            """
              x-{{n}}:
                from: python
                dockerfile: x
                args: {"ARG_{{n}}": "1"}
                matrix: {n: [a]}
              y-{{n}}: {from: python, dockerfile: x}
            """,
            [
                "images.yaml:10:12: error: x-{{n}}: placeholders fill values, not names: 'ARG_{{n}}' in args",
                "images.yaml:12:3: error: 'y-{{n}}' has placeholders but no matrix: add 'matrix:' with the axes it "
                "names, or rename it (image ids are letters, digits, '-' and '_')",
            ],
        ),
        # the matrix itself
        (
            """
              x-{{n}}:
                from: python
                dockerfile: x
                matrix: {n: [], 2d: [a], m: [{a: 1}, b], exclude: [{n: 1, q: 2}]}
            """,
            [
                "images.yaml:10:17: error: x-{{n}}: axis 'n' must be a non-empty list of values, e.g. n: [a, b]",
                "images.yaml:10:21: error: x-{{n}}: invalid axis name '2d': use letters, digits and '_', not "
                "starting with a digit",
                "images.yaml:10:42: error: x-{{n}}: m[1] must be a mapping like its first value",
            ],
        ),
        (
            """
              x-{{n}}:
                from: python
                dockerfile: x
                matrix: {n: [a, b], exclude: [{n: c}, {m: a}, {n: a}, {n: b}]}
            """,
            [
                "images.yaml:10:39: error: x-{{n}}: exclude[0]: 'c' is not a value of axis 'n' (values: a, b)",
                "images.yaml:10:44: error: x-{{n}}: exclude[1] names no axis 'm' (axes: n)",
            ],
        ),
        (
            """
              x-{{n}}:
                from: python
                dockerfile: x
                matrix: {n: [a, b], exclude: [{n: a}, {n: b}]}
            """,
            ["images.yaml:10:34: error: x-{{n}}: exclude leaves out every combination"],
        ),
        (
            """
              x-{{n}}:
                from: python
                dockerfile: x
                matrix: {n: "a, b"}
            """,
            ["images.yaml:10:17: error: x-{{n}}: axis 'n' must be a non-empty list of values, e.g. n: [a, b]"],
        ),
    ],
)
def test_placeholder_and_matrix_errors_are_located(body, expected):
    assert errors(body) == expected


@pytest.mark.parametrize(
    "body, expected",
    [
        # an axis with more than one value that the id does not name
        (
            """
              cann-{{cann}}:
                from: python
                dockerfile: x
                args: {CHIP: "{{chip}}"}
                matrix: {cann: [8.3.RC1], chip: [910b, 310p]}
            """,
            [
                "images.yaml:7:3: error: cann-{{cann}}: (cann=8.3.RC1) gives the image id 'cann-8-3rc1' as "
                "(cann=8.3.RC1) does; every axis with more than one value must be in the id"
            ],
        ),
        # two values with one id form
        (
            """
              cann-{{cann}}:
                from: python
                dockerfile: x
                matrix: {cann: [8.3.RC1, 8.3.rc1]}
            """,
            [
                "images.yaml:7:3: error: cann-{{cann}}: (cann=8.3.rc1) gives the image id 'cann-8-3rc1' as "
                "(cann=8.3.RC1) does; every axis with more than one value must be in the id"
            ],
        ),
        # an id that a plain image or another matrix entry already has
        (
            """
              cann-8-3rc1: {from: python, dockerfile: x}
              cann-{{cann}}:
                from: python
                dockerfile: x
                matrix: {cann: [8.2.RC1, 8.3.RC1]}
              cann-{{v}}:
                from: python
                dockerfile: x
                matrix: {v: [8.2.rc1]}
            """,
            [
                "images.yaml:8:3: error: cann-{{cann}}: (cann=8.3.RC1) gives the image id 'cann-8-3rc1' which "
                "image 'cann-8-3rc1' (line 7) already has; rename one",
                "images.yaml:12:3: error: cann-{{v}}: (v=8.2.rc1) gives the image id 'cann-8-2rc1' as the "
                "matrix entry 'cann-{{cann}}' (line 8) does for (cann=8.2.RC1)",
            ],
        ),
    ],
)
def test_two_images_with_one_id_are_an_error(body, expected):
    assert errors(body) == expected


CANN = """
cann-{{cann}}-{{chip}}:
  from: PARENT
  dockerfile: cann.dockerfile
  platforms: [PLATFORM]
  args: {CANN_VERSION: "{{cann}}", CHIP: "{{chip}}", COMPONENTS: "toolkit,kernels,nnal"}
  tags: ["cann:{{cann}}-TAG"]
  matrix: {cann: [8.3.RC1, 8.2.RC1], chip: [910b, 310p], exclude: [{cann: 8.3.RC1, chip: 310p}]}
"""
ROOT_ON_ARM = PYTHON + "    platforms: [linux/arm64]\n"


@pytest.mark.parametrize(
    "changes, expected",
    [
        (
            {"PARENT": "pyton"},
            [
                "images.yaml:9:11: error: cann-8-3rc1-910b (matrix cann=8.3.RC1, chip=910b): unknown parent "
                "'pyton'; did you mean 'python'?",
                "images.yaml:9:11: error: cann-8-2rc1-910b (matrix cann=8.2.RC1, chip=910b): unknown parent "
                "'pyton'; did you mean 'python'?",
                "images.yaml:9:11: error: cann-8-2rc1-310p (matrix cann=8.2.RC1, chip=310p): unknown parent "
                "'pyton'; did you mean 'python'?",
            ],
        ),
        (
            {"TAG": "910b"},
            [
                "images.yaml:13:12: error: cann-8-2rc1-310p (matrix cann=8.2.RC1, chip=310p): duplicate tag "
                "'cann:8.2.RC1-910b' (pushed as 'reg.example.com/team/cann:8.2.RC1-910b'): image "
                "'cann-8-2rc1-910b' already produces it; give each image its own tag",
            ],
        ),
        (
            {"PLATFORM": '"linux/{{chip}}"'},
            [
                "images.yaml:11:17: error: cann-8-3rc1-910b (matrix cann=8.3.RC1, chip=910b): platform 'linux/910b': "
                "unknown architecture '910b'; did you mean 'linux/s390x'?",
                "images.yaml:11:16: error: cann-8-3rc1-910b (matrix cann=8.3.RC1, chip=910b): "
                "'cann-8-3rc1-910b' builds for linux/910b but its parent 'python' is only built for "
                "linux/arm64; a child's platforms must be a subset of its parent's",
                "images.yaml:11:17: error: cann-8-2rc1-910b (matrix cann=8.2.RC1, chip=910b): platform 'linux/910b': "
                "unknown architecture '910b'; did you mean 'linux/s390x'?",
                "images.yaml:11:16: error: cann-8-2rc1-910b (matrix cann=8.2.RC1, chip=910b): "
                "'cann-8-2rc1-910b' builds for linux/910b but its parent 'python' is only built for "
                "linux/arm64; a child's platforms must be a subset of its parent's",
                "images.yaml:11:17: error: cann-8-2rc1-310p (matrix cann=8.2.RC1, chip=310p): platform 'linux/310p': "
                "unknown architecture '310p'; did you mean 'linux/s390x'?",
                "images.yaml:11:16: error: cann-8-2rc1-310p (matrix cann=8.2.RC1, chip=310p): "
                "'cann-8-2rc1-310p' builds for linux/310p but its parent 'python' is only built for "
                "linux/arm64; a child's platforms must be a subset of its parent's",
            ],
        ),
    ],
)
def test_an_error_in_an_expanded_image_points_at_the_matrix_line_and_names_the_values(changes, expected):
    body = CANN
    for name, value in {"PARENT": "python", "PLATFORM": "linux/arm64", "TAG": "{{chip}}", **changes}.items():
        body = body.replace(name, value)
    assert errors(body, ROOT_ON_ARM) == expected


def test_a_schema_error_in_an_expanded_image_names_the_values():
    body = """
      cann-{{chip}}:
        from: python
        dockerfile: x
        layer: "{{chip}}"
        matrix: {chip: [910b]}
    """
    assert errors(body) == [
        "images.yaml:10:12: error: cann-910b (matrix chip=910b): images.cann-910b.layer: '910b' is not one of "
        "base, framework, application"
    ]


def test_version_rules_and_undeclared_args_in_an_expanded_image(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cann.dockerfile").write_text(
        "ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\nARG CANN_VERSION\nARG CHIP\nRUN true\n"
    )
    text = HEAD + (
        "  cann-{{cann}}-{{chip}}:\n"
        "    from: ubuntu:22.04\n"
        "    dockerfile: cann.dockerfile\n"
        "    args:\n"
        '      CANN_VERSION: "{{cann}}"\n'
        '      CHIP: "{{chip}}"\n'
        '      CHIP_TYPE: "{{chip}}"\n'
        "    matrix: {cann: [8.3.RC1], chip: [910b, 310x]}\n"
    )
    project = parse_project(text, tmp_path / "images.yaml")
    rules = check_versions(project, Dockerfiles(tmp_path))
    assert [f"{d.position.line}:{d.position.column}: {d.message}" for d in rules] == [
        "9:13: cann-8-3rc1-310x (matrix cann=8.3.RC1, chip=310x): unknown chip '310x'; supported: 910b, 310p, a3"
    ]
    undeclared = [
        f"{d.position.line}:{d.position.column}: {d.message}"
        for d in checks.undeclared_args(project, Dockerfiles(tmp_path))
    ]
    assert undeclared == [
        "10:7: cann-8-3rc1-910b (matrix cann=8.3.RC1, chip=910b): build arg CHIP_TYPE is not declared in "
        "cann.dockerfile (no `ARG CHIP_TYPE`), so the build never sees it; did you mean 'CHIP'?",
        "10:7: cann-8-3rc1-310x (matrix cann=8.3.RC1, chip=310x): build arg CHIP_TYPE is not declared in "
        "cann.dockerfile (no `ARG CHIP_TYPE`), so the build never sees it; did you mean 'CHIP'?",
    ]


def test_groups_list_expanded_ids_and_check_json_names_the_values(write, monkeypatch, capsys):
    root = write(
        {
            "images.yaml": HEAD
            + "  cann-{{chip}}:\n"
            + "    from: ubuntu:22.04\n"
            + "    dockerfile: missing.dockerfile\n"
            + "    matrix: {chip: [910b, 310p]}\n"
            + "groups:\n"
            + "  npu: [cann-910b, cann-310p]\n"
        }
    )
    monkeypatch.chdir(root)
    assert main(["check", "--json"]) == 1
    findings = json.loads(capsys.readouterr().out)
    assert [(f["line"], f["column"], f["code"], f["message"].split(":")[0]) for f in findings] == [
        (6, 17, "missing-dockerfile", "cann-910b (matrix chip=910b)"),
        (6, 17, "missing-dockerfile", "cann-310p (matrix chip=310p)"),
    ]


@pytest.mark.parametrize(
    "entry, codes",
    [
        ('x-{{n}}: {from: python, dockerfile: x, args: {A: "{{m}}"}, matrix: {n: [a]}}', ["unknown-axis"]),
        ('x-{{n}}: {from: python, dockerfile: x, args: {A: "{{n"}, matrix: {n: [a]}}', ["invalid-placeholder"]),
        ("x-{{n}}: {from: python, dockerfile: x, matrix: {n: [[a]]}}", ["invalid-matrix"]),
        ("x-{{n}}: {from: python, dockerfile: x, matrix: {n: [a, b], exclude: [{n: c}]}}", ["unknown-matrix-value"]),
        ("x-{{n}}: {from: python, dockerfile: x, matrix: {n: [a, A]}}", ["duplicate-id"]),
        # eleven axes of two values: 2,048 images from one entry are refused before any is made
        (
            "x-{{a}}: {from: python, dockerfile: x, matrix: {"
            + ", ".join(f"{axis}: [0, 1]" for axis in "abcdefghijk")
            + "}}",
            ["invalid-matrix"],
        ),
    ],
)
def test_each_matrix_problem_has_a_stable_code(entry, codes):
    with pytest.raises(BakegenError) as info:
        load(entry)
    assert [d.code for d in info.value.diagnostics] == codes
