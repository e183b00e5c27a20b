"""The official openai client against a real server: completions, chat, streaming, steering, batching."""

from __future__ import annotations

import threading

from secsteer.generation.generate import GenerationConfig, generate
from secsteer.steering.apply import Steering
from tests.serve.conftest import LAYERS, MODEL_NAME

PROMPT = "def read_file(path):\n"
MESSAGES = [{"role": "system", "content": "You write code."}, {"role": "user", "content": "Read a file."}]


def test_models_and_health(client, live) -> None:
    models = client.models.list()
    assert [m.id for m in models.data] == [MODEL_NAME]
    extension = models.data[0].model_extra["secsteer"]
    assert extension["vectors"] == [{"name": "v", "layers": list(LAYERS), "relative": True}]
    assert extension["default_vector"] == "v" and extension["default_scale"] == 0.5
    assert live.stats()["batches"] >= 0


def test_completion_plain_and_streamed_agree(client) -> None:
    plain = client.completions.create(model=MODEL_NAME, prompt=PROMPT, max_tokens=12, temperature=0)
    choice = plain.choices[0]
    assert choice.finish_reason in ("stop", "length") and choice.text
    assert 1 <= plain.usage.completion_tokens <= 12 and plain.usage.prompt_tokens > 0
    chunks = list(client.completions.create(model=MODEL_NAME, prompt=PROMPT, max_tokens=12, temperature=0,
                                            stream=True, stream_options={"include_usage": True}))
    text = "".join(c.choices[0].text for c in chunks if c.choices)
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert text == choice.text
    assert finishes == [choice.finish_reason]
    assert chunks[-1].usage.completion_tokens == plain.usage.completion_tokens


def test_chat_uses_the_template_and_streams(client, tiny) -> None:
    plain = client.chat.completions.create(model=MODEL_NAME, messages=MESSAGES, max_tokens=10, temperature=0)
    expected_prompt = tiny.tokenizer.apply_chat_template(MESSAGES, tokenize=False, add_generation_prompt=True)
    assert plain.usage.prompt_tokens == len(tiny.tokenizer(expected_prompt)["input_ids"])
    assert plain.choices[0].message.role == "assistant"
    chunks = list(client.chat.completions.create(model=MODEL_NAME, messages=MESSAGES, max_tokens=10,
                                                 temperature=0, stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == plain.choices[0].message.content
    # the same prompt through generate(): the chat endpoint is the template plus a completion
    expected = generate(tiny.model, tiny.tokenizer, [expected_prompt], GenerationConfig(max_new_tokens=10),
                        steering=Steering(tiny.vector, LAYERS, 0.5))
    assert plain.choices[0].message.content == expected[0]


def test_steered_output_equals_generate(client, tiny) -> None:
    config = GenerationConfig(max_new_tokens=16)
    for scale in (0.5, -0.3):
        served = client.completions.create(model=MODEL_NAME, prompt=PROMPT, max_tokens=16, temperature=0,
                                           extra_body={"steering": {"vector": "v", "scale": scale}})
        expected = generate(tiny.model, tiny.tokenizer, [PROMPT], config,
                            steering=Steering(tiny.vector, LAYERS, scale))
        assert served.choices[0].text == expected[0]
        assert served.model_extra["secsteer"]["steering"] == {"vector": "v", "scale": scale}
    off = client.completions.create(model=MODEL_NAME, prompt=PROMPT, max_tokens=16, temperature=0,
                                    extra_body={"steering": {"off": True}})
    assert off.choices[0].text == generate(tiny.model, tiny.tokenizer, [PROMPT], config)[0]
    assert off.choices[0].text != served.choices[0].text          # steering changed something to compare


def test_seeded_sampling_repeats_and_n_gives_choices(client) -> None:
    kwargs = dict(model=MODEL_NAME, prompt=PROMPT, max_tokens=8, temperature=1.0, top_p=0.9, seed=7)
    first = client.completions.create(n=3, **kwargs)
    second = client.completions.create(n=3, **kwargs)
    assert [c.index for c in first.choices] == [0, 1, 2]
    assert [c.text for c in first.choices] == [c.text for c in second.choices]
    assert len({c.text for c in first.choices}) > 1                # each choice has its own seed


def test_stop_string_cuts_the_answer(client) -> None:
    full = client.completions.create(model=MODEL_NAME, prompt=PROMPT, max_tokens=16, temperature=0)
    text = full.choices[0].text
    stop = text[3:5]
    cut = client.completions.create(model=MODEL_NAME, prompt=PROMPT, max_tokens=16, temperature=0, stop=[stop])
    assert cut.choices[0].text == text[:text.find(stop)]
    assert cut.choices[0].finish_reason == "stop"
    streamed = client.completions.create(model=MODEL_NAME, prompt=PROMPT, max_tokens=16, temperature=0,
                                         stop=[stop], stream=True)
    assert "".join(c.choices[0].text for c in streamed) == cut.choices[0].text


def test_eight_concurrent_clients_share_batches(client, live, tiny) -> None:
    """Eight requests at once, with different steering and sampling, all answered; each greedy row equals
    its own generate() call, so per-row scales kept the rows apart."""
    before = live.stats()
    prompts = [PROMPT, "import os\n", "char buf[16];\n", "cursor.execute(", "return escape(name)\n",
               "subprocess.run(", "if (p == NULL)", "import sqlite3\n"]
    scales = [0.5, 0.0, -0.4, 0.5, 0.2, 0.0, 0.5, 1.0]
    answers: dict[int, str] = {}
    barrier = threading.Barrier(8)

    def ask(i: int) -> None:
        barrier.wait()
        reply = client.completions.create(model=MODEL_NAME, prompt=prompts[i], max_tokens=12, temperature=0,
                                          extra_body={"steering": {"scale": scales[i]}})
        answers[i] = reply.choices[0].text

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(answers) == list(range(8))
    after = live.stats()
    assert after["max_batch"] > 1
    assert after["rows"] - before["rows"] == 8 and after["batches"] - before["batches"] < 8
    config = GenerationConfig(max_new_tokens=12)
    for i in range(8):
        steering = Steering(tiny.vector, LAYERS, scales[i]) if scales[i] else None
        assert answers[i] == generate(tiny.model, tiny.tokenizer, [prompts[i]], config, steering=steering)[0], i
