"""Every secsteer module imports on its own, first thing in a fresh interpreter (no import cycles).

The suite imports modules in one order, which hides a cycle that only bites when a user's script imports
that module first (`import secsteer.steering` once failed: steering → vectors → generation → steering).
"""

from __future__ import annotations

import subprocess
import sys

# Purging secsteer from sys.modules between imports makes each import a first import of secsteer while
# torch and the other third-party modules stay loaded, so one interpreter checks every module.
SCRIPT = r"""
import importlib, pkgutil, sys
import secsteer
names = sorted(m.name for m in pkgutil.walk_packages(secsteer.__path__, "secsteer.")
               if not m.name.endswith("__main__"))   # runs the CLI
failed = []
for name in names:
    for loaded in [m for m in sys.modules if m == "secsteer" or m.startswith("secsteer.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as e:          # an optional extra that is not installed is not a cycle
        if (e.name or "").startswith("secsteer"):
            failed.append(f"{name}: {e!r}")
    except Exception as e:
        failed.append(f"{name}: {e!r}")
print(len(names))
print("\n".join(failed))
"""


def test_every_module_imports_first_in_a_fresh_interpreter() -> None:
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    count, *failed = proc.stdout.strip().splitlines()
    assert int(count) > 100                  # it really walked the package
    assert not [line for line in failed if line], "\n".join(failed)
