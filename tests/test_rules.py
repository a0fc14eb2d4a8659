"""Ascend version rules: impossible stacks are refused with the image, the chain and the fix."""

import textwrap

import pytest

from bakegen.dockerfile import Dockerfiles
from bakegen.model import parse_project
from bakegen.rules import check_versions

CHAIN = """\
version: 1
images:
  python-3-10:
    from: ubuntu:22.04
    dockerfile: x
    args: {{PYTHON_VERSION: "{python}"}}
  cann-8-3rc1-910b:
    from: python-3-10
    dockerfile: x
    args: {{CANN_VERSION: {cann}, CHIP: {chip}, COMPONENTS: "{components}"}}
  pytorch-npu-910b:
    from: cann-8-3rc1-910b
    dockerfile: x
    args: {{TORCH_VERSION: {torch}, TORCH_NPU_VERSION: {torch_npu}}}
  yolo-910b:
    from: pytorch-npu-910b
    dockerfile: x
"""
def versions(project):
    """The version rules with the project's Dockerfiles (those that exist) parsed for them."""
    return check_versions(project, Dockerfiles(project.root))


GOOD = dict(python="3.10", cann="8.3.RC1", chip="910b", components="toolkit,kernels,nnal", torch="2.7.1", torch_npu="2.7.1")


def messages(**changes):
    project = parse_project(CHAIN.format(**{**GOOD, **changes}), "images.yaml")
    return [f"{d.position}: {d.message}" for d in versions(project)]


def test_valid_current_pairs_pass():
    assert messages() == []
    assert messages(cann="8.2.RC1", torch="2.5.1", torch_npu="2.5.1.post1") == []
    assert messages(cann="8.5.0", components="toolkit,ops,nnal", torch="2.8.0", torch_npu="2.8.0.post2") == []
    assert messages(cann="8.5.0", components="toolkit,ops,nnal", torch="2.9.0", torch_npu="2.9.0") == []


def test_torch_npu_not_released_for_cann_names_image_chain_and_choices():
    (message,) = messages(torch="2.5.1", torch_npu="2.5.1")
    assert message == (
        "images.yaml:14:53: pytorch-npu-910b: torch_npu 2.5.1 was not released for CANN 8.3.RC1 "
        "(inherited: CANN_VERSION from cann-8-3rc1-910b); for CANN 8.3.RC1 use 2.6.0.post3, 2.7.1, 2.8.0 or 2.1.0.post17 "
        "(torch_npu 2.5.1 was released for CANN 8.1.RC1) "
        "[chain: python-3-10 -> cann-8-3rc1-910b -> pytorch-npu-910b]"
    )


def test_the_seed_projects_other_bad_pair():
    (message,) = messages(cann="8.2.RC1", torch="2.5.1", torch_npu="2.5.1")
    assert "torch_npu 2.5.1 was not released for CANN 8.2.RC1" in message
    assert "use 2.5.1.post1, 2.6.0 or 2.1.0.post13" in message


@pytest.mark.parametrize(
    "changes, expected",
    [
        (dict(torch="2.6.0"), "torch_npu 2.7.1 is built for torch 2.7.1, but TORCH_VERSION is 2.6.0; set TORCH_VERSION=2.7.1"),
        (dict(python="3.12", cann="8.2.RC1", torch="2.5.1", torch_npu="2.5.1.post1"), "torch 2.5.1 supports Python 3.9 to 3.11, but PYTHON_VERSION is 3.12 (inherited: PYTHON_VERSION from python-3-10)"),
        (dict(chip="910c"), "unknown chip '910c'; supported: 910b, 310p, a3"),
        (dict(components="kernels,nnal"), "nnal needs the toolkit or nnae (it is installed on top of the set_env.sh of one of them); add toolkit or nnae to COMPONENTS"),
        (dict(components="toolkit,nnae"), "has both toolkit and nnae; pick one"),
        (dict(components="toolkit,ops"), "CANN 8.3.RC1 ships its operators as 'kernels', not 'ops'"),
        (dict(cann="8.5.0", components="toolkit,kernels", torch="2.8.0", torch_npu="2.8.0.post2"), "CANN 8.5.0 ships its operators as 'ops', not 'kernels'"),
        (dict(cann="8.4.0"), "CANN 8.4.0 is not in bakegen's compatibility table"),
    ],
)
def test_rule_violations(changes, expected):
    found = messages(**changes)
    assert any(expected in m for m in found), found


def test_a_violation_is_reported_once_not_in_every_descendant():
    found = messages(torch="2.5.1", torch_npu="2.5.1")
    assert len(found) == 1 and "yolo-910b" not in found[0]


def test_numpy_2_with_cann_8_from_args_or_dockerfile(tmp_path):
    (tmp_path / "np.dockerfile").write_text('ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\nRUN pip install "numpy>=2.0"\n')
    (tmp_path / "ok.dockerfile").write_text('ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\nRUN pip install "numpy<2"\n')
    doc = textwrap.dedent(
        """\
        version: 1
        images:
          cann: {from: u:1, dockerfile: ok.dockerfile, args: {CANN_VERSION: 8.3.RC1, CHIP: 910b, COMPONENTS: toolkit}}
          bad-arg: {from: cann, dockerfile: ok.dockerfile, args: {NUMPY_VERSION: 2.0.2}}
          bad-file: {from: cann, dockerfile: np.dockerfile}
          fine: {from: cann, dockerfile: ok.dockerfile, args: {NUMPY_VERSION: 1.26.4}}
        """
    )
    found = [d.message for d in versions(parse_project(doc, tmp_path / "images.yaml"))]
    assert len(found) == 2, found
    assert found[0].startswith("bad-arg: numpy ==2.0.2 with CANN 8.3.RC1 (inherited: CANN_VERSION from cann): CANN 8.x needs numpy<2")
    assert found[1].startswith("bad-file: numpy >=2.0 with CANN 8.3.RC1")


def test_compat_section_adds_a_newer_release():
    doc = CHAIN.format(**{**GOOD, "cann": "9.2.0", "components": "toolkit,ops", "torch": "2.12.0", "torch_npu": "2.12.0.post1"})
    project = parse_project(doc, "images.yaml")
    assert any("CANN 9.2.0 is not in bakegen's compatibility table" in d.message for d in versions(project))
    doc += "compat:\n  cann:\n    9.2.0: {torch_npu: [2.12.0.post1], operators: ops}\n"
    assert versions(parse_project(doc, "images.yaml")) == []


def test_vllm_ascend_stack_from_the_official_image_tag():
    doc = textwrap.dedent(
        """\
        version: 1
        images:
          vllm: {from: "quay.io/ascend/vllm-ascend:v0.11.0rc2", dockerfile: x}
          on-top: {from: vllm, dockerfile: x, args: {TORCH_VERSION: 2.8.0}}
        """
    )
    (message,) = [d.message for d in versions(parse_project(doc, "images.yaml"))]
    assert message.startswith("on-top: vllm-ascend v0.11.0rc2 is built on torch 2.7.1, but TORCH_VERSION is 2.8.0 (inherited: vllm's from: image)")


def test_the_old_arg_names_are_not_read():
    # cann.dockerfile reads only CHIP and COMPONENTS: a 310P image written with CHIP_TYPE passed
    # the rules as 310P and was built with the Dockerfile's default chip, 910b.
    doc = CHAIN.format(**{**GOOD, "chip": "910x", "components": "toolkit,nnae"})
    doc = doc.replace("CHIP:", "CHIP_TYPE:").replace("COMPONENTS:", "INSTALL_COMPONENTS:")
    assert versions(parse_project(doc, "images.yaml")) == []


def test_the_args_the_rules_read_for_cann_are_the_ones_cann_dockerfile_declares():
    from bakegen.dockerfile import read_dockerfile
    from tests.conftest import REPO

    declared = {arg.name for arg in read_dockerfile(REPO / "dockerfiles/cann.dockerfile", "cann.dockerfile").args}
    compat = parse_project("version: 1\nimages: {a: {from: u:1, dockerfile: x}}\n", "images.yaml").compat
    for fact in ("cann", "chip", "components"):
        assert set(compat.args[fact]) <= declared, fact


def test_odd_version_strings_are_judged_not_crashed_on():
    (message,) = messages(python="3.x")
    assert "torch 2.7.1 supports Python 3.9 to 3.13, but PYTHON_VERSION is 3.x" in message


# --- reproduced defects -----------------------------------------------------------------


def test_python_patch_versions_count_as_their_minor():
    assert messages(python="3.11.7", cann="8.2.RC1", torch="2.6.0", torch_npu="2.6.0") == []
    (message,) = messages(python="3.12.1", cann="8.2.RC1", torch="2.6.0", torch_npu="2.6.0")
    assert "torch 2.6.0 supports Python 3.9 to 3.11, but PYTHON_VERSION is 3.12.1" in message


def test_numpy_pins_are_one_specifier_set_and_comments_are_not_pins(tmp_path):
    files = {
        "range": 'RUN pip install "numpy>1.23,<2"\n',
        "comment": '# numpy>=2 breaks CANN 8\nRUN pip install "numpy<2"\n',
        "unpinned": "RUN pip install numpy scipy\n",
        "compatible": 'RUN pip install "numpy~=1.26"\n',
        "open": 'RUN pip install "numpy>=1.24"\n',
        "wildcard": 'RUN pip install "numpy==2.1.*"\n',
        "above": 'RUN pip install "numpy>2.3.0"\n',
        "excluded": 'RUN pip install "numpy!=2.0.0,<2.1"\n',
    }
    for name, body in files.items():
        (tmp_path / f"{name}.dockerfile").write_text(f"ARG BASE_IMAGE=base\nFROM ${{BASE_IMAGE}}\n{body}")
    images = "".join(f"  {name}: {{from: cann, dockerfile: {name}.dockerfile}}\n" for name in files)
    doc = (
        "version: 1\nimages:\n"
        "  cann: {from: u:1, dockerfile: range.dockerfile, args: {CANN_VERSION: 8.3.RC1, CHIP: 910b, COMPONENTS: toolkit}}\n"
        + images
        + "  arg-range: {from: cann, dockerfile: unpinned.dockerfile, args: {NUMPY_VERSION: '>=1.24,<2'}}\n"
        + "  arg-open: {from: cann, dockerfile: unpinned.dockerfile, args: {NUMPY_VERSION: '>=1.24'}}\n"
    )
    found = [d.message for d in versions(parse_project(doc, tmp_path / "images.yaml"))]
    assert sorted(m.split(":")[0] for m in found) == ["above", "arg-open", "excluded", "open", "wildcard"], found
    (open_,) = [m for m in found if m.startswith("open:")]
    assert open_.startswith("open: numpy >=1.24 with CANN 8.3.RC1 (inherited: CANN_VERSION from cann): CANN 8.x needs numpy<2")
    (excluded,) = [m for m in found if m.startswith("excluded:")]
    assert excluded.startswith("excluded: numpy !=2.0.0,<2.1 with CANN 8.3.RC1")


def test_components_installed_by_ancestors_count():
    doc = textwrap.dedent(
        """\
        version: 1
        images:
          cann: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.3.RC1, CHIP: 910b, COMPONENTS: "toolkit,kernels"}}
          nnal: {from: cann, dockerfile: x, args: {COMPONENTS: nnal}}
          leaf: {from: nnal, dockerfile: x}
          runtime: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.3.RC1, CHIP: 910b, COMPONENTS: "nnae,kernels"}}
          runtime-nnal: {from: runtime, dockerfile: x, args: {COMPONENTS: nnal}}
          runtime-toolkit: {from: runtime, dockerfile: x, args: {COMPONENTS: toolkit}}
          kernels: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.3.RC1, CHIP: 910b, COMPONENTS: kernels}}
          kernels-nnal: {from: kernels, dockerfile: x, args: {COMPONENTS: nnal}}
        """
    )
    found = sorted(d.message for d in versions(parse_project(doc, "images.yaml")))
    assert len(found) == 2, found
    assert found[0].startswith("kernels-nnal: nnal needs the toolkit or nnae")
    assert found[1].startswith("runtime-toolkit: COMPONENTS has both toolkit and nnae (with what runtime installs)")


def test_nnal_goes_on_either_runtime():
    # hiascend, CANN 8.3.RC1 ATB docs (ascendtb_0034): a runtime deployment of NNAE plus NNAL is supported
    assert messages(components="nnae,kernels,nnal") == []
    assert messages(components="toolkit,kernels,nnal") == []


def test_a_local_version_suffix_is_not_a_mismatch():
    assert messages(torch="2.7.1+cpu") == []
    assert messages(torch="2.7.1+cpu", torch_npu="2.7.1.post1+git1234") != []  # 2.7.1.post1 is not for 8.3.RC1
    assert any("TORCH_VERSION is 2.6.0+cpu" in m for m in messages(torch="2.6.0+cpu"))
    assert messages(python="3.12", cann="8.2.RC1", torch="2.5.1+cpu", torch_npu="2.5.1.post1") != []


def test_the_official_vllm_ascend_stacks_pass():
    stack = """\
        version: 1
        images:
          cann: {{from: u:1, dockerfile: x, args: {{PYTHON_VERSION: "3.11", CANN_VERSION: {cann}, CHIP: 910b, COMPONENTS: "toolkit,kernels,nnal"}}}}
          vllm: {{from: cann, dockerfile: x, args: {{TORCH_VERSION: {torch}, TORCH_NPU_VERSION: {npu}, VLLM_ASCEND_VERSION: {vllm}}}}}
        """
    for vllm, cann, torch, npu in [
        ("v0.11.0", "8.3.RC2", "2.7.1", "2.7.1.post1"),
        ("v0.11.0rc2", "8.3.RC2", "2.7.1", "2.7.1"),
        ("v0.12.0rc1", "8.3.RC2", "2.8.0", "2.8.0"),
        ("v0.10.2", "8.2.RC1", "2.7.1", "2.7.1.dev20250724"),
        ("v0.11.0rc0", "8.2.RC1", "2.7.1", "2.7.1.dev20250724"),
    ]:
        doc = textwrap.dedent(stack.format(vllm=vllm, cann=cann, torch=torch, npu=npu))
        assert versions(parse_project(doc, "images.yaml")) == [], vllm
    # without vllm-ascend pinning it, the dev build is still not a release for 8.2.RC1
    (message,) = messages(cann="8.2.RC1", torch="2.7.1", torch_npu="2.7.1.dev20250724")
    assert "torch_npu 2.7.1.dev20250724 was not released for CANN 8.2.RC1" in message


@pytest.mark.parametrize(
    "ref",
    ["quay.io/ascend/vllm-ascend:v0.11.0rc1-310p", "quay.io/ascend/vllm-ascend:v0.11.0rc1-a3",
     "quay.io/ascend/vllm-ascend:v0.11.0rc1@sha256:" + "ab" * 32],
)
def test_vllm_ascend_variant_tags_and_digests_are_read(ref):
    doc = textwrap.dedent(
        f"""\
        version: 1
        images:
          vllm: {{from: "{ref}", dockerfile: x}}
          on-top: {{from: vllm, dockerfile: x, args: {{TORCH_VERSION: 2.8.0}}}}
        """
    )
    (message,) = [d.message for d in versions(parse_project(doc, "images.yaml"))]
    assert message.startswith("on-top: vllm-ascend v0.11.0rc1")
    assert "is built on torch 2.7.1, but TORCH_VERSION is 2.8.0 (inherited: vllm's from: image)" in message


def test_a_torch_line_newer_than_the_table_gets_the_newest_range():
    found = messages(cann="9.1.0", components="toolkit,ops,nnal", python="3.9", torch="2.13.0", torch_npu="2.13.0")
    assert any("torch 2.13.0 supports Python 3.10 to 3.14, but PYTHON_VERSION is 3.9" in m for m in found), found
    found = messages(cann="7.0.0", components="toolkit", python="3.14", torch="2.0.1", torch_npu="2.0.1.post1")
    assert not any("supports Python" in m for m in found), found  # an older unlisted line is not judged


# --- version forms and specifier operators, pinned before the comparison moved to `packaging` ---------


def stack_yaml(cann="8.3.RC1", components="toolkit,kernels", python="3.10", torch="2.7.1", npu="2.7.1", more=""):
    return f"""\
        version: 1
        images:
          cann: {{from: u:1, dockerfile: x, args: {{PYTHON_VERSION: "{python}", CANN_VERSION: "{cann}", CHIP: 910b, COMPONENTS: "{components}"}}}}
          torch: {{from: cann, dockerfile: x, args: {{TORCH_VERSION: "{torch}", TORCH_NPU_VERSION: "{npu}"{more}}}}}
        """


def stack_messages(**changes):
    return [d.message for d in versions(parse_project(textwrap.dedent(stack_yaml(**changes)), "images.yaml"))]


@pytest.mark.parametrize(
    "cann, hint",
    [
        ("8.3.RC1", None),
        ("8.3.rc1", None),  # the case of RC is not significant
        ("8.3rc1", "did you mean 8.3.RC1?"),  # but the form is: a CANN release is looked up as Huawei writes it
        ("8.3.0rc1", "did you mean 8.3.RC1?"),
        ("8.3.RC1.0", "nearest known release: 8.3.RC1"),
        ("8.3", "did you mean 8.3.RC2?"),
        ("8.5", "did you mean 8.5."),  # not 8.5.0 (nor 8.5.1)
        ("8.5.0.0", "nearest known release: 8.5.0"),
    ],
)
def test_cann_releases_are_looked_up_as_written_ignoring_case(cann, hint):
    components = "toolkit,ops" if cann.startswith("8.5") else "toolkit,kernels"
    project = parse_project(textwrap.dedent(stack_yaml(cann=cann, components=components, torch="2.8.0", npu="2.8.0")), "images.yaml")
    found = versions(project)
    unknown = [d for d in found if d.code == "unknown-cann"]
    if hint is None:
        assert found == []
    else:  # a warning naming the release meant: unknown releases do not stop a build
        (warning,) = unknown
        assert warning.severity == "warning"
        assert warning.message.startswith(f"cann: CANN {cann} is not in bakegen's compatibility table")
        assert hint in warning.message


def test_the_numpy_limit_is_per_cann_major():
    numpy = ', NUMPY_VERSION: "2.0.2"'
    assert any("CANN 8.x needs numpy<2" in m for m in stack_messages(cann="8.3.rc1", more=numpy))
    assert stack_messages(cann="9.0.0", components="toolkit,ops", torch="2.8.0", npu="2.8.0.post4", more=numpy) == []


@pytest.mark.parametrize(
    "cann, npu, torch, suggestion",
    [
        ("8.5.0", "2.7.1", "2.7.1", "use 2.7.1.post2, 2.8.0.post2, 2.6.0.post5 or 2.9.0 (torch_npu 2.7.1 was released for CANN 8.3.RC1 or 8.3.RC2)"),
        ("8.3.RC1", "2.9.0", "2.9.0", "use 2.8.0, 2.7.1, 2.6.0.post3 or 2.1.0.post17 (torch_npu 2.9.0 was released for CANN 8.5.0 or 8.5.1)"),
        ("9.1.0", "2.8.0", "2.8.0", "use 2.9.0.post6, 2.7.1.post8, 2.10.0.post4, 2.11.0 or 2.12.0 (torch_npu 2.8.0 was released"),
        ("8.0.0", "2.5.1", "2.5.1", "use 2.4.0.post2, 2.3.1.post4 or 2.1.0.post10 (torch_npu 2.5.1 was released for CANN 8.1.RC1)"),
    ],
)
def test_the_torch_npu_releases_suggested_are_the_nearest_first(cann, npu, torch, suggestion):
    components = "toolkit,kernels" if cann.startswith("8.") and cann != "8.5.0" else "toolkit,ops"
    (message,) = [m for m in stack_messages(cann=cann, components=components, torch=torch, npu=npu) if "was not released" in m]
    assert f"torch_npu {npu} was not released for CANN {cann} (inherited: CANN_VERSION from cann); for CANN {cann} {suggestion}" in message


@pytest.mark.parametrize(
    "spec, judged_too_new",
    [
        ("1.26.4", False),  # a bare version means ==
        ("2.0.2", True),
        ("==1.26.4", False),
        ("==2.0.2", True),
        ("==2.0.0rc1", True),
        ("===1.26.4", False),
        ("===2.0.0", True),
        ("===2.0", True),
        ("<=1.26.4", False),
        ("<=2", True),
        ("<=2.0", True),
        ("<2", False),
        ("<2.0.0", False),
        ("<2.0.0rc1", False),
        ("==1.26.*", False),
        ("==2.*", True),
        ("!=1.*", True),
        ("!=2.*", True),  # numpy 3 would do
        ("<2,!=1.25.*", False),
        ("~=1.26", False),
        ("~=1.26.4", False),
        ("~=2.0", True),
        (">1.23", True),
        (">2.3.0", True),
        (">1.23,<2", False),
        (">=1.24,<2", False),
        (">=1.24, <2", False),
        (">=1.24,<=2.0", True),
        ("!=2.0.0,<2.1", True),
        ("<3,>=2.5", True),
        (">=2.0,<2.0", False),  # admits nothing: not this rule's business
        ("latest", False),  # not a version: not judged
        ("1.26.x", False),
    ],
)
def test_each_numpy_specifier_operator(spec, judged_too_new):
    found = [m for m in stack_messages(more=f", NUMPY_VERSION: '{spec}'") if "needs numpy<2" in m]
    assert bool(found) == judged_too_new, found


@pytest.mark.parametrize(
    "tag, cann, python, expected",
    [
        ("v0.11.0rc1", "8.3.RC1", "3.10", []),
        ("v0.11.0rc1-310p", "8.3.rc1", "3.10", []),  # the variant's row is v0.11.0rc1; CANN's case is not significant
        ("v0.11.0rc1-310p", "8.3rc1", "3.10", ["vllm-ascend v0.11.0rc1-310p is built on cann 8.3.RC1, but CANN_VERSION is 8.3rc1"]),
        ("v0.11.1", "8.3.RC1", "3.10", [  # no row for it, none for v0.11: not judged, but said
            "vllm-ascend v0.11.1 is not in bakegen's compatibility table (nearest known release: v0.11.0), "
            "so the stack it is built on is not checked; to check it, add to images.yaml the stack it is built on "
            "(v0.11.0's shown): compat: {vllm_ascend: {v0.11.1: {cann: 8.3.RC2, torch: 2.7.1, torch_npu: 2.7.1.post1, "
            "python: ['3.9', '3.11']}}}",
        ]),
        ("v0.10.2", "8.3.RC1", "3.10", [  # the release line's row, v0.10
            "vllm-ascend v0.10.2 is built on torch_npu 2.7.1.dev20250724, but TORCH_NPU_VERSION is 2.7.1",
            "vllm-ascend v0.10.2 is built on cann 8.2.RC1, but CANN_VERSION is 8.3.RC1",
        ]),
        ("v0.11.0rc1", "8.3.RC1", "3.11.7", []),  # Python's patch release does not count
        ("v0.11.0rc1", "8.3.RC1", "3.9", []),
        ("v0.11.0rc1", "8.3.RC1", "3.12", ["vllm-ascend v0.11.0rc1 supports Python 3.9 to 3.11, but PYTHON_VERSION is 3.12"]),
        ("v0.11.0rc1", "8.3.RC1", "3.8", ["vllm-ascend v0.11.0rc1 supports Python 3.9 to 3.11, but PYTHON_VERSION is 3.8"]),
        ("v0.11.0rc1", "8.3.RC1", "3.x", ["vllm-ascend v0.11.0rc1 supports Python 3.9 to 3.11, but PYTHON_VERSION is 3.x"]),
    ],
)
def test_vllm_ascend_tags_and_its_python_range(tag, cann, python, expected):
    found = [m for m in stack_messages(cann=cann, python=python, more=f", VLLM_ASCEND_VERSION: {tag}") if "vllm-ascend" in m]
    assert [m.split("torch: ", 1)[1].split(" (inherited")[0] for m in found] == expected


def test_the_vllm_ascend_python_range_of_a_newer_row():
    (message,) = stack_messages(cann="8.3.RC2", python="3.9", torch="2.8.0", npu="2.8.0", more=", VLLM_ASCEND_VERSION: v0.12.0rc1")
    assert message.startswith("torch: vllm-ascend v0.12.0rc1 supports Python 3.10 to 3.11, but PYTHON_VERSION is 3.9 (inherited: PYTHON_VERSION from cann)")


def test_versions_compare_as_pip_compares_them():
    # 2.7.1.0 is 2.7.1 to pip: released for 8.3.RC1, and built for torch 2.7.1
    assert messages(torch_npu="2.7.1.0") == []
    assert messages(torch="2.7.1.0") == []
    # a pre-release of torch_npu 2.7.1 is built for torch 2.7.1 (not for a torch "2.7.1rc1"); the
    # table lists no such release: a warning
    (message,) = messages(torch_npu="2.7.1rc1")
    assert "torch_npu 2.7.1rc1 is not in bakegen's compatibility table (inherited: CANN_VERSION from cann-8-3rc1-910b)" in message


@pytest.mark.parametrize(
    "changes, code",
    [
        (dict(chip="910c"), "unknown-chip"),
        (dict(cann="8.4.0"), "unknown-cann"),
        (dict(torch="2.5.1", torch_npu="2.5.1"), "torch-npu-not-for-cann"),
        (dict(torch="2.6.0"), "torch-npu-torch-mismatch"),
        (dict(python="3.14"), "python-not-for-torch"),
        (dict(components="toolkit,kernels,nnal,atb"), "unknown-component"),
        (dict(components="toolkit,nnae"), "several-runtimes"),
        (dict(components="kernels,nnal"), "missing-required-component"),
        (dict(components="toolkit,ops"), "wrong-operator-package"),
    ],
)
def test_each_rule_has_a_code(changes, code):
    project = parse_project(CHAIN.format(**{**GOOD, **changes}), "images.yaml")
    assert [d.code for d in versions(project)] == [code]


def test_numpy_and_vllm_ascend_codes():
    codes = lambda **kw: [d.code for d in versions(parse_project(textwrap.dedent(stack_yaml(**kw)), "images.yaml"))]  # noqa: E731
    assert codes(more=", NUMPY_VERSION: '2.0.2'") == ["numpy-too-new-for-cann"]
    assert codes(more=", VLLM_ASCEND_VERSION: v0.11.0rc2", cann="8.3.RC1") == ["vllm-ascend-stack-mismatch"]
    assert codes(more=", VLLM_ASCEND_VERSION: v0.11.0rc1", python="3.12") == ["python-not-for-vllm-ascend"]


def test_what_a_component_needs_is_data():
    doc = CHAIN.format(**{**GOOD, "components": "kernels,nnal"})
    assert [d.code for d in versions(parse_project(doc, "images.yaml"))] == ["missing-required-component"]
    assert versions(parse_project(doc + "compat:\n  components: {requires: {}}\n", "images.yaml")) == []
    only_toolkit = doc.replace("kernels,nnal", "nnae,kernels,nnal") + "compat:\n  components: {requires: {nnal: toolkit}}\n"
    (problem,) = versions(parse_project(only_toolkit, "images.yaml"))
    assert problem.message.startswith("cann-8-3rc1-910b: nnal needs the toolkit (it is installed on top of")


# --- linear time (issue 10) ----------------------------------------------------------------------


def deep_chain(depth: int, leaf_npu: str) -> str:
    lines = [
        "version: 1",
        "images:",
        '  i0: {from: u:1, dockerfile: x, args: {PYTHON_VERSION: "3.10", CANN_VERSION: 8.3.RC1, CHIP: 910b, '
        'COMPONENTS: "toolkit,kernels"}}',
    ]
    lines += [f"  i{n}: {{from: i{n - 1}, dockerfile: x}}" for n in range(1, depth - 1)]
    lines.append(f"  i{depth - 1}: {{from: i{depth - 2}, dockerfile: x, args: {{TORCH_VERSION: {leaf_npu}, TORCH_NPU_VERSION: {leaf_npu}}}}}")
    return "\n".join(lines) + "\n"


def test_a_deep_chain_resolves_each_image_once(monkeypatch):
    from bakegen import rules
    from bakegen.graph import ImageGraph

    depth = 3000  # deeper than Python's default recursion limit
    project = parse_project(deep_chain(depth, "2.5.1"), "images.yaml")
    own_facts = []
    real = rules._add_own_facts
    monkeypatch.setattr(rules, "_add_own_facts", lambda facts, image, *a: own_facts.append(image.id) or real(facts, image, *a))
    walks = []
    real_ancestors = ImageGraph.ancestors
    monkeypatch.setattr(ImageGraph, "ancestors", lambda self, i: walks.append(i) or real_ancestors(self, i))
    (problem,) = versions(project)
    assert sorted(own_facts) == sorted(project.images)  # each image's own facts: once
    assert walks == [f"i{depth - 1}"]  # the ancestors are walked only to name the chain of a problem
    assert problem.message.startswith(
        f"i{depth - 1}: torch_npu 2.5.1 was not released for CANN 8.3.RC1 (inherited: CANN_VERSION from i0); for CANN 8.3.RC1 use "
    )
    assert problem.message.endswith(f"[chain: i0 -> i1 -> i2 -> {' -> '.join(f'i{n}' for n in range(3, depth))}]")


def test_facts_resolved_deep_in_a_chain_are_the_nearest():
    from bakegen import rules

    project = parse_project(deep_chain(1200, "2.7.1"), "images.yaml")
    facts = rules.resolve_facts(project, project.compat, {i: [] for i in project.images})
    leaf = facts["i1199"]
    assert (leaf["cann"].value, leaf["cann"].image, leaf["torch_npu"].image) == ("8.3.RC1", "i0", "i1199")
    assert leaf["installed_components"].origins == (("toolkit", "i0"), ("kernels", "i0"))
    assert versions(project) == []


# --- the official tables, round 2 (issue 9): each row as its source states it ----------------------


@pytest.mark.parametrize(
    "cann, operators, python, torch, npu",
    [
        # CANN releases the official containers ship (Ascend/cann-container-image), with the torch_npu
        # releases of the Ascend Extension for PyTorch release paired with them
        ("8.2.RC2", "kernels", "3.10", "2.6.0", "2.6.0"),
        ("8.2.RC2", "kernels", "3.10", "2.5.1", "2.5.1.post1"),
        ("8.5.1", "ops", "3.11", "2.9.0", "2.9.0"),
        ("8.5.1", "ops", "3.11", "2.8.0", "2.8.0.post2"),
        ("9.0.1", "ops", "3.12", "2.10.0", "2.10.0.post2"),
        ("9.0.0", "ops", "3.12", "2.10.0", "2.10.0"),
        # the older lines of Ascend/pytorch's table
        ("8.0.RC3", None, "3.11", "2.4.0", "2.4.0"),
        ("8.0.RC2", "kernels", "3.10", "2.3.1", "2.3.1"),
        ("8.0.RC1", None, "3.10", "2.2.0", "2.2.0"),
        ("7.0.0", None, "3.8", "2.1.0", "2.1.0"),
        ("7.0.RC1", None, "3.9", "2.1.0", "2.1.0.rc1"),
    ],
)
def test_the_official_pairs_pass(cann, operators, python, torch, npu):
    components = f"toolkit,{operators}" if operators else "toolkit"
    assert stack_messages(cann=cann, components=components, python=python, torch=torch, npu=npu) == []


@pytest.mark.parametrize(
    "cann, components, python, torch, npu, expected",
    [
        ("8.5.1", "toolkit,kernels", "3.11", "2.9.0", "2.9.0", "CANN 8.5.1 ships its operators as 'ops', not 'kernels'"),
        ("8.2.RC2", "toolkit,ops", "3.10", "2.6.0", "2.6.0", "CANN 8.2.RC2 ships its operators as 'kernels', not 'ops'"),
        ("9.0.1", "toolkit,ops", "3.12", "2.9.0", "2.9.0.post2", "torch_npu 2.9.0.post2 was not released for CANN 9.0.1"),
        ("8.0.RC2", "toolkit", "3.11", "2.2.0", "2.2.0.post2", "torch 2.2.0 supports Python 3.8 to 3.10, but PYTHON_VERSION is 3.11"),
        ("8.0.RC3", "toolkit", "3.12", "2.4.0", "2.4.0", "torch 2.4.0 supports Python 3.8 to 3.11, but PYTHON_VERSION is 3.12"),
        ("8.0.RC2", "toolkit", "3.7", "2.1.0", "2.1.0.post6", "torch 2.1.0 supports Python 3.8 to 3.11, but PYTHON_VERSION is 3.7"),
    ],
)
def test_the_official_tables_refuse(cann, components, python, torch, npu, expected):
    found = stack_messages(cann=cann, components=components, python=python, torch=torch, npu=npu)
    assert any(expected in m for m in found), found


@pytest.mark.parametrize(
    "vllm, cann, python, torch, npu",
    [
        # vllm-project/vllm-ascend, docs/source/community/versioning_policy.md, and the tags' Dockerfiles
        ("v0.11.0rc3", "8.3.RC2", "3.11", "2.7.1", "2.7.1.post1"),
        ("v0.13.0rc1", "8.3.RC2", "3.11", "2.8.0", "2.8.0"),
        ("v0.13.0rc2", "8.5.0", "3.11", "2.8.0", "2.8.0.post1"),
        ("v0.13.0rc3", "8.5.1", "3.11", "2.8.0", "2.8.0.post2"),
        ("v0.14.0rc1", "8.5.0", "3.10", "2.9.0", "2.9.0"),
        ("v0.15.0rc1", "8.5.0", "3.11", "2.9.0", "2.9.0"),
        ("v0.16.0rc1", "8.5.1", "3.11", "2.9.0", "2.9.0"),
        ("v0.17.0rc1", "8.5.1", "3.11", "2.9.0", "2.9.0"),
        ("v0.18.0rc1", "8.5.1", "3.11", "2.9.0", "2.9.0"),
        ("v0.18.0", "8.5.1", "3.11", "2.9.0", "2.9.0.post1+git4c901a4"),
        ("v0.19.1rc1", "8.5.1", "3.11", "2.9.0", "2.9.0"),
        ("v0.20.2rc1", "9.0.0", "3.11", "2.10.0", "2.10.0"),
        ("v0.21.0rc1", "9.0.0", "3.12", "2.10.0", "2.10.0"),
        ("v0.22.1rc1", "9.0.0", "3.12", "2.10.0", "2.10.0"),
        ("v0.23.0rc1", "9.0.1", "3.12", "2.10.0", "2.10.0.post2"),
        ("v0.23.0", "9.1.0", "3.12", "2.10.0", "2.10.0.post4"),
        ("v0.24.0rc1", "9.0.1", "3.12", "2.10.0", "2.10.0.post2"),
        ("v0.25.1rc1-a3", "9.0.1", "3.12", "2.10.0", "2.10.0.post2"),
    ],
)
def test_the_vllm_ascend_releases_after_v0_13_pass(vllm, cann, python, torch, npu):
    components = "toolkit,kernels" if cann.startswith("8.3") else "toolkit,ops"
    more = f", VLLM_ASCEND_VERSION: {vllm}"
    assert stack_messages(cann=cann, components=components, python=python, torch=torch, npu=npu, more=more) == []


def test_the_vllm_ascend_python_range_narrows_and_widens_by_release():
    def python_finding(vllm, cann, python, npu):
        more = f", VLLM_ASCEND_VERSION: {vllm}"
        return [m for m in stack_messages(cann=cann, components="toolkit,ops", python=python, torch="2.10.0", npu=npu,
                                          more=more) if "supports Python" in m]

    (message,) = python_finding("v0.20.2rc1", "9.0.0", "3.12", "2.10.0")
    assert "vllm-ascend v0.20.2rc1 supports Python 3.10 to 3.11, but PYTHON_VERSION is 3.12" in message
    assert python_finding("v0.21.0rc1", "9.0.0", "3.12", "2.10.0") == []


def a3_chain(cann, components, python, torch, npu):
    return textwrap.dedent(
        f"""\
        version: 1
        images:
          python: {{from: ubuntu:22.04, dockerfile: x, args: {{PYTHON_VERSION: "{python}"}}}}
          cann-a3: {{from: python, dockerfile: x, args: {{CANN_VERSION: {cann}, CHIP: a3, COMPONENTS: "{components}"}}}}
          pytorch-npu-a3: {{from: cann-a3, dockerfile: x, args: {{TORCH_VERSION: {torch}, TORCH_NPU_VERSION: {npu}}}}}
        """
    )


@pytest.mark.parametrize(
    "cann, components, python, torch, npu",
    [
        # Atlas A3: kernels up to 8.3 (Atlas-A3-cann-kernels_*.run), ops from 8.5.0 (Ascend-cann-A3-ops_*.run)
        ("8.2.RC2", "toolkit,kernels,nnal", "3.11", "2.6.0", "2.6.0"),
        ("8.3.RC1", "toolkit,kernels,nnal", "3.11", "2.7.1", "2.7.1"),
        ("8.5.1", "toolkit,ops,nnal", "3.11", "2.9.0", "2.9.0"),
        ("9.0.1", "nnae,ops,nnal", "3.12", "2.10.0", "2.10.0.post2"),
        # the newest pair of Ascend/pytorch's table: CANN 9.1.0, torch_npu 2.12.0, Python 3.10-3.14
        ("9.1.0", "toolkit,ops,nnal", "3.14", "2.12.0", "2.12.0"),
        ("9.1.0", "toolkit,ops,nnal", "3.10", "2.12.0", "2.12.0"),
    ],
)
def test_an_a3_chain_and_the_newest_pair_pass(cann, components, python, torch, npu):
    assert versions(parse_project(a3_chain(cann, components, python, torch, npu), "images.yaml")) == []


def test_an_a3_chain_on_9_x_is_judged_like_any_other():
    found = [d.message for d in versions(parse_project(a3_chain("9.1.0", "toolkit,kernels", "3.9", "2.12.0", "2.12.0"), "images.yaml"))]
    assert sorted(m.split(":")[0] for m in found) == ["cann-a3", "pytorch-npu-a3"], found
    assert "CANN 9.1.0 ships its operators as 'ops', not 'kernels'" in found[0]
    assert "torch 2.12.0 supports Python 3.10 to 3.14, but PYTHON_VERSION is 3.9 (inherited: PYTHON_VERSION from python)" in found[1]
