"""The nnsight engine (local, or remote on NDIF): the same reads and steering as the hook engine.

Reads pool inside the trace so only (batch, d_model) per layer comes back, which matters remotely.
Steering inside `generate` sits in `tracer.iter[...]`: step 0 is the prompt pass, steps 1.. the cached
decoding calls, which is how positions prompt / generated / all map onto nnsight.
"""

from __future__ import annotations

import copy
import inspect
import logging
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from secsteer.activations.read import (
    Activations,
    Pooling,
    Span,
    block_output,
    pooling_weights,
    spans_to_mask,
    tokenize_right,
)
from secsteer.backends.base import (
    DEFAULT_CONFIG,
    Generated,
    check_row_scales,
    generate_texts,
    generation_kwargs,
    input_device,
    steering_deltas,
)
from secsteer.generation.generate import GenerationConfig, encode_left
from secsteer.model.layers import decoder_blocks, resolve_layers
from secsteer.steering.apply import Steering
from secsteer.steering.hooks import Positions

log = logging.getLogger(__name__)

# nnsight warns when a `tracer.iter` loop outlives the run (EOS, stop strings, open-ended loops): expected here.
DANGLING_LOOP = r".*was never reached: the loop asked for a step"


def _nnsight() -> Any:
    try:
        import nnsight
    except ImportError:
        raise ValueError("the nnsight backend needs nnsight; install it with `pip install 'secsteer[nnsight]'`") from None
    return nnsight


@contextmanager
def instrumented(model: nn.Module, tokenizer: Any) -> Iterator[Any]:
    """Wrap a loaded HF model for nnsight, and leave model and tokenizer exactly as they were afterwards.

    nnsight sets the tokenizer's padding side and installs a forward on every module; it gets a copy
    of the tokenizer, and the forwards it installed are removed on exit.
    """
    from nnsight import TransformersModel
    from nnsight.intervention.source import STATE

    before = {module: ("forward" in module.__dict__, STATE in module.__dict__) for module in model.modules()}
    try:
        yield TransformersModel(model, tokenizer=copy.deepcopy(tokenizer), task="text-generation")
    finally:
        for module, (had_forward, had_state) in before.items():
            if not had_forward:
                module.__dict__.pop("forward", None)
            if not had_state:
                module.__dict__.pop(STATE, None)


def block_envoys(wrapped: Any) -> list[Any]:
    """The envoys of the decoder blocks, found on the wrapped module the way decoder_blocks() finds them."""
    module = wrapped._module
    blocks = decoder_blocks(module)
    path = next(name for name, m in module.named_modules() if m is blocks)
    envoy = wrapped
    for part in path.split("."):
        envoy = getattr(envoy, part)
    return [envoy[i] for i in range(len(blocks))]


def add_to_output(envoy: Any, delta: Tensor) -> None:
    """Inside a trace: block output += delta, moved to wherever the output lives (device maps, NDIF)."""
    output = envoy.output
    hidden = block_output(output)                                    # (batch, seq, d_model)
    steered = hidden + delta.to(hidden.device, hidden.dtype)
    envoy.output = (steered, *output[1:]) if isinstance(output, tuple) else steered


def step_range(positions: Positions) -> int | slice:
    """Which forward calls of a generation a position policy steers (0 = the prompt pass)."""
    if positions is Positions.PROMPT:
        return 0
    return slice(1, None) if positions is Positions.GENERATED else slice(None)


class NNsightBackend:
    """nnsight 0.8 engine.

    remote=True runs every trace on NDIF (load() then builds a weightless model from a hub id);
    remote="local" sends each trace through nnsight's serialize/deserialize path in this process,
    which checks offline that the interventions would survive the trip to NDIF.
    """
    name = "nnsight"

    def __init__(self, remote: bool | Literal["local"] = False) -> None:
        _nnsight()
        self.remote = remote

    def load(self, spec: str, **options: Any) -> tuple[Any, Any]:
        """Locally: load_model(spec, **options). Remotely: a weightless nnsight model; NDIF picks device and dtype."""
        from secsteer.model.load import load_model, prepare_tokenizer

        if self.remote is not True:
            return load_model(spec, **options)
        from nnsight import TransformersModel

        from secsteer.backends.remote import check_remote

        check_remote(spec)
        wrapped = TransformersModel(spec, task="text-generation")     # meta weights: NDIF holds the real ones
        wrapped._module.secsteer_spec = spec                           # the id recorded in vectors built on it
        return wrapped, prepare_tokenizer(copy.deepcopy(wrapped.tokenizer))

    @contextmanager
    def _wrapped(self, model: Any, tokenizer: Any) -> Iterator[Any]:
        if isinstance(model, nn.Module):
            with instrumented(model, tokenizer) as wrapped:
                yield wrapped
        else:
            yield model                       # already an nnsight model (the remote path)

    def _run_kwargs(self) -> dict[str, Any]:
        return {"remote": self.remote} if self.remote else {}

    @torch.inference_mode()
    def read(
        self, model: Any, tokenizer: Any, texts: Sequence[str], layers: Sequence[int] | str | None = None,
        pooling: Pooling = "mean", batch_size: int = 8, max_length: int | None = 1024,
        spans: Sequence[Sequence[Span]] | None = None, show_progress: bool = False,
    ) -> Activations:
        """Pooled block outputs for each text; the same batching and pooling as read_activations."""
        if not texts:
            raise ValueError("no texts to read activations from")
        if spans is not None and len(spans) != len(texts):
            raise ValueError(f"got {len(spans)} span lists for {len(texts)} texts")
        with self._wrapped(model, tokenizer) as wrapped:
            envoys = block_envoys(wrapped)
            chosen = resolve_layers(layers, len(envoys))
            sums: dict[int, list[Tensor]] = {layer: [] for layer in chosen}
            norm_sum = dict.fromkeys(chosen, 0.0)
            counted = 0
            order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # same batches as read_activations
            for start in tqdm(range(0, len(texts), batch_size), disable=not show_progress, desc="activations"):
                rows = order[start : start + batch_size]
                inputs, weights, norm_mask = self._read_inputs(
                    wrapped, tokenizer, [texts[i] for i in rows], pooling, max_length,
                    [spans[i] for i in rows] if spans is not None else None,
                )
                pooled, norms = self._read_batch(wrapped, envoys, chosen, inputs, weights, norm_mask)
                counted += int(norm_mask.sum())
                for layer in chosen:
                    sums[layer].append(pooled[layer].cpu())
                    norm_sum[layer] += float(norms[layer])
        inverse = torch.tensor(order).argsort()                          # back to the caller's order
        return Activations(
            pooled={layer: torch.cat(chunks)[inverse] for layer, chunks in sums.items()},
            token_norm={layer: norm_sum[layer] / max(counted, 1) for layer in chosen},
            n_tokens=counted,
        )

    def _read_inputs(
        self, wrapped: Any, tokenizer: Any, texts: list[str], pooling: Pooling, max_length: int | None,
        spans: list[Sequence[Span]] | None,
    ) -> tuple[dict[str, Tensor], Tensor, Tensor]:
        batch = tokenize_right(tokenizer, texts, max_length, spans is not None)
        span_mask = spans_to_mask(batch.pop("offset_mapping"), spans) if spans is not None else None
        mask = batch["attention_mask"]
        weights = pooling_weights(mask, pooling, span_mask)                           # (batch, seq)
        first = (mask.cumsum(dim=1) == 1) & mask.bool()
        norm_mask = (mask.bool() & ~first).float()                                    # position 0 left out
        if "position_ids" in inspect.signature(wrapped._module.forward).parameters:
            batch["position_ids"] = (mask.cumsum(-1) - 1).clamp(min=0)
        return batch, weights, norm_mask

    def _read_batch(
        self, wrapped: Any, envoys: list[Any], chosen: list[int], inputs: dict[str, Tensor],
        weights: Tensor, norm_mask: Tensor,
    ) -> tuple[dict[int, Tensor], dict[int, Tensor]]:
        nnsight = _nnsight()
        device = _input_device(wrapped)
        inputs = {k: v.to(device) for k, v in inputs.items()}
        with wrapped.trace(inputs.pop("input_ids"), **inputs, use_cache=False, **self._run_kwargs()) as tracer:
            pooled = {}
            norms = {}
            for layer in chosen:
                hidden = block_output(envoys[layer].output).float()                  # (batch, seq, d_model)
                w = weights.to(hidden.device)
                pooled[layer] = torch.einsum("bs,bsd->bd", w, hidden).cpu()
                norms[layer] = (hidden.norm(dim=-1) * norm_mask.to(hidden.device)).sum().cpu()
            pooled = nnsight.save(pooled)
            norms = nnsight.save(norms)
            tracer.stop()
        return pooled, norms

    def generate(
        self, model: Any, tokenizer: Any, prompts: Sequence[str], config: GenerationConfig = DEFAULT_CONFIG,
        steering: Steering | None = None, row_scales: Sequence[float] | None = None, show_progress: bool = False,
    ) -> list[str]:
        """One completion per prompt: the batching, seeds and stop rules of secsteer.generation.generate."""
        check_row_scales(prompts, steering, row_scales)
        with self._wrapped(model, tokenizer) as wrapped:
            envoys = block_envoys(wrapped)

            def run_batch(batch: dict[str, Tensor], scales: list[float] | None, _b: int) -> Tensor:
                deltas = steering_deltas(wrapped._module, steering, scales) if steering is not None else {}
                kwargs = generation_kwargs(config, _run_tokenizer(wrapped, tokenizer))
                return self._generate_batch(wrapped, envoys, batch, kwargs, deltas, steering)

            return generate_texts(tokenizer, prompts, config, run_batch, row_scales,
                                  _input_device(wrapped), show_progress)

    def generate_logits(
        self, model: Any, tokenizer: Any, prompts: Sequence[str], config: GenerationConfig = DEFAULT_CONFIG,
        steering: Steering | None = None, row_scales: Sequence[float] | None = None,
    ) -> Generated:
        """All prompts as one batch, seeded with config.seed, returning the scores of every step."""
        check_row_scales(prompts, steering, row_scales)
        with self._wrapped(model, tokenizer) as wrapped:
            envoys = block_envoys(wrapped)
            batch = encode_left(tokenizer, list(prompts), _input_device(wrapped))
            scales = list(row_scales) if row_scales is not None else None
            deltas = steering_deltas(wrapped._module, steering, scales) if steering is not None else {}
            kwargs = generation_kwargs(config, _run_tokenizer(wrapped, tokenizer))
            kwargs.update(output_logits=True, return_dict_in_generate=True)
            torch.manual_seed(config.seed)
            out = self._generate_batch(wrapped, envoys, batch, kwargs, deltas, steering)
        return Generated(sequences=out.sequences, logits=tuple(out.logits),
                         prompt_length=int(batch["input_ids"].shape[1]))

    def _generate_batch(
        self, wrapped: Any, envoys: list[Any], batch: dict[str, Tensor], kwargs: dict[str, Any],
        deltas: dict[int, Tensor], steering: Steering | None,
    ) -> Any:
        steps = step_range(Positions.parse(steering.positions)) if steering is not None else slice(None)
        targets = [(envoys[layer], delta) for layer, delta in sorted(deltas.items())]   # in execution order
        # The result is read in a second invoke: a steering loop cut short by EOS skips what follows it.
        # (No comments inside the traced block: nnsight recompiles its source, remotely too.)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=DANGLING_LOOP)
            with wrapped.generate(**kwargs, **self._run_kwargs()) as tracer:
                with tracer.invoke(batch["input_ids"], attention_mask=batch["attention_mask"]):
                    if targets:
                        for _step in tracer.iter[steps]:
                            for envoy, delta in targets:
                                add_to_output(envoy, delta)
                with tracer.invoke():
                    result = tracer.result.save()
        return result


def _input_device(wrapped: Any) -> torch.device:
    return input_device(wrapped._module)


def _run_tokenizer(wrapped: Any, tokenizer: Any) -> Any:
    """The tokenizer generate() gets for stop strings: nnsight's own, which NDIF can resolve remotely."""
    return getattr(wrapped, "tokenizer", None) or tokenizer
