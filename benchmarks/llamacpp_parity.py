"""Parity of the llama.cpp engine with the hook engine on the bundled model: greedy tokens and first-step logits.

    nice -n 5 python benchmarks/llamacpp_parity.py --vector v.safetensors --layers 12 --scale 0.5 \
        --prompts 20 --tokens 64 [--dequantized f32.gguf] --json parity.json

Both engines get the same token ids (the model's Hugging Face tokenizer) and the same control vector values.
The hook engine runs the GGUF's weights dequantized to float32; llama.cpp runs the Q4_K_M file itself.
--dequantized adds a third engine: llama.cpp on a float32 GGUF written from the same dequantized weights,
which separates what quantized arithmetic changes from what the engines' implementations change.
Prints a Markdown table (docs/backends.md) and writes the numbers as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from secsteer.backends.hooks import HookBackend  # noqa: E402
from secsteer.backends.llamacpp import LlamaCppEngine, LlamaCppOptions  # noqa: E402
from secsteer.backends.llamacpp_backend import gguf_path  # noqa: E402
from secsteer.generation.generate import GenerationConfig  # noqa: E402
from secsteer.steering.apply import Steering  # noqa: E402

BUNDLED = "bundled:qwen2.5-coder-0.5b-instruct"


def scenario_prompts(tokenizer: Any, n: int, mode: str = "chat") -> list[str]:
    """n built-in scenarios, one CWE after another, as eval sends them (chat) or as bare code prefixes."""
    from secsteer.data.scenarios import load_scenarios
    from secsteer.generation.prompts import scenario_prompt

    by_cwe: dict[str, list[Any]] = {}
    for s in load_scenarios("builtin"):
        by_cwe.setdefault(s.cwe, []).append(s)
    order = [s for k in range(max(map(len, by_cwe.values()))) for group in by_cwe.values() if k < len(group)
             for s in [group[k]]]
    return [scenario_prompt(tokenizer, s, mode, mode == "chat") for s in order[:n]]


def dequantized_gguf(source: Path, dest: Path) -> Path:
    """The same GGUF with every tensor dequantized to float32 (metadata and tokenizer copied as they are)."""
    import gguf

    reader = gguf.GGUFReader(str(source))
    writer = gguf.GGUFWriter(str(dest), str(reader.fields["general.architecture"].contents()))
    for name, field in reader.fields.items():
        if name.startswith("GGUF.") or name in ("general.architecture", "general.file_type"):
            continue
        sub = field.types[1] if len(field.types) > 1 else None
        writer.add_key_value(name, field.contents(), field.types[0], sub)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    for t in reader.tensors:
        writer.add_tensor(t.name, gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return dest


def hook_run(model: Any, tok: Any, prompts: Sequence[str], config: GenerationConfig,
             steering: Steering | None, batch: int) -> tuple[list[list[int]], np.ndarray]:
    """(new tokens per prompt up to and including EOS, first-step logits) from the hook engine."""
    eos = set(np.atleast_1d(model.generation_config.eos_token_id).tolist())
    tokens: list[list[int]] = []
    firsts = []
    for start in range(0, len(prompts), batch):
        out = HookBackend().generate_logits(model, tok, prompts[start:start + batch], config, steering)
        firsts.append(out.logits[0].float().numpy())
        for row in out.sequences[:, out.prompt_length:].tolist():
            cut = next((i + 1 for i, t in enumerate(row) if t in eos), len(row))
            tokens.append(row[:cut])
    return tokens, np.concatenate(firsts)


def llama_run(engine: LlamaCppEngine, prompts: Sequence[str], config: GenerationConfig,
              steering: Steering | None) -> tuple[list[list[int]], np.ndarray]:
    rows = engine.generate_rows(prompts, config, steering, keep_logits=1)
    return [r.tokens for r in rows], np.stack([r.logits[0] for r in rows])


def agreement(a: list[int], b: list[int], n: int) -> int:
    """Leading positions (of n) where two greedy outputs agree; both ending at the same EOS counts as all n."""
    for i in range(n):
        x = a[i] if i < len(a) else -1
        y = b[i] if i < len(b) else -1
        if x != y:
            return i
        if x == -1:
            return n
    return n


def compare(ref: tuple[list[list[int]], np.ndarray], other: tuple[list[list[int]], np.ndarray],
            n: int) -> dict[str, Any]:
    agree = [agreement(a, b, n) for a, b in zip(ref[0], other[0], strict=True)]
    diff = np.abs(ref[1] - other[1])
    spread = ref[1].std(axis=1)
    return {
        "agree_tokens": agree, "identical": sum(a == n for a in agree), "mean_agree": float(np.mean(agree)),
        "median_agree": float(np.median(agree)), "min_agree": int(min(agree)),
        "first_top1_same": int((ref[1].argmax(1) == other[1].argmax(1)).sum()),
        "logit_maxabs": float(diff.max()), "logit_maxabs_median": float(np.median(diff.max(1))),
        "logit_rms": float(np.sqrt((diff ** 2).mean())), "logit_std": float(spread.mean()),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vector", required=True, help="a .safetensors vector for the bundled model")
    parser.add_argument("--layers", default="12", help="blocks to steer (default: %(default)s)")
    parser.add_argument("--scale", type=float, default=0.5, help="relative scale (default: %(default)s)")
    parser.add_argument("--prompts", type=int, default=20)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--batch", type=int, default=5, help="hook engine batch size")
    parser.add_argument("--mode", choices=["chat", "completion"], default="chat",
                        help="chat prompts as eval sends them, or the bare code prefixes (shorter, faster)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--dequantized", type=Path, default=None, metavar="F32.gguf",
                        help="also run llama.cpp on a float32 GGUF of the same weights (written here if missing)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    import torch

    from secsteer.model.layers import resolve_layers
    from secsteer.model.load import load_model
    from secsteer.vectors.vector import SteeringVector

    if args.threads:
        torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    model, tok = load_model(BUNDLED, dtype="float32")
    vector = SteeringVector.load(args.vector)
    steering = Steering(vector, tuple(resolve_layers(args.layers, vector.meta.num_layers)), args.scale)
    prompts = scenario_prompts(tok, args.prompts, args.mode)
    config = GenerationConfig(max_new_tokens=args.tokens, batch_size=len(prompts))
    options = LlamaCppOptions(context=2048, parallel=min(8, len(prompts)), threads=torch.get_num_threads())
    engines = {"llama.cpp Q4_K_M": gguf_path(BUNDLED)}
    if args.dequantized:
        if not args.dequantized.is_file():
            dequantized_gguf(engines["llama.cpp Q4_K_M"], args.dequantized)
        engines["llama.cpp F32 (dequantized)"] = args.dequantized
    conditions = {"scale 0 (no vector)": None, f"scale {args.scale:g} at blocks {args.layers}": steering}
    results: dict[str, Any] = {}
    for cname, s in conditions.items():
        ref = hook_run(model, tok, prompts, config, s, args.batch)
        results[cname] = {"hook": {"tokens": ref[0]}}
        for ename, path in engines.items():
            with LlamaCppEngine(path, tok, options) as engine:
                results[cname][ename] = compare(ref, llama_run(engine, prompts, config, s), args.tokens)
        results[cname]["_ref_first"] = ref[1]
    effect: dict[str, Any] = {}
    names = list(conditions)
    for ename, path in engines.items():        # the steering effect itself: steered minus plain, per engine
        with LlamaCppEngine(path, tok, options) as engine:
            ours = llama_run(engine, prompts, replace_tokens(config), steering)[1] - \
                llama_run(engine, prompts, replace_tokens(config), None)[1]
        ref_effect = results[names[1]]["_ref_first"] - results[names[0]]["_ref_first"]
        effect[ename] = {"hook_effect_maxabs": float(np.abs(ref_effect).max()),
                         "effect_diff_maxabs": float(np.abs(ours - ref_effect).max())}
    for c in results.values():
        c.pop("_ref_first")
    print(table(results, effect, args))
    record = {"args": {k: str(v) for k, v in vars(args).items()}, "results": results, "effect": effect,
              "wall_s": time.perf_counter() - t0, "load_avg": os.getloadavg(), "threads": torch.get_num_threads()}
    if args.json:
        args.json.write_text(json.dumps(record, indent=1, default=str) + "\n")
    return 0


def replace_tokens(config: GenerationConfig) -> GenerationConfig:
    from dataclasses import replace

    return replace(config, max_new_tokens=1)


def table(results: dict[str, Any], effect: dict[str, Any], args: argparse.Namespace) -> str:
    lines = [f"| condition | engine vs hooks (float32) | prompts identical for {args.tokens} tokens | "
             "leading tokens that agree: mean / median / min | same first token | first-step logits: max abs "
             "diff (median over prompts) / rms / logit std |", "|---|---|---|---|---|---|"]
    for cname, by_engine in results.items():
        for ename, r in by_engine.items():
            if ename == "hook":
                continue
            n = len(r["agree_tokens"])
            lines.append(f"| {cname} | {ename} | {r['identical']}/{n} | {r['mean_agree']:.1f} / "
                         f"{r['median_agree']:.0f} / {r['min_agree']} | {r['first_top1_same']}/{n} | "
                         f"{r['logit_maxabs']:.3f} ({r['logit_maxabs_median']:.3f}) / {r['logit_rms']:.4f} / "
                         f"{r['logit_std']:.2f} |")
    for ename, e in effect.items():
        lines.append(f"\nsteering effect at step 1 ({ename}): hook engine's max |steered - plain| "
                     f"{e['hook_effect_maxabs']:.3f}; max difference between the two engines' effects "
                     f"{e['effect_diff_maxabs']:.3f}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
