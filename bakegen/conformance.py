"""What ModelArts expects of an image that can be seen without building it, for `bakegen check`.

Warnings (errors under `check --strict`), each where it can be fixed:
- an application image whose last USER along its Dockerfiles is not ma-user (ModelArts
  starts containers as uid 1000);
- an image with a ``service:`` whose Dockerfiles never EXPOSE its port;
- a build arg whose name reads as a credential (a whole word PASSWORD, PASSWD, TOKEN, SECRET,
  AK or SK, or a name ending in _KEY): build args stay in the image's history and in the
  build's provenance; a secret does not.
The same facts are checked in the built image by `bakegen test` (bakegen.imagetests).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bakegen.dockerfile import Dockerfiles
from bakegen.errors import Diagnostic, Position
from bakegen.imagetests import ImageChecks, facts
from bakegen.model import Project
from bakegen.runconfig import RunConfig

CREDENTIAL_WORDS = ("PASSWORD", "PASSWD", "TOKEN", "SECRET", "AK", "SK")


def looks_like_credential(name: str) -> bool:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", name.upper()) if w]
    return any(w in CREDENTIAL_WORDS for w in words) or (len(words) > 1 and words[-1] == "KEY")


def conformance_problems(
    project: Project, dockerfiles: Dockerfiles, configs: Mapping[str, RunConfig], checks: Mapping[str, ImageChecks]
) -> list[Diagnostic]:
    return [
        *_users(project, configs),
        *_exposed(project, configs, checks),
        *_credential_args(project, dockerfiles),
    ]


def _users(project: Project, configs: Mapping[str, RunConfig]) -> list[Diagnostic]:
    user = facts()["modelarts_user"]
    accepted = (user["name"], str(user["uid"]))
    problems = []
    for image_id in project.graph.order:
        if project.graph.layer(image_id) != "application":
            continue
        last = configs[image_id].user
        if last is None:
            problems.append(
                Diagnostic(
                    project.images[image_id].position,
                    f"{image_id}: no USER along its Dockerfiles, so it runs as its base image's user (root unless "
                    f"the base sets one); ModelArts starts containers as {user['name']} (uid {user['uid']}): "
                    f"end its Dockerfile with USER {user['name']}",
                    severity="warning",
                    code="not-ma-user",
                )
            )
        elif last.value.split(":")[0] not in accepted:
            problems.append(
                Diagnostic(
                    last.position,
                    f"{image_id}: the application image's last USER is '{last.value}'; ModelArts starts containers "
                    f"as {user['name']} (uid {user['uid']}, gid {user['gid']}): end with USER {user['name']}",
                    severity="warning",
                    code="not-ma-user",
                )
            )
    return problems


def _exposed(project: Project, configs: Mapping[str, RunConfig], checks: Mapping[str, ImageChecks]) -> list[Diagnostic]:
    problems = []
    for image_id in project.graph.order:
        service = checks[image_id].service
        if service is None or configs[image_id].exposes(service.port):
            continue
        chain = " -> ".join(project.graph.ancestors(image_id) + [image_id])
        own = project.images[image_id].service is not None
        problems.append(
            Diagnostic(
                project.where("images", image_id, "service", "port") if own else project.images[image_id].position,
                f"{image_id}: its service listens on port {service.port}, but no Dockerfile of its chain ({chain}) "
                f"says EXPOSE {service.port}; add it to its Dockerfile (ModelArts and `docker run -P` read it)",
                severity="warning",
                code="service-port-not-exposed",
            )
        )
    return problems


def _credential_args(project: Project, dockerfiles: Dockerfiles) -> list[Diagnostic]:
    problems = []
    seen: set[tuple] = set()

    def hint(name: str) -> str:
        secret = name.lower().replace("_", "-")
        return (
            f"build arg '{name}' looks like a credential: build args stay in the image's history and the "
            f"build's provenance; pass it as a secret instead (secrets: ['id={secret},env={name}'] and "
            f"RUN --mount=type=secret,id={secret} in the Dockerfile)"
        )

    for image_id, image in project.images.items():
        for name in image.args:
            if not looks_like_credential(name):
                continue
            own = ("images", image_id, "args", name)
            path = own if project.document.has(own) else ("defaults", "args", name)
            if path in seen:
                continue
            seen.add(path)
            problems.append(
                Diagnostic(project.where(*path, key=True), hint(name), severity="warning", code="credential-build-arg")
            )
        dockerfile = dockerfiles.get(image)
        if dockerfile is None:
            continue
        for arg in dockerfile.args:
            key = (dockerfile.path, arg.line, arg.name)
            if key in seen or not looks_like_credential(arg.name):
                continue
            seen.add(key)
            problems.append(
                Diagnostic(
                    Position(dockerfile.shown, arg.line),
                    hint(arg.name),
                    severity="warning",
                    code="credential-build-arg",
                )
            )
    return problems
