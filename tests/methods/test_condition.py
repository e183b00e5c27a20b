"""Conditional steering: a prompt-level probe decides once, on the prompt pass, whether a row is steered."""

from __future__ import annotations

import pytest
import torch

from secsteer.activations.read import read_activations
from secsteer.steering.apply import steer
from secsteer.steering.condition import fit_condition
from secsteer.steering.probe_gate import Probe, steer_gated
from secsteer.vectors.hint_view import task_prompts
from tests.foundation.helpers import random_vector
from tests.methods.helpers import greedy

PROMPTS = ["<html><body><p>{comment}</p>", "def add(a, b):\n    return"]
WEB = ["<html><body><p>{comment}</p>", "<div class='post'>{title}</div>", "<a href='{url}'>link</a>",
       "<ul><li>{item}</li></ul>", "<h1>{heading}</h1><p>{body}</p>", "<span>{name}</span><br>",
       "<form action='/post'>{field}</form>", "<table><tr><td>{cell}</td></tr></table>"]
MATH = ["def add(a, b):\n    return", "def mul(x, y):\n    return x", "total = sum(range(10))\n",
        "for i in range(3):\n    n += i\n", "def fib(n):\n    if n < 2:", "x = [k * k for k in data]\n",
        "while n > 0:\n    n -= 1\n", "def mean(xs):\n    return sum(xs)"]


def _equal(a, b) -> bool:
    return torch.equal(a.sequences, b.sequences) and all(torch.equal(x, y) for x, y in zip(a.logits, b.logits, strict=True))


def _separating_probe(model, tokenizer, layer: int) -> Probe:
    """p > 0.5 for the first prompt's mean state, < 0.5 for the second's."""
    h = read_activations(model, tokenizer, PROMPTS, [layer], "mean").pooled[layer]
    w = h[0] - h[1]
    return Probe(weight=w, bias=-float(w @ (h[0] + h[1]) / 2), mean=torch.zeros_like(w), std=torch.ones_like(w))


@pytest.mark.parametrize("positions", ["all", "generated"])
def test_the_prompt_decides_once_and_the_decision_holds_for_the_whole_completion(qwen, tokenizer, positions):
    """Row 0 (the condition holds) generates exactly as plain steering does, row 1 exactly as the unsteered model,
    over every generated token; one decision per prompt, however long the completion."""
    v = random_vector(qwen, [1, 2], norm=4.0)
    probe = _separating_probe(qwen, tokenizer, 1)
    plain = greedy(qwen, tokenizer, PROMPTS, n=8)
    with steer(qwen, v, positions=positions):
        steered = greedy(qwen, tokenizer, PROMPTS, n=8)
    with steer_gated(qwen, v, probe, probe_layer=1, threshold=0.5, positions=positions, reading="prompt") as trace:
        conditioned = greedy(qwen, tokenizer, PROMPTS, n=8)
    assert len(trace.gate) == 1 and trace.gate[0].tolist() == [True, False]
    assert trace.steered_fraction() == [1.0, 0.0]
    assert torch.equal(conditioned.sequences[0], steered.sequences[0])
    assert torch.equal(conditioned.sequences[1], plain.sequences[1])
    assert not torch.equal(steered.sequences[1], plain.sequences[1])     # steering row 1 would have changed it
    for c, s, p in zip(conditioned.logits, steered.logits, plain.logits, strict=True):
        torch.testing.assert_close(c[0], s[0])
        torch.testing.assert_close(c[1], p[1])


def test_the_prompt_reading_is_the_mean_state_read_activations_gives(qwen, tokenizer):
    """Conditions are fit on read_activations' mean pooling (right-padded) and read at generation on left-padded
    batches: the two must give the same p, or a threshold chosen on one means nothing on the other."""
    v = random_vector(qwen, [2], norm=4.0)
    probe = _separating_probe(qwen, tokenizer, 1)
    prompts = [*PROMPTS, "x = 1\n"]
    fit_side = probe.p_insecure(read_activations(qwen, tokenizer, prompts, [1], "mean").pooled[1])
    with steer_gated(qwen, v, probe, probe_layer=1, positions="all", reading="prompt") as trace:
        greedy(qwen, tokenizer, prompts, n=3)
    torch.testing.assert_close(trace.p[0], fit_side, atol=1e-5, rtol=1e-4)


def test_a_condition_fit_on_two_kinds_of_task_tells_held_out_prompts_apart(qwen, tokenizer):
    condition = fit_condition(qwen, tokenizer, WEB, MATH, layer=1, seed=0)
    assert condition.fit == {"steer_prompts": 8, "keep_prompts": 8, "unreadable_prompts": 0, "held_out_steered": 1.0,
                             "held_out_false_steered": 0.0}
    one_token = fit_condition(qwen, tokenizer, WEB, [*MATH, ""], layer=1, seed=0)   # nothing to pool: left out
    assert one_token.fit["unreadable_prompts"] == 1 and one_token.fit["keep_prompts"] == 8
    assert 0.0 < one_token.threshold < 1.0
    h = read_activations(qwen, tokenizer, ["<p>{text}</p><br>", "def sub(a, b):\n    return a"], [1],
                         "mean").pooled[1]
    assert (condition.probe.p_insecure(h) > condition.threshold).tolist() == [True, False]
    with pytest.raises(ValueError, match="at least 4 prompts"):
        fit_condition(qwen, tokenizer, WEB[:3], MATH, layer=1)


def test_task_prompts_use_the_scenario_of_the_same_task_where_the_source_poses_one(datasets_dir):
    """A pair's terse task (shared code + description) is not what the sweep evaluates; where the source has the
    task as a scenario (SecCodePLT), the condition must be fit on that prompt."""
    from secsteer.data.scenarios import load_scenarios
    from secsteer.data.sources import load_pairs
    from secsteer.generation.prompts import scenario_prompt, uses_chat
    from secsteer.vectors.hint_view import task_of
    from tests.conftest import tiny_tokenizer

    source = f"seccodeplt:{datasets_dir / 'seccodeplt'}"
    pairs = load_pairs(source, cwes=["CWE-79"])[:2]
    tok = tiny_tokenizer()
    posed = {str(s.meta["index"]): s for s in load_scenarios(source, cwes=["CWE-79"])}
    chat = uses_chat(tok, "auto")
    want = [scenario_prompt(tok, posed[str(p.meta["task_id"])], "auto", chat) for p in pairs]
    assert task_prompts(tok, pairs, source) == want
    terse = [scenario_prompt(tok, task_of(p), "auto", chat) for p in pairs]
    assert task_prompts(tok, pairs) == terse and terse != want


def test_evaluated_scenarios_are_never_drawn_as_prompts_to_leave_alone(tmp_path):
    """The negatives a condition is fit on are other CWEs' tasks; one that is also evaluated would teach the gate
    its answer on that very prompt, so other_cwe_tasks leaves evaluated tasks out before the draw."""
    from secsteer.data.scenarios import Scenario
    from secsteer.vectors.hint_view import other_cwe_tasks
    from tests.methods.test_distill import other_task_pairs, retention_source
    from tests.methods.test_hints import seccodeplt_like_pairs

    trained = seccodeplt_like_pairs(2)
    source = retention_source(tmp_path, [*other_task_pairs(6), *trained])
    everything = other_cwe_tasks(trained, source, 6, seed=0)
    assert sorted(p.id for p in everything) == [f"o/{i}" for i in range(6)]      # never the trained CWE's tasks
    evaluated = [Scenario(id="s/3", cwe="CWE-22", language="python", prompt="import os\n\ndef read_3(name):\n")]
    drawn = other_cwe_tasks(trained, source, 5, seed=0, leave_out=evaluated)
    assert sorted(p.id for p in drawn) == [f"o/{i}" for i in (0, 1, 2, 4, 5)]
    with pytest.raises(ValueError, match="5 usable tasks"):
        other_cwe_tasks(trained, source, 6, seed=0, leave_out=evaluated)
