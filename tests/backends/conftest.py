"""Fresh tiny models for this area, so state left on the session-wide ones elsewhere cannot leak in."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import torch

from tests.conftest import ARCHS, tiny_model

# SECSTEER_TEST_DEVICE=cuda runs this area's parity tests with the models on a GPU (both engines, same device).
DEVICE = os.environ.get("SECSTEER_TEST_DEVICE", "cpu")


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    """Tiny models run ~10x faster on one thread than on two contended ones; restore the count after."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module", params=ARCHS)
def arch_model(request, tokenizer):
    return tiny_model(request.param, tokenizer).to(DEVICE)


@pytest.fixture(scope="module")
def qwen(tokenizer):
    return tiny_model("qwen2", tokenizer).to(DEVICE)
