"""Peak memory and wall time of reading SVEN's train pairs (both sides, every layer) on the bundled model.

Runs in its own process so that its peak RSS is its own: `python -m benchmarks.sven_memory --pairs 720`.
A thread samples the resident set every 20 ms; the figure is the peak during extraction against the RSS
just before it, once a one-line read has paged the (memory-mapped) weights in, so neither loading nor
paging the weights is counted as extraction memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import threading
import time
from pathlib import Path

from benchmarks.timing import REPO

SVEN = REPO.parent / "shared" / "datasets" / "sven" / "data_train_val"
PAGE = os.sysconf("SC_PAGE_SIZE")


class RssSampler:
    """Peak resident set size of this process, sampled in a background thread."""

    def __init__(self, every_s: float = 0.02) -> None:
        self.every_s = every_s
        self.peak = rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self.peak = max(self.peak, rss_bytes())

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def sven_texts(root: Path, n_pairs: int) -> tuple[list[str], int]:
    """Both sides of up to n_pairs train pairs; a subset is spread evenly over the pairs sorted by length."""
    try:
        from secsteer.data.sources import load_pairs

        pairs = [(p.secure, p.insecure) for p in load_pairs(f"sven:{root}", split="train")]
    except ImportError:   # the adapter is optional here: read the upstream JSONL directly
        pairs = []
        for path in sorted((root / "train").glob("*.jsonl")):
            for line in path.read_text().splitlines():
                record = json.loads(line)
                pairs.append((record["func_src_after"], record["func_src_before"]))
    if n_pairs < len(pairs):
        by_length = sorted(pairs, key=lambda p: len(p[0]) + len(p[1]))
        step = len(by_length) / n_pairs
        pairs = [by_length[int(i * step)] for i in range(n_pairs)]
    return [p[0] for p in pairs] + [p[1] for p in pairs], len(pairs)


def measure(n_pairs: int, dtype: str, batch_size: int) -> dict[str, float | int | str]:
    from secsteer._util.threads import configure_threads
    from secsteer.activations.read import read_activations
    from secsteer.model.load import load_model

    threads = configure_threads()                     # SECSTEER_THREADS, else the available cores
    if not SVEN.is_dir():
        raise FileNotFoundError(f"SVEN is not at {SVEN}; the figure needs ../shared/datasets beside the repository")
    texts, used = sven_texts(SVEN, n_pairs)
    model, tokenizer = load_model("bundled:qwen2.5-coder-0.5b-instruct", dtype=dtype)
    read_activations(model, tokenizer, ["def warm(up):\n    return up\n"], "all")   # page the weights in
    before = rss_bytes()
    t0 = time.perf_counter()
    with RssSampler() as sampler:
        acts = read_activations(model, tokenizer, texts, "all", batch_size=batch_size, max_length=1024)
    wall = time.perf_counter() - t0
    output_bytes = sum(t.numel() * t.element_size() for t in acts.pooled.values())
    return {
        "pairs": used, "texts": len(texts), "tokens": acts.n_tokens, "dtype": dtype, "batch_size": batch_size,
        "threads": threads,
        "wall_s": wall, "tokens_per_s": acts.n_tokens / wall,
        "rss_before_mb": before / 2**20, "rss_peak_mb": sampler.peak / 2**20,
        "extraction_increment_mb": (sampler.peak - before) / 2**20, "pooled_output_mb": output_bytes / 2**20,
        "process_max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sven_memory", description=__doc__)
    parser.add_argument("--pairs", type=int, default=720, help="train pairs to read (default: all 720)")
    parser.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"])
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--json", type=Path, help="also write the result here")
    args = parser.parse_args(argv)
    result = measure(args.pairs, args.dtype, args.batch_size)
    text = json.dumps(result, indent=1)
    if args.json:
        args.json.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
