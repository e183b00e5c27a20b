"""Late-layer per-CWE vectors: every layer selectable, last-token pooling at the changed call, review view."""

from __future__ import annotations

import pytest
import torch

from secsteer.activations.read import read_activations
from secsteer.data.pairs import ContrastPair
from secsteer.detection.prompts import detection_prompt
from secsteer.detection.task import DetectionExample
from secsteer.experiments.spec import load_preset
from secsteer.vectors.build import build_vector
from secsteer.vectors.diff import changed_spans
from secsteer.vectors.select import choose_layers
from tests.methods.helpers import MULTI, record_block

CALL = ContrastPair("c/1", "CWE-89", "python",
                    "def f(cur, uid):\n    cur.execute('SELECT * FROM t WHERE id = ?', (uid,))\n    return cur\n",
                    "def f(cur, uid):\n    cur.execute('SELECT * FROM t WHERE id = %s' % uid)\n    return cur\n")
CALL2 = ContrastPair("c/2", "CWE-78", "python", "x = 1\nsubprocess.run(['ls', path])\ny = 2\n",
                     "x = 1\nos.system('ls ' + path)\ny = 2\n")


def _state_at_char(model, tokenizer, text: str, char_end: int, layer: int) -> torch.Tensor:
    """Block output at the last token that starts before `char_end` (the token ending the span), by hand."""
    enc = tokenizer(text, return_offsets_mapping=True, return_tensors="pt")
    offsets = enc.pop("offset_mapping")[0].tolist()
    index = max(i for i, (a, b) in enumerate(offsets) if b > a and a < char_end)
    with record_block(model, layer) as seen, torch.no_grad():
        model(**enc)
    return seen[0][0, index]


def test_last_token_diff_pooling_reads_the_end_of_the_changed_call(qwen, tokenizer):
    vector = build_vector(qwen, tokenizer, [CALL, CALL2], layers=[1, 3], pooling="last", focus="diff")
    for layer in (1, 3):
        diffs = []
        for pair in (CALL, CALL2):
            sec_spans, ins_spans = changed_spans(pair)
            sec = _state_at_char(qwen, tokenizer, pair.secure, sec_spans[-1][1], layer)
            ins = _state_at_char(qwen, tokenizer, pair.insecure, ins_spans[-1][1], layer)
            diffs.append(sec - ins)
        torch.testing.assert_close(vector.directions[layer], torch.stack(diffs).mean(0), rtol=1e-4, atol=1e-5)
    assert vector.meta.pooling == "last" and vector.meta.extra["focus"] == "diff"
    # not the same as the last token of the whole text or the mean over the change
    whole = build_vector(qwen, tokenizer, [CALL, CALL2], layers=[1], pooling="last")
    mean = build_vector(qwen, tokenizer, [CALL, CALL2], layers=[1], focus="diff")
    assert not torch.allclose(vector.directions[1], whole.directions[1])
    assert not torch.allclose(vector.directions[1], mean.directions[1])


def test_last_pooling_without_span_tokens_falls_back_to_the_last_real_token(qwen, tokenizer):
    texts = ["import os\n", "def read_file(path):\n"]
    plain = read_activations(qwen, tokenizer, texts, [2], "last")
    empty = read_activations(qwen, tokenizer, texts, [2], "last", spans=[[], [(0, 0)]])
    torch.testing.assert_close(plain.pooled[2], empty.pooled[2])


def _review_text(tokenizer, pair: ContrastPair, secure: bool) -> str:
    code = pair.secure if secure else pair.insecure
    example = DetectionExample("x", code, pair.cwe, pair.language, not secure, pair.id)
    return detection_prompt(tokenizer, example, answer_prefix=True)


def test_review_vector_reads_the_model_answering_the_detection_question(qwen, tokenizer):
    pairs = MULTI[:4]
    vector = build_vector(qwen, tokenizer, pairs, layers=[2], pooling="last", view="review")
    expected = []
    for pair in pairs:
        sec, ins = (_review_text(tokenizer, pair, s) for s in (True, False))
        expected.append(_state_at_char(qwen, tokenizer, sec, len(sec), 2)
                        - _state_at_char(qwen, tokenizer, ins, len(ins), 2))
    torch.testing.assert_close(vector.directions[2], torch.stack(expected).mean(0), rtol=1e-4, atol=1e-5)
    assert vector.meta.extra["view"] == "review"
    code_view = build_vector(qwen, tokenizer, pairs, layers=[2], pooling="last")
    assert not torch.allclose(vector.directions[2], code_view.directions[2])


def test_review_view_with_diff_focus_reads_the_changed_call_inside_the_question(qwen, tokenizer):
    vector = build_vector(qwen, tokenizer, [CALL], layers=[1], pooling="last", focus="diff", view="review")
    sec_spans, ins_spans = changed_spans(CALL)
    states = []
    for secure, spans in ((True, sec_spans), (False, ins_spans)):
        text = _review_text(tokenizer, CALL, secure)
        offset = text.find((CALL.secure if secure else CALL.insecure).rstrip())
        states.append(_state_at_char(qwen, tokenizer, text, offset + spans[-1][1], 1))
    torch.testing.assert_close(vector.directions[1], states[0] - states[1], rtol=1e-4, atol=1e-5)


def test_bad_view_fails_clearly(qwen, tokenizer):
    with pytest.raises(ValueError, match="view must be one of"):
        build_vector(qwen, tokenizer, [CALL], layers=[1], view="reading")  # type: ignore[arg-type]


def test_layer_choice_scores_every_layer_including_the_last(qwen, tokenizer):
    pairs = MULTI + [CALL, CALL2]
    choice = choose_layers(qwen, tokenizer, pairs, k=2, score="dprime")
    assert sorted(choice.scores) == list(range(4))          # the tiny model has 4 layers: 3 is the last


def test_layers_preset_covers_every_layer_of_the_bundled_model():
    spec = load_preset("layers")
    single = {s[0] for s in spec.layer_sets if len(s) == 1}
    assert single == set(range(24))
    assert (20, 21, 22, 23) in spec.layer_sets
