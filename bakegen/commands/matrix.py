"""`bakegen matrix`: JSON for CI matrix builds (one job per target or per (target, platform), or per wave)."""

from __future__ import annotations

import json

from bakegen import files
from bakegen.affected import affected_since
from bakegen.emit import matrix as emit
from bakegen.model import load_project
from bakegen.output import report


def run(args) -> int:
    project = load_project(files.find_source(args.file))
    selection = project.graph.expand(args.targets) if args.targets else None
    affected = None
    if args.affected_since is not None:
        result = affected_since(project, args.affected_since)
        report(list(result.warnings))
        affected = set(result.rebuild)
    split = args.split_platforms
    data: object = (
        emit.waves(project, selection, affected, split_platforms=split)
        if args.waves
        else emit.matrix(project, selection, leaves_only=args.leaves, affected=affected, split_platforms=split)
    )
    print(json.dumps(data, separators=(",", ":")) if args.compact else json.dumps(data, indent=2))
    return 0
