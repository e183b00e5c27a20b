from __future__ import annotations

import pytest
import torch

from secsteer.activations.read import read_activations

TEXTS = [
    "x = 1\n",
    "def read_file(path):\n    with open(path) as f:\n        return f.read()\n",
    "char buf[16];\nstrncpy(buf, src, sizeof(buf) - 1);\n",
    "import os",
]


@pytest.mark.parametrize("pooling", ["mean", "last"])
def test_ragged_batch_reads_the_same_as_single_texts(arch_model, tokenizer, pooling):
    batched = read_activations(arch_model, tokenizer, TEXTS, pooling=pooling, batch_size=4)
    for i, text in enumerate(TEXTS):
        alone = read_activations(arch_model, tokenizer, [text], pooling=pooling, batch_size=1)
        for layer in batched.layers:
            torch.testing.assert_close(batched.pooled[layer][i], alone.pooled[layer][0], atol=1e-5, rtol=1e-4)


def test_mean_leaves_out_position_zero_and_matches_hidden_states(qwen, tokenizer):
    text = TEXTS[1]
    ids = tokenizer(text, return_tensors="pt")
    with torch.no_grad():
        hidden = qwen(**ids, output_hidden_states=True).hidden_states   # embeddings, block 0, block 1, ...
    acts = read_activations(qwen, tokenizer, [text])
    for layer in range(3):   # the last hidden state has the final norm applied; block outputs do not
        expected = hidden[layer + 1][0, 1:].mean(dim=0)
        torch.testing.assert_close(acts.pooled[layer][0], expected, atol=1e-5, rtol=1e-4)
        norms = hidden[layer + 1][0, 1:].norm(dim=-1).mean()
        assert acts.token_norm[layer] == pytest.approx(float(norms), rel=1e-4)
    last = read_activations(qwen, tokenizer, [text], pooling="last")
    torch.testing.assert_close(last.pooled[0][0], hidden[1][0, -1], atol=1e-5, rtol=1e-4)


def test_layer_subset_equals_full_read(qwen, tokenizer):
    full = read_activations(qwen, tokenizer, TEXTS)
    part = read_activations(qwen, tokenizer, TEXTS, layers=[1])
    assert part.layers == [1]
    torch.testing.assert_close(part.pooled[1], full.pooled[1])


def test_spans_pool_only_the_tokens_they_cover(qwen, tokenizer):
    text = "a = 1\nb = strcpy(buf, src)\n"
    start = text.index("strcpy")
    span_read = read_activations(qwen, tokenizer, [text], spans=[[(start, start + 6)]])
    enc = tokenizer(text, return_offsets_mapping=True, return_tensors="pt")
    offsets = enc.pop("offset_mapping")[0]
    chosen = [i for i, (a, b) in enumerate(offsets.tolist()) if a < start + 6 and b > start]
    with torch.no_grad():
        hidden = qwen(**enc, output_hidden_states=True).hidden_states
    expected = hidden[1][0, chosen].mean(dim=0)
    torch.testing.assert_close(span_read.pooled[0][0], expected, atol=1e-5, rtol=1e-4)


def test_bad_inputs(qwen, tokenizer):
    with pytest.raises(ValueError, match="no texts"):
        read_activations(qwen, tokenizer, [])
    with pytest.raises(ValueError, match="out of range"):
        read_activations(qwen, tokenizer, TEXTS, layers=[9])
    with pytest.raises(ValueError, match="span lists"):
        read_activations(qwen, tokenizer, TEXTS, spans=[[]])
