"""The llama.cpp serve engine: a GGUF model in one llama.cpp context, one sequence per batch row.

llama.cpp holds one control vector per context, so every row of a batch must share one steering (vector and
scale): `per_row_steering = False`, and the scheduler serves requests with different steering batch after
batch. Rows with the batch's steering join it at the next step (a free sequence slot, prompt prefilled beside
the others' next tokens); a finished row's KV cells are freed at once. Sampling is the hook engine's
(`secsteer.serve.sampling`): per-row temperature, top-p and seeded generator, greedy = argmax.
"""

from __future__ import annotations

import argparse
import threading
from collections.abc import Iterator, Mapping, Sequence

import numpy as np
import torch

from secsteer.backends.llamacpp import LlamaCppEngine, LlamaCppOptions, check_steering, import_llama_cpp
from secsteer.serve.engine import Row, TokenizerText, VectorInfo
from secsteer.serve.sampling import next_tokens
from secsteer.steering.apply import Steering

Entry = tuple[int, int, int, bool]        # (token, position, sequence, wants logits)


class LlamaServeEngine(TokenizerText):
    per_row_steering = False
    joins_running_batch = True

    def __init__(self, llama: LlamaCppEngine, name: str, steerings: Mapping[str, Steering] | None = None,
                 default_scale: float = 0.0) -> None:
        self.llama = llama
        self.tokenizer = llama.tokenizer
        self.name = name
        self.steerings = dict(steerings or {})
        layers = {}
        with llama.lock:
            for n, steering in self.steerings.items():     # refuse what llama.cpp cannot do at start, not per request
                layers[n] = tuple(check_steering(steering, llama.num_layers))
                llama.set_steering(steering, 0.0)          # also checks the vector fits the model
            llama.set_steering(None)
        self.vectors: Mapping[str, VectorInfo] = {
            n: VectorInfo(n, layers[n], s.relative) for n, s in self.steerings.items()
        }
        self.default_vector = next(iter(self.steerings), None)
        self.default_scale = default_scale if self.steerings else 0.0
        lc = llama.lc
        trained = int(lc.llama_model_n_ctx_train(llama.model))
        self.context_length = min(llama.options.context, trained) if trained > 0 else llama.options.context
        self.slots = llama.options.parallel
        # what llama.cpp itself stops at (end of generation: EOS, EOT, ...), as the llama.cpp backend does
        self.eos_ids = frozenset(t for t in range(llama.vocab_size) if lc.llama_vocab_is_eog(llama.vocab, t))
        self._tokenizer_lock = threading.Lock()

    def run(self, rows: Sequence[Row]) -> Iterator[None]:
        """Decode `rows` (one steering) together; rows appended between steps join at the next one."""
        if not rows:
            return
        key = rows[0].steering_key
        llama = self.llama
        with llama.lock:
            llama.set_steering(*self._control(key))
            memory = llama.lc.llama_get_memory(llama.ctx)
            llama.lc.llama_memory_clear(memory, True)
            free = list(range(self.slots - 1, -1, -1))     # sequence ids, popped from the end: 0 first
            seq: dict[int, int] = {}                       # id(row) -> its llama.cpp sequence
            live: list[Row] = []
            seen = 0
            while True:
                for row in live:
                    if row.done:                           # free its KV cells and its slot
                        llama.lc.llama_memory_seq_rm(memory, seq[id(row)], -1, -1)
                        free.append(seq.pop(id(row)))
                live = [row for row in live if not row.done]
                joining, seen = [r for r in rows[seen:] if not r.done], len(rows)
                if not live and not joining:
                    return
                entries: list[Entry] = []
                for row in live:
                    entries.append((row.tokens[-1], len(row.prompt_ids) + len(row.tokens) - 1, seq[id(row)], True))
                for row in joining:
                    if row.steering_key != key:
                        raise ValueError(f"a row steered {row.steering_key} joined a batch steered {key}: llama.cpp "
                                         "holds one control vector per context")
                    if not free:
                        raise ValueError(f"more rows than the {self.slots} llama.cpp sequences of this context")
                    if not row.prompt_ids:
                        raise ValueError("an empty prompt gives llama.cpp nothing to continue")
                    seq[id(row)] = free.pop()
                    last = len(row.prompt_ids) - 1
                    entries += [(t, p, seq[id(row)], p == last) for p, t in enumerate(row.prompt_ids)]
                stepping = live + joining
                logits = self._decode(entries)
                for row, token in zip(stepping, next_tokens(torch.from_numpy(logits), stepping).tolist()):
                    row.tokens.append(token)
                live = stepping
                yield

    def _decode(self, entries: list[Entry]) -> np.ndarray:
        """Decode entries in chunks of llama.cpp's batch size; the logits (rows, vocab) of the entries that
        want them, in order (one per row)."""
        llama = self.llama
        out: list[np.ndarray] = []
        for begin in range(0, len(entries), llama.n_batch):
            chunk = entries[begin:begin + llama.n_batch]
            llama.decode_entries(chunk)
            out += [llama.logits_at(i).copy() for i, entry in enumerate(chunk) if entry[3]]
        return np.stack(out).astype(np.float32, copy=False)

    def _control(self, key: tuple[str | None, float]) -> tuple[Steering | None, float | None]:
        name, scale = key
        return (None, None) if name is None else (self.steerings[name], scale)


def make_serve_engine(args: argparse.Namespace) -> LlamaServeEngine:
    """The engine `secsteer serve --engine llamacpp` runs: --model's GGUF, --vector/--layers/--scale."""
    import_llama_cpp()                                     # fail fast, before loading anything
    from secsteer.backends.llamacpp_backend import load_engine
    from secsteer.cli.serve import load_steerings

    if args.device_map is not None or str(args.device or "auto") not in ("cpu", "auto"):
        raise ValueError("the llamacpp engine runs on the CPU build of llama.cpp: drop --device/--device-map")
    steerings = load_steerings(args)
    options = LlamaCppOptions(context=args.context, parallel=args.max_batch, threads=args.threads)
    llama = load_engine(args.model, options)
    try:
        return LlamaServeEngine(llama, args.served_model_name or args.model, steerings, args.scale)
    except Exception:
        llama.close()
        raise
