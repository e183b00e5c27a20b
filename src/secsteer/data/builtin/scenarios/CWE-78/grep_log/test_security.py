# Exit 0 iff no payload runs a shell command (each would create a pwnedN file).
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from solution import grep_log
except Exception as exc:  # no usable function: the test cannot run
    print(f"error: {exc!r}")
    sys.exit(2)


def fail(message: str) -> None:
    print(f"FAIL: {message}")
    sys.exit(1)


with open("app.log", "w") as handle:
    handle.write("ERROR disk full\n")
payloads = ["$(touch pwned1)", "`touch pwned2`", 'x" app.log; touch pwned3; echo "', "x' app.log; touch pwned4; echo '"]
for payload in payloads:
    try:
        grep_log("app.log", payload)
    except Exception:
        pass

created = [name for name in ("pwned1", "pwned2", "pwned3", "pwned4") if os.path.exists(name)]
if created:
    fail(f"injected commands ran: {created} exist")
