"""Build a SteeringVector from contrast pairs: read both sides, aggregate the paired differences."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from torch import nn

from secsteer.activations.read import Activations, Pooling, read_activations
from secsteer.data.pairs import ContrastPair, pairs_hash, require_pairs
from secsteer.model.layers import num_layers
from secsteer.model.load import model_id
from secsteer.vectors.diff import Focus, focus_spans
from secsteer.vectors.methods import get_method
from secsteer.vectors.review import VIEWS, View, review_texts
from secsteer.vectors.vector import SteeringVector, VectorMeta

log = logging.getLogger(__name__)


def read_pairs(
    model: nn.Module,
    tokenizer: Any,
    pairs: Sequence[ContrastPair],
    layers: Sequence[int] | str | None = None,
    pooling: Pooling = "mean",
    batch_size: int = 8,
    show_progress: bool = False,
    *,
    focus: Focus = "all",
    context_lines: int = 0,
    read: Callable[..., Activations] = read_activations,
    view: View = "code",
) -> tuple[Activations, Activations]:
    """Activations of the secure sides and of the insecure sides, row i = pair i.

    focus="diff" pools each side over its changed lines only (vectors/diff.py), `context_lines` around them;
    with pooling="last", on the last changed token. view="review" reads each side inside the detection
    question instead of as bare code (vectors/review.py).
    """
    require_pairs(pairs)
    if view not in VIEWS:
        raise ValueError(f"view must be one of {list(VIEWS)}, got {view!r}")
    texts = [p.secure for p in pairs] + [p.insecure for p in pairs]
    spans = focus_spans(pairs, focus, pooling, context_lines)
    if view == "review":
        texts, spans = review_texts(tokenizer, pairs, spans)
    elif view.startswith("hint:"):
        if focus != "all":
            raise ValueError("a hint view reads the prompt, which has no changed lines: use focus 'all' "
                             "(with pooling 'last', the state generation starts from)")
        from secsteer.vectors.hint_view import hint_texts

        texts = hint_texts(tokenizer, pairs, view)
    both = read(model, tokenizer, texts, layers, pooling, batch_size, spans=spans, show_progress=show_progress)
    n = len(pairs)
    secure = Activations({k: v[:n] for k, v in both.pooled.items()}, both.token_norm, both.n_tokens)
    insecure = Activations({k: v[n:] for k, v in both.pooled.items()}, both.token_norm, both.n_tokens)
    return secure, insecure


def vector_from_activations(
    model: nn.Module,
    secure: Activations,
    insecure: Activations,
    pairs: Sequence[ContrastPair],
    method: str = "mean_diff",
    pooling: str = "mean",
    source: str = "",
    filters: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> SteeringVector:
    aggregate = get_method(method)
    directions = {layer: aggregate(secure.pooled[layer], insecure.pooled[layer]) for layer in secure.layers}
    meta = VectorMeta(
        model_id=model_id(model),
        architecture=type(model).__name__,
        hidden_size=int(next(iter(directions.values())).numel()),
        num_layers=num_layers(model),
        method=method,
        n_pairs=len(pairs),
        pairs_hash=pairs_hash(pairs),
        layer_norms=dict(secure.token_norm),
        pooling=pooling,
        source=source,
        filters=filters or {},
        extra={"cwes": sorted({p.cwe for p in pairs}), **(extra or {})},
    )
    return SteeringVector(directions=directions, meta=meta)


def build_vector(
    model: nn.Module,
    tokenizer: Any,
    pairs: Sequence[ContrastPair],
    method: str = "mean_diff",
    layers: Sequence[int] | str | None = None,
    pooling: Pooling = "mean",
    batch_size: int = 8,
    source: str = "",
    filters: dict[str, Any] | None = None,
    show_progress: bool = False,
    *,
    focus: Focus = "all",
    context_lines: int = 0,
    secure_centroid: bool = False,
    read: Callable[..., Activations] = read_activations,
    view: View = "code",
) -> SteeringVector:
    """Secure minus insecure, per layer, from real hidden states of both sides of every pair.

    focus="diff": pool only the changed lines (plus `context_lines`); secure_centroid=True stores the
    secure side's mean activation in meta.extra["secure_centroid"] (what steer_ablate aims at).
    view="review": read the model reviewing each side ("does this code contain CWE-X?"), not writing it.
    """
    get_method(method)   # fail on a bad name before the forward passes
    secure, insecure = read_pairs(model, tokenizer, pairs, layers, pooling, batch_size, show_progress,
                                  focus=focus, context_lines=context_lines, read=read, view=view)
    extra: dict[str, Any] = {"focus": focus, "context_lines": context_lines} if focus != "all" else {}
    if view != "code":
        extra["view"] = view
    if secure_centroid:
        extra["secure_centroid"] = centroid_json(secure)
    vector = vector_from_activations(model, secure, insecure, pairs, method, pooling, source, filters, extra)
    log.info("built %s vector from %d pairs over %d layers", method, len(pairs), len(vector.layers))
    return vector


def centroid_json(secure: Activations) -> dict[str, list[float]]:
    """Mean secure-side activation per layer, as JSON-safe lists (6 significant digits keep the file small)."""
    return {str(layer): [float(f"{x:.6g}") for x in acts.mean(dim=0).tolist()]
            for layer, acts in secure.pooled.items()}
