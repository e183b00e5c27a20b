"""A client that goes away frees its row; SIGTERM lets in-flight requests finish; the security check."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from secsteer.serve.config import ServeConfig
from tests.serve.conftest import MODEL_NAME, free_socket, serving
from tests.serve.scripted import ScriptedEngine

REPO = Path(__file__).resolve().parents[2]


def sse_events(response: httpx.Response):
    for line in response.iter_lines():
        if line.startswith("data: "):
            yield line[len("data: "):]


def wait_for(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_disconnect_mid_stream_frees_the_row() -> None:
    engine = ScriptedEngine(delay_s=0.02)                      # "abc " forever, 50 steps a second
    with serving(engine, ServeConfig(max_tokens_cap=200)) as live:
        body = {"model": "scripted", "prompt": "x", "max_tokens": 200, "stream": True}
        with httpx.stream("POST", f"{live.url}/v1/completions", json=body, timeout=30) as response:
            assert response.status_code == 200
            for k, _ in enumerate(sse_events(response)):
                if k == 3:
                    break                                      # leave after a few chunks
        assert wait_for(lambda: live.stats()["rows_cancelled"] == 1 and live.stats()["active_rows"] == 0)
        stats = live.stats()
        assert stats["generated_tokens"] < 100                 # the row stopped long before its 200 tokens
        # a non-streamed request whose client leaves is freed too
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(f"{live.url}/v1/completions", json={**body, "stream": False}, timeout=0.5)
        assert wait_for(lambda: live.stats()["rows_cancelled"] == 2 and live.stats()["active_rows"] == 0)
        assert live.stats()["generated_tokens"] < 200


@pytest.fixture(scope="module")
def judged():
    bad = "    return subprocess.call(cmd, shell=True)\n"
    with serving(ScriptedEngine(bad), ServeConfig()) as live:
        yield live


def test_judge_reports_findings_of_returned_code_without_running_it(judged) -> None:
    prompt = "import subprocess\n\ndef run(cmd):\n"
    body = {"model": "scripted", "prompt": prompt, "max_tokens": 100, "secsteer": {"judge": True}}
    reply = httpx.post(f"{judged.url}/v1/completions", json=body, timeout=120).json()
    verdict = reply["secsteer"]["judge"][0]
    assert verdict["language"] == "python" and verdict["valid"] is True
    assert any(f["cwe"] == "CWE-78" and f["tool"] == "bandit" for f in verdict["findings"]), verdict
    plain = httpx.post(f"{judged.url}/v1/completions", json={**body, "secsteer": {"judge": False}}, timeout=60)
    assert "judge" not in plain.json()["secsteer"]
    streamed = httpx.post(f"{judged.url}/v1/completions", json={**body, "stream": True}, timeout=120)
    chunks = [json.loads(d) for d in sse_events(streamed) if d != "[DONE]"]
    assert [c["secsteer"]["judge"] for c in chunks if "judge" in c.get("secsteer", {})] == [verdict]


def test_judge_says_clean_and_invalid_code_apart() -> None:
    good = "Here:\n```python\nimport subprocess\nsubprocess.run(['ls', path], check=True)\n```\n"
    with serving(ScriptedEngine(good), ServeConfig()) as live:
        body = {"model": "scripted", "messages": [{"role": "user", "content": "list"}], "secsteer": {"judge": True}}
        verdict = httpx.post(f"{live.url}/v1/chat/completions", json=body, timeout=120).json()["secsteer"]["judge"][0]
        assert verdict["valid"] is True and verdict["findings"] == [] and verdict["errors"] == []
        broken = {**body, "secsteer": {"judge": True, "language": "c"}}
        verdict = httpx.post(f"{live.url}/v1/chat/completions", json=broken, timeout=120).json()["secsteer"]["judge"][0]
        assert verdict["valid"] is False and verdict["errors"]      # analyzers need parseable code: said so


def test_sigterm_drains_in_flight_requests(tiny) -> None:
    """The real CLI in a subprocess: SIGTERM mid-stream, the stream still ends properly, the process exits once drained."""
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    command = [sys.executable, "-m", "secsteer", "serve", "--model", str(tiny.directory), "--port", str(port),
               "--vector", f"v={tiny.directory / 'v.safetensors'}", "--layers", "1,2", "--threads", "1",
               "--served-model-name", MODEL_NAME, "--max-tokens-cap", "300"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        assert wait_for(lambda: _healthy(url) or process.poll() is not None, timeout=180)
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        body = {"model": MODEL_NAME, "prompt": "x", "max_tokens": 300, "temperature": 1.0, "seed": 0,
                "stream": True}
        received = []
        with httpx.stream("POST", f"{url}/v1/completions", json=body, timeout=120) as response:
            for data in sse_events(response):
                received.append(data)
                if len(received) == 2:
                    process.send_signal(signal.SIGTERM)
        chunks = [json.loads(d) for d in received if d != "[DONE]"]
        assert received[-1] == "[DONE]"
        assert chunks[-1]["choices"][0]["finish_reason"] in ("stop", "length")
        assert len(chunks) > 3                      # most of the answer came after the signal
        # uvicorn re-raises the signal once it has shut down, so the exit status is SIGTERM's
        assert process.wait(60) in (0, -signal.SIGTERM)
        assert "drained" in (process.stdout.read() if process.stdout else "")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
