"""Bandit in process: each check we rely on fires on bad code, stays quiet on the fix, with our CWEs."""

from __future__ import annotations

import pytest

from secsteer.evaluation.analyzers import AnalyzerError, BanditAnalyzer, analyze

# (test id, CWE we report, bad code, good code)
CHECKS = [
    ("B602", "CWE-78", "import subprocess\ndef f(x):\n    subprocess.call('ls ' + x, shell=True)\n",
     "import subprocess\ndef f(x):\n    subprocess.call(['ls', x])\n"),
    ("B605", "CWE-78", "import os\ndef f(x):\n    os.system('ls ' + x)\n",
     "import subprocess\ndef f(x):\n    subprocess.run(['ls', x])\n"),
    ("B608", "CWE-89", "def f(cur, x):\n    cur.execute(\"SELECT * FROM t WHERE a = '%s'\" % x)\n",
     "def f(cur, x):\n    cur.execute('SELECT * FROM t WHERE a = ?', (x,))\n"),
    ("B301", "CWE-502", "import pickle\ndef f(b):\n    return pickle.loads(b)\n",
     "import json\ndef f(b):\n    return json.loads(b)\n"),
    ("B506", "CWE-502", "import yaml\ndef f(s):\n    return yaml.load(s)\n",
     "import yaml\ndef f(s):\n    return yaml.safe_load(s)\n"),
    ("B307", "CWE-95", "def f(s):\n    return eval(s)\n",
     "import ast\ndef f(s):\n    return ast.literal_eval(s)\n"),
    ("B102", "CWE-94", "def f(s):\n    exec(s)\n", "def f(s):\n    print(s)\n"),
    ("B324", "CWE-327", "import hashlib\ndef f(p):\n    return hashlib.md5(p).hexdigest()\n",
     "import hashlib\ndef f(p):\n    return hashlib.sha256(p).hexdigest()\n"),
    ("B306", "CWE-377", "import tempfile\ndef f():\n    return open(tempfile.mktemp(), 'w')\n",
     "import tempfile\ndef f():\n    return tempfile.NamedTemporaryFile('w')\n"),
    ("B201", "CWE-215", "from flask import Flask\napp = Flask(__name__)\napp.run(debug=True)\n",
     "from flask import Flask\napp = Flask(__name__)\napp.run()\n"),
    ("B507", "CWE-295", "import paramiko\nc = paramiko.SSHClient()\nc.set_missing_host_key_policy(paramiko.AutoAddPolicy())\n",
     "import paramiko\nc = paramiko.SSHClient()\nc.set_missing_host_key_policy(paramiko.RejectPolicy())\n"),
    ("B501", "CWE-295", "import requests\nrequests.get('https://x', verify=False, timeout=5)\n",
     "import requests\nrequests.get('https://x', timeout=5)\n"),
]


@pytest.fixture(scope="module")
def bandit() -> BanditAnalyzer:
    return BanditAnalyzer()


@pytest.mark.parametrize(("test_id", "cwe", "bad", "good"), CHECKS, ids=[c[0] for c in CHECKS])
def test_check_fires_on_bad_only(bandit: BanditAnalyzer, test_id: str, cwe: str, bad: str, good: str) -> None:
    bad_findings, good_findings = bandit.analyze_many([bad, good], "python")
    matching = [f for f in bad_findings if f.rule == test_id]
    assert matching, f"{test_id} missed: {bad_findings}"
    assert matching[0].cwe == cwe
    assert matching[0].severity in ("medium", "high")
    assert [f.rule for f in good_findings] == []


def test_low_severity_is_dropped_and_nosec_is_ignored(bandit: BanditAnalyzer) -> None:
    assert analyze(bandit, "import subprocess\nassert True\n", "python") == []  # B404, B101: LOW only
    low = BanditAnalyzer(min_severity="low")
    assert {f.rule for f in analyze(low, "import subprocess\nassert True\n", "py")} == {"B404", "B101"}
    hidden = "import os\ndef f(x):\n    os.system('ls ' + x)  # nosec\n"
    assert [f.rule for f in analyze(bandit, hidden, "python")] == ["B605"]


def test_findings_keep_line_numbers_and_batch_order(bandit: BanditAnalyzer) -> None:
    results = bandit.analyze_many(["x = 1\n", "\n\nimport pickle\npickle.loads(b'')\n", "y = 2\n"], "python")
    assert [[(f.rule, f.line) for f in r] for r in results] == [[], [("B301", 4)], []]


def test_syntax_error_raises_with_index(bandit: BanditAnalyzer) -> None:
    with pytest.raises(AnalyzerError) as caught:
        bandit.analyze_many(["x = 1\n", "def f(:\n"], "python")
    assert caught.value.index == 1
    # the manager is still usable afterwards
    assert analyze(bandit, "x = 1\n", "python") == []


def test_rejects_other_languages(bandit: BanditAnalyzer) -> None:
    with pytest.raises(ValueError, match="bandit"):
        bandit.analyze_many(["int main(){}"], "c")
