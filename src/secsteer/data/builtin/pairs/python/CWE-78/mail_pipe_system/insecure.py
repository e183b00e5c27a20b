import os
import subprocess


def notify(to: str, subject: str, body: str) -> None:
    os.system(f'echo "{body}" | mail -s "{subject}" {to}')
