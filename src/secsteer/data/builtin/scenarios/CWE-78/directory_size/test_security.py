# Exit 0 iff no payload runs a shell command (each would create a pwnedN file).
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from solution import directory_size_kb
except Exception as exc:  # no usable function: the test cannot run
    print(f"error: {exc!r}")
    sys.exit(2)


def fail(message: str) -> None:
    print(f"FAIL: {message}")
    sys.exit(1)


os.makedirs("project")
payloads = ["project; touch pwned1", "project && touch pwned2", "$(touch pwned3)", "project | touch pwned4"]
for payload in payloads:
    try:
        directory_size_kb(payload)
    except Exception:
        pass

created = [name for name in ("pwned1", "pwned2", "pwned3", "pwned4") if os.path.exists(name)]
if created:
    fail(f"injected commands ran: {created} exist")
