"""Run one command and report its wall time and peak memory: `python -m benchmarks.measure --json F -- CMD ...`.

Peak memory is ru_maxrss of the waited-for children, i.e. of the largest single process in the command's tree,
measured in this fresh process so that no earlier child of the benchmark runner is counted.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path


def measure(command: list[str], log: Path) -> dict[str, object]:
    log.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, text=True)
    wall = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    tail = log.read_text(errors="replace").strip().splitlines()[-5:]
    return {
        "command": command, "returncode": proc.returncode, "wall_s": wall,
        "max_rss_mb": usage.ru_maxrss / 1024,       # Linux reports kilobytes
        "user_cpu_s": usage.ru_utime, "system_cpu_s": usage.ru_stime,
        "log": str(log), "stderr_tail": " | ".join(tail),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.measure", description=__doc__)
    parser.add_argument("--json", type=Path, required=True, help="where the result goes")
    parser.add_argument("--log", type=Path, required=True, help="where the command's output goes")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to measure after --")
    result = measure(command, args.log)
    args.json.write_text(json.dumps(result, indent=1))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
