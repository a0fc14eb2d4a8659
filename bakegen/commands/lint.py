"""`bakegen lint`: BuildKit's Dockerfile checks for every image of the chains asked for
(bakegen.lint), each finding with its Dockerfile, line and rule. Exit 1 when one is an
error (`# check=error=true`, a check that could not complete); with --strict, when any is.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace

from bakegen import files
from bakegen.lint import lint, lint_targets
from bakegen.model import load_project
from bakegen.output import report


def run(args) -> int:
    source = files.find_source(args.file)
    project = load_project(source)
    image_ids = lint_targets(project, args.targets)  # unknown names fail here, with a suggestion
    result = lint(project, image_ids, builder=args.builder, stand_in=args.stand_in)
    diagnostics = result.diagnostics()
    if args.strict:
        diagnostics = [replace(d, severity="error") if d.severity == "warning" else d for d in diagnostics]
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = sum(d.severity == "warning" for d in diagnostics)
    if args.json:
        entries = result.as_json()
        if args.strict:
            entries = [{**e, "severity": "error"} if e["severity"] == "warning" else e for e in entries]
        print(json.dumps(entries, indent=2, ensure_ascii=False))
        return 1 if errors else 0
    report(diagnostics)
    summary = f"{source}: {len(result.checked)} image(s) checked, {errors} error(s), {warnings} warning(s)"
    if errors:
        print(summary, file=sys.stderr)
        return 1
    print(summary)
    return 0
