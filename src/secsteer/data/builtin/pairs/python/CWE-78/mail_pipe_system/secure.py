import os
import subprocess


def notify(to: str, subject: str, body: str) -> None:
    subprocess.run(["mail", "-s", subject, to], input=body, text=True, check=True)
