"""The command line: builds the argparse tree and hands each verb to bakegen.commands.<verb>.

Exit status: 0 ok, 1 invalid input / stale file / failed build, 2 usage error.
Problems the user can fix are printed as one message each, never as a traceback.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import signal
import sys

from bakegen import __version__
from bakegen.errors import BakegenError, UsageError

COMMANDS = {
    "generate": ("generate", "write docker-bake.hcl from images.yaml (the default)"),
    "check": ("check", "validate images.yaml, its files and Dockerfiles, and the Ascend version rules"),
    "list": ("list_images", "list images in build order"),
    "graph": ("graph", "print the image graph as a Mermaid flowchart"),
    "matrix": ("matrix", "print a CI build matrix as JSON"),
    "affected": (
        "affected",
        "list the images a change since a git ref affects (to rebuild, or with --tests to re-test)",
    ),
    "build": ("build", "regenerate if needed, then run `docker buildx bake`"),
    "merge": ("merge", "make each target's tags one multi-platform index of its per-platform digests"),
    "test": ("test", "run each image's checks in BuildKit (building what is missing) and report"),
    "save": ("save", "write docker-loadable tarballs (one per image and platform) with BuildKit, no Docker daemon"),
    "lint": ("lint", "run BuildKit's Dockerfile checks for every image of the chains (needs a builder)"),
    "import": ("import_compose", "convert the old dockerfile-compose.yaml into images.yaml"),
}


def _file_option(parser: argparse.ArgumentParser, default) -> None:
    parser.add_argument(
        "-f",
        "--file",
        default=default,
        metavar="FILE",
        help="images.yaml to read (default: the nearest images.yaml in this folder or above)",
    )


def _generate_options(parser: argparse.ArgumentParser, default) -> None:
    parser.add_argument(
        "-o",
        "--output",
        default=default,
        metavar="FILE",
        help="bake file to write (default: docker-bake.hcl beside images.yaml)",
    )


def _progress_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--progress",
        default="auto",
        choices=["auto", "plain", "tty", "quiet", "rawjson"],
        help="buildx progress output",
    )


def _var_option(parser: argparse.ArgumentParser, example: str = "REGISTRY=localhost:5000/me") -> None:
    parser.add_argument(
        "--var", action="append", default=[], metavar="NAME=VALUE", help=f"bake variable, e.g. {example}"
    )


def _lint_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--builder", metavar="NAME", help="buildx builder to run the checks on")
    parser.add_argument(
        "--stand-in",
        metavar="REF",
        help="image to check on where neither a parent's tag nor the external base of its chain "
        "resolves (e.g. a local copy of ubuntu:22.04)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bakegen",
        description="Turn images.yaml, a graph of layered images, into a BuildKit docker-bake.hcl.",
        epilog="Run without a command to generate docker-bake.hcl. Exit status: 0 ok, 1 invalid or stale, 2 usage.",
    )
    parser.add_argument("--version", action="version", version=f"bakegen {__version__}")
    parser.add_argument(
        "-f",
        "--file",
        dest="top_file",
        default=None,
        metavar="FILE",
        help="images.yaml to read (default: the nearest images.yaml in this folder or above)",
    )
    # Before a command, -o and --check are generate's (the default command); they are kept
    # apart so that `bakegen --check list` is an error rather than silently ignored.
    parser.add_argument(
        "-o",
        "--output",
        dest="top_output",
        default=None,
        metavar="FILE",
        help="bake file to write (default: docker-bake.hcl beside images.yaml)",
    )
    parser.add_argument(
        "--check",
        dest="top_check",
        action="store_true",
        help="write nothing; exit 1 with a diff if the bake file is not what would be generated",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    # Sub-commands repeat -f so it can follow the verb; SUPPRESS keeps a value given before it.
    keep = argparse.SUPPRESS

    p = sub.add_parser("generate", help=COMMANDS["generate"][1], description=COMMANDS["generate"][1])
    _file_option(p, keep)
    _generate_options(p, keep)
    p.add_argument("--check", action="store_true", default=keep, help="write nothing; exit 1 with a diff if stale")

    p = sub.add_parser("check", help=COMMANDS["check"][1], description=COMMANDS["check"][1])
    _file_option(p, keep)
    p.add_argument(
        "--json",
        action="store_true",
        help="print the findings as a JSON list (file, line, column, code, severity, message)",
    )
    p.add_argument("--strict", action="store_true", help="count warnings as errors (exit 1)")
    p.add_argument(
        "--lint", action="store_true", help="also run BuildKit's Dockerfile checks (as `bakegen lint`; needs a builder)"
    )
    _lint_options(p)

    p = sub.add_parser("lint", help=COMMANDS["lint"][1], description=COMMANDS["lint"][1])
    _file_option(p, keep)
    p.add_argument(
        "targets", nargs="*", metavar="TARGET", help="images or groups whose chains to check (default: all images)"
    )
    p.add_argument("--json", action="store_true", help="print the findings as a JSON list")
    p.add_argument("--strict", action="store_true", help="count warnings as errors (exit 1), as `--call check` does")
    _lint_options(p)

    p = sub.add_parser("list", help=COMMANDS["list"][1], description=COMMANDS["list"][1])
    _file_option(p, keep)
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("graph", help=COMMANDS["graph"][1], description=COMMANDS["graph"][1])
    _file_option(p, keep)
    p.add_argument(
        "-o", "--output", default=keep, metavar="FILE", help="write to FILE (.md wraps it in a mermaid block)"
    )

    p = sub.add_parser("matrix", help=COMMANDS["matrix"][1], description=COMMANDS["matrix"][1])
    _file_option(p, keep)
    p.add_argument("targets", nargs="*", metavar="TARGET", help="images or groups to include (default: all)")
    p.add_argument("--leaves", action="store_true", help="only images nothing else builds on")
    p.add_argument(
        "--waves", action="store_true", help="print the build waves (a list of lists) instead; not with --leaves"
    )
    p.add_argument(
        "--split-platforms",
        action="store_true",
        help="one job per (target, platform), with a runner hint `arch` and a job-safe `name`; "
        "with --waves, waves of such jobs",
    )
    p.add_argument("--compact", action="store_true", help="one line (for $GITHUB_OUTPUT)")
    p.add_argument(
        "--affected-since",
        metavar="REF",
        help="only the images affected since the git ref REF (see `bakegen affected`); an empty matrix stays valid JSON",
    )

    p = sub.add_parser(
        "affected",
        help=COMMANDS["affected"][1],
        description="Print the images affected since the git ref REF, one per line, in build order: REF's commit "
        "is compared with the working tree as it is now (committed, staged, unstaged and untracked changes; "
        "files git ignores are not seen). An image is affected when its images.yaml entry changed by meaning, "
        "a file it reads changed (its Dockerfile, what the Dockerfile copies or mounts from the context, a local "
        "named context, its inputs: globs), the compat: section judges it differently, or an image it is built on "
        "is affected.",
    )
    _file_option(p, keep)
    p.add_argument("targets", nargs="*", metavar="TARGET", help="only these images or groups (default: all)")
    p.add_argument("--since", required=True, metavar="REF", help="git ref to compare with: a branch, tag or commit")
    p.add_argument(
        "--tests",
        action="store_true",
        help="list the images whose checks must run again: the affected ones, and those whose tests:, "
        "skip-tests: or service: (or an ancestor's) changed",
    )
    p.add_argument("--why", action="store_true", help="print why each image is affected: '<id>: <reason>'")

    p = sub.add_parser("build", help=COMMANDS["build"][1], description=COMMANDS["build"][1])
    _file_option(p, keep)
    _generate_options(p, keep)
    p.add_argument("targets", nargs="*", metavar="TARGET", help="images or groups to build (default: default)")
    p.add_argument("--push", action="store_true", help="push the images (bake --push)")
    p.add_argument("--load", action="store_true", help="load the images into docker (bake --load)")
    p.add_argument("--builder", metavar="NAME", help="buildx builder to use")
    p.add_argument(
        "--set", action="append", default=[], metavar="K=V", help="bake override, e.g. '*.platform=linux/arm64'"
    )
    _var_option(p)
    p.add_argument("--call", metavar="METHOD", help="bake evaluation method instead of building, e.g. check")
    p.add_argument("--print", action="store_true", help="print the resolved bake configuration, build nothing")
    _progress_option(p)
    p.add_argument("--no-cache", action="store_true", help="do not use the build cache")
    p.add_argument("--metadata-file", metavar="FILE", help="write buildx's result metadata to FILE")
    p.add_argument("--platform", metavar="P", help="build the targets for this one platform, e.g. linux/arm64")
    p.add_argument(
        "--push-by-digest",
        action="store_true",
        help="push the targets under no tag (with --platform and --metadata-file), for `bakegen merge`",
    )
    p.add_argument("--force", action="store_true", help="build even when Ascend version rules fail")

    p = sub.add_parser("merge", help=COMMANDS["merge"][1], description=COMMANDS["merge"][1])
    _file_option(p, keep)
    p.add_argument("targets", nargs="+", metavar="TARGET", help="images or groups whose tags to make")
    p.add_argument(
        "--metadata-dir",
        required=True,
        metavar="DIR",
        help="the per-platform jobs' metadata files (*.json, in DIR or its subfolders)",
    )
    _var_option(p)
    p.add_argument("--builder", metavar="NAME", help="buildx builder to use")
    p.add_argument("--dry-run", action="store_true", help="print the imagetools commands, push nothing")

    p = sub.add_parser("test", help=COMMANDS["test"][1], description=COMMANDS["test"][1])
    _file_option(p, keep)
    _generate_options(p, keep)
    p.add_argument("targets", nargs="*", metavar="TARGET", help="images or groups to test (default: all)")
    p.add_argument("--builder", metavar="NAME", help="buildx builder to use")
    p.add_argument("--platform", metavar="P", help="test only this platform, e.g. linux/amd64")
    _progress_option(p)
    p.add_argument("--json", action="store_true", help="print the results as JSON (for CI)")
    p.add_argument("--force", action="store_true", help="build and test even when Ascend version rules fail")

    p = sub.add_parser("save", help=COMMANDS["save"][1], description=COMMANDS["save"][1])
    _file_option(p, keep)
    _generate_options(p, keep)
    p.add_argument("targets", nargs="*", metavar="TARGET", help="images or groups to save")
    p.add_argument("--dest", required=True, metavar="DIR", help="folder for the tarballs (created if missing)")
    p.add_argument("--builder", metavar="NAME", help="buildx builder to use")
    _var_option(p, "REGISTRY=swr.cn-southwest-2.myhuaweicloud.com/my-org (the tags in the tarballs)")
    _progress_option(p)
    p.add_argument("--force", action="store_true", help="build even when Ascend version rules fail")

    p = sub.add_parser("import", help=COMMANDS["import"][1], description=COMMANDS["import"][1])
    p.add_argument("compose_file", metavar="dockerfile-compose.yaml", help="the old build.py configuration")
    p.add_argument(
        "-o", "--output", default="images.yaml", metavar="FILE", help="where to write (default: images.yaml)"
    )
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.add_argument(
        "--rewrite-dockerfiles",
        action="store_true",
        help="print, as a unified diff, the edits that make the Dockerfiles follow the FROM convention "
        "(ARG BASE_IMAGE=base, FROM ${BASE_IMAGE}); they build unedited too",
    )
    p.add_argument("--write", action="store_true", help="with --rewrite-dockerfiles: apply the edits")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "generate"
    if args.top_check and command != "generate":
        parser.error(f"--check goes with generating the bake file, not with `{command}`")
    # An option given before and after the command must not mean two things.
    for flag, top, after in (
        ("-f", args.top_file, getattr(args, "file", None)),
        ("-o", args.top_output, getattr(args, "output", None)),
    ):
        if top is not None and after is not None and top != after:
            parser.error(
                f"{flag} is given twice with different values ({top!r} before `{command}`, {after!r} after it)"
            )
    if command != "import":
        args.file = getattr(args, "file", None) or args.top_file
    if args.top_output is not None:
        if command not in ("generate", "build", "test", "save"):
            parser.error(f"-o before a command is the bake file's; give `{command}` its own options after it")
        if getattr(args, "output", None) is None:
            args.output = args.top_output
    if command == "matrix" and args.leaves and args.waves:
        parser.error(
            "--leaves and --waves do not go together: waves list every image a build needs, "
            "leaves only the last ones; pick one (`matrix --waves LEAF...` gives the waves that build those leaves)"
        )
    if command == "check" and not args.lint and (args.builder or args.stand_in):
        parser.error("--builder and --stand-in go with `check --lint`")
    if command == "generate":
        args.check = getattr(args, "check", False) or args.top_check
        args.output = getattr(args, "output", None)
    if command in ("build", "graph", "test", "save"):
        args.output = getattr(args, "output", None)
    module = importlib.import_module(f"bakegen.commands.{COMMANDS[command][0]}")
    for stream in (sys.stdout, sys.stderr):
        # non-ASCII names on a terminal that is not UTF-8 (LANG=C): escaped, not a traceback
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    # A short-lived process: the collector's passes over the loaded graph cost more than the
    # few cycles they would free (a second at 10,000 images). Restored for in-process callers.
    collecting = gc.isenabled()
    gc.disable()
    # SIGTERM cleans up (temporary files, the build's children) the way Ctrl-C does.
    previous = signal.signal(signal.SIGTERM, _interrupt) if _main_thread() else None
    try:
        return module.run(args)
    except UsageError as exc:
        for diagnostic in exc.diagnostics:
            print(f"bakegen {command}: {diagnostic.message}", file=sys.stderr)
        return 2
    except BakegenError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic, file=sys.stderr)
        return 1
    except Terminated:
        print("bakegen: terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("bakegen: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    finally:
        if collecting:
            gc.enable()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, so that cleanup runs as for Ctrl-C."""


def _interrupt(signum, frame) -> None:
    raise Terminated()


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()
