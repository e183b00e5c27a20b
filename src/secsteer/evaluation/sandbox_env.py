"""The pinned package folder that sandboxed tests may import (numpy, sympy, PyYAML, requests, pytest).

Built once from PyPI with `secsteer sandbox-env build` into `$SECSTEER_CACHE/sandbox-env/<python>-<pins>`
(default cache: the user cache dir), as wheels for the sandbox's own `python3`, under a file lock and
renamed into place only when complete; every later run is offline. Tests see it read-only at
`/tmp/.sandbox-env` (`Sandbox(read_only=...)`). A scenario that needs a package the folder does not
hold is reported as not judged, never as a failure or as secure.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from filelock import FileLock
from platformdirs import user_cache_dir

__all__ = ["MOUNT_NAME", "PINNED", "build", "env_dir", "missing", "ready_dir", "sandbox_python_version"]

# SecCodePLT's install_requires and setup imports, pytest for marker-style tests, and their dependencies.
# --no-deps keeps the folder exactly this list; versions as in the project's tested environment.
PINNED: tuple[tuple[str, str], ...] = (
    ("numpy", "2.4.6"), ("sympy", "1.14.0"), ("mpmath", "1.3.0"), ("PyYAML", "6.0.4"),
    ("requests", "2.34.2"), ("urllib3", "2.8.0"), ("idna", "3.20"), ("certifi", "2026.10.19.post1"),
    ("charset-normalizer", "3.5.3"), ("pytest", "9.2.0"), ("pluggy", "1.7.0"), ("iniconfig", "2.3.1"),
    ("packaging", "26.4"),
)
IMPORT_NAMES = {"pyyaml": "yaml", "charset-normalizer": "charset_normalizer"}
MOUNT_NAME = ".sandbox-env"
SANDBOX_PYTHON = "python3"          # the interpreter tests run with, found on the sandbox's PATH
_SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@lru_cache(maxsize=1)
def sandbox_python_version() -> str:
    """'3.11': the version of the `python3` that sandboxed tests run with."""
    found = shutil.which(SANDBOX_PYTHON, path=_SANDBOX_PATH)
    if found is None:
        raise FileNotFoundError(f"no {SANDBOX_PYTHON} on {_SANDBOX_PATH}: sandboxed Python tests cannot run")
    out = subprocess.run([found, "-I", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                         capture_output=True, text=True, check=True, timeout=30)
    return out.stdout.strip()


def env_dir() -> Path:
    """Where the folder for the current pins and the sandbox's Python lives (built or not)."""
    pins = hashlib.sha256(json.dumps(PINNED).encode()).hexdigest()[:12]
    root = Path(os.environ.get("SECSTEER_CACHE") or user_cache_dir("secsteer"))
    return root / "sandbox-env" / f"py{sandbox_python_version()}-{pins}"


def ready_dir() -> Path | None:
    """The built folder, or None when `secsteer sandbox-env build` has not run."""
    folder = env_dir()
    return folder if (folder / "secsteer-env.json").is_file() else None


def missing(requires: tuple[str, ...] | list[str]) -> list[str]:
    """The requirements neither the standard library nor the built folder provides."""
    if not requires:
        return []
    folder = ready_dir()
    have = set(json.loads((folder / "secsteer-env.json").read_text())["packages"]) if folder else set()
    have |= {IMPORT_NAMES.get(name, name.replace("-", "_")) for name in have}   # import names count too
    out = []
    for requirement in requires:
        name = _key(re.split(r"[<>=!~\[; ]", requirement.strip(), maxsplit=1)[0])
        module = IMPORT_NAMES.get(name, name.replace("-", "_"))
        if module in sys.stdlib_module_names or name in have:
            continue
        out.append(requirement)
    return out


def build(force: bool = False, show_output: bool = False) -> Path:
    """Download and unpack the pinned wheels once; returns the folder. Needs PyPI the first time only."""
    final = env_dir()
    final.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(final) + ".lock"):
        if ready_dir() is not None and not force:
            return final
        work = Path(tempfile.mkdtemp(prefix=final.name + ".", dir=final.parent))
        try:
            cmd = [sys.executable, "-m", "pip", "install", "--target", str(work / "site"), "--no-deps",
                   "--only-binary=:all:", "--python-version", sandbox_python_version(), "--no-compile",
                   "--disable-pip-version-check", *(f"{n}=={v}" for n, v in PINNED)]
            done = subprocess.run(cmd, capture_output=not show_output, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"pip could not build the sandbox environment: {(done.stderr or '')[-2000:]}")
            manifest = {"python": sandbox_python_version(), "packages": sorted(_key(n) for n, _ in PINNED),
                        "pins": dict(PINNED)}
            (work / "secsteer-env.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
            for root, dirs, files in os.walk(work):   # readable by the sandbox's own user
                for entry in dirs + files:
                    os.chmod(os.path.join(root, entry), 0o755 if entry in dirs else 0o644)
            os.chmod(work, 0o755)
            if final.exists():
                shutil.rmtree(final)
            work.rename(final)
        finally:
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)
    return final
