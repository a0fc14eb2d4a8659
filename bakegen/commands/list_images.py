"""`bakegen list`: images in build order with parent, layer, tags and platforms."""

from __future__ import annotations

import json

from bakegen import files
from bakegen.model import load_project, resolve_tag


def rows(project) -> list[dict]:
    graph = project.graph
    out = []
    for wave_number, wave in enumerate(graph.waves, start=1):
        for image_id in wave:
            image = project.images[image_id]
            out.append(
                {
                    "id": image_id,
                    "wave": wave_number,
                    "parent": image.parent,
                    "external_base": image.external_base,
                    "layer": graph.layer(image_id),
                    "tags": [resolve_tag(t, project.variables) for t in image.tags],
                    "platforms": list(image.platforms),
                    "dockerfile": image.dockerfile,
                    "description": image.description,
                }
            )
    return out


def run(args) -> int:
    project = load_project(files.find_source(args.file))
    table = rows(project)
    if args.json:
        print(json.dumps(table, indent=2, ensure_ascii=False))
        return 0
    headers = ("IMAGE", "PARENT", "LAYER", "PLATFORMS", "TAGS")
    lines = [
        (
            r["id"],
            r["parent"] or f"({r['external_base']})",
            r["layer"],
            ",".join(r["platforms"]) or "-",
            " ".join(r["tags"]) or "-",
        )
        for r in table
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headers[:-1])]
    for line in [headers, *lines]:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=False)) + "  " + line[-1])
    return 0
