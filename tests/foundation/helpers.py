from __future__ import annotations

import torch

from secsteer.data.pairs import ContrastPair
from secsteer.vectors.vector import SteeringVector, VectorMeta

PAIRS = [
    ContrastPair("t/1", "CWE-89", "python",
                 "cur.execute('SELECT * FROM t WHERE id = ?', (uid,))\n",
                 "cur.execute('SELECT * FROM t WHERE id = %s' % uid)\n"),
    ContrastPair("t/2", "CWE-78", "python",
                 "subprocess.run(['ls', path], check=True)\n",
                 "os.system('ls ' + path)\n"),
    ContrastPair("t/3", "CWE-787", "c",
                 "strncpy(buf, src, sizeof(buf) - 1);\n",
                 "strcpy(buf, src);\n"),
]


def random_vector(model, layers, seed: int = 0, norm: float = 1.0) -> SteeringVector:
    from secsteer.model.layers import num_layers

    hidden = model.config.hidden_size if hasattr(model.config, "hidden_size") else model.config.n_embd
    gen = torch.Generator().manual_seed(seed)
    directions = {layer: torch.randn(hidden, generator=gen) for layer in layers}
    meta = VectorMeta(model_id="tiny", architecture=type(model).__name__, hidden_size=hidden,
                      num_layers=num_layers(model), method="random", n_pairs=0, pairs_hash="",
                      layer_norms={layer: norm for layer in layers})
    return SteeringVector(directions=directions, meta=meta)


def cached_step(model, ids, cache):
    """One decoding call on a KV cache, under whichever keyword this transformers version names it."""
    import inspect

    name = "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"
    return model(ids, use_cache=True, **{name: cache})
