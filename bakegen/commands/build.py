"""`bakegen build`: regenerate docker-bake.hcl if stale, then `docker buildx bake` the
requested targets. `bakegen test` goes the same way (``prepare``, ``bake_plan``).

bake gets a bake file of its own for the build (``bakegen.plan``): the requested images,
what they need, each ancestor narrowed to the platforms its requested descendants need.
It is ``.bakegen-build-<pid>.hcl`` in the temporary folder, removed when the build ends,
also on an error, Ctrl-C, SIGTERM or SIGHUP; a later run removes those of runs that were
killed. Not beside docker-bake.hcl: that folder is often a build context, and an image
that copies it whole (``COPY . /src``) would get the file, a new one every run, and never
be cached. Its paths are written relative to docker-bake.hcl's folder, where bake runs:
bake resolves them against its working directory, as for docker-bake.hcl itself
(``BUILDX_BAKE_FILE_RELATIVE_PATHS`` is pinned off for it, so that they stay so).

bake runs as a child process from an argument list (``bake_command``), never through a
shell string; python-on-whales, slow to import, only asks the builder what it is (a
multi-platform build on a stock docker driver). ``--call`` is the override
``--set *.call=<method>``, and the file-system
entitlement that bake asks for when a local path lies outside the bake file's
folder is granted with ``BUILDX_BAKE_ENTITLEMENTS_FS=0``, only when images.yaml
itself names such a path (said on stderr when it happens).
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from bakegen import bakevars, builders, files, metadata, multiarch, rules
from bakegen.commands import key_values
from bakegen.commands.generate import Generated, generated
from bakegen.emit.bake import render_bake
from bakegen.errors import BakegenError, Diagnostic, Position, UsageError
from bakegen.model import Project
from bakegen.output import report
from bakegen.plan import BuildPlan, inside, outside_paths, overrides_for, plan_build, published, target_platforms

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


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
    fields = [f"dest={Path(dest).resolve()}" if field == f"dest={dest}" else field for field in value.split(",")]
    return ",".join(fields)


DOCKERFILE_STEP = re.compile(r"^\[[^\]]*\d+/\d+\] ")


def failure_summary(stderr: str) -> str:
    """The lines of buildx's output that say what failed: the step, the last lines it printed
    (the runtime's cause, e.g. `/bin/sh: 1: foo: not found`) and the ERROR."""
    steps, errors = [], []
    causes: list[str] = []  # what the failing step printed last: the runtime's own words
    in_block = False  # buildx's excerpt: "------", " > [step]:", what it printed, "------"
    previous = ""
    for line in stderr.splitlines():
        text = line.strip()
        before, previous = previous, text
        if in_block and (text.startswith(("------", "> [", "ERROR")) or not text):
            in_block = False
        if in_block:
            causes.append(re.sub(r"^\d+\.\d+ ", "", text))
            continue
        if re.match(r"^> \[[^\]]+\] ", text) and text not in steps:
            steps.append(text.rstrip(":"))
            in_block = text.endswith(":") and before.startswith("------")
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
    lines = [f"failing step {s.lstrip('> ')}" for s in steps[-3:]]
    lines += [f"  it printed: {cause}" for cause in causes[-2:]] + errors[-3:]
    return "\n".join(lines) if lines else stderr.strip()[-2000:]


def run(args) -> int:
    targets = args.targets or ["default"]
    if args.push_by_digest and (not args.platform or not args.metadata_file or args.push or args.load):
        raise UsageError(
            "--push-by-digest goes with --platform P and --metadata-file F (merge reads the digests "
            "from it), and without --push or --load"
        )
    result = prepare(args, "build", targets)
    project, output = result.project, result.output
    overrides = key_values(args.set, "--set")
    if args.call:
        overrides["*.call"] = args.call
    variables = key_values(args.var, "--var")
    requested = project.graph.expand(targets)
    if args.platform:
        overrides.update(multiarch.platform_overrides(project, requested, args.platform))
    if args.push_by_digest:
        bake_vars = bakevars.values(project, variables)
        overrides.update(multiarch.digest_push_overrides(project, requested, bake_vars))
    names = list(targets)
    if args.push:  # and the ancestors the pushed images are built on (bakegen.plan.published)
        names = published(project, targets)
        if args.platform:
            multiarch.refuse_narrowed_push(project, project.graph.expand(names), args.platform)
        added = [i for i in names if i not in requested]
        if added:
            print(f"bakegen build: --push also pushes what they are built on: {', '.join(added)}", file=sys.stderr)
    plan = plan_build(project, names, overrides)  # unknown names fail here, with a suggestion
    # Paths the user typed are relative to where they typed them; bake runs beside the bake file.
    metadata_file = str(Path(args.metadata_file).resolve()) if args.metadata_file else None
    if metadata_file:
        try:
            Path(metadata_file).parent.mkdir(parents=True, exist_ok=True)  # bake refuses a missing folder
        except OSError as exc:
            raise BakegenError(
                Diagnostic(Position(args.metadata_file), f"cannot create its folder: {exc.strerror}")
            ) from None
    report_push = args.push and not args.print and not args.call
    with contextlib.ExitStack() as stack:
        if report_push and metadata_file is None:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="bakegen-metadata-"))
            metadata_file = str(Path(folder) / "metadata.json")
        _build(args, project, output, plan, targets, overrides, variables, metadata_file)
        if report_push and metadata_file is not None:
            _print_pushed(metadata.published(metadata.read(Path(metadata_file)), plan.requested))
    if args.push_by_digest and metadata_file and not args.print:
        for pushed in metadata.record_platform(Path(metadata_file), plan.requested, args.platform):
            print(f"pushed {pushed.target} {pushed.platform}: {pushed.names[0]}@{pushed.digest}")
    return 0


def _print_pushed(images: Sequence[metadata.Published]) -> None:
    """One line per pushed image on stdout: id, digest, tags."""
    print(f"bakegen build: pushed {len(images)} image{'s' if len(images) != 1 else ''}:", file=sys.stderr)
    width = max((len(p.image) for p in images), default=0)
    for image in images:
        print(f"{image.image:<{width}}  {image.digest or '(no digest)'}  {' '.join(image.tags)}".rstrip())
    sys.stdout.flush()


def _build(args, project, output, plan, targets, overrides, variables, metadata_file) -> None:
    overrides = {key: _absolute_dest(key, value) for key, value in overrides_for(plan, project, overrides).items()}
    outside = [
        dest
        for key, value in overrides.items()
        if (dest := _dest_of(key, value)) and not inside(Path(dest), output.resolve().parent)
    ]
    bake_plan(
        project,
        output,
        plan,
        render_bake(project, output, plan),
        dict(
            targets=list(plan.requested),
            builder=args.builder,
            load=args.load,
            push=args.push,
            cache=not args.no_cache,
            set=overrides,
            variables=variables,
            metadata_file=metadata_file,
        ),
        print_config=args.print,
        progress=args.progress,
        outside=outside,
        verb="build",
        names=targets,
    )


def prepare(args, verb: str, names: Sequence[str] = ()) -> Generated:
    """What `bakegen build` and `bakegen test` do first: load images.yaml, refuse a build
    that breaks the version rules (unless --force), regenerate a stale docker-bake.hcl."""
    source = files.find_source(args.file)
    result = generated(source, Path(args.output) if getattr(args, "output", None) else None)
    report(list(result.project.warnings))
    findings = rules.check_versions(result.project, result.dockerfiles)
    report(findings)
    violations = [finding for finding in findings if finding.severity == "error"]
    if violations:  # warnings (a release bakegen's table does not list) do not stop a build
        if not args.force:
            raise BakegenError(f"version rules failed (see above); fix images.yaml, or pass --force to {verb} anyway")
        print(f"bakegen {verb}: --force given: building despite the version rule errors above", file=sys.stderr)
    # A build that fails on its own arguments leaves the bake file as it was.
    result.project.graph.expand(names)  # unknown target and group names fail here, with a suggestion
    if files.read_text(result.output) != result.text:
        files.write_atomic(result.output, result.text)
        print(f"regenerated {result.output}", file=sys.stderr)
    return result


def bake_plan(
    project: Project,
    output: Path,
    plan: BuildPlan,
    text: str,
    bake_args: dict,
    *,
    print_config: bool,
    progress: str,
    outside: Sequence[str],
    verb: str,
    names: Sequence[str],
    builder: builders.Builder | None = None,
) -> None:
    """Hand bake the plan's file (text): bake_args for ``bake_command``, whose
    variables get what bake needs to run beside docker-bake.hcl. outside: paths of outputs
    outside that folder, for the file-system entitlement. builder: bake_args' builder,
    when the verb has inspected it already."""
    variables = bake_args.setdefault("variables", {})
    out_dir = output.resolve().parent
    local = outside_paths(project, plan.images, out_dir)
    cache_dir = bakevars.local_cache_outside(project, variables, out_dir)
    if cache_dir:
        print(
            f"bakegen {verb}: the local cache {cache_dir} is outside {out_dir}; granting bake access to it",
            file=sys.stderr,
        )
        outside = [*outside, cache_dir]
    if local:
        print(
            f"bakegen {verb}: images.yaml names local paths outside "
            f"{out_dir}: {', '.join(local)}; granting bake read access to them",
            file=sys.stderr,
        )
    if local or outside:
        variables["BUILDX_BAKE_ENTITLEMENTS_FS"] = "0"

    if not print_config:
        problems = bakevars.attest_problems(project, variables)
        if problems:
            raise BakegenError(problems)
        _check_builder(
            bake_args.get("builder"), target_platforms(plan, project, bake_args.get("set") or {}), verb, builder
        )

    os.chdir(out_dir)  # bake resolves relative paths against the working directory
    variables["BUILDX_BAKE_FILE_RELATIVE_PATHS"] = "0"  # ... and not against the build file's folder
    folder = files.build_file_folder()
    for stale in files.remove_stale_build_files(folder):
        print(f"bakegen {verb}: removed {stale}, left by a build that was killed", file=sys.stderr)
    with _bake_file(folder, text) as bake_file:
        bake_args["files"] = [str(bake_file)]
        _bake(bake_args, print_config, progress, list(names))


def _check_builder(
    name: str | None, platforms: dict[str, tuple[str, ...]], verb: str, inspected: builders.Builder | None
) -> None:
    """Refuse, with what to do, a build the builder would refuse (bakegen.builders). The
    builder is asked only when a target has several platforms and the verb has not asked
    it already: others pay nothing."""
    if not any(len(p) > 1 for p in platforms.values()):
        return
    if inspected is None:
        try:
            inspected = inspect_builder(name)
        except BakegenError:
            # no docker CLI, no such builder, an answer python-on-whales cannot read: bake
            # runs next and says, in its own words, what is wrong
            return
    refusal = builders.multi_platform_refusal(inspected, platforms, verb)
    if refusal is not None:
        raise BakegenError(refusal)


def inspect_builder(name: str | None, *, bootstrap: bool = False) -> builders.Builder:
    """`docker buildx inspect [--bootstrap] NAME`: the current builder (BUILDX_BUILDER, the
    docker context's) when name is None. BakegenError when it cannot be inspected."""
    buildx, ClientNotFoundError, DockerException = _whales()
    try:
        return builders.Builder.of(buildx.inspect(name, bootstrap=bootstrap))
    except ClientNotFoundError:
        raise BakegenError("the docker CLI was not found; install it with the buildx plugin") from None
    except DockerException as exc:
        stderr = exc.stderr if isinstance(exc.stderr, str) else (exc.stderr or b"").decode(errors="replace")
        raise BakegenError(f"cannot inspect the builder {name or '(default)'}: {stderr.strip()[-500:]}") from None
    except (ValueError, IndexError) as exc:  # an answer python-on-whales cannot read
        raise BakegenError(f"cannot read what `docker buildx inspect {name or ''}` answered: {exc}") from None


@contextlib.contextmanager
def _bake_file(folder: Path, text: str) -> Iterator[Path]:
    """The build's bake file in folder, removed when the build ends. SIGTERM and SIGHUP
    become SystemExit meanwhile, so that the removal runs for them as for Ctrl-C."""
    path = files.build_file(folder)
    main_thread = threading.current_thread() is threading.main_thread()  # where signals are handled
    previous = {number: signal.getsignal(number) for number in (signal.SIGINT, *STOP_SIGNALS)} if main_thread else {}
    for number in STOP_SIGNALS if main_thread else ():
        signal.signal(number, _stop)
    created = False
    try:
        try:
            path.unlink(missing_ok=True)  # of a killed process that had this pid
            # created here and now, never through a link someone put in the shared folder
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
            created = True
            with open(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        except OSError as exc:
            raise BakegenError(Diagnostic(Position(str(path)), f"cannot write: {exc.strerror}")) from None
        yield path
    finally:
        for number in previous:  # a second signal must not cut the removal short
            signal.signal(number, signal.SIG_IGN)
        try:
            if created:
                path.unlink(missing_ok=True)
        except OSError:
            pass  # a later run removes it
        for number, handler in previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)


def _stop_children() -> None:
    """SIGTERM to the docker CLI that bakegen started (it passes it on to buildx,
    which cancels the build): stopped bakegen must not leave a build running. Children
    are found in /proc; elsewhere the docker CLI is left to its broken pipe."""
    me = str(os.getpid())
    try:
        entries = [entry for entry in os.listdir("/proc") if entry.isdigit()]
    except OSError:
        return
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as handle:
                stat = handle.read()
            if stat[stat.rindex(")") + 2 :].split()[1] == me:  # the field after the state: ppid
                os.kill(int(entry), signal.SIGTERM)
        except (OSError, ValueError, IndexError):
            continue


def _stop(number: int, frame) -> None:
    print(f"bakegen build: {signal.Signals(number).name}: stopping", file=sys.stderr)
    raise SystemExit(128 + number)


def _whales():
    """python-on-whales' buildx commands and its two exceptions, without running the
    package's __init__, which builds the pydantic models of every docker command
    (containers, pods, swarm...): a third of the import time. The package module stays
    in sys.modules unexecuted; the first use of a name its __init__ defines
    (`python_on_whales.docker`) runs it, so later users get the whole package. If the
    layout is not the one known here, the package is imported as usual."""
    import importlib.util

    if "python_on_whales" not in sys.modules:
        spec = importlib.util.find_spec("python_on_whales")
        if spec is not None and spec.loader is not None and spec.submodule_search_locations is not None:
            package = importlib.util.module_from_spec(spec)
            loader = spec.loader

            def complete(name: str):  # PEP 562: called for a name the module does not have
                folders = spec.submodule_search_locations or ()
                if any(
                    os.path.exists(os.path.join(f, name)) or os.path.exists(os.path.join(f, f"{name}.py"))
                    for f in folders
                ):
                    raise AttributeError(name)  # a submodule, for the import system to load
                del package.__dict__["__getattr__"]
                loader.exec_module(package)
                return getattr(package, name)

            package.__dict__["__getattr__"] = complete
            sys.modules["python_on_whales"] = package
            try:
                from python_on_whales.client_config import ClientConfig, ClientNotFoundError
                from python_on_whales.components.buildx.cli_wrapper import BuildxCLI
                from python_on_whales.exceptions import DockerException

                # what `python_on_whales.docker.buildx` is
                return BuildxCLI(ClientConfig(client_type="docker")), ClientNotFoundError, DockerException
            except (ImportError, AttributeError, TypeError):
                for name in [n for n in sys.modules if n == "python_on_whales" or n.startswith("python_on_whales.")]:
                    del sys.modules[name]
    from python_on_whales import docker
    from python_on_whales.client_config import ClientNotFoundError
    from python_on_whales.exceptions import DockerException

    return docker.buildx, ClientNotFoundError, DockerException


def bake_command(bake_args: dict, print_config: bool, progress: str) -> tuple[list[str], dict[str, str]]:
    """The `docker buildx bake` command line and environment for bake_args (targets, files,
    builder, load, push, cache, set, variables, metadata_file): the variables reach bake
    through the environment, as bake reads them."""
    argv = ["docker", "buildx", "bake"]
    if not bake_args.get("cache", True):
        argv.append("--no-cache")
    if bake_args.get("builder"):
        argv += ["--builder", bake_args["builder"]]
    for flag in ("load", "push"):
        if bake_args.get(flag):
            argv.append(f"--{flag}")
    if print_config:
        argv.append("--print")
    elif progress and progress != "auto":
        argv += ["--progress", progress]
    for file in bake_args.get("files") or ():
        argv += ["--file", file]
    for key, value in (bake_args.get("set") or {}).items():
        argv += ["--set", f"{key}={value}"]
    if bake_args.get("metadata_file"):
        argv += ["--metadata-file", bake_args["metadata_file"]]
    argv += list(bake_args.get("targets") or ())
    env = {**os.environ, **(bake_args.get("variables") or {})}
    return argv, env


def _bake(bake_args: dict, print_config: bool, progress: str, targets: list[str]) -> None:
    """Run bake as a child process, its progress passed on to stderr as it comes. Not through
    python-on-whales: importing it (its pydantic models) took most of bakegen's own time
    on a fully cached build (bench/run (c'))."""
    argv, env = bake_command(bake_args, print_config, progress)
    # What is loaded by now lives until bakegen exits: spare the garbage collector walking it.
    gc.freeze()
    output: list[bytes] = []
    try:
        process = subprocess.Popen(
            argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE if print_config else subprocess.STDOUT
        )
    except FileNotFoundError:
        raise BakegenError(
            "the docker CLI was not found; install it with the buildx plugin "
            "(scripts/buildkit-up does this for the tests)"
        ) from None
    try:
        if print_config:
            stdout, stderr = process.communicate()
            output.append(stderr)
            if process.returncode == 0:
                print(json.dumps(json.loads(stdout), indent=2))
                return
        else:
            assert process.stdout is not None
            raw = getattr(sys.stderr, "buffer", None)  # a replaced stderr (tests) takes text
            for line in process.stdout:  # bake's progress (stderr) and anything it prints
                output.append(line)
                if raw is not None:
                    raw.write(line)
                else:
                    sys.stderr.write(line.decode(errors="replace"))
                sys.stderr.flush()
            process.wait()
    except (KeyboardInterrupt, SystemExit):
        _stop_children()
        raise
    if process.returncode != 0:
        text = b"".join(output).decode(errors="replace")
        # one diagnostic per line: each prints on a line of its own
        summary = [f"docker buildx bake {' '.join(targets)} failed (exit {process.returncode}):"]
        summary += failure_summary(text).splitlines()
        raise BakegenError([Diagnostic(None, line, code="build-failed") for line in summary])
