"""`bakegen check`: everything that can be known wrong before a build starts.

Schema and graph rules (from loading), then the files the graph names (and the
`inputs:` globs) and the Dockerfiles (bakegen.checks), the Ascend version rules (bakegen.rules), the images' test
definitions (bakegen.imagetests) and ModelArts conformance (bakegen.conformance).
With --strict, warnings count as errors.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace

from bakegen import checks, files, rules
from bakegen.conformance import conformance_problems
from bakegen.dockerfile import Dockerfiles
from bakegen.errors import BakegenError
from bakegen.imagetests import resolve_checks
from bakegen.model import load_project
from bakegen.output import report
from bakegen.runconfig import resolve_run_configs


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
    configs = resolve_run_configs(project, dockerfiles)
    image_checks, check_problems = resolve_checks(project, dockerfiles, configs)
    problems = (
        list(project.warnings)
        + checks.missing_paths(project)
        + checks.unmatched_inputs(project)
        + checks.dockerfile_problems(project, dockerfiles)
        + checks.undeclared_args(project, dockerfiles)
        + rules.check_versions(project, dockerfiles)
        + check_problems
        + conformance_problems(project, dockerfiles, configs, image_checks)
    )
    if args.strict:
        problems = [replace(d, severity="error") if d.severity == "warning" else d for d in problems]
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
