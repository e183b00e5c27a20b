"""What the nnsight engine costs: steered generation through nnsight vs plain and hook-steered generation.

A random Llama-shaped model (8 layers x 512 by default), greedy decoding of a fixed number of new tokens,
batch 1 and 8. Conditions run interleaved within each repetition, so drift on a shared machine hits all
of them alike; each condition is reported as the median (and the 25th-75th percentile) of its per-repetition
ratio to plain generation. The tokenizer's vocabulary is small, so the LM head is cheap and the ratios
are an upper bound on the engine's relative overhead.

    python benchmarks/bench_nnsight.py --quick
    python benchmarks/bench_nnsight.py --json results.json
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from secsteer.backends import get_backend
from secsteer.generation.generate import GenerationConfig
from secsteer.steering.apply import Steering
from secsteer.vectors.vector import SteeringVector, VectorMeta

WORDS = (
    "def", "return", "self", "import", "open", "path", "buf", "user", "query", "cursor", "execute", "check",
    "strncpy", "size", "sizeof", "char", "int", "if", "else", "for", "while", "with", "as", "try", "except",
    "raise", "None", "True", "False", "subprocess", "run", "list", "dict", "str", "len",
)


def build_tokenizer(vocab: int = 512) -> Any:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    corpus = [" ".join(WORDS[(i * 7 + j) % len(WORDS)] for j in range(40)) for i in range(200)]
    tok.train_from_iterator(corpus, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>", pad_token="<|endoftext|>")


def build_model(vocab: int, layers: int, hidden: int) -> Any:
    from transformers import AutoModelForCausalLM, LlamaConfig

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=vocab, hidden_size=hidden, intermediate_size=int(hidden * 2.75),
                         num_hidden_layers=layers, num_attention_heads=8, num_key_value_heads=8,
                         max_position_embeddings=1024, bos_token_id=0, eos_token_id=0, pad_token_id=0)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32).eval()
    model.generation_config.eos_token_id = None          # always generate the full count of tokens
    return model


def random_steering(model: Any, layers: list[int]) -> Steering:
    hidden, n_layers = model.config.hidden_size, model.config.num_hidden_layers
    gen = torch.Generator().manual_seed(1)
    meta = VectorMeta(model_id="bench", architecture=type(model).__name__, hidden_size=hidden,
                      num_layers=n_layers, method="random", n_pairs=0, pairs_hash="",
                      layer_norms=dict.fromkeys(layers, 1.0))
    vector = SteeringVector(directions={layer: torch.randn(hidden, generator=gen) for layer in layers}, meta=meta)
    return Steering(vector=vector, scale=0.5)


def conditions(model: Any, tok: Any, steering: Steering, config: GenerationConfig) -> dict[str, Callable]:
    hooks, nnsight = get_backend("hooks"), get_backend("nnsight")

    def run(backend: Any, steered: bool) -> Callable[[list[str]], list[str]]:
        return lambda prompts: backend.generate(model, tok, prompts, config, steering if steered else None)

    return {"plain": run(hooks, False), "hooks_steered": run(hooks, True),
            "nnsight_plain": run(nnsight, False), "nnsight_steered": run(nnsight, True)}


def measure(runs: dict[str, Callable], prompts: list[str], repeats: int) -> dict[str, list[float]]:
    for fn in runs.values():                                 # warm-up: first calls pay one-off costs
        fn(prompts)
    times: dict[str, list[float]] = {name: [] for name in runs}
    for rep in range(repeats):
        names = list(runs)
        order = names[rep % len(names):] + names[:rep % len(names)]    # rotate who goes first
        for name in order:
            start = time.perf_counter()
            runs[name](prompts)
            times[name].append(time.perf_counter() - start)
    return times


def summarize(times: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    out = {}
    for name, series in times.items():
        ratios = sorted(t / p for t, p in zip(series, times["plain"], strict=True))
        q = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratios[0]] * 3
        out[name] = {"median_s": statistics.median(series), "ratio_median": statistics.median(ratios),
                     "ratio_p25": q[0], "ratio_p75": q[2]}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="16 new tokens, 3 repetitions (well under a minute)")
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--layers", type=int, default=8)
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--batch-sizes", default="1,8")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (default: 1; on a shared 2-core machine two contended threads ran "
                             "30x slower)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    if args.quick:
        args.new_tokens, args.repeats = 16, 3
    torch.set_num_threads(args.threads)
    tok = build_tokenizer()
    model = build_model(len(tok), args.layers, args.hidden)
    steering = random_steering(model, [args.layers // 4, args.layers // 2])
    results: dict[str, Any] = {
        "model": {"layers": args.layers, "hidden": args.hidden, "vocab": len(tok)},
        "new_tokens": args.new_tokens, "repeats": args.repeats, "threads": torch.get_num_threads(),
        "machine": platform.processor() or platform.machine(), "torch": torch.__version__, "batches": {},
    }
    for batch_size in (int(b) for b in args.batch_sizes.split(",")):
        prompts = [" ".join(WORDS[(i + j) % len(WORDS)] for j in range(24)) for i in range(batch_size)]
        config = GenerationConfig(max_new_tokens=args.new_tokens, batch_size=batch_size)
        summary = summarize(measure(conditions(model, tok, steering, config), prompts, args.repeats))
        results["batches"][str(batch_size)] = summary
        print(f"batch {batch_size}, {args.new_tokens} new tokens, {args.repeats} interleaved repetitions:")
        for name, row in summary.items():
            print(f"  {name:16s} median {row['median_s']:6.2f} s   x{row['ratio_median']:.2f} of plain "
                  f"(p25-p75 x{row['ratio_p25']:.2f}-x{row['ratio_p75']:.2f})")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
