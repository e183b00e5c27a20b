from __future__ import annotations

import logging

import pytest

from secsteer.data.dedupe import dedupe_pairs, normalize_code
from secsteer.data.pairs import ContrastPair
from secsteer.data.splits import LeakageError, check_held_out, find_leaks, sample_pairs, split_pairs


def make(i: int, secure: str | None = None, insecure: str | None = None, **meta: str) -> ContrastPair:
    return ContrastPair(
        id=f"t/{i}",
        cwe="CWE-89",
        language="python",
        secure=secure if secure is not None else f"q = run(sql, (v{i},))",
        insecure=insecure if insecure is not None else f"q = run(sql % v{i})",
        meta=dict(meta),
    )


def test_normalize_code_collapses_whitespace_only() -> None:
    assert normalize_code("  a =  1\n\tb=2  # note\n") == "a = 1 b=2 # note"
    assert normalize_code("a=1") != normalize_code("a = 1")


def test_dedupe_drops_identical_sides_and_repeats(caplog: pytest.LogCaptureFixture) -> None:
    same_sides = make(1, secure="x = 1\n", insecure="x =   1")
    first, repeat = make(2), make(3, secure="q = run(sql, (v2,))\n", insecure="q  =  run(sql % v2)")
    with caplog.at_level(logging.INFO, logger="secsteer.data.dedupe"):
        kept = dedupe_pairs([same_sides, first, repeat, make(4)])
    assert [p.id for p in kept] == ["t/2", "t/4"]
    assert "1 pair(s) with identical sides and 1 repeated" in caplog.text


PAIRS = [make(i) for i in range(40)]


def test_split_is_deterministic_disjoint_and_complete() -> None:
    a = split_pairs(PAIRS, (0.5, 0.25, 0.25), seed=3)
    b = split_pairs(list(reversed(PAIRS)), (0.5, 0.25, 0.25), seed=3)
    assert {k: sorted(p.id for p in v) for k, v in a.items()} == {
        k: sorted(p.id for p in v) for k, v in b.items()
    }
    assert [len(a[k]) for k in ("train", "val", "test")] == [20, 10, 10]
    ids = [p.id for part in a.values() for p in part]
    assert sorted(ids) == sorted(p.id for p in PAIRS)
    assert len(set(ids)) == len(ids)
    other_seed = split_pairs(PAIRS, (0.5, 0.25, 0.25), seed=4)
    assert {p.id for p in other_seed["test"]} != {p.id for p in a["test"]}


def test_split_with_test_fraction_and_groups_together() -> None:
    grouped = [make(i, group=f"g{i // 4}") for i in range(40)]
    parts = split_pairs(grouped, 0.3, seed=0)
    assert set(parts) == {"train", "test"}
    assert len(parts["test"]) == 12  # 10 groups of 4 -> 3 groups
    for part in parts.values():
        groups = {p.meta["group"] for p in part}
        assert all(sum(p.meta["group"] == g for p in part) == 4 for g in groups)


def test_split_rejects_bad_fractions_and_duplicate_ids() -> None:
    with pytest.raises(ValueError, match="summing to 1"):
        split_pairs(PAIRS, (0.5, 0.3, 0.3))
    with pytest.raises(ValueError, match="must lie in"):
        split_pairs(PAIRS, 1.5)
    with pytest.raises(ValueError, match="occurs twice"):
        split_pairs([make(1), make(1)], 0.5)


def test_sample_pairs_is_nested_and_deterministic() -> None:
    s4, s8, s16 = (sample_pairs(PAIRS, n, seed=7) for n in (4, 8, 16))
    assert s8[:4] == s4 and s16[:8] == s8
    assert sample_pairs(list(reversed(PAIRS)), 8, seed=7) == s8
    assert sample_pairs(PAIRS, 8, seed=8) != s8
    with pytest.raises(ValueError, match="cannot sample 41 pairs from 40"):
        sample_pairs(PAIRS, 41)


def test_leakage_found_after_whitespace_changes_under_another_id() -> None:
    build = [make(1), make(2)]
    reformatted = ContrastPair(
        id="eval/other-name",
        cwe="CWE-89",
        language="python",
        secure="something else",
        insecure="q   =\n  run(sql %   v2)",
    )
    with pytest.raises(LeakageError, match="t/2") as info:
        check_held_out(build, [reformatted])
    assert info.value.offending_ids == ["t/2"]
    assert isinstance(info.value, ValueError)


def test_leakage_by_id_and_by_prompt_string() -> None:
    long_body = "def handler(request):\n    name = request.args['name']\n    return render(name, escape=True, layout='wide')\n"
    build = [make(1), make(2, secure=long_body + "    # done\n"), make(3)]
    assert find_leaks(build, [make(3, secure="x", insecure="y")]) == ["t/3"]
    assert find_leaks(build, [long_body]) == ["t/2"]
    assert find_leaks(build, ["import os"]) == []  # short prompts only match exactly
    check_held_out(build, [make(9), "unrelated code"])  # no overlap: no error
