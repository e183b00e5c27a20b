"""Verdicts from next-token probabilities: one forward pass per batch over prompts that end in the answer
prefix, scored as log P(yes) - log P(no) over the first tokens of "Yes"/"yes"/" Yes"/... and "No"/"no"/...
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from tqdm.auto import tqdm

from secsteer.generation.generate import encode_left
from secsteer.steering.apply import Steering, steering_context

__all__ = ["AnswerScore", "answer_token_ids", "score_answers"]


@dataclass(frozen=True)
class AnswerScore:
    log_odds: float        # log P(yes-tokens) - log P(no-tokens) at the answer position
    answer_mass: float     # P(yes-tokens) + P(no-tokens): how much the model means to answer at all

    @property
    def verdict(self) -> bool:
        return self.log_odds > 0


def answer_token_ids(tokenizer: Any) -> tuple[list[int], list[int]]:
    """First token ids of the spellings of Yes and of No; a token in both sets (e.g. a bare space) is dropped."""
    sets = []
    for words in (("Yes", "yes", "YES"), ("No", "no", "NO")):
        ids: set[int] = set()
        for word in words:
            for text in (word, f" {word}"):
                first = tokenizer.encode(text, add_special_tokens=False)[:1]
                if first and tokenizer.decode(first).strip():
                    ids.add(first[0])
        sets.append(ids)
    yes, no = sets[0] - sets[1], sets[1] - sets[0]
    if not yes or not no:
        raise ValueError("the tokenizer gives no first token that tells 'Yes' from 'No'; score answers by "
                         "parsing generated text instead (mode 'generate')")
    return sorted(yes), sorted(no)


@torch.inference_mode()
def score_answers(
    model: nn.Module,
    tokenizer: Any,
    prompts: Sequence[str],
    batch_size: int = 4,
    steering: Steering | None = None,
    show_progress: bool = False,
) -> list[AnswerScore]:
    """Yes-vs-No scores of the next token after each prompt; one forward pass per batch, steered if asked."""
    if steering is not None and steering.positions == "generated":
        raise ValueError("steering positions 'generated' steer nothing in a single scoring pass; "
                         "use 'all' or 'prompt' when scoring answers by next-token probability")
    yes_ids, no_ids = answer_token_ids(tokenizer)
    device = next(model.parameters()).device
    takes_positions = "position_ids" in inspect.signature(model.forward).parameters
    scores: list[AnswerScore] = []
    for start in tqdm(range(0, len(prompts), batch_size), disable=not show_progress, desc="score answers"):
        batch = encode_left(tokenizer, list(prompts[start : start + batch_size]), device)
        if takes_positions:   # left padding: learned-position models need positions counted from the first real token
            batch["position_ids"] = (batch["attention_mask"].cumsum(-1) - 1).clamp(min=0)
        with steering_context(model, steering):
            logits = model(**batch, use_cache=False).logits[:, -1, :].float()     # (batch, vocab)
        logp = torch.log_softmax(logits, dim=-1)
        yes = torch.logsumexp(logp[:, yes_ids], dim=-1)
        no = torch.logsumexp(logp[:, no_ids], dim=-1)
        for y, n in zip(yes.tolist(), no.tolist(), strict=True):
            scores.append(AnswerScore(log_odds=y - n, answer_mass=math.exp(y) + math.exp(n)))
    return scores


