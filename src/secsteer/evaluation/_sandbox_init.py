"""The first process inside a sandbox's namespaces (stdlib only: it runs as `python -I -S this_file`).

It runs as PID 1 of a fresh PID, mount and (usually) network namespace. It mounts the run's work dir
over /tmp and empty tmpfs over /dev/shm and /var/tmp, forks the program as the sandbox user with its
resource limits, reaps every process until the program exits, and reports the program's raw wait
status on the status fd. When it exits, the kernel kills whatever is left in the PID namespace.
The program itself is never PID 1, so signals behave as usual for it.

Outside namespaces (the fallback mode) the parent imports `apply_limits` from here as its preexec_fn.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import sys

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND = 1, 2, 4, 32, 4096
PR_SET_NO_NEW_PRIVS = 38
SETUP_FAILED = 125


def apply_limits(limits: dict[str, int]) -> None:
    """Set rlimits on the calling process; keys are RLIMIT_* names, values soft limits (hard = soft)."""
    for name, value in limits.items():
        kind = getattr(resource, name)
        hard = value + 1 if name == "RLIMIT_CPU" else value  # SIGXCPU at soft, SIGKILL at hard
        resource.setrlimit(kind, (value, hard))


def _mount(libc: ctypes.CDLL, source: str, target: str, fstype: str | None, flags: int, data: str) -> None:
    if libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
                  data.encode() if data else None) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {source} on {target} failed: {os.strerror(err)}")


def _setup_mounts(cfg: dict) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    # opened before /tmp is covered: a host folder under /tmp would be hidden by the work dir
    sources = [(os.open(source, os.O_PATH | os.O_DIRECTORY), target) for source, target in cfg.get("binds", [])]
    _mount(libc, cfg["work"], "/tmp", None, MS_BIND, "")
    for path in ("/dev/shm", "/var/tmp"):  # shared scratch space would leak state between runs
        if os.path.isdir(path):
            _mount(libc, "tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"size={cfg['scratch_mb']}m,mode=1777")
    for fd, target in sources:  # host folders the program may read, never write
        _mount(libc, f"/proc/self/fd/{fd}", target, None, MS_BIND, "")
        _mount(libc, "none", target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "")
        os.close(fd)


def _become_sandbox_user(cfg: dict) -> None:
    uid = cfg.get("uid")
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)  # setuid binaries cannot regain privileges


def _resolve(program: str, path: str) -> str:
    # Looked up by hand before the uid switch: os.execvpe imports modules the sandbox user may not read.
    if "/" in program:
        return program
    for folder in path.split(":"):
        candidate = os.path.join(folder or ".", program)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return program


def _exec_program(cfg: dict, status_fd: int) -> None:
    # The status fd stays open until exec closes it (close-on-exec), so an exec failure can be reported:
    # the argv comes from the caller, not from the model, so that is the caller's error, not a result.
    try:
        os.set_inheritable(status_fd, False)
        os.chdir("/tmp")
        program = _resolve(cfg["argv"][0], cfg["env"].get("PATH", ""))
        _become_sandbox_user(cfg)
        apply_limits(cfg["limits"])  # after the uid switch, so RLIMIT_NPROC counts the sandbox user
        os.execve(program, cfg["argv"], cfg["env"])
    except BaseException as err:  # never fall back into the init's own code in the child
        reason = err.strerror if isinstance(err, OSError) else repr(err)
        os.write(status_fd, f"execfail cannot run {cfg['argv'][0]!r} as the sandbox user: {reason}\n".encode())
    os._exit(127)


def main() -> int:
    cfg = json.loads(sys.argv[1])
    status_fd = int(cfg["status_fd"])
    try:
        _setup_mounts(cfg)
    except OSError as err:
        os.write(status_fd, f"error {err}\n".encode())
        return SETUP_FAILED
    child = os.fork()
    if child == 0:
        _exec_program(cfg, status_fd)
    os.write(status_fd, b"started\n")
    while True:  # as PID 1 we inherit orphans: reap them all until the program itself exits
        try:
            pid, status = os.wait()
        except ChildProcessError:
            return SETUP_FAILED
        if pid == child:
            os.write(status_fd, f"status {status}\n".encode())
            return 0


if __name__ == "__main__":
    sys.exit(main())
