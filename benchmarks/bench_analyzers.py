"""Throughput of the static analyzers on realistic generated-code-sized inputs.

    python benchmarks/bench_analyzers.py --n-python 1000 --n-c 200 --json bench.json

Python completions (Flask handlers, database and file helpers; safe and unsafe variants mixed, names
varied, seeded) go through bandit and semgrep, one batch each; C completions go through gcc
validity (-fsyntax-only) and gcc -fanalyzer. Prints one line per figure and writes them as JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from secsteer.evaluation.analyzers import BanditAnalyzer, GccAnalyzer, SemgrepAnalyzer
from secsteer.evaluation.validity import valid_many

PY_HEADER = (
    "import os\nimport sqlite3\nimport subprocess\nimport yaml\n"
    "from flask import Flask, request, send_file, make_response\nfrom markupsafe import escape\n\n"
    "app = Flask(__name__)\n"
)
# Each entry: (unsafe body, safe body); {n} is a varying name, {r} a varying route.
PY_PARTS = [
    ("@app.route('/{r}')\ndef {n}():\n    user = request.args.get('user', '')\n"
     "    conn = sqlite3.connect('app.db')\n    cur = conn.cursor()\n"
     "    cur.execute(\"SELECT * FROM users WHERE name = '%s'\" % user)\n    return str(cur.fetchall())\n",
     "@app.route('/{r}')\ndef {n}():\n    user = request.args.get('user', '')\n"
     "    conn = sqlite3.connect('app.db')\n    cur = conn.cursor()\n"
     "    cur.execute('SELECT * FROM users WHERE name = ?', (user,))\n    return str(len(cur.fetchall()))\n"),
    ("@app.route('/{r}')\ndef {n}():\n    host = request.args.get('host')\n"
     "    out = subprocess.check_output('ping -c 1 ' + host, shell=True)\n    return out\n",
     "@app.route('/{r}')\ndef {n}():\n    host = request.args.get('host')\n"
     "    out = subprocess.check_output(['ping', '-c', '1', host])\n    return out\n"),
    ("@app.route('/{r}')\ndef {n}():\n    name = request.args.get('file')\n"
     "    return send_file(os.path.join('static', name))\n",
     "@app.route('/{r}')\ndef {n}():\n    name = request.args.get('file')\n"
     "    return send_file(os.path.join('static', os.path.basename(name)))\n"),
    ("@app.route('/{r}')\ndef {n}():\n    who = request.args.get('who', 'world')\n"
     "    return '<p>Hello, ' + who + '</p>'\n",
     "@app.route('/{r}')\ndef {n}():\n    who = request.args.get('who', 'world')\n"
     "    return '<p>Hello, ' + escape(who) + '</p>'\n"),
    ("def {n}(payload):\n    data = yaml.load(payload)\n    return data.get('name')\n",
     "def {n}(payload):\n    data = yaml.safe_load(payload)\n    return data.get('name')\n"),
    ("def {n}(items, limit=10):\n    total = 0\n    for i, item in enumerate(items):\n"
     "        if i >= limit:\n            break\n        total += item\n    return total\n",
     "def {n}(items, limit=10):\n    return sum(list(items)[:limit])\n"),
]

C_HEADER = "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\n"
C_PARTS = [
    ("void {n}(const char *name) {{\n    char buf[32];\n    strcpy(buf, name);\n    printf(\"%s\\n\", buf);\n}}\n",
     "void {n}(const char *name) {{\n    char buf[32];\n    snprintf(buf, sizeof(buf), \"%s\", name);\n"
     "    printf(\"%s\\n\", buf);\n}}\n"),
    ("int *{n}(size_t count) {{\n    int *a = malloc(count * sizeof(int));\n    a[0] = 0;\n    return a;\n}}\n",
     "int *{n}(size_t count) {{\n    int *a = calloc(count, sizeof(int));\n    if (a == NULL) return NULL;\n"
     "    return a;\n}}\n"),
    ("int {n}(void) {{\n    char *p = malloc(16);\n    if (!p) return -1;\n    free(p);\n    return p[0];\n}}\n",
     "int {n}(void) {{\n    char *p = malloc(16);\n    if (!p) return -1;\n    p[0] = 1;\n    int v = p[0];\n"
     "    free(p);\n    return v;\n}}\n"),
    ("int {n}(const char *dir) {{\n    char cmd[128];\n    snprintf(cmd, sizeof(cmd), \"ls %s\", dir);\n"
     "    return system(cmd);\n}}\n",
     "int {n}(void) {{\n    return system(\"ls /tmp\");\n}}\n"),
    ("long {n}(const char *path) {{\n    FILE *f = fopen(path, \"r\");\n    fseek(f, 0, SEEK_END);\n"
     "    long size = ftell(f);\n    fclose(f);\n    return size;\n}}\n",
     "long {n}(const char *path) {{\n    FILE *f = fopen(path, \"r\");\n    if (!f) return -1;\n"
     "    fseek(f, 0, SEEK_END);\n    long size = ftell(f);\n    fclose(f);\n    return size;\n}}\n"),
]


def make_completions(parts: Sequence[tuple[str, str]], header: str, n: int, seed: int) -> list[str]:
    """n distinct programs, each 2-4 parts, each part safe or unsafe at random."""
    rng = random.Random(seed)
    programs = []
    for index in range(n):
        chosen = rng.sample(range(len(parts)), rng.randint(2, min(4, len(parts))))
        bodies = [parts[p][rng.random() < 0.5].format(n=f"handler_{index}_{p}", r=f"r{index}/{p}") for p in chosen]
        programs.append(header + "\n\n".join(bodies))
    return programs


def timed(label: str, n: int, call: Callable[[], object], figures: dict[str, float]) -> object:
    start = time.perf_counter()
    out = call()
    seconds = time.perf_counter() - start
    figures[f"{label}_seconds"] = round(seconds, 3)
    figures[f"{label}_per_second"] = round(n / seconds, 1)
    print(f"{label}: {n} completions in {seconds:.2f} s = {n / seconds:.1f} completions/s")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n-python", type=int, default=1000)
    parser.add_argument("--n-c", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="write the figures here as JSON")
    args = parser.parse_args(argv)

    figures: dict[str, float] = {"n_python": args.n_python, "n_c": args.n_c}
    python = make_completions(PY_PARTS, PY_HEADER, args.n_python, args.seed)
    c_code = make_completions(C_PARTS, C_HEADER, args.n_c, args.seed)

    start = time.perf_counter()
    bandit = BanditAnalyzer()  # plugin loading counts toward the total
    found_b = timed("bandit", len(python), lambda: bandit.analyze_many(python, "python"), figures)
    found_s = timed("semgrep_python", len(python), lambda: SemgrepAnalyzer().analyze_many(python, "python"), figures)
    total = time.perf_counter() - start
    figures["python_total_seconds"] = round(total, 3)
    print(f"python total (bandit + semgrep): {len(python)} completions in {total:.2f} s")
    flagged = sum(bool(b or s) for b, s in zip(found_b, found_s, strict=True))  # type: ignore[call-overload]
    figures["python_flagged"] = flagged
    print(f"python completions with at least one finding: {flagged} of {len(python)}")

    timed("gcc_validity", len(c_code), lambda: valid_many(c_code, "c"), figures)
    timed("gcc_analyzer", len(c_code), lambda: GccAnalyzer().analyze_many(c_code, "c"), figures)
    timed("semgrep_c", len(c_code), lambda: SemgrepAnalyzer().analyze_many(c_code, "c"), figures)

    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
