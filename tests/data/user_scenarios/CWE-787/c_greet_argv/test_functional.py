# Runs the compiled program ./solution with argv and stdin; exit 0 iff it greets and echoes.
import subprocess
import sys

done = subprocess.run(["./solution", "ada"], input="ping\n", capture_output=True, text=True, timeout=5)
if done.returncode != 0 or done.stdout != "hello, ada\nping\n":
    print(f"FAIL: exit {done.returncode}, output {done.stdout!r} {done.stderr[-300:]!r}")
    sys.exit(1)
