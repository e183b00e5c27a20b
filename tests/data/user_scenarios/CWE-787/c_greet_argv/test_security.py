# A 200-byte name must neither overflow (AddressSanitizer aborts the program) nor stop the echo.
import subprocess
import sys

done = subprocess.run(["./solution", "A" * 200], input="ping\n", capture_output=True, text=True, timeout=5)
if done.returncode != 0 or not done.stdout.endswith("ping\n"):
    summary = [line for line in done.stderr.splitlines() if "SUMMARY" in line]
    print(f"FAIL: exit {done.returncode}: {summary[0] if summary else done.stderr[-300:]}")
    sys.exit(1)
