"""The build cache of each target in the bake file: backends chosen by bake variables.

Every backend is off while its variable is empty, so the file builds the same without
them, and an environment override (`CACHE_DIR=/srv/cache docker buildx bake x`) needs no
regeneration. The choice is bake's, at build time: each target says
``cache-from = bakegen_cache_from("<target>")`` and the functions below, written once into
the file, turn the variables into cache entries (an empty variable gives no entry).

- registry (``CACHE_REF``): ``<CACHE_REF>:<target>``, mode=max; ``CACHE_SUFFIX`` (a branch)
  gives each branch its own tags ``<target>-<suffix>``, and ``CACHE_FALLBACK_SUFFIX`` (the
  main branch's suffix) is read too, never written: a new branch starts from main's cache.
- local folder (``CACHE_DIR``): ``<CACHE_DIR>/<target>``, one folder per target.
- GitHub Actions (``CACHE_GHA``: ``1``, or a scope prefix): ``scope=[<prefix>-]<target>``.

``CACHE_SCOPE_SUFFIX`` is added to the key of every backend (``<target>-<suffix>``): a job
that builds one platform of a target (split-platform CI) sets it to that platform, so
that the jobs of one target do not replace each other's cache.

Text that is not allowed in a tag (``feature/x``, ``linux/arm64``) becomes ``-``; a registry
cache tag longer than the 128 characters a tag may hold (a long image id, branch and
platform) is cut to 115 and ends with ``-`` and 12 hex digits of its sha256.
"""

from __future__ import annotations

from collections.abc import Mapping

from bakegen import hcl
from bakegen.hcl import Expr

REF = "CACHE_REF"
SUFFIX = "CACHE_SUFFIX"
FALLBACK_SUFFIX = "CACHE_FALLBACK_SUFFIX"
DIR = "CACHE_DIR"
GHA = "CACHE_GHA"
SCOPE_SUFFIX = "CACHE_SCOPE_SUFFIX"

VARIABLES: dict[str, str] = {
    REF: "Registry repository for the build cache (e.g. localhost:5000/cache); "
    "empty = no registry cache. Each target uses the tag <repository>:<target>.",
    SUFFIX: "Added to each registry cache tag, <target>-<suffix> (e.g. the branch); "
    "characters a tag may not hold become '-'.",
    FALLBACK_SUFFIX: "Registry cache tags also read, never written: <target>-<suffix> "
    "(e.g. main, the suffix of the main branch's builds).",
    DIR: "Folder of local build caches, one sub-folder per target; empty = none.",
    GHA: "GitHub Actions cache: 1 (scope <target>) or a scope prefix (scope <prefix>-<target>); "
    "empty, 0 or false = none.",
    SCOPE_SUFFIX: "Added to every cache key, <target>-<suffix>: set it to the platform in a job "
    "that builds one platform of a target.",
}

# Functions of the bake file (bake's user-defined functions: params, one result expression).
# They read the variables above; `concat` of lists that are empty when a variable is.
_TAG_TEXT = r'regex_replace(text, "[^A-Za-z0-9_.-]", "-")'
# A tag holds at most 128 characters: a longer one keeps its first 115 and ends with 12 of
# its sha256, so that two long tags that share their first 115 characters stay apart.
TAG_MAX = 128
_TAG_KEEP = TAG_MAX - 13
_TAG_LENGTH = f'strlen(tag) <= {TAG_MAX} ? tag : "${{substr(tag, 0, {_TAG_KEEP})}}-${{substr(sha256(tag), 0, 12)}}"'
_GHA_OFF = f'contains(["", "0", "false"], lower({GHA}))'
_GHA_SCOPE = f'contains(["1", "true"], lower({GHA})) ? key : "${{{GHA}}}-${{key}}"'
FUNCTIONS: list[tuple[str, list[str], str]] = [
    ("bakegen_tag_text", ["text"], _TAG_TEXT),
    (
        "bakegen_cache_key",
        ["target"],
        f'{SCOPE_SUFFIX} == "" ? target : "${{target}}-${{bakegen_tag_text({SCOPE_SUFFIX})}}"',
    ),
    ("bakegen_registry_tag", ["tag"], _TAG_LENGTH),
    (
        "bakegen_registry_cache",
        ["key", "suffix"],
        f'"type=registry,ref=${{{REF}}}:${{bakegen_registry_tag('
        f'suffix == "" ? key : "${{key}}-${{bakegen_tag_text(suffix)}}")}}"',
    ),
    ("bakegen_gha_scope", ["key"], _GHA_SCOPE),
    (
        "bakegen_cache_from",
        ["target"],
        "concat(\n"
        f'    {REF} == "" ? [] : [bakegen_registry_cache(bakegen_cache_key(target), {SUFFIX})],\n'
        f'    {REF} == "" || {FALLBACK_SUFFIX} == "" || {FALLBACK_SUFFIX} == {SUFFIX} ? [] '
        f": [bakegen_registry_cache(bakegen_cache_key(target), {FALLBACK_SUFFIX})],\n"
        f'    {DIR} == "" ? [] : ["type=local,src=${{{DIR}}}/${{bakegen_cache_key(target)}}"],\n'
        f'    {_GHA_OFF} ? [] : ["type=gha,scope=${{bakegen_gha_scope(bakegen_cache_key(target))}}"],\n'
        "  )",
    ),
    (
        "bakegen_cache_to",
        ["target"],
        "concat(\n"
        f'    {REF} == "" ? [] : ["${{bakegen_registry_cache(bakegen_cache_key(target), {SUFFIX})}},mode=max"],\n'
        f'    {DIR} == "" ? [] : ["type=local,dest=${{{DIR}}}/${{bakegen_cache_key(target)}},mode=max"],\n'
        f'    {_GHA_OFF} ? [] : ["type=gha,scope=${{bakegen_gha_scope(bakegen_cache_key(target))}},mode=max"],\n'
        "  )",
    ),
]


def blocks(variables: Mapping[str, str]) -> list[str]:
    """The cache variables images.yaml does not declare itself (its `variables:` give a
    default, e.g. a team's CACHE_REF), and the functions."""
    parts = [
        hcl.block("variable", [name], [("default", ""), ("description", help_text)])
        for name, help_text in VARIABLES.items()
        if name not in variables
    ]
    for name, params, result in FUNCTIONS:
        parts.append(
            hcl.block("function", [name], [("params", Expr(f"[{', '.join(params)}]")), ("result", Expr(result))])
        )
    return parts


def attributes(target: str, write: bool) -> list[tuple[str, hcl.Value]]:
    """cache-from, and cache-to when the build writes the cache (not for an ancestor built
    for fewer platforms than it has: it would replace the cache of the others)."""
    name = hcl.quote(target)
    attrs: list[tuple[str, hcl.Value]] = [("cache-from", Expr(f"bakegen_cache_from({name})"))]
    if write:
        attrs.append(("cache-to", Expr(f"bakegen_cache_to({name})")))
    return attrs
