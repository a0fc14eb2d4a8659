"""`bakegen build --force` builds despite failed version rules, and says that it did."""

from tests.e2e import support


def test_force_builds_a_known_bad_pair_and_says_so(tmp_path, make_project, env):
    project = make_project(
        tmp_path,
        images={
            "cann": {"args": {"CANN_VERSION": "8.3.RC1", "CHIP": "910b", "COMPONENTS": "toolkit"}},
            "torch": {"from": "cann", "args": {"TORCH_VERSION": "2.5.1", "TORCH_NPU_VERSION": "2.5.1"}},
        },
        dockerfiles={"cann": "RUN echo cann > /cann\n", "torch": "RUN echo torch > /torch\n"},
    )
    refused = support.bakegen("build", "torch", "--set", "*.output=type=cacheonly", cwd=project.root, env=env)
    assert refused.returncode == 1, support.show(refused)
    assert "torch_npu 2.5.1 was not released for CANN 8.3.RC1" in refused.stderr

    forced = support.bakegen(
        "build", "torch", "--force", "--set", "*.output=type=cacheonly", cwd=project.root, env=env
    )
    assert forced.returncode == 0, support.show(forced)
    assert "--force given: building despite the version rule errors above" in forced.stderr
    assert "torch_npu 2.5.1 was not released for CANN 8.3.RC1" in forced.stderr
