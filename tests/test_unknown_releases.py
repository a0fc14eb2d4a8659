"""A release bakegen's table does not list is a warning, not a failed build (issue 9).

The warning names the nearest release the table knows and the exact ``compat:`` entry that
would make bakegen check the new one; only combinations the table knows to be wrong fail.
"""

from tests.conftest import CONVENTIONAL_DOCKERFILE

# --- the commands: check exits 0 with warnings; build fails only on errors ----------------------

UNKNOWN_CANN = """\
version: 1
images:
  cann:
    from: ubuntu:22.04
    dockerfile: dockerfiles/py.dockerfile
    args: {CANN_VERSION: 9.2.0, CHIP: 910b, COMPONENTS: "toolkit,ops"}
"""


def test_build_gates_on_the_severity_of_the_version_rules(write, monkeypatch, capsys):
    from bakegen import rules
    from bakegen.cli import main
    from bakegen.errors import Diagnostic

    root = write({"images.yaml": UNKNOWN_CANN, "dockerfiles/py.dockerfile": CONVENTIONAL_DOCKERFILE})
    monkeypatch.chdir(root)
    warning = Diagnostic(None, "cann: a warning", severity="warning", code="unknown-cann")
    monkeypatch.setattr(rules, "check_versions", lambda project, dockerfiles: [warning])
    main(["build", "cann", "--builder", "no-such-builder"])  # fails later, in docker
    err = capsys.readouterr().err
    assert "warning: cann: a warning" in err
    assert "version rules failed" not in err
