"""Ascend version rules (torch_npu <-> CANN <-> Python ...). Filled in by the compatibility work."""

from __future__ import annotations

from bakegen.errors import Diagnostic
from bakegen.model import Project


def check_versions(project: Project) -> list[Diagnostic]:
    return []
