from __future__ import annotations

import pytest
import torch

from secsteer.steering.apply import steer
from secsteer.steering.probe_gate import Probe, choose_threshold, mean_diff_probe, steer_gated
from secsteer.steering.schedules import parse_schedule
from tests.foundation.helpers import random_vector
from tests.methods.helpers import PROMPT, greedy, hook_count, record_block

PROMPTS = [PROMPT, "cur.execute("]


def _probe(d: int, bias: float, weight: torch.Tensor | None = None) -> Probe:
    w = torch.zeros(d) if weight is None else weight
    return Probe(weight=w, bias=bias, mean=torch.zeros(d), std=torch.ones(d))


def _equal(a, b) -> bool:
    return torch.equal(a.sequences, b.sequences) and all(torch.equal(x, y) for x, y in zip(a.logits, b.logits, strict=True))


@pytest.mark.parametrize("reading", ["last", "mean", "generated"])
def test_secure_probe_never_steers_and_insecure_probe_always_does(qwen, tokenizer, reading):
    v = random_vector(qwen, [1, 2], norm=4.0)
    d = qwen.config.hidden_size
    hooks = hook_count(qwen)
    plain = greedy(qwen, tokenizer, PROMPTS)
    with steer_gated(qwen, v, _probe(d, float("-inf")), probe_layer=1, reading=reading) as trace:
        never = greedy(qwen, tokenizer, PROMPTS)
    assert _equal(never, plain)
    assert trace.steered_fraction() == [0.0, 0.0] and len(trace.gate) == 5     # 6 tokens: 5 cached steps
    schedule = parse_schedule("decay:2")
    with steer_gated(qwen, v, _probe(d, float("inf")), probe_layer=1, reading=reading, schedule=schedule) as trace:
        always = greedy(qwen, tokenizer, PROMPTS)
    with steer(qwen, v, positions="generated", schedule=schedule):
        steered = greedy(qwen, tokenizer, PROMPTS)
    assert _equal(always, steered) and not _equal(always, plain)
    assert trace.steered_fraction() == [1.0, 1.0]
    assert hook_count(qwen) == hooks


def test_gate_is_per_row_and_reads_the_probe_layer_output(qwen, tokenizer):
    v = random_vector(qwen, [2], norm=4.0)
    side, tokenizer.padding_side = tokenizer.padding_side, "left"     # as in generation: last column is real
    batch = tokenizer(PROMPTS, return_tensors="pt", padding=True)
    tokenizer.padding_side = side
    with record_block(qwen, 1) as seen, torch.no_grad():
        plain = qwen(**batch).logits
    h = seen[0][torch.arange(2), -1]                                   # the probe reads position -1
    w = h[0] - h[1]
    probe = _probe(h.shape[1], -float(w @ (h[0] + h[1]) / 2), w)       # row 0 insecure, row 1 secure
    with steer_gated(qwen, v, probe, probe_layer=1, positions="all") as trace, torch.no_grad():
        gated = qwen(**batch).logits
    with steer(qwen, v), torch.no_grad():
        steered = qwen(**batch).logits
    assert trace.gate[0].tolist() == [True, False]
    torch.testing.assert_close(trace.p[0], probe.p_insecure(h))
    assert torch.equal(gated[0], steered[0]) and torch.equal(gated[1], plain[1])


def test_choose_threshold_maximizes_youden_j():
    probe = _probe(1, 0.0, torch.ones(1))
    p = torch.tensor([0.1, 0.2, 0.7, 0.9, 0.3])
    hidden = torch.logit(p).view(-1, 1)
    labels = [0, 0, 1, 1, 0]
    assert choose_threshold(probe, hidden, labels) == pytest.approx(0.5)       # between 0.3 and 0.7
    assert choose_threshold(probe, hidden, [0, 1, 0, 1, 0]) == pytest.approx(0.8)   # J 0.5 beats 1 - 2/3
    with pytest.raises(ValueError, match="both labels"):
        choose_threshold(probe, hidden, [1] * 5)


def test_mean_diff_probe_separates_a_planted_direction():
    gen = torch.Generator().manual_seed(0)
    secure = torch.randn(200, 16, generator=gen)
    insecure = torch.randn(200, 16, generator=gen)
    insecure[:, 3] += 4.0
    probe = mean_diff_probe(secure, insecure)
    assert (probe.p_insecure(insecure) > 0.5).float().mean() >= 0.9
    assert (probe.p_insecure(secure) < 0.5).float().mean() >= 0.9
    assert int(probe.weight.abs().argmax()) == 3


def test_probe_after_the_steered_layer_is_refused(qwen):
    v = random_vector(qwen, [1])
    hooks = hook_count(qwen)
    with pytest.raises(ValueError, match="probe_layer 2 is after the first steered layer 1"), \
            steer_gated(qwen, v, _probe(qwen.config.hidden_size, 0.0), probe_layer=2):
        pass
    assert hook_count(qwen) == hooks


def _unsteered_reads(qwen, tokenizer, seed: int):
    """A vector, a random probe, and block 1's outputs at every forward call of an unsteered greedy run."""
    v = random_vector(qwen, [1], norm=4.0)
    d = qwen.config.hidden_size
    probe = _probe(d, 0.0, torch.randn(d, generator=torch.Generator().manual_seed(seed)))
    with record_block(qwen, 1) as seen:
        greedy(qwen, tokenizer, PROMPTS, n=4)
    return v, probe, seen


def test_mean_reading_is_the_running_mean_of_real_tokens(qwen, tokenizer):
    v, probe, seen = _unsteered_reads(qwen, tokenizer, seed=5)
    side, tokenizer.padding_side = tokenizer.padding_side, "left"
    mask = tokenizer(PROMPTS, return_tensors="pt", padding=True)["attention_mask"].float()
    tokenizer.padding_side = side
    mask[torch.arange(2), mask.argmax(dim=1)] = 0.0                    # each row's first real token
    total = torch.einsum("bs,bsd->bd", mask, seen[0])
    count = mask.sum(dim=1, keepdim=True)
    expected = [probe.p_insecure(total / count)]
    for step in seen[1:]:
        total, count = total + step[:, -1], count + 1
        expected.append(probe.p_insecure(total / count))
    with steer_gated(qwen, v, probe, probe_layer=1, threshold=1.0, positions="all", reading="mean") as trace:
        greedy(qwen, tokenizer, PROMPTS, n=4)
    assert len(trace.p) == len(expected) == 4
    for got, want in zip(trace.p, expected, strict=True):
        torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-4)


def test_generated_reading_is_the_running_mean_of_generated_tokens_only(qwen, tokenizer):
    v, probe, seen = _unsteered_reads(qwen, tokenizer, seed=6)
    steps = torch.stack([step[:, -1] for step in seen[1:]])          # (3 cached steps, batch, d)
    expected = [probe.p_insecure(steps[: k + 1].mean(dim=0)) for k in range(len(steps))]
    with steer_gated(qwen, v, probe, probe_layer=1, threshold=1.0, reading="generated") as trace:
        greedy(qwen, tokenizer, PROMPTS, n=4)
    assert len(trace.p) == len(expected) == 3                          # the prompt is never read
    for got, want in zip(trace.p, expected, strict=True):
        torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-4)
    with pytest.raises(ValueError, match="prompt pass"), \
            steer_gated(qwen, v, probe, probe_layer=1, positions="all", reading="generated"):
        pass
