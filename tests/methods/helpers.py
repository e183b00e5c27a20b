from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import Tensor

from secsteer.data.pairs import ContrastPair
from secsteer.model.layers import decoder_blocks

PROMPT = "def read_file(path):\n"

MULTI = [
    ContrastPair("m/1", "CWE-89", "python", "cur.execute('SELECT * FROM t WHERE id = ?', (uid,))\n",
                 "cur.execute('SELECT * FROM t WHERE id = %s' % uid)\n"),
    ContrastPair("m/2", "CWE-89", "python", "cur.execute(q, (name,))\n", "cur.execute(q % name)\n"),
    ContrastPair("m/3", "CWE-78", "python", "subprocess.run(['ls', path], check=True)\n",
                 "os.system('ls ' + path)\n"),
    ContrastPair("m/4", "CWE-78", "python", "subprocess.run(['cat', name])\n", "os.system('cat ' + name)\n"),
    ContrastPair("m/5", "CWE-787", "c", "strncpy(buf, src, sizeof(buf) - 1);\n", "strcpy(buf, src);\n"),
]


def hook_count(model) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())


@contextmanager
def record_block(model, layer: int) -> Iterator[list[Tensor]]:
    """Block outputs of `layer` as the rest of the model sees them (after hooks registered before)."""
    seen: list[Tensor] = []

    def hook(_m, _a, out):
        seen.append((out[0] if isinstance(out, tuple) else out).detach().clone())

    handle = decoder_blocks(model)[layer].register_forward_hook(hook)
    try:
        yield seen
    finally:
        handle.remove()


def greedy(model, tokenizer, prompts: list[str], n: int = 6):
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    batch = tokenizer(prompts, return_tensors="pt", padding=True)
    tokenizer.padding_side = side
    with torch.no_grad():
        return model.generate(**batch, max_new_tokens=n, min_new_tokens=n, do_sample=False, pad_token_id=0,
                              output_logits=True, return_dict_in_generate=True)
