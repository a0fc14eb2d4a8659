"""`bakegen save TARGET... --dest DIR`: docker-loadable tarballs, one per image and platform,
written by BuildKit's docker exporter, with no Docker daemon (bakegen.save).

It goes the way of `bakegen build` (the same preparation and plan, handed to bake as a file
of its own) with a save target per tarball. The tarballs are written into a folder of
their own inside DIR and moved into DIR only when the whole bake succeeded: a failed or
stopped save leaves no half-written tarball.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

from bakegen.commands import key_values
from bakegen.commands.build import bake_plan, prepare
from bakegen.emit.bake import render_bake
from bakegen.emit.save import save_targets
from bakegen.errors import BakegenError, Diagnostic, Position, UsageError
from bakegen.plan import plan_build
from bakegen.save import plan_save


def run(args) -> int:
    if not args.targets:
        raise UsageError("name the images (or groups) to save, e.g. `bakegen save pytorch-npu-910b --dest images/`")
    prepared = prepare(args, "save", args.targets)
    project, output = prepared.project, prepared.output
    variables = key_values(args.var, "--var")
    dest = Path(args.dest).resolve()
    if any(c in str(dest) for c in ',"'):
        raise UsageError(f"--dest {dest}: a folder whose path holds ',' or '\"' cannot be a BuildKit output")
    tarballs = plan_save(project, args.targets, variables)
    plan = plan_build(project, list(dict.fromkeys(t.image for t in tarballs)))
    created = not dest.exists()  # removed again if the save fails and leaves it empty
    try:
        dest.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".bakegen-save-", dir=dest))
    except OSError as exc:
        raise BakegenError(
            Diagnostic(Position(str(dest)), f"cannot write: {exc.strerror}", code="cannot-write")
        ) from None
    try:
        text = render_bake(project, output, plan) + "\n" + save_targets(tarballs, staging)
        bake_plan(
            project,
            output,
            plan,
            text,
            dict(targets=[t.target for t in tarballs], builder=args.builder, variables=variables),
            print_config=False,
            progress=args.progress,
            outside=[str(staging)],
            verb="save",
            names=args.targets,
        )
        for tarball in tarballs:
            written = staging / tarball.file_name
            if not written.is_file():
                raise BakegenError(f"bake succeeded but wrote no {written}; nothing was saved")
        for tarball in tarballs:
            os.replace(staging / tarball.file_name, dest / tarball.file_name)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if created:
            with contextlib.suppress(OSError):
                dest.rmdir()  # only when empty: the folder this run made for nothing
        raise
    shutil.rmtree(staging, ignore_errors=True)
    for tarball in tarballs:
        where = tarball.platform or "the builder's platform"
        names = " ".join(tarball.tags) or "(no tag: `docker load` gives it no name)"
        print(f"{dest / tarball.file_name}  {tarball.image}  {where}  {names}")
    print(f"bakegen save: {len(tarballs)} tarball{'s' if len(tarballs) != 1 else ''} in {dest}", file=sys.stderr)
    return 0
