"""Resolve a model spec (hub id, local dir, .gguf file, bundled:NAME) to a model and tokenizer."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import torch
from transformers import (
    AutoConfig,
    AutoModelForCausalLM,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

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


def resolve_device(device: str) -> str:
    """"auto": the GPU when torch sees one, else the CPU; anything else as given."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def load_model(
    spec: str | ModelConfig = DEFAULT_BUNDLED, **options: Any
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Load a causal LM and its tokenizer, in eval mode, ready for generate().

    Options are ModelConfig fields (dtype, device, device_map, revision, trust_remote_code).
    """
    config = spec if isinstance(spec, ModelConfig) else ModelConfig(spec=spec, **options)
    source, common = _source(config.spec, config.revision, config.trust_remote_code)
    kwargs: dict[str, Any] = {"dtype": DTYPES[config.dtype], **common}
    if "gguf_file" not in common:
        kwargs["use_safetensors"] = True   # never unpickle weights (pytorch_model.bin)
        _refuse_pickle_only(config.spec, source)
    if config.device_map is not None:
        kwargs["device_map"] = config.device_map
    with _load_errors(config.spec):
        tokenizer = AutoTokenizer.from_pretrained(source, **common)
        model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
    if config.device_map is None:
        model.to(resolve_device(config.device))   # type: ignore[arg-type]  # transformers types .to() narrowly
    model.eval()
    prepare_tokenizer(tokenizer)
    model.secsteer_spec = config.spec   # type: ignore[assignment]  # the id recorded in vectors built on it
    log.info("loaded %s (%s, %d params)", config.spec, type(model).__name__, model.num_parameters())
    return model, tokenizer


def model_depth(spec: str, revision: str | None = None, trust_remote_code: bool = False) -> int:
    """The number of decoder layers of a model spec, from its config alone (no weights are read)."""
    source, common = _source(spec, revision, trust_remote_code)
    with _load_errors(spec):
        config = AutoConfig.from_pretrained(source, **common)
    for name in ("num_hidden_layers", "n_layer", "num_layers"):
        depth = getattr(config, name, None) or getattr(getattr(config, "text_config", None), name, None)
        if isinstance(depth, int) and depth > 0:
            return depth
    raise ModelLoadError(f"model {spec!r}: its config gives no number of layers")


class ModelLoadError(ValueError):
    """A model spec that cannot be loaded; the message is one line that says why."""


def _source(spec: str, revision: str | None, trust_remote_code: bool) -> tuple[str, dict[str, Any]]:
    source, extra = resolve_spec(spec)
    common: dict[str, Any] = {"revision": revision, "trust_remote_code": trust_remote_code, **extra}
    if not Path(source).exists():                # a hub id: fail at once, not after retries, when unreachable
        if _hub_cached(source, revision):
            common["local_files_only"] = _offline() or not _hub_reachable()[0]
        elif _offline():
            raise ModelLoadError(f"model {spec!r} is not a local path nor in the Hugging Face cache, and "
                                 "HF_HUB_OFFLINE is set; pass a checkpoint directory, a .gguf file or bundled:NAME")
        else:
            reachable, why = _hub_reachable()
            if not reachable:
                raise ModelLoadError(f"model {spec!r} is not a local path nor in the Hugging Face cache, and the hub "
                                     f"cannot be reached ({why}); pass a checkpoint directory, a .gguf file or "
                                     "bundled:NAME")
    return source, common


def _hub_cached(repo: str, revision: str | None) -> bool:
    from huggingface_hub import try_to_load_from_cache

    try:
        return isinstance(try_to_load_from_cache(repo, "config.json", revision=revision), str)
    except ValueError:                           # not a valid repo id
        return False


def _hub_reachable(timeout_s: float = 5.0) -> tuple[bool, str]:
    endpoint = urlsplit(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    port = endpoint.port or (443 if endpoint.scheme == "https" else 80)
    try:
        socket.create_connection((endpoint.hostname or "", port), timeout=timeout_s).close()
    except OSError as err:
        return False, f"{endpoint.hostname}:{port}: {err.strerror or err}"
    return True, ""


def _refuse_pickle_only(spec: str, source: str) -> None:
    folder = Path(source)
    if folder.is_dir() and not any(folder.glob("*.safetensors")) and any(folder.glob("*.bin")):
        raise ModelLoadError(f"model {spec!r} has only pickled weights ({', '.join(p.name for p in folder.glob('*.bin'))}); "
                             "secsteer loads safetensors only: convert them with save_pretrained(..., "
                             "safe_serialization=True) where you trust the file")


@contextmanager
def _load_errors(spec: str) -> Iterator[None]:
    """transformers' errors (OSError, EnvironmentError, ...) as one line naming the spec."""
    try:
        yield
    except ModelLoadError:
        raise
    except (OSError, ValueError, ImportError) as err:
        first = next((line.strip() for line in str(err).splitlines() if line.strip()), type(err).__name__)
        raise ModelLoadError(f"cannot load model {spec!r}: {first}") from None


def prepare_tokenizer(tokenizer: PreTrainedTokenizerBase) -> PreTrainedTokenizerBase:
    """Batched generation needs a pad token; left padding keeps every prompt's end aligned."""
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def model_id(model: Any) -> str:
    return str(getattr(model, "secsteer_spec", None) or getattr(model, "name_or_path", "") or "unknown")


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE") == "1" or os.environ.get("TRANSFORMERS_OFFLINE") == "1"
