"""The sandbox contains hostile programs, reports them as failed results, and cleans up after itself."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

from secsteer.evaluation import _sandbox_host as host
from secsteer.evaluation.sandbox import (
    SandboxError,
    SandboxLimits,
    compile_and_run_c,
    open_sandbox,
    run_sandboxed,
    sandbox_mode,
)

PY = ["python3", "main.py"]
needs_python = pytest.mark.skipif(shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin") is None,
                                  reason="no python3 on the sandbox PATH")
pytestmark = needs_python


@pytest.fixture(autouse=True)
def _run_our_own_programs_even_unisolated(monkeypatch: pytest.MonkeyPatch) -> None:
    # these programs are ours, not a model's: on a machine without namespaces ("plain") run them anyway
    if sandbox_mode() == "plain":
        monkeypatch.setenv("SECSTEER_UNISOLATED_SANDBOX", "1")


def py(code: str, limits: SandboxLimits = SandboxLimits(wall_s=10), **kw: object):  # noqa: B008
    return run_sandboxed({"main.py": code}, PY, limits, **kw)  # type: ignore[arg-type]


def processes_with(marker: bytes) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def assert_sandbox_still_works() -> None:
    result = py("print(6 * 7)\n")
    assert (result.returncode, result.stdout) == (0, "42\n")


def test_ordinary_run_stdin_env_and_isolated_python() -> None:
    code = "import os, sys\nprint(input()[::-1], os.environ.get('X'), sys.flags.isolated, os.environ.get('HOME'))\n"
    result = py(code, stdin="abc\n", env={"X": "1"})
    assert result.ok and result.stdout.split()[:3] == ["cba", "1", "1"]
    assert result.stdout.split()[3] != os.environ.get("HOME")
    assert result.duration_s > 0 and not result.timed_out and result.killed_by is None


def test_secrets_in_our_environment_do_not_leak(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECSTEER_TEST_SECRET", "hunter2")
    result = py("import os\nprint(sorted(os.environ))\n")
    assert result.ok and "SECSTEER_TEST_SECRET" not in result.stdout and "hunter2" not in result.stdout


def test_exit_codes_and_signals_are_reported_exactly() -> None:
    assert py("import sys\nsys.exit(3)\n").returncode == 3
    crashed = py("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n")
    assert crashed.returncode == -11 and not crashed.ok


def test_endless_loop_hits_the_cpu_limit() -> None:
    result = py("while True:\n    pass\n", SandboxLimits(cpu_s=1, wall_s=10))
    assert not result.ok and result.returncode in (-24, -9)  # SIGXCPU, then SIGKILL at the hard limit
    assert_sandbox_still_works()


def test_sleeper_hits_the_wall_clock_and_grandchildren_die() -> None:
    code = ("import subprocess, time\n"
            "subprocess.Popen(['sleep', '987.654321'], start_new_session=True)\n"
            "time.sleep(60)\n")
    result = py(code, SandboxLimits(wall_s=1.0))
    assert result.timed_out and result.killed_by == "wall_time" and not result.ok
    assert 1.0 <= result.duration_s < 5.0
    assert processes_with(b"987.654321") == []


def test_background_children_die_when_the_program_exits() -> None:
    result = py("import subprocess\nsubprocess.Popen(['sleep', '987.654322'], start_new_session=True)\n")
    assert result.ok
    assert processes_with(b"987.654322") == []


def test_fork_bomb_is_contained() -> None:
    bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    result = py(bomb, SandboxLimits(wall_s=2.0, max_procs=32))
    assert result.timed_out and not result.ok
    assert_sandbox_still_works()


def test_memory_hog_fails() -> None:
    result = py("x = bytearray(2 * 1024**3)\nprint('allocated')\n", SandboxLimits(memory_mb=256))
    assert not result.ok and "allocated" not in result.stdout and "MemoryError" in result.stderr
    assert_sandbox_still_works()


def test_huge_file_write_fails() -> None:
    code = "with open('big', 'wb') as f:\n    for _ in range(64):\n        f.write(b'x' * 2**20)\nprint('wrote')\n"
    result = py(code, SandboxLimits(file_size_mb=1))
    assert not result.ok and "wrote" not in result.stdout and "File too large" in result.stderr


def test_huge_output_is_truncated() -> None:
    result = py("import sys\nsys.stdout.write('y' * 300_000)\n", SandboxLimits(max_output_kb=100))
    assert result.ok and result.stdout.startswith("y" * 1000) and result.stdout.endswith("[output truncated]\n")
    assert len(result.stdout) < 110_000


def test_write_outside_the_sandbox_does_not_land(tmp_path: Path) -> None:
    if sandbox_mode() != "uid":
        pytest.skip(f"sandbox mode {sandbox_mode()!r} runs as our own uid and cannot protect our files")
    target = tmp_path / "escaped.txt"
    os.chmod(tmp_path, 0o777)  # even a world-writable folder of ours is out of reach
    result = py(f"open({str(target)!r}, 'w').write('pwned')\n")
    assert not result.ok and not target.exists()
    py("open('/var/tmp/secsteer-escape', 'w').write('x')\n")  # scratch dirs are private to the run
    assert not Path("/var/tmp/secsteer-escape").exists()


def test_no_network_even_to_our_loopback() -> None:
    if sandbox_mode() == "plain":
        pytest.skip("sandbox mode 'plain' has no network namespace on this machine (results say so)")
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.setblocking(False)  # a connection would wait in the backlog; accept() then finds it
        code = f"import socket\nsocket.create_connection(('127.0.0.1', {server.getsockname()[1]}), timeout=2)\n"
        blocked = py(code + "print('connected')\n")
        assert not blocked.ok and "connected" not in blocked.stdout and blocked.network_isolated
        with pytest.raises(BlockingIOError):
            server.accept()
        # control: the same program reaches the server when the network is allowed
        allowed = py(code + "print('connected')\n", SandboxLimits(network=True))
        assert allowed.ok and allowed.stdout == "connected\n"
        server.accept()[0].close()


def test_temp_dir_is_removed_and_paths_are_checked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with open_sandbox({"sub/data.txt": "hello", "main.py": "print(open('sub/data.txt').read())\n"}) as box:
        assert box.run(PY).stdout == "hello\n"
        assert box.run(["python3", "-c", "open('made', 'w').write('1')"]).ok
        assert (box.path / "made").exists()
        workdir = box.path
    assert not workdir.exists()
    py("open('left-behind', 'w').write('1')\n")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("secsteer-sbx-")] == []
    with pytest.raises(ValueError, match="relative path"):
        run_sandboxed({"../evil.py": "x"}, PY)


def test_a_broken_command_raises_sandbox_error_not_a_result() -> None:
    with pytest.raises(SandboxError, match="no-such-program"):
        run_sandboxed({}, ["no-such-program-xyz"])
    with pytest.raises(ValueError, match="argv is empty"):
        run_sandboxed({}, [])


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")
def test_c_heap_overflow_is_caught_by_asan_and_fixed_code_passes() -> None:
    bad = "#include <stdlib.h>\nint main(void) { char *p = malloc(8); p[8] = 1; free(p); return 0; }\n"
    good = ("#include <stdio.h>\nint main(void) { int x; if (scanf(\"%d\", &x) != 1) return 2;\n"
            "printf(\"%d\\n\", 2 * x); return 0; }\n")
    caught = compile_and_run_c({"main.c": bad})
    assert caught.compiled.ok and caught.run is not None and not caught.ok
    assert "heap-buffer-overflow" in caught.run.stderr
    fine = compile_and_run_c({"main.c": good}, stdin="21\n")
    assert fine.ok and fine.run is not None and fine.run.stdout == "42\n"
    broken = compile_and_run_c({"main.c": "int main(void) { return 0 }\n"})
    assert not broken.compiled.ok and broken.run is None and "error" in broken.compiled.stderr


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")
def test_asan_binary_memory_hog_is_stopped() -> None:
    hog = ("#include <stdlib.h>\n#include <string.h>\n"
           "int main(void) { for (;;) { char *p = malloc(1 << 24); if (p) memset(p, 1, 1 << 24); } }\n")
    result = compile_and_run_c({"main.c": hog}, limits=SandboxLimits(memory_mb=200, wall_s=20))
    assert result.run is not None and not result.run.ok
    assert result.run.killed_by == "memory" or "rss" in result.run.stderr.lower()


def _userns_available() -> bool:
    import subprocess

    probe = ["unshare", "--map-root-user", "--net", "--pid", "--fork", "--mount", "--mount-proc", "true"]
    try:
        return shutil.which("unshare") is not None and subprocess.run(probe, capture_output=True).returncode == 0
    except OSError:
        return False


@pytest.mark.parametrize("mode", ["userns", "plain"])
def test_fallback_modes_run_kill_and_say_what_they_isolate(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if mode == "userns" and not _userns_available():
        pytest.skip("unprivileged user namespaces are not available here")
    monkeypatch.setattr(host, "detect_mode", lambda: mode)
    monkeypatch.setenv("SECSTEER_UNISOLATED_SANDBOX", "1")  # "plain" refuses to run without it
    assert py("print('hi')\n").stdout == "hi\n"
    code = "import subprocess, time\nsubprocess.Popen(['sleep', '987.654323'])\ntime.sleep(60)\n"
    result = py(code, SandboxLimits(wall_s=1.0))
    assert result.timed_out and processes_with(b"987.654323") == []
    assert py("print(1)\n").network_isolated is (mode != "plain")
