"""Models and inputs for the benchmarks: random models of a chosen size, a byte-level tokenizer, prompts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from torch import nn
from transformers import AutoModelForCausalLM, LlamaConfig, PreTrainedTokenizerFast

from secsteer.model.layers import num_layers
from secsteer.vectors.vector import SteeringVector, VectorMeta

BUNDLED = "bundled:qwen2.5-coder-0.5b-instruct"
CORPUS = [
    "import os\nimport subprocess\n\ndef run(cmd):\n    return subprocess.run(cmd, check=True, shell=False)\n",
    "def get_user(conn, name):\n    cur = conn.cursor()\n    cur.execute('SELECT * FROM users WHERE name = ?', (name,))\n",
    "#include <string.h>\nvoid copy(char *dst, size_t n, const char *src) {\n    strncpy(dst, src, n - 1);\n}\n",
    "with open(path, 'rb') as f:\n    data = f.read()\nreturn hashlib.sha256(data).hexdigest()\n",
]
PROMPTS = [
    "import sqlite3\n\ndef get_user(db_path, username):\n    conn = sqlite3.connect(db_path)\n",
    "import os\n\ndef count_lines(filename):\n    \"\"\"Return the number of lines.\"\"\"\n",
    "#include <string.h>\n\nvoid copy_name(char *dst, size_t n, const char *src) {\n",
    "def read_config(path):\n    with open(path) as f:\n",
    "from flask import request\n\n@app.route('/file')\ndef download():\n    name = request.args['name']\n",
    "int parse_len(const char *buf, size_t size) {\n    int len = buf[0];\n",
    "import hashlib\n\ndef store_password(user, password):\n",
    "import yaml\n\ndef load_settings(text):\n",
]


@dataclass(frozen=True)
class ModelSize:
    name: str
    layers: int
    hidden: int
    vocab: int

    def build(self, seed: int = 0) -> nn.Module:
        """A random Llama of this size; eos is unset so greedy decoding always runs to max_new_tokens."""
        config = LlamaConfig(
            num_hidden_layers=self.layers, hidden_size=self.hidden, intermediate_size=round(8 * self.hidden / 3),
            num_attention_heads=max(self.hidden // 64, 1), num_key_value_heads=max(self.hidden // 128, 1),
            vocab_size=self.vocab, max_position_embeddings=2048, bos_token_id=None, eos_token_id=None,
            pad_token_id=0,
        )
        torch.manual_seed(seed)
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32).eval()
        model.generation_config.eos_token_id = None
        model.secsteer_spec = f"random-llama-{self.name}"
        return model


TINY = ModelSize("tiny", layers=4, hidden=64, vocab=512)
MID = ModelSize("mid", layers=8, hidden=512, vocab=32000)
LARGE = ModelSize("large", layers=24, hidden=896, vocab=32000)   # the bundled model's depth and width
SIZES = {s.name: s for s in (TINY, MID, LARGE)}


def byte_tokenizer() -> PreTrainedTokenizerFast:
    """A small byte-level BPE trained on code in memory (no download); ids cover every byte."""
    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=512, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator((CORPUS + PROMPTS) * 4, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>", pad_token="<|endoftext|>")


def random_vector(model: Any, layers: list[int], seed: int = 0) -> SteeringVector:
    hidden = int(model.config.hidden_size)
    gen = torch.Generator().manual_seed(seed)
    directions = {layer: torch.randn(hidden, generator=gen) for layer in layers}
    meta = VectorMeta(
        model_id=str(getattr(model, "secsteer_spec", "random")), architecture=type(model).__name__,
        hidden_size=hidden, num_layers=num_layers(model), method="random", n_pairs=0, pairs_hash="",
        layer_norms=dict.fromkeys(layers, 1.0),
    )
    return SteeringVector(directions=directions, meta=meta)


def load_bundled() -> tuple[nn.Module, Any]:
    from secsteer.model.load import load_model

    return load_model(BUNDLED)


class Models:
    """Builds each model once per run, on first use."""

    def __init__(self, size: ModelSize, device: str = "cpu") -> None:
        self.size = size
        self.device = device
        self._engine: tuple[nn.Module, Any] | None = None
        self._bundled: tuple[nn.Module, Any] | None = None

    def engine(self) -> tuple[nn.Module, Any]:
        """The random model the engine ratios are measured on, with the byte-level tokenizer."""
        if self._engine is None:
            self._engine = (self.size.build().to(self.device), byte_tokenizer())
        return self._engine

    def bundled(self) -> tuple[nn.Module, Any]:
        if self._bundled is None:
            self._bundled = load_bundled()
        return self._bundled
