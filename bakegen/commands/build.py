"""`bakegen build`: regenerate docker-bake.hcl if stale, then `docker buildx bake` it.

The docker CLI is driven through python-on-whales, never through a shell
string. Two bake flags it does not wrap are reached another way:
``--call`` becomes the override ``--set *.call=<method>``, and the file-system
entitlement that bake asks for when a local path lies outside the bake file's
folder is granted with ``BUILDX_BAKE_ENTITLEMENTS_FS=0``, only when images.yaml
itself names such a path (said on stderr when it happens).
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

from bakegen import files, rules
from bakegen.commands.generate import generated
from bakegen.dockerfile import Dockerfiles
from bakegen.errors import BakegenError, Diagnostic, UsageError
from bakegen.model import Project
from bakegen.output import report


def _outside_paths(project: Project, out_dir: Path) -> list[str]:
    """Local paths of images.yaml that bake's file-system entitlement check would stop at."""
    outside = set()
    for image in project.images.values():
        for local in image.local_paths:
            path = (project.root / local.value).resolve()
            if not _inside(path, out_dir):
                outside.add(str(path))
    return sorted(outside)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _dest_of(key: str, value: str) -> str | None:
    if not key.endswith(".output"):
        return None
    for field in value.split(","):
        name, _, path = field.partition("=")
        if name == "dest" and path and path != "-":
            return path
    return None


def _absolute_dest(key: str, value: str) -> str:
    """`--set t.output=type=local,dest=out` means ./out where the user is, not in the bake folder."""
    dest = _dest_of(key, value)
    if dest is None or os.path.isabs(dest):
        return value
    fields = [
        f"dest={Path(dest).resolve()}" if field == f"dest={dest}" else field for field in value.split(",")
    ]
    return ",".join(fields)


def _key_values(pairs: list[str], flag: str) -> dict[str, str]:
    result = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"{flag} takes KEY=VALUE, got {pair!r}")
        result[key] = value
    return result


DOCKERFILE_STEP = re.compile(r"^\[[^\]]*\d+/\d+\] ")


def failure_summary(stderr: str) -> str:
    """The lines of buildx's output that say what failed: the step and the ERROR."""
    steps, errors = [], []
    for line in stderr.splitlines():
        text = line.strip()
        if re.match(r"^> \[[^\]]+\] ", text) and text not in steps:
            steps.append(text.rstrip(":"))
        elif re.match(r"^(ERROR|error)[: ]", text):
            errors.append(text)
        elif text.startswith("{") and '"error"' in text:
            try:
                record = json.loads(text)
            except ValueError:
                continue
            for vertex in record.get("vertexes") or []:
                # Only Dockerfile steps ("[leaf 2/3] RUN ..."): a cache import that finds no
                # cache yet also carries an error, and is harmless.
                if vertex.get("error") and DOCKERFILE_STEP.match(vertex.get("name") or ""):
                    steps.append(f"> {vertex['name']}: {vertex['error']}")
    # bake names a step shared by several targets after each of them: say it once
    unique: dict[str, str] = {}
    for step in steps:
        unique.setdefault(step.split("] ", 1)[-1], step)
    steps = list(unique.values())
    lines = [f"failing step {s.lstrip('> ')}" for s in steps[-3:]] + errors[-3:]
    return "\n".join(lines) if lines else stderr.strip()[-2000:]


def run(args) -> int:
    from python_on_whales import docker  # slow to import; only build needs it
    from python_on_whales.client_config import ClientNotFoundError
    from python_on_whales.exceptions import DockerException

    source = files.find_source(args.file)
    project, output, text = generated(source, Path(args.output) if args.output else None)
    report(list(project.warnings))
    findings = rules.check_versions(project, Dockerfiles(project.root))
    report(findings)
    violations = [finding for finding in findings if finding.severity == "error"]
    if violations:  # warnings (a release bakegen's table does not list) do not stop a build
        if not args.force:
            raise BakegenError(
                "version rules failed (see above); fix images.yaml, or pass --force to build anyway"
            )
        print("bakegen build: --force given: building despite the version rule errors above", file=sys.stderr)
    if files.read_text(output) != text:
        files.write_atomic(output, text)
        print(f"regenerated {output}", file=sys.stderr)

    targets = args.targets or ["default"]
    project.graph.expand(targets)  # unknown names fail here, with a suggestion
    overrides = _key_values(args.set, "--set")
    if args.call:
        overrides["*.call"] = args.call
    variables = _key_values(args.var, "--var")
    out_dir = output.resolve().parent
    # Paths the user typed are relative to where they typed them; bake runs in out_dir.
    metadata_file = str(Path(args.metadata_file).resolve()) if args.metadata_file else None
    overrides = {key: _absolute_dest(key, value) for key, value in overrides.items()}
    outside = _outside_paths(project, out_dir)
    outside += [
        dest for key, value in overrides.items() if (dest := _dest_of(key, value)) and not _inside(Path(dest), out_dir)
    ]
    if outside:
        variables["BUILDX_BAKE_ENTITLEMENTS_FS"] = "0"
        print(
            "bakegen build: images.yaml names local paths outside "
            f"{out_dir}: {', '.join(outside)}; granting bake read access to them",
            file=sys.stderr,
        )

    os.chdir(out_dir)  # bake resolves relative paths against the working directory
    bake_args = dict(
        targets=targets,
        builder=args.builder,
        files=[output.name],
        load=args.load,
        push=args.push,
        cache=not args.no_cache,
        set=overrides,
        variables=variables,
        metadata_file=metadata_file,
    )
    try:
        if args.print:
            config = docker.buildx.bake(**bake_args, print=True)
            print(json.dumps(config, indent=2))
            return 0
        for line in docker.buildx.bake(**bake_args, progress=args.progress, stream_logs=True):
            sys.stderr.write(line)
            sys.stderr.flush()
    except ClientNotFoundError:
        raise BakegenError(
            "the docker CLI was not found; install it with the buildx plugin "
            "(scripts/buildkit-up does this for the tests)"
        ) from None
    except DockerException as exc:
        stderr = exc.stderr if isinstance(exc.stderr, str) else (exc.stderr or b"").decode(errors="replace")
        raise BakegenError(
            Diagnostic(
                None,
                f"docker buildx bake {' '.join(targets)} failed (exit {exc.return_code}):\n"
                + failure_summary(stderr),
            )
        ) from None
    return 0
