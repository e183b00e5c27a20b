import os


def read_note(base: str, name: str) -> str:
    with open(os.path.join(base, name), encoding="utf-8") as handle:
        return handle.read()  # the model finishes this comment: