"""--remote fails fast, with the reason, when NDIF cannot be used; it never hangs."""

from __future__ import annotations

import argparse
import socket
import time

import pytest

from secsteer.backends import add_backend_args, backend_from_args, get_backend
from secsteer.backends.remote import RemoteUnavailableError, check_hub_id, check_remote, probe


def closed_port() -> int:
    with socket.socket() as s:                    # bind then close: nothing listens there afterwards
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def ndif_env(monkeypatch):
    monkeypatch.setenv("NDIF_API_KEY", "test-key")
    monkeypatch.setenv("NDIF_HOST", f"http://127.0.0.1:{closed_port()}")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="bundled:qwen2.5-coder-0.5b-instruct")
    add_backend_args(parser)
    return parser.parse_args(argv)


def test_refused_connection_fails_fast_naming_the_host(ndif_env):
    start = time.monotonic()
    with pytest.raises(RemoteUnavailableError, match=r"cannot reach NDIF host 127\.0\.0\.1:\d+"):
        check_remote("meta-llama/Llama-3.1-8B")
    assert time.monotonic() - start < 3.5


def test_unresolvable_host_fails_fast(monkeypatch):
    monkeypatch.setenv("NDIF_API_KEY", "test-key")
    monkeypatch.setenv("NDIF_HOST", "https://ndif.invalid")      # .invalid never resolves
    start = time.monotonic()
    with pytest.raises(RemoteUnavailableError, match="ndif.invalid:443"):
        check_remote()
    assert time.monotonic() - start < 3.5


def test_a_silent_network_is_cut_off_at_the_timeout(monkeypatch):
    def hang(*_args, **_kwargs):
        time.sleep(1.5)
        raise TimeoutError("answered too late")
    monkeypatch.setattr(socket, "create_connection", hang)
    start = time.monotonic()
    with pytest.raises(RemoteUnavailableError, match=r"did not answer within 0\.3 s"):
        probe("https://api.ndif.us", timeout_s=0.3)
    assert time.monotonic() - start < 1.5


def test_missing_api_key_is_reported_before_any_network(monkeypatch):
    monkeypatch.delenv("NDIF_API_KEY", raising=False)
    monkeypatch.setenv("NDIF_HOST", "https://ndif.invalid")
    pytest.importorskip("nnsight")
    from nnsight import CONFIG

    monkeypatch.setattr(CONFIG.API, "APIKEY", None)
    with pytest.raises(ValueError, match="NDIF_API_KEY"):
        check_remote()


@pytest.mark.parametrize("spec", ["bundled:qwen2.5-coder-0.5b-instruct", "model.gguf", "justaname", "."])
def test_remote_needs_a_hub_id(spec):
    with pytest.raises(ValueError, match="hub id"):
        check_hub_id(spec)
    assert check_hub_id("bigcode/starcoderbase-1b") == "bigcode/starcoderbase-1b"


def test_cli_flags_choose_the_backend_and_check_remote_first(ndif_env):
    pytest.importorskip("nnsight")
    assert backend_from_args(parse([])).name == "hooks"
    assert backend_from_args(parse(["--backend", "nnsight"])).name == "nnsight"
    with pytest.raises(ValueError, match="hub id"):                 # the default bundled model cannot go
        backend_from_args(parse(["--remote"]))
    with pytest.raises(RemoteUnavailableError):
        backend_from_args(parse(["--remote", "--model", "meta-llama/Llama-3.1-8B"]))
    with pytest.raises(ValueError, match="drop --backend hooks"):
        backend_from_args(parse(["--remote", "--backend", "hooks", "--model", "a/b"]))
    with pytest.raises(ValueError, match="unknown backend"):
        get_backend("vllm")


def test_remote_load_refuses_before_building_anything(ndif_env):
    pytest.importorskip("nnsight")
    backend = get_backend("nnsight", remote=True)
    with pytest.raises(RemoteUnavailableError):
        backend.load("meta-llama/Llama-3.1-8B")


def test_importing_the_backends_does_not_import_nnsight():
    """Importing nnsight patches `.save` onto every object: it must wait until its backend is chosen."""
    import subprocess
    import sys

    code = "import secsteer.backends, sys; assert 'nnsight' not in sys.modules and 'gguf' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0
