"""Resolve a model spec (hub id, local dir, .gguf file, bundled:NAME) to a model and tokenizer."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from secsteer.model.bundled import DEFAULT_BUNDLED, bundled_checkpoint

log = logging.getLogger(__name__)

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


@dataclass(frozen=True)
class ModelConfig:
    spec: str = DEFAULT_BUNDLED
    dtype: str = "float32"
    device: str = "cpu"
    device_map: str | dict[str, Any] | None = None   # "auto" spreads over GPUs (needs accelerate)
    revision: str | None = None
    trust_remote_code: bool = False

    def __post_init__(self) -> None:
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {sorted(DTYPES)}, got {self.dtype!r}")


def resolve_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """Map a spec to (path or hub id, extra from_pretrained kwargs)."""
    if spec.startswith("bundled:"):
        return str(bundled_checkpoint(spec.split(":", 1)[1])), {}
    path = Path(spec).expanduser()
    if spec.endswith(".gguf"):
        if not path.is_file():
            raise FileNotFoundError(f"GGUF file {spec} does not exist")
        return str(path.parent), {"gguf_file": path.name}
    if path.exists():
        if not (path / "config.json").is_file():
            raise FileNotFoundError(f"{spec} is a path but holds no config.json; is it a checkpoint directory?")
        return str(path), {}
    if spec.count("/") > 1 or spec.startswith((".", "/", "~")):
        raise FileNotFoundError(f"model path {spec} does not exist")
    return spec, {}   # a hub id, e.g. bigcode/starcoderbase-1b


def load_model(
    spec: str | ModelConfig = DEFAULT_BUNDLED, **options: Any
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Load a causal LM and its tokenizer, in eval mode, ready for generate().

    Options are ModelConfig fields (dtype, device, device_map, revision, trust_remote_code).
    """
    config = spec if isinstance(spec, ModelConfig) else ModelConfig(spec=spec, **options)
    source, extra = resolve_spec(config.spec)
    common: dict[str, Any] = {"revision": config.revision, "trust_remote_code": config.trust_remote_code, **extra}
    if _offline() and not Path(source).exists():
        common["local_files_only"] = True
    tokenizer = AutoTokenizer.from_pretrained(source, **common)
    kwargs: dict[str, Any] = {"dtype": DTYPES[config.dtype], **common}
    if config.device_map is not None:
        kwargs["device_map"] = config.device_map
    model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
    if config.device_map is None:
        model.to(config.device)   # type: ignore[arg-type]  # transformers types .to() narrowly
    model.eval()
    prepare_tokenizer(tokenizer)
    model.secsteer_spec = config.spec   # type: ignore[assignment]  # the id recorded in vectors built on it
    log.info("loaded %s (%s, %d params)", config.spec, type(model).__name__, model.num_parameters())
    return model, tokenizer


def prepare_tokenizer(tokenizer: PreTrainedTokenizerBase) -> PreTrainedTokenizerBase:
    """Batched generation needs a pad token; left padding keeps every prompt's end aligned."""
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def model_id(model: Any) -> str:
    return str(getattr(model, "secsteer_spec", None) or getattr(model, "name_or_path", "") or "unknown")


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE") == "1" or os.environ.get("TRANSFORMERS_OFFLINE") == "1"
