"""Dockerfiles, read and parsed once per run: what bakegen's checks and version rules need.

``Dockerfiles`` is the one place that reads them: each file at most once, into a frozen
``Dockerfile`` (ARG declarations, FROM lines, the named contexts it mounts or copies from,
numpy version pins, the instructions that set the image's configuration (USER, WORKDIR,
ENV, ENTRYPOINT, CMD, EXPOSE) stage by stage, and what could not be read or parsed). Everything else, the FROM
convention here, ``bakegen.checks`` and ``bakegen.rules``, works on that parse.

Lines are read the way BuildKit reads them where it matters for that: the parser
directives at the top (``# escape=``), comment lines, continuation lines (comment and
empty lines inside them are skipped), and heredocs on RUN, COPY and ADD (``<<EOF``,
``<<-EOF``, ``<<"EOF"``, several on one line): their body lines belong to the instruction
and are never read as instructions. Variables are not expanded.

The FROM convention: bakegen hands every image its parent as the named context ``base``
and passes the build arg ``BASE_IMAGE=base``, so a Dockerfile that declares ``ARG
BASE_IMAGE`` before its first FROM and says ``FROM ${BASE_IMAGE}`` builds on the parent,
whatever default it gives BASE_IMAGE (the old build.py's Dockerfiles name a tag, or none:
a note, not an error). ``ARG BASE_IMAGE=base`` is the convention, so that a plain
``docker build`` with ``--build-context base=...`` works too. A first FROM that resolves to
another image ignores the parent (an error), unless it is the very image ``from:`` names
(``FROM quay.io/ascend/vllm-ascend:${BASE_IMAGE}`` with ``BASE_IMAGE`` set in images.yaml).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bakegen.errors import Diagnostic, Position
from bakegen.model import BASE_ARG, BASE_CONTEXT, Image, display_path

CONVENTION = "start it with `ARG BASE_IMAGE=base` and `FROM ${BASE_IMAGE}`"
_FROM_BASE = re.compile(r"^\$\{?BASE_IMAGE\}?$")

_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
_DIRECTIVES = ("syntax", "escape", "check")  # others are plain comments and end the directives
_HEREDOC = re.compile(r"^(\d*)<<(-?)([^<]*)$")  # one word: [fd]<<[-]WORD
_HEREDOC_INSTRUCTIONS = ("RUN", "COPY", "ADD")
_LEADING_FLAGS = re.compile(r"^(?:--\S*\s*)+")

_SPECIFIER = r"(?:===|==|>=|~=|>|<=|<|!=)\s*[0-9][0-9A-Za-z.*]*"
# numpy followed by one or more comma-separated specifiers: numpy<2, "numpy>1.23,<2", numpy==1.26.*
_NUMPY_PIN = re.compile(rf"(?<![\w.-])numpy\s*(?P<specs>{_SPECIFIER}(?:\s*,\s*{_SPECIFIER})*)", re.IGNORECASE)
_SPECIFIER_PART = re.compile(r"(?P<op>===|==|>=|~=|>|<=|<|!=)\s*(?P<version>[0-9][0-9A-Za-z.*]*)")


@dataclass(frozen=True)
class Heredoc:
    delimiter: str  # the line that ends it, quotes removed
    chomp: bool  # <<-: leading tabs of the body and of the end line do not count
    line: int  # the first body line
    body: str  # the lines between the instruction and the delimiter, as written


@dataclass(frozen=True)
class Instruction:
    line: int  # where it starts
    keyword: str  # upper case
    rest: str  # after the keyword, continuation lines joined; heredoc bodies are in .heredocs
    heredocs: tuple[Heredoc, ...] = ()


@dataclass(frozen=True)
class ArgDeclaration:
    name: str
    default: str | None  # quotes removed; None when declared without one (ARG NAME)
    line: int
    global_scope: bool  # declared before the first FROM, so usable in FROM lines


@dataclass(frozen=True)
class FromLine:
    image: str  # as written (${BASE_IMAGE} is not expanded)
    stage: str | None  # the AS name
    platform: str | None  # --platform=
    line: int


@dataclass(frozen=True)
class ContextUse:
    """A named context the Dockerfile reads: RUN --mount=...,from=NAME or COPY/ADD --from=NAME."""

    name: str
    line: int


@dataclass(frozen=True)
class NumpyPin:
    specifiers: tuple[str, ...]  # "numpy>1.23,<2" -> (">1.23", "<2")
    line: int


@dataclass(frozen=True)
class ConfigStep:
    """An instruction that sets part of the image configuration a container starts with."""

    keyword: str  # USER, WORKDIR, ENV, ENTRYPOINT, CMD or EXPOSE
    value: tuple[str, ...]  # USER, WORKDIR: (text,); ENV: (NAME, value, ...); ENTRYPOINT, CMD:
    # the exec-form words (a shell form becomes /bin/sh -c TEXT); EXPOSE: the ports as written
    line: int


@dataclass(frozen=True)
class Stage:
    """One FROM and the configuration steps after it, up to the next FROM."""

    base: FromLine
    steps: tuple[ConfigStep, ...]


@dataclass(frozen=True)
class Dockerfile:
    path: Path  # resolved
    shown: str  # as diagnostics name it
    readable: bool
    instructions: tuple[Instruction, ...] = ()
    args: tuple[ArgDeclaration, ...] = ()
    froms: tuple[FromLine, ...] = ()
    context_uses: tuple[ContextUse, ...] = ()
    numpy_pins: tuple[NumpyPin, ...] = ()
    stages: tuple[Stage, ...] = ()
    # what COPY/ADD (not --from) and RUN --mount=type=bind (not from=) read from the build
    # context, relative to it; globs as written
    context_sources: tuple[str, ...] = ()
    # a source named through a variable (COPY ${APP} /app): what it reads is known only at build time
    context_sources_unknown: bool = False
    problems: tuple[Diagnostic, ...] = ()  # what could not be read or parsed

    @property
    def numpy_specifiers(self) -> tuple[str, ...]:
        """All numpy pins of the file as one specifier set."""
        return tuple(spec for pin in self.numpy_pins for spec in pin.specifiers)


# --- reading ---------------------------------------------------------------------------


class Dockerfiles:
    """The Dockerfiles of one run, each read and parsed at most once (keyed by resolved path)."""

    def __init__(self, root: Path):
        self.root = Path(root)  # the folder of images.yaml
        self._parsed: dict[Path, Dockerfile | None] = {}
        self._written: dict[str, Dockerfile | None] = {}  # by the path images.yaml gives: no resolve() per image
        # What the run worked out from these Dockerfiles and a project, for the next caller that
        # needs the same (the version rules and the test checks both need each image's facts).
        self.derived: dict[str, tuple[object, object]] = {}  # name -> (project, value)

    def get(self, image: Image) -> Dockerfile | None:
        """The image's Dockerfile; None when its context is not local or the file does not exist
        (``checks.missing_paths`` reports that)."""
        written = image.dockerfile_path
        if written is None:
            return None
        if written not in self._written:
            self._written[written] = self.at(self.root / written)
        return self._written[written]

    def at(self, path: Path, shown: str | None = None) -> Dockerfile | None:
        """The Dockerfile at a path; shown names it in diagnostics (the first call decides)."""
        key = path.resolve()
        if key not in self._parsed:
            if path.is_file():
                self._parsed[key] = read_dockerfile(path, shown or display_path(path))
            else:
                self._parsed[key] = None
        return self._parsed[key]


def read_dockerfile(path: Path, shown: str) -> Dockerfile:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problem = Diagnostic(Position(shown), f"cannot read Dockerfile: {exc}", code="unreadable-dockerfile")
        return Dockerfile(path.resolve(), shown, readable=False, problems=(problem,))
    return parse_dockerfile(text, shown, path.resolve())


def parse_dockerfile(text: str, shown: str = "Dockerfile", path: Path | None = None) -> Dockerfile:
    instructions, escape, problems = _instructions(text, shown)
    args: list[ArgDeclaration] = []
    froms: list[FromLine] = []
    uses: list[ContextUse] = []
    pins: list[NumpyPin] = []
    built: list[tuple[FromLine, list[ConfigStep]]] = []
    for step in instructions:
        if step.keyword == "ARG":
            for word in _words(step.rest, escape):
                name, eq, default = word.partition("=")
                args.append(ArgDeclaration(name, default if eq else None, step.line, global_scope=not froms))
        elif step.keyword == "FROM":
            froms.append(_from_line(step, escape))
            built.append((froms[-1], []))
        elif step.keyword in CONFIG_KEYWORDS and built:
            built[-1][1].append(ConfigStep(step.keyword, _config_value(step, escape), step.line))
        pins.extend(_numpy_pins(step.rest, step.line))
        for heredoc in step.heredocs:
            for number, line in enumerate(heredoc.body.split("\n"), start=heredoc.line):
                if not line.lstrip().startswith("#"):  # a comment of the script
                    pins.extend(_numpy_pins(line, number))
    sources: list[str] = []
    unknown = False
    for step in instructions:
        known, variable = _context_sources(step, escape)
        sources += known
        unknown = unknown or variable
    stages = {f.stage.lower() for f in froms if f.stage}
    for step in instructions:
        for name in _context_names(step, escape):
            if name.lower() in stages or name.isdigit() or "$" in name or any(c in name for c in ":/@"):
                continue  # a stage of this file, a stage number, a variable or an image reference
            uses.append(ContextUse(name, step.line))
    return Dockerfile(
        path=path or Path(shown),
        shown=shown,
        readable=True,
        instructions=tuple(instructions),
        args=tuple(args),
        froms=tuple(froms),
        context_uses=tuple(uses),
        numpy_pins=tuple(pins),
        stages=tuple(Stage(base, tuple(steps)) for base, steps in built),
        context_sources=tuple(sources),
        context_sources_unknown=unknown,
        problems=tuple(problems),
    )


def _instructions(text: str, shown: str) -> tuple[list[Instruction], str, list[Diagnostic]]:
    """Instructions with continuation lines joined and heredoc bodies attached, comments
    dropped; the escape character; what could not be parsed."""
    # a UTF-8 byte order mark is not part of line 1
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").split("\n")
    escape = "\\"
    problems: list[Diagnostic] = []
    result: list[Instruction] = []
    directives = True
    i = 0
    while i < len(lines):
        first = lines[i].lstrip()
        i += 1
        start = i
        if directives:
            match = _DIRECTIVE.match(first)
            if match and match.group(1).lower() in _DIRECTIVES:
                if match.group(1).lower() == "escape":
                    if match.group(2) in ("\\", "`"):
                        escape = match.group(2)
                    else:
                        problems.append(
                            Diagnostic(
                                Position(shown, start),
                                f"invalid escape directive '{match.group(2)}': the escape character is \\ or `",
                                code="invalid-escape-directive",
                            )
                        )
                continue
            directives = False
        if not first or first.startswith("#"):
            continue
        joined, continued = _without_continuation(first, escape)
        while continued and i < len(lines):
            line = lines[i]
            i += 1
            if not line.strip() or line.lstrip().startswith("#"):
                continue  # BuildKit skips comment and empty lines inside a continuation
            part, continued = _without_continuation(line, escape)
            joined += part
        if not joined.strip():
            continue
        keyword, rest = _keyword_and_rest(joined)
        heredocs = []
        for delimiter, chomp in _heredoc_openers(keyword, rest):
            body_start = i + 1
            body: list[str] = []
            while i < len(lines):
                line = lines[i]
                i += 1
                if (line.lstrip("\t") if chomp else line) == delimiter:
                    break
                body.append(line)
            else:
                problems.append(
                    Diagnostic(
                        Position(shown, start),
                        f"unterminated heredoc: no line '{delimiter}' after this {keyword} ends its <<{delimiter}",
                        code="unterminated-heredoc",
                    )
                )
            heredocs.append(Heredoc(delimiter, chomp, body_start, "\n".join(body)))
        result.append(Instruction(start, keyword, rest, tuple(heredocs)))
    return result, escape, problems


def _keyword_and_rest(text: str) -> tuple[str, str]:
    keyword, *rest = text.split(None, 1)
    return keyword.upper(), rest[0].strip() if rest else ""


def _without_continuation(line: str, escape: str) -> tuple[str, bool]:
    """A line without its trailing escape character, and whether the instruction continues.
    A doubled escape character at the end is an escaped one, not a continuation."""
    trimmed = line.rstrip(" \t")
    if trimmed.endswith(escape) and not trimmed.endswith(escape * 2):
        return trimmed[:-1], True
    return line, False


def _heredoc_openers(keyword: str, rest: str) -> list[tuple[str, bool]]:
    """(delimiter, chomp) for each <<WORD of a RUN, COPY or ADD (also after ONBUILD), in order."""
    if keyword == "ONBUILD" and rest:
        keyword, rest = _keyword_and_rest(rest)
    if keyword not in _HEREDOC_INSTRUCTIONS:
        return []
    if _is_exec_form(rest):
        return []
    openers = []
    for word in _words(rest, keep_quotes=True):  # BuildKit reads heredoc words with \\ as escape
        match = _HEREDOC.match(word)
        if not match or not match.group(3):
            continue
        name = _words(match.group(3))
        if len(name) == 1:
            openers.append((name[0], match.group(2) == "-"))
    return openers


def _is_exec_form(rest: str) -> bool:
    """RUN ["sh", "-c", "..."]: the JSON (exec) form has no heredocs."""
    command = _LEADING_FLAGS.sub("", rest)
    if not command.startswith("["):
        return False
    try:
        return isinstance(json.loads(command), list)
    except ValueError:
        return False


def _words(text: str, escape: str = "\\", keep_quotes: bool = False) -> list[str]:
    """Shell-like words: white space separates, quotes group (and are removed unless
    keep_quotes), the escape character escapes the next one outside single quotes. An
    unclosed quote: plain white-space words."""
    words: list[str] = []
    current: list[str] = []
    in_word = False
    quote = ""
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            if c == quote:
                quote = ""
                if keep_quotes:
                    current.append(c)
            elif c == escape and quote == '"' and i + 1 < len(text) and text[i + 1] in ('"', "$", escape):
                if keep_quotes:
                    current.append(c)
                current.append(text[i + 1])
                i += 1
            else:
                current.append(c)
        elif c in " \t":
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
        elif c in "'\"":
            quote, in_word = c, True
            if keep_quotes:
                current.append(c)
        elif c == escape and i + 1 < len(text):
            if keep_quotes:
                current.append(c)
            current.append(text[i + 1])
            in_word = True
            i += 1
        else:
            current.append(c)
            in_word = True
        i += 1
    if quote:
        return text.split()
    if in_word:
        words.append("".join(current))
    return words


def _flags(words: list[str]) -> list[str]:
    """The leading --name=value words of an instruction."""
    flags = []
    for word in words:
        if not word.startswith("--"):
            break
        flags.append(word)
    return flags


def _from_line(step: Instruction, escape: str) -> FromLine:
    words = _words(step.rest, escape)
    flags = _flags(words)
    platform = next((f.partition("=")[2] for f in flags if f.startswith("--platform=")), None)
    words = words[len(flags) :]
    image = words[0] if words else ""
    stage = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
    return FromLine(image, stage, platform, step.line)


def _context_names(step: Instruction, escape: str) -> list[str]:
    """What RUN --mount=...,from=NAME and COPY/ADD --from=NAME name (stages included)."""
    names = []
    if step.keyword == "RUN":
        for flag in _flags(_words(step.rest, escape)):
            if flag.startswith("--mount="):
                for field in flag[len("--mount=") :].split(","):
                    key, _, value = field.strip("\"'").partition("=")
                    if key.lower() == "from" and value:
                        names.append(value)
    elif step.keyword in ("COPY", "ADD"):
        for flag in _flags(_words(step.rest, escape)):
            if flag.startswith("--from=") and flag[len("--from=") :]:
                names.append(flag[len("--from=") :])
    return names


def _context_sources(step: Instruction, escape: str) -> tuple[list[str], bool]:
    """What the step reads from the build context: COPY/ADD sources unless --from=, and
    RUN --mount=type=bind sources without from= ("." for the whole context; URLs left out); and whether a source is
    named through a variable (left out too: its value is known only at build time)."""
    words = _words(step.rest, escape)
    flags = _flags(words)
    if step.keyword in ("COPY", "ADD"):
        if any(flag.startswith("--from=") for flag in flags):
            return [], False
        listed = _exec_form_words(step.rest)
        if listed is not None:  # COPY ["src", "dest"]: the JSON form
            paths = listed[:-1]
        else:
            paths = [word for word in words[len(flags) :] if not word.startswith("<<")][:-1]  # the last is the dest
        paths = [path for path in paths if "://" not in path]
        return [path.lstrip("/") for path in paths if "$" not in path], any("$" in path for path in paths)
    sources = []
    variable = False
    if step.keyword == "RUN":
        for flag in flags:
            if flag.startswith("--mount="):
                fields = dict(field.partition("=")[::2] for field in flag[len("--mount=") :].split(","))
                # a bind mount is the default type; without a source it mounts the whole context
                source = fields.get("source") or fields.get("src") or "."
                if fields.get("type", "bind") == "bind" and "from" not in fields:
                    if "$" in source:
                        variable = True
                    else:
                        sources.append(source.lstrip("/"))
    return sources, variable


def _exec_form_words(rest: str) -> list[str] | None:
    """The words of a COPY/ADD written in the JSON form (`--chown=1 ["a b", "/dest/"]`), after
    its flags; None when it is not that form."""
    text = rest.lstrip()
    while text.startswith("--"):
        _, _, text = text.partition(" ")
        text = text.lstrip()
    if not text.startswith("["):
        return None
    try:
        words = json.loads(text)
    except ValueError:
        return None
    if not isinstance(words, list) or not all(isinstance(word, str) for word in words):
        return None
    return words


CONFIG_KEYWORDS = ("USER", "WORKDIR", "ENV", "ENTRYPOINT", "CMD", "EXPOSE")


def _config_value(step: Instruction, escape: str) -> tuple[str, ...]:
    if step.keyword in ("ENTRYPOINT", "CMD"):
        if _is_exec_form(step.rest):
            return tuple(str(word) for word in json.loads(step.rest))
        return ("/bin/sh", "-c", step.rest)
    words = _words(step.rest, escape)
    if step.keyword == "ENV":
        if len(words) >= 1 and "=" not in words[0]:  # the old form: ENV NAME value with spaces
            name, _, value = step.rest.partition(" ")
            return (name, " ".join(_words(value.strip(), escape)))
        pairs: list[str] = []
        for word in words:
            name, _, value = word.partition("=")
            pairs += [name, value]
        return tuple(pairs)
    if step.keyword == "EXPOSE":
        return tuple(words)
    return (" ".join(words),)  # USER, WORKDIR


def _numpy_pins(text: str, line: int) -> list[NumpyPin]:
    return [
        NumpyPin(tuple(s.group("op") + s.group("version") for s in _SPECIFIER_PART.finditer(pin.group("specs"))), line)
        for pin in _NUMPY_PIN.finditer(text)
    ]


# --- the FROM convention ---------------------------------------------------------------------


def convention_problems(dockerfile: Dockerfile) -> list[Diagnostic]:
    """What in the Dockerfile itself keeps it from building on the parent (see the module
    docstring), once per file; ``from_problems`` judges its first FROM for each image. An
    unreadable file has nothing to judge: its ``problems`` say why.

    A BASE_IMAGE default other than ``base`` is a note: bakegen passes BASE_IMAGE=base, so the
    default never reaches a bakegen build (the old build.py's Dockerfiles name a tag there)."""
    if not dockerfile.readable:
        return []
    shown = dockerfile.shown
    for step in dockerfile.instructions:
        if step.keyword == "FROM":
            break
        if step.keyword != "ARG":
            return [
                Diagnostic(
                    Position(shown, step.line),
                    f"{step.keyword} before the first FROM; {CONVENTION}",
                    code="instruction-before-from",
                )
            ]
    else:
        return [Diagnostic(Position(shown), f"no FROM instruction; {CONVENTION}", code="no-from")]
    first = dockerfile.froms[0]
    if not uses_base_arg(first.image):
        return []  # what it builds on depends on the image's args: from_problems
    declared = [arg for arg in dockerfile.args if arg.global_scope and arg.name == BASE_ARG]
    if not declared:
        return [
            Diagnostic(
                Position(shown, first.line),
                f"FROM {first.image} without `ARG BASE_IMAGE` before it: BuildKit expands only ARGs "
                f"declared before the first FROM, so the base name is blank; {CONVENTION}",
                code="base-image-arg-missing",
            )
        ]
    arg = declared[-1]  # a later declaration's default wins
    if arg.default != BASE_CONTEXT and _FROM_BASE.match(first.image):
        said = f"defaults to {arg.default!r}" if arg.default is not None else "has no default"
        return [
            Diagnostic(
                Position(shown, arg.line),
                f"ARG BASE_IMAGE {said}; bakegen passes BASE_IMAGE=base, so FROM ${{BASE_IMAGE}} still builds "
                f"on the parent (the named context 'base') and this default counts only in a build without "
                f"bakegen; the convention is `ARG BASE_IMAGE=base` (`bakegen import --rewrite-dockerfiles` "
                f"proposes the edit)",
                severity="note",
                code="base-image-default",
            )
        ]
    return []


def uses_base_arg(image: str) -> bool:
    """Whether a FROM's image reads BASE_IMAGE: `${BASE_IMAGE}`, or a part such as `repo:${BASE_IMAGE}`."""
    return any(BASE_ARG in (match.group("braced"), match.group("plain")) for match in _VARIABLE.finditer(image))


def from_problems(image: Image, dockerfile: Dockerfile) -> list[Diagnostic]:
    """What the image's build stands on: its Dockerfile's first FROM, expanded as BuildKit
    expands it with the args the bake file passes, must be the named context ``base``, or
    the very image ``from:`` names (then a note: it is pulled by its FROM line, and the
    context ``base`` goes unused). Anything else ignores the parent: an error."""
    if not dockerfile.froms or any(d.severity == "error" for d in convention_problems(dockerfile)):
        return []  # convention_problems says why, once for the file
    first = dockerfile.froms[0]
    resolved = from_image(dockerfile, image.build_args)
    if resolved is None or resolved == BASE_CONTEXT:
        return []  # a variable bakegen cannot know (TARGETARCH), or the convention
    where = Position(dockerfile.shown, first.line)
    written = "" if resolved == first.image else f" (written '{first.image}')"
    if image.external_base and same_image(resolved, image.external_base):
        return [
            Diagnostic(
                where,
                f"{image.id}: the first FROM builds on '{resolved}'{written}, the image its from: names, "
                f"directly rather than through the named context 'base' that bakegen sets to it",
                severity="note",
                code="from-external-directly",
            )
        ]
    parent = f"the parent '{image.parent}'" if image.parent else f"'{image.external_base}' (from:)"
    if resolved == "":
        return [
            Diagnostic(
                where,
                f"{image.id}: the first FROM ('{first.image}') is blank with the args bakegen passes, and "
                f"BuildKit refuses a blank base name; set it to build on {parent}: {CONVENTION}",
                code="from-not-base",
            )
        ]
    return [
        Diagnostic(
            where,
            f"{image.id}: the first FROM builds on '{resolved}'{written}, so {parent}, which bakegen passes "
            f"as the named context 'base', is ignored; {CONVENTION}",
            code="from-not-base",
        )
    ]


_VARIABLE = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-+])(?P<word>[^}]*))?\}|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))"
)


class _Unknown(Exception):
    """A variable whose value only BuildKit knows (TARGETARCH), or a form bakegen does not expand."""


def from_image(dockerfile: Dockerfile, build_args: Mapping[str, str]) -> str | None:
    """The first FROM's image as BuildKit resolves it: the ARGs declared before it, each the
    build arg of that name when one is passed, else its default; None when that needs what
    only BuildKit knows (TARGETPLATFORM, an expansion form not read here)."""
    scope: dict[str, str] = {}
    try:
        for arg in dockerfile.args:
            if not arg.global_scope:
                break
            if arg.name in build_args:
                scope[arg.name] = build_args[arg.name]
            elif arg.default is not None:
                scope[arg.name] = expand(arg.default, scope)
            else:
                scope.pop(arg.name, None)
        return expand(dockerfile.froms[0].image, scope)
    except _Unknown:
        return None


def expand(text: str, scope: Mapping[str, str]) -> str:
    """$NAME, ${NAME}, ${NAME:-word}, ${NAME-word}, ${NAME:+word}, ${NAME+word}: unset is empty."""

    def one(match: re.Match) -> str:
        name = match.group("braced") or match.group("plain")
        if name not in scope and (name.startswith(("TARGET", "BUILD")) or name.startswith("BUILDKIT_")):
            raise _Unknown(name)
        value = scope.get(name)
        op, word = match.group("op"), match.group("word")
        if op is None:
            return value or ""
        if "$" in word:
            raise _Unknown(word)
        empty_counts = op.startswith(":")
        is_set = value is not None and (value != "" or not empty_counts)
        if op.endswith("-"):
            return value if is_set and value is not None else word
        return word if is_set else ""

    if "$" in _VARIABLE.sub("", text):
        raise _Unknown(text)  # an escaped $ or a form not read here
    return _VARIABLE.sub(one, text)


def same_image(a: str, b: str) -> bool:
    """Whether two references name the same image (docker.io/library/ and :latest implied)."""
    return _normalized(a) == _normalized(b)


def _normalized(ref: str) -> str:
    name, at, digest = ref.partition("@")
    last = name.rsplit("/", 1)[-1]
    if ":" not in last:
        name += ":latest"
    for prefix in ("docker.io/", "index.docker.io/"):
        name = name.removeprefix(prefix)
    if "/" not in name:
        name = "library/" + name
    return name + at + digest
