"""`bakegen test`: run the checks of images (bakegen.imagetests) in BuildKit, judge them here.

It goes the way of `bakegen build` (bakegen.commands.build): the same preparation, a plan
of the requested images and what they need (bakegen.plan), handed to bake as a file of its
own, with the test target of each requested image added. Each test target exports its
recorded results (type=local) into a temporary folder; bake builds what is missing first.
The builder is asked first which platforms it runs: a platform it cannot run (no QEMU for
arm64) is named with the fix before anything is built.

Exit status: 0 when every check passed, 1 when one failed or the build did.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bakegen import builders
from bakegen.commands.build import bake_plan, inspect_builder, prepare
from bakegen.emit.bake import render_bake
from bakegen.errors import BakegenError, UsageError
from bakegen.graph import test_target
from bakegen.imagetests import RUN_VARIABLE, ImageChecks, Result, judge, read_result
from bakegen.model import Project
from bakegen.plan import plan_build

OUTPUT_LINES = 40  # of a failed check's output in the report


def run(args) -> int:
    prepared = prepare(args, "test")
    project, output = prepared.project, prepared.output
    problems = [d for d in prepared.check_problems if d.severity == "error"]
    if problems:
        raise BakegenError(problems)
    requested = project.graph.expand(args.targets or ["all"])
    platforms = _platforms(project, requested, args.platform)
    requested = [i for i in requested if i in platforms]
    plan = plan_build(project, requested)
    if args.platform:
        narrowed = dict(plan.narrowed)
        for image_id in plan.images:
            if project.images[image_id].platforms:
                narrowed[image_id] = (args.platform,)
        plan = replace(plan, narrowed=narrowed)
    needed = sorted({p for i in plan.images for p in plan.narrowed.get(i) or project.images[i].platforms})
    builder = None
    if needed:  # the checks of a platform the builder cannot run would not start: say so first
        builder = inspect_builder(args.builder, bootstrap=True)
        refusal = builders.platforms_refusal(builder, needed)
        if refusal is not None:
            raise BakegenError(refusal)

    run_id = uuid.uuid4().hex
    results = Path(tempfile.mkdtemp(prefix="bakegen-test-"))
    try:
        outputs = {image_id: f"type=local,dest={results / image_id}" for image_id in requested}
        text = render_bake(project, output, plan, checks=prepared.checks, test_outputs=outputs)
        targets = [test_target(i) for i in requested]
        bake_plan(
            project,
            output,
            plan,
            text,
            dict(targets=targets, builder=args.builder, variables={RUN_VARIABLE: run_id}),
            print_config=False,
            progress=args.progress,
            outside=[str(results)],
            verb="test",
            names=targets,
            builder=builder,
        )
        verdicts = collect(prepared.checks, requested, platforms, results, run_id)
    finally:
        shutil.rmtree(results, ignore_errors=True)
    if args.json:
        print(json.dumps(as_json(verdicts), indent=2, ensure_ascii=False))
    else:
        print(format_report(verdicts, project))
    return 1 if any(v.status == "fail" for v in verdicts) else 0


def _platforms(project: Project, requested: list[str], only: str | None) -> dict[str, list[str]]:
    """image id -> the platforms its checks run on ("" for the builder's own, when it declares none)."""
    result: dict[str, list[str]] = {}
    left_out = []
    for image_id in requested:
        declared = list(project.images[image_id].platforms)
        if only and declared and only not in declared:
            left_out.append(image_id)
            continue
        result[image_id] = [only] if only and declared else declared or [""]
    if left_out:
        print(f"bakegen test: not built for {only}, so not tested: {', '.join(left_out)}", file=sys.stderr)
    if not result:
        raise UsageError(f"none of the images asked for is built for {only}")
    return result


# --- results ---------------------------------------------------------------------------------------


def collect(
    checks: dict[str, ImageChecks], requested: Sequence[str], platforms: dict[str, list[str]], folder: Path, run_id: str
) -> list[Result]:
    verdicts = []
    for image_id in requested:
        image_checks = checks[image_id]
        for platform in platforms[image_id]:
            base = folder / image_id
            if len(platforms[image_id]) > 1:
                base = base / platform.replace("/", "_")
            for check in image_checks.checks:
                verdicts.append(judge(image_id, platform, check, read_result(base / check.name), run_id))
            for skip in image_checks.skipped:
                verdicts.append(Result(image_id, platform, skip.check, "skipped", False, skip=skip))
    return verdicts


def format_report(verdicts: Sequence[Result], project: Project | None = None) -> str:
    rows = [("IMAGE", "PLATFORM", "CHECK", "RESULT", "CACHED", "")]
    for v in verdicts:
        note = ""
        if v.status == "skipped" and v.skip is not None:
            cached = "-"
            note = f"skip-tests of {v.skip.by} ({v.skip.position})"
        else:
            cached = "cached" if v.cached else "ran"
        rows.append((v.image, v.platform or "(builder's)", v.check.name if v.check else "?", v.status, cached, note))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(widths[i]) if i < 5 else cell for i, cell in enumerate(row)).rstrip() for row in rows]
    passed = sum(v.status == "pass" for v in verdicts)
    failed = [v for v in verdicts if v.status == "fail"]
    skipped = sum(v.status == "skipped" for v in verdicts)
    from_cache = sum(v.cached for v in verdicts)
    lines.append("")
    lines.append(
        f"bakegen test: {passed} passed, {len(failed)} failed, {skipped} skipped ({from_cache} from the cache)"
    )
    for v in failed:
        check = v.check
        assert check is not None
        lines.append("")
        source = "generated" if check.origin == "generated" else check.origin
        platform = v.platform or "(builder's)"
        lines.append(f"FAILED {v.image} {platform} {check.name} ({source}: {check.why})")
        lines.append(f"  $ {check.run}" if "\n" not in check.run else "  $ " + check.run.replace("\n", "\n    "))
        lines.append(f"  {v.reason}")
        output = v.output.rstrip("\n").split("\n") if v.output else []
        if len(output) > OUTPUT_LINES:
            lines.append(f"  | ... ({len(output) - OUTPUT_LINES} lines before)")
            output = output[-OUTPUT_LINES:]
        lines += [f"  | {line}" for line in output] or ["  (no output)"]
    return "\n".join(lines)


def as_json(verdicts: Sequence[Result]) -> dict:
    items = []
    for v in verdicts:
        check = v.check
        item = {
            "image": v.image,
            "platform": v.platform or None,
            "check": check.name if check else None,
            "status": v.status,
            "cached": v.cached,
            "origin": check.origin if check else None,
            "command": check.run if check else None,
            "expect": check.expect if check else None,
            "expected_exit": check.exit if check else None,
            "exit": v.exit,
            "reason": v.reason or None,
            "output": v.output,
        }
        if v.skip is not None:
            item["skipped_by"] = v.skip.by
            item["skipped_at"] = str(v.skip.position)
        items.append(item)
    return {
        "passed": sum(v.status == "pass" for v in verdicts),
        "failed": sum(v.status == "fail" for v in verdicts),
        "skipped": sum(v.status == "skipped" for v in verdicts),
        "results": items,
    }
