"""Project the "a closing parenthesis comes next" direction out of a vector, and measure what is left.

One-off research script for docs/results.md section 8. The direction is the mean layer-L state before a
token that starts with ")" minus the mean state elsewhere, over both sides of the pairs the vector came
from. Usage (from the repository root, after `secsteer build ... --focus diff --layers 12 --out V`):

    python research/paren_direction.py V --cwe CWE-79 --out V-noparen.safetensors
"""

from __future__ import annotations

import argparse
import dataclasses

import torch

from secsteer.data.scenarios import load_scenarios
from secsteer.data.sources import load_many
from secsteer.model.load import load_model
from secsteer.vectors.effects import token_change
from secsteer.vectors.vector import SteeringVector


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vector")
    parser.add_argument("--pairs", default="sven:../shared/datasets/sven/data_train_val")
    parser.add_argument("--cwe", default="CWE-79")
    parser.add_argument("--layer", type=int, default=12)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    model, tok = load_model("bundled:qwen2.5-coder-0.5b-instruct", dtype="bfloat16")
    vector = SteeringVector.load(args.vector)
    pairs = load_many([args.pairs], cwes=[args.cwe], languages=["python"], split="train")
    closer = torch.tensor([tok.decode([i]).lstrip().startswith(")") for i in range(len(tok))])
    hidden = model.config.hidden_size
    sums, counts = [torch.zeros(hidden), torch.zeros(hidden)], [0, 0]   # [before ")", elsewhere]
    with torch.no_grad():
        for pair in pairs:
            for text in (pair.secure, pair.insecure):
                ids = tok(text, return_tensors="pt", truncation=True, max_length=512)["input_ids"]
                states = model(input_ids=ids, output_hidden_states=True).hidden_states[args.layer + 1][0, :-1]
                before = closer[ids[0, 1:]]
                for k, mask in enumerate((before, ~before)):
                    sums[k] += states[mask].float().sum(0)
                    counts[k] += int(mask.sum())
    paren = sums[0] / counts[0] - sums[1] / counts[1]
    paren = paren / paren.norm()
    d = vector.directions[args.layer]
    print(f"{counts[0]} positions before ')', {counts[1]} elsewhere; cosine(vector, paren) = "
          f"{float(d @ paren / d.norm()):.3f}")
    kept = dataclasses.replace(vector, directions={args.layer: d - (d @ paren) * paren},
                               meta=dataclasses.replace(vector.meta, method=f"{vector.meta.method}-minus-paren"))
    kept.save(args.out)
    texts = [s.prompt for s in load_scenarios("builtin", cwes=[args.cwe])]
    escape = tok(" escape", add_special_tokens=False)["input_ids"][0]
    for name, v in (("vector", vector), ("minus paren", kept)):
        change, positions = token_change(model, tok, v, texts, [args.layer], 0.15)
        rank = int((change > change[escape]).sum())
        top = [(tok.decode([int(i)]), round(float(change[i]), 2)) for i in torch.topk(change, 5).indices]
        print(f"{name} at 0.15 x norm over {positions} positions: raised most {top}; tokens starting with ')' "
              f"{float(change[closer].mean()):+.2f}, all tokens {float(change.mean()):+.2f}; ' escape' "
              f"{float(change[escape]):+.2f} (rank {rank + 1} of {change.numel()})")


if __name__ == "__main__":
    main()
