"""How a pair is shown to the model when its activations are read (no torch here: specs import this)."""

from __future__ import annotations

from secsteer.generation.hints import HINTS

# code: the bare code; review: inside the detection question (review.py); hint:…: the pair's task asked with
# and without a security hint (hint_view.py)
VIEWS = ("code", "review", *(f"hint:{h}" for h in HINTS))
View = str
