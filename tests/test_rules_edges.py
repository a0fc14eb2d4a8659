"""The Ascend version rules at their edges (bakegen/rules.py): every kind of finding with its
exact position, severity, code and message (the chain, the inherited images, the fix); which
value a rule is reported at; facts set to "" or inherited; numpy pins from a Dockerfile; the
per-run memo of the facts."""

import pytest

from bakegen import rules
from bakegen.dockerfile import Dockerfiles
from bakegen.model import parse_project
from bakegen.rules import Setting, check_versions, image_facts, resolve_facts, verdicts


def project(images: str, root=None):
    return parse_project("version: 1\nimages:\n" + images, (root / "images.yaml") if root else "images.yaml")


def findings(images: str, root=None) -> list[tuple]:
    p = project(images, root)
    return [(str(d.position), d.severity, d.code, d.message) for d in check_versions(p, Dockerfiles(p.root))]


@pytest.mark.parametrize(
    "images, expected",
    [
        (
            "  c: {from: u:1, dockerfile: x, args: {CHIP: 910B}}\n  d: {from: c, dockerfile: x, args: {CHIP: x1}}\n",
            [
                ("images.yaml:4:44", "error", "unknown-chip", "d: unknown chip 'x1'; supported: 910b, 310p, a3"),
            ],
        ),
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: banana}}\n",
            [
                (
                    "images.yaml:3:54",
                    "warning",
                    "unknown-cann",
                    "c: CANN banana is not in bakegen's compatibility table and is not written like a release (8.3.RC1, 8.5.0), so its torch_npu releases and operator package are not checked; set CANN_VERSION to a release name",
                ),
            ],
        ),
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.3.rc9}}\n",
            [
                (
                    "images.yaml:3:54",
                    "warning",
                    "unknown-cann",
                    "c: CANN 8.3.rc9 is not in bakegen's compatibility table (nearest known release: 8.3.RC2), so its torch_npu releases and operator package are not checked; to check them, list the torch_npu releases built for 8.3.rc9 (8.3.RC2's shown) and add to images.yaml: compat: {cann: {8.3.rc9: {torch_npu: [2.7.1, 2.7.1.post1, 2.8.0, 2.6.0.post3, 2.1.0.post17], operators: kernels}}}",
                ),
            ],
        ),
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: ' 8.6.0 '}}\n",
            [
                (
                    "images.yaml:3:54",
                    "error",
                    "white-space-around-version",
                    "c: CANN_VERSION ' 8.6.0 ' has white space around it: the rules judge '8.6.0', but a Dockerfile gets the value as written, and a shell splits pip install torch==${TORCH_VERSION} at the space; write '8.6.0'",
                ),
                (
                    "images.yaml:3:54",
                    "warning",
                    "unknown-cann",
                    "c: CANN 8.6.0 is not in bakegen's compatibility table (nearest known release: 8.5.1), so its torch_npu releases and operator package are not checked; to check them, list the torch_npu releases built for 8.6.0 (8.5.1's shown) and add to images.yaml: compat: {cann: {8.6.0: {torch_npu: [2.9.0, 2.8.0.post2, 2.7.1.post2, 2.6.0.post5], operators: ops}}}",
                ),
            ],
        ),
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.3.RC1}}\n  t: {from: c, dockerfile: x, args: {TORCH_NPU_VERSION: 2.99.0}}\n",
            [
                (
                    "images.yaml:4:57",
                    "warning",
                    "unknown-torch-npu",
                    "t: torch_npu 2.99.0 is not in bakegen's compatibility table (inherited: CANN_VERSION from c); the nearest release for CANN 8.3.RC1 is 2.8.0 [chain: c -> t]; if 2.99.0 was built for CANN 8.3.RC1, add to images.yaml: compat: {cann: {8.3.RC1: {torch_npu: [2.8.0, 2.7.1, 2.6.0.post3, 2.1.0.post17, 2.99.0], operators: kernels}}}",
                ),
            ],
        ),
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.3.RC1, TORCH_NPU_VERSION: 2.4.0}}\n",
            [
                (
                    "images.yaml:3:54",
                    "error",
                    "torch-npu-not-for-cann",
                    "c: torch_npu 2.4.0 was not released for CANN 8.3.RC1; for CANN 8.3.RC1 use 2.6.0.post3, 2.1.0.post17, 2.7.1 or 2.8.0 (torch_npu 2.4.0 was released for CANN 8.0.RC3)",
                ),
            ],
        ),
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.3.RC1, TORCH_NPU_VERSION: 2.1.0.post13}}\n",
            [
                (
                    "images.yaml:3:54",
                    "error",
                    "torch-npu-not-for-cann",
                    "c: torch_npu 2.1.0.post13 was not released for CANN 8.3.RC1; for CANN 8.3.RC1 use 2.1.0.post17, 2.6.0.post3, 2.7.1 or 2.8.0 (torch_npu 2.1.0.post13 was released for CANN 8.2.RC1 or 8.2.RC2)",
                ),
            ],
        ),
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.3.RC1, TORCH_NPU_VERSION: 2.3.1.post2}}\n",
            [
                (
                    "images.yaml:3:54",
                    "error",
                    "torch-npu-not-for-cann",
                    "c: torch_npu 2.3.1.post2 was not released for CANN 8.3.RC1; for CANN 8.3.RC1 use 2.1.0.post17, 2.6.0.post3, 2.7.1 or 2.8.0 (torch_npu 2.3.1.post2 was released for CANN 8.0.RC3)",
                ),
            ],
        ),
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.2.RC1, TORCH_NPU_VERSION: 2.7.1.dev20250724, VLLM_ASCEND_VERSION: v0.10}}\n",
            [],
        ),
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 9.9.9}}\n",
            [
                (
                    "images.yaml:3:54",
                    "warning",
                    "unknown-cann",
                    "c: CANN 9.9.9 is not in bakegen's compatibility table (nearest known release: 9.1.0), so its torch_npu releases and operator package are not checked; to check them, list the torch_npu releases built for 9.9.9 (9.1.0's shown) and add to images.yaml: compat: {cann: {9.9.9: {torch_npu: [2.12.0, 2.11.0, 2.10.0.post4, 2.9.0.post6, 2.7.1.post8], operators: ops}}}",
                ),
            ],
        ),
        (
            "  c: {from: u:1, dockerfile: x, args: {TORCH_VERSION: 2.6.0, TORCH_NPU_VERSION: 2.7.1}}\n",
            [
                (
                    "images.yaml:3:55",
                    "error",
                    "torch-npu-torch-mismatch",
                    "c: torch_npu 2.7.1 is built for torch 2.7.1, but TORCH_VERSION is 2.6.0; set TORCH_VERSION=2.7.1",
                ),
            ],
        ),
        (
            "  c: {from: u:1, dockerfile: x, args: {TORCH_VERSION: 2.6.0, TORCH_NPU_VERSION: xyz}}\n",
            [],
        ),
        (
            "  c: {from: u:1, dockerfile: x, args: {TORCH_VERSION: 2.7.1+cpu, TORCH_NPU_VERSION: 2.7.1}}\n",
            [],
        ),
        (
            "  c: {from: u:1, dockerfile: x, args: {PYTHON_VERSION: '3.8'}}\n  t: {from: c, dockerfile: x, args: {TORCH_VERSION: 2.9.0}}\n",
            [
                (
                    "images.yaml:4:53",
                    "error",
                    "python-not-for-torch",
                    "t: torch 2.9.0 supports Python 3.10 to 3.13, but PYTHON_VERSION is 3.8 (inherited: PYTHON_VERSION from c) [chain: c -> t]",
                ),
            ],
        ),
        (
            "  c: {from: u:1, dockerfile: x, args: {PYTHON_VERSION: '3.10', TORCH_VERSION: 3.0.0}}\n",
            [],
        ),
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.3.RC1, NUMPY_VERSION: '>=1.24, <3'}}\n",
            [
                (
                    "images.yaml:3:54",
                    "error",
                    "numpy-too-new-for-cann",
                    "c: numpy >=1.24,<3 with CANN 8.3.RC1: CANN 8.x needs numpy<2 (numpy 2 fails in set_device, error 500001)",
                ),
            ],
        ),
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 9.0.0, NUMPY_VERSION: '2.1'}}\n",
            [],
        ),
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.3.RC1}}\n  n: {from: c, dockerfile: x, args: {NUMPY_VERSION: '2.1'}}\n",
            [
                (
                    "images.yaml:4:53",
                    "error",
                    "numpy-too-new-for-cann",
                    "n: numpy ==2.1 with CANN 8.3.RC1 (inherited: CANN_VERSION from c): CANN 8.x needs numpy<2 (numpy 2 fails in set_device, error 500001) [chain: c -> n]",
                ),
            ],
        ),
        (
            "  c: {from: u:1, dockerfile: x, args: {COMPONENTS: 'toolkit, Foo ,,nnal'}}\n",
            [
                (
                    "images.yaml:3:52",
                    "error",
                    "unknown-component",
                    "c: unknown CANN component 'foo'; use toolkit or nnae, kernels or ops, nnal",
                ),
            ],
        ),
        (
            "  c: {from: u:1, dockerfile: x, args: {COMPONENTS: toolkit}}\n  d: {from: c, dockerfile: x, args: {COMPONENTS: nnae}}\n",
            [
                (
                    "images.yaml:4:50",
                    "error",
                    "several-runtimes",
                    "d: COMPONENTS has both toolkit and nnae (with what c installs); pick one (toolkit includes the runtime)",
                ),
            ],
        ),
        (
            "  c: {from: u:1, dockerfile: x, args: {COMPONENTS: 'kernels'}}\n",
            [],
        ),
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.5.0, COMPONENTS: 'toolkit,kernels,ops'}}\n",
            [
                (
                    "images.yaml:3:73",
                    "error",
                    "wrong-operator-package",
                    "c: CANN 8.5.0 ships its operators as 'ops', not 'kernels' (from 8.5.0 kernels became ops); fix COMPONENTS",
                ),
            ],
        ),
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.1.RC1, COMPONENTS: toolkit}}\n  d: {from: c, dockerfile: x, args: {CANN_VERSION: 8.5.0, COMPONENTS: kernels}}\n",
            [
                (
                    "images.yaml:4:71",
                    "error",
                    "wrong-operator-package",
                    "d: CANN 8.5.0 ships its operators as 'ops', not 'kernels' (from 8.5.0 kernels became ops); fix COMPONENTS",
                ),
            ],
        ),
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 7.0.0, COMPONENTS: 'toolkit,ops'}}\n",
            [],
        ),
        (
            "  v: {from: u:1, dockerfile: x, args: {VLLM_ASCEND_VERSION: latest}}\n",
            [
                (
                    "images.yaml:3:61",
                    "warning",
                    "unknown-vllm-ascend",
                    "v: vllm-ascend latest is not in bakegen's compatibility table and is not a release, so the stack it is built on is not checked; pin a release tag (the newest listed is v0.25.1rc1)",
                ),
            ],
        ),
        (
            "  v: {from: u:1, dockerfile: x, args: {VLLM_ASCEND_VERSION: v0.11.5-310p}}\n",
            [
                (
                    "images.yaml:3:61",
                    "warning",
                    "unknown-vllm-ascend",
                    "v: vllm-ascend v0.11.5-310p is not in bakegen's compatibility table (nearest known release: v0.11.0), so the stack it is built on is not checked; to check it, add to images.yaml the stack it is built on (v0.11.0's shown): compat: {vllm_ascend: {v0.11.5: {cann: 8.3.RC2, torch: 2.7.1, torch_npu: 2.7.1.post1, python: ['3.9', '3.11']}}}",
                ),
            ],
        ),
        (
            "  v: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.3.rc1, TORCH_VERSION: 2.7.1, TORCH_NPU_VERSION: 2.7.1, PYTHON_VERSION: '3.12'}}\n  w: {from: v, dockerfile: x, args: {VLLM_ASCEND_VERSION: v0.11.0rc1}}\n",
            [
                (
                    "images.yaml:4:59",
                    "error",
                    "python-not-for-vllm-ascend",
                    "w: vllm-ascend v0.11.0rc1 supports Python 3.9 to 3.11, but PYTHON_VERSION is 3.12 (inherited: PYTHON_VERSION from v) [chain: v -> w]",
                ),
            ],
        ),
        (
            "  v: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.3.RC2, TORCH_VERSION: 2.8.0, TORCH_NPU_VERSION: 2.8.0}}\n  w: {from: v, dockerfile: x, args: {VLLM_ASCEND_VERSION: v0.11.0rc1}}\n",
            [
                (
                    "images.yaml:4:59",
                    "error",
                    "vllm-ascend-stack-mismatch",
                    "w: vllm-ascend v0.11.0rc1 is built on torch 2.7.1, but TORCH_VERSION is 2.8.0 (inherited: TORCH_VERSION from v) [chain: v -> w]",
                ),
                (
                    "images.yaml:4:59",
                    "error",
                    "vllm-ascend-stack-mismatch",
                    "w: vllm-ascend v0.11.0rc1 is built on torch_npu 2.7.1, but TORCH_NPU_VERSION is 2.8.0 (inherited: TORCH_NPU_VERSION from v) [chain: v -> w]",
                ),
                (
                    "images.yaml:4:59",
                    "error",
                    "vllm-ascend-stack-mismatch",
                    "w: vllm-ascend v0.11.0rc1 is built on cann 8.3.RC1, but CANN_VERSION is 8.3.RC2 (inherited: CANN_VERSION from v) [chain: v -> w]",
                ),
            ],
        ),
        (
            "  v: {from: 'quay.io/ascend/vllm-ascend:v0.11.0rc1', dockerfile: x, args: {TORCH_VERSION: 2.8.0}}\n",
            [
                (
                    "images.yaml:3:13",
                    "error",
                    "vllm-ascend-stack-mismatch",
                    "v: vllm-ascend v0.11.0rc1 is built on torch 2.7.1, but TORCH_VERSION is 2.8.0",
                ),
            ],
        ),
        (
            "  m: {from: u:1, dockerfile: x, args: {MINDSPORE_VERSION: latest}}\n",
            [
                (
                    "images.yaml:3:59",
                    "warning",
                    "unknown-mindspore",
                    "m: MindSpore latest is not in bakegen's compatibility table and is not a version, so the CANN releases and Python it supports are not checked; set MINDSPORE_VERSION to a release (the newest listed is 2.7.2)",
                ),
            ],
        ),
        (
            "  m: {from: u:1, dockerfile: x, args: {MINDSPORE_VERSION: 2.6.5}}\n",
            [
                (
                    "images.yaml:3:59",
                    "warning",
                    "unknown-mindspore",
                    "m: MindSpore 2.6.5 is not in bakegen's compatibility table (nearest known release: 2.6.0), so the CANN releases and Python it supports are not checked; to check them, add to images.yaml the CANN releases and Python range MindSpore 2.6.5 supports (2.6.0's CANN releases and 2.6.0's Python range shown): compat: {mindspore: {2.6.5: {cann: [8.1.RC1], python: ['3.9', '3.11']}}}",
                ),
            ],
        ),
        (
            "  m: {from: u:1, dockerfile: x, args: {MINDSPORE_VERSION: 2.7.5, CANN_VERSION: 8.5.0}}\n",
            [
                (
                    "images.yaml:3:59",
                    "warning",
                    "unknown-mindspore",
                    "m: MindSpore 2.7.5 is not in bakegen's compatibility table (nearest known release: 2.7.2), so the CANN releases and Python it supports are not checked; to check them, add to images.yaml the CANN releases MindSpore 2.7.5 supports (the chain's CANN release shown): compat: {mindspore: {2.7.5: {cann: [8.5.0]}}}",
                ),
            ],
        ),
        (
            "  m: {from: u:1, dockerfile: x, args: {MINDSPORE_VERSION: 2.6.0, CANN_VERSION: 8.5.0, PYTHON_VERSION: '3.12'}}\n",
            [
                (
                    "images.yaml:3:59",
                    "error",
                    "mindspore-not-for-cann",
                    "m: MindSpore 2.6.0 is not for CANN 8.5.0: it supports CANN 8.1.RC1; for CANN 8.5.0 use MindSpore 2.7.2",
                ),
                (
                    "images.yaml:3:59",
                    "error",
                    "python-not-for-mindspore",
                    "m: MindSpore 2.6.0 supports Python 3.9 to 3.11, but PYTHON_VERSION is 3.12",
                ),
            ],
        ),
        (
            "  m: {from: u:1, dockerfile: x, args: {MINDSPORE_VERSION: 2.6.0, CANN_VERSION: 8.3.RC1}}\n",
            [
                (
                    "images.yaml:3:59",
                    "error",
                    "mindspore-not-for-cann",
                    "m: MindSpore 2.6.0 is not for CANN 8.3.RC1: it supports CANN 8.1.RC1; the table lists no MindSpore release for CANN 8.3.RC1",
                ),
            ],
        ),
        (
            "  m: {from: u:1, dockerfile: x, args: {MINDSPORE_VERSION: 2.6.0, CANN_VERSION: 9.9.0}}\n",
            [
                (
                    "images.yaml:3:80",
                    "warning",
                    "unknown-cann",
                    "m: CANN 9.9.0 is not in bakegen's compatibility table (nearest known release: 9.1.0), so its torch_npu releases and operator package are not checked; to check them, list the torch_npu releases built for 9.9.0 (9.1.0's shown) and add to images.yaml: compat: {cann: {9.9.0: {torch_npu: [2.12.0, 2.11.0, 2.10.0.post4, 2.9.0.post6, 2.7.1.post8], operators: ops}}}",
                ),
            ],
        ),
        (
            "  m: {from: u:1, dockerfile: x, args: {MINDSPORE_VERSION: 2.2.1, CANN_VERSION: 7.0.RC1.3}}\n",
            [
                (
                    "images.yaml:3:80",
                    "warning",
                    "unknown-cann",
                    "m: CANN 7.0.RC1.3 is not in bakegen's compatibility table (nearest known release: 7.0.RC1), so its torch_npu releases and operator package are not checked; to check them, list the torch_npu releases built for 7.0.RC1.3 (7.0.RC1's shown) and add to images.yaml: compat: {cann: {7.0.RC1.3: {torch_npu: [2.1.0.rc1, 2.0.1, 1.11.0.post4]}}}",
                ),
            ],
        ),
    ],
)
def test_each_finding_is_located_coded_and_worded(images, expected):
    assert findings(images) == expected


WHITE_SPACE = (
    "has white space around it: the rules judge {judged}, but a Dockerfile gets the value as written, and a "
    "shell splits pip install torch==${{TORCH_VERSION}} at the space; write {judged}"
)


@pytest.mark.parametrize(
    "images, expected",
    [
        # reported at the image that writes it, not again at its child
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: '8.3.RC1 '}}\n"
            "  d: {from: c, dockerfile: x, args: {CHIP: 910b}}\n",
            [
                (
                    "images.yaml:3:54",
                    "error",
                    "white-space-around-version",
                    "c: CANN_VERSION '8.3.RC1 ' " + WHITE_SPACE.format(judged="'8.3.RC1'"),
                )
            ],
        ),
        # NUMPY_VERSION as written, though its specifier set is judged without spaces (and passes)
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.3.RC1, NUMPY_VERSION: ' 1.26.4'}}\n",
            [
                (
                    "images.yaml:3:78",
                    "error",
                    "white-space-around-version",
                    "c: NUMPY_VERSION ' 1.26.4' " + WHITE_SPACE.format(judged="'1.26.4'"),
                )
            ],
        ),
        # a tab, and a value that is white space only
        (
            '  p: {from: u:1, dockerfile: x, args: {PYTHON_VERSION: "\\t3.11", TORCH_VERSION: " "}}\n',
            [
                (
                    "images.yaml:3:56",
                    "error",
                    "white-space-around-version",
                    "p: PYTHON_VERSION '\\t3.11' " + WHITE_SPACE.format(judged="'3.11'"),
                ),
                (
                    "images.yaml:3:81",
                    "error",
                    "white-space-around-version",
                    "p: TORCH_VERSION ' ' " + WHITE_SPACE.format(judged="''"),
                ),
            ],
        ),
        # white space inside a list of components is no white space around the value
        ("  c: {from: u:1, dockerfile: x, args: {COMPONENTS: 'toolkit, kernels'}}\n", []),
    ],
)
def test_a_version_with_white_space_around_it(images, expected):
    assert findings(images) == expected


@pytest.mark.parametrize(
    "images, expected",
    [
        # both runtimes in one image: no "(with what ... installs)"
        (
            "  c: {from: u:1, dockerfile: x, args: {COMPONENTS: 'nnae,toolkit'}}\n",
            [
                (
                    "images.yaml:3:52",
                    "error",
                    "several-runtimes",
                    "c: COMPONENTS has both toolkit and nnae; pick one (toolkit includes the runtime)",
                )
            ],
        ),
        # a parent's runtime and its own: named once, whoever else installs it
        (
            "  a: {from: u:1, dockerfile: x, args: {COMPONENTS: toolkit}}\n"
            "  b: {from: a, dockerfile: x, args: {COMPONENTS: 'toolkit,kernels'}}\n"
            "  c: {from: b, dockerfile: x, args: {COMPONENTS: nnae}}\n",
            [
                (
                    "images.yaml:5:50",
                    "error",
                    "several-runtimes",
                    "c: COMPONENTS has both toolkit and nnae (with what a installs); pick one (toolkit includes the runtime)",
                )
            ],
        ),
        # what an ancestor installed satisfies what a child's component needs
        (
            "  a: {from: u:1, dockerfile: x, args: {COMPONENTS: nnae}}\n  b: {from: a, dockerfile: x, args: {COMPONENTS: nnal}}\n",
            [],
        ),
        (
            "  a: {from: u:1, dockerfile: x, args: {COMPONENTS: kernels}}\n  b: {from: a, dockerfile: x, args: {COMPONENTS: nnal}}\n",
            [
                (
                    "images.yaml:4:50",
                    "error",
                    "missing-required-component",
                    "b: nnal needs the toolkit or nnae (it is installed on top of the set_env.sh of one of them); add toolkit or nnae to COMPONENTS",
                )
            ],
        ),
        # a child without COMPONENTS of its own is not judged again
        (
            "  a: {from: u:1, dockerfile: x, args: {COMPONENTS: 'toolkit,nnae'}}\n  b: {from: a, dockerfile: x, args: {CHIP: 910b}}\n",
            [
                (
                    "images.yaml:3:52",
                    "error",
                    "several-runtimes",
                    "a: COMPONENTS has both toolkit and nnae; pick one (toolkit includes the runtime)",
                )
            ],
        ),
        # a CANN release the table lists without an operator package: the operators are not judged
        ("  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.0.RC1, COMPONENTS: 'toolkit,ops'}}\n", []),
        # CANN set to "" in a child keeps the parent's release; the child is judged by it
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.3.RC1}}\n"
            "  t: {from: c, dockerfile: x, args: {CANN_VERSION: '', TORCH_NPU_VERSION: 2.5.1.post1}}\n",
            [
                (
                    "images.yaml:4:75",
                    "error",
                    "torch-npu-not-for-cann",
                    "t: torch_npu 2.5.1.post1 was not released for CANN 8.3.RC1 (inherited: CANN_VERSION from c); for CANN 8.3.RC1 use 2.6.0.post3, 2.7.1, 2.8.0 or 2.1.0.post17 (torch_npu 2.5.1.post1 was released for CANN 8.2.RC1 or 8.2.RC2) [chain: c -> t]",
                )
            ],
        ),
        # a child that sets nothing the rule compares is not reported again
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.3.RC1, TORCH_NPU_VERSION: 2.4.0}}\n"
            "  t: {from: c, dockerfile: x, args: {TORCH_VERSION: 2.4.0}}\n",
            [
                (
                    "images.yaml:3:54",
                    "error",
                    "torch-npu-not-for-cann",
                    "c: torch_npu 2.4.0 was not released for CANN 8.3.RC1; for CANN 8.3.RC1 use 2.6.0.post3, 2.1.0.post17, 2.7.1 or 2.8.0 (torch_npu 2.4.0 was released for CANN 8.0.RC3)",
                )
            ],
        ),
        # only the torch_npu the image's vllm-ascend release pins is let through
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.2.RC1, TORCH_NPU_VERSION: 2.7.1, VLLM_ASCEND_VERSION: v0.10}}\n",
            [
                (
                    "images.yaml:3:54",
                    "error",
                    "torch-npu-not-for-cann",
                    "c: torch_npu 2.7.1 was not released for CANN 8.2.RC1; for CANN 8.2.RC1 use 2.6.0, 2.5.1.post1 or 2.1.0.post13 (torch_npu 2.7.1 was released for CANN 8.3.RC1 or 8.3.RC2)",
                ),
                (
                    "images.yaml:3:110",
                    "error",
                    "vllm-ascend-stack-mismatch",
                    "c: vllm-ascend v0.10 is built on torch_npu 2.7.1.dev20250724, but TORCH_NPU_VERSION is 2.7.1",
                ),
            ],
        ),
        # a vllm-ascend release without a torch_npu of its own pins none
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.2.RC1, TORCH_NPU_VERSION: 2.7.1, VLLM_ASCEND_VERSION: v9.0.0}}\n"
            "compat:\n  vllm_ascend:\n    v9.0.0: {cann: 8.2.RC1}\n",
            [
                (
                    "images.yaml:3:54",
                    "error",
                    "torch-npu-not-for-cann",
                    "c: torch_npu 2.7.1 was not released for CANN 8.2.RC1; for CANN 8.2.RC1 use 2.6.0, 2.5.1.post1 or 2.1.0.post13 (torch_npu 2.7.1 was released for CANN 8.3.RC1 or 8.3.RC2)",
                )
            ],
        ),
        # a CANN release that lists no torch_npu
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 9.9.0, TORCH_NPU_VERSION: 2.99.0}}\ncompat:\n  cann:\n    9.9.0: {torch_npu: []}\n",
            [
                (
                    "images.yaml:3:54",
                    "warning",
                    "unknown-torch-npu",
                    "c: torch_npu 2.99.0 is not in bakegen's compatibility table; the table lists no torch_npu release for CANN 9.9.0; if 2.99.0 was built for CANN 9.9.0, add to images.yaml: compat: {cann: {9.9.0: {torch_npu: [2.99.0]}}}",
                )
            ],
        ),
        # a torch_npu the table lists for no CANN release at all, but that it knows
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 9.9.0, TORCH_NPU_VERSION: 2.8.0}}\ncompat:\n  cann:\n    9.9.0: {torch_npu: [2.9.0]}\n",
            [
                (
                    "images.yaml:3:54",
                    "error",
                    "torch-npu-not-for-cann",
                    "c: torch_npu 2.8.0 was not released for CANN 9.9.0; for CANN 9.9.0 use 2.9.0 (torch_npu 2.8.0 was released for CANN 8.3.RC1 or 8.3.RC2)",
                )
            ],
        ),
        # the vllm-ascend stack compares CANN releases by name, case and white space aside (the
        # white space is said by a rule of its own)
        (
            "  v: {from: u:1, dockerfile: x, args: {CANN_VERSION: ' 8.3.rc2 ', VLLM_ASCEND_VERSION: v0.11.0}}\n",
            [
                (
                    "images.yaml:3:54",
                    "error",
                    "white-space-around-version",
                    "v: CANN_VERSION ' 8.3.rc2 ' has white space around it: the rules judge '8.3.rc2', but a Dockerfile gets the value as written, and a shell splits pip install torch==${TORCH_VERSION} at the space; write '8.3.rc2'",
                )
            ],
        ),
        # a MindSpore release the table lists whose CANN no table lists: said as unknown-cann only
        (
            "  m: {from: u:1, dockerfile: x, args: {MINDSPORE_VERSION: 2.2.1, CANN_VERSION: 7.0.RC1.3, PYTHON_VERSION: '3.9'}}\n",
            [
                (
                    "images.yaml:3:80",
                    "warning",
                    "unknown-cann",
                    "m: CANN 7.0.RC1.3 is not in bakegen's compatibility table (nearest known release: 7.0.RC1), so its torch_npu releases and operator package are not checked; to check them, list the torch_npu releases built for 7.0.RC1.3 (7.0.RC1's shown) and add to images.yaml: compat: {cann: {7.0.RC1.3: {torch_npu: [2.1.0.rc1, 2.0.1, 1.11.0.post4]}}}",
                )
            ],
        ),
        # a MindSpore release nearest of which has no Python range, and no CANN in the chain
        (
            "  m: {from: u:1, dockerfile: x, args: {MINDSPORE_VERSION: 2.7.1}}\n",
            [
                (
                    "images.yaml:3:59",
                    "warning",
                    "unknown-mindspore",
                    "m: MindSpore 2.7.1 is not in bakegen's compatibility table (nearest known release: 2.7.0), so the CANN releases and Python it supports are not checked; to check them, add to images.yaml the CANN releases MindSpore 2.7.1 supports (2.7.0's CANN releases shown): compat: {mindspore: {2.7.1: {cann: [8.2.RC1]}}}",
                )
            ],
        ),
        # an unknown MindSpore release with a CANN in the chain and a nearest with a Python range
        (
            "  m: {from: u:1, dockerfile: x, args: {MINDSPORE_VERSION: 2.6.1, CANN_VERSION: 8.2.RC1}}\n",
            [
                (
                    "images.yaml:3:59",
                    "warning",
                    "unknown-mindspore",
                    "m: MindSpore 2.6.1 is not in bakegen's compatibility table (nearest known release: 2.6.0), so the CANN releases and Python it supports are not checked; to check them, add to images.yaml the CANN releases and Python range MindSpore 2.6.1 supports (the chain's CANN release and 2.6.0's Python range shown): compat: {mindspore: {2.6.1: {cann: [8.2.RC1], python: ['3.9', '3.11']}}}",
                )
            ],
        ),
        # a MindSpore release without a Python range: Python is not judged
        (
            "  m: {from: u:1, dockerfile: x, args: {MINDSPORE_VERSION: 2.7.0, CANN_VERSION: 8.2.RC1, PYTHON_VERSION: '3.14'}}\n",
            [],
        ),
        # several MindSpore releases for one CANN
        (
            "  m: {from: u:1, dockerfile: x, args: {MINDSPORE_VERSION: 2.6.0, CANN_VERSION: 8.0.0}}\n",
            [
                (
                    "images.yaml:3:59",
                    "error",
                    "mindspore-not-for-cann",
                    "m: MindSpore 2.6.0 is not for CANN 8.0.0: it supports CANN 8.1.RC1; for CANN 8.0.0 use MindSpore 2.5.0 or 2.4.10",
                )
            ],
        ),
        # not written like a release, but close to one
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.3.RCl}}\n",
            [
                (
                    "images.yaml:3:54",
                    "warning",
                    "unknown-cann",
                    "c: CANN 8.3.RCl is not in bakegen's compatibility table and is not written like a release (8.3.RC1, 8.5.0), so its torch_npu releases and operator package are not checked; did you mean 8.3.RC2?",
                )
            ],
        ),
        # a torch_npu that is no version: the table's first release is the nearest
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.3.RC1, TORCH_NPU_VERSION: abc}}\n",
            [
                (
                    "images.yaml:3:54",
                    "warning",
                    "unknown-torch-npu",
                    "c: torch_npu abc is not in bakegen's compatibility table; the nearest release for CANN 8.3.RC1 is 2.8.0; if abc was built for CANN 8.3.RC1, add to images.yaml: compat: {cann: {8.3.RC1: {torch_npu: [2.8.0, 2.7.1, 2.6.0.post3, 2.1.0.post17, abc], operators: kernels}}}",
                )
            ],
        ),
        # the rules in their order, each at the value it is about
        (
            "  v: {from: u:1, dockerfile: x, args: {VLLM_ASCEND_VERSION: v0.11.0rc1, CANN_VERSION: 8.3.RC1, TORCH_VERSION: 2.7.1+cpu, TORCH_NPU_VERSION: 2.7.1.post9}}\n",
            [
                (
                    "images.yaml:3:87",
                    "warning",
                    "unknown-torch-npu",
                    "v: torch_npu 2.7.1.post9 is not in bakegen's compatibility table; the nearest release for CANN 8.3.RC1 is 2.7.1; if 2.7.1.post9 was built for CANN 8.3.RC1, add to images.yaml: compat: {cann: {8.3.RC1: {torch_npu: [2.8.0, 2.7.1, 2.6.0.post3, 2.1.0.post17, 2.7.1.post9], operators: kernels}}}",
                ),
                (
                    "images.yaml:3:61",
                    "error",
                    "vllm-ascend-stack-mismatch",
                    "v: vllm-ascend v0.11.0rc1 is built on torch_npu 2.7.1, but TORCH_NPU_VERSION is 2.7.1.post9",
                ),
            ],
        ),
        ("  v: {from: u:1, dockerfile: x, args: {VLLM_ASCEND_VERSION: v0.11.0rc1, PYTHON_VERSION: '3.11'}}\n", []),
        # numpy: nothing pinned is not judged; <= 2.0 admits 2.0, < 2.0 does not
        ("  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.3.RC1, NUMPY_VERSION: ','}}\n", []),
        ("  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.3.RC1, NUMPY_VERSION: '<2.0'}}\n", []),
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.3.RC1, NUMPY_VERSION: '<=2.0'}}\n",
            [
                (
                    "images.yaml:3:54",
                    "error",
                    "numpy-too-new-for-cann",
                    "c: numpy <=2.0 with CANN 8.3.RC1: CANN 8.x needs numpy<2 (numpy 2 fails in set_device, error 500001)",
                )
            ],
        ),
        # the limit is per CANN major, as the table says
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 10.0.0, NUMPY_VERSION: '3'}}\n"
            "compat:\n  numpy_max_major: {'10': 2}\n  cann:\n    10.0.0: {torch_npu: []}\n",
            [
                (
                    "images.yaml:3:54",
                    "error",
                    "numpy-too-new-for-cann",
                    "c: numpy ==3 with CANN 10.0.0: CANN 10.x needs numpy<3 (numpy_max_major of the compatibility table)",
                )
            ],
        ),
        # a release of the same torch comes first, then the table's order (a text that is no version last)
        (
            "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 9.9.0, TORCH_NPU_VERSION: 2.8.0}}\n"
            "compat:\n  cann:\n    9.9.0: {torch_npu: [abc, 2.8.0.post1]}\n",
            [
                (
                    "images.yaml:3:54",
                    "error",
                    "torch-npu-not-for-cann",
                    "c: torch_npu 2.8.0 was not released for CANN 9.9.0; for CANN 9.9.0 use 2.8.0.post1 or abc (torch_npu 2.8.0 was released for CANN 8.3.RC1 or 8.3.RC2)",
                )
            ],
        ),
        # a component that needs one other names that one's set_env.sh
        (
            "  c: {from: u:1, dockerfile: x, args: {COMPONENTS: 'nnae,kernels,nnal'}}\n"
            "compat:\n  components: {requires: {nnal: toolkit}}\n",
            [
                (
                    "images.yaml:3:52",
                    "error",
                    "missing-required-component",
                    "c: nnal needs the toolkit (it is installed on top of the toolkit's set_env.sh); add toolkit to COMPONENTS",
                )
            ],
        ),
        # a CANN release only a MindSpore row lists is known enough to judge MindSpore by
        (
            "  m: {from: u:1, dockerfile: x, args: {MINDSPORE_VERSION: 2.2.0, CANN_VERSION: 7.0.RC1.3}}\n",
            [
                (
                    "images.yaml:3:80",
                    "warning",
                    "unknown-cann",
                    "m: CANN 7.0.RC1.3 is not in bakegen's compatibility table (nearest known release: 7.0.RC1), so its torch_npu releases and operator package are not checked; to check them, list the torch_npu releases built for 7.0.RC1.3 (7.0.RC1's shown) and add to images.yaml: compat: {cann: {7.0.RC1.3: {torch_npu: [2.1.0.rc1, 2.0.1, 1.11.0.post4]}}}",
                ),
                (
                    "images.yaml:3:59",
                    "error",
                    "mindspore-not-for-cann",
                    "m: MindSpore 2.2.0 is not for CANN 7.0.RC1.3: it supports CANN 7.0.RC1; for CANN 7.0.RC1.3 use MindSpore 2.2.1",
                ),
            ],
        ),
        # torch set by a parent, torch_npu by the child: said at the child, naming the parent
        (
            "  p: {from: u:1, dockerfile: x, args: {TORCH_VERSION: 2.6.0}}\n"
            "  t: {from: p, dockerfile: x, args: {TORCH_NPU_VERSION: 2.7.1}}\n",
            [
                (
                    "images.yaml:4:57",
                    "error",
                    "torch-npu-torch-mismatch",
                    "t: torch_npu 2.7.1 is built for torch 2.7.1, but TORCH_VERSION is 2.6.0 (inherited: TORCH_VERSION from p); set "
                    "TORCH_VERSION=2.7.1 [chain: p -> t]",
                )
            ],
        ),
        # text close to a release tag but no release: said as no release
        (
            "  v: {from: u:1, dockerfile: x, args: {VLLM_ASCEND_VERSION: v0.11.0rcX}}\n",
            [
                (
                    "images.yaml:3:61",
                    "warning",
                    "unknown-vllm-ascend",
                    "v: vllm-ascend v0.11.0rcX is not in bakegen's compatibility table and is not a release, so the "
                    "stack it is built on is not checked; pin a release tag (the newest listed is v0.25.1rc1)",
                )
            ],
        ),
        # the runtimes of several ancestors are all named
        (
            "  a: {from: u:1, dockerfile: x, args: {COMPONENTS: toolkit}}\n"
            "  b: {from: a, dockerfile: x, args: {COMPONENTS: nnae}}\n"
            "  c: {from: b, dockerfile: x, args: {COMPONENTS: nnal}}\n",
            [
                (
                    "images.yaml:4:50",
                    "error",
                    "several-runtimes",
                    "b: COMPONENTS has both toolkit and nnae (with what a installs); pick one (toolkit includes the runtime)",
                ),
                (
                    "images.yaml:5:50",
                    "error",
                    "several-runtimes",
                    "c: COMPONENTS has both toolkit and nnae (with what a, b installs); pick one (toolkit includes the runtime)",
                ),
            ],
        ),
        # the operator package is judged where CANN is set too, under inherited COMPONENTS
        (
            "  p: {from: u:1, dockerfile: x, args: {COMPONENTS: 'toolkit,kernels'}}\n"
            "  c: {from: p, dockerfile: x, args: {CANN_VERSION: 8.5.0}}\n",
            [
                (
                    "images.yaml:4:52",
                    "error",
                    "wrong-operator-package",
                    "c: CANN 8.5.0 ships its operators as 'ops', not 'kernels' (inherited: COMPONENTS from p) (from 8.5.0 kernels "
                    "became ops); fix COMPONENTS [chain: p -> c]",
                )
            ],
        ),
    ],
)
def test_what_each_rule_judges_and_leaves_alone(images, expected):
    assert findings(images) == expected


def test_a_finding_on_a_dockerfiles_numpy_pins_is_located_at_the_dockerfile(tmp_path):
    (tmp_path / "np.dockerfile").write_text(
        "ARG BASE_IMAGE=b\nFROM ${BASE_IMAGE}\nRUN pip install \"numpy>=2\" 'numpy!=2.1'\n"
    )
    (tmp_path / "x").write_text("ARG BASE_IMAGE=b\nFROM ${BASE_IMAGE}\n")
    images = (
        "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.3.RC1}}\n"
        "  n: {from: c, dockerfile: np.dockerfile}\n"
        "  m: {from: c, dockerfile: np.dockerfile, args: {NUMPY_VERSION: 1.26.4}}\n"
        "  k: {from: c, dockerfile: np.dockerfile, args: {NUMPY_VERSION: '>=2'}}\n"
    )
    path = str(tmp_path / "images.yaml")
    assert findings(images, tmp_path) == [  # in build order: c, then its children by name
        (
            f"{path}:6:65",
            "error",
            "numpy-too-new-for-cann",
            "k: numpy >=2 with CANN 8.3.RC1 (inherited: CANN_VERSION from c): CANN 8.x needs numpy<2 (numpy 2 fails in set_device, error 500001) [chain: c -> k]",
        ),
        (
            f"{path}:6:65",
            "error",
            "numpy-too-new-for-cann",
            "k: numpy >=2,!=2.1 with CANN 8.3.RC1 (inherited: CANN_VERSION from c): CANN 8.x needs numpy<2 (numpy 2 fails in set_device, error 500001) [chain: c -> k]",
        ),
        (
            f"{path}:5:65",
            "error",
            "numpy-too-new-for-cann",
            "m: numpy >=2,!=2.1 with CANN 8.3.RC1 (inherited: CANN_VERSION from c): CANN 8.x needs numpy<2 (numpy 2 fails in set_device, error 500001) [chain: c -> m]",
        ),
        (
            f"{path}:4:28",
            "error",
            "numpy-too-new-for-cann",
            "n: numpy >=2,!=2.1 with CANN 8.3.RC1 (inherited: CANN_VERSION from c): CANN 8.x needs numpy<2 (numpy 2 fails in set_device, error 500001) [chain: c -> n]",
        ),
    ]


def test_numpy_pins_inherited_from_a_dockerfile_are_named_as_such(tmp_path):
    (tmp_path / "np.dockerfile").write_text("ARG BASE_IMAGE=b\nFROM ${BASE_IMAGE}\nRUN pip install 'numpy>=2'\n")
    (tmp_path / "x").write_text("ARG BASE_IMAGE=b\nFROM ${BASE_IMAGE}\n")
    images = (
        "  p: {from: u:1, dockerfile: np.dockerfile}\n  c: {from: p, dockerfile: x, args: {CANN_VERSION: 8.3.RC1}}\n"
    )
    path = str(tmp_path / "images.yaml")
    assert findings(images, tmp_path) == [
        (
            f"{path}:4:52",
            "error",
            "numpy-too-new-for-cann",
            "c: numpy >=2 with CANN 8.3.RC1 (inherited: the numpy pins of p's Dockerfile): CANN 8.x needs numpy<2 "
            "(numpy 2 fails in set_device, error 500001) [chain: p -> c]",
        )
    ]


def test_facts_are_the_nearest_non_empty_args_with_who_set_them():
    p = project(
        "  a: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.3.RC1, COMPONENTS: 'Toolkit, kernels', NUMPY_VERSION: '1.26.4'}}\n"
        "  b: {from: a, dockerfile: x, args: {CANN_VERSION: '', COMPONENTS: 'nnal,kernels', TORCH_VERSION: 2.7.1}}\n"
        "  c: {from: 'quay.io/ascend/vllm-ascend:v0.11.0rc2', dockerfile: x}\n"
        "  d: {from: 'quay.io/ascend/vllm-ascend:v0.11.0rc2', dockerfile: x, args: {VLLM_ASCEND_VERSION: v0.11.0}}\n"
    )
    facts = resolve_facts(p, p.compat, {"a": [], "b": ["<2"], "c": [], "d": []})
    assert facts["a"] == {
        "cann": Setting("8.3.RC1", "a", "CANN_VERSION"),
        "components": Setting("Toolkit, kernels", "a", "COMPONENTS"),
        "installed_components": Setting(
            "toolkit,kernels", "a", "COMPONENTS", origins=(("toolkit", "a"), ("kernels", "a"))
        ),
        "numpy": Setting("1.26.4", "a", "NUMPY_VERSION", groups=("==1.26.4",)),
    }
    assert facts["b"] == {
        "cann": Setting("8.3.RC1", "a", "CANN_VERSION"),
        "components": Setting("nnal,kernels", "b", "COMPONENTS"),
        "installed_components": Setting(
            "toolkit,kernels,nnal", "b", "COMPONENTS", origins=(("toolkit", "a"), ("kernels", "a"), ("nnal", "b"))
        ),
        "torch": Setting("2.7.1", "b", "TORCH_VERSION"),
        "numpy": Setting("<2", "b", "dockerfile", groups=("<2",)),
    }
    assert facts["c"] == {"vllm_ascend": Setting("v0.11.0rc2", "c", "from")}
    assert facts["d"] == {"vllm_ascend": Setting("v0.11.0", "d", "VLLM_ASCEND_VERSION")}


def test_numpy_args_and_pins_are_two_specifier_sets():
    p = project("  a: {from: u:1, dockerfile: x, args: {NUMPY_VERSION: '>= 1.24, <2,'}}\n")
    (facts,) = resolve_facts(p, p.compat, {"a": ["~=1.26", "!=1.26.1"]}).values()
    assert facts["numpy"] == Setting(
        ">= 1.24, <2,", "a", "NUMPY_VERSION", groups=(">=1.24,<2", "~=1.26,!=1.26.1")
    )


def test_the_facts_are_worked_out_once_per_project():
    p = project("  a: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.3.RC1}}\n")
    dockerfiles = Dockerfiles(p.root)
    first = image_facts(p, dockerfiles)
    assert image_facts(p, dockerfiles) is first
    assert first == {"a": {"cann": Setting("8.3.RC1", "a", "CANN_VERSION")}}
    other = project("  a: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.5.0}}\n")
    assert image_facts(other, dockerfiles) == {"a": {"cann": Setting("8.5.0", "a", "CANN_VERSION")}}


def test_verdicts_are_the_findings_of_each_image_in_build_order():
    p = project(
        "  b: {from: a, dockerfile: x, args: {CHIP: 910x}}\n"
        "  a: {from: u:1, dockerfile: x, args: {CHIP: 310p}}\n"
        "  c: {from: b, dockerfile: x}\n"
    )
    found = verdicts(p, Dockerfiles(p.root))
    assert list(found) == ["a", "b", "c"]
    assert found["a"] == found["c"] == ()
    (finding,) = found["b"]
    assert finding == rules.Finding("unknown-chip", ("chip",), "unknown chip '910x'; supported: 910b, 310p, a3")
    assert (finding.severity, finding.fix) == ("error", "")


def test_or_list_and_as_specs():
    assert rules._or_list(["a"]) == "a"
    assert rules._or_list(["a", "b"]) == "a or b"
    assert rules._or_list(["a", "b", "c"]) == "a, b or c"
    assert rules._as_specs("1.26.4") == ["==1.26.4"]
    assert rules._as_specs(" >=1.24 , < 2 ,") == [">=1.24", "<2"]
    assert rules._as_specs("~=1.2,!=1.3,=1") == ["~=1.2", "!=1.3", "=1"]
    assert rules._component_names(" Toolkit,,NNAL , ") == ["toolkit", "nnal"]


@pytest.mark.parametrize(
    "released, suggested",
    [
        # nearest line first (2.8.1 is a patch away, 2.9.0 a minor); a text that is no version
        # cannot be measured and ranks before both, as the table's order among equals decides
        ("[2.8.1, 2.9.0, abc]", "abc, 2.8.1 or 2.9.0"),
        # the same torch major before another one, however far its minor
        ("[1.8.0, 2.1.0]", "2.1.0 or 1.8.0"),
    ],
)
def test_the_torch_npu_releases_suggested_are_ordered_by_distance(released, suggested):
    images = (
        "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 9.9.0, TORCH_NPU_VERSION: 2.8.0}}\n"
        f"compat:\n  cann:\n    9.9.0: {{torch_npu: {released}}}\n"
    )
    assert findings(images) == [
        (
            "images.yaml:3:54",
            "error",
            "torch-npu-not-for-cann",
            f"c: torch_npu 2.8.0 was not released for CANN 9.9.0; for CANN 9.9.0 use {suggested} (torch_npu 2.8.0 "
            "was released for CANN 8.3.RC1 or 8.3.RC2)",
        )
    ]


def test_a_torch_npu_only_a_vllm_ascend_row_lists_gets_no_hint_of_other_cann_releases():
    # 2.7.1.dev20250724 is listed (the vllm-ascend v0.10 stack pins it) but no CANN row has it
    (found,) = findings(
        "  c: {from: u:1, dockerfile: x, args: {CANN_VERSION: 8.3.RC1, TORCH_NPU_VERSION: 2.7.1.dev20250724}}\n"
    )
    assert found == (
        "images.yaml:3:54",
        "error",
        "torch-npu-not-for-cann",
        "c: torch_npu 2.7.1.dev20250724 was not released for CANN 8.3.RC1; "
        "for CANN 8.3.RC1 use 2.7.1, 2.8.0, 2.6.0.post3 or 2.1.0.post17",
    )
