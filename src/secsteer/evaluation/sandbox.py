"""The only code in secsteer that runs model-written programs.

Each sandbox is a fresh temp dir holding the given files; commands run there as the cwd (which the
program sees as /tmp) under rlimits, a wall clock, no network, in fresh PID/mount/IPC/network
namespaces where every other mount is read-only, without capabilities and, when we are root, as a
separate uid (see `_sandbox_host` for the modes). A machine that allows no namespaces cannot isolate
the program, so the sandbox refuses to run there unless SECSTEER_UNISOLATED_SANDBOX=1. A program
that fails, hangs or misbehaves gives an ExecResult; only a broken sandbox raises SandboxError.
The temp dir is removed on exit, always.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from secsteer.evaluation import _sandbox_host as host
from secsteer.evaluation._sandbox_init import apply_limits

__all__ = [
    "CRunResult",
    "ExecResult",
    "Sandbox",
    "SandboxError",
    "SandboxLimits",
    "compile_and_run_c",
    "open_sandbox",
    "require_isolation",
    "run_sandboxed",
    "sandbox_mode",
]

logger = logging.getLogger(__name__)

INIT_SCRIPT = Path(__file__).with_name("_sandbox_init.py")
BASE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/tmp",
    "TMPDIR": "/tmp",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONIOENCODING": "utf-8",
}
_PYTHON = re.compile(r"python(\d+(\.\d+)?)?")
_POLL_S = 0.05


@dataclass(frozen=True)
class SandboxLimits:
    wall_s: float = 10.0
    cpu_s: float = 10.0          # per process; SIGXCPU, then SIGKILL a second later
    memory_mb: int = 1024        # RLIMIT_AS per process; in "uid" mode also total RSS of the run
    file_size_mb: int = 16       # largest file the program may write (stdout and stderr included)
    max_procs: int = 64          # processes and threads of the sandbox user at once
    network: bool = False
    disk_mb: int = 256           # the work dir, /dev/shm and /var/tmp together (one tmpfs; set when the box opens)
    max_output_kb: int = 1024    # stdout/stderr kept in the result, per stream

    def __post_init__(self) -> None:
        for name in ("wall_s", "cpu_s", "memory_mb", "file_size_mb", "max_procs", "disk_mb", "max_output_kb"):
            if getattr(self, name) <= 0:
                raise ValueError(f"SandboxLimits.{name} must be positive, got {getattr(self, name)!r}.")


@dataclass(frozen=True)
class ExecResult:
    returncode: int              # negative: killed by that signal
    stdout: str
    stderr: str
    timed_out: bool = False
    duration_s: float = 0.0
    killed_by: str | None = None     # "wall_time" or "memory" when the sandbox stopped the program
    network_isolated: bool = True    # False in the "plain" fallback, where the network is reachable

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


class SandboxError(RuntimeError):
    """The sandbox itself is broken (could not set up namespaces, mounts or its files)."""


def sandbox_mode() -> str:
    """The isolation this machine allows: "uid", "userns" or "plain" (see _sandbox_host)."""
    return host.detect_mode()


UNISOLATED_ENV = "SECSTEER_UNISOLATED_SANDBOX"


def require_isolation() -> str:
    """The sandbox mode, or SandboxError when this machine cannot isolate a program and nobody said to go on."""
    mode = sandbox_mode()
    if mode == "plain" and os.environ.get(UNISOLATED_ENV) != "1":
        raise SandboxError(
            "the sandbox cannot isolate model-written code on this machine (no user or PID namespaces: "
            "`unshare --map-root-user` fails), so it would run with your uid, files and network; run as root "
            f"or where unprivileged user namespaces are allowed, or set {UNISOLATED_ENV}=1 to run it anyway.")
    return mode


class Sandbox:
    """A temp dir of files in which commands run one after another (e.g. compile, then run)."""

    def __init__(self, files: Mapping[str, str | bytes], disk_mb: int = SandboxLimits.disk_mb) -> None:
        self.mode = require_isolation()
        self.disk_mb = disk_mb
        self._private = Path(tempfile.mkdtemp(prefix="secsteer-sbx-"))  # 0700: outputs live beside the disk
        self._disk = self._private / "disk"     # the run's /tmp, /dev/shm and /var/tmp: disk/{tmp,shm,vartmp}
        self._disk.mkdir()
        self.path = self._disk / "tmp" if self.mode == "uid" else self._private / "work"
        self._slot: host.UidSlot | None = None
        self._mounted = False
        try:
            if self.mode == "uid":
                self._slot = host.acquire_uid()
                host.mount_tmpfs(self._disk, disk_mb, self._slot.uid)
                self._mounted = True
                for name in ("shm", "vartmp"):
                    (self._disk / name).mkdir(mode=0o700)
            self.path.mkdir()
            self._write_files(files)
        except BaseException:
            self.close()
            raise

    @property
    def uid(self) -> int | None:
        return self._slot.uid if self._slot else None

    def _write_files(self, files: Mapping[str, str | bytes]) -> None:
        for name, content in files.items():
            rel = PurePosixPath(name)
            if rel.is_absolute() or ".." in rel.parts or not rel.parts:
                raise ValueError(f"sandbox file name {name!r} must be a relative path inside the sandbox.")
            target = self.path.joinpath(*rel.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            data = content.encode("utf-8", errors="surrogateescape") if isinstance(content, str) else content
            target.write_bytes(data)
        if self.uid is not None:  # the program may edit and delete its own files
            for root, dirs, names in os.walk(self._disk):
                for entry in [root, *(os.path.join(root, n) for n in dirs + names)]:
                    os.chown(entry, self.uid, self.uid)

    def run(
        self,
        argv: Sequence[str],
        limits: SandboxLimits = SandboxLimits(),  # noqa: B008 - frozen, so sharing the default is safe
        stdin: str | None = None,
        env: Mapping[str, str] | None = None,
        address_space_limit: bool = True,
    ) -> ExecResult:
        """Run argv in the work dir. address_space_limit=False drops RLIMIT_AS (ASan reserves terabytes)."""
        if not argv:
            raise ValueError("sandbox argv is empty; pass a command such as ['python3', 'main.py'].")
        argv = _isolated_python(list(argv))
        run_env = {**BASE_ENV, **(env or {})}
        if self.mode == "plain":
            run_env |= {"HOME": str(self.path), "TMPDIR": str(self.path)}
        rlimits = _rlimits(limits, address_space_limit, self.mode)
        out_path, err_path = self._private / "stdout", self._private / "stderr"
        status_r, status_w = os.pipe()
        try:
            with open(out_path, "wb") as out, open(err_path, "wb") as err:
                stdin_file = self._stdin_file(stdin)
                cmd, popen_env, preexec = self._command(argv, run_env, rlimits, limits, status_w)
                start = time.monotonic()
                try:
                    proc = subprocess.Popen(
                        cmd, stdin=stdin_file, stdout=out, stderr=err, cwd=self.path, env=popen_env,
                        pass_fds=() if self.mode == "plain" else (status_w,), start_new_session=True, preexec_fn=preexec,
                    )
                except OSError as error:  # the argv is the caller's, so this is not the program's fault
                    raise SandboxError(f"could not start {cmd[0]!r} in the sandbox: {error}") from error
                finally:
                    os.close(status_w)
                    if stdin_file is not subprocess.DEVNULL:
                        stdin_file.close()
                killed_by = self._wait(proc, start, limits)
                duration = time.monotonic() - start
            status = host.read_all(status_r)
        finally:
            os.close(status_r)
        returncode = self._returncode(proc.returncode, status, err_path, killed_by)
        cap = limits.max_output_kb * 1024
        return ExecResult(
            returncode=returncode,
            stdout=host.read_capped(out_path, cap),
            stderr=host.read_capped(err_path, cap) + (f"\nsandbox: stopped: {killed_by} limit\n" if killed_by else ""),
            timed_out=killed_by == "wall_time",
            duration_s=duration,
            killed_by=killed_by,
            network_isolated=self.mode != "plain" or limits.network,
        )

    def _stdin_file(self, stdin: str | None):  # type: ignore[no-untyped-def]
        if stdin is None:
            return subprocess.DEVNULL
        path = self._private / "stdin"
        path.write_text(stdin, encoding="utf-8")
        return open(path, "rb")  # noqa: SIM115 - closed by run() once the child has it

    def _command(self, argv, env, rlimits, limits, status_fd):  # type: ignore[no-untyped-def]
        if self.mode == "plain":
            return argv, env, lambda: apply_limits(rlimits)
        cfg = {
            "work": str(self.path), "disk": str(self._disk), "disk_mb": self.disk_mb, "copy": self.mode == "userns",
            "status_fd": status_fd, "uid": self.uid, "limits": rlimits, "argv": argv, "env": env,
        }
        init = [sys.executable, "-I", "-S", str(INIT_SCRIPT), json.dumps(cfg)]
        return host.unshare_prefix(self.mode, limits.network) + init, {"PATH": BASE_ENV["PATH"]}, None

    def _wait(self, proc: subprocess.Popen[bytes], start: float, limits: SandboxLimits) -> str | None:
        killed_by = None
        while True:
            try:
                proc.wait(timeout=_POLL_S)
                break
            except subprocess.TimeoutExpired:
                pass
            if time.monotonic() - start > limits.wall_s:
                killed_by = "wall_time"
            elif self.uid is not None and host.uid_rss_mb(self.uid) > limits.memory_mb:
                killed_by = "memory"
            if killed_by:
                host.kill_group(proc)
                break
        if self.uid is not None:  # the PID namespace is gone with its init; this catches any straggler
            host.kill_uid(self.uid)
        elif self.mode == "plain":  # background children of a program that exited normally
            host.kill_group(proc)
        return killed_by

    def _returncode(self, raw: int, status: str, err_path: Path, killed_by: str | None) -> int:
        if self.mode == "plain":
            return raw
        for line in status.splitlines():
            if line.startswith("execfail "):
                raise SandboxError(line.removeprefix("execfail ") + "; inside the sandbox use programs on "
                                   f"{BASE_ENV['PATH']} (e.g. 'python3'), not paths under a private home.")
            if line.startswith("status "):
                return os.waitstatus_to_exitcode(int(line.split()[1]))
        if "started" in status or killed_by:
            return -signal.SIGKILL  # stopped by the sandbox before the program reported
        detail = status.strip() or host.read_capped(err_path, 4000).strip()
        raise SandboxError(f"the sandbox failed to start (exit {raw}, mode {self.mode}): {detail}")

    def close(self) -> None:
        if self._slot is not None:
            host.kill_uid(self._slot.uid)
        if self._mounted:
            host.unmount(self._disk)
            self._mounted = False
        shutil.rmtree(self._private, onerror=host.force_remove)
        if self._slot is not None:
            self._slot.release()
            self._slot = None

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def open_sandbox(files: Mapping[str, str | bytes], disk_mb: int = SandboxLimits.disk_mb) -> Iterator[Sandbox]:
    """A sandbox holding `files` for several commands; removed on exit."""
    box = Sandbox(files, disk_mb)
    try:
        yield box
    finally:
        box.close()


def run_sandboxed(
    files: Mapping[str, str | bytes],
    argv: Sequence[str],
    limits: SandboxLimits = SandboxLimits(),  # noqa: B008 - frozen
    stdin: str | None = None,
    env: Mapping[str, str] | None = None,
    address_space_limit: bool = True,
) -> ExecResult:
    """Write `files` into a fresh temp dir, run argv there under `limits`, remove the dir.

    Pass address_space_limit=False to run AddressSanitizer binaries (they reserve terabytes of virtual
    memory and abort under RLIMIT_AS); memory is then bounded by the RSS watchdog ("uid" mode) and
    whatever the caller sets, e.g. ASAN_OPTIONS=hard_rss_limit_mb=...
    """
    with open_sandbox(files, limits.disk_mb) as box:
        return box.run(argv, limits, stdin, env, address_space_limit)


SANITIZE_FLAGS = ("-fsanitize=address,undefined", "-fno-sanitize-recover=undefined", "-fno-omit-frame-pointer")
COMPILE_LIMITS = SandboxLimits(wall_s=60.0, cpu_s=60.0)


@dataclass(frozen=True)
class CRunResult:
    compiled: ExecResult
    run: ExecResult | None       # None when it did not compile

    @property
    def ok(self) -> bool:
        return self.compiled.ok and self.run is not None and self.run.ok


def compile_and_run_c(
    files: Mapping[str, str | bytes],
    sources: Sequence[str] = ("main.c",),
    args: Sequence[str] = (),
    limits: SandboxLimits = SandboxLimits(),  # noqa: B008 - frozen
    stdin: str | None = None,
    sanitize: bool = True,
    cflags: Sequence[str] = (),
    compile_limits: SandboxLimits = COMPILE_LIMITS,
) -> CRunResult:
    """Compile `sources` with gcc (ASan + UBSan unless sanitize=False) and run ./a.out, both sandboxed.

    A sanitized binary runs without RLIMIT_AS (ASan reserves terabytes of address space); its memory is
    bounded by ASAN_OPTIONS=hard_rss_limit_mb=limits.memory_mb and, in "uid" mode, the RSS watchdog.
    A sanitizer report exits non-zero (UBSan included: -fno-sanitize-recover), so it reads as failure.
    """
    cmd = ["gcc", "-std=gnu17", "-g", "-O0", *(SANITIZE_FLAGS if sanitize else ()), *cflags, *sources]
    with open_sandbox(files, limits.disk_mb) as box:
        compiled = box.run([*cmd, "-o", "a.out", "-lm"], compile_limits)
        if not compiled.ok:
            return CRunResult(compiled, None)
        env = {
            "ASAN_OPTIONS": f"detect_leaks=0:hard_rss_limit_mb={limits.memory_mb}",
            "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
        }
        run = box.run(["./a.out", *args], limits, stdin, env, address_space_limit=not sanitize)
        return CRunResult(compiled, run)


def _isolated_python(argv: list[str]) -> list[str]:
    # Python ignores PYTHON* variables, the user site and the script dir's neighbours on sys.path with -I.
    if _PYTHON.fullmatch(os.path.basename(argv[0])) and "-I" not in argv[1:2]:
        return [argv[0], "-I", *argv[1:]]
    return argv


def _rlimits(limits: SandboxLimits, address_space_limit: bool, mode: str) -> dict[str, int]:
    procs = limits.max_procs
    if mode != "uid":  # the program shares our uid: allow what already runs plus max_procs
        procs += host.user_process_count()
    rlimits = {
        "RLIMIT_CPU": max(1, round(limits.cpu_s)),
        "RLIMIT_FSIZE": limits.file_size_mb * 2**20,
        "RLIMIT_NPROC": procs,
        "RLIMIT_CORE": 0,
    }
    if address_space_limit:
        rlimits["RLIMIT_AS"] = limits.memory_mb * 2**20
    return rlimits
