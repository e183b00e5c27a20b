"""Host side of the sandbox: which isolation this machine allows, sandbox uids, process scans, tmpfs.

Modes, strongest first (detected once per process):
  "uid"    running as root: PID + mount + IPC + network namespaces (unshare), the program runs as a
           dedicated unused uid per run (so RLIMIT_NPROC counts only its processes), every mount but
           the run's own disk is read-only, that disk (/tmp, /dev/shm, /var/tmp together) is one
           size-limited tmpfs mounted here, RSS is watched per uid.
  "userns" unprivileged user namespace (unshare -r): the same namespaces and read-only mounts; the
           program is uid 0 of its namespace (the caller's uid outside) without any capability, its
           disk is a tmpfs made inside the namespace (the work dir is copied in and, when the program
           ends, back), RLIMIT_NPROC is set relative to the caller's current process count, and
           memory is bounded by RLIMIT_AS only.
  "plain"  no namespaces: rlimits, a new session killed as a group on timeout. The network is NOT
           blocked and nothing stops writes outside the work dir, so the sandbox refuses to run in
           this mode unless SECSTEER_UNISOLATED_SANDBOX=1 says to (ExecResult.network_isolated is False).
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import logging
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

logger = logging.getLogger(__name__)

UID_BASE = 61_000        # dedicated sandbox uids: UID_BASE .. UID_BASE + UID_SLOTS - 1, never in /etc/passwd
UID_SLOTS = 256
NAMESPACES = ["--pid", "--fork", "--kill-child", "--mount", "--mount-proc", "--ipc"]
PAGE = os.sysconf("SC_PAGE_SIZE")


@cache
def detect_mode() -> str:
    """The strongest isolation mode that works here: "uid", "userns" or "plain"."""
    if shutil.which("unshare") is None:
        logger.warning("sandbox: `unshare` not found; running without namespaces (network NOT blocked)")
        return "plain"
    probes = [("uid", ["unshare", "--net", *NAMESPACES, "true"])] if os.geteuid() == 0 else []
    probes.append(("userns", ["unshare", "--map-root-user", "--net", *NAMESPACES, "true"]))
    for mode, cmd in probes:
        try:
            if subprocess.run(cmd, capture_output=True, timeout=10).returncode == 0:
                return mode
        except (OSError, subprocess.TimeoutExpired):
            continue
    logger.warning("sandbox: namespaces are not permitted here; running without them (network NOT blocked)")
    return "plain"


def unshare_prefix(mode: str, network: bool) -> list[str]:
    if mode == "plain":
        return []
    prefix = ["unshare"] + (["--map-root-user"] if mode == "userns" else [])
    return prefix + ([] if network else ["--net"]) + NAMESPACES


@dataclass
class UidSlot:
    """A sandbox uid held (by an flock) for one workspace's lifetime."""

    uid: int
    lock_fd: int

    def release(self) -> None:
        os.close(self.lock_fd)


def acquire_uid() -> UidSlot:
    """Lock a free sandbox uid, so concurrent runs (threads or processes) never share one."""
    lock_dir = Path(tempfile.gettempdir()) / "secsteer-sandbox-uids"
    lock_dir.mkdir(mode=0o700, exist_ok=True)
    for slot in range(UID_SLOTS):
        uid = UID_BASE + slot
        try:
            pwd.getpwuid(uid)
            continue  # a real account: never borrow it
        except KeyError:
            pass
        fd = os.open(lock_dir / f"{uid}.lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        kill_uid(uid)  # leftovers of a crashed earlier holder
        return UidSlot(uid, fd)
    raise RuntimeError(f"all {UID_SLOTS} sandbox uids are in use; run fewer sandboxes at once.")


def uid_pids(uid: int) -> list[int]:
    pids = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    pids.append(int(entry.name))
            except FileNotFoundError:
                continue
    return pids


def uid_rss_mb(uid: int) -> float:
    """Resident memory of every process of `uid`, in MB (threads share their process's pages)."""
    total = 0
    for pid in uid_pids(uid):
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total * PAGE / 2**20


def kill_uid(uid: int, wait_s: float = 5.0) -> None:
    """SIGKILL every process of `uid` and wait until none is left (a fork bomb needs a few rounds)."""
    deadline = time.monotonic() + wait_s
    while pids := uid_pids(uid):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if time.monotonic() > deadline:
            logger.warning("sandbox: %d processes of uid %d survived SIGKILL for %.0f s", len(pids), uid, wait_s)
            return
        time.sleep(0.01)


def user_process_count() -> int:
    return len(uid_pids(os.getuid()))


_libc = ctypes.CDLL(None, use_errno=True)
MS_NOSUID, MS_NODEV, MNT_DETACH = 2, 4, 2


def mount_tmpfs(path: Path, size_mb: int, uid: int, mode: int = 0o700) -> None:
    data = f"size={size_mb}m,mode={mode:o},uid={uid},gid={uid}".encode()
    if _libc.mount(b"tmpfs", str(path).encode(), b"tmpfs", MS_NOSUID | MS_NODEV, data) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mounting a tmpfs on {path} failed: {os.strerror(err)}")


def unmount(path: Path) -> None:
    if _libc.umount2(str(path).encode(), MNT_DETACH) != 0:
        err = ctypes.get_errno()
        logger.warning("sandbox: unmounting %s failed: %s", path, os.strerror(err))


def kill_group(proc: subprocess.Popen[bytes], wait_s: float = 5.0) -> None:
    """SIGKILL the process group of proc and wait until its direct children have finished dying.

    With namespaces the child is the PID namespace's init: the kernel kills the rest of the namespace
    before that init turns into a zombie, so once it has, nothing of the run is left.
    """
    children = _children(proc.pid)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # unshare --kill-child takes the namespace's init with it
    proc.wait()
    deadline = time.monotonic() + wait_s
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.005)


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        return []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def read_all(fd: int) -> str:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")


def read_capped(path: Path, cap: int) -> str:
    with open(path, "rb") as handle:
        data = handle.read(cap + 1)
    text = data[:cap].decode("utf-8", errors="replace")
    return text + ("\n[output truncated]\n" if len(data) > cap else "")


def force_remove(func, path, _exc_info) -> None:  # type: ignore[no-untyped-def]
    # The program may have made its files read-only; we own them (or are root), so make them writable.
    os.chmod(os.path.dirname(path), 0o700)
    if os.path.isdir(path) and not os.path.islink(path):
        os.chmod(path, 0o700)
    func(path)

