import os
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests: reproducible in CI (derandomized: the same examples on every run, no
# example database left in the clone), random locally (`pytest --hypothesis-seed=N` replays
# one run). No deadline: a 2-core machine running BuildKit beside the tests is slow.
settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def write(tmp_path):
    """Write files (name -> text, dedented) under tmp_path; returns tmp_path."""

    def _write(files: dict[str, str]) -> Path:
        for name, text in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        return tmp_path

    return _write


CONVENTIONAL_DOCKERFILE = "ARG BASE_IMAGE=base\nFROM ${BASE_IMAGE}\nRUN true\n"
