"""A distributed builder: two BuildKit nodes, one for linux/amd64 and one for linux/arm64,
joined in one buildx builder (scripts/buildkit-multinode). `bakegen build` of a two-level
chain for both platforms sends each platform, parent and child, to its own node.

Which node built what is read from the nodes themselves: each buildkitd keeps a record of
every build it ran (`buildctl debug histories`: the platform asked, the image's labels) and
what its steps printed (`buildctl debug logs`). The steps print `uname -m`, and the child
prints what its parent's step wrote, so the logs also show that each child sits on the
parent built on the same node.
"""

from __future__ import annotations

from tests.e2e import support

PLATFORMS = ("linux/amd64", "linux/arm64")
MACHINE = {"linux/amd64": "x86_64", "linux/arm64": "aarch64"}


def test_each_platform_of_a_chain_builds_on_its_own_node(multinode, make_project, tmp_path, env):
    run_id = support.unique("run-")
    project = make_project(
        tmp_path / "project",
        images={
            "parent": {"platforms": list(PLATFORMS), "labels": {"e2e.run": run_id}, "tags": ["parent:1"]},
            "child": {"from": "parent", "platforms": list(PLATFORMS), "labels": {"e2e.run": run_id}},
        },
        dockerfiles={
            "parent": f'RUN echo "{run_id} parent on $(uname -m)" | tee /parent-built-on\n',
            "child": f'RUN echo "{run_id} child on $(uname -m) sits on $(cat /parent-built-on)"\n',
        },
    )
    result = support.bakegen(
        "build", "child", "--builder", multinode.builder, "--set", "child.output=type=cacheonly",
        cwd=project.root, env=env,
    )
    assert result.returncode == 0, support.show(result)

    built: dict[str, dict[str, str]] = {}  # the node's platform -> image -> the platform it built
    for node_platform, address in multinode.nodes.items():
        records = {
            r["FrontendAttrs"]["label:bakegen.image"]: r
            for r in support.build_records(address, env)
            if r["FrontendAttrs"].get("label:e2e.run") == run_id
        }
        built[node_platform] = {image: r["FrontendAttrs"]["platform"] for image, r in records.items()}
        if "child" in records:
            log = support.build_log(address, records["child"]["Ref"], env)
            machine = MACHINE[node_platform]
            assert f"{run_id} child on {machine} sits on {run_id} parent on {machine}" in log, log
    assert built == {
        "linux/amd64": {"parent": "linux/amd64", "child": "linux/amd64"},
        "linux/arm64": {"parent": "linux/arm64", "child": "linux/arm64"},
    }


def test_bakegen_reads_the_two_node_builder_as_buildx_does(multinode, env):
    """The builder as bakegen inspects it before a multi-platform build (bakegen.builders):
    the remote driver, one node per daemon, each declaring its platform first; nothing to refuse."""
    from python_on_whales import DockerClient

    from bakegen.builders import Builder, multi_platform_refusal

    inspected = Builder.of(DockerClient(client_call=["docker"]).buildx.inspect(multinode.builder))
    assert inspected.driver == "remote"
    assert [(n.status, n.platforms[:1]) for n in inspected.nodes] == [
        ("running", ("linux/amd64",)),
        ("running", ("linux/arm64",)),
    ]
    assert multi_platform_refusal(inspected, {"child": PLATFORMS}) is None
