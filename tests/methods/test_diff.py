from __future__ import annotations

import json

import pytest
import torch

from secsteer.data.pairs import ContrastPair
from secsteer.vectors.build import build_vector
from secsteer.vectors.diff import changed_lines, changed_spans, focus_spans
from tests.methods.helpers import record_block

SECURE = "def f(db, uid):\n    cur = db.cursor()\n    cur.execute('SELECT 1 WHERE id = ?', (uid,))\n    return cur\n"
INSECURE = "def f(db, uid):\n    cur = db.cursor()\n    cur.execute('SELECT 1 WHERE id = %s' % uid)\n    return cur\n"


def _pair(secure: str, insecure: str, meta: dict | None = None) -> ContrastPair:
    return ContrastPair("d/1", "CWE-89", "python", secure, insecure, meta=meta or {})


def _texts(text: str, spans) -> list[str]:
    return [text[a:b] for a, b in spans]


def test_replaced_line_gives_its_code_without_indentation_on_both_sides():
    sec, ins = changed_spans(_pair(SECURE, INSECURE))
    assert _texts(SECURE, sec) == ["cur.execute('SELECT 1 WHERE id = ?', (uid,))"]
    assert _texts(INSECURE, ins) == ["cur.execute('SELECT 1 WHERE id = %s' % uid)"]


def test_context_lines_widen_and_merge_into_one_span():
    sec, _ = changed_spans(_pair(SECURE, INSECURE), context_lines=1)
    assert _texts(SECURE, sec) == [
        "cur = db.cursor()\n    cur.execute('SELECT 1 WHERE id = ?', (uid,))\n    return cur"]


def test_pure_insertion_pools_the_other_side_around_the_insertion_point():
    insecure = "def g(buf, n):\n    memcpy(dst, buf, n);\n    return 0;\n"
    secure = "def g(buf, n):\n    if (n > 16) return -1;\n    memcpy(dst, buf, n);\n    return 0;\n"
    sec, ins = changed_lines(_pair(secure, insecure))
    assert sec == {1}
    assert ins == {0, 1}                       # the lines before and after where the check goes
    sec_spans, ins_spans = changed_spans(_pair(secure, insecure))
    assert _texts(secure, sec_spans) == ["if (n > 16) return -1;"]
    assert _texts(insecure, ins_spans) == ["def g(buf, n):\n    memcpy(dst, buf, n);"]


def test_identical_sides_pool_everything():
    sec, ins = changed_lines(_pair("a\nb\n", "a\nb\n"))
    assert sec == ins == {0, 1}


def test_recorded_line_changes_win_when_consistent_and_are_ignored_when_not():
    # the record claims line 1 (0-based) changed on both sides: difflib would say line 2
    line = "    cur = db.cursor()\n"
    start = SECURE.index(line)
    item = {"line_no": 2, "char_start": start, "char_end": start + len(line), "line": line}
    recorded = {"line_changes": {"added": [item], "deleted": [item]}}
    assert changed_lines(_pair(SECURE, INSECURE, recorded)) == ({1}, {1})
    wrong = {"line_changes": {"added": [{**item, "char_start": start + 3}], "deleted": [item]}}
    assert changed_lines(_pair(SECURE, INSECURE, wrong)) == ({2}, {2})     # offsets disagree: difflib


def test_recorded_pure_insertion_takes_the_empty_side_from_difflib():
    insecure = "a = 1\nb = 2\n"
    secure = "a = 1\ncheck()\nb = 2\n"
    added = {"line_no": 2, "char_start": 6, "char_end": 14, "line": "check()\n"}
    pair = _pair(secure, insecure, {"line_changes": {"added": [added], "deleted": []}})
    assert changed_lines(pair) == ({1}, {0, 1})


def test_bad_arguments():
    with pytest.raises(ValueError, match="context_lines must be >= 0"):
        changed_lines(_pair(SECURE, INSECURE), context_lines=-1)
    with pytest.raises(ValueError, match="focus must be 'all' or 'diff'"):
        focus_spans([_pair(SECURE, INSECURE)], "lines", "mean")
    with pytest.raises(ValueError, match="pools with 'mean'"):
        focus_spans([_pair(SECURE, INSECURE)], "diff", "max")


def _manual_span_mean(model, tokenizer, text: str, spans, layer: int) -> torch.Tensor:
    enc = tokenizer(text, return_offsets_mapping=True, return_tensors="pt")
    offsets = enc.pop("offset_mapping")[0].tolist()
    chosen = [i for i, (a, b) in enumerate(offsets)
              if i > 0 and b > a and any(a < hi and b > lo for lo, hi in spans)]
    assert chosen, "the test text must have tokens on the changed lines"
    with record_block(model, layer) as seen, torch.no_grad():
        model(**enc)
    return seen[0][0, chosen].mean(dim=0)


def test_diff_focus_vector_is_the_mean_over_changed_line_tokens(qwen, tokenizer):
    pairs = [_pair(SECURE, INSECURE),
             ContrastPair("d/2", "CWE-787", "c", "x = 1;\nstrncpy(buf, src, n);\ny = 2;\n",
                          "x = 1;\nstrcpy(buf, src);\ny = 2;\n")]
    vector = build_vector(qwen, tokenizer, pairs, layers=[1, 3], focus="diff")
    whole = build_vector(qwen, tokenizer, pairs, layers=[1, 3])
    assert vector.meta.extra["focus"] == "diff"
    for layer in (1, 3):
        diffs = []
        for pair in pairs:
            sec, ins = changed_spans(pair)
            diffs.append(_manual_span_mean(qwen, tokenizer, pair.secure, sec, layer)
                         - _manual_span_mean(qwen, tokenizer, pair.insecure, ins, layer))
        expected = torch.stack(diffs).mean(dim=0)
        torch.testing.assert_close(vector.directions[layer], expected, atol=1e-5, rtol=1e-4)
        assert not torch.allclose(whole.directions[layer], expected, atol=1e-3)


@pytest.mark.datasets
def test_real_sven_pairs_all_get_spans_on_both_sides(datasets_dir):
    from secsteer.data.sources.sven import load

    pairs = load(datasets_dir / "sven")
    first = json.loads((datasets_dir / "sven/data_train_val/train/cwe-089.jsonl").open().readline())
    pair = next(p for p in pairs if p.id == "sven/train/CWE-89/0")
    sec, ins = changed_spans(pair)
    assert _texts(pair.secure, sec) == [first["line_changes"]["added"][0]["line"].strip()]
    assert _texts(pair.insecure, ins) == [first["line_changes"]["deleted"][0]["line"].strip()]
    empty = [p.id for p in pairs if not all(changed_spans(p))]
    assert empty == []


def test_lines_end_at_newlines_only_as_recorded_offsets_count_them():
    secure = "x = 1  # \x0c page break\nb = safe(v)\n"
    insecure = "x = 1  # \x0c page break\nb = unsafe(v)\n"
    added = {"line_no": 2, "char_start": secure.index("b ="), "char_end": len(secure), "line": "b = safe(v)\n"}
    deleted = {"line_no": 2, "char_start": insecure.index("b ="), "char_end": len(insecure),
               "line": "b = unsafe(v)\n"}
    pair = _pair(secure, insecure, {"line_changes": {"added": [added], "deleted": [deleted]}})
    assert changed_lines(pair) == ({1}, {1})
    sec, ins = changed_spans(pair)
    assert _texts(secure, sec) == ["b = safe(v)"] and _texts(insecure, ins) == ["b = unsafe(v)"]
