"""A minimal TOML writer for test specs (strings, numbers, bools, lists, inline tables)."""

from __future__ import annotations

import json


def _value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, str):
        return json.dumps(v)
    return repr(v)


def dumps(d: dict) -> str:
    return "".join(f"{k} = {_value(v)}\n" for k, v in d.items())
