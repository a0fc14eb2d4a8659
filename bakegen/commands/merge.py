"""`bakegen merge TARGET... --metadata-dir DIR`: each target's tags become one index of the
digests its per-platform jobs pushed (bakegen.multiarch), once every platform is there."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from bakegen import bakevars, files, metadata, multiarch
from bakegen.commands import key_values
from bakegen.errors import BakegenError
from bakegen.model import load_project


def run(args) -> int:
    project = load_project(files.find_source(args.file))
    variables = bakevars.values(project, key_values(args.var, "--var"))
    pushed = metadata.read_metadata_dir(Path(args.metadata_dir))
    merges = multiarch.plan_merge(project, args.targets, pushed, variables)
    done: list[str] = []
    for merge in merges:  # in build order: a parent's tags before its children's
        if args.dry_run:
            print(shlex.join(merge.command()))
            continue
        try:
            multiarch.create_index(merge, builder=args.builder)
        except BakegenError:
            if done:
                print(
                    f"bakegen merge: already merged before this failure: {', '.join(done)}; "
                    f"not merged: {', '.join(m.target for m in merges[len(done) :])}",
                    file=sys.stderr,
                )
            raise
        done.append(merge.target)
        print(f"merged {merge.target} ({', '.join(merge.platforms)}): {', '.join(merge.tags)}")
    return 0
