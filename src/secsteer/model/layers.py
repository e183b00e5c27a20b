"""Find the decoder blocks of any causal LM, and turn layer specs into block indices."""

from __future__ import annotations

from collections.abc import Iterable

from torch import nn

# Known attribute paths of the decoder block list, most common first.
BLOCK_PATHS = (
    "model.layers",                  # Llama, Qwen2, Mistral, Gemma, Phi-3
    "transformer.h",                 # GPT-2, GPTBigCode (StarCoder), GPT-J, Falcon
    "gpt_neox.layers",               # GPT-NeoX, Pythia
    "model.decoder.layers",          # OPT
    "transformer.blocks",            # MPT
    "model.language_model.layers",   # Gemma 3 / multimodal wrappers
    "transformer.layers",            # ChatGLM-style
    "layers",
)


def _get(model: nn.Module, path: str) -> nn.Module | None:
    module: nn.Module | None = model
    for part in path.split("."):
        module = getattr(module, part, None)
        if module is None:
            return None
    return module


def decoder_blocks(model: nn.Module, path: str | None = None) -> nn.ModuleList:
    """The model's decoder blocks, in order. `path` overrides the search (e.g. 'model.layers')."""
    candidates = [path] if path else list(BLOCK_PATHS)
    for candidate in candidates:
        found = _get(model, candidate)
        if isinstance(found, nn.ModuleList) and len(found) > 0:
            return found
    n_layers = getattr(getattr(model, "config", None), "num_hidden_layers", None)
    if path is None and n_layers:   # unknown architecture: one ModuleList of the configured depth
        lists = [m for m in model.modules() if isinstance(m, nn.ModuleList) and len(m) == n_layers]
        if len(lists) == 1:
            return lists[0]
    raise ValueError(
        f"no decoder blocks found in {type(model).__name__}: searched {candidates}"
        + (" and any single ModuleList of num_hidden_layers modules" if path is None else "")
        + "; pass blocks_path='<dotted.path>' naming the ModuleList of decoder layers"
    )


def num_layers(model: nn.Module) -> int:
    return len(decoder_blocks(model))


def resolve_layers(spec: Iterable[int] | str | None, n_layers: int) -> list[int]:
    """Sorted, unique, non-negative block indices from ints (negatives count from the end) or '4,12,20' / 'all'."""
    if spec is None or spec == "all":
        return list(range(n_layers))
    if isinstance(spec, str):
        try:
            spec = [int(s) for s in spec.replace(" ", "").split(",") if s]
        except ValueError:
            raise ValueError(f"layers must be comma-separated integers or 'all', got {spec!r}") from None
    layers: set[int] = set()
    for layer in spec:
        index = layer + n_layers if layer < 0 else layer
        if not 0 <= index < n_layers:
            raise ValueError(f"layer {layer} is out of range for a model with {n_layers} layers (0..{n_layers - 1})")
        layers.add(index)
    if not layers:
        raise ValueError("no layers selected")
    return sorted(layers)
