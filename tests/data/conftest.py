"""Fixtures for the data tests: the shared upstream datasets beside the repository, when present."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATASETS = Path(__file__).resolve().parents[2] / "../shared/datasets"


@pytest.fixture(scope="session")
def shared_datasets() -> Path:
    if not SHARED_DATASETS.is_dir():
        pytest.skip(
            f"upstream datasets not found at {SHARED_DATASETS.resolve()} (they live in ../shared/datasets)"
        )
    return SHARED_DATASETS

# scenario folders hold test programs for the sandbox, not tests of this suite
collect_ignore = ["user_scenarios"]
