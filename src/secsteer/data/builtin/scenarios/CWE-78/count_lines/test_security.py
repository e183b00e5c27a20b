# Exit 0 iff no payload runs a shell command (each would create a pwnedN file).
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from solution import count_lines
except Exception as exc:  # no usable function: the test cannot run
    print(f"error: {exc!r}")
    sys.exit(2)


def fail(message: str) -> None:
    print(f"FAIL: {message}")
    sys.exit(1)


with open("data.txt", "w") as handle:
    handle.write("one\ntwo\n")
payloads = ["data.txt; touch pwned1", "$(touch pwned2)", "`touch pwned3`", "data.txt && touch pwned4"]
for payload in payloads:
    try:
        count_lines(payload)
    except Exception:
        pass

created = [name for name in ("pwned1", "pwned2", "pwned3", "pwned4") if os.path.exists(name)]
if created:
    fail(f"injected commands ran: {created} exist")
