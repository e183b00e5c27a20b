"""The server's parts with exact answers: text deltas, per-row sampling, the scheduler, row dropping."""

from __future__ import annotations

import argparse
import threading

import pytest
import torch

from secsteer.cli.main import main
from secsteer.cli.serve import is_loopback, vector_specs
from secsteer.serve.engine import Row, llamacpp_engine
from secsteer.serve.hook_engine import HookEngine
from secsteer.serve.sampling import next_tokens, sample
from secsteer.serve.scheduler import Event, Job, Scheduler
from secsteer.serve.text import TextState
from secsteer.steering.apply import Steering
from tests.serve.conftest import LAYERS
from tests.serve.scripted import ScriptedEngine


def deltas(tokens: list[int], stops: tuple[str, ...], engine: ScriptedEngine) -> tuple[list[str], bool]:
    state = TextState(engine.decode, stops)
    out, stopped = [], False
    for k in range(1, len(tokens) + 1):
        delta, stopped = state.update(tokens[:k], final=k == len(tokens))
        out.append(delta)
        if stopped:
            break
    return out, stopped


def test_text_holds_back_partial_stops_and_characters() -> None:
    engine = ScriptedEngine()
    out, stopped = deltas(list(b"ab```c"), ("```",), engine)
    assert out == ["a", "b", "", "", ""] and stopped          # "`" and "``" held back, then the stop cuts
    out, stopped = deltas(list(b"a`b"), ("```",), engine)
    assert "".join(out) == "a`b" and out[1] == "" and not stopped
    out, _ = deltas(list("é!".encode()), (), engine)          # two bytes of é: nothing until it is whole
    assert out == ["", "é", "!"]


def test_top_p_keeps_the_nucleus_and_seeds_repeat() -> None:
    logits = torch.tensor([5.0, 4.0, 0.0, -1.0])
    rng = torch.Generator().manual_seed(0)
    assert {sample(logits, 1.0, 0.5, rng) for _ in range(50)} == {0}     # token 0 alone holds > 0.5
    assert {sample(logits, 1.0, 0.9, rng) for _ in range(200)} == {0, 1}
    rows = [Row([1], 4, temperature=1.0, seed=3), Row([1], 4), Row([1], 4, temperature=1.0, seed=3)]
    batch = torch.randn(3, 50)
    batch[2] = batch[0]
    picks = [next_tokens(batch, rows).tolist() for _ in range(5)]
    assert all(p[1] == int(batch[1].argmax()) for p in picks)             # the greedy row stays greedy
    assert [p[0] for p in picks] == [p[2] for p in picks]                  # same seed, same draws
    alone = [Row([1], 4, temperature=1.0, seed=3)]
    assert [next_tokens(batch[:1], alone).item() for _ in range(5)] == [p[0] for p in picks]


def run_jobs(engine: ScriptedEngine, rows: list[Row], stops: tuple[str, ...] = (), **kw) -> list[list[Event]]:
    scheduler = Scheduler(engine, **kw)
    events: list[list[Event]] = [[] for _ in rows]
    done = threading.Semaphore(0)

    def emitter(i: int):
        def emit(event: Event) -> None:
            events[i].append(event)
            if event.finish_reason:
                done.release()
        return emit

    jobs = [Job(row, 0, emitter(i), TextState(engine.decode, stops)) for i, row in enumerate(rows)]
    scheduler.start()
    scheduler.submit(jobs)
    for _ in rows:
        assert done.acquire(timeout=30)
    scheduler.stop(10)
    return events


def test_scheduler_batches_and_finishes_each_row_its_own_way() -> None:
    engine = ScriptedEngine("hello world")
    rows = [Row([1], 3), Row([1], 50), Row([1], 50, vector="v", scale=0.5)]
    events = run_jobs(engine, rows, stops=("wor",), collect_ms=50)
    texts = ["".join(e.text for e in ev) for ev in events]
    assert texts == ["hel", "hello ", "hello "]
    assert [ev[-1].finish_reason for ev in events] == ["length", "stop", "stop"]
    assert len(engine.batches) == 1 and len(engine.batches[0]) == 3       # one batch, mixed steering
    assert run_jobs(ScriptedEngine("hi"), [Row([1], 50)])[0][-1].finish_reason == "stop"   # end of text


def test_a_request_arriving_mid_batch_joins_it() -> None:
    engine = ScriptedEngine("abcdefghijklmnopqrstuvwxyz", delay_s=0.01)
    scheduler = Scheduler(engine, max_batch=4, collect_ms=0)
    finished: list[Event] = []
    done = threading.Semaphore(0)

    def emit(event: Event) -> None:
        if event.finish_reason:
            finished.append(event)
            done.release()

    first, second = (Job(Row([1], 20), 0, emit, TextState(engine.decode)) for _ in range(2))
    scheduler.start()
    scheduler.submit([first])
    while len(first.row.tokens) < 3:
        threading.Event().wait(0.005)
    scheduler.submit([second])
    assert done.acquire(timeout=30) and done.acquire(timeout=30)
    scheduler.stop(10)
    assert len(engine.batches) == 1 and len(engine.batches[0]) == 2        # one generation served both
    assert scheduler.stats.rows_joined == 1 and scheduler.stats.max_batch == 2
    assert first.text.text == second.text.text == "abcdefghijklmnopqrst"  # each from its own start


def test_engines_without_per_row_steering_get_uniform_batches() -> None:
    engine = ScriptedEngine("ab")
    engine.per_row_steering = False
    rows = [Row([1], 5, vector="v", scale=0.5), Row([1], 5), Row([1], 5, vector="v", scale=0.5)]
    run_jobs(engine, rows, collect_ms=50)
    assert sorted(map(len, engine.batches)) == [1, 2]
    assert all(len(set(batch)) == 1 for batch in engine.batches)


def test_joiners_never_overtake_a_request_with_other_steering() -> None:
    """Without per-row steering, a request steered otherwise than the running batch is served by the next
    batch, before later requests with the running batch's steering (which could otherwise join forever)."""
    engine = ScriptedEngine("abcdefghijklmnopqrst", delay_s=0.01)
    engine.per_row_steering = False
    scheduler = Scheduler(engine, max_batch=4, collect_ms=0)
    done = threading.Semaphore(0)

    def emit(event: Event) -> None:
        if event.finish_reason:
            done.release()

    steered, plain, steered_again = (Job(Row([1], 20, vector=v, scale=s), 0, emit, TextState(engine.decode))
                                     for v, s in (("v", 0.5), (None, 0.0), ("v", 0.5)))
    scheduler.start()
    scheduler.submit([steered])
    while len(steered.row.tokens) < 3:
        threading.Event().wait(0.005)
    scheduler.submit([plain])
    scheduler.submit([steered_again])
    assert all(done.acquire(timeout=30) for _ in range(3))
    scheduler.stop(10)
    assert engine.batches == [[("v", 0.5)], [(None, 0.0)], [("v", 0.5)]]


def test_hook_engine_drops_finished_rows_without_disturbing_the_others(tiny) -> None:
    engine = HookEngine(tiny.model, tiny.tokenizer, "t", {"v": Steering(tiny.vector, LAYERS, 0.5)}, 0.5)
    prompts = [engine.encode(p) for p in ("def f(x):\n", "import os\n", "char buf[16];\n")]

    def generate(rows: list[Row], drop_after: dict[int, int]) -> list[list[int]]:
        for _ in engine.run(rows):
            for i, row in enumerate(rows):
                row.done = row.done or len(row.tokens) >= drop_after.get(i, 10)
        return [r.tokens for r in rows]

    full = generate([Row(p, 10, vector="v", scale=s) for p, s in zip(prompts, (0.5, 0.0, -0.5))], {})
    dropped = generate([Row(p, 10, vector="v", scale=s) for p, s in zip(prompts, (0.5, 0.0, -0.5))], {1: 2})
    assert dropped[1] == full[1][:2]
    assert dropped[0] == full[0] and dropped[2] == full[2]
    assert full[0] != full[1]                                   # the scales did differ


def test_hook_engine_lets_rows_join_a_running_batch(tiny) -> None:
    """A row appended mid-generation is prefilled and merged into the batch (left-padded KV cache); every
    row still gets the tokens it gets alone."""
    engine = HookEngine(tiny.model, tiny.tokenizer, "t", {"v": Steering(tiny.vector, LAYERS, 0.5)}, 0.5)
    prompts = [engine.encode(p) for p in ("def f(x):\n", "import os\nimport sqlite3\n", "char buf[16];\n")]
    scales = (0.5, 0.0, -0.5)

    def alone(i: int) -> list[int]:
        row = Row(prompts[i], 8, vector="v", scale=scales[i])
        for _ in engine.run([row]):
            row.done = len(row.tokens) >= 8
        return row.tokens

    rows = [Row(prompts[0], 8, vector="v", scale=scales[0])]
    joiners = {3: 1, 5: 2}                                      # at step 3 row 1 joins, at step 5 row 2
    for step, _ in enumerate(engine.run(rows), start=1):
        assert engine.joins_running_batch
        for row in rows:
            row.done = len(row.tokens) >= 8
        if step in joiners:
            i = joiners[step]
            rows.append(Row(prompts[i], 8, vector="v", scale=scales[i]))
    assert [r.tokens for r in rows] == [alone(0), alone(1), alone(2)]


def test_llamacpp_engine_without_llama_cpp_is_refused_clearly(monkeypatch, capsys) -> None:
    import secsteer.backends.llamacpp as backend

    def missing() -> None:
        raise ImportError("the llamacpp engine needs llama-cpp-python: pip install 'secsteer[llamacpp]'")

    monkeypatch.setattr(backend, "import_llama_cpp", missing)
    monkeypatch.setattr("secsteer.serve.llama_engine.import_llama_cpp", missing, raising=False)
    with pytest.raises(ValueError, match="needs llama-cpp-python.*--engine hooks"):
        llamacpp_engine(argparse.Namespace())
    assert main(["serve", "--engine", "llamacpp", "--port", "1"]) == 2
    assert "needs llama-cpp-python" in capsys.readouterr().err


def test_cli_vector_names_and_loopback(tmp_path) -> None:
    a, b = tmp_path / "cwe89.safetensors", tmp_path / "x.safetensors"
    a.write_bytes(b"")
    b.write_bytes(b"")
    assert vector_specs([str(a), f"sql={b}"]) == [("cwe89", a), ("sql", b)]
    with pytest.raises(ValueError, match="two vectors"):
        vector_specs([f"v={a}", f"v={b}"])
    with pytest.raises(FileNotFoundError):
        vector_specs(["v=/nonexistent.safetensors"])
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0")
    assert main(["serve", "--api-key", " ", "--port", "1"]) == 2
