"""The first process inside a sandbox's namespaces (stdlib only: it runs as `python -I -S this_file`).

It runs as PID 1 of a fresh PID, mount, IPC and (usually) network namespace. It makes every mount
read-only, shows the run's one size-limited disk as /tmp (the work dir), /dev/shm and /var/tmp, forks
the program as the sandbox user without capabilities under its resource limits, reaps every process
until the program exits, and reports the program's raw wait status on the status fd. When it exits,
the kernel kills whatever is left in the PID namespace.
The program itself is never PID 1, so signals behave as usual for it.

Outside namespaces (the fallback mode) the parent imports `apply_limits` from here as its preexec_fn.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import resource
import shutil
import signal
import stat
import sys

LIBC = ctypes.CDLL(None, use_errno=True)

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND = 1, 2, 4, 32, 4096
# statvfs flag -> mount flag, for nosuid, nodev, noexec, noatime, nodiratime, relatime
KEPT_FLAGS = {2: 2, 4: 4, 8: 8, 1024: 1024, 2048: 2048, 4096: 2**21}
PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP, PR_SET_SECUREBITS, PR_CAP_AMBIENT = 38, 24, 28, 47
SECURE_NOROOT_LOCKED = 0xEF  # noroot, no_setuid_fixup, keep_caps_locked, no_cap_ambient_raise, each locked
SYS_MOUNT_SETATTR, AT_FDCWD, AT_RECURSIVE, MOUNT_ATTR_RDONLY = 442, -100, 0x8000, 1
# dirs of the run's one disk -> where the program sees them; /tmp last, as it hides the disk's host path
SCRATCH = {"shm": "/dev/shm", "vartmp": "/var/tmp", "tmp": "/tmp"}
SETUP_FAILED = 125


def apply_limits(limits: dict[str, int]) -> None:
    """Set rlimits on the calling process; keys are RLIMIT_* names, values soft limits (hard = soft)."""
    for name, value in limits.items():
        kind = getattr(resource, name)
        hard = value + 1 if name == "RLIMIT_CPU" else value  # SIGXCPU at soft, SIGKILL at hard
        resource.setrlimit(kind, (value, hard))


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what} failed: {os.strerror(err)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    _check(LIBC.mount(source.encode() if source else None, target.encode(), fstype.encode() if fstype else None,
                      flags, data.encode() if data else None), f"mount {source} on {target}")


def _remount(target: str, read_only: bool) -> None:
    # Flags a less privileged namespace inherited locked (nosuid, ...) must be repeated, or remount fails.
    flags = os.statvfs(target).f_flag
    kept = sum(ms for st, ms in KEPT_FLAGS.items() if flags & st)
    _mount(None, target, None, MS_REMOUNT | MS_BIND | kept | (MS_RDONLY if read_only else 0))


class _MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]


def _everything_read_only() -> None:
    """Make every mount of this (private) mount namespace read-only: world-writable host dirs included."""
    attr = _MountAttr(MOUNT_ATTR_RDONLY, 0, 0, 0)
    if LIBC.syscall(SYS_MOUNT_SETATTR, ctypes.c_long(AT_FDCWD), b"/", AT_RECURSIVE, ctypes.byref(attr), ctypes.sizeof(attr)) == 0:
        return
    if ctypes.get_errno() != errno.ENOSYS:
        _check(-1, "making / read-only")
    with open("/proc/self/mountinfo") as mounts:  # kernels before 5.12: one remount per mount point
        points = [line.split()[4].encode().decode("unicode_escape") for line in mounts]
    for point in points:
        try:
            _remount(point, read_only=True)
        except OSError as err:
            if err.errno not in (errno.ENOENT, errno.EACCES):  # hidden under a later mount: unreachable
                raise


def _setup_mounts(cfg: dict) -> int | None:
    """Show the run only its own disk (/tmp, /dev/shm, /var/tmp on one size-limited tmpfs); all else read-only.

    Returns, when the disk is private to this namespace ("userns" mode), an fd of the host's work dir,
    into which the run's files are copied back when it ends.
    """
    disk, work = cfg["disk"], cfg["work"]
    host_work = None
    if cfg["copy"]:  # no tmpfs of our own on the host: make one here and copy the work dir in
        _mount(work, work, None, MS_BIND)  # its own mount, made writable again below for the copy back
        _mount("tmpfs", disk, "tmpfs", MS_NOSUID | MS_NODEV, f"size={cfg['disk_mb']}m,mode=0700")
        shutil.copytree(work, os.path.join(disk, "tmp"), symlinks=True)
        for name in ("shm", "vartmp"):
            os.mkdir(os.path.join(disk, name))
    _everything_read_only()
    if cfg["copy"]:
        _remount(work, read_only=False)
        host_work = os.open(work, os.O_RDONLY | os.O_DIRECTORY)  # close-on-exec: the program never has it
    for name, target in SCRATCH.items():
        if os.path.isdir(target):  # a bind of the one tmpfs: the disk limit holds over all three together
            _mount(os.path.join(disk, name), target, None, MS_BIND)
            _remount(target, read_only=False)
    return host_work


def _copy_back(host_work: int) -> None:
    """Replace the host's work dir by the run's /tmp (nothing else runs in the namespace any more)."""
    target = f"/proc/self/fd/{host_work}"
    for entry in os.listdir(target):
        path = os.path.join(target, entry)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    shutil.copytree("/tmp", target, symlinks=True, dirs_exist_ok=True, ignore=_special_files)


def _special_files(folder: str, names: list[str]) -> list[str]:
    # a FIFO would block the copy (and a socket cannot be copied): only files, dirs and links come back
    def special(name: str) -> bool:
        mode = os.lstat(os.path.join(folder, name)).st_mode
        return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode))
    return [name for name in names if special(name)]


def _drop_privileges(cfg: dict) -> None:
    """Switch to the sandbox uid ("uid" mode) and give up every capability, for good, in every mode.

    In "userns" mode the program stays uid 0 of its own user namespace; without capabilities (and with
    SECBIT_NOROOT, so exec does not grant them back) it cannot unmount /tmp or remount anything writable.
    """
    _check(LIBC.prctl(PR_SET_SECUREBITS, SECURE_NOROOT_LOCKED, 0, 0, 0), "locking securebits")
    with open("/proc/sys/kernel/cap_last_cap") as last:
        for cap in range(int(last.read()) + 1):
            _check(LIBC.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), "dropping the capability bounding set")
    LIBC.prctl(PR_CAP_AMBIENT, 4, 0, 0, 0)  # PR_CAP_AMBIENT_CLEAR_ALL
    uid = cfg.get("uid")
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    _check(LIBC.capset(header, (ctypes.c_uint32 * 6)()), "clearing capabilities")
    _check(LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "setting no_new_privs")  # setuid binaries stay plain


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
        _drop_privileges(cfg)
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
        host_work = _setup_mounts(cfg)
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
            break
    if host_work is not None:
        with contextlib.suppress(ProcessLookupError):  # every other process here, so none writes during the copy
            os.kill(-1, signal.SIGKILL)
        try:
            _copy_back(host_work)
        except OSError as err:
            os.write(status_fd, f"error copying the work dir back: {err}\n".encode())
            return SETUP_FAILED
    os.write(status_fd, f"status {status}\n".encode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
