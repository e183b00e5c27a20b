from __future__ import annotations

import pytest
import torch

from secsteer.steering.apply import steer
from secsteer.steering.schedules import Schedule, parse_schedule
from tests.foundation.helpers import cached_step, random_vector
from tests.methods.helpers import PROMPT, greedy


def test_parse_values():
    assert [parse_schedule("first:3")(s) for s in range(5)] == [1.0, 1.0, 1.0, 0.0, 0.0]
    assert [parse_schedule("decay:2")(s) for s in (0, 2, 4)] == [1.0, 0.5, 0.25]
    assert parse_schedule(" CONST ")(1000) == 1.0
    assert str(parse_schedule("first:16")) == "first:16" and parse_schedule("decay:32") == Schedule("decay", 32)


@pytest.mark.parametrize("spec", ["first:0", "first:2.5", "decay:0", "decay:-1", "linear:3", "first", ""])
def test_bad_specs_raise(spec):
    with pytest.raises(ValueError, match="unknown schedule"):
        parse_schedule(spec)


def test_first_k_equals_steering_k_steps_then_none(qwen, tokenizer):
    k, n = 2, 6
    v = random_vector(qwen, [1, 2], norm=4.0)
    with steer(qwen, v, scale=1.0, positions="generated", schedule=parse_schedule(f"first:{k}")):
        scheduled = greedy(qwen, tokenizer, [PROMPT], n)
    ids = tokenizer(PROMPT, return_tensors="pt").input_ids
    # manual reference: prompt pass unsteered, then feed the same tokens one by one, steering only k steps
    with torch.no_grad():
        out = qwen(ids, use_cache=True)
        cache, logits = out.past_key_values, [out.logits[:, -1]]
        new = scheduled.sequences[:, ids.shape[1]:]
        for step in range(n - 1):
            if step < k:
                with steer(qwen, v, scale=1.0, positions="all"):
                    out = cached_step(qwen, new[:, step:step + 1], cache)
            else:
                out = cached_step(qwen, new[:, step:step + 1], cache)
            cache = out.past_key_values
            logits.append(out.logits[:, -1])
    for step in range(n):
        torch.testing.assert_close(scheduled.logits[step], logits[step], atol=1e-5, rtol=1e-5)
    with steer(qwen, v, scale=1.0, positions="generated"):
        always = greedy(qwen, tokenizer, [PROMPT], n)
    assert not torch.allclose(always.logits[k + 1], scheduled.logits[k + 1], atol=1e-3)   # the schedule cut in
    plain = greedy(qwen, tokenizer, [PROMPT], n)
    assert torch.equal(plain.logits[0], scheduled.logits[0])                  # prompt pass not steered
    assert not torch.allclose(plain.logits[1], scheduled.logits[1], atol=1e-3)   # step 0 steered
