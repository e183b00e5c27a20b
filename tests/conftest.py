"""Shared fixtures: tiny random models of several architectures and a byte-level tokenizer, all offline."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (
    AutoModelForCausalLM,
    GemmaConfig,
    GPT2Config,
    GPTBigCodeConfig,
    GPTNeoXConfig,
    LlamaConfig,
    PreTrainedTokenizerFast,
    Qwen2Config,
)

# Tiny models gain nothing from threads, and on a shared 2-core machine extra threads thrash (10x slower).
torch.set_num_threads(1)

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
CORPUS = [
    "def read_file(path):\n    with open(path) as f:\n        return f.read()\n",
    "cursor.execute('SELECT * FROM users WHERE id = ?', (user_id,))\n",
    "char buf[16];\nstrncpy(buf, src, sizeof(buf) - 1);\n",
    "subprocess.run(['ls', '-l', path], check=True)\n",
    "import os\nimport sqlite3\nreturn escape(name)\nif (p == NULL) return -1;\n",
]
ARCHS = ["gpt2", "gpt_bigcode", "qwen2", "llama"]


def tiny_tokenizer() -> PreTrainedTokenizerFast:
    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator(CORPUS * 4, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>", pad_token="<|endoftext|>")
    return fast


def tiny_config(arch: str, vocab: int, layers: int = 4, hidden: int = 64):
    common = dict(vocab_size=vocab, bos_token_id=0, eos_token_id=0, pad_token_id=0)
    if arch == "gpt2":
        return GPT2Config(n_layer=layers, n_embd=hidden, n_head=4, n_positions=512, **common)
    if arch == "gpt_bigcode":
        return GPTBigCodeConfig(n_layer=layers, n_embd=hidden, n_head=4, n_positions=512, multi_query=True, **common)
    if arch == "qwen2":
        return Qwen2Config(num_hidden_layers=layers, hidden_size=hidden, intermediate_size=2 * hidden,
                           num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512, **common)
    if arch == "llama":
        return LlamaConfig(num_hidden_layers=layers, hidden_size=hidden, intermediate_size=2 * hidden,
                           num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512, **common)
    if arch == "gpt_neox":
        return GPTNeoXConfig(num_hidden_layers=layers, hidden_size=hidden, intermediate_size=2 * hidden,
                             num_attention_heads=4, max_position_embeddings=512, **common)
    if arch == "gemma":
        return GemmaConfig(num_hidden_layers=layers, hidden_size=hidden, intermediate_size=2 * hidden,
                           num_attention_heads=4, num_key_value_heads=1, head_dim=16,
                           max_position_embeddings=512, **common)
    raise ValueError(arch)


def tiny_model(arch: str, tokenizer: PreTrainedTokenizerFast, seed: int = 0, **kw):
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(tiny_config(arch, len(tokenizer), **kw), dtype=torch.float32)
    model.eval()
    model.secsteer_spec = f"tiny-{arch}"
    return model


@pytest.fixture(scope="session")
def tokenizer() -> PreTrainedTokenizerFast:
    return tiny_tokenizer()


@pytest.fixture(scope="session", params=ARCHS)
def arch_model(request, tokenizer):
    return tiny_model(request.param, tokenizer)


@pytest.fixture(scope="session")
def qwen(tokenizer):
    return tiny_model("qwen2", tokenizer)


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    if not DATASETS.is_dir():
        pytest.skip(f"real datasets not found at {DATASETS} (they live beside the repository in ../shared)")
    return DATASETS
