"""Bad requests get the right status and an OpenAI-style error, and the server keeps serving; the API key."""

from __future__ import annotations

import json

import httpx
import openai
import pytest

from secsteer.serve.config import ServeConfig
from tests.serve.conftest import MODEL_NAME, hook_engine, serving

COMPLETE = "/v1/completions"
CHAT = "/v1/chat/completions"
OK = {"model": MODEL_NAME, "prompt": "def f(x):\n", "max_tokens": 4, "temperature": 0}
CHAT_OK = {"model": MODEL_NAME, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4}

BAD = [
    ("unknown field", COMPLETE, {**OK, "frobnicate": 1}, 400, "frobnicate"),
    ("wrong type", COMPLETE, {**OK, "temperature": "hot"}, 400, "temperature"),
    ("temperature out of range", COMPLETE, {**OK, "temperature": 3}, 400, "temperature"),
    ("top_p zero", COMPLETE, {**OK, "top_p": 0}, 400, "top_p"),
    ("NaN scale", COMPLETE, {**OK, "steering": {"scale": float("nan")}}, 400, "steering.scale"),
    ("infinite scale", COMPLETE, {**OK, "steering": {"scale": float("inf")}}, 400, "steering.scale"),
    ("scale out of range", COMPLETE, {**OK, "steering": {"scale": 100}}, 400, "steering.scale"),
    ("scale wrong type", COMPLETE, {**OK, "steering": {"scale": "big"}}, 400, "steering.scale"),
    ("unknown steering field", COMPLETE, {**OK, "steering": {"strength": 1}}, 400, "steering.strength"),
    ("unknown vector", COMPLETE, {**OK, "steering": {"vector": "nope"}}, 400, "steering.vector"),
    ("off with scale", COMPLETE, {**OK, "steering": {"off": True, "scale": 1}}, 400, "steering.off"),
    ("max_tokens over cap", COMPLETE, {**OK, "max_tokens": 501}, 400, "max_tokens"),
    ("max_tokens zero", COMPLETE, {**OK, "max_tokens": 0}, 400, "max_tokens"),
    ("n too large", COMPLETE, {**OK, "n": 99}, 400, "n"),
    ("too many stops", COMPLETE, {**OK, "stop": ["a", "b", "c", "d", "e"]}, 400, "stop"),
    ("penalty unsupported", COMPLETE, {**OK, "presence_penalty": 0.5}, 400, None),
    ("two prompts", COMPLETE, {**OK, "prompt": ["a", "b"]}, 400, "prompt"),
    ("no prompt", COMPLETE, {"model": MODEL_NAME}, 400, "prompt"),
    ("empty prompt", COMPLETE, {**OK, "prompt": ""}, 400, "prompt"),
    ("judge wrong type", COMPLETE, {**OK, "secsteer": {"judge": "maybe"}}, 400, "secsteer.judge"),
    ("prompt over the context", COMPLETE, {**OK, "prompt": "x = 1\n" * 400}, 413, "prompt"),
    ("wrong model", COMPLETE, {**OK, "model": "gpt-4"}, 404, "model"),
    ("empty messages", CHAT, {**CHAT_OK, "messages": []}, 400, "messages"),
    ("bad role", CHAT, {**CHAT_OK, "messages": [{"role": "robot", "content": "x"}]}, 400, "messages.0.role"),
    ("image part", CHAT, {**CHAT_OK, "messages": [{"role": "user", "content": [{"type": "image_url"}]}]}, 400,
     "messages"),
    ("chat max_tokens over cap", CHAT, {**CHAT_OK, "max_tokens": 10_000}, 400, "max_tokens"),
]


def check_error(response: httpx.Response, status: int, param: str | None) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["message"] and error["type"]
    if param is not None:
        assert error["param"] == param, error


@pytest.mark.parametrize(("label", "path", "body", "status", "param"), BAD, ids=[b[0] for b in BAD])
def test_bad_request_is_answered(live, label, path, body, status, param) -> None:
    response = httpx.post(live.url + path, content=json.dumps(body), timeout=30,
                          headers={"Content-Type": "application/json"})
    check_error(response, status, param)


def test_malformed_bodies_and_routes(live) -> None:
    check_error(httpx.post(live.url + COMPLETE, content=b"{not json", timeout=30), 400, None)
    check_error(httpx.post(live.url + COMPLETE, content=b"[1, 2]", timeout=30), 400, None)
    check_error(httpx.post(live.url + COMPLETE, content=b"x" * (5 * 2**20), timeout=30), 413, None)
    check_error(httpx.get(live.url + "/v1/nothing", timeout=30), 404, None)
    check_error(httpx.get(live.url + COMPLETE, timeout=30), 405, None)


def test_server_still_serves_after_bad_requests(live, client) -> None:
    for _, path, body, _, _ in BAD:
        httpx.post(live.url + path, json=None, content=json.dumps(body), timeout=30)
    reply = client.completions.create(model=MODEL_NAME, prompt="def f(x):\n", max_tokens=4, temperature=0)
    assert reply.choices[0].text
    assert httpx.get(live.url + "/health", timeout=30).json()["status"] == "ok"


def test_openai_client_raises_typed_errors(client) -> None:
    with pytest.raises(openai.BadRequestError):
        client.completions.create(model=MODEL_NAME, prompt="x", max_tokens=10_000)
    with pytest.raises(openai.NotFoundError):
        client.completions.create(model="gpt-4", prompt="x", max_tokens=4)


@pytest.fixture(scope="module")
def keyed(tiny):
    with serving(hook_engine(tiny), ServeConfig(api_key="s3cret-key", max_tokens_cap=64)) as live:
        yield live


def test_api_key_is_enforced(keyed) -> None:
    from openai import OpenAI

    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret-key"},
                    {"Authorization": "Bearer s3cret-key-and-more"}):
        for method, path in (("GET", "/health"), ("GET", "/v1/models"), ("POST", COMPLETE)):
            response = httpx.request(method, keyed.url + path, headers=headers, json=OK, timeout=30)
            check_error(response, 401, None)
            assert response.json()["error"]["code"] == "invalid_api_key"
    wrong = OpenAI(base_url=f"{keyed.url}/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        wrong.completions.create(model=MODEL_NAME, prompt="x", max_tokens=2)
    right = OpenAI(base_url=f"{keyed.url}/v1", api_key="s3cret-key", max_retries=0)
    assert right.completions.create(model=MODEL_NAME, prompt="x", max_tokens=2).choices[0].finish_reason
    assert keyed.stats({"Authorization": "Bearer s3cret-key"})["rows"] == 1
