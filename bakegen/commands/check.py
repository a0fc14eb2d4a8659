"""`bakegen check`: everything that can be known wrong before a build starts.

Schema and graph rules (from loading), then the files the graph names and the
Dockerfiles (bakegen.checks), and the Ascend version rules (bakegen.rules).
"""

from __future__ import annotations

import json
import sys

from bakegen import checks, files, rules
from bakegen.dockerfile import Dockerfiles
from bakegen.errors import BakegenError
from bakegen.model import load_project
from bakegen.output import report


def run(args) -> int:
    source = files.find_source(args.file)
    try:
        project = load_project(source)
    except BakegenError as exc:
        if not args.json:
            raise
        print(json.dumps([d.as_json() for d in exc.diagnostics], indent=2, ensure_ascii=False))
        return 1
    dockerfiles = Dockerfiles(project.root)
    problems = (
        list(project.warnings)
        + checks.missing_paths(project)
        + checks.dockerfile_problems(project, dockerfiles)
        + rules.check_versions(project, dockerfiles)
    )
    errors = sum(d.severity == "error" for d in problems)
    warnings = sum(d.severity == "warning" for d in problems)
    if args.json:
        print(json.dumps([d.as_json() for d in problems], indent=2, ensure_ascii=False))
        return 1 if errors else 0
    report(problems)
    if errors:
        print(f"{source}: {errors} error(s), {warnings} warning(s)", file=sys.stderr)
        return 1
    print(f"{source}: {len(project.images)} images, no errors" + (f", {warnings} warning(s)" if warnings else ""))
    return 0
