"""Each trained vector's checkpoint in a sweep's vector cache: steps, validation loss at the start and at each
evaluation, and the step kept (0 means training never beat the random start, which early stopping then keeps).

    python research/trained_states.py runs/hr/vcache
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def rows(cache: Path) -> list[str]:
    out = []
    for folder in sorted(cache.glob("trained-*")):
        state = json.loads((folder / "state.json").read_text())
        config = state["identity"]["config"]
        vals = " -> ".join(f"{h['val_loss']:.2f}@{h['step']}" for h in state["history"])
        out.append(f"{folder.name}  shuffled={config['shuffle_labels']}  steps={state['step']}  "
                   f"kept=step {state['best_step']}  val {vals}  {state['seconds']:.0f} s")
    return out


if __name__ == "__main__":
    print("\n".join(rows(Path(sys.argv[1]))))
