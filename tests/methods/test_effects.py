"""token_change / TokenEffects: the measured next-token change of a vector names the token it was built to push."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from secsteer.model.layers import num_layers
from tests.experiments.test_sweep import model_dir  # noqa: F401  (module-scoped fixture)
from tests.foundation.helpers import random_vector

TEXTS = ["def read_file(path):\n    with open(path) as f:\n", "x = [1, 2, 3]\nprint(len(x))\n"]


def _unembedding_vector(model, token: int):
    """A direction at the last block equal to the token's unembedding row: it can only raise that token."""
    last = num_layers(model) - 1
    v = random_vector(model, [last])
    row = model.get_output_embeddings().weight[token].detach().float()
    return dataclasses.replace(v, directions={last: row}), last


def test_the_unembedding_row_of_a_token_raises_that_token_most(qwen, tokenizer):
    from secsteer.vectors.effects import TokenEffects, token_change

    token = tokenizer.convert_tokens_to_ids("q")
    vector, last = _unembedding_vector(qwen, token)
    change, positions = token_change(qwen, tokenizer, vector, TEXTS, [last], scale=50.0, relative=False)
    effects = TokenEffects.top(change, tokenizer, positions, 3)
    assert effects.raised[0][0] == tokenizer.decode([token])
    assert effects.raised[0][1] > 0 > effects.lowered[0][1]
    assert effects.positions == sum(len(tokenizer(t)["input_ids"]) for t in TEXTS)


def test_zero_scale_changes_nothing_and_bad_input_is_refused(qwen, tokenizer):
    from secsteer.vectors.effects import TokenEffects, token_change

    vector = random_vector(qwen, [1])
    change, positions = token_change(qwen, tokenizer, vector, TEXTS, scale=0.0)
    assert change.abs().max() < 1e-6
    with pytest.raises(ValueError, match="top"):
        TokenEffects.top(change, tokenizer, positions, 0)
    with pytest.raises(ValueError, match="non-empty"):
        token_change(qwen, tokenizer, vector, [], scale=0.5)


def test_cli_builds_a_diff_vector_and_inspects_it(tmp_path, model_dir, capsys):  # noqa: F811
    from secsteer.cli.main import main
    from secsteer.vectors.vector import SteeringVector

    vectors = {}
    for focus in ("all", "diff"):
        out = tmp_path / f"{focus}.safetensors"
        assert main(["build", "--model", str(model_dir), "--cwe", "CWE-89", "--layers", "1",
                     "--focus", focus, "--out", str(out)]) == 0
        vectors[focus] = SteeringVector.load(out)
    assert vectors["diff"].meta.filters["focus"] == "diff" and "focus" not in vectors["all"].meta.filters
    assert not torch.allclose(vectors["all"].directions[1], vectors["diff"].directions[1])
    capsys.readouterr()
    assert main(["inspect", str(tmp_path / "diff.safetensors"), "--model", str(model_dir), "--cwe", "CWE-89",
                 "--scale", "2", "--top", "4"]) == 0
    out = capsys.readouterr().out
    assert "raised:" in out and "lowered:" in out and len(out.splitlines()) == 1 + 1 + 1 + 4 + 1 + 4
