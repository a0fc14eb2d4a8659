"""The checks `bakegen test` runs in each image, and the inline Dockerfile that runs them.

An image's checks are, in this order:
- the ``tests:`` of its ancestors and its own (a child keeps its parent's promises);
- the checks bakegen generates from what images.yaml and the Dockerfiles say: the Python
  version and ``pip check`` (PYTHON_VERSION), the installed versions of the pinned
  distributions (TORCH_VERSION, TORCH_NPU_VERSION, ...), numpy's major under CANN 8.x, the
  ModelArts user, CANN's set_env.sh scripts, its home folder and no installer left, and the
  health path of a ``service:``;
less those that ``skip-tests:`` of the image or of an ancestor switches off (reported as
skipped, with where). Everything is resolved once per image, in build order, from the
parent's result (as ``bakegen.rules`` resolves the facts).

Each check runs in a stage of its own on the image (so with its USER, WORKDIR and ENV),
through its ENTRYPOINT (``ENTRYPOINT... /bin/sh -c RUN``, as ``docker run IMAGE sh -c RUN``),
without network. A small runner records the exit code, the output, the machine and the id
of the run (a secret: not part of the cache key) under /tmp/bakegen-test/<check>/; the
last stage copies those folders into the result that ``bakegen test`` exports. A check
never fails its RUN step, so every check runs; bakegen judges the results on the host
(``judge``). A check whose image and script did not change is a cached step, and its
recorded run id is the one of the run that executed it: that is how "cached" is told.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from bakegen import versions
from bakegen.dockerfile import Dockerfiles
from bakegen.errors import Diagnostic, Position, did_you_mean
from bakegen.model import Image, Project, Service
from bakegen.rules import Setting, image_facts, numpy_limit_reason
from bakegen.runconfig import RunConfig, resolve_run_configs

RUN_SECRET = "bakegen-test-run"  # the id of the run, as a BuildKit secret
RUN_VARIABLE = "BAKEGEN_TEST_RUN"  # ... read from this environment variable
RESULTS = "/tmp/bakegen-test"  # inside the image: one folder per check
RUNNER = "/tmp/bakegen-run-check"
SCRIPT = "/tmp/bakegen-check"
GENERATED = "generated"


@dataclass(frozen=True)
class Check:
    name: str
    run: str  # what the report shows: the shell command, or what a generated check does
    expect: str | None  # a Python regular expression the output must contain
    exit: int
    origin: str  # "tests of <image>" or "generated"
    why: str  # what it proves, or where it is written
    script: str  # the sh script the runner starts
    timeout: int


@dataclass(frozen=True)
class Skip:
    check: Check
    by: str  # the image whose skip-tests switched it off
    position: Position


@dataclass(frozen=True)
class ImageChecks:
    image: str
    checks: tuple[Check, ...]  # to run
    skipped: tuple[Skip, ...]
    tests: tuple[Check, ...]  # the tests: of the image and its ancestors, skipped or not
    skips: Mapping[str, tuple[str, Position]]  # name -> (image, where), the image's and its ancestors'
    service: Service | None


@cache
def facts() -> dict:
    return yaml.safe_load(resources.files("bakegen").joinpath("data/checks.yaml").read_text("utf-8"))


def resolve_checks(
    project: Project, dockerfiles: Dockerfiles, configs: Mapping[str, RunConfig] | None = None
) -> tuple[dict[str, ImageChecks], list[Diagnostic]]:
    """image id -> its checks; and the problems: a test named like another check of the
    image, a skip-tests entry that names no check. configs: resolve_run_configs', if at hand."""
    data = facts()
    image_facts_ = image_facts(project, dockerfiles)
    configs = configs if configs is not None else resolve_run_configs(project, dockerfiles)
    resolved: dict[str, ImageChecks] = {}
    problems: list[Diagnostic] = []
    for image_id in project.graph.order:
        image = project.images[image_id]
        parent = resolved.get(image.parent) if image.parent else None
        config = configs[image_id]
        service = image.service or (parent.service if parent else None)
        generated = generated_checks(project, image, image_facts_[image_id], config, service, data)
        taken = {check.name: check for check in generated}
        tests = []
        for check in parent.tests if parent else ():
            if check.name in taken:  # a check this image adds (a fact set here) has the same name
                problems.append(
                    Diagnostic(
                        image.position,
                        f"{image_id}: the test '{check.name}' it inherits ({check.why}) has the name of a check "
                        f"bakegen generates for {image_id}; rename that test",
                        code="duplicate-test-name",
                    )
                )
                continue
            taken[check.name] = check
            tests.append(check)
        for test in image.tests:
            if test.name in taken:
                other = taken[test.name]
                whose = "a generated check" if other.origin == GENERATED else f"a test of {other.origin.split()[-1]}"
                problems.append(
                    Diagnostic(
                        test.position,
                        f"{image_id}: test '{test.name}' has the name of {whose} of this image; a child keeps "
                        "its parent's tests: switch that one off with skip-tests and name this one differently",
                        code="duplicate-test-name",
                    )
                )
                continue
            check = user_check(image_id, test.name, test.run, test.expect, test.exit, config, data, str(test.position))
            taken[check.name] = check
            tests.append(check)
        skips = dict(parent.skips) if parent else {}
        for name, where in image.skip_tests:
            if name not in taken and name not in skips:
                problems.append(
                    Diagnostic(
                        where,
                        f"{image_id}: skip-tests names '{name}', which is no check of this image"
                        f"{did_you_mean(name, taken)} (its checks: {', '.join(taken) or 'none'})",
                        code="unknown-test",
                    )
                )
                continue
            skips.setdefault(name, (image_id, where))
        every = [*tests, *generated]
        resolved[image_id] = ImageChecks(
            image=image_id,
            checks=tuple(c for c in every if c.name not in skips),
            skipped=tuple(Skip(c, *skips[c.name]) for c in every if c.name in skips),
            tests=tuple(tests),
            skips=skips,
            service=service,
        )
    return resolved, problems


# --- the checks ------------------------------------------------------------------------------


def _through_entrypoint(config: RunConfig, command: str) -> str:
    """The script that runs command as `docker run IMAGE sh -c COMMAND` would."""
    return _exec_script(config.entrypoint or (), command)


@cache
def _exec_script(entrypoint: tuple[str, ...], command: str) -> str:
    # Images mostly share an entrypoint and their checks' commands: quoting is done once each.
    return "exec " + " ".join(shlex.quote(w) for w in (*entrypoint, "/bin/sh", "-c", command)) + "\n"


def user_check(
    image_id: str, name: str, run: str, expect: str | None, exit: int, config: RunConfig, data: dict, where: str
) -> Check:
    return Check(
        name=name,
        run=run,
        expect=expect,
        exit=exit,
        origin=f"tests of {image_id}",
        why=where,
        script=_through_entrypoint(config, run),
        timeout=data["check_timeout"],
    )


def _generated(name: str, run: str, why: str, config: RunConfig, data: dict, expect: str | None = None) -> Check:
    return _generated_check(name, run, why, config.entrypoint or (), expect, data["check_timeout"])


@cache
def _generated_check(
    name: str, run: str, why: str, entrypoint: tuple[str, ...], expect: str | None, timeout: int
) -> Check:
    # Images of one subtree mostly have the same checks: one (immutable) Check serves them all.
    return Check(name, run, expect, 0, GENERATED, why, _exec_script(entrypoint, run), timeout)


@cache
def _distribution_version(distribution: str) -> str:
    program = f'from importlib.metadata import version; print("{distribution}", version("{distribution}"))'
    return f"python3 -c {shlex.quote(program)}"


def generated_checks(
    project: Project,
    image: Image,
    image_facts_: Mapping[str, Setting],
    config: RunConfig,
    service: Service | None,
    data: dict,
) -> list[Check]:
    checks: list[Check] = []
    python = image_facts_.get("python")
    if python is not None:
        line = ".".join(python.value.split(".")[:2])
        checks.append(
            _generated(
                "python-version",
                "python3 --version",
                f"PYTHON_VERSION={python.value} ({python.image})",
                config,
                data,
                expect=rf"^Python {re.escape(line)}(\.|\s|$)",
            )
        )
        checks.append(_generated("pip-check", "python3 -m pip check", "pip's requirements are met", config, data))
    for fact, distribution in data["distributions"].items():
        pin = image_facts_.get(fact)
        version = _pinned_version(fact, pin) if pin is not None else None
        if pin is None or version is None:
            continue
        public = versions.public(version)
        checks.append(
            _generated(
                f"{distribution.replace('_', '-')}-version",
                _distribution_version(distribution),
                f"{pin.arg}={version} ({pin.image}), a local label such as +cpu aside",
                config,
                data,
                expect=rf"^{re.escape(distribution)} {re.escape(public)}(\+[0-9A-Za-z.]+)?$",
            )
        )
    cann = _cann(project, image_facts_)
    if cann is not None:
        limit = project.compat.numpy_limit(cann)
        if limit is not None and limit < 9:
            checks.append(
                _generated(
                    f"numpy-below-{limit + 1}",
                    _distribution_version("numpy"),
                    f"CANN {cann} needs numpy<{limit + 1} ({numpy_limit_reason(cann, limit)})",
                    config,
                    data,
                    expect=rf"^numpy [0-{limit}]\.",
                )
            )
    user = data["modelarts_user"]
    application = project.graph.layer(image.id) == "application"
    if application or (config.user is not None and config.user.value.split(":")[0] in (user["name"], str(user["uid"]))):
        checks.append(
            _generated(
                user["name"],
                f"getent passwd {user['name']} || grep '^{user['name']}:' /etc/passwd",
                f"ModelArts runs containers as {user['name']}, uid {user['uid']}, gid {user['gid']}, "
                f"home {user['home']}",
                config,
                data,
                expect=rf"^{re.escape(user['name'])}:[^:]*:{user['uid']}:{user['gid']}:[^:]*:{re.escape(user['home'])}:",
            )
        )
    if application:
        checks.append(
            _generated(
                f"runs-as-{user['name']}",
                'id -un; id -u; id -g; echo "HOME=$HOME"',
                f"an application image runs as {user['name']}",
                config,
                data,
                expect=rf"^{re.escape(user['name'])}\n{user['uid']}\n{user['gid']}\nHOME={re.escape(user['home'])}$",
            )
        )
    if cann is not None:
        checks.extend(_cann_checks(image_facts_, config, data))
    if service is not None:
        checks.append(_service_check(service, config))
    return checks


def _pinned_version(fact: str, pin: Setting) -> str | None:
    """The version the installed distribution must have; None when there is none to compare.
    numpy: only NUMPY_VERSION as one version, which bakegen.rules keeps as the specifier set
    "==1.26.4" (its first group; a Dockerfile's pins may follow), never the Dockerfile's pins."""
    if fact != "numpy":
        return pin.value
    if pin.arg == "dockerfile":
        return None
    version = (pin.groups or (pin.value,))[0].removeprefix("==")  # "===X" leaves "=X": no version
    return version if versions.parse(version) is not None else None


def _cann(project: Project, image_facts_: Mapping[str, Setting]) -> str | None:
    """The CANN release in the image: CANN_VERSION along the chain, else the one of its vllm-ascend base."""
    cann = image_facts_.get("cann")
    if cann is not None:
        return cann.value
    vllm = image_facts_.get("vllm_ascend")
    stack = project.compat.vllm_ascend_stack(vllm.value) if vllm else None
    return stack.cann if stack else None


def _cann_checks(image_facts_: Mapping[str, Setting], config: RunConfig, data: dict) -> list[Check]:
    installed = image_facts_.get("installed_components")
    components = [name for name, _ in installed.origins] if installed else ["toolkit"]
    scripts = [data["set_env"][c] for c in components if c in data["set_env"]]
    entrypoint = config.entrypoint
    if not entrypoint:
        body = (
            f"echo 'the image has no ENTRYPOINT: nothing sources {' '.join(scripts)} when a container starts'\nexit 1"
        )
    else:
        body = "\n".join(
            [
                f"entrypoint={shlex.quote(' '.join(entrypoint))}",
                f"program={shlex.quote(entrypoint[0])}",
                "status=0",
                f"for script in {' '.join(shlex.quote(s) for s in scripts)}; do",
                '    if [ -r "$script" ]; then echo "$script: present"; else echo "$script: missing"; status=1; fi',
                '    if printf "%s\\n" "$entrypoint" | grep -qF "$script" ||'
                ' { [ -f "$program" ] && grep -qF "$script" "$program"; }; then',
                '        echo "$script: sourced by the entrypoint ($program)"',
                "    else",
                '        echo "$script: the entrypoint ($program) does not source it"; status=1',
                "    fi",
                "done",
                "exit $status",
            ]
        )
    homes = data["ascend_home"]
    home = "\n".join(
        [
            "found=",
            "status=0",
            f"for name in {' '.join(homes)}; do",
            '    eval "value=\\${$name:-}"',
            '    [ -n "$value" ] || continue',
            "    found=1",
            '    if [ -d "$value" ]; then echo "$name=$value"; else echo "$name=$value: no such folder"; status=1; fi',
            "done",
            f'[ -n "$found" ] || {{ echo "none of {", ".join(homes)} is set"; exit 1; }}',
            "exit $status",
        ]
    )
    installers = "\n".join(
        [
            "found=$(find / -xdev \\( -path /proc -o -path /sys -o -path /dev \\) -prune"
            " -o -type f -name '*.run' -print 2>/dev/null)",
            'if [ -n "$found" ]; then echo "installers left in the image:"; echo "$found"; exit 1; fi',
            "echo 'no .run file in the image'",
        ]
    )
    return [
        _generated(
            "cann-set-env",
            body,
            "the set_env.sh of the installed CANN components exist and the ENTRYPOINT sources them",
            config,
            data,
        ),
        _generated(
            "ascend-home",
            home,
            f"{' or '.join(homes)} names an existing folder once the entrypoint ran",
            config,
            data,
        ),
        _generated("no-cann-installer", installers, "no .run installer is left in a layer", config, data),
    ]


def _service_check(service: Service, config: RunConfig) -> Check:
    """Starts the image's CMD through its ENTRYPOINT, as a container starts, and waits for the
    health path to answer 2xx. Not run through the entrypoint itself: it starts it."""
    command = [*(config.entrypoint or ()), *(config.cmd or ())]
    url = f"http://127.0.0.1:{service.port}{service.health}"
    run = f"{' '.join(command) or '(no command)'} & then GET {url} within {service.timeout} s"
    if not command:
        script = "echo 'the image has neither ENTRYPOINT nor CMD: nothing to start'\nexit 1\n"
    else:
        script = (
            "\n".join(
                [
                    f"url={shlex.quote(url)}",
                    f"port={service.port}",
                    f"path={shlex.quote(service.health)}",
                    "log=/tmp/bakegen-service.log",
                    " ".join(shlex.quote(w) for w in command) + ' > "$log" 2>&1 &',
                    "pid=$!",
                    f"deadline=$(( $(date +%s) + {service.timeout} ))",
                    "get() {",
                    "    if command -v curl >/dev/null 2>&1; then",
                    "        curl -fsS --noproxy '*' -m 5 -w '\\nHTTP %{http_code}\\n' \"$url\" 2>&1",
                    "    elif command -v wget >/dev/null 2>&1; then",
                    '        wget -q -T 5 -O - "$url" 2>&1',
                    "    elif command -v python3 >/dev/null 2>&1; then",
                    "        python3 -c 'import sys, urllib.request as u; r = u.build_opener(u.ProxyHandler({}))"
                    '.open(sys.argv[1], timeout=5); print(r.read().decode(errors="replace")[:500]);'
                    ' print("HTTP", r.status)\''
                    ' "$url" 2>&1',
                    "    elif command -v bash >/dev/null 2>&1; then",
                    "        bash -c 'exec 3<>/dev/tcp/127.0.0.1/'\"$port\"' || exit 1; printf \"GET %s HTTP/1.0\\r\\n"
                    'Host: 127.0.0.1\\r\\n\\r\\n" "$1" >&3; status=$(head -n 1 <&3); echo "$status";'
                    ' case "$status" in "HTTP/"*" 2"*) exit 0;; *) exit 1;; esac\' - "$path" 2>&1',
                    "    else",
                    "        echo 'no HTTP client in the image (curl, wget, python3 or bash)'; return 2",
                    "    fi",
                    "}",
                    'while [ "$(date +%s)" -lt "$deadline" ]; do',
                    '    if ! kill -0 "$pid" 2>/dev/null; then',
                    '        echo "the service exited before $url answered; its output:"; tail -n 40 "$log"; exit 1',
                    "    fi",
                    "    if answer=$(get); then",
                    '        echo "GET $url:"; echo "$answer" | tail -n 5',
                    '        kill "$pid" 2>/dev/null; exit 0',
                    '    elif [ $? -eq 2 ]; then echo "$answer"; kill "$pid" 2>/dev/null; exit 1',
                    "    fi",
                    "    sleep 1",
                    "done",
                    f'echo "no answer from $url within {service.timeout} s; last attempt: $answer"',
                    "echo 'the service printed:'; tail -n 40 \"$log\"",
                    'kill "$pid" 2>/dev/null',
                    "exit 1",
                ]
            )
            + "\n"
        )
    return Check(
        name="service-health",
        run=run,
        expect=None,
        exit=0,
        origin=GENERATED,
        why=f"service: port {service.port}, health {service.health}",
        script=script,
        timeout=service.timeout + 30,
    )


# --- the inline Dockerfile -----------------------------------------------------------------------

_RUNNER = f"""#!/bin/sh
# bakegen test: runs one check ({SCRIPT}) as the image's user and records its exit code,
# its output, the machine and the run it belongs to in {RESULTS}/<check>/.
name=$1
limit=$2
out={RESULTS}/$name
mkdir -p "$out" || exit 1
cat /run/secrets/{RUN_SECRET} > "$out/run" 2>/dev/null || : > "$out/run"
uname -m > "$out/machine" 2>/dev/null
start=$(date +%s)
if command -v timeout >/dev/null 2>&1; then
    timeout -k 10 "$limit" /bin/sh {SCRIPT} > "$out/output" 2>&1 < /dev/null
else
    /bin/sh {SCRIPT} > "$out/output" 2>&1 < /dev/null
fi
echo $? > "$out/exit"
echo $(( $(date +%s) - start )) > "$out/seconds"
exit 0
"""


def _delimiter(*texts: str) -> str:
    word = "BAKEGEN_EOF"
    n = 0
    while any(word in text.split("\n") for text in texts):
        n += 1
        word = f"BAKEGEN_EOF_{n}"
    return word


def inline_dockerfile(image_checks: ImageChecks) -> str:
    """The inline Dockerfile of the image's test target: its named context `image` is the image.
    It names no image, so images with the same checks have the same text (a bake file holds
    it once: ``bakegen.emit.bake``)."""
    return _inline_dockerfile(tuple((c.name, c.script, c.timeout) for c in image_checks.checks))


@cache
def _inline_dockerfile(checks: tuple[tuple[str, str, int], ...]) -> str:
    lines = [
        "# bakegen test: each check in a stage of its own on the image (its USER, WORKDIR, ENV),",
        "# through its ENTRYPOINT, without network. Exit codes and outputs are recorded in",
        f"# {RESULTS}/<check>/ and exported; bakegen judges them.",
        "FROM scratch AS bakegen-runner",
    ]
    end = _delimiter(_RUNNER, *(script for _, script, _ in checks))
    lines += [f"COPY --chmod=0755 <<'{end}' /run-check", _RUNNER.rstrip("\n"), end]
    for name, script, _ in checks:
        lines += [f"COPY <<'{end}' /checks/{name}", script.rstrip("\n"), end]
    for n, (name, _, timeout) in enumerate(checks, 1):
        lines += [
            f"FROM image AS check-{n}",
            "RUN --network=none \\",
            f"    --mount=type=bind,from=bakegen-runner,source=/run-check,target={RUNNER} \\",
            f"    --mount=type=bind,from=bakegen-runner,source=/checks/{name},target={SCRIPT} \\",
            f"    --mount=type=secret,id={RUN_SECRET},mode=0444,required=false \\",
            f'    ["{RUNNER}", "{name}", "{timeout}"]',
        ]
    lines.append("FROM scratch")
    lines += [f"COPY --from=check-{n} {RESULTS}/ /" for n in range(1, len(checks) + 1)]
    return "\n".join(lines) + "\n"


# --- results -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    image: str
    platform: str
    check: Check | None  # None for a skipped one: see skip
    status: str  # "pass", "fail" or "skipped"
    cached: bool
    exit: int | None = None  # None: no result recorded, or timed out
    output: str = ""
    reason: str = ""  # why it failed
    skip: Skip | None = None


def read_result(folder: Path) -> tuple[int | None, str, str, str] | None:
    """(exit, output, run id, machine) of one check's folder, None when it recorded nothing."""
    if not (folder / "exit").is_file():
        return None

    def text(name: str) -> str:
        try:
            return (folder / name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    raw = text("exit").strip()
    return (int(raw) if raw.isdigit() else None), text("output"), text("run").strip(), text("machine").strip()


def judge(image: str, platform: str, check: Check, recorded, run_id: str) -> Result:
    if recorded is None:
        return Result(image, platform, check, "fail", False, reason="no result was recorded")
    exit_code, output, run, _ = recorded
    cached = run != run_id
    reasons = []
    if exit_code == 124 or exit_code == 137:
        reasons.append(f"timed out after {check.timeout} s (exit {exit_code})")
    elif exit_code != check.exit:
        reasons.append(f"exit {exit_code}, expected {check.exit}")
    if check.expect is not None and re.search(check.expect, output, re.MULTILINE) is None:
        reasons.append(f"the output does not match /{check.expect}/")
    return Result(image, platform, check, "fail" if reasons else "pass", cached, exit_code, output, "; ".join(reasons))
