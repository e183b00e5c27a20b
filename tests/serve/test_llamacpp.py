"""`secsteer serve --engine llamacpp`: a real server on the tiny Qwen2 written as a GGUF, through the official
openai client, against the llama.cpp backend's generate() for the same requests."""

from __future__ import annotations

import argparse
import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from secsteer.generation.generate import GenerationConfig
from secsteer.serve.config import ServeConfig
from secsteer.steering.apply import Steering
from tests.backends.tiny_gguf import write_tiny_gguf
from tests.serve.conftest import CHAT_TEMPLATE, LAYERS, MODEL_NAME, Live, Tiny, serving
from tests.serve.test_errors import BAD, check_error

pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (pip install 'secsteer[llamacpp]')")

from secsteer.backends.llamacpp import LlamaCppEngine, LlamaCppOptions  # noqa: E402
from secsteer.backends.llamacpp_backend import load_engine  # noqa: E402
from secsteer.cli.main import build_parser  # noqa: E402
from secsteer.serve.engine import Row, llamacpp_engine  # noqa: E402
from secsteer.serve.llama_engine import LlamaServeEngine  # noqa: E402

PROMPT = "def read_file(path):\n"
MESSAGES = [{"role": "system", "content": "You write code."}, {"role": "user", "content": "Read a file."}]
OPTIONS = LlamaCppOptions(context=512, parallel=4, threads=1)


@pytest.fixture(scope="module")
def gguf_file(tiny: Tiny, tmp_path_factory) -> Path:
    return write_tiny_gguf(tiny.model, tiny.tokenizer, tmp_path_factory.mktemp("gguf") / "tiny.gguf", CHAT_TEMPLATE)


def serve_args(gguf_file: Path, tiny: Tiny, *extra: str) -> argparse.Namespace:
    """The arguments `secsteer serve --engine llamacpp ...` parses to."""
    return build_parser().parse_args([
        "serve", "--engine", "llamacpp", "--model", str(gguf_file), "--vector", f"v={tiny.directory / 'v.safetensors'}",
        "--layers", ",".join(map(str, LAYERS)), "--scale", "0.5", "--threads", "1", "--context", "512",
        "--max-batch", "4", "--served-model-name", MODEL_NAME, *extra])


@pytest.fixture(scope="module")
def engine(gguf_file, tiny) -> Iterator[LlamaServeEngine]:
    engine = llamacpp_engine(serve_args(gguf_file, tiny))
    yield engine
    engine.llama.close()


@pytest.fixture(scope="module")
def llama_live(engine) -> Iterator[Live]:
    with serving(engine, ServeConfig(max_tokens_cap=500, max_batch=4, collect_ms=50)) as live:
        yield live


@pytest.fixture(scope="module")
def reference(gguf_file) -> Iterator[LlamaCppEngine]:
    """The llama.cpp backend (what `generate --engine llamacpp` runs), in its own context."""
    with load_engine(str(gguf_file), OPTIONS) as engine:
        yield engine


@pytest.fixture
def client(llama_live):
    from openai import OpenAI

    return OpenAI(base_url=f"{llama_live.url}/v1", api_key="unused", max_retries=0, timeout=60)


def expected(reference: LlamaCppEngine, tiny: Tiny, prompt: str, scale: float | None, tokens: int = 16,
             **config) -> str:
    steering = None if scale is None else Steering(tiny.vector, LAYERS, scale)
    return reference.generate([prompt], GenerationConfig(max_new_tokens=tokens, **config), steering)[0]


def test_models_lists_the_vector(client) -> None:
    card = client.models.list().data[0]
    assert card.id == MODEL_NAME
    assert card.model_extra["secsteer"]["vectors"] == [{"name": "v", "layers": list(LAYERS), "relative": True}]
    assert card.model_extra["secsteer"]["context_length"] == 512


def test_completion_plain_and_streamed_agree(client) -> None:
    plain = client.completions.create(model=MODEL_NAME, prompt=PROMPT, max_tokens=12, temperature=0)
    choice = plain.choices[0]
    assert choice.text and choice.finish_reason in ("stop", "length")
    chunks = list(client.completions.create(model=MODEL_NAME, prompt=PROMPT, max_tokens=12, temperature=0,
                                            stream=True, stream_options={"include_usage": True}))
    assert "".join(c.choices[0].text for c in chunks if c.choices) == choice.text
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == \
        [choice.finish_reason]
    assert chunks[-1].usage.completion_tokens == plain.usage.completion_tokens


def test_steered_output_equals_the_backends_generate(client, reference, tiny) -> None:
    texts = {}
    for scale in (0.5, -0.05, None):
        steering = {"off": True} if scale is None else {"vector": "v", "scale": scale}
        served = client.completions.create(model=MODEL_NAME, prompt=PROMPT, max_tokens=16, temperature=0,
                                           extra_body={"steering": steering})
        texts[scale] = served.choices[0].text
        assert texts[scale] == expected(reference, tiny, PROMPT, scale)
        assert served.model_extra["secsteer"]["steering"] == {"vector": None if scale is None else "v",
                                                              "scale": scale or 0.0}
    assert len(set(texts.values())) == 3                   # the vector does change the answer


def test_chat_uses_the_ggufs_template_and_streams(client, reference, tiny) -> None:
    plain = client.chat.completions.create(model=MODEL_NAME, messages=MESSAGES, max_tokens=10, temperature=0)
    prompt = tiny.tokenizer.apply_chat_template(MESSAGES, tokenize=False, add_generation_prompt=True)
    assert plain.usage.prompt_tokens == len(tiny.tokenizer(prompt)["input_ids"])
    assert plain.choices[0].message.content == expected(reference, tiny, prompt, 0.5, tokens=10)   # server default
    chunks = list(client.chat.completions.create(model=MODEL_NAME, messages=MESSAGES, max_tokens=10,
                                                 temperature=0, stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == plain.choices[0].message.content


def test_different_steering_at_once_is_served_batch_after_batch(llama_live, reference, tiny) -> None:
    """Requests with different steering arrive together: both answered (no 400), each with its own steering,
    in separate batches; requests with the same steering share one."""
    def post_together(steerings: list[dict]) -> tuple[list[str], dict]:
        before = llama_live.stats()
        barrier, texts = threading.Barrier(len(steerings)), [""] * len(steerings)

        def ask(i: int) -> None:
            barrier.wait()
            body = {"model": MODEL_NAME, "prompt": PROMPT, "max_tokens": 24, "temperature": 0,
                    "steering": steerings[i]}
            response = httpx.post(f"{llama_live.url}/v1/completions", json=body, timeout=60)
            assert response.status_code == 200, response.text
            texts[i] = response.json()["choices"][0]["text"]

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(steerings))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        after = llama_live.stats()
        return texts, {k: after[k] - before[k] for k in ("batches", "rows", "rows_joined")}

    texts, counts = post_together([{"scale": 0.5}, {"off": True}])
    assert texts == [expected(reference, tiny, PROMPT, 0.5, 24), expected(reference, tiny, PROMPT, None, 24)]
    assert counts == {"batches": 2, "rows": 2, "rows_joined": 0}
    shared = []
    for _ in range(3):          # on a loaded machine the second request may arrive after the first finished
        texts, counts = post_together([{"scale": 0.5}, {"scale": 0.5}])
        assert texts == [expected(reference, tiny, PROMPT, 0.5, 24)] * 2
        assert counts["rows"] == 2
        shared.append(counts["batches"] == 1)                        # together from the start, or one joined
        if shared[-1]:
            break
    assert any(shared), "two requests with the same steering never shared a batch in 3 tries"


def test_seeded_sampling_repeats_and_n_choices_differ(client) -> None:
    def ask(seed: int, n: int = 1) -> list[str]:
        reply = client.completions.create(model=MODEL_NAME, prompt=PROMPT, max_tokens=12, temperature=1.0,
                                          top_p=0.9, seed=seed, n=n)
        return [c.text for c in reply.choices]

    first = ask(7)
    assert ask(7) == first
    assert ask(8) != first
    two = ask(7, n=2)
    assert two[0] == first[0] and two[1] != two[0]          # choice i draws with seed + i


def test_stop_strings_cut_the_answer(client) -> None:
    full = client.completions.create(model=MODEL_NAME, prompt=PROMPT, max_tokens=20, temperature=0).choices[0].text
    stop = full[len(full) // 2:][:2]
    assert stop.strip(), f"need a visible stop string from {full!r}"
    for stream in (False, True):
        reply = client.completions.create(model=MODEL_NAME, prompt=PROMPT, max_tokens=20, temperature=0,
                                          stop=[stop], stream=stream)
        if stream:
            chunks = list(reply)
            text = "".join(c.choices[0].text for c in chunks)
            finish = [c.choices[0].finish_reason for c in chunks if c.choices[0].finish_reason]
        else:
            text, finish = reply.choices[0].text, [reply.choices[0].finish_reason]
        assert text == full[:full.find(stop)] and finish == ["stop"]


def test_rows_join_and_leave_a_running_batch_and_reuse_its_sequences(engine) -> None:
    """Rows appended mid-run are prefilled beside the others' next tokens; a finished row's sequence is freed
    and taken by a later joiner (4 sequences serve 6 rows); every row gets the tokens it gets alone."""
    prompts = [engine.encode(p) for p in (PROMPT, "import os\nimport sqlite3\n", "char buf[16];\n")] * 2
    stop_at = [10, 3, 10, 4, 10, 10]

    def alone(i: int) -> list[int]:
        row = Row(prompts[i], 10, vector="v", scale=-0.05)
        for _ in engine.run([row]):
            row.done = len(row.tokens) >= stop_at[i]
        return row.tokens

    rows = [Row(prompts[0], 10, vector="v", scale=-0.05) for _ in range(1)]
    joiners = {2: [1, 2, 3], 5: [4], 6: [5]}                   # step -> rows that join after it
    for step, _ in enumerate(engine.run(rows), start=1):
        for i, row in enumerate(rows):
            row.done = len(row.tokens) >= stop_at[i]
        assert sum(not r.done for r in rows) + len(joiners.get(step, [])) <= engine.slots
        rows.extend(Row(prompts[i], 10, vector="v", scale=-0.05) for i in joiners.get(step, []))
    assert [r.tokens for r in rows] == [alone(i) for i in range(6)]


def test_rows_with_another_steering_cannot_join(engine) -> None:
    rows = [Row(engine.encode(PROMPT), 5, vector="v", scale=0.5)]
    with pytest.raises(ValueError, match="one control vector per context"):
        for _ in engine.run(rows):
            rows.append(Row(engine.encode(PROMPT), 5))


@pytest.mark.parametrize(("label", "path", "body", "status", "param"), BAD, ids=[b[0] for b in BAD])
def test_bad_request_is_answered(llama_live, label, path, body, status, param) -> None:
    response = httpx.post(llama_live.url + path, content=json.dumps(body), timeout=30,
                          headers={"Content-Type": "application/json"})
    check_error(response, status, param)


def test_server_still_serves_after_bad_requests(client) -> None:
    assert client.completions.create(model=MODEL_NAME, prompt=PROMPT, max_tokens=4, temperature=0).choices[0].text


@pytest.mark.parametrize(("extra", "words"), [
    (("--positions", "generated"), "positions 'all'"),
    (("--layers", "0,1"), "block 0"),
    (("--device", "cuda:0"), "CPU build"),
])
def test_steering_llama_cpp_cannot_do_is_refused_at_start(gguf_file, tiny, extra, words) -> None:
    args = serve_args(gguf_file, tiny, *extra)
    with pytest.raises(ValueError, match=words) as err:
        llamacpp_engine(args)
    assert "\n" not in str(err.value)


def test_a_vector_for_another_model_is_refused_at_start(gguf_file, tiny, tmp_path) -> None:
    other = replace(tiny.vector.meta, hidden_size=32)
    from secsteer.vectors.vector import SteeringVector

    path = tmp_path / "other.safetensors"
    SteeringVector({k: v[:32] for k, v in tiny.vector.directions.items()}, other).save(path)
    args = serve_args(gguf_file, tiny)
    args.vector = [f"other={path}"]
    with pytest.raises(ValueError, match="does not fit"):
        llamacpp_engine(args)
