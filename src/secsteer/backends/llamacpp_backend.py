"""The llama.cpp engine behind the Backend interface: `--engine llamacpp` for generate, eval and sweep."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from secsteer.activations.read import Activations, Pooling, Span
from secsteer.backends.base import DEFAULT_CONFIG, Generated, check_row_scales
from secsteer.backends.llamacpp import DEFAULT_OPTIONS, HINT, LlamaCppEngine, LlamaCppOptions
from secsteer.generation.generate import GenerationConfig
from secsteer.steering.apply import Steering

log = logging.getLogger(__name__)


def gguf_path(spec: str) -> Path:
    """The GGUF file a model spec names: the bundled model's own file (no conversion) or a .gguf path."""
    if spec.startswith("bundled:"):
        from secsteer.model.bundled import bundled_gguf

        return bundled_gguf(spec.split(":", 1)[1])
    path = Path(spec).expanduser()
    if spec.endswith(".gguf"):
        if not path.is_file():
            raise FileNotFoundError(f"GGUF file {spec} does not exist")
        return path
    raise ValueError(f"the llamacpp engine runs GGUF files: pass --model bundled:NAME or a .gguf file, not {spec!r}")


def gguf_tokenizer(path: Path, spec: str = "") -> Any:
    """The Hugging Face tokenizer stored in a GGUF file (transformers reads the metadata, not the weights;
    ~20 s of CPU for a 150k vocabulary), or the same tokenizer from the bundled model's converted checkpoint
    when the hook engine has converted it already."""
    from transformers import AutoTokenizer

    from secsteer.model.load import prepare_tokenizer

    converted = _converted_bundled(spec)
    if converted is not None:
        return prepare_tokenizer(AutoTokenizer.from_pretrained(str(converted)))
    return prepare_tokenizer(AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name))


def _converted_bundled(spec: str) -> Path | None:
    from secsteer.model.bundled import BUNDLED, cache_root

    name = spec.split(":", 1)[1] if spec.startswith("bundled:") else ""
    if name not in BUNDLED:
        return None
    folder = cache_root() / "models" / f"{name}-{BUNDLED[name].sha256[:12]}"   # as bundled_checkpoint names it
    return folder if (folder / "tokenizer_config.json").is_file() else None


def load_engine(spec: str, options: LlamaCppOptions = DEFAULT_OPTIONS, tokenizer: Any = None) -> LlamaCppEngine:
    path = gguf_path(spec)
    return LlamaCppEngine(path, tokenizer if tokenizer is not None else gguf_tokenizer(path, spec), options, spec=spec)


class LlamaCppBackend:
    """Generation only: reads of hidden states need an engine that exposes them (build vectors with hooks)."""
    name = "llamacpp"

    def __init__(self, options: LlamaCppOptions = DEFAULT_OPTIONS) -> None:
        self.options = options

    def load(self, spec: str, **options: Any) -> tuple[LlamaCppEngine, Any]:
        if options.get("device_map") is not None or str(options.get("device") or "cpu") not in ("cpu", "auto"):
            raise ValueError(f"the llamacpp engine runs on the CPU build of llama.cpp: drop --device/--device-map; {HINT}")
        if options.get("dtype") not in (None, "float32"):
            log.info("llama.cpp runs the GGUF file's own tensor types; --dtype %s does not apply", options["dtype"])
        engine = load_engine(spec, self.options)
        return engine, engine.tokenizer

    def read(
        self, model: Any, tokenizer: Any, texts: Sequence[str], layers: Sequence[int] | str | None = None,
        pooling: Pooling = "mean", batch_size: int = 8, max_length: int | None = 1024,
        spans: Sequence[Sequence[Span]] | None = None, show_progress: bool = False,
    ) -> Activations:
        raise ValueError("the llamacpp engine cannot read activations: build the vector with `secsteer build` "
                         "(hook engine) and pass it as --vector (or `vector = PATH` in a sweep spec)")

    def generate(
        self, model: LlamaCppEngine, tokenizer: Any, prompts: Sequence[str], config: GenerationConfig = DEFAULT_CONFIG,
        steering: Steering | None = None, row_scales: Sequence[float] | None = None, show_progress: bool = False,
    ) -> list[str]:
        """Per-row scales run as one llama.cpp batch per distinct scale (one control vector per context)."""
        check_row_scales(prompts, steering, row_scales)
        out = [""] * len(prompts)
        for rows, group in _scale_groups(prompts, steering, row_scales):
            for i, text in zip(rows, model.generate([prompts[i] for i in rows], config, group), strict=True):
                out[i] = text
        return out

    def generate_logits(
        self, model: LlamaCppEngine, tokenizer: Any, prompts: Sequence[str], config: GenerationConfig = DEFAULT_CONFIG,
        steering: Steering | None = None, row_scales: Sequence[float] | None = None,
    ) -> Generated:
        """All prompts as one batch; sequences left-padded like the hook engine's, finished rows padded."""
        check_row_scales(prompts, steering, row_scales)
        if row_scales is not None and len(set(row_scales)) > 1:
            raise ValueError(f"generate_logits on the llamacpp engine takes one scale for the batch; {HINT}")
        if steering is not None and row_scales is not None:
            steering = replace(steering, scale=row_scales[0])
        config = replace(config, batch_size=len(prompts))
        rows = model.generate_rows(prompts, config, steering, keep_logits=config.max_new_tokens)
        pad = int(tokenizer.pad_token_id)
        width, steps = max(len(r.prompt) for r in rows), max(len(r.tokens) for r in rows)
        sequences = torch.full((len(rows), width + steps), pad, dtype=torch.long)
        logits = torch.zeros(steps, len(rows), model.vocab_size)
        for i, r in enumerate(rows):
            sequences[i, width - len(r.prompt):width] = torch.tensor(r.prompt)
            sequences[i, width:width + len(r.tokens)] = torch.tensor(r.tokens)
            if r.logits:
                logits[:len(r.logits), i] = torch.from_numpy(np.stack(r.logits))
        return Generated(sequences=sequences, logits=tuple(logits), prompt_length=width)


def _scale_groups(
    prompts: Sequence[str], steering: Steering | None, row_scales: Sequence[float] | None,
) -> list[tuple[list[int], Steering | None]]:
    """(row indices, steering at their scale): one group per distinct row scale (which replaces the
    record's scale, as in steer()), in first-seen order."""
    if steering is None or row_scales is None:
        return [(list(range(len(prompts))), steering)]
    groups: dict[float, list[int]] = {}
    for i, s in enumerate(row_scales):
        groups.setdefault(float(s), []).append(i)
    return [(rows, replace(steering, scale=s)) for s, rows in groups.items()]
