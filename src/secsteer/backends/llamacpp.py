"""The llama.cpp engine: a GGUF model run by llama.cpp (llama-cpp-python), steered with a control vector.

The vector reaches llama.cpp the way a user's `--control-vector-scaled file.gguf s` would: written by
`export_gguf` at scale 1 (relative or absolute, as the steering asks), read back with llama.cpp's checks,
and set at strength s = the steering scale, so `direction.N` lands on block N (docs/backends.md).

What llama.cpp can express, and so what this engine accepts (anything else is refused with a ValueError):
- positions "all" only: llama.cpp adds the control vector at every position, prompt included;
- one strength per llama.cpp call: no per-row scales inside a batch (LlamaCppBackend runs each distinct
  row scale as its own batch), no schedules over generated steps;
- blocks 1 .. n-1: llama.cpp has no control vector slot for block 0;
- plain addition: no probe gates, routing, ablation or contrastive decoding, and no activation reads.
"""

from __future__ import annotations

import ctypes
import logging
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from secsteer.backends.gguf_vectors import export_gguf, read_directions
from secsteer.generation.generate import GenerationConfig
from secsteer.generation.prompts import truncate_at_stop
from secsteer.model.layers import resolve_layers
from secsteer.steering.apply import Steering

log = logging.getLogger(__name__)

DEFAULT_CONFIG = GenerationConfig()
HINT = "use --engine hooks"


@dataclass(frozen=True)
class LlamaCppOptions:
    context: int = 2048             # tokens per sequence, prompt and completion together
    parallel: int = 8               # sequences decoded together (llama.cpp n_seq_max)
    threads: int | None = None      # None: as many as torch uses

    def __post_init__(self) -> None:
        if self.context < 8 or self.parallel < 1:
            raise ValueError(f"context must be >= 8 and parallel >= 1, got {self.context} and {self.parallel}")


DEFAULT_OPTIONS = LlamaCppOptions()


@dataclass
class Row:
    """One sequence being generated: its prompt, new tokens, text so far and first-step logits."""
    prompt: list[int]
    tokens: list[int] = field(default_factory=list)
    logits: list[np.ndarray] = field(default_factory=list)
    text: str = ""
    done: bool = False


def import_llama_cpp() -> Any:
    try:
        import llama_cpp
    except ImportError as err:
        raise ImportError("the llamacpp engine needs llama-cpp-python: pip install 'secsteer[llamacpp]' "
                          f"(it compiles llama.cpp, 10-15 minutes on 2 cores) ({err})") from None
    _quiet(llama_cpp)
    return llama_cpp


_LOG_CALLBACK: Any = None
GGML_LOG_LEVEL_ERROR = 4            # ggml.h's enum ggml_log_level (llama_cpp does not export it)


def _quiet(lc: Any) -> None:
    """Send llama.cpp's own logging to ours (debug level; errors as warnings) instead of stderr, once."""
    global _LOG_CALLBACK
    if _LOG_CALLBACK is not None:
        return

    def forward(level: int, text: bytes, _user: Any) -> None:
        message = text.decode("utf-8", "replace").rstrip()
        if message:
            log.log(logging.WARNING if level == GGML_LOG_LEVEL_ERROR else logging.DEBUG, "llama.cpp: %s", message)

    _LOG_CALLBACK = lc.llama_log_callback(forward)      # kept alive here: llama.cpp holds only the pointer
    lc.llama_log_set(_LOG_CALLBACK, ctypes.c_void_p(0))
    lc.llama_backend_init()


def check_steering(steering: Steering, num_layers: int) -> list[int]:
    """The blocks to steer, or a one-line ValueError for what llama.cpp cannot do."""
    if steering.positions != "all":
        raise ValueError(f"the llamacpp engine steers every position (positions 'all'), not "
                         f"{steering.positions!r}; {HINT}")
    if steering.schedule is not None:
        raise ValueError(f"the llamacpp engine holds one control vector for the whole generation: no schedules; {HINT}")
    layers = resolve_layers(steering.layers if steering.layers is not None else steering.vector.layers, num_layers)
    if 0 in layers:
        raise ValueError("llama.cpp cannot steer block 0 (it has no control vector slot for it); "
                         "leave layer 0 out with --layers")
    return layers


def control_directions(steering: Steering, layers: Sequence[int]) -> dict[int, np.ndarray]:
    """direction.N at strength 1: the control vector file export writes, read back as llama.cpp reads it."""
    with tempfile.TemporaryDirectory(prefix="secsteer-cvec-") as tmp:
        path = export_gguf(steering.vector, Path(tmp) / "vector.gguf", scale=1.0, relative=steering.relative,
                           layers=list(layers))
        directions, _ = read_directions(path)
    return {layer: d.numpy() for layer, d in directions.items()}


def control_buffer(directions: dict[int, np.ndarray], strength: float, num_layers: int, width: int) -> np.ndarray:
    """llama.cpp's flat layout: row N-1 holds what is added to block N (there is no row for block 0)."""
    buffer = np.zeros((num_layers - 1, width), dtype=np.float32)
    for layer, d in directions.items():
        buffer[layer - 1] = np.float32(strength) * d
    return buffer


def sample_token(logits: np.ndarray, config: GenerationConfig, rng: np.random.Generator) -> int:
    """Greedy (temperature 0) or temperature + top-p sampling, as the hook engine's settings mean them."""
    if config.temperature == 0:
        return int(np.argmax(logits))
    z = logits.astype(np.float64) / config.temperature
    p = np.exp(z - z.max())
    p /= p.sum()
    order = np.argsort(-p, kind="stable")
    keep = order[: int(np.searchsorted(np.cumsum(p[order]), config.top_p)) + 1]   # smallest set with mass >= top_p
    return int(rng.choice(keep, p=p[keep] / p[keep].sum()))


def held_back(text: str, stops: Sequence[str]) -> int:
    """How many trailing characters to hold while streaming: a possible start of a stop string, or an
    unfinished multi-byte character."""
    hold = 1 if text.endswith("\ufffd") else 0
    for stop in stops:
        for k in range(min(len(stop) - 1, len(text)), 0, -1):
            if text.endswith(stop[:k]):
                hold = max(hold, k)
                break
    return hold


class LlamaCppEngine:
    """One llama.cpp model and context; `parallel` sequences decode together. Calls are serialized.

    Prompts are tokenized and completions decoded by the model's Hugging Face tokenizer, so both engines
    see the same token ids and return text the same way.
    """

    def __init__(self, gguf_path: str | Path, tokenizer: Any, options: LlamaCppOptions = DEFAULT_OPTIONS,
                 spec: str | None = None) -> None:
        lc = self.lc = import_llama_cpp()
        self.path, self.tokenizer, self.options = Path(gguf_path), tokenizer, options
        self.secsteer_spec = spec or str(gguf_path)
        threads = options.threads or _torch_threads()
        params = lc.llama_model_default_params()
        self.model = lc.llama_model_load_from_file(str(self.path).encode(), params)
        if not self.model:
            raise ValueError(f"llama.cpp could not load {self.path} (not a GGUF model it supports?)")
        cparams = lc.llama_context_default_params()
        cparams.n_ctx = options.context * options.parallel
        cparams.n_seq_max = options.parallel
        cparams.n_batch = cparams.n_ubatch = min(512, cparams.n_ctx)
        cparams.n_threads = cparams.n_threads_batch = threads
        cparams.no_perf = True
        self.ctx = lc.llama_init_from_model(self.model, cparams)
        if not self.ctx:
            lc.llama_model_free(self.model)
            raise RuntimeError(f"llama.cpp could not create a context for {self.path}")
        self.n_batch = int(cparams.n_batch)
        self.batch = lc.llama_batch_init(self.n_batch, 0, 1)
        self.vocab = lc.llama_model_get_vocab(self.model)
        self.num_layers = int(lc.llama_model_n_layer(self.model))
        self.hidden_size = int(lc.llama_model_n_embd(self.model))
        self.vocab_size = int(lc.llama_vocab_n_tokens(self.vocab))
        self.lock = threading.Lock()
        self._directions: dict[tuple[int, tuple[int, ...], bool], tuple[Any, dict[int, np.ndarray]]] = {}

    # ---- public interface ----------------------------------------------------------------------------
    def generate(self, prompts: Sequence[str], config: GenerationConfig = DEFAULT_CONFIG,
                 steering: Steering | None = None) -> list[str]:
        """One completion per prompt: the new text only, cut at the first stop string."""
        return [row.text for row in self.generate_rows(prompts, config, steering)]

    def stream(self, prompts: Sequence[str], config: GenerationConfig = DEFAULT_CONFIG,
               steering: Steering | None = None) -> Iterator[tuple[int, str]]:
        """(prompt index, new text) as tokens arrive; the pieces of a prompt join to its generate() text."""
        with self.lock:
            for start, rows in self._batches(prompts, config):
                sent = [0] * len(rows)
                for _ in self._run(rows, config, steering, start // self._width(config)):
                    for i, row in enumerate(rows):
                        end = len(row.text) if row.done else len(row.text) - held_back(row.text, config.stop)
                        if end > sent[i]:
                            yield start + i, row.text[sent[i]:end]
                            sent[i] = end

    def generate_rows(self, prompts: Sequence[str], config: GenerationConfig = DEFAULT_CONFIG,
                      steering: Steering | None = None, keep_logits: int = 0) -> list[Row]:
        """Rows with token ids and text; the logits of the first `keep_logits` steps are kept (for parity)."""
        out: list[Row] = []
        with self.lock:
            for start, rows in self._batches(prompts, config):
                for _ in self._run(rows, config, steering, start // self._width(config), keep_logits):
                    pass
                out += rows
        return out

    def close(self) -> None:
        if getattr(self, "ctx", None):
            self.lc.llama_batch_free(self.batch)
            self.lc.llama_free(self.ctx)
            self.lc.llama_model_free(self.model)
            self.ctx = self.model = None

    def __enter__(self) -> LlamaCppEngine:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()

    # ---- steering --------------------------------------------------------------------------------------
    def set_steering(self, steering: Steering | None, strength: float | None = None) -> None:
        """Set llama.cpp's control vector: the steering at `strength` (default: its scale), or none."""
        if steering is None:
            self._check(self.lc.llama_set_adapter_cvec(self.ctx, None, 0, self.hidden_size, -1, -1), "clear")
            return
        meta = steering.vector.meta
        if (meta.hidden_size, meta.num_layers) != (self.hidden_size, self.num_layers):
            raise ValueError(f"vector built for {meta.model_id} (hidden size {meta.hidden_size}, {meta.num_layers} "
                             f"layers) does not fit {self.path.name} (hidden size {self.hidden_size}, "
                             f"{self.num_layers} layers)")
        layers = check_steering(steering, self.num_layers)
        key = (id(steering.vector), tuple(layers), steering.relative)
        if key not in self._directions:         # the vector is kept in the value, so its id stays unique
            self._directions[key] = (steering.vector, control_directions(steering, layers))
        scale = steering.scale if strength is None else strength
        if not np.isfinite(scale):
            raise ValueError(f"scale must be a finite number, got {scale}")
        buffer = control_buffer(self._directions[key][1], scale, self.num_layers, self.hidden_size)
        pointer = buffer.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        rc = self.lc.llama_set_adapter_cvec(self.ctx, pointer, buffer.size, self.hidden_size, min(layers), max(layers))
        self._check(rc, "set the control vector")

    # ---- decoding --------------------------------------------------------------------------------------
    def _width(self, config: GenerationConfig) -> int:
        return min(config.batch_size, self.options.parallel)

    def _batches(self, prompts: Sequence[str], config: GenerationConfig) -> Iterator[tuple[int, list[Row]]]:
        width = self._width(config)
        for start in range(0, len(prompts), width):
            rows = [Row(prompt=self._encode(p)) for p in prompts[start:start + width]]
            for row in rows:
                if len(row.prompt) + config.max_new_tokens > self.options.context:
                    raise ValueError(f"a prompt of {len(row.prompt)} tokens plus max_new_tokens "
                                     f"{config.max_new_tokens} exceeds the llama.cpp context of "
                                     f"{self.options.context} tokens per sequence")
            yield start, rows

    def _encode(self, text: str) -> list[int]:
        bos = self.tokenizer.bos_token
        special = not (bos and text.startswith(bos))     # a chat template already wrote the BOS token
        ids = list(self.tokenizer(text, add_special_tokens=special)["input_ids"])
        if not ids:
            raise ValueError("an empty prompt gives llama.cpp nothing to continue")
        return ids

    def _run(self, rows: list[Row], config: GenerationConfig, steering: Steering | None, batch_index: int,
             keep_logits: int = 0) -> Iterator[None]:
        """Decode one batch of rows to the end, yielding after every step (the prompt pass is step 0)."""
        rng = np.random.default_rng(config.seed + batch_index)
        self.set_steering(steering)
        self.lc.llama_memory_clear(self.lc.llama_get_memory(self.ctx), True)
        entries = [(tok, pos, seq, pos == len(row.prompt) - 1)
                   for seq, row in enumerate(rows) for pos, tok in enumerate(row.prompt)]
        for begin in range(0, len(entries), self.n_batch):
            chunk = entries[begin:begin + self.n_batch]
            self.decode_entries(chunk)
            for i, (_, _, seq, last) in enumerate(chunk):
                if last:
                    self._pick(rows[seq], i, config, rng, keep_logits)
        yield
        while True:
            active = [seq for seq, row in enumerate(rows) if not row.done]
            if not active:
                return
            self.decode_entries([(rows[s].tokens[-1], len(rows[s].prompt) + len(rows[s].tokens) - 1, s, True)
                          for s in active])
            for i, seq in enumerate(active):
                self._pick(rows[seq], i, config, rng, keep_logits)
            yield

    def decode_entries(self, entries: Sequence[tuple[int, int, int, bool]]) -> None:
        """One llama_decode of (token, position, sequence, wants logits) entries, at most n_batch of them."""
        batch = self.batch
        for i, (tok, pos, seq, logits) in enumerate(entries):
            batch.token[i], batch.pos[i], batch.n_seq_id[i] = tok, pos, 1
            batch.seq_id[i][0], batch.logits[i] = seq, int(logits)
        batch.n_tokens = len(entries)
        self._check(self.lc.llama_decode(self.ctx, batch), "decode")

    def _pick(self, row: Row, index: int, config: GenerationConfig, rng: np.random.Generator, keep: int) -> None:
        logits = self.logits_at(index)
        if len(row.logits) < keep:
            row.logits.append(logits.copy())
        token = sample_token(logits, config, rng)
        row.tokens.append(token)
        row.text = self.tokenizer.decode(row.tokens, skip_special_tokens=True)
        row.done = len(row.tokens) >= config.max_new_tokens or bool(self.lc.llama_vocab_is_eog(self.vocab, token))
        if config.stop and any(stop in row.text for stop in config.stop):
            row.done = True
        if row.done:
            row.text = truncate_at_stop(row.text, config.stop)

    def logits_at(self, index: int) -> np.ndarray:
        """The logits of entry `index` of the last decode_entries() call: a view into llama.cpp's buffer,
        valid until the next decode."""
        return np.ctypeslib.as_array(self.lc.llama_get_logits_ith(self.ctx, index), shape=(self.vocab_size,))

    def _check(self, rc: int, what: str) -> None:
        if rc != 0:
            raise RuntimeError(f"llama.cpp failed to {what} (return code {rc})")


def _torch_threads() -> int:
    import torch

    return max(1, torch.get_num_threads())
