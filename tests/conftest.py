import textwrap
from pathlib import Path

import pytest

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
