"""BuildKit's Dockerfile checks for every image of a chain (`bakegen lint`, `check --lint`).

`docker buildx bake --call check` stops at a target whose named context is `target:<other>`
("unsupported context source target", buildx v0.36.1; docker/buildx#3343). bakegen knows
the graph, so the check run gets a bake file of its own (``render_check_bake``) in which
every `target:` link stands in for the image it names, tried in this order:

1. the linked image as built: its first tag, as bake would push it (``${REGISTRY}/...``);
2. the external base of its chain (the root's `from:`), when the builder cannot resolve
   that tag (never built or pushed, no access);
3. the image given with ``--stand-in``, when neither resolves.

An image built on an external reference is checked on it, or on the ``--stand-in`` when the
builder cannot resolve it. Whether a stand-in resolves is BuildKit's answer: the run says
"failed to resolve source metadata for <ref>" for the targets that did not, and those are
checked again with their next stand-in. A check on anything but the linked image itself
says so in a note: findings that depend on the parent's ENV or ARGs (UndefinedVar, ...)
may differ.

Severities mirror BuildKit's: a finding is a warning, unless the Dockerfile says
``# check=error=true`` (then the check fails, and its findings are errors), as a build
would fail. (`docker buildx bake --call check` itself exits 1 on any warning; ``strict``
gives that.) A check that BuildKit could not complete (a Dockerfile it cannot parse, a
base no stand-in resolves) is an error.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from bakegen import hcl
from bakegen.dockerfile import Dockerfiles
from bakegen.emit.bake import render_check_bake
from bakegen.errors import BakegenError, Diagnostic, Position
from bakegen.model import IMAGE, Image, Project, tag_has_registry
from bakegen.plan import outside_paths

DOCKER_IMAGE = "docker-image://"
CHECK_CALL = "check,format=json"


@dataclass(frozen=True)
class StandIn:
    """One candidate for a named context of the check run."""

    value: hcl.Value  # what the check bake file says (may hold ${REGISTRY})
    kind: str  # "built" (the linked image's tag), "root" (its chain's external base), "external", "given"
    image: str | None = None  # the image of this file that the context links to


@dataclass(frozen=True)
class CheckWarning:
    """One finding of BuildKit's checks, as `--call check,format=json` gives it."""

    rule: str
    detail: str
    description: str
    url: str
    line: int | None


@dataclass(frozen=True)
class CheckResult:
    """What the check run said of one target."""

    contexts: Mapping[str, str]  # the named contexts as bake resolved them (variables filled in)
    warnings: tuple[CheckWarning, ...] = ()
    error: str | None = None  # buildError: the check could not complete, or check=error=true
    error_line: int | None = None


@dataclass(frozen=True)
class Finding:
    """A finding, once per Dockerfile line, rule and detail, with every image it was found in."""

    file: str
    line: int | None
    rule: str
    detail: str
    description: str
    url: str
    severity: str
    images: tuple[str, ...]

    def diagnostic(self) -> Diagnostic:
        images = ("images " if len(self.images) > 1 else "image ") + ", ".join(self.images)
        return Diagnostic(
            Position(self.file, self.line),
            f"{self.rule}: {self.detail} ({images}; {self.url})",
            self.severity,
            code=f"lint:{self.rule}",
        )

    def as_json(self) -> dict:
        return {
            **self.diagnostic().as_json(),
            "rule": self.rule,
            "detail": self.detail,
            "description": self.description,
            "url": self.url,
            "images": list(self.images),
        }


@dataclass
class LintReport:
    checked: list[str]  # image ids, build order
    findings: list[Finding] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)  # checks that could not complete
    notes: list[Diagnostic] = field(default_factory=list)  # stand-ins in place of the real parent
    skipped: list[Diagnostic] = field(default_factory=list)  # no Dockerfile to check

    def diagnostics(self) -> list[Diagnostic]:
        return self.notes + self.skipped + self.problems + [f.diagnostic() for f in self.findings]

    def as_json(self) -> list[dict]:
        return [d.as_json() for d in self.notes + self.skipped + self.problems] + [f.as_json() for f in self.findings]


# --- the stand-ins --------------------------------------------------------------------------


def root_of(project: Project, image_id: str) -> Image:
    """The first image of the chain: the one built on an external reference."""
    image = project.images[image_id]
    while image.parent is not None:
        image = project.images[image.parent]
    return image


def stand_ins(project: Project, image: Image, given: str | None) -> dict[str, tuple[StandIn, ...]]:
    """For each named context of the image that the check run must replace or may need to,
    its candidates in order."""
    extra = (StandIn(image_context(given), "given"),) if given else ()
    result: dict[str, tuple[StandIn, ...]] = {}
    if image.parent is None:
        result["base"] = (StandIn(DOCKER_IMAGE + str(image.external_base), "external"), *extra)
    else:
        result["base"] = (*linked(project, image.parent), *extra)
    for name in sorted(image.contexts):
        named = image.contexts[name]
        if named.kind == IMAGE and named.image is not None:
            result[name] = (*linked(project, named.image), *extra)
    return result


def linked(project: Project, image_id: str) -> tuple[StandIn, ...]:
    """Stand-ins for `target:<image_id>`: its first tag, then its chain's external base."""
    image = project.images[image_id]
    built = (StandIn(tag_context(image.tags[0]), "built", image_id),) if image.tags else ()
    root = root_of(project, image_id)
    return (*built, StandIn(DOCKER_IMAGE + str(root.external_base), "root", image_id))


def tag_context(tag: str) -> hcl.Value:
    """The image a tag names, as a context, with ${REGISTRY} in front as in the bake file."""
    if tag_has_registry(tag):
        return DOCKER_IMAGE + tag
    return hcl.template(("lit", DOCKER_IMAGE), ("var", "REGISTRY"), ("lit", "/" + tag))


def image_context(ref: str) -> str:
    """--stand-in: an image reference, or any buildx context source (oci-layout://...)."""
    return ref if "://" in ref else DOCKER_IMAGE + ref


# --- reading the check run ------------------------------------------------------------------


def parse_check_output(text: str) -> dict[str, CheckResult]:
    """`docker buildx bake --call check,format=json`'s stdout: per target, its build
    configuration and the check's `warnings`, `buildError` and `sources`."""
    document = json.loads(text)
    results = {}
    for name, target in (document.get("target") or {}).items():
        check = target.get("check") or {}
        warnings = tuple(
            CheckWarning(
                rule=w.get("ruleName") or "",
                detail=w.get("detail") or "",
                description=w.get("description") or "",
                url=w.get("url") or "",
                line=_first_line(w.get("location")),
            )
            for w in check.get("warnings") or ()
        )
        error = check.get("buildError") or None
        results[name] = CheckResult(
            contexts=dict((target.get("build") or {}).get("contexts") or {}),
            warnings=warnings,
            error=(error.get("message") or check.get("error") or "unknown error") if error else None,
            error_line=_first_line(error.get("location")) if error else None,
        )
    return results


def _first_line(location: dict | None) -> int | None:
    for span in (location or {}).get("ranges") or ():
        line = (span.get("start") or {}).get("line")
        if isinstance(line, int) and line > 0:
            return line
    return None


UNRESOLVED = re.compile(r"failed to resolve source metadata for (\S+?): ")
VIOLATION = re.compile(r"^lint violation found for rules: (.+)$")


def unresolved_ref(error: str | None) -> str | None:
    """The image reference a check could not resolve, from its buildError."""
    match = UNRESOLVED.search(error or "")
    return match.group(1) if match else None


def violated_rules(error: str | None) -> frozenset[str] | None:
    """The rules that failed a check under `# check=error=true`; None for any other error."""
    match = VIOLATION.match((error or "").strip())
    return frozenset(r.strip() for r in match.group(1).split(",")) if match else None


def normalized(ref: str) -> str:
    """An image reference as the registry client names it: ubuntu:22.04 ->
    docker.io/library/ubuntu:22.04."""
    ref = ref.removeprefix(DOCKER_IMAGE)
    if not tag_has_registry(ref):
        ref = f"docker.io/{ref}" if "/" in ref else f"docker.io/library/{ref}"
    name = ref.split("@", 1)[0]
    if "@" not in ref and ":" not in name.rsplit("/", 1)[-1]:
        ref += ":latest"
    return ref


# --- the run --------------------------------------------------------------------------------


def lint(
    project: Project,
    image_ids: Sequence[str],
    *,
    builder: str | None = None,
    stand_in: str | None = None,
    dockerfiles: Dockerfiles | None = None,
    runner: Callable[[str, Sequence[str]], str] | None = None,
) -> LintReport:
    """BuildKit's checks for the images (build order): each finding once, with its images.
    runner(text, targets) -> stdout of the check run (``run_check`` by default)."""
    dockerfiles = dockerfiles or Dockerfiles(project.root)
    runner = runner or (lambda text, targets: run_check(project, text, targets, builder))
    report = LintReport(checked=[])
    candidates: dict[str, dict[str, tuple[StandIn, ...]]] = {}
    for image_id in image_ids:
        image = project.images[image_id]
        missing = _missing(project, image)
        if missing:
            report.skipped.append(
                Diagnostic(project.where("images", image_id, "dockerfile"), missing, code="lint-not-checked")
            )
            continue
        report.checked.append(image_id)
        candidates[image_id] = stand_ins(project, image, stand_in)

    chosen = {image_id: dict.fromkeys(contexts, 0) for image_id, contexts in candidates.items()}
    left: dict[str, dict[str, list[str]]] = {i: {} for i in candidates}  # what did not resolve, per context
    results: dict[str, CheckResult] = {}
    pending = list(report.checked)
    while pending:
        text = render_check_bake(project, pending, _values(candidates, chosen, pending))
        answers = parse_output(runner(text, pending), pending)
        retry = []
        for image_id in pending:
            result = answers[image_id]
            name = _unresolved_context(result, candidates[image_id])
            if name is not None and chosen[image_id][name] + 1 < len(candidates[image_id][name]):
                left[image_id].setdefault(name, []).append(result.contexts.get(name, "").removeprefix(DOCKER_IMAGE))
                chosen[image_id][name] += 1
                retry.append(image_id)
            else:
                results[image_id] = result
        pending = retry

    unresolved: dict[tuple[str, str, str], list[str]] = {}  # (context used, error, context) -> images
    # (context, its first candidate, what did not resolve, what stood in, its kind) -> images
    replaced: dict[tuple[str, StandIn, tuple[str, ...], str, str], list[str]] = {}
    for image_id in report.checked:
        result = results[image_id]
        failed = _unresolved_context(result, candidates[image_id])
        for name, index in chosen[image_id].items():
            used = result.contexts.get(name, "").removeprefix(DOCKER_IMAGE)
            stand_in_used = candidates[image_id][name][index]
            if name == failed:
                unresolved.setdefault((used, result.error or "", name), []).append(image_id)
            elif stand_in_used.kind in ("root", "given"):
                first = candidates[image_id][name][0]
                key = (name, first, tuple(left[image_id].get(name) or ()), used, stand_in_used.kind)
                replaced.setdefault(key, []).append(image_id)
        if result.error is not None and failed is None and violated_rules(result.error) is None:
            report.problems.append(
                Diagnostic(
                    Position(_shown(project, dockerfiles, image_id), result.error_line),
                    f"{image_id}: BuildKit's check failed: {result.error}",
                    code="lint-failed",
                )
            )
    report.notes = [_stand_in_note(project, *key, images) for key, images in replaced.items()]
    fix = "make it reachable from the builder" + ("" if stand_in else ", or pass --stand-in REF (an image it can pull)")
    for (used, error, name), images in unresolved.items():
        others = f" (nor were {', '.join(images[1:])}, for the same reason)" if images[1:] else ""
        report.problems.append(
            Diagnostic(
                project.where("images", images[0], "from" if name == "base" else "contexts"),
                f"{images[0]}: not checked: the builder could not resolve {used} ({error}){others}; {fix}",
                code="lint-unresolved",
            )
        )
    report.findings = _findings(project, dockerfiles, report.checked, results)
    return report


def _stand_in_note(
    project: Project, name: str, first: StandIn, tried: tuple[str, ...], used: str, kind: str, images: list[str]
) -> Diagnostic:
    """Images checked on something else than what they are built on, and why."""
    source = "the --stand-in image" if kind == "given" else "the external base of its chain"
    role = "" if name == "base" else f" as their context '{name}'"
    if first.image is None:  # an external base the builder cannot resolve
        others = f", as were {', '.join(images[1:])}" if images[1:] else ""
        return Diagnostic(
            project.where("images", images[0], "from"),
            f"{images[0]}: the builder could not resolve its base {tried[0]}; checked on {used} ({source}) "
            f"in its place{others}; findings that depend on the ENV or ARGs of {tried[0]} may differ",
            "note",
            code="lint-stand-in",
        )
    if first.kind == "built" and tried:
        why = f"the builder could not resolve its tag {tried[0]} (not built, or not pushed)"
        why += "".join(f", nor {ref}" for ref in tried[1:])
    else:
        why = "it has no tag to look up" + "".join(f"; the builder could not resolve {ref}" for ref in tried)
    return Diagnostic(
        project.where("images", first.image),
        f"{first.image}: {why}; {', '.join(images)} checked on {used} ({source}) in its place{role}; "
        f"findings that depend on the ENV or ARGs of {first.image} may differ",
        "note",
        code="lint-stand-in",
    )


def _missing(project: Project, image: Image) -> str | None:
    """Why the image has no Dockerfile to check (`bakegen check` says more), or None."""
    if not image.context_is_local or image.dockerfile_path is None:
        return None
    if not (project.root / image.context).is_dir():
        return f"{image.id}: not checked: its context '{image.context}' does not exist (see `bakegen check`)"
    if not (project.root / image.dockerfile_path).is_file():
        return f"{image.id}: not checked: its Dockerfile '{image.dockerfile_path}' does not exist (see `bakegen check`)"
    return None


def _values(
    candidates: Mapping[str, Mapping[str, tuple[StandIn, ...]]],
    chosen: Mapping[str, Mapping[str, int]],
    image_ids: Sequence[str],
) -> dict[str, dict[str, hcl.Value]]:
    return {i: {name: candidates[i][name][n].value for name, n in chosen[i].items()} for i in image_ids}


def parse_output(stdout: str, targets: Sequence[str]) -> dict[str, CheckResult]:
    try:
        results = parse_check_output(stdout)
    except (ValueError, AttributeError) as exc:
        raise BakegenError(
            Diagnostic(None, f"docker buildx bake --call {CHECK_CALL} printed no JSON ({exc})", code="lint-failed")
        ) from None
    missing = [t for t in targets if t not in results]
    if missing:
        raise BakegenError(
            Diagnostic(
                None,
                f"docker buildx bake --call {CHECK_CALL} said nothing of {', '.join(missing)}",
                code="lint-failed",
            )
        )
    return results


def _unresolved_context(result: CheckResult, candidates: Mapping[str, tuple[StandIn, ...]]) -> str | None:
    """The named context (one the check run replaced) whose image the builder could not resolve."""
    ref = unresolved_ref(result.error)
    if ref is None:
        return None
    for name in candidates:
        used = result.contexts.get(name, "")
        if used.startswith(DOCKER_IMAGE) and normalized(used) == normalized(ref):
            return name
    return None


def _shown(project: Project, dockerfiles: Dockerfiles, image_id: str) -> str:
    image = project.images[image_id]
    dockerfile = dockerfiles.get(image)
    return dockerfile.shown if dockerfile is not None else image.dockerfile


def _findings(
    project: Project, dockerfiles: Dockerfiles, image_ids: Sequence[str], results: Mapping[str, CheckResult]
) -> list[Finding]:
    """Each finding once per Dockerfile line, rule and detail (a Dockerfile serves several
    images), in file and line order."""
    merged: dict[tuple, list[str]] = {}
    details: dict[tuple, CheckWarning] = {}
    for image_id in image_ids:
        result = results[image_id]
        failed = violated_rules(result.error) or frozenset()
        for warning in result.warnings:
            severity = "error" if warning.rule in failed else "warning"
            key = (_shown(project, dockerfiles, image_id), warning.line, warning.rule, warning.detail, severity)
            merged.setdefault(key, []).append(image_id)
            details.setdefault(key, warning)
    findings = [
        Finding(file, line, rule, detail, details[key].description, details[key].url, severity, tuple(images))
        for key, images in merged.items()
        for file, line, rule, detail, severity in [key]
    ]
    return sorted(findings, key=lambda f: (f.file, f.line or 0, f.rule, f.detail))


def run_check(project: Project, text: str, targets: Sequence[str], builder: str | None) -> str:
    """`docker buildx bake -f - --call check,format=json TARGETS` with the bake file on stdin,
    in the folder of images.yaml (the file's paths are relative to it); its stdout. bake
    exits 1 whenever a check finds anything, so the exit status alone decides nothing:
    what matters is whether stdout holds the results.

    Not through python-on-whales: its bake() runs bake again with --print and returns that,
    never the output of `--call`."""
    argv = ["docker", "buildx", "bake", "-f", "-", "--call", CHECK_CALL, "--progress", "quiet"]
    if builder:
        argv += ["--builder", builder]
    for path in outside_paths(project, targets, project.root.resolve()):
        argv += ["--allow", f"fs.read={path}"]
    argv += ["--", *targets]
    try:
        completed = subprocess.run(
            argv, input=text, cwd=project.root, capture_output=True, text=True, env=dict(os.environ)
        )
    except FileNotFoundError:
        raise BakegenError(
            Diagnostic(
                None,
                "the docker CLI was not found; install it with the buildx plugin "
                "(scripts/buildkit-up does this for the tests)",
                code="no-docker",
            )
        ) from None
    if completed.stdout.lstrip().startswith("{"):
        return completed.stdout
    raise BakegenError(bake_failure(completed.returncode, completed.stderr, builder))


def bake_failure(status: int, stderr: str, builder: str | None) -> list[Diagnostic]:
    """What to say when the check run gave no results: the builder first, the usual cause."""
    errors = [line.strip() for line in stderr.splitlines() if line.strip().startswith(("ERROR", "error"))]
    text = " ".join(errors) or stderr.strip()[-2000:] or f"exit {status}"
    name = builder or os.environ.get("BUILDX_BUILDER")
    if re.search(r'no builder "[^"]*" found', text):
        return [
            Diagnostic(
                None,
                f"there is no buildx builder '{name}': create it (`docker buildx create --name {name} "
                "--driver remote unix:///path/to/buildkitd.sock`; scripts/buildkit-up provisions 'bakegen'), "
                "or pass --builder NAME of one that `docker buildx ls` lists",
                code="no-builder",
            )
        ]
    if "failed to connect to the docker API" in text or "Cannot connect to the Docker daemon" in text:
        which = f"builder '{name}'" if name else "the default buildx builder"
        return [
            Diagnostic(
                None,
                f"{which} does not answer ({text}); pass --builder NAME (or set BUILDX_BUILDER) to a builder "
                "that `docker buildx ls` shows running (scripts/buildkit-up provisions 'bakegen')",
                code="no-builder",
            )
        ]
    return [
        Diagnostic(None, f"docker buildx bake --call {CHECK_CALL} failed (exit {status}): {text}", code="lint-failed")
    ]


def lint_targets(project: Project, names: Sequence[str]) -> list[str]:
    """The images of the chains that end in the named images or groups (all: every image)."""
    if not names:
        return list(project.graph.order)
    return project.graph.closure(project.graph.expand(names))
