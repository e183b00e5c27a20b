"""Pieces of the benchmark suite with exact answers: ratio arithmetic, ordering, subprocess adapters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from benchmarks.bench_external import analyzers, nnsight, run_json
from benchmarks.bench_hardware import weight_bytes
from benchmarks.context import Context
from benchmarks.sven_memory import SVEN, sven_texts
from benchmarks.timing import REPO, Figure, Paired, interleaved
from torch import nn

from secsteer._util.threads import available_cores, configure_threads


def test_paired_ratio_median_spread_and_min() -> None:
    paired = Paired(baseline=(1.0, 2.0, 4.0), variant=(2.0, 2.0, 2.0))
    assert paired.ratios == [2.0, 1.0, 0.5]
    assert paired.median_ratio == 1.0
    assert paired.spread == (0.5, 2.0)
    assert paired.min_ratio == 2.0
    inverse = paired.summary(inverse=True)
    assert inverse["ratio"] == 1.0 and inverse["spread"] == (0.5, 2.0) and inverse["ratio_of_min"] == 0.5


def test_interleaved_alternates_order_after_warmup() -> None:
    calls: list[str] = []
    paired = interleaved(lambda: calls.append("b"), lambda: calls.append("v"), reps=3, warmup=1)
    assert calls == ["b", "v", "b", "v", "v", "b", "b", "v"]
    assert len(paired.baseline) == len(paired.variant) == 3


def test_figure_targets_both_directions() -> None:
    assert Figure("a", "x", ratio=1.02, target=("<=", 1.03)).met is True
    assert Figure("a", "x", ratio=1.04, target=("<=", 1.03)).met is False
    assert Figure("a", "x", ratio=0.95, target=(">=", 0.9)).met is True
    assert Figure("a", "x", ratio=0.85, target=(">=", 0.9)).met is False
    assert Figure("a", "x", ratio=1.0).met is None
    assert "MISSED" in Figure("a", "x", ratio=1.04, spread=(1.0, 1.1), target=("<=", 1.03)).line()
    assert "SKIPPED: why" in Figure("a", "x", "skipped", note="why").line()


def test_weight_bytes_counts_tied_weights_once() -> None:
    emb, head = nn.Embedding(10, 4), nn.Linear(4, 10, bias=False)
    head.weight = emb.weight
    model = nn.ModuleDict({"emb": emb, "head": head, "extra": nn.Linear(4, 4, bias=False)})
    assert weight_bytes(model) == (10 * 4 + 4 * 4) * 4


def _stub(tmp_path: Path, name: str, body: str) -> Path:
    script = tmp_path / name
    script.write_text("import argparse, json, sys\np = argparse.ArgumentParser()\n"
                      "p.add_argument('--json'); p.add_argument('--quick', action='store_true')\n"
                      "p.add_argument('--n-python', type=int); p.add_argument('--n-c', type=int)\n"
                      "p.add_argument('--threads', type=int)\n"
                      f"a = p.parse_args()\n{body}\n")
    return script


NNSIGHT_JSON = {"new_tokens": 16, "batches": {
    "1": {"plain": {"ratio_median": 1.0}, "hooks_steered": {"ratio_median": 1.01},
          "nnsight_steered": {"median_s": 2.0, "ratio_median": 1.2, "ratio_p25": 1.1, "ratio_p75": 1.3}},
    "8": {"nnsight_steered": {"median_s": 3.0, "ratio_median": 1.05, "ratio_p25": 1.0, "ratio_p75": 1.1}}}}


def test_external_scripts_are_read_through_their_json(tmp_path: Path) -> None:
    ctx = Context.create(quick=True, workdir=tmp_path)
    runs = tmp_path / "runs.txt"
    stub = _stub(tmp_path, "nn.py", f"assert a.quick and a.threads >= 1\nopen({str(runs)!r}, 'a').write('run')\n"
                                     f"json.dump({NNSIGHT_JSON!r}, open(a.json, 'w'))")
    b1, b8 = nnsight(ctx, 1, stub), nnsight(ctx, 8, stub)
    assert (b1.status, b1.ratio, b1.spread) == ("ok", 1.2, (1.1, 1.3))
    assert "hook engine steered x1.010" in b1.note
    assert (b8.ratio, b8.spread) == (1.05, (1.0, 1.1))
    assert runs.read_text() == "run"              # one script run serves both figures
    stub = _stub(tmp_path, "an.py", "json.dump({'python_total_seconds': a.n_python * 0.03}, open(a.json, 'w'))")
    figure = analyzers(ctx, stub)
    assert figure.ratio == pytest.approx(0.5) and figure.met is True
    assert nnsight(ctx, 1, tmp_path / "absent.py").status == "skipped"


def test_changed_json_layout_is_an_error_not_a_number(tmp_path: Path) -> None:
    ctx = Context.create(quick=True, workdir=tmp_path)
    stub = _stub(tmp_path, "nn.py", "json.dump({'results': []}, open(a.json, 'w'))")
    with pytest.raises(ValueError, match="wrote no batches.1.nnsight_steered entry"):
        nnsight(ctx, 1, stub)


def test_failing_script_raises_with_its_message(tmp_path: Path) -> None:
    ctx = Context.create(quick=True, workdir=tmp_path)
    stub = _stub(tmp_path, "bad.py", "sys.exit('no model here')")
    with pytest.raises(RuntimeError, match="exited with 1: no model here"):
        run_json(ctx, "bad", [sys.executable, str(stub)], 60)


def test_measure_reports_child_peak_memory(tmp_path: Path) -> None:
    # a fresh process, as the runner uses it: ru_maxrss of children covers every child ever waited for
    script = "x = bytearray(200 * 2**20); x[::4096] = b'1' * len(x[::4096])"
    out = tmp_path / "m.json"
    subprocess.run([sys.executable, "-m", "benchmarks.measure", "--json", str(out), "--log", str(tmp_path / "log"),
                    "--", sys.executable, "-c", script], check=True, capture_output=True, cwd=REPO)
    result = json.loads(out.read_text())
    assert result["returncode"] == 0
    assert 200 <= result["max_rss_mb"] < 400


def test_configure_threads_order_of_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    before = torch.get_num_threads()
    try:
        assert available_cores() == len(os.sched_getaffinity(0))
        monkeypatch.setenv("SECSTEER_THREADS", "1")
        assert configure_threads() == 1 and torch.get_num_threads() == 1
        monkeypatch.delenv("SECSTEER_THREADS")
        assert configure_threads() == available_cores() == torch.get_num_threads()
        monkeypatch.setenv("SECSTEER_THREADS", "two")
        with pytest.raises(ValueError, match="SECSTEER_THREADS must be a positive integer"):
            configure_threads()
        with pytest.raises(ValueError, match="must be >= 1"):
            configure_threads(0)
    finally:
        torch.set_num_threads(before)


def test_sven_subset_spreads_over_lengths() -> None:
    if not SVEN.is_dir():
        pytest.skip(f"SVEN not found at {SVEN} (the datasets live beside the repository in ../shared)")
    texts, n = sven_texts(SVEN, 10)
    assert (n, len(texts)) == (10, 20)
    lengths = [len(a) + len(b) for a, b in zip(texts[:10], texts[10:], strict=True)]
    assert lengths == sorted(lengths)                        # picked in length order, shortest first
    first = json.loads((SVEN / "train" / "cwe-089.jsonl").read_text().splitlines()[0])
    all_texts, total = sven_texts(SVEN, 10_000)
    assert total <= 720 and len(all_texts) == 2 * total
    assert first["func_src_after"] in all_texts[:total] and first["func_src_before"] in all_texts[total:]


def test_release_freed_memory_trims_on_glibc_only() -> None:
    import platform

    from secsteer._util.memory import release_freed_memory

    assert release_freed_memory() is (platform.libc_ver()[0] == "glibc")
