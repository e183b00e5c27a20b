from __future__ import annotations

import pytest
import torch

from secsteer.steering.apply import steer
from secsteer.steering.routing import route_vectors, steer_routed
from secsteer.vectors.bank import VectorBank
from tests.foundation.helpers import random_vector
from tests.methods.helpers import PROMPT, greedy, hook_count

ROWS = ["CWE-89", "CWE-78", "CWE-22", "cwe-089"]


@pytest.fixture(scope="module")
def bank(qwen) -> VectorBank:
    return VectorBank(
        vectors={"CWE-89": random_vector(qwen, [1, 2], seed=1, norm=4.0),
                 "CWE-78": random_vector(qwen, [1, 2], seed=2, norm=4.0)},
        pooled=random_vector(qwen, [1, 2], seed=3, norm=4.0),
    )


def _same(a, b, row_a: int, row_b: int = 0) -> bool:
    return torch.equal(a.sequences[row_a], b.sequences[row_b]) and all(
        torch.equal(x[row_a], y[row_b]) for x, y in zip(a.logits, b.logits, strict=True))


@pytest.mark.parametrize("positions", ["all", "generated"])
def test_each_row_gets_exactly_its_cwe_vector(qwen, tokenizer, bank, positions):
    prompts = [PROMPT] * len(ROWS)                 # same prompt: rows differ only by their vector
    hooks = hook_count(qwen)
    with steer_routed(qwen, bank, ROWS, scale=0.5, positions=positions):
        routed = greedy(qwen, tokenizer, prompts)
    assert hook_count(qwen) == hooks
    expected = [bank.vectors["CWE-89"], bank.vectors["CWE-78"], bank.pooled, bank.vectors["CWE-89"]]
    for row, vector in enumerate(expected):
        with steer(qwen, vector, scale=0.5, positions=positions):
            alone = greedy(qwen, tokenizer, prompts)
        assert _same(routed, alone, row, row)
    assert not torch.allclose(routed.logits[-1][0], routed.logits[-1][1])      # the CWEs steer differently


def test_zero_fallback_leaves_unknown_rows_unsteered_and_per_row_scales_work(qwen, tokenizer, bank):
    prompts = [PROMPT] * 3
    plain = greedy(qwen, tokenizer, prompts)
    with steer_routed(qwen, bank, ["CWE-22", "CWE-89", None], scale=[1.0, 2.0, 1.0], fallback="zero"):
        routed = greedy(qwen, tokenizer, prompts)
    assert _same(routed, plain, 0, 0) and _same(routed, plain, 2, 2)
    with steer(qwen, bank.vectors["CWE-89"], scale=2.0):
        alone = greedy(qwen, tokenizer, [PROMPT])
    assert torch.equal(routed.sequences[1], alone.sequences[0])       # batch 3 vs batch 1: same up to rounding
    for x, y in zip(routed.logits, alone.logits, strict=True):
        torch.testing.assert_close(x[1], y[0], atol=1e-4, rtol=1e-4)
    assert not _same(routed, plain, 1, 1)


def test_fallback_rules_and_errors(qwen, bank):
    assert route_vectors(bank, ["CWE-22"], "pooled") == [bank.pooled]
    assert route_vectors(bank, ["CWE-22", ""], "zero") == [None, None]
    with pytest.raises(ValueError, match="no vector for 'CWE-22'"):
        route_vectors(bank, ["CWE-22"], "error")
    with pytest.raises(ValueError, match="has no pooled vector"):
        route_vectors(VectorBank(vectors=bank.vectors), ["CWE-22"], "pooled")
    with pytest.raises(ValueError, match="fallback must be"):
        route_vectors(bank, ["CWE-89"], "nearest")
    hooks = hook_count(qwen)
    with pytest.raises(ValueError, match="out of range"), steer_routed(qwen, bank, ["CWE-89"], layers=[9]):
        pass
    assert hook_count(qwen) == hooks
