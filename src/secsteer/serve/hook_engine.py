"""The hook engine: a Hugging Face causal LM decoded step by step under secsteer's steering hooks.

One batched forward per step over every live row. Rows carry their own steering: each vector present in
the batch is applied through steer() with per-row scales (0 for rows that use another vector or none),
so requests with different steering share a batch. Finished rows are dropped from the KV cache.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack
from typing import Any

import torch
from torch import Tensor, nn

from secsteer.serve.engine import Row, VectorInfo
from secsteer.serve.sampling import next_tokens
from secsteer.steering.apply import Steering, steer


class HookEngine:
    per_row_steering = True

    def __init__(
        self, model: nn.Module, tokenizer: Any, name: str, steerings: Mapping[str, Steering] | None = None,
        default_scale: float = 0.0,
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.name = name
        self.steerings = dict(steerings or {})
        for steering in self.steerings.values():      # refuse a vector for another model shape at start
            with steer(model, steering.vector, steering.layers, 0.0):
                pass
        self.vectors = {
            n: VectorInfo(n, tuple(s.layers or s.vector.layers), s.relative) for n, s in self.steerings.items()
        }
        self.default_vector = next(iter(self.steerings), None)
        self.default_scale = default_scale if self.steerings else 0.0
        self.context_length = context_length(model, tokenizer)
        self.eos_ids = eos_ids(model, tokenizer)
        self.device = next(model.parameters()).device
        # transformers >= 5.2x names the KV cache argument `cache` (past_key_values is deprecated)
        self.cache_kwarg = "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"
        pad = tokenizer.pad_token_id
        self.pad_id = int(pad if pad is not None else min(self.eos_ids, default=0))

    def encode(self, text: str) -> list[int]:
        bos = self.tokenizer.bos_token
        special = not (bos and text.startswith(bos))       # as generate() does: a chat template wrote the BOS
        return list(self.tokenizer(text, add_special_tokens=special)["input_ids"])

    def decode(self, ids: Sequence[int]) -> str:
        return str(self.tokenizer.decode(list(ids), skip_special_tokens=True))

    def chat_prompt(self, messages: list[dict[str, str]]) -> str:
        if not getattr(self.tokenizer, "chat_template", None):
            raise ValueError(f"model {self.name} has no chat template; use /v1/completions")
        return str(self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True))

    @torch.inference_mode()
    def run(self, rows: Sequence[Row]) -> Iterator[None]:
        ids, mask = self._left_pad([r.prompt_ids for r in rows])           # (batch, prompt)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        live = list(rows)
        with self._steering(live):
            out = self.model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True,
                             logits_to_keep=1)
        cache = output_cache(out)
        while True:
            tokens = next_tokens(out.logits[:, -1, :].float(), live)          # (batch,)
            for row, token in zip(live, tokens.tolist()):
                row.tokens.append(token)
            yield                                                              # the scheduler marks rows done
            keep = [k for k, row in enumerate(live) if not row.done]
            if not keep:
                return
            if len(keep) < len(live):                                          # free the finished rows
                index = torch.tensor(keep, device=self.device)
                cache.batch_select_indices(index)
                mask, positions, tokens = mask[index], positions[index], tokens[torch.tensor(keep)]
                live = [live[k] for k in keep]
            mask = torch.cat([mask, mask.new_ones(len(live), 1)], dim=1)
            positions = positions[:, -1:] + 1
            with self._steering(live):
                out = self.model(input_ids=tokens[:, None].to(self.device), attention_mask=mask,
                                 position_ids=positions, use_cache=True, **{self.cache_kwarg: cache})

    def _steering(self, rows: Sequence[Row]) -> ExitStack:
        """One steer() per vector present among the rows, each with per-row scales."""
        stack = ExitStack()
        for name in sorted({r.vector for r in rows if r.vector is not None and r.scale != 0}):
            steering = self.steerings[name]
            scales = [r.scale if r.vector == name else 0.0 for r in rows]
            stack.enter_context(steer(self.model, steering.vector, steering.layers, scales,
                                      relative=steering.relative, positions=steering.positions))
        return stack

    def _left_pad(self, prompts: list[list[int]]) -> tuple[Tensor, Tensor]:
        width = max(len(p) for p in prompts)
        ids = torch.full((len(prompts), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(prompts), width), dtype=torch.long)
        for i, p in enumerate(prompts):
            ids[i, width - len(p):] = torch.tensor(p, dtype=torch.long)
            mask[i, width - len(p):] = 1
        return ids.to(self.device), mask.to(self.device)


def context_length(model: nn.Module, tokenizer: Any) -> int:
    config = model.config
    for name in ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length"):
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value
    limit = getattr(tokenizer, "model_max_length", None)
    return int(limit) if isinstance(limit, int) and 0 < limit < 10**7 else 2048


def eos_ids(model: nn.Module, tokenizer: Any) -> frozenset[int]:
    """The tokens that end an answer: the generation config's (what generate() stops at) and the tokenizer's."""
    found: set[int] = set()
    config_eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    for value in (config_eos, tokenizer.eos_token_id):
        if isinstance(value, int):
            found.add(value)
        elif isinstance(value, (list, tuple)):
            found.update(int(v) for v in value)
    return frozenset(found)



def output_cache(out: Any) -> Any:
    cache = getattr(out, "cache", None)
    return cache if cache is not None else out.past_key_values
