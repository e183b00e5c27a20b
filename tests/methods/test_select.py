from __future__ import annotations

import pytest
import torch

from secsteer.activations.read import Activations
from secsteer.data.pairs import ContrastPair
from secsteer.vectors.select import auroc, choose_layers, group_folds, layer_scores
from tests.methods.helpers import MULTI


def _pairs(n: int) -> list[ContrastPair]:
    return [ContrastPair(f"s/{i}", "CWE-89", "python", "a", "b", meta={"commit_link": f"c{i // 2}"})
            for i in range(n)]


def _planted(n: int = 40, d: int = 16) -> tuple[Activations, Activations]:
    gen = torch.Generator().manual_seed(0)
    secure = {layer: torch.randn(n, d, generator=gen) for layer in range(4)}
    insecure = {layer: torch.randn(n, d, generator=gen) for layer in range(4)}
    secure[2][:, 0] += 3.0                                # only layer 2 separates
    secure[1][:, 0] += 1.5                                # layer 1 a little
    norms = dict.fromkeys(range(4), 1.0)
    return Activations(secure, norms, 0), Activations(insecure, norms, 0)


def test_auroc_known_values():
    assert auroc(torch.tensor([3.0, 4.0]), torch.tensor([1.0, 2.0])) == 1.0
    assert auroc(torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])) == 0.0
    assert auroc(torch.tensor([1.0, 3.0]), torch.tensor([1.0, 2.0])) == pytest.approx(0.625)


def test_grouped_folds_never_split_a_commit():
    pairs = _pairs(10)
    folds = group_folds(pairs, 3)
    assert sorted(i for fold in folds for i in fold) == list(range(10))
    for fold in folds:
        commits = {pairs[i].meta["commit_link"] for i in fold}
        assert all(pairs[j].meta["commit_link"] not in commits for other in folds if other is not fold
                   for j in other)
    assert group_folds(pairs, 3) == folds                 # deterministic
    with pytest.raises(ValueError, match="at least 2 groups"):
        group_folds(_pairs(2), 5)


@pytest.mark.parametrize("score", ["cv_auroc", "cv_paired", "dprime"])
def test_planted_layer_ranks_first(score):
    secure, insecure = _planted()
    scores = layer_scores(secure, insecure, _pairs(40), score, folds=5)
    ranked = sorted(scores, key=lambda layer: -scores[layer])
    assert ranked[:2] == [2, 1]
    if score != "dprime":
        assert scores[2] > 0.95 and max(scores[0], scores[3]) < 0.8


def test_choose_layers_on_a_model(qwen, tokenizer):
    choice = choose_layers(qwen, tokenizer, MULTI, k=2, score="cv_paired", folds=5)
    assert set(choice.scores) == {0, 1, 2, 3} and len(choice.layers) == 2
    assert choice.layers == tuple(sorted(choice.scores, key=lambda layer: (-choice.scores[layer], layer))[:2])
    assert all(0.0 <= s <= 1.0 for s in choice.scores.values()) and choice.n_pairs == len(MULTI)
    with pytest.raises(ValueError, match="score must be one of"):
        layer_scores(*_planted(), _pairs(40), "accuracy")      # type: ignore[arg-type]
    with pytest.raises(ValueError, match="k must be >= 1"):
        choose_layers(qwen, tokenizer, MULTI, k=0)
