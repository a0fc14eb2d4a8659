"""`bakegen graph`: the image graph as a Mermaid flowchart."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bakegen import files
from bakegen.checks import inputs_an_output_would_replace
from bakegen.dockerfile import Dockerfiles
from bakegen.emit.mermaid import render_mermaid
from bakegen.model import load_project


def run(args) -> int:
    source = files.find_source(args.file)
    project = load_project(source)
    if args.output and args.output != "-":
        output = Path(args.output)
        files.refuse_overwriting(
            output, source, *inputs_an_output_would_replace(project, Dockerfiles(project.root), output)
        )
        name = os.path.relpath(source.resolve(), output.resolve().parent)
        text = render_mermaid(project, name)
        if output.suffix.lower() == ".md":
            text = "```mermaid\n" + text + "```\n"
        files.write_atomic(output, text)
        print(f"wrote {output}", file=sys.stderr)
    else:
        sys.stdout.write(render_mermaid(project, source.name))
    return 0
