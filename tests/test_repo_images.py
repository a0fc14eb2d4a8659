"""The repository's images and Dockerfiles against the facts of the official sources
(Ascend/cann-container-image, Ascend/pytorch's README) and what ModelArts users depend on
(the old tool's tags, the READMEs)."""

import re

from bakegen.model import load_project
from tests.conftest import REPO


def project():
    return load_project(REPO / "images.yaml")


def cann_line(version: str) -> tuple[int, int]:
    major, minor = re.match(r"(\d+)\.(\d+)\.", version).groups()
    return int(major), int(minor)


def test_cann_images_point_at_the_runtime_where_their_line_installs_it():
    """Up to 8.3 the toolkit is /usr/local/Ascend/ascend-toolkit/latest (cann.dockerfile's
    default); from 8.5.0 on the official images set ASCEND_TOOLKIT_HOME to
    /usr/local/Ascend/cann-<version> (install-cann.sh refuses any other)."""
    found = {}
    for image_id, image in project().images.items():
        if not image.dockerfile.endswith("/cann.dockerfile"):
            continue
        version = image.args["CANN_VERSION"]
        components = image.args.get("COMPONENTS", "toolkit,kernels,nnal").split(",")
        home = image.args.get("ASCEND_TOOLKIT_HOME", "/usr/local/Ascend/ascend-toolkit/latest")
        if "nnae" in components:
            expected = "/usr/local/Ascend/nnae/latest"
        elif cann_line(version) >= (8, 5):
            expected = f"/usr/local/Ascend/cann-{version}"
        else:
            expected = "/usr/local/Ascend/ascend-toolkit/latest"
        found[image_id] = (home, expected)
    assert any(cann_line(project().images[i].args["CANN_VERSION"]) >= (8, 5) for i in found), found
    assert {i: h for i, (h, e) in found.items() if h != e} == {}, found
