"""scripts/mutation's own bookkeeping: what it does with a mutant file an interrupted run
left empty, how it tells timeouts from kills, and how it shows a module not run yet."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import time
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "mutation"


@pytest.fixture(scope="module")
def mutation() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("bakegen_mutation_script", str(SCRIPT))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_an_empty_mutant_file_of_a_nonempty_module_is_dropped_with_its_verdicts(
    mutation: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "bakegen/a.py", "x = 1\n")
    write(tmp_path / "mutants/bakegen/a.py", "")
    write(tmp_path / "mutants/bakegen/a.py.meta", "{}")
    write(tmp_path / "bakegen/emit/b.py", "y = 1\n")
    write(tmp_path / "mutants/bakegen/emit/b.py", "y = 1  # mutants\n")
    write(tmp_path / "bakegen/__init__.py", "")
    write(tmp_path / "mutants/bakegen/__init__.py", "")

    assert mutation.drop_truncated_mutants(tmp_path) == ["bakegen/a.py"]

    assert not (tmp_path / "mutants/bakegen/a.py").exists()
    assert not (tmp_path / "mutants/bakegen/a.py.meta").exists()
    assert (tmp_path / "mutants/bakegen/emit/b.py").read_text() == "y = 1  # mutants\n"
    assert (tmp_path / "mutants/bakegen/__init__.py").exists()  # empty, as its source is
    assert capsys.readouterr().err == (
        "scripts/mutation: bakegen/a.py: its mutant file was empty (an interrupted run); written again\n"
    )


def test_without_mutants_nothing_is_dropped(mutation: ModuleType, tmp_path: Path) -> None:
    assert mutation.drop_truncated_mutants(tmp_path) == []


@pytest.mark.parametrize(
    ("code", "kind"),
    [(None, "not run"), (1, "killed"), (3, "killed"), (36, "timeout"), (-24, "timeout"), (152, "timeout")]
    + [(0, "survived"), (5, "no tests"), (33, "no tests"), (2, "crashed")],
)
def test_exit_codes_are_told_apart(mutation: ModuleType, code: int | None, kind: str) -> None:
    assert mutation.classify(code) == kind


def row(**fields: object) -> dict:
    base = {
        "module": "bakegen/x.py",
        "mutants": 10,
        "of": 10,
        "killed": 0,
        "timeouts": 0,
        "survived": 0,
        "no tests": 0,
        "crashed": 0,
        "not run": 0,
        "equivalent": 0,
        "score": 100.0,
        "seconds": 60,
        "measured": "2026-11-29",
        "commit": "abc1234",
        "survivors": "x.txt",
        "keys": [],
    }
    return base | fields


def test_the_plain_table_has_no_score_for_a_module_not_run_and_marks_a_partial_one(
    mutation: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    mutation.print_table(
        [
            row(module="bakegen/none.py", **{"not run": 10}),
            row(module="bakegen/part.py", killed=4, timeouts=1, survived=1, score=80.0, **{"not run": 5}),
            row(module="bakegen/done.py", killed=10),
        ],
        markdown=False,
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["bakegen/none.py", "10", "0", "0", "0", "0", "0", "0", "10", "-"]
    assert lines[2].split() == ["bakegen/part.py", "10", "4", "1", "1", "0", "0", "0", "5", "80.0%*"]
    assert lines[3].split() == ["bakegen/done.py", "10", "10", "0", "0", "0", "0", "0", "0", "100.0%"]
    assert lines[4] == "* not finished: scored over the mutants that have a verdict so far"


def test_the_markdown_table_shows_timeouts_inside_killed(
    mutation: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    mutation.print_table(
        [row(killed=9, timeouts=2, survived=1, score=90.0), row(module="bakegen/y.py", killed=10, timeouts=1)],
        markdown=True,
    )
    assert capsys.readouterr().out.splitlines()[2:] == [
        "| bakegen/x.py | 10 | 9 (2 timeouts) | 1 | 0 | 90.0% | 1 min | 2026-11-29 `abc1234` |",
        "| bakegen/y.py | 10 | 10 (1 timeout) | 0 | 0 | 100.0% | 1 min | 2026-11-29 `abc1234` |",
    ]


def test_mutmuts_list_of_tests_is_dropped_when_the_library_changed(
    mutation: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stats = tmp_path / "mutants/mutmut-stats.json"
    write(tmp_path / "bakegen/a.py", "x = 1\n")
    write(stats, "{}")
    # no mark yet: the list may be of any code
    assert mutation.forget_stale_stats(tmp_path) is True
    assert not stats.exists()
    write(stats, "{}")
    assert mutation.forget_stale_stats(tmp_path) is False  # the library as it was listed
    assert stats.exists()
    write(tmp_path / "bakegen/emit/b.py", "y = 1\n")  # a module added
    assert mutation.forget_stale_stats(tmp_path) is True
    write(stats, "{}")
    write(tmp_path / "bakegen/a.py", "x = 2\n")  # a module changed
    assert mutation.forget_stale_stats(tmp_path) is True
    assert not stats.exists()
    assert mutation.forget_stale_stats(tmp_path) is False  # nothing to drop: mutmut makes it anyway
    assert capsys.readouterr().err.count("it lists them again") == 3


def test_what_mutmut_leaves_running_is_stopped_with_it(mutation: ModuleType, tmp_path: Path) -> None:
    # mutmut's workers outlive it; here a shell that leaves a sleep behind stands for it
    status = mutation.run_in_own_group(["bash", "-c", f"sleep 300 & echo $! > {tmp_path}/pid"])
    assert status == 0
    pid = int((tmp_path / "pid").read_text())
    stat = Path(f"/proc/{pid}/stat")
    for _ in range(100):  # until the kill has landed (a zombie, or reaped and gone)
        if not stat.exists() or stat.read_text().rpartition(") ")[2].startswith("Z"):
            break
        time.sleep(0.05)
    assert not stat.exists() or stat.read_text().rpartition(") ")[2].startswith("Z")


def test_the_steps_run_as_children_keep_the_default_sigterm(
    mutation: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # mutmut's generation (--internal-generate) stops its pool of workers with SIGTERM: with
    # the script's handler inherited, each printed a KeyboardInterrupt traceback
    import signal

    monkeypatch.setattr(mutation, "internal_diffs", lambda names: None)
    monkeypatch.setattr(mutation.sys, "argv", ["scripts/mutation", "--internal-diffs"])
    previous = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        mutation.main()
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
        monkeypatch.setattr(mutation.sys, "argv", ["scripts/mutation", "--report", "no-such-module"])
        with pytest.raises(SystemExit):
            mutation.main()
        assert signal.getsignal(signal.SIGTERM) is mutation.stop_as_interrupted
    finally:
        signal.signal(signal.SIGTERM, previous)
