from __future__ import annotations

import math

import pytest

from secsteer.detection.prompts import build_prompts
from secsteer.detection.run import DetectConfig, format_table, run_detection
from secsteer.detection.scoring import answer_token_ids, score_answers
from secsteer.detection.task import examples_from_pairs
from secsteer.steering.apply import Steering
from tests.conftest import tiny_model
from tests.detection.fixtures import PAIRS
from tests.foundation.helpers import random_vector


def test_answer_tokens_tell_yes_from_no(tokenizer) -> None:
    yes, no = answer_token_ids(tokenizer)
    assert yes and no and not set(yes) & set(no)
    assert all(tokenizer.decode([i]).strip()[0] in "Yy" for i in yes)
    assert all(tokenizer.decode([i]).strip()[0] in "Nn" for i in no)


@pytest.mark.parametrize("arch", ["qwen2", "gpt2"])
def test_scores_do_not_depend_on_batching(tokenizer, arch) -> None:
    model = tiny_model(arch, tokenizer)
    prompts = build_prompts(tokenizer, examples_from_pairs(PAIRS[:3]), answer_prefix=True)
    together = score_answers(model, tokenizer, prompts, batch_size=6)
    alone = [score_answers(model, tokenizer, [p], batch_size=1)[0] for p in prompts]
    for a, b in zip(together, alone, strict=True):
        assert a.log_odds == pytest.approx(b.log_odds, abs=1e-4)
        assert 0 < a.answer_mass < 1 and math.isfinite(a.log_odds)


def test_steering_acts_on_the_scoring_pass(qwen, tokenizer) -> None:
    prompts = build_prompts(tokenizer, examples_from_pairs(PAIRS[:2]), answer_prefix=True)
    steering = Steering(random_vector(qwen, [1, 2]), scale=4.0, relative=False)
    base = score_answers(qwen, tokenizer, prompts)
    steered = score_answers(qwen, tokenizer, prompts, steering=steering)
    assert all(abs(a.log_odds - b.log_odds) > 1e-4 for a, b in zip(base, steered, strict=True))
    assert score_answers(qwen, tokenizer, prompts)[0].log_odds == pytest.approx(base[0].log_odds)   # hooks gone
    with pytest.raises(ValueError, match="steer nothing"):
        score_answers(qwen, tokenizer, prompts, steering=Steering(steering.vector, positions="generated"))


def test_run_detection_both_modes(qwen, tokenizer) -> None:
    examples = examples_from_pairs(PAIRS[:2])
    config = DetectConfig(max_new_tokens=2, n_resamples=50)
    steering = Steering(random_vector(qwen, [1]), scale=1.0)
    results = run_detection(qwen, tokenizer, examples, config) + run_detection(
        qwen, tokenizer, examples, config, steering=steering)
    assert [(r.condition, r.mode) for r in results] == [
        ("baseline", "score"), ("baseline", "generate"), ("steered", "score"), ("steered", "generate")]
    score, generated = results[0], results[1]
    assert score.metrics.n == 4 and score.metrics.response_rate.value == 1.0 and score.metrics.auroc is not None
    assert all(r.log_odds is not None and r.reply is None for r in score.examples)
    assert all(r.reply is not None and r.log_odds is None for r in generated.examples)
    assert results[2].steering == {"vector_method": "random", "layers": [1], "scale": 1.0, "relative": True,
                                   "positions": "all"}
    table = format_table(results).splitlines()
    assert table[0].split()[:3] == ["condition", "mode", "n"] and len(table) == 5
