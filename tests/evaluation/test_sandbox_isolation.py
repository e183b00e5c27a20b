"""The sandbox keeps model-written code off the host: no writes outside its own dirs, a total disk limit,
no root and no capabilities, in every mode that runs at all; the mode that cannot isolate refuses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from secsteer.evaluation import _sandbox_host as host
from secsteer.evaluation.sandbox import SandboxError, SandboxLimits, open_sandbox, run_sandboxed

PY = ["python3", "main.py"]
pytestmark = pytest.mark.skipif(shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin") is None,
                                reason="no python3 on the sandbox PATH")

# Tries to create a file in every directory it is given; prints the ones where that worked.
PROBE = """import json, os, sys
landed = []
for folder in json.load(open('targets.json')):
    path = os.path.join(folder, 'secsteer-probe-' + str(os.getpid()))
    try:
        with open(path, 'w') as f:
            f.write('x')
        landed.append(path)
    except OSError:
        pass
print(json.dumps(landed))
"""

IDENTITY = """import os
status = dict(line.split(':', 1) for line in open('/proc/self/status'))
print(os.getuid(), os.geteuid(), int(status['CapEff'], 16), int(status['CapPrm'], 16), int(status['CapBnd'], 16))
"""


def _userns_available() -> bool:
    probe = ["unshare", "--map-root-user", "--net", "--pid", "--fork", "--mount", "--mount-proc", "true"]
    try:
        return shutil.which("unshare") is not None and subprocess.run(probe, capture_output=True).returncode == 0
    except OSError:
        return False


MODES = ["uid", "userns"]


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    wanted = request.param
    if wanted == "uid" and host.detect_mode() != "uid":
        pytest.skip("the 'uid' mode needs root")
    if wanted == "userns" and not _userns_available():
        pytest.skip("unprivileged user namespaces are not available here")
    monkeypatch.setattr(host, "detect_mode", lambda: wanted)
    return wanted


@pytest.fixture
def outside_tmp() -> Iterator[Path]:
    """A directory of ours that the sandbox can see: not under /tmp, which it replaces with its own."""
    for parent in (Path.home(), Path(__file__).resolve().parents[2]):
        if os.access(parent, os.W_OK) and not str(parent).startswith(tempfile.gettempdir()):
            folder = Path(tempfile.mkdtemp(prefix=".secsteer-sandbox-test-", dir=parent))
            try:
                yield folder
            finally:
                shutil.rmtree(folder)
            return
    pytest.skip("no writable directory outside /tmp")


def world_writable_dirs() -> list[str]:
    """Every world-writable directory on the root file system, as `find / -xdev -perm -0002 -type d` lists it."""
    if shutil.which("find") is None:
        pytest.skip("no find(1)")
    out = subprocess.run(["find", "/", "-xdev", "-perm", "-0002", "-type", "d"],
                         capture_output=True, text=True, timeout=120).stdout
    return [line for line in out.splitlines() if line]


def probe_writes(targets: list[str]) -> list[str]:
    result = run_sandboxed({"main.py": PROBE, "targets.json": json.dumps(targets)}, PY, SandboxLimits(wall_s=30))
    assert result.ok, result.stderr
    return json.loads(result.stdout)


def test_nothing_lands_in_any_world_writable_directory_of_the_host(mode: str, outside_tmp: Path) -> None:
    open_dir = outside_tmp / "open"
    open_dir.mkdir()
    os.chmod(open_dir, 0o777)  # a world-writable folder of ours, outside /tmp's view of the sandbox too
    targets = sorted({"/run/lock", "/var/tmp", "/dev/shm", *world_writable_dirs(), str(open_dir)})
    landed = probe_writes(targets)
    # what lands on the host stays on the host: look from here too, and clean up before asserting
    on_host = [str(p) for t in targets if os.path.isdir(t) for p in Path(t).glob("secsteer-probe-*")]
    for path in on_host:
        os.unlink(path)
    inside = {"/tmp", "/var/tmp", "/dev/shm"}  # the run's own scratch space, private to it
    assert [p for p in landed if os.path.dirname(p) not in inside] == []
    assert on_host == []


def test_code_runs_as_a_non_root_uid_without_capabilities(mode: str) -> None:
    result = run_sandboxed({"main.py": IDENTITY}, PY)
    assert result.ok, result.stderr
    uid, euid, cap_eff, cap_prm, cap_bnd = (int(x) for x in result.stdout.split())
    assert (cap_eff, cap_prm, cap_bnd) == (0, 0, 0)
    if mode == "uid":
        assert uid != 0 and euid != 0
    else:  # "userns": root only inside its own user namespace, mapped to our uid, with no capabilities
        assert uid == 0


def test_root_owned_directories_are_out_of_reach(mode: str, outside_tmp: Path) -> None:
    owned = outside_tmp / "ours"  # root's in "uid" mode; in "userns" ours, which the program shares
    owned.mkdir(mode=0o755)
    code = (f"import os\ntry:\n    open({str(owned / 'x')!r}, 'w').write('x')\n    print('wrote')\n"
            f"except OSError as e:\n    print('refused', e.errno)\n"
            f"try:\n    os.chmod({str(owned)!r}, 0o777)\n    print('chmod')\nexcept OSError:\n    pass\n")
    result = run_sandboxed({"main.py": code}, PY)
    assert result.ok and result.stdout.startswith("refused"), result.stdout + result.stderr
    assert "chmod" not in result.stdout
    assert not (owned / "x").exists() and (owned.stat().st_mode & 0o777) == 0o755


def test_the_sandbox_cannot_undo_its_own_mounts(mode: str) -> None:
    code = ("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
            "print(libc.umount2(b'/tmp', 2), libc.mount(None, b'/', None, 32 | 4096, None))\n")  # MS_REMOUNT|MS_BIND
    result = run_sandboxed({"main.py": code}, PY)
    assert result.ok and result.stdout.split() == ["-1", "-1"], result.stdout


def test_disk_limit_is_over_the_total_of_every_scratch_dir(mode: str) -> None:
    # three 12 MB files, one in each scratch dir: 36 MB, over a 32 MB budget, though each file fits
    code = ("import os\nfor d in ('/tmp', '/var/tmp', '/dev/shm'):\n"
            "    with open(os.path.join(d, 'blob'), 'wb') as f:\n        f.write(b'x' * (12 * 2**20))\n"
            "    print('wrote', d, flush=True)\n")
    result = run_sandboxed({"main.py": code}, PY, SandboxLimits(disk_mb=32, file_size_mb=16, wall_s=30))
    assert not result.ok and result.stdout.count("wrote") == 2, result.stdout + result.stderr
    assert "No space left" in result.stderr
    many = ("for i in range(20):\n    open(f'f{i}', 'wb').write(b'x' * (2 * 2**20))\nprint('all written')\n")
    result = run_sandboxed({"main.py": many}, PY, SandboxLimits(disk_mb=32, file_size_mb=4, wall_s=30))
    assert not result.ok and "all written" not in result.stdout


def test_files_persist_between_commands_and_come_back_to_the_host(mode: str) -> None:
    with open_sandbox({"main.py": "open('out.txt', 'w').write(open('in.txt').read() * 2)\n", "in.txt": "ab"}) as box:
        assert box.run(PY).ok
        assert (box.path / "out.txt").read_text() == "abab"
        assert box.run(["python3", "-c", "print(open('out.txt').read())"]).stdout == "abab\n"


def test_a_fifo_left_in_the_work_dir_does_not_hang_the_run(mode: str) -> None:
    with open_sandbox({"main.py": "import os\nos.mkfifo('pipe')\nopen('done', 'w').write('1')\n"}) as box:
        result = box.run(PY, SandboxLimits(wall_s=10))
        assert result.ok and not result.timed_out, result.stderr
        assert (box.path / "done").read_text() == "1"


def test_plain_mode_refuses_to_run_code_unless_told_to(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(host, "detect_mode", lambda: "plain")
    monkeypatch.delenv("SECSTEER_UNISOLATED_SANDBOX", raising=False)
    with pytest.raises(SandboxError, match="cannot isolate"):
        run_sandboxed({"main.py": "print(1)\n"}, PY)
    monkeypatch.setenv("SECSTEER_UNISOLATED_SANDBOX", "1")
    assert run_sandboxed({"main.py": "print(1)\n"}, PY).stdout == "1\n"
