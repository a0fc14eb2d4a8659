"""`bakegen affected`: the images a change since a git ref affects, one per line, in build order."""

from __future__ import annotations

from bakegen import files
from bakegen.affected import affected_since
from bakegen.model import load_project
from bakegen.output import report


def run(args) -> int:
    project = load_project(files.find_source(args.file))
    wanted = set(project.graph.expand(args.targets)) if args.targets else None
    result = affected_since(project, args.since)
    report(list(result.warnings))
    shown = result.tested(project.graph.order) if args.tests else list(result.rebuild)
    for image_id in shown:
        if wanted is None or image_id in wanted:
            why = result.rebuild.get(image_id) or result.retest.get(image_id)
            print(f"{image_id}: {why}" if args.why else image_id)
    return 0
