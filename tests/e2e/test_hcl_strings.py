"""Awkward strings survive images.yaml -> bakegen -> Go HCL in `docker buildx bake`.

Two facts of buildx shape the comparison:
- `bake --print` re-escapes `${` as `$${` and `%{` as `%%{` in args and labels, so that the
  printed JSON can be read back as a bake file (buildx bake/bake.go, Target.MarshalJSON);
  the printed value is compared with that escaping applied (an injective mapping, so equal
  printed strings mean equal values). The real build below sees the plain value.
- HCL turns every string into a cty value, which is NFC-normalised (go-cty value_init.go):
  "e\\u0301" reaches the build as "\\u00e9". No quoting can avoid that, so the random
  strings are NFC-stable ones; test_non_nfc_text_is_normalised_by_bake records the fact.
"""

from __future__ import annotations

import json
import unicodedata

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bakegen.cli import main as bakegen_main
from tests.e2e import support

AWKWARD = {
    "QUOTES": 'say "hi" and \'bye\'',
    "BACKSLASHES": "C:\\path\\to\\\\share\\",
    "NEWLINE": "line one\nline two\n",
    "TAB": "a\tb",
    "CRLF": "dos\r\nline",
    "HOME": "${HOME}",
    "DIRECTIVE": "%{ if true }yes%{ endif }",
    "ESCAPED": "$${x}",
    "LONE": "lone ${ without a close",
    "PERCENT": "100% {sure} %%{",
    "DOLLARS": "$ $$ $$$ end$",
    "NON_ASCII": "Grüße, 東京, naïve",
    "EMOJI": "🐳🚀 ship it",
    "CONTROL": "bell\x07 del\x7f esc\x1b",
}
ALL_IN_ONE = "".join(AWKWARD.values())


def printed_form(value: str) -> str:
    """What `bake --print` shows for an arg whose value is `value`."""
    return value.replace("${", "$${").replace("%{", "%%{")


def print_args(root, values: dict[str, str], test_base: str, env) -> dict[str, str]:
    doc = {
        "version": 1,
        "images": {"strings": {"from": test_base, "dockerfile": "Dockerfile", "args": values}},
    }
    text = yaml.safe_dump(doc, allow_unicode=True)
    assert yaml.safe_load(text) == doc  # the harness writes what it means
    (root / "images.yaml").write_text(text, encoding="utf-8")
    (root / "Dockerfile").write_text(support.HEAD)
    assert bakegen_main(["-f", str(root / "images.yaml")]) == 0
    result = support.run(
        ["docker", "buildx", "bake", "--builder", env["BAKEGEN_BUILDER"], "-f", "docker-bake.hcl", "--print", "strings"],
        cwd=root, env=env, timeout=120,
    )
    assert result.returncode == 0, support.show(result) + "\n--- docker-bake.hcl ---\n" + (root / "docker-bake.hcl").read_text()
    args = json.loads(result.stdout)["target"]["strings"]["args"]
    assert args.pop("BASE_IMAGE") == "base"  # every target gets it: FROM ${BASE_IMAGE} is the context `base`
    return args


def test_awkward_table_survives_bake_print(tmp_path, test_base, env):
    values = {**AWKWARD, "ALL": ALL_IN_ONE}
    got = print_args(tmp_path, values, test_base, env)
    assert got == {k: printed_form(v) for k, v in values.items()}


# Text from the pieces that matter to HCL, YAML and JSON, mixed with any other characters.
PIECES = ["${", "%{", "$${", "%%{", "$", "%", "{", "}", "\\", '"', "'", "\n", "\r", "\t", " ", "é", "🐳", "\x7f", "\u2028", "\ufeff"]
fragments = st.one_of(
    st.sampled_from(PIECES),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=6),
)
values = st.lists(fragments, max_size=8).map("".join).filter(
    lambda s: unicodedata.normalize("NFC", s) == s
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(values, min_size=1, max_size=5))
def test_random_strings_survive_bake_print(tmp_path_factory, test_base, env, strings):
    root = tmp_path_factory.mktemp("hcl-prop", numbered=True)
    args = {f"V{i}": s for i, s in enumerate(strings)}
    got = print_args(root, args, test_base, env)
    assert got == {k: printed_form(v) for k, v in args.items()}


def test_non_nfc_text_is_normalised_by_bake(tmp_path, test_base, env):
    """Not bakegen's doing: HCL (cty) normalises every string to NFC."""
    decomposed = "e\u0301"
    got = print_args(tmp_path, {"DECOMPOSED": decomposed}, test_base, env)
    assert got["DECOMPOSED"] == unicodedata.normalize("NFC", decomposed) == "\u00e9"


def test_awkward_value_reaches_the_build(tmp_path, make_project, env, out_dir):
    value = ALL_IN_ONE
    assert "\x00" not in value
    project = make_project(
        tmp_path,
        images={"weird": {"args": {"WEIRD": value, "NONCE": support.unique()}}},
        dockerfiles={"weird": "ARG WEIRD\nARG NONCE\nRUN printf '%s' \"$WEIRD\" > /weird && echo \"$NONCE\" > /nonce\n"},
    )
    out = out_dir
    result = support.bakegen(
        "build", "weird", "--progress", "plain", "--set", f"weird.output=type=local,dest={out}",
        cwd=project.root, env=env,
    )
    assert result.returncode == 0, support.show(result)
    assert (out / "weird").read_bytes() == value.encode("utf-8")
