"""The bundled model behind the server (slow: loads the real 0.5B model)."""

from __future__ import annotations

import pytest

from secsteer.generation.generate import GenerationConfig, generate
from secsteer.generation.prompts import build_prompt
from secsteer.serve.config import ServeConfig
from secsteer.serve.hook_engine import HookEngine
from secsteer.steering.apply import Steering
from tests.serve.conftest import random_vector, serving

pytestmark = pytest.mark.slow
BUNDLED = "bundled:qwen2.5-coder-0.5b-instruct"


@pytest.fixture(scope="module")
def bundled():
    from secsteer.model.load import load_model

    model, tok = load_model(BUNDLED)
    vector = random_vector(model, (12,), norm=20.0)
    steering = Steering(vector, (12,), 0.5)
    with serving(HookEngine(model, tok, BUNDLED, {"v": steering}, 0.5), ServeConfig(max_tokens_cap=64)) as live:
        yield model, tok, steering, live


def test_bundled_chat_and_steered_completion(bundled) -> None:
    from openai import OpenAI

    model, tok, steering, live = bundled
    client = OpenAI(base_url=f"{live.url}/v1", api_key="unused", max_retries=0, timeout=600)
    messages = [{"role": "user", "content": "Write a Python function that returns the sum of a list."}]
    chat = client.chat.completions.create(model=BUNDLED, messages=messages, max_tokens=48, temperature=0,
                                          extra_body={"steering": {"off": True}})
    assert "def " in chat.choices[0].message.content
    streamed = client.chat.completions.create(model=BUNDLED, messages=messages, max_tokens=48, temperature=0,
                                              stream=True, extra_body={"steering": {"off": True}})
    assert "".join(c.choices[0].delta.content or "" for c in streamed) == chat.choices[0].message.content
    prompt = build_prompt(tok, "def get_user(db, name):\n", language="python")
    served = client.completions.create(model=BUNDLED, prompt=prompt, max_tokens=16, temperature=0)
    expected = generate(model, tok, [prompt], GenerationConfig(max_new_tokens=16), steering=steering)
    assert served.choices[0].text == expected[0]
