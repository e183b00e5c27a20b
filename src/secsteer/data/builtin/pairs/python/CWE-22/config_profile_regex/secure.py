import json
import re


def load_profile(profile: str) -> dict:
    if not re.fullmatch(r"[a-z0-9_-]+", profile):
        raise ValueError(f"invalid profile name {profile!r}")
    with open(f"config/{profile}.json", encoding="utf-8") as fh:
        return json.load(fh)
