"""`bakegen graph`: the image graph as a Mermaid flowchart."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bakegen import files
from bakegen.emit.mermaid import render_mermaid
from bakegen.model import load_project


def run(args) -> int:
    source = files.find_source(args.file)
    project = load_project(source)
    if args.output and args.output != "-":
        output = Path(args.output)
        if output.is_file() and not files.written_by_bakegen(output):  # not over an input of the project
            from bakegen.checks import project_inputs
            from bakegen.dockerfile import Dockerfiles

            files.refuse_overwriting(output, source, *project_inputs(project, Dockerfiles(project.root)))
        name = os.path.relpath(source.resolve(), output.resolve().parent)
        text = render_mermaid(project, name)
        if output.suffix.lower() == ".md":
            text = "```mermaid\n" + text + "```\n"
        files.write_atomic(output, text)
        print(f"wrote {output}", file=sys.stderr)
    else:
        sys.stdout.write(render_mermaid(project, source.name))
    return 0
